#include "models/resnet_blocks.h"
#include "models/batch_norm.h"

#include "models/conv.h"

#include <utility>

namespace ft::models {

torch::nn::Conv2d makeConv3x3(std::int64_t in, std::int64_t out, std::int64_t stride) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false));
}

torch::nn::Conv2d makeConv1x1(std::int64_t in, std::int64_t out, std::int64_t stride) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 1).stride(stride).bias(false));
}

torch::nn::Sequential makeDownsample(std::int64_t in, std::int64_t out, std::int64_t stride) {
  // Sequential names its children "0", "1": downsample.0.weight, downsample.1.running_mean...
  return torch::nn::Sequential(makeConv1x1(in, out, stride), torch::nn::BatchNorm2d(out));
}

BasicBlockImpl::BasicBlockImpl(std::int64_t inplanes, std::int64_t planes, std::int64_t stride,
                               torch::nn::Sequential ds) {
  // Registration order = torchvision attribute order = state dict order.
  conv1 = register_module("conv1", makeConv3x3(inplanes, planes, stride));
  bn1 = register_module("bn1", torch::nn::BatchNorm2d(planes));
  conv2 = register_module("conv2", makeConv3x3(planes, planes));
  bn2 = register_module("bn2", torch::nn::BatchNorm2d(planes));
  if (!ds.is_empty()) downsample = register_module("downsample", std::move(ds));
}

torch::Tensor BasicBlockImpl::forward(torch::Tensor x) {
  torch::Tensor out = torch::relu(batchNorm(*bn1, convolve(*conv1, x)));
  out = batchNorm(*bn2, convolve(*conv2, out));
  const torch::Tensor identity = downsample.is_empty() ? x : forwardSequential(downsample, x);
  return torch::relu(out + identity);
}

BottleneckImpl::BottleneckImpl(std::int64_t inplanes, std::int64_t planes, std::int64_t stride,
                               torch::nn::Sequential ds) {
  const std::int64_t width = planes;  // groups = 1, base_width = 64
  conv1 = register_module("conv1", makeConv1x1(inplanes, width));
  bn1 = register_module("bn1", torch::nn::BatchNorm2d(width));
  conv2 = register_module("conv2", makeConv3x3(width, width, stride));
  bn2 = register_module("bn2", torch::nn::BatchNorm2d(width));
  conv3 = register_module("conv3", makeConv1x1(width, planes * kExpansion));
  bn3 = register_module("bn3", torch::nn::BatchNorm2d(planes * kExpansion));
  if (!ds.is_empty()) downsample = register_module("downsample", std::move(ds));
}

torch::Tensor BottleneckImpl::forward(torch::Tensor x) {
  torch::Tensor out = torch::relu(batchNorm(*bn1, convolve(*conv1, x)));
  out = torch::relu(batchNorm(*bn2, convolve(*conv2, out)));
  out = batchNorm(*bn3, convolve(*conv3, out));
  const torch::Tensor identity = downsample.is_empty() ? x : forwardSequential(downsample, x);
  return torch::relu(out + identity);
}

}  // namespace ft::models
