#pragma once
// What the live dashboard has received, without a widget: every iteration point (raw loss,
// smoothed loss, the learning rates), one point per epoch, where the backbone was unfrozen, the
// log lines not drawn yet, and every event as received (for "Save metrics as CSV" when there is
// no run folder to copy). The page (dashboard_page.h) draws it on a timer and asks
// takeChanges() what to redraw.
//
// X values. Iterations: the global iteration (1-based, as in metrics.csv). Epochs: epochs
// completed, so the first epoch's point is at x = 1. The unfreeze marker sits where the frozen
// phase ends: at x = freeze_epochs on the epoch charts (the last frozen epoch's point), at the
// last frozen iteration on the iteration charts.
#include <cstdint>
#include <optional>
#include <vector>

#include "api/training_api.h"
#include "chart_series_buffer.h"
#include "run/events.h"

namespace ft::api {
struct RunHistory;
}

namespace ft::ui {

// The exponential moving average of the loss, bias-corrected as Adam's moments are: after n
// values the weights sum to 1 - beta^n, and dividing by that sum removes the ramp up from 0 a
// plain EMA starts with. Non-finite losses (a diverged batch) are left out of the average.
class LossSmoother {
 public:
  explicit LossSmoother(double beta) : m_beta(beta) {}
  // Adds one loss; returns the smoothed value (the loss itself until a finite one has come).
  double add(double loss);
  void reset() { m_ema = m_weight = 0.0; }

 private:
  double m_beta;
  double m_ema = 0.0;
  double m_weight = 0.0;  // 1 - beta^n
};

struct DashboardEpochPoint {
  double x = 0.0;  // epochs completed
  double trainAccuracy = 0.0, validationAccuracy = 0.0, trainLoss = 0.0, validationLoss = 0.0;
};

// Where the run is, in numbers; the page turns them into labels and progress bars.
struct DashboardProgress {
  int epoch = 0;        // the epoch under way or last completed, 1-based; 0 before any
  int totalEpochs = 0;  // 0 = unknown
  int epochsDone = 0;
  std::int64_t batch = 0;            // of the epoch under way
  std::int64_t batchesPerEpoch = 0;  // 0 = unknown (no iteration yet)
  std::int64_t runBatchesDone = 0;   // over the run, when batchesPerEpoch and totalEpochs are known
  double imagesPerSecond = 0.0;
  std::optional<api::TimeLeft> timeLeft;  // api::timeLeft, the CLI's formula
};

class DashboardModel {
 public:
  DashboardModel(int maxDisplayPoints, double smoothing);

  void clear();
  void addIteration(const run::IterationEvent& event);
  void addEpoch(const run::EpochEvent& event);
  void addPhase(const run::PhaseEvent& event);
  void addLog(const run::LogEvent& event);
  // Replaces everything with what a run folder holds.
  void loadHistory(const api::RunHistory& history);
  void setTotalEpochs(int epochs);

  // What changed since the last call; the page redraws only that.
  struct Changes {
    bool iterations = false;
    bool epochs = false;
    bool progress = false;
  };
  Changes takeChanges();
  void markAllChanged();
  void markProgressChanged() { m_changes.progress = true; }
  // The log lines received since the last call, oldest first.
  std::vector<run::LogEvent> takeLog();
  bool hasPendingLog() const { return !m_pendingLog.empty(); }

  const ChartSeriesBuffer& rawLoss() const { return m_rawLoss; }
  const ChartSeriesBuffer& smoothedLoss() const { return m_smoothedLoss; }
  const ChartSeriesBuffer& headLearningRate() const { return m_headLr; }
  const ChartSeriesBuffer& backboneLearningRate() const { return m_backboneLr; }
  const std::vector<DashboardEpochPoint>& epochPoints() const { return m_epochPoints; }
  double markerEpoch() const { return m_markerEpoch; }          // -1: none
  double markerIteration() const { return m_markerIteration; }  // -1: none
  int totalEpochs() const { return m_totalEpochs; }
  int epochsDone() const { return m_epochsDone; }
  // The last iteration received, if any.
  const std::optional<run::IterationEvent>& lastIteration() const { return m_lastIteration; }
  DashboardProgress progress() const;

  // Every event as received, a resumed run's repeats replaced.
  const std::vector<run::IterationEvent>& iterationEvents() const { return m_iterationEvents; }
  const std::vector<run::EpochEvent>& epochEvents() const { return m_epochEvents; }

 private:
  void appendIterationPoint(const run::IterationEvent& event);
  void recomputeSmoothing();

  ChartSeriesBuffer m_rawLoss;
  ChartSeriesBuffer m_smoothedLoss;
  ChartSeriesBuffer m_headLr;
  ChartSeriesBuffer m_backboneLr;
  LossSmoother m_smoother;
  std::vector<DashboardEpochPoint> m_epochPoints;
  std::vector<run::LogEvent> m_pendingLog;
  std::vector<run::IterationEvent> m_iterationEvents;
  std::vector<run::EpochEvent> m_epochEvents;
  std::optional<run::IterationEvent> m_lastIteration;
  int m_epochsDone = 0;
  int m_totalEpochs = 0;
  double m_markerEpoch = -1.0;
  double m_markerIteration = -1.0;
  bool m_markerIterationPending = false;  // unfrozen phase began before any iteration was seen
  // While the backbone is frozen its learning rate means nothing (the engine reports the
  // head's): the backbone line starts where the backbone trains.
  bool m_backboneFrozen = false;
  Changes m_changes;
};

}  // namespace ft::ui
