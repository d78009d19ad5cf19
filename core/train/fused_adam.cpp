#include "train/fused_adam.h"

#include <cmath>

#include <ATen/Parallel.h>

namespace ft::train {
namespace {

// Element by element over raw memory is right when the parameter, its gradient and its state
// store their elements in the same order: all dense in one memory format (NCHW, or NHWC for the
// convolution weights of a mixed-precision run).
bool fusable(const torch::Tensor& p, const torch::Tensor& grad, torch::MemoryFormat format) {
  return p.device().is_cpu() && p.scalar_type() == torch::kFloat32 && p.is_contiguous(format) &&
         grad.defined() && !grad.is_sparse() && grad.scalar_type() == torch::kFloat32 &&
         grad.sizes() == p.sizes() && grad.is_contiguous(format);
}

struct Coefficients {
  float beta1, oneMinusBeta1, beta2, oneMinusBeta2, sqrtBiasCorrection2, eps, stepSize, weightDecay,
      decoupledScale;
};

// One element of Adam, in the order torch::optim::Adam applies it:
//   g += wd * p (Adam) | p *= 1 - lr * wd (AdamW); m = m * b1 + (1 - b1) g;
//   v = v * b2 + (1 - b2) g^2; p -= step * m / (sqrt(v) / sqrt(bc2) + eps).
void update(float* __restrict p, const float* __restrict g, float* __restrict m, float* __restrict v,
            std::int64_t begin, std::int64_t end, const Coefficients& c, bool decoupled) {
  for (std::int64_t i = begin; i < end; ++i) {
    float grad = g[i];
    float param = p[i];
    if (decoupled)
      param *= c.decoupledScale;
    else
      grad += c.weightDecay * param;
    const float mi = m[i] * c.beta1 + c.oneMinusBeta1 * grad;
    const float vi = v[i] * c.beta2 + c.oneMinusBeta2 * grad * grad;
    m[i] = mi;
    v[i] = vi;
    p[i] = param - c.stepSize * (mi / (std::sqrt(vi) / c.sqrtBiasCorrection2 + c.eps));
  }
}

}  // namespace

FusedAdam::FusedAdam(std::vector<torch::optim::OptimizerParamGroup> groups,
                     torch::optim::AdamOptions defaults, bool decoupledWeightDecay)
    : torch::optim::Adam(std::move(groups), std::move(defaults)), m_decoupled(decoupledWeightDecay) {}

torch::optim::AdamParamState& FusedAdam::stateFor(const std::string& key, const torch::Tensor& p,
                                                  torch::MemoryFormat format, bool amsgrad) {
  auto it = state_.find(key);
  if (it == state_.end()) {  // first step of this tensor, as torch::optim::Adam starts it
    auto fresh = std::make_unique<torch::optim::AdamParamState>();
    fresh->step(0);
    fresh->exp_avg(torch::zeros_like(p, format));
    fresh->exp_avg_sq(torch::zeros_like(p, format));
    if (amsgrad) fresh->max_exp_avg_sq(torch::zeros_like(p, format));
    it = state_.emplace(key, std::move(fresh)).first;
  }
  return static_cast<torch::optim::AdamParamState&>(*it->second);
}

torch::Tensor FusedAdam::step(LossClosure closure) {
  torch::NoGradGuard noGrad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enableGrad(true);
    loss = closure();
  }
  for (auto& group : param_groups_) {
    auto& options = static_cast<torch::optim::AdamOptions&>(group.options());
    for (auto& p : group.params()) {
      const auto& grad = p.grad();
      if (!grad.defined()) continue;
      const auto key = c10::guts::to_string(p.unsafeGetTensorImpl());
      const auto format = p.suggest_memory_format();
      if (!fusable(p, grad, format) || options.amsgrad()) {
        // The stock rule for this tensor, written out as torch::optim::Adam/AdamW do it.
        auto& s = stateFor(key, p, torch::MemoryFormat::Preserve, options.amsgrad());
        s.step(s.step() + 1);
        const auto [beta1, beta2] = options.betas();
        const double bc1 = 1 - std::pow(beta1, double(s.step()));
        const double bc2 = 1 - std::pow(beta2, double(s.step()));
        auto g = grad;
        if (options.weight_decay() != 0) {
          if (m_decoupled)
            p.mul_(1 - options.lr() * options.weight_decay());
          else
            g = g.add(p, options.weight_decay());
        }
        s.exp_avg().mul_(beta1).add_(g, 1 - beta1);
        s.exp_avg_sq().mul_(beta2).addcmul_(g, g, 1 - beta2);
        torch::Tensor denom;
        if (options.amsgrad()) {
          torch::max_out(s.max_exp_avg_sq(), s.exp_avg_sq(), s.max_exp_avg_sq());
          denom = (s.max_exp_avg_sq().sqrt() / std::sqrt(bc2)).add_(options.eps());
        } else {
          denom = (s.exp_avg_sq().sqrt() / std::sqrt(bc2)).add_(options.eps());
        }
        p.addcdiv_(s.exp_avg(), denom, -options.lr() / bc1);
        continue;
      }
      auto& s = stateFor(key, p, format, false);
      if (!s.exp_avg().is_contiguous(format)) s.exp_avg(s.exp_avg().contiguous(format));
      if (!s.exp_avg_sq().is_contiguous(format)) s.exp_avg_sq(s.exp_avg_sq().contiguous(format));
      s.step(s.step() + 1);
      const auto [beta1, beta2] = options.betas();
      const double bc1 = 1 - std::pow(beta1, double(s.step()));
      const double bc2 = 1 - std::pow(beta2, double(s.step()));
      Coefficients c{};
      c.beta1 = float(beta1);
      c.oneMinusBeta1 = float(1 - beta1);
      c.beta2 = float(beta2);
      c.oneMinusBeta2 = float(1 - beta2);
      c.sqrtBiasCorrection2 = float(std::sqrt(bc2));
      c.eps = float(options.eps());
      c.stepSize = float(options.lr() / bc1);
      c.weightDecay = float(options.weight_decay());
      c.decoupledScale = float(1 - options.lr() * options.weight_decay());
      float* pp = p.data_ptr<float>();
      const float* gp = grad.data_ptr<float>();
      float* mp = s.exp_avg().data_ptr<float>();
      float* vp = s.exp_avg_sq().data_ptr<float>();
      const bool decoupled = m_decoupled && options.weight_decay() != 0;
      at::parallel_for(0, p.numel(), 1 << 15, [&](std::int64_t begin, std::int64_t end) {
        update(pp, gp, mp, vp, begin, end, c, decoupled);
      });
    }
  }
  return loss;
}

}  // namespace ft::train
