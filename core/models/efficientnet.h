#pragma once
// EfficientNet-B0 (2019) with torchvision 0.14's exact parameter and buffer names and shapes
// (features.2.0.block.1.0.weight, features.4.1.block.2.fc1.weight, classifier.1.bias, ...):
// MBConv blocks with squeeze-and-excitation and SiLU, stochastic depth growing linearly from 0
// to 0.2 over the blocks (training only). The head is "classifier.1".
#include <vector>

#include <torch/torch.h>

#include "models/blocks.h"
#include "models/classifier.h"

namespace ft::models {

const std::vector<ArchitectureInfo>& efficientnetArchitectures();

class EfficientNetImpl : public ClassifierImpl {
 public:
  explicit EfficientNetImpl(int numClasses);
  // features -> adaptive average pool -> flatten: [B, 1280].
  torch::Tensor features(torch::Tensor x) override;
  // classifier.1(dropout(features)).
  torch::Tensor classify(torch::Tensor features) override;
  const ArchitectureInfo& info() const override;
  void replaceHead(int numClasses) override;

  torch::nn::Sequential featureLayers{nullptr};  // "features"
  torch::nn::Dropout dropout{nullptr};           // "classifier.0"
  torch::nn::Linear head{nullptr};               // "classifier.1"

 private:
  std::shared_ptr<torch::nn::Module> classifier;
};

}  // namespace ft::models
