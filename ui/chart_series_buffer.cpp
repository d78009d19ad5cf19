#include "chart_series_buffer.h"

#include <algorithm>

namespace ft::ui {

ChartSeriesBuffer::ChartSeriesBuffer(int maxDisplayPoints)
    : m_maxDisplayPoints(std::max(8, maxDisplayPoints)), m_maxBuckets(std::size_t(m_maxDisplayPoints) / 4) {}

void ChartSeriesBuffer::append(const QPointF& point) {
  if (m_points.empty()) {
    m_minX = m_maxX = point.x();
    m_minY = m_maxY = point.y();
  } else {
    m_minX = std::min(m_minX, point.x());
    m_maxX = std::max(m_maxX, point.x());
    m_minY = std::min(m_minY, point.y());
    m_maxY = std::max(m_maxY, point.y());
  }
  m_points.push_back(point);
  addToBuckets(m_points.size() - 1);
}

void ChartSeriesBuffer::addToBuckets(std::size_t index) {
  if (m_buckets.empty() || m_buckets.back().count >= m_width) {
    m_buckets.push_back({index, index, index, index, 1});
    if (m_buckets.size() > m_maxBuckets) mergeBuckets();
    return;
  }
  Bucket& b = m_buckets.back();
  const double y = m_points[index].y();
  if (y < m_points[b.low].y()) b.low = index;
  if (y > m_points[b.high].y()) b.high = index;
  b.last = index;
  ++b.count;
}

// Every bucket but the last is full, so merging neighbours keeps that true at twice the width.
void ChartSeriesBuffer::mergeBuckets() {
  std::vector<Bucket> merged;
  merged.reserve(m_buckets.size() / 2 + 1);
  for (std::size_t i = 0; i < m_buckets.size(); i += 2) {
    if (i + 1 == m_buckets.size()) {
      merged.push_back(m_buckets[i]);
      break;
    }
    const Bucket& a = m_buckets[i];
    const Bucket& b = m_buckets[i + 1];
    Bucket m;
    m.first = a.first;
    m.last = b.last;
    m.low = m_points[b.low].y() < m_points[a.low].y() ? b.low : a.low;
    m.high = m_points[b.high].y() > m_points[a.high].y() ? b.high : a.high;
    m.count = a.count + b.count;
    merged.push_back(m);
  }
  m_buckets.swap(merged);
  m_width *= 2;
}

QList<QPointF> ChartSeriesBuffer::display() const {
  if (m_points.size() <= std::size_t(m_maxDisplayPoints))
    return QList<QPointF>(m_points.begin(), m_points.end());
  QList<QPointF> out;
  out.reserve(qsizetype(std::min<std::size_t>(m_points.size(), m_buckets.size() * 4)));
  for (const Bucket& b : m_buckets) {
    std::size_t picks[4] = {b.first, b.low, b.high, b.last};
    std::sort(picks, picks + 4);
    const std::size_t* end = std::unique(picks, picks + 4);
    for (const std::size_t* p = picks; p != end; ++p) out.append(m_points[*p]);
  }
  return out;
}

void ChartSeriesBuffer::truncateFrom(double x) {
  const auto cut = std::lower_bound(m_points.begin(), m_points.end(), x,
                                    [](const QPointF& p, double value) { return p.x() < value; });
  if (cut == m_points.end()) return;
  std::vector<QPointF> kept(m_points.begin(), cut);
  clear();
  for (const QPointF& p : kept) append(p);
}

void ChartSeriesBuffer::clear() {
  m_points.clear();
  m_buckets.clear();
  m_width = 1;
  m_minX = m_maxX = m_minY = m_maxY = 0;
}

}  // namespace ft::ui
