#pragma once
// The end of a run: best and final validation accuracy and the per-epoch table; for the chosen
// checkpoint (best or last) its evaluation on the validation set (confusion matrix heatmap whose
// cells open their images, precision/recall/F1 per class, the misclassified images sorted by
// confidence), a "try it" panel predicting new images, and export (.pt, .pth, .safetensors,
// .onnx).
//
// Nothing slow runs on the GUI thread: the stored evaluation is read (or, when the run folder has
// none, computed with a progress bar and Cancel: EvaluationLoader), thumbnails are decoded,
// images predicted and models exported (ModelExportPanel) on worker threads; results come back
// as queued calls.
#include <QList>
#include <QString>
#include <QWidget>

#include "api/results_api.h"
#include "event_types.h"

class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QTabWidget;
class QTableWidget;

namespace ft::api {
struct RunHistory;
}

namespace ft::ui {

class ClassMetricsView;
class ConfusionMatrixView;
class EvaluationLoader;
class ModelExportPanel;
class ThumbnailGallery;
class TryItPanel;

class ResultsPage : public QWidget {
  Q_OBJECT
 public:
  enum Column {
    EpochColumn,
    PhaseColumn,
    TrainLossColumn,
    TrainAccuracyColumn,
    ValidationLossColumn,
    ValidationAccuracyColumn,
    SecondsColumn,
    ImagesPerSecondColumn,
    LearningRateColumn,
    ColumnCount
  };
  enum Tab { SummaryTab, MatrixTab, ClassesTab, MisclassifiedTab, TryItTab };
  enum class EvaluationState { None, Loading, Ready, Cancelled, Failed };
  Q_ENUM(EvaluationState)

  explicit ResultsPage(QWidget* parent = nullptr);
  ~ResultsPage() override;

  // Shows the run and loads the selected checkpoint's evaluation (on a worker thread).
  void showRun(const QString& runDir, const QList<ft::run::EpochEvent>& epochs,
               const ft::run::FinishedEvent& finished);
  // The same from a run folder (File -> Open run): status Completed or Stopped.
  void showHistory(const QString& runDir, const ft::api::RunHistory& history);

  // Exports checkpoints/<which>.ckpt ("best" | "last") to `path` without asking, on a worker
  // thread; the format follows the extension. exportFinished(ok) follows (at once when there is
  // no run); the message (the engine's description with its verification, or its error
  // verbatim) is shown on the page.
  void exportTo(const QString& path, const QString& which);
  bool isExporting() const;
  QString lastExportMessage() const;

  // (Re)loads the selected checkpoint's evaluation: the stored one, else evaluateRun.
  void evaluate();
  void cancelEvaluation();
  EvaluationState evaluationState() const { return m_evaluationState; }
  const ft::api::EvaluationReport& evaluation() const { return m_report; }
  QString evaluationStatusText() const;
  // Shows the images of one confusion cell in the gallery beside the matrix.
  void showCell(int trueClass, int predictedClass);

  QString runDir() const { return m_runDir; }
  QString selectedCheckpoint() const;  // "best" | "last"
  void setSelectedCheckpoint(const QString& which);
  QString defaultExportPath(const QString& which) const;  // <runDir>/exports/model-<which>.pt
  QTableWidget* epochTable() const { return m_table; }
  QString summaryText() const;
  QTabWidget* tabs() const { return m_tabs; }
  ConfusionMatrixView* confusionMatrix() const { return m_matrix; }
  ThumbnailGallery* cellGallery() const { return m_cellGallery; }
  ThumbnailGallery* misclassifiedGallery() const { return m_misclassified; }
  ClassMetricsView* classMetrics() const { return m_classMetrics; }
  TryItPanel* tryItPanel() const { return m_tryIt; }

 Q_SIGNALS:
  void exported(const QString& path);
  void exportFinished(bool ok);
  // A report is shown (Ready), or the evaluation failed or was cancelled.
  void evaluationFinished(ft::ui::ResultsPage::EvaluationState state);
  // While evaluateRun works through the validation set (none when a stored report is shown).
  void evaluationProgress(qint64 done, qint64 total);

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void retranslateUi();
  void fillSummary();
  void fillTable();
  void onCheckpointChanged();
  void onEvaluationProgress(qint64 done, qint64 total);
  void showEvaluation(const ft::api::EvaluationReport& report);
  void evaluationFailed(const QString& message, bool cancelled);
  void clearEvaluation();
  void updateEvaluationStatus();
  void updateCellCaption();
  void updateMisclassifiedCaption();
  bool haveEpochs() const;

  QString m_runDir;
  QList<ft::run::EpochEvent> m_epochs;
  ft::run::FinishedEvent m_finished;

  // Evaluation of the selected checkpoint.
  ft::api::EvaluationReport m_report;
  EvaluationState m_evaluationState = EvaluationState::None;
  QString m_evaluationError;
  qint64 m_progressDone = 0;
  qint64 m_progressTotal = 0;
  int m_cellTrue = -1;
  int m_cellPredicted = -1;

  QLabel* m_title = nullptr;
  QLabel* m_bestLabel = nullptr;
  QLabel* m_finalLabel = nullptr;
  QLabel* m_statusLabel = nullptr;
  QTableWidget* m_table = nullptr;
  QLabel* m_checkpointLabel = nullptr;
  QComboBox* m_checkpoint = nullptr;
  QLabel* m_evaluationStatus = nullptr;
  QProgressBar* m_evaluationProgress = nullptr;
  QPushButton* m_cancelButton = nullptr;
  QPushButton* m_evaluateButton = nullptr;
  QTabWidget* m_tabs = nullptr;
  ConfusionMatrixView* m_matrix = nullptr;
  ThumbnailGallery* m_cellGallery = nullptr;
  ClassMetricsView* m_classMetrics = nullptr;
  ThumbnailGallery* m_misclassified = nullptr;
  TryItPanel* m_tryIt = nullptr;
  ModelExportPanel* m_export = nullptr;
  EvaluationLoader* m_evaluations = nullptr;
};

}  // namespace ft::ui
