#pragma once
// The live training dashboard: loss per iteration (raw + smoothed), accuracy and loss per
// epoch, learning rates, progress with speed and ETA, Pause/Resume/Stop and the run's log.
//
// Incoming events only append to in-memory buffers and arm a 40 ms single-shot timer; the
// timer's flush redraws each dirty series with one QXYSeries::replace() and updates the axes,
// so the GUI thread's cost does not grow with the training speed. Iteration series are drawn
// decimated to at most kMaxDisplayPoints points (ChartSeriesBuffer); every point stays in
// memory.
//
// X axes. Iteration charts: the global iteration (1-based, as in metrics.csv). Epoch charts:
// epochs completed, so the first epoch's point is at x = 1. The unfreeze marker (a vertical
// dashed line) sits where the frozen phase ends: on the epoch charts at x = freeze_epochs
// (the last frozen epoch's point; everything to its right is unfrozen), on the iteration
// charts at the last frozen iteration.
#include <QList>
#include <QPointer>
#include <QStringList>
#include <QWidget>

#include <functional>
#include <vector>

#include "chart_series_buffer.h"
#include "event_types.h"

class QChart;
class QChartView;
class QLabel;
class QLineSeries;
class QLogValueAxis;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTimer;
class QValueAxis;
class QXYSeries;

namespace ft::api {
struct RunHistory;
}

namespace ft::ui {

class LiveTextLabel;

class TrainingController;

enum class DashboardSeries {
  RawLoss,
  SmoothedLoss,
  TrainAccuracy,
  ValidationAccuracy,
  TrainLoss,
  ValidationLoss,
  HeadLearningRate,
  BackboneLearningRate,
};

class DashboardPage : public QWidget {
  Q_OBJECT
 public:
  static constexpr int kMaxDisplayPoints = 2000;   // per iteration series
  // Charts and progress redraw at most 4 times a second: each redraw costs the GUI thread ~2 ms,
  // taken from training on a 2-core machine (issue 6, bench/gui_overhead.py).
  static constexpr int kFlushIntervalMs = 250;
  static constexpr double kSmoothing = 0.98;       // EMA of the loss, bias-corrected
  static constexpr int kMaxLogLines = 5000;
  static constexpr int kExportChartWidth = 900;    // logical pixels, for a hidden dashboard
  static constexpr int kExportChartHeight = 560;
  static constexpr qreal kExportScale = 2.0;       // device pixels per logical pixel

  explicit DashboardPage(QWidget* parent = nullptr);
  ~DashboardPage() override;

  // Follows `controller` (its signals feed the charts, the buttons drive it); nullptr detaches.
  // Does not clear: call clear() before a new run, loadHistory() before resuming one.
  void attach(TrainingController* controller);
  void clear();
  // Redraws everything a run folder holds (File -> Open run, or before resuming).
  void loadHistory(const ft::api::RunHistory& history);
  void setTotalEpochs(int epochs);
  int totalEpochs() const { return m_totalEpochs; }

  // Applies everything buffered now instead of at the next timer tick.
  void flushNow();

  // For tests and diagnostics.
  int iterationPointCount() const { return m_rawLoss.size(); }   // points received
  int accuracyPointCount() const { return int(m_validationAccuracy.size()); }
  int displayedPointCount(DashboardSeries which) const;          // after the last flush
  QXYSeries* series(DashboardSeries which) const;
  double unfreezeMarkerEpoch() const { return m_markerEpoch; }          // -1: none
  double unfreezeMarkerIteration() const { return m_markerIteration; }  // -1: none
  int flushCount() const { return m_flushCount; }
  double lastFlushMilliseconds() const { return m_lastFlushMs; }
  QString progressText() const;
  QString logText() const;

  // The run folder the charts belong to (set when a run starts or is opened); empty before.
  void setRunDir(const QString& runDir) { m_runDir = runDir; }
  QString runDir() const { return m_runDir; }
  // The four chart views, in the order their PNG files are named by chartFileNames().
  QList<QChartView*> chartViews() const { return m_chartViews; }
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
  struct EpochPoint {
    double x;
    double trainAccuracy, validationAccuracy, trainLoss, validationLoss;
  };
  struct PendingLog {
    ft::run::LogLevel level;
    QString text;
  };

  void buildUi();
  void retranslateUi();
  void scheduleFlush();
  void appendIterationPoint(const ft::run::IterationEvent& event);
  void recomputeSmoothing();
  void flushIterationSeries();
  void flushEpochSeries();
  void flushProgress();
  void flushLog();
  void updateMarker(QLineSeries* marker, double x, double low, double high);
  void updateControls();
  void setStatus(std::function<QString()> status);
  void onPausedChanged(bool paused);
  void onPauseClicked();
  void onStopClicked();
  void onSaveChartsClicked();
  void onSaveCsvClicked();
  void showSaveMessage(const QString& text, bool error);

  // Data (every point).
  ChartSeriesBuffer m_rawLoss{kMaxDisplayPoints};
  ChartSeriesBuffer m_smoothedLoss{kMaxDisplayPoints};
  ChartSeriesBuffer m_headLr{kMaxDisplayPoints};
  ChartSeriesBuffer m_backboneLr{kMaxDisplayPoints};
  double m_ema = 0.0;
  double m_emaWeight = 0.0;  // 1 - beta^n: the bias correction
  std::vector<EpochPoint> m_epochPoints;
  std::vector<double> m_validationAccuracy;
  std::vector<PendingLog> m_pendingLog;
  ft::run::IterationEvent m_lastIteration;
  bool m_haveIteration = false;
  int m_epochsDone = 0;
  int m_totalEpochs = 0;
  double m_markerEpoch = -1.0;
  double m_markerIteration = -1.0;
  bool m_markerIterationPending = false;  // unfrozen phase began before any iteration was seen
  // While the backbone is frozen its learning rate means nothing (the engine reports the
  // head's): the backbone line starts where the backbone trains.
  bool m_backboneFrozen = false;
  // The status line as a function, so that a language switch retranslates it.
  std::function<QString()> m_status;

  bool m_iterationsDirty = false;
  bool m_epochsDirty = false;
  bool m_progressDirty = false;
  int m_flushCount = 0;
  double m_lastFlushMs = 0.0;

  // Every event as received (a resumed run's repeats replaced), for "Save metrics as CSV" when
  // there is no run folder to copy.
  std::vector<ft::run::IterationEvent> m_iterationEvents;
  std::vector<ft::run::EpochEvent> m_epochEvents;
  QString m_runDir;

  // Widgets.
  QList<QChartView*> m_chartViews;
  QPushButton* m_saveChartsButton = nullptr;
  QPushButton* m_saveCsvButton = nullptr;
  QLabel* m_saveMessage = nullptr;
  QPointer<TrainingController> m_controller;
  QTimer* m_flushTimer = nullptr;
  QChart* m_lossChart = nullptr;
  QChart* m_accuracyChart = nullptr;
  QChart* m_epochLossChart = nullptr;
  QChart* m_lrChart = nullptr;
  QLineSeries* m_rawLossSeries = nullptr;
  QLineSeries* m_smoothedLossSeries = nullptr;
  QLineSeries* m_lossMarker = nullptr;
  QLineSeries* m_trainAccuracySeries = nullptr;
  QLineSeries* m_validationAccuracySeries = nullptr;
  QLineSeries* m_accuracyMarker = nullptr;
  QLineSeries* m_trainLossSeries = nullptr;
  QLineSeries* m_validationLossSeries = nullptr;
  QLineSeries* m_epochLossMarker = nullptr;
  QLineSeries* m_headLrSeries = nullptr;
  QLineSeries* m_backboneLrSeries = nullptr;
  QLineSeries* m_lrMarker = nullptr;
  QValueAxis* m_lossX = nullptr;
  QValueAxis* m_lossY = nullptr;
  QValueAxis* m_accuracyX = nullptr;
  QValueAxis* m_accuracyY = nullptr;
  QValueAxis* m_epochLossX = nullptr;
  QValueAxis* m_epochLossY = nullptr;
  QValueAxis* m_lrX = nullptr;
  QLogValueAxis* m_lrY = nullptr;
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
