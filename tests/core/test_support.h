#pragma once
// Helpers shared by the engine tests: scratch folders and the reference Python.
#include <filesystem>
#include <string>

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

// Runs `/usr/bin/python3 script args...` (PyTorch + torchvision), returns its exit code.
int runReferencePython(const std::string& script, const std::string& args);
std::string sourceDir();

}  // namespace ft::test
