// Real fine-tuning runs on 2,000 Fashion-MNIST images at 32x32, evaluated on 1,000 test images,
// must land clearly above chance (10%). From random weights: nothing downloads here.
// Not yet here: MobileNetV3-Small and EfficientNet-B0, which from random weights reach 50% and
// 45% in training mode in two epochs but 10% and 28% in eval mode - their running BatchNorm
// statistics (MobileNetV3's momentum 0.01) lag far behind a short run; PyTorch gives the same
// (10% / 70%), and recomputing the statistics on 320 training images gives 73% / 50% (issue 13's
// note: BatchNorm recalibration before validation).
#include <filesystem>

#include <gtest/gtest.h>

#include "config/run_config.h"
#include "train/trainer.h"
#include "test_support.h"

namespace {

struct Case {
  std::string architecture;
  int epochs;
  double atLeast;  // validation accuracy, %
};

class Integration : public ::testing::TestWithParam<Case> {};

}  // namespace

TEST_P(Integration, FashionMnistSubsetLearns) {
  const std::string data = "/usr/share/datasets/fashion-mnist";
  if (!std::filesystem::exists(data + "/train-images-idx3-ubyte.gz"))
    FT_REFERENCE_MISSING(data + " is missing: install the Debian package dataset-fashion-mnist");
  const Case& c = GetParam();
  ft::test::TempDir dir("integration");
  ft::config::RunConfig config;
  config.model.architecture = c.architecture;
  config.data.path = data;
  config.data.trainLimit = 2000;
  config.data.validationLimit = 1000;
  config.transform.inputSize = 32;
  config.train.epochs = c.epochs;
  config.train.freezeEpochs = 0;
  config.train.batchSize = 32;
  config.output.runsDir = dir.path().string();
  config.output.name = "integration";
  ft::train::Trainer trainer(config, nullptr);
  const auto result = trainer.run();
  ASSERT_EQ(result.status, ft::run::FinishStatus::Completed) << result.message;
  std::printf("%s, %d epoch(s) on 2,000 images: %.2f%% on 1,000 test images\n", c.architecture.c_str(),
              c.epochs, result.finalValidationAccuracy);
  EXPECT_GE(result.finalValidationAccuracy, c.atLeast);
}

INSTANTIATE_TEST_SUITE_P(Zoo, Integration, ::testing::Values(Case{"resnet18", 1, 60.0}),
                         [](const ::testing::TestParamInfo<Case>& info) { return info.param.architecture; });
