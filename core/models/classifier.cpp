#include "models/classifier.h"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <unordered_set>

#include "common/error.h"
#include "models/convnext.h"
#include "models/vit.h"
#include "models/densenet.h"
#include "models/efficientnet.h"
#include "models/mobilenet.h"
#include "models/resnet.h"
#include "models/vgg.h"

namespace ft::models {

namespace {

std::string shapeString(const torch::IntArrayRef& shape) {
  std::ostringstream out;
  out << '[';
  for (std::size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << ']';
  return out.str();
}

std::string listKeys(const std::vector<std::string>& keys, std::size_t max = 8) {
  std::string out;
  for (std::size_t i = 0; i < keys.size() && i < max; ++i) out += (i ? ", " : "") + keys[i];
  if (keys.size() > max) out += ", ... (" + std::to_string(keys.size()) + " in all)";
  return out;
}

bool isBatchNorm(const torch::nn::Module& module) {
  return module.as<torch::nn::BatchNorm2d>() != nullptr || module.as<torch::nn::BatchNorm1d>() != nullptr;
}

std::string lowered(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// ClassifierImpl

ClassifierImpl::ClassifierImpl(int numClasses) : m_numClasses(numClasses) {}

void ClassifierImpl::checkNumClasses(int numClasses, const std::string& where) {
  if (numClasses < 1)
    throw UserError(where + ": the number of classes must be at least 1, got " + std::to_string(numClasses) +
                    ".");
}

torch::Tensor ClassifierImpl::forward(torch::Tensor x) { return classify(features(std::move(x))); }

bool ClassifierImpl::isHeadKey(const std::string& key) const {
  const std::string prefix = info().headName + ".";
  return key.rfind(prefix, 0) == 0;
}

std::vector<torch::Tensor> ClassifierImpl::headParameters() const {
  std::vector<torch::Tensor> out;
  for (const auto& item : named_parameters())
    if (isHeadKey(item.key())) out.push_back(item.value());
  return out;
}

std::vector<torch::Tensor> ClassifierImpl::backboneParameters() const {
  std::vector<torch::Tensor> out;
  for (const auto& item : named_parameters())
    if (!isHeadKey(item.key())) out.push_back(item.value());
  return out;
}

ParameterCounts ClassifierImpl::setBackboneFrozen(bool frozen) {
  for (const auto& item : named_parameters())
    item.value().set_requires_grad(isHeadKey(item.key()) ? true : !frozen);
  return parameterCounts();
}

ParameterCounts ClassifierImpl::parameterCounts() const {
  ParameterCounts counts;
  for (const auto& p : parameters()) {
    counts.total += p.numel();
    if (!p.requires_grad()) counts.frozen += p.numel();
  }
  return counts;
}

void ClassifierImpl::setBackboneBatchNormEval(bool eval) {
  m_bnEval = eval;
  if (eval) {
    applyBatchNormHold();
    return;
  }
  const bool training = is_training();
  for (auto& item : named_modules("", /*include_self=*/false))
    if (!isHeadKey(item.key() + ".") && isBatchNorm(*item.value())) item.value()->train(training);
}

void ClassifierImpl::applyBatchNormHold() {
  for (auto& item : named_modules("", /*include_self=*/false))
    if (!isHeadKey(item.key() + ".") && isBatchNorm(*item.value())) item.value()->eval();
}

void ClassifierImpl::train(bool on) {
  torch::nn::Module::train(on);
  if (m_bnEval) applyBatchNormHold();
}

// ---------------------------------------------------------------------------------------------
// The architectures

const std::vector<ArchitectureInfo>& architectures() {
  static const std::vector<ArchitectureInfo> all = [] {
    std::vector<ArchitectureInfo> list;
    // The seed's ResNets first (ResNet-18 is the default), then the others by year.
    for (auto& info : resnetArchitectures()) list.push_back(info);
    for (auto& info : vggArchitectures()) list.push_back(info);
    for (auto& info : densenetArchitectures()) list.push_back(info);
    for (auto& info : mobilenetArchitectures()) list.push_back(info);
    for (auto& info : efficientnetArchitectures()) list.push_back(info);
    for (auto& info : convnextArchitectures()) list.push_back(info);
    for (auto& info : vitArchitectures()) list.push_back(info);
    return list;
  }();
  return all;
}

std::vector<std::string> architectureNames() {
  std::vector<std::string> names;
  for (const auto& info : architectures()) names.push_back(info.name);
  return names;
}

const ArchitectureInfo& architectureInfo(const std::string& name) {
  const std::string wanted = lowered(name);
  for (const auto& info : architectures())
    if (info.name == wanted) return info;
  std::string choices;
  for (const auto& info : architectures()) choices += (choices.empty() ? "" : ", ") + info.name;
  throw UserError("Unknown model architecture \"" + name + "\": use one of " + choices + ".");
}

Classifier makeClassifier(const std::string& name, int numClasses, std::int64_t inputSize) {
  const auto& info = architectureInfo(name);
  if (info.family == "resnet") return std::make_shared<ResNetImpl>(parseArchitecture(info.name), numClasses);
  if (info.name == "mobilenet_v2") return std::make_shared<MobileNetV2Impl>(numClasses);
  if (info.name == "mobilenet_v3_small") return std::make_shared<MobileNetV3Impl>(false, numClasses);
  if (info.name == "mobilenet_v3_large") return std::make_shared<MobileNetV3Impl>(true, numClasses);
  if (info.family == "alexnet" || info.family == "vgg")
    return std::make_shared<PlainCnnImpl>(info.name, numClasses);
  if (info.name == "efficientnet_b0") return std::make_shared<EfficientNetImpl>(numClasses);
  if (info.name == "densenet121") return std::make_shared<DenseNetImpl>(numClasses);
  if (info.name == "convnext_tiny") return std::make_shared<ConvNeXtImpl>(numClasses);
  if (info.name == "vit_b_16")
    return std::make_shared<VisionTransformerImpl>(numClasses, inputSize > 0 ? inputSize : info.inputSize);
  throw std::logic_error("ft::models: no constructor for the family \"" + info.family + "\"");
}

// ---------------------------------------------------------------------------------------------
// State dicts

std::vector<std::pair<std::string, torch::Tensor>> stateDict(const ClassifierImpl& model) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  // Module::apply is a pre-order walk in registration order, like Python's state_dict().
  model.apply([&out](const std::string& prefix, const torch::nn::Module& module) {
    const std::string base = prefix.empty() ? "" : prefix + ".";
    for (const auto& p : module.named_parameters(/*recurse=*/false))
      out.emplace_back(base + p.key(), p.value());
    for (const auto& b : module.named_buffers(/*recurse=*/false)) out.emplace_back(base + b.key(), b.value());
  });
  return out;
}

std::vector<std::pair<std::string, TensorShape>> stateDictShapes(const ClassifierImpl& model) {
  std::vector<std::pair<std::string, TensorShape>> out;
  for (const auto& [key, tensor] : stateDict(model)) out.emplace_back(key, tensor.sizes().vec());
  return out;
}

std::size_t loadStateDict(ClassifierImpl& model, const std::unordered_map<std::string, torch::Tensor>& state,
                          const LoadStateOptions& options) {
  const auto own = stateDict(model);
  std::vector<std::string> missing, mismatched, unexpected;
  std::unordered_set<std::string> ownKeys;
  std::vector<std::pair<torch::Tensor, torch::Tensor>> copies;  // (destination, source)

  for (const auto& [key, dest] : own) {
    ownKeys.insert(key);
    if (options.skipHead && model.isHeadKey(key)) continue;
    const auto it = state.find(key);
    if (it == state.end() || !it->second.defined()) {
      missing.push_back(key);
      continue;
    }
    if (it->second.sizes() != dest.sizes()) {
      mismatched.push_back(key + " (file " + shapeString(it->second.sizes()) + ", model " +
                           shapeString(dest.sizes()) + ")");
      continue;
    }
    copies.emplace_back(dest, it->second);
  }
  for (const auto& item : state)
    if (!ownKeys.count(item.first) && !(options.skipHead && model.isHeadKey(item.first)))
      unexpected.push_back(item.first);
  std::sort(unexpected.begin(), unexpected.end());

  std::string problems;
  if (!mismatched.empty()) problems += " Wrong shape: " + listKeys(mismatched) + ".";
  if (options.strict && !missing.empty()) problems += " Missing: " + listKeys(missing) + ".";
  if (options.strict && !unexpected.empty()) problems += " Unexpected: " + listKeys(unexpected) + ".";
  if (!problems.empty())
    throw UserError("The weights do not fit " + model.info().displayName + " with " +
                    std::to_string(model.numClasses()) + " classes." + problems);

  torch::NoGradGuard noGrad;
  for (auto& [dest, source] : copies) dest.copy_(source);
  return copies.size();
}

}  // namespace ft::models
