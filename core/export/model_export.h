#pragma once
// The fine-tuned model leaves the studio as a LibTorch archive (<name>.pt) that carries its
// metadata, plus the same metadata beside it as <name>.json for other tools.
#include <array>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "models/resnet.h"

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

struct LoadedModel {
  models::ResNet model{nullptr};
  ExportMetadata metadata;
};
// Reads an export written by exportLibTorch; throws ft::UserError naming the file.
LoadedModel loadLibTorchExport(const std::string& path);

// Starting weights for a new run from a previous export (upstream -> downstream): every
// backbone tensor must fit; the head is skipped when the class count differs.
void loadStartingWeights(const std::string& path, models::ResNetImpl& model);

// Exports checkpoints/<which>.ckpt of a run folder ("best" | "last") to `path`.
ExportMetadata exportRunCheckpoint(const std::string& runDir, const std::string& which,
                                   const std::string& path);

}  // namespace ft::exporting
