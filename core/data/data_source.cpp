#include "data/data_source.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/error.h"
#include "data/cifar10_dataset.h"
#include "data/idx_dataset.h"
#include "data/image_folder_dataset.h"
#include "data/random.h"
#include "data/split.h"

namespace ft::data {

namespace fs = std::filesystem;

namespace {

const char* const kLayouts =
    "Accepted layouts: MNIST/Fashion-MNIST IDX files (train-images-idx3-ubyte[.gz], ...), "
    "CIFAR-10 binary batches (data_batch_1.bin ... test_batch.bin), or an image folder "
    "(<path>/<class name>/*.jpg|png|...).";

bool isDirectory(const fs::path& path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

bool hasSubfolder(const fs::path& path) {
  std::error_code ec;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.empty() && name[0] != '.' && it->is_directory(ec)) return true;
  }
  return false;
}

std::string joinNames(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

// Validation class names must equal the training ones (same order, since both are sorted).
void requireSameClasses(const Dataset& train, const Dataset& validation, const fs::path& where,
                        const std::string& fix) {
  const auto& a = train.classNames();
  const auto& b = validation.classNames();
  if (a == b) return;
  std::vector<std::string> missing, extra;
  for (const auto& name : a)
    if (std::find(b.begin(), b.end(), name) == b.end()) missing.push_back(name);
  for (const auto& name : b)
    if (std::find(a.begin(), a.end(), name) == a.end()) extra.push_back(name);
  std::string detail;
  if (!missing.empty()) detail += "missing " + joinNames(missing);
  if (!extra.empty()) detail += std::string(detail.empty() ? "" : "; ") + "extra " + joinNames(extra);
  if (detail.empty()) detail = "same names in a different order";
  throw UserError(where.string() + ": validation classes (" + joinNames(b) +
                  ") do not match the training classes (" + joinNames(a) + "): " + detail + ". " + fix);
}

void appendWarnings(ScanReport& report, const Dataset& dataset) {
  if (const auto* folder = dynamic_cast<const ImageFolderDataset*>(&dataset))
    for (const auto& warning : folder->report().warnings) report.warnings.push_back(warning);
}

std::size_t limitOf(std::int64_t limit) { return limit > 0 ? static_cast<std::size_t>(limit) : 0; }

}  // namespace

std::string detectFormat(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec))
    throw UserError(path.string() + ": does not exist. Set data.path to your data folder. " + kLayouts);
  if (!isDirectory(path))
    throw UserError(path.string() + ": not a folder. Set data.path to the folder holding the " + "data. " +
                    kLayouts);
  if (findIdxFiles(path, IdxSplit::Train)) return "idx";
  if (fs::is_regular_file(path / "data_batch_1.bin", ec)) return "cifar10";
  if (hasSubfolder(path)) return "folder";
  throw UserError(path.string() + ": no data set recognised. " + kLayouts);
}

OpenedData openData(const config::DataConfig& config, std::uint64_t seed) {
  if (config.path.empty())
    throw UserError(std::string("data.path is empty: set it to your data folder. ") + kLayouts);
  const fs::path root = config.path;
  const std::string format = config.format == "auto" ? detectFormat(root) : config.format;
  if (format != "idx" && format != "cifar10" && format != "folder")
    throw UserError("data.format \"" + config.format +
                    "\" is not supported: use auto, idx, cifar10 or folder.");
  const std::string& validation = config.validation;
  if (validation != "test_split" && validation != "folder" && validation != "split")
    throw UserError("data.validation \"" + validation +
                    "\" is not supported: use test_split, folder or split.");
  if (format != "folder" && !isDirectory(root)) detectFormat(root);  // names the problem

  OpenedData data;
  DatasetPtr trainSet;
  DatasetPtr validationSet;
  std::string validationOrigin;
  const bool testSplit = validation == "test_split";
  if (format == "idx") {
    trainSet = loadIdxDataset(root, IdxSplit::Train);
    if (testSplit) validationSet = loadIdxDataset(root, IdxSplit::Test);
  } else if (format == "cifar10") {
    trainSet = loadCifar10Dataset(root, Cifar10Split::Train);
    if (testSplit) validationSet = loadCifar10Dataset(root, Cifar10Split::Test);
  } else {
    const ImageFolderOptions options{config.grayscale, config.verifyImages};
    const bool splitLayout = isDirectory(root / "train") &&
                             (isDirectory(root / "test") || isDirectory(root / "val"));
    trainSet = ImageFolderDataset::open(splitLayout ? root / "train" : root, options);
    if (testSplit) {
      if (!splitLayout)
        throw UserError(root.string() + ": data.validation \"test_split\" needs " +
                        (root / "train").string() + "/ and " + (root / "test").string() +
                        "/ (or val/) subfolders, each with the class folders. Set " +
                        "data.validation to \"split\" to hold out part of the images, or to " +
                        "\"folder\" with data.validation_path.");
      const fs::path testRoot = isDirectory(root / "test") ? root / "test" : root / "val";
      validationSet = ImageFolderDataset::open(testRoot, options);
      requireSameClasses(*trainSet, *validationSet, testRoot,
                         "Give the train/ and test/ folders the same class subfolders.");
      validationOrigin = "folder " + testRoot.string();
    }
  }
  if (testSplit && validationOrigin.empty()) validationOrigin = "test split";

  std::vector<std::size_t> trainIndices = allIndices(*trainSet);
  std::vector<std::size_t> validationIndices;
  if (validation == "folder") {
    if (config.validationPath.empty())
      throw UserError("data.validation_path is empty: set it to a folder of validation images "
                      "(<path>/<class name>/...), or set data.validation to \"split\" or "
                      "\"test_split\".");
    validationSet = ImageFolderDataset::open(config.validationPath,
                                             ImageFolderOptions{config.grayscale, config.verifyImages});
    requireSameClasses(*trainSet, *validationSet, config.validationPath,
                       "data.validation_path needs one subfolder per training class, named "
                       "exactly like the training classes.");
    validationIndices = allIndices(*validationSet);
    validationOrigin = "folder " + config.validationPath;
  } else if (validation == "split") {
    if (!(config.validationPercent > 0.0 && config.validationPercent <= 90.0))
      throw UserError("data.validation_percent must be in (0, 90] (got " +
                      std::to_string(config.validationPercent) + ").");
    auto split = stratifiedSplit(*trainSet, trainIndices, config.validationPercent,
                                 purposeSeed(seed, SeedPurpose::ValidationSplit));
    trainIndices = std::move(split.train);
    validationIndices = std::move(split.validation);
    validationSet = trainSet;
    char percent[32];
    std::snprintf(percent, sizeof percent, "%g%%", config.validationPercent);
    validationOrigin = std::string(percent) + " stratified hold-out of the training set";
  } else {
    validationIndices = allIndices(*validationSet);
  }

  trainIndices = stratifiedSubset(*trainSet, trainIndices, limitOf(config.trainLimit),
                                  purposeSeed(seed, SeedPurpose::TrainLimit));
  validationIndices = stratifiedSubset(*validationSet, validationIndices, limitOf(config.validationLimit),
                                       purposeSeed(seed, SeedPurpose::ValidationLimit));
  if (trainIndices.empty())
    throw UserError(root.string() + ": no training images left after the validation split. " +
                    "Add images or lower data.validation_percent.");
  if (validationIndices.empty())
    throw UserError(root.string() + ": the validation set is empty. Add images, raise " +
                    "data.validation_percent, or choose another data.validation.");

  data.classNames = trainSet->classNames();
  data.report.classNames = data.classNames;
  data.report.imagesPerClass = countPerClass(*trainSet, trainIndices);
  appendWarnings(data.report, *trainSet);
  if (validationSet != trainSet) appendWarnings(data.report, *validationSet);

  data.description = trainSet->describe() + ": " + std::to_string(trainIndices.size()) +
                     " training images, " + std::to_string(validationIndices.size()) +
                     " validation images (" + validationOrigin + "), " +
                     std::to_string(data.classNames.size()) + " classes";
  if (config.trainLimit > 0 && static_cast<std::size_t>(config.trainLimit) <= trainIndices.size())
    data.description += ", train limit " + std::to_string(config.trainLimit);
  if (config.validationLimit > 0 &&
      static_cast<std::size_t>(config.validationLimit) <= validationIndices.size())
    data.description += ", validation limit " + std::to_string(config.validationLimit);
  data.train = DataView{trainSet, std::move(trainIndices)};
  data.validation = DataView{validationSet, std::move(validationIndices)};
  return data;
}

}  // namespace ft::data
