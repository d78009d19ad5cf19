#pragma once
// The trainer's listener: one callback per event of run/events.h. Torch-free.
#include "run/events.h"

namespace ft::train {

// Callbacks arrive on the training thread; implementations must be quick and thread-safe
// (a GUI queues them, the CLI prints them).
class TrainingObserver {
 public:
  virtual ~TrainingObserver() = default;
  virtual void onIteration(const run::IterationEvent&) {}
  virtual void onEpoch(const run::EpochEvent&) {}
  virtual void onPhase(const run::PhaseEvent&) {}
  virtual void onLog(const run::LogEvent&) {}
  virtual void onFinished(const run::FinishedEvent&) {}
};

}  // namespace ft::train
