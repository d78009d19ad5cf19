// finetune-cli: the headless front end of the training engine.
//   finetune-cli train [--config run.json] [flags]   fine-tune (flags override the file)
//   finetune-cli resume RUN_DIR                      continue an interrupted run
//   finetune-cli devices                             what LibTorch can train on
//   finetune-cli export RUN_DIR [--checkpoint best|last] [--output FILE] [--format pt|pth|safetensors|onnx]
//   finetune-cli predict --model FILE [--top-k 5] IMAGES...   classify image files with an export
//   finetune-cli evaluate RUN_DIR [--checkpoint best|last] [--cached] [--samples]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli_progress.h"
#include "common/error.h"
#include "config/run_config.h"
#include "api/results_api.h"
#include "api/studio_api.h"
#include "api/training_api.h"

namespace {

using ft::config::RunConfig;

constexpr int kExitFailed = 1;
constexpr int kExitStopped = 130;

std::atomic<bool> g_interrupted{false};
void onSignal(int) { g_interrupted = true; }

// A flag that, when given, overrides one field of the configuration (file or defaults).
class Overrides {
 public:
  Overrides(CLI::App* command, const RunConfig& defaults) : m_command(command), m_defaults(defaults) {}

  template <typename T>
  CLI::Option* add(const std::string& flag, T& (*field)(RunConfig&), const std::string& help) {
    auto value = std::make_shared<T>(field(m_defaults));
    CLI::Option* option = m_command->add_option(flag, *value, help)->capture_default_str();
    m_apply.push_back([option, value, field](RunConfig& config) {
      if (option->count() > 0) field(config) = *value;
    });
    return option;
  }

  CLI::Option* addSwitch(const std::string& flag, bool& (*field)(RunConfig&), bool setTo,
                         const std::string& help) {
    CLI::Option* option = m_command->add_flag(flag, help);
    m_apply.push_back([option, field, setTo](RunConfig& config) {
      if (option->count() > 0) field(config) = setTo;
    });
    return option;
  }

  void applyTo(RunConfig& config) const {
    for (const auto& apply : m_apply) apply(config);
  }

 private:
  CLI::App* m_command;
  RunConfig m_defaults;
  std::vector<std::function<void(RunConfig&)>> m_apply;
};

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
      "--arch", [](RunConfig& c) -> std::string& { return c.model.architecture; },
      "resnet18 | resnet34 | resnet50");
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
      "--feature-cache", [](RunConfig& c) -> bool& { return c.train.featureCache; }, true,
      "While frozen, compute the backbone's outputs once and train the head from them "
      "(needs --freeze-batchnorm; frozen epochs are not augmented)");
  o.add<std::string>(
      "--frozen-precision", [](RunConfig& c) -> std::string& { return c.train.frozenPrecision; },
      "Frozen backbone's forward pass: auto (bfloat16 on a CPU with AVX512-BF16) | "
      "float32 | bfloat16; head, loss and validation stay float32");
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
  o.add<std::string>(
      "--runs-dir", [](RunConfig& c) -> std::string& { return c.output.runsDir; },
      "Folder that holds run folders");
  o.add<std::string>(
      "--name", [](RunConfig& c) -> std::string& { return c.output.name; }, "Run name");
}

int runTrainer(ft::api::Trainer& trainer, bool json) {
  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);
  std::atomic<bool> done{false};
  // Signal handlers may only set a flag; this thread turns it into a clean stop request.
  std::thread watcher([&] {
    while (!done) {
      if (g_interrupted.exchange(false)) trainer.requestStop();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  const auto result = trainer.run();
  done = true;
  watcher.join();
  if (!json) {
    switch (result.status) {
      case ft::run::FinishStatus::Completed:
        std::fprintf(stderr, "Done: %s\n", result.message.c_str());
        break;
      case ft::run::FinishStatus::Stopped: std::fprintf(stderr, "%s\n", result.message.c_str()); break;
      case ft::run::FinishStatus::Failed: break;  // the observer printed the error already
    }
  }
  if (result.status == ft::run::FinishStatus::Completed) return 0;
  return result.status == ft::run::FinishStatus::Stopped ? kExitStopped : kExitFailed;
}

// `predict`: the top-k classes of each image with an exported model. Exit 1 when an image could
// not be read (the others are still printed).
int runPredict(const std::string& modelFile, const std::vector<std::string>& images, int topK, bool json) {
  if (topK < 1) throw ft::UserError("--top-k must be at least 1 (got " + std::to_string(topK) + ")");
  const auto predictions = ft::api::predictWithModel(modelFile, images, topK);
  int unreadable = 0;
  for (const auto& p : predictions) {
    unreadable += p.error.empty() ? 0 : 1;
    if (json) {
      nlohmann::json top = nlohmann::json::array();
      for (const auto& c : p.top)
        top.push_back({{"class", c.classIndex}, {"name", c.name}, {"probability", c.probability}});
      nlohmann::json line{{"event", "prediction"}, {"image", p.image}, {"top", top}};
      if (!p.error.empty()) line["error"] = p.error;
      std::printf("%s\n", line.dump().c_str());
      continue;
    }
    std::printf("%s\n", p.image.c_str());
    if (!p.error.empty()) std::printf("  error: %s\n", p.error.c_str());
    std::size_t width = 5;
    for (const auto& c : p.top) width = std::max(width, c.name.size());
    for (std::size_t rank = 0; rank < p.top.size(); ++rank)
      std::printf("  %2zu. %-*s %7.2f%%\n", rank + 1, int(width), p.top[rank].name.c_str(),
                  100.0 * p.top[rank].probability);
  }
  if (unreadable > 0 && !json)
    std::fprintf(stderr, "error: %d of %zu images could not be read (named above)\n", unreadable,
                 predictions.size());
  return unreadable > 0 ? kExitFailed : 0;
}

// `evaluate`: the confusion matrix and per-class report of a run's checkpoint on its validation
// set, evaluated now (and stored), or read back with --cached while the checkpoint is unchanged.
int runEvaluate(const std::string& runDir, const std::string& which, bool cached, bool samples, bool json) {
  std::optional<ft::api::EvaluationReport> report;
  if (cached) report = ft::api::readEvaluation(runDir, which);
  if (!report) {
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    const bool tty = !json && ::isatty(2) == 1;
    if (!json) std::fprintf(stderr, "Evaluating checkpoint %s of %s\n", which.c_str(), runDir.c_str());
    int shownPercent = -1;
    report = ft::api::evaluateRun(runDir, which, [&](std::int64_t done, std::int64_t total) {
      const int percent = total > 0 ? int(done * 100 / total) : 100;
      if (tty && percent != shownPercent) std::fprintf(stderr, "\r%3d%%", percent);
      shownPercent = percent;
      return !g_interrupted;
    });
    if (tty) std::fprintf(stderr, "\r");
    if (!json) std::fprintf(stderr, "Stored in %s\n", ft::api::evaluationPath(runDir, which).c_str());
  }
  if (json)
    std::printf("%s\n", ft::api::toJson(*report, samples).dump().c_str());
  else
    std::printf("%s", ft::api::formatEvaluationText(*report).c_str());
  return 0;
}

std::string minutesAndSeconds(double seconds) {
  const long total = long(seconds + 0.5);
  char text[32];
  if (total >= 3600)
    std::snprintf(text, sizeof text, "%ld h %02ld min", total / 3600, total / 60 % 60);
  else if (total >= 60)
    std::snprintf(text, sizeof text, "%ld min %02ld s", total / 60, total % 60);
  else
    std::snprintf(text, sizeof text, "%ld s", total);
  return text;
}

int runEstimate(const RunConfig& config, bool json) {
  const auto e = ft::api::estimateRun(config);
  if (json) {
    std::printf("%s\n", nlohmann::json{{"event", "estimate"},
                                       {"frozen_seconds_per_epoch", e.frozenSecondsPerEpoch},
                                       {"unfrozen_seconds_per_epoch", e.unfrozenSecondsPerEpoch},
                                       {"total_seconds", e.totalSeconds},
                                       {"batches_measured", e.batchesMeasured},
                                       {"busy_cores", e.busyCores},
                                       {"machine_busy", e.machineBusy}}
                            .dump()
                            .c_str());
    return 0;
  }
  std::printf("Per epoch (median of %d real batches per phase): frozen %s, unfrozen %s; the whole run "
              "(%d epochs, %d frozen) about %s\n",
              e.batchesMeasured, minutesAndSeconds(e.frozenSecondsPerEpoch).c_str(),
              minutesAndSeconds(e.unfrozenSecondsPerEpoch).c_str(), config.train.epochs,
              config.train.freezeEpochs, minutesAndSeconds(e.totalSeconds).c_str());
  if (e.machineBusy)
    std::printf("Measured while other programs kept about %.1f cores busy: the real run may be faster\n",
                e.busyCores);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"FineTune Studio command line: fine-tune pretrained image classifiers"};
  app.require_subcommand(1);

  bool json = false;
  app.add_flag("--json", json, "Print one JSON event per line on stdout");

  auto* train = app.add_subcommand("train", "Fine-tune a model (the seed's freeze-then-unfreeze recipe)");
  std::string configPath, runDir;
  train->add_option("--config", configPath, "Run configuration (JSON); flags override it")
      ->check(CLI::ExistingFile);
  train->add_option("--run-dir", runDir, "Exact run folder (default: runs/<timestamp>-<name>)");
  std::string saveConfigPath;
  train->add_option("--save-config", saveConfigPath, "Write the effective configuration here and exit");
  bool estimateOnly = false;
  train->add_flag("--estimate", estimateOnly,
                  "Time real batches of this configuration in both phases (2 warm-up batches, then the "
                  "median of 5), print the time per epoch and for the run, and exit; nothing is written");
  Overrides overrides(train, RunConfig{});
  addTrainFlags(overrides);

  auto* resume = app.add_subcommand("resume", "Continue an interrupted run from its folder");
  std::string resumeDir;
  resume->add_option("RUN_DIR", resumeDir, "Run folder")->required();

  auto* devices = app.add_subcommand("devices", "List the devices LibTorch can train on");

  auto* exportCommand = app.add_subcommand(
      "export",
      "Export a run's model (LibTorch .pt, torchvision .pth, .safetensors or ONNX .onnx) + metadata "
      ".json; the file is read back and checked on validation images before it takes its name");
  std::string exportDir, which = "best", outputPath, exportFormat;
  exportCommand->add_option("RUN_DIR", exportDir, "Run folder")->required();
  exportCommand->add_option("--checkpoint", which, "best | last")->capture_default_str();
  exportCommand->add_option("--output,-o", outputPath,
                            "Output file (default RUN_DIR/exports/model-<checkpoint>.<format extension>)");
  exportCommand->add_option("--format", exportFormat,
                            "pt (LibTorch archive) | pth (torch.load + torchvision load_state_dict) | "
                            "safetensors | onnx (opset 13, dynamic batch; OpenCV DNN, ONNX Runtime); "
                            "default: from the --output extension, else pt");

  auto* predictCommand = app.add_subcommand(
      "predict", "Classify image files with an exported model (.pt, .pth, .safetensors, .onnx), preprocessed "
                 "as the run's validation images; exit 1 if an image cannot be read");
  std::string predictModel;
  std::vector<std::string> predictImages;
  int predictTopK = 5;
  predictCommand
      ->add_option("--model,-m", predictModel,
                   "Exported model (a .pth/.safetensors needs its .json beside it)")
      ->required();
  predictCommand->add_option("--top-k,-k", predictTopK, "Classes shown per image")->capture_default_str();
  predictCommand->add_option("IMAGES", predictImages, "Image files (jpg, png, bmp, webp, tif)")->required();

  auto* evaluateCommand =
      app.add_subcommand("evaluate",
                         "Evaluate a run's checkpoint on its validation set: confusion matrix, per-class "
                         "precision/recall/F1, top-1/top-5 (stored in RUN_DIR/evaluation/)");
  std::string evaluateDir, evaluateWhich = "best";
  bool evaluateCached = false, evaluateSamples = false;
  evaluateCommand->add_option("RUN_DIR", evaluateDir, "Run folder")->required();
  evaluateCommand->add_option("--checkpoint", evaluateWhich, "best | last")->capture_default_str();
  evaluateCommand->add_flag("--cached", evaluateCached,
                            "Reuse the stored evaluation if the checkpoint has not changed since");
  evaluateCommand->add_flag("--samples", evaluateSamples,
                            "With --json: include every validation image's prediction");

  CLI11_PARSE(app, argc, argv);

  try {
    if (*devices) {
      ft::api::applyThreadCount(0);
      const auto report = ft::api::devices();
      if (json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& d : report.devices) out.push_back({{"id", d.id}, {"description", d.description}});
        std::printf("%s\n",
                    nlohmann::json{{"devices", out}, {"cuda_unavailable", report.cudaUnavailableReason}}
                        .dump()
                        .c_str());
      } else {
        for (const auto& d : report.devices) std::printf("%-8s %s\n", d.id.c_str(), d.description.c_str());
        if (!report.cudaUnavailableReason.empty())
          std::printf("CUDA unavailable: %s\n", report.cudaUnavailableReason.c_str());
      }
      return 0;
    }
    if (*evaluateCommand) {
      try {
        return runEvaluate(evaluateDir, evaluateWhich, evaluateCached, evaluateSamples, json);
      } catch (const ft::UserError&) {
        if (!g_interrupted) throw;
        std::fprintf(stderr, "\nEvaluation stopped; nothing stored\n");
        return kExitStopped;
      }
    }
    if (*predictCommand) return runPredict(predictModel, predictImages, predictTopK, json);
    if (*exportCommand) {
      if (outputPath.empty()) outputPath = ft::api::defaultExportPath(exportDir, which, exportFormat);
      const auto exported = ft::api::exportCheckpoint(exportDir, which, outputPath, exportFormat);
      std::printf("Exported %s (%zu classes, input %dx%d) to %s and %s; %s\n", exported.architecture.c_str(),
                  exported.classes, exported.inputSize, exported.inputSize, exported.modelFile.c_str(),
                  exported.metadataFile.c_str(), exported.verification.c_str());
      return 0;
    }
    ft::cli::ConsoleObserver observer(json);
    if (*resume) {
      auto trainer = ft::api::Trainer::resumeFrom(resumeDir, &observer);
      observer.setTotalEpochs(trainer->config().train.epochs);
      return runTrainer(*trainer, json);
    }
    RunConfig config = configPath.empty() ? RunConfig{} : ft::config::loadConfigFile(configPath);
    overrides.applyTo(config);
    ft::config::validate(config);
    if (estimateOnly) return runEstimate(config, json);
    if (!saveConfigPath.empty()) {
      ft::config::saveConfigFile(config, saveConfigPath);
      std::printf("Saved the configuration to %s\n", saveConfigPath.c_str());
      return 0;
    }
    observer.setTotalEpochs(config.train.epochs);
    ft::api::Trainer trainer(config, &observer, runDir);
    return runTrainer(trainer, json);
  } catch (const ft::UserError& e) {
    if (json) std::printf("%s\n", nlohmann::json{{"event", "error"}, {"message", e.what()}}.dump().c_str());
    std::fprintf(stderr, "error: %s\n", e.what());
    return kExitFailed;
  }
}
