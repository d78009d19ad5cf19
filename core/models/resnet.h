#pragma once
// ResNet-18/34/50 with torchvision's exact parameter and buffer names and shapes
// (conv1.weight, layer1.0.bn1.running_mean, layer2.0.downsample.0.weight, fc.bias, ...),
// so that torchvision state dicts map onto it key for key.
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace ft::models {

enum class Architecture { ResNet18, ResNet34, ResNet50 };

// "resnet18" | "resnet34" | "resnet50" (case-insensitive); throws ft::UserError otherwise.
Architecture parseArchitecture(const std::string& name);
std::string architectureName(Architecture arch);          // "resnet18"
std::string architectureDisplayName(Architecture arch);   // "ResNet-18"

struct ParameterCounts {
  std::int64_t frozen = 0;  // parameters with requires_grad == false
  std::int64_t total = 0;
};

class ResNetImpl : public torch::nn::Module {
 public:
  ResNetImpl(Architecture arch, int numClasses);
  torch::Tensor forward(torch::Tensor x);
  // Backbone features before fc: [B, featureDim].
  torch::Tensor features(torch::Tensor x);

  Architecture architecture() const { return m_arch; }
  int numClasses() const { return m_numClasses; }
  std::int64_t featureDim() const;

  // Replaces fc with a freshly initialised Linear(featureDim, numClasses) (the seed's rule 2).
  void replaceHead(int numClasses);

  // Parameter groups: "head" is fc.*, "backbone" is everything else.
  std::vector<torch::Tensor> headParameters() const;
  std::vector<torch::Tensor> backboneParameters() const;

  // requires_grad = !frozen on every backbone parameter; the head always trains.
  ParameterCounts setBackboneFrozen(bool frozen);
  ParameterCounts parameterCounts() const;
  // While frozen, BatchNorm layers may be held in eval mode (no statistics update).
  void setBackboneBatchNormEval(bool eval);

 private:
  Architecture m_arch;
  int m_numClasses;
  torch::nn::Conv2d conv1{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr};
  torch::nn::Sequential layer1{nullptr}, layer2{nullptr}, layer3{nullptr}, layer4{nullptr};
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(ResNet);

}  // namespace ft::models
