#pragma once
// Devices LibTorch can train on, and the CPU thread count.
#include <string>
#include <vector>

#include <torch/torch.h>

namespace ft::train {

struct DeviceInfo {
  std::string id;           // "cpu", "cuda:0", ...
  std::string description;  // "CPU, 2 cores (2 threads)"
};

struct DeviceReport {
  std::vector<DeviceInfo> devices;   // the CPU first, then every CUDA device
  std::string cudaUnavailableReason; // empty when CUDA devices are listed
};

DeviceReport listDevices();
// "cpu" | "cuda" | "cuda:N" -> torch::Device; throws ft::UserError saying why a CUDA device
// cannot be used and what to choose instead.
torch::Device resolveDevice(const std::string& id);
// 0 = every core. Returns the count applied.
int applyThreadCount(int threads);
int machineCores();

}  // namespace ft::train
