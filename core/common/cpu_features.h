#pragma once
// What the CPU offers for bfloat16 arithmetic (issue 12). oneDNN runs bfloat16 convolutions on
// AMX tiles (Intel Sapphire Rapids and later: `brgconv:avx512_core_amx_bf16`), or with
// AVX512-BF16 dot products (Intel Cooper Lake, AMD Zen 4); elsewhere bfloat16 is emulated and
// slower than float32. Linux hands out AMX's tile state only on request (arch_prctl
// ARCH_REQ_XCOMP_PERM): a CPU with AMX on a kernel that refuses it computes without AMX.
#include <string>

namespace ft {

struct CpuFeatures {
  bool avx512Bf16 = false;  // AVX512-BF16 instructions, enabled by the OS
  bool amxBf16 = false;     // the CPU reports AMX-BF16 and AMX-TILE
  bool amxGranted = false;  // ... and the kernel granted this process the tile state
  bool amx() const { return amxBf16 && amxGranted; }
  // bfloat16 runs natively (faster than float32): AMX or AVX512-BF16.
  bool nativeBf16() const { return amx() || avx512Bf16; }
  // "AMX bfloat16", "AVX512-BF16 bfloat16", "AMX present but not granted by the kernel; ...",
  // "no native bfloat16".
  std::string bf16Summary() const;
};

// This machine's CPU, detected once (thread-safe).
const CpuFeatures& cpuFeatures();

}  // namespace ft
