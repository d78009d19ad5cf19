#pragma once
// MobileNetV2 (2018) and MobileNetV3-Small/-Large (2019) with torchvision 0.14's exact parameter
// and buffer names and shapes (features.1.conv.0.0.weight, features.4.block.2.fc1.bias,
// classifier.3.weight, ...). Heads: "classifier.1" (V2) and "classifier.3" (V3, which keeps its
// pretrained classifier.0 when the head is replaced).
#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "models/blocks.h"
#include "models/classifier.h"

namespace ft::models {

// The MobileNets' entries in the list of architectures (models/classifier.h).
const std::vector<ArchitectureInfo>& mobilenetArchitectures();

class MobileNetV2Impl : public ClassifierImpl {
 public:
  explicit MobileNetV2Impl(int numClasses);
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

class MobileNetV3Impl : public ClassifierImpl {
 public:
  MobileNetV3Impl(bool large, int numClasses);
  // features -> pool -> flatten -> classifier.0 -> hardswish: [B, 1280] (Large), [B, 1024] (Small).
  torch::Tensor features(torch::Tensor x) override;
  // classifier.3(dropout(features)).
  torch::Tensor classify(torch::Tensor features) override;
  const ArchitectureInfo& info() const override;
  void replaceHead(int numClasses) override;

  torch::nn::Sequential featureLayers{nullptr};  // "features"
  torch::nn::Linear preHead{nullptr};            // "classifier.0" (+ Hardswish, "classifier.1")
  torch::nn::Dropout dropout{nullptr};           // "classifier.2"
  torch::nn::Linear head{nullptr};               // "classifier.3"

 private:
  bool m_large;
  std::shared_ptr<torch::nn::Module> classifier;
};

}  // namespace ft::models
