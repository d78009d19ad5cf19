#pragma once
// The live training dashboard: loss per iteration (raw + smoothed), accuracy and loss per
// epoch, learning rates, progress with speed and time left, Pause/Resume/Stop, the run's log,
// and saving the charts (PNG) and metrics (CSV).
//
// Incoming events only go into the data model (DashboardModel: every point, the smoothing, the
// unfreeze marker; see dashboard_model.h for the x axes) and arm a single-shot timer; the
// timer's flush redraws each changed series with one QXYSeries::replace() and updates the axes,
// so the GUI thread's cost does not grow with the training speed. Iteration series are drawn
// decimated to at most kMaxDisplayPoints points (ChartSeriesBuffer); every point stays in
// memory. The charts: dashboard_charts.h; the files written: dashboard_export.h.
#include <QList>
#include <QPointer>
#include <QStringList>
#include <QWidget>

#include <functional>
#include <vector>

#include "dashboard_charts.h"
#include "dashboard_model.h"
#include "event_types.h"

class QChartView;
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTimer;
class QXYSeries;

namespace ft::api {
struct RunHistory;
}

namespace ft::ui {

class LiveTextLabel;
class TrainingController;

class DashboardPage : public QWidget {
  Q_OBJECT
 public:
  static constexpr int kMaxDisplayPoints = 2000;  // per iteration series
  // Charts and progress redraw at most 4 times a second: each redraw costs the GUI thread ~2 ms,
  // taken from training on a 2-core machine (issue 6, bench/gui_overhead.py).
  static constexpr int kFlushIntervalMs = 250;
  static constexpr double kSmoothing = 0.98;  // EMA of the loss, bias-corrected
  static constexpr int kMaxLogLines = 5000;
  static constexpr int kExportChartWidth = 900;  // logical pixels, for a hidden dashboard
  static constexpr int kExportChartHeight = 560;
  static constexpr qreal kExportScale = 2.0;  // device pixels per logical pixel

  explicit DashboardPage(QWidget* parent = nullptr);
  ~DashboardPage() override;

  // Follows `controller` (its signals feed the charts, the buttons drive it); nullptr detaches.
  // Does not clear: call clear() before a new run, loadHistory() before resuming one.
  void attach(TrainingController* controller);
  void clear();
  // Redraws everything a run folder holds (File -> Open run, or before resuming).
  void loadHistory(const ft::api::RunHistory& history);
  void setTotalEpochs(int epochs);
  int totalEpochs() const { return m_model.totalEpochs(); }

  // Applies everything buffered now instead of at the next timer tick.
  void flushNow();

  // For tests and diagnostics.
  int iterationPointCount() const { return m_model.rawLoss().size(); }  // points received
  int accuracyPointCount() const { return int(m_model.epochPoints().size()); }
  int displayedPointCount(DashboardSeries which) const;  // after the last flush
  QXYSeries* series(DashboardSeries which) const;
  double unfreezeMarkerEpoch() const { return m_model.markerEpoch(); }          // -1: none
  double unfreezeMarkerIteration() const { return m_model.markerIteration(); }  // -1: none
  int flushCount() const { return m_flushCount; }
  double lastFlushMilliseconds() const { return m_lastFlushMs; }
  QString progressText() const;
  QString logText() const;

  // The run folder the charts belong to (set when a run starts or is opened); empty before.
  void setRunDir(const QString& runDir) { m_runDir = runDir; }
  QString runDir() const { return m_runDir; }
  // The four chart views, in the order their PNG files are named by chartFileNames().
  QList<QChartView*> chartViews() const { return m_charts->chartViews(); }
  static QStringList chartFileNames();
  // Saves every chart as a PNG into `folder` (at twice the on-screen resolution; a hidden
  // dashboard is laid out at kExportChartSize first). Returns the files written; on failure an
  // empty list and `error` says why.
  QStringList saveCharts(const QString& folder, QString* error = nullptr);
  // Writes the per-iteration and per-epoch metrics as metrics.csv has them: a copy of the run
  // folder's file when there is one, otherwise from the events the dashboard received.
  bool saveMetricsCsv(const QString& path, QString* error = nullptr);
  QString saveMessage() const;

 public Q_SLOTS:
  void addIteration(const ft::run::IterationEvent& event);
  void addEpoch(const ft::run::EpochEvent& event);
  void addPhase(const ft::run::PhaseEvent& event);
  void addLog(const ft::run::LogEvent& event);
  void showFinished(const ft::run::FinishedEvent& event);

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void buildUi();
  void retranslateUi();
  void scheduleFlush();
  void flushProgress();
  void flushLog();
  void updateControls();
  void setStatus(std::function<QString()> status);
  void onPausedChanged(bool paused);
  void onPauseClicked();
  void onStopClicked();
  void onSaveChartsClicked();
  void onSaveCsvClicked();
  void showSaveMessage(const QString& text, bool error);

  DashboardModel m_model{kMaxDisplayPoints, kSmoothing};
  // The status line as a function, so that a language switch retranslates it.
  std::function<QString()> m_status;
  int m_flushCount = 0;
  double m_lastFlushMs = 0.0;
  QString m_runDir;

  // Widgets.
  QPushButton* m_saveChartsButton = nullptr;
  QPushButton* m_saveCsvButton = nullptr;
  QLabel* m_saveMessage = nullptr;
  QPointer<TrainingController> m_controller;
  QTimer* m_flushTimer = nullptr;
  DashboardCharts* m_charts = nullptr;
  QProgressBar* m_epochProgress = nullptr;
  QProgressBar* m_overallProgress = nullptr;
  QLabel* m_epochLabel = nullptr;
  LiveTextLabel* m_speedLabel = nullptr;  // changes at every redraw: no relayout
  QLabel* m_statusLabel = nullptr;
  QPushButton* m_pauseButton = nullptr;
  QPushButton* m_stopButton = nullptr;
  QPlainTextEdit* m_log = nullptr;
};

}  // namespace ft::ui
