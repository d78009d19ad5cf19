#include "weights/classifier_weights.h"

#include <cstring>
#include <regex>
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

// torchvision's DenseNet._load_state_dict: "...denselayer1.norm.1.weight" -> "...denselayer1.norm1.weight"
// in files written before the layers were renamed (the official ImageNet files).
std::string modernDenseNetKey(const std::string& key) {
  static const std::regex legacy(R"((.*\.denselayer[0-9]+\.(norm|conv))\.([12]\.[a-z_]+))");
  std::smatch match;
  if (!std::regex_match(key, match, legacy)) return key;
  return match[1].str() + match[3].str();  // "...denselayer1.norm" + "1.weight"
}

std::string someKeys(const StateDict& state) {
  std::string out;
  for (std::size_t i = 0; i < state.size() && i < 5; ++i) out += (i ? ", " : "") + state[i].first;
  if (state.size() > 5) out += ", ...";
  return out;
}

bool matches(const models::ArchitectureInfo& info, const std::unordered_set<std::string>& keys) {
  if (info.signature.empty()) return false;
  for (const auto& entry : info.signature) {
    const bool absent = !entry.empty() && entry[0] == '!';
    const bool has = keys.count(absent ? entry.substr(1) : entry) > 0;
    if (has == absent) return false;
  }
  return true;
}

}  // namespace

StateDict canonicalStateDict(const StateDict& original) {
  StateDict state = withoutDataParallelPrefix(original);
  for (auto& item : state) item.first = modernDenseNetKey(item.first);
  return state;
}

const models::ArchitectureInfo* identifyArchitecture(const StateDict& original) {
  const StateDict state = canonicalStateDict(original);
  std::unordered_set<std::string> keys;
  for (const auto& item : state) keys.insert(item.first);
  for (const auto& info : models::architectures())
    if (matches(info, keys)) return &info;
  return nullptr;
}

LoadReport loadClassifierWeights(models::ClassifierImpl& model, const StateDict& original,
                                 const std::string& source, const LoadOptions& options) {
  const StateDict state = canonicalStateDict(original);
  const std::string modelName = model.info().displayName;
  if (state.empty()) throw UserError(source + ": holds no tensors, so there are no weights to load");

  const auto* identified = identifyArchitecture(state);
  if (!identified) {
    std::string known;
    for (const auto& info : models::architectures()) known += (known.empty() ? "" : ", ") + info.displayName;
    throw UserError(source + ": these are not weights of an architecture the studio builds (keys " +
                    someKeys(state) + "); the model is " + modelName + ". Choose weights made for " +
                    modelName + " (the studio builds " + known + ")");
  }
  if (identified->name != model.architectureName()) {
    const std::string fileName = identified->displayName;
    throw UserError(source + ": these are " + fileName + " weights; the model is " + modelName + ". Choose " +
                    fileName + " as the architecture, or weights made for " + modelName);
  }

  LoadReport report;
  std::unordered_map<std::string, torch::Tensor> map;
  for (const auto& [key, tensor] : state) map[key] = tensor;
  const auto head = map.find(model.info().headName + ".weight");
  if (head != map.end() && head->second.dim() == 2) report.fileClasses = head->second.size(0);
  report.headSkipped = head == map.end() || report.fileClasses != model.numClasses();
  // What the architecture adapts (ViT: a position embedding for another input size).
  const auto adapted = model.adaptWeights(map);

  // Values must be numbers of the right kind: no integer weights into float parameters.
  const auto own = models::stateDict(model);
  for (const auto& [key, dest] : own) {
    const auto it = map.find(key);
    if (it == map.end() || (report.headSkipped && model.isHeadKey(key))) continue;
    if (dest.is_floating_point() != it->second.is_floating_point())
      throw UserError(source + ": " + key + " is stored as " +
                      std::string(c10::toString(it->second.scalar_type())) + ", the model holds " +
                      std::string(c10::toString(dest.scalar_type())) + "; these are not plain " + modelName +
                      " weights (quantized?)");
  }

  models::LoadStateOptions loadOptions;
  loadOptions.strict = options.strict;
  loadOptions.skipHead = report.headSkipped;
  try {
    report.tensorsCopied = models::loadStateDict(model, map, loadOptions);
  } catch (const UserError& e) {
    throw UserError(source + ": " + e.what());
  }
  const std::string headName = model.info().headName;
  report.summary = modelName + " weights (" + std::to_string(report.tensorsCopied) + " tensors)";
  if (report.headSkipped)
    report.summary += report.fileClasses > 0
                          ? "; the file's head has " + std::to_string(report.fileClasses) + " classes, so " +
                                headName + " is new for " + std::to_string(model.numClasses())
                          : "; the file has no head, so " + headName + " is new";
  for (const auto& line : adapted) report.summary += "; " + line;
  return report;
}

}  // namespace ft::weights
