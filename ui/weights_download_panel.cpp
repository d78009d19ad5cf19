#include "weights_download_panel.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QThread>
#include <QUrl>
#include <QVBoxLayout>

#include <map>

#include "background_runner.h"

namespace ft::ui {
namespace {

// Sizes of torchvision's published files (the "_file_size" of its weights' metadata, in MiB),
// to say how much a download is before it starts; 0 when we do not know the file.
qint64 knownFileSize(const std::string& fileName) {
  static const std::map<std::string, double> mebibytes{{"resnet18-f37072fd.pth", 44.661},
                                                       {"resnet34-b627a593.pth", 83.275},
                                                       {"resnet50-0676ba61.pth", 97.781},
                                                       {"resnet50-11ad3fa6.pth", 97.79}};
  const auto it = mebibytes.find(fileName);
  return it == mebibytes.end() ? 0 : qint64(it->second * 1024 * 1024);
}

}  // namespace

WeightsDownloadPanel::WeightsDownloadPanel(QWidget* parent) : QWidget(parent) {
  m_cacheRunner = new BackgroundRunner(this);
  m_status = new QLabel(this);
  m_status->setObjectName(QStringLiteral("weightsDownloadStatus"));
  m_status->setWordWrap(true);
  m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_progress = new QProgressBar(this);
  m_progress->setObjectName(QStringLiteral("weightsDownloadProgress"));
  m_progress->setRange(0, 100);
  m_downloadButton = new QPushButton(this);
  m_downloadButton->setObjectName(QStringLiteral("downloadWeights"));
  m_cancelButton = new QPushButton(this);
  m_cancelButton->setObjectName(QStringLiteral("cancelDownload"));
  m_error = new QLabel(this);
  m_error->setObjectName(QStringLiteral("weightsDownloadError"));
  m_error->setWordWrap(true);
  m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_error->setStyleSheet(QStringLiteral("color: #b00020;"));
  auto* row = new QHBoxLayout;
  row->addWidget(m_progress, 1);
  row->addWidget(m_downloadButton);
  row->addWidget(m_cancelButton);
  row->addStretch(0);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(24, 0, 0, 0);  // under the radio button's text
  layout->addWidget(m_status);
  layout->addLayout(row);
  layout->addWidget(m_error);

  connect(m_downloadButton, &QPushButton::clicked, this, &WeightsDownloadPanel::startDownload);
  connect(m_cancelButton, &QPushButton::clicked, this, &WeightsDownloadPanel::cancelDownload);
  retranslateUi();
}

WeightsDownloadPanel::~WeightsDownloadPanel() {
  // Stop a download still running; its thread posts to this panel, so it must end first.
  if (m_downloadThread) {
    m_cancel->store(true);
    m_downloadThread->wait();
    delete m_downloadThread;
    m_downloadThread = nullptr;
  }
}

void WeightsDownloadPanel::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) retranslateUi();
  QWidget::changeEvent(event);
}

void WeightsDownloadPanel::retranslateUi() {
  m_downloadButton->setText(tr("Download now"));
  m_cancelButton->setText(tr("Cancel"));
  showState();
}

QString WeightsDownloadPanel::statusText() const { return m_status->text(); }

void WeightsDownloadPanel::check(bool imageNet, const std::string& architecture,
                                 const std::string& weightsName) {
  m_imageNet = imageNet;
  m_architecture = architecture;
  m_weightsName = weightsName;
  checkCache();
}

void WeightsDownloadPanel::setFileForTesting(const std::string& fileName, const std::string& sha256Prefix) {
  m_testFile = api::WeightsFile{fileName, sha256Prefix};
  checkCache();
}

std::optional<api::WeightsFile> WeightsDownloadPanel::chosenFile(QString* error) const {
  if (m_testFile) return m_testFile;
  try {
    return api::officialWeightsFor(m_architecture, m_weightsName).file;
  } catch (const std::exception& e) {
    if (error) *error = QString::fromStdString(e.what());
    return std::nullopt;
  }
}

void WeightsDownloadPanel::checkCache() {
  if (m_downloadThread) return;  // the download's end checks again
  m_errorMessage.clear();
  m_cachedPath.clear();
  QString error;
  const auto file = m_imageNet ? chosenFile(&error) : std::nullopt;
  if (!file) {
    m_cacheRunner->cancel();
    m_checkingCache = false;
    m_cacheState = CacheState::Unknown;
    m_errorMessage = error;
    showState();
    return;
  }
  m_cacheState = CacheState::Checking;
  m_checkingCache = true;
  showState();
  // A found copy is hashed (up to 100 MB): not on the GUI thread.
  m_cacheRunner->run<QString>([target =
                                   *file] { return QString::fromStdString(api::findCachedWeights(target)); },
                              [this](const QString& path) {
                                m_checkingCache = false;
                                m_cachedPath = path;
                                m_cacheState = path.isEmpty() ? CacheState::Missing : CacheState::Cached;
                                showState();
                              },
                              [this](const QString& message) {
                                m_checkingCache = false;
                                m_cacheState = CacheState::Missing;
                                m_errorMessage = message;
                                showState();
                              });
}

void WeightsDownloadPanel::startDownload() {
  if (m_downloadThread) return;
  QString error;
  const auto file = chosenFile(&error);
  if (!file) {
    m_errorMessage = error;
    showState();
    return;
  }
  m_cacheRunner->cancel();
  m_checkingCache = false;
  m_errorMessage.clear();
  m_downloadingName = QString::fromStdString(file->fileName);
  m_progress->setRange(0, 0);  // busy until the size is known
  m_progress->resetFormat();
  m_cancel = std::make_shared<std::atomic<bool>>(false);
  m_downloadThread = QThread::create([this, target = *file, cancel = m_cancel] {
    api::FetchOptions options;  // base URL and cache folder from the environment
    options.download.cancel = cancel.get();
    qint64 lastStep = -2;
    options.download.progress = [this, &lastStep](std::int64_t received, std::int64_t total) {
      // One update per 0.1 % (or per 256 KiB while the size is unknown), and always the last.
      const qint64 step = total > 0 ? received * 1000 / total : -2 - (received >> 18);
      if (step == lastStep && received != total) return;
      lastStep = step;
      QMetaObject::invokeMethod(
          this, [this, received, total] { downloadProgress(received, total); }, Qt::QueuedConnection);
    };
    QString path, message;
    bool cancelled = false;
    try {
      path = QString::fromStdString(api::fetchWeights(target, options));
    } catch (const api::DownloadCancelled&) {
      cancelled = true;
    } catch (const std::exception& e) {
      message = QString::fromStdString(e.what());  // the engine's message, shown verbatim
    }
    QMetaObject::invokeMethod(
        this, [this, path, message, cancelled] { downloadFinished(path, message, cancelled); },
        Qt::QueuedConnection);
  });
  m_downloadThread->start();
  showState();
}

void WeightsDownloadPanel::cancelDownload() {
  if (m_cancel) m_cancel->store(true);
  m_cancelButton->setEnabled(false);  // until the download has stopped
}

void WeightsDownloadPanel::downloadProgress(qint64 received, qint64 total) {
  if (!m_downloadThread) return;
  const QLocale locale;
  if (total > 0) {
    m_progress->setRange(0, 100);
    const int percent = int(received * 100 / total);
    m_progress->setValue(percent);
    m_progress->setFormat(tr("%1 of %2 (%3%)")
                              .arg(locale.formattedDataSize(received, 1), locale.formattedDataSize(total, 1))
                              .arg(percent));
  } else {
    m_progress->setRange(0, 0);
    m_progress->setToolTip(locale.formattedDataSize(received, 1));
  }
}

void WeightsDownloadPanel::downloadFinished(const QString& path, const QString& error, bool cancelled) {
  if (m_downloadThread) {
    m_downloadThread->wait();
    delete m_downloadThread;
    m_downloadThread = nullptr;
  }
  m_cancelButton->setEnabled(true);
  m_progress->setToolTip(QString());
  const auto file = chosenFile();
  if (m_imageNet && (!file || QString::fromStdString(file->fileName) != m_downloadingName)) {
    checkCache();  // the choice changed meanwhile: say what the new one needs
    return;
  }
  m_errorMessage = error;
  if (cancelled) {
    m_cacheState = CacheState::Cancelled;
  } else if (!error.isEmpty()) {
    m_cacheState = CacheState::Missing;
  } else {
    m_cacheState = CacheState::Downloaded;
    m_cachedPath = path;
  }
  showState();
}

void WeightsDownloadPanel::showState() {
  const bool downloading = m_downloadThread != nullptr;
  const bool visible = downloading || m_imageNet;
  const bool missing = m_cacheState == CacheState::Missing || m_cacheState == CacheState::Cancelled;
  m_progress->setVisible(visible && (downloading || m_cacheState == CacheState::Downloaded));
  if (!downloading && m_cacheState == CacheState::Downloaded) {
    m_progress->setRange(0, 100);
    m_progress->setValue(100);
  }
  m_downloadButton->setVisible(visible && !downloading && missing);
  m_cancelButton->setVisible(downloading);
  m_error->setText(m_errorMessage);
  m_error->setVisible(visible && !m_errorMessage.isEmpty());

  const auto file = chosenFile();
  const QString name = downloading ? m_downloadingName
                       : file      ? QString::fromStdString(file->fileName)
                                   : QString();
  QString status;
  if (downloading) {
    status = tr("Downloading %1 into %2…").arg(name, QString::fromStdString(api::weightsCacheDir()));
  } else if (file && visible) {
    switch (m_cacheState) {
      case CacheState::Unknown: break;
      case CacheState::Checking: status = tr("Looking for %1 on this machine…").arg(name); break;
      case CacheState::Cached:
        status = tr("%1 is already on this machine (%2): nothing to download.").arg(name, m_cachedPath);
        break;
      case CacheState::Downloaded:
        status = tr("%1 was downloaded and verified: %2").arg(name, m_cachedPath);
        break;
      case CacheState::Missing:
      case CacheState::Cancelled: {
        const QString host = QUrl(QString::fromStdString(api::weightsUrl(*file))).host();
        const qint64 size = knownFileSize(file->fileName);
        status = size > 0 ? tr("%1 (%2) is not on this machine yet: it will be downloaded from %3 when "
                               "training starts, or now.")
                                .arg(name, QLocale().formattedDataSize(size, 1), host)
                          : tr("%1 is not on this machine yet: it will be downloaded from %2 when "
                               "training starts, or now.")
                                .arg(name, host);
        if (m_cacheState == CacheState::Cancelled)
          status = tr("Download cancelled; nothing was saved.") + QLatin1Char(' ') + status;
        break;
      }
    }
  }
  m_status->setText(status);
  m_status->setVisible(visible && !status.isEmpty());
  // Nothing to show: no row at all (its layout spacing would stay behind).
  setVisible(m_status->isVisibleTo(this) || m_progress->isVisibleTo(this) ||
             m_downloadButton->isVisibleTo(this) || m_cancelButton->isVisibleTo(this) ||
             m_error->isVisibleTo(this));
}

}  // namespace ft::ui
