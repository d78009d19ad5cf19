#pragma once
// The end of a run: best and final validation accuracy, the per-epoch table, and export of
// the best or last checkpoint as a LibTorch model (.pt + .json metadata).
//
// Export runs on the GUI thread under a wait cursor: a ResNet-18 export takes about half a
// second (ResNet-50 about two); moving it to a worker is a later refinement.
#include <QList>
#include <QString>
#include <QWidget>

#include "event_types.h"

class QComboBox;
class QLabel;
class QPushButton;
class QTableWidget;

namespace ft::api {
struct RunHistory;
}

namespace ft::ui {

class ResultsPage : public QWidget {
  Q_OBJECT
 public:
  enum Column { EpochColumn, PhaseColumn, TrainLossColumn, TrainAccuracyColumn,
                ValidationLossColumn, ValidationAccuracyColumn, SecondsColumn,
                ImagesPerSecondColumn, LearningRateColumn, ColumnCount };

  explicit ResultsPage(QWidget* parent = nullptr);

  void showRun(const QString& runDir, const QList<ft::train::EpochEvent>& epochs,
               const ft::train::FinishedEvent& finished);
  // The same from a run folder (File -> Open run): status Completed or Stopped.
  void showHistory(const QString& runDir, const ft::api::RunHistory& history);

  // Exports checkpoints/<which>.ckpt ("best" | "last") to `path` without asking; the message
  // (success, or the engine's error verbatim) is shown on the page. Returns success.
  bool exportTo(const QString& path, const QString& which);
  QString lastExportMessage() const { return m_lastExportMessage; }

  QString runDir() const { return m_runDir; }
  QString selectedCheckpoint() const;  // "best" | "last"
  void setSelectedCheckpoint(const QString& which);
  QString defaultExportPath(const QString& which) const;  // <runDir>/exports/model-<which>.pt
  QTableWidget* epochTable() const { return m_table; }
  QString summaryText() const;

 Q_SIGNALS:
  void exported(const QString& path);

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void retranslateUi();
  void fillSummary();
  void fillTable();
  void chooseExportPath();

  QString m_runDir;
  QList<ft::train::EpochEvent> m_epochs;
  ft::train::FinishedEvent m_finished;
  QString m_lastExportMessage;

  QLabel* m_title = nullptr;
  QLabel* m_bestLabel = nullptr;
  QLabel* m_finalLabel = nullptr;
  QLabel* m_statusLabel = nullptr;
  QTableWidget* m_table = nullptr;
  QLabel* m_checkpointLabel = nullptr;
  QComboBox* m_checkpoint = nullptr;
  QPushButton* m_exportButton = nullptr;
  QLabel* m_exportMessage = nullptr;
};

}  // namespace ft::ui
