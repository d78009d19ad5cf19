#include "weights/pickle_reader.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace ft::weights::pickle {
namespace {

// A weights pickle holds a few dozen objects per tensor (a few thousand for a large model).
// What a hostile file can make us hold for its tiny opcodes is counted in bytes -- objects,
// their strings, memo entries, list and dict references, the stack -- and capped far above any
// real model: 10 M two-byte opcodes once reached 1.1 GB under a cap on the object count alone.
constexpr std::size_t kMaxFootprint = std::size_t(256) << 20;
constexpr std::size_t kMemoEntryBytes = 64;  // an unordered_map node and its bucket
constexpr std::size_t kMaxDims = 64;
constexpr std::size_t kMaxLine = 1024;
constexpr std::size_t kMaxBigIntBytes = 256;

std::string hex(std::uint8_t byte) {
  static const char* digits = "0123456789abcdef";
  return std::string("0x") + digits[byte >> 4] + digits[byte & 15];
}

bool mulOverflows(std::int64_t a, std::int64_t b, std::int64_t* out) {
  return __builtin_mul_overflow(a, b, out);
}
bool addOverflows(std::int64_t a, std::int64_t b, std::int64_t* out) {
  return __builtin_add_overflow(a, b, out);
}

std::int64_t parseDecimal(const std::string& text, const char* what) {
  std::string digits = text;
  if (!digits.empty() && digits.back() == 'L') digits.pop_back();  // protocol 0 longs
  if (digits.empty()) throw FormatError(std::string("empty ") + what + " in the pickle");
  errno = 0;
  char* end = nullptr;
  const long long value = std::strtoll(digits.c_str(), &end, 10);
  if (errno == ERANGE || end != digits.c_str() + digits.size())
    throw FormatError(std::string("bad ") + what + " '" + digits + "' in the pickle");
  return value;
}

}  // namespace

const Object* Object::get(const std::string& key) const {
  const Object* found = nullptr;
  for (const auto& [k, v] : entries)
    if (k->kind == Kind::String && k->text == key) found = v;
  return found;
}

std::string kindName(Kind kind) {
  switch (kind) {
    case Kind::None: return "None";
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::BigInt: return "int";
    case Kind::Float: return "float";
    case Kind::String: return "str";
    case Kind::Bytes: return "bytes";
    case Kind::Tuple: return "tuple";
    case Kind::List: return "list";
    case Kind::Set: return "set";
    case Kind::Dict: return "dict";
    case Kind::Global: return "global";
    case Kind::Storage: return "storage";
    case Kind::Tensor: return "tensor";
  }
  return "object";
}

Unpickler::Unpickler(ByteView data, StorageResolver* resolver) : m_data(data), m_resolver(resolver) {}

void Unpickler::charge(std::size_t bytes) {
  m_footprint += bytes;
  checkBudget();
}

void Unpickler::checkBudget() const {
  if (m_footprint + (m_stack.size() + m_marks.size()) * sizeof(void*) > kMaxFootprint)
    throw FormatError("the pickle would need more than " + std::to_string(kMaxFootprint >> 20) +
                      " MB of memory for its objects (" + std::to_string(m_arena.size()) +
                      " so far), far more than any weights file; it is damaged or hostile");
}

Object* Unpickler::make(Kind kind) {
  charge(sizeof(Object));
  m_arena.emplace_back();
  m_arena.back().kind = kind;
  return &m_arena.back();
}

Object* Unpickler::pop() {
  if (m_stack.empty() || (!m_marks.empty() && m_marks.back() == m_stack.size()))
    throw FormatError("the pickle pops from an empty stack (damaged)");
  Object* o = m_stack.back();
  m_stack.pop_back();
  return o;
}

Object* Unpickler::top() {
  if (m_stack.empty() || (!m_marks.empty() && m_marks.back() == m_stack.size()))
    throw FormatError("the pickle reads an empty stack (damaged)");
  return m_stack.back();
}

std::vector<Object*> Unpickler::popMark() {
  if (m_marks.empty()) throw FormatError("the pickle closes a MARK it never opened (damaged)");
  const std::size_t mark = m_marks.back();
  m_marks.pop_back();
  std::vector<Object*> items(m_stack.begin() + std::ptrdiff_t(mark), m_stack.end());
  m_stack.resize(mark);
  return items;
}

Object* Unpickler::global(const std::string& module, const std::string& name) {
  Object* g = make(Kind::Global);
  g->text = module + "." + name;
  if (module == "collections" && name == "OrderedDict") {
    g->callable = Callable::OrderedDict;
  } else if (module == "torch._utils" && name == "_rebuild_tensor_v2") {
    g->callable = Callable::RebuildTensorV2;
  } else if (module == "torch._utils" && name == "_rebuild_tensor") {
    g->callable = Callable::RebuildTensor;
  } else if (module == "torch._utils" && name == "_rebuild_parameter") {
    g->callable = Callable::RebuildParameter;
  } else if (module == "torch" && dtypeByStorageName(name)) {
    g->callable = Callable::StorageType;
    g->dtype = dtypeByStorageName(name);
  } else {
    throw UnsafeContent("the file asks to use the Python global " + g->text +
                        ", which is not on the allow-list of a weights file (tensors, dicts, "
                        "OrderedDict); nothing from the file was run");
  }
  return g;
}

Object* Unpickler::rebuildTensor(const std::vector<Object*>& args) {
  Object* storage = args[0];
  if (storage->kind != Kind::Storage)
    throw FormatError("a tensor is rebuilt from a " + kindName(storage->kind) + ", not a storage");
  auto intOf = [](const Object* o, const char* what) {
    if (o->kind != Kind::Int) throw FormatError(std::string("a tensor's ") + what + " is not an integer");
    return o->integer;
  };
  auto intsOf = [&](const Object* o, const char* what) {
    if (o->kind != Kind::Tuple && o->kind != Kind::List)
      throw FormatError(std::string("a tensor's ") + what + " is not a tuple");
    if (o->items.size() > kMaxDims) throw FormatError(std::string("a tensor has too many dimensions"));
    std::vector<std::int64_t> out;
    for (const Object* item : o->items) out.push_back(intOf(item, what));
    return out;
  };
  Object* t = make(Kind::Tensor);
  t->tensor.storage = storage->storage;
  t->tensor.offset = intOf(args[1], "storage offset");
  t->tensor.sizes = intsOf(args[2], "size");
  t->tensor.strides = intsOf(args[3], "stride");
  const auto& ref = t->tensor;
  if (ref.sizes.size() != ref.strides.size())
    throw FormatError("a tensor has " + std::to_string(ref.sizes.size()) + " sizes but " +
                      std::to_string(ref.strides.size()) + " strides");
  // The last element the tensor touches must lie inside its storage.
  const std::int64_t numel = m_resolver->storageNumel(ref.storage);
  if (ref.offset < 0) throw FormatError("a tensor has a negative storage offset");
  std::int64_t last = ref.offset;
  bool empty = false;
  for (std::size_t d = 0; d < ref.sizes.size(); ++d) {
    if (ref.sizes[d] < 0 || ref.strides[d] < 0) throw FormatError("a tensor has a negative size or stride");
    if (ref.sizes[d] == 0) empty = true;
  }
  std::int64_t elements = 1;
  for (const auto size : ref.sizes)
    if (mulOverflows(elements, size, &elements))
      throw FormatError("a tensor's element count overflows 64 bits");
  if (!empty) {
    for (std::size_t d = 0; d < ref.sizes.size(); ++d) {
      std::int64_t reach = 0;
      if (mulOverflows(ref.sizes[d] - 1, ref.strides[d], &reach) || addOverflows(last, reach, &last))
        throw FormatError("a tensor's shape overflows 64-bit offsets");
    }
    if (last >= numel)
      throw FormatError("a tensor of shape " +
                        [&] {
                          std::string s = "[";
                          for (std::size_t d = 0; d < ref.sizes.size(); ++d)
                            s += (d ? ", " : "") + std::to_string(ref.sizes[d]);
                          return s + "]";
                        }() +
                        " reaches element " + std::to_string(last) + " of a storage that holds only " +
                        std::to_string(numel) + " elements (the storage is shorter than its tensor)");
  } else if (ref.offset > numel) {
    throw FormatError("an empty tensor starts past the end of its storage");
  }
  return t;
}

Object* Unpickler::reduce(Object* callable, Object* args) {
  if (callable->kind != Kind::Global)
    throw FormatError("the pickle calls a " + kindName(callable->kind) + " (damaged)");
  if (args->kind != Kind::Tuple)
    throw FormatError("the pickle calls " + callable->text + " without an argument tuple");
  const auto& a = args->items;
  switch (callable->callable) {
    case Callable::OrderedDict: {
      Object* dict = make(Kind::Dict);
      if (a.empty()) return dict;
      // OrderedDict([(key, value), ...]) as older pickles write it.
      if (a.size() == 1 && a[0]->kind == Kind::List) {
        for (Object* pair : a[0]->items) {
          if ((pair->kind != Kind::Tuple && pair->kind != Kind::List) || pair->items.size() != 2)
            throw FormatError("OrderedDict is given an item that is not a pair");
          dict->entries.emplace_back(pair->items[0], pair->items[1]);
        }
        return dict;
      }
      throw FormatError("OrderedDict is called with unexpected arguments");
    }
    case Callable::RebuildTensorV2:
      // (storage, offset, size, stride, requires_grad, backward_hooks[, metadata])
      if (a.size() != 6 && a.size() != 7)
        throw FormatError("_rebuild_tensor_v2 takes 6 or 7 arguments, the file gives " +
                          std::to_string(a.size()));
      if (a[5]->kind != Kind::Dict || !a[5]->entries.empty())
        throw UnsafeContent("a tensor in the file carries backward hooks, which a weights file never needs");
      return rebuildTensor(a);
    case Callable::RebuildTensor:
      if (a.size() != 4)
        throw FormatError("_rebuild_tensor takes 4 arguments, the file gives " + std::to_string(a.size()));
      return rebuildTensor(a);
    case Callable::RebuildParameter:
      // (data, requires_grad, backward_hooks): a Parameter is its data here.
      if (a.size() != 3 || a[0]->kind != Kind::Tensor)
        throw FormatError("_rebuild_parameter is called with unexpected arguments");
      if (a[2]->kind != Kind::Dict || !a[2]->entries.empty())
        throw UnsafeContent(
            "a parameter in the file carries backward hooks, which a weights file never needs");
      return a[0];
    case Callable::StorageType:
      throw UnsafeContent("the file calls " + callable->text + " directly, which torch.save never writes");
  }
  throw FormatError("unknown callable");
}

const Object* Unpickler::load(std::uint64_t offset, std::uint64_t* end) {
  m_stack.clear();
  m_marks.clear();
  m_memo.clear();
  std::uint64_t pos = offset;

  auto byte = [&]() -> std::uint8_t { return *m_data.sub(pos++, 1, "the pickle").data(); };
  auto take = [&](std::uint64_t n, const char* what) {
    const ByteView v = m_data.sub(pos, n, what);
    pos += n;
    return v;
  };
  auto u8 = [&]() { return std::uint64_t(byte()); };
  auto u16 = [&]() {
    const auto v = m_data.u16le(pos);
    pos += 2;
    return std::uint64_t(v);
  };
  auto u32 = [&]() {
    const auto v = m_data.u32le(pos);
    pos += 4;
    return std::uint64_t(v);
  };
  auto u64 = [&]() {
    const auto v = m_data.u64le(pos);
    pos += 8;
    return v;
  };
  auto line = [&](const char* what) {
    std::string out;
    for (;;) {
      const char c = char(byte());
      if (c == '\n') break;
      if (out.size() >= kMaxLine) throw FormatError(std::string("an overlong ") + what + " in the pickle");
      out.push_back(c);
    }
    if (!out.empty() && out.back() == '\r') out.pop_back();
    return out;
  };
  auto text = [&](Kind kind, std::uint64_t n) {
    Object* o = make(kind);
    const ByteView v = take(n, "a string in the pickle");
    charge(v.size());
    o->text.assign(reinterpret_cast<const char*>(v.data()), v.size());
    m_stack.push_back(o);
  };
  auto integer = [&](std::int64_t value) {
    Object* o = make(Kind::Int);
    o->integer = value;
    m_stack.push_back(o);
  };
  auto longBytes = [&](std::uint64_t n) {
    if (n > kMaxBigIntBytes) throw FormatError("an integer of " + std::to_string(n) + " bytes in the pickle");
    const ByteView v = take(n, "an integer in the pickle");
    if (n <= 8) {
      std::uint64_t value = 0;
      for (std::uint64_t i = 0; i < n; ++i) value |= std::uint64_t(v.data()[i]) << (8 * i);
      if (n > 0 && n < 8 && (v.data()[n - 1] & 0x80)) value |= ~std::uint64_t(0) << (8 * n);  // sign
      integer(std::int64_t(value));
      return;
    }
    Object* o = make(Kind::BigInt);
    o->text.assign(reinterpret_cast<const char*>(v.data()), v.size());
    m_stack.push_back(o);
  };
  auto memoPut = [&](std::uint64_t index) {
    Object* value = top();
    const auto [it, added] = m_memo.try_emplace(index, value);
    if (added)
      charge(kMemoEntryBytes);
    else
      it->second = value;
  };
  auto memoGet = [&](std::uint64_t index) {
    const auto it = m_memo.find(index);
    if (it == m_memo.end())
      throw FormatError("the pickle refers to memo entry " + std::to_string(index) + " it never stored");
    m_stack.push_back(it->second);
  };
  auto sequence = [&](Kind kind, std::vector<Object*> items) {
    Object* o = make(kind);
    charge(items.size() * sizeof(Object*));
    o->items = std::move(items);
    m_stack.push_back(o);
  };
  auto setItems = [&](Object* dict, const std::vector<Object*>& items) {
    if (dict->kind != Kind::Dict) throw FormatError("the pickle sets items on a " + kindName(dict->kind));
    if (items.size() % 2 != 0) throw FormatError("the pickle gives a dict an odd number of items");
    charge(items.size() / 2 * sizeof(dict->entries[0]));
    for (std::size_t i = 0; i < items.size(); i += 2) dict->entries.emplace_back(items[i], items[i + 1]);
  };
  auto appendItems = [&](Object* list, const std::vector<Object*>& items) {
    if (list->kind != Kind::List && list->kind != Kind::Set)
      throw FormatError("the pickle appends to a " + kindName(list->kind));
    charge(items.size() * sizeof(Object*));
    list->items.insert(list->items.end(), items.begin(), items.end());
  };

  for (;;) {
    // DUP, GET and MARK grow the stack without building objects.
    checkBudget();
    const std::uint64_t at = pos;
    const std::uint8_t op = byte();
    switch (op) {
      case 0x80: {  // PROTO
        const auto version = u8();
        if (version > 5) throw FormatError("pickle protocol " + std::to_string(version) + " is unknown");
        break;
      }
      case 0x95: u64(); break;  // FRAME: framing only, no meaning
      case '.': {               // STOP
        Object* result = pop();
        if (end) *end = pos;
        return result;
      }
      case '(': m_marks.push_back(m_stack.size()); break;  // MARK
      case '0': pop(); break;                              // POP
      case '1': popMark(); break;                          // POP_MARK
      case '2': m_stack.push_back(top()); break;           // DUP
      case 'N': m_stack.push_back(make(Kind::None)); break;
      case 0x88:
      case 0x89: {  // NEWTRUE, NEWFALSE
        Object* o = make(Kind::Bool);
        o->boolean = op == 0x88;
        m_stack.push_back(o);
        break;
      }
      case 'I': {  // INT (text); "00"/"01" are False/True
        const std::string s = line("integer");
        if (s == "00" || s == "01") {
          Object* o = make(Kind::Bool);
          o->boolean = s == "01";
          m_stack.push_back(o);
        } else {
          integer(parseDecimal(s, "integer"));
        }
        break;
      }
      case 'L': integer(parseDecimal(line("integer"), "integer")); break;  // LONG (text)
      case 'J': integer(std::int32_t(std::uint32_t(u32()))); break;        // BININT
      case 'K': integer(std::int64_t(u8())); break;                        // BININT1
      case 'M': integer(std::int64_t(u16())); break;                       // BININT2
      case 0x8a: longBytes(u8()); break;                                   // LONG1
      case 0x8b: longBytes(u32()); break;                                  // LONG4
      case 'F': {                                                          // FLOAT (text)
        const std::string s = line("float");
        char* endp = nullptr;
        const double v = std::strtod(s.c_str(), &endp);
        if (s.empty() || endp != s.c_str() + s.size())
          throw FormatError("bad float '" + s + "' in the pickle");
        Object* o = make(Kind::Float);
        o->real = v;
        m_stack.push_back(o);
        break;
      }
      case 'G': {  // BINFLOAT, big-endian
        const ByteView v = take(8, "a float in the pickle");
        std::uint64_t bits = 0;
        for (int i = 0; i < 8; ++i) bits = (bits << 8) | v.data()[i];
        Object* o = make(Kind::Float);
        std::memcpy(&o->real, &bits, 8);
        m_stack.push_back(o);
        break;
      }
      case 'X': text(Kind::String, u32()); break;   // BINUNICODE
      case 0x8c: text(Kind::String, u8()); break;   // SHORT_BINUNICODE
      case 0x8d: text(Kind::String, u64()); break;  // BINUNICODE8
      case 'T': text(Kind::String, u32()); break;   // BINSTRING (Python 2 str)
      case 'U': text(Kind::String, u8()); break;    // SHORT_BINSTRING
      case 'B': text(Kind::Bytes, u32()); break;    // BINBYTES
      case 'C': text(Kind::Bytes, u8()); break;     // SHORT_BINBYTES
      case 0x8e: text(Kind::Bytes, u64()); break;   // BINBYTES8
      case 'V': {                                   // UNICODE (text, raw-unicode-escape): kept as written
        Object* o = make(Kind::String);
        o->text = line("string");
        m_stack.push_back(o);
        break;
      }
      case 'S': {  // STRING (text, quoted repr)
        std::string s = line("string");
        if (s.size() < 2 || (s.front() != '\'' && s.front() != '"') || s.back() != s.front())
          throw FormatError("bad quoted string in the pickle");
        Object* o = make(Kind::String);
        o->text = s.substr(1, s.size() - 2);
        m_stack.push_back(o);
        break;
      }
      case ')': sequence(Kind::Tuple, {}); break;  // EMPTY_TUPLE
      case 't': sequence(Kind::Tuple, popMark()); break;
      case 0x85: {  // TUPLE1
        Object* a = pop();
        sequence(Kind::Tuple, {a});
        break;
      }
      case 0x86: {  // TUPLE2
        Object* b = pop();
        Object* a = pop();
        sequence(Kind::Tuple, {a, b});
        break;
      }
      case 0x87: {  // TUPLE3
        Object* c = pop();
        Object* b = pop();
        Object* a = pop();
        sequence(Kind::Tuple, {a, b, c});
        break;
      }
      case ']': sequence(Kind::List, {}); break;  // EMPTY_LIST
      case 'l': sequence(Kind::List, popMark()); break;
      case 'a': {  // APPEND
        Object* item = pop();
        appendItems(top(), {item});
        break;
      }
      case 'e': {  // APPENDS
        const auto items = popMark();
        appendItems(top(), items);
        break;
      }
      case '}': m_stack.push_back(make(Kind::Dict)); break;  // EMPTY_DICT
      case 'd': {                                            // DICT
        const auto items = popMark();
        Object* dict = make(Kind::Dict);
        setItems(dict, items);
        m_stack.push_back(dict);
        break;
      }
      case 's': {  // SETITEM
        Object* value = pop();
        Object* key = pop();
        setItems(top(), {key, value});
        break;
      }
      case 'u': {  // SETITEMS
        const auto items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x8f: sequence(Kind::Set, {}); break;  // EMPTY_SET
      case 0x90: {                                // ADDITEMS
        const auto items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x91: sequence(Kind::Set, popMark()); break;  // FROZENSET
      case 'c': {                                        // GLOBAL
        const std::string module = line("module name");
        const std::string name = line("global name");
        m_stack.push_back(global(module, name));
        break;
      }
      case 0x93: {  // STACK_GLOBAL
        Object* name = pop();
        Object* module = pop();
        if (name->kind != Kind::String || module->kind != Kind::String)
          throw FormatError("STACK_GLOBAL without string names");
        m_stack.push_back(global(module->text, name->text));
        break;
      }
      case 'R': {  // REDUCE
        Object* args = pop();
        Object* callable = pop();
        m_stack.push_back(reduce(callable, args));
        break;
      }
      case 0x81: {  // NEWOBJ: cls.__new__(cls, *args); only an empty OrderedDict is accepted
        Object* args = pop();
        Object* cls = pop();
        if (cls->kind != Kind::Global || cls->callable != Callable::OrderedDict ||
            args->kind != Kind::Tuple || !args->items.empty())
          throw UnsafeContent("the file creates an object of " +
                              (cls->kind == Kind::Global ? cls->text : kindName(cls->kind)) +
                              ", which a weights file never needs");
        m_stack.push_back(make(Kind::Dict));
        break;
      }
      case 'b': {  // BUILD: the OrderedDict's __dict__ (torch's _metadata) is read and dropped
        Object* state = pop();
        Object* target = top();
        if (target->kind != Kind::Dict)
          throw UnsafeContent("the file sets the state of a " + kindName(target->kind) +
                              ", which a weights file never needs");
        if (state->kind != Kind::Dict && state->kind != Kind::None && state->kind != Kind::Tuple)
          throw FormatError("the pickle sets a dict's state to a " + kindName(state->kind));
        break;
      }
      case 'Q': {  // BINPERSID
        Object* pid = pop();
        if (!m_resolver) throw FormatError("this pickle may not refer to storages");
        Object* s = make(Kind::Storage);
        s->storage = m_resolver->persistentLoad(*pid);
        m_stack.push_back(s);
        break;
      }
      case 'P': throw FormatError("the pickle uses text persistent ids, which torch.save never writes");
      case 'g': memoGet(std::uint64_t(parseDecimal(line("memo index"), "memo index"))); break;  // GET
      case 'h': memoGet(u8()); break;                                                           // BINGET
      case 'j': memoGet(u32()); break;                                                          // LONG_BINGET
      case 'p': memoPut(std::uint64_t(parseDecimal(line("memo index"), "memo index"))); break;  // PUT
      case 'q': memoPut(u8()); break;                                                           // BINPUT
      case 'r': memoPut(u32()); break;                                                          // LONG_BINPUT
      case 0x94: memoPut(m_memo.size()); break;                                                 // MEMOIZE
      case 'i': {  // INST: names a class to instantiate
        const std::string module = line("module name");
        const std::string name = line("class name");
        throw UnsafeContent(
            "the file asks to create an instance of the Python class " + module + "." + name +
            ", which is not on the allow-list of a weights file; nothing from the file was run");
      }
      case 'o':
      case 0x92:
      case 0x82:
      case 0x83:
      case 0x84:
        throw UnsafeContent("the pickle uses opcode " + hex(op) + " at byte " + std::to_string(at) +
                            " to build arbitrary objects, which a weights file never needs");
      default:
        throw FormatError("unknown or unsupported pickle opcode " + hex(op) + " at byte " +
                          std::to_string(at));
    }
  }
}

}  // namespace ft::weights::pickle
