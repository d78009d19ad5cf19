// Trainer set-up: every step before the first batch, each a named function of Trainer::Impl.
#include "train/trainer_impl.h"

#include <cstdlib>
#include <cstring>
#include <sstream>

#include "common/error.h"
#include "data/stats.h"
#include "distributed/gradient_sync.h"
#include "distributed/rendezvous.h"
#include "export/model_export.h"
#include "models/classifier.h"
#include "run/checkpoint.h"
#include "run/metrics_file.h"
#include "run/run_folder.h"
#include "train/device.h"
#include "train/device_select.h"
#include "train/evaluate_model.h"
#include "train/precision.h"
#include "train/loader_options.h"
#include "train/optimizer.h"
#include "train/training_text.h"
#include "weights/official_weights.h"

namespace ft::train {

// Set-up, in the order a bad input should be found: config, device, data, model and weights,
// loaders; only then is the run folder created (or opened, when resuming), so a run that cannot
// start leaves nothing behind.
void Trainer::Impl::setUp() {
  config::validate(config);
  connectRanks();  // first: a rank that never comes is found before any work
  device = resolveDevice(config.device.device);
  const int threads = applyThreadCount(config.device.threads);
  // Before the loaders start their threads: they inherit this thread's bits.
  applyFloatEnvironment(config.device.flushDenormals);
  if (resuming) openRunFolderForResume();
  openData();
  const auto trainTransform = makeTransforms();
  buildModel();
  if (comm) distributed::broadcastModuleState(*comm, *model);  // every rank starts from rank 0's weights
  if (config.train.syncBatchNorm) enableSyncBatchNorm();
  makeLoaders(trainTransform);
  logRunSummary(threads);
  if (!resuming) createRunFolderForNewRun();
  restoreOrStartMetrics();
}

// Several ranks when a launcher (torchrun, srun, finetune-cli train --nproc) set the
// environment; FINETUNE_DIST_TIMEOUT (seconds, default 120) bounds the rendezvous and every
// collective, so a rank that dies ends the others instead of hanging them.
void Trainer::Impl::connectRanks() {
  const distributed::Rendezvous rendezvous = distributed::rendezvousFromEnvironment();
  if (!rendezvous.distributed()) return;
  distributed::ConnectOptions options;
  if (const char* timeout = std::getenv("FINETUNE_DIST_TIMEOUT"); timeout && *timeout) {
    char* end = nullptr;
    const long seconds = std::strtol(timeout, &end, 10);
    if (end == timeout || *end != '\0' || seconds < 1 || seconds > 86400)
      throw UserError(std::string("FINETUNE_DIST_TIMEOUT=") + timeout +
                      " is not a number of seconds from 1 to 86400");
    options.timeout = std::chrono::seconds(seconds);
  }
  options.device = config.device.device;
  comm = distributed::connect(rendezvous, options);
  log(LogLevel::Info, "Data-parallel training: " + std::to_string(comm->worldSize()) + " ranks (" +
                          rendezvous.source + ", " + comm->backend() + ", master " + rendezvous.masterAddr +
                          ":" + std::to_string(rendezvous.masterPort) + "); each global batch of " +
                          std::to_string(config.train.batchSize) + " images is split across them");
}

void Trainer::Impl::enableSyncBatchNorm() {
  if (!comm) {
    log(LogLevel::Info,
        "train.sync_batchnorm has no effect in one process: BatchNorm already sees the whole batch");
    return;
  }
  statsReducer = distributed::batchStatsReducer(*comm);
  std::int64_t layers = 0;
  for (const auto& module : model->modules()) layers += module->as<torch::nn::BatchNorm2d>() != nullptr;
  log(LogLevel::Info, "Synchronised BatchNorm: " + std::to_string(layers) +
                          " BatchNorm layers normalise with the statistics of the whole batch of " +
                          std::to_string(config.train.batchSize) + " images, across the " +
                          std::to_string(comm->worldSize()) + " ranks");
}

void Trainer::Impl::shareRunFolder() {
  std::string dir = leader() ? paths->dir : std::string();
  std::vector<torch::Tensor> size{torch::tensor({std::int64_t(dir.size())})};
  comm->broadcast(size, 0);
  std::vector<torch::Tensor> bytes{torch::zeros({size[0].item<std::int64_t>()}, torch::kUInt8)};
  if (leader()) std::memcpy(bytes[0].data_ptr(), dir.data(), dir.size());
  comm->broadcast(bytes, 0);
  if (!leader()) setPaths(std::string(static_cast<const char*>(bytes[0].data_ptr()), bytes[0].numel()));
}

void Trainer::Impl::openRunFolderForResume() {
  setPaths(requestedDir);
  if (!leader()) return;  // the other ranks read the checkpoint; rank 0 alone writes
  // Before anything is written: a second process on this run must not touch its log either.
  runLock = std::make_unique<run::RunLock>(paths->dir);
  logger = run::makeRunLogger(paths->log);
  log(LogLevel::Info, "Resuming run in " + paths->dir);
  for (const auto& file : run::removeStaleTemporaries(paths->dir)) log(LogLevel::Info, "Removed " + file);
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
  data::TransformOptions transform = trainingTransform(c);
  if (transform.resizeSize > 0)
    log(LogLevel::Info,
        "Preprocessing as torchvision prepares images for the published weights: shorter side to " +
            std::to_string(transform.resizeSize) + " px (" +
            data::interpolationName(transform.interpolation) + "), crop " +
            std::to_string(transform.inputSize) + " px");
  if (c.transform.normalization == "dataset") {
    const auto stats = data::computeChannelStats(data.train, 2000, c.train.seed, c.transform.inputSize);
    transform.mean = stats.mean;
    transform.std = stats.std;
  }
  evalTransform = transform;
  evalTransform.augment = false;
  return transform;
}

void Trainer::Impl::buildModel() {
  const auto& c = config;
  torch::manual_seed(c.train.seed);
  model = models::makeClassifier(c.model.architecture, int(data.classNames.size()), c.transform.inputSize);
  if (c.model.weights != "none" && !resuming) loadStartingWeights();  // a resumed run has last.ckpt
  model->to(device);
  precision = precisionFor(c, device);
  if (precision.lossScaling) lossScaler.emplace();
  // Before the optimiser exists, so its state is created in the same layout.
  setConvolutionLayout(*model, precision.channelsLast);
  optimizer = makeOptimizer(c.optim, model);
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
  log(LogLevel::Info,
      "Starting weights: " + exporting::loadStartingWeights(config.model.weights, *model, fetch));
}

void Trainer::Impl::makeLoaders(const data::TransformOptions& trainTransform) {
  const auto& c = config;
  trainLoader = std::make_unique<data::BatchLoader>(data.train, trainingLoaderOptions(c, trainTransform));
  featureCacheOptions = validationLoaderOptions(c, evalTransform);  // unaugmented, in order
  validationLoader =
      std::make_unique<data::BatchLoader>(data.validation, validationLoaderOptions(c, evalTransform));
  trainBatches = loaderBatches(*trainLoader, device);
  validationBatches = loaderBatches(*validationLoader, device);

  schedule =
      std::make_unique<LrSchedule>(c.optim, c.train.epochs, std::int64_t(trainLoader->batchesPerEpoch()));
  schedule->setBaseRates({c.optim.headLr, c.optim.headLr});
}

void Trainer::Impl::logRunSummary(int threads) {
  std::ostringstream summary;
  summary << model->info().displayName << ", " << data.classNames.size() << " classes, "
          << trainLoader->samplesPerEpoch() << " training and " << validationLoader->samplesPerEpoch()
          << " validation images, input " << evalTransform.inputSize << "x" << evalTransform.inputSize
          << ", device " << device.str() << " (" << threads << " threads)";
  log(LogLevel::Info, summary.str());
  log(LogLevel::Info, precision.reason);
  if (!config.device.flushDenormals)
    log(LogLevel::Info, "Denormal floats are not flushed (device.flush_denormals = false): on Intel CPUs "
                        "weights that decay towards zero can slow training several times");
}

// Created only once the data and the model are known to be good: bad input leaves nothing.
void Trainer::Impl::createRunFolderForNewRun() {
  if (!leader()) return shareRunFolder();
  setPaths(run::createRunFolder(config.output.runsDir, config.output.name, requestedDir));
  runLock = std::make_unique<run::RunLock>(paths->dir);
  config::saveConfigFile(config, paths->config);
  logger = run::makeRunLogger(paths->log);
  logger->info("Starting run in " + paths->dir);
  for (const auto& [level, message] : pendingLog) logger->log(level, message);
  pendingLog.clear();
  if (observer) observer->onLog({LogLevel::Info, "Starting run in " + paths->dir});
  if (comm) shareRunFolder();
}

void Trainer::Impl::restoreOrStartMetrics() {
  if (!resuming) {
    if (leader()) metrics = std::make_unique<run::MetricsWriter>(paths->metrics);
    return;
  }
  restoreState(run::loadCheckpoint(paths->lastCheckpoint, *model, optimizer.get()));
  if (!leader()) return;
  metrics = std::make_unique<run::MetricsWriter>(paths->metrics, iteration, epochsCompleted);
  for (const auto& warning : metrics->warnings()) log(LogLevel::Warning, warning);
  log(LogLevel::Info,
      "Resumed at epoch " + std::to_string(epoch + 1) + ", batch " + std::to_string(progress.batch + 1));
}

}  // namespace ft::train
