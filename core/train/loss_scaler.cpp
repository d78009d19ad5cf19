#include "train/loss_scaler.h"

namespace ft::train {

LossScaler::LossScaler(LossScalerOptions options) : m_options(options), m_scale(options.initialScale) {}

torch::Tensor LossScaler::scaled(const torch::Tensor& loss) const { return loss * m_scale; }

bool LossScaler::unscale(torch::optim::Optimizer& optimizer) const {
  torch::NoGradGuard noGrad;
  const double inverse = 1.0 / m_scale;
  torch::Tensor nonFinite;  // one flag on the device: a single synchronisation per step
  for (auto& group : optimizer.param_groups()) {
    for (auto& parameter : group.params()) {
      auto& grad = parameter.mutable_grad();
      if (!grad.defined()) continue;
      grad.mul_(inverse);
      const auto bad = torch::isfinite(grad).all().logical_not();
      nonFinite = nonFinite.defined() ? nonFinite.logical_or(bad) : bad;
    }
  }
  return !nonFinite.defined() || !nonFinite.item<bool>();
}

void LossScaler::update(bool gradientsFinite) {
  if (!gradientsFinite) {
    m_scale *= m_options.backoffFactor;
    m_goodSteps = 0;
    ++m_skipped;
    return;
  }
  if (++m_goodSteps >= m_options.growthInterval) {
    m_scale *= m_options.growthFactor;
    m_goodSteps = 0;
  }
}

bool LossScaler::step(const torch::Tensor& loss, torch::optim::Optimizer& optimizer,
                      const std::function<void()>& afterBackward) {
  scaled(loss).backward();
  if (afterBackward) afterBackward();
  const bool finite = unscale(optimizer);
  if (finite) optimizer.step();
  update(finite);
  return finite;
}

nlohmann::json LossScaler::state() const {
  return {{"scale", m_scale}, {"good_steps", m_goodSteps}, {"skipped_steps", m_skipped}};
}

void LossScaler::restore(const nlohmann::json& state) {
  m_scale = state.at("scale");
  m_goodSteps = state.at("good_steps");
  m_skipped = state.at("skipped_steps");
}

bool backwardAndStep(const torch::Tensor& loss, torch::optim::Optimizer& optimizer, LossScaler* scaler,
                     const std::function<void()>& afterBackward) {
  if (scaler) return scaler->step(loss, optimizer, afterBackward);
  loss.backward();
  if (afterBackward) afterBackward();
  optimizer.step();
  return true;
}

}  // namespace ft::train
