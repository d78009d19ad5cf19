#include "class_metrics_view.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QEvent>
#include <QLabel>
#include <QValueAxis>
#include <QVBoxLayout>

#include "chart_helpers.h"

namespace ft::ui {
namespace {

QString percent(double fraction) { return QStringLiteral("%1%").arg(fraction * 100.0, 0, 'f', 2); }

}  // namespace

ClassMetricsView::ClassMetricsView(QWidget* parent) : QWidget(parent) {
  m_summary = new QLabel;
  m_summary->setWordWrap(true);
  m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_confused = new QLabel;
  m_confused->setWordWrap(true);
  m_confused->setTextInteractionFlags(Qt::TextSelectableByMouse);

  m_chart = charts::makeChart();
  m_series = new QBarSeries;
  for (const QColor& color : {charts::kTrainColor, charts::kValidationColor, charts::kHeadColor}) {
    auto* set = new QBarSet(QString());
    set->setColor(color);
    set->setBorderColor(color);
    m_series->append(set);
  }
  m_chart->addSeries(m_series);
  m_classAxis = new QBarCategoryAxis;
  m_chart->addAxis(m_classAxis, Qt::AlignBottom);
  m_valueAxis = charts::addValueAxis(m_chart, Qt::AlignLeft);
  charts::applyRange(m_valueAxis, 0.0, 100.0, 20.0);
  m_valueAxis->setLabelFormat(QStringLiteral("%d"));
  m_series->attachAxis(m_classAxis);
  m_series->attachAxis(m_valueAxis);
  m_view = charts::makeChartView(m_chart, 320, 200);

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(m_summary);
  layout->addWidget(m_confused);
  layout->addWidget(m_view, 1);
  retranslateUi();
}

void ClassMetricsView::retranslateUi() {
  m_chart->setTitle(tr("Precision, recall and F1 per class"));
  const QList<QBarSet*> sets = m_series->barSets();
  sets[0]->setLabel(tr("Precision"));
  sets[1]->setLabel(tr("Recall"));
  sets[2]->setLabel(tr("F1"));
  m_valueAxis->setTitleText(tr("%"));
  m_classAxis->setTitleText(tr("Class"));
  fill();
}

void ClassMetricsView::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) retranslateUi();
  QWidget::changeEvent(event);
}

void ClassMetricsView::setReport(const ft::api::EvaluationReport& report) {
  m_report = report;
  m_haveReport = true;
  fill();
}

void ClassMetricsView::clear() {
  m_report = {};
  m_haveReport = false;
  fill();
}

QStringList ClassMetricsView::confusedPairs() const {
  QStringList pairs;
  if (!m_haveReport) return pairs;
  const auto name = [this](int i) {
    return i >= 0 && std::size_t(i) < m_report.classNames.size()
               ? QString::fromStdString(m_report.classNames[std::size_t(i)])
               : QString::number(i);
  };
  for (const auto& c : m_report.mostConfused(kConfusedPairs))
    if (c.count > 0)
      pairs << tr("%1 mistaken for %2: %3").arg(name(c.trueClass), name(c.predictedClass)).arg(c.count);
  return pairs;
}

QString ClassMetricsView::summaryText() const {
  return m_summary->text() + QLatin1Char('\n') + m_confused->text();
}

void ClassMetricsView::fill() {
  const QList<QBarSet*> sets = m_series->barSets();
  for (QBarSet* set : sets) set->remove(0, set->count());
  m_classAxis->clear();
  if (!m_haveReport) {
    m_summary->clear();
    m_confused->clear();
    return;
  }
  const auto& r = m_report;
  const int topK = std::min<int>(5, int(r.classNames.size()));
  const QString images = r.samples == 1 ? tr("1 validation image")
                                        : tr("%1 validation images").arg(r.samples);
  m_summary->setText(tr("Top-1 accuracy %1 · top-%2 accuracy %3 · macro F1 %4 · %5")
                         .arg(percent(r.top1))
                         .arg(topK)
                         .arg(percent(r.top5), QString::number(r.macroF1, 'f', 3), images));
  const QStringList pairs = confusedPairs();
  m_confused->setText(pairs.isEmpty() ? tr("No class was mistaken for another.")
                                      : tr("Most confused: %1").arg(pairs.join(QStringLiteral("; "))));
  QStringList categories;
  QList<qreal> precision, recall, f1;
  for (const auto& c : r.classes) {
    categories << QString::fromStdString(c.name);
    precision << c.precision * 100.0;
    recall << c.recall * 100.0;
    f1 << c.f1 * 100.0;
  }
  sets[0]->append(precision);
  sets[1]->append(recall);
  sets[2]->append(f1);
  m_classAxis->append(categories);
  // Many classes: the names would overlap; write them at an angle.
  m_classAxis->setLabelsAngle(categories.size() > 8 ? -45 : 0);
}

}  // namespace ft::ui
