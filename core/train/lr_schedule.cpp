#include "train/lr_schedule.h"

#include <algorithm>
#include <cmath>

namespace ft::train {
namespace {
constexpr double kPlateauThreshold = 1e-4;  // PyTorch's default, relative mode
constexpr double kPlateauEps = 1e-8;
constexpr double kPi = 3.14159265358979323846;
}  // namespace

LrSchedule::LrSchedule(const config::OptimConfig& config, int epochs, std::int64_t iterationsPerEpoch)
    : m_config(config),
      m_epochs(epochs),
      m_iterationsPerEpoch(std::max<std::int64_t>(1, iterationsPerEpoch)) {}

void LrSchedule::setBaseRates(const std::vector<double>& rates) {
  m_base = rates;
  m_plateauScale.assign(rates.size(), 1.0);
}

double LrSchedule::warmupCosineFactor(std::int64_t t) const {
  const std::int64_t total = std::int64_t(m_epochs) * m_iterationsPerEpoch;
  const std::int64_t warmup = std::int64_t(m_config.warmupEpochs) * m_iterationsPerEpoch;
  if (t < warmup) return double(t + 1) / double(warmup);
  const std::int64_t span = std::max<std::int64_t>(1, total - warmup);
  const double progress = std::min(1.0, double(t - warmup) / double(span));
  return 0.5 * (1.0 + std::cos(kPi * progress));
}

void LrSchedule::beginIteration(std::int64_t globalIteration) {
  if (m_config.scheduler == "cosine") m_iterationFactor = warmupCosineFactor(globalIteration);
}

bool LrSchedule::endEpoch(int epoch, double validationLoss) {
  if (m_config.scheduler == "step") {
    const int completed = epoch + 1;
    const double before = m_epochFactor;
    m_epochFactor = std::pow(m_config.stepGamma, completed / m_config.stepSize);
    return m_epochFactor < before;
  }
  if (m_config.scheduler != "plateau") return false;
  if (validationLoss < m_best * (1.0 - kPlateauThreshold)) {
    m_best = validationLoss;
    m_badEpochs = 0;
  } else {
    ++m_badEpochs;
  }
  if (m_badEpochs <= m_config.plateauPatience) return false;
  bool reduced = false;
  for (std::size_t g = 0; g < m_base.size(); ++g) {
    const double oldRate = m_base[g] * m_plateauScale[g];
    const double newRate = oldRate * m_config.plateauFactor;
    if (oldRate - newRate > kPlateauEps) {
      m_plateauScale[g] *= m_config.plateauFactor;
      reduced = true;
    }
  }
  m_badEpochs = 0;
  return reduced;
}

std::vector<double> LrSchedule::rates() const {
  std::vector<double> out(m_base.size());
  for (std::size_t g = 0; g < m_base.size(); ++g) {
    if (m_config.scheduler == "cosine")
      out[g] = m_config.minLr + (m_base[g] - m_config.minLr) * m_iterationFactor;
    else
      out[g] = m_base[g] * m_plateauScale[g] * m_epochFactor;
  }
  return out;
}

nlohmann::json LrSchedule::state() const {
  return {{"base", m_base},
          {"plateau_scale", m_plateauScale},
          {"iteration_factor", m_iterationFactor},
          {"epoch_factor", m_epochFactor},
          {"best", std::isfinite(m_best) ? nlohmann::json(m_best) : nlohmann::json(nullptr)},
          {"bad_epochs", m_badEpochs}};
}

void LrSchedule::restore(const nlohmann::json& s) {
  m_base = s.at("base").get<std::vector<double>>();
  m_plateauScale = s.at("plateau_scale").get<std::vector<double>>();
  m_iterationFactor = s.at("iteration_factor").get<double>();
  m_epochFactor = s.at("epoch_factor").get<double>();
  m_best = s.at("best").is_null() ? std::numeric_limits<double>::infinity() : s.at("best").get<double>();
  m_badEpochs = s.at("bad_epochs").get<int>();
}

}  // namespace ft::train
