// The frozen backbone's forward pass in bfloat16 (issue 6): what "auto" picks on this CPU, how
// close bfloat16 features are to float32 ones, and a frozen run that uses them.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include <ATen/autocast_mode.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "common/error.h"
#include "config/run_config.h"
#include "models/resnet.h"
#include "run/checkpoint.h"
#include "train/frozen_precision.h"
#include "train/trainer.h"
#include "test_support.h"
#include "training_support.h"
#include "tiny_run.h"

namespace fs = std::filesystem;
using namespace ft;

namespace {

using test::maxDifference;

TEST(FrozenPrecision, CpuFlagAgreesWithProcCpuinfo) {
  std::ifstream cpuinfo("/proc/cpuinfo");
  if (!cpuinfo) GTEST_SKIP() << "no /proc/cpuinfo on this system";
  std::string line;
  bool listed = false;
  while (std::getline(cpuinfo, line))
    if (line.rfind("flags", 0) == 0) {
      std::istringstream words(line);
      std::string word;
      while (words >> word) listed = listed || word == "avx512_bf16";
      break;
    }
  EXPECT_EQ(train::cpuHasBf16(), listed);
}

TEST(FrozenPrecision, ResolvesEachSetting) {
  const torch::Device cpu(torch::kCPU), cuda(torch::kCUDA, 0);
  EXPECT_FALSE(train::resolveFrozenPrecision("float32", cpu).bf16);
  EXPECT_TRUE(train::resolveFrozenPrecision("bfloat16", cpu).bf16);
  const auto automatic = train::resolveFrozenPrecision("auto", cpu);
  EXPECT_EQ(automatic.bf16, train::cpuHasBf16());
  EXPECT_NE(automatic.reason.find(automatic.bf16 ? "bfloat16" : "float32"), std::string::npos)
      << automatic.reason;
  // The bfloat16 path is the CPU's: a CUDA device trains in float32 and says why.
  const auto onCuda = train::resolveFrozenPrecision("bfloat16", cuda);
  EXPECT_FALSE(onCuda.bf16);
  EXPECT_NE(onCuda.reason.find("cuda:0"), std::string::npos) << onCuda.reason;
  EXPECT_FALSE(train::resolveFrozenPrecision("auto", cuda).bf16);
}

TEST(FrozenPrecision, ConfigAcceptsTheThreeSettingsOnly) {
  config::RunConfig c;
  EXPECT_EQ(c.train.frozenPrecision, "auto");
  for (const char* ok : {"auto", "float32", "bfloat16"}) {
    c.train.frozenPrecision = ok;
    EXPECT_NO_THROW(config::validate(c)) << ok;
    EXPECT_EQ(config::fromJson(config::toJson(c)).train.frozenPrecision, ok);
  }
  c.train.frozenPrecision = "float16";
  try {
    config::validate(c);
    FAIL() << "float16 is not a frozen precision";
  } catch (const UserError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("train.frozen_precision"), std::string::npos) << message;
    EXPECT_NE(message.find("bfloat16"), std::string::npos) << message;
  }
}

TEST(FrozenPrecision, Bf16FeaturesAreCloseToFloat32AndLeaveNoState) {
  torch::manual_seed(3);
  models::ResNet model(models::Architecture::ResNet18, 10);
  model->eval();
  torch::NoGradGuard noGrad;
  const auto images = torch::randn({8, 3, 32, 32});
  const auto reference = model->features(images);
  std::map<std::string, torch::Tensor> before;
  for (const auto& p : model->named_parameters()) before[p.key()] = p.value().clone();

  train::setConvolutionLayout(*model, true);
  for (const auto& p : model->parameters()) {
    if (p.dim() == 4) {
      EXPECT_TRUE(p.is_contiguous(torch::MemoryFormat::ChannelsLast));
    }
  }
  const auto fast = train::bf16Features(*model, images);
  EXPECT_EQ(fast.scalar_type(), torch::kFloat32);
  EXPECT_EQ(fast.sizes(), reference.sizes());
  EXPECT_FALSE(at::autocast::is_cpu_enabled()) << "autocast must end with the call";
  const double scale = reference.abs().max().item<double>();
  const double diff = maxDifference(fast, reference);
  std::printf("bfloat16 features: max |bf16 - fp32| = %.3g of max |feature| %.3g\n", diff, scale);
  EXPECT_GT(diff, 0.0) << "the bfloat16 path did not run";
  EXPECT_LE(diff, 0.03 * scale);
  // float32 math on the same (now NHWC) weights is unchanged.
  EXPECT_LE(maxDifference(model->features(images), reference), 1e-5);

  train::setConvolutionLayout(*model, false);
  for (const auto& p : model->named_parameters()) {
    EXPECT_TRUE(p.value().is_contiguous()) << p.key();
    EXPECT_TRUE(torch::equal(p.value(), before.at(p.key()))) << p.key() << " changed value";
  }
}

class FrozenBf16RunTest : public ::testing::Test {
 protected:
  void SetUp() override { test::writeSyntheticIdx(m_dir / "data", 90, 40); }

  config::RunConfig config(const std::string& name, const std::string& precision, bool cache) const {
    auto c = test::tinyRunConfig(m_dir.path(), name);
    c.transform.cropPadding = 0;
    c.transform.horizontalFlip = false;
    c.train.epochs = 2;
    c.train.freezeEpochs = 2;
    c.train.freezeBatchNorm = true;
    c.train.featureCache = cache;
    c.train.frozenPrecision = precision;
    c.train.batchSize = 32;
    c.train.evalBatchSize = 16;
    c.train.workers = 2;
    c.train.seed = 5;
    return c;
  }

  test::TempDir m_dir{"frozen-precision"};
};

// bfloat16 only changes the backbone's forward: the head trains to nearly the float32 head, the
// backbone's weights do not move, validation is float32, and the checkpoint loads as usual.
TEST_F(FrozenBf16RunTest, TrainsTheHeadCloseToFloat32) {
  test::Recorder fp32Events, bf16Events;
  const auto fp32 = train::Trainer(config("fp32", "float32", false), &fp32Events).run();
  const auto bf16 = train::Trainer(config("bf16", "bfloat16", false), &bf16Events).run();
  ASSERT_EQ(fp32.status, run::FinishStatus::Completed) << fp32.message;
  ASSERT_EQ(bf16.status, run::FinishStatus::Completed) << bf16.message;
  EXPECT_EQ(bf16Events.logsContaining("Frozen backbone forward in bfloat16"), 1);
  EXPECT_EQ(fp32Events.logsContaining("Frozen backbone forward in float32"), 1);

  const auto a = test::checkpointTensors(fp32.runDir), b = test::checkpointTensors(bf16.runDir);
  for (const auto& [key, tensor] : a) {
    if (key.rfind("fc.", 0) == 0) continue;
    EXPECT_EQ(maxDifference(tensor, b.at(key)), 0.0) << key << " (the frozen backbone must not move)";
  }
  // Adam moves every weight by about the learning rate whatever the gradient's size, so the
  // heads are compared by what they compute: the losses along the way and the validation.
  EXPECT_GT(maxDifference(a.at("fc.weight"), b.at("fc.weight")), 0.0) << "the bfloat16 path did not run";
  ASSERT_EQ(fp32Events.iterations.size(), bf16Events.iterations.size());
  double lossDiff = 0.0;
  for (std::size_t i = 0; i < fp32Events.iterations.size(); ++i)
    lossDiff = std::max(lossDiff, std::abs(fp32Events.iterations[i].loss - bf16Events.iterations[i].loss));
  ASSERT_EQ(fp32Events.epochs.size(), 2u);
  const double validationDiff =
      std::abs(fp32Events.epochs[1].validationLoss - bf16Events.epochs[1].validationLoss);
  std::printf("max |loss bf16 - fp32| = %.3g per batch (loss %.3g), %.3g in validation\n", lossDiff,
              fp32Events.iterations.back().loss, validationDiff);
  EXPECT_LE(lossDiff, 0.005);
  EXPECT_LE(validationDiff, 0.005);
  ASSERT_EQ(bf16Events.epochs.size(), 2u);
}

// With the cache the same bfloat16 features train the head: cached and uncached agree as in
// float32 (train_feature_cache_test): the features do not depend on the batch they came in.
TEST_F(FrozenBf16RunTest, CachedAndUncachedAgree) {
  test::Recorder plainEvents, cachedEvents;
  const auto plain = train::Trainer(config("plain", "bfloat16", false), &plainEvents).run();
  const auto cached = train::Trainer(config("cached", "bfloat16", true), &cachedEvents).run();
  ASSERT_EQ(plain.status, run::FinishStatus::Completed) << plain.message;
  ASSERT_EQ(cached.status, run::FinishStatus::Completed) << cached.message;
  const double diff = maxDifference(test::checkpointTensors(plain.runDir).at("fc.weight"),
                                    test::checkpointTensors(cached.runDir).at("fc.weight"));
  std::printf("bfloat16 head: max |cached - uncached| = %.3g\n", diff);
  EXPECT_LE(diff, 1e-5);
  EXPECT_EQ(cachedEvents.logsContaining("Feature cache ready"), 1);
}

}  // namespace
