#include "data/idx_dataset.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <vector>

#include <unistd.h>

#include "common/error.h"
#include "data/gz_reader.h"

namespace ft::data {

namespace {

constexpr std::uint32_t kImageMagic = 2051;  // 0x00000803: unsigned byte, 3 dimensions
constexpr std::uint32_t kLabelMagic = 2049;  // 0x00000801: unsigned byte, 1 dimension
constexpr std::uint32_t kMaxSide = 1 << 14;
const char* const kFix = "Point data.path at a folder with MNIST/Fashion-MNIST IDX files.";

std::uint32_t bigEndian(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

// Reads `count` header words; a short file is "truncated".
template <std::size_t N>
std::array<std::uint32_t, N> readHeader(GzReader& reader, const char* what) {
  unsigned char bytes[N * 4];
  if (reader.read(bytes, sizeof bytes) != sizeof bytes)
    throw UserError(reader.path() + ": too short for an IDX " + what + " file (" +
                    std::to_string(sizeof bytes) + "-byte header expected). " + kFix);
  std::array<std::uint32_t, N> words{};
  for (std::size_t i = 0; i < N; ++i) words[i] = bigEndian(bytes + 4 * i);
  return words;
}

// Bytes of physical memory, or 0 when unknown.
std::uint64_t physicalMemory() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), pageSize = ::sysconf(_SC_PAGE_SIZE);
  return pages > 0 && pageSize > 0 ? std::uint64_t(pages) * std::uint64_t(pageSize) : 0;
}

// Reads exactly `expected` payload bytes, then insists the file ends there. The data arrives in
// chunks of 64 MiB (above glibc's largest mmap threshold, so each is its own mapping and goes
// back to the system when freed): a bogus header cannot make us allocate more than the file
// holds, and the one buffer of the final size is filled chunk by chunk while they are freed, so
// the peak stays near the payload plus one chunk (a doubling vector peaked at 3x).
std::vector<std::uint8_t> readPayload(GzReader& reader, std::size_t expected, const char* unit,
                                      std::size_t unitBytes) {
  const std::uint64_t memory = physicalMemory();
  if (memory > 0 && expected > memory)
    throw UserError(reader.path() + ": the header announces " + std::to_string(expected / unitBytes) + " " +
                    unit + " (" + std::to_string(expected >> 20) +
                    " MiB), more than this machine's memory (" + std::to_string(memory >> 20) +
                    " MiB). The file is damaged or not an IDX file.");
  constexpr std::size_t kChunk = std::size_t{64} << 20;
  std::vector<std::vector<std::uint8_t>> chunks;
  std::size_t have = 0;
  while (have < expected) {
    chunks.emplace_back(std::min(kChunk, expected - have));
    auto& chunk = chunks.back();
    const std::size_t got = reader.read(chunk.data(), chunk.size());
    have += got;
    if (got < chunk.size()) {
      throw UserError(reader.path() + ": truncated: the header announces " +
                      std::to_string(expected / unitBytes) + " " + unit + " but the file holds " +
                      std::to_string(have / unitBytes) + ". Download the file again.");
    }
  }
  unsigned char extra = 0;
  if (reader.read(&extra, 1) != 0)
    throw UserError(reader.path() + ": longer than its header says (" + std::to_string(expected / unitBytes) +
                    " " + unit + " announced). The file is damaged or not an IDX file; download it again.");
  if (chunks.size() == 1) return std::move(chunks.front());
  std::vector<std::uint8_t> data;
  data.reserve(expected);  // reserved pages are not touched until written
  for (auto& chunk : chunks) {
    data.insert(data.end(), chunk.begin(), chunk.end());
    std::vector<std::uint8_t>().swap(chunk);
  }
  return data;
}

bool pathLooksFashion(const std::filesystem::path& folder) {
  std::string text = folder.string();
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text.find("fashion") != std::string::npos;
}

std::optional<std::filesystem::path> firstExisting(const std::filesystem::path& folder,
                                                   std::initializer_list<const char*> names) {
  for (const char* name : names) {
    for (const char* suffix : {"", ".gz"}) {
      std::error_code ec;
      const auto candidate = folder / (std::string(name) + suffix);
      if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<IdxFiles> findIdxFiles(const std::filesystem::path& folder, IdxSplit split) {
  const bool train = split == IdxSplit::Train;
  const auto images = train ? firstExisting(folder, {"train-images-idx3-ubyte", "train-images.idx3-ubyte"})
                            : firstExisting(folder, {"t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"});
  const auto labels = train ? firstExisting(folder, {"train-labels-idx1-ubyte", "train-labels.idx1-ubyte"})
                            : firstExisting(folder, {"t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"});
  if (!images || !labels) return std::nullopt;
  return IdxFiles{*images, *labels};
}

std::vector<std::string> idxClassNames(const std::filesystem::path& folder) {
  if (pathLooksFashion(folder))
    return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
}

std::shared_ptr<InMemoryDataset> loadIdxFiles(const IdxFiles& files, std::vector<std::string> classNames,
                                              std::string description) {
  GzReader imageReader(files.images.string());
  const auto imageHeader = readHeader<4>(imageReader, "image");
  if (imageHeader[0] != kImageMagic)
    throw UserError(imageReader.path() + ": not an IDX image file (magic number " +
                    std::to_string(imageHeader[0]) + ", expected " + std::to_string(kImageMagic) + "). " +
                    kFix);
  const std::uint32_t count = imageHeader[1], rows = imageHeader[2], cols = imageHeader[3];
  if (count == 0) throw UserError(imageReader.path() + ": holds no images. " + kFix);
  if (rows == 0 || cols == 0 || rows > kMaxSide || cols > kMaxSide)
    throw UserError(imageReader.path() + ": implausible image size " + std::to_string(rows) + " x " +
                    std::to_string(cols) + " in the IDX header. " + kFix);

  GzReader labelReader(files.labels.string());
  const auto labelHeader = readHeader<2>(labelReader, "label");
  if (labelHeader[0] != kLabelMagic)
    throw UserError(labelReader.path() + ": not an IDX label file (magic number " +
                    std::to_string(labelHeader[0]) + ", expected " + std::to_string(kLabelMagic) + "). " +
                    kFix);
  if (labelHeader[1] != count)
    throw UserError(labelReader.path() + ": holds " + std::to_string(labelHeader[1]) + " labels but " +
                    files.images.filename().string() + " holds " + std::to_string(count) +
                    " images. The two files must come from the same download.");

  const std::size_t imageBytes = std::size_t{rows} * cols;
  auto labels = readPayload(labelReader, count, "labels", 1);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] >= classNames.size())
      throw UserError(labelReader.path() + ": label " + std::to_string(labels[i]) + " of sample " +
                      std::to_string(i) + " is out of range (expected 0.." +
                      std::to_string(classNames.size() - 1) + "). Download the file again.");
  }
  auto pixels = readPayload(imageReader, std::size_t{count} * imageBytes, "images", imageBytes);
  return std::make_shared<InMemoryDataset>(std::move(pixels), std::move(labels), static_cast<int>(rows),
                                           static_cast<int>(cols), 1, std::move(classNames),
                                           std::move(description));
}

std::shared_ptr<InMemoryDataset> loadIdxDataset(const std::filesystem::path& folder, IdxSplit split) {
  const bool train = split == IdxSplit::Train;
  const auto files = findIdxFiles(folder, split);
  if (!files) {
    const std::string prefix = train ? "train" : "t10k";
    throw UserError(folder.string() + ": missing " + prefix + "-images-idx3-ubyte[.gz] or " + prefix +
                    "-labels-idx1-ubyte[.gz]" +
                    (train ? std::string(". ") + kFix
                           : std::string(". Add the t10k test files, or set data.validation to "
                                         "\"split\" to hold out part of the training set.")));
  }
  const std::string name = pathLooksFashion(folder) ? "Fashion-MNIST" : "MNIST";
  return loadIdxFiles(*files, idxClassNames(folder),
                      name + " IDX at " + folder.string() + (train ? " (train)" : " (test)"));
}

}  // namespace ft::data
