// results_api.h, evaluation half: evaluateRun and validationImages (the maths and the stored
// files are in train/evaluation.*, the model pass in train/evaluate_model.*).
#include <filesystem>

#include <torch/torch.h>

#include "api/results_api.h"
#include "api/thumbnail.h"
#include "common/error.h"
#include "data/data_source.h"
#include "data/loader.h"
#include "models/classifier.h"
#include "run/checkpoint.h"
#include "train/device.h"
#include "train/device_select.h"
#include "train/evaluate_model.h"
#include "train/evaluation.h"
#include "train/precision.h"
#include "run/run_folder.h"

namespace fs = std::filesystem;

namespace ft::api {
namespace {

// Thumbnails for a review grid may be looked at closer than the data preview's.
constexpr int kValidationThumbnailSide = 128;

// The run's data, opened exactly as the run opened it (same split, limits and seed).
data::OpenedData openRunData(const config::RunConfig& config, const run::RunPaths& paths) {
  const std::string fix = "; move the data back there, or edit data.path" +
                          std::string(config.data.validation == "folder" ? " / data.validation_path" : "") +
                          " in " + paths.config + " to where it is now";
  if (!fs::exists(config.data.path))
    throw UserError(config.data.path + ": the data of this run is no longer there (data.path in " +
                    paths.config + ")" + fix);
  if (config.data.validation == "folder" && !fs::exists(config.data.validationPath))
    throw UserError(config.data.validationPath +
                    ": the validation data of this run is no longer "
                    "there (data.validation_path in " +
                    paths.config + ")" + fix);
  try {
    return data::openData(config.data, config.train.seed);
  } catch (const UserError& e) {
    throw UserError(std::string("the data of this run cannot be opened as it was: ") + e.what() +
                    " (data.path = " + config.data.path + " in " + paths.config + ")" + fix);
  }
}

}  // namespace

EvaluationReport evaluateRun(const std::string& runDir, const std::string& which,
                             const std::function<bool(std::int64_t, std::int64_t)>& progress) {
  run::checkCheckpointName(which);
  const auto paths = run::openRunFolder(runDir);
  const auto config = run::loadRunConfig(paths);
  const std::string checkpoint = run::existingCheckpoint(paths, which);
  const auto stamp = run::stampOf(checkpoint);
  const auto device = train::resolveDevice(config.device.device);
  train::applyThreadCount(config.device.threads);
  train::applyFloatEnvironment(config.device.flushDenormals);
  const auto opened = openRunData(config, paths);

  // The checkpoint's own state says how its model was built and preprocessed its inputs.
  torch::serialize::InputArchive archive;
  const std::string stateText =
      run::openCheckpoint(archive, checkpoint,
                          ": not a readable FineTune Studio checkpoint (truncated or damaged); evaluate the "
                          "other one (best/last) or train again");
  nlohmann::json state;
  data::TransformOptions evalTransform;
  std::vector<std::string> classNames;
  int epoch = 0;
  try {
    state = nlohmann::json::parse(stateText);
    classNames = state.at("class_names").get<std::vector<std::string>>();
    evalTransform.inputSize = state.at("input_size").get<int>();
    evalTransform.mean = state.at("mean").get<std::array<float, 3>>();
    evalTransform.std = state.at("std").get<std::array<float, 3>>();
    evalTransform.resizeSize = state.value("resize_size", 0);  // runs before resize_size: stretched
    evalTransform.interpolation =
        data::interpolationFromName(state.value("interpolation", std::string("bilinear")), "interpolation");
    (void)data::ImageTransform(evalTransform);  // an out-of-range size throws here, as a damaged state
    epoch = state.at("epochs_completed").get<int>();
  } catch (const std::exception& e) {
    throw UserError(checkpoint + ": the checkpoint's training state is damaged (" + e.what() + ")");
  }
  if (classNames != opened.classNames)
    throw UserError(config.data.path + ": the data now has " + std::to_string(opened.classNames.size()) +
                    " classes that differ from the " + std::to_string(classNames.size()) +
                    " the run was trained on (" + checkpoint + "); point data.path in " + paths.config +
                    " back at the run's data");

  auto model =
      models::makeClassifier(config.model.architecture, int(classNames.size()), config.transform.inputSize);
  run::readModelState(archive, *model, checkpoint, /*skipMismatchedHead=*/false);
  model->to(device);
  data::BatchLoader loader(opened.validation, train::validationLoaderOptions(config, evalTransform));
  // In the run's validation precision, as its accuracies were measured (on this machine).
  train::Precision precision = train::Precision::Float32;
  try {
    precision = train::precisionFor(config, device).validation;
  } catch (const UserError&) {
    // A float16 (CUDA) run evaluated on a CPU: float32, and the report says so.
  }
  auto report = train::evaluateModel(*model, loader, device, classNames, which, epoch, progress, precision);
  run::saveEvaluation(runDir, report, stamp);
  return report;
}

std::vector<Thumbnail> validationImages(const std::string& runDir,
                                        const std::vector<std::size_t>& sampleIndices) {
  const auto paths = run::openRunFolder(runDir);
  const auto config = run::loadRunConfig(paths);
  const auto opened = openRunData(config, paths);
  const auto& view = opened.validation;
  std::vector<Thumbnail> out;
  out.reserve(sampleIndices.size());
  for (const std::size_t index : sampleIndices) {
    if (index >= view.indices.size())
      throw UserError("validation sample " + std::to_string(index) +
                      " does not exist: the run's "
                      "validation set (" +
                      paths.config + ") has " + std::to_string(view.indices.size()) +
                      " images. An evaluation that lists it was made on other data: evaluate the run again");
    const std::size_t datasetIndex = view.indices[index];
    out.push_back(makeThumbnail(view.dataset->image(datasetIndex), view.dataset->label(datasetIndex),
                                kValidationThumbnailSide));
  }
  return out;
}

}  // namespace ft::api
