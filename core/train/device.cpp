#include "train/device.h"
#include "train/device_select.h"

#include <dlfcn.h>

#include <atomic>
#include <thread>

#include <ATen/Context.h>
#include <ATen/Parallel.h>

#include "common/cpu_features.h"
#include "common/error.h"
#include "common/float_env.h"

namespace ft::train {

int machineCores() {
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : int(cores);
}

bool cpuHasBf16() { return cpuFeatures().nativeBf16(); }

std::string cpuBf16Summary() { return cpuFeatures().bf16Summary(); }

int forEachPoolThread(const std::function<void()>& probe) {
  std::atomic<int> done{0};
  // One index per pool thread: ATen's OpenMP backend gives each thread of the team its own
  // chunk of [0, threads), here one index each.
  at::parallel_for(0, at::get_num_threads(), 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      probe();
      ++done;
    }
  });
  return done.load();
}

int applyFloatEnvironment(bool flushDenormals) {
  setFlushDenormals(flushDenormals);
  return forEachPoolThread([flushDenormals] { setFlushDenormals(flushDenormals); });
}

int cudaComputeCapabilityMajor(int index) {
  if (!at::globalContext().hasCUDA()) return -1;
  // Looked up at run time so that a CPU-only LibTorch builds and links without CUDA headers.
  using GetAttribute = int (*)(int*, int, int);
  constexpr int kComputeCapabilityMajor = 75;  // cudaDevAttrComputeCapabilityMajor
  auto get = reinterpret_cast<GetAttribute>(dlsym(RTLD_DEFAULT, "cudaDeviceGetAttribute"));
  int major = -1;
  if (!get || get(&major, kComputeCapabilityMajor, index) != 0) return -1;
  return major;
}

int applyThreadCount(int threads) {
  // LibTorch defaults to one thread here; every core trains ResNet18 ~1.8x faster on 2 cores.
  const int count = threads > 0 ? threads : machineCores();
  torch::set_num_threads(count);
  return count;
}

DeviceReport listDevices() {
  DeviceReport report;
  report.devices.push_back({"cpu", "CPU, " + std::to_string(machineCores()) + " cores, " + cpuBf16Summary()});
  if (!at::globalContext().hasCUDA()) {
    report.cudaUnavailableReason =
        "this LibTorch was built without CUDA (the Debian package is CPU-only); build against "
        "an official CUDA LibTorch with -DCMAKE_PREFIX_PATH=/path/to/libtorch to train on a GPU";
    return report;
  }
  const auto count = torch::cuda::device_count();
  if (count == 0) {
    report.cudaUnavailableReason =
        "LibTorch has CUDA support but found no CUDA device: check the NVIDIA driver (nvidia-smi)";
    return report;
  }
  for (std::size_t i = 0; i < count; ++i) {
    const int major = cudaComputeCapabilityMajor(int(i));
    std::string description = "CUDA device " + std::to_string(i);
    if (major >= 7)
      description += ", tensor cores (float16 mixed precision)";
    else if (major >= 0)
      description += ", compute capability " + std::to_string(major) + ".x (no tensor cores)";
    report.devices.push_back({"cuda:" + std::to_string(i), description});
  }
  return report;
}

torch::Device resolveDevice(const std::string& id) {
  if (id == "cpu") return torch::Device(torch::kCPU);
  int index = 0;
  if (id.rfind("cuda:", 0) == 0)
    index = std::stoi(id.substr(5));
  else if (id != "cuda")
    throw UserError("device \"" + id + "\" is not known; use cpu, cuda or cuda:N");
  const DeviceReport report = listDevices();
  if (!report.cudaUnavailableReason.empty())
    throw UserError("device " + id + " cannot be used: " + report.cudaUnavailableReason +
                    ". Choose device cpu.");
  const auto count = torch::cuda::device_count();
  if (std::size_t(index) >= count)
    throw UserError("device " + id + " does not exist: LibTorch sees " + std::to_string(count) +
                    " CUDA device(s), cuda:0 to cuda:" + std::to_string(count - 1));
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
}

}  // namespace ft::train
