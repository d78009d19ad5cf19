#pragma once
// The zip container of torch.save (PyTorch >= 1.6): reading with every offset, size and CRC-32
// checked, and writing the same layout PyTorch writes (stored records, data 64-byte aligned).
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "weights/mapped_file.h"

namespace ft::weights {

class ZipReader {
 public:
  // Parses the central directory of `zip` (which must outlive the reader). Throws FormatError.
  explicit ZipReader(ByteView zip);

  struct Entry {
    std::string name;
    std::uint16_t method = 0;  // 0 stored, 8 deflated
    std::uint32_t crc32 = 0;
    std::uint64_t compressedSize = 0;
    std::uint64_t size = 0;
    std::uint64_t localHeaderOffset = 0;
  };
  const std::vector<Entry>& entries() const { return m_entries; }
  const Entry* find(const std::string& name) const;

  // The record's bytes, CRC-checked. Stored records are views into the mapped file; deflated
  // ones are inflated into memory owned by the reader. Throws FormatError.
  ByteView read(const Entry& entry);

 private:
  ByteView m_zip;
  std::uint64_t m_directoryOffset = 0;
  std::vector<Entry> m_entries;
  std::vector<std::unique_ptr<std::vector<std::uint8_t>>> m_inflated;
};

// Writes a zip of stored (uncompressed) records into `path` with the data of each record
// aligned to 64 bytes, like PyTorch's PyTorchStreamWriter. Throws ft::UserError.
class ZipWriter {
 public:
  explicit ZipWriter(const std::string& path);
  ~ZipWriter();
  ZipWriter(const ZipWriter&) = delete;
  ZipWriter& operator=(const ZipWriter&) = delete;

  void add(const std::string& name, const void* data, std::size_t size);
  // Writes the central directory and closes the file.
  void finish();

 private:
  void write(const void* data, std::size_t size);

  struct Record {
    std::string name;
    std::uint32_t crc32;
    std::uint64_t size;
    std::uint64_t offset;
  };
  std::string m_path;
  std::FILE* m_file = nullptr;
  std::uint64_t m_offset = 0;
  std::vector<Record> m_records;
};

}  // namespace ft::weights
