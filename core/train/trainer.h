#pragma once
// The seed's recipe as an engine: head replaced, freeze-then-unfreeze schedule, per-group
// learning rates, per-iteration and per-epoch metrics, checkpoints, stop and resume.
#include <atomic>
#include <memory>
#include <string>

#include "config/run_config.h"
#include "train/observer.h"

namespace ft::train {

class Trainer {
 public:
  // A new run. `runDir` empty = runs_dir/<timestamp>-<name>. Nothing heavy happens here.
  Trainer(config::RunConfig config, TrainingObserver* observer, std::string runDir = "");
  // Continues the run in `runDir` from checkpoints/last.ckpt.
  static std::unique_ptr<Trainer> resumeFrom(const std::string& runDir, TrainingObserver* observer);
  ~Trainer();

  // Runs to the end, to a stop request or to an error; call it on the worker thread.
  // Errors come back as FinishStatus::Failed with a message naming the file and the fix.
  run::FinishedEvent run();

  // Thread-safe controls, checked before every batch.
  void requestStop();
  void pause();
  void resume();
  bool isPaused() const;

  const config::RunConfig& config() const;
  // The run folder once run() has created or opened it.
  std::string runDir() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace ft::train
