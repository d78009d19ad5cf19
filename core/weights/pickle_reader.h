#pragma once
// An allow-list unpickler for torch.save files (the idea of PyTorch's weights_only=True).
// It builds a plain object tree and never calls anything: the only "callables" it knows are
// collections.OrderedDict, torch._utils._rebuild_tensor(_v2), torch._utils._rebuild_parameter
// and the storage types of dtypes.h, each interpreted here in C++. Any other global, and any
// opcode that builds arbitrary objects (INST, OBJ, NEWOBJ_EX, EXT*), is refused.
#include <cstdint>
#include <deque>
#include <exception>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "weights/dtypes.h"
#include "weights/mapped_file.h"

namespace ft::weights::pickle {

enum class Kind : std::uint8_t {
  None,
  Bool,
  Int,
  BigInt,
  Float,
  String,
  Bytes,
  Tuple,
  List,
  Set,
  Dict,
  Global,
  Storage,
  Tensor
};
enum class Callable : std::uint8_t {
  OrderedDict,
  RebuildTensorV2,
  RebuildTensor,
  RebuildParameter,
  StorageType
};

// A tensor as the file describes it: a window on a storage, checked against the storage's
// element count when it is built.
struct TensorRef {
  int storage = -1;
  std::int64_t offset = 0;
  std::vector<std::int64_t> sizes, strides;
};

struct Object {
  Kind kind = Kind::None;
  bool boolean = false;
  std::int64_t integer = 0;
  double real = 0.0;
  std::string text;                  // String, Bytes, BigInt (little-endian two's complement), Global name
  Callable callable{};               // Global
  const DTypeInfo* dtype = nullptr;  // Global of Callable::StorageType
  std::vector<Object*> items;        // Tuple, List, Set
  std::vector<std::pair<Object*, Object*>> entries;  // Dict, in insertion order
  int storage = -1;                                  // Storage
  TensorRef tensor;                                  // Tensor

  // Dict lookup by string key (the last one wins, like Python); nullptr if absent.
  const Object* get(const std::string& key) const;
};

std::string kindName(Kind kind);

// Thrown for a global outside the allow-list (the message names it) or a construct that only
// exists to build arbitrary objects. Nothing was executed when it is thrown.
class UnsafeContent : public std::exception {
 public:
  explicit UnsafeContent(std::string message) : m_message(std::move(message)) {}
  const char* what() const noexcept override { return m_message.c_str(); }

 private:
  std::string m_message;
};

// Maps the persistent ids of a torch.save pickle to storages (the file layer knows where the
// bytes are). Throw FormatError for an id that does not make sense.
class StorageResolver {
 public:
  virtual ~StorageResolver() = default;
  virtual int persistentLoad(const Object& pid) = 0;
  virtual std::int64_t storageNumel(int storage) const = 0;
};

class Unpickler {
 public:
  // `resolver` may be null: persistent ids are then refused.
  Unpickler(ByteView data, StorageResolver* resolver);

  // Parses one pickle starting at `offset` up to its STOP; returns its root object (owned by
  // this Unpickler) and the offset after STOP in `end`. Throws FormatError / UnsafeContent.
  const Object* load(std::uint64_t offset, std::uint64_t* end);

 private:
  // Counts `bytes` more held for the file; throws FormatError past the memory budget.
  void charge(std::size_t bytes);  // adds to the footprint, then checkBudget()
  void checkBudget() const;        // throws FormatError past kMaxFootprint (objects + stack)
  Object* make(Kind kind);
  Object* pop();
  Object* top();
  std::vector<Object*> popMark();
  Object* global(const std::string& module, const std::string& name);
  Object* reduce(Object* callable, Object* args);
  Object* rebuildTensor(const std::vector<Object*>& args);

  ByteView m_data;
  StorageResolver* m_resolver;
  std::deque<Object> m_arena;
  std::vector<Object*> m_stack;
  std::vector<std::size_t> m_marks;
  std::unordered_map<std::uint64_t, Object*> m_memo;
  std::size_t m_footprint = 0;  // bytes held for the file's objects, strings, memo and references
};

}  // namespace ft::weights::pickle
