#pragma once
// ResNet-18/34/50 with torchvision's exact parameter and buffer names and shapes
// (conv1.weight, layer1.0.bn1.running_mean, layer2.0.downsample.0.weight, fc.bias, ...),
// so that torchvision state dicts map onto it key for key.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <torch/torch.h>

namespace ft::models {

enum class Architecture { ResNet18, ResNet34, ResNet50 };

// "resnet18" | "resnet34" | "resnet50" (case-insensitive); throws ft::UserError otherwise.
Architecture parseArchitecture(const std::string& name);
std::string architectureName(Architecture arch);         // "resnet18"
std::string architectureDisplayName(Architecture arch);  // "ResNet-18"
// Every accepted name, in order: {"resnet18", "resnet34", "resnet50"}.
std::vector<std::string> architectureNames();
// Side of the square input the ImageNet weights were trained at (224 for every ResNet).
std::int64_t defaultInputSize(Architecture arch);
// Width of the pooled features fed to fc: 512 (ResNet-18/34) or 2048 (ResNet-50).
std::int64_t featureDimFor(Architecture arch);

struct ParameterCounts {
  std::int64_t frozen = 0;  // parameters with requires_grad == false
  std::int64_t total = 0;
};

class ResNetImpl : public torch::nn::Module {
 public:
  ResNetImpl(Architecture arch, int numClasses);
  torch::Tensor forward(torch::Tensor x);
  // Backbone features before fc: [B, featureDim] (conv1 ... layer4, adaptive average pool,
  // flatten). Inputs may be contiguous or channels-last; forward(x) = fc(features(x)).
  torch::Tensor features(torch::Tensor x);
  // The head alone: fc(features) -> logits [B, numClasses] (training from cached features).
  torch::Tensor classify(torch::Tensor features);

  Architecture architecture() const { return m_arch; }
  int numClasses() const { return m_numClasses; }
  std::int64_t featureDim() const;

  // Replaces fc with a freshly initialised Linear(featureDim, numClasses) (the seed's rule 2).
  // The new head is registered as "fc" (same place in the state dict), lives on the old head's
  // device and dtype, follows the model's train/eval mode and has requires_grad = true.
  // Optimizers holding the old fc tensors must be rebuilt. numClasses < 1 -> ft::UserError.
  void replaceHead(int numClasses);

  // Parameter groups: "head" is fc.* (fc.weight, fc.bias), "backbone" is everything else, both
  // in named_parameters() order; together they hold every parameter exactly once.
  std::vector<torch::Tensor> headParameters() const;
  std::vector<torch::Tensor> backboneParameters() const;

  // requires_grad = !frozen on every backbone parameter; the head always trains.
  // Returns parameterCounts() afterwards (ResNet-18/10 frozen: 11,176,512 of 11,181,642).
  ParameterCounts setBackboneFrozen(bool frozen);
  // Element counts (numel sums), not tensor counts.
  ParameterCounts parameterCounts() const;
  // While frozen, BatchNorm layers may be held in eval mode (no statistics update).
  // eval = true puts every backbone BatchNorm2d in eval mode (running statistics used and not
  // updated; weight/bias still trainable unless frozen); eval = false puts them back into the
  // model's own mode (is_training()). The head has no BatchNorm.
  // Module::train() sets every child's mode, so it would undo the hold; this class's train()
  // re-applies the hold while it is on, so the order of train() and this call does not matter.
  // (Calling this after model->train() is still the safe habit.)
  void setBackboneBatchNormEval(bool eval);
  bool backboneBatchNormEval() const { return m_bnEval; }

  // Module::train() followed by re-applying setBackboneBatchNormEval(true) if it is on.
  void train(bool on = true) override;

 private:
  void applyBatchNormHold();

  Architecture m_arch;
  int m_numClasses;
  bool m_bnEval = false;
  torch::nn::Conv2d conv1{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr};
  torch::nn::Sequential layer1{nullptr}, layer2{nullptr}, layer3{nullptr}, layer4{nullptr};
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(ResNet);

using TensorShape = std::vector<std::int64_t>;

// Keys and shapes in Python state_dict order: module by module (pre-order, registration
// order), each module's parameters then its buffers, e.g. conv1.weight, bn1.weight, bn1.bias,
// bn1.running_mean, bn1.running_var, bn1.num_batches_tracked, layer1.0.conv1.weight, ...
std::vector<std::pair<std::string, TensorShape>> stateDictShapes(const ResNet& model);

// The model's parameters and buffers by state dict key (tensors share storage with the model).
std::vector<std::pair<std::string, torch::Tensor>> stateDict(const ResNet& model);

struct LoadStateOptions {
  // Every model key must be present in `state` and every key of `state` must exist in the
  // model; when false, missing and unexpected keys are skipped (shapes are always checked).
  bool strict = true;
  // Leave fc.* alone: fc keys are neither required nor copied (ignored if present), to load a
  // backbone under a head of another size.
  bool skipHead = false;
};

// Copies tensors into the model's parameters and buffers by key (under NoGradGuard; values are
// converted to the destination's dtype and device). Throws ft::UserError naming missing,
// unexpected or wrongly shaped keys; the model is left untouched when it throws.
// Returns the number of tensors copied.
std::size_t loadStateDict(ResNet& model, const std::unordered_map<std::string, torch::Tensor>& state,
                          const LoadStateOptions& options = {});

}  // namespace ft::models
