#include "train/batchnorm_recalibration.h"

#include <algorithm>
#include <chrono>
#include <vector>

namespace ft::train {
namespace {

// One BatchNorm layer, whatever its dimensionality: its options and buffers.
struct BatchNormLayer {
  torch::nn::Module* module = nullptr;
  c10::optional<double>* momentum = nullptr;  // nullopt = cumulative average
  torch::Tensor runningMean, runningVar, batchesTracked;
  std::function<void()> resetStatistics;
};

template <typename Impl>
bool asLayer(torch::nn::Module& module, BatchNormLayer& out) {
  auto* bn = dynamic_cast<Impl*>(&module);
  if (!bn || !bn->options.track_running_stats()) return false;
  out.module = bn;
  out.momentum = &bn->options.momentum();
  out.runningMean = bn->running_mean;
  out.runningVar = bn->running_var;
  out.batchesTracked = bn->num_batches_tracked;
  out.resetStatistics = [bn] { bn->reset_running_stats(); };
  return true;
}

std::vector<BatchNormLayer> trainingLayers(models::ClassifierImpl& model) {
  std::vector<BatchNormLayer> out;
  for (const auto& module : model.modules(/*include_self=*/false)) {
    if (!module->is_training()) continue;
    BatchNormLayer layer;
    if (asLayer<torch::nn::BatchNorm2dImpl>(*module, layer) ||
        asLayer<torch::nn::BatchNorm1dImpl>(*module, layer))
      out.push_back(std::move(layer));
  }
  return out;
}

}  // namespace

std::int64_t trainingBatchNormLayers(models::ClassifierImpl& model) {
  return std::int64_t(trainingLayers(model).size());
}

std::int64_t recalibrationImages(models::ClassifierImpl& model, int setting, std::size_t available) {
  std::int64_t images = 0;
  if (setting > 0) {
    images = setting;
  } else if (setting < 0) {
    for (const auto& layer : trainingLayers(model))
      if (!layer.momentum->has_value() || **layer.momentum < 0.1) images = kAutoRecalibrationImages;
  }
  if (images > 0 && trainingBatchNormLayers(model) == 0) images = 0;
  return std::min<std::int64_t>(images, std::int64_t(available));
}

data::DataView evenSubset(const data::DataView& view, std::size_t count) {
  data::DataView out{view.dataset, {}};
  const std::size_t n = view.indices.size();
  count = std::min(count, n);
  out.indices.reserve(count);
  for (std::size_t i = 0; i < count; ++i) out.indices.push_back(view.indices[i * n / count]);
  return out;
}

RecalibrationResult recalibrateBatchNorm(models::ClassifierImpl& model, const data::DataView& view,
                                         data::LoaderOptions options, torch::Device device,
                                         Precision precision, bool channelsLast,
                                         const std::function<bool()>& shouldStop) {
  const auto start = std::chrono::steady_clock::now();
  auto layers = trainingLayers(model);
  if (layers.empty() || view.indices.empty()) return {};

  torch::NoGradGuard noGrad;
  // Kept to undo a stopped recalibration.
  std::vector<std::vector<torch::Tensor>> saved;
  std::vector<c10::optional<double>> momenta;
  for (auto& layer : layers) {
    saved.push_back({layer.runningMean.clone(), layer.runningVar.clone(), layer.batchesTracked.clone()});
    momenta.push_back(*layer.momentum);
    layer.resetStatistics();
    *layer.momentum = c10::nullopt;  // LibTorch: running = mean over the batches seen since reset
  }
  const bool wasTraining = model.is_training();
  model.eval();
  for (auto& layer : layers) layer.module->train(true);

  auto restore = [&](bool statistics) {
    for (std::size_t i = 0; i < layers.size(); ++i) {
      *layers[i].momentum = momenta[i];
      if (statistics) {
        layers[i].runningMean.copy_(saved[i][0]);
        layers[i].runningVar.copy_(saved[i][1]);
        layers[i].batchesTracked.copy_(saved[i][2]);
      }
    }
    model.train(wasTraining);
  };

  options.shuffle = false;
  options.dropLast = false;
  options.transform.augment = false;
  RecalibrationResult result;
  try {
    data::BatchLoader loader(view, options);
    loader.startEpoch(0);
    while (true) {
      if (shouldStop && shouldStop()) {
        restore(true);
        return {};
      }
      auto batch = loader.next();
      if (!batch) break;
      const auto images = batch->images.to(device);
      model.classify(featuresIn(model, images, precision, channelsLast));
      result.images += images.size(0);
    }
  } catch (...) {
    restore(true);
    throw;
  }
  restore(false);
  result.layers = std::int64_t(layers.size());
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace ft::train
