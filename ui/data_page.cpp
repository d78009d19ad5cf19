#include "data_page.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include "api/studio_api.h"
#include "background_runner.h"
#include "data_preview_view.h"
#include "studio_settings.h"

namespace ft::ui {
namespace {

constexpr int kSampleCount = 30;
constexpr int kDebounceMs = 400;

void selectData(QComboBox* combo, const std::string& value) {
  const int index = combo->findData(QString::fromStdString(value));
  combo->setCurrentIndex(index < 0 ? 0 : index);
}

QSpinBox* limitSpinBox(QWidget* parent, const char* name) {
  auto* box = new QSpinBox(parent);
  box->setObjectName(QLatin1String(name));
  box->setRange(0, 100000000);
  box->setSingleStep(1000);
  box->setGroupSeparatorShown(true);
  return box;
}

}  // namespace

// The engine describes what it found in English ("Fashion-MNIST IDX at /path (train): ...");
// the page names the format in the user's language and keeps the full text as a tooltip.
QString DataPage::formatName(const QString& description) {
  const int idx = description.indexOf(QLatin1String(" IDX at "));
  if (idx > 0) return tr("%1 in IDX format").arg(description.left(idx));
  if (description.startsWith(QLatin1String("CIFAR-10 binary"))) return tr("CIFAR-10 in binary format");
  if (description.startsWith(QLatin1String("image folder")))
    return tr("an image folder with one subfolder per class");
  return description.section(QLatin1Char(':'), 0, 0);
}

DataPage::DataPage(QWidget* parent) : WizardStep(parent) {
  m_runner = new BackgroundRunner(this);
  m_debounce.setSingleShot(true);
  m_debounce.setInterval(kDebounceMs);
  connect(&m_debounce, &QTimer::timeout, this, &DataPage::scan);
  buildUi();
  retranslateUi();
  updateVisibility();
}

void DataPage::buildUi() {
  m_format = new QComboBox(this);
  m_format->setObjectName(QStringLiteral("dataFormat"));
  for (const char* id : {"auto", "idx", "cifar10", "folder"}) m_format->addItem(QString(), QLatin1String(id));
  m_path = new QLineEdit(this);
  m_path->setObjectName(QStringLiteral("dataPath"));
  m_browse = new QPushButton(this);
  m_builtIn = new QPushButton(this);
  m_builtIn->setObjectName(QStringLiteral("useBuiltInData"));
  m_builtIn->setEnabled(settings::builtInDataInstalled());
  auto* pathRow = new QWidget(this);
  auto* pathLayout = new QHBoxLayout(pathRow);
  pathLayout->setContentsMargins(0, 0, 0, 0);
  pathLayout->addWidget(m_path, 1);
  pathLayout->addWidget(m_browse);
  m_grayscale = new QCheckBox(this);
  m_grayscale->setObjectName(QStringLiteral("dataGrayscale"));
  m_verifyImages = new QCheckBox(this);
  m_verifyImages->setObjectName(QStringLiteral("dataVerifyImages"));
  m_trainLimit = limitSpinBox(this, "trainLimit");
  m_validationLimit = limitSpinBox(this, "validationLimit");
  m_limitsHint = new QLabel(this);
  m_limitsHint->setWordWrap(true);

  m_dataBox = new QGroupBox(this);
  m_dataForm = new QFormLayout(m_dataBox);
  addFormRow(m_dataForm, m_format);
  addFormRow(m_dataForm, pathRow);
  auto* builtInRow = new QHBoxLayout;
  builtInRow->addWidget(m_builtIn);
  builtInRow->addStretch(1);
  m_dataForm->addRow(QString(), builtInRow);
  addFormRow(m_dataForm, m_grayscale);
  addFormRow(m_dataForm, m_verifyImages);

  m_validation = new QComboBox(this);
  m_validation->setObjectName(QStringLiteral("validationMode"));
  for (const char* id : {"test_split", "folder", "split"})
    m_validation->addItem(QString(), QLatin1String(id));
  m_validationPath = new QLineEdit(this);
  m_validationPath->setObjectName(QStringLiteral("validationPath"));
  m_validationBrowse = new QPushButton(this);
  m_validationPathRow = new QWidget(this);
  auto* validationPathLayout = new QHBoxLayout(m_validationPathRow);
  validationPathLayout->setContentsMargins(0, 0, 0, 0);
  validationPathLayout->addWidget(m_validationPath, 1);
  validationPathLayout->addWidget(m_validationBrowse);
  m_validationPercent = new QDoubleSpinBox(this);
  m_validationPercent->setObjectName(QStringLiteral("validationPercent"));
  m_validationPercent->setRange(0.1, 90.0);
  m_validationPercent->setDecimals(1);
  m_validationPercent->setSuffix(QStringLiteral(" %"));

  m_validationBox = new QGroupBox(this);
  m_validationForm = new QFormLayout(m_validationBox);
  addFormRow(m_validationForm, m_validation);
  addFormRow(m_validationForm, m_validationPathRow);
  addFormRow(m_validationForm, m_validationPercent);
  addFormRow(m_validationForm, m_trainLimit);
  addFormRow(m_validationForm, m_validationLimit);
  m_validationForm->addRow(m_limitsHint);

  m_status = new QLabel(this);
  m_status->setObjectName(QStringLiteral("dataStatus"));
  m_status->setWordWrap(true);
  m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_preview = new DataPreviewView(this);
  m_previewBox = new QGroupBox(this);
  auto* previewLayout = new QVBoxLayout(m_previewBox);
  previewLayout->addWidget(m_status);
  previewLayout->addWidget(m_preview, 1);

  auto* top = new QHBoxLayout;
  top->addWidget(m_dataBox, 3);
  top->addWidget(m_validationBox, 2);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(m_previewBox, 1);

  const auto changed = [this] { settingsChanged(); };
  connect(m_format, qOverload<int>(&QComboBox::currentIndexChanged), this, changed);
  connect(m_path, &QLineEdit::textChanged, this, changed);
  connect(m_grayscale, &QCheckBox::toggled, this, changed);
  connect(m_verifyImages, &QCheckBox::toggled, this, changed);
  connect(m_validation, qOverload<int>(&QComboBox::currentIndexChanged), this, changed);
  connect(m_validationPath, &QLineEdit::textChanged, this, changed);
  connect(m_validationPercent, qOverload<double>(&QDoubleSpinBox::valueChanged), this, changed);
  connect(m_trainLimit, qOverload<int>(&QSpinBox::valueChanged), this, changed);
  connect(m_validationLimit, qOverload<int>(&QSpinBox::valueChanged), this, changed);
  connect(m_browse, &QPushButton::clicked, this, &DataPage::browseData);
  connect(m_validationBrowse, &QPushButton::clicked, this, &DataPage::browseValidation);
  connect(m_builtIn, &QPushButton::clicked, this, [this] {
    m_format->setCurrentIndex(m_format->findData(QStringLiteral("idx")));
    m_path->setText(settings::builtInDataPath());
  });
}

QString DataPage::title() const { return tr("Data set"); }

bool DataPage::isComplete() const { return m_state == State::Ready && !isScanning(); }

QString DataPage::errorText() const { return m_state == State::Failed ? m_error : QString(); }

void DataPage::load(const config::RunConfig& config) {
  m_loading = true;
  const auto& d = config.data;
  selectData(m_format, d.format);
  m_path->setText(QString::fromStdString(d.path));
  m_grayscale->setChecked(d.grayscale);
  m_verifyImages->setChecked(d.verifyImages);
  selectData(m_validation, d.validation);
  m_validationPath->setText(QString::fromStdString(d.validationPath));
  m_validationPercent->setValue(d.validationPercent);
  m_trainLimit->setValue(int(std::min<std::int64_t>(d.trainLimit, m_trainLimit->maximum())));
  m_validationLimit->setValue(int(std::min<std::int64_t>(d.validationLimit, m_validationLimit->maximum())));
  m_seed = config.train.seed;
  m_loading = false;
  settingsChanged();
}

void DataPage::store(config::RunConfig& config) const { config.data = dataConfig(); }

config::DataConfig DataPage::dataConfig() const {
  config::DataConfig d;
  d.format = m_format->currentData().toString().toStdString();
  d.path = m_path->text().trimmed().toStdString();
  d.grayscale = m_grayscale->isChecked();
  d.verifyImages = m_verifyImages->isChecked();
  d.validation = m_validation->currentData().toString().toStdString();
  d.validationPath = m_validationPath->text().trimmed().toStdString();
  d.validationPercent = m_validationPercent->value();
  d.trainLimit = m_trainLimit->value();
  d.validationLimit = m_validationLimit->value();
  return d;
}

void DataPage::settingsChanged() {
  if (m_loading) return;
  updateVisibility();
  m_runner->cancel();  // a scan of the old settings must not be shown
  m_scanning = false;
  m_state = State::Scanning;
  m_debounce.start();
  showStatus();
  Q_EMIT completeChanged();
}

void DataPage::scan() {
  const auto data = dataConfig();
  if (data.path.empty() || (data.validation == "folder" && data.validationPath.empty())) {
    m_state = State::Idle;
    m_preview->clear();
    showStatus();
    Q_EMIT completeChanged();
    return;
  }
  m_scanning = true;
  const std::uint64_t seed = m_seed;
  m_runner->run<api::DataPreview>([data, seed] { return api::previewData(data, seed, kSampleCount); },
                                  [this, data](const api::DataPreview& preview) {
                                    m_scanning = false;
                                    m_state = State::Ready;
                                    m_description = QString::fromStdString(preview.description);
                                    m_classNames.clear();
                                    for (const auto& c : preview.classes) m_classNames.push_back(c.name);
                                    m_preview->showPreview(preview);
                                    settings::setLastDataPath(QString::fromStdString(data.path));
                                    showStatus();
                                    Q_EMIT completeChanged();
                                    Q_EMIT scanFinished(true);
                                  },
                                  [this](const QString& message) {
                                    m_scanning = false;
                                    m_state = State::Failed;
                                    m_error = message;
                                    m_classNames.clear();
                                    m_preview->clear();
                                    showStatus();
                                    Q_EMIT completeChanged();
                                    Q_EMIT scanFinished(false);
                                  });
}

void DataPage::updateVisibility() {
  const QString mode = m_validation->currentData().toString();
  m_validationPathRow->setEnabled(mode == QLatin1String("folder"));
  m_validationPercent->setEnabled(mode == QLatin1String("split"));
  const QString format = m_format->currentData().toString();
  m_grayscale->setEnabled(format == QLatin1String("folder") || format == QLatin1String("auto"));
  m_verifyImages->setEnabled(m_grayscale->isEnabled());
}

void DataPage::showStatus() {
  QString text;
  QString color;
  switch (m_state) {
    case State::Idle:
      text = tr("Choose the data set's folder (and the validation folder, if separate).");
      break;
    case State::Scanning:
      text = tr("Reading the data set…");
      color = QStringLiteral("#555555");
      break;
    case State::Ready: text = tr("Found %1.").arg(formatName(m_description)); break;
    case State::Failed:
      text = tr("This data set cannot be used: %1").arg(m_error);
      color = QStringLiteral("#b00020");
      break;
  }
  m_status->setText(text);
  m_status->setToolTip(m_state == State::Ready ? m_description : QString());
  m_status->setStyleSheet(color.isEmpty() ? QString() : QStringLiteral("color: %1;").arg(color));
}

void DataPage::browseData() {
  const QString start = m_path->text().isEmpty() ? settings::lastFolder(QStringLiteral("data"))
                                                 : m_path->text();
  const QString folder = QFileDialog::getExistingDirectory(this, tr("Choose the data set folder"), start);
  if (folder.isEmpty()) return;
  settings::rememberFolder(QStringLiteral("data"), folder);
  m_path->setText(folder);
}

void DataPage::browseValidation() {
  const QString start = m_validationPath->text().isEmpty() ? settings::lastFolder(QStringLiteral("data"))
                                                           : m_validationPath->text();
  const QString folder =
      QFileDialog::getExistingDirectory(this, tr("Choose the validation image folder"), start);
  if (folder.isEmpty()) return;
  settings::rememberFolder(QStringLiteral("data"), folder);
  m_validationPath->setText(folder);
}

void DataPage::retranslateUi() {
  m_dataBox->setTitle(tr("Data set"));
  m_validationBox->setTitle(tr("Validation and subset"));
  m_previewBox->setTitle(tr("Preview"));
  setFormLabel(m_dataForm, m_format, tr("Format:"));
  setFormLabel(m_dataForm, m_path->parentWidget(), tr("Folder:"));
  m_format->setItemText(0, tr("Detect automatically"));
  m_format->setItemText(1, tr("IDX files (MNIST, Fashion-MNIST)"));
  m_format->setItemText(2, tr("CIFAR-10 binary folder"));
  m_format->setItemText(3, tr("Image folder (one subfolder per class)"));
  m_path->setPlaceholderText(tr("Folder holding the data set"));
  m_browse->setText(tr("Browse…"));
  m_builtIn->setText(settings::builtInDataInstalled() ? tr("Use the built-in Fashion-MNIST")
                                                      : tr("Built-in Fashion-MNIST not installed"));
  m_grayscale->setText(tr("Decode image folders as grayscale"));
  m_verifyImages->setText(
      tr("Check every image while scanning (slower; damaged files are listed and left out)"));

  setFormLabel(m_validationForm, m_validation, tr("Validate on:"));
  setFormLabel(m_validationForm, m_validationPathRow, tr("Validation folder:"));
  setFormLabel(m_validationForm, m_validationPercent, tr("Held-out share:"));
  setFormLabel(m_validationForm, m_trainLimit, tr("Training images:"));
  setFormLabel(m_validationForm, m_validationLimit, tr("Validation images:"));
  m_validation->setItemText(0, tr("The data set's own test split"));
  m_validation->setItemText(1, tr("A separate folder"));
  m_validation->setItemText(2, tr("A stratified split of the training images"));
  m_validationPath->setPlaceholderText(tr("Folder with the same classes"));
  m_validationBrowse->setText(tr("Browse…"));
  m_trainLimit->setSpecialValueText(tr("All"));
  m_validationLimit->setSpecialValueText(tr("All"));
  m_limitsHint->setText(tr("A limit trains on a seeded subset of that size: handy for a quick "
                           "first run."));
  showStatus();
  m_preview->retranslateUi();
}

}  // namespace ft::ui
