// The weights layer against PyTorch 1.13 / torchvision 0.14 (tests/python/weights_reference.py):
// .pth files (zip and legacy) and safetensors read without Python and with the same logits,
// our exports read by torch.load + torchvision with strict=True, clear messages for weights that
// do not fit, and hostile or broken files refused without side effects.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <iostream>
#include <iterator>
#include <string>

#include "common/error.h"
#include "export/model_export.h"
#include "models/resnet.h"
#include "test_support.h"
#include "user_error.h"
#include "weights/classifier_weights.h"
#include "weights/safetensors.h"
#include "weights/state_dict.h"
#include "weights/torch_file.h"

namespace fs = std::filesystem;
using ft::UserError;
using ft::models::Architecture;
using ft::models::ResNet;
using ft::weights::StateDict;

namespace {

using ft::test::expectUserError;

constexpr int kSkipExitCode = 77;

torch::Tensor find(const StateDict& state, const std::string& key) {
  for (const auto& [k, t] : state)
    if (k == key) return t;
  ADD_FAILURE() << "no tensor " << key;
  return {};
}

// Runs `action`, which must throw ft::UserError whose message holds every `expected` part.
double maxAbsDiff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

std::string readBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeBytes(const std::string& path, const std::string& bytes) {
  // A new file each time: ext4 flushes a truncated-and-rewritten file to disk on close.
  std::remove(path.c_str());
  std::ofstream(path, std::ios::binary) << bytes;
}

// The reference files (about 600 MB, ~20 s to write) are written once per build tree and
// script version, beside the test executable: ctest runs every test in its own process.
// A lock file keeps parallel test processes from writing them twice.
int prepareReferenceFiles(fs::path* dir) {
  const fs::path base = fs::read_symlink("/proc/self/exe").parent_path();
  const std::string script = readBytes(ft::test::sourceDir() + "/tests/python/weights_reference.py");
  char version[17];
  std::snprintf(version, sizeof version, "%016zx", std::hash<std::string>{}(script));
  *dir = base / ("weights-reference-" + std::string(version));
  const int lock = ::open((base / "weights-reference.lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (lock >= 0) ::flock(lock, LOCK_EX);
  int status = 0;
  if (!fs::exists(*dir / "complete")) {
    std::error_code ignored;
    for (const auto& entry : fs::directory_iterator(base))  // older versions of the files
      if (entry.path().filename().string().rfind("weights-reference-", 0) == 0)
        fs::remove_all(entry.path(), ignored);
    fs::create_directories(*dir);
    const auto start = std::chrono::steady_clock::now();
    status = ft::test::runReferencePython("weights_reference.py", "make " + dir->string());
    std::cout << "[ reference ] weights_reference.py make: "
              << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() << " s\n";
    if (status == 0) std::ofstream(*dir / "complete") << "ok\n";
  }
  if (lock >= 0) ::close(lock);  // releases the lock
  return status;
}

class WeightsFilesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { s_status = prepareReferenceFiles(&s_dir); }
  void SetUp() override {
    if (s_status == kSkipExitCode) FT_REFERENCE_MISSING("/usr/bin/python3 cannot import torch/torchvision");
    ASSERT_EQ(s_status, 0) << "weights_reference.py make failed";
    torch::set_num_threads(2);  // as the reference (see models_reference.py)
  }
  static std::string file(const std::string& name) { return (s_dir / name).string(); }
  static int python(const std::string& args) {
    return ft::test::runReferencePython("weights_reference.py", args);
  }

  static fs::path s_dir;
  static int s_status;
  ft::test::TempDir m_scratch{"weights"};
};

fs::path WeightsFilesTest::s_dir;
int WeightsFilesTest::s_status = -1;

}  // namespace

TEST_F(WeightsFilesTest, ZipAndLegacyGiveTorchvisionLogitsForEveryArchitecture) {
  struct Case {
    Architecture arch;
    const char* name;
    int classes;
  };
  for (const auto& c :
       {Case{Architecture::ResNet18, "resnet18", 1000}, Case{Architecture::ResNet34, "resnet34", 10},
        Case{Architecture::ResNet50, "resnet50", 10}}) {
    const auto io = ft::weights::readTorchFile(file(std::string(c.name) + "_io.pth"));
    const auto input = find(io.tensors, "input");
    const auto expected = find(io.tensors, "logits");
    StateDict zipState;
    for (const char* format : {"zip", "legacy"}) {
      SCOPED_TRACE(std::string(c.name) + " " + format);
      const std::string path = file(std::string(c.name) + "_" + format + ".pth");
      EXPECT_EQ(ft::weights::detectWeightsFormat(path), std::string(format) == "zip"
                                                            ? ft::weights::WeightsFormat::TorchZip
                                                            : ft::weights::WeightsFormat::TorchLegacy);
      const auto start = std::chrono::steady_clock::now();
      const auto contents = ft::weights::readTorchFile(path);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      EXPECT_EQ(contents.legacy, std::string(format) == "legacy");
      EXPECT_TRUE(contents.location.empty());

      ResNet model(c.arch, c.classes);
      const auto report = ft::weights::loadClassifierWeights(*model, contents.tensors, path);
      EXPECT_EQ(report.tensorsCopied, ft::models::stateDict(model).size());
      EXPECT_FALSE(report.headSkipped);
      EXPECT_EQ(report.fileClasses, c.classes);
      model->eval();
      torch::NoGradGuard noGrad;
      const double diff = maxAbsDiff(model->forward(input), expected);
      EXPECT_LE(diff, 1e-4);
      std::cout << "[ measured  ] " << c.name << " " << format << ": read " << seconds << " s, "
                << contents.tensors.size() << " tensors, logits max abs diff " << diff << "\n";
      if (zipState.empty()) {
        zipState = contents.tensors;
      } else {  // the two formats hold exactly the same tensors, in the same order
        ASSERT_EQ(zipState.size(), contents.tensors.size());
        for (std::size_t i = 0; i < zipState.size(); ++i) {
          EXPECT_EQ(zipState[i].first, contents.tensors[i].first);
          EXPECT_TRUE(torch::equal(zipState[i].second, contents.tensors[i].second)) << zipState[i].first;
        }
      }
    }
  }
}

TEST_F(WeightsFilesTest, CheckpointDictsAndDataParallelPrefixesAreUnwrapped) {
  const auto reference = ft::weights::readTorchFile(file("resnet18_zip.pth")).tensors;

  const auto checkpoint = ft::weights::readTorchFile(file("checkpoint.pth"));
  EXPECT_EQ(checkpoint.location, "model");
  ASSERT_EQ(checkpoint.tensors.size(), reference.size());
  for (std::size_t i = 0; i < reference.size(); ++i)
    EXPECT_TRUE(torch::equal(checkpoint.tensors[i].second, reference[i].second)) << reference[i].first;

  const auto wrapped = ft::weights::readWeightsFile(file("dataparallel_legacy.pth"));
  EXPECT_EQ(wrapped.format, ft::weights::WeightsFormat::TorchLegacy);
  EXPECT_EQ(wrapped.location, "state_dict");
  EXPECT_EQ(wrapped.tensors.front().first, "module.conv1.weight");
  ResNet model(Architecture::ResNet18, 1000);
  const auto report = ft::weights::loadClassifierWeights(*model, wrapped.tensors, "dataparallel_legacy.pth");
  EXPECT_EQ(report.tensorsCopied, reference.size());
  EXPECT_TRUE(torch::equal(model->named_parameters()["layer4.1.conv2.weight"],
                           find(reference, "layer4.1.conv2.weight")));
}

TEST_F(WeightsFilesTest, SharedStoragesViewsAndDtypesReadLikePython) {
  for (const char* name : {"views.pth", "views_legacy.pth"}) {
    SCOPED_TRACE(name);
    const auto state = ft::weights::readTorchFile(file(name)).tensors;
    const auto base = torch::arange(20, torch::kFloat32);
    EXPECT_TRUE(torch::equal(find(state, "base"), base));
    EXPECT_TRUE(torch::equal(find(state, "slice"), base.slice(0, 3, 7)));
    EXPECT_TRUE(torch::equal(find(state, "transposed"), base.view({4, 5}).t()));
    EXPECT_TRUE(torch::equal(find(state, "strided"), base.slice(0, 0, 20, 3)));
    const auto scalar = find(state, "scalar");
    EXPECT_EQ(scalar.dim(), 0);
    EXPECT_EQ(scalar.scalar_type(), torch::kInt64);
    EXPECT_EQ(scalar.item<std::int64_t>(), 5);
    EXPECT_TRUE(torch::equal(find(state, "flags"), torch::tensor({true, false, true})));
    EXPECT_EQ(find(state, "empty").sizes(), (std::vector<std::int64_t>{0, 3}));
    EXPECT_TRUE(torch::equal(find(state, "double"), torch::tensor({1.5, -2.25}, torch::kFloat64)));
  }
}

TEST_F(WeightsFilesTest, HalfPrecisionAndSafeTensorsFromPythonLoad) {
  const auto reference = ft::weights::readTorchFile(file("resnet18_zip.pth")).tensors;

  const auto half = ft::weights::readTorchFile(file("resnet18_half.pth")).tensors;
  EXPECT_EQ(find(half, "conv1.weight").scalar_type(), torch::kHalf);
  ResNet model(Architecture::ResNet18, 1000);
  ft::weights::loadClassifierWeights(*model, half, "resnet18_half.pth");
  EXPECT_LE(maxAbsDiff(model->named_parameters()["conv1.weight"], find(reference, "conv1.weight")), 1e-3);

  const auto safetensors = ft::weights::readWeightsFile(file("resnet18.safetensors"));
  EXPECT_EQ(safetensors.format, ft::weights::WeightsFormat::SafeTensors);
  EXPECT_EQ(safetensors.metadata.at("format"), "pt");
  ASSERT_EQ(safetensors.tensors.size(), reference.size());
  for (const auto& [key, tensor] : reference)
    EXPECT_TRUE(torch::equal(find(safetensors.tensors, key), tensor)) << key;
}

TEST_F(WeightsFilesTest, WeightsThatDoNotFitSayWhy) {
  const auto r50 = ft::weights::readTorchFile(file("resnet50_zip.pth")).tensors;
  ResNet r18(Architecture::ResNet18, 10);
  const auto before = r18->named_parameters()["conv1.weight"].clone();
  expectUserError([&] { ft::weights::loadClassifierWeights(*r18, r50, "r50.pth"); },
                  {"r50.pth", "these are ResNet-50 weights; the model is ResNet-18"});
  expectUserError([&] { ft::exporting::loadStartingWeights(file("resnet34_legacy.pth"), *r18); },
                  {"resnet34_legacy.pth", "these are ResNet-34 weights; the model is ResNet-18"});

  // Same architecture, but one tensor of another shape, one missing, one extra: one message.
  auto state = ft::weights::readTorchFile(file("resnet18_zip.pth")).tensors;
  StateDict edited;
  for (auto& [key, tensor] : state) {
    if (key == "bn1.bias") continue;
    edited.emplace_back(key, key == "layer1.0.conv1.weight" ? tensor.slice(0, 0, 32) : tensor);
  }
  edited.emplace_back("extra.weight", torch::zeros({3}));
  const auto message =
      expectUserError([&] { ft::weights::loadClassifierWeights(*r18, edited, "edited.pth"); },
                      {"edited.pth", "layer1.0.conv1.weight (file [32, 64, 3, 3], model [64, 64, 3, 3])",
                       "bn1.bias", "extra.weight"});
  std::cout << "[ message   ] " << message << "\n";
  EXPECT_TRUE(torch::equal(r18->named_parameters()["conv1.weight"], before))
      << "the model changed on failure";

  // Another class count: the head is skipped and keeps its fresh initialisation.
  const auto report = ft::weights::loadClassifierWeights(*r18, state, "resnet18_zip.pth");
  EXPECT_TRUE(report.headSkipped);
  EXPECT_EQ(report.fileClasses, 1000);
  EXPECT_EQ(r18->named_parameters()["fc.weight"].sizes(), (std::vector<std::int64_t>{10, 512}));
  EXPECT_TRUE(torch::equal(r18->named_parameters()["layer3.0.downsample.0.weight"],
                           find(state, "layer3.0.downsample.0.weight")));
  std::cout << "[ report    ] " << report.summary << "\n";
}

TEST_F(WeightsFilesTest, HostilePicklesAreRefusedAndNothingRuns) {
  // The payloads are live: plain pickle ran them against control files while writing.
  EXPECT_EQ(readBytes(file("evil_control.txt")), "1 1\n");
  EXPECT_TRUE(fs::exists(file("control_system")));
  EXPECT_TRUE(fs::exists(file("control_eval")));

  const auto system = expectUserError([&] { ft::weights::readWeightsFile(file("evil_system.pth")); },
                                      {"evil_system.pth", "refused", "posix.system"});
  const auto eval = expectUserError([&] { ft::weights::readWeightsFile(file("evil_eval_legacy.pth")); },
                                    {"evil_eval_legacy.pth", "refused", "eval"});
  expectUserError([&] { ft::weights::readWeightsFile(file("whole_model.pth")); },
                  {"refused", "torch.nn.modules.linear.Linear"});
  ResNet model(Architecture::ResNet18, 10);
  expectUserError([&] { ft::exporting::loadStartingWeights(file("evil_system.pth"), *model); },
                  {"posix.system"});
  EXPECT_FALSE(fs::exists(file("pwned_system"))) << "the os.system payload ran";
  EXPECT_FALSE(fs::exists(file("pwned_eval"))) << "the eval payload ran";
  std::cout << "[ message   ] " << system << "\n[ message   ] " << eval << "\n";
}

TEST_F(WeightsFilesTest, BrokenFilesAreRefusedWithTheReason) {
  expectUserError([&] { ft::weights::readWeightsFile(file("truncated.pth")); },
                  {"truncated.pth", "truncated"});
  expectUserError([&] { ft::weights::readWeightsFile(file("truncated_legacy.pth")); },
                  {"truncated_legacy.pth", "truncated"});
  expectUserError([&] { ft::weights::readWeightsFile(file("bad_crc.pth")); }, {"bad_crc.pth", "CRC-32"});
  expectUserError([&] { ft::weights::readWeightsFile(file("short_storage.pth")); },
                  {"short_storage.pth", "storage is shorter than its tensor"});
  expectUserError([&] { ft::weights::readWeightsFile(file("short_record.pth")); },
                  {"short_record.pth", "holds 40 bytes", "truncated or damaged"});
  expectUserError([&] { ft::weights::readWeightsFile(file("big_header.safetensors")); },
                  {"big_header.safetensors", "past the end"});

  const std::string empty = (m_scratch / "empty.pth").string();
  writeBytes(empty, "");
  expectUserError([&] { ft::weights::readWeightsFile(empty); }, {"not a weights file"});
  const std::string text = (m_scratch / "notes.pth").string();
  writeBytes(text, "these are not weights\n");
  expectUserError([&] { ft::weights::readWeightsFile(text); }, {"not a weights file"});
  expectUserError([&] { ft::weights::readWeightsFile((m_scratch / "absent.pth").string()); }, {"not found"});
}

// Every prefix and many single-byte changes of small files: each read either succeeds or throws
// ft::UserError; nothing crashes, hangs or reads out of bounds (run under ASan to be sure).
TEST_F(WeightsFilesTest, EveryTruncationAndByteFlipIsHandled) {
  const std::string scratch = (m_scratch / "mutant.bin").string();
  int refused = 0, read = 0;
  auto attempt = [&](const std::string& bytes) {
    writeBytes(scratch, bytes);
    try {
      ft::weights::readWeightsFile(scratch);
      ++read;
    } catch (const UserError&) {
      ++refused;
    }
  };
  for (const char* name : {"views.pth", "views_legacy.pth", "small.pth.legacy"}) {
    const std::string original = readBytes(file(name));
    for (std::size_t length = 0; length < original.size(); ++length) attempt(original.substr(0, length));
    for (std::size_t at = 0; at < original.size(); ++at)
      for (const unsigned char mask : {0x01, 0x80, 0xff}) {
        std::string mutant = original;
        mutant[at] = char((unsigned char)mutant[at] ^ mask);
        attempt(mutant);
      }
  }
  // A safetensors file written here, mutated the same way.
  const std::string safetensors = (m_scratch / "small.safetensors").string();
  ft::weights::writeSafeTensors(safetensors, {{"a", torch::arange(6, torch::kFloat32)},
                                              {"b", torch::ones({2, 2}, torch::kInt64)}});
  const std::string original = readBytes(safetensors);
  for (std::size_t length = 0; length < original.size(); ++length) attempt(original.substr(0, length));
  for (std::size_t at = 0; at < original.size(); ++at) {
    std::string mutant = original;
    mutant[at] = char((unsigned char)mutant[at] ^ 0x41);
    attempt(mutant);
  }
  std::cout << "[ measured  ] mutants: " << refused << " refused, " << read << " read\n";
  EXPECT_GT(refused, 1000);
  EXPECT_GT(read, 100);  // harmless changes (in tensor data) still read
}

TEST_F(WeightsFilesTest, ExportsLoadInTorchvisionWithTheSameLogits) {
  // A fine-tuned model stand-in: ImageNet-sized backbone from the reference file, a new head.
  torch::manual_seed(3);
  ResNet model(Architecture::ResNet18, 7);
  ft::weights::loadClassifierWeights(*model, ft::weights::readTorchFile(file("resnet18_zip.pth")).tensors,
                                     "r18");
  model->eval();
  const auto input = torch::randn({2, 3, 64, 64});
  torch::Tensor logits;
  {
    torch::NoGradGuard noGrad;
    logits = model->forward(input);
  }
  const auto io = (m_scratch / "io.pth").string();
  const auto ioSafetensors = (m_scratch / "io.safetensors").string();
  ft::weights::writeTorchFile(io, {{"input", input}, {"logits", logits}});
  ft::weights::writeSafeTensors(ioSafetensors, {{"input", input}, {"logits", logits}});

  ft::exporting::ExportMetadata metadata;
  metadata.architecture = "resnet18";
  metadata.classNames = {"a", "b", "c", "d", "e", "f", "g"};
  const auto pth = (m_scratch / "model.pth").string();
  const auto safetensors = (m_scratch / "model.safetensors").string();
  ft::exporting::exportModel(model.ptr(), metadata, pth, ft::exporting::ExportFormat::TorchvisionPth);
  ft::exporting::exportModel(model.ptr(), metadata, safetensors, ft::exporting::ExportFormat::SafeTensors);
  EXPECT_TRUE(fs::exists(m_scratch / "model.json"));

  EXPECT_EQ(python("check resnet18 7 " + pth + " " + io), 0);
  EXPECT_EQ(python("check resnet18 7 " + safetensors + " " + ioSafetensors), 0);

  // And back: our readers give the model's own tensors; safetensors carries the metadata.
  const auto own = ft::models::stateDict(model);
  for (const auto& path : {pth, safetensors}) {
    const auto back = ft::weights::readWeightsFile(path);
    ASSERT_EQ(back.tensors.size(), own.size());
    for (const auto& [key, tensor] : own) EXPECT_TRUE(torch::equal(find(back.tensors, key), tensor)) << key;
  }
  const auto meta = ft::weights::readSafeTensors(safetensors).metadata;
  EXPECT_NE(meta.at("finetune_studio").find("\"class_names\""), std::string::npos);
}

TEST_F(WeightsFilesTest, WritersRoundTripEveryDtypeThroughPython) {
  StateDict state = {
      {"f32", torch::randn({3, 4})},
      {"f64", torch::randn({2}, torch::kFloat64)},
      {"f16", torch::randn({5}).to(torch::kHalf)},
      {"bf16", torch::randn({5}).to(torch::kBFloat16)},
      {"i64", torch::tensor({std::int64_t(-1), std::int64_t(1) << 40}, torch::kInt64)},
      {"i32", torch::tensor({-7, 7}, torch::kInt32)},
      {"i16", torch::tensor({-300, 300}, torch::kInt16)},
      {"i8", torch::tensor({-5, 5}, torch::kInt8)},
      {"u8", torch::tensor({0, 255}, torch::kUInt8)},
      {"bool", torch::tensor({true, false})},
      {"scalar", torch::tensor(42, torch::kInt64)},
      {"empty", torch::zeros({0, 2})},
      {"transposed", torch::arange(6, torch::kFloat32).view({2, 3}).t()},
  };
  const auto pth = (m_scratch / "all.pth").string();
  const auto safetensors = (m_scratch / "all.safetensors").string();
  ft::weights::writeTorchFile(pth, state);
  ft::weights::writeSafeTensors(safetensors, state);
  for (const auto& path : {pth, safetensors}) {
    const auto back = ft::weights::readWeightsFile(path).tensors;
    ASSERT_EQ(back.size(), state.size()) << path;
    for (const auto& [key, tensor] : state) {
      const auto read = find(back, key);
      EXPECT_EQ(read.scalar_type(), tensor.scalar_type()) << key;
      EXPECT_TRUE(torch::equal(read, tensor)) << path << " " << key;
    }
  }
  // torch.load(weights_only=True) reads our .pth; our hand-written safetensors agrees with it.
  EXPECT_EQ(python("same " + pth + " " + safetensors), 0);
}

TEST_F(WeightsFilesTest, PreviousExportsStartRunsWithAnotherClassCount) {
  ResNet upstream(Architecture::ResNet18, 7);
  ft::weights::loadClassifierWeights(*upstream, ft::weights::readTorchFile(file("resnet18_zip.pth")).tensors,
                                     "r18");
  ft::exporting::ExportMetadata metadata;
  metadata.architecture = "resnet18";
  metadata.classNames = {"a", "b", "c", "d", "e", "f", "g"};
  for (const char* name : {"up.pt", "up.pth", "up.safetensors"}) {
    SCOPED_TRACE(name);
    const auto path = (m_scratch / name).string();
    ft::exporting::exportModel(upstream.ptr(), metadata, path, ft::exporting::exportFormatFor(path));
    ResNet downstream(Architecture::ResNet18, 3);
    const auto line = ft::exporting::loadStartingWeights(path, *downstream);
    std::cout << "[ log       ] Starting weights: " << line << "\n";
    EXPECT_TRUE(torch::equal(downstream->named_parameters()["layer2.1.conv1.weight"],
                             upstream->named_parameters()["layer2.1.conv1.weight"]));
    EXPECT_EQ(downstream->named_parameters()["fc.weight"].size(0), 3);
    ResNet sameHead(Architecture::ResNet18, 7);
    ft::exporting::loadStartingWeights(path, *sameHead);
    EXPECT_TRUE(
        torch::equal(sameHead->named_parameters()["fc.weight"], upstream->named_parameters()["fc.weight"]));
    ResNet other(Architecture::ResNet50, 7);
    expectUserError([&] { ft::exporting::loadStartingWeights(path, *other); },
                    {"these are ResNet-18 weights; the model is ResNet-50"});
  }
  // torchvision files and checkpoints start runs too.
  ResNet fromCheckpoint(Architecture::ResNet18, 5);
  const auto line = ft::exporting::loadStartingWeights(file("checkpoint.pth"), *fromCheckpoint);
  EXPECT_NE(line.find("under \"model\""), std::string::npos) << line;
}

TEST(WeightsExportFormat, ChosenByNameOrExtension) {
  using ft::exporting::ExportFormat;
  using ft::exporting::exportFormatFor;
  EXPECT_EQ(exportFormatFor("a/model.pt"), ExportFormat::LibTorch);
  EXPECT_EQ(exportFormatFor("model.PTH"), ExportFormat::TorchvisionPth);
  EXPECT_EQ(exportFormatFor("model.safetensors"), ExportFormat::SafeTensors);
  EXPECT_EQ(exportFormatFor("model.bin", "pth"), ExportFormat::TorchvisionPth);
  EXPECT_EQ(exportFormatFor("model.pth", "PTH"), ExportFormat::TorchvisionPth);
  expectUserError([] { exportFormatFor("model.bin"); }, {"model.bin", ".pt", ".pth", ".safetensors"});
  expectUserError([] { exportFormatFor("model.pth", "safetensors"); }, {"ends in .pth", ".safetensors"});
  EXPECT_EQ(exportFormatFor("model.onnx"), ExportFormat::Onnx);
  expectUserError([] { exportFormatFor("model.pt", "onnx"); }, {"ends in .pt", ".onnx"});
  expectUserError([] { exportFormatFor("model.pt", "tflite"); }, {"tflite", "pt, pth, safetensors or onnx"});
  expectUserError([] { exportFormatFor("model.json", "pth"); }, {"model.json"});
}

// Tiny opcodes that each make the reader hold an object: 10 M of them once took 1.1 GB before
// the object-count cap refused them. The reader now counts the bytes it holds and stops at a
// fixed budget, far above any real state dict, naming the file.
TEST(WeightsHostileSizes, PickleOfTenMillionOpcodesStopsAtTheMemoryBudget) {
  ft::test::TempDir scratch{"pickle-bomb"};
  const std::string path = (scratch / "bomb.pth").string();
  // A legacy torch.save file: its magic number, protocol version 1001 and system information,
  // each a pickle; then the state dict's pickle, here ten million EMPTY_LISTs.
  const std::string legacyStart("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19."
                                "\x80\x02M\xe9\x03."
                                "\x80\x02}.",
                                25);
  std::string pickle = legacyStart + "\x80\x02";
  pickle.append(10'000'000, ']');
  pickle += '.';
  writeBytes(path, pickle);
  rusage before{};
  ::getrusage(RUSAGE_SELF, &before);
  expectUserError([&] { ft::weights::readWeightsFile(path); }, {"bomb.pth", "MB of memory", "damaged"});
  rusage after{};
  ::getrusage(RUSAGE_SELF, &after);
  // ru_maxrss is the process's peak in KiB; the budget is 256 MB plus allocator (and ASan) slack.
  EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 768L * 1024)
      << "peak grew by " << (after.ru_maxrss - before.ru_maxrss) / 1024 << " MiB";

  // References on the stack count too: a list appended with the same entry 36 M times.
  std::string refs = legacyStart + std::string("\x80\x02]q\x00(", 6);  // a list memoised as 0, MARK
  for (int i = 0; i < 36'000'000; ++i) refs.append("h\x00", 2);        // BINGET 0
  refs += "e.";                                                        // APPENDS, STOP
  writeBytes(path, refs);
  expectUserError([&] { ft::weights::readWeightsFile(path); }, {"bomb.pth", "MB of memory"});
}
