// The Model page's ImageNet weights row (offscreen), against a loopback HTTP server run by the
// test: the status says whether the file is here or will be downloaded, "Download now" fills the
// progress bar and caches a verified file, a corrupt file shows the checksum error and nothing is
// cached, Cancel saves nothing, an unreachable server shows the offline message; choosing
// ImageNet suggests 224 px unless the size was set by hand.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QStandardPaths>
#include <QtTest>
#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include "language.h"
#include "model_page.h"
#include "test_support.h"
#include "weights/sha256.h"

namespace fs = std::filesystem;

namespace {

// Serves registered paths over HTTP/1.1 on 127.0.0.1 at a free port, one connection at a time
// (as in tests/core/weights_download_test.cpp).
class LoopbackServer {
 public:
  struct Response {
    std::string body;
    int chunkDelayMs = 0;  // pause between 16 KiB chunks
  };

  LoopbackServer() {
    m_socket = ::socket(AF_INET, SOCK_STREAM, 0);
    int yes = 1;
    ::setsockopt(m_socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(m_socket, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(m_socket, 8) != 0)
      qFatal("loopback server: cannot listen");
    socklen_t length = sizeof address;
    ::getsockname(m_socket, reinterpret_cast<sockaddr*>(&address), &length);
    m_port = ntohs(address.sin_port);
    m_thread = std::thread([this] { serve(); });
  }
  ~LoopbackServer() {
    m_stop = true;
    m_thread.join();
    ::close(m_socket);
  }

  void add(const std::string& path, Response response) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_responses[path] = std::move(response);
  }
  QByteArray baseUrl() const { return "http://127.0.0.1:" + QByteArray::number(m_port) + "/models"; }

 private:
  void serve() {
    while (!m_stop) {
      pollfd p{m_socket, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int client = ::accept(m_socket, nullptr, nullptr);
      if (client < 0) continue;
      handle(client);
      ::close(client);
    }
  }

  void handle(int client) {
    std::string request;
    char buffer[4096];
    while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536) {
      const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
      if (n <= 0) return;
      request.append(buffer, std::size_t(n));
    }
    const auto start = request.find(' ') + 1;
    const std::string path = request.substr(start, request.find(' ', start) - start);
    Response response;
    {
      std::lock_guard<std::mutex> lock(m_mutex);
      const auto it = m_responses.find(path);
      if (it == m_responses.end()) {
        sendAll(client, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found");
        return;
      }
      response = it->second;
    }
    sendAll(client, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
                        std::to_string(response.body.size()) + "\r\nConnection: close\r\n\r\n");
    for (std::size_t at = 0; at < response.body.size() && !m_stop; at += 16384) {
      if (!sendAll(client, response.body.substr(at, std::min<std::size_t>(16384, response.body.size() - at))))
        return;
      if (response.chunkDelayMs > 0) std::this_thread::sleep_for(std::chrono::milliseconds(response.chunkDelayMs));
    }
  }

  static bool sendAll(int client, const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
      const ssize_t n = ::send(client, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += std::size_t(n);
    }
    return true;
  }

  int m_socket = -1;
  int m_port = 0;
  std::thread m_thread;
  std::atomic<bool> m_stop{false};
  std::mutex m_mutex;
  std::map<std::string, Response> m_responses;
};

// A port nothing listens on: bound, then closed.
int closedPort() {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(s);
  return ntohs(address.sin_port);
}

std::string randomBytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = char(rng() & 0xff);
  return out;
}

std::string sha256(const std::string& bytes) {
  ft::weights::Sha256 hash;
  hash.update(bytes.data(), bytes.size());
  return hash.hexDigest();
}

template <class Widget>
Widget* child(QWidget* root, const char* name) {
  auto* widget = root->findChild<Widget*>(QLatin1String(name));
  if (!widget) qFatal("no widget named %s", name);
  return widget;
}

}  // namespace

class ModelPageTest final : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    ft::ui::applyLanguage(QString::fromLatin1(ft::ui::kEnglish));
    qputenv("no_proxy", "127.0.0.1,localhost");
    qputenv("NO_PROXY", "127.0.0.1,localhost");
    qunsetenv("TORCH_HOME");  // the torch.hub folder is then under XDG_CACHE_HOME too
    qputenv("XDG_CACHE_HOME", QByteArray::fromStdString(m_cacheHome.path().string()));
    qputenv("FINETUNE_WEIGHTS_BASE_URL", m_server.baseUrl());
  }

  void init() { fs::remove_all(cacheDir()); }

  void imageNetSuggests224UnlessTheSizeWasSetByHand() {
    ft::ui::ModelPage page;
    page.load(ft::config::RunConfig{});  // as the wizard does
    auto* size = child<QSpinBox>(&page, "inputSize");
    QCOMPARE(size->value(), 32);
    child<QRadioButton>(&page, "weightsImageNet")->click();
    QCOMPARE(size->value(), 224);

    ft::ui::ModelPage edited;
    edited.load(ft::config::RunConfig{});
    auto* editedSize = child<QSpinBox>(&edited, "inputSize");
    editedSize->setValue(64);
    child<QRadioButton>(&edited, "weightsImageNet")->click();
    QCOMPARE(editedSize->value(), 64);

    ft::config::RunConfig config;  // a size chosen in a loaded configuration is kept too
    config.transform.inputSize = 48;
    ft::ui::ModelPage loaded;
    loaded.load(config);
    child<QRadioButton>(&loaded, "weightsImageNet")->click();
    QCOMPARE(child<QSpinBox>(&loaded, "inputSize")->value(), 48);
  }

  void downloadFillsTheProgressBarAndCachesTheFile() {
    const std::string body = randomBytes(1'200'000, 1);
    m_server.add("/models/tiny-resnet.pth", {body, 4});
    ft::ui::ModelPage page;
    page.show();
    chooseImageNet(page, "tiny-resnet.pth", sha256(body).substr(0, 16));
    QVERIFY2(page.downloadStatusText().contains(QStringLiteral("tiny-resnet.pth")) &&
                 page.downloadStatusText().contains(QStringLiteral("will be downloaded from 127.0.0.1")),
             qPrintable(page.downloadStatusText()));
    auto* download = child<QPushButton>(&page, "downloadWeights");
    auto* progress = child<QProgressBar>(&page, "weightsDownloadProgress");
    QVERIFY(download->isVisible());
    QVERIFY(!progress->isVisible());

    QList<int> values;
    connect(progress, &QProgressBar::valueChanged, this, [&values](int value) { values << value; });
    download->click();
    QVERIFY(page.isDownloading());
    QVERIFY(child<QPushButton>(&page, "cancelDownload")->isVisible());
    QVERIFY(page.isComplete());  // Next stays allowed: the trainer downloads on start too
    QTRY_VERIFY_WITH_TIMEOUT(!page.isDownloading(), 20000);

    QVERIFY2(page.downloadErrorText().isEmpty(), qPrintable(page.downloadErrorText()));
    QCOMPARE(progress->maximum(), 100);
    QCOMPARE(progress->value(), 100);
    QVERIFY(std::any_of(values.begin(), values.end(), [](int v) { return v > 0 && v < 100; }));
    QVERIFY2(page.downloadStatusText().contains(QStringLiteral("was downloaded")),
             qPrintable(page.downloadStatusText()));
    QVERIFY(fs::is_regular_file(cacheDir() / "tiny-resnet.pth"));
    QCOMPARE(fs::file_size(cacheDir() / "tiny-resnet.pth"), body.size());
    QVERIFY(!download->isVisible());

    // Another page finds it on this machine.
    ft::ui::ModelPage again;
    chooseImageNet(again, "tiny-resnet.pth", sha256(body).substr(0, 16));
    QVERIFY2(again.downloadStatusText().contains(QStringLiteral("already on this machine")),
             qPrintable(again.downloadStatusText()));
  }

  void corruptFileShowsTheChecksumErrorAndIsNotCached() {
    const std::string body = randomBytes(300'000, 2);
    std::string corrupt = body;
    corrupt[123'456] ^= 0x20;
    m_server.add("/models/corrupt.pth", {corrupt, 0});
    ft::ui::ModelPage page;
    page.show();
    chooseImageNet(page, "corrupt.pth", sha256(body).substr(0, 16));
    child<QPushButton>(&page, "downloadWeights")->click();
    QTRY_VERIFY_WITH_TIMEOUT(!page.isDownloading(), 20000);
    const QString error = child<QLabel>(&page, "weightsDownloadError")->text();
    QVERIFY2(error.contains(QStringLiteral("SHA-256")) && error.contains(QStringLiteral("Nothing was saved")),
             qPrintable(error));
    QVERIFY(child<QLabel>(&page, "weightsDownloadError")->isVisible());
    QVERIFY(!fs::exists(cacheDir() / "corrupt.pth"));
    QVERIFY(child<QPushButton>(&page, "downloadWeights")->isVisible());  // try again
    QVERIFY(page.isComplete());
  }

  void cancelSavesNothing() {
    m_server.add("/models/slow.pth", {randomBytes(2'000'000, 3), 40});  // ~5 s in all
    ft::ui::ModelPage page;
    page.show();
    chooseImageNet(page, "slow.pth", "0123456789abcdef");
    child<QPushButton>(&page, "downloadWeights")->click();
    auto* progress = child<QProgressBar>(&page, "weightsDownloadProgress");
    QTRY_VERIFY_WITH_TIMEOUT(progress->value() > 0, 10000);
    child<QPushButton>(&page, "cancelDownload")->click();
    QTRY_VERIFY_WITH_TIMEOUT(!page.isDownloading(), 10000);
    QVERIFY2(page.downloadStatusText().contains(QStringLiteral("cancelled")), qPrintable(page.downloadStatusText()));
    QVERIFY(page.downloadErrorText().isEmpty());
    QVERIFY(!fs::exists(cacheDir() / "slow.pth"));
  }

  void unreachableServerShowsTheOfflineMessage() {
    qputenv("FINETUNE_WEIGHTS_BASE_URL", "http://127.0.0.1:" + QByteArray::number(closedPort()) + "/models");
    ft::ui::ModelPage page;  // the official file of ResNet-18: its size is known
    page.show();
    child<QRadioButton>(&page, "weightsImageNet")->click();
    QTRY_VERIFY_WITH_TIMEOUT(!page.isCheckingCache(), 20000);
    QVERIFY2(page.downloadStatusText().contains(QStringLiteral("resnet18-f37072fd.pth (44.7 MiB)")),
             qPrintable(page.downloadStatusText()));
    child<QPushButton>(&page, "downloadWeights")->click();
    QTRY_VERIFY_WITH_TIMEOUT(!page.isDownloading(), 20000);
    const QString error = child<QLabel>(&page, "weightsDownloadError")->text();
    QVERIFY2(error.contains(QStringLiteral("Without internet access")) &&
                 error.contains(QString::fromStdString((cacheDir() / "resnet18-f37072fd.pth").string())),
             qPrintable(error));
    QVERIFY(page.isComplete());
    qputenv("FINETUNE_WEIGHTS_BASE_URL", m_server.baseUrl());
  }

 private:
  fs::path cacheDir() const { return m_cacheHome.path() / "finetune-studio" / "weights"; }

  static void chooseImageNet(ft::ui::ModelPage& page, const std::string& name, const std::string& sha) {
    page.setWeightsFileForTesting(name, sha);
    child<QRadioButton>(&page, "weightsImageNet")->click();
    QTRY_VERIFY_WITH_TIMEOUT(!page.isCheckingCache(), 20000);
  }

  ft::test::TempDir m_cacheHome{"model-page-cache"};
  LoopbackServer m_server;
};

QTEST_MAIN(ModelPageTest)
#include "model_page_test.moc"
