#include "model_card_view.h"

#include <algorithm>

#include <QCoreApplication>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QTextBrowser>
#include <QTextDocument>
#include <QVBoxLayout>

#include "api/studio_api.h"
#include "model_gallery.h"
#include "model_speeds.h"

namespace ft::ui {

QString translatedModelText(const std::string& english) {
  return QCoreApplication::translate("ft::ui::ModelCards", english.c_str());
}

std::vector<std::string> modelTextsToTranslate() {
  std::vector<std::string> texts;
  for (const auto& card : api::modelCards()) texts.push_back(card.introduced);
  for (const auto& entry : api::modelHistory()) {
    texts.push_back(entry.title);
    texts.push_back(entry.text);
  }
  return texts;
}

ModelCardView::ModelCardView(QWidget* parent) : QWidget(parent) {
  m_card = new QLabel(this);
  m_card->setObjectName(QStringLiteral("modelCard"));
  m_card->setWordWrap(true);
  m_card->setTextFormat(Qt::RichText);
  m_card->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_speed = new QLabel(this);
  m_speed->setObjectName(QStringLiteral("modelSpeed"));
  m_speed->setWordWrap(true);
  m_measure = new QPushButton(this);
  m_measure->setObjectName(QStringLiteral("measureSpeed"));
  m_gallery = new QPushButton(this);
  m_gallery->setObjectName(QStringLiteral("modelGalleryButton"));
  m_history = new QPushButton(this);
  m_history->setObjectName(QStringLiteral("modelHistory"));
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(m_measure);
  buttons->addStretch(1);
  buttons->addWidget(m_gallery);
  buttons->addWidget(m_history);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(m_card);
  layout->addWidget(m_speed);
  layout->addLayout(buttons);
  connect(m_history, &QPushButton::clicked, this, &ModelCardView::openHistory);
  connect(m_gallery, &QPushButton::clicked, this, &ModelCardView::openGallery);
  connect(m_measure, &QPushButton::clicked, this, [this] {
    if (m_speeds && !m_architecture.empty()) m_speeds->measure({m_architecture}, /*again=*/true);
  });
  retranslateUi();
}

void ModelCardView::setSpeeds(ModelSpeeds* speeds) {
  m_speeds = speeds;
  connect(m_speeds, &ModelSpeeds::changed, this, &ModelCardView::showSpeed);
  showSpeed();
}

QString ModelCardView::speedText() const { return m_speed->text(); }

void ModelCardView::showSpeed() {
  m_measure->setVisible(m_speeds != nullptr);
  m_gallery->setVisible(m_speeds != nullptr);
  m_speed->setVisible(m_speeds != nullptr);
  if (!m_speeds || m_architecture.empty()) return;
  const bool busy = m_speeds->current() == m_architecture || m_speeds->isQueued(m_architecture);
  m_measure->setEnabled(!busy);
  const auto speed = m_speeds->speed(m_architecture);
  m_measure->setText(speed ? tr("Measure again") : tr("Measure its speed on this machine"));
  if (m_speeds->current() == m_architecture)
    m_speed->setText(tr("Timing a few training batches on this machine…"));
  else if (busy)
    m_speed->setText(tr("Waiting to be timed on this machine…"));
  else if (speed)
    m_speed->setText(tr("On this machine: %1.").arg(speedSummary(*speed)));
  else
    m_speed->setText(tr("Training speed on this machine: not measured yet."));
}

void ModelCardView::openGallery() {
  if (!m_speeds) return;
  ModelGalleryDialog dialog(m_speeds, m_architecture, this);
  if (dialog.exec() == QDialog::Accepted && !dialog.selectedArchitecture().empty())
    Q_EMIT architectureChosen(dialog.selectedArchitecture());
}

void ModelCardView::showArchitecture(const std::string& architecture) {
  m_architecture = architecture;
  retranslateUi();
}

QString ModelCardView::cardText() const {
  QTextDocument document;
  document.setHtml(m_card->text());
  return document.toPlainText();
}

void ModelCardView::retranslateUi() {
  m_history->setText(tr("History of pretrained models…"));
  m_gallery->setText(tr("Compare all models…"));
  showSpeed();
  if (m_architecture.empty()) {
    m_card->clear();
    return;
  }
  api::ModelCardView card;
  try {
    card = api::modelCard(m_architecture);
  } catch (const std::exception& e) {
    m_card->setText(QString::fromStdString(e.what()).toHtmlEscaped());
    return;
  }
  const QLocale locale;
  const auto html = [](const QString& s) { return s.toHtmlEscaped(); };
  QString text = QStringLiteral("<b>%1</b> (%2) — %3<br/>")
                     .arg(html(QString::fromStdString(card.displayName)), QString::number(card.year),
                          html(translatedModelText(card.introduced)));
  text += QStringLiteral("<i>%1</i>, %2<br/>")
              .arg(html(QString::fromStdString(card.paper)), html(QString::fromStdString(card.authors)));
  text += html(tr("%1 M parameters · %2 GMACs per 224-px image · ImageNet top-1 %3%, top-5 %4% "
                  "(%5, %6 MB)")
                   .arg(locale.toString(double(card.parameters) / 1e6, 'f', 1),
                        locale.toString(card.gmacs, 'f', 2), locale.toString(card.top1, 'f', 1),
                        locale.toString(card.top5, 'f', 1), QString::fromStdString(card.weightsVariant),
                        locale.toString(card.fileSizeMB, 'f', 1)));
  text += QStringLiteral("<br/>") +
          html(tr("Its weights expect images resized to %1 px, centre-cropped to %2 px (%3).")
                   .arg(card.resizeSize)
                   .arg(card.inputSize)
                   .arg(card.interpolation == "bicubic" ? tr("bicubic") : tr("bilinear")));
  m_card->setText(text);
}

void ModelCardView::openHistory() {
  ModelHistoryDialog dialog(m_architecture, this);
  dialog.exec();
}

ModelHistoryDialog::ModelHistoryDialog(const std::string& highlight, QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("History of image pretrained models"));
  m_text = new QTextBrowser(this);
  m_text->setObjectName(QStringLiteral("historyText"));
  QString html;
  for (const auto& entry : api::modelHistory()) {
    const bool marked = std::find(entry.architectures.begin(), entry.architectures.end(), highlight) !=
                        entry.architectures.end();
    html += QStringLiteral("<p%1><b>%2 · %3</b><br/>%4</p>")
                .arg(marked ? QStringLiteral(" style=\"background-color:#fff3c4\"") : QString(),
                     QString::number(entry.year), translatedModelText(entry.title).toHtmlEscaped(),
                     translatedModelText(entry.text).toHtmlEscaped());
  }
  m_text->setHtml(html);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(m_text);
  layout->addWidget(buttons);
  resize(560, 520);
}

QString ModelHistoryDialog::historyText() const { return m_text->toPlainText(); }

}  // namespace ft::ui
