#pragma once
// The models' BatchNorm2d: torch::nn::BatchNorm2d (same options, buffers and state-dict keys,
// found by as<torch::nn::BatchNorm2d>()), which can also normalise with the statistics of every
// rank's slice of a data-parallel batch — synchronised BatchNorm, as PyTorch's
// nn.SyncBatchNorm (issue 16). The ranks are reached through BatchStatsReducer, so the models
// need no distributed code: core/distributed adapts its Communicator to it.
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

class BatchNorm2dImpl : public torch::nn::BatchNorm2dImpl {
 public:
  explicit BatchNorm2dImpl(const torch::nn::BatchNorm2dOptions& options)
      : torch::nn::BatchNorm2dImpl(options) {}
  // In training mode with a reducer: the mean and variance of the whole global batch (all
  // ranks), the gradient through them summed across ranks, the running statistics updated from
  // the global ones (so every rank keeps the same). Otherwise torch::nn::BatchNorm2d's forward.
  torch::Tensor forward(const torch::Tensor& input);

  std::shared_ptr<BatchStatsReducer> reducer;  // null: per-rank (DDP's default) or one process
};
TORCH_MODULE(BatchNorm2d);

// Sets (or, with null, clears) the reducer of every models::BatchNorm2d in `module`; returns
// how many there are.
std::int64_t setBatchNormReducer(torch::nn::Module& module,
                                 const std::shared_ptr<BatchStatsReducer>& reducer);

}  // namespace ft::models
