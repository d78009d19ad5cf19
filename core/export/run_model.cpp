#include "export/run_model.h"

#include <filesystem>
#include <random>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "data/data_source.h"
#include "data/transforms.h"
#include "run/checkpoint.h"
#include "run/run_folder.h"

namespace fs = std::filesystem;

namespace ft::exporting {

RunModel loadRunModel(const std::string& runDir, const std::string& which) {
  run::checkCheckpointName(which);
  const auto paths = run::openRunFolder(runDir);
  RunModel loaded;
  loaded.checkpoint = run::existingCheckpoint(paths, which);
  loaded.config = run::loadRunConfig(paths);

  // The checkpoint's own state says how the model was built (class names, preprocessing).
  torch::serialize::InputArchive archive;
  const std::string stateText =
      run::openCheckpoint(archive, loaded.checkpoint, ": damaged checkpoint; use the other one (best/last)");
  try {
    const auto state = nlohmann::json::parse(stateText);
    loaded.metadata.architecture = loaded.config.model.architecture;
    loaded.metadata.classNames = state.at("class_names").get<std::vector<std::string>>();
    loaded.metadata.inputSize = state.at("input_size").get<int>();
    loaded.metadata.mean = state.at("mean").get<std::array<float, 3>>();
    loaded.metadata.std = state.at("std").get<std::array<float, 3>>();
    loaded.metadata.resizeSize = state.value("resize_size", 0);  // runs before resize_size: stretched
    loaded.metadata.interpolation = state.value("interpolation", std::string("bilinear"));
    (void)data::ImageTransform(evaluationTransform(loaded.metadata));  // damaged values throw here
  } catch (const std::exception&) {
    throw UserError(loaded.checkpoint +
                    ": the checkpoint's state is incomplete or damaged; use the other one (best/last)");
  }
  loaded.metadata.imageChannels = imageChannelsFor(loaded.config.data);
  loaded.metadata.sourceRun = runDir;

  loaded.model = models::makeClassifier(loaded.metadata.architecture, int(loaded.metadata.classNames.size()),
                                        loaded.metadata.inputSize);
  run::readModelState(archive, *loaded.model, loaded.checkpoint, /*skipMismatchedHead=*/false);
  loaded.model->eval();
  return loaded;
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
  const data::TransformOptions options = evaluationTransform(run.metadata);
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
