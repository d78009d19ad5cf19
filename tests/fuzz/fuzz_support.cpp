#include "fuzz_support.h"

#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <system_error>

#include <spdlog/spdlog.h>

namespace fs = std::filesystem;

namespace ft::fuzz {

namespace {

struct Scratch {
  fs::path path;
  Scratch() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/finetune-fuzz-XXXXXX";
    if (!::mkdtemp(pattern.data())) {
      std::perror("mkdtemp");
      std::abort();
    }
    path = pattern;
  }
  ~Scratch() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

std::uint32_t u32(const std::string& s, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | std::uint8_t(s[at + i]);
  return v;
}
std::uint16_t u16(const std::string& s, std::size_t at) {
  return std::uint16_t(std::uint8_t(s[at]) | (std::uint8_t(s[at + 1]) << 8));
}
void put32(std::string& s, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + i] = char((v >> (8 * i)) & 0xff);
}

}  // namespace

const fs::path& scratch() {
  static Scratch folder;
  return folder.path;
}

void writeFile(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
  if (!out) {
    std::cerr << path << ": cannot write the fuzzer's input\n";
    std::abort();
  }
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string writeScratch(const std::string& name, const std::uint8_t* data, std::size_t size) {
  return writeScratch(name, std::string(reinterpret_cast<const char*>(data), size));
}

std::string writeScratch(const std::string& name, const std::string& bytes) {
  const fs::path path = scratch() / name;
  writeFile(path, bytes);
  return path.string();
}

Parts splitParts(const std::uint8_t* data, std::size_t size) {
  Parts parts;
  if (size < 2) {
    parts.second.assign(reinterpret_cast<const char*>(data), size);
    return parts;
  }
  const std::size_t rest = size - 2;
  const std::size_t first = rest == 0 ? 0 : (std::size_t(data[0]) | (std::size_t(data[1]) << 8)) % (rest + 1);
  parts.first.assign(reinterpret_cast<const char*>(data + 2), first);
  parts.second.assign(reinterpret_cast<const char*>(data + 2 + first), rest - first);
  return parts;
}

std::string joinParts(const std::string& first, const std::string& second) {
  std::string out(2, '\0');
  out[0] = char(first.size() & 0xff);
  out[1] = char((first.size() >> 8) & 0xff);
  return out + first + second;
}

void fixZipCrcs(std::string& zip) {
  // Central directory records (signature PK\1\2) name each record's local header.
  for (std::size_t at = 0; at + 46 <= zip.size(); ++at) {
    if (u32(zip, at) != 0x02014b50) continue;
    const std::uint32_t compressedSize = u32(zip, at + 20);
    const std::uint16_t method = u16(zip, at + 10);
    const std::uint32_t local = u32(zip, at + 42);
    if (method != 0 || local + 30ull > zip.size() || u32(zip, local) != 0x04034b50) continue;
    const std::uint64_t data = local + 30ull + u16(zip, local + 26) + u16(zip, local + 28);
    if (data + compressedSize > zip.size()) continue;
    const auto crc = std::uint32_t(
        ::crc32(0, reinterpret_cast<const Bytef*>(zip.data() + data), static_cast<uInt>(compressedSize)));
    put32(zip, at + 16, crc);
    put32(zip, local + 14, crc);
  }
}

}  // namespace ft::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);  // readers' warnings would flood the fuzzer's output
  if (const char* dir = std::getenv("FT_FUZZ_WRITE_SEEDS")) {
    fs::create_directories(dir);
    ft::fuzz::writeSeeds(dir);
    std::exit(0);
  }
  ft::fuzz::scratch();
  return 0;
}
