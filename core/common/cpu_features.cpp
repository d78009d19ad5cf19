#include "common/cpu_features.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define FT_X86 1
#endif
#if defined(__linux__) && defined(__x86_64__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace ft {
namespace {

#ifdef FT_X86
bool osSavesState(unsigned long long mask) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return false;  // OSXSAVE
  unsigned lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  const unsigned long long xcr0 = (static_cast<unsigned long long>(hi) << 32) | lo;
  return (xcr0 & mask) == mask;
}
#endif

// Linux 5.16+: a process must ask for AMX's tile data before using it (oneDNN asks the same
// way); 0 means granted. Older kernels have no AMX support at all.
bool kernelGrantsTiles() {
#if defined(__linux__) && defined(__x86_64__)
  constexpr int kArchReqXcompPerm = 0x1023;
  constexpr int kXfeatureXtileData = 18;
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtileData) == 0;
#else
  return false;
#endif
}

CpuFeatures detect() {
  CpuFeatures f;
#ifdef FT_X86
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
    const bool amxTile = d & (1u << 24), amxBf16 = d & (1u << 22);
    f.amxBf16 = amxTile && amxBf16;
  }
  // ZMM state (XCR0 bits 5-7) and SSE/AVX (1-2) for AVX-512; tile config and data (17-18).
  f.avx512Bf16 = __builtin_cpu_supports("avx512bf16") && osSavesState(0xE6);
  if (f.amxBf16) f.amxGranted = kernelGrantsTiles() && osSavesState(0x60000);
#endif
  return f;
}

}  // namespace

std::string CpuFeatures::bf16Summary() const {
  if (amx()) return "AMX bfloat16";
  if (amxBf16 && avx512Bf16) return "AVX512-BF16 bfloat16 (AMX present but not granted by the kernel)";
  if (avx512Bf16) return "AVX512-BF16 bfloat16";
  if (amxBf16) return "no native bfloat16 (AMX present but not granted by the kernel)";
  return "no native bfloat16";
}

const CpuFeatures& cpuFeatures() {
  static const CpuFeatures features = detect();
  return features;
}

}  // namespace ft
