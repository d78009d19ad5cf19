// Every architecture beyond the ResNets exported in every format, each file verified by the
// runtime a user of it would take, as the export does itself: .pt (LibTorch), .pth and
// .safetensors (our safe readers; the .pth also loaded strictly by torchvision 0.14 with the
// same logits), .onnx (OpenCV DNN, by hand at batch 1 and 5, only the operators its 4.6
// importer takes). BatchNorm layers carry real statistics so that folding is exercised.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <set>

#include <gtest/gtest.h>
#include <opencv2/dnn.hpp>
#include <torch/torch.h>

#include "export/exported_model.h"
#include "export/onnx_export.h"
#include "export_test_support.h"
#include "models/convnext.h"
#include "models/vit.h"
#include "test_support.h"
#include "weights/torch_file.h"

namespace fs = std::filesystem;
using namespace ft;

namespace {

constexpr int kSize = 32;

std::vector<std::string> zooArchitectures() {
  std::vector<std::string> names;
  for (const auto& info : models::architectures())
    if (info.family != "resnet") names.push_back(info.name);
  return names;
}

torch::Tensor openCvLogits(cv::dnn::Net& net, const torch::Tensor& images) {
  const torch::Tensor input = images.contiguous();
  const std::vector<int> shape(input.sizes().begin(), input.sizes().end());
  net.setInput(cv::Mat(4, shape.data(), CV_32F, input.data_ptr<float>()), "input");
  const cv::Mat out = net.forward();
  return torch::from_blob(const_cast<float*>(out.ptr<float>()), {out.size[0], out.size[1]}).clone();
}

class ZooExport : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    torch::set_num_threads(2);
    m_minSize = int(models::architectureInfo(GetParam()).minInputSize);
    m_metadata = test::fashionMetadata(GetParam(), std::max(kSize, m_minSize));
    torch::manual_seed(1);  // the same model in every run, whichever tests ran before
    m_model = models::makeClassifier(GetParam(), 10, std::max(kSize, m_minSize));
    if (models::architectureInfo(GetParam()).family == "vit") m_model->replaceHead(10);  // zero at first
    test::giveBatchNormStatistics(m_model, test::fashionImages(100, 32, m_metadata), 11);
    m_images = test::fashionImages(20, 5, m_metadata);
    m_expected = test::libtorchLogits(m_model, m_images);
    m_float32Error = test::maxAbsDiff(m_expected, exporting::float64Logits(m_model, m_images));
  }

  test::TempDir m_dir{"zoo-export"};
  int m_minSize = 1;  // AlexNet needs 63 px
  exporting::ExportMetadata m_metadata;
  models::Classifier m_model;
  torch::Tensor m_images, m_expected;
  double m_float32Error = 0.0;  // LibTorch float32 vs float64 on m_images
};

}  // namespace

TEST_P(ZooExport, EveryFormatReadsBackWithTheModelsLogits) {
  // Logits that vary across images and classes (AlexNet's untrained ones are small, not flat).
  ASSERT_GT(m_expected.std().item<double>(), 0.05 * m_expected.abs().max().item<double>())
      << "degenerate logits would prove nothing";
  const std::vector<std::pair<exporting::ExportFormat, std::string>> formats = {
      {exporting::ExportFormat::LibTorch, "model.pt"},
      {exporting::ExportFormat::TorchvisionPth, "model.pth"},
      {exporting::ExportFormat::SafeTensors, "model.safetensors"},
      {exporting::ExportFormat::Onnx, "model.onnx"}};
  for (const auto& [format, name] : formats) {
    SCOPED_TRACE(name);
    const auto path = (m_dir / name).string();
    const auto verification = exporting::exportModel(m_model, m_metadata, path, format,
                                                     test::fashionImages(0, 4, m_metadata), "test images");
    std::cout << "[ export    ] " << GetParam() << " " << name << ": " << verification.summary() << "\n";
    EXPECT_EQ(verification.images, 4);
    EXPECT_LE(verification.maxAbsDiff, verification.tolerance);
    auto reopened = exporting::ExportedModel::open(path);
    EXPECT_LE(test::maxAbsDiff(reopened.logits(m_images), m_expected),
              exporting::roundingTolerance(m_expected.abs().max().item<double>(), m_float32Error));
  }

  // torchvision loads the .pth strictly and gives our logits.
  weights::writeTorchFile((m_dir / "io.pth").string(), {{"input", m_images}, {"logits", m_expected}});
  EXPECT_EQ(test::runReferencePython("weights_reference.py", "check " + GetParam() + " 10 " +
                                                                 (m_dir / "model.pth").string() + " " +
                                                                 (m_dir / "io.pth").string()),
            0)
      << "torchvision refused the .pth export or gave other logits";
}

// At the studio's default 32 px (the last blocks run at 1x1) and at 64 px (AlexNet: 63 and 126).
TEST_P(ZooExport, OpenCvRunsTheOnnxGraphAtAnyBatch) {
  const auto& arch = models::architectureInfo(GetParam());
  // A ViT is built for one size (its position embedding): only that one.
  const std::vector<int> sizes = arch.inputMultiple > 1
                                     ? std::vector<int>{std::max(kSize, m_minSize)}
                                     : std::vector<int>{std::max(32, m_minSize), std::max(64, 2 * m_minSize)};
  for (const int size : sizes) {
    SCOPED_TRACE(std::to_string(size) + " px");
    const auto metadata = test::fashionMetadata(GetParam(), size);
    test::giveBatchNormStatistics(m_model, test::fashionImages(100, 32, metadata), 11);  // at this size
    const auto images = test::fashionImages(20, 5, metadata);
    const auto expected = test::libtorchLogits(m_model, images);
    const auto path = (m_dir / ("model-" + std::to_string(size) + ".onnx")).string();
    exporting::writeOnnxModel(m_model, metadata, path);
    cv::dnn::Net net = cv::dnn::readNetFromONNX(path);
    double worst = 0.0;
    for (int i = 0; i < 2; ++i)
      worst = std::max(worst, test::maxAbsDiff(openCvLogits(net, images.slice(0, i, i + 1)),
                                               expected.slice(0, i, i + 1)));
    const auto batch = openCvLogits(net, images);
    ASSERT_EQ(batch.sizes(), expected.sizes());
    worst = std::max(worst, test::maxAbsDiff(batch, expected));
    const double scale = expected.abs().max().item<double>();
    const double float32Error = test::maxAbsDiff(expected, exporting::float64Logits(m_model, images));
    std::cout << "[ onnx      ] " << GetParam() << " at " << size
              << " px: OpenCV DNN vs LibTorch, batch 1 and 5: max |diff| " << worst << " (logits up to "
              << scale << ", LibTorch float32 vs float64 " << float32Error << ")\n";
    EXPECT_LE(worst, exporting::roundingTolerance(scale, float32Error));
    EXPECT_TRUE(torch::equal(batch.argmax(1), expected.argmax(1)));

    const auto info = exporting::readOnnxModelInfo(path);
    EXPECT_EQ(info.opset, 13);
    // Operators OpenCV 4.6's importer takes (no Erf, LayerNormalization, Clip, HardSwish).
    const std::set<std::string> allowed{"Conv", "Relu", "Sub", "Mul", "Add", "Div", "Sigmoid", "HardSigmoid",
                                        "Abs", "Exp", "Pow", "Sqrt", "AveragePool", "Concat", "Flatten",
                                        "Gemm", "MaxPool", "Resize", "GlobalAveragePool",
                                        "BatchNormalization",
                                        // ViT's attention
                                        "Reshape", "Transpose", "MatMul", "Softmax", "Pad", "Slice"};
    for (const auto& op : info.operatorTypes) EXPECT_TRUE(allowed.count(op)) << op;
    std::int64_t convs = 0, blockLinears = 0, layerNorms = 0;
    for (const auto& module : m_model->modules(/*include_self=*/false)) {
      convs += module->as<torch::nn::Conv2d>() != nullptr;
      blockLinears += module->as<models::CNBlock>() ? 2 : 0;
      layerNorms += module->as<torch::nn::LayerNorm>() || module->as<models::LayerNorm2d>();
    }
    // ConvNeXt adds a 1x1 Conv per block Linear, two per LayerNorm (centring, variance) and the
    // per-channel affine of the stem's and the classifier's LayerNorm (the others are folded).
    // ViT: per block q, k, v, out_proj, mlp.0, mlp.3 and two per LayerNorm; at the end encoder.ln
    // (two) and its affine.
    const std::int64_t expectedConvs =
        arch.family == "vit" ? convs + std::int64_t(models::VisionTransformerImpl::kLayers) * 10 + 3
        : layerNorms == 0    ? convs
                             : convs + blockLinears + 2 * layerNorms + 2;
    EXPECT_EQ(std::count(info.operatorTypes.begin(), info.operatorTypes.end(), "Conv"), expectedConvs)
        << "one Conv per convolution of the model, BatchNorm folded in";
  }
}

// The float64 reference an ONNX export falls back on: close to the float32 logits, and it leaves
// the model (dtype, mode) and the global random generator as they were.
TEST(ExportRounding, Float64LogitsLeaveTheModelAndTheGeneratorAlone) {
  torch::set_num_threads(2);
  const auto metadata = test::fashionMetadata("mobilenet_v3_small", 32);
  torch::manual_seed(3);
  auto model = models::makeClassifier("mobilenet_v3_small", 10);
  test::giveBatchNormStatistics(model, test::fashionImages(100, 32, metadata), 4);
  model->train();
  const auto images = test::fashionImages(0, 3, metadata);
  torch::manual_seed(42);
  const torch::Tensor draw = torch::rand({4});
  torch::manual_seed(42);
  const torch::Tensor exact = exporting::float64Logits(model, images);
  EXPECT_TRUE(torch::equal(torch::rand({4}), draw)) << "the copy's initialisation used the global generator";
  EXPECT_EQ(exact.scalar_type(), torch::kFloat64);
  EXPECT_TRUE(model->is_training());
  EXPECT_EQ(model->parameters().front().scalar_type(), torch::kFloat32);
  const torch::Tensor single = test::libtorchLogits(model, images);
  const double error = test::maxAbsDiff(single, exact);
  EXPECT_GT(error, 0.0) << "float32 and float64 cannot agree to the last bit on a whole network";
  EXPECT_LT(error, 1e-4 * std::max(1.0, exact.abs().max().item<double>()));
  // The allowance: never below the fixed ONNX tolerance, 8x the rounding above it.
  EXPECT_DOUBLE_EQ(exporting::roundingTolerance(2.0, 1e-7),
                   exporting::verificationTolerance(exporting::ExportFormat::Onnx, 2.0));
  EXPECT_DOUBLE_EQ(exporting::roundingTolerance(2.0, 1e-3), exporting::kRoundingAllowance * 1e-3);
}

INSTANTIATE_TEST_SUITE_P(Zoo, ZooExport, ::testing::ValuesIn(zooArchitectures()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });
