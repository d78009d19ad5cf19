#include "weights/resnet_weights.h"

#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "common/error.h"

namespace ft::weights {
namespace {

const char* kDataParallelPrefix = "module.";

StateDict withoutDataParallelPrefix(const StateDict& state) {
  const std::size_t n = std::strlen(kDataParallelPrefix);
  for (const auto& item : state)
    if (item.first.compare(0, n, kDataParallelPrefix) != 0) return state;
  StateDict out;
  for (const auto& [key, tensor] : state) out.emplace_back(key.substr(n), tensor);
  return out;
}

std::string someKeys(const StateDict& state) {
  std::string out;
  for (std::size_t i = 0; i < state.size() && i < 5; ++i) out += (i ? ", " : "") + state[i].first;
  if (state.size() > 5) out += ", ...";
  return out;
}

}  // namespace

std::optional<models::Architecture> guessArchitecture(const StateDict& state) {
  std::unordered_set<std::string> keys;
  for (const auto& item : state) keys.insert(item.first);
  auto has = [&](const char* key) { return keys.count(key) > 0; };
  if (!has("layer1.0.conv1.weight")) return std::nullopt;
  if (has("layer1.0.conv3.weight"))  // bottleneck blocks
    return has("layer3.6.conv1.weight") ? std::nullopt : std::optional(models::Architecture::ResNet50);
  if (has("layer3.6.conv1.weight")) return std::nullopt;
  return has("layer3.2.conv1.weight") ? models::Architecture::ResNet34 : models::Architecture::ResNet18;
}

LoadReport loadResNetWeights(models::ClassifierImpl& model, const StateDict& original,
                             const std::string& source, const LoadOptions& options) {
  const StateDict state = withoutDataParallelPrefix(original);
  const std::string modelName = model.info().displayName;
  if (state.empty()) throw UserError(source + ": holds no tensors, so there are no weights to load");

  const auto guessed = guessArchitecture(state);
  if (!guessed) {
    std::unordered_set<std::string> keys;
    for (const auto& item : state) keys.insert(item.first);
    if (keys.count("layer3.6.conv1.weight"))
      throw UserError(source +
                      ": these are weights of a deeper ResNet (ResNet-101 or ResNet-152); the model is " +
                      modelName + ". Choose weights made for " + modelName);
    throw UserError(source + ": these are not torchvision ResNet weights (keys " + someKeys(state) +
                    "); the model is " + modelName + ". Choose weights made for " + modelName);
  }
  if (models::architectureName(*guessed) != model.architectureName()) {
    const std::string fileName = models::architectureDisplayName(*guessed);
    throw UserError(source + ": these are " + fileName + " weights; the model is " + modelName + ". Choose " +
                    fileName + " as the architecture, or weights made for " + modelName);
  }

  LoadReport report;
  std::unordered_map<std::string, torch::Tensor> map;
  for (const auto& [key, tensor] : state) map[key] = tensor;
  const auto fc = map.find(model.info().headName + ".weight");
  if (fc != map.end() && fc->second.dim() == 2) report.fileClasses = fc->second.size(0);
  report.headSkipped = fc == map.end() || report.fileClasses != model.numClasses();

  // Values must be numbers of the right kind: no integer weights into float parameters.
  const auto own = models::stateDict(model);
  for (const auto& [key, dest] : own) {
    const auto it = map.find(key);
    if (it == map.end() || (report.headSkipped && model.isHeadKey(key))) continue;
    if (dest.is_floating_point() != it->second.is_floating_point())
      throw UserError(source + ": " + key + " is stored as " +
                      std::string(c10::toString(it->second.scalar_type())) + ", the model holds " +
                      std::string(c10::toString(dest.scalar_type())) +
                      "; these are not plain ResNet weights (quantized?)");
  }

  models::LoadStateOptions loadOptions;
  loadOptions.strict = options.strict;
  loadOptions.skipHead = report.headSkipped;
  try {
    report.tensorsCopied = models::loadStateDict(model, map, loadOptions);
  } catch (const UserError& e) {
    throw UserError(source + ": " + e.what());
  }
  report.summary = modelName + " weights (" + std::to_string(report.tensorsCopied) + " tensors)";
  if (report.headSkipped)
    report.summary += report.fileClasses > 0
                          ? "; the file's head has " + std::to_string(report.fileClasses) +
                                " classes, so fc is new for " + std::to_string(model.numClasses())
                          : "; the file has no head, so fc is new";
  return report;
}

}  // namespace ft::weights
