#pragma once
// A TrainingObserver for engine tests: keeps every event and can stop the run at a chosen
// iteration or epoch end.
#include <cstdint>
#include <string>
#include <vector>

#include "train/trainer.h"

namespace ft::test {

class Recorder : public train::TrainingObserver {
 public:
  std::vector<train::IterationEvent> iterations;
  std::vector<train::EpochEvent> epochs;
  std::vector<train::PhaseEvent> phases;
  std::vector<std::string> logs;
  int finishedCount = 0;
  train::Trainer* trainer = nullptr;
  std::int64_t stopAtIteration = -1;  // request a stop after this global iteration
  int stopAfterEpoch = -1;            // request a stop when this epoch (0-based) ends

  void onIteration(const train::IterationEvent& e) override {
    iterations.push_back(e);
    if (trainer && e.iteration == stopAtIteration) trainer->requestStop();
  }
  void onEpoch(const train::EpochEvent& e) override {
    epochs.push_back(e);
    if (trainer && e.epoch == stopAfterEpoch) trainer->requestStop();
  }
  void onPhase(const train::PhaseEvent& e) override { phases.push_back(e); }
  void onLog(const train::LogEvent& e) override { logs.push_back(e.message); }
  void onFinished(const train::FinishedEvent&) override { ++finishedCount; }

  // How many log lines contain `text`.
  int logsContaining(const std::string& text) const {
    int n = 0;
    for (const auto& line : logs) n += line.find(text) != std::string::npos;
    return n;
  }
};

}  // namespace ft::test
