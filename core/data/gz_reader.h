#pragma once
// Reads a file that may or may not be gzip-compressed (zlib's gzread passes plain files
// through unchanged). Errors are ft::UserError naming the file.
#include <cstddef>
#include <string>

namespace ft::data {

class GzReader {
 public:
  explicit GzReader(std::string path);  // throws UserError if it cannot be opened
  ~GzReader();
  GzReader(const GzReader&) = delete;
  GzReader& operator=(const GzReader&) = delete;

  // Reads up to `size` bytes; returns how many were read (fewer only at the end of the data).
  // Throws UserError on a corrupt or truncated compressed stream.
  std::size_t read(void* buffer, std::size_t size);
  const std::string& path() const { return m_path; }

 private:
  std::string m_path;
  void* m_file = nullptr;  // gzFile
};

}  // namespace ft::data
