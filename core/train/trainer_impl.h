#pragma once
// The trainer's private state (train/trainer.h's pimpl), shared by trainer.cpp (the epoch loop)
// and trainer_setup.cpp (the set-up steps). Not included outside core/train.
#include "train/trainer.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "data/data_source.h"
#include "data/loader.h"
#include "data/transforms.h"
#include "distributed/communicator.h"
#include "models/batch_norm.h"
#include "models/classifier.h"
#include "run/evaluation_report.h"
#include "run/metrics_file.h"
#include "run/run_folder.h"
#include "run/run_lock.h"
#include "train/batch_source.h"
#include "train/feature_cache.h"
#include "train/loss_scaler.h"
#include "train/lr_schedule.h"
#include "train/precision.h"

namespace ft::train {

using run::EpochEvent;
using run::FinishedEvent;
using run::FinishStatus;
using run::IterationEvent;
using run::LogLevel;
using run::Phase;
using run::RunPaths;

using Clock = std::chrono::steady_clock;

inline double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Running sums of the epoch in progress; part of the checkpoint so a resumed epoch reports
// the same figures as an uninterrupted one.
struct EpochProgress {
  std::int64_t batch = 0;  // batches done in this epoch
  double lossSum = 0.0;
  std::int64_t correct = 0;
  std::int64_t seen = 0;
  double trainSeconds = 0.0;

  nlohmann::json toJson() const {
    return {{"batch", batch},
            {"loss_sum", lossSum},
            {"correct", correct},
            {"seen", seen},
            {"train_seconds", trainSeconds}};
  }
  static EpochProgress fromJson(const nlohmann::json& j) {
    EpochProgress p;
    p.batch = j.at("batch");
    p.lossSum = j.at("loss_sum");
    p.correct = j.at("correct");
    p.seen = j.at("seen");
    p.trainSeconds = j.at("train_seconds");
    return p;
  }
};

struct Trainer::Impl {
  config::RunConfig config;
  TrainingObserver* observer;
  std::string requestedDir;
  bool resuming = false;
  std::optional<RunPaths> paths;
  std::unique_ptr<run::RunLock> runLock;  // held from opening or creating the folder to the end
  mutable std::mutex runDirMutex;         // runDir() may be called from any thread
  std::string runDirText;

  void setPaths(const std::string& dir) {
    paths.emplace(dir);
    std::lock_guard<std::mutex> lock(runDirMutex);
    runDirText = dir;
  }

  // Data-parallel training (issue 16): the other ranks, when the launcher started several.
  // Rank 0 (the leader) alone writes the run folder and reports events; every rank computes
  // its slice of each global batch, and the gradients and metrics are summed across ranks.
  std::unique_ptr<distributed::Communicator> comm;
  bool leader() const { return !comm || comm->rank() == 0; }
  void connectRanks();
  // train.sync_batchnorm with several ranks: in the training forward pass (under a
  // models::SyncBatchNormScope) BatchNorm normalises with the whole global batch's statistics,
  // summed across ranks through this.
  std::shared_ptr<models::BatchStatsReducer> statsReducer;
  void enableSyncBatchNorm();
  // This rank's rows of a global batch (all of it in one process).
  SourceBatch localPart(const SourceBatch& batch) const;
  // Sums `values` across ranks in place (nothing in one process).
  void sumAcrossRanks(std::vector<double>& values);
  // Rank 0's run folder, given to the others.
  void shareRunFolder();

  std::atomic<bool> stopRequested{false};
  std::atomic<bool> paused{false};
  std::mutex pauseMutex;
  std::condition_variable pauseChanged;

  std::shared_ptr<spdlog::logger> logger;
  torch::Device device{torch::kCPU};
  data::OpenedData data;
  data::TransformOptions evalTransform;
  models::Classifier model{nullptr};
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  std::unique_ptr<data::BatchLoader> trainLoader, validationLoader;
  std::unique_ptr<BatchSource> trainBatches, validationBatches;  // the loaders, on the device
  // Frozen phase with train.feature_cache: the backbone's outputs, computed once (issue 6).
  data::LoaderOptions featureCacheOptions;
  CachedFeatures trainCache, validationCache;
  // train.precision and train.validation_precision, resolved for the device (issue 12).
  TrainingPrecision precision;
  std::optional<LossScaler> lossScaler;  // float16 only
  bool cachedEpoch(int forEpoch) const {
    return config.train.featureCache && forEpoch < config.train.freezeEpochs;
  }
  std::unique_ptr<LrSchedule> schedule;
  std::unique_ptr<run::MetricsWriter> metrics;

  // Trainer state (saved in checkpoints).
  int epoch = 0;               // epoch in progress (0-based)
  std::int64_t iteration = 0;  // global iterations done
  EpochProgress progress;
  double bestAccuracy = -1.0;
  int bestEpoch = -1;
  double lastAccuracy = 0.0;
  int epochsCompleted = 0;

  // Lines logged before the run folder exists wait here for log.txt.
  std::vector<std::pair<spdlog::level::level_enum, std::string>> pendingLog;

  void log(LogLevel level, const std::string& message) {
    const auto spdLevel = level == LogLevel::Error     ? spdlog::level::err
                          : level == LogLevel::Warning ? spdlog::level::warn
                                                       : spdlog::level::info;
    if (!leader()) {  // the leader reports; another rank's own failure still reaches its front end
      if (observer && level == LogLevel::Error) observer->onLog({level, message});
      return;
    }
    if (logger)
      logger->log(spdLevel, message);
    else
      pendingLog.emplace_back(spdLevel, message);
    if (observer) observer->onLog({level, message});
  }

  nlohmann::json state() const {
    return {{"format", 1},
            {"epoch", epoch},
            {"iteration", iteration},
            {"epoch_progress", progress.toJson()},
            {"best_accuracy", bestAccuracy},
            {"best_epoch", bestEpoch},
            {"last_accuracy", lastAccuracy},
            {"epochs_completed", epochsCompleted},
            {"schedule", schedule->state()},
            {"architecture", config.model.architecture},
            {"class_names", data.classNames},
            {"mean", evalTransform.mean},
            {"std", evalTransform.std},
            {"input_size", evalTransform.inputSize},
            {"resize_size", evalTransform.resizeSize},
            {"interpolation", data::interpolationName(evalTransform.interpolation)},
            {"precision", precisionName(precision.training)},
            {"loss_scaler", lossScaler ? lossScaler->state() : nlohmann::json()},
            {"first_validation_loss", firstValidationLoss},
            {"exploded_epochs", explodedEpochs}};
  }

  void restoreState(const nlohmann::json& s) {
    epoch = s.at("epoch");
    iteration = s.at("iteration");
    progress = EpochProgress::fromJson(s.at("epoch_progress"));
    bestAccuracy = s.at("best_accuracy");
    bestEpoch = s.at("best_epoch");
    lastAccuracy = s.at("last_accuracy");
    epochsCompleted = s.at("epochs_completed");
    schedule->restore(s.at("schedule"));
    // A run resumed in another precision starts a fresh scale (or none).
    if (lossScaler && s.contains("loss_scaler") && s.at("loss_scaler").is_object())
      lossScaler->restore(s.at("loss_scaler"));
    // Checkpoints written before issue 14 have neither: the watch starts again.
    if (s.contains("first_validation_loss") && s.at("first_validation_loss").is_number())
      firstValidationLoss = s.at("first_validation_loss");
    if (s.contains("exploded_epochs") && s.at("exploded_epochs").is_number_integer())
      explodedEpochs = s.at("exploded_epochs");
  }

  std::vector<double> applyRates() {
    const auto rates = schedule->rates();
    auto& groups = optimizer->param_groups();
    for (std::size_t g = 0; g < groups.size() && g < rates.size(); ++g) groups[g].options().set_lr(rates[g]);
    return rates;
  }

  void setUp();
  void openRunFolderForResume();
  void openData();
  data::TransformOptions makeTransforms();
  void buildModel();
  void loadStartingWeights();
  void makeLoaders(const data::TransformOptions& trainTransform);
  void logRunSummary(int threads);
  void createRunFolderForNewRun();
  void restoreOrStartMetrics();

  void setPhase(int forEpoch, bool announce);
  bool ensureTrainCache();
  bool waitWhilePaused(double& pausedSeconds);
  torch::Tensor logits(const SourceBatch& batch, bool training);
  bool trainEpoch();  // false when stopped mid-epoch
  // Logs each image the loaders could not decode, once; throws ft::UserError listing them when
  // there are more than the run tolerates (1% of the training images, at least 10).
  void reportSkippedImages();
  std::set<std::string> skippedImages;
  bool singleBatchLogged = false;
  // Divergence that stays finite (Adam at a huge learning rate): the first epoch's validation
  // loss, and how many epochs in a row were far above it.
  double firstValidationLoss = -1.0;
  int explodedEpochs = 0;
  // Throws ft::UserError when the validation loss is not finite, or has been above
  // max(10 x chance level, 10) for two epochs in a row.
  void checkValidationLoss(const EpochEvent& event);
  void recalibrateBatchNorm();  // before evaluate(), when train.recalibrate_batchnorm asks
  bool recalibrationLogged = false;
  std::pair<double, double> evaluate();
  EpochEvent endEpoch(double validationLoss, double validationAccuracy, double evaluationSeconds);
  void saveLast();
  void evaluateCheckpoints();
  // The final epoch's validation pass, kept as the evaluation of last.ckpt.
  std::optional<run::EvaluationReport> finalEvaluation;
  FinishedEvent finish(FinishStatus status, const std::string& message);
};

}  // namespace ft::train
