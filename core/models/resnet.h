#pragma once
// ResNet-18/34/50/101 with torchvision's exact parameter and buffer names and shapes
// (conv1.weight, layer1.0.bn1.running_mean, layer2.0.downsample.0.weight, fc.bias, ...),
// so that torchvision state dicts map onto it key for key. A Classifier (models/classifier.h):
// the head is "fc".
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "models/classifier.h"

namespace ft::models {

enum class Architecture { ResNet18, ResNet34, ResNet50, ResNet101 };

// "resnet18" | "resnet34" | "resnet50" | "resnet101" (case-insensitive); throws ft::UserError otherwise.
Architecture parseArchitecture(const std::string& name);
std::string architectureName(Architecture arch);         // "resnet18"
std::string architectureDisplayName(Architecture arch);  // "ResNet-18"
// Side of the square input the ImageNet weights were trained at (224 for every ResNet).
std::int64_t defaultInputSize(Architecture arch);
// Width of the pooled features fed to fc: 512 (ResNet-18/34) or 2048 (ResNet-50/101).
std::int64_t featureDimFor(Architecture arch);
// The ResNets' entries in the list of architectures (models/classifier.h).
const std::vector<ArchitectureInfo>& resnetArchitectures();

class ResNetImpl : public ClassifierImpl {
 public:
  ResNetImpl(Architecture arch, int numClasses);
  // Backbone features before fc: [B, featureDim] (conv1 ... layer4, adaptive average pool,
  // flatten). Inputs may be contiguous or channels-last; forward(x) = fc(features(x)).
  torch::Tensor features(torch::Tensor x) override;
  // The head alone: fc(features) -> logits [B, numClasses].
  torch::Tensor classify(torch::Tensor features) override;
  const ArchitectureInfo& info() const override;

  Architecture architecture() const { return m_arch; }

  // Replaces fc with a freshly initialised Linear(featureDim, numClasses), registered as "fc"
  // (same place in the state dict).
  void replaceHead(int numClasses) override;

 private:
  Architecture m_arch;
  const ArchitectureInfo* m_info;
  torch::nn::Conv2d conv1{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr};
  torch::nn::Sequential layer1{nullptr}, layer2{nullptr}, layer3{nullptr}, layer4{nullptr};
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(ResNet);

}  // namespace ft::models
