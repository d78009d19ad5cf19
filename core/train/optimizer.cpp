#include "train/optimizer.h"

#include "train/fused_adam.h"

namespace ft::train {

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const config::OptimConfig& c,
                                                       models::Classifier& model) {
  std::vector<torch::optim::OptimizerParamGroup> groups;
  auto head = model->headParameters();
  auto backbone = model->backboneParameters();
  if (c.optimizer == "sgd") {
    torch::optim::SGDOptions options(c.headLr);
    options.momentum(c.momentum).weight_decay(c.weightDecay).nesterov(c.nesterov);
    groups.emplace_back(head, std::make_unique<torch::optim::SGDOptions>(options));
    groups.emplace_back(backbone, std::make_unique<torch::optim::SGDOptions>(options));
    return std::make_unique<torch::optim::SGD>(std::move(groups), options);
  }
  // Adam and AdamW: the one-pass update (train/fused_adam.h), the same rule and state as
  // torch::optim::Adam/AdamW at about half the cost of their step.
  torch::optim::AdamOptions options(c.headLr);
  options.weight_decay(c.weightDecay);
  groups.emplace_back(head, std::make_unique<torch::optim::AdamOptions>(options));
  groups.emplace_back(backbone, std::make_unique<torch::optim::AdamOptions>(options));
  return std::make_unique<FusedAdam>(std::move(groups), options, c.optimizer == "adamw");
}

}  // namespace ft::train
