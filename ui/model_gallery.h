#pragma once
// The model gallery: every architecture side by side - year, what it introduced, parameters,
// GMACs, ImageNet accuracy and file size of its weights, and its training speed on this
// machine at the wizard's input size (measured on demand by ModelSpeeds). Sortable; "Use this
// model" picks the selected row.
#include <QDialog>
#include <QString>
#include <string>

#include "model_speeds.h"

class QLabel;
class QPushButton;
class QTableWidget;

namespace ft::ui {

// "frozen 516 img/s, unfrozen 166 img/s at 32 px, batch 64 (float32)" and the like, translated.
QString speedSummary(const ModelSpeeds::Speed& speed);

class ModelGalleryDialog : public QDialog {
  Q_OBJECT
 public:
  enum Column { Model, Year, Parameters, Gmacs, Top1, FileSize, Frozen, Unfrozen, ColumnCount };

  ModelGalleryDialog(ModelSpeeds* speeds, const std::string& current, QWidget* parent = nullptr);
  // The architecture of the selected row ("" when none).
  std::string selectedArchitecture() const;
  QTableWidget* table() const { return m_table; }
  QString statusText() const;

 private:
  void fill();
  void showSpeeds();
  int rowOf(const std::string& architecture) const;

  ModelSpeeds* m_speeds;
  QTableWidget* m_table;
  QLabel* m_status;
  QPushButton* m_measure;
  QPushButton* m_stop;
  QPushButton* m_use;
};

}  // namespace ft::ui
