#include "training_page.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QLabel>
#include <QScrollArea>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QVBoxLayout>

#include "api/studio_api.h"
#include "rate_spin_box.h"
#include "studio_settings.h"

namespace ft::ui {
namespace {

void selectData(QComboBox* combo, const std::string& value) {
  const int index = combo->findData(QString::fromStdString(value));
  combo->setCurrentIndex(index < 0 ? 0 : index);
}

template <class Box>
Box* named(Box* box, const char* name) {
  box->setObjectName(QLatin1String(name));
  return box;
}

QSpinBox* spinBox(QWidget* parent, const char* name, int minimum, int maximum) {
  auto* box = named(new QSpinBox(parent), name);
  box->setRange(minimum, maximum);
  return box;
}

QDoubleSpinBox* fractionBox(QWidget* parent, const char* name, double minimum, double maximum) {
  auto* box = named(new QDoubleSpinBox(parent), name);
  box->setRange(minimum, maximum);
  box->setDecimals(3);
  box->setSingleStep(0.05);
  return box;
}

// A quick first run: the built-in set at CIFAR size trains in minutes, not hours.
bool quickFirstRun(const config::RunConfig& config) {
  return settings::isBuiltInData(QString::fromStdString(config.data.path)) &&
         config.transform.inputSize == 32;
}

}  // namespace

TrainingPage::TrainingPage(QWidget* parent) : WizardStep(parent) {
  buildUi();
  fillDevices();
  retranslateUi();
  load(config::RunConfig{});
  m_suggestSchedule = true;
}

QGroupBox* TrainingPage::group(QFormLayout*& form) {
  auto* box = new QGroupBox(this);
  form = new QFormLayout(box);
  form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  return box;
}

void TrainingPage::buildUi() {
  m_scheduleBox = group(m_scheduleForm);
  m_epochs = spinBox(this, "epochs", 1, 100000);
  m_freezeEpochs = spinBox(this, "freezeEpochs", 0, 100000);
  m_freezeNote = new QLabel(this);
  m_freezeNote->setWordWrap(true);
  m_holdBatchNorm = named(new QCheckBox(this), "holdBatchNorm");
  m_featureCache = named(new QCheckBox(this), "featureCache");
  m_recalibrate = named(new QComboBox(this), "recalibrateBatchNorm");
  for (int images : {-1, 0, 512, 2048}) m_recalibrate->addItem(QString(), images);
  addFormRow(m_scheduleForm, m_epochs);
  addFormRow(m_scheduleForm, m_freezeEpochs);
  m_scheduleForm->addRow(m_freezeNote);
  m_scheduleForm->addRow(m_holdBatchNorm);
  m_scheduleForm->addRow(m_featureCache);
  addFormRow(m_scheduleForm, m_recalibrate);

  m_ratesBox = group(m_ratesForm);
  m_headLr = named(new RateSpinBox(this), "headLr");
  m_headLrAfter = named(new RateSpinBox(this), "headLrAfterUnfreeze");
  m_backboneLr = named(new RateSpinBox(this), "backboneLr");
  addFormRow(m_ratesForm, m_headLr);
  addFormRow(m_ratesForm, m_headLrAfter);
  addFormRow(m_ratesForm, m_backboneLr);

  m_optimizerBox = group(m_optimizerForm);
  m_optimizer = named(new QComboBox(this), "optimizer");
  m_optimizer->addItem(QStringLiteral("Adam"), QStringLiteral("adam"));
  m_optimizer->addItem(QStringLiteral("AdamW"), QStringLiteral("adamw"));
  m_optimizer->addItem(QStringLiteral("SGD"), QStringLiteral("sgd"));
  m_weightDecay = named(new RateSpinBox(this, 0.0, 1.0), "weightDecay");
  m_momentum = fractionBox(this, "momentum", 0.0, 0.9999);
  m_nesterov = named(new QCheckBox(this), "nesterov");
  addFormRow(m_optimizerForm, m_optimizer);
  addFormRow(m_optimizerForm, m_weightDecay);
  addFormRow(m_optimizerForm, m_momentum);
  addFormRow(m_optimizerForm, m_nesterov);

  m_lrScheduleBox = group(m_lrScheduleForm);
  m_scheduler = named(new QComboBox(this), "scheduler");
  for (const char* id : {"plateau", "cosine", "step", "none"})
    m_scheduler->addItem(QString(), QLatin1String(id));
  m_plateauFactor = fractionBox(this, "plateauFactor", 0.0001, 0.9999);
  m_plateauPatience = spinBox(this, "plateauPatience", 0, 1000);
  m_warmupEpochs = spinBox(this, "warmupEpochs", 0, 100000);
  m_minLr = named(new RateSpinBox(this, 0.0, 1.0), "minLr");
  m_stepSize = spinBox(this, "stepSize", 1, 100000);
  m_stepGamma = fractionBox(this, "stepGamma", 0.0001, 1.0);
  addFormRow(m_lrScheduleForm, m_scheduler);
  addFormRow(m_lrScheduleForm, m_plateauFactor);
  addFormRow(m_lrScheduleForm, m_plateauPatience);
  addFormRow(m_lrScheduleForm, m_warmupEpochs);
  addFormRow(m_lrScheduleForm, m_minLr);
  addFormRow(m_lrScheduleForm, m_stepSize);
  addFormRow(m_lrScheduleForm, m_stepGamma);

  m_batchBox = group(m_batchForm);
  m_batchSize = spinBox(this, "batchSize", 1, 65536);
  m_evalBatchSize = spinBox(this, "evalBatchSize", 1, 65536);
  m_workers = spinBox(this, "loaderWorkers", 0, 256);
  m_cropPadding = spinBox(this, "cropPadding", 0, 64);
  m_cropPadding->setSuffix(QStringLiteral(" px"));
  m_flip = named(new QCheckBox(this), "horizontalFlip");
  m_seed = spinBox(this, "seed", 0, 2147483647);
  addFormRow(m_batchForm, m_batchSize);
  addFormRow(m_batchForm, m_evalBatchSize);
  addFormRow(m_batchForm, m_workers);
  addFormRow(m_batchForm, m_cropPadding);
  m_batchForm->addRow(m_flip);
  addFormRow(m_batchForm, m_seed);

  m_deviceBox = group(m_deviceForm);
  m_device = named(new QComboBox(this), "device");
  m_threads = spinBox(this, "threads", 1, 1024);
  m_cudaNote = named(new QLabel(this), "cudaNote");
  m_cudaNote->setWordWrap(true);
  m_cudaNote->setStyleSheet(QStringLiteral("color: #666666;"));
  m_precision = named(new QComboBox(this), "precision");
  for (const char* id : {"auto", "float32", "bfloat16", "float16"})
    m_precision->addItem(QString(), QLatin1String(id));
  m_precisionNote = named(new QLabel(this), "precisionNote");
  m_precisionNote->setWordWrap(true);
  m_precisionNote->setStyleSheet(QStringLiteral("color: #666666;"));
  m_validateFloat32 = named(new QCheckBox(this), "validateFloat32");
  addFormRow(m_deviceForm, m_device);
  addFormRow(m_deviceForm, m_threads);
  m_deviceForm->addRow(m_cudaNote);
  addFormRow(m_deviceForm, m_precision);
  m_deviceForm->addRow(m_precisionNote);
  m_deviceForm->addRow(m_validateFloat32);

  auto* content = new QWidget(this);
  auto* grid = new QGridLayout(content);
  grid->addWidget(m_scheduleBox, 0, 0);
  grid->addWidget(m_ratesBox, 1, 0);
  grid->addWidget(m_optimizerBox, 0, 1);
  grid->addWidget(m_lrScheduleBox, 1, 1);
  grid->addWidget(m_batchBox, 0, 2);
  grid->addWidget(m_deviceBox, 1, 2);
  for (int column = 0; column < 3; ++column) grid->setColumnStretch(column, 1);
  grid->setRowStretch(2, 1);
  auto* scroll = new QScrollArea(this);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setWidget(content);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(scroll);

  connect(m_epochs, qOverload<int>(&QSpinBox::valueChanged), this, [this](int epochs) {
    m_freezeEpochs->setMaximum(epochs);
    m_warmupEpochs->setMaximum(epochs);
    if (!m_settingSchedule) m_suggestSchedule = false;
  });
  connect(m_freezeEpochs, qOverload<int>(&QSpinBox::valueChanged), this, [this] {
    if (!m_settingSchedule) m_suggestSchedule = false;
    updateRows();
  });
  // The cache needs BatchNorm held: unticking "Hold BatchNorm" unticks the cache.
  connect(m_holdBatchNorm, &QCheckBox::toggled, this, [this](bool held) {
    if (!held) m_featureCache->setChecked(false);
    updateRows();
  });
  connect(m_optimizer, qOverload<int>(&QComboBox::currentIndexChanged), this, &TrainingPage::updateRows);
  connect(m_scheduler, qOverload<int>(&QComboBox::currentIndexChanged), this, &TrainingPage::updateRows);
  connect(m_device, qOverload<int>(&QComboBox::currentIndexChanged), this, &TrainingPage::updateRows);
  connect(m_precision, qOverload<int>(&QComboBox::currentIndexChanged), this,
          &TrainingPage::describePrecision);
}

void TrainingPage::fillDevices() {
  const auto report = api::devices();
  for (const auto& device : report.devices)
    m_device->addItem(QString::fromStdString(device.description), QString::fromStdString(device.id));
  m_cudaReason = QString::fromStdString(report.cudaUnavailableReason);
}

QString TrainingPage::title() const { return tr("Training"); }

void TrainingPage::load(const config::RunConfig& config) {
  m_settingSchedule = true;
  const auto& t = config.train;
  m_epochs->setValue(t.epochs);
  m_freezeEpochs->setMaximum(t.epochs);
  m_freezeEpochs->setValue(t.freezeEpochs);
  m_holdBatchNorm->setChecked(t.freezeBatchNorm);
  m_featureCache->setChecked(t.featureCache && t.freezeBatchNorm);
  // A count the list does not offer (from a config file) joins it.
  if (m_recalibrate->findData(t.recalibrateBatchNorm) < 0) {
    m_recalibrate->addItem(QString(), t.recalibrateBatchNorm);
    retranslateRecalibration();
  }
  m_recalibrate->setCurrentIndex(m_recalibrate->findData(t.recalibrateBatchNorm));
  selectData(m_precision, t.precision);
  m_validateFloat32->setChecked(t.validationPrecision == "float32");
  m_settingSchedule = false;
  m_suggestSchedule = false;  // a loaded configuration keeps its schedule

  const auto& o = config.optim;
  m_headLr->setValue(o.headLr);
  m_headLrAfter->setValue(o.headLrAfterUnfreeze);
  m_backboneLr->setValue(o.backboneLr);
  selectData(m_optimizer, o.optimizer);
  m_weightDecay->setValue(o.weightDecay);
  m_momentum->setValue(o.momentum);
  m_nesterov->setChecked(o.nesterov);
  selectData(m_scheduler, o.scheduler);
  m_plateauFactor->setValue(o.plateauFactor);
  m_plateauPatience->setValue(o.plateauPatience);
  m_warmupEpochs->setValue(o.warmupEpochs);
  m_minLr->setValue(o.minLr);
  m_stepSize->setValue(o.stepSize);
  m_stepGamma->setValue(o.stepGamma);

  m_batchSize->setValue(t.batchSize);
  m_evalBatchSize->setValue(t.evalBatchSize);
  m_workers->setValue(t.workers);
  m_seed->setValue(int(std::min<std::uint64_t>(t.seed, std::uint64_t(m_seed->maximum()))));
  m_cropPadding->setValue(config.transform.cropPadding);
  m_flip->setChecked(config.transform.horizontalFlip);

  int device = m_device->findData(QString::fromStdString(config.device.device));
  if (device < 0 && config.device.device == "cuda") device = m_device->count() > 1 ? 1 : 0;
  m_device->setCurrentIndex(device < 0 ? 0 : device);
  m_threads->setValue(config.device.threads > 0 ? config.device.threads : api::machineCores());
  updateRows();
}

void TrainingPage::store(config::RunConfig& config) const {
  auto& t = config.train;
  t.epochs = m_epochs->value();
  t.freezeEpochs = m_freezeEpochs->value();
  t.freezeBatchNorm = m_holdBatchNorm->isChecked();
  t.featureCache = m_featureCache->isChecked() && t.freezeBatchNorm;
  t.recalibrateBatchNorm = m_recalibrate->currentData().toInt();
  t.precision = m_precision->currentData().toString().toStdString();
  t.validationPrecision = m_validateFloat32->isChecked() ? "float32" : "training";
  t.batchSize = m_batchSize->value();
  t.evalBatchSize = m_evalBatchSize->value();
  t.workers = m_workers->value();
  t.seed = std::uint64_t(m_seed->value());
  auto& o = config.optim;
  o.headLr = m_headLr->value();
  o.headLrAfterUnfreeze = m_headLrAfter->value();
  o.backboneLr = m_backboneLr->value();
  o.optimizer = m_optimizer->currentData().toString().toStdString();
  o.weightDecay = m_weightDecay->value();
  o.momentum = m_momentum->value();
  o.nesterov = m_nesterov->isChecked();
  o.scheduler = m_scheduler->currentData().toString().toStdString();
  o.plateauFactor = m_plateauFactor->value();
  o.plateauPatience = m_plateauPatience->value();
  o.warmupEpochs = m_warmupEpochs->value();
  o.minLr = m_minLr->value();
  o.stepSize = m_stepSize->value();
  o.stepGamma = m_stepGamma->value();
  config.transform.cropPadding = m_cropPadding->value();
  config.transform.horizontalFlip = m_flip->isChecked();
  config.device.device = m_device->currentData().toString().toStdString();
  config.device.threads = m_threads->value();
}

void TrainingPage::enter(const config::RunConfig& config) {
  if (!m_suggestSchedule) return;
  const config::RunConfig defaults;
  const bool quick = quickFirstRun(config);
  m_settingSchedule = true;
  m_epochs->setValue(quick ? 3 : defaults.train.epochs);
  m_freezeEpochs->setValue(quick ? 1 : defaults.train.freezeEpochs);
  m_settingSchedule = false;
}

void TrainingPage::updateRows() {
  const QString optimizer = m_optimizer->currentData().toString();
  const bool sgd = optimizer == QLatin1String("sgd");
  m_optimizerForm->setRowVisible(m_momentum, sgd);
  m_optimizerForm->setRowVisible(m_nesterov, sgd);
  const QString scheduler = m_scheduler->currentData().toString();
  const bool plateau = scheduler == QLatin1String("plateau");
  const bool cosine = scheduler == QLatin1String("cosine");
  const bool step = scheduler == QLatin1String("step");
  m_lrScheduleForm->setRowVisible(m_plateauFactor, plateau);
  m_lrScheduleForm->setRowVisible(m_plateauPatience, plateau);
  m_lrScheduleForm->setRowVisible(m_warmupEpochs, cosine);
  m_lrScheduleForm->setRowVisible(m_minLr, cosine);
  m_lrScheduleForm->setRowVisible(m_stepSize, step);
  m_lrScheduleForm->setRowVisible(m_stepGamma, step);
  m_scheduler->setToolTip(m_scheduler->currentData(Qt::ToolTipRole).toString());
  const bool cpu = m_device->currentData().toString() == QLatin1String("cpu");
  m_threads->setEnabled(cpu);
  const bool freezes = m_freezeEpochs->value() > 0;
  m_holdBatchNorm->setEnabled(freezes);
  m_featureCache->setEnabled(freezes && m_holdBatchNorm->isChecked());
  // float16 is for CUDA devices (LibTorch's CPU kernels have none): not offered on the CPU.
  if (auto* items = qobject_cast<QStandardItemModel*>(m_precision->model())) items->item(3)->setEnabled(!cpu);
  if (cpu && m_precision->currentData().toString() == QLatin1String("float16"))
    m_precision->setCurrentIndex(0);
  describePrecision();
}

// The automatic choice for the selected device, and one line on what the selection does.
void TrainingPage::describePrecision() {
  const bool cpu = m_device->currentData().toString() == QLatin1String("cpu");
  const auto& features = api::cpuFeatures();
  const QString automatic = !cpu ? tr("float16") : features.nativeBf16() ? tr("bfloat16") : tr("float32");
  m_precision->setItemText(0, tr("Auto (%1)").arg(automatic));
  QString id = m_precision->currentData().toString();
  if (id == QLatin1String("auto"))
    id = !cpu                    ? QStringLiteral("float16")
         : features.nativeBf16() ? QStringLiteral("bfloat16")
                                 : QStringLiteral("float32");
  QString note;
  if (id == QLatin1String("float32"))
    note = tr("Every operation in float32: the reference, and the slowest.");
  else if (id == QLatin1String("float16"))
    note = tr("Mixed precision for NVIDIA GPUs, with dynamic loss scaling; weights and checkpoints "
              "stay float32.");
  else if (cpu && !features.nativeBf16())
    note = tr("This CPU has no native bfloat16: it would be emulated, slower than float32.");
  else
    note = tr("Mixed precision: convolutions run in bfloat16 (%1), weights and checkpoints stay "
              "float32; accuracy close to float32's.")
               .arg(cpu ? cpuCapability() : tr("GPU"));
  m_precisionNote->setText(note);
}

void TrainingPage::retranslateRecalibration() {
  for (int i = 0; i < m_recalibrate->count(); ++i) {
    const int images = m_recalibrate->itemData(i).toInt();
    m_recalibrate->setItemText(i, images < 0    ? tr("Automatic (MobileNetV3: from 512 images)")
                                  : images == 0 ? tr("Never")
                                                : tr("From %1 training images").arg(images));
  }
}

QString TrainingPage::cpuCapability() const {
  const auto& features = api::cpuFeatures();
  if (features.amx()) return tr("AMX");
  if (features.avx512Bf16) return tr("AVX512-BF16");
  return tr("no native bfloat16");
}

void TrainingPage::retranslateUi() {
  m_scheduleBox->setTitle(tr("Freeze schedule"));
  setFormLabel(m_scheduleForm, m_epochs, tr("Epochs:"));
  setFormLabel(m_scheduleForm, m_freezeEpochs, tr("Frozen epochs:"));
  m_freezeNote->setText(tr("Freezing trains only the new head for the first epochs, keeping the "
                           "pretrained features; then the whole network is fine-tuned."));
  m_holdBatchNorm->setText(tr("Hold BatchNorm statistics while frozen"));
  m_featureCache->setText(tr("Compute the frozen backbone's outputs once"));
  m_featureCache->setToolTip(
      tr("Frozen epochs after the first then train only the head, many times faster. Needs BatchNorm "
         "held; frozen epochs see the images without augmentation."));
  setFormLabel(m_scheduleForm, m_recalibrate, tr("Recalibrate BatchNorm:"));
  m_recalibrate->setToolTip(
      tr("Before each validation, re-estimate the BatchNorm statistics from training images with "
         "the weights as they are now. Models with a slow BatchNorm momentum (MobileNetV3) "
         "otherwise validate with statistics of older weights after a short fine-tune."));
  retranslateRecalibration();

  m_ratesBox->setTitle(tr("Learning rates"));
  setFormLabel(m_ratesForm, m_headLr, tr("Head (while frozen):"));
  setFormLabel(m_ratesForm, m_headLrAfter, tr("Head after unfreezing:"));
  setFormLabel(m_ratesForm, m_backboneLr, tr("Backbone after unfreezing:"));

  m_optimizerBox->setTitle(tr("Optimizer"));
  setFormLabel(m_optimizerForm, m_optimizer, tr("Optimizer:"));
  setFormLabel(m_optimizerForm, m_weightDecay, tr("Weight decay:"));
  setFormLabel(m_optimizerForm, m_momentum, tr("Momentum:"));
  m_nesterov->setText(tr("Nesterov momentum"));

  m_lrScheduleBox->setTitle(tr("Learning-rate schedule"));
  setFormLabel(m_lrScheduleForm, m_scheduler, tr("Schedule:"));
  // Short names in the combo box, what each does in its tooltip.
  const QString schedules[][2] = {
      {tr("Reduce on plateau"),
       tr("Multiply the rates by the reduction factor when the validation loss has not improved "
          "for more epochs than the patience")},
      {tr("Cosine annealing"),
       tr("Lower the rates along a half cosine to the minimum rate at the end of the run, after "
          "an optional linear warm-up")},
      {tr("Step decay"), tr("Multiply the rates by the decay factor every few epochs")},
      {tr("Constant"), tr("Keep the learning rates as set, without any decay")},
  };
  for (int i = 0; i < m_scheduler->count() && i < 4; ++i) {
    m_scheduler->setItemText(i, schedules[i][0]);
    m_scheduler->setItemData(i, schedules[i][1], Qt::ToolTipRole);
  }
  m_scheduler->setToolTip(m_scheduler->currentData(Qt::ToolTipRole).toString());
  setFormLabel(m_lrScheduleForm, m_plateauFactor, tr("Reduction factor:"));
  setFormLabel(m_lrScheduleForm, m_plateauPatience, tr("Patience (epochs):"));
  setFormLabel(m_lrScheduleForm, m_warmupEpochs, tr("Warm-up epochs:"));
  setFormLabel(m_lrScheduleForm, m_minLr, tr("Minimum rate:"));
  setFormLabel(m_lrScheduleForm, m_stepSize, tr("Decay every (epochs):"));
  setFormLabel(m_lrScheduleForm, m_stepGamma, tr("Decay factor:"));

  m_batchBox->setTitle(tr("Batches and augmentation"));
  setFormLabel(m_batchForm, m_batchSize, tr("Batch size:"));
  setFormLabel(m_batchForm, m_evalBatchSize, tr("Evaluation batch size:"));
  setFormLabel(m_batchForm, m_workers, tr("Data loader threads:"));
  setFormLabel(m_batchForm, m_cropPadding, tr("Random crop padding:"));
  m_cropPadding->setSpecialValueText(tr("Off"));
  m_flip->setText(tr("Random horizontal flip"));
  setFormLabel(m_batchForm, m_seed, tr("Random seed:"));

  m_deviceBox->setTitle(tr("Device"));
  setFormLabel(m_deviceForm, m_device, tr("Train on:"));
  setFormLabel(m_deviceForm, m_threads, tr("CPU threads:"));
  if (m_device->count() > 0)
    m_device->setItemText(0, tr("CPU (%n cores, %1)", nullptr, api::machineCores()).arg(cpuCapability()));
  setFormLabel(m_deviceForm, m_precision, tr("Precision:"));
  m_precision->setItemText(1, tr("float32"));
  m_precision->setItemText(2, tr("bfloat16"));
  m_precision->setItemText(3, tr("float16 (GPU)"));
  m_precision->setToolTip(
      tr("The arithmetic of training in every phase. bfloat16 is mixed precision for CPUs with AMX "
         "or AVX512-BF16 (several times faster with AMX), float16 for NVIDIA GPUs. Auto picks what "
         "this machine runs fastest."));
  m_validateFloat32->setText(tr("Validate in float32"));
  m_validateFloat32->setToolTip(
      tr("Validation passes run in the training precision unless checked; every accuracy shown says "
         "which precision produced it."));
  describePrecision();
  QString reason = m_cudaReason;
  if (reason.contains(QLatin1String("without CUDA")))
    reason = tr("this LibTorch has no CUDA support (the Debian package is CPU-only); a build "
                "against an official CUDA LibTorch can train on a GPU.");
  else if (reason.contains(QLatin1String("no CUDA device")))
    reason = tr("LibTorch supports CUDA but found no GPU; check the NVIDIA driver (nvidia-smi).");
  m_cudaNote->setText(reason.isEmpty() ? QString() : tr("No GPU: %1").arg(reason));
  m_cudaNote->setVisible(!reason.isEmpty());
}

}  // namespace ft::ui
