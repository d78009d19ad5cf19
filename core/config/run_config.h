#pragma once
// RunConfig: the one description of a run. It travels from the wizard or the CLI to the engine
// and into the run folder as config.json. Validation names the field and the allowed range.
#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace ft::config {

struct DataConfig {
  std::string format = "auto";  // auto | idx | cifar10 | folder
  std::string path = "/usr/share/datasets/fashion-mnist";
  std::string validation = "test_split";  // test_split | folder | split
  std::string validationPath;             // for validation = folder
  double validationPercent = 10.0;        // for validation = split, (0, 90]
  std::int64_t trainLimit = 0;            // 0 = every training image
  std::int64_t validationLimit = 0;       // 0 = every validation image
  bool grayscale = false;                 // image folders: decode as grayscale
  // Image folders: decode every image once while scanning, so a damaged file is listed and
  // left out before training instead of being skipped (and counted) when a batch meets it.
  bool verifyImages = false;
};

struct TransformConfig {
  int inputSize = 32;   // 224 for ImageNet weights, 32 to train at CIFAR size
  int cropPadding = 4;  // random crop with this zero padding; 0 = off
  bool horizontalFlip = true;
  std::string normalization = "imagenet";  // imagenet | dataset
  // How an image becomes inputSize x inputSize:
  //   stretch  the whole image, resized to the input size (the CIFAR recipe; small data sets);
  //   weights  as torchvision prepares images for the architecture's published weights: the
  //            shorter side to inputSize * resize/crop (256/224 for most), keeping the aspect
  //            ratio, with the weights' interpolation, then a centre crop (a random crop when
  //            augmenting) of the input size;
  //   auto     weights when model.weights names published weights, else stretch.
  std::string preprocessing = "auto";
};

struct ModelConfig {
  std::string architecture = "resnet18";  // any of models::architectureNames()
  std::string weights = "none";           // none | imagenet | imagenet1k_v1/_v2 | .pt/.pth/.safetensors path
};

struct OptimConfig {
  std::string optimizer = "adam";  // adam | adamw | sgd
  double headLr = 1e-3;            // head (and whole model) before unfreezing
  double headLrAfterUnfreeze = 1e-4;
  double backboneLr = 1e-4;  // backbone after unfreezing
  double weightDecay = 1e-4;
  double momentum = 0.9;              // sgd
  bool nesterov = false;              // sgd
  std::string scheduler = "plateau";  // plateau | cosine | step | none
  double plateauFactor = 0.5;
  int plateauPatience = 2;
  int warmupEpochs = 0;    // cosine: linear warm-up epochs
  double minLr = 0.0;      // cosine: floor
  int stepSize = 10;       // step: epochs between decays
  double stepGamma = 0.1;  // step: decay factor
};

struct TrainConfig {
  int epochs = 40;
  int freezeEpochs = 5;          // 0 = never frozen
  bool freezeBatchNorm = false;  // hold BatchNorm in eval mode while frozen
  // Data-parallel runs (issue 16): BatchNorm normalises with the statistics of the whole global
  // batch (every rank's slice), as PyTorch's SyncBatchNorm, instead of each rank's own slice (as
  // DDP does by default). Nothing changes in one process.
  bool syncBatchNorm = false;
  // While frozen, compute the backbone's outputs once and train the head from them (needs
  // freezeBatchNorm; frozen epochs then see unaugmented images, as Teachable Machine does).
  bool featureCache = false;
  // Before each validation pass, re-estimate the running statistics of the BatchNorm layers that
  // trained from this many unaugmented training images (train/batchnorm_recalibration.h).
  // -1 = automatic: 512 when some such layer has a momentum below 0.1 (MobileNetV3), else 0.
  int recalibrateBatchNorm = -1;
  // Arithmetic of the forward and backward passes in every phase (issue 12): auto (bfloat16 on a
  // CPU with AMX or AVX512-BF16, float16 on CUDA, float32 otherwise) | float32 | bfloat16 |
  // float16 (CUDA only, with dynamic loss scaling). Weights, optimiser state, loss, checkpoints
  // and exports stay float32. Configs with the older train.frozen_precision still load.
  std::string precision = "auto";
  // Validation passes: "training" (the training precision) | "float32".
  std::string validationPrecision = "training";
  int batchSize = 64;
  int evalBatchSize = 256;
  std::uint64_t seed = 42;
  int workers = 2;   // data loader threads
  int prefetch = 4;  // batches ready ahead
};

struct DeviceConfig {
  std::string device = "cpu";  // cpu | cuda | cuda:N
  int threads = 0;             // CPU threads for LibTorch; 0 = every core
  // Flush denormal floats to zero (FTZ + DAZ) in every computing thread: on Intel CPUs each
  // denormal operand costs a microcode assist (issue 12). Off only to study their effect.
  bool flushDenormals = true;
};

struct OutputConfig {
  std::string runsDir = "runs";
  std::string name = "run";
};

struct RunConfig {
  DataConfig data;
  TransformConfig transform;
  ModelConfig model;
  OptimConfig optim;
  TrainConfig train;
  DeviceConfig device;
  OutputConfig output;
};

nlohmann::json toJson(const RunConfig& config);
// Throws ft::UserError naming the field (e.g. "train.batch_size") on an unknown key or a wrong type.
RunConfig fromJson(const nlohmann::json& json);
// Throws ft::UserError naming the field and the allowed range.
void validate(const RunConfig& config);

RunConfig loadConfigFile(const std::string& path);
void saveConfigFile(const RunConfig& config, const std::string& path);

}  // namespace ft::config
