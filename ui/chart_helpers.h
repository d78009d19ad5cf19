#pragma once
// What every Qt Charts view of the studio shares: the colours, a chart without animation and
// with its legend below, line series and the dashed "backbone unfrozen" marker, value axes with
// "nice" ticks (1, 2, 5 x 10^k) whose range and interval change without a burst of labels, and
// the m:ss / h:mm:ss durations of the speed line.
#include <QColor>
#include <QString>
#include <Qt>

#include <utility>

class QAbstractAxis;
class QChart;
class QChartView;
class QLineSeries;
class QValueAxis;

namespace ft::ui::charts {

// matplotlib's "tab10" order: training, validation, head, backbone.
inline const QColor kTrainColor{31, 119, 180};
inline const QColor kValidationColor{255, 127, 14};
inline const QColor kHeadColor{44, 160, 44};
inline const QColor kBackboneColor{214, 39, 40};
inline const QColor kMarkerColor{110, 110, 110};

// No animation (a redraw costs the GUI thread nothing extra), legend at the bottom, thin margins.
QChart* makeChart();
// A view that antialiases and can shrink to `minimumWidth` x `minimumHeight`.
QChartView* makeChartView(QChart* chart, int minimumWidth, int minimumHeight);

QLineSeries* addSeries(QChart* chart, const QColor& color, qreal width, QAbstractAxis* x, QAbstractAxis* y);
// The vertical dashed "backbone unfrozen" line: a two-point series, kept out of the legend.
QLineSeries* addMarker(QChart* chart, QAbstractAxis* x, QAbstractAxis* y);
// Moves `marker` to x (from `low` to `high`); x < 0 hides it. An unchanged marker is left alone
// (no repaint).
void updateMarker(QLineSeries* marker, double x, double low, double high);

// A value axis 0..1 with dynamic ticks anchored at 0, added to `chart` at `alignment`.
QValueAxis* addValueAxis(QChart* chart, Qt::Alignment alignment);

// 1, 2, 5 x 10^k, at least `minimum`, giving about `ticks` intervals over `span`.
double niceStep(double span, int ticks, double minimum);
// Sets range and tick interval in the order that never passes through "new range, old interval"
// with a far larger tick count (a 50,000-iteration range at the interval of a 10-iteration one
// would lay out 50,000 labels).
void applyRange(QValueAxis* axis, double low, double high, double interval);
// Whole-number ticks (epochs, iterations), about `ticks` of them.
void setIntegerRange(QValueAxis* axis, double low, double high, int ticks);
// About 5 nice ticks.
void setValueRange(QValueAxis* axis, double low, double high);

// The end of an axis from 0 that shows data up to `last`: the next tick at or past it, so the
// axis labels (the chart's costliest layout work) change a few times per run, not at every
// redraw.
double tickEnd(double last, double step);
// Whole decades around [low, high] for a log axis (it labels decades only): at least
// `minDecades` of them so that several labels show, at most `maxDecades` (lower values are
// clipped), and a little beyond the decades: QLogValueAxis drops the label of an end that
// lands a rounding error inside the range.
std::pair<double, double> decadeRange(double low, double high, int minDecades, int maxDecades);

// "4:07", "1:02:03"; "–" for a negative or unknown duration.
QString formatDuration(double seconds);

}  // namespace ft::ui::charts
