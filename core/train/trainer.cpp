// Trainer: the epoch loop (phases, training and validation passes, end of epoch, finish) and
// the public controls. The set-up steps are trainer_setup.cpp; the state is trainer_impl.h.
#include "train/trainer_impl.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <sstream>

#include "common/error.h"
#include "distributed/gradient_sync.h"
#include "run/checkpoint.h"
#include "train/batchnorm_recalibration.h"
#include "train/loader_options.h"
#include "train/evaluate_model.h"
#include "train/evaluation.h"
#include "train/precision.h"
#include "train/training_text.h"

namespace ft::train {

// Frozen while epoch < freeze_epochs. Entering the unfrozen phase (at the start of epoch
// freeze_epochs) sets the head and backbone rates, as the seed sets lr = 1e-4.
void Trainer::Impl::setPhase(int forEpoch, bool atEpochStart) {
  const int freezeEpochs = config.train.freezeEpochs;
  const bool frozen = forEpoch < freezeEpochs;
  const auto counts = model->setBackboneFrozen(frozen);
  if (!frozen) trainCache = validationCache = CachedFeatures{};  // the backbone moves from now on
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
  if (observer && leader())
    observer->onPhase(
        {forEpoch, frozen ? Phase::Frozen : Phase::Unfrozen, counts.frozen, counts.total, rates});
}

// The frozen phase with train.feature_cache trains the head from the backbone's outputs,
// computed on the first cached epoch; false when a stop came first.
bool Trainer::Impl::ensureTrainCache() {
  if (!trainCache.empty()) return true;
  log(LogLevel::Info, "Feature cache: computing the frozen backbone's outputs for " +
                          withThousands(std::int64_t(data.train.indices.size())) +
                          " training images once; frozen epochs then train the head from "
                          "them, without augmentation");
  trainCache = computeFeatures(
      *model, data.train, featureCacheOptions, device, [this] { return stopRequested.load(); },
      precision.training, precision.channelsLast);
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

// Float32 logits of a batch: the head alone on cached features; otherwise the backbone in the
// training or validation precision (precision.h) and the head in float32, as is the loss.
torch::Tensor Trainer::Impl::logits(const SourceBatch& batch, bool training) {
  if (batch.features) return model->classify(batch.inputs);
  const Precision p = training ? precision.training : precision.validation;
  if (p == Precision::Float32 && !precision.channelsLast) return model->forward(batch.inputs);
  return model->classify(featuresIn(*model, batch.inputs, p, precision.channelsLast));
}

SourceBatch Trainer::Impl::localPart(const SourceBatch& batch) const {
  if (!comm) return batch;
  const std::int64_t rows = batch.labels.size(0), world = comm->worldSize(), rank = comm->rank();
  const std::int64_t begin = rows * rank / world, end = rows * (rank + 1) / world;
  SourceBatch part;
  part.inputs = batch.inputs.narrow(0, begin, end - begin);
  part.labels = batch.labels.narrow(0, begin, end - begin);
  part.features = batch.features;
  return part;
}

void Trainer::Impl::sumAcrossRanks(std::vector<double>& values) {
  if (!comm || values.empty()) return;
  std::vector<torch::Tensor> t{torch::tensor(values, torch::kFloat64)};
  comm->allReduceSum(t);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = t[0][std::int64_t(i)].item<double>();
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
  auto cachedSource =
      cached ? cachedBatches(trainCache, std::size_t(config.train.batchSize), true, config.train.seed)
             : nullptr;
  BatchSource& source = cached ? *cachedSource : *trainBatches;
  source.startEpoch(epoch, std::size_t(progress.batch));
  const std::int64_t batches = source.batchesPerEpoch();
  bool ranksStop = false;  // several ranks stop together, after the batch in which one asked
  while (true) {
    if (comm ? ranksStop : !waitWhilePaused(pausedSeconds)) {
      progress.trainSeconds = trainSeconds();
      return false;
    }
    auto batch = source.next();
    if (!batch) break;
    reportSkippedImages();
    // Undecodable images come as data::kSkippedLabel: the loss ignores them, and a batch of
    // nothing else is passed over (its position still counts, for resume).
    const std::int64_t usable = batch->labels.ne(data::kSkippedLabel).sum().item<std::int64_t>();
    // BatchNorm cannot train on one image ("Expected more than 1 value per channel"): a last
    // batch of one (a training set of 8k + 1 images at batch 8) is left out too.
    // With several ranks, every rank's slice must hold two (each rank sees the whole batch).
    const std::int64_t world = comm ? comm->worldSize() : 1;
    const bool single = !batch->features && batch->inputs.size(0) < 2 * world;
    if (usable == 0 || single) {
      if (single && !singleBatchLogged) {
        log(LogLevel::Info,
            "The last batch of each epoch holds a single image, which BatchNorm cannot train on: "
            "it is left out (another batch size would use it)");
        singleBatchLogged = true;
      }
      ++progress.batch;
      ++iteration;
      continue;
    }
    schedule->beginIteration(iteration);
    const auto rates = applyRates();

    optimizer->zero_grad();
    // Several ranks: this rank's slice; its mean loss weighs by its share of the usable images,
    // so the summed gradients are the whole batch's (uneven slices included). The weight goes
    // into the loss before the backward pass, so the gradients synchronised BatchNorm sums
    // across ranks inside it are already the whole batch's.
    const SourceBatch part = localPart(*batch);
    const std::int64_t localUsable = comm ? part.labels.ne(data::kSkippedLabel).sum().item<std::int64_t>()
                                          : usable;
    const double weight = double(localUsable) / double(usable);
    torch::Tensor output;
    {
      models::SyncBatchNormScope syncBatchNorm(statsReducer.get());  // null: BatchNorm per rank
      output = logits(part, /*training=*/true);
    }
    auto loss = localUsable > 0 ? torch::nn::functional::cross_entropy(output, part.labels)
                                : output.sum() * 0.0;  // nothing usable here: no gradient, no NaN
    std::function<void()> sumGradients;
    if (comm) sumGradients = [&] { distributed::allReduceGradients(*comm, model->parameters(), 1.0); };
    // With float16's loss scaler, a step with inf/NaN gradients is skipped.
    backwardAndStep(comm ? loss * weight : loss, *optimizer, lossScaler ? &*lossScaler : nullptr,
                    sumGradients);

    double lossValue = loss.item<double>();
    std::int64_t correct = output.argmax(1).eq(part.labels).sum().item<std::int64_t>();
    if (comm) {  // the whole batch's loss and accuracy, and whether any rank was asked to stop
      std::vector<double> sums{weight * lossValue, double(correct), stopRequested ? 1.0 : 0.0};
      sumAcrossRanks(sums);
      lossValue = sums[0];
      correct = std::int64_t(std::llround(sums[1]));
      ranksStop = sums[2] > 0.0;
    }
    if (!std::isfinite(lossValue)) {
      std::ostringstream message;
      message << "the loss diverged (" << lossValue << ") at epoch " << epoch + 1 << ", batch "
              << progress.batch + 1 << ". Lower the learning rate (head " << rates[0] << ", backbone "
              << rates[1] << ") and start again; ";
      if (std::filesystem::exists(paths->lastCheckpoint))
        message << "the checkpoints saved so far (" << paths->lastCheckpoint << ") are kept";
      else
        message << "no checkpoint had been saved yet";
      throw UserError(message.str());
    }
    progress.correct += correct;
    progress.seen += usable;
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
    if (metrics) metrics->write(event);
    if (observer && leader()) observer->onIteration(event);
  }
  progress.trainSeconds = trainSeconds();
  return !ranksStop;
}

// The BatchNorm layers that trained in this epoch (none in a cached epoch: the backbone did not
// run) get statistics that describe the weights as they are now.
void Trainer::Impl::recalibrateBatchNorm() {
  if (cachedEpoch(epoch)) return;
  model->train();
  if (epoch < config.train.freezeEpochs && config.train.freezeBatchNorm)
    model->setBackboneBatchNormEval(true);
  const auto images =
      recalibrationImages(*model, config.train.recalibrateBatchNorm, data.train.indices.size());
  if (images <= 0) return;
  auto options = trainingLoaderOptions(config, evalTransform);
  const auto result = train::recalibrateBatchNorm(*model, evenSubset(data.train, std::size_t(images)),
                                                  options, device, precision.validation,
                                                  precision.channelsLast,
                                                  [this] { return stopRequested.load(); });
  if (result.layers == 0 || recalibrationLogged) return;
  recalibrationLogged = true;
  std::ostringstream line;
  line.setf(std::ios::fixed);
  line.precision(1);
  line << "BatchNorm recalibration: the statistics of " << result.layers
       << " BatchNorm layers re-estimated from " << result.images << " unaugmented training images in "
       << result.seconds << " s before each validation";
  if (config.train.recalibrateBatchNorm < 0)
    line << " (automatic: their momentum is below 0.1, so the running averages trail the weights; "
            "train.recalibrate_batchnorm = 0 turns it off)";
  log(LogLevel::Info, line.str());
}

std::pair<double, double> Trainer::Impl::evaluate() {
  // InferenceMode rather than NoGradGuard: no version counters or views kept for autograd
  // (issue 6's candidate list; evaluation is the same maths either way).
  if (comm) distributed::broadcastBuffers(*comm, *model);  // rank 0's running statistics, as it saves them
  c10::InferenceMode inference;
  model->eval();
  // While frozen with the feature cache, the validation images' features do not change either.
  const bool cached = cachedEpoch(epoch);
  if (cached && validationCache.empty())
    validationCache = computeFeatures(*model, data.validation, featureCacheOptions, device, {},
                                      precision.validation, precision.channelsLast);
  auto cachedSource =
      cached ? cachedBatches(validationCache, std::size_t(config.train.evalBatchSize), false, 0) : nullptr;
  BatchSource& source = cached ? *cachedSource : *validationBatches;
  source.startEpoch(0);
  // The final epoch's pass is also the evaluation of last.ckpt (evaluateCheckpoints).
  // (Several ranks: each sees its slice only, so rank 0 evaluates last.ckpt on its own after the run.)
  std::optional<EvaluationAccumulator> finalPass;
  if (!cached && !comm && epoch + 1 == config.train.epochs) finalPass.emplace(data.classNames);
  double lossSum = 0.0;
  std::int64_t batches = 0, correct = 0, seen = 0;
  while (auto batch = source.next()) {
    const std::int64_t usable = batch->labels.ne(data::kSkippedLabel).sum().item<std::int64_t>();
    const SourceBatch part = localPart(*batch);  // this rank's rows (all of them in one process)
    const std::int64_t localUsable = comm ? part.labels.ne(data::kSkippedLabel).sum().item<std::int64_t>()
                                          : usable;
    const auto output = logits(part, /*training=*/false);
    if (finalPass) accumulateLogits(*finalPass, output, part.labels);  // skips them itself
    if (usable == 0) continue;                                         // only undecodable images
    if (localUsable > 0)  // the batch's mean loss, as this rank's share of it
      lossSum += torch::nn::functional::cross_entropy(output, part.labels).item<double>() *
                 (double(localUsable) / double(usable));
    correct += output.argmax(1).eq(part.labels).sum().item<std::int64_t>();
    seen += localUsable;
    ++batches;
  }
  if (comm) {
    std::vector<double> sums{lossSum, double(correct), double(seen)};
    sumAcrossRanks(sums);
    lossSum = sums[0];
    correct = std::int64_t(std::llround(sums[1]));
    seen = std::int64_t(std::llround(sums[2]));
  }
  reportSkippedImages();
  if (finalPass) {
    finalEvaluation = finalPass->finish("last", epoch + 1);
    finalEvaluation->precision = precisionName(precision.validation);
  }
  // As the seed: mean of the batch losses, accuracy in percent.
  return {batches ? lossSum / double(batches) : 0.0, seen ? 100.0 * double(correct) / double(seen) : 0.0};
}

void Trainer::Impl::checkValidationLoss(const EpochEvent& event) {
  constexpr int kEpochs = 2;
  const double loss = event.validationLoss;
  // Chance level: the loss of a uniform guess, ln(classes). Ten times it (at least 10) means
  // the true class gets a probability below e^-23 on average for ten classes: no model that
  // learns anything gets there, however it overfits.
  const double chance = std::log(double(std::max<std::size_t>(2, data.classNames.size())));
  if (firstValidationLoss < 0 && std::isfinite(loss)) firstValidationLoss = loss;
  const double limit = std::max(10.0 * chance, 10.0);
  explodedEpochs = !std::isfinite(loss) || loss > limit ? explodedEpochs + 1 : 0;
  if (std::isfinite(loss) && explodedEpochs < kEpochs) return;
  std::ostringstream message;
  message.precision(3);
  message << "the validation loss exploded: " << loss << " at epoch " << event.epoch + 1
          << " (the first epoch's was " << firstValidationLoss << ", chance level is " << chance
          << "), and the model has stopped learning. The learning rates are too high";
  if (event.learningRates.size() >= 2)
    message << " (head " << event.learningRates[0] << ", backbone " << event.learningRates[1] << ")";
  message << ": lower them about 10x and start again";
  if (bestEpoch >= 0 && paths)
    message << "; the best checkpoint (epoch " << bestEpoch + 1 << ", " << bestAccuracy << "%) is kept in "
            << paths->bestCheckpoint;
  throw UserError(message.str());
}

void Trainer::Impl::reportSkippedImages() {
  std::vector<data::ScanWarning> found;
  for (const auto* loader : {trainLoader.get(), validationLoader.get()})
    if (loader && loader->skippedCount() > 0) {
      const auto more = loader->skippedImages();
      found.insert(found.end(), more.begin(), more.end());
    }
  for (const auto* cache : {&trainCache, &validationCache})
    found.insert(found.end(), cache->skipped.begin(), cache->skipped.end());
  for (const auto& image : found)
    if (skippedImages.insert(image.path).second)
      log(LogLevel::Warning, image.path + ": " + image.message + " Skipped: training goes on without it.");
  const std::size_t limit = std::max<std::size_t>(10, data.train.indices.size() / 100);
  if (skippedImages.size() <= limit) return;
  std::string list;
  std::size_t shown = 0;
  for (const auto& path : skippedImages) {
    if (shown++ == 5) {
      list += ", ...";
      break;
    }
    list += (list.empty() ? "" : ", ") + path;
  }
  throw UserError(std::to_string(skippedImages.size()) + " images could not be decoded, more than the " +
                  std::to_string(limit) + " a run tolerates (1% of the training images, at least 10): " +
                  list + ". Every one is named in " + (paths ? paths->log : std::string("the log")) +
                  ". Replace or remove them and start the run again");
}

void Trainer::Impl::saveLast() {
  if (!leader()) return;
  run::saveCheckpoint(paths->lastCheckpoint, *model, optimizer.get(), state());
}

// A completed run's checkpoints evaluated on the validation set (evaluation/ in the run folder).
// Extra information only: a failure here is a warning, the run stays completed.
void Trainer::Impl::evaluateCheckpoints() {
  try {
    const auto lines = evaluateCompletedRun(
        *paths, model, *validationLoader, device, data.classNames, epochsCompleted, bestEpoch + 1,
        [this](std::int64_t, std::int64_t) { return !stopRequested; },
        finalEvaluation ? &*finalEvaluation : nullptr, precision.validation);
    for (const auto& line : lines) log(LogLevel::Info, line);
  } catch (const std::exception& e) {
    if (stopRequested) {
      log(LogLevel::Info, "The evaluation after training was stopped; the run is complete. Evaluate "
                          "it later with `finetune-cli evaluate " +
                              paths->dir + "`");
      return;
    }
    log(LogLevel::Warning, std::string("The evaluation after training failed (") + e.what() +
                               "); the run is complete. Evaluate it later with `finetune-cli evaluate " +
                               paths->dir + "`");
  }
}

// Closes the epoch just validated: the scheduler's step, the event, best and last checkpoints.
EpochEvent Trainer::Impl::endEpoch(double validationLoss, double validationAccuracy,
                                   double evaluationSeconds) {
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
  event.validationPrecision = precisionName(precision.validation);

  lastAccuracy = validationAccuracy;
  if (event.best) {
    bestAccuracy = validationAccuracy;
    bestEpoch = epoch;
  }
  epochsCompleted = epoch + 1;
  ++epoch;
  progress = EpochProgress{};
  if (metrics) metrics->write(event);
  saveLast();
  if (event.best && leader()) run::saveCheckpoint(paths->bestCheckpoint, *model, nullptr, state());
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
  event.rank = comm ? comm->rank() : 0;
  if (metrics) metrics->flush();
  if (status == FinishStatus::Failed)
    log(LogLevel::Error, message);
  else if (status == FinishStatus::Stopped)
    log(LogLevel::Info, "Stopped: " + message);
  else
    log(LogLevel::Info, "Finished: " + message);
  runLock.reset();  // nothing more is written: the run may be resumed from now on
  if (observer && (leader() || status == FinishStatus::Failed)) observer->onFinished(event);
  comm.reset();
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
  if (!std::filesystem::exists(paths.lastCheckpoint)) {
    // Training resumes from last only (best may be epochs behind, without its optimiser state).
    if (std::filesystem::exists(paths.bestCheckpoint))
      throw UserError(
          paths.lastCheckpoint + ": missing (it was deleted or moved), so the run cannot be resumed; " +
          paths.bestCheckpoint + " is there: evaluate or export it with --checkpoint best, or start " +
          "the run again with --config " + paths.config);
    throw UserError(paths.lastCheckpoint +
                    ": missing, so the run cannot be resumed; the run "
                    "stopped before its first checkpoint. Start it again with --config " +
                    paths.config);
  }
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
        return s.finish(FinishStatus::Stopped, "stopped at epoch " + std::to_string(s.epoch + 1) +
                                                   ", batch " + std::to_string(s.progress.batch) +
                                                   "; checkpoint saved, resume with "
                                                   "`finetune-cli resume " +
                                                   s.paths->dir + "`");
      }
      const auto evaluationStart = Clock::now();
      s.recalibrateBatchNorm();
      const auto [valLoss, valAccuracy] = s.evaluate();
      const auto event = s.endEpoch(valLoss, valAccuracy, secondsSince(evaluationStart));
      s.log(LogLevel::Info, epochLine(event, s.trainLoader->waitSeconds()));
      if (s.observer && s.leader()) s.observer->onEpoch(event);
      s.checkValidationLoss(event);
    }
    std::ostringstream done;
    done.setf(std::ios::fixed);
    done.precision(2);
    done << "final validation accuracy " << s.lastAccuracy << "%, best " << s.bestAccuracy << "% (epoch "
         << s.bestEpoch + 1 << ")";
    if (!s.skippedImages.empty())
      done << "; " << s.skippedImages.size() << " undecodable image(s) skipped, named in " << s.paths->log;
    setConvolutionLayout(*s.model, false);  // a run that ends frozen leaves NCHW weights too
    if (s.leader()) s.evaluateCheckpoints();
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
