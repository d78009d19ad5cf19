// BatchNorm recalibration before validation (train.recalibrate_batchnorm): the statistics are
// plain averages over the chosen images' batches, only the layers that trained are touched, and
// the automatic setting applies to slow-momentum models (MobileNetV3) only.
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "config/run_config.h"
#include "data/data_source.h"
#include "models/classifier.h"
#include "run/checkpoint.h"
#include "run/run_folder.h"
#include "train/batchnorm_recalibration.h"
#include "train/trainer.h"
#include "test_support.h"
#include "tiny_run.h"
#include "training_support.h"

using namespace ft;

namespace {

struct Statistics {
  std::vector<torch::Tensor> tensors;  // running mean, var, batches tracked of every BatchNorm
};

Statistics statistics(models::ClassifierImpl& model) {
  Statistics out;
  for (const auto& item : model.named_buffers()) out.tensors.push_back(item.value().clone());
  return out;
}

double largestChange(const Statistics& a, const Statistics& b) {
  double out = 0.0;
  for (std::size_t i = 0; i < a.tensors.size(); ++i)
    out = std::max(
        out, (a.tensors[i].to(torch::kDouble) - b.tensors[i].to(torch::kDouble)).abs().max().item<double>());
  return out;
}

class RecalibrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    test::writeSyntheticIdx(m_dir / "data", 90, 40);
    m_config = test::tinyRunConfig(m_dir.path());
    m_data = data::openData(m_config.data, 7);
  }

  data::LoaderOptions options(int batchSize) const {
    data::LoaderOptions o;
    o.batchSize = batchSize;
    o.workers = 2;
    o.transform.inputSize = 32;
    return o;
  }

  test::TempDir m_dir{"bn-recalibration"};
  config::RunConfig m_config;
  data::OpenedData m_data;
};

TEST_F(RecalibrationTest, StatisticsAreTheMeanOverTheBatchesAndMomentaComeBack) {
  torch::manual_seed(3);
  auto model = models::makeClassifier("mobilenet_v3_small", 10);
  model->train();
  const auto subset = train::evenSubset(m_data.train, 50);
  const auto result =
      train::recalibrateBatchNorm(*model, subset, options(16), torch::kCPU, train::Precision::Float32, false);
  EXPECT_EQ(result.images, 50);
  EXPECT_EQ(result.layers, train::trainingBatchNormLayers(*model));
  EXPECT_GT(result.layers, 30);
  EXPECT_TRUE(model->is_training());  // the mode as it was

  // The first BatchNorm follows the stem convolution: its statistics can be recomputed here,
  // batch by batch (16, 16, 16, 2 images), as the mean of the batch means and of the batch
  // variances (unbiased, as PyTorch's running_var).
  torch::nn::Module* conv = nullptr;
  torch::nn::BatchNorm2dImpl* bn = nullptr;
  for (const auto& item : model->named_modules()) {
    if (item.key() == "features.0.0") conv = item.value().get();
    if (item.key() == "features.0.1") bn = item.value()->as<torch::nn::BatchNorm2d>();
  }
  ASSERT_NE(conv, nullptr);
  ASSERT_NE(bn, nullptr);
  EXPECT_EQ(bn->num_batches_tracked.item<std::int64_t>(), 4);
  ASSERT_TRUE(bn->options.momentum().has_value());
  EXPECT_DOUBLE_EQ(*bn->options.momentum(), 0.01);

  torch::NoGradGuard noGrad;
  auto* convolution = dynamic_cast<torch::nn::Conv2dImpl*>(conv);
  ASSERT_NE(convolution, nullptr);
  auto o = options(16);
  o.shuffle = false;
  o.transform.augment = false;
  data::BatchLoader loader(subset, o);
  loader.startEpoch(0);
  torch::Tensor meanSum, varSum;
  int batches = 0;
  while (auto batch = loader.next()) {
    const auto y = convolution->forward(batch->images);
    const auto mean = y.mean({0, 2, 3});
    const auto var = y.var({0, 2, 3}, /*unbiased=*/true);
    meanSum = meanSum.defined() ? meanSum + mean : mean;
    varSum = varSum.defined() ? varSum + var : var;
    ++batches;
  }
  ASSERT_EQ(batches, 4);
  EXPECT_LT((bn->running_mean - meanSum / batches).abs().max().item<double>(), 1e-5);
  EXPECT_LT((bn->running_var - varSum / batches).abs().max().item<double>(), 1e-4);
}

TEST_F(RecalibrationTest, HeldLayersParametersAndEvalModeAreUntouched) {
  torch::manual_seed(4);
  auto model = models::makeClassifier("mobilenet_v3_small", 10);
  model->train();
  model->setBackboneBatchNormEval(true);  // the frozen phase's hold: every BatchNorm held
  const auto before = statistics(*model);
  EXPECT_EQ(train::trainingBatchNormLayers(*model), 0);
  EXPECT_EQ(train::recalibrationImages(*model, -1, 90), 0);
  EXPECT_EQ(train::recalibrationImages(*model, 64, 90), 0);  // nothing trained, nothing to redo
  const auto result = train::recalibrateBatchNorm(*model, train::evenSubset(m_data.train, 40), options(16),
                                                  torch::kCPU, train::Precision::Float32, false);
  EXPECT_EQ(result.layers, 0);
  EXPECT_EQ(largestChange(before, statistics(*model)), 0.0);

  // Not held: every parameter stays as it was (no autograd, no step), and dropout was off, so
  // two recalibrations on the same images give the same statistics.
  model->setBackboneBatchNormEval(false);
  std::vector<torch::Tensor> parameters;
  for (const auto& p : model->parameters()) parameters.push_back(p.detach().clone());
  train::recalibrateBatchNorm(*model, train::evenSubset(m_data.train, 40), options(16), torch::kCPU,
                              train::Precision::Float32, false);
  const auto first = statistics(*model);
  EXPECT_GT(largestChange(before, first), 0.0);
  train::recalibrateBatchNorm(*model, train::evenSubset(m_data.train, 40), options(16), torch::kCPU,
                              train::Precision::Float32, false);
  EXPECT_EQ(largestChange(first, statistics(*model)), 0.0);
  std::size_t i = 0;
  for (const auto& p : model->parameters()) EXPECT_TRUE(torch::equal(p, parameters[i++]));
}

TEST_F(RecalibrationTest, AStopPutsTheOldStatisticsBack) {
  torch::manual_seed(5);
  auto model = models::makeClassifier("mobilenet_v3_small", 10);
  model->train();
  const auto before = statistics(*model);
  int polls = 0;
  const auto result = train::recalibrateBatchNorm(*model, train::evenSubset(m_data.train, 64), options(16),
                                                  torch::kCPU, train::Precision::Float32, false,
                                                  [&] { return ++polls > 2; });
  EXPECT_EQ(result.layers, 0);
  EXPECT_EQ(largestChange(before, statistics(*model)), 0.0);
  for (const auto& item : model->named_modules())
    if (auto* bn = item.value()->as<torch::nn::BatchNorm2d>()) {
      ASSERT_TRUE(bn->options.momentum().has_value()) << item.key();
      EXPECT_DOUBLE_EQ(*bn->options.momentum(), 0.01) << item.key();
    }
}

TEST_F(RecalibrationTest, AutomaticMeansSlowMomentumOnly) {
  auto mobile = models::makeClassifier("mobilenet_v3_small", 10);
  auto resnet = models::makeClassifier("resnet18", 10);
  auto convnext = models::makeClassifier("convnext_tiny", 10);
  mobile->train();
  resnet->train();
  convnext->train();
  EXPECT_EQ(train::recalibrationImages(*mobile, -1, 100000), train::kAutoRecalibrationImages);
  EXPECT_EQ(train::recalibrationImages(*mobile, -1, 90), 90);  // never more than there are
  EXPECT_EQ(train::recalibrationImages(*mobile, 0, 100000), 0);
  EXPECT_EQ(train::recalibrationImages(*resnet, -1, 100000), 0);  // momentum 0.1: as PyTorch
  EXPECT_EQ(train::recalibrationImages(*resnet, 300, 100000), 300);
  EXPECT_EQ(train::recalibrationImages(*convnext, 300, 100000), 0);  // no BatchNorm at all
  resnet->eval();
  EXPECT_EQ(train::recalibrationImages(*resnet, 300, 100000), 0);
}

TEST_F(RecalibrationTest, EvenSubsetSpreadsOverTheDataInOrder) {
  const auto subset = train::evenSubset(m_data.train, 9);
  ASSERT_EQ(subset.indices.size(), 9u);
  const auto& all = m_data.train.indices;
  for (std::size_t i = 0; i < 9; ++i) EXPECT_EQ(subset.indices[i], all[i * all.size() / 9]);
  EXPECT_EQ(train::evenSubset(m_data.train, 100000).indices, all);
}

// Through the trainer: automatic for MobileNetV3 (logged once, the checkpoint holds statistics
// over the recalibration batches: 90 images in batches of 32 -> 3), off when set to 0.
TEST_F(RecalibrationTest, TheTrainerRecalibratesMobileNetV3BeforeValidation) {
  for (int setting : {-1, 0}) {
    auto c = m_config;
    c.model.architecture = "mobilenet_v3_small";
    c.model.weights = "none";
    c.train.freezeEpochs = 0;
    c.train.recalibrateBatchNorm = setting;
    c.output.name = setting < 0 ? "auto" : "off";
    test::Recorder events;
    const auto result = train::Trainer(c, &events).run();
    ASSERT_EQ(result.status, run::FinishStatus::Completed) << result.message;
    int lines = 0;
    for (const auto& line : events.logs)
      if (line.find("BatchNorm recalibration") != std::string::npos) ++lines;
    EXPECT_EQ(lines, setting < 0 ? 1 : 0);

    auto model = models::makeClassifier("mobilenet_v3_small", 10);
    run::loadCheckpoint(run::RunPaths(result.runDir).lastCheckpoint, *model, nullptr);
    for (const auto& item : model->named_modules())
      if (auto* bn = item.value()->as<torch::nn::BatchNorm2d>()) {
        const auto tracked = bn->num_batches_tracked.item<std::int64_t>();
        if (setting < 0)
          EXPECT_EQ(tracked, 3) << item.key();
        else
          EXPECT_EQ(tracked, 6) << item.key();  // 2 epochs of 3 training batches
      }
  }
}

}  // namespace
