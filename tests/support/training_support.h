#pragma once
// Helpers for the trainer tests: an observer that keeps every event (and can stop the run), and
// a run's weights read back from its checkpoint.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "models/resnet.h"
#include "run/checkpoint.h"
#include "train/trainer.h"

namespace ft::test {

class Recorder : public train::TrainingObserver {
 public:
  std::vector<run::IterationEvent> iterations;
  std::vector<run::EpochEvent> epochs;
  std::vector<run::PhaseEvent> phases;
  std::vector<std::string> logs;
  int finishedCount = 0;
  train::Trainer* trainer = nullptr;
  std::int64_t stopAtIteration = -1;  // request a stop after this global iteration
  int stopAfterEpoch = -1;            // request a stop when this epoch (0-based) ends

  void onIteration(const run::IterationEvent& e) override {
    iterations.push_back(e);
    if (trainer && e.iteration == stopAtIteration) trainer->requestStop();
  }
  void onEpoch(const run::EpochEvent& e) override {
    epochs.push_back(e);
    if (trainer && e.epoch == stopAfterEpoch) trainer->requestStop();
  }
  void onPhase(const run::PhaseEvent& e) override { phases.push_back(e); }
  void onLog(const run::LogEvent& e) override { logs.push_back(e.message); }
  void onFinished(const run::FinishedEvent&) override { ++finishedCount; }

  // How many log lines contain `text`.
  int logsContaining(const std::string& text) const {
    int n = 0;
    for (const auto& line : logs) n += line.find(text) != std::string::npos;
    return n;
  }
};

// Every parameter and buffer of a 10-class ResNet-18 run's checkpoint ("last" or "best"), by name.
inline std::map<std::string, torch::Tensor> checkpointTensors(const std::string& runDir,
                                                              const std::string& which = "last",
                                                              const std::string& architecture = "resnet18") {
  auto model = models::makeClassifier(architecture, 10);
  run::loadCheckpoint((std::filesystem::path(runDir) / "checkpoints" / (which + ".ckpt")).string(), *model,
                      nullptr);
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : model->named_parameters()) out[p.key()] = p.value().detach().clone();
  for (const auto& b : model->named_buffers()) out[b.key()] = b.value().detach().clone();
  return out;
}

inline double maxDifference(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

}  // namespace ft::test
