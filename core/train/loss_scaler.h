#pragma once
// Dynamic loss scaling for float16 mixed precision (issue 12), as PyTorch's GradScaler does it.
// float16 gradients below 6e-8 underflow to zero; the loss is multiplied by a large scale
// before backward and the gradients divided by it before the optimiser steps. A step whose
// gradients hold inf or NaN (the scale was too large) is skipped and the scale halved; after
// `growthInterval` good steps in a row the scale doubles. bfloat16 has float32's exponent
// range and needs none of this.
#include <cstdint>
#include <functional>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

namespace ft::train {

struct LossScalerOptions {
  double initialScale = 65536.0;  // 2^16, GradScaler's default
  double growthFactor = 2.0;
  double backoffFactor = 0.5;
  int growthInterval = 2000;
};

class LossScaler {
 public:
  explicit LossScaler(LossScalerOptions options = {});

  // One optimiser step on `loss`: backward of loss * scale, gradients divided by the scale,
  // the step taken only when every gradient is finite, then the scale updated. The optimiser's
  // gradients must have been zeroed. Returns false when the step was skipped.
  bool step(const torch::Tensor& loss, torch::optim::Optimizer& optimizer,
            const std::function<void()>& afterBackward = {});

  // The parts of step(), for tests and for callers with their own backward:
  torch::Tensor scaled(const torch::Tensor& loss) const;
  // Divides every defined gradient of `optimizer`'s parameters by the scale; true when they
  // are all finite afterwards.
  bool unscale(torch::optim::Optimizer& optimizer) const;
  // Shrinks the scale after a skipped step, grows it after growthInterval finite steps.
  void update(bool gradientsFinite);

  double scale() const { return m_scale; }
  int goodSteps() const { return m_goodSteps; }
  std::int64_t skippedSteps() const { return m_skipped; }

  // Saved in checkpoints, so a resumed float16 run continues with the same scale.
  nlohmann::json state() const;
  void restore(const nlohmann::json& state);

 private:
  LossScalerOptions m_options;
  double m_scale;
  int m_goodSteps = 0;
  std::int64_t m_skipped = 0;
};

// Backward of `loss` and the optimiser's step: through the scaler when there is one (float16),
// plainly otherwise. Returns false when the scaler skipped the step.
// `afterBackward` runs between the backward pass and the step (data-parallel training sums the
// gradients across ranks there, before the scaler looks for inf/NaN).
bool backwardAndStep(const torch::Tensor& loss, torch::optim::Optimizer& optimizer, LossScaler* scaler,
                     const std::function<void()>& afterBackward = {});

}  // namespace ft::train
