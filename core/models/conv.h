#pragma once
// Convolution that leaves out the kernel taps which only ever see zero padding.
//
// At small inputs most taps of a kernel multiply padding: at 32 px, ResNet's layer4 runs at
// 1x1, where 8 of the 9 taps of each 3x3 kernel never touch the image. The convolution with the
// kernel cropped to the taps that do (and the padding reduced to match) gives the same output,
// and the same gradients: the cropped-away taps get a zero gradient, as they do from the full
// convolution (their weight decay still applies). oneDNN then does the work of the taps that
// count (1/9 of it in layer4 at 32 px; measured in BENCHMARKS.md).
#include <cstdint>
#include <optional>

#include <torch/torch.h>

namespace ft::models {

// The kernel taps along one spatial axis that touch the input for some output position.
struct TapRange {
  std::int64_t first = 0;    // first used tap
  std::int64_t count = 0;    // used taps: first .. first + count - 1
  std::int64_t padding = 0;  // padding of the cropped convolution
};

// The used taps of a convolution along one axis (dilation 1, zero padding), when they are
// fewer than `kernel` and the cropped convolution has the same output size; nullopt when every
// tap is used or the crop would change the output.
std::optional<TapRange> croppedTaps(std::int64_t inputSize, std::int64_t kernel, std::int64_t stride,
                                    std::int64_t padding);

// conv->forward(input), with the kernel cropped to its used taps where that leaves some out.
// Any Conv2d: other padding modes, "same"/"valid" padding and dilation > 1 run uncropped.
torch::Tensor convolve(torch::nn::Conv2dImpl& conv, const torch::Tensor& input);

}  // namespace ft::models
