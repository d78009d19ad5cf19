#pragma once
// Time left in a run, from the trainer's last iteration event: one formula for every front end
// (the dashboard's speed line, the CLI's progress line). Torch-free.
#include <optional>

#include "run/events.h"

namespace ft::run {

struct TimeLeft {
  double epochSeconds = 0.0;  // this epoch's training batches left, at its mean pace so far
  // The run's training batches left at the same pace: a lower bound (evaluation and the slower
  // unfrozen phase come on top). Only when the run has epochs after this one.
  std::optional<double> runSeconds;
};

// nullopt until the epoch has a pace (a batch done and its seconds known).
std::optional<TimeLeft> timeLeft(const IterationEvent& last, int totalEpochs);

}  // namespace ft::run
