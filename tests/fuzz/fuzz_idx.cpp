// MNIST / Fashion-MNIST IDX files, raw or gzip: one input holds the label file and the image file
// (fuzz_support.h's splitParts), so the fuzzer also mutates how the two disagree.
#include <zlib.h>

#include <torch/torch.h>

#include "common/error.h"
#include "data/idx_dataset.h"
#include "fuzz_support.h"

namespace ft::fuzz {

namespace {

std::string bigEndian(std::uint32_t v) {
  return {char(v >> 24), char((v >> 16) & 0xff), char((v >> 8) & 0xff), char(v & 0xff)};
}

std::string gzip(const std::string& raw) {
  const auto path = scratch() / "seed.gz";
  gzFile out = gzopen(path.c_str(), "wb9");
  gzwrite(out, raw.data(), unsigned(raw.size()));
  gzclose(out);
  return readFile(path);
}

}  // namespace

void writeSeeds(const std::filesystem::path& dir) {
  const int count = 4, rows = 28, cols = 28;
  std::string labels = bigEndian(0x00000801) + bigEndian(count);
  std::string images = bigEndian(0x00000803) + bigEndian(count) + bigEndian(rows) + bigEndian(cols);
  for (int i = 0; i < count; ++i) labels += char(i % 10);
  for (int i = 0; i < count * rows * cols; ++i) images += char((i * 7) & 0xff);
  writeFile(dir / "raw.idx", joinParts(labels, images));
  writeFile(dir / "gzip.idx", joinParts(gzip(labels), gzip(images)));
  writeFile(dir / "mixed.idx", joinParts(labels, gzip(images)));
}

}  // namespace ft::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto parts = ft::fuzz::splitParts(data, size);
  ft::data::IdxFiles files;
  files.labels = ft::fuzz::writeScratch("labels-idx1-ubyte", parts.first);
  files.images = ft::fuzz::writeScratch("images-idx3-ubyte", parts.second);
  try {
    const auto dataset =
        ft::data::loadIdxFiles(files, {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, "fuzz");
    for (std::size_t i = 0; i < dataset->size(); ++i) (void)dataset->label(i);
  } catch (const ft::UserError&) {
  }
  return 0;
}
