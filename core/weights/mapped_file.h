#pragma once
// A read-only view of a whole file (mmap) with bounds-checked access. Every reader in this
// folder goes through ByteView, so no offset or length taken from a file can reach past its end.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <utility>

namespace ft::weights {

// A span of bytes. Accessors throw FormatError (see below) instead of reading out of range.
class ByteView {
 public:
  ByteView() = default;
  ByteView(const std::uint8_t* data, std::size_t size) : m_data(data), m_size(size) {}

  const std::uint8_t* data() const { return m_data; }
  std::size_t size() const { return m_size; }
  bool empty() const { return m_size == 0; }

  // [offset, offset + length) of this view; throws when it does not fit.
  ByteView sub(std::uint64_t offset, std::uint64_t length, const char* what) const;
  bool fits(std::uint64_t offset, std::uint64_t length) const {
    return offset <= m_size && length <= m_size - offset;
  }
  std::uint16_t u16le(std::uint64_t offset) const;
  std::uint32_t u32le(std::uint64_t offset) const;
  std::uint64_t u64le(std::uint64_t offset) const;

 private:
  const std::uint8_t* m_data = nullptr;
  std::size_t m_size = 0;
};

// A structural problem found while parsing (short read, bad offset, ...). The file-level
// readers catch it and rethrow ft::UserError naming the file and what to do.
class FormatError : public std::exception {
 public:
  explicit FormatError(std::string message) : m_message(std::move(message)) {}
  const char* what() const noexcept override { return m_message.c_str(); }

 private:
  std::string m_message;
};

// The whole file mapped read-only. Throws ft::UserError when it cannot be opened.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  ByteView bytes() const { return {static_cast<const std::uint8_t*>(m_data), m_size}; }
  const std::string& path() const { return m_path; }

 private:
  std::string m_path;
  void* m_data = nullptr;
  std::size_t m_size = 0;
};

}  // namespace ft::weights
