#pragma once
// What this build is and what the machine offers: `finetune-cli --version` and the studio's
// Help > About. No LibTorch types (UI-safe).
#include <string>
#include <vector>

namespace ft::api {

struct BuildInfo {
  std::string version;       // FineTune Studio's, from project() in CMakeLists.txt: "0.1.0"
  std::string licence;       // "GPL-3.0-or-later"
  std::string libtorch;      // "1.13.0"
  std::string libtorchCuda;  // the CUDA this LibTorch was built with, "" for a CPU-only LibTorch
  std::string opencv;        // "4.6.0"
};
BuildInfo buildInfo();

struct MachineInfo {
  std::string cpu;                       // lscpu's model name: "AMD EPYC" (from /proc/cpuinfo)
  int cores = 0;                         // the cores training uses by default
  std::string bf16;                      // "AVX512-BF16 bfloat16", "AMX bfloat16", "no native bfloat16"
  std::vector<std::string> cudaDevices;  // "cuda:0: NVIDIA ..., 24 GB", empty without CUDA
  std::string cudaUnavailableReason;     // why none are listed
};
MachineInfo machineInfo();

// Several lines for `--version`: the build, then the machine.
std::string versionText(const BuildInfo& build, const MachineInfo& machine);

}  // namespace ft::api
