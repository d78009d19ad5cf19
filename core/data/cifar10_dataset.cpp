#include "data/cifar10_dataset.h"

#include <fstream>

#include "common/error.h"

namespace ft::data {

namespace {

constexpr std::size_t kPlane = 32 * 32;
const char* const kFix =
    "Point data.path at the extracted cifar-10-batches-bin folder (the binary version of "
    "CIFAR-10).";

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

// Appends the records of one batch file to `pixels` / `labels`.
void readBatch(const std::filesystem::path& file, bool strict, std::vector<std::uint8_t>& pixels,
               std::vector<std::uint8_t>& labels) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    throw UserError(file.string() +
                    ": missing. A CIFAR-10 folder has data_batch_1.bin .. "
                    "data_batch_5.bin and test_batch.bin. " +
                    kFix);
  const auto bytes = std::filesystem::file_size(file, ec);
  if (ec) throw UserError(file.string() + ": cannot read its size (" + ec.message() + ").");
  if (bytes == 0 || bytes % kCifarRecordBytes != 0 ||
      (strict && bytes != kCifarRecordBytes * kCifarRecordsPerBatch)) {
    throw UserError(
        file.string() + ": wrong size " + std::to_string(bytes) + " bytes; a CIFAR-10 batch holds " +
        std::to_string(kCifarRecordsPerBatch) + " records of " + std::to_string(kCifarRecordBytes) +
        " bytes (" + std::to_string(kCifarRecordBytes * kCifarRecordsPerBatch) +
        "). The file is damaged or not CIFAR-10 (CIFAR-100 is not supported); " + "download it again.");
  }
  std::vector<std::uint8_t> raw(bytes);
  std::ifstream in(file, std::ios::binary);
  if (!in.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(bytes)))
    throw UserError(file.string() + ": read error. Check the file and its permissions.");

  const std::size_t records = bytes / kCifarRecordBytes;
  const std::size_t base = pixels.size();
  pixels.resize(base + records * kPlane * 3);
  labels.reserve(labels.size() + records);
  for (std::size_t r = 0; r < records; ++r) {
    const std::uint8_t* record = raw.data() + r * kCifarRecordBytes;
    if (record[0] > 9)
      throw UserError(file.string() + ": label " + std::to_string(record[0]) + " of record " +
                      std::to_string(r) + " is out of range (expected 0..9). The file is " +
                      "damaged or not CIFAR-10; download it again.");
    labels.push_back(record[0]);
    const std::uint8_t* red = record + 1;
    const std::uint8_t* green = red + kPlane;
    const std::uint8_t* blue = green + kPlane;
    std::uint8_t* out = pixels.data() + base + r * kPlane * 3;
    for (std::size_t i = 0; i < kPlane; ++i) {
      out[3 * i] = red[i];
      out[3 * i + 1] = green[i];
      out[3 * i + 2] = blue[i];
    }
  }
}

}  // namespace

std::vector<std::filesystem::path> cifar10Files(const std::filesystem::path& folder, Cifar10Split split) {
  if (split == Cifar10Split::Test) return {folder / "test_batch.bin"};
  std::vector<std::filesystem::path> files;
  for (int i = 1; i <= 5; ++i) files.push_back(folder / ("data_batch_" + std::to_string(i) + ".bin"));
  return files;
}

std::vector<std::string> cifar10ClassNames(const std::filesystem::path& folder) {
  const auto meta = folder / "batches.meta.txt";
  std::error_code ec;
  if (!std::filesystem::exists(meta, ec))
    return {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
  std::ifstream in(meta);
  if (!in) throw UserError(meta.string() + ": cannot open. Check its permissions.");
  std::vector<std::string> names;
  std::string line;
  while (std::getline(in, line)) {
    line = trim(line);
    if (!line.empty()) names.push_back(line);
  }
  if (names.size() != 10)
    throw UserError(meta.string() + ": lists " + std::to_string(names.size()) +
                    " class names, expected 10 (one per line). Restore the file from the " +
                    "CIFAR-10 download or delete it to use the standard names.");
  return names;
}

std::shared_ptr<InMemoryDataset> loadCifar10Dataset(const std::filesystem::path& folder, Cifar10Split split,
                                                    bool strictRecordCount) {
  auto names = cifar10ClassNames(folder);
  std::vector<std::uint8_t> pixels;
  std::vector<std::uint8_t> labels;
  for (const auto& file : cifar10Files(folder, split)) readBatch(file, strictRecordCount, pixels, labels);
  const bool train = split == Cifar10Split::Train;
  return std::make_shared<InMemoryDataset>(std::move(pixels), std::move(labels), 32, 32, 3, std::move(names),
                                           "CIFAR-10 binary at " + folder.string() +
                                               (train ? " (train)" : " (test)"));
}

}  // namespace ft::data
