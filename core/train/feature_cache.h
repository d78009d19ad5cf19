#pragma once
// The frozen phase's shortcut (issue 6): with the backbone frozen and its BatchNorm layers held
// in eval mode, the backbone maps each unaugmented image to the same features in every epoch.
// They are computed once, and the head trains on them: an epoch then costs a Linear layer's
// forward and backward instead of the whole network's forward.
#include <cstddef>
#include <functional>
#include <vector>

#include <torch/torch.h>

#include "data/loader.h"
#include "models/classifier.h"
#include "train/precision.h"

namespace ft::train {

struct CachedFeatures {
  torch::Tensor features;                  // [N, featureDim] float32 on the model's device, in DataView order
  torch::Tensor labels;                    // [N] int64 on the same device
  double seconds = 0.0;                    // time spent computing them
  std::vector<data::ScanWarning> skipped;  // undecodable images (rows labelled kSkippedLabel)
  bool empty() const { return !features.defined(); }
  std::size_t size() const { return empty() ? 0 : std::size_t(features.size(0)); }
};

// Runs the backbone (eval mode, no autograd) over every sample of `view`, decoded and
// transformed by a loader with `options` (its transform should not augment; shuffle is
// ignored). The model's train/eval mode is restored afterwards. `shouldStop` is polled before
// every batch; an empty CachedFeatures comes back when it answered true. The backbone runs in
// `precision` (featuresIn); the rows are float32 either way.
CachedFeatures computeFeatures(models::ClassifierImpl& model, const data::DataView& view,
                               data::LoaderOptions options, torch::Device device,
                               const std::function<bool()>& shouldStop = {},
                               Precision precision = Precision::Float32, bool channelsLast = false);

// Row indices (int64, on `device`) of batch `batch` when the samples come in `order` (positions
// into the DataView, see data::epochOrder) in batches of `batchSize`; the last batch may be
// short. Empty when `batch` is past the end.
torch::Tensor batchRows(const std::vector<std::size_t>& order, std::size_t batch, std::size_t batchSize,
                        torch::Device device);

}  // namespace ft::train
