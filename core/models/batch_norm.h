#pragma once
// Synchronised BatchNorm (issue 16), as PyTorch's nn.SyncBatchNorm: the models' BatchNorm2d
// layers (plain torch::nn::BatchNorm2d, so keys, exporters and checks stay as they are) run
// through batchNorm(), which can normalise with the statistics of every rank's slice of a
// data-parallel batch. The ranks are reached through BatchStatsReducer, so the models need no
// distributed code: core/distributed adapts its Communicator to it.
#include <cstdint>
#include <memory>
#include <vector>

#include <torch/torch.h>

namespace ft::models {

// Sums tensors in place across the ranks of a data-parallel run; every rank calls it in the
// same order (each rank runs the same layers).
class BatchStatsReducer {
 public:
  virtual ~BatchStatsReducer() = default;
  virtual int rank() const = 0;
  virtual int worldSize() const = 0;
  virtual void allReduceSum(std::vector<torch::Tensor>& tensors) = 0;
};

// While one is alive on a thread, the models' BatchNorm2d layers that run in training mode on
// that thread normalise with the statistics of every rank's batch through `reducer` (the
// trainer holds one around its training forward pass). Scopes nest; null turns it off.
class SyncBatchNormScope {
 public:
  explicit SyncBatchNormScope(BatchStatsReducer* reducer);
  ~SyncBatchNormScope();
  SyncBatchNormScope(const SyncBatchNormScope&) = delete;
  SyncBatchNormScope& operator=(const SyncBatchNormScope&) = delete;

 private:
  BatchStatsReducer* m_previous;
};

// What the models call for every BatchNorm2d: norm(x) as torch computes it, or, in training
// mode inside a SyncBatchNormScope, synchronised BatchNorm: the mean and variance of the whole
// global batch, the gradient through them summed across ranks, the running statistics updated
// from the global ones (so every rank keeps the same).
torch::Tensor batchNorm(torch::nn::BatchNorm2dImpl& norm, const torch::Tensor& x);

// Sequential's forward, with its BatchNorm2d children through batchNorm().
torch::Tensor forwardSequential(torch::nn::Sequential& sequential, torch::Tensor x);

}  // namespace ft::models
