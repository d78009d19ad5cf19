#include "export/model_export.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <cstdio>
#include <cstring>
#include <optional>
#include <unordered_map>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <unistd.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "config/run_config.h"
#include "export/exported_model.h"
#include "export/onnx_export.h"
#include "export/run_model.h"
#include "run/checkpoint.h"
#include "weights/official_weights.h"
#include "weights/classifier_weights.h"
#include "weights/safetensors.h"
#include "weights/state_dict.h"
#include "weights/torch_file.h"

namespace fs = std::filesystem;

namespace ft::exporting {
namespace {
const char* kMetadataKey = "finetune_export_metadata";

torch::serialize::InputArchive openArchive(const std::string& path) {
  if (!fs::exists(path)) throw UserError(path + ": file not found; check the path");
  const std::string whenDamaged =
      ": not a readable LibTorch archive (truncated, damaged, or another format); export the model again "
      "from its run";
  run::checkArchive(path, whenDamaged);
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const std::exception&) {  // c10::Error, and torch::jit::ErrorReport from its type parser
    throw UserError(path + whenDamaged);
  }
  return archive;
}
}  // namespace

nlohmann::json toJson(const ExportMetadata& m) {
  return {{"format", "finetune-studio-export"},
          {"version", 1},
          {"architecture", m.architecture},
          {"num_classes", m.classNames.size()},
          {"class_names", m.classNames},
          {"input_size", m.inputSize},
          {"resize_size", m.resizeSize},
          {"interpolation", m.interpolation},
          {"mean", m.mean},
          {"std", m.std},
          {"image_channels", m.imageChannels},
          {"source_run", m.sourceRun}};
}

data::TransformOptions evaluationTransform(const ExportMetadata& m) {
  data::TransformOptions options;
  options.inputSize = m.inputSize;
  options.resizeSize = m.resizeSize;
  options.interpolation = data::interpolationFromName(m.interpolation);
  options.augment = false;
  options.mean = m.mean;
  options.std = m.std;
  return options;
}

namespace {

// An integer field within [lo, hi], checked before narrowing: a float or an out-of-range value
// (fuzz_export_metadata found 3.6e19 for input_size) is damage, not a conversion.
int intField(const nlohmann::json& j, const char* key, int lo, int hi, const int* fallback = nullptr) {
  if (fallback && !j.contains(key)) return *fallback;
  const auto& v = j.at(key);
  if (!v.is_number_integer()) throw std::runtime_error(key);
  // Non-negative numbers parse as unsigned: compare those as unsigned, against both bounds.
  if (v.is_number_unsigned() ? (v.get<std::uint64_t>() > std::uint64_t(hi) ||
                                (lo > 0 && v.get<std::uint64_t>() < std::uint64_t(lo)))
                             : (v.get<std::int64_t>() < lo || v.get<std::int64_t>() > hi))
    throw std::runtime_error(key);
  return int(v.get<std::int64_t>());
}

// Three finite per-channel values (mean, std) of a plausible size, checked before narrowing.
std::array<float, 3> channelField(const nlohmann::json& j, const char* key) {
  const auto& v = j.at(key);
  if (!v.is_array() || v.size() != 3) throw std::runtime_error(key);
  std::array<float, 3> out{};
  for (std::size_t i = 0; i < 3; ++i) {
    if (!v[i].is_number()) throw std::runtime_error(key);
    const double d = v[i].get<double>();
    if (!std::isfinite(d) || std::fabs(d) > 1e6) throw std::runtime_error(key);
    out[i] = float(d);
  }
  return out;
}

}  // namespace

ExportMetadata metadataFromJson(const nlohmann::json& j, const std::string& file) {
  try {
    ExportMetadata m;
    m.architecture = j.at("architecture").get<std::string>();
    m.classNames = j.at("class_names").get<std::vector<std::string>>();
    m.inputSize = intField(j, "input_size", 1, 16384);
    m.mean = channelField(j, "mean");
    m.std = channelField(j, "std");
    const int noResize = 0, rgb = 3;
    m.resizeSize = intField(j, "resize_size", 0, 16384, &noResize);  // exports before resize_size: stretched
    m.interpolation = j.value("interpolation", std::string("bilinear"));
    m.sourceRun = j.value("source_run", "");
    m.imageChannels = intField(j, "image_channels", 1, 3, &rgb);  // exports before image_channels: RGB
    if (m.classNames.empty() || m.inputSize <= 0) throw std::runtime_error("empty");
    for (const float sd : m.std)
      if (!(sd > 0.0f)) throw std::runtime_error("std");
    if (m.imageChannels != 1 && m.imageChannels != 3) throw std::runtime_error("channels");
    if (m.resizeSize != 0 && (m.resizeSize < m.inputSize || m.resizeSize > 16384))
      throw std::runtime_error("resize");
    if (m.interpolation != "bilinear" && m.interpolation != "bicubic")
      throw std::runtime_error("interpolation");
    return m;
  } catch (const std::exception&) {
    throw UserError(file + ": the export metadata is incomplete or damaged; export the model again");
  }
}

void exportLibTorch(const models::Classifier& model, const ExportMetadata& metadata,
                    const std::string& path) {
  exportModel(model, metadata, path, ExportFormat::LibTorch);
}

LoadedModel loadLibTorchExport(const std::string& path) {
  auto archive = openArchive(path);
  c10::IValue value;
  if (!archive.try_read(kMetadataKey, value) || !value.isString())
    throw UserError(path + ": this LibTorch archive is not a FineTune Studio export (no metadata)");
  LoadedModel loaded;
  loaded.metadata = metadataFromJson(nlohmann::json::parse(value.toStringRef(), nullptr, false), path);
  loaded.model = models::makeClassifier(loaded.metadata.architecture, int(loaded.metadata.classNames.size()),
                                        loaded.metadata.inputSize);
  run::readModelState(archive, *loaded.model, path, /*skipMismatchedHead=*/false);
  loaded.model->eval();
  return loaded;
}

namespace {

// A previous run's .pt export: the metadata names the architecture.
void loadExportAsStartingWeights(const std::string& path, models::ClassifierImpl& model) {
  auto archive = openArchive(path);
  c10::IValue value;
  if (!archive.try_read(kMetadataKey, value) || !value.isString())
    throw UserError(path +
                    ": a LibTorch archive that is not a FineTune Studio export; starting weights "
                    "must be an export of a previous run (.pt), a PyTorch .pth state dict or .safetensors");
  const auto metadata = metadataFromJson(nlohmann::json::parse(value.toStringRef(), nullptr, false), path);
  const auto& fileArch = models::architectureInfo(metadata.architecture);
  if (fileArch.name != model.architectureName())
    throw UserError(path + ": these are " + fileArch.displayName + " weights; the model is " +
                    model.info().displayName + ". Choose " + fileArch.displayName + " or other weights");
  run::readModelState(archive, model, path, /*skipMismatchedHead=*/true);
}

std::string lowerCase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

}  // namespace

std::string loadStartingWeights(const std::string& weightsName, models::ClassifierImpl& model,
                                const weights::FetchOptions& fetch) {
  if (weightsName.empty() || lowerCase(weightsName) == "none") return "none (random initialisation)";
  if (weights::isOfficialWeightsName(weightsName)) {
    const auto& official = weights::officialWeightsFor(model.architectureName(), weightsName);
    const std::string path = weights::fetchWeights(official.file, fetch);
    const auto contents = weights::readTorchFile(path);
    const auto report = weights::loadClassifierWeights(model, contents.tensors, path);
    return "torchvision " + official.variant + " (" + path + "): " + report.summary;
  }
  if (!fs::exists(weightsName))
    throw UserError(weightsName + ": weights file not found; give none, imagenet, or the path of a .pth, "
                                  ".safetensors or exported .pt file");
  if (lowerCase(fs::path(weightsName).extension().string()) == ".onnx")
    throw UserError(weightsName + ": an ONNX export cannot start a run (its BatchNorm is folded into the "
                                  "convolutions); use the .pt, .pth or .safetensors export of the same run");
  if (weights::detectWeightsFormat(weightsName) == weights::WeightsFormat::LibTorchArchive) {
    loadExportAsStartingWeights(weightsName, model);
    return weightsName + " (FineTune Studio export)";
  }
  const auto contents = weights::readWeightsFile(weightsName);
  const auto report = weights::loadClassifierWeights(model, contents.tensors, weightsName);
  return weightsName + " (" + weights::formatDisplayName(contents.format) +
         (contents.location.empty() ? "" : ", under \"" + contents.location + "\"") + "): " + report.summary;
}

ExportFormat exportFormatFor(const std::string& path, const std::string& format) {
  const std::string extension = lowerCase(fs::path(path).extension().string());
  std::optional<ExportFormat> byExtension;
  if (extension == ".pt") byExtension = ExportFormat::LibTorch;
  if (extension == ".pth") byExtension = ExportFormat::TorchvisionPth;
  if (extension == ".safetensors") byExtension = ExportFormat::SafeTensors;
  if (extension == ".onnx") byExtension = ExportFormat::Onnx;
  if (extension == ".json")
    throw UserError(path + ": the export's metadata goes into <name>.json beside it; choose another name");
  if (format.empty()) {
    if (!byExtension)
      throw UserError(path + ": cannot tell the export format from the extension; end the name in .pt, "
                             ".pth, .safetensors or .onnx, or give the format (pt, pth, safetensors, onnx)");
    return *byExtension;
  }
  const std::string name = lowerCase(format);
  ExportFormat chosen;
  if (name == "pt" || name == "libtorch")
    chosen = ExportFormat::LibTorch;
  else if (name == "pth" || name == "torchvision")
    chosen = ExportFormat::TorchvisionPth;
  else if (name == "safetensors")
    chosen = ExportFormat::SafeTensors;
  else if (name == "onnx")
    chosen = ExportFormat::Onnx;
  else
    throw UserError("export format \"" + format + "\" is not known; use pt, pth, safetensors or onnx");
  if (byExtension && *byExtension != chosen)
    throw UserError(path + ": the name ends in " + extension + " but the format is " + name +
                    "; use a matching extension (" + exportExtension(chosen) + ")");
  return chosen;
}

std::string exportExtension(ExportFormat format) {
  switch (format) {
    case ExportFormat::LibTorch: return ".pt";
    case ExportFormat::TorchvisionPth: return ".pth";
    case ExportFormat::SafeTensors: return ".safetensors";
    case ExportFormat::Onnx: return ".onnx";
  }
  return ".pt";
}

std::string exportFormatName(ExportFormat format) {
  switch (format) {
    case ExportFormat::LibTorch: return "LibTorch .pt";
    case ExportFormat::TorchvisionPth: return "torchvision .pth";
    case ExportFormat::SafeTensors: return "safetensors";
    case ExportFormat::Onnx: return "ONNX";
  }
  return "LibTorch .pt";
}

double verificationTolerance(ExportFormat format, double logitScale) {
  // The torch formats hold the same tensors and run the same LibTorch kernels; ONNX runs other
  // kernels (OpenCV DNN) on BatchNorm-folded weights, with float32 rounding that grows with the
  // size of the values.
  return (format == ExportFormat::Onnx ? 1e-4 : 1e-5) * std::max(1.0, logitScale);
}

double roundingTolerance(double logitScale, double float32Error) {
  return std::max(verificationTolerance(ExportFormat::Onnx, logitScale), kRoundingAllowance * float32Error);
}

torch::Tensor float64Logits(const models::Classifier& model, const torch::Tensor& batch) {
  // The copy's initialisation draws from the global generator: put it back as it was, so that an
  // export leaves a seeded program's later draws alone.
  auto generator = at::detail::getDefaultCPUGenerator();
  const torch::Tensor generatorState = generator.get_state();
  models::Classifier copy =
      models::makeClassifier(model->architectureName(), model->numClasses(), model->builtInputSize());
  generator.set_state(generatorState);
  copy->to(torch::kFloat64);
  std::unordered_map<std::string, torch::Tensor> state;
  for (const auto& [key, tensor] : models::stateDict(model)) state[key] = tensor.detach().to(torch::kCPU);
  models::loadStateDict(copy, state);
  copy->eval();
  torch::NoGradGuard noGrad;
  return copy->forward(batch.to(torch::kCPU, torch::kFloat64));
}

std::string ExportVerification::summary() const {
  char diff[32];
  std::snprintf(diff, sizeof diff, "%.1e", maxAbsDiff);
  std::string text = "verified " + (runtime.empty() ? std::string() : "with " + runtime + " ") + "on " +
                     std::to_string(images) + " " + inputs + ", max |\u0394| " + diff;
  if (float32Error >= 0) {
    std::snprintf(diff, sizeof diff, "%.1e", float32Error);
    text += std::string(" (within float32 rounding: the model itself is ") + diff + " from float64)";
  }
  return text;
}

namespace {

std::function<void(torch::Tensor&)>& reloadedLogitsHook() {
  static std::function<void(torch::Tensor&)> hook;
  return hook;
}

// A deterministic stand-in for real images when none are at hand: two smooth patterns in the
// range of normalised pixels.
torch::Tensor syntheticBatch(int inputSize) {
  const auto n = std::int64_t(2) * 3 * inputSize * inputSize;
  return (torch::sin(torch::arange(n, torch::kFloat64) * 0.0137) * 2.0)
      .to(torch::kFloat32)
      .reshape({2, 3, inputSize, inputSize});
}

torch::Tensor referenceLogits(models::Classifier model, const torch::Tensor& batch) {
  const bool wasTraining = model->is_training();
  model->eval();
  torch::Tensor logits;
  {
    torch::NoGradGuard noGrad;
    const auto device = model->parameters().front().device();
    logits = model->forward(batch.to(device, torch::kFloat32)).to(torch::kCPU).contiguous();
  }
  model->train(wasTraining);
  return logits;
}

void writeModelFile(const models::Classifier& model, const ExportMetadata& metadata, const std::string& file,
                    ExportFormat format) {
  switch (format) {
    case ExportFormat::LibTorch: {
      torch::serialize::OutputArchive archive;
      run::writeModelState(archive, *model);
      archive.write(kMetadataKey, c10::IValue(toJson(metadata).dump(2)));
      writeFileAtomically(file, run::serializedArchive(archive));
      break;
    }
    case ExportFormat::TorchvisionPth: weights::writeTorchFile(file, models::stateDict(model)); break;
    case ExportFormat::SafeTensors:
      weights::writeSafeTensors(file, models::stateDict(model),
                                {{"format", "pt"}, {"finetune_studio", toJson(metadata).dump()}});
      break;
    case ExportFormat::Onnx: writeOnnxModel(model, metadata, file); break;
  }
}

}  // namespace

void setReloadedLogitsHookForTesting(std::function<void(torch::Tensor& logits)> hook) {
  reloadedLogitsHook() = std::move(hook);
}

ExportVerification exportModel(const models::Classifier& model, const ExportMetadata& metadata,
                               const std::string& path, ExportFormat format, const torch::Tensor& sampleBatch,
                               const std::string& sampleDescription) {
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty() && !fs::exists(parent))
    throw UserError(parent.string() + ": the export folder does not exist; create it or pick another");
  if (int(metadata.classNames.size()) != model->numClasses())
    throw std::logic_error("exportModel: " + std::to_string(metadata.classNames.size()) +
                           " class names for a model with " + std::to_string(model->numClasses()) +
                           " classes");

  ExportVerification verification;
  const bool synthetic = !sampleBatch.defined() || sampleBatch.size(0) == 0;
  const torch::Tensor batch = synthetic ? syntheticBatch(metadata.inputSize)
                                        : sampleBatch.to(torch::kCPU, torch::kFloat32);
  verification.images = int(batch.size(0));
  verification.inputs = synthetic ? "synthetic inputs" : sampleDescription;
  const torch::Tensor expected = referenceLogits(model, batch);
  verification.logitScale = expected.abs().max().item<double>();
  verification.tolerance = verificationTolerance(format, verification.logitScale);

  // Written under a temporary name in the same folder, so the rename below is atomic.
  const std::string staged = path + ".verifying-" + std::to_string(::getpid());
  const std::string json = toJson(metadata).dump(2) + "\n";
  try {
    writeModelFile(model, metadata, staged, format);
    auto reloaded = ExportedModel::open(staged, format, metadata);
    verification.runtime = reloaded.runtime();
    torch::Tensor actual = reloaded.logits(batch);
    if (reloadedLogitsHook()) reloadedLogitsHook()(actual);
    if (actual.sizes() != expected.sizes())
      throw UserError(path + ": the " + exportFormatName(format) + " file read back gives logits of shape " +
                      c10::str(actual.sizes()) + " instead of " + c10::str(expected.sizes()) +
                      "; nothing was written. Please report this bug");
    verification.maxAbsDiff =
        (actual.to(torch::kFloat64) - expected.to(torch::kFloat64)).abs().max().item<double>();
    if (format == ExportFormat::Onnx && !(verification.maxAbsDiff <= verification.tolerance) &&
        std::isfinite(verification.maxAbsDiff)) {
      // Rounding or a bug? Measure this model's own float32 rounding on these inputs.
      const torch::Tensor exact = float64Logits(model, batch);
      verification.float32Error = (expected.to(torch::kFloat64) - exact).abs().max().item<double>();
      verification.tolerance = roundingTolerance(verification.logitScale, verification.float32Error);
    }
    if (!(verification.maxAbsDiff <= verification.tolerance)) {  // NaN fails too
      char figures[96];
      std::snprintf(figures, sizeof figures, "max |\u0394| %.3g on %d %s, allowed %.2g",
                    verification.maxAbsDiff, verification.images, verification.inputs.c_str(),
                    verification.tolerance);
      std::string rounding;
      if (verification.float32Error >= 0) {
        char figure[32];
        std::snprintf(figure, sizeof figure, "%.2g", verification.float32Error);
        rounding = std::string("; the model's own float32 rounding is ") + figure;
      }
      throw UserError(path + ": the " + exportFormatName(format) +
                      " file read back from disk does not reproduce "
                      "the model's outputs (" +
                      figures + rounding + "); nothing was written" +
                      (fs::exists(path) ? " and the earlier file is unchanged" : "") +
                      ". Please report this bug with the run folder");
    }
    if (std::rename(staged.c_str(), path.c_str()) != 0)
      throw UserError(path + ": could not be replaced: " + std::strerror(errno) +
                      "; check the folder's permissions");
  } catch (const UserError& e) {
    std::error_code ignored;
    fs::remove(staged, ignored);
    // Messages about the staged copy (a full disk while writing it) name the file asked for.
    auto message = withPathReplaced(e.what(), staged, path);
    if (!message) throw;
    throw UserError(*message);
  } catch (...) {
    std::error_code ignored;
    fs::remove(staged, ignored);
    throw;
  }
  writeFileAtomically(fs::path(path).replace_extension(".json").string(), json);
  return verification;
}

ExportMetadata exportRunCheckpoint(const std::string& runDir, const std::string& which,
                                   const std::string& path, const std::string& format,
                                   ExportVerification* verification) {
  const ExportFormat exportFormat = exportFormatFor(path, format);
  const RunModel run = loadRunModel(runDir, which);
  std::string whyNoImages;
  const torch::Tensor images = validationSampleBatch(run, 8, &whyNoImages);
  const auto result = exportModel(run.model, run.metadata, path, exportFormat, images, "validation images");
  if (verification) {
    *verification = result;
    if (!whyNoImages.empty()) verification->inputs += " (" + whyNoImages + ")";
  }
  return run.metadata;
}

}  // namespace ft::exporting
