#pragma once
// The fine-tuned model leaves the studio as a LibTorch archive (<name>.pt) that carries its
// metadata, as a torchvision-compatible state dict (<name>.pth), as <name>.safetensors or as an
// ONNX model (<name>.onnx, metadata in metadata_props), each with the same metadata beside it as
// <name>.json for other tools. Every export verifies itself before it takes its name: it is
// written under a temporary name, read back from disk with the reader that will use it, run on a
// few images and compared with the model in memory.
#include <array>
#include <functional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include <nlohmann/json_fwd.hpp>

#include "data/transforms.h"
#include "models/classifier.h"
#include "weights/official_weights.h"

namespace ft::exporting {

struct ExportMetadata {
  std::string architecture;  // "resnet18"
  std::vector<std::string> classNames;
  int inputSize = 224;
  // How images were resized (data::TransformOptions): 0 = stretched to the input size; > 0 =
  // shorter side to resizeSize with `interpolation`, then a centre crop of the input size.
  int resizeSize = 0;
  std::string interpolation = "bilinear";
  std::array<float, 3> mean{0.485f, 0.456f, 0.406f};
  std::array<float, 3> std{0.229f, 0.224f, 0.225f};
  std::string sourceRun;  // run folder it came from, if any
  // Channels of the training images: 3 (RGB) or 1 (grayscale data such as Fashion-MNIST, whose
  // images were replicated to 3 channels by the transform). With 1, a colour image must be
  // converted to gray first, as the training data was.
  int imageChannels = 3;
};

nlohmann::json toJson(const ExportMetadata& metadata);
// The unaugmented transform that prepares an image as the model's validation images were.
data::TransformOptions evaluationTransform(const ExportMetadata& metadata);
ExportMetadata metadataFromJson(const nlohmann::json& json, const std::string& file);

// Writes `path` (LibTorch archive) and `path` with extension .json, atomically, verified as
// exportModel(..., ExportFormat::LibTorch) is.
void exportLibTorch(const models::Classifier& model, const ExportMetadata& metadata, const std::string& path);

enum class ExportFormat {
  LibTorch,        // .pt: LibTorch archive with the metadata inside
  TorchvisionPth,  // .pth: torch.save(state_dict) zip; torch.load + torchvision's
                   // <arch>(num_classes=N).load_state_dict(..., strict=True) accept it
  SafeTensors,     // .safetensors: the state dict, metadata in __metadata__["finetune_studio"]
  Onnx             // .onnx: opset 13, BatchNorm folded, dynamic batch (see onnx_export.h)
};
// `format` "pt" | "pth" | "safetensors" | "onnx" (case-insensitive), or "" to go by the extension
// of `path` (.pt, .pth, .safetensors, .onnx). Throws ft::UserError for an unknown name or
// extension, or a format that contradicts a known extension.
ExportFormat exportFormatFor(const std::string& path, const std::string& format = "");
std::string exportExtension(ExportFormat format);   // ".pt", ".pth", ".safetensors", ".onnx"
std::string exportFormatName(ExportFormat format);  // "LibTorch .pt", ..., "ONNX"

// How an export checked itself: the written file, read back from disk with the reader that will
// use it (LibTorch, our .pth/.safetensors readers, OpenCV DNN for .onnx), gave these logits on
// `images` inputs; maxAbsDiff is the largest |difference| from the model in memory.
struct ExportVerification {
  int images = 0;
  std::string inputs;   // what the images were: "validation images", "sample images", ...
  std::string runtime;  // what read the file back and ran it: "OpenCV DNN 4.6.0", "LibTorch 1.13.0"
  double maxAbsDiff = 0.0;
  double tolerance = 0.0;   // what was allowed: see verificationTolerance
  double logitScale = 0.0;  // largest |logit| of the model in memory on these images
  // When the file's logits missed verificationTolerance: how far the model's own float32 logits
  // are from its float64 logits (the rounding noise of this model on these inputs); < 0 when not
  // measured. See roundingTolerance.
  double float32Error = -1.0;
  // "verified with OpenCV DNN 4.6.0 on 8 validation images, max |Δ| 3.1e-06"
  std::string summary() const;
};
// The largest |difference| an export may show: 1e-5 for the torch formats (the same tensors run
// by the same LibTorch kernels; in practice 0), 1e-4 for ONNX (other kernels, BatchNorm folded),
// scaled by the logits' magnitude above 1: float32 itself is that far off in a deep network
// (ResNet-50 with logits up to 6: LibTorch float32 differs from float64 by 1.9e-4, OpenCV by 6e-5).
double verificationTolerance(ExportFormat format, double logitScale = 1.0);
// Deep networks with large activations (EfficientNet with uncalibrated statistics: logits in the
// hundreds) round further than that, and other CPUs run other float32 kernels (OpenCV's AVX-512
// convolutions). An ONNX file that misses verificationTolerance still passes when its logits are
// within kRoundingAllowance times the model's own float32 error (LibTorch float32 against
// float64 on the same inputs) of LibTorch's: export bugs are orders of magnitude larger.
inline constexpr double kRoundingAllowance = 8.0;
double roundingTolerance(double logitScale, double float32Error);
// The logits of a float64 copy of `model` (eval mode) on `batch`, on the CPU; the model and the
// global random generator are left as they were.
torch::Tensor float64Logits(const models::Classifier& model, const torch::Tensor& batch);

// Writes `path` in `format` and the metadata as `path` with extension .json. The model file is
// written under a temporary name, verified (see ExportVerification) on `sampleBatch` (float
// [B, 3, S, S], normalised as the model expects; undefined = a deterministic synthetic batch
// of 2, described as "synthetic inputs"), and renamed into place only if it matches within
// verificationTolerance(format, largest |logit|). A mismatch throws ft::UserError naming the file and the
// difference and leaves no file: an earlier export of the same name stays as it was.
// The model is run in evaluation mode (its mode is restored afterwards).
ExportVerification exportModel(const models::Classifier& model, const ExportMetadata& metadata,
                               const std::string& path, ExportFormat format,
                               const torch::Tensor& sampleBatch = {},
                               const std::string& sampleDescription = "sample images");

// Test seam: when set, called with the logits read back from the written file before they are
// compared (a test forces a mismatch with it). Not thread-safe; set it only in tests.
void setReloadedLogitsHookForTesting(std::function<void(torch::Tensor& logits)> hook);

struct LoadedModel {
  models::Classifier model{nullptr};
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
std::string loadStartingWeights(const std::string& weights, models::ClassifierImpl& model,
                                const weights::FetchOptions& fetch = {});

// Exports checkpoints/<which>.ckpt of a run folder ("best" | "last") to `path`, in `format`
// (see exportFormatFor: "" = by the extension of `path`), verified on the first 8 images of the
// run's validation set, preprocessed exactly as evaluation does (on synthetic inputs when the
// run's data is no longer there). `verification`, if given, receives how it went.
ExportMetadata exportRunCheckpoint(const std::string& runDir, const std::string& which,
                                   const std::string& path, const std::string& format = "",
                                   ExportVerification* verification = nullptr);

}  // namespace ft::exporting
