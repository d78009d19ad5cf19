#include "chart_helpers.h"

#include <QChart>
#include <QChartView>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPen>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace ft::ui::charts {

QChart* makeChart() {
  auto* chart = new QChart;
  chart->setAnimationOptions(QChart::NoAnimation);
  chart->legend()->setAlignment(Qt::AlignBottom);
  chart->setMargins(QMargins(4, 4, 4, 4));
  return chart;
}

QChartView* makeChartView(QChart* chart, int minimumWidth, int minimumHeight) {
  auto* view = new QChartView(chart);
  view->setRenderHint(QPainter::Antialiasing);
  view->setMinimumSize(minimumWidth, minimumHeight);
  return view;
}

QLineSeries* addSeries(QChart* chart, const QColor& color, qreal width, QAbstractAxis* x, QAbstractAxis* y) {
  auto* series = new QLineSeries;
  QPen pen(color);
  pen.setWidthF(width);
  series->setPen(pen);
  chart->addSeries(series);
  series->attachAxis(x);
  series->attachAxis(y);
  return series;
}

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

void updateMarker(QLineSeries* marker, double x, double low, double high) {
  if (x < 0) {
    if (marker->count() > 0) marker->clear();
    return;
  }
  const QList<QPointF> points{{x, low}, {x, high}};
  if (marker->points() != points) marker->replace(points);
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

double niceStep(double span, int ticks, double minimum) {
  if (span <= 0) return std::max(minimum, 1.0);
  const double raw = span / std::max(1, ticks);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double fraction = raw / magnitude;
  const double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return std::max(minimum, nice * magnitude);
}

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

double tickEnd(double last, double step) { return std::max(step, std::ceil(last / step) * step); }

std::pair<double, double> decadeRange(double low, double high, int minDecades, int maxDecades) {
  const int highExp = int(std::ceil(std::log10(high) - 1e-9));
  int lowExp = int(std::floor(std::log10(low) + 1e-9));
  lowExp = std::clamp(lowExp, highExp - maxDecades, highExp - minDecades);
  return {std::pow(10.0, lowExp) / 1.05, std::pow(10.0, highExp) * 1.05};
}

QString formatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return QStringLiteral("–");
  const qint64 total = qint64(std::llround(seconds));
  const qint64 h = total / 3600, m = (total / 60) % 60, s = total % 60;
  if (h > 0)
    return QStringLiteral("%1:%2:%3").arg(h).arg(m, 2, 10, QLatin1Char('0')).arg(s, 2, 10, QLatin1Char('0'));
  return QStringLiteral("%1:%2").arg(m).arg(s, 2, 10, QLatin1Char('0'));
}

}  // namespace ft::ui::charts
