#pragma once
// Terminal output of finetune-cli: a progress bar per epoch, or one JSON event per line.
#include <chrono>
#include <mutex>

#include "train/events.h"

namespace ft::cli {

class ConsoleObserver : public train::TrainingObserver {
 public:
  explicit ConsoleObserver(bool jsonLines);
  void onIteration(const train::IterationEvent& event) override;
  void onEpoch(const train::EpochEvent& event) override;
  void onPhase(const train::PhaseEvent& event) override;
  void onLog(const train::LogEvent& event) override;
  void onFinished(const train::FinishedEvent& event) override;

 private:
  void endBarLine();

  bool m_json;
  bool m_tty;
  bool m_barOpen = false;
  std::chrono::steady_clock::time_point m_lastDraw{};
  std::mutex m_mutex;
};

}  // namespace ft::cli
