#include "dashboard_page.h"
#include "live_text_label.h"

#include <QChart>
#include <QChartView>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTimer>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

#include "api/studio_api.h"
#include "common/error.h"
#include "studio_settings.h"
#include "training_controller.h"

namespace ft::ui {
namespace {

const QColor kTrainColor(31, 119, 180);
const QColor kValidationColor(255, 127, 14);
const QColor kHeadColor(44, 160, 44);
const QColor kBackboneColor(214, 39, 40);
const QColor kMarkerColor(110, 110, 110);
const QColor kWarningColor(178, 107, 0);
const QColor kErrorColor(200, 0, 0);

QChart* makeChart() {
  auto* chart = new QChart;
  chart->setAnimationOptions(QChart::NoAnimation);
  chart->legend()->setAlignment(Qt::AlignBottom);
  chart->setMargins(QMargins(4, 4, 4, 4));
  return chart;
}

QLineSeries* addSeries(QChart* chart, const QColor& color, qreal width, QAbstractAxis* x,
                       QAbstractAxis* y) {
  auto* series = new QLineSeries;
  QPen pen(color);
  pen.setWidthF(width);
  series->setPen(pen);
  chart->addSeries(series);
  series->attachAxis(x);
  series->attachAxis(y);
  return series;
}

// The vertical dashed "backbone unfrozen" line: a two-point series, kept out of the legend.
QLineSeries* addMarker(QChart* chart, QAbstractAxis* x, QAbstractAxis* y) {
  auto* series = new QLineSeries;
  QPen pen(kMarkerColor);
  pen.setWidthF(1.5);
  pen.setStyle(Qt::DashLine);
  series->setPen(pen);
  chart->addSeries(series);
  series->attachAxis(x);
  series->attachAxis(y);
  for (QLegendMarker* marker : chart->legend()->markers(series)) marker->setVisible(false);
  return series;
}

QValueAxis* addValueAxis(QChart* chart, Qt::Alignment alignment) {
  auto* axis = new QValueAxis;
  axis->setRange(0.0, 1.0);
  axis->setTickInterval(0.25);
  axis->setTickAnchor(0.0);
  axis->setTickType(QValueAxis::TicksDynamic);
  chart->addAxis(axis, alignment);
  return axis;
}

// 1, 2, 5 x 10^k, at least `minimum`, giving about `ticks` intervals over `span`.
double niceStep(double span, int ticks, double minimum) {
  if (span <= 0) return std::max(minimum, 1.0);
  const double raw = span / std::max(1, ticks);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double fraction = raw / magnitude;
  const double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return std::max(minimum, nice * magnitude);
}

// The axis lays out one label per tick as soon as either value changes: apply them in the
// order that never passes through "new range, old interval" with a far larger tick count
// (a 50,000-iteration range at the interval of a 10-iteration one would create 50,000 labels).
void applyRange(QValueAxis* axis, double low, double high, double interval) {
  if (axis->min() == low && axis->max() == high && axis->tickInterval() == interval) return;
  if (interval > axis->tickInterval()) {
    axis->setTickInterval(interval);
    axis->setRange(low, high);
  } else {
    axis->setRange(low, high);
    axis->setTickInterval(interval);
  }
}

void setIntegerRange(QValueAxis* axis, double low, double high, int ticks) {
  if (high <= low) high = low + 1;
  applyRange(axis, low, high, niceStep(high - low, ticks, 1.0));
}

void setValueRange(QValueAxis* axis, double low, double high) {
  if (!(high > low)) high = low + 1.0;
  applyRange(axis, low, high, niceStep(high - low, 5, 0.0));
}

QString formatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return QStringLiteral("–");
  const qint64 total = qint64(std::llround(seconds));
  const qint64 h = total / 3600, m = (total / 60) % 60, s = total % 60;
  if (h > 0)
    return QStringLiteral("%1:%2:%3").arg(h).arg(m, 2, 10, QLatin1Char('0')).arg(s, 2, 10, QLatin1Char('0'));
  return QStringLiteral("%1:%2").arg(m).arg(s, 2, 10, QLatin1Char('0'));
}

}  // namespace

DashboardPage::DashboardPage(QWidget* parent) : QWidget(parent) {
  buildUi();
  retranslateUi();
  m_flushTimer = new QTimer(this);
  m_flushTimer->setSingleShot(true);
  m_flushTimer->setInterval(kFlushIntervalMs);
  connect(m_flushTimer, &QTimer::timeout, this, &DashboardPage::flushNow);
  clear();
}

DashboardPage::~DashboardPage() = default;

void DashboardPage::buildUi() {
  // Loss per iteration.
  m_lossChart = makeChart();
  m_lossX = addValueAxis(m_lossChart, Qt::AlignBottom);
  m_lossY = addValueAxis(m_lossChart, Qt::AlignLeft);
  QColor faint = kTrainColor;
  faint.setAlpha(70);
  m_rawLossSeries = addSeries(m_lossChart, faint, 1.0, m_lossX, m_lossY);
  m_smoothedLossSeries = addSeries(m_lossChart, kTrainColor.darker(130), 2.0, m_lossX, m_lossY);
  m_lossMarker = addMarker(m_lossChart, m_lossX, m_lossY);

  // Accuracy per epoch.
  m_accuracyChart = makeChart();
  m_accuracyX = addValueAxis(m_accuracyChart, Qt::AlignBottom);
  m_accuracyY = addValueAxis(m_accuracyChart, Qt::AlignLeft);
  m_trainAccuracySeries = addSeries(m_accuracyChart, kTrainColor, 2.0, m_accuracyX, m_accuracyY);
  m_validationAccuracySeries =
      addSeries(m_accuracyChart, kValidationColor, 2.0, m_accuracyX, m_accuracyY);
  m_accuracyMarker = addMarker(m_accuracyChart, m_accuracyX, m_accuracyY);

  // Loss per epoch.
  m_epochLossChart = makeChart();
  m_epochLossX = addValueAxis(m_epochLossChart, Qt::AlignBottom);
  m_epochLossY = addValueAxis(m_epochLossChart, Qt::AlignLeft);
  m_trainLossSeries = addSeries(m_epochLossChart, kTrainColor, 2.0, m_epochLossX, m_epochLossY);
  m_validationLossSeries =
      addSeries(m_epochLossChart, kValidationColor, 2.0, m_epochLossX, m_epochLossY);
  m_epochLossMarker = addMarker(m_epochLossChart, m_epochLossX, m_epochLossY);
  for (QLineSeries* s : {m_trainAccuracySeries, m_validationAccuracySeries, m_trainLossSeries,
                         m_validationLossSeries})
    s->setPointsVisible(true);

  // Learning rates per iteration, log scale.
  m_lrChart = makeChart();
  m_lrX = addValueAxis(m_lrChart, Qt::AlignBottom);
  m_lrY = new QLogValueAxis;
  m_lrY->setBase(10.0);
  m_lrY->setLabelFormat(QStringLiteral("%.0e"));
  m_lrY->setMinorTickCount(8);
  m_lrChart->addAxis(m_lrY, Qt::AlignLeft);
  m_headLrSeries = addSeries(m_lrChart, kHeadColor, 2.0, m_lrX, m_lrY);
  m_backboneLrSeries = addSeries(m_lrChart, kBackboneColor, 2.0, m_lrX, m_lrY);
  {
    // Dashed: after unfreezing head and backbone often share a rate, and a solid line would
    // hide the head's.
    QPen pen = m_backboneLrSeries->pen();
    pen.setDashPattern({4.0, 3.0});
    m_backboneLrSeries->setPen(pen);
  }
  m_lrMarker = addMarker(m_lrChart, m_lrX, m_lrY);

  auto* charts = new QWidget;
  auto* grid = new QGridLayout(charts);
  grid->setContentsMargins(0, 0, 0, 0);
  int index = 0;
  for (QValueAxis* axis : {m_lossX, m_accuracyX, m_epochLossX, m_lrX, m_accuracyY})
    axis->setLabelFormat(QStringLiteral("%d"));
  for (QChart* chart : {m_lossChart, m_accuracyChart, m_epochLossChart, m_lrChart}) {
    auto* view = new QChartView(chart);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumSize(280, 200);
    grid->addWidget(view, index / 2, index % 2);
    m_chartViews.append(view);
    ++index;
  }

  m_log = new QPlainTextEdit;
  m_log->setObjectName(QStringLiteral("logView"));
  m_log->setReadOnly(true);
  m_log->setMaximumBlockCount(kMaxLogLines);
  m_log->setLineWrapMode(QPlainTextEdit::WidgetWidth);
  QFont mono(QStringLiteral("monospace"));
  mono.setStyleHint(QFont::TypeWriter);
  m_log->setFont(mono);

  auto* splitter = new QSplitter(Qt::Vertical);
  splitter->addWidget(charts);
  splitter->addWidget(m_log);
  splitter->setStretchFactor(0, 4);
  splitter->setStretchFactor(1, 1);

  m_statusLabel = new QLabel;
  m_statusLabel->setWordWrap(true);
  m_statusLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_pauseButton = new QPushButton;
  m_pauseButton->setObjectName(QStringLiteral("pauseButton"));
  m_stopButton = new QPushButton;
  m_stopButton->setObjectName(QStringLiteral("stopButton"));
  connect(m_pauseButton, &QPushButton::clicked, this, &DashboardPage::onPauseClicked);
  connect(m_stopButton, &QPushButton::clicked, this, &DashboardPage::onStopClicked);
  m_saveChartsButton = new QPushButton;
  m_saveChartsButton->setObjectName(QStringLiteral("saveChartsButton"));
  m_saveCsvButton = new QPushButton;
  m_saveCsvButton->setObjectName(QStringLiteral("saveCsvButton"));
  connect(m_saveChartsButton, &QPushButton::clicked, this, &DashboardPage::onSaveChartsClicked);
  connect(m_saveCsvButton, &QPushButton::clicked, this, &DashboardPage::onSaveCsvClicked);
  m_saveMessage = new QLabel;
  m_saveMessage->setObjectName(QStringLiteral("saveMessage"));
  m_saveMessage->setWordWrap(true);
  m_saveMessage->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_saveMessage->hide();
  auto* controls = new QHBoxLayout;
  controls->addWidget(m_statusLabel, 1);
  controls->addWidget(m_saveChartsButton);
  controls->addWidget(m_saveCsvButton);
  controls->addSpacing(12);
  controls->addWidget(m_pauseButton);
  controls->addWidget(m_stopButton);

  m_epochLabel = new QLabel;
  m_overallProgress = new QProgressBar;
  m_overallProgress->setObjectName(QStringLiteral("overallProgress"));
  m_epochProgress = new QProgressBar;
  m_epochProgress->setObjectName(QStringLiteral("epochProgress"));
  m_speedLabel = new LiveTextLabel;
  m_speedLabel->setObjectName(QStringLiteral("speedLabel"));
  auto* progress = new QGridLayout;
  progress->addWidget(m_epochLabel, 0, 0);
  progress->addWidget(m_overallProgress, 0, 1);
  progress->addWidget(m_epochProgress, 1, 1);
  progress->addWidget(m_speedLabel, 1, 0);
  progress->setColumnStretch(1, 1);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(controls);
  layout->addWidget(m_saveMessage);
  layout->addLayout(progress);
  layout->addWidget(splitter, 1);
  updateControls();
}

void DashboardPage::retranslateUi() {
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
  m_validationAccuracySeries->setName(tr("Validation"));
  m_trainLossSeries->setName(tr("Training"));
  m_validationLossSeries->setName(tr("Validation"));
  m_headLrSeries->setName(tr("Head"));
  m_backboneLrSeries->setName(tr("Backbone"));
  for (QLineSeries* marker : {m_lossMarker, m_accuracyMarker, m_epochLossMarker, m_lrMarker})
    marker->setName(tr("Backbone unfrozen"));
  m_stopButton->setText(tr("Stop"));
  m_stopButton->setToolTip(tr("Stop after the current batch; a checkpoint is kept so the run can be resumed"));
  m_epochProgress->setFormat(tr("Batch %v of %m"));
  m_saveChartsButton->setText(tr("Save charts…"));
  m_saveChartsButton->setToolTip(tr("Save every chart as a PNG image into a folder"));
  m_saveCsvButton->setText(tr("Save metrics as CSV…"));
  m_saveCsvButton->setToolTip(tr("Save the loss, accuracy and learning rate of every iteration and "
                                 "epoch as a CSV file (the run folder's metrics.csv)"));
  updateControls();
  m_progressDirty = true;
  if (m_flushTimer) scheduleFlush();
}

void DashboardPage::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) retranslateUi();
  QWidget::changeEvent(event);
}

void DashboardPage::attach(TrainingController* controller) {
  if (m_controller) disconnect(m_controller, nullptr, this, nullptr);
  m_controller = controller;
  if (controller) {
    connect(controller, &TrainingController::iteration, this, &DashboardPage::addIteration);
    connect(controller, &TrainingController::epochFinished, this, &DashboardPage::addEpoch);
    connect(controller, &TrainingController::phaseChanged, this, &DashboardPage::addPhase);
    connect(controller, &TrainingController::logLine, this, &DashboardPage::addLog);
    connect(controller, &TrainingController::finished, this, &DashboardPage::showFinished);
    connect(controller, &TrainingController::pausedChanged, this, &DashboardPage::onPausedChanged);
    connect(controller, &TrainingController::runningChanged, this, [this](bool running) {
      if (running) {
        setStatus([] { return tr("Preparing the data and the model…"); });
      }
      updateControls();
    });
    connect(controller, &TrainingController::started, this, [this](const QString& dir) {
      m_runDir = dir;
      setStatus([dir] { return tr("Training in %1").arg(dir); });
    });
  }
  updateControls();
}

void DashboardPage::clear() {
  m_rawLoss.clear();
  m_smoothedLoss.clear();
  m_headLr.clear();
  m_backboneLr.clear();
  m_ema = 0.0;
  m_emaWeight = 0.0;
  m_epochPoints.clear();
  m_validationAccuracy.clear();
  m_pendingLog.clear();
  m_lastIteration = {};
  m_haveIteration = false;
  m_epochsDone = 0;
  m_markerEpoch = -1.0;
  m_markerIteration = -1.0;
  m_markerIterationPending = false;
  m_backboneFrozen = false;
  m_status = {};
  m_iterationEvents.clear();
  m_epochEvents.clear();
  m_runDir.clear();
  if (m_saveMessage) m_saveMessage->hide();
  m_log->clear();
  m_iterationsDirty = m_epochsDirty = m_progressDirty = true;
  flushNow();
}

void DashboardPage::setTotalEpochs(int epochs) {
  m_totalEpochs = std::max(0, epochs);
  m_epochsDirty = m_progressDirty = true;
  scheduleFlush();
}

void DashboardPage::loadHistory(const ft::api::RunHistory& history) {
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
  if (!history.iterations.empty()) {
    m_lastIteration = history.iterations.back();
    m_haveIteration = true;
  }
  const int done = m_epochsDone;
  if (history.complete)
    m_status = [] { return tr("Run complete"); };
  else
    m_status = [done] { return tr("Run interrupted after %n epoch(s)", nullptr, done); };
  m_iterationsDirty = m_epochsDirty = m_progressDirty = true;
  flushNow();
}

void DashboardPage::addIteration(const ft::run::IterationEvent& event) {
  appendIterationPoint(event);
  m_lastIteration = event;
  m_haveIteration = true;
  m_progressDirty = true;
  scheduleFlush();
}

void DashboardPage::appendIterationPoint(const ft::run::IterationEvent& event) {
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
  if (std::isfinite(event.loss)) {
    m_ema = kSmoothing * m_ema + (1.0 - kSmoothing) * event.loss;
    m_emaWeight = kSmoothing * m_emaWeight + (1.0 - kSmoothing);
  }
  m_smoothedLoss.append({x, m_emaWeight > 0 ? m_ema / m_emaWeight : event.loss});
  // The log axis cannot show 0 (a cosine schedule may reach it): such points are left out.
  const auto& rates = event.learningRates;
  if (!rates.empty() && rates[0] > 0) m_headLr.append({x, rates[0]});
  if (rates.size() > 1 && rates[1] > 0 && !m_backboneFrozen) m_backboneLr.append({x, rates[1]});
  if (m_markerIterationPending) {
    m_markerIteration = x - 1.0;
    m_markerIterationPending = false;
  }
  m_iterationsDirty = true;
}

void DashboardPage::recomputeSmoothing() {
  m_smoothedLoss.clear();
  m_ema = 0.0;
  m_emaWeight = 0.0;
  for (const QPointF& p : m_rawLoss.points()) {
    if (std::isfinite(p.y())) {
      m_ema = kSmoothing * m_ema + (1.0 - kSmoothing) * p.y();
      m_emaWeight = kSmoothing * m_emaWeight + (1.0 - kSmoothing);
    }
    m_smoothedLoss.append({p.x(), m_emaWeight > 0 ? m_ema / m_emaWeight : p.y()});
  }
}

void DashboardPage::addEpoch(const ft::run::EpochEvent& event) {
  const double x = event.epoch + 1;
  while (!m_epochPoints.empty() && m_epochPoints.back().x >= x) {
    m_epochPoints.pop_back();
    m_validationAccuracy.pop_back();
  }
  while (!m_epochEvents.empty() && m_epochEvents.back().epoch >= event.epoch) m_epochEvents.pop_back();
  m_epochEvents.push_back(event);
  m_epochPoints.push_back({x, event.trainAccuracy, event.validationAccuracy, event.trainLoss,
                           event.validationLoss});
  m_validationAccuracy.push_back(event.validationAccuracy);
  m_epochsDone = event.epoch + 1;
  if (event.epochs > 0) m_totalEpochs = event.epochs;
  m_epochsDirty = m_progressDirty = true;
  scheduleFlush();
}

void DashboardPage::addPhase(const ft::run::PhaseEvent& event) {
  m_backboneFrozen = event.phase == ft::run::Phase::Frozen;
  if (event.phase == ft::run::Phase::Unfrozen && event.epoch > 0) {
    m_markerEpoch = event.epoch;
    if (m_rawLoss.isEmpty()) {
      m_markerIterationPending = true;
    } else {
      m_markerIteration = m_rawLoss.maxX();
    }
  }
  m_iterationsDirty = m_epochsDirty = true;
  scheduleFlush();
}

void DashboardPage::addLog(const ft::run::LogEvent& event) {
  m_pendingLog.push_back({event.level, QString::fromStdString(event.message)});
  scheduleFlush();
}

void DashboardPage::showFinished(const ft::run::FinishedEvent& event) {
  // Built from the event's numbers, not the engine's English sentence, so that it translates;
  // only a failure's reason is the engine's own message.
  const ft::run::FinishedEvent e = event;
  switch (event.status) {
    case ft::run::FinishStatus::Completed:
      m_status = [e] {
        if (e.bestEpoch < 0) return tr("Finished");
        return tr("Finished: final validation accuracy %1, best %2 (epoch %3)")
            .arg(QStringLiteral("%1%").arg(e.finalValidationAccuracy, 0, 'f', 2),
                 QStringLiteral("%1%").arg(e.bestValidationAccuracy, 0, 'f', 2))
            .arg(e.bestEpoch + 1);
      };
      break;
    case ft::run::FinishStatus::Stopped: {
      // The epoch it stopped in: the last batch's, or the one after the last completed epoch.
      const int epoch =
          std::max(m_haveIteration ? m_lastIteration.epoch + 1 : 0, e.epochsCompleted + 1);
      m_status = [epoch] { return tr("Stopped during epoch %1; the checkpoint is kept.").arg(epoch); };
      break;
    }
    case ft::run::FinishStatus::Failed: {
      const QString message = QString::fromStdString(event.message);
      m_status = [message] { return tr("Failed: %1").arg(message); };
      break;
    }
  }
  m_progressDirty = true;
  updateControls();
  flushNow();
}

void DashboardPage::scheduleFlush() {
  if (m_flushTimer && !m_flushTimer->isActive()) m_flushTimer->start();
}

void DashboardPage::flushNow() {
  if (m_flushTimer) m_flushTimer->stop();
  QElapsedTimer clock;
  clock.start();
  if (m_iterationsDirty) flushIterationSeries();
  if (m_epochsDirty) flushEpochSeries();
  if (m_progressDirty) flushProgress();
  if (!m_pendingLog.empty()) flushLog();
  m_iterationsDirty = m_epochsDirty = m_progressDirty = false;
  m_lastFlushMs = double(clock.nsecsElapsed()) / 1e6;
  ++m_flushCount;
}

void DashboardPage::flushIterationSeries() {
  m_rawLossSeries->replace(m_rawLoss.display());
  m_smoothedLossSeries->replace(m_smoothedLoss.display());
  m_headLrSeries->replace(m_headLr.display());
  m_backboneLrSeries->replace(m_backboneLr.display());

  // The iteration axes end on the next tick past the data, not on the last point: their labels
  // (the chart's costliest layout work) then change a few times per run instead of at every
  // redraw (issue 6: the GUI thread's share of the 2 cores).
  const double lastX = m_rawLoss.isEmpty() ? 1.0 : std::max(1.0, m_rawLoss.maxX());
  const double xStep = niceStep(lastX, 6, 1.0);
  const double xEnd = std::max(xStep, std::ceil(lastX / xStep) * xStep);
  applyRange(m_lossX, 0.0, xEnd, xStep);
  applyRange(m_lrX, 0.0, xEnd, xStep);
  double lossHigh = 1.0;
  if (!m_rawLoss.isEmpty() && std::isfinite(m_rawLoss.maxY()) && m_rawLoss.maxY() > 0)
    lossHigh = m_rawLoss.maxY() * 1.05;
  setValueRange(m_lossY, 0.0, lossHigh);

  double lrLow = 1e-5, lrHigh = 1e-3;
  bool haveLr = false;
  for (const ChartSeriesBuffer* b : {&m_headLr, &m_backboneLr}) {
    if (b->isEmpty()) continue;
    lrLow = haveLr ? std::min(lrLow, b->minY()) : b->minY();
    lrHigh = haveLr ? std::max(lrHigh, b->maxY()) : b->maxY();
    haveLr = true;
  }
  // Whole decades around the data, at least kMinLrDecades of them so that the axis shows
  // several labels (it labels decades only), at most kMaxLrDecades (a cosine schedule heading
  // to zero would otherwise stack labels): lower points are clipped.
  constexpr int kMinLrDecades = 2, kMaxLrDecades = 6;
  const int highExp = int(std::ceil(std::log10(lrHigh) - 1e-9));
  int lowExp = int(std::floor(std::log10(lrLow) + 1e-9));
  lowExp = std::clamp(lowExp, highExp - kMaxLrDecades, highExp - kMinLrDecades);
  // A little beyond the decades: QLogValueAxis drops the label of an end that lands a rounding
  // error inside the range, and a rate on a decade is not drawn on the plot's border.
  lrLow = std::pow(10.0, lowExp) / 1.05;
  lrHigh = std::pow(10.0, highExp) * 1.05;
  m_lrY->setRange(lrLow, lrHigh);

  updateMarker(m_lossMarker, m_markerIteration, m_lossY->min(), m_lossY->max());
  updateMarker(m_lrMarker, m_markerIteration, lrLow, lrHigh);
}

void DashboardPage::flushEpochSeries() {
  QList<QPointF> trainAccuracy, validationAccuracy, trainLoss, validationLoss;
  double lossHigh = 0.0;
  for (const EpochPoint& p : m_epochPoints) {
    trainAccuracy.append({p.x, p.trainAccuracy});
    validationAccuracy.append({p.x, p.validationAccuracy});
    trainLoss.append({p.x, p.trainLoss});
    validationLoss.append({p.x, p.validationLoss});
    for (double v : {p.trainLoss, p.validationLoss})
      if (std::isfinite(v)) lossHigh = std::max(lossHigh, v);
  }
  m_trainAccuracySeries->replace(trainAccuracy);
  m_validationAccuracySeries->replace(validationAccuracy);
  m_trainLossSeries->replace(trainLoss);
  m_validationLossSeries->replace(validationLoss);

  const double lastEpoch = m_epochPoints.empty() ? 0.0 : m_epochPoints.back().x;
  const double epochs = std::max({1.0, double(m_totalEpochs), lastEpoch});
  setIntegerRange(m_accuracyX, 0.0, epochs, 10);
  setIntegerRange(m_epochLossX, 0.0, epochs, 10);
  applyRange(m_accuracyY, 0.0, 100.0, 20.0);
  setValueRange(m_epochLossY, 0.0, lossHigh > 0 ? lossHigh * 1.1 : 1.0);

  updateMarker(m_accuracyMarker, m_markerEpoch, 0.0, 100.0);
  updateMarker(m_epochLossMarker, m_markerEpoch, m_epochLossY->min(), m_epochLossY->max());
}

void DashboardPage::updateMarker(QLineSeries* marker, double x, double low, double high) {
  if (x < 0) {
    if (marker->count() > 0) marker->clear();
    return;
  }
  const QList<QPointF> points{{x, low}, {x, high}};
  if (marker->points() != points) marker->replace(points);  // an unchanged marker costs no repaint
}

void DashboardPage::flushProgress() {
  const auto& it = m_lastIteration;
  const int total = m_totalEpochs;
  int current = m_epochsDone;
  if (m_haveIteration) current = std::max(current, it.epoch + 1);
  if (total > 0)
    m_epochLabel->setText(tr("Epoch %1 of %2").arg(std::max(1, std::min(current, total))).arg(total));
  else
    m_epochLabel->setText(current > 0 ? tr("Epoch %1").arg(current) : QString());

  const std::int64_t perEpoch = m_haveIteration ? it.batchesPerEpoch : 0;
  if (perEpoch > 0) {
    m_epochProgress->setRange(0, int(perEpoch));
    m_epochProgress->setValue(int(std::min(it.batch, perEpoch)));
  } else {
    m_epochProgress->setRange(0, 1);
    m_epochProgress->setValue(0);
  }
  if (perEpoch > 0 && total > 0) {
    m_overallProgress->setRange(0, int(std::min<std::int64_t>(perEpoch * total, INT32_MAX)));
    const std::int64_t done = std::int64_t(std::max(m_epochsDone, it.epoch)) * perEpoch +
                        (it.epoch >= m_epochsDone ? it.batch : 0);
    m_overallProgress->setValue(int(std::min<std::int64_t>(done, perEpoch * total)));
  } else {
    m_overallProgress->setRange(0, std::max(1, total));
    m_overallProgress->setValue(std::min(m_epochsDone, std::max(1, total)));
  }
  m_overallProgress->setFormat(tr("Run %p%"));

  QStringList speed;
  if (m_haveIteration && it.batch > 0 && perEpoch > 0 && it.epochSeconds > 0) {
    const double perBatch = it.epochSeconds / double(it.batch);
    const double epochLeft = perBatch * double(perEpoch - it.batch);
    speed << tr("%1 images/s").arg(QString::number(it.imagesPerSecond, 'f', 0))
          << tr("epoch ends in %1").arg(formatDuration(epochLeft));
    if (total > 0 && it.epoch + 1 < total) {
      // Training batches only, at this epoch's pace: evaluation and the slower unfrozen phase
      // make the real time longer, hence "at least".
      const double runLeft = epochLeft + perBatch * double(perEpoch) * double(total - it.epoch - 1);
      speed << tr("run ends in at least %1").arg(formatDuration(runLeft));
    }
  }
  m_speedLabel->setText(speed.join(QStringLiteral(" · ")));
  QString status = m_status ? m_status() : QString();
  if (m_controller && m_controller->isPaused()) status = tr("Paused");
  m_statusLabel->setText(status);
}

void DashboardPage::flushLog() {
  for (const PendingLog& line : m_pendingLog) {
    const QString text = line.text.toHtmlEscaped();
    switch (line.level) {
      case ft::run::LogLevel::Info:
        m_log->appendHtml(text);
        break;
      case ft::run::LogLevel::Warning:
        m_log->appendHtml(QStringLiteral("<span style=\"color:%1\">%2</span>")
                              .arg(kWarningColor.name(), tr("Warning: %1").arg(text)));
        break;
      case ft::run::LogLevel::Error:
        m_log->appendHtml(QStringLiteral("<b style=\"color:%1\">%2</b>")
                              .arg(kErrorColor.name(), tr("Error: %1").arg(text)));
        break;
    }
  }
  m_pendingLog.clear();
}

int DashboardPage::displayedPointCount(DashboardSeries which) const {
  const QXYSeries* s = series(which);
  return s ? int(s->count()) : 0;
}

QXYSeries* DashboardPage::series(DashboardSeries which) const {
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

QString DashboardPage::progressText() const {
  QStringList parts;
  for (const QString& text : {m_statusLabel->text(), m_epochLabel->text(), m_speedLabel->text()})
    if (!text.isEmpty()) parts << text;
  return parts.join(QStringLiteral(" | "));
}

QString DashboardPage::logText() const { return m_log->toPlainText(); }

void DashboardPage::updateControls() {
  const bool running = m_controller && m_controller->isRunning();
  m_pauseButton->setEnabled(running);
  m_stopButton->setEnabled(running);
  const bool paused = m_controller && m_controller->isPaused();
  m_pauseButton->setText(paused ? tr("Resume") : tr("Pause"));
  m_pauseButton->setToolTip(paused ? tr("Continue training") : tr("Pause before the next batch"));
}

void DashboardPage::onPausedChanged(bool) {
  updateControls();
  m_progressDirty = true;
  scheduleFlush();
}

void DashboardPage::onPauseClicked() {
  if (!m_controller) return;
  if (m_controller->isPaused()) m_controller->resume();
  else m_controller->pause();
}

void DashboardPage::onStopClicked() {
  if (!m_controller || !m_controller->isRunning()) return;
  m_controller->stop();
  setStatus([] { return tr("Stopping after the current batch…"); });
}

void DashboardPage::setStatus(std::function<QString()> status) {
  m_status = std::move(status);
  m_progressDirty = true;
  scheduleFlush();
}

}  // namespace ft::ui

namespace ft::ui {

QStringList DashboardPage::chartFileNames() {
  return {QStringLiteral("loss-per-iteration.png"), QStringLiteral("accuracy-per-epoch.png"),
          QStringLiteral("loss-per-epoch.png"), QStringLiteral("learning-rate.png")};
}

QStringList DashboardPage::saveCharts(const QString& folder, QString* error) {
  flushNow();  // whatever is buffered goes into the pictures too
  QStringList written;
  if (!QDir().mkpath(folder)) {
    if (error) *error = tr("Cannot create the folder %1.").arg(folder);
    return {};
  }
  const QStringList names = chartFileNames();
  for (int i = 0; i < m_chartViews.size(); ++i) {
    QChartView* view = m_chartViews[i];
    // On screen: the chart as the user sees it, at twice the resolution. Hidden (another page
    // is showing): rendering the widget would lay the hidden page out at its own size, so the
    // chart itself is laid out at the export size, drawn from its scene, and given its size back.
    const bool shown = view->isVisible() && view->width() >= 280 && view->height() >= 200;
    const QSize size = shown ? view->size() : QSize(kExportChartWidth, kExportChartHeight);
    QImage image(size * kExportScale, QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(kExportScale);
    image.fill(Qt::white);
    if (shown) {
      // QWidget::render (QGraphicsView::render would draw the scene only, without the frame).
      static_cast<QWidget*>(view)->render(&image);
    } else {
      QChart* chart = view->chart();
      const QSizeF oldSize = chart->size();
      chart->resize(size);
      QPainter painter(&image);
      painter.setRenderHint(QPainter::Antialiasing);
      painter.setRenderHint(QPainter::TextAntialiasing);
      chart->scene()->render(&painter, QRectF(QPointF(0, 0), QSizeF(size)), chart->sceneBoundingRect());
      painter.end();
      chart->resize(oldSize);
    }
    const QString path = QDir(folder).filePath(names[i]);
    if (!image.save(path, "PNG")) {
      if (error) *error = tr("Cannot write %1: check that the folder is writable.").arg(path);
      return {};
    }
    written << path;
  }
  return written;
}

bool DashboardPage::saveMetricsCsv(const QString& path, QString* error) {
  const auto fail = [error](const QString& message) {
    if (error) *error = message;
    return false;
  };
  if (QFileInfo::exists(path) && !QFile::remove(path))
    return fail(tr("Cannot replace %1: check that the file is writable.").arg(path));
  const QString runMetrics =
      m_runDir.isEmpty() ? QString() : QDir(m_runDir).filePath(QStringLiteral("metrics.csv"));
  if (!runMetrics.isEmpty() && QFileInfo::exists(runMetrics)) {
    if (!QFile::copy(runMetrics, path))
      return fail(tr("Cannot copy %1 to %2: check that the folder is writable.").arg(runMetrics, path));
    return true;
  }
  if (m_iterationEvents.empty() && m_epochEvents.empty())
    return fail(tr("There are no metrics to save yet."));
  try {
    ft::api::writeMetricsCsv(path.toStdString(), m_iterationEvents, m_epochEvents);
  } catch (const std::exception& e) {
    return fail(QString::fromStdString(e.what()));
  }
  return true;
}

QString DashboardPage::saveMessage() const { return m_saveMessage->text(); }

void DashboardPage::showSaveMessage(const QString& text, bool error) {
  m_saveMessage->setText(text);
  m_saveMessage->setStyleSheet(error ? QStringLiteral("color: #c80000;") : QString());
  m_saveMessage->setVisible(!text.isEmpty());
}

void DashboardPage::onSaveChartsClicked() {
  QString start = settings::lastFolder(QStringLiteral("charts"));
  if (start.isEmpty() && !m_runDir.isEmpty()) start = m_runDir;
  const QString folder = QFileDialog::getExistingDirectory(this, tr("Save the charts into a folder"), start);
  if (folder.isEmpty()) return;
  settings::rememberFolder(QStringLiteral("charts"), folder);
  QString error;
  const QStringList files = saveCharts(folder, &error);
  if (files.isEmpty())
    showSaveMessage(error, true);
  else
    showSaveMessage(tr("Saved %1 charts in %2.").arg(files.size()).arg(folder), false);
}

void DashboardPage::onSaveCsvClicked() {
  QString start = settings::lastFolder(QStringLiteral("metrics"));
  if (start.isEmpty() && !m_runDir.isEmpty()) start = m_runDir;
  QString path = QFileDialog::getSaveFileName(
      this, tr("Save the metrics as CSV"), QDir(start).filePath(QStringLiteral("metrics.csv")),
      tr("CSV files (*.csv)"));
  if (path.isEmpty()) return;
  if (QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".csv");
  settings::rememberFolder(QStringLiteral("metrics"), path);
  QString error;
  if (saveMetricsCsv(path, &error))
    showSaveMessage(tr("Saved the metrics in %1.").arg(path), false);
  else
    showSaveMessage(error, true);
}

}  // namespace ft::ui
