#include "train/loader_options.h"

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
