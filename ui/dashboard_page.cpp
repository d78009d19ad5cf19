#include "dashboard_page.h"

#include <QChartView>
#include <QElapsedTimer>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTimer>
#include <QVBoxLayout>
#include <QXYSeries>

#include <algorithm>

#include "icons.h"
#include "api/studio_api.h"
#include "chart_helpers.h"
#include "dashboard_charts.h"
#include "dashboard_export.h"
#include "live_text_label.h"
#include "studio_settings.h"
#include "training_controller.h"

namespace ft::ui {
namespace {

const QColor kWarningColor(178, 107, 0);
const QColor kErrorColor(200, 0, 0);

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
  m_charts = new DashboardCharts;

  m_log = new QPlainTextEdit;
  m_log->setObjectName(QStringLiteral("logView"));
  m_log->setReadOnly(true);
  m_log->setMaximumBlockCount(kMaxLogLines);
  m_log->setLineWrapMode(QPlainTextEdit::WidgetWidth);
  QFont mono(QStringLiteral("monospace"));
  mono.setStyleHint(QFont::TypeWriter);
  m_log->setFont(mono);

  auto* splitter = new QSplitter(Qt::Vertical);
  splitter->addWidget(m_charts);
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
  m_pauseButton->setIcon(actionIcon(QStringLiteral("pause")));
  m_stopButton->setIcon(actionIcon(QStringLiteral("stop")));
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
  m_stopButton->setText(tr("Stop"));
  m_stopButton->setToolTip(
      tr("Stop after the current batch; a checkpoint is kept so the run can be resumed"));
  m_epochProgress->setFormat(tr("Batch %v of %m"));
  m_saveChartsButton->setText(tr("Save charts…"));
  m_saveChartsButton->setToolTip(tr("Save every chart as a PNG image into a folder"));
  m_saveCsvButton->setText(tr("Save metrics as CSV…"));
  m_saveCsvButton->setToolTip(tr("Save the loss, accuracy and learning rate of every iteration and "
                                 "epoch as a CSV file (the run folder's metrics.csv)"));
  updateControls();
  m_model.markProgressChanged();
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
  m_model.clear();
  m_status = {};
  m_runDir.clear();
  if (m_saveMessage) m_saveMessage->hide();
  m_log->clear();
  flushNow();
}

void DashboardPage::setTotalEpochs(int epochs) {
  m_model.setTotalEpochs(epochs);
  scheduleFlush();
}

void DashboardPage::loadHistory(const ft::api::RunHistory& history) {
  clear();
  m_model.loadHistory(history);
  const int done = m_model.epochsDone();
  if (history.complete)
    m_status = [] { return tr("Run complete"); };
  else
    m_status = [done] { return tr("Run interrupted after %n epoch(s)", nullptr, done); };
  flushNow();
}

void DashboardPage::addIteration(const ft::run::IterationEvent& event) {
  m_model.addIteration(event);
  scheduleFlush();
}

void DashboardPage::addEpoch(const ft::run::EpochEvent& event) {
  m_model.addEpoch(event);
  scheduleFlush();
}

void DashboardPage::addPhase(const ft::run::PhaseEvent& event) {
  m_model.addPhase(event);
  scheduleFlush();
}

void DashboardPage::addLog(const ft::run::LogEvent& event) {
  m_model.addLog(event);
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
          std::max(m_model.lastIteration() ? m_model.lastIteration()->epoch + 1 : 0, e.epochsCompleted + 1);
      m_status = [epoch] { return tr("Stopped during epoch %1; the checkpoint is kept.").arg(epoch); };
      break;
    }
    case ft::run::FinishStatus::Failed: {
      const QString message = QString::fromStdString(event.message);
      m_status = [message] { return tr("Failed: %1").arg(message); };
      break;
    }
  }
  m_model.markProgressChanged();
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
  const DashboardModel::Changes changes = m_model.takeChanges();
  if (changes.iterations) m_charts->drawIterations(m_model);
  if (changes.epochs) m_charts->drawEpochs(m_model);
  if (changes.progress) flushProgress();
  if (m_model.hasPendingLog()) flushLog();
  m_lastFlushMs = double(clock.nsecsElapsed()) / 1e6;
  ++m_flushCount;
}

void DashboardPage::flushProgress() {
  const DashboardProgress p = m_model.progress();
  const int total = p.totalEpochs;
  if (total > 0)
    m_epochLabel->setText(tr("Epoch %1 of %2").arg(std::max(1, std::min(p.epoch, total))).arg(total));
  else
    m_epochLabel->setText(p.epoch > 0 ? tr("Epoch %1").arg(p.epoch) : QString());

  const std::int64_t perEpoch = p.batchesPerEpoch;
  if (perEpoch > 0) {
    m_epochProgress->setRange(0, int(perEpoch));
    m_epochProgress->setValue(int(std::min(p.batch, perEpoch)));
  } else {
    m_epochProgress->setRange(0, 1);
    m_epochProgress->setValue(0);
  }
  if (perEpoch > 0 && total > 0) {
    m_overallProgress->setRange(0, int(std::min<std::int64_t>(perEpoch * total, INT32_MAX)));
    m_overallProgress->setValue(int(std::min<std::int64_t>(p.runBatchesDone, INT32_MAX)));
  } else {
    m_overallProgress->setRange(0, std::max(1, total));
    m_overallProgress->setValue(std::min(p.epochsDone, std::max(1, total)));
  }
  m_overallProgress->setFormat(tr("Run %p%"));

  QStringList speed;
  if (p.timeLeft) {
    speed << tr("%1 images/s").arg(QString::number(p.imagesPerSecond, 'f', 0))
          << tr("epoch ends in %1").arg(charts::formatDuration(p.timeLeft->epochSeconds));
    // Training batches only, at this epoch's pace: evaluation and the slower unfrozen phase
    // make the real time longer, hence "at least".
    if (p.timeLeft->runSeconds)
      speed << tr("run ends in at least %1").arg(charts::formatDuration(*p.timeLeft->runSeconds));
  }
  m_speedLabel->setText(speed.join(QStringLiteral(" · ")));
  QString status = m_status ? m_status() : QString();
  if (m_controller && m_controller->isPaused()) status = tr("Paused");
  m_statusLabel->setText(status);
}

void DashboardPage::flushLog() {
  for (const ft::run::LogEvent& line : m_model.takeLog()) {
    const QString text = QString::fromStdString(line.message).toHtmlEscaped();
    switch (line.level) {
      case ft::run::LogLevel::Info: m_log->appendHtml(text); break;
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
}

int DashboardPage::displayedPointCount(DashboardSeries which) const {
  const QXYSeries* s = series(which);
  return s ? int(s->count()) : 0;
}

QXYSeries* DashboardPage::series(DashboardSeries which) const { return m_charts->series(which); }

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
  m_model.markProgressChanged();
  scheduleFlush();
}

void DashboardPage::onPauseClicked() {
  if (!m_controller) return;
  if (m_controller->isPaused())
    m_controller->resume();
  else
    m_controller->pause();
}

void DashboardPage::onStopClicked() {
  if (!m_controller || !m_controller->isRunning()) return;
  m_controller->stop();
  setStatus([] { return tr("Stopping after the current batch…"); });
}

void DashboardPage::setStatus(std::function<QString()> status) {
  m_status = std::move(status);
  m_model.markProgressChanged();
  scheduleFlush();
}

QStringList DashboardPage::chartFileNames() {
  return {QStringLiteral("loss-per-iteration.png"), QStringLiteral("accuracy-per-epoch.png"),
          QStringLiteral("loss-per-epoch.png"), QStringLiteral("learning-rate.png")};
}

QStringList DashboardPage::saveCharts(const QString& folder, QString* error) {
  flushNow();  // whatever is buffered goes into the pictures too
  return DashboardExport::saveCharts(m_charts->chartViews(), chartFileNames(), folder,
                                     QSize(kExportChartWidth, kExportChartHeight), kExportScale, error);
}

bool DashboardPage::saveMetricsCsv(const QString& path, QString* error) {
  return DashboardExport::saveMetricsCsv(path, m_runDir, m_model.iterationEvents(), m_model.epochEvents(),
                                         error);
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
  QString path = QFileDialog::getSaveFileName(this, tr("Save the metrics as CSV"),
                                              QDir(start).filePath(QStringLiteral("metrics.csv")),
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
