#include "api/about_api.h"

#include <fstream>

#include <ATen/detail/CUDAHooksInterface.h>
#include <opencv2/core/version.hpp>
#include <torch/torch.h>
#include <torch/version.h>

#include "common/cpu_features.h"
#include "train/device.h"

#ifndef FINETUNE_VERSION
#error "FINETUNE_VERSION comes from project() (core/CMakeLists.txt)"
#endif

namespace ft::api {
namespace {

std::string cpuModelName() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos) break;
    const auto first = line.find_first_not_of(" \t", colon + 1);
    return first == std::string::npos ? std::string() : line.substr(first);
  }
  return "unknown CPU";
}

// 11080 -> "11.8"
std::string cudaVersionText(long version) {
  return std::to_string(version / 1000) + "." + std::to_string(version % 1000 / 10);
}

}  // namespace

BuildInfo buildInfo() {
  BuildInfo info;
  info.version = FINETUNE_VERSION;
  info.licence = "GPL-3.0-or-later";
  info.libtorch = TORCH_VERSION;
  if (at::globalContext().hasCUDA())
    info.libtorchCuda = cudaVersionText(at::detail::getCUDAHooks().versionCUDART());
  info.opencv = CV_VERSION;
  return info;
}

MachineInfo machineInfo() {
  MachineInfo info;
  info.cpu = cpuModelName();
  info.cores = train::machineCores();
  info.bf16 = cpuFeatures().bf16Summary();
  const train::DeviceReport report = train::listDevices();
  for (const auto& device : report.devices)
    if (device.id != "cpu") info.cudaDevices.push_back(device.id + ": " + device.description);
  info.cudaUnavailableReason = report.cudaUnavailableReason;
  return info;
}

std::string versionText(const BuildInfo& build, const MachineInfo& machine) {
  std::string text = "FineTune Studio " + build.version + " (" + build.licence + ")\n";
  text += "LibTorch " + build.libtorch +
          (build.libtorchCuda.empty() ? ", CPU only" : ", CUDA " + build.libtorchCuda);
  text += "; OpenCV " + build.opencv + "\n";
  text += "CPU: " + machine.cpu + ", " + std::to_string(machine.cores) + " cores, " + machine.bf16 + "\n";
  if (machine.cudaDevices.empty()) text += "CUDA devices: none; " + machine.cudaUnavailableReason + "\n";
  for (const auto& device : machine.cudaDevices) text += device + "\n";
  return text;
}

}  // namespace ft::api
