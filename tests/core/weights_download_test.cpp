// Downloading weights against a loopback HTTP server run by the test: a good file is verified
// and cached, a corrupt, partial or cancelled one is never cached, an unreachable server gives
// the offline message; plus the official catalog, the cache folders and SHA-256 itself.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include "common/error.h"
#include "export/model_export.h"
#include "models/resnet.h"
#include "test_support.h"
#include "weights/official_weights.h"
#include "weights/sha256.h"
#include "weights/torch_file.h"

namespace fs = std::filesystem;
using ft::UserError;
using ft::weights::FetchOptions;
using ft::weights::WeightsFile;

namespace {

// Serves registered paths over HTTP/1.1 on 127.0.0.1 at a free port, one connection at a time.
class LoopbackServer {
 public:
  struct Response {
    std::string body;
    std::size_t sendOnly = std::string::npos;  // close the connection after this many body bytes
    int chunkDelayMs = 0;                      // pause between 16 KiB chunks
  };

  LoopbackServer() {
    m_socket = ::socket(AF_INET, SOCK_STREAM, 0);
    int yes = 1;
    ::setsockopt(m_socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;  // any free port
    if (::bind(m_socket, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(m_socket, 8) != 0)
      throw std::runtime_error("loopback server: cannot listen");
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
  std::string baseUrl() const { return "http://127.0.0.1:" + std::to_string(m_port) + "/models"; }
  int requests() const { return m_requests; }

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
    ++m_requests;
    const auto start = request.find(' ') + 1;
    const std::string path = request.substr(start, request.find(' ', start) - start);
    Response response;
    bool found = false;
    {
      std::lock_guard<std::mutex> lock(m_mutex);
      const auto it = m_responses.find(path);
      if (it != m_responses.end()) {
        response = it->second;
        found = true;
      }
    }
    if (!found) {
      sendAll(client, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found");
      return;
    }
    sendAll(client, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
                        std::to_string(response.body.size()) + "\r\nConnection: close\r\n\r\n");
    const std::size_t total = std::min(response.sendOnly, response.body.size());
    for (std::size_t at = 0; at < total && !m_stop; at += 16384) {
      if (!sendAll(client, response.body.substr(at, std::min<std::size_t>(16384, total - at)))) return;
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
  std::atomic<int> m_requests{0};
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

std::string readBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::size_t filesIn(const fs::path& dir) {
  if (!fs::exists(dir)) return 0;
  return std::size_t(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}));
}

std::string expectUserError(const std::function<void()>& action, std::initializer_list<std::string> expected) {
  try {
    action();
  } catch (const UserError& e) {
    const std::string message = e.what();
    for (const auto& part : expected) EXPECT_NE(message.find(part), std::string::npos) << message;
    return message;
  }
  ADD_FAILURE() << "no error; expected one mentioning " << *expected.begin();
  return "";
}

class WeightsDownloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("no_proxy", "127.0.0.1,localhost", 1);
    ::setenv("NO_PROXY", "127.0.0.1,localhost", 1);
    m_options.baseUrl = m_server.baseUrl();
    m_options.cacheDir = (m_dir / "cache").string();
    m_options.searchDirs = std::vector<std::string>{};  // never the real ~/.cache/torch
    m_options.download.connectTimeoutSeconds = 5;
  }

  // A file served at /models/<name> with its real checksum prefix.
  WeightsFile serve(const std::string& name, const std::string& body, LoopbackServer::Response response = {}) {
    response.body = response.body.empty() ? body : response.body;
    m_server.add("/models/" + name, response);
    return {name, sha256(body).substr(0, 8)};
  }

  ft::test::TempDir m_dir{"weights-download"};
  LoopbackServer m_server;
  FetchOptions m_options;
};

}  // namespace

TEST(WeightsSha256, KnownVectors) {
  EXPECT_EQ(sha256(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(ft::weights::digestMatches(sha256("abc"), "BA7816BF"));
  EXPECT_FALSE(ft::weights::digestMatches(sha256("abc"), "ba7816bg"));
  EXPECT_FALSE(ft::weights::digestMatches(sha256("abc"), ""));
}

TEST(WeightsCatalog, TorchvisionNamesUrlsAndCacheFolders) {
  ::unsetenv(ft::weights::kWeightsBaseUrlVariable);
  const auto& r18 = ft::weights::officialWeightsFor("resnet18");
  EXPECT_EQ(r18.file.fileName, "resnet18-f37072fd.pth");
  EXPECT_EQ(r18.file.sha256Prefix, "f37072fd");
  EXPECT_EQ(ft::weights::weightsUrl(r18.file), "https://download.pytorch.org/models/resnet18-f37072fd.pth");
  EXPECT_EQ(ft::weights::officialWeightsFor("ResNet34", "IMAGENET").file.fileName, "resnet34-b627a593.pth");
  EXPECT_EQ(ft::weights::officialWeightsFor("resnet50", "imagenet1k_v1").file.fileName, "resnet50-0676ba61.pth");
  EXPECT_EQ(ft::weights::officialWeightsFor("resnet50", "imagenet1k_v2").file.fileName, "resnet50-11ad3fa6.pth");
  for (const auto& w : ft::weights::officialWeights())  // torch.hub's rule: the digits in the name
    EXPECT_NE(w.file.fileName.find("-" + w.file.sha256Prefix + ".pth"), std::string::npos);
  expectUserError([] { ft::weights::officialWeightsFor("resnet18", "imagenet1k_v2"); },
                  {"IMAGENET1K_V2", "ResNet-18"});
  expectUserError([] { ft::weights::officialWeightsFor("resnet18", "coco"); }, {"coco", "imagenet"});

  ::setenv(ft::weights::kWeightsBaseUrlVariable, "http://mirror.example/weights/", 1);
  EXPECT_EQ(ft::weights::weightsUrl(r18.file), "http://mirror.example/weights/resnet18-f37072fd.pth");
  FetchOptions explicitBase;
  explicitBase.baseUrl = "http://other.example";
  EXPECT_EQ(ft::weights::weightsUrl(r18.file, explicitBase), "http://other.example/resnet18-f37072fd.pth");
  ::unsetenv(ft::weights::kWeightsBaseUrlVariable);

  const std::string home = std::getenv("HOME") ? std::getenv("HOME") : "";
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const std::string savedXdg = xdg ? xdg : "";
  ::setenv("XDG_CACHE_HOME", "/tmp/xdg-cache", 1);
  EXPECT_EQ(ft::weights::weightsCacheDir(), "/tmp/xdg-cache/finetune-studio/weights");
  ::setenv("XDG_CACHE_HOME", "relative/ignored", 1);
  EXPECT_EQ(ft::weights::weightsCacheDir(), home + "/.cache/finetune-studio/weights");
  ::unsetenv("XDG_CACHE_HOME");
  const char* torchHome = std::getenv("TORCH_HOME");
  if (!torchHome) {
    EXPECT_EQ(ft::weights::torchHubCheckpointDir(), home + "/.cache/torch/hub/checkpoints");
  }
  if (xdg) ::setenv("XDG_CACHE_HOME", savedXdg.c_str(), 1);
}

TEST_F(WeightsDownloadTest, GoodFileIsVerifiedCachedAndReused) {
  const std::string body = randomBytes(300'000, 1);
  const auto file = serve("tiny-model.pth", body);
  std::vector<std::pair<std::int64_t, std::int64_t>> progress;
  m_options.download.progress = [&](std::int64_t received, std::int64_t total) { progress.emplace_back(received, total); };

  const std::string path = ft::weights::fetchWeights(file, m_options);
  EXPECT_EQ(path, (m_dir / "cache" / "tiny-model.pth").string());
  EXPECT_EQ(readBytes(path), body);
  EXPECT_EQ(filesIn(m_dir / "cache"), 1u) << "a temporary file was left behind";
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back(), std::make_pair(std::int64_t(body.size()), std::int64_t(body.size())));
  EXPECT_EQ(m_server.requests(), 1);

  EXPECT_EQ(ft::weights::findCachedWeights(file, m_options), path);
  EXPECT_EQ(ft::weights::fetchWeights(file, m_options), path);
  EXPECT_EQ(m_server.requests(), 1) << "a cached file was downloaded again";

  // A longer (full) checksum works too; a wrong one is refused.
  EXPECT_EQ(ft::weights::findCachedWeights({"tiny-model.pth", sha256(body)}, m_options), path);
  EXPECT_EQ(ft::weights::findCachedWeights({"tiny-model.pth", "00000000"}, m_options), "");
}

TEST_F(WeightsDownloadTest, CorruptDownloadIsRejectedAndNotCached) {
  const std::string body = randomBytes(200'000, 2);
  std::string corrupt = body;
  corrupt[123'456] ^= 0x20;
  LoopbackServer::Response response;
  response.body = corrupt;
  const auto file = serve("corrupt.pth", body, response);  // checksum of the good bytes
  expectUserError([&] { ft::weights::fetchWeights(file, m_options); },
                  {"SHA-256", "expected " + file.sha256Prefix, "Nothing was saved"});
  EXPECT_FALSE(fs::exists(m_dir / "cache" / "corrupt.pth"));
  EXPECT_EQ(filesIn(m_dir / "cache"), 0u);
}

TEST_F(WeightsDownloadTest, PartialDownloadIsNotCached) {
  const std::string body = randomBytes(200'000, 3);
  LoopbackServer::Response response;
  response.sendOnly = 50'000;  // the connection drops mid-file
  const auto file = serve("partial.pth", body, response);
  expectUserError([&] { ft::weights::fetchWeights(file, m_options); }, {"could not download", "partial.pth"});
  EXPECT_EQ(filesIn(m_dir / "cache"), 0u);
}

TEST_F(WeightsDownloadTest, UnreachableServerSaysWhereToPutTheFile) {
  m_options.baseUrl = "http://127.0.0.1:" + std::to_string(closedPort()) + "/models";
  const WeightsFile file{"resnet18-f37072fd.pth", "f37072fd"};
  const auto message = expectUserError([&] { ft::weights::fetchWeights(file, m_options); },
                                       {"could not download " + m_options.baseUrl + "/resnet18-f37072fd.pth",
                                        "Without internet access",
                                        (m_dir / "cache" / "resnet18-f37072fd.pth").string(), "--weights PATH"});
  std::cout << "[ message   ] " << message << "\n";
  EXPECT_EQ(filesIn(m_dir / "cache"), 0u);
}

TEST_F(WeightsDownloadTest, HttpErrorsNameTheStatus) {
  const WeightsFile file{"missing.pth", "12345678"};
  expectUserError([&] { ft::weights::fetchWeights(file, m_options); }, {"404", "missing.pth"});
  EXPECT_EQ(filesIn(m_dir / "cache"), 0u);
}

TEST_F(WeightsDownloadTest, CancelStopsTheDownloadAndKeepsNothing) {
  const std::string body = randomBytes(2'000'000, 4);
  LoopbackServer::Response response;
  response.chunkDelayMs = 5;  // ~1.5 s in all: plenty of time to cancel
  const auto file = serve("slow.pth", body, response);
  std::atomic<bool> cancel{false};
  m_options.download.cancel = &cancel;
  m_options.download.progress = [&](std::int64_t received, std::int64_t) {
    if (received > 100'000) cancel = true;
  };
  const auto start = std::chrono::steady_clock::now();
  try {
    ft::weights::fetchWeights(file, m_options);
    FAIL() << "a cancelled download returned";
  } catch (const ft::weights::DownloadCancelled& e) {
    EXPECT_NE(std::string(e.what()).find("cancelled"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 1.0);
  EXPECT_EQ(filesIn(m_dir / "cache"), 0u);
}

TEST_F(WeightsDownloadTest, ExistingCopiesAreFoundAndDamagedOnesIgnored) {
  const std::string body = randomBytes(100'000, 5);
  const WeightsFile file{"hub.pth", sha256(body).substr(0, 8)};
  const fs::path hub = m_dir / "torch" / "hub" / "checkpoints";
  fs::create_directories(hub);
  std::ofstream(hub / "hub.pth", std::ios::binary) << body;
  m_options.searchDirs = std::vector<std::string>{hub.string()};
  m_options.baseUrl = "http://127.0.0.1:" + std::to_string(closedPort());
  EXPECT_EQ(ft::weights::fetchWeights(file, m_options), (hub / "hub.pth").string());

  // Damaged in the hub folder: ignored (and left alone); offline, the message says so.
  std::string damaged = body;
  damaged[10] ^= 1;
  std::ofstream(hub / "hub.pth", std::ios::binary) << damaged;
  expectUserError([&] { ft::weights::fetchWeights(file, m_options); }, {"Without internet access"});
  EXPECT_EQ(readBytes(hub / "hub.pth"), damaged);
  // A damaged copy in our cache is replaced by a good download.
  fs::create_directories(m_dir / "cache");
  std::ofstream(m_dir / "cache" / "hub.pth", std::ios::binary) << damaged;
  m_options.baseUrl = m_server.baseUrl();
  serve("hub.pth", body);
  EXPECT_EQ(readBytes(ft::weights::fetchWeights(file, m_options)), body);
}

TEST_F(WeightsDownloadTest, DownloadedWeightsStartAModel) {
  // A torchvision-format file served like download.pytorch.org serves the real ones.
  ft::models::ResNet source(ft::models::Architecture::ResNet18, 1000);
  const auto local = (m_dir / "r18.pth").string();
  ft::weights::writeTorchFile(local, ft::models::stateDict(source));
  const auto file = serve("resnet18-test.pth", readBytes(local));
  const auto path = ft::weights::fetchWeights(file, m_options);
  ft::models::ResNet model(ft::models::Architecture::ResNet18, 10);
  const auto line = ft::exporting::loadStartingWeights(path, *model);
  EXPECT_NE(line.find("fc is new for 10"), std::string::npos) << line;
  EXPECT_TRUE(torch::equal(model->named_parameters()["layer1.0.conv1.weight"],
                           source->named_parameters()["layer1.0.conv1.weight"]));
}

TEST_F(WeightsDownloadTest, CliWithImagenetOfflineSaysWhereToPutTheFile) {
  ft::test::writeSyntheticIdx(m_dir / "data", 32, 16);
  const std::string env = "XDG_CACHE_HOME=" + (m_dir / "xdg").string() + " TORCH_HOME=" + (m_dir / "torch").string() +
                          " FINETUNE_WEIGHTS_BASE_URL=http://127.0.0.1:" + std::to_string(closedPort()) + "/models ";
  const auto r = ft::test::runCommand(env + ft::test::cliPath() + " train --weights imagenet --arch resnet18 --data " +
                                      (m_dir / "data").string() + " --runs-dir " + (m_dir / "runs").string() +
                                      " --epochs 1 --freeze-epochs 1 --batch-size 16 --threads 2 --workers 1");
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_NE(r.output.find("resnet18-f37072fd.pth"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find((m_dir / "xdg" / "finetune-studio" / "weights" / "resnet18-f37072fd.pth").string()),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(m_dir / "runs")) << "a run folder was created for a run that cannot start";

  const auto v2 = ft::test::runCommand(ft::test::cliPath() + " train --weights imagenet1k_v2 --arch resnet18 --data " +
                                       (m_dir / "data").string());
  EXPECT_EQ(v2.exitCode, 1);
  EXPECT_NE(v2.output.find("model.weights"), std::string::npos) << v2.output;
}
