#pragma once
// Step 3: how to train. The freeze schedule, learning rates, optimizer, learning-rate schedule,
// batches, augmentation and the device. Defaults are RunConfig's, except a quick first run
// (3 epochs, 1 frozen) on the built-in Fashion-MNIST at 32x32 until the user picks otherwise.
#include "wizard_step.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QGroupBox;
class QLabel;
class QSpinBox;

namespace ft::ui {

class RateSpinBox;

class TrainingPage : public WizardStep {
  Q_OBJECT
 public:
  explicit TrainingPage(QWidget* parent = nullptr);

  QString title() const override;
  void load(const config::RunConfig& config) override;
  void store(config::RunConfig& config) const override;
  void enter(const config::RunConfig& config) override;
  // Until the user edits epochs or freeze epochs, enter() suggests them from the data set.
  void setScheduleSuggested(bool suggested) { m_suggestSchedule = suggested; }

 protected:
  void retranslateUi() override;

 private:
  void buildUi();
  void updateRows();
  void describePrecision();
  QString cpuCapability() const;
  QGroupBox* group(QFormLayout*& form);
  void fillDevices();
  void retranslateRecalibration();

  QGroupBox* m_scheduleBox;
  QGroupBox* m_ratesBox;
  QGroupBox* m_optimizerBox;
  QGroupBox* m_lrScheduleBox;
  QGroupBox* m_batchBox;
  QGroupBox* m_deviceBox;
  QFormLayout* m_scheduleForm;
  QFormLayout* m_ratesForm;
  QFormLayout* m_optimizerForm;
  QFormLayout* m_lrScheduleForm;
  QFormLayout* m_batchForm;
  QFormLayout* m_deviceForm;

  QSpinBox* m_epochs;
  QSpinBox* m_freezeEpochs;
  QLabel* m_freezeNote;
  QCheckBox* m_holdBatchNorm;
  QCheckBox* m_featureCache;
  QComboBox* m_recalibrate;  // train.recalibrate_batchnorm: -1 auto, 0 off, images
  RateSpinBox* m_headLr;
  RateSpinBox* m_headLrAfter;
  RateSpinBox* m_backboneLr;
  QComboBox* m_optimizer;
  RateSpinBox* m_weightDecay;
  QDoubleSpinBox* m_momentum;
  QCheckBox* m_nesterov;
  QComboBox* m_scheduler;
  QDoubleSpinBox* m_plateauFactor;
  QSpinBox* m_plateauPatience;
  QSpinBox* m_warmupEpochs;
  RateSpinBox* m_minLr;
  QSpinBox* m_stepSize;
  QDoubleSpinBox* m_stepGamma;
  QSpinBox* m_batchSize;
  QSpinBox* m_evalBatchSize;
  QSpinBox* m_workers;
  QSpinBox* m_cropPadding;
  QCheckBox* m_flip;
  QSpinBox* m_seed;
  QComboBox* m_device;
  QSpinBox* m_threads;
  QLabel* m_cudaNote;
  QComboBox* m_precision;
  QLabel* m_precisionNote;
  QCheckBox* m_validateFloat32;

  QString m_cudaReason;
  bool m_suggestSchedule = true;
  bool m_settingSchedule = false;
};

}  // namespace ft::ui
