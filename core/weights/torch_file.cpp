#include "weights/torch_file.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>

#include "common/atomic_file.h"
#include "common/error.h"
#include "weights/mapped_file.h"
#include "weights/pickle_reader.h"
#include "weights/zip_archive.h"

namespace ft::weights {
namespace {

using pickle::Kind;
using pickle::Object;

constexpr bool kHostBigEndian = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
// The legacy format starts with this number pickled as a LONG1 (little-endian bytes).
constexpr std::uint8_t kLegacyMagic[10] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
constexpr std::int64_t kLegacyProtocolVersion = 1001;

// One storage of the file: its type and length from the pickle, its bytes from the container.
// Legacy files may hold views: a slice [rootOffset, rootOffset + numel) of another storage.
struct StorageSlot {
  std::string key;
  const DTypeInfo* dtype = nullptr;
  std::int64_t numel = 0;
  int root = -1;  // -1: this slot owns its bytes
  std::int64_t rootOffset = 0;
  bool hasData = false;
  ByteView bytes;
  torch::Tensor tensor;  // materialised on first use (1-D, numel elements)
};

std::int64_t checkedBytes(std::int64_t numel, std::size_t elementSize, const std::string& key) {
  std::int64_t bytes = 0;
  if (numel < 0 || __builtin_mul_overflow(numel, std::int64_t(elementSize), &bytes))
    throw FormatError("storage " + key + " has an impossible element count " + std::to_string(numel));
  return bytes;
}

const DTypeInfo* storageTypeOf(const Object* o) {
  if (o->kind != Kind::Global || o->callable != pickle::Callable::StorageType)
    throw FormatError("a storage has no storage type");
  return o->dtype;
}

const std::string& stringOf(const Object* o, const char* what) {
  if (o->kind != Kind::String) throw FormatError(std::string(what) + " is not a string");
  return o->text;
}

std::int64_t intOf(const Object* o, const char* what) {
  if (o->kind != Kind::Int) throw FormatError(std::string(what) + " is not an integer");
  return o->integer;
}

class Storages : public pickle::StorageResolver {
 public:
  std::vector<StorageSlot> slots;
  std::map<std::string, int> byKey;
  bool bigEndian = false;

  std::int64_t storageNumel(int storage) const override { return slots.at(std::size_t(storage)).numel; }

  int add(StorageSlot slot) {
    slots.push_back(std::move(slot));
    byKey[slots.back().key] = int(slots.size() - 1);
    return int(slots.size() - 1);
  }

  // A second reference to a known key must agree on type and length.
  int existing(const std::string& key, const DTypeInfo* dtype, std::int64_t numel) const {
    const auto it = byKey.find(key);
    if (it == byKey.end()) return -1;
    const auto& slot = slots[std::size_t(it->second)];
    if (slot.dtype != dtype || slot.numel != numel)
      throw FormatError("storage " + key + " is described twice with different types or sizes");
    return it->second;
  }

  torch::Tensor& materialise(int index) {
    StorageSlot& slot = slots.at(std::size_t(index));
    if (slot.tensor.defined()) return slot.tensor;
    if (slot.root >= 0) {
      slot.tensor = materialise(slot.root).narrow(0, slot.rootOffset, slot.numel);
      return slot.tensor;
    }
    if (!slot.hasData) throw FormatError("storage " + slot.key + " is referenced but its data is missing");
    const std::size_t elementSize = slot.dtype->size;
    if (slot.bytes.size() != std::size_t(slot.numel) * elementSize)  // checked before allocating
      throw FormatError("storage " + slot.key + " has the wrong number of bytes");
    torch::Tensor t = torch::empty({slot.numel}, torch::TensorOptions().dtype(slot.dtype->dtype));
    if (!slot.bytes.empty()) std::memcpy(t.data_ptr(), slot.bytes.data(), slot.bytes.size());
    if (bigEndian != kHostBigEndian && elementSize > 1) {
      auto* p = static_cast<std::uint8_t*>(t.data_ptr());
      for (std::size_t i = 0; i < slot.bytes.size(); i += elementSize)
        std::reverse(p + i, p + i + elementSize);
    }
    if (slot.dtype->dtype == c10::ScalarType::Bool) {
      const auto* p = static_cast<const std::uint8_t*>(t.data_ptr());
      for (std::size_t i = 0; i < slot.bytes.size(); ++i)
        if (p[i] > 1) throw FormatError("bool storage " + slot.key + " holds a byte other than 0 or 1");
    }
    slot.tensor = t;
    return slot.tensor;
  }

  torch::Tensor tensorOf(const pickle::TensorRef& ref) {
    int root = ref.storage;
    std::int64_t offset = ref.offset;
    while (slots.at(std::size_t(root)).root >= 0) {
      offset += slots[std::size_t(root)].rootOffset;
      root = slots[std::size_t(root)].root;
    }
    const torch::Tensor& base = materialise(root);
    return base.as_strided(ref.sizes, ref.strides, offset);
  }
};

// torch.save zip: persistent ids ('storage', type, key, location, numel) -> archive/data/<key>.
class ZipStorages : public Storages {
 public:
  ZipStorages(ZipReader& zip, std::string prefix) : m_zip(zip), m_prefix(std::move(prefix)) {}

  int persistentLoad(const Object& pid) override {
    if (pid.kind != Kind::Tuple || pid.items.size() != 5 || pid.items[0]->kind != Kind::String ||
        pid.items[0]->text != "storage")
      throw FormatError("a persistent id is not ('storage', type, key, location, size)");
    const DTypeInfo* dtype = storageTypeOf(pid.items[1]);
    const std::string& key = stringOf(pid.items[2], "a storage key");
    const std::int64_t numel = intOf(pid.items[4], "a storage size");
    if (key.empty() || !std::all_of(key.begin(), key.end(),
                                    [](char c) { return std::isalnum((unsigned char)c) || c == '_'; }))
      throw FormatError("a storage key is not a plain name");
    if (const int known = existing(key, dtype, numel); known >= 0) return known;

    const std::string record = m_prefix + "data/" + key;
    const ZipReader::Entry* entry = m_zip.find(record);
    if (!entry) throw FormatError("the record " + record + " of a tensor is missing");
    StorageSlot slot;
    slot.key = "data/" + key;
    slot.dtype = dtype;
    slot.numel = numel;
    const std::int64_t expected = checkedBytes(numel, dtype->size, slot.key);
    if (entry->size != std::uint64_t(expected))
      throw FormatError("storage " + slot.key + " holds " + std::to_string(entry->size) +
                        " bytes, but the file describes " + std::to_string(numel) + " " + dtype->displayName +
                        " elements (" + std::to_string(expected) +
                        " bytes): the storage is truncated or damaged");
    slot.bytes = m_zip.read(*entry);
    slot.hasData = true;
    return add(std::move(slot));
  }

 private:
  ZipReader& m_zip;
  std::string m_prefix;
};

// Legacy: persistent ids ('storage', type, root_key, location, numel, view_metadata); the
// bytes follow the pickles, in the order of a pickled key list.
class LegacyStorages : public Storages {
 public:
  int persistentLoad(const Object& pid) override {
    if (pid.kind == Kind::Tuple && !pid.items.empty() && pid.items[0]->kind == Kind::String &&
        pid.items[0]->text == "module")
      throw pickle::UnsafeContent(
          "the file holds a pickled Python module (a whole model object), not a state dict");
    if (pid.kind != Kind::Tuple || pid.items.size() != 6 || pid.items[0]->kind != Kind::String ||
        pid.items[0]->text != "storage")
      throw FormatError("a persistent id is not ('storage', type, key, location, size, view)");
    const DTypeInfo* dtype = storageTypeOf(pid.items[1]);
    const std::string& key = stringOf(pid.items[2], "a storage key");
    const std::int64_t numel = intOf(pid.items[4], "a storage size");
    checkedBytes(numel, dtype->size, key);
    int root = existing(key, dtype, numel);
    if (root < 0) {
      StorageSlot slot;
      slot.key = key;
      slot.dtype = dtype;
      slot.numel = numel;
      root = add(std::move(slot));
    }
    const Object* view = pid.items[5];
    if (view->kind == Kind::None) return root;
    // (view_key, offset, size): a slice of the root storage (PyTorch < 1.0).
    if (view->kind != Kind::Tuple || view->items.size() != 3)
      throw FormatError("a storage view is not (key, offset, size)");
    const std::string& viewKey = stringOf(view->items[0], "a view key");
    const std::int64_t offset = intOf(view->items[1], "a view offset");
    const std::int64_t size = intOf(view->items[2], "a view size");
    if (offset < 0 || size < 0 || offset > numel || size > numel - offset)
      throw FormatError("storage view " + viewKey + " lies outside storage " + key);
    if (const auto it = byKey.find("view:" + viewKey); it != byKey.end()) return it->second;
    StorageSlot slot;
    slot.key = "view:" + viewKey;
    slot.dtype = dtype;
    slot.numel = size;
    slot.root = root;
    slot.rootOffset = offset;
    return add(std::move(slot));
  }
};

bool isTensorDict(const Object* o) {
  if (!o || o->kind != Kind::Dict || o->entries.empty()) return false;
  for (const auto& [k, v] : o->entries)
    if (k->kind != Kind::String || v->kind != Kind::Tensor) return false;
  return true;
}

std::string describeKeys(const Object* o) {
  std::string out;
  std::size_t n = 0;
  for (const auto& [k, v] : o->entries) {
    if (n == 8) return out + ", ...";
    out += (n++ ? ", " : "") + (k->kind == Kind::String ? k->text : "<" + pickle::kindName(k->kind) + ">") +
           " (" + pickle::kindName(v->kind) + ")";
  }
  return out;
}

TorchFileContents collect(const Object* root, Storages& storages) {
  static const char* kWrappers[] = {"state_dict", "model", "model_state_dict", "module"};
  TorchFileContents out;
  const Object* dict = nullptr;
  if (isTensorDict(root)) {
    dict = root;
  } else if (root->kind == Kind::Dict) {
    for (const char* key : kWrappers)
      if (isTensorDict(root->get(key))) {
        dict = root->get(key);
        out.location = key;
        break;
      }
    if (!dict)
      throw FormatError(root->entries.empty()
                            ? std::string("the file holds an empty dict, no weights")
                            : "the file holds a dict with " + describeKeys(root) +
                                  ", but no state dict (a dict of tensors at the top, or under "
                                  "\"state_dict\" or \"model\")");
  } else {
    throw FormatError("the file holds a " + pickle::kindName(root->kind) +
                      ", not a state dict (a dict of tensors)");
  }
  std::map<std::string, std::size_t> index;
  for (const auto& [k, v] : dict->entries) {
    torch::Tensor t = storages.tensorOf(v->tensor);
    const auto it = index.find(k->text);
    if (it != index.end()) {
      out.tensors[it->second].second = t;  // a repeated key: the last one wins, like Python
    } else {
      index[k->text] = out.tensors.size();
      out.tensors.emplace_back(k->text, t);
    }
  }
  return out;
}

TorchFileContents readZip(const MappedFile& file) {
  ZipReader zip(file.bytes());
  std::string prefix;
  bool found = false;
  for (const auto& e : zip.entries()) {
    const auto slash = e.name.find('/');
    if (slash != std::string::npos && e.name.compare(slash, std::string::npos, "/data.pkl") == 0) {
      prefix = e.name.substr(0, slash + 1);
      found = true;
      break;
    }
  }
  if (!found) throw FormatError("the zip archive has no data.pkl, so it is not a torch.save file");
  ZipStorages storages(zip, prefix);
  if (const auto* order = zip.find(prefix + "byteorder")) {
    const ByteView v = zip.read(*order);
    const std::string text(reinterpret_cast<const char*>(v.data()), v.size());
    if (text != "little" && text != "big") throw FormatError("the byteorder record says '" + text + "'");
    storages.bigEndian = text == "big";
  }
  const ByteView data = zip.read(*zip.find(prefix + "data.pkl"));
  pickle::Unpickler unpickler(data, &storages);
  std::uint64_t end = 0;
  const Object* root = unpickler.load(0, &end);
  return collect(root, storages);
}

TorchFileContents readLegacy(const MappedFile& file) {
  const ByteView bytes = file.bytes();
  LegacyStorages storages;
  pickle::Unpickler unpickler(bytes, &storages);
  std::uint64_t pos = 0;
  const Object* magic = unpickler.load(pos, &pos);
  if (magic->kind != Kind::BigInt || magic->text.size() != sizeof(kLegacyMagic) ||
      std::memcmp(magic->text.data(), kLegacyMagic, sizeof(kLegacyMagic)) != 0)
    throw FormatError("the file does not start with torch.save's magic number");
  const Object* version = unpickler.load(pos, &pos);
  if (version->kind != Kind::Int || version->integer != kLegacyProtocolVersion)
    throw FormatError("unknown torch.save protocol version");
  const Object* sysInfo = unpickler.load(pos, &pos);
  if (sysInfo->kind != Kind::Dict) throw FormatError("the system information record is damaged");
  if (const Object* little = sysInfo->get("little_endian"); little && little->kind == Kind::Bool)
    storages.bigEndian = !little->boolean;
  const Object* root = unpickler.load(pos, &pos);
  const Object* keys = unpickler.load(pos, &pos);
  if (keys->kind != Kind::List) throw FormatError("the list of storages is damaged");

  // Each storage: int64 element count, then its bytes.
  for (const Object* keyObject : keys->items) {
    const std::string& key = stringOf(keyObject, "a storage key");
    const auto it = storages.byKey.find(key);
    if (it == storages.byKey.end()) throw FormatError("the file stores data for unknown storage " + key);
    StorageSlot& slot = storages.slots[std::size_t(it->second)];
    if (slot.hasData) throw FormatError("the file stores storage " + key + " twice");
    std::uint64_t count = bytes.u64le(pos);
    if (storages.bigEndian != kHostBigEndian) count = __builtin_bswap64(count);
    if (std::int64_t(count) != slot.numel)
      throw FormatError("storage " + key + " holds " + std::to_string(std::int64_t(count)) +
                        " elements, but the tensors describe " + std::to_string(slot.numel));
    const std::int64_t size = checkedBytes(slot.numel, slot.dtype->size, key);
    if (!bytes.fits(pos + 8, std::uint64_t(size)))
      throw FormatError("storage " + key + " is cut off: the file ends " +
                        std::to_string(pos + 8 + std::uint64_t(size) - bytes.size()) +
                        " bytes too early (truncated)");
    slot.bytes = bytes.sub(pos + 8, std::uint64_t(size), "a storage");
    slot.hasData = true;
    pos += 8 + std::uint64_t(size);
  }
  TorchFileContents out = collect(root, storages);
  out.legacy = true;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Writing: the pickle torch.save(OrderedDict) produces, with protocol 2.

class PickleWriter {
 public:
  std::string out = std::string("\x80\x02", 2);

  void op(char c) { out.push_back(c); }
  void global(const char* module, const char* name) {
    out += 'c';
    out += module;
    out += '\n';
    out += name;
    out += '\n';
  }
  void string(const std::string& s) {
    out += 'X';
    put32(std::uint32_t(s.size()));
    out += s;
  }
  void integer(std::int64_t v) {
    if (v >= 0 && v < 256) {
      out += 'K';
      out.push_back(char(v));
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      out += 'J';
      put32(std::uint32_t(std::int32_t(v)));
    } else {
      out += '\x8a';
      out.push_back(8);
      for (int i = 0; i < 8; ++i) out.push_back(char((std::uint64_t(v) >> (8 * i)) & 0xff));
    }
  }
  void ints(torch::IntArrayRef values) {
    op('(');
    for (const auto v : values) integer(v);
    op('t');
  }

 private:
  void put32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(char((v >> (8 * i)) & 0xff));
  }
};

}  // namespace

TorchFileContents readTorchFile(const std::string& path) {
  const MappedFile file(path);
  const ByteView bytes = file.bytes();
  try {
    if (bytes.fits(0, 4) && bytes.u32le(0) == 0x04034b50) return readZip(file);
    if (bytes.fits(0, 4) && bytes.data()[0] == 0x80 && bytes.data()[2] == 0x8a) return readLegacy(file);
    if (bytes.fits(257, 5) && std::memcmp(bytes.data() + 257, "ustar", 5) == 0)
      throw UserError(path +
                      ": saved by a very old PyTorch (tar format, before 0.4); load it in Python and save "
                      "it again with torch.save(model.state_dict(), path)");
    throw UserError(path +
                    ": not a torch.save file (it starts with neither a zip header nor the "
                    "legacy magic number); give a .pth/.pt saved with torch.save(model.state_dict(), path)");
  } catch (const pickle::UnsafeContent& e) {
    throw UserError(path + ": refused to load: " + e.what() +
                    ". A weights file only needs tensors in dicts; load weights you trust, saved with "
                    "torch.save(model.state_dict(), path)");
  } catch (const FormatError& e) {
    throw UserError(path + ": cannot be read as PyTorch weights: " + e.what() +
                    ". Download or copy the file again, or save it again in Python with "
                    "torch.save(model.state_dict(), path)");
  } catch (const c10::Error& e) {
    throw UserError(path + ": cannot be read as PyTorch weights: " + e.what_without_backtrace());
  }
}

void writeTorchFile(const std::string& path, const StateDict& state) {
  // Contiguous CPU copies, in the order of `state`; storage keys are 0, 1, 2, ...
  std::vector<torch::Tensor> data;
  PickleWriter p;
  p.global("collections", "OrderedDict");
  p.op(')');
  p.op('R');
  p.op('(');
  for (std::size_t i = 0; i < state.size(); ++i) {
    const auto& [key, tensor] = state[i];
    const DTypeInfo* dtype = dtypeInfo(tensor.scalar_type());
    if (!dtype)
      throw UserError(path + ": tensor " + key + " has type " +
                      std::string(c10::toString(tensor.scalar_type())) +
                      ", which .pth exports do not support");
    data.push_back(tensor.detach().to(torch::kCPU).contiguous());
    const torch::Tensor& t = data.back();
    p.string(key);
    p.global("torch._utils", "_rebuild_tensor_v2");
    p.op('(');
    p.op('(');  // persistent id
    p.string("storage");
    p.global("torch", dtype->storageName);
    p.string(std::to_string(i));
    p.string("cpu");
    p.integer(t.numel());
    p.op('t');
    p.op('Q');
    p.integer(0);  // storage offset
    p.ints(t.sizes());
    p.ints(t.strides());
    p.op('\x89');  // requires_grad = False
    p.global("collections", "OrderedDict");
    p.op(')');
    p.op('R');  // backward_hooks = OrderedDict()
    p.op('t');
    p.op('R');
  }
  p.op('u');
  p.op('.');

  replaceFileAtomically(path, [&](const std::string& temp) {
    ZipWriter zip(temp);
    zip.add("archive/data.pkl", p.out.data(), p.out.size());
    const std::string order = kHostBigEndian ? "big" : "little";
    zip.add("archive/byteorder", order.data(), order.size());
    for (std::size_t i = 0; i < data.size(); ++i)
      zip.add("archive/data/" + std::to_string(i), data[i].data_ptr(), data[i].nbytes());
    zip.add("archive/version", "3\n", 2);
    zip.finish();
  });
}

}  // namespace ft::weights
