#pragma once
// Precision, recall and F1 per class as a grouped bar chart (Qt Charts), with one line above
// it: top-1, top-5, macro F1 and the most confused pairs in words.
#include <QWidget>

#include "api/results_api.h"

class QBarSeries;
class QBarCategoryAxis;
class QChart;
class QChartView;
class QLabel;
class QValueAxis;

namespace ft::ui {

class ClassMetricsView : public QWidget {
  Q_OBJECT
 public:
  static constexpr std::size_t kConfusedPairs = 3;

  explicit ClassMetricsView(QWidget* parent = nullptr);

  void setReport(const ft::api::EvaluationReport& report);
  void clear();

  QBarSeries* barSeries() const { return m_series; }
  QChartView* chartView() const { return m_view; }
  QString summaryText() const;
  // "Shirt mistaken for T-shirt/top: 123", most frequent first.
  QStringList confusedPairs() const;

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void retranslateUi();
  void fill();

  ft::api::EvaluationReport m_report;
  bool m_haveReport = false;
  QLabel* m_summary = nullptr;
  QLabel* m_confused = nullptr;
  QChart* m_chart = nullptr;
  QChartView* m_view = nullptr;
  QBarSeries* m_series = nullptr;
  QBarCategoryAxis* m_classAxis = nullptr;
  QValueAxis* m_valueAxis = nullptr;
};

}  // namespace ft::ui
