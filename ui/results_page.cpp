#include "results_page.h"

#include <QComboBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

#include "icons.h"
#include "api/studio_api.h"
#include "class_metrics_view.h"
#include "confusion_matrix_view.h"
#include "evaluation_loader.h"
#include "model_export_panel.h"
#include "thumbnail_gallery.h"
#include "try_it_panel.h"

namespace ft::ui {
namespace {

QString percent(double value) { return QStringLiteral("%1%").arg(value, 0, 'f', 2); }

// "1 image" / "35 images" (English has two forms; the source strings are the English text).
QString imageCount(qint64 n) {
  return n == 1 ? ResultsPage::tr("1 image") : ResultsPage::tr("%1 images").arg(n);
}

QString validationImageCount(qint64 n) {
  return n == 1 ? ResultsPage::tr("1 validation image") : ResultsPage::tr("%1 validation images").arg(n);
}

QString rate(double value) { return QString::number(value, 'g', 3); }

QTableWidgetItem* cell(const QString& text, bool bold) {
  auto* item = new QTableWidgetItem(text);
  item->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
  item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  if (bold) {
    QFont font = item->font();
    font.setBold(true);
    item->setFont(font);
  }
  return item;
}

const char* const kErrorStyle = "color: #c80000;";

}  // namespace

ResultsPage::ResultsPage(QWidget* parent) : QWidget(parent) {
  m_evaluations = new EvaluationLoader(this);
  connect(m_evaluations, &EvaluationLoader::progress, this, &ResultsPage::onEvaluationProgress);
  connect(m_evaluations, &EvaluationLoader::loaded, this, &ResultsPage::showEvaluation);
  connect(m_evaluations, &EvaluationLoader::failed, this, &ResultsPage::evaluationFailed);

  m_title = new QLabel;
  QFont titleFont = m_title->font();
  titleFont.setPointSizeF(titleFont.pointSizeF() * 1.3);
  titleFont.setBold(true);
  m_title->setFont(titleFont);
  m_bestLabel = new QLabel;
  m_finalLabel = new QLabel;
  m_statusLabel = new QLabel;
  m_statusLabel->setWordWrap(true);
  m_statusLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);

  m_table = new QTableWidget(0, ColumnCount);
  m_table->verticalHeader()->setVisible(false);
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  // Every column as wide as its contents; the space to their right stays empty rather than
  // stretching the last column across the page.
  m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  m_table->horizontalHeader()->setStretchLastSection(false);

  // The checkpoint drives every tab and the export.
  m_checkpointLabel = new QLabel;
  m_checkpoint = new QComboBox;
  m_checkpoint->setObjectName(QStringLiteral("checkpointChoice"));
  m_checkpoint->addItem(QString(), QStringLiteral("best"));
  m_checkpoint->addItem(QString(), QStringLiteral("last"));
  m_checkpointLabel->setBuddy(m_checkpoint);
  connect(m_checkpoint, &QComboBox::currentIndexChanged, this, &ResultsPage::onCheckpointChanged);
  m_evaluationStatus = new QLabel;
  m_evaluationStatus->setObjectName(QStringLiteral("evaluationStatus"));
  m_evaluationStatus->setWordWrap(true);
  m_evaluationStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_evaluationProgress = new QProgressBar;
  m_evaluationProgress->setObjectName(QStringLiteral("evaluationProgress"));
  m_evaluationProgress->setMaximumWidth(220);
  m_evaluationProgress->hide();
  m_cancelButton = new QPushButton;
  m_cancelButton->setObjectName(QStringLiteral("cancelEvaluationButton"));
  m_cancelButton->hide();
  connect(m_cancelButton, &QPushButton::clicked, this, &ResultsPage::cancelEvaluation);
  m_evaluateButton = new QPushButton;
  m_evaluateButton->setObjectName(QStringLiteral("evaluateButton"));
  m_evaluateButton->setIcon(actionIcon(QStringLiteral("evaluate")));
  m_evaluateButton->hide();
  connect(m_evaluateButton, &QPushButton::clicked, this, &ResultsPage::evaluate);

  auto* checkpointRow = new QHBoxLayout;
  checkpointRow->addWidget(m_checkpointLabel);
  checkpointRow->addWidget(m_checkpoint);
  checkpointRow->addWidget(m_evaluationStatus, 1);
  checkpointRow->addWidget(m_evaluationProgress);
  checkpointRow->addWidget(m_cancelButton);
  checkpointRow->addWidget(m_evaluateButton);

  // Summary: the run's numbers and the per-epoch table.
  auto* summary = new QWidget;
  auto* summaryLayout = new QVBoxLayout(summary);
  summaryLayout->addWidget(m_bestLabel);
  summaryLayout->addWidget(m_finalLabel);
  summaryLayout->addWidget(m_statusLabel);
  summaryLayout->addWidget(m_table, 1);

  // Confusion matrix, with the clicked cell's images beside it.
  m_matrix = new ConfusionMatrixView;
  m_matrix->setObjectName(QStringLiteral("confusionMatrix"));
  connect(m_matrix, &ConfusionMatrixView::cellClicked, this, &ResultsPage::showCell);
  auto* matrixScroll = new QScrollArea;
  matrixScroll->setWidgetResizable(true);
  matrixScroll->setFrameShape(QFrame::NoFrame);
  matrixScroll->setWidget(m_matrix);
  m_cellGallery = new ThumbnailGallery;
  m_cellGallery->setObjectName(QStringLiteral("cellGallery"));
  auto* matrixSplitter = new QSplitter(Qt::Horizontal);
  matrixSplitter->addWidget(matrixScroll);
  matrixSplitter->addWidget(m_cellGallery);
  matrixSplitter->setStretchFactor(0, 1);
  matrixSplitter->setStretchFactor(1, 1);
  matrixSplitter->setSizes({540, 460});  // proportions: the matrix gets the larger half

  m_classMetrics = new ClassMetricsView;
  m_misclassified = new ThumbnailGallery;
  m_misclassified->setObjectName(QStringLiteral("misclassifiedGallery"));
  m_tryIt = new TryItPanel;

  m_tabs = new QTabWidget;
  m_tabs->setObjectName(QStringLiteral("resultsTabs"));
  m_tabs->addTab(summary, QString());
  m_tabs->addTab(matrixSplitter, QString());
  m_tabs->addTab(m_classMetrics, QString());
  m_tabs->addTab(m_misclassified, QString());
  m_tabs->addTab(m_tryIt, QString());

  m_export = new ModelExportPanel;
  connect(m_export, &ModelExportPanel::exportRequested, this,
          [this] { m_export->chooseAndExport(selectedCheckpoint()); });
  connect(m_export, &ModelExportPanel::exported, this, &ResultsPage::exported);
  connect(m_export, &ModelExportPanel::exportFinished, this, &ResultsPage::exportFinished);

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(m_title);
  layout->addLayout(checkpointRow);
  layout->addWidget(m_tabs, 1);
  layout->addWidget(m_export);
  retranslateUi();
}

ResultsPage::~ResultsPage() {
  // Workers post to this page: they end (an evaluation at its next batch) before it goes.
  delete m_evaluations;
  delete m_export;
}

void ResultsPage::retranslateUi() {
  m_title->setText(tr("Results"));
  m_table->setHorizontalHeaderLabels({tr("Epoch"), tr("Phase"), tr("Train loss"), tr("Train acc."),
                                      tr("Val. loss"), tr("Val. acc."), tr("Seconds"), tr("Images/s"),
                                      tr("Learning rate (head / backbone)")});
  m_checkpointLabel->setText(tr("&Checkpoint:"));
  m_checkpoint->setItemText(0, tr("Best validation accuracy"));
  m_checkpoint->setItemText(1, tr("Last epoch"));
  m_cancelButton->setText(tr("Cancel"));
  m_evaluateButton->setText(tr("Evaluate"));
  m_evaluateButton->setToolTip(tr("Evaluate the checkpoint on the validation set"));
  m_evaluationProgress->setFormat(tr("%v of %m images"));
  m_tabs->setTabText(SummaryTab, tr("Summary"));
  m_tabs->setTabText(MatrixTab, tr("Confusion matrix"));
  m_tabs->setTabText(ClassesTab, tr("Per class"));
  m_tabs->setTabText(MisclassifiedTab, tr("Misclassified"));
  m_tabs->setTabText(TryItTab, tr("Try it"));
  fillSummary();
  fillTable();
  updateEvaluationStatus();
  updateCellCaption();
  updateMisclassifiedCaption();
}

void ResultsPage::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) retranslateUi();
  QWidget::changeEvent(event);
}

void ResultsPage::showRun(const QString& runDir, const QList<ft::run::EpochEvent>& epochs,
                          const ft::run::FinishedEvent& finished) {
  m_runDir = runDir;
  m_epochs = epochs;
  m_finished = finished;
  m_export->clearMessage();
  fillSummary();
  fillTable();
  m_tryIt->setRun(haveEpochs() ? m_runDir : QString(), selectedCheckpoint());
  evaluate();
}

void ResultsPage::showHistory(const QString& runDir, const ft::api::RunHistory& history) {
  QList<ft::run::EpochEvent> epochs(history.epochs.begin(), history.epochs.end());
  ft::run::FinishedEvent finished;
  finished.status = history.complete ? ft::run::FinishStatus::Completed : ft::run::FinishStatus::Stopped;
  finished.runDir = runDir.toStdString();
  finished.epochsCompleted = int(epochs.size());
  for (const auto& e : epochs) {
    if (finished.bestEpoch < 0 || e.validationAccuracy > finished.bestValidationAccuracy) {
      finished.bestValidationAccuracy = e.validationAccuracy;
      finished.bestEpoch = e.epoch;
    }
    finished.finalValidationAccuracy = e.validationAccuracy;
  }
  showRun(runDir, epochs, finished);
}

bool ResultsPage::haveEpochs() const { return m_finished.epochsCompleted > 0 || !m_epochs.isEmpty(); }

void ResultsPage::fillSummary() {
  const auto& f = m_finished;
  if (haveEpochs() && f.bestEpoch >= 0) {
    // Each accuracy says which precision its validation pass ran in (issue 12).
    auto precisionOf = [this](int epoch) {
      for (const auto& e : m_epochs)
        if (e.epoch == epoch) return QString::fromStdString(e.validationPrecision);
      return QStringLiteral("float32");
    };
    const int lastEpoch = m_epochs.isEmpty() ? f.bestEpoch : m_epochs.back().epoch;
    m_bestLabel->setText(tr("Best validation accuracy: %1 (epoch %2, %3)")
                             .arg(percent(f.bestValidationAccuracy))
                             .arg(f.bestEpoch + 1)
                             .arg(precisionOf(f.bestEpoch)));
    m_finalLabel->setText(tr("Final validation accuracy: %1 (%2)")
                              .arg(percent(f.finalValidationAccuracy), precisionOf(lastEpoch)));
  } else {
    m_bestLabel->setText(m_runDir.isEmpty() ? QString() : tr("No epoch was completed."));
    m_finalLabel->clear();
  }
  // Built from the event's numbers: the engine's own sentence is English. A failure's reason
  // is the engine's message (it names the file or setting to fix).
  const QString message = QString::fromStdString(f.message);
  const int epochs = std::max(f.epochsCompleted, int(m_epochs.size()));
  const QString epochCount = epochs == 1 ? tr("1 epoch") : tr("%1 epochs").arg(epochs);
  QString status;
  if (!m_runDir.isEmpty() || !message.isEmpty()) {
    switch (f.status) {
      case ft::run::FinishStatus::Completed: status = tr("Completed: %1 trained.").arg(epochCount); break;
      case ft::run::FinishStatus::Stopped:
        status =
            tr("Stopped after %1; File > Open run… resumes the run from its checkpoint.").arg(epochCount);
        break;
      case ft::run::FinishStatus::Failed:
        status = message.isEmpty() ? tr("Failed after %1.").arg(epochCount)
                                   : tr("Failed after %1: %2").arg(epochCount, message);
        break;
    }
    if (!m_runDir.isEmpty()) status += QLatin1Char('\n') + tr("Run folder: %1").arg(m_runDir);
  }
  m_statusLabel->setText(status);
  m_statusLabel->setStyleSheet(f.status == ft::run::FinishStatus::Failed ? QString::fromLatin1(kErrorStyle)
                                                                         : QString());
  const bool canExport = !m_runDir.isEmpty() && haveEpochs();
  m_export->setRun(m_runDir, canExport);
  m_checkpoint->setEnabled(canExport);
}

void ResultsPage::fillTable() {
  m_table->setRowCount(int(m_epochs.size()));
  for (int row = 0; row < int(m_epochs.size()); ++row) {
    const auto& e = m_epochs[row];
    const bool best = e.epoch == m_finished.bestEpoch;
    const bool frozen = e.phase == ft::run::Phase::Frozen;
    QString rates;
    for (std::size_t g = 0; g < e.learningRates.size(); ++g) {
      // While frozen the backbone does not train: its rate (the engine reports the head's)
      // means nothing.
      const QString value = g > 0 && frozen ? QStringLiteral("–") : rate(e.learningRates[g]);
      rates += (g ? QStringLiteral(" / ") : QString()) + value;
    }
    const QString phase = frozen ? tr("frozen") : tr("unfrozen");
    m_table->setItem(row, EpochColumn, cell(QString::number(e.epoch + 1), best));
    m_table->setItem(row, PhaseColumn, cell(phase, best));
    m_table->setItem(row, TrainLossColumn, cell(QString::number(e.trainLoss, 'f', 4), best));
    m_table->setItem(row, TrainAccuracyColumn, cell(percent(e.trainAccuracy), best));
    m_table->setItem(row, ValidationLossColumn, cell(QString::number(e.validationLoss, 'f', 4), best));
    m_table->setItem(row, ValidationAccuracyColumn,
                     cell(tr("%1 (%2)").arg(percent(e.validationAccuracy),
                                            QString::fromStdString(e.validationPrecision)),
                          best));
    m_table->setItem(row, SecondsColumn, cell(QString::number(e.seconds, 'f', 1), best));
    m_table->setItem(row, ImagesPerSecondColumn, cell(QString::number(e.imagesPerSecond, 'f', 0), best));
    m_table->setItem(row, LearningRateColumn, cell(rates, best));
  }
}

// ---- Evaluation -------------------------------------------------------------------------

void ResultsPage::onCheckpointChanged() {
  if (m_runDir.isEmpty()) return;
  m_tryIt->setRun(haveEpochs() ? m_runDir : QString(), selectedCheckpoint());
  evaluate();
}

void ResultsPage::evaluate() {
  m_evaluations->abandon();
  clearEvaluation();
  if (m_runDir.isEmpty() || !haveEpochs()) {
    m_evaluationState = EvaluationState::None;
    updateEvaluationStatus();
    return;
  }
  m_evaluationState = EvaluationState::Loading;
  m_progressDone = m_progressTotal = 0;
  updateEvaluationStatus();
  m_evaluations->load(m_runDir, selectedCheckpoint());
}

void ResultsPage::cancelEvaluation() {
  if (m_evaluationState != EvaluationState::Loading) return;
  m_evaluations->cancel();
  m_cancelButton->setEnabled(false);
}

void ResultsPage::onEvaluationProgress(qint64 done, qint64 total) {
  if (m_evaluationState != EvaluationState::Loading) return;
  m_progressDone = done;
  m_progressTotal = total;
  updateEvaluationStatus();
  Q_EMIT evaluationProgress(done, total);
}

void ResultsPage::clearEvaluation() {
  m_report = {};
  m_evaluationError.clear();
  m_cellTrue = m_cellPredicted = -1;
  m_matrix->clear();
  m_cellGallery->setSamples({}, {}, {});
  m_misclassified->setSamples({}, {}, {});
  m_classMetrics->clear();
  updateCellCaption();
  updateMisclassifiedCaption();
}

void ResultsPage::showEvaluation(const ft::api::EvaluationReport& report) {
  m_report = report;
  m_evaluationState = EvaluationState::Ready;
  QStringList names;
  for (const auto& name : report.classNames) names << QString::fromStdString(name);
  m_matrix->setMatrix(names, report.confusion);
  m_classMetrics->setReport(report);
  m_misclassified->setSamples(m_runDir, names, report.misclassified());
  updateMisclassifiedCaption();
  // The gallery beside the matrix starts with the most frequent mistake.
  const auto confused = report.mostConfused(1);
  if (!confused.empty() && confused.front().count > 0)
    showCell(confused.front().trueClass, confused.front().predictedClass);
  else if (!names.isEmpty())
    showCell(0, 0);
  updateEvaluationStatus();
  Q_EMIT evaluationFinished(m_evaluationState);
}

void ResultsPage::evaluationFailed(const QString& message, bool cancelled) {
  m_evaluationState = cancelled ? EvaluationState::Cancelled : EvaluationState::Failed;
  m_evaluationError = message;  // the engine's message: it names the file and the fix
  updateEvaluationStatus();
  Q_EMIT evaluationFinished(m_evaluationState);
}

void ResultsPage::showCell(int trueClass, int predictedClass) {
  if (m_evaluationState != EvaluationState::Ready) return;
  const int n = int(m_report.classNames.size());
  if (trueClass < 0 || predictedClass < 0 || trueClass >= n || predictedClass >= n) return;
  m_cellTrue = trueClass;
  m_cellPredicted = predictedClass;
  m_matrix->setSelectedCell(trueClass, predictedClass);
  QStringList names;
  for (const auto& name : m_report.classNames) names << QString::fromStdString(name);
  m_cellGallery->setSamples(m_runDir, names, m_report.cell(trueClass, predictedClass));
  updateCellCaption();
}

void ResultsPage::updateCellCaption() {
  if (m_cellTrue < 0 || m_evaluationState != EvaluationState::Ready) {
    m_cellGallery->setCaption(
        m_evaluationState == EvaluationState::Ready ? tr("Click a cell to see its images.") : QString());
    return;
  }
  const QString trueName = QString::fromStdString(m_report.classNames[std::size_t(m_cellTrue)]);
  const QString predicted = QString::fromStdString(m_report.classNames[std::size_t(m_cellPredicted)]);
  const int count = m_cellGallery->model()->sampleCount();
  m_cellGallery->setCaption(
      m_cellTrue == m_cellPredicted
          ? tr("%1 recognised correctly: %2, most confident first.").arg(trueName, imageCount(count))
          : tr("%1 predicted as %2: %3, most confident first.").arg(trueName, predicted, imageCount(count)));
}

void ResultsPage::updateMisclassifiedCaption() {
  if (m_evaluationState != EvaluationState::Ready) {
    m_misclassified->setCaption(QString());
    return;
  }
  const int count = m_misclassified->model()->sampleCount();
  m_misclassified->setCaption(
      count == 0   ? tr("No validation image was misclassified.")
      : count == 1 ? tr("1 misclassified validation image: true class → predicted class (confidence).")
                   : tr("%1 misclassified validation images, most confident mistakes first: true class "
                        "→ predicted class (confidence).")
                         .arg(count));
}

void ResultsPage::updateEvaluationStatus() {
  const bool loading = m_evaluationState == EvaluationState::Loading;
  const bool evaluating = loading && m_progressTotal > 0;
  m_evaluationProgress->setVisible(evaluating);
  m_cancelButton->setVisible(evaluating);
  m_cancelButton->setEnabled(!m_evaluations->isCancelling());
  if (evaluating) {
    m_evaluationProgress->setRange(0, int(std::min<qint64>(m_progressTotal, INT32_MAX)));
    m_evaluationProgress->setValue(int(std::min(m_progressDone, m_progressTotal)));
  }
  m_evaluateButton->setVisible(m_evaluationState == EvaluationState::Cancelled ||
                               m_evaluationState == EvaluationState::Failed);
  const bool best = selectedCheckpoint() == QLatin1String("best");
  QString text;
  switch (m_evaluationState) {
    case EvaluationState::None: break;
    case EvaluationState::Loading:
      text = evaluating ? tr("Evaluating the checkpoint on the validation set…")
                        : tr("Loading the evaluation…");
      break;
    case EvaluationState::Ready: {
      const auto& r = m_report;
      text = (best ? tr("Best checkpoint (epoch %1): top-1 accuracy %2 on %3, in %4.")
                   : tr("Last checkpoint (epoch %1): top-1 accuracy %2 on %3, in %4."))
                 .arg(r.epoch)
                 .arg(percent(r.top1 * 100.0), validationImageCount(r.samples),
                      QString::fromStdString(r.precision));
      break;
    }
    case EvaluationState::Cancelled: text = tr("Evaluation cancelled; Evaluate starts it again."); break;
    case EvaluationState::Failed: text = m_evaluationError; break;
  }
  m_evaluationStatus->setText(text);
  m_evaluationStatus->setStyleSheet(
      m_evaluationState == EvaluationState::Failed ? QString::fromLatin1(kErrorStyle) : QString());
}

QString ResultsPage::evaluationStatusText() const { return m_evaluationStatus->text(); }

QString ResultsPage::selectedCheckpoint() const { return m_checkpoint->currentData().toString(); }

void ResultsPage::setSelectedCheckpoint(const QString& which) {
  const int index = m_checkpoint->findData(which);
  if (index >= 0) m_checkpoint->setCurrentIndex(index);
}

QString ResultsPage::defaultExportPath(const QString& which) const {
  return ModelExportPanel::defaultPath(m_runDir, which);
}

QString ResultsPage::summaryText() const {
  return QStringList{m_bestLabel->text(), m_finalLabel->text(), m_statusLabel->text()}.join(
      QLatin1Char('\n'));
}

bool ResultsPage::isExporting() const { return m_export->isExporting(); }

QString ResultsPage::lastExportMessage() const { return m_export->lastMessage(); }

void ResultsPage::exportTo(const QString& path, const QString& which) { m_export->exportTo(path, which); }

}  // namespace ft::ui
