#pragma once
// Batches of transformed images, produced by worker threads into a bounded prefetch queue.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <torch/torch.h>

#include "data/data_source.h"
#include "data/transforms.h"

namespace ft::data {

struct LoaderOptions {
  int batchSize = 64;
  bool shuffle = true;
  bool dropLast = false;
  std::uint64_t seed = 42;
  int workers = 2;             // decoding/augmentation threads; 0 = decode inside next()
  int prefetch = 4;            // batches kept ready ahead of the consumer (at least `workers`)
  bool flushDenormals = true;  // FTZ + DAZ in the worker threads (common/float_env.h)
  TransformOptions transform;
};

// The tensors of a Batch stay valid as long as anything references them. The loader recycles
// an image buffer only after every reference (including views) to it is gone, so do not keep
// raw data_ptr() pointers beyond the tensor's lifetime.
struct Batch {
  torch::Tensor images;   // float32 [B, 3, H, W], normalised
  torch::Tensor labels;   // int64 [B]
  std::size_t index = 0;  // batch index within the epoch
};

// Positions into DataView::indices in the order a BatchLoader with these settings delivers the
// samples of `epoch` (the identity when not shuffling). The frozen-phase feature cache uses it
// to walk cached features in exactly the order the images would have come.
std::vector<std::size_t> epochOrder(std::size_t n, bool shuffle, std::uint64_t seed, int epoch);

class BatchLoader {
 public:
  BatchLoader(DataView view, LoaderOptions options);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  // Starts producing the batches of `epoch`. The sample order and every random augmentation
  // depend only on (seed, epoch, position), never on thread timing, so a run resumed at
  // `firstBatch` sees exactly the batches the uninterrupted run would have seen.
  void startEpoch(int epoch, std::size_t firstBatch = 0);
  // Next batch of the current epoch, or nullopt at its end. Rethrows worker errors.
  std::optional<Batch> next();
  std::size_t batchesPerEpoch() const;
  std::size_t samplesPerEpoch() const;
  // Images that could not be decoded so far, in any epoch (each once, sorted by path), and how
  // many: their samples came as kSkippedLabel.
  std::size_t skippedCount() const;
  std::vector<ScanWarning> skippedImages() const;
  // Seconds the consumer spent waiting in next() since startEpoch (data-starvation figure).
  double waitSeconds() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace ft::data
