#pragma once
// Terminal output of finetune-cli: a progress bar per epoch, or one JSON event per line.
#include <chrono>
#include <mutex>

#include "api/training_api.h"

namespace ft::cli {

class ConsoleObserver : public api::TrainingObserver {
 public:
  explicit ConsoleObserver(bool jsonLines);
  // The run's epochs, for the time left in the whole run (0 = unknown: the epoch's only).
  void setTotalEpochs(int epochs);
  void onIteration(const run::IterationEvent& event) override;
  void onEpoch(const run::EpochEvent& event) override;
  void onPhase(const run::PhaseEvent& event) override;
  void onLog(const run::LogEvent& event) override;
  void onFinished(const run::FinishedEvent& event) override;

 private:
  void endBarLine();

  bool m_json;
  bool m_tty;
  bool m_barOpen = false;
  int m_totalEpochs = 0;
  std::chrono::steady_clock::time_point m_lastDraw{};
  std::mutex m_mutex;
};

}  // namespace ft::cli
