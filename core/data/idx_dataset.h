#pragma once
// MNIST / Fashion-MNIST in IDX format: train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz],
// t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz] (also the "train-images.idx3-ubyte"
// spelling). Gzip or raw. Every check failure is an ft::UserError naming the file.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "data/in_memory_dataset.h"

namespace ft::data {

enum class IdxSplit { Train, Test };

struct IdxFiles {
  std::filesystem::path images;
  std::filesystem::path labels;
};

// The image and label files of `split` in `folder`, if both exist.
std::optional<IdxFiles> findIdxFiles(const std::filesystem::path& folder, IdxSplit split);

// "Fashion-MNIST" class names when the path contains "fashion" (any case), else "0".."9".
std::vector<std::string> idxClassNames(const std::filesystem::path& folder);

// Reads one pair of files. Images become CV_8UC1 rows x cols (28 x 28 for MNIST).
std::shared_ptr<InMemoryDataset> loadIdxFiles(const IdxFiles& files, std::vector<std::string> classNames,
                                              std::string description);

// Finds and reads `split` of the data set in `folder`; a missing file is a UserError.
std::shared_ptr<InMemoryDataset> loadIdxDataset(const std::filesystem::path& folder, IdxSplit split);

}  // namespace ft::data
