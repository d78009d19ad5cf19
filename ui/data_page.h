#pragma once
// Step 1: which images to train on. Any change re-scans the data set (debounced, on a
// background thread) and shows its classes, samples and warnings; Next waits for a good scan.
#include <QTimer>
#include <vector>

#include "wizard_step.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QGroupBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace ft::ui {

class BackgroundRunner;
class DataPreviewView;

class DataPage : public WizardStep {
  Q_OBJECT
 public:
  explicit DataPage(QWidget* parent = nullptr);

  QString title() const override;
  bool isComplete() const override;
  void load(const config::RunConfig& config) override;
  void store(config::RunConfig& config) const override;

  int classCount() const { return int(m_classNames.size()); }
  bool isScanning() const { return m_scanning || m_debounce.isActive(); }
  QString errorText() const;  // the last scan's error, empty when it succeeded

 Q_SIGNALS:
  void scanFinished(bool ok);

 protected:
  void retranslateUi() override;

 private:
  void buildUi();
  void settingsChanged();
  void scan();
  void updateVisibility();
  void showStatus();
  void browseData();
  void browseValidation();
  config::DataConfig dataConfig() const;
  static QString formatName(const QString& description);

  enum class State { Idle, Scanning, Ready, Failed };

  QGroupBox* m_dataBox;
  QGroupBox* m_validationBox;
  QGroupBox* m_previewBox;
  QFormLayout* m_dataForm;
  QFormLayout* m_validationForm;
  QComboBox* m_format;
  QLineEdit* m_path;
  QPushButton* m_browse;
  QPushButton* m_builtIn;
  QCheckBox* m_grayscale;
  QCheckBox* m_verifyImages;
  QComboBox* m_validation;
  QLineEdit* m_validationPath;
  QPushButton* m_validationBrowse;
  QWidget* m_validationPathRow;
  QDoubleSpinBox* m_validationPercent;
  QSpinBox* m_trainLimit;
  QSpinBox* m_validationLimit;
  QLabel* m_limitsHint;
  QLabel* m_status;
  DataPreviewView* m_preview;
  BackgroundRunner* m_runner;
  QTimer m_debounce;

  State m_state = State::Idle;
  bool m_scanning = false;
  QString m_error;
  QString m_description;
  std::vector<std::string> m_classNames;
  std::uint64_t m_seed = 42;
  bool m_loading = false;
};

}  // namespace ft::ui
