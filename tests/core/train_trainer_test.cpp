// The engine on a tiny generated data set: freeze schedule, learning rates, stop, resume,
// run folder contents, exports, bad input.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <torch/torch.h>

#include "common/error.h"
#include "config/run_config.h"
#include "export/model_export.h"
#include "models/resnet.h"
#include "run/checkpoint.h"
#include "run/run_folder.h"
#include "train/trainer.h"
#include "test_support.h"
#include "training_support.h"
#include "tiny_run.h"

namespace fs = std::filesystem;
using namespace ft;
using run::FinishStatus;

namespace {

using test::Recorder;  // every event; can stop the trainer at a chosen point

class TrainerTest : public ::testing::Test {
 protected:
  void SetUp() override { ft::test::writeSyntheticIdx(m_dir / "data", 160, 80); }

  config::RunConfig tinyConfig(const std::string& name) const {
    return test::tinyRunConfig(m_dir.path(), name);
  }

  static std::map<std::string, torch::Tensor> loadWeights(const std::string& checkpoint,
                                                          const config::RunConfig& c, int classes) {
    models::ResNet model(models::parseArchitecture(c.model.architecture), classes);
    run::loadCheckpoint(checkpoint, *model, nullptr);
    std::map<std::string, torch::Tensor> out;
    for (const auto& p : model->named_parameters()) out[p.key()] = p.value().detach().clone();
    for (const auto& b : model->named_buffers()) out[b.key()] = b.value().clone();
    return out;
  }

  static int countRows(const std::string& csv, const std::string& kind) {
    std::ifstream in(csv);
    std::string line;
    int rows = 0;
    while (std::getline(in, line)) rows += line.rfind(kind + ",", 0) == 0;
    return rows;
  }

  ft::test::TempDir m_dir{"trainer"};
};

}  // namespace

TEST_F(TrainerTest, FreezeScheduleCountsAndLearningRates) {
  auto c = tinyConfig("schedule");
  c.optim.headLr = 1e-3;
  c.optim.headLrAfterUnfreeze = 5e-4;  // discriminative rates after unfreezing
  c.optim.backboneLr = 2e-5;
  Recorder recorder;
  train::Trainer trainer(c, &recorder);
  const auto result = trainer.run();
  ASSERT_EQ(result.status, FinishStatus::Completed) << result.message;

  ASSERT_EQ(recorder.phases.size(), 2u);
  EXPECT_EQ(recorder.phases[0].phase, run::Phase::Frozen);
  EXPECT_EQ(recorder.phases[0].frozenParameters, 11176512);
  EXPECT_EQ(recorder.phases[0].totalParameters, 11181642);
  EXPECT_EQ(recorder.phases[1].phase, run::Phase::Unfrozen);
  EXPECT_EQ(recorder.phases[1].frozenParameters, 0);
  bool logged = false;
  for (const auto& line : recorder.logs) logged |= line.find("11,176,512 / 11,181,642") != std::string::npos;
  EXPECT_TRUE(logged);

  ASSERT_EQ(recorder.iterations.size(), 10u);  // 160 images / 32 = 5 batches x 2 epochs
  EXPECT_EQ(recorder.iterations.front().learningRates, (std::vector<double>{1e-3, 1e-3}));
  EXPECT_EQ(recorder.iterations.back().learningRates, (std::vector<double>{5e-4, 2e-5}));
  EXPECT_EQ(recorder.iterations.back().iteration, 10);
  ASSERT_EQ(recorder.epochs.size(), 2u);
  EXPECT_EQ(recorder.epochs[0].phase, run::Phase::Frozen);
  EXPECT_EQ(recorder.finishedCount, 1);

  // The run folder holds what it promises.
  const fs::path run = result.runDir;
  EXPECT_TRUE(fs::exists(run / "config.json"));
  EXPECT_TRUE(fs::exists(run / "log.txt"));
  EXPECT_TRUE(fs::exists(run / "checkpoints" / "last.ckpt"));
  EXPECT_TRUE(fs::exists(run / "checkpoints" / "best.ckpt"));
  EXPECT_EQ(countRows((run / "metrics.csv").string(), "iteration"), 10);
  EXPECT_EQ(countRows((run / "metrics.csv").string(), "epoch"), 2);
  EXPECT_EQ(config::loadConfigFile((run / "config.json").string()).optim.backboneLr, 2e-5);
}

TEST_F(TrainerTest, FrozenEpochLeavesBackboneWeightsAlone) {
  for (const bool holdBatchNorm : {false, true}) {
    auto c = tinyConfig(holdBatchNorm ? "frozen-bn" : "frozen");
    c.train.epochs = 1;
    c.train.freezeEpochs = 1;
    c.train.freezeBatchNorm = holdBatchNorm;
    torch::manual_seed(c.train.seed);
    models::ResNet initial(models::Architecture::ResNet18, 10);  // same seed, same init
    train::Trainer trainer(c, nullptr);
    const auto result = trainer.run();
    ASSERT_EQ(result.status, FinishStatus::Completed) << result.message;
    const auto after = loadWeights((fs::path(result.runDir) / "checkpoints/last.ckpt").string(), c, 10);
    for (const auto& p : initial->named_parameters()) {
      const bool same = torch::equal(p.value(), after.at(p.key()));
      if (p.key().rfind("fc.", 0) == 0)
        EXPECT_FALSE(same) << p.key();
      else
        EXPECT_TRUE(same) << p.key();
    }
    const bool statsSame =
        torch::equal(initial->named_buffers()["bn1.running_mean"], after.at("bn1.running_mean"));
    EXPECT_EQ(statsSame, holdBatchNorm) << "BatchNorm statistics update unless held";
  }
}

TEST_F(TrainerTest, StopEndsWithinOneBatchAndResumeMatchesUninterruptedRun) {
  auto c = tinyConfig("full");
  c.train.epochs = 3;
  train::Trainer full(c, nullptr);
  const auto fullResult = full.run();
  ASSERT_EQ(fullResult.status, FinishStatus::Completed) << fullResult.message;
  const auto expected = loadWeights((fs::path(fullResult.runDir) / "checkpoints/last.ckpt").string(), c, 10);

  // Stopped mid-epoch 2 (iteration 7 of 15), then at the end of epoch 2, resumed each time.
  c.output.name = "interrupted";
  Recorder first;
  train::Trainer interrupted(c, &first);
  first.trainer = &interrupted;
  first.stopAtIteration = 7;
  const auto stopped = interrupted.run();
  ASSERT_EQ(stopped.status, FinishStatus::Stopped) << stopped.message;
  EXPECT_EQ(first.iterations.size(), 7u) << "the stop must take effect before the next batch";

  Recorder second;
  auto resumed = train::Trainer::resumeFrom(stopped.runDir, &second);
  second.trainer = resumed.get();
  second.stopAfterEpoch = 1;
  const auto stoppedAgain = resumed->run();
  ASSERT_EQ(stoppedAgain.status, FinishStatus::Stopped) << stoppedAgain.message;
  EXPECT_EQ(second.iterations.front().iteration, 8);

  Recorder third;
  auto resumedAgain = train::Trainer::resumeFrom(stopped.runDir, &third);
  const auto finished = resumedAgain->run();
  ASSERT_EQ(finished.status, FinishStatus::Completed) << finished.message;
  EXPECT_EQ(third.iterations.front().iteration, 11);
  EXPECT_EQ(third.iterations.back().iteration, 15);

  const auto actual = loadWeights((fs::path(finished.runDir) / "checkpoints/last.ckpt").string(), c, 10);
  ASSERT_EQ(actual.size(), expected.size());
  for (const auto& [key, tensor] : expected)
    EXPECT_TRUE(torch::allclose(tensor.to(torch::kDouble), actual.at(key).to(torch::kDouble), 0, 1e-6))
        << key;
  EXPECT_DOUBLE_EQ(finished.finalValidationAccuracy, fullResult.finalValidationAccuracy);

  // metrics.csv: every iteration and epoch exactly once, as in the uninterrupted run.
  const auto metrics = (fs::path(finished.runDir) / "metrics.csv").string();
  EXPECT_EQ(countRows(metrics, "iteration"), 15);
  EXPECT_EQ(countRows(metrics, "epoch"), 3);
}

TEST_F(TrainerTest, ExistingRunFolderIsNotOverwritten) {
  const auto dir = m_dir / "taken";
  fs::create_directories(dir);
  std::ofstream(dir / "keep.txt") << "precious";
  train::Trainer trainer(tinyConfig("taken"), nullptr, dir.string());
  const auto result = trainer.run();
  EXPECT_EQ(result.status, FinishStatus::Failed);
  EXPECT_NE(result.message.find("already exists"), std::string::npos) << result.message;
  EXPECT_NE(result.message.find(dir.string()), std::string::npos) << result.message;
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}), 1);
}

TEST_F(TrainerTest, MissingDataFailsWithThePath) {
  auto c = tinyConfig("missing");
  c.data.path = (m_dir / "nowhere").string();
  train::Trainer trainer(c, nullptr);
  const auto result = trainer.run();
  EXPECT_EQ(result.status, FinishStatus::Failed);
  EXPECT_NE(result.message.find("nowhere"), std::string::npos) << result.message;
}

TEST_F(TrainerTest, DivergentLossStopsWithAClearMessage) {
  auto c = tinyConfig("diverge");
  c.train.freezeEpochs = 0;
  c.optim.optimizer = "sgd";
  c.optim.headLr = 1e30;
  train::Trainer trainer(c, nullptr);
  const auto result = trainer.run();
  EXPECT_EQ(result.status, FinishStatus::Failed);
  EXPECT_NE(result.message.find("diverged"), std::string::npos) << result.message;
  EXPECT_NE(result.message.find("Lower the learning rate"), std::string::npos) << result.message;
  // In the first epoch nothing was saved, and the message says so (issue 14, item 7).
  EXPECT_NE(result.message.find("no checkpoint had been saved yet"), std::string::npos) << result.message;
  EXPECT_EQ(result.message.find("are kept"), std::string::npos) << result.message;
}

TEST_F(TrainerTest, ExportReloadsWithSameOutputsAndSeedsANewRun) {
  auto c = tinyConfig("export");
  c.train.epochs = 1;
  train::Trainer trainer(c, nullptr);
  const auto result = trainer.run();
  ASSERT_EQ(result.status, FinishStatus::Completed) << result.message;
  const auto exported = (m_dir / "model.pt").string();
  const auto metadata = exporting::exportRunCheckpoint(result.runDir, "best", exported);
  EXPECT_EQ(metadata.classNames.size(), 10u);
  EXPECT_EQ(metadata.inputSize, 32);
  EXPECT_TRUE(fs::exists(m_dir / "model.json"));

  auto loaded = exporting::loadLibTorchExport(exported);
  models::ResNet reference(models::Architecture::ResNet18, 10);
  run::loadCheckpoint((fs::path(result.runDir) / "checkpoints/best.ckpt").string(), *reference, nullptr);
  reference->eval();
  torch::NoGradGuard noGrad;
  const auto input = torch::randn({4, 3, 32, 32});
  EXPECT_TRUE(torch::allclose(loaded.model->forward(input), reference->forward(input), 0, 1e-6));

  // Upstream -> downstream: the export starts a run with another class count (head replaced).
  models::ResNet downstream(models::Architecture::ResNet18, 3);
  exporting::loadStartingWeights(exported, *downstream);
  EXPECT_TRUE(torch::equal(downstream->named_parameters()["conv1.weight"],
                           loaded.model->named_parameters()["conv1.weight"]));
  EXPECT_EQ(downstream->named_parameters()["fc.weight"].size(0), 3);

  models::ResNet other(models::Architecture::ResNet34, 10);
  try {
    exporting::loadStartingWeights(exported, *other);
    FAIL() << "ResNet-18 weights must not load into ResNet-34";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("these are ResNet-18 weights; the model is ResNet-34"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(TrainerTest, EveryOptimizerAndScheduleTrains) {
  struct Variant {
    const char* optimizer;
    const char* scheduler;
  };
  for (const auto& v : {Variant{"sgd", "step"}, Variant{"adamw", "cosine"}, Variant{"adam", "none"}}) {
    auto c = tinyConfig(std::string(v.optimizer) + "-" + v.scheduler);
    c.train.epochs = 2;
    c.optim.optimizer = v.optimizer;
    c.optim.nesterov = std::string(v.optimizer) == "sgd";
    c.optim.scheduler = v.scheduler;
    c.optim.warmupEpochs = 1;
    c.optim.stepSize = 1;
    Recorder recorder;
    train::Trainer trainer(c, &recorder);
    const auto result = trainer.run();
    ASSERT_EQ(result.status, FinishStatus::Completed) << v.optimizer << ": " << result.message;
    ASSERT_EQ(recorder.epochs.size(), 2u);
    EXPECT_TRUE(std::isfinite(recorder.epochs[1].trainLoss));
    const auto& first = recorder.iterations.front().learningRates;
    const auto& last = recorder.iterations.back().learningRates;
    if (std::string(v.scheduler) == "cosine") {
      EXPECT_NEAR(first[0], 1e-3 / 5, 1e-12);  // warm-up: 1 of 5 iterations of epoch 1
    } else if (std::string(v.scheduler) == "step") {
      EXPECT_NEAR(last[0], 1e-5, 1e-12);  // unfreeze rate 1e-4, decayed once after epoch 1
    } else {
      EXPECT_EQ(last, (std::vector<double>{1e-4, 1e-4}));
    }
  }
}

TEST_F(TrainerTest, StopWhilePausedEndsTheRun) {
  auto c = tinyConfig("paused-stop");
  Recorder recorder;
  train::Trainer trainer(c, &recorder);
  trainer.pause();  // paused before the first batch
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    trainer.requestStop();
  });
  const auto result = trainer.run();
  stopper.join();
  EXPECT_EQ(result.status, FinishStatus::Stopped) << result.message;
  EXPECT_TRUE(recorder.iterations.empty());
}

TEST(RunFolder, AutomaticNamesNeverCollide) {
  ft::test::TempDir dir("runfolder");
  const auto a = run::createRunFolder(dir.path().string(), "same");
  const auto b = run::createRunFolder(dir.path().string(), "same");
  EXPECT_NE(a, b);
  EXPECT_TRUE(fs::exists(b));
}

namespace {

// <root>/<class>/NN.png for classes "a" and "b", `perClass` images each, plus `damaged` files
// in "a" that pass the scan (a PNG signature) but do not decode.
void writeFolderWithDamagedImages(const std::filesystem::path& root, int perClass, int damaged) {
  for (const char* name : {"a", "b"}) {
    std::filesystem::create_directories(root / name);
    for (int i = 0; i < perClass; ++i) {
      cv::Mat image(16, 16, CV_8UC3, cv::Scalar(name[0] == 'a' ? 40 : 200, 8 * i, 100));
      ASSERT_TRUE(cv::imwrite((root / name / (std::to_string(i) + ".png")).string(), image));
    }
  }
  for (int i = 0; i < damaged; ++i)
    std::ofstream(root / "a" / ("damaged" + std::to_string(i) + ".png"), std::ios::binary)
        << std::string("\x89PNG\r\n\x1a\n", 8) << std::string(200, '\x5a');
}

}  // namespace

// Issue 14, item 4: an image that passes the scan but cannot be decoded is skipped, logged
// and counted; the run goes on. Too many of them stop the run with the list.
TEST_F(TrainerTest, UndecodableImagesAreSkippedNamedAndCounted) {
  const auto data = m_dir / "folder";
  writeFolderWithDamagedImages(data, 30, 1);
  auto c = tinyConfig("damaged");
  c.data.path = data.string();
  c.data.validation = "split";
  c.data.validationPercent = 20;
  c.train.epochs = 1;
  c.train.freezeEpochs = 0;
  c.train.batchSize = 8;
  train::Trainer trainer(c, nullptr);
  const auto result = trainer.run();
  ASSERT_EQ(result.status, FinishStatus::Completed) << result.message;
  EXPECT_NE(result.message.find("1 undecodable image(s) skipped"), std::string::npos) << result.message;
  std::ifstream log(std::filesystem::path(trainer.runDir()) / "log.txt");
  const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("damaged0.png: cannot decode image"), std::string::npos) << text;
  EXPECT_NE(text.find("Skipped: training goes on without it"), std::string::npos) << text;

  const auto many = m_dir / "many";
  writeFolderWithDamagedImages(many, 30, 12);
  c.data.path = many.string();
  c.output.name = "many";
  train::Trainer stopped(c, nullptr);
  const auto failed = stopped.run();
  EXPECT_EQ(failed.status, FinishStatus::Failed);
  EXPECT_NE(failed.message.find("images could not be decoded, more than the 10 a run tolerates"),
            std::string::npos)
      << failed.message;
  EXPECT_NE(failed.message.find("damaged"), std::string::npos) << failed.message;
}

// A training set of 8k + 1 images at batch 8 ends each epoch with a batch of one image, which
// BatchNorm refuses in training mode; it is left out (the run used to fail with LibTorch's
// "Expected more than 1 value per channel").
TEST_F(TrainerTest, LastBatchOfOneImageIsLeftOut) {
  ft::test::writeSyntheticIdx(m_dir / "odd", 161, 40);
  auto c = tinyConfig("odd");
  c.data.path = (m_dir / "odd").string();
  c.train.epochs = 1;
  c.train.freezeEpochs = 0;
  train::Trainer trainer(c, nullptr);
  const auto result = trainer.run();
  ASSERT_EQ(result.status, FinishStatus::Completed) << result.message;
  std::ifstream log(std::filesystem::path(trainer.runDir()) / "log.txt");
  const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("holds a single image"), std::string::npos) << text;
}

// Issue 14, item 7: Adam at a learning rate of 1000 keeps the loss finite but far off; the run
// used to end "Done" with a validation loss of 9e8 at chance accuracy. It now stops, says why,
// and keeps the best checkpoint.
TEST_F(TrainerTest, FiniteDivergenceStopsTheRunAndKeepsTheBestCheckpoint) {
  auto c = tinyConfig("explode");
  c.train.epochs = 6;
  c.train.freezeEpochs = 0;
  c.optim.headLr = 1000;
  c.optim.headLrAfterUnfreeze = 1000;
  c.optim.backboneLr = 1000;
  c.optim.scheduler = "none";
  train::Trainer trainer(c, nullptr);
  const auto result = trainer.run();
  EXPECT_EQ(result.status, FinishStatus::Failed) << result.message;
  EXPECT_NE(result.message.find("the validation loss exploded"), std::string::npos) << result.message;
  EXPECT_EQ(result.epochsCompleted, 2) << "stops after two epochs far above chance: " << result.message;
  EXPECT_NE(result.message.find("lower them about 10x"), std::string::npos) << result.message;
  EXPECT_NE(result.message.find("best.ckpt"), std::string::npos) << result.message;
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(trainer.runDir()) / "checkpoints" / "best.ckpt"));

  // A healthy run is not stopped (the tiny run's own recipe).
  train::Trainer healthy(tinyConfig("healthy"), nullptr);
  EXPECT_EQ(healthy.run().status, FinishStatus::Completed);
}
