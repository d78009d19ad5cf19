#pragma once
// Turning a device id from the configuration into a torch::Device.
#include <string>

#include <torch/torch.h>

namespace ft::train {

// "cpu" | "cuda" | "cuda:N" -> torch::Device; throws ft::UserError saying why a CUDA device
// cannot be used and what to choose instead.
torch::Device resolveDevice(const std::string& id);

}  // namespace ft::train
