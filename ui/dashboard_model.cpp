#include "dashboard_model.h"

#include <algorithm>
#include <cmath>

#include "api/studio_api.h"

namespace ft::ui {

double LossSmoother::add(double loss) {
  if (std::isfinite(loss)) {
    m_ema = m_beta * m_ema + (1.0 - m_beta) * loss;
    m_weight = m_beta * m_weight + (1.0 - m_beta);
  }
  return m_weight > 0 ? m_ema / m_weight : loss;
}

DashboardModel::DashboardModel(int maxDisplayPoints, double smoothing)
    : m_rawLoss(maxDisplayPoints),
      m_smoothedLoss(maxDisplayPoints),
      m_headLr(maxDisplayPoints),
      m_backboneLr(maxDisplayPoints),
      m_smoother(smoothing) {}

void DashboardModel::clear() {
  m_rawLoss.clear();
  m_smoothedLoss.clear();
  m_headLr.clear();
  m_backboneLr.clear();
  m_smoother.reset();
  m_epochPoints.clear();
  m_pendingLog.clear();
  m_iterationEvents.clear();
  m_epochEvents.clear();
  m_lastIteration.reset();
  m_epochsDone = 0;
  m_markerEpoch = -1.0;
  m_markerIteration = -1.0;
  m_markerIterationPending = false;
  m_backboneFrozen = false;
  markAllChanged();
}

void DashboardModel::markAllChanged() { m_changes = {true, true, true}; }

DashboardModel::Changes DashboardModel::takeChanges() {
  const Changes changes = m_changes;
  m_changes = {};
  return changes;
}

std::vector<run::LogEvent> DashboardModel::takeLog() {
  std::vector<run::LogEvent> lines;
  lines.swap(m_pendingLog);
  return lines;
}

void DashboardModel::setTotalEpochs(int epochs) {
  m_totalEpochs = std::max(0, epochs);
  m_changes.epochs = m_changes.progress = true;
}

void DashboardModel::loadHistory(const api::RunHistory& history) {
  clear();
  m_totalEpochs = history.config.train.epochs;
  const int freeze = history.config.train.freezeEpochs;
  for (const auto& e : history.iterations) {
    m_backboneFrozen = e.epoch < freeze;
    appendIterationPoint(e);
  }
  for (const auto& e : history.epochs) addEpoch(e);
  // A resumed run continues in the epoch after the last one completed.
  m_backboneFrozen = m_epochsDone < freeze;
  // The unfreeze marker: once the last frozen epoch is complete.
  if (freeze > 0 && m_epochsDone >= freeze) {
    m_markerEpoch = freeze;
    double lastFrozen = -1.0;
    for (const auto& e : history.iterations)
      if (e.epoch < freeze) lastFrozen = std::max(lastFrozen, double(e.iteration));
    m_markerIteration = lastFrozen;
  }
  if (!history.iterations.empty()) m_lastIteration = history.iterations.back();
  markAllChanged();
}

void DashboardModel::addIteration(const run::IterationEvent& event) {
  appendIterationPoint(event);
  m_lastIteration = event;
  m_changes.progress = true;
}

void DashboardModel::appendIterationPoint(const run::IterationEvent& event) {
  const double x = double(event.iteration);
  if (!m_rawLoss.isEmpty() && x <= m_rawLoss.maxX()) {
    // A resumed run repeats iterations after its checkpoint: the new values replace the old.
    m_rawLoss.truncateFrom(x);
    m_headLr.truncateFrom(x);
    m_backboneLr.truncateFrom(x);
    recomputeSmoothing();
    while (!m_iterationEvents.empty() && double(m_iterationEvents.back().iteration) >= x)
      m_iterationEvents.pop_back();
  }
  m_iterationEvents.push_back(event);
  m_rawLoss.append({x, event.loss});
  m_smoothedLoss.append({x, m_smoother.add(event.loss)});
  // The log axis cannot show 0 (a cosine schedule may reach it): such points are left out.
  const auto& rates = event.learningRates;
  if (!rates.empty() && rates[0] > 0) m_headLr.append({x, rates[0]});
  if (rates.size() > 1 && rates[1] > 0 && !m_backboneFrozen) m_backboneLr.append({x, rates[1]});
  if (m_markerIterationPending) {
    m_markerIteration = x - 1.0;
    m_markerIterationPending = false;
  }
  m_changes.iterations = true;
}

void DashboardModel::recomputeSmoothing() {
  m_smoothedLoss.clear();
  m_smoother.reset();
  for (const QPointF& p : m_rawLoss.points()) m_smoothedLoss.append({p.x(), m_smoother.add(p.y())});
}

void DashboardModel::addEpoch(const run::EpochEvent& event) {
  const double x = event.epoch + 1;
  while (!m_epochPoints.empty() && m_epochPoints.back().x >= x) m_epochPoints.pop_back();
  while (!m_epochEvents.empty() && m_epochEvents.back().epoch >= event.epoch) m_epochEvents.pop_back();
  m_epochEvents.push_back(event);
  m_epochPoints.push_back(
      {x, event.trainAccuracy, event.validationAccuracy, event.trainLoss, event.validationLoss});
  m_epochsDone = event.epoch + 1;
  if (event.epochs > 0) m_totalEpochs = event.epochs;
  m_changes.epochs = m_changes.progress = true;
}

void DashboardModel::addPhase(const run::PhaseEvent& event) {
  m_backboneFrozen = event.phase == run::Phase::Frozen;
  if (event.phase == run::Phase::Unfrozen && event.epoch > 0) {
    m_markerEpoch = event.epoch;
    if (m_rawLoss.isEmpty())
      m_markerIterationPending = true;
    else
      m_markerIteration = m_rawLoss.maxX();
  }
  m_changes.iterations = m_changes.epochs = true;
}

void DashboardModel::addLog(const run::LogEvent& event) { m_pendingLog.push_back(event); }

DashboardProgress DashboardModel::progress() const {
  DashboardProgress p;
  p.totalEpochs = m_totalEpochs;
  p.epochsDone = m_epochsDone;
  p.epoch = m_epochsDone;
  if (!m_lastIteration) return p;
  const run::IterationEvent& it = *m_lastIteration;
  p.epoch = std::max(p.epoch, it.epoch + 1);
  p.batch = it.batch;
  p.batchesPerEpoch = it.batchesPerEpoch;
  p.imagesPerSecond = it.imagesPerSecond;
  if (it.batchesPerEpoch > 0 && m_totalEpochs > 0) {
    // The epochs completed, plus this epoch's batches when it is the one under way.
    const std::int64_t done = std::int64_t(std::max(m_epochsDone, it.epoch)) * it.batchesPerEpoch +
                              (it.epoch >= m_epochsDone ? it.batch : 0);
    p.runBatchesDone = std::min<std::int64_t>(done, it.batchesPerEpoch * m_totalEpochs);
  }
  p.timeLeft = api::timeLeft(it, m_totalEpochs);
  return p;
}

}  // namespace ft::ui
