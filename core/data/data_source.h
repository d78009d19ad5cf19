#pragma once
// Opening the training and validation data a RunConfig asks for.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "config/run_config.h"
#include "data/dataset.h"

namespace ft::data {

// A data set plus the indices of the samples a split uses.
struct DataView {
  DatasetPtr dataset;
  std::vector<std::size_t> indices;
};

struct OpenedData {
  DataView train;
  DataView validation;
  std::vector<std::string> classNames;
  ScanReport report;  // counts per class of the training data + warnings
  std::string description;
};

// Opens config.data: format "auto" | "idx" | "cifar10" | "folder"; validation "test_split" |
// "folder" | "split" (seeded, stratified, validation_percent); train_limit / validation_limit
// take a seeded stratified subset (0 = all). Throws ft::UserError with file and fix.
OpenedData openData(const config::DataConfig& config, std::uint64_t seed);

// The layout at `path` for format "auto": "idx" (train-images-idx3-ubyte[.gz] present),
// "cifar10" (data_batch_1.bin present) or "folder" (has subfolders). Throws ft::UserError
// naming the path and the three accepted layouts otherwise.
std::string detectFormat(const std::filesystem::path& path);

}  // namespace ft::data
