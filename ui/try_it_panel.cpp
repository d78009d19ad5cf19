#include "try_it_panel.h"

#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QImageReader>
#include <QLabel>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>

#include "icons.h"
#include "background_runner.h"
#include "studio_settings.h"

namespace ft::ui {
namespace {

constexpr int kPreviewSize = 96;
constexpr int kMaxBarWidth = 420;

QImage preview(const QString& file) {
  QImageReader reader(file);
  reader.setAutoTransform(true);
  const QSize size = reader.size();
  if (size.isValid() && (size.width() > 4 * kPreviewSize || size.height() > 4 * kPreviewSize))
    reader.setScaledSize(size.scaled(4 * kPreviewSize, 4 * kPreviewSize, Qt::KeepAspectRatio));
  QImage image = reader.read();
  if (image.isNull()) return image;
  return image.scaled(kPreviewSize, kPreviewSize, Qt::KeepAspectRatio,
                      image.width() < kPreviewSize / 2 ? Qt::FastTransformation : Qt::SmoothTransformation);
}

}  // namespace

TryItPanel::TryItPanel(QWidget* parent) : QWidget(parent) {
  setAcceptDrops(true);
  m_runner = new BackgroundRunner(this);
  m_open = new QPushButton;
  m_open->setObjectName(QStringLiteral("openImagesButton"));
  m_open->setIcon(actionIcon(QStringLiteral("open-images")));
  connect(m_open, &QPushButton::clicked, this, &TryItPanel::openImages);
  m_hint = new QLabel;
  m_hint->setWordWrap(true);
  m_status = new QLabel;
  m_status->setWordWrap(true);
  m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

  m_list = new QWidget;
  m_listLayout = new QVBoxLayout(m_list);
  m_listLayout->addStretch(1);
  m_scroll = new QScrollArea;
  m_scroll->setWidgetResizable(true);
  m_scroll->setWidget(m_list);

  auto* top = new QHBoxLayout;
  top->addWidget(m_open);
  top->addWidget(m_hint, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(m_status);
  layout->addWidget(m_scroll, 1);
  retranslateUi();
  connect(m_runner, &BackgroundRunner::busyChanged, m_open,
          [this](bool busy) { m_open->setEnabled(!busy && !m_runDir.isEmpty()); });
  m_open->setEnabled(false);
}

void TryItPanel::retranslateUi() {
  m_open->setText(tr("Open images…"));
  m_hint->setText(tr("or drop image files here: each is shown with its five most likely classes."));
}

void TryItPanel::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) {
    retranslateUi();
    if (m_haveShown) showResults(Prediction(m_shown));  // the status line and labels anew
  }
  QWidget::changeEvent(event);
}

void TryItPanel::setRun(const QString& runDir, const QString& checkpoint) {
  if (runDir == m_runDir && checkpoint == m_checkpoint) return;
  m_runDir = runDir;
  m_checkpoint = checkpoint;
  m_runner->cancel();
  m_open->setEnabled(!runDir.isEmpty() && !m_runner->isBusy());
  clearResults();
}

QString TryItPanel::imageCount(int n) { return n == 1 ? tr("1 image") : tr("%1 images").arg(n); }

QString TryItPanel::checkpointName() const {
  return m_checkpoint == QLatin1String("last") ? tr("last epoch") : tr("best");
}

bool TryItPanel::isBusy() const { return m_runner->isBusy(); }

QString TryItPanel::statusText() const { return m_status->text(); }

void TryItPanel::setStatus(const QString& text, bool error) {
  m_status->setText(text);
  m_status->setStyleSheet(error ? QStringLiteral("color: #c80000;") : QString());
}

void TryItPanel::clearResults() {
  m_results.clear();
  m_haveShown = false;
  while (m_listLayout->count() > 1) {
    QLayoutItem* item = m_listLayout->takeAt(0);
    delete item->widget();
    delete item;
  }
  setStatus({}, false);
}

void TryItPanel::openImages() {
  const QStringList files = QFileDialog::getOpenFileNames(
      this, tr("Open images"), settings::lastFolder(QStringLiteral("try-it")),
      tr("Images (*.png *.jpg *.jpeg *.bmp *.webp *.tif *.tiff);;All files (*)"));
  if (files.isEmpty()) return;
  settings::rememberFolder(QStringLiteral("try-it"), QFileInfo(files.front()).absolutePath());
  predictFiles(files);
}

void TryItPanel::predictFiles(const QStringList& files) {
  if (files.isEmpty()) return;
  if (m_runDir.isEmpty()) {
    setStatus(tr("There is no trained model to try yet."), true);
    return;
  }
  setStatus(tr("Predicting %1 with the %2 checkpoint…").arg(imageCount(int(files.size())), checkpointName()),
            false);
  const std::string runDir = m_runDir.toStdString();
  const std::string which = m_checkpoint.toStdString();
  std::vector<std::string> paths;
  for (const QString& f : files) paths.push_back(f.toStdString());
  m_runner->run<Prediction>(
      [runDir, which, paths, files] {
        Prediction p;
        p.results = ft::api::predictWithRun(runDir, which, paths, kTopK);
        for (const QString& f : files) p.previews.append(preview(f));
        return p;
      },
      [this](const Prediction& p) { showResults(p); },
      [this](const QString& message) {
        setStatus(message, true);  // the engine's message: it says what to do
        Q_EMIT predictionsShown();
      });
}

void TryItPanel::showResults(const Prediction& prediction) {
  clearResults();
  m_shown = prediction;
  m_haveShown = true;
  m_results = prediction.results;
  int failed = 0;
  // One column width for every image's class names, so that all bars start at the same place.
  int nameWidth = 0;
  for (const auto& r : m_results)
    for (const auto& c : r.top)
      nameWidth = std::max(nameWidth, fontMetrics().horizontalAdvance(QString::fromStdString(c.name)));
  for (std::size_t i = 0; i < m_results.size(); ++i) {
    const auto& r = m_results[i];
    auto* row = new QWidget;
    auto* rowLayout = new QHBoxLayout(row);
    auto* image = new QLabel;
    image->setFixedSize(kPreviewSize, kPreviewSize);
    image->setAlignment(Qt::AlignCenter);
    image->setFrameShape(QFrame::StyledPanel);
    const QImage previewImage = i < std::size_t(prediction.previews.size()) ? prediction.previews[int(i)]
                                                                            : QImage();
    if (!previewImage.isNull())
      image->setPixmap(QPixmap::fromImage(previewImage));
    else
      image->setText(tr("no preview"));
    rowLayout->addWidget(image, 0, Qt::AlignTop);

    auto* details = new QGridLayout;
    auto* name = new QLabel(QFileInfo(QString::fromStdString(r.image)).fileName());
    QFont bold = name->font();
    bold.setBold(true);
    name->setFont(bold);
    name->setToolTip(QString::fromStdString(r.image));
    details->addWidget(name, 0, 0, 1, 4);
    if (!r.error.empty()) {
      ++failed;
      auto* error = new QLabel(QString::fromStdString(r.error));
      error->setObjectName(QStringLiteral("predictionError"));
      error->setWordWrap(true);
      error->setStyleSheet(QStringLiteral("color: #c80000;"));
      error->setTextInteractionFlags(Qt::TextSelectableByMouse);
      details->addWidget(error, 1, 0, 1, 4);
    }
    int line = 1;
    for (const auto& c : r.top) {
      auto* label = new QLabel(QString::fromStdString(c.name));
      label->setMinimumWidth(nameWidth + 8);
      auto* bar = new QProgressBar;
      bar->setObjectName(QStringLiteral("probabilityBar"));
      bar->setRange(0, 1000);
      bar->setValue(int(c.probability * 1000.0f + 0.5f));
      bar->setTextVisible(false);
      bar->setFixedHeight(12);
      bar->setMaximumWidth(kMaxBarWidth);
      auto* value = new QLabel(QStringLiteral("%1%").arg(double(c.probability) * 100.0, 0, 'f', 1));
      value->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
      value->setMinimumWidth(value->fontMetrics().horizontalAdvance(QStringLiteral("100.0%")));
      details->addWidget(label, line, 0);
      details->addWidget(bar, line, 1);
      details->addWidget(value, line, 2);
      ++line;
    }
    // The bars grow up to kMaxBarWidth; the room right of them stays empty.
    details->setColumnStretch(1, 1);
    details->setColumnStretch(3, 1);
    details->setColumnMinimumWidth(1, 160);
    rowLayout->addLayout(details, 1);
    m_listLayout->insertWidget(m_listLayout->count() - 1, row);
  }
  const int count = int(m_results.size());
  if (failed == 0)
    setStatus(tr("%1 predicted with the %2 checkpoint.").arg(imageCount(count), checkpointName()), false);
  else
    setStatus(tr("%1 predicted; %2 could not be read.").arg(imageCount(count - failed)).arg(failed), true);
  Q_EMIT predictionsShown();
}

QStringList TryItPanel::resultTexts() const {
  QStringList texts;
  for (const auto& r : m_results) {
    QStringList classes;
    for (const auto& c : r.top)
      classes << QStringLiteral("%1 %2%")
                     .arg(QString::fromStdString(c.name))
                     .arg(double(c.probability) * 100.0, 0, 'f', 1);
    texts << QFileInfo(QString::fromStdString(r.image)).fileName() + QStringLiteral(": ") +
                 (r.error.empty() ? classes.join(QStringLiteral(", ")) : QString::fromStdString(r.error));
  }
  return texts;
}

QStringList TryItPanel::localImageFiles(const QMimeData* mime) const {
  QStringList files;
  if (!mime || !mime->hasUrls()) return files;
  for (const QUrl& url : mime->urls())
    if (url.isLocalFile() && QFileInfo(url.toLocalFile()).isFile()) files << url.toLocalFile();
  return files;
}

void TryItPanel::dragEnterEvent(QDragEnterEvent* event) {
  if (!m_runDir.isEmpty() && !localImageFiles(event->mimeData()).isEmpty()) event->acceptProposedAction();
}

void TryItPanel::dragMoveEvent(QDragMoveEvent* event) {
  if (!m_runDir.isEmpty() && !localImageFiles(event->mimeData()).isEmpty()) event->acceptProposedAction();
}

void TryItPanel::dropEvent(QDropEvent* event) {
  const QStringList files = localImageFiles(event->mimeData());
  if (files.isEmpty()) return;
  event->acceptProposedAction();
  predictFiles(files);
}

}  // namespace ft::ui
