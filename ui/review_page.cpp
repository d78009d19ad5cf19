#include "review_page.h"

#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QVBoxLayout>
#include <cmath>

#include "api/studio_api.h"
#include "background_runner.h"
#include "studio_settings.h"

namespace ft::ui {
namespace {

QString number(double value) { return QString::number(value, 'g', 4); }
QString text(const std::string& value) { return QString::fromStdString(value).toHtmlEscaped(); }

}  // namespace

ReviewPage::ReviewPage(QWidget* parent) : WizardStep(parent) {
  m_runner = new BackgroundRunner(this);
  m_name = new QLineEdit(this);
  m_name->setObjectName(QStringLiteral("runName"));
  m_runsDir = new QLineEdit(this);
  m_runsDir->setObjectName(QStringLiteral("runsDir"));
  m_runsBrowse = new QPushButton(this);
  auto* dirRow = new QWidget(this);
  auto* dirLayout = new QHBoxLayout(dirRow);
  dirLayout->setContentsMargins(0, 0, 0, 0);
  dirLayout->addWidget(m_runsDir, 1);
  dirLayout->addWidget(m_runsBrowse);
  m_runBox = new QGroupBox(this);
  m_runForm = new QFormLayout(m_runBox);
  addFormRow(m_runForm, m_name);
  addFormRow(m_runForm, dirRow);

  m_summary = new QLabel(this);
  m_summary->setObjectName(QStringLiteral("configSummary"));
  m_summary->setTextFormat(Qt::RichText);
  m_summary->setWordWrap(true);
  m_summary->setAlignment(Qt::AlignTop | Qt::AlignLeft);
  m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_problem = new QLabel(this);
  m_problem->setObjectName(QStringLiteral("reviewProblem"));
  m_problem->setWordWrap(true);
  m_problem->setStyleSheet(QStringLiteral("color: #b00020;"));
  m_summaryBox = new QGroupBox(this);
  auto* summaryLayout = new QVBoxLayout(m_summaryBox);
  summaryLayout->addWidget(m_summary);
  summaryLayout->addWidget(m_problem);

  m_estimate = new QLabel(this);
  m_estimate->setObjectName(QStringLiteral("estimate"));
  m_estimate->setWordWrap(true);
  m_busyNote = new QLabel(this);
  m_busyNote->setObjectName(QStringLiteral("estimateBusyNote"));
  m_busyNote->setWordWrap(true);
  m_busyNote->setStyleSheet(QStringLiteral("color: #9a6700;"));
  m_busyNote->hide();
  m_measureAgain = new QPushButton(this);
  m_measureAgain->setObjectName(QStringLiteral("measureAgain"));
  m_estimateBox = new QGroupBox(this);
  auto* estimateText = new QVBoxLayout;
  estimateText->addWidget(m_estimate);
  estimateText->addWidget(m_busyNote);
  auto* estimateLayout = new QHBoxLayout(m_estimateBox);
  estimateLayout->addLayout(estimateText, 1);
  estimateLayout->addWidget(m_measureAgain, 0, Qt::AlignTop);

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(m_runBox);
  layout->addWidget(m_summaryBox);
  layout->addWidget(m_estimateBox);
  layout->addStretch(1);

  connect(m_name, &QLineEdit::textChanged, this, [this] { Q_EMIT completeChanged(); });
  connect(m_runsDir, &QLineEdit::textChanged, this, [this] { Q_EMIT completeChanged(); });
  connect(m_runsBrowse, &QPushButton::clicked, this, &ReviewPage::browseRunsDir);
  connect(m_measureAgain, &QPushButton::clicked, this, &ReviewPage::measure);
  retranslateUi();
}

QString ReviewPage::title() const { return tr("Review"); }

bool ReviewPage::isComplete() const {
  return m_validationError.isEmpty() && !m_name->text().trimmed().isEmpty() &&
         !m_name->text().contains(QLatin1Char('/')) && !m_runsDir->text().trimmed().isEmpty();
}

void ReviewPage::load(const config::RunConfig& config) {
  m_name->setText(QString::fromStdString(config.output.name));
  m_runsDir->setText(QString::fromStdString(config.output.runsDir));
}

void ReviewPage::store(config::RunConfig& config) const {
  config.output.name = m_name->text().trimmed().toStdString();
  config.output.runsDir = QDir::cleanPath(m_runsDir->text().trimmed()).toStdString();
}

void ReviewPage::enter(const config::RunConfig& config) {
  m_config = config;
  store(m_config);
  m_validationError.clear();
  try {
    config::validate(m_config);
  } catch (const std::exception& e) {
    m_validationError = QString::fromStdString(e.what());
  }
  showSummary();
  Q_EMIT completeChanged();
  if (m_validationError.isEmpty()) measure();
}

void ReviewPage::measure() {
  m_measuring = true;
  m_measured = false;
  m_estimateError.clear();
  showEstimate();
  const config::RunConfig config = m_config;
  m_runner->run<api::EpochEstimate>([config] { return api::estimateRun(config, kEstimateBatches); },
                                    [this](const api::EpochEstimate& estimate) {
                                      showMeasuredEstimate(estimate);
                                      Q_EMIT estimateFinished(true);
                                    },
                                    [this](const QString& message) {
                                      m_measuring = false;
                                      m_estimateError = message;
                                      showEstimate();
                                      Q_EMIT estimateFinished(false);
                                    });
}

void ReviewPage::showMeasuredEstimate(const api::EpochEstimate& estimate) {
  m_measuring = false;
  m_measured = true;
  m_estimateError.clear();
  m_estimateResult = estimate;
  showEstimate();
}

QString ReviewPage::estimateText() const { return m_estimate->text(); }

QString ReviewPage::busyNoteText() const {
  return m_busyNote->isVisibleTo(this) ? m_busyNote->text() : QString();
}

static QString duration(double seconds) {
  const auto total = qint64(std::llround(seconds));
  if (total < 60) return ReviewPage::tr("%1 s").arg(std::max<qint64>(total, 1));
  if (total < 3600) return ReviewPage::tr("%1 min %2 s").arg(total / 60).arg(total % 60);
  return ReviewPage::tr("%1 h %2 min").arg(total / 3600).arg((total % 3600) / 60);
}

void ReviewPage::showEstimate() {
  m_measureAgain->setEnabled(!m_measuring && m_validationError.isEmpty());
  const api::EpochEstimate& e = m_estimateResult;
  const bool busy = !m_measuring && m_measured && m_estimateError.isEmpty() && e.machineBusy;
  // Other programs took CPU while the batches were timed: the figures are too slow, say so.
  m_busyNote->setText(busy ? tr("Measured while other programs kept about %1 cores busy: the real "
                                "run may be faster.")
                                 .arg(QLocale().toString(e.busyCores, 'f', 1))
                           : QString());
  m_busyNote->setVisible(busy);
  if (m_measuring) {
    m_estimate->setText(tr("Measuring a few real batches of this configuration…"));
  } else if (!m_estimateError.isEmpty()) {
    m_estimate->setText(tr("The estimate failed: %1").arg(m_estimateError));
  } else if (!m_measured) {
    m_estimate->setText(tr("Not measured yet."));
  } else {
    const int frozen = m_config.train.freezeEpochs;
    const int unfrozen = m_config.train.epochs - frozen;
    QStringList parts;
    if (frozen > 0) parts << tr("about %1 per frozen epoch").arg(duration(e.frozenSecondsPerEpoch));
    if (unfrozen > 0) parts << tr("about %1 per unfrozen epoch").arg(duration(e.unfrozenSecondsPerEpoch));
    m_estimate->setText(
        tr("Time per epoch, measured on %n real batches in %3: %1. The whole run: "
           "about %2.",
           nullptr, e.batchesMeasured)
            .arg(parts.join(tr("; ")), duration(e.totalSeconds), QString::fromStdString(e.precision)));
  }
}

void ReviewPage::showSummary() {
  m_summary->setText(summaryHtml());
  m_problem->setText(m_validationError.isEmpty()
                         ? QString()
                         : tr("This configuration cannot start: %1").arg(m_validationError));
  m_problem->setVisible(!m_validationError.isEmpty());
  showEstimate();
}

QString ReviewPage::summaryHtml() const {
  const auto& c = m_config;
  const QLocale locale;
  QString validation;
  if (c.data.validation == "folder")
    validation = tr("the folder %1").arg(text(c.data.validationPath));
  else if (c.data.validation == "split")
    validation = tr("%1 % of the training images, stratified by class").arg(number(c.data.validationPercent));
  else
    validation = tr("the data set's own test split");
  const auto limit = [&](std::int64_t n) { return n > 0 ? locale.toString(qlonglong(n)) : tr("all"); };
  const QString subset = tr("%1 training images, %2 validation images")
                             .arg(limit(c.data.trainLimit), limit(c.data.validationLimit));
  const QString arch = QString::fromStdString(api::architectureDisplayName(c.model.architecture));
  const bool imageNet =
      QString::fromStdString(c.model.weights).startsWith(QLatin1String("imagenet"), Qt::CaseInsensitive);
  const QString weights = c.model.weights == "none" ? tr("random initialisation")
                          : imageNet ? tr("torchvision's ImageNet weights (%1)").arg(text(c.model.weights))
                                     : tr("weights from %1").arg(text(c.model.weights));
  const auto preprocessing = api::preprocessingOf(c);
  const QString resize =
      preprocessing.resizeSize > 0
          ? tr("shorter side resized to %1 px (%2), then a %3-px crop")
                .arg(preprocessing.resizeSize)
                .arg(preprocessing.interpolation == "bicubic" ? tr("bicubic") : tr("bilinear"))
                .arg(c.transform.inputSize)
          : tr("whole image stretched to it");
  const QString model = tr("%1, %2; input %3×%3 px (%5), %4")
                            .arg(arch, weights)
                            .arg(c.transform.inputSize)
                            .arg(c.transform.normalization == "dataset"
                                     ? tr("normalisation measured on the data set")
                                     : tr("ImageNet normalisation"))
                            .arg(resize);
  // Without an English translation %n has no singular: "1 epoch" is a string of its own.
  const int epochs = c.train.epochs, frozen = c.train.freezeEpochs;
  const QString epochCount = epochs == 1 ? tr("1 epoch") : tr("%1 epochs").arg(epochs);
  QString schedule;
  if (frozen <= 0)
    schedule = tr("%1, never frozen").arg(epochCount);
  else if (frozen >= epochs)
    schedule = tr("%1, all with the backbone frozen (only the new head trains)").arg(epochCount);
  else
    schedule = tr("%1: %2 with the backbone frozen (only the new head trains), then %3 with the "
                  "whole network")
                   .arg(epochCount)
                   .arg(frozen)
                   .arg(epochs - frozen);
  if (c.train.freezeEpochs > 0 && c.train.freezeBatchNorm) schedule += tr(" (BatchNorm held)");
  if (c.train.freezeEpochs > 0 && c.train.featureCache)
    schedule += tr("; the frozen backbone's outputs computed once");
  if (c.train.recalibrateBatchNorm == 0)
    schedule += tr("; BatchNorm never recalibrated");
  else if (c.train.recalibrateBatchNorm > 0)
    schedule += tr("; BatchNorm statistics re-estimated from %1 training images before each validation")
                    .arg(c.train.recalibrateBatchNorm);
  const QString rates =
      tr("head %1 while frozen; after unfreezing head %2, backbone %3")
          .arg(number(c.optim.headLr), number(c.optim.headLrAfterUnfreeze), number(c.optim.backboneLr));
  QString optimizer = QString::fromStdString(c.optim.optimizer == "adamw" ? "AdamW"
                                             : c.optim.optimizer == "sgd" ? "SGD"
                                                                          : "Adam");
  optimizer += tr(", weight decay %1").arg(number(c.optim.weightDecay));
  if (c.optim.optimizer == "sgd")
    optimizer += tr(", momentum %1").arg(number(c.optim.momentum)) +
                 (c.optim.nesterov ? tr(" (Nesterov)") : QString());
  QString lrSchedule;
  if (c.optim.scheduler == "plateau")
    lrSchedule = tr("reduce on plateau (factor %1, patience %2 epochs)")
                     .arg(number(c.optim.plateauFactor))
                     .arg(c.optim.plateauPatience);
  else if (c.optim.scheduler == "cosine")
    lrSchedule = tr("cosine annealing (%1 warm-up epochs, minimum %2)")
                     .arg(c.optim.warmupEpochs)
                     .arg(number(c.optim.minLr));
  else if (c.optim.scheduler == "step")
    lrSchedule = tr("step decay (×%1 every %2 epochs)").arg(number(c.optim.stepGamma)).arg(c.optim.stepSize);
  else
    lrSchedule = tr("constant");
  QStringList augment;
  if (c.transform.cropPadding > 0)
    augment << tr("random crop with %1 px padding").arg(c.transform.cropPadding);
  if (c.transform.horizontalFlip) augment << tr("horizontal flip");
  const QString batches = tr("%1 per batch (evaluation %2); augmentation: %3")
                              .arg(c.train.batchSize)
                              .arg(c.train.evalBatchSize)
                              .arg(augment.isEmpty() ? tr("none") : augment.join(tr(", ")));
  const QString device = c.device.device == "cpu" ? tr("CPU, %n threads", nullptr, c.device.threads)
                                                  : QString::fromStdString(c.device.device);
  const QString format = c.data.format == "idx"       ? tr("IDX files")
                         : c.data.format == "cifar10" ? tr("CIFAR-10 binary")
                         : c.data.format == "folder"  ? tr("image folder")
                                                      : tr("format detected automatically");
  const auto precisionChoice = api::resolvedPrecision(c);
  const QString precision =
      !precisionChoice.error.empty()
          ? QString::fromStdString(precisionChoice.error).toHtmlEscaped()
          : (precisionChoice.training == "float32"
                 ? tr("float32")
                 : tr("%1 mixed precision (weights and checkpoints float32)")
                       .arg(QString::fromStdString(precisionChoice.training))) +
                tr("; validation in %1").arg(QString::fromStdString(precisionChoice.validation));
  const QString folder =
      tr("%1/<date>-%2").arg(QString::fromStdString(c.output.runsDir), QString::fromStdString(c.output.name));

  const QList<QPair<QString, QString>> rows = {
      {tr("Data set"), tr("%1 (%2)").arg(text(c.data.path), format)},
      {tr("Validation"), validation},
      {tr("Images"), subset},
      {tr("Model"), model},
      {tr("Schedule"), schedule},
      {tr("Learning rates"), rates},
      {tr("Optimizer"), optimizer},
      {tr("Rate schedule"), lrSchedule},
      {tr("Batches"), batches},
      {tr("Device"), device},
      {tr("Precision"), precision},
      {tr("Run folder"), folder.toHtmlEscaped()},
  };
  // The names' column keeps a gap before the values (a long Chinese name would touch them).
  QString html = QStringLiteral("<table cellspacing='0' cellpadding='2'>");
  for (const auto& row : rows)
    html += QStringLiteral("<tr><td style='padding-right:14px'><b>%1</b></td><td>%2</td></tr>")
                .arg(row.first, row.second);
  return html + QStringLiteral("</table>");
}

void ReviewPage::browseRunsDir() {
  const QString folder =
      QFileDialog::getExistingDirectory(this, tr("Choose where runs are saved"), m_runsDir->text());
  if (folder.isEmpty()) return;
  m_runsDir->setText(folder);
  settings::setRunsDir(folder);
  enter(m_config);
}

void ReviewPage::retranslateUi() {
  m_runBox->setTitle(tr("Run"));
  m_summaryBox->setTitle(tr("Configuration"));
  m_estimateBox->setTitle(tr("Estimated time"));
  if (auto* label = qobject_cast<QLabel*>(m_runForm->labelForField(m_name))) label->setText(tr("Run name:"));
  if (auto* label = qobject_cast<QLabel*>(m_runForm->labelForField(m_runsDir->parentWidget())))
    label->setText(tr("Save runs in:"));
  m_runsBrowse->setText(tr("Browse…"));
  m_measureAgain->setText(tr("Measure again"));
  showSummary();
}

}  // namespace ft::ui
