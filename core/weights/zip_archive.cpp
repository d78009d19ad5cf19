#include "weights/zip_archive.h"

#include <cerrno>
#include <cstdio>
#include <algorithm>
#include <cstring>
#include <limits>

#include <zlib.h>

#include "common/error.h"

namespace ft::weights {
namespace {

constexpr std::uint32_t kLocalHeader = 0x04034b50;
constexpr std::uint32_t kCentralHeader = 0x02014b50;
constexpr std::uint32_t kEndOfDirectory = 0x06054b50;
constexpr std::uint32_t kZip64EndOfDirectory = 0x06064b50;
constexpr std::uint32_t kZip64Locator = 0x07064b50;
constexpr std::uint32_t kMax32 = 0xffffffffu;
constexpr std::size_t kAlignment = 64;  // PyTorchStreamWriter's kFieldAlignment

std::uint32_t crcOf(const std::uint8_t* data, std::size_t size) {
  return std::uint32_t(crc32_z(crc32_z(0L, Z_NULL, 0), data, size));
}

// The zip64 extra field (id 1) holds the 64-bit values whose 32-bit fields are 0xffffffff, in
// the order size, compressed size, local header offset.
void applyZip64Extra(ByteView extra, ZipReader::Entry& e, bool sizeMax, bool compressedMax, bool offsetMax) {
  std::uint64_t pos = 0;
  while (extra.fits(pos, 4)) {
    const std::uint16_t id = extra.u16le(pos);
    const std::uint16_t length = extra.u16le(pos + 2);
    const ByteView body = extra.sub(pos + 4, length, "a zip extra field");
    if (id == 1) {
      std::uint64_t at = 0;
      if (sizeMax) {
        e.size = body.u64le(at);
        at += 8;
      }
      if (compressedMax) {
        e.compressedSize = body.u64le(at);
        at += 8;
      }
      if (offsetMax) {
        e.localHeaderOffset = body.u64le(at);
        at += 8;
      }
      return;
    }
    pos += 4 + std::uint64_t(length);
  }
  if (sizeMax || compressedMax || offsetMax)
    throw FormatError("a zip entry needs 64-bit sizes but has no zip64 field");
}

}  // namespace

ZipReader::ZipReader(ByteView zip) : m_zip(zip) {
  // The end-of-central-directory record: 22 bytes plus a comment of up to 65535 bytes.
  if (zip.size() < 22) throw FormatError("too short to be a zip archive");
  std::uint64_t eocd = 0;
  bool found = false;
  const std::uint64_t lowest = zip.size() > 22 + 65535 ? zip.size() - 22 - 65535 : 0;
  for (std::uint64_t pos = zip.size() - 22;; --pos) {
    if (zip.u32le(pos) == kEndOfDirectory && pos + 22 + zip.u16le(pos + 20) == zip.size()) {
      eocd = pos;
      found = true;
      break;
    }
    if (pos == lowest) break;
  }
  if (!found)
    throw FormatError("the zip directory at the end of the file is missing: the file is "
                      "truncated (an interrupted download or copy) or not a zip archive");

  std::uint64_t count = zip.u16le(eocd + 10);
  std::uint64_t directorySize = zip.u32le(eocd + 12);
  std::uint64_t directoryOffset = zip.u32le(eocd + 16);
  if ((count == 0xffff || directorySize == kMax32 || directoryOffset == kMax32) && eocd >= 20 &&
      zip.u32le(eocd - 20) == kZip64Locator) {
    const std::uint64_t record = zip.u64le(eocd - 20 + 8);
    if (zip.u32le(record) != kZip64EndOfDirectory) throw FormatError("the zip64 directory record is damaged");
    count = zip.u64le(record + 32);
    directorySize = zip.u64le(record + 40);
    directoryOffset = zip.u64le(record + 48);
  }
  const ByteView directory = zip.sub(directoryOffset, directorySize, "the zip directory");
  m_directoryOffset = directoryOffset;
  if (count > directorySize / 46) throw FormatError("the zip directory lists more entries than fit in it");

  std::uint64_t pos = 0;
  m_entries.reserve(std::size_t(count));
  for (std::uint64_t i = 0; i < count; ++i) {
    if (directory.u32le(pos) != kCentralHeader)
      throw FormatError("zip directory entry " + std::to_string(i) + " is damaged");
    const std::uint16_t flags = directory.u16le(pos + 8);
    Entry e;
    e.method = directory.u16le(pos + 10);
    e.crc32 = directory.u32le(pos + 16);
    e.compressedSize = directory.u32le(pos + 20);
    e.size = directory.u32le(pos + 24);
    const std::uint16_t nameLength = directory.u16le(pos + 28);
    const std::uint16_t extraLength = directory.u16le(pos + 30);
    const std::uint16_t commentLength = directory.u16le(pos + 32);
    e.localHeaderOffset = directory.u32le(pos + 42);
    const ByteView name = directory.sub(pos + 46, nameLength, "a zip entry name");
    e.name.assign(reinterpret_cast<const char*>(name.data()), name.size());
    applyZip64Extra(directory.sub(pos + 46 + nameLength, extraLength, "a zip extra field"), e,
                    e.size == kMax32, e.compressedSize == kMax32, e.localHeaderOffset == kMax32);
    if (flags & 1) throw FormatError("zip entry " + e.name + " is encrypted");
    if (e.method != 0 && e.method != 8)
      throw FormatError("zip entry " + e.name + " uses compression method " + std::to_string(e.method) +
                        " (only stored and deflate are read)");
    if (e.method == 0 && e.size != e.compressedSize)
      throw FormatError("zip entry " + e.name + " is stored but its sizes disagree");
    m_entries.push_back(std::move(e));
    pos += 46 + std::uint64_t(nameLength) + extraLength + commentLength;
  }
}

const ZipReader::Entry* ZipReader::find(const std::string& name) const {
  for (const auto& e : m_entries)
    if (e.name == name) return &e;
  return nullptr;
}

ByteView ZipReader::read(const Entry& e) {
  // Records live before the central directory; a local header must agree on the name length.
  const ByteView records = m_zip.sub(0, m_directoryOffset, "the zip records");
  if (records.u32le(e.localHeaderOffset) != kLocalHeader)
    throw FormatError("the zip record " + e.name + " is damaged (bad local header)");
  const std::uint16_t nameLength = records.u16le(e.localHeaderOffset + 26);
  const std::uint16_t extraLength = records.u16le(e.localHeaderOffset + 28);
  const std::uint64_t start = e.localHeaderOffset + 30 + std::uint64_t(nameLength) + extraLength;
  const ByteView stored = records.sub(start, e.compressedSize, ("the zip record " + e.name).c_str());

  ByteView data = stored;
  if (e.method == 8) {
    // Deflate expands at most ~1032:1; a larger claim is damage, not a reason to allocate.
    if (e.size / 1032 > e.compressedSize + 1)
      throw FormatError("zip record " + e.name + " claims an impossible uncompressed size");
    auto buffer = std::make_unique<std::vector<std::uint8_t>>(std::size_t(e.size));
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) throw FormatError("cannot start zlib");
    z.next_in = const_cast<Bytef*>(stored.data());
    z.next_out = buffer->data();
    std::uint64_t inLeft = stored.size(), outLeft = buffer->size();
    int rc = Z_OK;
    for (;;) {  // zlib counts in 32-bit chunks
      if (z.avail_in == 0 && inLeft > 0) {
        z.avail_in = uInt(std::min<std::uint64_t>(inLeft, 1u << 30));
        inLeft -= z.avail_in;
      }
      if (z.avail_out == 0 && outLeft > 0) {
        z.avail_out = uInt(std::min<std::uint64_t>(outLeft, 1u << 30));
        outLeft -= z.avail_out;
      }
      rc = inflate(&z, Z_NO_FLUSH);
      if (rc != Z_OK) break;  // Z_STREAM_END when complete; anything else is damage
    }
    const std::uint64_t produced = z.total_out;
    inflateEnd(&z);
    if (rc != Z_STREAM_END || produced != e.size)
      throw FormatError("the zip record " + e.name + " does not decompress (damaged)");
    data = ByteView(buffer->data(), buffer->size());
    m_inflated.push_back(std::move(buffer));
  }
  if (crcOf(data.data(), data.size()) != e.crc32)
    throw FormatError("the zip record " + e.name +
                      " fails its CRC-32 check: the file is damaged (a bad download or disk)");
  return data;
}

// ---------------------------------------------------------------------------------------------

namespace {

void putU16(std::string& out, std::uint16_t v) {
  out.push_back(char(v & 0xff));
  out.push_back(char(v >> 8));
}
void putU32(std::string& out, std::uint32_t v) {
  putU16(out, std::uint16_t(v & 0xffff));
  putU16(out, std::uint16_t(v >> 16));
}

}  // namespace

ZipWriter::ZipWriter(const std::string& path) : m_path(path) {
  m_file = std::fopen(path.c_str(), "wb");
  if (!m_file)
    throw UserError(path + ": cannot create (" + std::strerror(errno) +
                    "); check that the folder exists and is writable");
}

ZipWriter::~ZipWriter() {
  if (m_file) std::fclose(m_file);
}

void ZipWriter::write(const void* data, std::size_t size) {
  if (size > 0 && std::fwrite(data, 1, size, m_file) != size)
    throw UserError(m_path + ": writing failed (" + std::strerror(errno) + "); the disk may be full");
  m_offset += size;
}

void ZipWriter::add(const std::string& name, const void* data, std::size_t size) {
  // Plain zip (no zip64): our exports stay far below 4 GiB; refuse rather than write garbage.
  if (m_offset + size + name.size() + 200 > kMax32)
    throw UserError(m_path + ": the export would exceed 4 GiB, which this writer does not support");
  const std::uint32_t crc = crcOf(static_cast<const std::uint8_t*>(data), size);
  const std::size_t headerSize = 30 + name.size();
  // PyTorch pads with an extra field "FB" so the record's data starts on a 64-byte boundary.
  std::size_t padding = (kAlignment - (m_offset + headerSize + 4) % kAlignment) % kAlignment;
  std::string header;
  putU32(header, kLocalHeader);
  putU16(header, 20);    // version needed
  putU16(header, 0);     // flags
  putU16(header, 0);     // stored
  putU16(header, 0);     // time
  putU16(header, 0x21);  // date 1980-01-01
  putU32(header, crc);
  putU32(header, std::uint32_t(size));
  putU32(header, std::uint32_t(size));
  putU16(header, std::uint16_t(name.size()));
  putU16(header, std::uint16_t(4 + padding));
  header += name;
  header += "FB";
  putU16(header, std::uint16_t(padding));
  header.append(padding, 'Z');
  m_records.push_back({name, crc, size, m_offset});
  write(header.data(), header.size());
  write(data, size);
}

void ZipWriter::finish() {
  const std::uint64_t directoryOffset = m_offset;
  std::string directory;
  for (const auto& r : m_records) {
    putU32(directory, kCentralHeader);
    putU16(directory, 20);  // made by
    putU16(directory, 20);  // needed
    putU16(directory, 0);
    putU16(directory, 0);
    putU16(directory, 0);
    putU16(directory, 0x21);
    putU32(directory, r.crc32);
    putU32(directory, std::uint32_t(r.size));
    putU32(directory, std::uint32_t(r.size));
    putU16(directory, std::uint16_t(r.name.size()));
    putU16(directory, 0);  // extra
    putU16(directory, 0);  // comment
    putU16(directory, 0);  // disk
    putU16(directory, 0);  // internal attributes
    putU32(directory, 0);  // external attributes
    putU32(directory, std::uint32_t(r.offset));
    directory += r.name;
  }
  if (m_records.size() > 0xfffe || directoryOffset + directory.size() > kMax32)
    throw UserError(m_path + ": too many records or too large for a plain zip");
  putU32(directory, kEndOfDirectory);
  putU16(directory, 0);
  putU16(directory, 0);
  putU16(directory, std::uint16_t(m_records.size()));
  putU16(directory, std::uint16_t(m_records.size()));
  putU32(directory, std::uint32_t(directory.size() - 12));
  putU32(directory, std::uint32_t(directoryOffset));
  putU16(directory, 0);
  write(directory.data(), directory.size());
  const int rc = std::fclose(m_file);
  m_file = nullptr;
  if (rc != 0) throw UserError(m_path + ": writing failed (" + std::strerror(errno) + ")");
}

}  // namespace ft::weights
