#include "run/events.h"

#include <nlohmann/json.hpp>

namespace ft::run {

std::string phaseName(Phase phase) { return phase == Phase::Frozen ? "frozen" : "unfrozen"; }

namespace {
const char* statusName(FinishStatus s) {
  switch (s) {
    case FinishStatus::Completed: return "completed";
    case FinishStatus::Stopped: return "stopped";
    case FinishStatus::Failed: return "failed";
  }
  return "failed";
}
const char* levelName(LogLevel l) {
  switch (l) {
    case LogLevel::Info: return "info";
    case LogLevel::Warning: return "warning";
    case LogLevel::Error: return "error";
  }
  return "info";
}
}  // namespace

nlohmann::json toJson(const IterationEvent& e) {
  return {{"event", "iteration"},           {"epoch", e.epoch + 1},
          {"iteration", e.iteration},       {"batch", e.batch},
          {"batches", e.batchesPerEpoch},   {"loss", e.loss},
          {"lr", e.learningRates},          {"images_per_second", e.imagesPerSecond},
          {"epoch_seconds", e.epochSeconds}};
}

nlohmann::json toJson(const EpochEvent& e) {
  return {{"event", "epoch"},
          {"epoch", e.epoch + 1},
          {"epochs", e.epochs},
          {"phase", phaseName(e.phase)},
          {"train_loss", e.trainLoss},
          {"train_accuracy", e.trainAccuracy},
          {"val_loss", e.validationLoss},
          {"val_accuracy", e.validationAccuracy},
          {"val_precision", e.validationPrecision},
          {"seconds", e.seconds},
          {"train_seconds", e.trainSeconds},
          {"images_per_second", e.imagesPerSecond},
          {"lr", e.learningRates},
          {"best", e.best}};
}

nlohmann::json toJson(const PhaseEvent& e) {
  return {{"event", "phase"},
          {"epoch", e.epoch + 1},
          {"phase", phaseName(e.phase)},
          {"frozen_parameters", e.frozenParameters},
          {"total_parameters", e.totalParameters},
          {"lr", e.learningRates}};
}

nlohmann::json toJson(const LogEvent& e) {
  return {{"event", "log"}, {"level", levelName(e.level)}, {"message", e.message}};
}

nlohmann::json toJson(const FinishedEvent& e) {
  return {{"event", "finished"},
          {"status", statusName(e.status)},
          {"message", e.message},
          {"run_dir", e.runDir},
          {"epochs_completed", e.epochsCompleted},
          {"best_val_accuracy", e.bestValidationAccuracy},
          {"best_epoch", e.bestEpoch + 1},
          {"final_val_accuracy", e.finalValidationAccuracy}};
}

}  // namespace ft::run
