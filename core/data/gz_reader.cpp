#include "data/gz_reader.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/error.h"

namespace ft::data {

GzReader::GzReader(std::string path) : m_path(std::move(path)) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(m_path, ec)) throw UserError(m_path + ": not a readable file.");
  gzFile file = gzopen(m_path.c_str(), "rb");
  if (!file)
    throw UserError(m_path + ": cannot open (" + std::strerror(errno) + "). Check the file permissions.");
  gzbuffer(file, 1 << 18);
  m_file = file;
}

GzReader::~GzReader() {
  if (m_file) gzclose_r(static_cast<gzFile>(m_file));
}

std::size_t GzReader::read(void* buffer, std::size_t size) {
  auto* out = static_cast<unsigned char*>(buffer);
  std::size_t total = 0;
  while (total < size) {
    const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(size - total, 1u << 30));
    const int got = gzread(static_cast<gzFile>(m_file), out + total, chunk);
    if (got < 0) {
      int code = 0;
      const char* message = gzerror(static_cast<gzFile>(m_file), &code);
      throw UserError(m_path + ": corrupt or truncated file (" + (message ? message : "zlib error") +
                      "). Download it again.");
    }
    if (got == 0) {
      // gzread reports a stream cut short as end of data; gzerror tells the two apart.
      int code = Z_OK;
      const char* message = gzerror(static_cast<gzFile>(m_file), &code);
      if (code != Z_OK && code != Z_STREAM_END)
        throw UserError(m_path + ": corrupt or truncated file (" + (message ? message : "zlib error") +
                        "). Download it again.");
      break;
    }
    total += static_cast<std::size_t>(got);
  }
  return total;
}

}  // namespace ft::data
