#pragma once
// Where an epoch's batches come from, behind one interface: the data loader (decoded,
// transformed images) or the frozen phase's feature cache (the backbone's outputs, computed
// once). The trainer's training and validation loops are the same for both.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <torch/torch.h>

#include "data/loader.h"
#include "train/feature_cache.h"

namespace ft::train {

struct SourceBatch {
  torch::Tensor inputs;   // images [B, 3, S, S], or backbone features [B, F] when `features`
  torch::Tensor labels;   // [B] int64
  bool features = false;  // the head alone runs on `inputs`
};

class BatchSource {
 public:
  virtual ~BatchSource() = default;
  // Starts `epoch` (its order, when the source shuffles), skipping `skipBatches` (a resumed epoch).
  virtual void startEpoch(int epoch, std::size_t skipBatches = 0) = 0;
  virtual std::int64_t batchesPerEpoch() const = 0;
  // The next batch, on the device; nullopt at the end of the epoch.
  virtual std::optional<SourceBatch> next() = 0;
};

// Batches of `loader`, moved to `device`. The loader must outlive the source.
std::unique_ptr<BatchSource> loaderBatches(data::BatchLoader& loader, torch::Device device);

// Batches of cached rows, in the order a loader with the same `shuffle` and `seed` would deliver
// them (data::epochOrder), `batchSize` rows each (the last may be short). The cache must outlive
// the source.
std::unique_ptr<BatchSource> cachedBatches(const CachedFeatures& cache, std::size_t batchSize, bool shuffle,
                                           std::uint64_t seed);

}  // namespace ft::train
