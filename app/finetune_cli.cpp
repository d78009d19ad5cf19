// finetune-cli: the headless front end of the training engine.
//   finetune-cli --version                           the build (LibTorch, OpenCV) and the machine
//   finetune-cli train [--config run.json] [flags]   fine-tune (flags override the file)
//   finetune-cli resume RUN_DIR                      continue an interrupted run
//   finetune-cli devices                             what LibTorch can train on
//   finetune-cli export RUN_DIR [--checkpoint best|last] [--output FILE] [--format pt|pth|safetensors|onnx]
//   finetune-cli predict --model FILE [--top-k 5] IMAGES...   classify image files with an export
//   finetune-cli evaluate RUN_DIR [--checkpoint best|last] [--cached] [--samples]
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "api/about_api.h"
#include "api/launch_api.h"
#include "api/studio_api.h"
#include "api/training_api.h"
#include "cli_commands.h"
#include "cli_flags.h"
#include "cli_progress.h"
#include "common/error.h"
#include "config/run_config.h"

using ft::cli::addTrainFlags;
using ft::cli::g_interrupted;
using ft::cli::kExitFailed;
using ft::cli::kExitStopped;
using ft::cli::Overrides;
using ft::cli::runEstimate;
using ft::cli::runEvaluate;
using ft::cli::runPredict;
using ft::cli::runTrainer;
using ft::config::RunConfig;

int main(int argc, char** argv) {
  // A file-size limit (ulimit -f) makes writes fail with EFBIG, reported like a full disk,
  // instead of killing the process with SIGXFSZ mid-write.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"FineTune Studio command line: fine-tune pretrained image classifiers"};
  app.require_subcommand(1);
  app.set_version_flag("--version", [] {
    std::string text = ft::api::versionText(ft::api::buildInfo(), ft::api::machineInfo());
    if (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  });

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

  // Data-parallel training on this machine (issue 16); torchrun and srun set the ranks themselves.
  ft::api::LaunchOptions launch;
  launch.processes = 1;
  for (CLI::App* command : {train, resume}) {
    command
        ->add_option("--nproc", launch.processes,
                     "Train with this many processes on this machine, each on a slice of every batch "
                     "(data-parallel, Gloo on 127.0.0.1): the same model as one process")
        ->check(CLI::Range(1, 256));
    command
        ->add_option("--master-port", launch.masterPort, "With --nproc: the rendezvous port (0 = a free one)")
        ->check(CLI::Range(0, 65535));
    command
        ->add_option("--dist-timeout", launch.timeoutSeconds,
                     "Seconds a rank waits for the others before it ends the run (rendezvous, every step)")
        ->check(CLI::Range(1, 86400));
  }

  auto* devices = app.add_subcommand("devices", "List the devices LibTorch can train on");

  auto* modelsCommand =
      app.add_subcommand("models", "List the architectures with their model cards and ImageNet weights");

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
        const auto& cpu = ft::api::cpuFeatures();
        const nlohmann::json features = {{"avx512_bf16", cpu.avx512Bf16},
                                         {"amx_bf16", cpu.amxBf16},
                                         {"amx_granted", cpu.amxGranted},
                                         {"native_bfloat16", cpu.nativeBf16()},
                                         {"bfloat16", cpu.bf16Summary()}};
        std::printf("%s\n", nlohmann::json{{"devices", out},
                                           {"cpu", features},
                                           {"cuda_unavailable", report.cudaUnavailableReason}}
                                .dump()
                                .c_str());
      } else {
        for (const auto& d : report.devices) std::printf("%-8s %s\n", d.id.c_str(), d.description.c_str());
        if (!report.cudaUnavailableReason.empty())
          std::printf("CUDA unavailable: %s\n", report.cudaUnavailableReason.c_str());
      }
      return 0;
    }
    if (*modelsCommand) return ft::cli::printModels(json);
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
    // --nproc N: this process starts and supervises N ranks of itself, which train.
    auto launchRanks = [&] {
      return ft::api::launchLocalRanks(std::vector<std::string>(argv, argv + argc), launch);
    };
    const bool launcher = launch.processes > 1 && !ft::api::launchedAsRank();
    if (*resume && launcher) return launchRanks();
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
    if (launcher) return launchRanks();  // the configuration is checked once, here
    observer.setTotalEpochs(config.train.epochs);
    ft::api::Trainer trainer(config, &observer, runDir);
    return runTrainer(trainer, json);
  } catch (const ft::UserError& e) {
    if (json) std::printf("%s\n", nlohmann::json{{"event", "error"}, {"message", e.what()}}.dump().c_str());
    std::fprintf(stderr, "error: %s\n", e.what());
    return kExitFailed;
  }
}
