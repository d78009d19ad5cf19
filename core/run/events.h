#pragma once
// What the trainer reports while it runs. Plain values, no tensors: a GUI can queue them
// across threads, the CLI prints them, a script reads them as JSON lines.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace ft::run {

enum class Phase { Frozen, Unfrozen };
std::string phaseName(Phase phase);  // "frozen" | "unfrozen"

struct IterationEvent {
  int epoch = 0;               // 0-based
  std::int64_t iteration = 0;  // global, 1-based (the seed's iter index)
  std::int64_t batch = 0;      // 1-based within the epoch
  std::int64_t batchesPerEpoch = 0;
  double loss = 0.0;
  std::vector<double> learningRates;  // one per parameter group: head, backbone
  double imagesPerSecond = 0.0;       // over the epoch so far
  double epochSeconds = 0.0;          // training seconds of this epoch so far
};

struct EpochEvent {
  int epoch = 0;  // 0-based
  int epochs = 0;
  Phase phase = Phase::Unfrozen;
  double trainLoss = 0.0;
  double trainAccuracy = 0.0;  // percent
  double validationLoss = 0.0;
  double validationAccuracy = 0.0;  // percent
  double seconds = 0.0;             // whole epoch: training + evaluation
  double trainSeconds = 0.0;
  double imagesPerSecond = 0.0;       // training images per second
  std::vector<double> learningRates;  // at the end of the epoch, after the scheduler
  bool best = false;                  // best validation accuracy so far
  // The arithmetic the validation pass ran in: "float32" | "bfloat16" | "float16".
  std::string validationPrecision = "float32";
};

struct PhaseEvent {
  int epoch = 0;
  Phase phase = Phase::Unfrozen;
  std::int64_t frozenParameters = 0;
  std::int64_t totalParameters = 0;
  std::vector<double> learningRates;
};

enum class LogLevel { Info, Warning, Error };

struct LogEvent {
  LogLevel level = LogLevel::Info;
  std::string message;
};

enum class FinishStatus { Completed, Stopped, Failed };

struct FinishedEvent {
  FinishStatus status = FinishStatus::Completed;
  std::string message;  // the error for Failed
  std::string runDir;
  int epochsCompleted = 0;
  double bestValidationAccuracy = 0.0;
  int bestEpoch = -1;  // 0-based, -1 if none
  double finalValidationAccuracy = 0.0;
  int rank = 0;  // data-parallel runs (issue 16): the rank that finished; rank 0 reports the run
};

nlohmann::json toJson(const IterationEvent& event);
nlohmann::json toJson(const EpochEvent& event);
nlohmann::json toJson(const PhaseEvent& event);
nlohmann::json toJson(const LogEvent& event);
nlohmann::json toJson(const FinishedEvent& event);

}  // namespace ft::run
