#pragma once
// Residual blocks of torchvision's ResNet (torchvision/models/resnet.py), registered under the
// same attribute names so that parameter and buffer keys match a torchvision state dict:
//   BasicBlock:  conv1, bn1, conv2, bn2[, downsample.0, downsample.1]
//   Bottleneck:  conv1, bn1, conv2, bn2, conv3, bn3[, downsample.0, downsample.1]
// ReLU has no parameters and is applied functionally (not registered), as torchvision's
// state dict has no entry for it either.
#include <torch/torch.h>

#include <cstdint>

namespace ft::models {

// 3x3 conv, padding 1, no bias (torchvision conv3x3).
torch::nn::Conv2d makeConv3x3(std::int64_t in, std::int64_t out, std::int64_t stride = 1);
// 1x1 conv, no bias (torchvision conv1x1).
torch::nn::Conv2d makeConv1x1(std::int64_t in, std::int64_t out, std::int64_t stride = 1);
// Sequential(conv1x1 "0", BatchNorm2d "1"): the projection shortcut.
torch::nn::Sequential makeDownsample(std::int64_t in, std::int64_t out, std::int64_t stride);

class BasicBlockImpl : public torch::nn::Module {
 public:
  static constexpr std::int64_t kExpansion = 1;
  // `downsample` may be empty (nullptr holder): identity shortcut, nothing registered.
  BasicBlockImpl(std::int64_t inplanes, std::int64_t planes, std::int64_t stride,
                 torch::nn::Sequential downsample);
  torch::Tensor forward(torch::Tensor x);

 private:
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
  torch::nn::Sequential downsample{nullptr};
};
TORCH_MODULE(BasicBlock);

// ResNet v1.5 bottleneck: the stride sits on the 3x3 conv (conv2), as in torchvision.
class BottleneckImpl : public torch::nn::Module {
 public:
  static constexpr std::int64_t kExpansion = 4;
  BottleneckImpl(std::int64_t inplanes, std::int64_t planes, std::int64_t stride,
                 torch::nn::Sequential downsample);
  torch::Tensor forward(torch::Tensor x);

 private:
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
  torch::nn::Sequential downsample{nullptr};
};
TORCH_MODULE(Bottleneck);

}  // namespace ft::models
