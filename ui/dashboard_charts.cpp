#include "dashboard_charts.h"

#include <QChart>
#include <QChartView>
#include <QEvent>
#include <QGridLayout>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

#include "chart_helpers.h"
#include "dashboard_model.h"

namespace ft::ui {

using charts::kBackboneColor;
using charts::kHeadColor;
using charts::kTrainColor;
using charts::kValidationColor;

DashboardCharts::DashboardCharts(QWidget* parent) : QWidget(parent) {
  // Loss per iteration.
  m_lossChart = charts::makeChart();
  m_lossX = charts::addValueAxis(m_lossChart, Qt::AlignBottom);
  m_lossY = charts::addValueAxis(m_lossChart, Qt::AlignLeft);
  QColor faint = kTrainColor;
  faint.setAlpha(70);
  m_rawLossSeries = charts::addSeries(m_lossChart, faint, 1.0, m_lossX, m_lossY);
  m_smoothedLossSeries = charts::addSeries(m_lossChart, kTrainColor.darker(130), 2.0, m_lossX, m_lossY);
  m_lossMarker = charts::addMarker(m_lossChart, m_lossX, m_lossY);

  // Accuracy per epoch.
  m_accuracyChart = charts::makeChart();
  m_accuracyX = charts::addValueAxis(m_accuracyChart, Qt::AlignBottom);
  m_accuracyY = charts::addValueAxis(m_accuracyChart, Qt::AlignLeft);
  m_trainAccuracySeries = charts::addSeries(m_accuracyChart, kTrainColor, 2.0, m_accuracyX, m_accuracyY);
  m_validationAccuracySeries =
      charts::addSeries(m_accuracyChart, kValidationColor, 2.0, m_accuracyX, m_accuracyY);
  m_accuracyMarker = charts::addMarker(m_accuracyChart, m_accuracyX, m_accuracyY);

  // Loss per epoch.
  m_epochLossChart = charts::makeChart();
  m_epochLossX = charts::addValueAxis(m_epochLossChart, Qt::AlignBottom);
  m_epochLossY = charts::addValueAxis(m_epochLossChart, Qt::AlignLeft);
  m_trainLossSeries = charts::addSeries(m_epochLossChart, kTrainColor, 2.0, m_epochLossX, m_epochLossY);
  m_validationLossSeries =
      charts::addSeries(m_epochLossChart, kValidationColor, 2.0, m_epochLossX, m_epochLossY);
  m_epochLossMarker = charts::addMarker(m_epochLossChart, m_epochLossX, m_epochLossY);
  for (QLineSeries* s :
       {m_trainAccuracySeries, m_validationAccuracySeries, m_trainLossSeries, m_validationLossSeries})
    s->setPointsVisible(true);

  // Learning rates per iteration, log scale.
  m_lrChart = charts::makeChart();
  m_lrX = charts::addValueAxis(m_lrChart, Qt::AlignBottom);
  m_lrY = new QLogValueAxis;
  m_lrY->setBase(10.0);
  m_lrY->setLabelFormat(QStringLiteral("%.0e"));
  m_lrY->setMinorTickCount(8);
  m_lrChart->addAxis(m_lrY, Qt::AlignLeft);
  m_headLrSeries = charts::addSeries(m_lrChart, kHeadColor, 2.0, m_lrX, m_lrY);
  m_backboneLrSeries = charts::addSeries(m_lrChart, kBackboneColor, 2.0, m_lrX, m_lrY);
  {
    // Dashed: after unfreezing head and backbone often share a rate, and a solid line would
    // hide the head's.
    QPen pen = m_backboneLrSeries->pen();
    pen.setDashPattern({4.0, 3.0});
    m_backboneLrSeries->setPen(pen);
  }
  m_lrMarker = charts::addMarker(m_lrChart, m_lrX, m_lrY);

  for (QValueAxis* axis : {m_lossX, m_accuracyX, m_epochLossX, m_lrX, m_accuracyY})
    axis->setLabelFormat(QStringLiteral("%d"));

  auto* grid = new QGridLayout(this);
  grid->setContentsMargins(0, 0, 0, 0);
  int index = 0;
  for (QChart* chart : {m_lossChart, m_accuracyChart, m_epochLossChart, m_lrChart}) {
    QChartView* view = charts::makeChartView(chart, kMinimumChartWidth, kMinimumChartHeight);
    grid->addWidget(view, index / 2, index % 2);
    m_views.append(view);
    ++index;
  }
  retranslateUi();
}

void DashboardCharts::retranslateUi() {
  m_lossChart->setTitle(tr("Training loss per iteration"));
  m_accuracyChart->setTitle(tr("Accuracy per epoch"));
  m_epochLossChart->setTitle(tr("Loss per epoch"));
  m_lrChart->setTitle(tr("Learning rate"));
  m_lossX->setTitleText(tr("Iteration"));
  m_lossY->setTitleText(tr("Loss"));
  m_accuracyX->setTitleText(tr("Epoch"));
  m_accuracyY->setTitleText(tr("Accuracy (%)"));
  m_epochLossX->setTitleText(tr("Epoch"));
  m_epochLossY->setTitleText(tr("Loss"));
  m_lrX->setTitleText(tr("Iteration"));
  m_lrY->setTitleText(tr("Learning rate"));
  m_rawLossSeries->setName(tr("Loss"));
  m_smoothedLossSeries->setName(tr("Smoothed"));
  m_trainAccuracySeries->setName(tr("Training"));
  // The validation curves say which precision produced them (issue 12).
  const QString validation =
      m_validationPrecision.isEmpty() ? tr("Validation") : tr("Validation (%1)").arg(m_validationPrecision);
  m_validationAccuracySeries->setName(validation);
  m_trainLossSeries->setName(tr("Training"));
  m_validationLossSeries->setName(validation);
  m_headLrSeries->setName(tr("Head"));
  m_backboneLrSeries->setName(tr("Backbone"));
  for (QLineSeries* marker : {m_lossMarker, m_accuracyMarker, m_epochLossMarker, m_lrMarker})
    marker->setName(tr("Backbone unfrozen"));
}

void DashboardCharts::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) retranslateUi();
  QWidget::changeEvent(event);
}

void DashboardCharts::drawIterations(const DashboardModel& model) {
  const ChartSeriesBuffer& rawLoss = model.rawLoss();
  m_rawLossSeries->replace(rawLoss.display());
  m_smoothedLossSeries->replace(model.smoothedLoss().display());
  m_headLrSeries->replace(model.headLearningRate().display());
  m_backboneLrSeries->replace(model.backboneLearningRate().display());

  // The iteration axes end on the next tick past the data, not on the last point: their labels
  // (the chart's costliest layout work) then change a few times per run instead of at every
  // redraw (issue 6: the GUI thread's share of the 2 cores).
  const double lastX = rawLoss.isEmpty() ? 1.0 : std::max(1.0, rawLoss.maxX());
  const double xStep = charts::niceStep(lastX, 6, 1.0);
  const double xEnd = charts::tickEnd(lastX, xStep);
  charts::applyRange(m_lossX, 0.0, xEnd, xStep);
  charts::applyRange(m_lrX, 0.0, xEnd, xStep);
  double lossHigh = 1.0;
  if (!rawLoss.isEmpty() && std::isfinite(rawLoss.maxY()) && rawLoss.maxY() > 0)
    lossHigh = rawLoss.maxY() * 1.05;
  charts::setValueRange(m_lossY, 0.0, lossHigh);

  double lrLow = 1e-5, lrHigh = 1e-3;
  bool haveLr = false;
  for (const ChartSeriesBuffer* b : {&model.headLearningRate(), &model.backboneLearningRate()}) {
    if (b->isEmpty()) continue;
    lrLow = haveLr ? std::min(lrLow, b->minY()) : b->minY();
    lrHigh = haveLr ? std::max(lrHigh, b->maxY()) : b->maxY();
    haveLr = true;
  }
  // At least 2 decades (several labels), at most 6 (a cosine schedule heading to zero would
  // otherwise stack labels); lower points are clipped.
  const auto [low, high] = charts::decadeRange(lrLow, lrHigh, 2, 6);
  m_lrY->setRange(low, high);

  const double marker = model.markerIteration();
  charts::updateMarker(m_lossMarker, marker, m_lossY->min(), m_lossY->max());
  charts::updateMarker(m_lrMarker, marker, low, high);
}

void DashboardCharts::drawEpochs(const DashboardModel& model) {
  QList<QPointF> trainAccuracy, validationAccuracy, trainLoss, validationLoss;
  double lossHigh = 0.0;
  const auto& points = model.epochPoints();
  for (const DashboardEpochPoint& p : points) {
    trainAccuracy.append({p.x, p.trainAccuracy});
    validationAccuracy.append({p.x, p.validationAccuracy});
    trainLoss.append({p.x, p.trainLoss});
    validationLoss.append({p.x, p.validationLoss});
    for (double v : {p.trainLoss, p.validationLoss})
      if (std::isfinite(v)) lossHigh = std::max(lossHigh, v);
  }
  const QString precision = model.epochEvents().empty()
                                ? QString()
                                : QString::fromStdString(model.epochEvents().back().validationPrecision);
  if (precision != m_validationPrecision) {
    m_validationPrecision = precision;
    retranslateUi();
  }
  m_trainAccuracySeries->replace(trainAccuracy);
  m_validationAccuracySeries->replace(validationAccuracy);
  m_trainLossSeries->replace(trainLoss);
  m_validationLossSeries->replace(validationLoss);

  const double lastEpoch = points.empty() ? 0.0 : points.back().x;
  const double epochs = std::max({1.0, double(model.totalEpochs()), lastEpoch});
  charts::setIntegerRange(m_accuracyX, 0.0, epochs, 10);
  charts::setIntegerRange(m_epochLossX, 0.0, epochs, 10);
  charts::applyRange(m_accuracyY, 0.0, 100.0, 20.0);
  charts::setValueRange(m_epochLossY, 0.0, lossHigh > 0 ? lossHigh * 1.1 : 1.0);

  const double marker = model.markerEpoch();
  charts::updateMarker(m_accuracyMarker, marker, 0.0, 100.0);
  charts::updateMarker(m_epochLossMarker, marker, m_epochLossY->min(), m_epochLossY->max());
}

QXYSeries* DashboardCharts::series(DashboardSeries which) const {
  switch (which) {
    case DashboardSeries::RawLoss: return m_rawLossSeries;
    case DashboardSeries::SmoothedLoss: return m_smoothedLossSeries;
    case DashboardSeries::TrainAccuracy: return m_trainAccuracySeries;
    case DashboardSeries::ValidationAccuracy: return m_validationAccuracySeries;
    case DashboardSeries::TrainLoss: return m_trainLossSeries;
    case DashboardSeries::ValidationLoss: return m_validationLossSeries;
    case DashboardSeries::HeadLearningRate: return m_headLrSeries;
    case DashboardSeries::BackboneLearningRate: return m_backboneLrSeries;
  }
  return nullptr;
}

}  // namespace ft::ui
