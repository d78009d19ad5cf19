// One real fine-tuning run: ResNet-18 at 32x32 on 2,000 Fashion-MNIST images for one epoch
// must land clearly above chance (10%) on 1,000 test images.
#include <filesystem>

#include <gtest/gtest.h>

#include "config/run_config.h"
#include "train/trainer.h"
#include "test_support.h"

TEST(Integration, FashionMnistSubsetLearnsInOneEpoch) {
  const std::string data = "/usr/share/datasets/fashion-mnist";
  if (!std::filesystem::exists(data + "/train-images-idx3-ubyte.gz"))
    FT_REFERENCE_MISSING(data + " is missing: install the Debian package dataset-fashion-mnist");
  ft::test::TempDir dir("integration");
  ft::config::RunConfig c;
  c.data.path = data;
  c.data.trainLimit = 2000;
  c.data.validationLimit = 1000;
  c.transform.inputSize = 32;
  c.train.epochs = 1;
  c.train.freezeEpochs = 0;
  c.train.batchSize = 32;
  c.output.runsDir = dir.path().string();
  c.output.name = "integration";
  ft::train::Trainer trainer(c, nullptr);
  const auto result = trainer.run();
  ASSERT_EQ(result.status, ft::run::FinishStatus::Completed) << result.message;
  EXPECT_GE(result.finalValidationAccuracy, 60.0);
  std::printf("1 epoch on 2,000 images: %.2f%% on 1,000 test images\n", result.finalValidationAccuracy);
}
