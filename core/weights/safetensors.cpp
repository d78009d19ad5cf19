#include "weights/safetensors.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/error.h"
#include "weights/dtypes.h"
#include "weights/mapped_file.h"

namespace ft::weights {
namespace {

// The reference implementation refuses headers above 100 MB.
constexpr std::uint64_t kMaxHeader = 100'000'000;
constexpr bool kHostBigEndian = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;

struct Entry {
  std::string name;
  const DTypeInfo* dtype;
  std::vector<std::int64_t> shape;
  std::uint64_t begin, end;
};

SafeTensorsContents parse(const ByteView bytes) {
  if (bytes.size() < 8) throw FormatError("the file is shorter than the 8-byte header length");
  const std::uint64_t headerLength = bytes.u64le(0);
  if (headerLength > bytes.size() - 8)
    throw FormatError("the header length (" + std::to_string(headerLength) +
                      " bytes) lies past the end of the " + std::to_string(bytes.size()) +
                      "-byte file (truncated or not a safetensors file)");
  if (headerLength > kMaxHeader) throw FormatError("the header is larger than 100 MB");
  const ByteView header = bytes.sub(8, headerLength, "the header");
  const ByteView data = bytes.sub(8 + headerLength, bytes.size() - 8 - headerLength, "the data");

  const auto json = nlohmann::json::parse(header.data(), header.data() + header.size(), nullptr, false);
  if (json.is_discarded() || !json.is_object()) throw FormatError("the header is not a JSON object");

  SafeTensorsContents out;
  std::vector<Entry> entries;
  for (const auto& [name, value] : json.items()) {
    if (name == "__metadata__") {
      if (!value.is_object()) throw FormatError("__metadata__ is not an object");
      for (const auto& [k, v] : value.items()) {
        if (!v.is_string()) throw FormatError("__metadata__ value " + k + " is not a string");
        out.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    if (!value.is_object() || !value.contains("dtype") || !value.contains("shape") ||
        !value.contains("data_offsets") || !value["dtype"].is_string() || !value["shape"].is_array() ||
        !value["data_offsets"].is_array() || value["data_offsets"].size() != 2)
      throw FormatError("tensor " + name + " lacks dtype, shape or data_offsets");
    Entry e{name, dtypeBySafetensorsName(value["dtype"].get<std::string>()), {}, 0, 0};
    if (!e.dtype)
      throw FormatError("tensor " + name + " has dtype " + value["dtype"].get<std::string>() +
                        ", which is not supported (F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)");
    std::int64_t numel = 1;
    for (const auto& d : value["shape"]) {
      if (!d.is_number_unsigned()) throw FormatError("tensor " + name + " has a bad shape");
      const auto size = d.get<std::uint64_t>();
      if (size > std::uint64_t(INT64_MAX) || __builtin_mul_overflow(numel, std::int64_t(size), &numel))
        throw FormatError("tensor " + name + " has an impossible shape");
      e.shape.push_back(std::int64_t(size));
    }
    for (const auto& o : value["data_offsets"])
      if (!o.is_number_unsigned()) throw FormatError("tensor " + name + " has bad data_offsets");
    e.begin = value["data_offsets"][0].get<std::uint64_t>();
    e.end = value["data_offsets"][1].get<std::uint64_t>();
    std::int64_t nbytes = 0;
    if (__builtin_mul_overflow(numel, std::int64_t(e.dtype->size), &nbytes))
      throw FormatError("tensor " + name + " has an impossible shape");
    if (e.begin > e.end || e.end > data.size())
      throw FormatError("tensor " + name + " lies outside the data (bytes " + std::to_string(e.begin) +
                        " to " + std::to_string(e.end) + " of " + std::to_string(data.size()) + ")");
    if (e.end - e.begin != std::uint64_t(nbytes))
      throw FormatError("tensor " + name + " has " + std::to_string(e.end - e.begin) + " bytes for " +
                        std::to_string(numel) + " " + e.dtype->displayName + " elements");
    entries.push_back(std::move(e));
  }
  // Like the reference implementation: the buffers tile the data exactly, no gaps or overlaps.
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  std::uint64_t expected = 0;
  for (const auto& e : entries) {
    if (e.begin != expected)
      throw FormatError("tensor " + e.name + " starts at byte " + std::to_string(e.begin) + ", expected " +
                        std::to_string(expected) + " (overlapping or gaps in the data)");
    expected = e.end;
  }
  if (expected != data.size())
    throw FormatError("the data holds " + std::to_string(data.size()) + " bytes, the tensors cover " +
                      std::to_string(expected));

  for (const auto& e : entries) {
    torch::Tensor t = torch::empty(e.shape, torch::TensorOptions().dtype(e.dtype->dtype));
    const std::size_t n = std::size_t(e.end - e.begin);
    if (n > 0) std::memcpy(t.data_ptr(), data.data() + e.begin, n);
    auto* p = static_cast<std::uint8_t*>(t.data_ptr());
    if (kHostBigEndian && e.dtype->size > 1)
      for (std::size_t i = 0; i < n; i += e.dtype->size) std::reverse(p + i, p + i + e.dtype->size);
    if (e.dtype->dtype == c10::ScalarType::Bool)
      for (std::size_t i = 0; i < n; ++i)
        if (p[i] > 1) throw FormatError("bool tensor " + e.name + " holds a byte other than 0 or 1");
    out.tensors.emplace_back(e.name, t);
  }
  return out;
}

}  // namespace

SafeTensorsContents readSafeTensors(const std::string& path) {
  const MappedFile file(path);
  try {
    return parse(file.bytes());
  } catch (const FormatError& e) {
    throw UserError(path + ": cannot be read as safetensors: " + e.what() +
                    ". Download or copy the file again, or export it again");
  }
}

void writeSafeTensors(const std::string& path, const StateDict& state,
                      const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<torch::Tensor> data;
  std::uint64_t offset = 0;
  for (const auto& [name, tensor] : state) {
    const DTypeInfo* dtype = dtypeInfo(tensor.scalar_type());
    if (!dtype)
      throw UserError(path + ": tensor " + name + " has type " +
                      std::string(c10::toString(tensor.scalar_type())) +
                      ", which safetensors exports do not support");
    if (name == "__metadata__" || header.contains(name))
      throw UserError(path + ": the tensor name " + name + " is reserved or repeated");
    data.push_back(tensor.detach().to(torch::kCPU).contiguous());
    const std::uint64_t nbytes = data.back().nbytes();
    header[name] = {{"dtype", dtype->safetensorsName},
                    {"shape", data.back().sizes().vec()},
                    {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // data 8-byte aligned, as the reference pads
  std::string prefix(8, '\0');
  for (int i = 0; i < 8; ++i) prefix[std::size_t(i)] = char((std::uint64_t(text.size()) >> (8 * i)) & 0xff);

  replaceFileAtomically(path, [&](const std::string& temp) {
    std::FILE* file = std::fopen(temp.c_str(), "wb");
    if (!file)
      throw UserError(temp + ": cannot create (" + std::strerror(errno) +
                      "); check that the folder exists and is writable");
    bool ok = std::fwrite(prefix.data(), 1, 8, file) == 8 &&
              std::fwrite(text.data(), 1, text.size(), file) == text.size();
    for (const auto& t : data) {
      std::vector<std::uint8_t> swapped;
      const void* bytes = t.data_ptr();
      const std::size_t n = t.nbytes();
      const std::size_t size = t.element_size();
      if (kHostBigEndian && size > 1) {
        swapped.assign(static_cast<const std::uint8_t*>(bytes), static_cast<const std::uint8_t*>(bytes) + n);
        for (std::size_t i = 0; i < n; i += size)
          std::reverse(swapped.begin() + i, swapped.begin() + i + size);
        bytes = swapped.data();
      }
      ok = ok && (n == 0 || std::fwrite(bytes, 1, n, file) == n);
    }
    const int err = errno;
    ok = std::fclose(file) == 0 && ok;
    if (!ok) throw UserError(path + ": writing failed (" + std::strerror(err) + "); the disk may be full");
  });
}

}  // namespace ft::weights
