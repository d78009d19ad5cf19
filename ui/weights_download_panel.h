#pragma once
// The model page's row under "ImageNet": is torchvision's official file already on this
// machine (found and hashed on a worker), and if not, a download of it now with progress,
// Cancel and the engine's error verbatim. Optional: the trainer downloads it on start too.
#include <QString>
#include <QWidget>

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "api/weights_api.h"

class QLabel;
class QProgressBar;
class QPushButton;
class QThread;

namespace ft::ui {

class BackgroundRunner;

class WeightsDownloadPanel : public QWidget {
  Q_OBJECT
 public:
  explicit WeightsDownloadPanel(QWidget* parent = nullptr);
  ~WeightsDownloadPanel() override;  // cancels a download and waits for its thread

  // The weights chosen on the page: ImageNet's `weightsName` ("imagenet", "imagenet1k_v2") for
  // `architecture` when `imageNet`, else none (the panel hides). Looks for the file again.
  void check(bool imageNet, const std::string& architecture, const std::string& weightsName);

  bool isDownloading() const { return m_downloadThread != nullptr; }
  bool isCheckingCache() const { return m_checkingCache; }
  QString statusText() const;
  QString errorText() const { return m_errorMessage; }
  void startDownload();
  void cancelDownload();
  // Tests: fetch this file instead of the architecture's official one (a loopback server
  // cannot serve a file matching the official SHA-256).
  void setFileForTesting(const std::string& fileName, const std::string& sha256Prefix);

  void retranslateUi();

 protected:
  void changeEvent(QEvent* event) override;

 private:
  std::optional<api::WeightsFile> chosenFile(QString* error = nullptr) const;
  void checkCache();
  void showState();
  void downloadProgress(qint64 received, qint64 total);
  void downloadFinished(const QString& path, const QString& error, bool cancelled);

  QLabel* m_status;
  QProgressBar* m_progress;
  QPushButton* m_downloadButton;
  QPushButton* m_cancelButton;
  QLabel* m_error;
  BackgroundRunner* m_cacheRunner;

  bool m_imageNet = false;
  std::string m_architecture;
  std::string m_weightsName = "imagenet";
  std::optional<api::WeightsFile> m_testFile;

  enum class CacheState { Unknown, Checking, Cached, Missing, Downloaded, Cancelled };
  CacheState m_cacheState = CacheState::Unknown;
  bool m_checkingCache = false;
  QString m_cachedPath;    // where the verified file is (Cached, Downloaded)
  QString m_errorMessage;  // the engine's message, verbatim
  QString m_downloadingName;
  QThread* m_downloadThread = nullptr;
  std::shared_ptr<std::atomic<bool>> m_cancel;
};

}  // namespace ft::ui
