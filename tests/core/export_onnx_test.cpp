// ONNX export (opset 13, BatchNorm folded, dynamic batch) of ResNet-18 and ResNet-50: the checker
// accepts it, OpenCV DNN loads it and gives LibTorch's logits within 1e-4 on real Fashion-MNIST
// images at batch 1 and at a larger batch, and the metadata reads back.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <set>

#include <gtest/gtest.h>
#include <opencv2/dnn.hpp>
#include <torch/torch.h>

#include "common/error.h"
#include "export/exported_model.h"
#include "export/onnx_export.h"
#include "export_test_support.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace ft;
using models::Architecture;

namespace {

// OpenCV DNN on its own, as another program would use the file.
torch::Tensor openCvLogits(cv::dnn::Net& net, const torch::Tensor& images) {
  const torch::Tensor input = images.contiguous();
  const std::vector<int> shape(input.sizes().begin(), input.sizes().end());
  net.setInput(cv::Mat(4, shape.data(), CV_32F, input.data_ptr<float>()), "input");
  const cv::Mat out = net.forward();
  EXPECT_EQ(out.dims, 2);
  EXPECT_EQ(out.size[0], input.size(0));
  return torch::from_blob(const_cast<float*>(out.ptr<float>()), {out.size[0], out.size[1]}).clone();
}

struct Case {
  Architecture arch;
  int inputSize;
};

class OnnxExportTest : public ::testing::TestWithParam<Case> {
 protected:
  test::TempDir m_dir{"onnx"};
};

}  // namespace

TEST_P(OnnxExportTest, OpenCvGivesLibTorchLogitsOnRealImages) {
  const auto [arch, size] = GetParam();
  torch::set_num_threads(2);
  const auto metadata = test::fashionMetadata(arch, size);
  models::ResNet model(arch, 10);
  test::giveBatchNormStatistics(model, test::fashionImages(100, 64, metadata), 11);
  const auto path = (m_dir / "model.onnx").string();

  // The export checks itself on real images (OpenCV DNN, read back from disk).
  const auto start = std::chrono::steady_clock::now();
  const auto verification = exporting::exportModel(model.ptr(), metadata, path, exporting::ExportFormat::Onnx,
                                                   test::fashionImages(0, 8, metadata),
                                                   "Fashion-MNIST test images");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "[ onnx      ] " << models::architectureDisplayName(arch) << " at " << size
            << " px: " << verification.summary() << " (export " << seconds << " s, "
            << fs::file_size(path) / 1000000.0 << " MB)\n";
  EXPECT_EQ(verification.images, 8);
  EXPECT_LE(verification.maxAbsDiff, verification.tolerance);
  EXPECT_TRUE(fs::exists(m_dir / "model.json"));

  // OpenCV DNN by hand, batch 1 and a batch of 5 (the dynamic batch dimension).
  cv::dnn::Net net = cv::dnn::readNetFromONNX(path);
  const auto images = test::fashionImages(20, 5, metadata);
  const auto expected = test::libtorchLogits(model, images);
  ASSERT_GT(expected.std().item<double>(), 0.05) << "degenerate logits would prove nothing";
  double worst = 0.0;
  for (int i = 0; i < 2; ++i) {
    const auto one = openCvLogits(net, images.slice(0, i, i + 1));
    worst = std::max(worst, test::maxAbsDiff(one, expected.slice(0, i, i + 1)));
  }
  const auto batch = openCvLogits(net, images);
  ASSERT_EQ(batch.sizes(), expected.sizes());
  worst = std::max(worst, test::maxAbsDiff(batch, expected));
  const double scale = expected.abs().max().item<double>();
  std::cout << "[ onnx      ] OpenCV DNN vs LibTorch, batch 1 and 5: max |diff| " << worst
            << " (logits up to " << scale << ", relative " << worst / scale << ")\n";
  // 1e-4, relative to the logits above 1: ResNet-50's float32 rounding alone is ~2e-4 at |logit| 6
  // (LibTorch float32 vs float64), more than its difference from OpenCV's float32.
  EXPECT_LE(worst, 1e-4 * std::max(1.0, scale));
  if (arch != Architecture::ResNet50) {
    EXPECT_LE(worst, 1e-4);  // the bound, as is
  }
  // Same predictions, of course.
  EXPECT_TRUE(torch::equal(batch.argmax(1), expected.argmax(1)));

  // The graph: opset 13, dynamic batch, only the operators OpenCV 4.6 imports, BatchNorm folded.
  const auto info = exporting::readOnnxModelInfo(path);
  EXPECT_EQ(info.opset, 13);
  EXPECT_EQ(info.inputs, std::vector<std::string>{"input"});
  EXPECT_EQ(info.outputs, std::vector<std::string>{"logits"});
  EXPECT_EQ(info.inputShape,
            (std::vector<std::string>{"batch", "3", std::to_string(size), std::to_string(size)}));
  EXPECT_EQ(info.outputShape, (std::vector<std::string>{"batch", "10"}));
  const std::set<std::string> allowed{"Conv",    "Relu", "MaxPool", "Add", "GlobalAveragePool",
                                      "Flatten", "Gemm"};
  for (const auto& op : info.operatorTypes) EXPECT_TRUE(allowed.count(op)) << op;
  const auto convs = std::count(info.operatorTypes.begin(), info.operatorTypes.end(), "Conv");
  // Every conv of torchvision's model.
  EXPECT_EQ(convs, arch == Architecture::ResNet50 ? 53 : arch == Architecture::ResNet34 ? 36 : 20);
  EXPECT_EQ(info.initializers, std::size_t(2 * convs + 2));  // folded weight + bias each, fc

  // Metadata props.
  EXPECT_EQ(info.metadataProps.at("architecture"), models::architectureName(arch));
  EXPECT_EQ(info.metadataProps.at("input_size"), std::to_string(size));
  EXPECT_EQ(info.metadataProps.at("image_channels"), "1");
  EXPECT_EQ(info.metadataProps.at("producer"), "FineTune Studio");
  EXPECT_EQ(info.metadataProps.at("source_run"), "test");
  EXPECT_EQ(nlohmann::json::parse(info.metadataProps.at("class_names")), nlohmann::json(metadata.classNames));
  EXPECT_EQ(nlohmann::json::parse(info.metadataProps.at("mean")).size(), 3u);
  EXPECT_EQ(nlohmann::json::parse(info.metadataProps.at("std")).size(), 3u);
  EXPECT_EQ(exporting::toJson(exporting::readOnnxMetadata(path)), exporting::toJson(metadata));
}

INSTANTIATE_TEST_SUITE_P(Architectures, OnnxExportTest,
                         ::testing::Values(Case{Architecture::ResNet18, 64}, Case{Architecture::ResNet34, 32},
                                           Case{Architecture::ResNet50, 32}),
                         [](const auto& info) {
                           return models::architectureName(info.param.arch) + "_" +
                                  std::to_string(info.param.inputSize);
                         });

TEST(OnnxExport, FormatByNameAndExtension) {
  EXPECT_EQ(exporting::exportFormatFor("m.onnx"), exporting::ExportFormat::Onnx);
  EXPECT_EQ(exporting::exportFormatFor("m.ONNX", "onnx"), exporting::ExportFormat::Onnx);
  EXPECT_EQ(exporting::exportFormatFor("", "onnx"), exporting::ExportFormat::Onnx);
  EXPECT_EQ(exporting::exportExtension(exporting::ExportFormat::Onnx), ".onnx");
  try {
    exporting::exportFormatFor("m.pt", "onnx");
    ADD_FAILURE() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(".onnx"), std::string::npos) << e.what();
  }
}

TEST(OnnxExport, ForeignOrDamagedFilesAreNamed) {
  test::TempDir dir("onnx-bad");
  const auto garbage = (dir / "garbage.onnx").string();
  std::ofstream(garbage) << "not a protobuf at all \xff\xff\xff";
  for (const auto& call : {std::function<void()>([&] { exporting::readOnnxMetadata(garbage); }),
                           std::function<void()>([&] { exporting::ExportedModel::open(garbage); })}) {
    try {
      call();
      ADD_FAILURE() << "no error";
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find(garbage), std::string::npos) << e.what();
    }
  }
  // An ONNX export cannot seed a run: BatchNorm is folded away.
  models::ResNet model(Architecture::ResNet18, 10);
  exporting::exportModel(model.ptr(), test::fashionMetadata(Architecture::ResNet18, 32),
                         (dir / "m.onnx").string(), exporting::ExportFormat::Onnx);
  try {
    exporting::loadStartingWeights((dir / "m.onnx").string(), *model);
    ADD_FAILURE() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(".pt, .pth or .safetensors"), std::string::npos) << e.what();
  }
}
