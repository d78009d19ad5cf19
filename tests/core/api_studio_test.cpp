// The torch-free facade the studio uses: data preview, model summary, estimate, run history.
#include <filesystem>
#include <set>

#include <gtest/gtest.h>

#include "api/studio_api.h"
#include "common/error.h"
#include "run/run_lock.h"
#include "train/trainer.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace ft;

TEST(StudioApi, PreviewListsClassesCountsAndSamples) {
  ft::test::TempDir dir("api-preview");
  ft::test::writeSyntheticIdx(dir / "data", 100, 40);
  config::DataConfig data;
  data.path = (dir / "data").string();
  const auto preview = api::previewData(data, 1, 12);
  ASSERT_EQ(preview.classes.size(), 10u);
  EXPECT_EQ(preview.classes[3].name, "3");
  EXPECT_EQ(preview.classes[3].images, 10u);
  EXPECT_EQ(preview.trainImages, 100u);
  EXPECT_EQ(preview.validationImages, 40u);
  ASSERT_EQ(preview.samples.size(), 12u);
  EXPECT_EQ(preview.samples[0].width, 28);
  EXPECT_EQ(preview.samples[0].rgb.size(), 28u * 28u * 3u);
  EXPECT_TRUE(preview.warnings.empty());
  // Round-robin over the classes: the first ten samples are ten different classes.
  std::set<int> labels;
  for (int i = 0; i < 10; ++i) labels.insert(preview.samples[std::size_t(i)].label);
  EXPECT_EQ(labels.size(), 10u);
}

TEST(StudioApi, PreviewOfAMissingFolderNamesIt) {
  config::DataConfig data;
  data.path = "/nonexistent/fashion";
  try {
    api::previewData(data, 1, 4);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/fashion"), std::string::npos);
  }
}

TEST(StudioApi, ModelSummaryCountsParameters) {
  const auto summary = api::describeModel("resnet18", 10);
  EXPECT_EQ(summary.displayName, "ResNet-18");
  EXPECT_EQ(summary.totalParameters, 11181642);
  EXPECT_EQ(summary.trainableWhileFrozen, 11181642 - 11176512);
  EXPECT_EQ(summary.suggestedInputSize, 224);
  EXPECT_THROW(api::describeModel("lenet", 10), UserError);
  EXPECT_EQ(api::architectureDisplayName("resnet50"), "ResNet-50");
  EXPECT_EQ(api::architectureDisplayName("lenet"), "lenet");  // unknown: shown as it is
  EXPECT_FALSE(api::devices().devices.empty());
  EXPECT_EQ(api::devices().devices.front().id, "cpu");
}

TEST(StudioApi, EstimateAndHistoryOfARealRun) {
  ft::test::TempDir dir("api-run");
  ft::test::writeSyntheticIdx(dir / "data", 96, 48);
  config::RunConfig c;  // the defaults (input size, eval batch, workers, seed), a short run
  c.data.path = (dir / "data").string();
  c.train.epochs = 2;
  c.train.freezeEpochs = 1;
  c.train.batchSize = 32;
  c.device.threads = 2;
  c.output.runsDir = (dir / "runs").string();

  const auto estimate = api::estimateRun(c, 2);
  EXPECT_GT(estimate.frozenSecondsPerEpoch, 0.0);
  EXPECT_GT(estimate.unfrozenSecondsPerEpoch, 0.0);  // which phase is faster is a speed fact
  EXPECT_NEAR(estimate.totalSeconds, estimate.frozenSecondsPerEpoch + estimate.unfrozenSecondsPerEpoch, 1e-9);
  EXPECT_EQ(estimate.batchesMeasured, 2);  // after 2 warm-up batches per phase
  // The gallery's speed: a batch of 32 per median step time of each phase.
  EXPECT_GT(estimate.unfrozenImagesPerSecond, 0.0);
  EXPECT_GT(estimate.frozenImagesPerSecond, 0.0);
  EXPECT_GE(estimate.busyCores, 0.0);
  EXPECT_EQ(estimate.machineBusy, estimate.busyCores >= 0.5);

  train::Trainer trainer(c, nullptr);
  const auto result = trainer.run();
  ASSERT_EQ(result.status, run::FinishStatus::Completed) << result.message;
  const auto history = api::readRunHistory(result.runDir);
  EXPECT_EQ(history.iterations.size(), 6u);
  ASSERT_EQ(history.epochs.size(), 2u);
  EXPECT_EQ(history.epochs[0].phase, run::Phase::Frozen);
  EXPECT_EQ(history.epochs[1].phase, run::Phase::Unfrozen);
  EXPECT_DOUBLE_EQ(history.epochs[1].validationAccuracy, result.finalValidationAccuracy);
  EXPECT_EQ(history.iterations.back().learningRates.size(), 2u);
  EXPECT_TRUE(history.complete);
  EXPECT_FALSE(history.resumable);
  EXPECT_TRUE(history.trainingNow.empty());
  {
    // While a process holds the run's lock, the studio is told who, and resume is not offered.
    run::RunLock busy(result.runDir);
    const auto locked = api::readRunHistory(result.runDir);
    EXPECT_NE(locked.trainingNow.find("pid "), std::string::npos) << locked.trainingNow;
    EXPECT_FALSE(locked.resumable);
  }

  const auto line = api::exportRun(result.runDir, "best", (dir / "m.pt").string());
  EXPECT_NE(line.find("ResNet-18, 10 classes"), std::string::npos) << line;
  EXPECT_THROW(api::readRunHistory((dir / "data").string()), UserError);
}
