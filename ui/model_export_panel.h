#pragma once
// The results page's "Export model…" row: asks where (the format follows the extension:
// .pt, .pth, .safetensors, .onnx), exports the chosen checkpoint on a worker thread with the
// engine's verification, and shows the engine's description or its error verbatim.
#include <QString>
#include <QWidget>

class QLabel;
class QPushButton;

namespace ft::ui {

class BackgroundRunner;

class ModelExportPanel : public QWidget {
  Q_OBJECT
 public:
  explicit ModelExportPanel(QWidget* parent = nullptr);
  ~ModelExportPanel() override;  // waits for an export still running

  // The run whose checkpoints are exported; `canExport` once it has a completed epoch.
  void setRun(const QString& runDir, bool canExport);
  void clearMessage();
  // <runDir>/exports/model-<which>.pt
  static QString defaultPath(const QString& runDir, const QString& which);

  // Exports checkpoints/<which>.ckpt to `path` without asking; exportFinished(ok) follows (at
  // once when there is no run).
  void exportTo(const QString& path, const QString& which);
  // Asks for a file, then exports `which` there.
  void chooseAndExport(const QString& which);
  bool isExporting() const;
  QString lastMessage() const { return m_lastMessage; }

  void retranslateUi();

 Q_SIGNALS:
  void exported(const QString& path);
  void exportFinished(bool ok);
  // The export button wants a checkpoint to export: the page answers with chooseAndExport().
  void exportRequested();

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void showMessage(const QString& text, bool error);
  void updateButton();

  QString m_runDir;
  bool m_canExport = false;
  QString m_lastMessage;
  QPushButton* m_button = nullptr;
  QLabel* m_message = nullptr;
  BackgroundRunner* m_runner = nullptr;
};

}  // namespace ft::ui
