#pragma once
// The dashboard's four charts, drawn from a DashboardModel: training loss per iteration (raw
// and smoothed), accuracy and loss per epoch, and the learning rates per iteration (log
// scale), each with the dashed "backbone unfrozen" marker. A redraw replaces each series'
// points in one QXYSeries::replace() (the Qt Charts fast path) and moves the axes only when
// their ticks change.
#include <QList>
#include <QWidget>

class QChart;
class QChartView;
class QLineSeries;
class QLogValueAxis;
class QValueAxis;
class QXYSeries;

namespace ft::ui {

class DashboardModel;

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

class DashboardCharts : public QWidget {
  Q_OBJECT
 public:
  // Four charts in two rows must fit beside the step list on a 1280x720 screen (issue 11).
  static constexpr int kMinimumChartWidth = 260;
  static constexpr int kMinimumChartHeight = 150;

  explicit DashboardCharts(QWidget* parent = nullptr);

  void drawIterations(const DashboardModel& model);
  void drawEpochs(const DashboardModel& model);

  QXYSeries* series(DashboardSeries which) const;
  // Loss per iteration, accuracy per epoch, loss per epoch, learning rate.
  QList<QChartView*> chartViews() const { return m_views; }

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void retranslateUi();

  QList<QChartView*> m_views;
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
  QString m_validationPrecision;  // of the last epoch drawn; empty before any
};

}  // namespace ft::ui
