#pragma once
// Adam and AdamW with the update done in one pass over memory (issue 6). LibTorch 1.13's
// torch::optim::Adam::step runs about nine tensor operations per parameter (PyTorch 1.13's CPU
// Adam does the same), each a full sweep of 45 MB for ResNet-18: the optimiser step was 14-19%
// of an unfrozen training step. This class keeps torch::optim::Adam's options, state
// (step, exp_avg, exp_avg_sq) and serialisation, so checkpoints are interchangeable; only step()
// differs, computing the same formula element by element. Parameters it cannot handle (not
// float32, not contiguous, sparse gradients, amsgrad) go through the stock implementation.
#include <string>
#include <vector>

#include <torch/torch.h>

namespace ft::train {

class FusedAdam : public torch::optim::Adam {
 public:
  // decoupledWeightDecay = true gives AdamW's rule (p *= 1 - lr * weight_decay before the
  // update) instead of Adam's L2 term added to the gradient.
  FusedAdam(std::vector<torch::optim::OptimizerParamGroup> groups, torch::optim::AdamOptions defaults,
            bool decoupledWeightDecay = false);
  torch::Tensor step(LossClosure closure = nullptr) override;

 private:
  torch::optim::AdamParamState& stateFor(const std::string& key, const torch::Tensor& p,
                                         torch::MemoryFormat format, bool amsgrad);
  bool m_decoupled;
};

}  // namespace ft::train
