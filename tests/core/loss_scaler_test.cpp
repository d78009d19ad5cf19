// Dynamic loss scaling for float16 (issue 12), checked on the CPU with injected inf/NaN
// gradients: skip the step and shrink the scale, unscale exactly, grow after N good steps.
#include <cmath>
#include <limits>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "train/fused_adam.h"
#include "train/loss_scaler.h"

using namespace ft;

namespace {

// The same small problem every time it is made (members initialise in order, after the seed).
struct Problem {
  int seeded = (torch::manual_seed(1), 0);
  torch::nn::Linear layer{torch::nn::LinearOptions(4, 2)};
  torch::Tensor inputs = torch::randn({8, 4});
  torch::Tensor targets = torch::randint(0, 2, {8}, torch::kInt64);
  std::unique_ptr<torch::optim::Optimizer> optimizer;

  Problem() {
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(layer->parameters());
    optimizer = std::make_unique<train::FusedAdam>(std::move(groups), torch::optim::AdamOptions(1e-2));
  }
  torch::Tensor loss() { return torch::nn::functional::cross_entropy(layer->forward(inputs), targets); }
  torch::Tensor weight() { return layer->weight.detach().clone(); }
};

TEST(LossScaler, UnscaledGradientsEqualUnscaledBackward) {
  Problem p;
  p.optimizer->zero_grad();
  p.loss().backward();
  const auto plain = p.layer->weight.grad().clone();

  train::LossScaler scaler;  // 65536
  p.optimizer->zero_grad();
  scaler.scaled(p.loss()).backward();
  EXPECT_GT(p.layer->weight.grad().abs().max().item<double>(), 1000 * plain.abs().max().item<double>());
  EXPECT_TRUE(scaler.unscale(*p.optimizer));
  EXPECT_TRUE(torch::allclose(p.layer->weight.grad(), plain, 1e-5, 1e-7));
}

TEST(LossScaler, SkipsAStepWithInfOrNanGradientsAndShrinks) {
  for (const double bad : {std::numeric_limits<double>::infinity(), std::nan("")}) {
    Problem p;
    train::LossScaler scaler;
    const auto before = p.weight();
    // Gradients hold inf/NaN, as float16 gives when the scaled loss overflows.
    p.optimizer->zero_grad();
    (p.loss() * bad).backward();
    EXPECT_FALSE(scaler.unscale(*p.optimizer));
    scaler.update(false);
    EXPECT_EQ(scaler.scale(), 32768.0);
    EXPECT_EQ(scaler.skippedSteps(), 1);
    // The whole step: skipped, the weights untouched.
    p.optimizer->zero_grad();
    auto poisoned = p.loss() * bad;
    EXPECT_FALSE(scaler.step(poisoned, *p.optimizer));
    EXPECT_TRUE(torch::equal(p.weight(), before)) << "a skipped step must not move the weights";
    EXPECT_EQ(scaler.scale(), 16384.0);
    EXPECT_EQ(scaler.skippedSteps(), 2);
    EXPECT_EQ(scaler.goodSteps(), 0);
    // A finite step afterwards goes through.
    p.optimizer->zero_grad();
    EXPECT_TRUE(scaler.step(p.loss(), *p.optimizer));
    EXPECT_FALSE(torch::equal(p.weight(), before));
    EXPECT_EQ(scaler.goodSteps(), 1);
  }
}

TEST(LossScaler, GrowsAfterTheIntervalOfGoodSteps) {
  Problem p;
  train::LossScalerOptions options;
  options.initialScale = 8.0;
  options.growthInterval = 3;
  train::LossScaler scaler(options);
  for (int i = 0; i < 2; ++i) {
    p.optimizer->zero_grad();
    EXPECT_TRUE(scaler.step(p.loss(), *p.optimizer));
  }
  EXPECT_EQ(scaler.scale(), 8.0);
  p.optimizer->zero_grad();
  EXPECT_TRUE(scaler.step(p.loss(), *p.optimizer));
  EXPECT_EQ(scaler.scale(), 16.0);
  EXPECT_EQ(scaler.goodSteps(), 0);
  // An overflow resets the count: two good steps after it do not grow the scale.
  scaler.update(false);
  EXPECT_EQ(scaler.scale(), 8.0);
  scaler.update(true);
  scaler.update(true);
  EXPECT_EQ(scaler.scale(), 8.0);
  scaler.update(true);
  EXPECT_EQ(scaler.scale(), 16.0);
}

TEST(LossScaler, StateRoundTrips) {
  train::LossScaler a;
  a.update(false);
  a.update(true);
  train::LossScaler b;
  b.restore(a.state());
  EXPECT_EQ(b.scale(), a.scale());
  EXPECT_EQ(b.goodSteps(), 1);
  EXPECT_EQ(b.skippedSteps(), 1);
}

// The scaled step reaches the same weights as the plain one when nothing overflows.
TEST(LossScaler, ScaledStepsMatchPlainSteps) {
  Problem plain, scaled;
  train::LossScaler scaler;
  for (int i = 0; i < 5; ++i) {
    plain.optimizer->zero_grad();
    plain.loss().backward();
    plain.optimizer->step();
    scaled.optimizer->zero_grad();
    ASSERT_TRUE(scaler.step(scaled.loss(), *scaled.optimizer));
  }
  EXPECT_TRUE(torch::allclose(plain.weight(), scaled.weight(), 1e-5, 1e-6));
}

}  // namespace

// The trainer's and the estimate's one step: plain backward + step without a scaler (the same
// weights as doing it by hand), through the scaler with one (a poisoned step is skipped).
TEST(LossScaler, BackwardAndStepWithAndWithoutAScaler) {
  Problem byHand, helper;
  byHand.optimizer->zero_grad();
  byHand.loss().backward();
  byHand.optimizer->step();
  helper.optimizer->zero_grad();
  EXPECT_TRUE(train::backwardAndStep(helper.loss(), *helper.optimizer, nullptr));
  EXPECT_TRUE(torch::equal(helper.weight(), byHand.weight()));

  Problem scaled;
  train::LossScaler scaler;
  const auto before = scaled.weight();
  scaled.optimizer->zero_grad();
  EXPECT_FALSE(train::backwardAndStep(scaled.loss() * std::numeric_limits<double>::infinity(),
                                      *scaled.optimizer, &scaler));
  EXPECT_TRUE(torch::equal(scaled.weight(), before));
  EXPECT_EQ(scaler.skippedSteps(), 1);
}
