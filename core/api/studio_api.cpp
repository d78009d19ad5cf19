#include "api/studio_api.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include "api/thumbnail.h"
#include "common/cpu_load.h"
#include "common/error.h"
#include "data/data_source.h"
#include "data/loader.h"
#include "data/random.h"
#include "export/model_export.h"
#include "models/classifier.h"
#include "models/model_cards.h"
#include "weights/official_weights.h"
#include "train/loss_scaler.h"
#include "train/precision.h"
#include "train/loader_options.h"
#include "train/fused_adam.h"
#include "train/device_select.h"
#include "run/metrics_file.h"
#include "run/run_folder.h"
#include "run/run_lock.h"

namespace fs = std::filesystem;

namespace ft::api {
DataPreview previewData(const config::DataConfig& dataConfig, std::uint64_t seed, int sampleCount) {
  const auto opened = data::openData(dataConfig, seed);
  DataPreview preview;
  preview.description = opened.description;
  preview.trainImages = opened.train.indices.size();
  preview.validationImages = opened.validation.indices.size();
  for (std::size_t c = 0; c < opened.classNames.size(); ++c)
    preview.classes.push_back({opened.classNames[c], c < opened.report.imagesPerClass.size()
                                                         ? opened.report.imagesPerClass[c]
                                                         : 0});
  for (const auto& w : opened.report.warnings) preview.warnings.push_back(w.path + ": " + w.message);

  std::size_t smallest = SIZE_MAX, largest = 0;
  for (const auto& c : preview.classes) {
    smallest = std::min(smallest, c.images);
    largest = std::max(largest, c.images);
  }
  if (!preview.classes.empty() && smallest > 0 && largest >= 3 * smallest)
    preview.warnings.push_back("class imbalance: the largest class has " + std::to_string(largest) +
                               " images, the smallest " + std::to_string(smallest) +
                               "; accuracy may favour the large classes");
  for (const auto& c : preview.classes)
    if (c.images == 0) preview.warnings.push_back("class \"" + c.name + "\" has no training images");

  // A seeded sample, round-robin over the classes so every class shows up.
  const auto& indices = opened.train.indices;
  const auto order = data::seededPermutation(indices.size(), seed);
  std::vector<std::vector<std::size_t>> perClass(opened.classNames.size());
  for (std::size_t i : order) {
    const std::size_t index = indices[i];
    auto& bucket = perClass[std::size_t(opened.train.dataset->label(index))];
    if (int(bucket.size()) < sampleCount) bucket.push_back(index);
  }
  for (int round = 0; int(preview.samples.size()) < sampleCount; ++round) {
    bool any = false;
    for (const auto& bucket : perClass) {
      if (std::size_t(round) >= bucket.size() || int(preview.samples.size()) >= sampleCount) continue;
      any = true;
      try {
        const auto index = bucket[std::size_t(round)];
        preview.samples.push_back(
            makeThumbnail(opened.train.dataset->image(index), opened.train.dataset->label(index)));
      } catch (const UserError& e) {
        preview.warnings.push_back(e.what());
      }
    }
    if (!any) break;
  }
  return preview;
}

std::vector<std::string> architectures() { return models::architectureNames(); }

std::string architectureDisplayName(const std::string& architecture) {
  try {
    return models::architectureInfo(architecture).displayName;
  } catch (const UserError&) {
    return architecture;
  }
}

ModelSummary describeModel(const std::string& architecture, int numClasses) {
  auto model = models::makeClassifier(architecture, std::max(1, numClasses));
  ModelSummary summary;
  summary.displayName = model->info().displayName;
  const auto frozen = model->setBackboneFrozen(true);
  summary.totalParameters = frozen.total;
  summary.trainableWhileFrozen = frozen.total - frozen.frozen;
  summary.suggestedInputSize = int(model->info().inputSize);
  summary.headName = model->info().headName;
  return summary;
}

PreprocessingView preprocessingOf(const config::RunConfig& config) {
  try {
    const auto p = weights::inputPreprocessing(config.transform.preprocessing, config.model.architecture,
                                               config.model.weights, config.transform.inputSize);
    return {p.resizeSize, p.interpolation};
  } catch (const UserError&) {
    return {};
  }
}

ModelCardView modelCard(const std::string& architecture) {
  const auto& info = models::architectureInfo(architecture);
  const auto& card = models::modelCard(info.name);
  ModelCardView view;
  view.architecture = info.name;
  view.displayName = info.displayName;
  view.year = card.year;
  view.paper = card.paper;
  view.authors = card.authors;
  view.introduced = card.introduced;
  view.parameters = card.parameters;
  view.gmacs = card.gmacs;
  view.inputSize = int(info.inputSize);
  view.inputMultiple = int(info.inputMultiple);
  const auto& weights = weights::officialWeightsFor(info.name);
  view.weightsVariant = weights.variant;
  view.weightsFile = weights.file.fileName;
  view.top1 = weights.top1;
  view.top5 = weights.top5;
  view.fileSizeMB = weights.fileSizeMB;
  view.resizeSize = weights.preprocessing.resizeSize;
  view.interpolation = weights.preprocessing.interpolation;
  return view;
}

std::vector<ModelCardView> modelCards() {
  std::vector<ModelCardView> cards;
  for (const auto& info : models::architectures()) cards.push_back(modelCard(info.name));
  return cards;
}

std::vector<HistoryEntry> modelHistory() {
  std::vector<HistoryEntry> entries;
  for (const auto& event : models::modelHistory())
    entries.push_back({event.year, event.title, event.text, event.architectures});
  return entries;
}

EpochEstimate estimateRun(const config::RunConfig& config, int batches) {
  config::validate(config);
  const auto device = train::resolveDevice(config.device.device);
  train::applyThreadCount(config.device.threads);
  train::applyFloatEnvironment(config.device.flushDenormals);
  const auto opened = data::openData(config.data, config.train.seed);

  // As the trainer's (without "dataset" statistics: same cost).
  const data::TransformOptions transform = train::trainingTransform(config);
  data::BatchLoader loader(opened.train, train::trainingLoaderOptions(config, transform));

  auto model = models::makeClassifier(config.model.architecture, int(opened.classNames.size()),
                                      config.transform.inputSize);
  model->to(device);
  // Every phase in the precision the trainer will use (train.precision, resolved for the device).
  const auto precision = train::precisionFor(config, device);
  train::setConvolutionLayout(*model, precision.channelsLast);
  std::optional<train::LossScaler> scaler;
  if (precision.lossScaling) scaler.emplace();
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(model->parameters());
  train::FusedAdam optimizer(std::move(groups), torch::optim::AdamOptions(1e-4));  // as the trainer

  // The first batches of each phase warm up (allocations, oneDNN kernel choice) and are not
  // counted; the median of the rest is robust to a stray slow batch.
  constexpr int kWarmUpBatches = 2;
  const int measuredBatches = std::max(1, batches);
  int epoch = 0;
  auto timePhase = [&](bool frozen) {
    model->setBackboneFrozen(frozen);
    model->train();
    loader.startEpoch(epoch++);
    std::vector<double> seconds;
    for (int i = 0; i < kWarmUpBatches + measuredBatches; ++i) {
      const auto start = std::chrono::steady_clock::now();
      auto batch = loader.next();
      if (!batch) {  // a small data set: go on with the next epoch's batches
        loader.startEpoch(epoch++);
        batch = loader.next();
        if (!batch) break;
      }
      const auto images = batch->images.to(device);
      optimizer.zero_grad();
      auto output =
          model->classify(train::featuresIn(*model, images, precision.training, precision.channelsLast));
      auto loss = torch::nn::functional::cross_entropy(output, batch->labels.to(device));
      train::backwardAndStep(loss, optimizer, scaler ? &*scaler : nullptr);
      loss.item<double>();
      if (i >= kWarmUpBatches)
        seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    if (seconds.empty()) return 0.0;
    std::sort(seconds.begin(), seconds.end());
    const std::size_t mid = seconds.size() / 2;
    return seconds.size() % 2 ? seconds[mid] : (seconds[mid - 1] + seconds[mid]) / 2.0;
  };
  const OtherCpuLoad load;
  const double frozenBatch = timePhase(true);
  const double unfrozenBatch = timePhase(false);

  // Evaluation costs about one forward pass per image: a third of an unfrozen step.
  const double trainBatches = double(loader.batchesPerEpoch());
  const double evalImages = double(opened.validation.indices.size());
  const double evalSeconds = unfrozenBatch / 3.0 * evalImages / double(config.train.batchSize);
  EpochEstimate estimate;
  estimate.batchesMeasured = measuredBatches;
  estimate.precision = train::precisionName(precision.training);
  estimate.busyCores = load.busyCores();
  estimate.machineBusy = estimate.busyCores >= 0.5;
  const double batchSize = double(config.train.batchSize);
  estimate.frozenImagesPerSecond = frozenBatch > 0 ? batchSize / frozenBatch : 0.0;
  estimate.unfrozenImagesPerSecond = unfrozenBatch > 0 ? batchSize / unfrozenBatch : 0.0;
  estimate.frozenSecondsPerEpoch = frozenBatch * trainBatches + evalSeconds;
  estimate.unfrozenSecondsPerEpoch = unfrozenBatch * trainBatches + evalSeconds;
  const int frozenEpochs = config.train.freezeEpochs;
  estimate.totalSeconds = estimate.frozenSecondsPerEpoch * frozenEpochs +
                          estimate.unfrozenSecondsPerEpoch * (config.train.epochs - frozenEpochs);
  return estimate;
}

PrecisionChoice resolvedPrecision(const config::RunConfig& config) {
  PrecisionChoice choice;
  try {
    const auto p = train::precisionFor(config, train::resolveDevice(config.device.device));
    choice.training = train::precisionName(p.training);
    choice.validation = train::precisionName(p.validation);
  } catch (const UserError& e) {
    choice.error = e.what();
  }
  return choice;
}

train::DeviceReport devices() { return train::listDevices(); }

std::string defaultExportPath(const std::string& runDir, const std::string& which,
                              const std::string& format) {
  run::checkCheckpointName(which);
  const auto chosen = format.empty() ? exporting::ExportFormat::LibTorch
                                     : exporting::exportFormatFor("", format);
  return (fs::path(runDir) / "exports" / ("model-" + which + exporting::exportExtension(chosen))).string();
}

ExportResult exportCheckpoint(const std::string& runDir, const std::string& which, const std::string& path,
                              const std::string& format) {
  exporting::ExportVerification verification;
  const auto metadata = exporting::exportRunCheckpoint(runDir, which, path, format, &verification);
  ExportResult result;
  result.architecture = metadata.architecture;
  result.displayName = models::architectureInfo(metadata.architecture).displayName;
  result.classes = metadata.classNames.size();
  result.inputSize = metadata.inputSize;
  result.modelFile = path;
  result.metadataFile = fs::path(path).replace_extension(".json").string();
  result.verification = verification.summary();
  return result;
}

std::string exportRun(const std::string& runDir, const std::string& which, const std::string& path) {
  const auto r = exportCheckpoint(runDir, which, path);
  return r.displayName + ", " + std::to_string(r.classes) + " classes, input " + std::to_string(r.inputSize) +
         "x" + std::to_string(r.inputSize) + " -> " + path + " (" + r.verification + ")";
}

void writeMetricsCsv(const std::string& path, const std::vector<run::IterationEvent>& iterations,
                     const std::vector<run::EpochEvent>& epochs) {
  run::writeMetricsFile(path, iterations, epochs);
}

RunHistory readRunHistory(const std::string& runDir) {
  const auto paths = run::openRunFolder(runDir);
  RunHistory history;
  history.config = run::loadRunConfig(paths);
  auto metrics = run::readMetricsFile(paths.metrics, history.config.train.epochs);
  history.iterations = std::move(metrics.iterations);
  history.epochs = std::move(metrics.epochs);
  history.complete = int(history.epochs.size()) >= history.config.train.epochs;
  history.resumable = !history.complete && fs::exists(paths.lastCheckpoint);
  if (const auto holder = run::runLockHolder(paths.dir)) {
    history.trainingNow = *holder;
    history.resumable = false;
  }
  return history;
}

}  // namespace ft::api
