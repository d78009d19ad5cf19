#include "results_page.h"

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <exception>

#include "api/studio_api.h"
#include "common/error.h"

namespace ft::ui {
namespace {

QString percent(double value) { return QStringLiteral("%1%").arg(value, 0, 'f', 2); }

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

}  // namespace

ResultsPage::ResultsPage(QWidget* parent) : QWidget(parent) {
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

  m_checkpointLabel = new QLabel;
  m_checkpoint = new QComboBox;
  m_checkpoint->setObjectName(QStringLiteral("checkpointChoice"));
  m_checkpoint->addItem(QString(), QStringLiteral("best"));
  m_checkpoint->addItem(QString(), QStringLiteral("last"));
  m_checkpointLabel->setBuddy(m_checkpoint);
  m_exportButton = new QPushButton;
  m_exportButton->setObjectName(QStringLiteral("exportButton"));
  connect(m_exportButton, &QPushButton::clicked, this, &ResultsPage::chooseExportPath);
  m_exportMessage = new QLabel;
  m_exportMessage->setWordWrap(true);
  m_exportMessage->setTextInteractionFlags(Qt::TextSelectableByMouse);

  auto* exportRow = new QHBoxLayout;
  exportRow->addWidget(m_checkpointLabel);
  exportRow->addWidget(m_checkpoint);
  exportRow->addWidget(m_exportButton);
  exportRow->addStretch(1);

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(m_title);
  layout->addWidget(m_bestLabel);
  layout->addWidget(m_finalLabel);
  layout->addWidget(m_statusLabel);
  layout->addWidget(m_table, 1);
  layout->addLayout(exportRow);
  layout->addWidget(m_exportMessage);
  retranslateUi();
}

void ResultsPage::retranslateUi() {
  m_title->setText(tr("Results"));
  m_table->setHorizontalHeaderLabels({tr("Epoch"), tr("Phase"), tr("Train loss"), tr("Train acc."),
                                      tr("Val. loss"), tr("Val. acc."), tr("Seconds"),
                                      tr("Images/s"), tr("Learning rate (head / backbone)")});
  m_checkpointLabel->setText(tr("&Checkpoint:"));
  m_checkpoint->setItemText(0, tr("Best validation accuracy"));
  m_checkpoint->setItemText(1, tr("Last epoch"));
  m_exportButton->setText(tr("Export model…"));
  m_exportButton->setToolTip(tr("Save the model as a LibTorch archive (.pt) with its metadata (.json)"));
  fillSummary();
  fillTable();
}

void ResultsPage::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) retranslateUi();
  QWidget::changeEvent(event);
}

void ResultsPage::showRun(const QString& runDir, const QList<ft::train::EpochEvent>& epochs,
                          const ft::train::FinishedEvent& finished) {
  m_runDir = runDir;
  m_epochs = epochs;
  m_finished = finished;
  m_lastExportMessage.clear();
  m_exportMessage->clear();
  fillSummary();
  fillTable();
}

void ResultsPage::showHistory(const QString& runDir, const ft::api::RunHistory& history) {
  QList<ft::train::EpochEvent> epochs(history.epochs.begin(), history.epochs.end());
  ft::train::FinishedEvent finished;
  finished.status = history.complete ? ft::train::FinishStatus::Completed : ft::train::FinishStatus::Stopped;
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

void ResultsPage::fillSummary() {
  const auto& f = m_finished;
  const bool haveEpochs = f.epochsCompleted > 0 || !m_epochs.isEmpty();
  if (haveEpochs && f.bestEpoch >= 0) {
    m_bestLabel->setText(tr("Best validation accuracy: %1 (epoch %2)")
                             .arg(percent(f.bestValidationAccuracy))
                             .arg(f.bestEpoch + 1));
    m_finalLabel->setText(tr("Final validation accuracy: %1").arg(percent(f.finalValidationAccuracy)));
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
      case ft::train::FinishStatus::Completed:
        status = tr("Completed: %1 trained.").arg(epochCount);
        break;
      case ft::train::FinishStatus::Stopped:
        status = tr("Stopped after %1; File > Open run… resumes the run from its checkpoint.")
                     .arg(epochCount);
        break;
      case ft::train::FinishStatus::Failed:
        status = message.isEmpty() ? tr("Failed after %1.").arg(epochCount)
                                   : tr("Failed after %1: %2").arg(epochCount, message);
        break;
    }
    if (!m_runDir.isEmpty()) status += QLatin1Char('\n') + tr("Run folder: %1").arg(m_runDir);
  }
  m_statusLabel->setText(status);
  m_statusLabel->setStyleSheet(f.status == ft::train::FinishStatus::Failed
                                   ? QStringLiteral("color: #c80000;") : QString());
  const bool canExport = !m_runDir.isEmpty() && haveEpochs;
  m_exportButton->setEnabled(canExport);
  m_checkpoint->setEnabled(canExport);
}

void ResultsPage::fillTable() {
  m_table->setRowCount(int(m_epochs.size()));
  for (int row = 0; row < int(m_epochs.size()); ++row) {
    const auto& e = m_epochs[row];
    const bool best = e.epoch == m_finished.bestEpoch;
    const bool frozen = e.phase == ft::train::Phase::Frozen;
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
    m_table->setItem(row, ValidationAccuracyColumn, cell(percent(e.validationAccuracy), best));
    m_table->setItem(row, SecondsColumn, cell(QString::number(e.seconds, 'f', 1), best));
    m_table->setItem(row, ImagesPerSecondColumn, cell(QString::number(e.imagesPerSecond, 'f', 0), best));
    m_table->setItem(row, LearningRateColumn, cell(rates, best));
  }
}

QString ResultsPage::selectedCheckpoint() const { return m_checkpoint->currentData().toString(); }

void ResultsPage::setSelectedCheckpoint(const QString& which) {
  const int index = m_checkpoint->findData(which);
  if (index >= 0) m_checkpoint->setCurrentIndex(index);
}

QString ResultsPage::defaultExportPath(const QString& which) const {
  return QDir(m_runDir).filePath(QStringLiteral("exports/model-%1.pt").arg(which));
}

QString ResultsPage::summaryText() const {
  return QStringList{m_bestLabel->text(), m_finalLabel->text(), m_statusLabel->text()}.join(QLatin1Char('\n'));
}

void ResultsPage::chooseExportPath() {
  if (m_runDir.isEmpty()) return;
  const QString which = selectedCheckpoint();
  const QString suggested = defaultExportPath(which);
  QDir().mkpath(QFileInfo(suggested).absolutePath());
  // The format follows the file's extension (the engine picks it from the name).
  const QString pt = tr("LibTorch model (*.pt)");
  const QString pth = tr("torchvision weights for PyTorch (*.pth)");
  const QString safetensors = tr("safetensors weights (*.safetensors)");
  QString filter = pt;
  QString path = QFileDialog::getSaveFileName(this, tr("Export model"), suggested,
                                              pt + QStringLiteral(";;") + pth +
                                                  QStringLiteral(";;") + safetensors,
                                              &filter);
  if (path.isEmpty()) return;
  if (QFileInfo(path).suffix().isEmpty())
    path += filter == pth ? QStringLiteral(".pth")
                          : filter == safetensors ? QStringLiteral(".safetensors") : QStringLiteral(".pt");
  exportTo(path, which);
}

bool ResultsPage::exportTo(const QString& path, const QString& which) {
  bool ok = false;
  if (m_runDir.isEmpty()) {
    m_lastExportMessage = tr("There is no run to export yet.");
  } else {
    // About half a second for ResNet-18: done here, under a wait cursor.
    QApplication::setOverrideCursor(Qt::WaitCursor);
    try {
      const std::string description =
          ft::api::exportRun(m_runDir.toStdString(), which.toStdString(), path.toStdString());
      m_lastExportMessage = tr("Exported: %1").arg(QString::fromStdString(description));
      ok = true;
    } catch (const ft::UserError& e) {
      m_lastExportMessage = QString::fromStdString(e.what());  // already says what to do
    } catch (const std::exception& e) {
      m_lastExportMessage = tr("Export failed: %1").arg(QString::fromStdString(e.what()));
    }
    QApplication::restoreOverrideCursor();
  }
  m_exportMessage->setText(m_lastExportMessage);
  m_exportMessage->setStyleSheet(ok ? QString() : QStringLiteral("color: #c80000;"));
  if (ok) Q_EMIT exported(path);
  return ok;
}

}  // namespace ft::ui
