#include "export/run_model.h"

#include <filesystem>
#include <random>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "data/data_source.h"
#include "data/transforms.h"
#include "train/checkpoint.h"
#include "train/run_folder.h"

namespace fs = std::filesystem;

namespace ft::exporting {

RunModel loadRunModel(const std::string& runDir, const std::string& which) {
  if (which != "best" && which != "last")
    throw UserError("checkpoint \"" + which + "\" is not known; use best or last");
  const train::RunPaths paths(runDir);
  if (!fs::exists(paths.config))
    throw UserError(runDir + ": no config.json here, so this is not a run folder");
  RunModel run;
  run.checkpoint = which == "best" ? paths.bestCheckpoint : paths.lastCheckpoint;
  if (!fs::exists(run.checkpoint))
    throw UserError(run.checkpoint + ": missing; the run has not finished an epoch yet");
  run.config = config::loadConfigFile(paths.config);

  // The checkpoint's own state says how the model was built (class names, preprocessing).
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(run.checkpoint);
  } catch (const c10::Error&) {
    throw UserError(run.checkpoint + ": damaged checkpoint; use the other one (best/last)");
  }
  c10::IValue stateValue;
  if (!archive.try_read("finetune_state", stateValue) || !stateValue.isString())
    throw UserError(run.checkpoint + ": this file is not a FineTune Studio checkpoint");
  try {
    const auto state = nlohmann::json::parse(stateValue.toStringRef());
    run.metadata.architecture = run.config.model.architecture;
    run.metadata.classNames = state.at("class_names").get<std::vector<std::string>>();
    run.metadata.inputSize = state.at("input_size").get<int>();
    run.metadata.mean = state.at("mean").get<std::array<float, 3>>();
    run.metadata.std = state.at("std").get<std::array<float, 3>>();
  } catch (const std::exception&) {
    throw UserError(run.checkpoint + ": the checkpoint's state is incomplete or damaged; use the other one (best/last)");
  }
  run.metadata.imageChannels = imageChannelsFor(run.config.data);
  run.metadata.sourceRun = runDir;

  run.model = models::ResNet(models::parseArchitecture(run.metadata.architecture),
                             int(run.metadata.classNames.size()));
  train::readModelState(archive, *run.model, run.checkpoint, /*skipMismatchedHead=*/false);
  run.model->eval();
  return run;
}

int imageChannelsFor(const config::DataConfig& data) {
  std::string format = data.format;
  if (format == "auto") {
    try {
      format = data::detectFormat(data.path);
    } catch (const UserError&) {
      format = "folder";
    }
  }
  if (format == "idx") return 1;
  if (format == "cifar10") return 3;
  return data.grayscale ? 1 : 3;
}

torch::Tensor validationSampleBatch(const RunModel& run, int count, std::string* whyNot) {
  data::OpenedData opened;
  try {
    opened = data::openData(run.config.data, run.config.train.seed);
  } catch (const UserError& e) {
    if (whyNot) *whyNot = std::string("the run's validation data cannot be opened: ") + e.what();
    return {};
  }
  data::TransformOptions options;
  options.inputSize = run.metadata.inputSize;
  options.augment = false;
  options.mean = run.metadata.mean;
  options.std = run.metadata.std;
  const data::ImageTransform transform(options);
  const auto& view = opened.validation;
  const std::int64_t n = std::min<std::int64_t>(count, std::int64_t(view.indices.size()));
  torch::Tensor batch = torch::empty({n, 3, options.inputSize, options.inputSize}, torch::kFloat32);
  std::mt19937_64 unused;  // no augmentation: the transform draws nothing
  for (std::int64_t i = 0; i < n; ++i)
    transform.apply(view.dataset->image(view.indices[std::size_t(i)]), batch[i].data_ptr<float>(), unused);
  return batch;
}

}  // namespace ft::exporting
