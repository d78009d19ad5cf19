#pragma once
// Any export the studio writes, opened for inference with the reader a user of that format would
// use: LibTorch for .pt, our safe readers for .pth/.safetensors (into our ResNet), OpenCV DNN for
// .onnx. Nothing in a file is executed. Export verification and prediction both go through here.
#include <memory>
#include <optional>
#include <string>

#include <torch/torch.h>

#include "export/model_export.h"

namespace ft::exporting {

class ExportedModel {
 public:
  // Opens `path` in the format its extension names. The metadata comes from the file (.pt,
  // .onnx) or from the .json beside it (.pth; .safetensors falls back to the metadata inside it
  // when the .json is absent). Throws ft::UserError naming the file and the fix.
  static ExportedModel open(const std::string& path);
  // Opens `path` as `format`. With `metadata`, the .json beside is not read (a file written under
  // a temporary name); .pt and .onnx must then carry the same metadata inside.
  static ExportedModel open(const std::string& path, ExportFormat format,
                            const std::optional<ExportMetadata>& metadata);

  ExportedModel(ExportedModel&&) noexcept;
  ExportedModel& operator=(ExportedModel&&) noexcept;
  ~ExportedModel();

  const ExportMetadata& metadata() const { return m_metadata; }
  ExportFormat format() const { return m_format; }
  const std::string& path() const { return m_path; }
  // What runs it: "OpenCV DNN 4.6.0" (.onnx), "LibTorch 1.13.0" (.pt), "the safe .pth reader
  // and LibTorch 1.13.0", "the safetensors reader and LibTorch 1.13.0".
  std::string runtime() const;

  // Logits float [B, classes] on the CPU for a normalised float batch [B, 3, S, S].
  // Throws ft::UserError naming the file when the runtime refuses the input.
  torch::Tensor logits(const torch::Tensor& batch);

 private:
  ExportedModel() = default;
  struct OnnxNet;

  std::string m_path;
  ExportFormat m_format = ExportFormat::LibTorch;
  ExportMetadata m_metadata;
  models::Classifier m_model{nullptr};  // .pt, .pth, .safetensors
  std::unique_ptr<OnnxNet> m_onnx;      // .onnx
};

// The metadata beside a .pth/.safetensors export: `path` with extension .json. Throws
// ft::UserError naming the missing or damaged .json and how to get it back.
ExportMetadata readMetadataBeside(const std::string& path);

}  // namespace ft::exporting
