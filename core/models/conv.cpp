#include "models/conv.h"

#include <c10/util/variant.h>

namespace ft::models {

std::optional<TapRange> croppedTaps(std::int64_t inputSize, std::int64_t kernel, std::int64_t stride,
                                    std::int64_t padding) {
  if (inputSize < 1 || kernel < 2 || stride < 1 || padding < 0) return std::nullopt;
  const std::int64_t span = inputSize + 2 * padding - kernel;
  if (span < 0) return std::nullopt;
  const std::int64_t outputs = span / stride + 1;
  // Tap k reads input row o * stride - padding + k for output row o; it is used if one of those
  // rows lies inside the input.
  auto used = [&](std::int64_t k) {
    for (std::int64_t o = 0; o < outputs; ++o) {
      const std::int64_t row = o * stride - padding + k;
      if (row >= 0 && row < inputSize) return true;
    }
    return false;
  };
  std::int64_t first = 0;
  while (first < kernel && !used(first)) ++first;
  std::int64_t last = kernel - 1;
  while (last > first && !used(last)) --last;
  if (first >= kernel || (first == 0 && last == kernel - 1)) return std::nullopt;
  for (std::int64_t k = first; k <= last; ++k)
    if (!used(k)) return std::nullopt;  // a gap: the crop would not be one convolution
  TapRange taps{first, last - first + 1, padding - first};
  // Padding is symmetric: the crop must give the same number of outputs.
  const std::int64_t croppedSpan = inputSize + 2 * taps.padding - taps.count;
  if (taps.padding < 0 || croppedSpan < 0 || croppedSpan / stride + 1 != outputs) return std::nullopt;
  return taps;
}

torch::Tensor convolve(torch::nn::Conv2dImpl& conv, const torch::Tensor& input) {
  const auto& options = conv.options;
  const auto* padding = c10::get_if<torch::ExpandingArray<2>>(&options.padding());
  const bool croppable = input.dim() == 4 && padding != nullptr &&
                         c10::holds_alternative<torch::enumtype::kZeros>(options.padding_mode()) &&
                         (*options.dilation())[0] == 1 && (*options.dilation())[1] == 1;
  if (!croppable) return conv.forward(input);
  const auto& kernel = *options.kernel_size();
  const auto& stride = *options.stride();
  const auto rows = croppedTaps(input.size(2), kernel[0], stride[0], (**padding)[0]);
  const auto columns = croppedTaps(input.size(3), kernel[1], stride[1], (**padding)[1]);
  if (!rows && !columns) return conv.forward(input);
  const TapRange h = rows ? *rows : TapRange{0, kernel[0], (**padding)[0]};
  const TapRange w = columns ? *columns : TapRange{0, kernel[1], (**padding)[1]};
  const auto weight = conv.weight.slice(2, h.first, h.first + h.count).slice(3, w.first, w.first + w.count);
  return torch::conv2d(input, weight, conv.bias, {stride[0], stride[1]}, {h.padding, w.padding}, {1, 1},
                       options.groups());
}

}  // namespace ft::models
