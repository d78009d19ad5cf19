#include "model_page.h"

#include <algorithm>

#include <QButtonGroup>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include "api/studio_api.h"
#include "background_runner.h"
#include "model_card_view.h"
#include "model_speeds.h"
#include "studio_settings.h"
#include "weights_download_panel.h"

namespace ft::ui {
namespace {

// The nearest size the architecture takes: a multiple of `multiple`, at least one multiple.
int roundedToMultiple(int size, int multiple) {
  if (multiple <= 1) return size;
  return std::max(multiple, (size + multiple / 2) / multiple * multiple);
}

int inputMultipleOf(const std::string& architecture) {
  try {
    return std::max(1, api::modelCard(architecture).inputMultiple);
  } catch (const std::exception&) {
    return 1;
  }
}

// "resnet18" -> "ResNet-18"; the engine's ids are lower case, people read the paper's names.
QString displayName(const std::string& id) {
  return QString::fromStdString(api::architectureDisplayName(id));
}

}  // namespace

ModelPage::ModelPage(QWidget* parent) : WizardStep(parent) {
  m_runner = new BackgroundRunner(this);
  m_architecture = new QComboBox(this);
  m_architecture->setObjectName(QStringLiteral("architecture"));
  for (const auto& id : api::architectures())
    m_architecture->addItem(displayName(id), QString::fromStdString(id));

  m_randomInit = new QRadioButton(this);
  m_randomInit->setObjectName(QStringLiteral("weightsNone"));
  m_imageNet = new QRadioButton(this);
  m_imageNet->setObjectName(QStringLiteral("weightsImageNet"));
  m_fromFile = new QRadioButton(this);
  m_fromFile->setObjectName(QStringLiteral("weightsFromFile"));
  m_weightsGroup = new QButtonGroup(this);
  m_weightsGroup->addButton(m_randomInit);
  m_weightsGroup->addButton(m_imageNet);
  m_weightsGroup->addButton(m_fromFile);
  m_randomInit->setChecked(true);
  m_weightsPath = new QLineEdit(this);
  m_weightsPath->setObjectName(QStringLiteral("weightsPath"));
  m_weightsBrowse = new QPushButton(this);
  auto* fileRow = new QHBoxLayout;
  fileRow->addWidget(m_fromFile);
  fileRow->addWidget(m_weightsPath, 1);
  fileRow->addWidget(m_weightsBrowse);
  auto* weights = new QVBoxLayout;
  weights->addWidget(m_randomInit);
  weights->addWidget(m_imageNet);

  // Under the ImageNet choice: is the official file here, and a download of it now.
  m_downloads = new WeightsDownloadPanel(this);
  weights->addWidget(m_downloads);

  weights->addLayout(fileRow);
  m_weightsHint = new QLabel(this);
  m_weightsHint->setWordWrap(true);
  weights->addWidget(m_weightsHint);

  m_card = new ModelCardView(this);
  // Speeds are timed with what the wizard has so far and this page's size, from random weights
  // (the values of the weights do not change the speed; nothing is downloaded to time it).
  m_speeds = new ModelSpeeds(
      [this](const std::string& architecture) {
        config::RunConfig config = m_entered;
        store(config);
        config.model.architecture = architecture;
        config.model.weights = "none";
        // ViT takes multiples of 16 px only: timed at the nearest.
        config.transform.inputSize =
            roundedToMultiple(config.transform.inputSize, inputMultipleOf(architecture));
        return config;
      },
      this);
  m_card->setSpeeds(m_speeds);
  connect(m_card, &ModelCardView::architectureChosen, this, [this](const std::string& architecture) {
    const int index = m_architecture->findData(QString::fromStdString(architecture));
    if (index >= 0) m_architecture->setCurrentIndex(index);
  });

  m_networkBox = new QGroupBox(this);
  m_networkForm = new QFormLayout(m_networkBox);
  addFormRow(m_networkForm, m_architecture);
  m_networkForm->addRow(m_card);
  m_networkForm->addRow(new QLabel(this), weights);

  m_inputSize = new QSpinBox(this);
  m_inputSize->setObjectName(QStringLiteral("inputSize"));
  m_inputSize->setRange(16, 1024);
  m_inputSize->setSuffix(QStringLiteral(" px"));
  m_normalization = new QComboBox(this);
  m_normalization->setObjectName(QStringLiteral("normalization"));
  m_normalization->addItem(QString(), QStringLiteral("imagenet"));
  m_normalization->addItem(QString(), QStringLiteral("dataset"));
  m_preprocessing = new QComboBox(this);
  m_preprocessing->setObjectName(QStringLiteral("preprocessing"));
  for (const char* mode : {"auto", "stretch", "weights"})
    m_preprocessing->addItem(QString(), QLatin1String(mode));
  m_inputHint = new QLabel(this);
  m_inputHint->setWordWrap(true);
  m_imageNetSizeNote = new QLabel(this);
  m_imageNetSizeNote->setObjectName(QStringLiteral("imageNetSizeNote"));
  m_imageNetSizeNote->setWordWrap(true);
  m_imageNetSizeNote->setStyleSheet(QStringLiteral("color: #9a6700;"));
  m_sizeFollowsNote = new QLabel(this);
  m_sizeFollowsNote->setObjectName(QStringLiteral("sizeFollowsNote"));
  m_sizeFollowsNote->setWordWrap(true);
  m_parameters = new QLabel(this);
  m_parameters->setObjectName(QStringLiteral("parameterCounts"));
  m_parameters->setWordWrap(true);
  m_headNote = new QLabel(this);
  m_headNote->setWordWrap(true);

  m_sizeBox = new QGroupBox(this);
  m_sizeForm = new QFormLayout(m_sizeBox);
  addFormRow(m_sizeForm, m_inputSize);
  m_sizeForm->addRow(m_inputHint);
  m_sizeForm->addRow(m_sizeFollowsNote);
  m_sizeForm->addRow(m_imageNetSizeNote);
  addFormRow(m_sizeForm, m_preprocessing);
  addFormRow(m_sizeForm, m_normalization);

  auto* parametersBox = new QGroupBox(this);
  parametersBox->setObjectName(QStringLiteral("parametersBox"));
  auto* parametersLayout = new QVBoxLayout(parametersBox);
  parametersLayout->addWidget(m_parameters);
  parametersLayout->addWidget(m_headNote);

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(m_networkBox);
  layout->addWidget(m_sizeBox);
  layout->addWidget(parametersBox);
  layout->addStretch(1);

  connect(m_architecture, qOverload<int>(&QComboBox::currentIndexChanged), this, &ModelPage::describe);
  connect(m_architecture, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
    m_card->showArchitecture(m_architecture->currentData().toString().toStdString());
    if (!m_loading) followWeights();
    applyInputMultiple();
  });
  connect(m_architecture, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
    if (!m_loading) checkCache();
  });
  connect(m_weightsGroup, &QButtonGroup::buttonToggled, this, [this] { updateWeightsRow(); });
  connect(m_imageNet, &QRadioButton::toggled, this, [this] {
    if (m_loading) return;
    followWeights();
    checkCache();
  });
  connect(m_weightsPath, &QLineEdit::textChanged, this, [this] { updateWeightsRow(); });
  connect(m_inputSize, qOverload<int>(&QSpinBox::valueChanged), this, [this] {
    if (!m_loading) {
      m_inputSizeEdited = true;
      m_sizeNote = SizeNote::None;
      showSizeNote();
    }
    updateWeightsRow();
  });
  // Speeds are kept per input size: the card shows the one for the size now set.
  connect(m_inputSize, qOverload<int>(&QSpinBox::valueChanged), this,
          [this] { m_card->showArchitecture(m_architecture->currentData().toString().toStdString()); });
  connect(m_inputSize, &QSpinBox::editingFinished, this, &ModelPage::applyInputMultiple);
  connect(m_weightsBrowse, &QPushButton::clicked, this, &ModelPage::browseWeights);
  m_card->showArchitecture(m_architecture->currentData().toString().toStdString());
  retranslateUi();
  updateWeightsRow();
  describe();
}

void ModelPage::followWeights() {
  // The input size follows the chosen weights' preprocessing (ImageNet weights: their crop,
  // 224 px) and goes back when they are dropped, unless the user set the size by hand.
  if (m_inputSizeEdited) return;
  int wanted = m_sizeWithoutWeights;
  if (m_imageNet->isChecked()) {
    try {
      wanted = api::modelCard(m_architecture->currentData().toString().toStdString()).inputSize;
    } catch (const std::exception&) {
      wanted = 224;
    }
  }
  if (wanted == m_inputSize->value()) return;
  m_sizeNote = m_imageNet->isChecked() ? SizeNote::SetForWeights : SizeNote::BackWithoutWeights;
  m_loading = true;
  m_inputSize->setValue(wanted);
  m_loading = false;
  showSizeNote();
}

void ModelPage::applyInputMultiple() {
  const int multiple = inputMultipleOf(m_architecture->currentData().toString().toStdString());
  m_inputSize->setSingleStep(multiple);
  if (multiple > 1) {
    const int rounded = roundedToMultiple(m_inputSize->value(), multiple);
    if (rounded != m_inputSize->value()) {
      const bool loading = m_loading;
      m_loading = true;  // not the user's edit
      m_inputSize->setValue(rounded);
      m_loading = loading;
    }
    m_sizeNote = SizeNote::Multiple;
    showSizeNote();
  } else if (m_sizeNote == SizeNote::Multiple) {
    m_sizeNote = SizeNote::None;
    showSizeNote();
  }
}

void ModelPage::showSizeNote() {
  const int size = m_inputSize->value();
  switch (m_sizeNote) {
    case SizeNote::None: m_sizeFollowsNote->clear(); break;
    case SizeNote::SetForWeights:
      m_sizeFollowsNote->setText(
          tr("Input size changed to %1 px: the size these weights were trained at (set it by hand to keep "
             "another).")
              .arg(size));
      break;
    case SizeNote::BackWithoutWeights:
      m_sizeFollowsNote->setText(
          tr("Input size back to %1 px, as before ImageNet weights were chosen.").arg(size));
      break;
    case SizeNote::Multiple: {
      const int multiple = m_inputSize->singleStep();
      m_sizeFollowsNote->setText(tr("%1 cuts images into %2×%2 patches: the input size is a multiple of %2 "
                                    "px (ImageNet weights were trained at 224 px; at another size their "
                                    "position embedding is resampled).")
                                     .arg(m_architecture->currentText())
                                     .arg(multiple));
      break;
    }
  }
  m_sizeFollowsNote->setVisible(m_sizeNote != SizeNote::None);
}

ModelPage::~ModelPage() = default;

QString ModelPage::title() const { return tr("Model"); }

bool ModelPage::isComplete() const {
  return !m_fromFile->isChecked() || QFileInfo(m_weightsPath->text().trimmed()).isFile();
}

void ModelPage::load(const config::RunConfig& config) {
  m_loading = true;
  const int index = m_architecture->findData(QString::fromStdString(config.model.architecture));
  m_architecture->setCurrentIndex(index < 0 ? 0 : index);
  const QString weights = QString::fromStdString(config.model.weights);
  const bool none = weights == QLatin1String("none");
  const bool imageNet = weights.startsWith(QLatin1String("imagenet"), Qt::CaseInsensitive);
  if (imageNet) m_imageNetName = weights;
  (none ? m_randomInit : imageNet ? m_imageNet : m_fromFile)->setChecked(true);
  m_weightsPath->setText(none || imageNet ? QString() : weights);
  m_inputSize->setValue(config.transform.inputSize);
  m_sizeWithoutWeights = imageNet ? config::RunConfig{}.transform.inputSize : config.transform.inputSize;
  m_sizeNote = SizeNote::None;
  m_card->showArchitecture(m_architecture->currentData().toString().toStdString());
  const int norm = m_normalization->findData(QString::fromStdString(config.transform.normalization));
  m_normalization->setCurrentIndex(norm < 0 ? 0 : norm);
  const int prep = m_preprocessing->findData(QString::fromStdString(config.transform.preprocessing));
  m_preprocessing->setCurrentIndex(prep < 0 ? 0 : prep);
  // A loaded size other than the default was somebody's choice: ImageNet does not override it.
  m_inputSizeEdited = config.transform.inputSize != config::RunConfig{}.transform.inputSize;
  m_loading = false;
  showSizeNote();
  applyInputMultiple();
  updateWeightsRow();
  checkCache();
}

void ModelPage::store(config::RunConfig& config) const {
  config.model.architecture = m_architecture->currentData().toString().toStdString();
  config.model.weights = m_randomInit->isChecked() ? std::string("none")
                         : m_imageNet->isChecked() ? m_imageNetName.toStdString()
                                                   : m_weightsPath->text().trimmed().toStdString();
  config.transform.inputSize =
      roundedToMultiple(m_inputSize->value(),
                        inputMultipleOf(m_architecture->currentData().toString().toStdString()));
  config.transform.normalization = m_normalization->currentData().toString().toStdString();
  config.transform.preprocessing = m_preprocessing->currentData().toString().toStdString();
}

void ModelPage::enter(const config::RunConfig& config) {
  m_entered = config;
  showSummary();
  checkCache();  // a file may have arrived meanwhile (another run, copied by hand)
}

void ModelPage::setClassCount(int classes) {
  if (classes <= 0 || classes == m_classes) return;
  m_classes = classes;
  describe();
}

void ModelPage::describe() {
  const std::string arch = m_architecture->currentData().toString().toStdString();
  const int classes = m_classes;
  m_describing = true;
  m_error.clear();
  showSummary();
  // Building the network takes a moment (ResNet-50: 25 M parameters): not on the GUI thread.
  m_runner->run<api::ModelSummary>([arch, classes] { return api::describeModel(arch, classes); },
                                   [this](const api::ModelSummary& summary) {
                                     m_describing = false;
                                     m_displayName = QString::fromStdString(summary.displayName);
                                     m_total = summary.totalParameters;
                                     m_trainableFrozen = summary.trainableWhileFrozen;
                                     m_headName = QString::fromStdString(summary.headName);
                                     showSummary();
                                     Q_EMIT described();
                                   },
                                   [this](const QString& message) {
                                     m_describing = false;
                                     m_error = message;
                                     m_total = m_trainableFrozen = -1;
                                     showSummary();
                                     Q_EMIT described();
                                   });
}

void ModelPage::showSummary() {
  const QLocale locale;
  if (m_describing) {
    m_parameters->setText(tr("Counting parameters…"));
  } else if (!m_error.isEmpty()) {
    m_parameters->setText(m_error);
  } else {
    m_parameters->setText(
        tr("%1 with %n classes: %2 parameters in total; %3 of them (the new head) train while "
           "the backbone is frozen.",
           nullptr, m_classes)
            .arg(m_displayName, locale.toString(m_total), locale.toString(m_trainableFrozen)));
  }
  m_headNote->setText(tr("The last fully connected layer (%1) is replaced by a new head with one "
                         "output per class of your data set.")
                          .arg(m_headName.isEmpty() ? QStringLiteral("fc") : m_headName));
}

void ModelPage::updateWeightsRow() {
  const bool file = m_fromFile->isChecked();
  m_weightsPath->setEnabled(file);
  m_weightsBrowse->setEnabled(file);
  m_imageNetSizeNote->setVisible(m_imageNet->isChecked() && m_inputSize->value() < 224);
  Q_EMIT completeChanged();
}

void ModelPage::checkCache() {
  m_downloads->check(m_imageNet->isChecked(), m_architecture->currentData().toString().toStdString(),
                     m_imageNetName.toStdString());
}

bool ModelPage::isDownloading() const { return m_downloads->isDownloading(); }
bool ModelPage::isCheckingCache() const { return m_downloads->isCheckingCache(); }
QString ModelPage::downloadStatusText() const { return m_downloads->statusText(); }
QString ModelPage::downloadErrorText() const { return m_downloads->errorText(); }
void ModelPage::startDownload() { m_downloads->startDownload(); }
void ModelPage::cancelDownload() { m_downloads->cancelDownload(); }

void ModelPage::setWeightsFileForTesting(const std::string& fileName, const std::string& sha256Prefix) {
  m_downloads->setFileForTesting(fileName, sha256Prefix);
}

void ModelPage::browseWeights() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Choose starting weights"),
                                                    settings::lastFolder(QStringLiteral("weights")),
                                                    tr("Weights (*.pt *.pth *.safetensors);;All files (*)"));
  if (path.isEmpty()) return;
  settings::rememberFolder(QStringLiteral("weights"), path);
  m_fromFile->setChecked(true);
  m_weightsPath->setText(path);
}

void ModelPage::retranslateUi() {
  m_networkBox->setTitle(tr("Network"));
  m_sizeBox->setTitle(tr("Input"));
  setFormLabel(m_networkForm, m_architecture, tr("Architecture:"));
  if (auto* label = qobject_cast<QLabel*>(m_networkForm->itemAt(2, QFormLayout::LabelRole)->widget()))
    label->setText(tr("Starting weights:"));
  m_randomInit->setText(tr("None (random initialisation)"));
  m_imageNet->setText(tr("ImageNet (torchvision's pretrained weights, downloaded on first use)"));
  m_fromFile->setText(tr("Weights file:"));
  m_weightsPath->setPlaceholderText(tr("A previous run's export (.pt), or a .pth / .safetensors state dict"));
  m_weightsBrowse->setText(tr("Browse…"));
  m_weightsHint->setText(tr("Starting weights carry what a network has already learned; the head "
                            "is replaced when the class count differs."));
  m_imageNetSizeNote->setText(tr("ImageNet weights were trained on 224×224 images: a smaller input "
                                 "trains faster but keeps less of what they learned."));
  setFormLabel(m_sizeForm, m_inputSize, tr("Input size:"));
  setFormLabel(m_sizeForm, m_preprocessing, tr("Resize:"));
  m_preprocessing->setItemText(0, tr("Automatic (as the weights when they are ImageNet's)"));
  m_preprocessing->setItemText(1, tr("Stretch the whole image to the input size"));
  m_preprocessing->setItemText(2, tr("As the weights were trained: shorter side, then centre crop"));
  m_preprocessing->setToolTip(
      tr("torchvision prepares images for its ImageNet weights by resizing the shorter side (for "
         "most, to 256 px for a 224-px input) and cropping the centre; training crops at random. "
         "Stretching keeps the whole image, as small data sets like Fashion-MNIST want."));
  setFormLabel(m_sizeForm, m_normalization, tr("Normalisation:"));
  m_normalization->setItemText(0, tr("ImageNet mean and standard deviation"));
  m_normalization->setItemText(1, tr("Measured on this data set"));
  m_inputHint->setText(tr("Images are resized to this square size. 32 suits the built-in "
                          "Fashion-MNIST (28×28) and CIFAR-10; ImageNet weights want 224."));
  m_card->retranslateUi();
  showSizeNote();
  showSummary();
}

}  // namespace ft::ui
