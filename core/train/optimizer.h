#pragma once
// The run's optimiser with its two parameter groups, head first and backbone second (each has
// its own learning rate: train/lr_schedule.h sets them every iteration).
#include <memory>

#include <torch/torch.h>

#include "config/run_config.h"
#include "models/classifier.h"

namespace ft::train {

// "sgd": torch::optim::SGD (momentum, Nesterov, weight decay); "adam" / "adamw": FusedAdam, the
// same update rule and state as torch::optim::Adam/AdamW at about half the cost of their step.
std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const config::OptimConfig& c,
                                                       models::Classifier& model);

}  // namespace ft::train
