#include "model_export_panel.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>

#include "icons.h"
#include "api/studio_api.h"
#include "background_runner.h"

namespace ft::ui {

ModelExportPanel::ModelExportPanel(QWidget* parent) : QWidget(parent) {
  m_runner = new BackgroundRunner(this);
  m_button = new QPushButton(this);
  m_button->setObjectName(QStringLiteral("exportButton"));
  m_button->setIcon(actionIcon(QStringLiteral("export")));
  connect(m_button, &QPushButton::clicked, this, &ModelExportPanel::exportRequested);
  m_message = new QLabel(this);
  m_message->setObjectName(QStringLiteral("exportMessage"));
  m_message->setWordWrap(true);
  m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
  connect(m_runner, &BackgroundRunner::busyChanged, this, [this](bool) { updateButton(); });
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(m_button);
  layout->addWidget(m_message, 1);
  retranslateUi();
  updateButton();
}

ModelExportPanel::~ModelExportPanel() { delete m_runner; }

void ModelExportPanel::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) retranslateUi();
  QWidget::changeEvent(event);
}

void ModelExportPanel::retranslateUi() {
  m_button->setText(tr("Export model…"));
  m_button->setToolTip(
      tr("Save the model as a LibTorch archive (.pt), torchvision weights (.pth), safetensors or "
         "ONNX (.onnx), with its metadata; the export is reloaded and checked"));
}

void ModelExportPanel::setRun(const QString& runDir, bool canExport) {
  m_runDir = runDir;
  m_canExport = canExport;
  updateButton();
}

void ModelExportPanel::clearMessage() {
  m_lastMessage.clear();
  m_message->clear();
}

QString ModelExportPanel::defaultPath(const QString& runDir, const QString& which) {
  return QDir(runDir).filePath(QStringLiteral("exports/model-%1.pt").arg(which));
}

bool ModelExportPanel::isExporting() const { return m_runner->isBusy(); }

void ModelExportPanel::updateButton() { m_button->setEnabled(m_canExport && !isExporting()); }

void ModelExportPanel::showMessage(const QString& text, bool error) {
  m_lastMessage = text;
  m_message->setText(text);
  m_message->setStyleSheet(error ? QStringLiteral("color: #c80000;") : QString());
}

void ModelExportPanel::chooseAndExport(const QString& which) {
  if (m_runDir.isEmpty()) return;
  const QString suggested = defaultPath(m_runDir, which);
  QDir().mkpath(QFileInfo(suggested).absolutePath());
  // The format follows the file's extension (the engine picks it from the name).
  const QString pt = tr("LibTorch model (*.pt)");
  const QString pth = tr("torchvision weights for PyTorch (*.pth)");
  const QString safetensors = tr("safetensors weights (*.safetensors)");
  const QString onnx = tr("ONNX model (*.onnx)");
  QString filter = pt;
  QString path =
      QFileDialog::getSaveFileName(this, tr("Export model"), suggested,
                                   QStringList{pt, pth, safetensors, onnx}.join(QStringLiteral(";;")),
                                   &filter);
  if (path.isEmpty()) return;
  if (QFileInfo(path).suffix().isEmpty())
    path += filter == pth           ? QStringLiteral(".pth")
            : filter == safetensors ? QStringLiteral(".safetensors")
            : filter == onnx        ? QStringLiteral(".onnx")
                                    : QStringLiteral(".pt");
  exportTo(path, which);
}

void ModelExportPanel::exportTo(const QString& path, const QString& which) {
  if (m_runDir.isEmpty()) {
    showMessage(tr("There is no run to export yet."), true);
    Q_EMIT exportFinished(false);
    return;
  }
  showMessage(tr("Exporting the %1 checkpoint to %2…")
                  .arg(which == QLatin1String("last") ? tr("last") : tr("best"), path),
              false);
  m_button->setEnabled(false);
  const std::string runDir = m_runDir.toStdString();
  m_runner->run<std::string>([runDir, which = which.toStdString(),
                              target =
                                  path.toStdString()] { return ft::api::exportRun(runDir, which, target); },
                             [this, path](const std::string& description) {
                               // The engine's description: architecture, classes, input, file, and how the
                               // reloaded export compared with the checkpoint.
                               showMessage(tr("Exported: %1").arg(QString::fromStdString(description)),
                                           false);
                               Q_EMIT exported(path);
                               Q_EMIT exportFinished(true);
                             },
                             [this](const QString& message) {
                               showMessage(message, true);  // already says what to do
                               Q_EMIT exportFinished(false);
                             });
}

}  // namespace ft::ui
