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
    m_model = models::makeClassifier(GetParam(), 10);
    test::giveBatchNormStatistics(m_model, test::fashionImages(100, 32, m_metadata), 11);
    m_images = test::fashionImages(20, 5, m_metadata);
    m_expected = test::libtorchLogits(m_model, m_images);
  }

  test::TempDir m_dir{"zoo-export"};
  int m_minSize = 1;  // AlexNet needs 63 px
  exporting::ExportMetadata m_metadata;
  models::Classifier m_model;
  torch::Tensor m_images, m_expected;
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
              1e-4 * std::max(1.0, m_expected.abs().max().item<double>()));
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
  for (const int size : {std::max(32, m_minSize), std::max(64, 2 * m_minSize)}) {
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
    std::cout << "[ onnx      ] " << GetParam() << " at " << size
              << " px: OpenCV DNN vs LibTorch, batch 1 and 5: max |diff| " << worst << " (logits up to "
              << scale << ")\n";
    EXPECT_LE(worst, 1e-4 * std::max(1.0, scale));
    EXPECT_TRUE(torch::equal(batch.argmax(1), expected.argmax(1)));

    const auto info = exporting::readOnnxModelInfo(path);
    EXPECT_EQ(info.opset, 13);
    const std::set<std::string> allowed{"Conv",    "Relu",    "Sub",         "Mul",
                                        "Add",     "Sigmoid", "HardSigmoid", "GlobalAveragePool",
                                        "Flatten", "Gemm",    "MaxPool",     "Resize"};
    for (const auto& op : info.operatorTypes) EXPECT_TRUE(allowed.count(op)) << op;
    std::int64_t convs = 0;
    for (const auto& module : m_model->modules(/*include_self=*/false))
      convs += module->as<torch::nn::Conv2d>() != nullptr;
    EXPECT_EQ(std::count(info.operatorTypes.begin(), info.operatorTypes.end(), "Conv"), convs)
        << "one Conv per convolution of the model, BatchNorm folded in";
  }
}

INSTANTIATE_TEST_SUITE_P(Zoo, ZooExport, ::testing::ValuesIn(zooArchitectures()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });
