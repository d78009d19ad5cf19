#pragma once
// Step 2: the network. Architecture, starting weights (random, torchvision's ImageNet weights
// or a weights file: a previous run's export, a .pth or .safetensors state dict),
// input size, and how many parameters train while the backbone is frozen. For ImageNet weights:
// whether the official file is already here, and a download of it now, with progress and Cancel.
#include <atomic>
#include <memory>
#include <optional>

#include "api/weights_api.h"
#include "wizard_step.h"

class QButtonGroup;
class QProgressBar;
class QThread;
class QComboBox;
class QFormLayout;
class QGroupBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QRadioButton;
class QSpinBox;

namespace ft::ui {

class BackgroundRunner;

class ModelPage : public WizardStep {
  Q_OBJECT
 public:
  explicit ModelPage(QWidget* parent = nullptr);
  ~ModelPage() override;  // cancels a download and waits for its thread

  QString title() const override;
  bool isComplete() const override;
  void load(const config::RunConfig& config) override;
  void store(config::RunConfig& config) const override;
  void enter(const config::RunConfig& config) override;

  // Class count of the chosen data set, for the head's size (set by the wizard).
  void setClassCount(int classes);
  bool isDescribing() const { return m_describing; }

  // ImageNet weights: is the official file here, and a download of it now (optional: the
  // trainer downloads it on start too).
  bool isDownloading() const { return m_downloadThread != nullptr; }
  bool isCheckingCache() const { return m_checkingCache; }
  QString downloadStatusText() const;
  QString downloadErrorText() const;
  void startDownload();
  void cancelDownload();
  // Tests: fetch this file instead of the architecture's official one (a loopback server
  // cannot serve a file matching the official SHA-256).
  void setWeightsFileForTesting(const std::string& fileName, const std::string& sha256Prefix);

 Q_SIGNALS:
  void described();

 protected:
  void retranslateUi() override;

 private:
  void describe();
  void showSummary();
  void browseWeights();
  void updateWeightsRow();
  std::optional<api::WeightsFile> chosenWeightsFile(QString* error = nullptr) const;
  void checkCache();
  void showDownloadState();
  void downloadProgress(qint64 received, qint64 total);
  void downloadFinished(const QString& path, const QString& error, bool cancelled);

  QGroupBox* m_networkBox;
  QGroupBox* m_sizeBox;
  QFormLayout* m_networkForm;
  QFormLayout* m_sizeForm;
  QComboBox* m_architecture;
  QRadioButton* m_randomInit;
  QRadioButton* m_imageNet;
  QRadioButton* m_fromFile;
  QButtonGroup* m_weightsGroup;
  QLineEdit* m_weightsPath;
  QPushButton* m_weightsBrowse;
  QLabel* m_weightsHint;
  QSpinBox* m_inputSize;
  QComboBox* m_normalization;
  QLabel* m_inputHint;
  QLabel* m_imageNetSizeNote;
  QLabel* m_parameters;
  QLabel* m_headNote;
  BackgroundRunner* m_runner;
  BackgroundRunner* m_cacheRunner;
  QLabel* m_downloadStatus;
  QProgressBar* m_downloadProgress;
  QPushButton* m_downloadButton;
  QPushButton* m_cancelButton;
  QLabel* m_downloadError;

  QString m_imageNetName = QStringLiteral("imagenet");  // or "imagenet1k_v2" from a loaded file
  int m_classes = 10;
  bool m_describing = false;
  QString m_displayName;
  qint64 m_total = -1;
  qint64 m_trainableFrozen = -1;
  QString m_error;

  enum class CacheState { Unknown, Checking, Cached, Missing, Downloaded, Cancelled };
  CacheState m_cacheState = CacheState::Unknown;
  bool m_checkingCache = false;
  QString m_cachedPath;      // where the verified file is (Cached, Downloaded)
  QString m_downloadErrorMessage;  // the engine's message, verbatim
  QString m_downloadingName;
  QThread* m_downloadThread = nullptr;
  std::shared_ptr<std::atomic<bool>> m_cancel;
  std::optional<api::WeightsFile> m_testFile;
  bool m_loading = false;            // load() is setting fields, not the user
  bool m_inputSizeEdited = false;    // the user changed the input size by hand
};

}  // namespace ft::ui
