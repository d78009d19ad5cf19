#pragma once
// DenseNet-121 (2016) with torchvision 0.14's exact parameter and buffer names and shapes
// (features.conv0.weight, features.denseblock2.denselayer7.norm1.running_var,
// features.transition3.conv.weight, features.norm5.bias, classifier.weight). Its official file
// uses the legacy names "denselayer1.norm.1.weight"; weights/classifier_weights maps them as
// torchvision's loader does. The head is "classifier".
#include <vector>

#include <torch/torch.h>

#include "models/classifier.h"

namespace ft::models {

const std::vector<ArchitectureInfo>& densenetArchitectures();

class DenseNetImpl : public ClassifierImpl {
 public:
  explicit DenseNetImpl(int numClasses);
  // features -> ReLU -> adaptive average pool -> flatten: [B, 1024].
  torch::Tensor features(torch::Tensor x) override;
  // classifier(features).
  torch::Tensor classify(torch::Tensor features) override;
  const ArchitectureInfo& info() const override;
  void replaceHead(int numClasses) override;

  // Layers per dense block (6, 12, 24, 16): block b's layer l is
  // features.denseblock<b+1>.denselayer<l+1>; transitions follow blocks 1 to 3.
  const std::vector<int>& blockLayers() const { return m_blockLayers; }

 private:
  // BatchNorm -> ReLU -> 1x1 convolution to 4 x growth -> BatchNorm -> ReLU -> 3x3 convolution to
  // `growth` new channels, computed from the concatenation of every earlier output in the block.
  struct DenseLayer {
    torch::nn::BatchNorm2d norm1{nullptr}, norm2{nullptr};
    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  };
  // BatchNorm -> ReLU -> 1x1 convolution halving the channels -> 2x2 average pooling.
  struct Transition {
    torch::nn::BatchNorm2d norm{nullptr};
    torch::nn::Conv2d conv{nullptr};
  };

  std::vector<int> m_blockLayers;
  std::shared_ptr<torch::nn::Module> m_features;
  torch::nn::Conv2d m_conv0{nullptr};
  torch::nn::BatchNorm2d m_norm0{nullptr}, m_norm5{nullptr};
  std::vector<std::vector<DenseLayer>> m_blocks;
  std::vector<Transition> m_transitions;
  torch::nn::Linear m_head{nullptr};  // "classifier"
};

}  // namespace ft::models
