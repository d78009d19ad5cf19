#pragma once
// Devices LibTorch can train on, and the CPU thread count (no LibTorch types: UI-safe).
#include <string>
#include <vector>

namespace ft::train {

struct DeviceInfo {
  std::string id;           // "cpu", "cuda:0", ...
  std::string description;  // "CPU, 2 cores (2 threads)"
};

struct DeviceReport {
  std::vector<DeviceInfo> devices;    // the CPU first, then every CUDA device
  std::string cudaUnavailableReason;  // empty when CUDA devices are listed
};

DeviceReport listDevices();
// 0 = every core. Returns the count applied.
int applyThreadCount(int threads);
int machineCores();
// True when this CPU executes bfloat16 dot products natively (x86 AVX512-BF16): the frozen
// backbone's forward then runs in bfloat16 by default (train/frozen_precision.h).
bool cpuHasBf16();

}  // namespace ft::train
