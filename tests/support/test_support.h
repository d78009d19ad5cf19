#pragma once
// Helpers shared by the engine tests: scratch folders and the reference Python.
#include <filesystem>
#include <string>

// A reference a test compares against (PyTorch + torchvision under /usr/bin/python3, ONNX Runtime
// from npm, the Fashion-MNIST package) is missing: a skip on a developer's machine, a failure
// in CI, where a green run must mean that every comparison ran. Use in a test body or SetUp.
#define FT_REFERENCE_MISSING(why)                                                     \
  do {                                                                                \
    if (::ft::test::inCi()) {                                                         \
      FAIL() << (why) << " [CI=true: a missing reference fails instead of skipping]"; \
    } else {                                                                          \
      GTEST_SKIP() << (why);                                                          \
    }                                                                                 \
  } while (0)

namespace ft::test {

// A fresh, empty folder under the system temp dir, removed when the object dies.
class TempDir {
 public:
  explicit TempDir(const std::string& tag);
  ~TempDir();
  const std::filesystem::path& path() const { return m_path; }
  std::filesystem::path operator/(const std::string& name) const { return m_path / name; }

 private:
  std::filesystem::path m_path;
};

// True under CI (the environment variable CI is "true", as GitHub, GitLab and .ci/run set it).
bool inCi();

// Runs `/usr/bin/python3 script args...` (PyTorch + torchvision), returns its exit code.
int runReferencePython(const std::string& script, const std::string& args);
std::string sourceDir();

// Writes a small learnable IDX data set (raw, uncompressed) into `dir`: 28x28 grayscale,
// `classes` classes, each class a bright bar at its own place plus seeded noise.
// Files: train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
// t10k-labels-idx1-ubyte.
void writeSyntheticIdx(const std::filesystem::path& dir, int trainCount, int testCount, int classes = 10,
                       unsigned seed = 1);

// Runs a shell command, returns {exit code, stdout+stderr}.
struct CommandResult {
  int exitCode = -1;
  std::string output;
};
CommandResult runCommand(const std::string& command);
std::string cliPath();

}  // namespace ft::test
