#pragma once
// The fine-tuned model leaves the studio as a LibTorch archive (<name>.pt) that carries its
// metadata, as a torchvision-compatible state dict (<name>.pth) or as <name>.safetensors, each
// with the same metadata beside it as <name>.json for other tools.
#include <array>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "models/resnet.h"
#include "weights/official_weights.h"

namespace ft::exporting {

struct ExportMetadata {
  std::string architecture;  // "resnet18"
  std::vector<std::string> classNames;
  int inputSize = 224;
  std::array<float, 3> mean{0.485f, 0.456f, 0.406f};
  std::array<float, 3> std{0.229f, 0.224f, 0.225f};
  std::string sourceRun;     // run folder it came from, if any
};

nlohmann::json toJson(const ExportMetadata& metadata);
ExportMetadata metadataFromJson(const nlohmann::json& json, const std::string& file);

// Writes `path` (LibTorch archive) and `path` with extension .json, atomically.
void exportLibTorch(const models::ResNet& model, const ExportMetadata& metadata,
                    const std::string& path);

enum class ExportFormat {
  LibTorch,        // .pt: LibTorch archive with the metadata inside
  TorchvisionPth,  // .pth: torch.save(state_dict) zip; torch.load + torchvision's
                   // resnetN(num_classes=N).load_state_dict(..., strict=True) accept it
  SafeTensors      // .safetensors: the state dict, metadata in __metadata__["finetune_studio"]
};
// `format` "pt" | "pth" | "safetensors" (case-insensitive), or "" to go by the extension of
// `path` (.pt, .pth, .safetensors). Throws ft::UserError for an unknown name or extension, or a
// format that contradicts a known extension.
ExportFormat exportFormatFor(const std::string& path, const std::string& format = "");
std::string exportExtension(ExportFormat format);  // ".pt", ".pth", ".safetensors"

// Writes `path` in `format` and the metadata as `path` with extension .json, atomically.
void exportModel(const models::ResNet& model, const ExportMetadata& metadata, const std::string& path,
                 ExportFormat format);

struct LoadedModel {
  models::ResNet model{nullptr};
  ExportMetadata metadata;
};
// Reads an export written by exportLibTorch; throws ft::UserError naming the file.
LoadedModel loadLibTorchExport(const std::string& path);

// Starting weights for a new run (config model.weights):
//   "imagenet" | "imagenet1k_v1" | "imagenet1k_v2": torchvision's ImageNet weights, taken from
//       the cache or downloaded (fetch: base URL, cache folder, progress, cancel);
//   a FineTune Studio export (.pt, upstream -> downstream), a PyTorch/torchvision .pth (zip or
//       legacy, a state dict or a checkpoint dict holding one), or a .safetensors file.
// Every backbone tensor must fit; the head is skipped when the class count differs. "none" does
// nothing. Returns a line for the log. Throws ft::UserError (weights::DownloadCancelled when
// fetch.download.cancel was set).
std::string loadStartingWeights(const std::string& weights, models::ResNetImpl& model,
                                const weights::FetchOptions& fetch = {});

// Exports checkpoints/<which>.ckpt of a run folder ("best" | "last") to `path`, in `format`
// (see exportFormatFor: "" = by the extension of `path`).
ExportMetadata exportRunCheckpoint(const std::string& runDir, const std::string& which,
                                   const std::string& path, const std::string& format = "");

}  // namespace ft::exporting
