#include "train/trainer.h"

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <iomanip>
#include <filesystem>
#include <mutex>
#include <optional>
#include <sstream>

#include <spdlog/spdlog.h>

#include "common/error.h"
#include "data/data_source.h"
#include "data/loader.h"
#include "data/stats.h"
#include "export/model_export.h"
#include "models/resnet.h"
#include "run/checkpoint.h"
#include "train/batch_source.h"
#include "train/device.h"
#include "train/device_select.h"
#include "train/feature_cache.h"
#include "train/frozen_precision.h"
#include "train/fused_adam.h"
#include "train/evaluate_model.h"
#include "train/lr_schedule.h"
#include "run/metrics_file.h"
#include "run/run_folder.h"
#include "weights/official_weights.h"

namespace ft::train {

using run::EpochEvent;
using run::FinishedEvent;
using run::FinishStatus;
using run::IterationEvent;
using run::LogLevel;
using run::Phase;
using run::RunPaths;

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string withThousands(std::int64_t value) {
  std::string digits = std::to_string(value), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const config::OptimConfig& c,
                                                       models::ResNet& model) {
  std::vector<torch::optim::OptimizerParamGroup> groups;
  auto head = model->headParameters();
  auto backbone = model->backboneParameters();
  if (c.optimizer == "sgd") {
    torch::optim::SGDOptions options(c.headLr);
    options.momentum(c.momentum).weight_decay(c.weightDecay).nesterov(c.nesterov);
    groups.emplace_back(head, std::make_unique<torch::optim::SGDOptions>(options));
    groups.emplace_back(backbone, std::make_unique<torch::optim::SGDOptions>(options));
    return std::make_unique<torch::optim::SGD>(std::move(groups), options);
  }
  // Adam and AdamW: the one-pass update (train/fused_adam.h), the same rule and state as
  // torch::optim::Adam/AdamW at about half the cost of their step.
  torch::optim::AdamOptions options(c.headLr);
  options.weight_decay(c.weightDecay);
  groups.emplace_back(head, std::make_unique<torch::optim::AdamOptions>(options));
  groups.emplace_back(backbone, std::make_unique<torch::optim::AdamOptions>(options));
  return std::make_unique<FusedAdam>(std::move(groups), options, c.optimizer == "adamw");
}

// "Epoch 2/40 (frozen) | train loss 0.6931 | train acc 75.00% | val loss ... | 12.3 s, 800 img/s,
// waited 0.1 s for data": the log's line per epoch.
std::string epochLine(const run::EpochEvent& event, double waitedSeconds) {
  std::ostringstream line;
  line.setf(std::ios::fixed);
  line.precision(4);
  line << "Epoch " << event.epoch + 1 << "/" << event.epochs << " (" << run::phaseName(event.phase)
       << ") | train loss " << event.trainLoss << " | train acc ";
  line.precision(2);
  line << event.trainAccuracy << "% | val loss ";
  line.precision(4);
  line << event.validationLoss << " | val acc ";
  line.precision(2);
  line << event.validationAccuracy << "% | " << event.seconds << " s, " << std::setprecision(0)
       << event.imagesPerSecond << " img/s, waited " << std::setprecision(1) << waitedSeconds << " s for data";
  return line.str();
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
    return {{"batch", batch}, {"loss_sum", lossSum}, {"correct", correct}, {"seen", seen},
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

}  // namespace

struct Trainer::Impl {
  config::RunConfig config;
  TrainingObserver* observer;
  std::string requestedDir;
  bool resuming = false;
  std::optional<RunPaths> paths;
  mutable std::mutex runDirMutex;  // runDir() may be called from any thread
  std::string runDirText;

  void setPaths(const std::string& dir) {
    paths.emplace(dir);
    std::lock_guard<std::mutex> lock(runDirMutex);
    runDirText = dir;
  }

  std::atomic<bool> stopRequested{false};
  std::atomic<bool> paused{false};
  std::mutex pauseMutex;
  std::condition_variable pauseChanged;

  std::shared_ptr<spdlog::logger> logger;
  torch::Device device{torch::kCPU};
  data::OpenedData data;
  data::TransformOptions evalTransform;
  models::ResNet model{nullptr};
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  std::unique_ptr<data::BatchLoader> trainLoader, validationLoader;
  std::unique_ptr<BatchSource> trainBatches, validationBatches;  // the loaders, on the device
  // Frozen phase with train.feature_cache: the backbone's outputs, computed once (issue 6).
  data::LoaderOptions featureCacheOptions;
  CachedFeatures trainCache, validationCache;
  // Frozen backbone's forward in bfloat16 (train.frozen_precision, resolved for the device).
  bool bf16Frozen = false;
  std::string pendingPrecisionLine;  // why bfloat16 or not, logged with the run summary
  bool cachedEpoch(int forEpoch) const {
    return config.train.featureCache && forEpoch < config.train.freezeEpochs;
  }
  std::unique_ptr<LrSchedule> schedule;
  std::unique_ptr<run::MetricsWriter> metrics;

  // Trainer state (saved in checkpoints).
  int epoch = 0;                  // epoch in progress (0-based)
  std::int64_t iteration = 0;     // global iterations done
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
    if (logger) logger->log(spdLevel, message);
    else pendingLog.emplace_back(spdLevel, message);
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
            {"input_size", evalTransform.inputSize}};
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
  }

  std::vector<double> applyRates() {
    const auto rates = schedule->rates();
    auto& groups = optimizer->param_groups();
    for (std::size_t g = 0; g < groups.size() && g < rates.size(); ++g)
      groups[g].options().set_lr(rates[g]);
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
  std::pair<double, double> evaluate();
  EpochEvent endEpoch(double validationLoss, double validationAccuracy, double evaluationSeconds);
  void saveLast();
  void evaluateCheckpoints();
  // The final epoch's validation pass, kept as the evaluation of last.ckpt.
  std::optional<run::EvaluationReport> finalEvaluation;
  FinishedEvent finish(FinishStatus status, const std::string& message);
};

// Set-up, in the order a bad input should be found: config, device, data, model and weights,
// loaders; only then is the run folder created (or opened, when resuming), so a run that cannot
// start leaves nothing behind.
void Trainer::Impl::setUp() {
  config::validate(config);
  device = resolveDevice(config.device.device);
  const int threads = applyThreadCount(config.device.threads);
  if (resuming) openRunFolderForResume();
  openData();
  const auto trainTransform = makeTransforms();
  buildModel();
  makeLoaders(trainTransform);
  logRunSummary(threads);
  if (!resuming) createRunFolderForNewRun();
  restoreOrStartMetrics();
}

void Trainer::Impl::openRunFolderForResume() {
  setPaths(requestedDir);
  logger = run::makeRunLogger(paths->log);
  log(LogLevel::Info, "Resuming run in " + paths->dir);
}

void Trainer::Impl::openData() {
  data = data::openData(config.data, config.train.seed);
  log(LogLevel::Info, data.description);
  for (const auto& warning : data.report.warnings)
    log(LogLevel::Warning, warning.path + ": " + warning.message);
}

// The training transform (augmenting when configured); the validation one (evalTransform) is
// the same without augmentation. "dataset" normalisation measures the training images.
data::TransformOptions Trainer::Impl::makeTransforms() {
  const auto& c = config;
  data::TransformOptions transform;
  transform.inputSize = c.transform.inputSize;
  transform.cropPadding = c.transform.cropPadding;
  transform.horizontalFlip = c.transform.horizontalFlip;
  if (c.transform.normalization == "dataset") {
    const auto stats = data::computeChannelStats(data.train, 2000, c.train.seed, c.transform.inputSize);
    transform.mean = stats.mean;
    transform.std = stats.std;
  }
  evalTransform = transform;
  evalTransform.augment = false;
  transform.augment = c.transform.cropPadding > 0 || c.transform.horizontalFlip;
  return transform;
}

void Trainer::Impl::buildModel() {
  const auto& c = config;
  torch::manual_seed(c.train.seed);
  model = models::ResNet(models::parseArchitecture(c.model.architecture), int(data.classNames.size()));
  if (c.model.weights != "none" && !resuming) loadStartingWeights();  // a resumed run has last.ckpt
  model->to(device);
  optimizer = makeOptimizer(c.optim, model);
  if (c.train.freezeEpochs > 0) {
    const auto precision = resolveFrozenPrecision(c.train.frozenPrecision, device);
    bf16Frozen = precision.bf16;
    pendingPrecisionLine = precision.reason;
  }
}

// "imagenet": cached, or downloaded with its progress in the log; a file: read safely.
void Trainer::Impl::loadStartingWeights() {
  weights::FetchOptions fetch;
  fetch.download.cancel = &stopRequested;
  int loggedTenth = -1;
  fetch.download.progress = [this, &loggedTenth](std::int64_t received, std::int64_t total) {
    const int tenth = total > 0 ? int(received * 10 / total) : -1;
    if (tenth < 0 || tenth == loggedTenth) return;
    loggedTenth = tenth;
    log(LogLevel::Info, "Downloading starting weights: " + std::to_string(tenth * 10) + "% of " +
                            std::to_string(total / 1000000) + " MB");
  };
  log(LogLevel::Info, "Starting weights: " + exporting::loadStartingWeights(config.model.weights, *model, fetch));
}

void Trainer::Impl::makeLoaders(const data::TransformOptions& trainTransform) {
  const auto& c = config;
  data::LoaderOptions trainOptions;
  trainOptions.batchSize = c.train.batchSize;
  trainOptions.shuffle = true;
  trainOptions.seed = c.train.seed;
  trainOptions.workers = c.train.workers;
  trainOptions.prefetch = c.train.prefetch;
  trainOptions.transform = trainTransform;
  trainLoader = std::make_unique<data::BatchLoader>(data.train, trainOptions);
  featureCacheOptions = validationLoaderOptions(c, evalTransform);  // unaugmented, in order
  validationLoader = std::make_unique<data::BatchLoader>(data.validation, validationLoaderOptions(c, evalTransform));
  trainBatches = loaderBatches(*trainLoader, device);
  validationBatches = loaderBatches(*validationLoader, device);

  schedule = std::make_unique<LrSchedule>(c.optim, c.train.epochs, std::int64_t(trainLoader->batchesPerEpoch()));
  schedule->setBaseRates({c.optim.headLr, c.optim.headLr});
}

void Trainer::Impl::logRunSummary(int threads) {
  std::ostringstream summary;
  summary << models::architectureDisplayName(model->architecture()) << ", " << data.classNames.size()
          << " classes, " << trainLoader->samplesPerEpoch() << " training and "
          << validationLoader->samplesPerEpoch() << " validation images, input "
          << evalTransform.inputSize << "x" << evalTransform.inputSize << ", device "
          << device.str() << " (" << threads << " threads)";
  log(LogLevel::Info, summary.str());
  if (!pendingPrecisionLine.empty()) log(LogLevel::Info, pendingPrecisionLine);
}

// Created only once the data and the model are known to be good: bad input leaves nothing.
void Trainer::Impl::createRunFolderForNewRun() {
  setPaths(run::createRunFolder(config.output.runsDir, config.output.name, requestedDir));
  config::saveConfigFile(config, paths->config);
  logger = run::makeRunLogger(paths->log);
  logger->info("Starting run in " + paths->dir);
  for (const auto& [level, message] : pendingLog) logger->log(level, message);
  pendingLog.clear();
  if (observer) observer->onLog({LogLevel::Info, "Starting run in " + paths->dir});
}

void Trainer::Impl::restoreOrStartMetrics() {
  if (!resuming) {
    metrics = std::make_unique<run::MetricsWriter>(paths->metrics);
    return;
  }
  restoreState(run::loadCheckpoint(paths->lastCheckpoint, *model, optimizer.get()));
  metrics = std::make_unique<run::MetricsWriter>(paths->metrics, iteration, epochsCompleted);
  log(LogLevel::Info, "Resumed at epoch " + std::to_string(epoch + 1) + ", batch " +
                          std::to_string(progress.batch + 1));
}

// Frozen while epoch < freeze_epochs. Entering the unfrozen phase (at the start of epoch
// freeze_epochs) sets the head and backbone rates, as the seed sets lr = 1e-4.
void Trainer::Impl::setPhase(int forEpoch, bool atEpochStart) {
  const int freezeEpochs = config.train.freezeEpochs;
  const bool frozen = forEpoch < freezeEpochs;
  const auto counts = model->setBackboneFrozen(frozen);
  if (!frozen) trainCache = validationCache = CachedFeatures{};  // the backbone moves from now on
  // bfloat16 convolutions want NHWC weights; float32 training runs faster in NCHW (measured).
  if (bf16Frozen) setConvolutionLayout(*model, frozen);
  const bool announce = atEpochStart && (forEpoch == 0 || forEpoch == freezeEpochs);
  if (atEpochStart && forEpoch == freezeEpochs && freezeEpochs > 0)
    schedule->setBaseRates({config.optim.headLrAfterUnfreeze, config.optim.backboneLr});
  const auto rates = applyRates();
  if (!announce && !(frozen && forEpoch == 0)) return;
  if (frozen)
    log(LogLevel::Info, "Backbone frozen: " + withThousands(counts.frozen) + " / " +
                            withThousands(counts.total) + " parameters frozen");
  else
    log(LogLevel::Info, "All parameters trainable (" + withThousands(counts.total) + ")");
  if (observer)
    observer->onPhase({forEpoch, frozen ? Phase::Frozen : Phase::Unfrozen, counts.frozen,
                       counts.total, rates});
}

// The frozen phase with train.feature_cache trains the head from the backbone's outputs,
// computed on the first cached epoch; false when a stop came first.
bool Trainer::Impl::ensureTrainCache() {
  if (!trainCache.empty()) return true;
  log(LogLevel::Info, "Feature cache: computing the frozen backbone's outputs for " +
                          withThousands(std::int64_t(data.train.indices.size())) +
                          " training images once; frozen epochs then train the head from "
                          "them, without augmentation");
  trainCache = computeFeatures(*model, data.train, featureCacheOptions, device,
                               [this] { return stopRequested.load(); }, bf16Frozen);
  if (trainCache.empty()) return false;
  std::ostringstream line;
  line.setf(std::ios::fixed);
  line.precision(1);
  line << "Feature cache ready: " << trainCache.features.size(0) << " x " << trainCache.features.size(1)
       << " in " << trainCache.seconds << " s (" << double(trainCache.features.numel()) * 4.0 / 1e6 << " MB)";
  log(LogLevel::Info, line.str());
  return true;
}

// Waits while paused; false when a stop was requested (before or during the pause).
bool Trainer::Impl::waitWhilePaused(double& pausedSeconds) {
  if (paused) {
    const auto pauseStart = Clock::now();
    log(LogLevel::Info, "Paused");
    std::unique_lock<std::mutex> lock(pauseMutex);
    pauseChanged.wait(lock, [&] { return !paused || stopRequested; });
    pausedSeconds += secondsSince(pauseStart);
    if (!stopRequested) log(LogLevel::Info, "Resumed");
  }
  return !stopRequested;
}

// Logits of a batch: the head alone on cached features; while frozen, the backbone may run in
// bfloat16 for training (frozen_precision.h); validation always runs in float32.
torch::Tensor Trainer::Impl::logits(const SourceBatch& batch, bool training) {
  if (batch.features) return model->classify(batch.inputs);
  if (training && bf16Frozen && epoch < config.train.freezeEpochs)
    return model->classify(bf16Features(*model, batch.inputs));
  return model->forward(batch.inputs);
}

bool Trainer::Impl::trainEpoch() {
  const bool frozen = epoch < config.train.freezeEpochs;
  model->train();
  if (frozen && config.train.freezeBatchNorm) model->setBackboneBatchNormEval(true);
  const auto start = Clock::now();
  const double secondsBefore = progress.trainSeconds;
  double pausedSeconds = 0.0;
  auto trainSeconds = [&] { return secondsBefore + secondsSince(start) - pausedSeconds; };
  const bool cached = cachedEpoch(epoch);
  if (cached && !ensureTrainCache()) {
    progress.trainSeconds = trainSeconds();
    return false;
  }
  auto cachedSource = cached ? cachedBatches(trainCache, std::size_t(config.train.batchSize), true, config.train.seed)
                             : nullptr;
  BatchSource& source = cached ? *cachedSource : *trainBatches;
  source.startEpoch(epoch, std::size_t(progress.batch));
  const std::int64_t batches = source.batchesPerEpoch();
  while (true) {
    if (!waitWhilePaused(pausedSeconds)) {
      progress.trainSeconds = trainSeconds();
      return false;
    }
    auto batch = source.next();
    if (!batch) break;
    schedule->beginIteration(iteration);
    const auto rates = applyRates();

    optimizer->zero_grad();
    auto output = logits(*batch, /*training=*/true);
    auto loss = torch::nn::functional::cross_entropy(output, batch->labels);
    loss.backward();
    optimizer->step();

    const double lossValue = loss.item<double>();
    if (!std::isfinite(lossValue)) {
      std::ostringstream message;
      message << "the loss diverged (" << lossValue << ") at epoch " << epoch + 1 << ", batch "
              << progress.batch + 1 << ". Lower the learning rate (head "
              << rates[0] << ", backbone " << rates[1]
              << ") and start again; checkpoints saved so far are kept";
      throw UserError(message.str());
    }
    progress.correct += output.argmax(1).eq(batch->labels).sum().item<std::int64_t>();
    progress.seen += batch->labels.size(0);
    progress.lossSum += lossValue;
    ++progress.batch;
    ++iteration;

    const double elapsed = trainSeconds();
    IterationEvent event;
    event.epoch = epoch;
    event.iteration = iteration;
    event.batch = progress.batch;
    event.batchesPerEpoch = batches;
    event.loss = lossValue;
    event.learningRates = rates;
    event.imagesPerSecond = elapsed > 0 ? double(progress.seen) / elapsed : 0.0;
    event.epochSeconds = elapsed;
    metrics->write(event);
    if (observer) observer->onIteration(event);
  }
  progress.trainSeconds = trainSeconds();
  return true;
}

std::pair<double, double> Trainer::Impl::evaluate() {
  // InferenceMode rather than NoGradGuard: no version counters or views kept for autograd
  // (issue 6's candidate list; evaluation is the same maths either way).
  c10::InferenceMode inference;
  model->eval();
  // While frozen with the feature cache, the validation images' features do not change either.
  const bool cached = cachedEpoch(epoch);
  if (cached && validationCache.empty())
    validationCache = computeFeatures(*model, data.validation, featureCacheOptions, device);
  auto cachedSource = cached ? cachedBatches(validationCache, std::size_t(config.train.evalBatchSize), false, 0)
                             : nullptr;
  BatchSource& source = cached ? *cachedSource : *validationBatches;
  source.startEpoch(0);
  // The final epoch's pass is also the evaluation of last.ckpt (evaluateCheckpoints).
  std::optional<EvaluationAccumulator> finalPass;
  if (!cached && epoch + 1 == config.train.epochs) finalPass.emplace(data.classNames);
  double lossSum = 0.0;
  std::int64_t batches = 0, correct = 0, seen = 0;
  while (auto batch = source.next()) {
    const auto output = logits(*batch, /*training=*/false);
    lossSum += torch::nn::functional::cross_entropy(output, batch->labels).item<double>();
    correct += output.argmax(1).eq(batch->labels).sum().item<std::int64_t>();
    seen += batch->labels.size(0);
    ++batches;
    if (finalPass) accumulateLogits(*finalPass, output, batch->labels);
  }
  if (finalPass) finalEvaluation = finalPass->finish("last", epoch + 1);
  // As the seed: mean of the batch losses, accuracy in percent.
  return {batches ? lossSum / double(batches) : 0.0, seen ? 100.0 * double(correct) / double(seen) : 0.0};
}

void Trainer::Impl::saveLast() {
  run::saveCheckpoint(paths->lastCheckpoint, *model, optimizer.get(), state());
}

// A completed run's checkpoints evaluated on the validation set (evaluation/ in the run folder).
// Extra information only: a failure here is a warning, the run stays completed.
void Trainer::Impl::evaluateCheckpoints() {
  try {
    const auto lines = evaluateCompletedRun(*paths, model, *validationLoader, device, data.classNames,
                                            epochsCompleted, bestEpoch + 1,
                                            [this](std::int64_t, std::int64_t) { return !stopRequested; },
                                            finalEvaluation ? &*finalEvaluation : nullptr);
    for (const auto& line : lines) log(LogLevel::Info, line);
  } catch (const std::exception& e) {
    if (stopRequested) {
      log(LogLevel::Info, "The evaluation after training was stopped; the run is complete. Evaluate "
                          "it later with `finetune-cli evaluate " + paths->dir + "`");
      return;
    }
    log(LogLevel::Warning, std::string("The evaluation after training failed (") + e.what() +
                               "); the run is complete. Evaluate it later with `finetune-cli evaluate " +
                               paths->dir + "`");
  }
}

// Closes the epoch just validated: the scheduler's step, the event, best and last checkpoints.
EpochEvent Trainer::Impl::endEpoch(double validationLoss, double validationAccuracy, double evaluationSeconds) {
  schedule->endEpoch(epoch, validationLoss);
  EpochEvent event;
  event.epoch = epoch;
  event.epochs = config.train.epochs;
  event.phase = epoch < config.train.freezeEpochs ? Phase::Frozen : Phase::Unfrozen;
  const std::int64_t batches = std::max<std::int64_t>(1, progress.batch);
  event.trainLoss = progress.lossSum / double(batches);
  event.trainAccuracy = progress.seen ? 100.0 * double(progress.correct) / double(progress.seen) : 0.0;
  event.validationLoss = validationLoss;
  event.validationAccuracy = validationAccuracy;
  event.trainSeconds = progress.trainSeconds;
  event.seconds = progress.trainSeconds + evaluationSeconds;
  event.imagesPerSecond = progress.trainSeconds > 0 ? double(progress.seen) / progress.trainSeconds : 0.0;
  event.learningRates = schedule->rates();
  event.best = validationAccuracy > bestAccuracy;

  lastAccuracy = validationAccuracy;
  if (event.best) {
    bestAccuracy = validationAccuracy;
    bestEpoch = epoch;
  }
  epochsCompleted = epoch + 1;
  ++epoch;
  progress = EpochProgress{};
  metrics->write(event);
  saveLast();
  if (event.best) run::saveCheckpoint(paths->bestCheckpoint, *model, nullptr, state());
  return event;
}

FinishedEvent Trainer::Impl::finish(FinishStatus status, const std::string& message) {
  FinishedEvent event;
  event.status = status;
  event.message = message;
  event.runDir = paths ? paths->dir : "";
  event.epochsCompleted = epochsCompleted;
  event.bestValidationAccuracy = bestAccuracy < 0 ? 0.0 : bestAccuracy;
  event.bestEpoch = bestEpoch;
  event.finalValidationAccuracy = lastAccuracy;
  if (metrics) metrics->flush();
  if (status == FinishStatus::Failed) log(LogLevel::Error, message);
  else if (status == FinishStatus::Stopped) log(LogLevel::Info, "Stopped: " + message);
  else log(LogLevel::Info, "Finished: " + message);
  if (observer) observer->onFinished(event);
  return event;
}

Trainer::Trainer(config::RunConfig config, TrainingObserver* observer, std::string runDir)
    : m_impl(std::make_unique<Impl>()) {
  m_impl->config = std::move(config);
  m_impl->observer = observer;
  m_impl->requestedDir = std::move(runDir);
}

std::unique_ptr<Trainer> Trainer::resumeFrom(const std::string& runDir, TrainingObserver* observer) {
  const auto paths = run::openRunFolder(runDir);
  if (!std::filesystem::exists(paths.lastCheckpoint))
    throw UserError(paths.lastCheckpoint + ": missing, so the run cannot be resumed; the run "
                    "stopped before its first checkpoint. Start it again with --config " + paths.config);
  auto trainer = std::make_unique<Trainer>(run::loadRunConfig(paths), observer, runDir);
  trainer->m_impl->resuming = true;
  return trainer;
}

Trainer::~Trainer() = default;

FinishedEvent Trainer::run() {
  Impl& s = *m_impl;
  try {
    s.setUp();
    const int epochs = s.config.train.epochs;
    if (s.epoch >= epochs) return s.finish(FinishStatus::Completed, "the run was already complete");
    bool firstEpoch = true;
    while (s.epoch < epochs) {
      const bool atEpochStart = s.progress.batch == 0;
      if (atEpochStart || firstEpoch) s.setPhase(s.epoch, atEpochStart);
      firstEpoch = false;
      if (!s.trainEpoch()) {
        s.saveLast();
        return s.finish(FinishStatus::Stopped,
                        "stopped at epoch " + std::to_string(s.epoch + 1) + ", batch " +
                            std::to_string(s.progress.batch) + "; checkpoint saved, resume with "
                            "`finetune-cli resume " + s.paths->dir + "`");
      }
      const auto evaluationStart = Clock::now();
      const auto [valLoss, valAccuracy] = s.evaluate();
      const auto event = s.endEpoch(valLoss, valAccuracy, secondsSince(evaluationStart));
      s.log(LogLevel::Info, epochLine(event, s.trainLoader->waitSeconds()));
      if (s.observer) s.observer->onEpoch(event);
    }
    std::ostringstream done;
    done.setf(std::ios::fixed);
    done.precision(2);
    done << "final validation accuracy " << s.lastAccuracy << "%, best " << s.bestAccuracy
         << "% (epoch " << s.bestEpoch + 1 << ")";
    setConvolutionLayout(*s.model, false);  // a run that ends frozen leaves NCHW weights too
    s.evaluateCheckpoints();
    return s.finish(FinishStatus::Completed, done.str());
  } catch (const UserError& e) {
    return s.finish(FinishStatus::Failed, e.what());
  } catch (const c10::Error& e) {
    return s.finish(FinishStatus::Failed, std::string("LibTorch error: ") + e.what_without_backtrace());
  } catch (const std::exception& e) {
    return s.finish(FinishStatus::Failed, std::string("unexpected error: ") + e.what());
  }
}

void Trainer::requestStop() {
  {
    // Under the mutex, so a worker about to wait for "resume" cannot miss the stop.
    std::lock_guard<std::mutex> lock(m_impl->pauseMutex);
    m_impl->stopRequested = true;
  }
  m_impl->pauseChanged.notify_all();
}

void Trainer::pause() { m_impl->paused = true; }

void Trainer::resume() {
  {
    std::lock_guard<std::mutex> lock(m_impl->pauseMutex);
    m_impl->paused = false;
  }
  m_impl->pauseChanged.notify_all();
}

bool Trainer::isPaused() const { return m_impl->paused; }
const config::RunConfig& Trainer::config() const { return m_impl->config; }
std::string Trainer::runDir() const {
  std::lock_guard<std::mutex> lock(m_impl->runDirMutex);
  return m_impl->runDirText;
}

}  // namespace ft::train
