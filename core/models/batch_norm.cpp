#include "models/batch_norm.h"

#include <cmath>
#include <cstdint>

namespace ft::models {
namespace {

// The arithmetic of the statistics and the normalisation: float32, or float64 for float64
// inputs (bfloat16 and float16 activations are normalised in float32).
torch::ScalarType computeType(const torch::Tensor& t) {
  return t.scalar_type() == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
}

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Every dimension but the channels (1): what a BatchNorm layer averages over.
std::vector<std::int64_t> reducedDims(const torch::Tensor& x) {
  std::vector<std::int64_t> dims{0};
  for (std::int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  return dims;
}

// [C] -> [1, C, 1, 1] (for an N x C x H x W input).
torch::Tensor perChannel(const torch::Tensor& t, const torch::Tensor& like) {
  std::vector<std::int64_t> shape(std::size_t(like.dim()), 1);
  shape[1] = t.size(0);
  return t.view(shape);
}

struct GlobalStatistics {
  torch::Tensor mean, variance;  // [C] in computeType(), the biased variance of the global batch
  double count = 0;              // values per channel in the global batch
};

// Each rank's count, mean and variance in one all-reduce (row r of a [W, 1 + 2C] table, the
// others zero), combined in float64 as Chan et al.'s parallel variance: no E[x²] - E[x]²
// cancellation, so the result matches one process's variance of the whole batch.
GlobalStatistics globalStatistics(const torch::Tensor& x, BatchStatsReducer& reducer) {
  const auto dims = reducedDims(x);
  const std::int64_t channels = x.size(1);
  const auto [variance, mean] = torch::var_mean(x, dims, /*unbiased=*/false);
  auto table = torch::zeros({reducer.worldSize(), 1 + 2 * channels}, torch::kFloat64);
  auto row = table[reducer.rank()];
  row[0] = double(x.numel() / channels);
  row.narrow(0, 1, channels).copy_(mean);
  row.narrow(0, 1 + channels, channels).copy_(variance);
  std::vector<torch::Tensor> tensors{table};
  reducer.allReduceSum(tensors);
  table = tensors[0];
  const auto counts = table.select(1, 0).unsqueeze(1);  // [W, 1]
  const auto means = table.narrow(1, 1, channels), variances = table.narrow(1, 1 + channels, channels);
  const double total = counts.sum().item<double>();
  const auto globalMean = (counts * means).sum(0) / total;
  const auto globalVariance = (counts * (variances + (means - globalMean).pow(2))).sum(0) / total;
  return {globalMean.to(computeType(x)), globalVariance.to(computeType(x)), total};
}

// y = (x - mean) * invstd * weight + bias with the global statistics; the backward pass sums
// the per-channel sums of dy and dy * (x - mean) across ranks (the statistics depend on every
// rank's x). The weight and bias gradients stay this rank's: the gradient all-reduce sums them.
struct SyncBatchNormFunction : public torch::autograd::Function<SyncBatchNormFunction> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& input, const torch::Tensor& weight,
                               const torch::Tensor& bias, const torch::Tensor& mean,
                               const torch::Tensor& invstd, double count, BatchStatsReducer* reducer) {
    const auto x = input.to(computeType(input));
    auto y = (x - perChannel(mean, x)) * perChannel(invstd, x);
    if (weight.defined()) y = y * perChannel(weight.to(x.scalar_type()), x);
    if (bias.defined()) y = y + perChannel(bias.to(x.scalar_type()), x);
    ctx->save_for_backward({input, weight, mean, invstd});
    ctx->saved_data["count"] = count;
    ctx->saved_data["reducer"] = static_cast<std::int64_t>(reinterpret_cast<std::intptr_t>(reducer));
    return y.to(input.scalar_type());
  }

  static variable_list backward(AutogradContext* ctx, variable_list gradOutputs) {
    const auto saved = ctx->get_saved_variables();
    const auto& input = saved[0];
    const auto& weight = saved[1];
    const auto& mean = saved[2];
    const auto& invstd = saved[3];
    const double count = ctx->saved_data["count"].toDouble();
    auto* reducer =
        reinterpret_cast<BatchStatsReducer*>(static_cast<std::intptr_t>(ctx->saved_data["reducer"].toInt()));

    const auto x = input.to(computeType(input));
    const auto dy = gradOutputs[0].to(x.scalar_type());
    const auto dims = reducedDims(x);
    const auto centred = x - perChannel(mean, x);
    const auto sumDy = dy.sum(dims);
    const auto sumDyCentred = (dy * centred).sum(dims);

    torch::Tensor gradInput, gradWeight, gradBias;
    if (ctx->needs_input_grad(0)) {
      std::vector<torch::Tensor> sums{torch::cat({sumDy, sumDyCentred})};
      reducer->allReduceSum(sums);
      const std::int64_t channels = x.size(1);
      const auto meanDy = sums[0].narrow(0, 0, channels) / count;
      const auto meanDyCentred = sums[0].narrow(0, channels, channels) / count;
      auto scale = invstd;
      if (weight.defined()) scale = scale * weight.to(x.scalar_type());
      gradInput = (dy - perChannel(meanDy, x) - centred * perChannel(invstd * invstd * meanDyCentred, x)) *
                  perChannel(scale, x);
      gradInput = gradInput.to(input.scalar_type());
    }
    if (weight.defined() && ctx->needs_input_grad(1))
      gradWeight = (sumDyCentred * invstd).to(weight.scalar_type());
    if (ctx->needs_input_grad(2))
      gradBias = sumDy.to(weight.defined() ? weight.scalar_type() : x.scalar_type());
    return {gradInput,       gradWeight,      gradBias,       torch::Tensor(),
            torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

// The reducer of the innermost SyncBatchNormScope on this thread (null: per-rank BatchNorm).
thread_local BatchStatsReducer* t_reducer = nullptr;

}  // namespace

SyncBatchNormScope::SyncBatchNormScope(BatchStatsReducer* reducer) : m_previous(t_reducer) {
  t_reducer = reducer;
}
SyncBatchNormScope::~SyncBatchNormScope() { t_reducer = m_previous; }

torch::Tensor batchNorm(torch::nn::BatchNorm2dImpl& norm, const torch::Tensor& input) {
  BatchStatsReducer* reducer = t_reducer;
  if (!reducer || !norm.is_training() || !norm.options.track_running_stats()) return norm.forward(input);
  TORCH_CHECK(input.dim() == 4, "expected 4D input (got ", input.dim(), "D input)");
  GlobalStatistics stats;
  {
    torch::NoGradGuard noGrad;
    stats = globalStatistics(input.detach().to(computeType(input)), *reducer);
    // The running statistics as one process would update them from the whole batch: the
    // unbiased variance, momentum (or the cumulative average when momentum is unset).
    norm.num_batches_tracked += 1;
    const double momentum = norm.options.momentum().has_value()
                                ? *norm.options.momentum()
                                : 1.0 / double(norm.num_batches_tracked.item<std::int64_t>());
    const double unbiased = stats.count > 1 ? stats.count / (stats.count - 1) : 1.0;
    norm.running_mean.mul_(1 - momentum).add_(stats.mean.to(norm.running_mean.dtype()), momentum);
    norm.running_var.mul_(1 - momentum)
        .add_((stats.variance * unbiased).to(norm.running_var.dtype()), momentum);
  }
  const auto invstd = (stats.variance + norm.options.eps()).rsqrt();
  const bool affine = norm.options.affine();
  return SyncBatchNormFunction::apply(input, affine ? norm.weight : torch::Tensor(),
                                      affine ? norm.bias : torch::Tensor(), stats.mean, invstd, stats.count,
                                      reducer);
}

torch::Tensor forwardSequential(torch::nn::Sequential& sequential, torch::Tensor x) {
  for (auto& child : *sequential) {
    if (auto* norm = child.ptr()->as<torch::nn::BatchNorm2d>())
      x = batchNorm(*norm, x);
    else
      x = child.forward(x);
  }
  return x;
}

}  // namespace ft::models
