#pragma once
// What a front end (the Qt studio) asks of the engine besides training itself. No LibTorch
// types cross this header, so UI code can include it without pulling in <torch/torch.h>.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/cpu_features.h"
#include "config/run_config.h"
#include "train/device.h"
#include "run/events.h"

namespace ft::api {

struct ClassCount {
  std::string name;
  std::size_t images = 0;
};

// A decoded sample for a thumbnail grid: 8-bit RGB, row-major, width*height*3 bytes.
struct Thumbnail {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgb;
  int label = 0;
};

struct DataPreview {
  std::string description;
  std::vector<ClassCount> classes;  // training images per class
  std::size_t trainImages = 0;
  std::size_t validationImages = 0;
  std::vector<std::string> warnings;  // unreadable files, class imbalance, ...
  std::vector<Thumbnail> samples;     // a seeded sample spread over the classes
};

// Opens the data as a run would (same split, same limits). Throws ft::UserError.
DataPreview previewData(const config::DataConfig& data, std::uint64_t seed, int sampleCount);

struct ModelSummary {
  std::string displayName;  // "ResNet-18"
  std::string headName;     // the layer a new head replaces: "fc", "classifier.3"
  std::int64_t totalParameters = 0;
  std::int64_t trainableWhileFrozen = 0;  // the head only
  int suggestedInputSize = 224;           // for ImageNet weights
};
// Throws ft::UserError on an unknown architecture.
ModelSummary describeModel(const std::string& architecture, int numClasses);
std::vector<std::string> architectures();
// The name people read ("ResNet-18" for "resnet18"); the name itself when it is unknown.
std::string architectureDisplayName(const std::string& architecture);

// A model card (models/model_cards.h) with the architecture's default ImageNet weights: what the
// model page's gallery and `finetune-cli models` show. English text; front ends translate it.
struct ModelCardView {
  std::string architecture;  // "resnet18"
  std::string displayName;   // "ResNet-18"
  int year = 0;
  std::string paper, authors, introduced;
  std::int64_t parameters = 0;  // with the 1000-class ImageNet head
  double gmacs = 0;             // per 224-px image
  int inputSize = 224;          // the default weights' crop
  int inputMultiple = 1;        // the input side must be a multiple of this (ViT: 16)
  // The default ImageNet weights (imagenet = IMAGENET1K_V1).
  std::string weightsVariant, weightsFile;
  double top1 = 0, top5 = 0, fileSizeMB = 0;
  int resizeSize = 256;
  std::string interpolation;  // "bilinear" | "bicubic"
};
std::vector<ModelCardView> modelCards();
ModelCardView modelCard(const std::string& architecture);  // throws ft::UserError when unknown

// How a run with `config` will resize its images (transform.preprocessing resolved for its
// weights and input size): resizeSize 0 = stretched to the input size; > 0 = shorter side to
// resizeSize with `interpolation`, then a crop of the input size. An unknown architecture or
// mode reads as stretched (validate() reports it).
struct PreprocessingView {
  int resizeSize = 0;
  std::string interpolation = "bilinear";
};
PreprocessingView preprocessingOf(const config::RunConfig& config);

struct HistoryEntry {
  int year = 0;
  std::string title, text;
  std::vector<std::string> architectures;  // none for a milestone
};
std::vector<HistoryEntry> modelHistory();

struct EpochEstimate {
  double frozenSecondsPerEpoch = 0.0;  // training + evaluation
  double unfrozenSecondsPerEpoch = 0.0;
  double totalSeconds = 0.0;  // the whole run
  // Training speed, images per second of one step (data, forward, backward, optimiser) at the
  // configured batch size: what the model gallery shows per architecture.
  double frozenImagesPerSecond = 0.0;
  double unfrozenImagesPerSecond = 0.0;
  int batchesMeasured = 0;
  // Other processes kept this many cores busy while the batches were timed (from /proc/stat):
  // the figures are then too slow, and a front end should say so.
  double busyCores = 0.0;
  bool machineBusy = false;  // busyCores >= 0.5
  std::string precision;     // the training precision the batches ran in: float32 | bfloat16 | float16
};
// The precisions a run with `config` would train and validate in on this machine
// (train.precision resolved for its device): "float32" | "bfloat16" | "float16"; `error` says
// why it cannot (float16 on a CPU, a missing CUDA device) and the others are then empty.
struct PrecisionChoice {
  std::string training;
  std::string validation;
  std::string error;
};
PrecisionChoice resolvedPrecision(const config::RunConfig& config);

// Times real batches of the configured run (data, model, device, threads) in both phases and
// extrapolates: per phase, 2 warm-up batches, then the median of `batches` more. Throws
// ft::UserError like a run would.
EpochEstimate estimateRun(const config::RunConfig& config, int batches = 5);

train::DeviceReport devices();
// What the machine offers, for the wizard's defaults: cores, and bfloat16 (AVX512-BF16 / AMX).
using ::ft::CpuFeatures;
using ::ft::cpuFeatures;  // AVX512-BF16, AMX and whether the kernel grants it
using train::cpuBf16Summary;
using train::cpuHasBf16;
using train::machineCores;

struct ExportResult {
  std::string architecture;  // "resnet18", as in RunConfig
  std::string displayName;   // "ResNet-18"
  std::size_t classes = 0;
  int inputSize = 0;
  std::string modelFile;     // as given
  std::string metadataFile;  // the .json beside it
  std::string verification;  // "verified with OpenCV DNN 4.6.0 on 8 validation images, max |Δ| 3.1e-06"
};
// <runDir>/exports/model-<which>.<extension of format> (format "" = pt, or pth, safetensors, onnx).
// Throws ft::UserError on an unknown format.
std::string defaultExportPath(const std::string& runDir, const std::string& which,
                              const std::string& format = "");
// Exports checkpoints/<which>.ckpt of a run to `path` (format by extension, or `format`: pt,
// pth, safetensors, onnx; + .json metadata), verified by reading it back with its own reader
// before it takes its name (exporting::exportModel). Throws ft::UserError.
ExportResult exportCheckpoint(const std::string& runDir, const std::string& which, const std::string& path,
                              const std::string& format = "");
// The same, described in one line ending in the verification, e.g.
// "ResNet-18, 10 classes, input 32x32 -> m.onnx (verified with OpenCV DNN 4.6.0 on 8 validation images, max
// |Δ| 3.1e-06)".
std::string exportRun(const std::string& runDir, const std::string& which, const std::string& path);

// Writes iteration and epoch events as a run folder's metrics.csv holds them (each epoch's
// iterations, then its epoch row), e.g. for a run whose folder is gone. Throws ft::UserError
// naming the file.
void writeMetricsCsv(const std::string& path, const std::vector<run::IterationEvent>& iterations,
                     const std::vector<run::EpochEvent>& epochs);

// Everything a run folder says about its progress, to redraw the charts (File -> Open run).
struct RunHistory {
  config::RunConfig config;
  std::vector<run::IterationEvent> iterations;
  std::vector<run::EpochEvent> epochs;
  bool resumable = false;  // checkpoints/last.ckpt exists and the run is not complete
  bool complete = false;   // every configured epoch is done
  // Who is training it now ("pid 1234 on host, since ..."), empty when nobody is: such a run
  // cannot be resumed until that process ends (run/run_lock.h).
  std::string trainingNow;
};
// Throws ft::UserError when `runDir` is not a run folder.
RunHistory readRunHistory(const std::string& runDir);

}  // namespace ft::api
