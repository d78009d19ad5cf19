#pragma once
// Step 2: the network. Architecture, starting weights (random, torchvision's ImageNet weights
// or a weights file: a previous run's export, a .pth or .safetensors state dict),
// input size, and how many parameters train while the backbone is frozen.
#include "wizard_step.h"

class QButtonGroup;
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

  QString title() const override;
  bool isComplete() const override;
  void load(const config::RunConfig& config) override;
  void store(config::RunConfig& config) const override;
  void enter(const config::RunConfig& config) override;

  // Class count of the chosen data set, for the head's size (set by the wizard).
  void setClassCount(int classes);
  bool isDescribing() const { return m_describing; }

 Q_SIGNALS:
  void described();

 protected:
  void retranslateUi() override;

 private:
  void describe();
  void showSummary();
  void browseWeights();
  void updateWeightsRow();

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

  QString m_imageNetName = QStringLiteral("imagenet");  // or "imagenet1k_v2" from a loaded file
  int m_classes = 10;
  bool m_describing = false;
  QString m_displayName;
  qint64 m_total = -1;
  qint64 m_trainableFrozen = -1;
  QString m_error;
};

}  // namespace ft::ui
