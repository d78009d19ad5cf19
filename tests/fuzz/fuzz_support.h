#pragma once
// What every libFuzzer harness of tests/fuzz shares (docs/RELIABILITY.md).
//
// A harness feeds the fuzzer's bytes to one of the studio's file readers through a real file (the
// readers take paths, as the CLI and the studio call them) in a scratch folder of its own, and
// accepts exactly one outcome besides success: ft::UserError, the error a user is shown. Any other
// exception escapes and aborts, so libFuzzer reports it like a crash, a leak or an overflow.
//
// FT_FUZZ_WRITE_SEEDS=DIR makes a harness write its seed files (made by the studio's own writers)
// into DIR and exit: tests/fuzz/corpus/<harness>/ was made that way, plus hand-made hostile cases.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ft::fuzz {

// This process's scratch folder (under $TMPDIR or /tmp), removed at exit.
const std::filesystem::path& scratch();
// Writes `size` bytes as `name` in the scratch folder (or in `dir`) and returns its path.
std::string writeScratch(const std::string& name, const std::uint8_t* data, std::size_t size);
std::string writeScratch(const std::string& name, const std::string& bytes);
void writeFile(const std::filesystem::path& path, const std::string& bytes);
std::string readFile(const std::filesystem::path& path);

// Cuts one input into two files: the first two bytes give the length of the first part
// (modulo what is left), the rest is the second. joinParts is the inverse, for seeds.
struct Parts {
  std::string first, second;
};
Parts splitParts(const std::uint8_t* data, std::size_t size);
std::string joinParts(const std::string& first, const std::string& second);

// Recomputes the CRC-32 of every record of a zip (local header and central directory), so a
// mutated archive reaches the reader behind the CRC check. Leaves bytes it cannot parse alone.
void fixZipCrcs(std::string& zip);

// Implemented by each harness: the seed files, written into `dir`.
void writeSeeds(const std::filesystem::path& dir);

}  // namespace ft::fuzz
