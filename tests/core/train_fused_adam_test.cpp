// FusedAdam (issue 6) must be torch::optim::Adam / AdamW, only faster: same parameters after
// many steps, same state, interchangeable serialisation.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "train/fused_adam.h"

using namespace ft;

namespace {

struct Params {
  std::vector<torch::Tensor> head, backbone;
  std::vector<torch::Tensor> all() const {
    auto out = head;
    out.insert(out.end(), backbone.begin(), backbone.end());
    return out;
  }
};

Params makeParams(std::uint64_t seed) {
  torch::manual_seed(seed);
  Params p;
  p.head = {torch::randn({10, 512}).requires_grad_(), torch::randn({10}).requires_grad_()};
  p.backbone = {torch::randn({64, 3, 7, 7}).requires_grad_(), torch::randn({128, 64, 3, 3}).requires_grad_(),
                torch::randn({70001}).requires_grad_()};  // odd size: the parallel chunks' tail
  return p;
}

std::vector<torch::optim::OptimizerParamGroup> groups(const Params& p) {
  std::vector<torch::optim::OptimizerParamGroup> g;
  g.emplace_back(p.head, std::make_unique<torch::optim::AdamOptions>(
                             torch::optim::AdamOptions(1e-3).weight_decay(1e-4)));
  g.emplace_back(p.backbone, std::make_unique<torch::optim::AdamOptions>(
                                 torch::optim::AdamOptions(1e-4).weight_decay(0)));
  return g;
}

// The same pseudo-gradients for both optimisers: a function of the parameters and the step.
void setGradients(const Params& p, int step) {
  int i = 0;
  for (auto& t : p.all()) {
    torch::NoGradGuard noGrad;
    t.mutable_grad() = torch::sin(t.detach() * float(step + 1) + float(i++)) * 0.1f;
  }
}

double maxDiff(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, (a[i] - b[i]).abs().max().item<double>());
  return worst;
}

// Runs 30 steps of `stock` and `fused` on two identical parameter sets with the same
// pseudo-gradients and returns the largest parameter difference.
double runBoth(torch::optim::Optimizer& stock, train::FusedAdam& fused, const Params& a, const Params& b) {
  for (int step = 0; step < 30; ++step) {
    setGradients(a, step);
    setGradients(b, step);
    stock.step();
    fused.step();
  }
  return maxDiff(a.all(), b.all());
}

TEST(FusedAdam, MatchesTorchAdam) {
  const Params a = makeParams(3), b = makeParams(3);
  torch::optim::Adam stock(groups(a), torch::optim::AdamOptions(1e-3));
  train::FusedAdam fused(groups(b), torch::optim::AdamOptions(1e-3));
  const double diff = runBoth(stock, fused, a, b);
  std::printf("Adam: max |stock - fused| after 30 steps: %.3g\n", diff);
  EXPECT_LE(diff, 1e-6);
  EXPECT_GT(maxDiff(a.all(), makeParams(3).all()), 1e-3) << "the parameters moved";
}

TEST(FusedAdam, MatchesTorchAdamW) {
  // AdamW's own options type for the stock optimiser; FusedAdam takes AdamOptions for both rules.
  const Params a = makeParams(5), b = makeParams(5);
  std::vector<torch::optim::OptimizerParamGroup> stockGroups;
  stockGroups.emplace_back(a.head, std::make_unique<torch::optim::AdamWOptions>(
                                       torch::optim::AdamWOptions(1e-3).weight_decay(1e-2)));
  stockGroups.emplace_back(a.backbone, std::make_unique<torch::optim::AdamWOptions>(
                                           torch::optim::AdamWOptions(1e-4).weight_decay(1e-2)));
  torch::optim::AdamW stock(std::move(stockGroups), torch::optim::AdamWOptions(1e-3));
  std::vector<torch::optim::OptimizerParamGroup> fusedGroups;
  fusedGroups.emplace_back(b.head, std::make_unique<torch::optim::AdamOptions>(
                                       torch::optim::AdamOptions(1e-3).weight_decay(1e-2)));
  fusedGroups.emplace_back(b.backbone, std::make_unique<torch::optim::AdamOptions>(
                                           torch::optim::AdamOptions(1e-4).weight_decay(1e-2)));
  train::FusedAdam fused(std::move(fusedGroups), torch::optim::AdamOptions(1e-3), true);
  const double diff = runBoth(stock, fused, a, b);
  std::printf("AdamW: max |stock - fused| after 30 steps: %.3g\n", diff);
  EXPECT_LE(diff, 1e-6);
}

TEST(FusedAdam, StateSavedByOneLoadsIntoTheOther) {
  const Params a = makeParams(7), b = makeParams(7);
  train::FusedAdam fused(groups(a), torch::optim::AdamOptions(1e-3));
  for (int step = 0; step < 5; ++step) {
    setGradients(a, step);
    fused.step();
  }
  std::stringstream buffer;
  {
    torch::serialize::OutputArchive archive;
    fused.save(archive);
    archive.save_to(buffer);
  }
  // b continues from a's parameters and the fused optimiser's saved state, with the stock Adam.
  {
    torch::NoGradGuard noGrad;
    for (std::size_t i = 0; i < a.all().size(); ++i) b.all()[i].copy_(a.all()[i]);
  }
  torch::optim::Adam stock(groups(b), torch::optim::AdamOptions(1e-3));
  {
    torch::serialize::InputArchive archive;
    archive.load_from(buffer);
    stock.load(archive);
  }
  for (int step = 5; step < 10; ++step) {
    setGradients(a, step);
    setGradients(b, step);
    fused.step();
    stock.step();
  }
  EXPECT_LE(maxDiff(a.all(), b.all()), 1e-6);
}

}  // namespace
