#include "models/convnext.h"

#include "common/error.h"

namespace ft::models {
namespace {

constexpr double kEps = 1e-6;
constexpr double kLayerScale = 1e-6;
constexpr double kStochasticDepth = 0.1;  // convnext_tiny's default

// convnext_tiny: (channels, blocks) per stage.
struct StageSetting {
  std::int64_t channels;
  int blocks;
};
constexpr StageSetting kTiny[] = {{96, 3}, {192, 3}, {384, 9}, {768, 3}};

// torchvision: trunc_normal_(std=0.02) on every Conv2d and Linear weight (truncated at +-2, that
// is 100 standard deviations: a normal draw), zero biases.
void initialise(torch::nn::Module& model) {
  torch::NoGradGuard noGrad;
  for (auto& module : model.modules(/*include_self=*/false)) {
    torch::Tensor weight, bias;
    if (auto* conv = module->as<torch::nn::Conv2d>()) {
      weight = conv->weight;
      bias = conv->bias;
    } else if (auto* linear = module->as<torch::nn::Linear>()) {
      weight = linear->weight;
      bias = linear->bias;
    } else {
      continue;
    }
    weight.normal_(0.0, 0.02).clamp_(-2.0, 2.0);
    if (bias.defined()) bias.zero_();
  }
}

}  // namespace

const std::vector<ArchitectureInfo>& convnextArchitectures() {
  // Signature: layer-scaled blocks, nine in the third stage (ConvNeXt-Small and larger have 27).
  // Smallest input: the 4x4 stem, then three 2x2 downsamplings: 32 px. Its 7x7 depthwise
  // convolutions run faster in NCHW, also in bfloat16 (BENCHMARKS.md).
  static const std::vector<ArchitectureInfo> infos = {
      {"convnext_tiny",
       "ConvNeXt-Tiny",
       "convnext",
       224,
       768,
       "classifier.2",
       {"features.0.0.weight", "features.1.0.layer_scale", "features.5.8.layer_scale",
        "!features.5.9.layer_scale", "features.7.2.layer_scale", "classifier.0.weight"},
       32,
       1,
       false},
  };
  return infos;
}

LayerNorm2dImpl::LayerNorm2dImpl(std::int64_t channels, double eps) : eps(eps) {
  weight = register_parameter("weight", torch::ones({channels}));
  bias = register_parameter("bias", torch::zeros({channels}));
}

torch::Tensor LayerNorm2dImpl::forward(const torch::Tensor& x) {
  // float32 whatever the input (a bfloat16 convolution's output under autocast): LibTorch 1.13's
  // CPU layer_norm takes no mixed types, and normalising in float32 is what autocast intends.
  return torch::layer_norm(x.permute({0, 2, 3, 1}).to(weight.scalar_type()), {weight.size(0)}, weight, bias,
                           eps)
      .permute({0, 3, 1, 2});
}

CNBlockImpl::CNBlockImpl(std::int64_t dim, double layerScaleValue, double stochasticDepthRate) {
  layerScale = register_parameter("layer_scale", torch::full({dim, 1, 1}, layerScaleValue));
  auto block = register_module("block", std::make_shared<torch::nn::Module>());
  depthwise = block->register_module("0", torch::nn::Conv2d(
                                              torch::nn::Conv2dOptions(dim, dim, 7).padding(3).groups(dim)));
  norm = block->register_module("2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(kEps)));
  expand = block->register_module("3", torch::nn::Linear(dim, 4 * dim));
  project = block->register_module("5", torch::nn::Linear(4 * dim, dim));
  stochasticDepth = register_module("stochastic_depth", StochasticDepth(stochasticDepthRate));
}

torch::Tensor CNBlockImpl::forward(const torch::Tensor& x) {
  torch::Tensor y = depthwise->forward(x).permute({0, 2, 3, 1});  // NHWC for the channel-wise layers
  y = project->forward(torch::gelu(expand->forward(norm->forward(y.to(norm->weight.scalar_type())))));
  y = layerScale * y.permute({0, 3, 1, 2});
  return stochasticDepth->forward(y) + x;
}

const ArchitectureInfo& ConvNeXtImpl::info() const { return convnextArchitectures().front(); }

ConvNeXtImpl::ConvNeXtImpl(int numClasses) : ClassifierImpl(numClasses) {
  checkNumClasses(numClasses, "ConvNeXt");
  auto features = register_module("features", std::make_shared<torch::nn::Module>());
  auto stemHolder = features->register_module("0", std::make_shared<torch::nn::Module>());
  stem = stemHolder->register_module("0", torch::nn::Conv2d(
                                              torch::nn::Conv2dOptions(3, kTiny[0].channels, 4).stride(4)));
  stemNorm = stemHolder->register_module("1", LayerNorm2d(kTiny[0].channels, kEps));
  int totalBlocks = 0;
  for (const auto& setting : kTiny) totalBlocks += setting.blocks;
  int block = 0, index = 1;
  const int lastStage = int(std::size(kTiny)) - 1;
  for (int s = 0; s <= lastStage; ++s) {
    Stage stage;
    auto blocks = features->register_module(std::to_string(index++), std::make_shared<torch::nn::Module>());
    for (int b = 0; b < kTiny[s].blocks; ++b, ++block)
      stage.blocks.push_back(
          blocks->register_module(std::to_string(b),
                                  CNBlock(kTiny[s].channels, kLayerScale,
                                          kStochasticDepth * double(block) / double(totalBlocks - 1))));
    if (s < lastStage) {
      auto down = features->register_module(std::to_string(index++), std::make_shared<torch::nn::Module>());
      stage.downsampleNorm = down->register_module("0", LayerNorm2d(kTiny[s].channels, kEps));
      stage.downsample = down->register_module(
          "1",
          torch::nn::Conv2d(torch::nn::Conv2dOptions(kTiny[s].channels, kTiny[s + 1].channels, 2).stride(2)));
    }
    stages.push_back(std::move(stage));
  }
  const std::int64_t width = kTiny[lastStage].channels;
  m_classifier = register_module("classifier", std::make_shared<torch::nn::Module>());
  classifierNorm = m_classifier->register_module("0", LayerNorm2d(width, kEps));
  head = m_classifier->register_module("2", torch::nn::Linear(width, numClasses));
  initialise(*this);
}

torch::Tensor ConvNeXtImpl::features(torch::Tensor x) {
  x = stemNorm->forward(stem->forward(x));
  for (auto& stage : stages) {
    for (auto& block : stage.blocks) x = block->forward(x);
    if (stage.downsample) x = stage.downsample->forward(stage.downsampleNorm->forward(x));
  }
  return torch::flatten(classifierNorm->forward(torch::adaptive_avg_pool2d(x, {1, 1})), 1);
}

torch::Tensor ConvNeXtImpl::classify(torch::Tensor features) { return head->forward(features); }

void ConvNeXtImpl::replaceHead(int numClasses) {
  checkNumClasses(numClasses, "ConvNeXt::replaceHead");
  head = replaceLinearChild(*m_classifier, "2", head, numClasses, is_training());
  setNumClasses(numClasses);
}

}  // namespace ft::models
