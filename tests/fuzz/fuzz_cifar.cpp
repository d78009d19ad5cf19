// CIFAR-10 binary batches and batches.meta.txt: one input holds the class-name file and the
// test batch (fuzz_support.h's splitParts); an empty first part means no batches.meta.txt.
#include <filesystem>

#include <torch/torch.h>

#include "common/error.h"
#include "data/cifar10_dataset.h"
#include "fuzz_support.h"

namespace ft::fuzz {

void writeSeeds(const std::filesystem::path& dir) {
  std::string batch;
  for (int record = 0; record < 3; ++record) {
    batch += char(record % 10);
    for (std::size_t i = 0; i + 1 < data::kCifarRecordBytes; ++i) batch += char((i + record) & 0xff);
  }
  const std::string names = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n";
  writeFile(dir / "with-names.bin", joinParts(names, batch));
  writeFile(dir / "without-names.bin", joinParts("", batch));
}

}  // namespace ft::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fs = std::filesystem;
  const auto parts = ft::fuzz::splitParts(data, size);
  const fs::path folder = ft::fuzz::scratch() / "cifar";
  fs::create_directories(folder);
  std::error_code ignored;
  fs::remove(folder / "batches.meta.txt", ignored);
  if (!parts.first.empty()) ft::fuzz::writeFile(folder / "batches.meta.txt", parts.first);
  ft::fuzz::writeFile(folder / "test_batch.bin", parts.second);
  try {
    const auto names = ft::data::cifar10ClassNames(folder);
    (void)names;
    const auto dataset = ft::data::loadCifar10Dataset(folder, ft::data::Cifar10Split::Test,
                                                      /*strictRecordCount=*/false);
    for (std::size_t i = 0; i < dataset->size(); ++i) (void)dataset->label(i);
  } catch (const ft::UserError&) {
  }
  return 0;
}
