#pragma once
// Building blocks of the mobile CNN families (MobileNetV2/V3, EfficientNet), with torchvision's
// module names so that state dict keys match: Conv2dNormActivation ("0" conv, "1" norm),
// SqueezeExcitation ("fc1", "fc2"), the inverted residual (body "conv" or "block", optional
// stochastic depth). Activations have no state and are applied functionally, so they take no
// index of their own beyond the one torchvision gives them (their index holds no keys).
#include <cstdint>
#include <string>

#include <torch/torch.h>

namespace ft::models {

enum class Activation { None, ReLU, ReLU6, Hardswish, SiLU, Sigmoid, Hardsigmoid };
torch::Tensor activate(Activation activation, const torch::Tensor& x);
const char* activationName(Activation activation);  // "relu6", "hardswish", ...

// torchvision's _make_divisible: round to the nearest multiple of `divisor`, not below it, and
// never more than 10% below `value`.
std::int64_t makeDivisible(double value, std::int64_t divisor = 8);

// BatchNorm2d settings per family: eps and momentum (MobileNetV3: 1e-3, 0.01).
struct NormSettings {
  double eps = 1e-5;
  double momentum = 0.1;
};

// Conv2d (no bias, "same" padding (k - 1) / 2 * dilation) -> BatchNorm2d -> activation.
class ConvNormActivationImpl : public torch::nn::Module {
 public:
  ConvNormActivationImpl(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride,
                         std::int64_t groups, Activation activation, NormSettings norm,
                         std::int64_t dilation = 1);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d norm{nullptr};
  Activation activation;
};
TORCH_MODULE(ConvNormActivation);

// x * scaleActivation(fc2(activation(fc1(mean over H, W of x)))), fc1/fc2 1x1 convolutions.
class SqueezeExcitationImpl : public torch::nn::Module {
 public:
  SqueezeExcitationImpl(std::int64_t channels, std::int64_t squeezeChannels, Activation activation,
                        Activation scaleActivation);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Conv2d fc1{nullptr}, fc2{nullptr};
  Activation activation, scaleActivation;
};
TORCH_MODULE(SqueezeExcitation);

// torchvision.ops.StochasticDepth(p, "row"): in training, each sample's branch is dropped with
// probability p and the survivors scaled by 1 / (1 - p); the identity in eval mode or at p = 0.
class StochasticDepthImpl : public torch::nn::Module {
 public:
  explicit StochasticDepthImpl(double probability) : probability(probability) {}
  torch::Tensor forward(const torch::Tensor& x);
  double probability;
};
TORCH_MODULE(StochasticDepth);

// body(x) (+ x when `residual`), the branch through stochastic depth when one is given.
class InvertedResidualImpl : public torch::nn::Module {
 public:
  InvertedResidualImpl(const std::string& bodyName, torch::nn::Sequential body, bool residual,
                       double stochasticDepth = -1);  // < 0: no stochastic depth module
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Sequential body{nullptr};
  StochasticDepth stochasticDepth{nullptr};
  bool residual;
};
TORCH_MODULE(InvertedResidual);

// A Sequential that can itself sit in a Sequential (EfficientNet's stages of blocks): LibTorch's
// Sequential has a templated forward, which AnyModule cannot hold.
class BlockSequenceImpl : public torch::nn::SequentialImpl {
 public:
  using SequentialImpl::SequentialImpl;
  torch::Tensor forward(torch::Tensor x) { return SequentialImpl::forward(std::move(x)); }
};
TORCH_MODULE(BlockSequence);

// A fresh Linear(old's inputs, numClasses) registered as child `index` of `container` in place of
// `old` (same place in the state dict order), on old's device and dtype, in train mode
// `training`, with PyTorch's default initialisation (as a user's new nn.Linear gets). The head
// replacement of every classifier whose head sits in a "classifier" container.
torch::nn::Linear replaceLinearChild(torch::nn::Module& container, const std::string& index,
                                     const torch::nn::Linear& old, int numClasses, bool training);

// torchvision's initialisation of these families' convolutions and norms: kaiming_normal_
// (fan_out) weights, zero biases; BatchNorm weight 1, bias 0.
void initialiseConvolutionsAndNorms(torch::nn::Module& model);

}  // namespace ft::models
