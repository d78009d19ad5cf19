#include "common/float_env.h"

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define FT_HAVE_MXCSR 1
#endif

namespace ft {

#ifdef FT_HAVE_MXCSR
namespace {
constexpr unsigned kFlushToZero = 0x8000;       // MXCSR bit 15
constexpr unsigned kDenormalsAreZero = 0x0040;  // MXCSR bit 6
constexpr unsigned kBoth = kFlushToZero | kDenormalsAreZero;
}  // namespace

void setFlushDenormals(bool on) {
  const unsigned csr = _mm_getcsr();
  _mm_setcsr(on ? (csr | kBoth) : (csr & ~kBoth));
}

bool flushDenormalsSet() { return (_mm_getcsr() & kBoth) == kBoth; }
#else
void setFlushDenormals(bool) {}
bool flushDenormalsSet() { return false; }
#endif

bool denormalsFlushedHere() {
  // volatile: computed at run time on this thread, never folded by the compiler.
  volatile float denormal = 1e-40f;  // below FLT_MIN (1.18e-38)
  volatile float one = 1.0f;
  volatile float small = 1e-20f;
  const float operand = denormal * one;  // DAZ: reads the denormal as 0
  const float result = small * small;    // FTZ: a denormal result (1e-40) becomes 0
  return operand == 0.0f && result == 0.0f;
}

}  // namespace ft
