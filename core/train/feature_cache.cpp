#include "train/feature_cache.h"
#include "train/precision.h"

#include <algorithm>
#include <chrono>

namespace ft::train {

CachedFeatures computeFeatures(models::ClassifierImpl& model, const data::DataView& view,
                               data::LoaderOptions options, torch::Device device,
                               const std::function<bool()>& shouldStop, Precision precision,
                               bool channelsLast) {
  const auto start = std::chrono::steady_clock::now();
  options.shuffle = false;
  options.dropLast = false;
  data::BatchLoader loader(view, options);
  loader.startEpoch(0);

  const bool wasTraining = model.is_training();
  model.eval();
  // NoGradGuard, not InferenceMode: the cached rows later feed a Linear layer that autograd
  // records, and inference tensors cannot be saved for backward.
  torch::NoGradGuard noGrad;
  const auto n = std::int64_t(view.indices.size());
  CachedFeatures cache;
  cache.features = torch::empty({n, model.featureDim()}, torch::dtype(torch::kFloat32).device(device));
  cache.labels = torch::empty({n}, torch::dtype(torch::kInt64).device(device));
  std::int64_t row = 0;
  while (true) {
    if (shouldStop && shouldStop()) {
      model.train(wasTraining);
      return {};
    }
    auto batch = loader.next();
    if (!batch) break;
    const auto size = batch->labels.size(0);
    const auto images = batch->images.to(device);
    cache.features.narrow(0, row, size).copy_(featuresIn(model, images, precision, channelsLast));
    cache.labels.narrow(0, row, size).copy_(batch->labels.to(device));
    row += size;
  }
  model.train(wasTraining);
  cache.skipped = loader.skippedImages();
  cache.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return cache;
}

torch::Tensor batchRows(const std::vector<std::size_t>& order, std::size_t batch, std::size_t batchSize,
                        torch::Device device) {
  const std::size_t begin = std::min(order.size(), batch * batchSize);
  const std::size_t end = std::min(order.size(), begin + batchSize);
  std::vector<std::int64_t> rows(order.begin() + std::ptrdiff_t(begin), order.begin() + std::ptrdiff_t(end));
  return torch::tensor(rows, torch::kInt64).to(device);
}

}  // namespace ft::train
