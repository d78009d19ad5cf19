#include <cmath>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "train/lr_schedule.h"
#include "test_support.h"

using ft::config::OptimConfig;
using ft::train::LrSchedule;

TEST(LrSchedule, PlateauHalvesAfterPatienceLikePyTorch) {
  OptimConfig config;  // plateau, factor 0.5, patience 2
  LrSchedule schedule(config, 20, 10);
  schedule.setBaseRates({1e-3, 1e-3});
  const double losses[] = {1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5};
  std::vector<double> head;
  for (int epoch = 0; epoch < 8; ++epoch) {
    schedule.endEpoch(epoch, losses[epoch]);
    head.push_back(schedule.rates()[0]);
  }
  // Best at epoch 0; epochs 1-3 do not improve; the third bad epoch (> patience 2) halves.
  EXPECT_DOUBLE_EQ(head[2], 1e-3);
  EXPECT_DOUBLE_EQ(head[3], 5e-4);
  EXPECT_DOUBLE_EQ(head[4], 5e-4);  // improvement resets the count
  EXPECT_DOUBLE_EQ(head[7], 2.5e-4);
}

TEST(LrSchedule, PlateauMatchesTorchReferenceWithUnfreezeOverride) {
  ft::test::TempDir dir("plateau");
  const auto out = (dir / "rates.json").string();
  if (ft::test::runReferencePython("plateau_reference.py", out) != 0)
    FT_REFERENCE_MISSING("/usr/bin/python3 with torch is not available (install python3-torchvision)");
  const auto reference = nlohmann::json::parse(std::ifstream(out));
  const auto losses = reference.at("losses").get<std::vector<double>>();
  const int unfreeze = reference.at("unfreeze_epoch");
  OptimConfig config;
  LrSchedule schedule(config, int(losses.size()), 10);
  schedule.setBaseRates({1e-3, 1e-3});
  for (std::size_t epoch = 0; epoch < losses.size(); ++epoch) {
    if (int(epoch) == unfreeze) schedule.setBaseRates({1e-4, 5e-5});
    schedule.endEpoch(int(epoch), losses[epoch]);
    const auto expected = reference.at("rates").at(epoch).get<std::vector<double>>();
    const auto actual = schedule.rates();
    ASSERT_EQ(actual.size(), expected.size());
    for (std::size_t g = 0; g < actual.size(); ++g)
      EXPECT_NEAR(actual[g], expected[g], 1e-12) << "epoch " << epoch << " group " << g;
  }
}

TEST(LrSchedule, CosineWarmsUpThenAnneals) {
  OptimConfig config;
  config.scheduler = "cosine";
  config.warmupEpochs = 1;
  config.minLr = 0.0;
  LrSchedule schedule(config, 3, 10);  // 30 iterations, 10 of warm-up
  schedule.setBaseRates({1e-3, 2e-4});
  schedule.beginIteration(0);
  EXPECT_NEAR(schedule.rates()[0], 1e-4, 1e-12);
  EXPECT_NEAR(schedule.rates()[1], 2e-5, 1e-12);
  schedule.beginIteration(9);
  EXPECT_NEAR(schedule.rates()[0], 1e-3, 1e-12);
  schedule.beginIteration(20);  // halfway through the annealing
  EXPECT_NEAR(schedule.rates()[0], 5e-4, 1e-12);
  schedule.beginIteration(29);
  EXPECT_LT(schedule.rates()[0], 1e-5);
}

TEST(LrSchedule, StepDecaysEveryStepSizeEpochs) {
  OptimConfig config;
  config.scheduler = "step";
  config.stepSize = 2;
  config.stepGamma = 0.1;
  LrSchedule schedule(config, 10, 5);
  schedule.setBaseRates({1.0, 0.5});
  schedule.endEpoch(0, 0.0);
  EXPECT_DOUBLE_EQ(schedule.rates()[0], 1.0);
  schedule.endEpoch(1, 0.0);
  EXPECT_NEAR(schedule.rates()[0], 0.1, 1e-12);
  EXPECT_NEAR(schedule.rates()[1], 0.05, 1e-12);
  schedule.endEpoch(3, 0.0);
  EXPECT_NEAR(schedule.rates()[0], 0.01, 1e-12);
}

TEST(LrSchedule, StateRestoresExactly) {
  OptimConfig config;
  LrSchedule a(config, 10, 5);
  a.setBaseRates({1e-3, 1e-3});
  for (int e = 0; e < 4; ++e) a.endEpoch(e, 1.0);
  LrSchedule b(config, 10, 5);
  b.restore(a.state());
  EXPECT_EQ(a.rates(), b.rates());
  a.endEpoch(4, 1.0);
  b.endEpoch(4, 1.0);
  a.endEpoch(5, 1.0);
  b.endEpoch(5, 1.0);
  EXPECT_EQ(a.rates(), b.rates());
}
