#include "models/blocks.h"
#include "models/batch_norm.h"

#include <algorithm>
#include <cmath>

#include "models/conv.h"

namespace ft::models {

namespace {

// ReLU6 in bfloat16: LibTorch 1.13 has no bfloat16 hardtanh backward on the CPU
// ("hardshrink_backward_cpu not implemented for 'BFloat16'"). The forward is hardtanh's own
// kernel (one pass); the backward is hardtanh's gradient, 1 strictly inside (0, 6), else 0.
struct Relu6Bfloat16 : torch::autograd::Function<Relu6Bfloat16> {
  static torch::Tensor forward(torch::autograd::AutogradContext* context, const torch::Tensor& x) {
    context->save_for_backward({x});
    return torch::hardtanh(x, 0.0, 6.0);
  }
  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* context,
                                               torch::autograd::tensor_list gradients) {
    const auto x = context->get_saved_variables()[0];
    const auto outside = x.le(0.0).logical_or_(x.ge(6.0));
    return {gradients[0].masked_fill(outside, 0.0)};
  }
};

}  // namespace

torch::Tensor activate(Activation activation, const torch::Tensor& x) {
  switch (activation) {
    case Activation::None: return x;
    case Activation::ReLU: return torch::relu(x);
    case Activation::ReLU6: {
      // Without a gradient to compute (a frozen backbone, evaluation) hardtanh itself.
      if (x.scalar_type() != torch::kBFloat16 || !x.requires_grad() || !torch::GradMode::is_enabled())
        return torch::hardtanh(x, 0.0, 6.0);
      return Relu6Bfloat16::apply(x);
    }
    case Activation::Hardswish: return torch::hardswish(x);
    case Activation::SiLU: return torch::silu(x);
    case Activation::Sigmoid: return torch::sigmoid(x);
    case Activation::Hardsigmoid: return torch::hardsigmoid(x);
  }
  return x;
}

const char* activationName(Activation activation) {
  switch (activation) {
    case Activation::None: return "none";
    case Activation::ReLU: return "relu";
    case Activation::ReLU6: return "relu6";
    case Activation::Hardswish: return "hardswish";
    case Activation::SiLU: return "silu";
    case Activation::Sigmoid: return "sigmoid";
    case Activation::Hardsigmoid: return "hardsigmoid";
  }
  return "?";
}

std::int64_t makeDivisible(double value, std::int64_t divisor) {
  std::int64_t rounded = std::max(divisor, std::int64_t(value + double(divisor) / 2) / divisor * divisor);
  if (double(rounded) < 0.9 * value) rounded += divisor;
  return rounded;
}

ConvNormActivationImpl::ConvNormActivationImpl(std::int64_t in, std::int64_t out, std::int64_t kernel,
                                               std::int64_t stride, std::int64_t groups,
                                               Activation activation, NormSettings settings,
                                               std::int64_t dilation)
    : activation(activation) {
  const std::int64_t padding = (kernel - 1) / 2 * dilation;
  conv = register_module("0", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel)
                                                    .stride(stride)
                                                    .padding(padding)
                                                    .dilation(dilation)
                                                    .groups(groups)
                                                    .bias(false)));
  norm =
      register_module("1",
                      torch::nn::BatchNorm2d(
                          torch::nn::BatchNorm2dOptions(out).eps(settings.eps).momentum(settings.momentum)));
}

torch::Tensor ConvNormActivationImpl::forward(const torch::Tensor& x) {
  return activate(activation, batchNorm(*norm, convolve(*conv, x)));
}

SqueezeExcitationImpl::SqueezeExcitationImpl(std::int64_t channels, std::int64_t squeezeChannels,
                                             Activation activation, Activation scaleActivation)
    : activation(activation), scaleActivation(scaleActivation) {
  fc1 = register_module("fc1", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, squeezeChannels, 1)));
  fc2 = register_module("fc2", torch::nn::Conv2d(torch::nn::Conv2dOptions(squeezeChannels, channels, 1)));
}

torch::Tensor SqueezeExcitationImpl::forward(const torch::Tensor& x) {
  torch::Tensor scale = torch::adaptive_avg_pool2d(x, {1, 1});
  scale = activate(scaleActivation, fc2->forward(activate(activation, fc1->forward(scale))));
  return x * scale;
}

torch::Tensor StochasticDepthImpl::forward(const torch::Tensor& x) {
  if (!is_training() || probability <= 0.0) return x;
  const double survival = 1.0 - probability;
  std::vector<std::int64_t> shape(std::size_t(x.dim()), 1);
  shape[0] = x.size(0);
  torch::Tensor keep = torch::empty(shape, x.options()).bernoulli_(survival);
  if (survival > 0.0) keep.div_(survival);
  return x * keep;
}

InvertedResidualImpl::InvertedResidualImpl(const std::string& bodyName, torch::nn::Sequential body,
                                           bool residual, double stochasticDepthProbability)
    : residual(residual) {
  this->body = register_module(bodyName, std::move(body));
  if (stochasticDepthProbability >= 0)
    stochasticDepth = register_module("stochastic_depth", StochasticDepth(stochasticDepthProbability));
}

torch::Tensor InvertedResidualImpl::forward(const torch::Tensor& x) {
  torch::Tensor y = forwardSequential(body, x);
  if (!residual) return y;
  if (stochasticDepth) y = stochasticDepth->forward(y);
  return y + x;
}

torch::nn::Linear replaceLinearChild(torch::nn::Module& container, const std::string& index,
                                     const torch::nn::Linear& old, int numClasses, bool training) {
  torch::nn::Linear head(old->options.in_features(), numClasses);
  head->to(old->weight.device(), old->weight.scalar_type());
  head->train(training);
  container.replace_module(index, head);
  return head;
}

void initialiseConvolutionsAndNorms(torch::nn::Module& model) {
  torch::NoGradGuard noGrad;
  for (auto& module : model.modules(/*include_self=*/false)) {
    if (auto* conv = module->as<torch::nn::Conv2d>()) {
      torch::nn::init::kaiming_normal_(conv->weight, /*a=*/0.0, torch::kFanOut);
      if (conv->bias.defined()) torch::nn::init::zeros_(conv->bias);
    } else if (auto* bn = module->as<torch::nn::BatchNorm2d>()) {
      torch::nn::init::ones_(bn->weight);
      torch::nn::init::zeros_(bn->bias);
    }
  }
}

}  // namespace ft::models
