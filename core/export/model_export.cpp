#include "export/model_export.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "config/run_config.h"
#include "train/checkpoint.h"
#include "train/run_folder.h"
#include "weights/official_weights.h"
#include "weights/resnet_weights.h"
#include "weights/safetensors.h"
#include "weights/state_dict.h"
#include "weights/torch_file.h"

namespace fs = std::filesystem;

namespace ft::exporting {
namespace {
const char* kMetadataKey = "finetune_export_metadata";

torch::serialize::InputArchive openArchive(const std::string& path) {
  if (!fs::exists(path)) throw UserError(path + ": file not found; check the path");
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const c10::Error&) {
    throw UserError(path + ": not a readable LibTorch archive (truncated, damaged, or another "
                    "format); export the model again from its run");
  }
  return archive;
}
}  // namespace

nlohmann::json toJson(const ExportMetadata& m) {
  return {{"format", "finetune-studio-export"}, {"version", 1},
          {"architecture", m.architecture},    {"num_classes", m.classNames.size()},
          {"class_names", m.classNames},       {"input_size", m.inputSize},
          {"mean", m.mean},                    {"std", m.std},
          {"source_run", m.sourceRun}};
}

ExportMetadata metadataFromJson(const nlohmann::json& j, const std::string& file) {
  try {
    ExportMetadata m;
    m.architecture = j.at("architecture").get<std::string>();
    m.classNames = j.at("class_names").get<std::vector<std::string>>();
    m.inputSize = j.at("input_size").get<int>();
    m.mean = j.at("mean").get<std::array<float, 3>>();
    m.std = j.at("std").get<std::array<float, 3>>();
    m.sourceRun = j.value("source_run", "");
    if (m.classNames.empty() || m.inputSize <= 0) throw std::runtime_error("empty");
    return m;
  } catch (const std::exception&) {
    throw UserError(file + ": the export metadata is incomplete or damaged; export the model again");
  }
}

void exportLibTorch(const models::ResNet& model, const ExportMetadata& metadata,
                    const std::string& path) {
  torch::serialize::OutputArchive archive;
  train::writeModelState(archive, *model);
  const std::string json = toJson(metadata).dump(2);
  archive.write(kMetadataKey, c10::IValue(json));
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty() && !fs::exists(parent))
    throw UserError(parent.string() + ": the export folder does not exist; create it or pick another");
  replaceFileAtomically(path, [&](const std::string& temp) { archive.save_to(temp); });
  writeFileAtomically(fs::path(path).replace_extension(".json").string(), json + "\n");
}

LoadedModel loadLibTorchExport(const std::string& path) {
  auto archive = openArchive(path);
  c10::IValue value;
  if (!archive.try_read(kMetadataKey, value) || !value.isString())
    throw UserError(path + ": this LibTorch archive is not a FineTune Studio export (no metadata)");
  LoadedModel loaded;
  loaded.metadata = metadataFromJson(nlohmann::json::parse(value.toStringRef(), nullptr, false), path);
  loaded.model = models::ResNet(models::parseArchitecture(loaded.metadata.architecture),
                                int(loaded.metadata.classNames.size()));
  train::readModelState(archive, *loaded.model, path, /*skipMismatchedHead=*/false);
  loaded.model->eval();
  return loaded;
}

namespace {

// A previous run's .pt export: the metadata names the architecture.
void loadExportAsStartingWeights(const std::string& path, models::ResNetImpl& model) {
  auto archive = openArchive(path);
  c10::IValue value;
  if (!archive.try_read(kMetadataKey, value) || !value.isString())
    throw UserError(path + ": a LibTorch archive that is not a FineTune Studio export; starting weights "
                    "must be an export of a previous run (.pt), a PyTorch .pth state dict or .safetensors");
  const auto metadata =
      metadataFromJson(nlohmann::json::parse(value.toStringRef(), nullptr, false), path);
  const auto arch = models::parseArchitecture(metadata.architecture);
  if (arch != model.architecture())
    throw UserError(path + ": these are " + models::architectureDisplayName(arch) +
                    " weights; the model is " + models::architectureDisplayName(model.architecture()) +
                    ". Choose " + models::architectureDisplayName(arch) + " or other weights");
  train::readModelState(archive, model, path, /*skipMismatchedHead=*/true);
}

std::string lowerCase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

}  // namespace

std::string loadStartingWeights(const std::string& weightsName, models::ResNetImpl& model,
                                const weights::FetchOptions& fetch) {
  if (weightsName.empty() || lowerCase(weightsName) == "none") return "none (random initialisation)";
  if (weights::isOfficialWeightsName(weightsName)) {
    const auto& official =
        weights::officialWeightsFor(models::architectureName(model.architecture()), weightsName);
    const std::string path = weights::fetchWeights(official.file, fetch);
    const auto contents = weights::readTorchFile(path);
    const auto report = weights::loadResNetWeights(model, contents.tensors, path);
    return "torchvision " + official.variant + " (" + path + "): " + report.summary;
  }
  if (!fs::exists(weightsName))
    throw UserError(weightsName + ": weights file not found; give none, imagenet, or the path of a .pth, "
                    ".safetensors or exported .pt file");
  if (weights::detectWeightsFormat(weightsName) == weights::WeightsFormat::LibTorchArchive) {
    loadExportAsStartingWeights(weightsName, model);
    return weightsName + " (FineTune Studio export)";
  }
  const auto contents = weights::readWeightsFile(weightsName);
  const auto report = weights::loadResNetWeights(model, contents.tensors, weightsName);
  return weightsName + " (" + weights::formatDisplayName(contents.format) +
         (contents.location.empty() ? "" : ", under \"" + contents.location + "\"") + "): " + report.summary;
}

ExportFormat exportFormatFor(const std::string& path, const std::string& format) {
  const std::string extension = lowerCase(fs::path(path).extension().string());
  std::optional<ExportFormat> byExtension;
  if (extension == ".pt") byExtension = ExportFormat::LibTorch;
  if (extension == ".pth") byExtension = ExportFormat::TorchvisionPth;
  if (extension == ".safetensors") byExtension = ExportFormat::SafeTensors;
  if (extension == ".json")
    throw UserError(path + ": the export's metadata goes into <name>.json beside it; choose another name");
  if (format.empty()) {
    if (!byExtension)
      throw UserError(path + ": cannot tell the export format from the extension; end the name in .pt, "
                      ".pth or .safetensors, or give the format (pt, pth, safetensors)");
    return *byExtension;
  }
  const std::string name = lowerCase(format);
  ExportFormat chosen;
  if (name == "pt" || name == "libtorch") chosen = ExportFormat::LibTorch;
  else if (name == "pth" || name == "torchvision") chosen = ExportFormat::TorchvisionPth;
  else if (name == "safetensors") chosen = ExportFormat::SafeTensors;
  else throw UserError("export format \"" + format + "\" is not known; use pt, pth or safetensors");
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
  }
  return ".pt";
}

void exportModel(const models::ResNet& model, const ExportMetadata& metadata, const std::string& path,
                 ExportFormat format) {
  if (format == ExportFormat::LibTorch) return exportLibTorch(model, metadata, path);
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty() && !fs::exists(parent))
    throw UserError(parent.string() + ": the export folder does not exist; create it or pick another");
  const weights::StateDict state = models::stateDict(model);
  const std::string json = toJson(metadata).dump(2);
  if (format == ExportFormat::TorchvisionPth)
    weights::writeTorchFile(path, state);
  else
    weights::writeSafeTensors(path, state, {{"format", "pt"}, {"finetune_studio", toJson(metadata).dump()}});
  writeFileAtomically(fs::path(path).replace_extension(".json").string(), json + "\n");
}

ExportMetadata exportRunCheckpoint(const std::string& runDir, const std::string& which,
                                   const std::string& path, const std::string& format) {
  if (which != "best" && which != "last")
    throw UserError("checkpoint \"" + which + "\" is not known; use best or last");
  const ExportFormat exportFormat = exportFormatFor(path, format);
  const train::RunPaths paths(runDir);
  if (!fs::exists(paths.config))
    throw UserError(runDir + ": no config.json here, so this is not a run folder");
  const std::string checkpoint = which == "best" ? paths.bestCheckpoint : paths.lastCheckpoint;
  if (!fs::exists(checkpoint))
    throw UserError(checkpoint + ": missing; the run has not finished an epoch yet");
  const auto config = config::loadConfigFile(paths.config);

  // The checkpoint's own state says how the model was built (class names, preprocessing).
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(checkpoint);
  } catch (const c10::Error&) {
    throw UserError(checkpoint + ": damaged checkpoint; export the other one (best/last)");
  }
  c10::IValue stateValue;
  if (!archive.try_read("finetune_state", stateValue) || !stateValue.isString())
    throw UserError(checkpoint + ": this file is not a FineTune Studio checkpoint");
  const auto state = nlohmann::json::parse(stateValue.toStringRef());

  ExportMetadata metadata;
  metadata.architecture = config.model.architecture;
  metadata.classNames = state.at("class_names").get<std::vector<std::string>>();
  metadata.inputSize = state.at("input_size").get<int>();
  metadata.mean = state.at("mean").get<std::array<float, 3>>();
  metadata.std = state.at("std").get<std::array<float, 3>>();
  metadata.sourceRun = runDir;

  models::ResNet model(models::parseArchitecture(metadata.architecture),
                       int(metadata.classNames.size()));
  train::readModelState(archive, *model, checkpoint, /*skipMismatchedHead=*/false);
  exportModel(model, metadata, path, exportFormat);
  return metadata;
}

}  // namespace ft::exporting
