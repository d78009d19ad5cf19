#include "api/studio_api.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include "api/thumbnail.h"
#include "common/error.h"
#include "data/data_source.h"
#include "data/loader.h"
#include "data/random.h"
#include "export/model_export.h"
#include "models/resnet.h"
#include "train/frozen_precision.h"
#include "train/fused_adam.h"
#include "train/device_select.h"
#include "train/run_folder.h"

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
                                                         ? opened.report.imagesPerClass[c] : 0});
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
        preview.samples.push_back(makeThumbnail(opened.train.dataset->image(index),
                                                opened.train.dataset->label(index)));
      } catch (const UserError& e) {
        preview.warnings.push_back(e.what());
      }
    }
    if (!any) break;
  }
  return preview;
}

std::vector<std::string> architectures() { return {"resnet18", "resnet34", "resnet50"}; }

ModelSummary describeModel(const std::string& architecture, int numClasses) {
  const auto arch = models::parseArchitecture(architecture);
  models::ResNet model(arch, std::max(1, numClasses));
  ModelSummary summary;
  summary.displayName = models::architectureDisplayName(arch);
  const auto frozen = model->setBackboneFrozen(true);
  summary.totalParameters = frozen.total;
  summary.trainableWhileFrozen = frozen.total - frozen.frozen;
  summary.suggestedInputSize = 224;
  return summary;
}

EpochEstimate estimateRun(const config::RunConfig& config, int batches) {
  config::validate(config);
  const auto device = train::resolveDevice(config.device.device);
  train::applyThreadCount(config.device.threads);
  const auto opened = data::openData(config.data, config.train.seed);

  data::LoaderOptions options;
  options.batchSize = config.train.batchSize;
  options.seed = config.train.seed;
  options.workers = config.train.workers;
  options.prefetch = config.train.prefetch;
  options.transform.inputSize = config.transform.inputSize;
  options.transform.cropPadding = config.transform.cropPadding;
  options.transform.horizontalFlip = config.transform.horizontalFlip;
  data::BatchLoader loader(opened.train, options);

  models::ResNet model(models::parseArchitecture(config.model.architecture),
                       int(opened.classNames.size()));
  model->to(device);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(model->parameters());
  train::FusedAdam optimizer(std::move(groups), torch::optim::AdamOptions(1e-4));  // as the trainer

  // The frozen step as the trainer runs it: bfloat16 backbone when frozen_precision resolves so.
  const bool bf16Frozen = config.train.freezeEpochs > 0 &&
                          train::resolveFrozenPrecision(config.train.frozenPrecision, device).bf16;
  auto timePhase = [&](bool frozen) {
    model->setBackboneFrozen(frozen);
    if (bf16Frozen) train::setConvolutionLayout(*model, frozen);
    model->train();
    loader.startEpoch(0);
    double seconds = 0.0;
    int measured = 0;
    for (int i = 0; i <= batches; ++i) {  // batch 0 warms up and is not counted
      const auto start = std::chrono::steady_clock::now();
      auto batch = loader.next();
      if (!batch) break;
      const auto images = batch->images.to(device);
      auto output = frozen && bf16Frozen ? model->classify(train::bf16Features(*model, images))
                                         : model->forward(images);
      auto loss = torch::nn::functional::cross_entropy(output, batch->labels.to(device));
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      loss.item<double>();
      if (i > 0) {
        seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        ++measured;
      }
    }
    return measured ? seconds / measured : 0.0;
  };
  const double frozenBatch = timePhase(true);
  const double unfrozenBatch = timePhase(false);

  // Evaluation costs about one forward pass per image: a third of an unfrozen step.
  const double trainBatches = double(loader.batchesPerEpoch());
  const double evalImages = double(opened.validation.indices.size());
  const double evalSeconds = unfrozenBatch / 3.0 * evalImages / double(config.train.batchSize);
  EpochEstimate estimate;
  estimate.batchesMeasured = batches;
  estimate.frozenSecondsPerEpoch = frozenBatch * trainBatches + evalSeconds;
  estimate.unfrozenSecondsPerEpoch = unfrozenBatch * trainBatches + evalSeconds;
  const int frozenEpochs = config.train.freezeEpochs;
  estimate.totalSeconds = estimate.frozenSecondsPerEpoch * frozenEpochs +
                          estimate.unfrozenSecondsPerEpoch * (config.train.epochs - frozenEpochs);
  return estimate;
}

train::DeviceReport devices() { return train::listDevices(); }

std::string exportRun(const std::string& runDir, const std::string& which, const std::string& path) {
  exporting::ExportVerification verification;
  const auto metadata = exporting::exportRunCheckpoint(runDir, which, path, "", &verification);
  return models::architectureDisplayName(models::parseArchitecture(metadata.architecture)) + ", " +
         std::to_string(metadata.classNames.size()) + " classes, input " +
         std::to_string(metadata.inputSize) + "x" + std::to_string(metadata.inputSize) + " -> " + path +
         " (" + verification.summary() + ")";
}

namespace {

double number(const std::string& text) { return text.empty() ? 0.0 : std::stod(text); }

std::vector<double> rates(const std::vector<std::string>& cells) {
  std::vector<double> out;
  if (cells.size() > 10 && !cells[10].empty()) out.push_back(std::stod(cells[10]));
  if (cells.size() > 11 && !cells[11].empty()) out.push_back(std::stod(cells[11]));
  return out;
}

}  // namespace

RunHistory readRunHistory(const std::string& runDir) {
  const train::RunPaths paths(runDir);
  if (!fs::exists(paths.config))
    throw UserError(runDir + ": no config.json here, so this is not a run folder. Open a folder "
                    "under runs/ that a training created");
  RunHistory history;
  history.config = config::loadConfigFile(paths.config);
  std::ifstream in(paths.metrics);
  std::string line;
  std::getline(in, line);  // header
  // Columns: kind,epoch,iteration,batch,phase,loss,train_loss,train_accuracy,val_loss,
  //          val_accuracy,lr_head,lr_backbone,images_per_second,seconds
  while (std::getline(in, line)) {
    const auto cells = train::splitCsvLine(line);
    if (cells.size() < 14) continue;  // a torn last line
    try {
      if (cells[0] == "iteration") {
        train::IterationEvent e;
        e.epoch = std::stoi(cells[1]) - 1;
        e.iteration = std::stoll(cells[2]);
        e.batch = std::stoll(cells[3]);
        e.loss = number(cells[5]);
        e.learningRates = rates(cells);
        e.imagesPerSecond = number(cells[12]);
        history.iterations.push_back(e);
      } else if (cells[0] == "epoch") {
        train::EpochEvent e;
        e.epoch = std::stoi(cells[1]) - 1;
        e.epochs = history.config.train.epochs;
        e.phase = cells[4] == "frozen" ? train::Phase::Frozen : train::Phase::Unfrozen;
        e.trainLoss = number(cells[6]);
        e.trainAccuracy = number(cells[7]);
        e.validationLoss = number(cells[8]);
        e.validationAccuracy = number(cells[9]);
        e.learningRates = rates(cells);
        e.imagesPerSecond = number(cells[12]);
        e.seconds = number(cells[13]);
        history.epochs.push_back(e);
      }
    } catch (const std::exception&) {
      // Skip a damaged row; the rest of the history still draws.
    }
  }
  // metrics.csv has no batches-per-epoch column: the largest batch number of an epoch is it.
  std::vector<std::int64_t> batchesPerEpoch;
  for (const auto& e : history.iterations) {
    if (e.epoch < 0) continue;
    if (batchesPerEpoch.size() <= std::size_t(e.epoch)) batchesPerEpoch.resize(std::size_t(e.epoch) + 1, 0);
    batchesPerEpoch[std::size_t(e.epoch)] = std::max(batchesPerEpoch[std::size_t(e.epoch)], e.batch);
  }
  const std::int64_t fullEpoch =
      batchesPerEpoch.empty() ? 0 : *std::max_element(batchesPerEpoch.begin(), batchesPerEpoch.end());
  for (auto& e : history.iterations) e.batchesPerEpoch = fullEpoch;

  double best = -1.0;
  for (auto& e : history.epochs) {
    e.best = e.validationAccuracy > best;
    best = std::max(best, e.validationAccuracy);
  }
  history.complete = int(history.epochs.size()) >= history.config.train.epochs;
  history.resumable = !history.complete && fs::exists(paths.lastCheckpoint);
  return history;
}

}  // namespace ft::api
