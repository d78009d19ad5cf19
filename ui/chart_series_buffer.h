#pragma once
// Every point of a long-running chart series (one per training iteration), plus a display
// copy bounded to a fixed number of points. The run folder keeps every point on disk; this
// keeps them in memory so a redraw never re-reads the CSV.
//
// Display decimation is M4 bucketing: consecutive points are grouped in buckets of equal
// width (a power of two, doubled when there are too many buckets) and each bucket is drawn by
// its first, lowest, highest and last point. A line drawn through these looks like the line
// through all points (spikes included); while the series is short every point is drawn.
// Appending is O(1) amortised; display() is O(buckets).
#include <QList>
#include <QPointF>

#include <cstddef>
#include <vector>

namespace ft::ui {

class ChartSeriesBuffer {
 public:
  explicit ChartSeriesBuffer(int maxDisplayPoints = 2000);

  void append(const QPointF& point);  // x must not decrease
  // Drops every point with x >= `x` (a resumed run repeating iterations it had shown).
  void truncateFrom(double x);
  void clear();

  int size() const { return int(m_points.size()); }
  bool isEmpty() const { return m_points.empty(); }
  const std::vector<QPointF>& points() const { return m_points; }
  int maxDisplayPoints() const { return m_maxDisplayPoints; }
  int bucketWidth() const { return int(m_width); }

  // At most maxDisplayPoints() points in x order; every point while size() <= that limit.
  QList<QPointF> display() const;

  // Bounds of all points (undefined when empty).
  double minX() const { return m_minX; }
  double maxX() const { return m_maxX; }
  double minY() const { return m_minY; }
  double maxY() const { return m_maxY; }

 private:
  struct Bucket {
    std::size_t first, low, high, last;  // indices into m_points
    std::size_t count;
  };
  void addToBuckets(std::size_t index);
  void mergeBuckets();

  int m_maxDisplayPoints;
  std::size_t m_maxBuckets;
  std::size_t m_width = 1;
  std::vector<QPointF> m_points;
  std::vector<Bucket> m_buckets;
  double m_minX = 0, m_maxX = 0, m_minY = 0, m_maxY = 0;
};

}  // namespace ft::ui
