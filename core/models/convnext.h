#pragma once
// ConvNeXt-Tiny (2022) with torchvision 0.14's exact parameter names and shapes
// (features.0.0.weight, features.1.0.layer_scale, features.1.0.block.2.weight, features.2.1.weight,
// classifier.0.weight, classifier.2.bias): a ResNet restyled after the vision Transformers -
// a 4x4 "patchify" stem, 7x7 depthwise convolutions, LayerNorm, an inverted MLP with GELU,
// layer scale and stochastic depth (0 -> 0.1 over the blocks, training only). No BatchNorm.
// The head is "classifier.2"; classifier.0 (a LayerNorm) stays with the backbone, pretrained.
#include <vector>

#include <torch/torch.h>

#include "models/blocks.h"
#include "models/classifier.h"

namespace ft::models {

const std::vector<ArchitectureInfo>& convnextArchitectures();

// torchvision's LayerNorm2d: LayerNorm over the channels of an NCHW tensor (weight, bias [C]).
class LayerNorm2dImpl : public torch::nn::Module {
 public:
  LayerNorm2dImpl(std::int64_t channels, double eps);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight, bias;
  double eps;
};
TORCH_MODULE(LayerNorm2d);

// x + stochastic_depth(layer_scale * block(x)); block = 7x7 depthwise convolution ("block.0"),
// LayerNorm over channels ("block.2"), Linear to 4x ("block.3"), GELU, Linear back ("block.5").
class CNBlockImpl : public torch::nn::Module {
 public:
  CNBlockImpl(std::int64_t dim, double layerScale, double stochasticDepth);
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor layerScale;  // "layer_scale" [dim, 1, 1]
  torch::nn::Conv2d depthwise{nullptr};
  torch::nn::LayerNorm norm{nullptr};
  torch::nn::Linear expand{nullptr}, project{nullptr};
  StochasticDepth stochasticDepth{nullptr};
};
TORCH_MODULE(CNBlock);

class ConvNeXtImpl : public ClassifierImpl {
 public:
  explicit ConvNeXtImpl(int numClasses);
  // features -> adaptive average pool -> classifier.0 (LayerNorm2d) -> flatten: [B, 768].
  torch::Tensor features(torch::Tensor x) override;
  // classifier.2(features).
  torch::Tensor classify(torch::Tensor features) override;
  const ArchitectureInfo& info() const override;
  void replaceHead(int numClasses) override;

  // features.<2s+1>: stage s's blocks; features.<2s+2>: the downsampling after stages 0 to 2
  // (LayerNorm2d "0", 2x2 stride-2 convolution "1").
  struct Stage {
    std::vector<CNBlock> blocks;
    LayerNorm2d downsampleNorm{nullptr};
    torch::nn::Conv2d downsample{nullptr};
  };
  torch::nn::Conv2d stem{nullptr};  // features.0.0: 4x4 stride 4
  LayerNorm2d stemNorm{nullptr};    // features.0.1
  std::vector<Stage> stages;
  LayerNorm2d classifierNorm{nullptr};  // classifier.0
  torch::nn::Linear head{nullptr};      // classifier.2

 private:
  std::shared_ptr<torch::nn::Module> m_classifier;
};

}  // namespace ft::models
