#include "test_support.h"

#include <array>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <random>
#include <vector>
#include <chrono>
#include <cstdlib>
#include <sys/wait.h>
#include <unistd.h>

namespace ft::test {

TempDir::TempDir(const std::string& tag) {
  static std::atomic<int> counter{0};
  const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
  m_path = std::filesystem::temp_directory_path() / ("ft-" + tag + "-" + std::to_string(::getpid()) + "-" +
                                                     std::to_string(stamp) + "-" + std::to_string(counter++));
  std::filesystem::create_directories(m_path);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(m_path, ignored);
}

int runReferencePython(const std::string& script, const std::string& args) {
  const std::string command = std::string(FT_REFERENCE_PYTHON) + " " + sourceDir() + "/tests/python/" +
                              script + " " + args;
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool inCi() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) == "true";
}

std::string sourceDir() { return FT_SOURCE_DIR; }
std::string cliPath() { return FT_CLI_PATH; }

namespace {

void writeBigEndian(std::ofstream& out, std::uint32_t value) {
  const unsigned char bytes[4] = {static_cast<unsigned char>(value >> 24),
                                  static_cast<unsigned char>(value >> 16),
                                  static_cast<unsigned char>(value >> 8), static_cast<unsigned char>(value)};
  out.write(reinterpret_cast<const char*>(bytes), 4);
}

void writeSplit(const std::filesystem::path& dir, const std::string& prefix, int count, int classes,
                std::mt19937& rng) {
  constexpr int kSide = 28;
  std::ofstream images(dir / (prefix + "-images-idx3-ubyte"), std::ios::binary);
  std::ofstream labels(dir / (prefix + "-labels-idx1-ubyte"), std::ios::binary);
  writeBigEndian(images, 2051);
  writeBigEndian(images, std::uint32_t(count));
  writeBigEndian(images, kSide);
  writeBigEndian(images, kSide);
  writeBigEndian(labels, 2049);
  writeBigEndian(labels, std::uint32_t(count));
  std::uniform_int_distribution<int> noise(0, 60);
  std::vector<unsigned char> pixels(kSide * kSide);
  for (int i = 0; i < count; ++i) {
    const int label = i % classes;
    for (auto& p : pixels) p = static_cast<unsigned char>(noise(rng));
    // Class k: a horizontal bar (even k) or vertical bar (odd k) at a class-specific offset.
    const int offset = 3 + (label / 2) * 5;
    for (int a = 0; a < kSide; ++a)
      for (int w = 0; w < 3; ++w) {
        const int row = label % 2 == 0 ? offset + w : a;
        const int col = label % 2 == 0 ? a : offset + w;
        if (row < kSide && col < kSide) pixels[row * kSide + col] = 230;
      }
    images.write(reinterpret_cast<const char*>(pixels.data()), std::streamsize(pixels.size()));
    const unsigned char l = static_cast<unsigned char>(label);
    labels.write(reinterpret_cast<const char*>(&l), 1);
  }
}

}  // namespace

void writeSyntheticIdx(const std::filesystem::path& dir, int trainCount, int testCount, int classes,
                       unsigned seed) {
  std::filesystem::create_directories(dir);
  std::mt19937 rng(seed);
  writeSplit(dir, "train", trainCount, classes, rng);
  writeSplit(dir, "t10k", testCount, classes, rng);
}

CommandResult runCommand(const std::string& command) {
  CommandResult result;
  std::FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer{};
  std::size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace ft::test
