#include "weights/mapped_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"

namespace ft::weights {

ByteView ByteView::sub(std::uint64_t offset, std::uint64_t length, const char* what) const {
  if (!fits(offset, length))
    throw FormatError(std::string(what) + " lies past the end of the data (needs bytes " +
                      std::to_string(offset) + " to " + std::to_string(offset + length) + ", only " +
                      std::to_string(m_size) + " there)");
  return {m_data + offset, std::size_t(length)};
}

std::uint16_t ByteView::u16le(std::uint64_t offset) const {
  const auto b = sub(offset, 2, "a 16-bit field").data();
  return std::uint16_t(b[0] | (b[1] << 8));
}

std::uint32_t ByteView::u32le(std::uint64_t offset) const {
  const auto b = sub(offset, 4, "a 32-bit field").data();
  return std::uint32_t(b[0]) | (std::uint32_t(b[1]) << 8) | (std::uint32_t(b[2]) << 16) |
         (std::uint32_t(b[3]) << 24);
}

std::uint64_t ByteView::u64le(std::uint64_t offset) const {
  return std::uint64_t(u32le(offset)) | (std::uint64_t(u32le(offset + 4)) << 32);
}

MappedFile::MappedFile(const std::string& path) : m_path(path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) throw UserError(path + ": file not found; check the path");
    throw UserError(path + ": cannot open (" + std::strerror(err) + "); check the permissions");
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    throw UserError(path + ": not a regular file; give the path of a weights file");
  }
  m_size = std::size_t(info.st_size);
  if (m_size > 0) {
    m_data = ::mmap(nullptr, m_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m_data == MAP_FAILED) {
      const int err = errno;
      m_data = nullptr;
      ::close(fd);
      throw UserError(path + ": cannot be read (" + std::strerror(err) + ")");
    }
  }
  ::close(fd);
}

MappedFile::~MappedFile() {
  if (m_data) ::munmap(m_data, m_size);
}

}  // namespace ft::weights
