#pragma once
// CIFAR-10, binary version: data_batch_1.bin .. data_batch_5.bin, test_batch.bin (records of one
// label byte + 1024 R + 1024 G + 1024 B bytes of a 32 x 32 image) and batches.meta.txt (class
// names, one per line). Images are stored interleaved RGB, CV_8UC3.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "data/in_memory_dataset.h"

namespace ft::data {

enum class Cifar10Split { Train, Test };

constexpr std::size_t kCifarRecordBytes = 1 + 32 * 32 * 3;
constexpr std::size_t kCifarRecordsPerBatch = 10000;

// The files of `split` in `folder` (five training batches or the test batch).
std::vector<std::filesystem::path> cifar10Files(const std::filesystem::path& folder, Cifar10Split split);

// Class names from batches.meta.txt (ten non-empty lines), or the standard CIFAR-10 names
// when the file is absent.
std::vector<std::string> cifar10ClassNames(const std::filesystem::path& folder);

// Reads `split`. Each batch file must hold exactly 10000 records unless `strictRecordCount`
// is false, in which case any whole number of records is accepted (tests, trimmed copies).
std::shared_ptr<InMemoryDataset> loadCifar10Dataset(const std::filesystem::path& folder, Cifar10Split split,
                                                    bool strictRecordCount = true);

}  // namespace ft::data
