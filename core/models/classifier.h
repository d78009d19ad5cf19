#pragma once
// One interface for every image classifier the studio trains (issue 13).
//
// A classifier is a backbone that maps images to a feature vector, and a head that maps the
// features to class logits. Everything outside core/models — the trainer, freezing, the
// BatchNorm hold, the feature cache, the weights loader, evaluation, prediction, exports —
// works through this interface and the architecture's ArchitectureInfo, never through one
// family's class. To add an architecture, see CONTRIBUTING.md ("How to add an architecture").
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <torch/torch.h>

namespace ft::models {

struct ParameterCounts {
  std::int64_t frozen = 0;  // parameters with requires_grad == false
  std::int64_t total = 0;
};

// What the rest of the studio needs to know about one architecture.
struct ArchitectureInfo {
  std::string name;              // "resnet18": configs, files, the CLI (torchvision's name)
  std::string displayName;       // "ResNet-18"
  std::string family;            // "resnet": the model family (which files implement it)
  std::int64_t inputSize = 224;  // side of the square input its ImageNet weights were trained at
  std::int64_t featureDim = 0;   // width of the features the head reads (what the cache stores)
  std::string headName;          // the head's module path in the state dict: "fc", "classifier.1"
  // State dict keys that tell this architecture's files from every other's: each must be
  // present, or absent when written "!key". Head keys are never part of it (files may lack one).
  std::vector<std::string> signature;
  // The smallest input side the network accepts (AlexNet's pooling needs 63 px, VGG's 32).
  std::int64_t minInputSize = 1;
  // The input side must be a multiple of this (ViT: its 16-px patches). Such a model is built
  // for one size (ClassifierImpl::builtInputSize).
  std::int64_t inputMultiple = 1;
  // Mixed precision on a CPU runs the convolutions in channels-last (NHWC), where oneDNN's
  // bfloat16 kernels are fastest; false for an architecture measured faster in NCHW
  // (BENCHMARKS.md, "channels-last per architecture").
  bool cpuChannelsLast = true;
};

class ClassifierImpl : public torch::nn::Module {
 public:
  ~ClassifierImpl() override = default;

  // classify(features(x)): logits [B, numClasses]. Inputs are float32 [B, 3, H, W],
  // contiguous or channels-last.
  torch::Tensor forward(torch::Tensor x);
  // The backbone: [B, featureDim] features, the input of the head.
  virtual torch::Tensor features(torch::Tensor x) = 0;
  // The head alone: features -> logits (training from cached features).
  virtual torch::Tensor classify(torch::Tensor features) = 0;

  virtual const ArchitectureInfo& info() const = 0;
  const std::string& architectureName() const { return info().name; }
  std::int64_t featureDim() const { return info().featureDim; }
  int numClasses() const { return m_numClasses; }
  // The one input size this model takes (ViT: its position embedding has one row per patch of
  // that size), or 0 when it takes any size from info().minInputSize.
  virtual std::int64_t builtInputSize() const { return 0; }
  // Adapts a weights file's tensors to this model where the architecture knows how, before the
  // state dict is loaded (ViT: the position embedding of another input size, resampled
  // bicubically over the patch grid as torchvision's interpolate_embeddings). Returns one line
  // per change, for the user.
  virtual std::vector<std::string> adaptWeights(
      std::unordered_map<std::string, torch::Tensor>& /*state*/) const {
    return {};
  }

  // Replaces the head's last layer with a freshly initialised one for numClasses (the seed's
  // rule 2), at the same place in the state dict, on the old head's device and dtype, in the
  // model's train/eval mode, trainable. Optimizers holding the old head must be rebuilt.
  // numClasses < 1 -> ft::UserError.
  virtual void replaceHead(int numClasses) = 0;

  // Whether a state dict key belongs to the head (info().headName + ".").
  bool isHeadKey(const std::string& key) const;
  // Parameter groups, both in named_parameters() order; together every parameter once.
  std::vector<torch::Tensor> headParameters() const;
  std::vector<torch::Tensor> backboneParameters() const;

  // requires_grad = !frozen on every backbone parameter; the head always trains. Returns
  // parameterCounts() afterwards.
  ParameterCounts setBackboneFrozen(bool frozen);
  // Element counts (numel sums), not tensor counts.
  ParameterCounts parameterCounts() const;

  // While frozen, the backbone's batch-normalisation layers may be held in eval mode (running
  // statistics used and not updated; their weight and bias still train unless frozen).
  // eval = false puts them back into the model's own mode. train() re-applies the hold while
  // it is on, so the order of train() and this call does not matter.
  void setBackboneBatchNormEval(bool eval);
  bool backboneBatchNormEval() const { return m_bnEval; }
  void train(bool on = true) override;

 protected:
  explicit ClassifierImpl(int numClasses);
  void setNumClasses(int numClasses) { m_numClasses = numClasses; }
  // Throws ft::UserError when numClasses < 1, naming `where`.
  static void checkNumClasses(int numClasses, const std::string& where);

 private:
  void applyBatchNormHold();

  int m_numClasses;
  bool m_bnEval = false;
};

using Classifier = std::shared_ptr<ClassifierImpl>;

// Every architecture the studio builds, in the order the wizard lists them.
const std::vector<ArchitectureInfo>& architectures();
// Every accepted name, in that order: {"resnet18", "resnet34", ...}.
std::vector<std::string> architectureNames();
// The architecture called `name` (case-insensitive); throws ft::UserError naming the choices.
const ArchitectureInfo& architectureInfo(const std::string& name);
// A new model of that architecture with a head for numClasses, initialised as torchvision does.
// inputSize: the size a ViT is built for (0 = its info().inputSize); other models take any size.
Classifier makeClassifier(const std::string& name, int numClasses, std::int64_t inputSize = 0);

using TensorShape = std::vector<std::int64_t>;

// Keys and shapes in Python state_dict order: module by module (pre-order, registration
// order), each module's parameters then its buffers.
std::vector<std::pair<std::string, TensorShape>> stateDictShapes(const ClassifierImpl& model);

// The model's parameters and buffers by state dict key (tensors share storage with the model).
std::vector<std::pair<std::string, torch::Tensor>> stateDict(const ClassifierImpl& model);

struct LoadStateOptions {
  // Every model key must be present in `state` and every key of `state` must exist in the
  // model; when false, missing and unexpected keys are skipped (shapes are always checked).
  bool strict = true;
  // Leave the head alone: its keys are neither required nor copied (ignored if present), to
  // load a backbone under a head of another size.
  bool skipHead = false;
};

// Copies tensors into the model's parameters and buffers by key (under NoGradGuard; values are
// converted to the destination's dtype and device). Throws ft::UserError naming missing,
// unexpected or wrongly shaped keys; the model is left untouched when it throws.
// Returns the number of tensors copied.
std::size_t loadStateDict(ClassifierImpl& model, const std::unordered_map<std::string, torch::Tensor>& state,
                          const LoadStateOptions& options = {});

// The same for a model held by pointer or ModuleHolder (Classifier, ResNet).
template <typename Holder>
auto stateDict(const Holder& model) -> decltype(stateDict(*model)) {
  return stateDict(*model);
}
template <typename Holder>
auto stateDictShapes(const Holder& model) -> decltype(stateDictShapes(*model)) {
  return stateDictShapes(*model);
}
template <typename Holder>
auto loadStateDict(Holder& model, const std::unordered_map<std::string, torch::Tensor>& state,
                   const LoadStateOptions& options = {}) -> decltype(loadStateDict(*model, state, options)) {
  return loadStateDict(*model, state, options);
}

}  // namespace ft::models
