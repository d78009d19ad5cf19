#pragma once
// What a data set holds, as the data page shows it: image counts, a table of classes, a grid
// of labelled sample thumbnails and the scan's warnings.
#include <QWidget>

#include "api/studio_api.h"

class QLabel;
class QListWidget;
class QPlainTextEdit;
class QTableWidget;

namespace ft::ui {

class DataPreviewView : public QWidget {
  Q_OBJECT
 public:
  explicit DataPreviewView(QWidget* parent = nullptr);

  void showPreview(const api::DataPreview& preview);
  void clear();
  void retranslateUi();

 private:
  void fillCounts();

  QLabel* m_counts;
  QTableWidget* m_classes;
  QLabel* m_samplesTitle;
  QListWidget* m_samples;
  QLabel* m_warningsTitle;
  QPlainTextEdit* m_warnings;
  api::DataPreview m_preview;
  bool m_hasPreview = false;
};

}  // namespace ft::ui
