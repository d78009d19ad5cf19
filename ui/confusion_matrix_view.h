#pragma once
// The confusion matrix as a heatmap: true classes down the left, predicted classes along the
// top, the count in each cell, coloured by its share of the row (so a rare class's mistakes
// are as visible as a common one's). Hovering shows the count and the row percentage; clicking
// a cell selects it and emits cellClicked(true, predicted).
#include <QStringList>
#include <QWidget>

#include <cstdint>
#include <vector>

namespace ft::ui {

class ConfusionMatrixView : public QWidget {
  Q_OBJECT
 public:
  explicit ConfusionMatrixView(QWidget* parent = nullptr);

  // counts[true][predicted]; square, one row per class name.
  void setMatrix(const QStringList& classNames, const std::vector<std::vector<std::int64_t>>& counts);
  void clear();

  int classCount() const { return int(m_names.size()); }
  std::int64_t count(int trueClass, int predictedClass) const;
  double rowShare(int trueClass, int predictedClass) const;  // 0..1 of the row
  // Where the cell is drawn, in widget coordinates (empty if there is no such cell).
  QRect cellRect(int trueClass, int predictedClass) const;
  // The cell under `pos`, or {-1, -1}.
  QPoint cellAt(const QPoint& pos) const;  // x = predicted, y = true
  QString toolTipFor(int trueClass, int predictedClass) const;

  // -1 when none.
  int selectedTrueClass() const { return m_selectedTrue; }
  int selectedPredictedClass() const { return m_selectedPredicted; }
  void setSelectedCell(int trueClass, int predictedClass);

  QSize sizeHint() const override;
  QSize minimumSizeHint() const override;

 Q_SIGNALS:
  void cellClicked(int trueClass, int predictedClass);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  bool event(QEvent* event) override;

 private:
  struct Geometry {
    int left = 0, top = 0, cell = 0;
  };
  Geometry geometry() const;
  int labelWidth() const;
  QColor cellColor(double share) const;

  QStringList m_names;
  std::vector<std::vector<std::int64_t>> m_counts;
  std::vector<std::int64_t> m_rowSums;
  int m_selectedTrue = -1;
  int m_selectedPredicted = -1;
};

}  // namespace ft::ui
