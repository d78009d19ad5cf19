#pragma once
// Denormal (subnormal) floats in the calling thread's floating-point environment.
//
// Weights that only ever receive weight decay (at 32 px, 8 of the 9 taps of every layer4 3x3
// kernel see nothing but zero padding) decay into the denormal range, and Intel CPUs take a
// microcode assist for every denormal operand: a training step became 4x slower (issue 12).
// Flush-to-zero (FTZ: denormal results become 0) and denormals-are-zero (DAZ: denormal
// operands read as 0) are bits of each thread's MXCSR register. A new thread inherits its
// creator's bits, so they must be set in every thread that computes, or before it is created.
namespace ft {

// Sets (or clears) FTZ and DAZ on the calling thread. A no-op where the CPU has no such
// control (then flushDenormalsSet() stays false).
void setFlushDenormals(bool on);
// True when FTZ and DAZ are both set on the calling thread.
bool flushDenormalsSet();
// Behaviour, not bits: true when, on the calling thread, a denormal operand reads as zero and
// a product that would be denormal comes out as zero.
bool denormalsFlushedHere();

}  // namespace ft
