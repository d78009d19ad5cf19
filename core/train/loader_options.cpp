#include "train/loader_options.h"

#include "weights/official_weights.h"

namespace ft::train {
namespace {

data::LoaderOptions runLoaderOptions(const config::RunConfig& config, int batchSize, bool shuffle,
                                     const data::TransformOptions& transform) {
  data::LoaderOptions options;
  options.batchSize = batchSize;
  options.shuffle = shuffle;
  options.seed = config.train.seed;
  options.workers = config.train.workers;
  options.prefetch = config.train.prefetch;
  options.flushDenormals = config.device.flushDenormals;
  options.transform = transform;
  return options;
}

}  // namespace

data::TransformOptions trainingTransform(const config::RunConfig& config) {
  data::TransformOptions transform;
  transform.inputSize = config.transform.inputSize;
  transform.cropPadding = config.transform.cropPadding;
  transform.horizontalFlip = config.transform.horizontalFlip;
  transform.augment = config.transform.cropPadding > 0 || config.transform.horizontalFlip;
  const auto prep = weights::inputPreprocessing(config.transform.preprocessing, config.model.architecture,
                                                config.model.weights, config.transform.inputSize);
  transform.resizeSize = prep.resizeSize;
  transform.interpolation = data::interpolationFromName(prep.interpolation);
  return transform;
}

data::LoaderOptions trainingLoaderOptions(const config::RunConfig& config,
                                          const data::TransformOptions& transform) {
  return runLoaderOptions(config, config.train.batchSize, true, transform);
}

data::LoaderOptions validationLoaderOptions(const config::RunConfig& config,
                                            const data::TransformOptions& evalTransform) {
  auto options = runLoaderOptions(config, config.train.evalBatchSize, false, evalTransform);
  options.transform.augment = false;
  return options;
}

}  // namespace ft::train
