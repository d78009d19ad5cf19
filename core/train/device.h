#pragma once
// Devices LibTorch can train on, and the CPU thread count (no LibTorch types: UI-safe).
#include <functional>
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
// True when this CPU executes bfloat16 natively (AMX granted by the kernel, or AVX512-BF16):
// train.precision auto then trains in bfloat16 (train/precision.h).
bool cpuHasBf16();
// "AMX bfloat16" | "AVX512-BF16 bfloat16" | "no native bfloat16" (common/cpu_features.h).
std::string cpuBf16Summary();
// Flush-to-zero and denormals-are-zero (common/float_env.h) on, or off, in the calling thread
// and in every thread of LibTorch's intra-op pool (set from inside a parallel region, so a pool
// created earlier is covered too; threads created later inherit the calling thread's bits).
// Returns how many pool threads were set.
int applyFloatEnvironment(bool flushDenormals);
// Runs `probe` once on each of the intra-op pool's at::get_num_threads() threads, from inside
// one parallel region; returns how many ran it. (ATen's parallel_for is a header template that
// is parallel only where compiled with OpenMP: device.cpp is, see core/CMakeLists.txt.)
int forEachPoolThread(const std::function<void()>& probe);
// The major CUDA compute capability of device `index` (7 = Volta, the first with tensor cores),
// asked of the CUDA runtime LibTorch loaded; -1 when unknown (no CUDA, or no runtime found).
int cudaComputeCapabilityMajor(int index);

}  // namespace ft::train
