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
#include "loopback_http.h"
#include "test_support.h"
#include "user_error.h"
#include "weights/official_weights.h"
#include "weights/sha256.h"
#include "weights/torch_file.h"

namespace fs = std::filesystem;
using ft::UserError;
using ft::weights::FetchOptions;
using ft::weights::WeightsFile;

namespace {

using ft::test::closedPort;
using ft::test::expectUserError;
using ft::test::LoopbackServer;
using ft::test::randomBytes;

// Serves registered paths over HTTP/1.1 on 127.0.0.1 at a free port, one connection at a time.
std::string readBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::size_t filesIn(const fs::path& dir) {
  if (!fs::exists(dir)) return 0;
  return std::size_t(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}));
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
  WeightsFile serve(const std::string& name, const std::string& body,
                    LoopbackServer::Response response = {}) {
    response.body = response.body.empty() ? body : response.body;
    m_server.add("/models/" + name, response);
    return {name, ft::test::sha256Hex(body).substr(0, 8)};
  }

  ft::test::TempDir m_dir{"weights-download"};
  LoopbackServer m_server;
  FetchOptions m_options;
};

}  // namespace

TEST(WeightsSha256, KnownVectors) {
  EXPECT_EQ(ft::test::sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(ft::test::sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(ft::weights::digestMatches(ft::test::sha256Hex("abc"), "BA7816BF"));
  EXPECT_FALSE(ft::weights::digestMatches(ft::test::sha256Hex("abc"), "ba7816bg"));
  EXPECT_FALSE(ft::weights::digestMatches(ft::test::sha256Hex("abc"), ""));
}

TEST(WeightsCatalog, TorchvisionNamesUrlsAndCacheFolders) {
  ::unsetenv(ft::weights::kWeightsBaseUrlVariable);
  const auto& r18 = ft::weights::officialWeightsFor("resnet18");
  EXPECT_EQ(r18.file.fileName, "resnet18-f37072fd.pth");
  EXPECT_EQ(r18.file.sha256Prefix, "f37072fd");
  EXPECT_EQ(ft::weights::weightsUrl(r18.file), "https://download.pytorch.org/models/resnet18-f37072fd.pth");
  EXPECT_EQ(ft::weights::officialWeightsFor("ResNet34", "IMAGENET").file.fileName, "resnet34-b627a593.pth");
  EXPECT_EQ(ft::weights::officialWeightsFor("resnet50", "imagenet1k_v1").file.fileName,
            "resnet50-0676ba61.pth");
  EXPECT_EQ(ft::weights::officialWeightsFor("resnet50", "imagenet1k_v2").file.fileName,
            "resnet50-11ad3fa6.pth");
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
  m_options.download.progress = [&](std::int64_t received, std::int64_t total) {
    progress.emplace_back(received, total);
  };

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
  EXPECT_EQ(ft::weights::findCachedWeights({"tiny-model.pth", ft::test::sha256Hex(body)}, m_options), path);
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
  const auto message =
      expectUserError([&] { ft::weights::fetchWeights(file, m_options); },
                      {"could not download " + m_options.baseUrl + "/resnet18-f37072fd.pth",
                       "Without internet access", (m_dir / "cache" / "resnet18-f37072fd.pth").string(),
                       "--weights PATH"});
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
  const WeightsFile file{"hub.pth", ft::test::sha256Hex(body).substr(0, 8)};
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
  const std::string env =
      "XDG_CACHE_HOME=" + (m_dir / "xdg").string() + " TORCH_HOME=" + (m_dir / "torch").string() +
      " FINETUNE_WEIGHTS_BASE_URL=http://127.0.0.1:" + std::to_string(closedPort()) + "/models ";
  const auto r =
      ft::test::runCommand(env + ft::test::cliPath() + " train --weights imagenet --arch resnet18 --data " +
                           (m_dir / "data").string() + " --runs-dir " + (m_dir / "runs").string() +
                           " --epochs 1 --freeze-epochs 1 --batch-size 16 --threads 2 --workers 1");
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_NE(r.output.find("resnet18-f37072fd.pth"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find((m_dir / "xdg" / "finetune-studio" / "weights" / "resnet18-f37072fd.pth").string()),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(m_dir / "runs")) << "a run folder was created for a run that cannot start";

  const auto v2 = ft::test::runCommand(ft::test::cliPath() +
                                       " train --weights imagenet1k_v2 --arch resnet18 --data " +
                                       (m_dir / "data").string());
  EXPECT_EQ(v2.exitCode, 1);
  EXPECT_NE(v2.output.find("model.weights"), std::string::npos) << v2.output;
}
