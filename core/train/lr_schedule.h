#pragma once
// Learning-rate schedules acting on every parameter group.
//
// Each group has a phase base rate (set at the start and again when the backbone is
// unfrozen, as the seed does) and the schedule scales it:
//  - plateau: PyTorch's ReduceLROnPlateau(mode=min, threshold=1e-4 rel, cooldown 0) on the
//    validation loss once per epoch; a new phase starts again from its base rates, exactly as
//    the seed's `param_groups[0]['lr'] = 1e-4` overrides earlier reductions;
//  - cosine: linear warm-up over warmup epochs, then cosine annealing to min_lr, per iteration,
//    over the whole run;
//  - step: multiply by gamma every step_size epochs;
//  - none: the base rates.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/run_config.h"

namespace ft::train {

class LrSchedule {
 public:
  LrSchedule(const config::OptimConfig& config, int epochs, std::int64_t iterationsPerEpoch);

  // New phase base rates (one per parameter group). Resets the plateau reductions.
  void setBaseRates(const std::vector<double>& rates);
  // Called before each training iteration (0-based global iteration).
  void beginIteration(std::int64_t globalIteration);
  // Called after each epoch's validation (0-based epoch). Returns true if the rates dropped.
  bool endEpoch(int epoch, double validationLoss);

  std::vector<double> rates() const;

  nlohmann::json state() const;
  void restore(const nlohmann::json& state);

 private:
  double warmupCosineFactor(std::int64_t globalIteration) const;

  config::OptimConfig m_config;
  int m_epochs;
  std::int64_t m_iterationsPerEpoch;
  std::vector<double> m_base;
  std::vector<double> m_plateauScale;  // per group, plateau only
  double m_iterationFactor = 1.0;      // cosine only
  double m_epochFactor = 1.0;          // step only
  double m_best = std::numeric_limits<double>::infinity();
  int m_badEpochs = 0;
};

}  // namespace ft::train
