#include "config/run_config.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/error.h"
#include "models/classifier.h"
#include "weights/official_weights.h"

namespace ft::config {
namespace {

using nlohmann::json;

// A run configuration is two levels deep (section, key) and a few hundred bytes; these bounds
// are far above any real one and keep hostile files from costing memory or stack.
constexpr std::size_t kMaxNesting = 16;
constexpr std::size_t kMaxStringLength = 4096;  // PATH_MAX: the longest path Linux opens
constexpr std::uintmax_t kMaxFileBytes = 1 << 20;

// A value as a message shows it: short and never recursive (a deeply nested value would
// overflow the stack of json::dump, a long string would fill the terminal).
std::string describe(const json& value) {
  switch (value.type()) {
    case json::value_t::object: return "an object with " + std::to_string(value.size()) + " keys";
    case json::value_t::array: return "an array of " + std::to_string(value.size()) + " items";
    case json::value_t::string: {
      const auto& text = value.get_ref<const std::string&>();
      if (text.size() > 80) return "a string of " + std::to_string(text.size()) + " characters";
      return value.dump();
    }
    default: return value.dump();
  }
}

// The nesting depth of a document, counted without recursion; stops counting past the limit.
std::size_t nestingDepth(const json& root) {
  std::vector<std::pair<const json*, std::size_t>> pending{{&root, 1}};
  std::size_t deepest = 0;
  while (!pending.empty()) {
    const auto [value, depth] = pending.back();
    pending.pop_back();
    deepest = std::max(deepest, depth);
    if (deepest > kMaxNesting) break;
    if (value->is_structured())
      for (const auto& child : *value) pending.emplace_back(&child, depth + 1);
  }
  return deepest;
}

// An integer JSON number into T, or false when it is not one or does not fit.
template <typename T>
bool integerInto(const json& value, T& target) {
  if (value.is_number_unsigned()) {
    const auto u = value.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) return false;
    target = static_cast<T>(u);
    return true;
  }
  if (!value.is_number_integer()) return false;
  const auto i = value.get<std::int64_t>();  // negative here: non-negative ones are unsigned
  if constexpr (std::is_unsigned_v<T>) {
    return false;
  } else {
    if (i < static_cast<std::int64_t>(std::numeric_limits<T>::min())) return false;
    target = static_cast<T>(i);
    return true;
  }
}

// Reads the keys of one JSON section into a struct, rejecting unknown keys and wrong types.
class SectionReader {
 public:
  SectionReader(const json& root, const std::string& section) : m_section(section) {
    if (!root.contains(section)) return;
    const json& value = root.at(section);
    if (!value.is_object()) throw UserError("config: \"" + section + "\" must be an object");
    m_object = &value;
  }

  template <typename T>
  void read(const std::string& key, T& target) {
    m_known.insert(key);
    if (!m_object || !m_object->contains(key)) return;
    const json& value = m_object->at(key);
    const std::string field = m_section + "." + key;
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      // Range-checked before narrowing: nlohmann's get<int> wraps 4294967297 to 1.
      if (value.is_number_integer() && !integerInto(value, target)) {
        std::ostringstream out;
        out << "config: " << field << " is " << value.dump() << ", outside the range of this field ("
            << +std::numeric_limits<T>::min() << " to " << +std::numeric_limits<T>::max() << ")";
        throw UserError(out.str());
      }
      if (value.is_number_integer()) return;
    } else if constexpr (std::is_floating_point_v<T>) {
      if (value.is_number()) {
        target = value.get<T>();
        return;
      }
    } else if constexpr (std::is_same_v<T, bool>) {
      if (value.is_boolean()) {
        target = value.get<bool>();
        return;
      }
    } else {
      if (value.is_string()) {
        const auto& text = value.get_ref<const std::string&>();
        if (text.size() > kMaxStringLength)
          throw UserError("config: " + field + " is " + describe(value) + "; at most " +
                          std::to_string(kMaxStringLength) + " are allowed");
        target = text;
        return;
      }
    }
    throw UserError("config: " + field + " has the wrong type (" + describe(value) + "); expected " +
                    typeName<T>());
  }

  void rejectUnknownKeys() const {
    if (!m_object) return;
    for (const auto& item : m_object->items()) {
      if (m_known.count(item.key())) continue;
      std::string known;
      for (const auto& name : m_known) known += (known.empty() ? "" : ", ") + name;
      throw UserError("config: unknown key " + m_section + "." + item.key() + "; the keys of \"" + m_section +
                      "\" are: " + known);
    }
  }

 private:
  template <typename T>
  static std::string typeName() {
    if constexpr (std::is_same_v<T, bool>)
      return "true or false";
    else if constexpr (std::is_integral_v<T>)
      return "an integer";
    else if constexpr (std::is_floating_point_v<T>)
      return "a number";
    else
      return "a string";
  }

  std::string m_section;
  const json* m_object = nullptr;
  std::set<std::string> m_known;
};

// The one place that lists every field: used to read and to write, so both stay in step.
template <typename Visitor>
void visitSections(Visitor&& section, RunConfig& c) {
  section("data", [&](auto& f) {
    f("format", c.data.format);
    f("path", c.data.path);
    f("validation", c.data.validation);
    f("validation_path", c.data.validationPath);
    f("validation_percent", c.data.validationPercent);
    f("train_limit", c.data.trainLimit);
    f("validation_limit", c.data.validationLimit);
    f("grayscale", c.data.grayscale);
    f("verify_images", c.data.verifyImages);
  });
  section("transform", [&](auto& f) {
    f("input_size", c.transform.inputSize);
    f("crop_padding", c.transform.cropPadding);
    f("horizontal_flip", c.transform.horizontalFlip);
    f("normalization", c.transform.normalization);
    f("preprocessing", c.transform.preprocessing);
  });
  section("model", [&](auto& f) {
    f("architecture", c.model.architecture);
    f("weights", c.model.weights);
  });
  section("optim", [&](auto& f) {
    f("optimizer", c.optim.optimizer);
    f("head_lr", c.optim.headLr);
    f("head_lr_after_unfreeze", c.optim.headLrAfterUnfreeze);
    f("backbone_lr", c.optim.backboneLr);
    f("weight_decay", c.optim.weightDecay);
    f("momentum", c.optim.momentum);
    f("nesterov", c.optim.nesterov);
    f("scheduler", c.optim.scheduler);
    f("plateau_factor", c.optim.plateauFactor);
    f("plateau_patience", c.optim.plateauPatience);
    f("warmup_epochs", c.optim.warmupEpochs);
    f("min_lr", c.optim.minLr);
    f("step_size", c.optim.stepSize);
    f("step_gamma", c.optim.stepGamma);
  });
  section("train", [&](auto& f) {
    f("epochs", c.train.epochs);
    f("freeze_epochs", c.train.freezeEpochs);
    f("freeze_batchnorm", c.train.freezeBatchNorm);
    f("sync_batchnorm", c.train.syncBatchNorm);
    f("feature_cache", c.train.featureCache);
    f("recalibrate_batchnorm", c.train.recalibrateBatchNorm);
    f("precision", c.train.precision);
    f("validation_precision", c.train.validationPrecision);
    f("batch_size", c.train.batchSize);
    f("eval_batch_size", c.train.evalBatchSize);
    f("seed", c.train.seed);
    f("workers", c.train.workers);
    f("prefetch", c.train.prefetch);
  });
  section("device", [&](auto& f) {
    f("device", c.device.device);
    f("threads", c.device.threads);
    f("flush_denormals", c.device.flushDenormals);
  });
  section("output", [&](auto& f) {
    f("runs_dir", c.output.runsDir);
    f("name", c.output.name);
  });
}

const std::set<std::string> kSections = {"data", "transform", "model", "optim", "train", "device", "output"};

std::string oneOf(const std::string& field, const std::string& value,
                  const std::vector<std::string>& allowed) {
  for (const auto& a : allowed)
    if (value == a) return value;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  throw UserError("config: " + field + " is \"" + value + "\"; allowed: " + list);
}

template <typename T>
void inRange(const std::string& field, T value, T low, T high, const std::string& range) {
  if (value < low || value > high) {
    std::ostringstream out;
    out << "config: " << field << " is " << value << "; allowed range: " << range;
    throw UserError(out.str());
  }
}

void positive(const std::string& field, double value) {
  if (!(value > 0.0)) {
    std::ostringstream out;
    out << "config: " << field << " is " << value << "; it must be greater than 0";
    throw UserError(out.str());
  }
}

}  // namespace

nlohmann::json toJson(const RunConfig& config) {
  json out = json::object();
  RunConfig copy = config;
  visitSections(
      [&](const std::string& name, auto&& fields) {
        json section = json::object();
        auto write = [&](const std::string& key, const auto& value) { section[key] = value; };
        fields(write);
        out[name] = section;
      },
      copy);
  return out;
}

namespace {

// Configs written before issue 12 name the frozen phase's precision train.frozen_precision
// (auto | float32 | bfloat16); train.precision now covers every phase and takes its value.
json withLegacyKeys(const json& root) {
  if (!root.contains("train") || !root.at("train").is_object() ||
      !root.at("train").contains("frozen_precision"))
    return root;
  json upgraded = root;
  json& train = upgraded["train"];
  const json legacy = train.at("frozen_precision");
  train.erase("frozen_precision");
  if (!legacy.is_string())
    throw UserError("config: train.frozen_precision has the wrong type (" + describe(legacy) +
                    "); expected a string (it is now train.precision)");
  const std::string value = legacy.get<std::string>();
  if (value != "auto" && value != "float32" && value != "bfloat16")
    throw UserError("config: train.frozen_precision is \"" + value +
                    "\"; allowed: auto, float32, bfloat16 (it is now train.precision)");
  if (!train.contains("precision")) train["precision"] = value;
  return upgraded;
}

}  // namespace

RunConfig fromJson(const nlohmann::json& input) {
  // Before any copy: copying or printing a deeply nested value recurses once per level.
  if (nestingDepth(input) > kMaxNesting)
    throw UserError("config: values nested more than " + std::to_string(kMaxNesting) +
                    " levels deep; a run configuration has sections of plain values");
  const nlohmann::json root = withLegacyKeys(input);
  if (!root.is_object()) throw UserError("config: the top level must be a JSON object");
  for (const auto& item : root.items()) {
    if (!kSections.count(item.key())) {
      std::string list;
      for (const auto& s : kSections) list += (list.empty() ? "" : ", ") + s;
      throw UserError("config: unknown section \"" + item.key() + "\"; the sections are: " + list);
    }
  }
  RunConfig config;
  visitSections(
      [&](const std::string& name, auto&& fields) {
        SectionReader reader(root, name);
        auto read = [&](const std::string& key, auto& value) { reader.read(key, value); };
        fields(read);
        reader.rejectUnknownKeys();
      },
      config);
  return config;
}

void validate(const RunConfig& c) {
  oneOf("data.format", c.data.format, {"auto", "idx", "cifar10", "folder"});
  if (c.data.path.empty()) throw UserError("config: data.path is empty; give the data set's folder");
  oneOf("data.validation", c.data.validation, {"test_split", "folder", "split"});
  if (c.data.validation == "folder" && c.data.validationPath.empty())
    throw UserError("config: data.validation is \"folder\" but data.validation_path is empty; "
                    "give the validation image folder");
  inRange("data.validation_percent", c.data.validationPercent, 0.1, 90.0, "0.1 to 90");
  inRange<std::int64_t>("data.train_limit", c.data.trainLimit, 0, INT64_MAX, "0 (all) or more");
  inRange<std::int64_t>("data.validation_limit", c.data.validationLimit, 0, INT64_MAX, "0 (all) or more");

  inRange("transform.input_size", c.transform.inputSize, 16, 1024, "16 to 1024 pixels");
  inRange("transform.crop_padding", c.transform.cropPadding, 0, 64, "0 (off) to 64 pixels");
  oneOf("transform.normalization", c.transform.normalization, {"imagenet", "dataset"});
  oneOf("transform.preprocessing", c.transform.preprocessing, {"auto", "stretch", "weights"});

  oneOf("model.architecture", c.model.architecture, models::architectureNames());
  if (const auto& arch = models::architectureInfo(c.model.architecture);
      c.transform.inputSize < arch.minInputSize)
    throw UserError("config: transform.input_size is " + std::to_string(c.transform.inputSize) + " px, but " +
                    arch.displayName + " needs at least " + std::to_string(arch.minInputSize) +
                    " px (its pooling layers would shrink a smaller image to nothing); raise the input size "
                    "or choose another architecture");
  if (const auto& arch = models::architectureInfo(c.model.architecture);
      c.transform.inputSize % arch.inputMultiple != 0) {
    const std::int64_t below = c.transform.inputSize / arch.inputMultiple * arch.inputMultiple;
    throw UserError("config: transform.input_size is " + std::to_string(c.transform.inputSize) + " px, but " +
                    arch.displayName + " cuts images into " + std::to_string(arch.inputMultiple) + "x" +
                    std::to_string(arch.inputMultiple) + " patches: use a multiple of " +
                    std::to_string(arch.inputMultiple) + " (" + std::to_string(below) + " or " +
                    std::to_string(below + arch.inputMultiple) + ")");
  }
  if (c.model.weights.empty())
    throw UserError("config: model.weights is empty; use \"none\", \"imagenet\" or the path of a weights "
                    "file (.pth, .safetensors, or a .pt exported by a previous run)");
  // A path is checked when training starts (a resumed run no longer needs it); an ImageNet
  // name must exist for the architecture.
  if (weights::isOfficialWeightsName(c.model.weights)) {
    try {
      weights::officialWeightsFor(c.model.architecture, c.model.weights);
    } catch (const UserError& e) {
      throw UserError(std::string("config: model.weights: ") + e.what());
    }
  }

  oneOf("optim.optimizer", c.optim.optimizer, {"adam", "adamw", "sgd"});
  positive("optim.head_lr", c.optim.headLr);
  positive("optim.head_lr_after_unfreeze", c.optim.headLrAfterUnfreeze);
  positive("optim.backbone_lr", c.optim.backboneLr);
  inRange("optim.weight_decay", c.optim.weightDecay, 0.0, 1.0, "0 to 1");
  inRange("optim.momentum", c.optim.momentum, 0.0, 0.9999, "0 to <1");
  oneOf("optim.scheduler", c.optim.scheduler, {"plateau", "cosine", "step", "none"});
  inRange("optim.plateau_factor", c.optim.plateauFactor, 1e-6, 0.999999, "between 0 and 1");
  inRange("optim.plateau_patience", c.optim.plateauPatience, 0, 1000, "0 to 1000 epochs");
  inRange("optim.warmup_epochs", c.optim.warmupEpochs, 0, c.train.epochs,
          "0 to train.epochs (" + std::to_string(c.train.epochs) + ")");
  inRange("optim.min_lr", c.optim.minLr, 0.0, 1.0, "0 to 1");
  inRange("optim.step_size", c.optim.stepSize, 1, 100000, "1 or more epochs");
  inRange("optim.step_gamma", c.optim.stepGamma, 1e-6, 1.0, "between 0 and 1");

  inRange("train.epochs", c.train.epochs, 1, 100000, "1 or more");
  inRange("train.freeze_epochs", c.train.freezeEpochs, 0, c.train.epochs,
          "0 (never frozen) to train.epochs (" + std::to_string(c.train.epochs) + ")");
  inRange("train.batch_size", c.train.batchSize, 1, 65536, "1 to 65536");
  inRange("train.eval_batch_size", c.train.evalBatchSize, 1, 65536, "1 to 65536");
  inRange("train.workers", c.train.workers, 0, 256, "0 (decode on the training thread) to 256");
  inRange("train.prefetch", c.train.prefetch, 1, 1024, "1 to 1024 batches");
  inRange("train.recalibrate_batchnorm", c.train.recalibrateBatchNorm, -1, 10000000,
          "-1 (automatic), 0 (never) or a number of training images");
  oneOf("train.precision", c.train.precision, {"auto", "float32", "bfloat16", "float16"});
  oneOf("train.validation_precision", c.train.validationPrecision, {"training", "float32"});
  if (c.train.featureCache && c.train.freezeEpochs > 0 && !c.train.freezeBatchNorm)
    throw UserError("config: train.feature_cache needs train.freeze_batchnorm = true (BatchNorm "
                    "statistics that move while frozen would make the cached features stale); "
                    "set both, or turn the cache off");

  const std::string& d = c.device.device;
  const bool cuda = d == "cuda" || (d.rfind("cuda:", 0) == 0 && d.size() > 5 &&
                                    d.find_first_not_of("0123456789", 5) == std::string::npos);
  if (d != "cpu" && !cuda)
    throw UserError("config: device.device is \"" + d + "\"; allowed: cpu, cuda, cuda:N");
  inRange("device.threads", c.device.threads, 0, 1024, "0 (every core) to 1024");

  if (c.output.name.empty() || c.output.name.find('/') != std::string::npos)
    throw UserError("config: output.name \"" + c.output.name + "\" must be a non-empty name without '/'");
  if (c.output.runsDir.empty()) throw UserError("config: output.runs_dir is empty");
}

RunConfig loadConfigFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UserError(path + ": cannot open the run configuration; check the path");
  std::error_code error;
  const auto bytes = std::filesystem::file_size(path, error);
  if (!error && bytes > kMaxFileBytes)
    throw UserError(path + ": " + std::to_string(bytes) +
                    " bytes is too large for a run configuration (at most " + std::to_string(kMaxFileBytes) +
                    "); is it the right file?");
  json root;
  try {
    root = json::parse(in);
  } catch (const json::exception& e) {  // also out_of_range.406: a number such as 1e309
    throw UserError(path + ": not valid JSON (" + std::string(e.what()) +
                    "); fix the file or save a new configuration");
  }
  try {
    RunConfig config = fromJson(root);
    validate(config);
    return config;
  } catch (const UserError& e) {
    throw UserError(path + ": " + e.what());
  }
}

void saveConfigFile(const RunConfig& config, const std::string& path) {
  writeFileAtomically(path, toJson(config).dump(2) + "\n");
}

}  // namespace ft::config
