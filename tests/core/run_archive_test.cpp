// Issue 14, items 2 and 5: checkpoints and .pt files are checked before LibTorch opens them:
// damaged bytes are found by their CRC-32 (they used to load silently), and an archive that
// carries TorchScript code is refused (LibTorch's loader would run its __setstate__).
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "export/model_export.h"
#include "run/checkpoint.h"
#include "test_support.h"
#include "user_error.h"
#include "weights/mapped_file.h"
#include "weights/zip_archive.h"

namespace fs = std::filesystem;
using ft::test::expectUserError;

namespace {

std::string readAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A checkpoint of a small module whose weights are all 0.25.
torch::nn::Linear savedModule(const fs::path& path) {
  torch::nn::Linear module(64, 16);
  {
    torch::NoGradGuard noGrad;
    module->weight.fill_(0.25);
    module->bias.fill_(0.25);
  }
  ft::run::saveCheckpoint(path.string(), *module, nullptr, {{"epoch", 3}});
  return module;
}

// Copies the zip `from` to `to`, passing each record through `edit(name, bytes)`.
void rewriteArchive(const fs::path& from, const fs::path& to,
                    const std::function<void(const std::string&, std::string&)>& edit) {
  ft::weights::MappedFile file(from.string());
  ft::weights::ZipReader reader(file.bytes());
  ft::weights::ZipWriter writer(to.string());
  for (const auto& entry : reader.entries()) {
    const auto view = reader.read(entry);
    std::string bytes(reinterpret_cast<const char*>(view.data()), view.size());
    edit(entry.name, bytes);
    writer.add(entry.name, bytes.data(), bytes.size());
  }
  writer.finish();
}

}  // namespace

TEST(CheckpointArchive, FlippedTensorBytesAreFoundByTheirCrc) {
  ft::test::TempDir dir("archive-crc");
  const auto path = dir / "last.ckpt";
  auto module = savedModule(path);
  torch::nn::Linear into(64, 16);
  EXPECT_EQ(ft::run::loadCheckpoint(path.string(), *into, nullptr).at("epoch"), 3);
  EXPECT_TRUE(torch::equal(into->weight, module->weight));

  // Flip one byte in the middle of the weights (a run of 0.25f = 00 00 80 3e).
  std::string bytes = readAll(path);
  std::string run;
  for (int i = 0; i < 64; ++i) run += std::string("\x00\x00\x80\x3e", 4);
  const auto at = bytes.find(run);
  ASSERT_NE(at, std::string::npos);
  bytes[at + 130] ^= 0x10;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  expectUserError([&] { ft::run::loadCheckpoint(path.string(), *into, nullptr); },
                  {path.string(), "truncated or damaged", "CRC-32"});
}

TEST(CheckpointArchive, TorchScriptCodeIsRefusedBeforeLoading) {
  ft::test::TempDir dir("archive-code");
  const auto clean = dir / "clean.ckpt";
  savedModule(clean);
  // The archives we write declare classes without methods.
  EXPECT_NO_THROW(ft::run::checkArchive(clean.string(), ": damaged"));

  const auto hostile = dir / "hostile.ckpt";
  bool edited = false;
  rewriteArchive(clean, hostile, [&](const std::string& name, std::string& bytes) {
    if (edited || name.find("/code/") == std::string::npos || name.size() < 3 ||
        name.compare(name.size() - 3, 3, ".py") != 0)
      return;
    // What a hostile file does: a __setstate__ that LibTorch's loader would run.
    bytes += "  def __setstate__(self, state: Tuple[int]) -> None:\n"
             "    _0 = torch.ones([100000, 100000])\n";
    edited = true;
  });
  ASSERT_TRUE(edited);
  torch::nn::Linear into(64, 16);
  expectUserError([&] { ft::run::loadCheckpoint(hostile.string(), *into, nullptr); },
                  {hostile.string(), "holds TorchScript code", "never runs"});
  // Not a zip at all: the caller's message, with what the reader found.
  std::ofstream(dir / "text.ckpt") << "not a checkpoint";
  expectUserError([&] { ft::run::loadCheckpoint((dir / "text.ckpt").string(), *into, nullptr); },
                  {"text.ckpt", "truncated or damaged"});
}

// Found by fuzz_checkpoint: a class declaration naming a type the archive does not define made
// LibTorch's type parser throw torch::jit::ErrorReport (not a c10::Error), which ended the
// process. Any failure of LibTorch's loader is now the damaged-checkpoint message, as are
// damaged run-state text and optimiser state.
TEST(CheckpointArchive, UnknownTypeInAClassDeclarationIsADamagedCheckpoint) {
  ft::test::TempDir dir("archive-type");
  const auto clean = dir / "clean.ckpt";
  savedModule(clean);
  const auto damaged = dir / "damaged.ckpt";
  bool edited = false;
  rewriteArchive(clean, damaged, [&](const std::string& name, std::string& bytes) {
    if (edited || name.find("/code/") == std::string::npos) return;
    const std::string tensor = "] = Tensor\n";
    const auto at = bytes.find(tensor);
    if (at == std::string::npos) return;
    // An attribute whose type is a class nothing declares.
    bytes.replace(at, tensor.size(), "] = __torch__.missing.Module\n");
    edited = true;
  });
  ASSERT_TRUE(edited);
  torch::nn::Linear into(64, 16);
  expectUserError([&] { ft::run::loadCheckpoint(damaged.string(), *into, nullptr); },
                  {damaged.string(), "truncated or damaged"});
  // The fuzzer's input itself is in tests/fuzz/corpus/checkpoint/regression-unknown-type.ckpt,
  // replayed by every fuzz smoke run.
}

// Found by fuzz_export_metadata (UBSan): input_size 35555555555555555550 was narrowed to int.
// Every number of an export's metadata is range-checked before narrowing; a bad one is the
// damaged-metadata message naming the file.
TEST(ExportMetadataJson, OutOfRangeNumbersAreDamageNotConversions) {
  ft::exporting::ExportMetadata good;
  good.architecture = "resnet18";
  good.classNames = {"a", "b"};
  good.inputSize = 32;
  const nlohmann::json base = ft::exporting::toJson(good);
  EXPECT_EQ(ft::exporting::metadataFromJson(base, "model.json").inputSize, 32);
  const std::vector<std::pair<const char*, nlohmann::json>> bad = {
      {"input_size", nlohmann::json::parse("35555555555555555550")},
      {"input_size", 1e300},
      {"input_size", 32.5},
      {"input_size", -4},
      {"input_size", 1u << 20},
      {"resize_size", nlohmann::json::parse("18446744073709551615")},
      {"image_channels", 4294967297LL},
      {"image_channels", nlohmann::json::parse("0")},  // parsed as unsigned: the lower bound holds too
      {"input_size", nlohmann::json::parse("0")},
      {"mean", nlohmann::json::array({1e300, 0, 0})},
      {"std", nlohmann::json::array({0.2, 0.0, 0.2})},
      {"std", nlohmann::json::array({0.2, 0.2})},
  };
  for (const auto& [key, value] : bad) {
    nlohmann::json j = base;
    j[key] = value;
    expectUserError([&] { ft::exporting::metadataFromJson(j, "model.json"); },
                    {"model.json", "incomplete or damaged"});
  }
}

TEST(AtomicFile, ErrorsNameTheRequestedFileNotItsTemporary) {
  EXPECT_EQ(ft::withPathReplaced("a.tmp-7: full; a.tmp-7 removed", "a.tmp-7", "a"), "a: full; a removed");
  EXPECT_FALSE(ft::withPathReplaced("download failed", "a.tmp-7", "a").has_value());
  ft::test::TempDir dir("atomic");
  const std::string path = (dir / "missing-folder" / "model.json").string();
  try {
    ft::writeFileAtomically(path, "{}");
    FAIL() << "wrote into a missing folder";
  } catch (const ft::UserError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_EQ(message.find(".tmp-"), std::string::npos) << message;
  }
}
