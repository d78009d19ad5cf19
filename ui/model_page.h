#pragma once
// Step 2: the network. Architecture, starting weights (random, torchvision's ImageNet weights
// or a weights file: a previous run's export, a .pth or .safetensors state dict),
// input size, and how many parameters train while the backbone is frozen. For ImageNet weights:
// whether the official file is already here, and a download of it now (WeightsDownloadPanel).
#include "wizard_step.h"

class QButtonGroup;
class QComboBox;
class QFormLayout;
class QGroupBox;
class QLabel;
namespace ft::ui {
class ModelCardView;
}
class QLineEdit;
class QPushButton;
class QRadioButton;
class QSpinBox;

namespace ft::ui {

class BackgroundRunner;
class ModelSpeeds;
class WeightsDownloadPanel;

class ModelPage : public WizardStep {
  Q_OBJECT
 public:
  explicit ModelPage(QWidget* parent = nullptr);
  ~ModelPage() override;

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
  bool isDownloading() const;
  bool isCheckingCache() const;
  QString downloadStatusText() const;
  QString downloadErrorText() const;
  void startDownload();
  void cancelDownload();
  // Tests: fetch this file instead of the architecture's official one (a loopback server
  // cannot serve a file matching the official SHA-256).
  void setWeightsFileForTesting(const std::string& fileName, const std::string& sha256Prefix);
  // The training speeds of the architectures on this machine (the card and the gallery).
  ModelSpeeds* speeds() const { return m_speeds; }
  ModelCardView* card() const { return m_card; }

 Q_SIGNALS:
  void described();

 protected:
  void retranslateUi() override;

 private:
  void describe();
  void showSummary();
  void browseWeights();
  void updateWeightsRow();
  void checkCache();
  void followWeights();
  void showSizeNote();
  // An architecture that takes multiples of a size only (ViT: 16 px) steps the spin box by it
  // and rounds the size to it.
  void applyInputMultiple();

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
  QComboBox* m_preprocessing;
  QLabel* m_inputHint;
  QLabel* m_imageNetSizeNote;
  QLabel* m_sizeFollowsNote;
  ModelCardView* m_card;
  ModelSpeeds* m_speeds;
  config::RunConfig m_entered;  // every earlier page's choices, for timing an architecture
  // What the size-follows-the-weights note says (kept to say it again in another language).
  enum class SizeNote { None, SetForWeights, BackWithoutWeights, Multiple } m_sizeNote = SizeNote::None;
  int m_sizeWithoutWeights = 32;  // the size to go back to when ImageNet weights are dropped
  QString m_headName;
  QLabel* m_parameters;
  QLabel* m_headNote;
  BackgroundRunner* m_runner;
  WeightsDownloadPanel* m_downloads;

  QString m_imageNetName = QStringLiteral("imagenet");  // or "imagenet1k_v2" from a loaded file
  int m_classes = 10;
  bool m_describing = false;
  QString m_displayName;
  qint64 m_total = -1;
  qint64 m_trainableFrozen = -1;
  QString m_error;

  bool m_loading = false;          // load() is setting fields, not the user
  bool m_inputSizeEdited = false;  // the user changed the input size by hand
};

}  // namespace ft::ui
