#include "cli_flags.h"

#include "api/studio_api.h"

#include <cstdint>

namespace ft::cli {

void addTrainFlags(Overrides& o) {
  o.add<std::string>(
      "--data", [](RunConfig& c) -> std::string& { return c.data.path; },
      "Data set folder (IDX files, CIFAR-10 binary, or <root>/<class>/images)");
  o.add<std::string>(
      "--format", [](RunConfig& c) -> std::string& { return c.data.format; },
      "auto | idx | cifar10 | folder");
  o.add<std::string>(
      "--validation", [](RunConfig& c) -> std::string& { return c.data.validation; },
      "test_split | folder | split");
  o.add<std::string>(
      "--validation-path", [](RunConfig& c) -> std::string& { return c.data.validationPath; },
      "Validation image folder (with --validation folder)");
  o.add<double>(
      "--validation-percent", [](RunConfig& c) -> double& { return c.data.validationPercent; },
      "Percent held out (with --validation split)");
  o.add<std::int64_t>(
      "--train-limit", [](RunConfig& c) -> std::int64_t& { return c.data.trainLimit; },
      "Use a stratified subset of this many training images (0 = all)");
  o.add<std::int64_t>(
      "--validation-limit", [](RunConfig& c) -> std::int64_t& { return c.data.validationLimit; },
      "Use a stratified subset of this many validation images (0 = all)");
  o.addSwitch(
      "--grayscale", [](RunConfig& c) -> bool& { return c.data.grayscale; }, true,
      "Decode image folders as grayscale");
  o.addSwitch(
      "--verify-images", [](RunConfig& c) -> bool& { return c.data.verifyImages; }, true,
      "Decode every image of a folder once before training: damaged files are listed and left out");
  o.add<int>(
      "--input-size", [](RunConfig& c) -> int& { return c.transform.inputSize; },
      "Model input size in pixels (224 for ImageNet weights, 32 at CIFAR size)");
  o.add<int>(
      "--crop-padding", [](RunConfig& c) -> int& { return c.transform.cropPadding; },
      "Random crop padding in pixels (0 = no random crop)");
  o.addSwitch(
      "--no-flip", [](RunConfig& c) -> bool& { return c.transform.horizontalFlip; }, false,
      "No random horizontal flip");
  o.add<std::string>(
      "--normalization", [](RunConfig& c) -> std::string& { return c.transform.normalization; },
      "imagenet | dataset");
  o.add<std::string>(
      "--preprocessing", [](RunConfig& c) -> std::string& { return c.transform.preprocessing; },
      "auto | stretch (whole image to the input size) | weights (resize, centre crop as the weights)");
  o.add<std::string>(
      "--arch", [](RunConfig& c) -> std::string& { return c.model.architecture; },
      [] {
        std::string names;
        for (const auto& name : api::architectures()) names += (names.empty() ? "" : " | ") + name;
        return names;
      }());
  o.add<std::string>(
      "--weights", [](RunConfig& c) -> std::string& { return c.model.weights; },
      "none | imagenet (torchvision's ImageNet weights, downloaded once and cached; "
      "imagenet1k_v2 for ResNet-50's V2) | PATH: a .pth state dict, a .safetensors "
      "file, or a .pt exported by a previous run (the head is replaced when the class "
      "count differs)");
  o.add<std::string>(
      "--optimizer", [](RunConfig& c) -> std::string& { return c.optim.optimizer; }, "adam | adamw | sgd");
  o.add<double>(
      "--head-lr", [](RunConfig& c) -> double& { return c.optim.headLr; },
      "Learning rate of the head (and of everything before unfreezing)");
  o.add<double>(
      "--head-lr-after-unfreeze", [](RunConfig& c) -> double& { return c.optim.headLrAfterUnfreeze; },
      "Head learning rate once the backbone is unfrozen");
  o.add<double>(
      "--backbone-lr", [](RunConfig& c) -> double& { return c.optim.backboneLr; },
      "Backbone learning rate once unfrozen");
  o.add<double>(
      "--weight-decay", [](RunConfig& c) -> double& { return c.optim.weightDecay; }, "Weight decay");
  o.add<double>(
      "--momentum", [](RunConfig& c) -> double& { return c.optim.momentum; }, "SGD momentum");
  o.addSwitch(
      "--nesterov", [](RunConfig& c) -> bool& { return c.optim.nesterov; }, true,
      "SGD with Nesterov momentum");
  o.add<std::string>(
      "--scheduler", [](RunConfig& c) -> std::string& { return c.optim.scheduler; },
      "plateau | cosine | step | none");
  o.add<int>(
      "--warmup-epochs", [](RunConfig& c) -> int& { return c.optim.warmupEpochs; },
      "Cosine: linear warm-up epochs");
  o.add<int>(
      "--epochs", [](RunConfig& c) -> int& { return c.train.epochs; }, "Epochs in all");
  o.add<int>(
      "--freeze-epochs", [](RunConfig& c) -> int& { return c.train.freezeEpochs; },
      "Epochs with the backbone frozen (0 = never)");
  o.addSwitch(
      "--freeze-batchnorm", [](RunConfig& c) -> bool& { return c.train.freezeBatchNorm; }, true,
      "Hold BatchNorm statistics while the backbone is frozen");
  o.addSwitch(
      "--sync-batchnorm", [](RunConfig& c) -> bool& { return c.train.syncBatchNorm; }, true,
      "With several ranks: BatchNorm normalises with the whole batch's statistics (all ranks), as "
      "PyTorch's SyncBatchNorm, not each rank's slice; the same model as one process");
  o.addSwitch(
      "--feature-cache", [](RunConfig& c) -> bool& { return c.train.featureCache; }, true,
      "While frozen, compute the backbone's outputs once and train the head from them "
      "(needs --freeze-batchnorm; frozen epochs are not augmented)");
  o.add<int>(
      "--recalibrate-batchnorm", [](RunConfig& c) -> int& { return c.train.recalibrateBatchNorm; },
      "Before each validation, re-estimate the statistics of the BatchNorm layers that trained from "
      "this many training images: -1 = automatic (512 for models whose BatchNorm momentum is below "
      "0.1, such as MobileNetV3), 0 = never");
  o.add<std::string>(
      "--precision", [](RunConfig& c) -> std::string& { return c.train.precision; },
      "Training arithmetic in every phase: auto (bfloat16 on a CPU with AMX or AVX512-BF16, "
      "float16 on CUDA) | float32 | bfloat16 | float16 (CUDA); weights and checkpoints stay float32");
  o.add<std::string>(
      "--validation-precision", [](RunConfig& c) -> std::string& { return c.train.validationPrecision; },
      "Validation passes: training (the training precision) | float32");
  o.add<int>(
      "--batch-size", [](RunConfig& c) -> int& { return c.train.batchSize; }, "Training batch size");
  o.add<int>(
      "--eval-batch-size", [](RunConfig& c) -> int& { return c.train.evalBatchSize; },
      "Validation batch size");
  o.add<std::uint64_t>(
      "--seed", [](RunConfig& c) -> std::uint64_t& { return c.train.seed; }, "Random seed");
  o.add<int>(
      "--workers", [](RunConfig& c) -> int& { return c.train.workers; }, "Data loader threads");
  o.add<std::string>(
      "--device", [](RunConfig& c) -> std::string& { return c.device.device; }, "cpu | cuda | cuda:N");
  o.add<int>(
      "--threads", [](RunConfig& c) -> int& { return c.device.threads; },
      "CPU threads for LibTorch (0 = every core)");
  o.addSwitch(
      "--no-flush-denormals", [](RunConfig& c) -> bool& { return c.device.flushDenormals; }, false,
      "Keep denormal floats (by default they are flushed to zero in every computing thread: on "
      "Intel CPUs each costs a microcode assist)");
  o.add<std::string>(
      "--runs-dir", [](RunConfig& c) -> std::string& { return c.output.runsDir; },
      "Folder that holds run folders");
  o.add<std::string>(
      "--name", [](RunConfig& c) -> std::string& { return c.output.name; }, "Run name");
}

}  // namespace ft::cli
