// Our .onnx files in ONNX Runtime (onnxruntime-node, run by tests/node/onnx_runtime_logits.js):
// the same logits as LibTorch within 1e-4 on real Fashion-MNIST images, at batch 1 and 4.
// onnxruntime-node is installed once with npm into ~/.cache/finetune-studio/npm (or
// $FINETUNE_NPM_CACHE) and reused; the test is skipped only when node/npm are missing or the
// install fails (offline).
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "export/model_export.h"
#include "export_test_support.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace ft;

namespace {

fs::path npmCache() {
  if (const char* dir = std::getenv("FINETUNE_NPM_CACHE")) return dir;
  const char* home = std::getenv("HOME");
  return fs::path(home ? home : "/tmp") / ".cache" / "finetune-studio" / "npm";
}

// "" when onnxruntime-node is ready under npmCache(); otherwise why it is not.
std::string installOnnxRuntimeNode() {
  if (test::runCommand("command -v node && command -v npm").exitCode != 0)
    return "node and npm are not installed (apt-get install nodejs npm)";
  const fs::path cache = npmCache();
  std::error_code ec;
  fs::create_directories(cache, ec);
  const int lock = ::open((cache / "install.lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (lock >= 0) ::flock(lock, LOCK_EX);  // parallel test processes install once
  std::string why;
  if (!fs::exists(cache / "node_modules" / "onnxruntime-node" / "package.json")) {
    const auto r = test::runCommand(
        "cd '" + cache.string() + "' && npm install --ignore-scripts --no-audit --no-fund onnxruntime-node");
    if (r.exitCode != 0) why = "npm install onnxruntime-node failed in " + cache.string() + ":\n" + r.output;
  }
  if (lock >= 0) ::close(lock);
  return why;
}

void writeFloats(const fs::path& path, const torch::Tensor& t) {
  const torch::Tensor c = t.contiguous();
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(c.data_ptr<float>()), std::streamsize(c.numel() * sizeof(float)));
}

torch::Tensor readFloats(const fs::path& path, std::int64_t rows, std::int64_t cols) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes(std::istreambuf_iterator<char>(in), {});
  EXPECT_EQ(bytes.size(), std::size_t(rows * cols) * sizeof(float)) << path;
  if (bytes.size() != std::size_t(rows * cols) * sizeof(float)) return torch::full({rows, cols}, NAN);
  return torch::from_blob(const_cast<char*>(bytes.data()), {rows, cols}, torch::kFloat32).clone();
}

}  // namespace

class OnnxRuntime : public ::testing::TestWithParam<std::string> {};

TEST_P(OnnxRuntime, GivesLibTorchLogitsOnRealImages) {
  const std::string why = installOnnxRuntimeNode();
  if (!why.empty()) FT_REFERENCE_MISSING(why);
  torch::set_num_threads(2);
  test::TempDir dir("ort");
  const auto& arch = models::architectureInfo(GetParam());
  const std::int64_t size = 32;
  const auto metadata = test::fashionMetadata(GetParam(), int(size));
  auto model = models::makeClassifier(GetParam(), 10, size);
  if (arch.family == "vit") model->replaceHead(10);  // torchvision's ViT head starts at zero
  test::giveBatchNormStatistics(model, test::fashionImages(100, 64, metadata), 5);
  const auto path = dir / "model.onnx";
  exporting::exportModel(model, metadata, path.string(), exporting::ExportFormat::Onnx,
                         test::fashionImages(0, 4, metadata), "test images");

  const auto images = test::fashionImages(40, 4, metadata);
  const auto expected = test::libtorchLogits(model, images);
  ASSERT_GT(expected.std().item<double>(), 0.01) << "degenerate logits would prove nothing";
  const std::string script = test::sourceDir() + "/tests/node/onnx_runtime_logits.js";
  double worst = 0.0;
  for (const std::int64_t batch : {std::int64_t(1), std::int64_t(4)}) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    writeFloats(dir / "input.f32", images.slice(0, 0, batch));
    writeFloats(dir / "expected.f32", expected.slice(0, 0, batch));  // kept beside, for a look by hand
    const auto r = test::runCommand("NODE_PATH='" + (npmCache() / "node_modules").string() + "' node '" +
                                    script + "' '" + path.string() + "' '" + (dir / "input.f32").string() +
                                    "' " + std::to_string(batch) + " 3 " + std::to_string(size) + " " +
                                    std::to_string(size) + " '" + (dir / "ort.f32").string() + "'");
    ASSERT_EQ(r.exitCode, 0) << r.output;
    EXPECT_NE(r.output.find("\"output\":\"logits\""), std::string::npos) << r.output;
    const auto actual = readFloats(dir / "ort.f32", batch, 10);
    worst = std::max(worst, test::maxAbsDiff(actual, expected.slice(0, 0, batch)));
    EXPECT_TRUE(torch::equal(actual.argmax(1), expected.slice(0, 0, batch).argmax(1)));
  }
  const double scale = expected.abs().max().item<double>();
  // Allowed: what the export's own check allows (float32 rounding of this model on these images).
  const double float32Error = test::maxAbsDiff(expected, exporting::float64Logits(model, images));
  std::cout << "[ ort       ] ONNX Runtime vs LibTorch (" << GetParam() << ", " << size
            << " px, batch 1 and 4): max |diff| " << worst << " (logits up to " << scale
            << ", LibTorch float32 vs float64 " << float32Error << ")\n";
  EXPECT_LE(worst, exporting::roundingTolerance(scale, float32Error));
}

// Every architecture family's graph (ResNet-101 adds nothing ResNet-18 does not have).
INSTANTIATE_TEST_SUITE_P(Architectures, OnnxRuntime,
                         ::testing::Values("resnet18", "mobilenet_v2", "mobilenet_v3_small",
                                           "mobilenet_v3_large", "efficientnet_b0", "densenet121",
                                           "convnext_tiny", "vit_b_16"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });
