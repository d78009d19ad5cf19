#include "confusion_matrix_view.h"

#include <QFontMetrics>
#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>

namespace ft::ui {
namespace {

constexpr int kMargin = 6;
constexpr int kAxisTitle = 18;  // room for "Predicted" / "True" titles
constexpr int kMaxCell = 64;
constexpr int kMinCell = 8;
constexpr int kMaxLabel = 160;  // class names longer than this are elided

// White to a dark blue (ColorBrewer "Blues"), readable on a light page.
const QColor kLow(247, 251, 255);
const QColor kHigh(8, 69, 148);
const QColor kSelection(230, 120, 0);

}  // namespace

ConfusionMatrixView::ConfusionMatrixView(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void ConfusionMatrixView::setMatrix(const QStringList& classNames,
                                    const std::vector<std::vector<std::int64_t>>& counts) {
  m_names = classNames;
  m_counts = counts;
  m_counts.resize(std::size_t(m_names.size()));
  m_rowSums.assign(m_counts.size(), 0);
  for (std::size_t t = 0; t < m_counts.size(); ++t) {
    m_counts[t].resize(std::size_t(m_names.size()), 0);
    for (std::int64_t c : m_counts[t]) m_rowSums[t] += c;
  }
  m_selectedTrue = m_selectedPredicted = -1;
  updateGeometry();
  update();
}

void ConfusionMatrixView::clear() { setMatrix({}, {}); }

std::int64_t ConfusionMatrixView::count(int t, int p) const {
  if (t < 0 || p < 0 || t >= classCount() || p >= classCount()) return 0;
  return m_counts[std::size_t(t)][std::size_t(p)];
}

double ConfusionMatrixView::rowShare(int t, int p) const {
  if (t < 0 || t >= classCount() || m_rowSums[std::size_t(t)] == 0) return 0.0;
  return double(count(t, p)) / double(m_rowSums[std::size_t(t)]);
}

int ConfusionMatrixView::labelWidth() const {
  const QFontMetrics fm(font());
  int width = 0;
  for (const QString& name : m_names) width = std::max(width, fm.horizontalAdvance(name));
  // A few pixels of slack: elidedText() shortens a name whose width is the exact limit.
  return std::min(width + 4, kMaxLabel) + kMargin;
}

ConfusionMatrixView::Geometry ConfusionMatrixView::geometry() const {
  Geometry g;
  const int n = classCount();
  if (n == 0) return g;
  const int label = labelWidth();
  // Predicted labels are written upwards above their columns: as tall as the longest name.
  g.left = kMargin + kAxisTitle + label;
  g.top = kMargin + kAxisTitle + label;
  const int available = std::min(width() - g.left - kMargin, height() - g.top - kMargin);
  g.cell = std::clamp(available / n, kMinCell, kMaxCell);
  return g;
}

QRect ConfusionMatrixView::cellRect(int t, int p) const {
  if (t < 0 || p < 0 || t >= classCount() || p >= classCount()) return {};
  const Geometry g = geometry();
  return QRect(g.left + p * g.cell, g.top + t * g.cell, g.cell, g.cell);
}

QPoint ConfusionMatrixView::cellAt(const QPoint& pos) const {
  const Geometry g = geometry();
  if (classCount() == 0 || g.cell <= 0 || pos.x() < g.left || pos.y() < g.top) return {-1, -1};
  const int p = (pos.x() - g.left) / g.cell;
  const int t = (pos.y() - g.top) / g.cell;
  if (p >= classCount() || t >= classCount()) return {-1, -1};
  return {p, t};
}

QString ConfusionMatrixView::toolTipFor(int t, int p) const {
  if (t < 0 || p < 0 || t >= classCount() || p >= classCount()) return {};
  return tr("True: %1\nPredicted: %2\n%3 images (%4% of the true class)")
      .arg(m_names[t], m_names[p])
      .arg(count(t, p))
      .arg(rowShare(t, p) * 100.0, 0, 'f', 1);
}

void ConfusionMatrixView::setSelectedCell(int t, int p) {
  m_selectedTrue = t;
  m_selectedPredicted = p;
  update();
}

QSize ConfusionMatrixView::sizeHint() const {
  const int n = std::max(1, classCount());
  const int side = kMargin * 2 + kAxisTitle + labelWidth() + n * std::min(kMaxCell, 48);
  return {side, side};
}

QSize ConfusionMatrixView::minimumSizeHint() const {
  const int n = std::max(1, classCount());
  // Up to 20 classes at a readable size; more shrink to the smallest cell (a scroll area
  // around the view takes over from there).
  const int side = kMargin * 2 + kAxisTitle + labelWidth() + n * (n <= 20 ? 20 : kMinCell);
  return {side, side};
}

QColor ConfusionMatrixView::cellColor(double share) const {
  const double s = std::clamp(share, 0.0, 1.0);
  return QColor::fromRgbF(float(kLow.redF() + (kHigh.redF() - kLow.redF()) * s),
                          float(kLow.greenF() + (kHigh.greenF() - kLow.greenF()) * s),
                          float(kLow.blueF() + (kHigh.blueF() - kLow.blueF()) * s));
}

void ConfusionMatrixView::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), palette().base());
  const int n = classCount();
  if (n == 0) return;
  const Geometry g = geometry();
  const QFontMetrics fm(font());
  const int label = labelWidth() - kMargin;
  const QColor text = palette().color(QPalette::Text);

  // Axis titles.
  QFont bold = font();
  bold.setBold(true);
  painter.setFont(bold);
  painter.setPen(text);
  painter.drawText(QRect(g.left, kMargin, n * g.cell, kAxisTitle), Qt::AlignCenter, tr("Predicted class"));
  painter.save();
  painter.translate(kMargin, g.top + n * g.cell);
  painter.rotate(-90);
  painter.drawText(QRect(0, 0, n * g.cell, kAxisTitle), Qt::AlignCenter, tr("True class"));
  painter.restore();
  painter.setFont(font());

  // Class names: rows on the left, columns written upwards.
  for (int i = 0; i < n; ++i) {
    const QString name = fm.elidedText(m_names[i], Qt::ElideRight, label);
    painter.drawText(QRect(g.left - kMargin - label, g.top + i * g.cell, label, g.cell),
                     Qt::AlignRight | Qt::AlignVCenter, name);
    painter.save();
    painter.translate(g.left + i * g.cell, g.top - kMargin);
    painter.rotate(-90);
    painter.drawText(QRect(0, 0, label, g.cell), Qt::AlignLeft | Qt::AlignVCenter, name);
    painter.restore();
  }

  // Cells. Counts are written when they fit.
  QFont small = font();
  const bool writeCounts = g.cell >= 18;
  if (g.cell < 30) small.setPointSizeF(std::max(6.0, small.pointSizeF() * 0.8));
  painter.setFont(small);
  const QFontMetrics smallMetrics(small);
  for (int t = 0; t < n; ++t) {
    for (int p = 0; p < n; ++p) {
      const QRect r = cellRect(t, p);
      const double share = rowShare(t, p);
      painter.fillRect(r, cellColor(share));
      if (writeCounts && count(t, p) > 0) {
        const QString number = QString::number(count(t, p));
        if (smallMetrics.horizontalAdvance(number) <= r.width() - 2) {
          painter.setPen(share > 0.45 ? QColor(Qt::white) : QColor(20, 20, 20));
          painter.drawText(r, Qt::AlignCenter, number);
        }
      }
    }
  }
  // Grid lines, then the diagonal outlined (the correct predictions), then the selection.
  painter.setPen(QPen(QColor(200, 205, 215), 1));
  for (int i = 0; i <= n; ++i) {
    painter.drawLine(g.left + i * g.cell, g.top, g.left + i * g.cell, g.top + n * g.cell);
    painter.drawLine(g.left, g.top + i * g.cell, g.left + n * g.cell, g.top + i * g.cell);
  }
  if (m_selectedTrue >= 0 && m_selectedPredicted >= 0) {
    painter.setPen(QPen(kSelection, 3));
    painter.setBrush(Qt::NoBrush);
    painter.drawRect(cellRect(m_selectedTrue, m_selectedPredicted).adjusted(1, 1, -2, -2));
  }
}

void ConfusionMatrixView::mousePressEvent(QMouseEvent* event) {
  const QPoint cell = cellAt(event->position().toPoint());
  if (event->button() != Qt::LeftButton || cell.x() < 0) {
    QWidget::mousePressEvent(event);
    return;
  }
  setSelectedCell(cell.y(), cell.x());
  Q_EMIT cellClicked(cell.y(), cell.x());
}

bool ConfusionMatrixView::event(QEvent* event) {
  if (event->type() == QEvent::ToolTip) {
    auto* help = static_cast<QHelpEvent*>(event);
    const QPoint cell = cellAt(help->pos());
    if (cell.x() >= 0)
      QToolTip::showText(help->globalPos(), toolTipFor(cell.y(), cell.x()), this,
                         cellRect(cell.y(), cell.x()));
    else
      QToolTip::hideText();
    return true;
  }
  return QWidget::event(event);
}

}  // namespace ft::ui
