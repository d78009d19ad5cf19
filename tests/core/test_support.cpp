#include "test_support.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <unistd.h>

namespace ft::test {

TempDir::TempDir(const std::string& tag) {
  static std::atomic<int> counter{0};
  const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
  m_path = std::filesystem::temp_directory_path() /
           ("ft-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(stamp) + "-" +
            std::to_string(counter++));
  std::filesystem::create_directories(m_path);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(m_path, ignored);
}

int runReferencePython(const std::string& script, const std::string& args) {
  const std::string command = std::string(FT_REFERENCE_PYTHON) + " " + sourceDir() +
                              "/tests/python/" + script + " " + args;
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string sourceDir() { return FT_SOURCE_DIR; }

}  // namespace ft::test
