// The frozen-phase feature cache (issue 6): training the head from backbone outputs computed
// once must give the same head as training through the whole network.
#include <cstdio>
#include <filesystem>
#include <map>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "common/error.h"
#include "config/run_config.h"
#include "models/resnet.h"
#include "run/checkpoint.h"
#include "train/trainer.h"
#include "test_support.h"
#include "training_support.h"
#include "tiny_run.h"

namespace fs = std::filesystem;
using namespace ft;

namespace {

using test::Recorder;
using test::maxDifference;

class FeatureCacheTest : public ::testing::Test {
 protected:
  void SetUp() override { ft::test::writeSyntheticIdx(m_dir / "data", 90, 40); }

  // No augmentation and BatchNorm held: the uncached frozen phase sees exactly what the cache
  // holds, so both paths must agree.
  config::RunConfig config(const std::string& name, bool cache, int epochs, int freezeEpochs) const {
    auto c = test::tinyRunConfig(m_dir.path(), name);
    c.transform.cropPadding = 0;
    c.transform.horizontalFlip = false;
    c.train.epochs = epochs;
    c.train.freezeEpochs = freezeEpochs;
    c.train.freezeBatchNorm = true;
    c.train.featureCache = cache;
    // The exact-maths comparison is float32's; bfloat16's has its own bound
    // (train_precision_test).
    c.train.precision = "float32";
    c.train.batchSize = 32;      // 90 images: the last batch is short (26)
    c.train.evalBatchSize = 16;  // 40 images: a short last batch too
    c.train.workers = 2;
    c.train.seed = 11;
    return c;
  }

  static std::map<std::string, torch::Tensor> initialWeights(std::uint64_t seed) {
    torch::manual_seed(seed);
    models::ResNet model(models::Architecture::ResNet18, 10);
    std::map<std::string, torch::Tensor> out;
    for (const auto& p : model->named_parameters()) out[p.key()] = p.value().detach().clone();
    return out;
  }

  test::TempDir m_dir{"feature-cache"};
};

TEST_F(FeatureCacheTest, CachedFrozenEpochsGiveTheSameHeadAsTheFullNetwork) {
  Recorder plainEvents, cachedEvents;
  train::Trainer plain(config("plain", false, 2, 2), &plainEvents);
  train::Trainer cached(config("cached", true, 2, 2), &cachedEvents);
  const auto plainResult = plain.run();
  const auto cachedResult = cached.run();
  ASSERT_EQ(plainResult.status, run::FinishStatus::Completed) << plainResult.message;
  ASSERT_EQ(cachedResult.status, run::FinishStatus::Completed) << cachedResult.message;

  const auto a = test::checkpointTensors(plainResult.runDir),
             b = test::checkpointTensors(cachedResult.runDir);
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [key, tensor] : a) {
    ASSERT_TRUE(b.count(key)) << key;
    const double diff = maxDifference(tensor, b.at(key));
    if (key.rfind("fc.", 0) == 0) {
      EXPECT_LE(diff, 1e-5) << key;
      std::printf("%s: max |cached - uncached| = %.3g\n", key.c_str(), diff);
    } else {
      EXPECT_EQ(diff, 0.0) << key << " (frozen backbone and held BatchNorm must not move)";
    }
  }
  // The head did train: it is not the initial head (the trainer seeds, then builds the model).
  const auto initial = initialWeights(11);
  EXPECT_GT(maxDifference(initial.at("fc.weight"), b.at("fc.weight")), 1e-4);
  EXPECT_EQ(maxDifference(initial.at("layer1.0.conv1.weight"), b.at("layer1.0.conv1.weight")), 0.0);
  // Same iterations, same losses, same validation figures.
  ASSERT_EQ(plainEvents.iterations.size(), cachedEvents.iterations.size());
  ASSERT_EQ(plainEvents.iterations.size(), 2u * 3u);  // ceil(90 / 32) = 3 batches per epoch
  for (std::size_t i = 0; i < plainEvents.iterations.size(); ++i)
    EXPECT_NEAR(plainEvents.iterations[i].loss, cachedEvents.iterations[i].loss, 1e-5) << i;
  ASSERT_EQ(plainEvents.epochs.size(), 2u);
  ASSERT_EQ(cachedEvents.epochs.size(), 2u);
  for (int e = 0; e < 2; ++e) {
    EXPECT_NEAR(plainEvents.epochs[e].validationLoss, cachedEvents.epochs[e].validationLoss, 1e-5);
    EXPECT_DOUBLE_EQ(plainEvents.epochs[e].validationAccuracy, cachedEvents.epochs[e].validationAccuracy);
    EXPECT_NEAR(plainEvents.epochs[e].trainLoss, cachedEvents.epochs[e].trainLoss, 1e-5);
  }
  // The loss moved: the head trained.
  EXPECT_LT(cachedEvents.iterations.back().loss, cachedEvents.iterations.front().loss);
  EXPECT_EQ(cachedEvents.logsContaining("Feature cache ready"), 1)
      << "the training features are computed once, not per epoch";
}

// A CNN of another family through the same interface: MobileNetV3-Small, whose frozen
// backbone ends in classifier.0 + Hardswish and whose head (classifier.3) follows a dropout
// that trains in both paths.
TEST_F(FeatureCacheTest, CachedFrozenEpochsGiveTheSameHeadForMobileNetV3) {
  Recorder plainEvents, cachedEvents;
  auto plainConfig = config("plain-mnv3", false, 2, 2), cachedConfig = config("cached-mnv3", true, 2, 2);
  plainConfig.model.architecture = cachedConfig.model.architecture = "mobilenet_v3_small";
  train::Trainer plain(plainConfig, &plainEvents);
  train::Trainer cached(cachedConfig, &cachedEvents);
  const auto plainResult = plain.run();
  const auto cachedResult = cached.run();
  ASSERT_EQ(plainResult.status, run::FinishStatus::Completed) << plainResult.message;
  ASSERT_EQ(cachedResult.status, run::FinishStatus::Completed) << cachedResult.message;
  const auto a = test::checkpointTensors(plainResult.runDir, "last", "mobilenet_v3_small"),
             b = test::checkpointTensors(cachedResult.runDir, "last", "mobilenet_v3_small");
  ASSERT_EQ(a.size(), b.size());
  ASSERT_TRUE(a.count("classifier.3.weight"));
  for (const auto& [key, tensor] : a) {
    ASSERT_TRUE(b.count(key)) << key;
    const double diff = maxDifference(tensor, b.at(key));
    if (key.rfind("classifier.3.", 0) == 0)
      EXPECT_LE(diff, 1e-5) << key;
    else
      EXPECT_EQ(diff, 0.0) << key << " (frozen backbone, classifier.0 included, must not move)";
  }
  ASSERT_EQ(plainEvents.iterations.size(), cachedEvents.iterations.size());
  for (std::size_t i = 0; i < plainEvents.iterations.size(); ++i)
    EXPECT_NEAR(plainEvents.iterations[i].loss, cachedEvents.iterations[i].loss, 1e-5) << i;
  // The head did train: it is not the initial head (the trainer seeds, then builds the model).
  torch::manual_seed(11);
  const auto initial = models::makeClassifier("mobilenet_v3_small", 10);
  EXPECT_GT(maxDifference(initial->named_parameters()["classifier.3.weight"], b.at("classifier.3.weight")),
            1e-4);
  EXPECT_EQ(maxDifference(initial->named_parameters()["classifier.0.weight"], b.at("classifier.0.weight")),
            0.0);
  EXPECT_EQ(cachedEvents.logsContaining("Feature cache ready"), 1);
}

TEST_F(FeatureCacheTest, UnfrozenEpochsAfterTheCacheTrainTheWholeNetwork) {
  Recorder plainEvents, cachedEvents;
  const auto plainResult = train::Trainer(config("plain3", false, 2, 1), &plainEvents).run();
  const auto cachedResult = train::Trainer(config("cached3", true, 2, 1), &cachedEvents).run();
  ASSERT_EQ(plainResult.status, run::FinishStatus::Completed) << plainResult.message;
  ASSERT_EQ(cachedResult.status, run::FinishStatus::Completed) << cachedResult.message;
  // After unfreezing both paths run the same full network from the same head: the weights
  // agree closely, and the backbone did move.
  const auto a = test::checkpointTensors(plainResult.runDir),
             b = test::checkpointTensors(cachedResult.runDir);
  EXPECT_LE(maxDifference(a.at("fc.weight"), b.at("fc.weight")), 1e-4);
  EXPECT_LE(maxDifference(a.at("layer4.1.conv2.weight"), b.at("layer4.1.conv2.weight")), 1e-4);
  EXPECT_GT(maxDifference(initialWeights(11).at("conv1.weight"), b.at("conv1.weight")), 1e-6)
      << "the backbone trains once unfrozen";
  ASSERT_EQ(cachedEvents.epochs.size(), 2u);
  EXPECT_NEAR(plainEvents.epochs[1].validationLoss, cachedEvents.epochs[1].validationLoss, 1e-3);
}

TEST_F(FeatureCacheTest, StopAndResumeInACachedEpochMatchesTheUninterruptedRun) {
  Recorder whole;
  const auto wholeResult = train::Trainer(config("whole", true, 2, 2), &whole).run();
  ASSERT_EQ(wholeResult.status, run::FinishStatus::Completed) << wholeResult.message;

  Recorder first;
  const std::string dir = (m_dir / "runs" / "interrupted").string();
  train::Trainer interrupted(config("interrupted", true, 2, 2), &first, dir);
  first.trainer = &interrupted;
  first.stopAtIteration = 5;  // epoch 2, batch 2
  ASSERT_EQ(interrupted.run().status, run::FinishStatus::Stopped);
  Recorder second;
  const auto resumed = train::Trainer::resumeFrom(dir, &second)->run();
  ASSERT_EQ(resumed.status, run::FinishStatus::Completed) << resumed.message;

  const auto a = test::checkpointTensors(wholeResult.runDir), b = test::checkpointTensors(dir);
  EXPECT_LE(maxDifference(a.at("fc.weight"), b.at("fc.weight")), 1e-5);
  EXPECT_LE(maxDifference(a.at("fc.bias"), b.at("fc.bias")), 1e-5);
}

TEST(FeatureCacheConfig, NeedsBatchNormHeld) {
  config::RunConfig c;
  c.train.featureCache = true;
  c.train.freezeBatchNorm = false;
  try {
    config::validate(c);
    FAIL() << "a feature cache with moving BatchNorm statistics must be refused";
  } catch (const UserError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("train.feature_cache"), std::string::npos) << message;
    EXPECT_NE(message.find("train.freeze_batchnorm"), std::string::npos) << message;
  }
  c.train.freezeBatchNorm = true;
  EXPECT_NO_THROW(config::validate(c));
  const auto back = config::fromJson(config::toJson(c));
  EXPECT_TRUE(back.train.featureCache);
}

}  // namespace
