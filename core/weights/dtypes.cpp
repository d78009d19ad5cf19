#include "weights/dtypes.h"

#include <array>

namespace ft::weights {
namespace {

// The storage types torch.save writes for state dicts (PyTorch's weights_only allow-list holds
// the same ones; quantized and complex types are left out on purpose).
const std::array<DTypeInfo, 10> kTypes{{
    {c10::ScalarType::Float, 4, "FloatStorage", "F32", "float32"},
    {c10::ScalarType::Double, 8, "DoubleStorage", "F64", "float64"},
    {c10::ScalarType::Half, 2, "HalfStorage", "F16", "float16"},
    {c10::ScalarType::BFloat16, 2, "BFloat16Storage", "BF16", "bfloat16"},
    {c10::ScalarType::Long, 8, "LongStorage", "I64", "int64"},
    {c10::ScalarType::Int, 4, "IntStorage", "I32", "int32"},
    {c10::ScalarType::Short, 2, "ShortStorage", "I16", "int16"},
    {c10::ScalarType::Char, 1, "CharStorage", "I8", "int8"},
    {c10::ScalarType::Byte, 1, "ByteStorage", "U8", "uint8"},
    {c10::ScalarType::Bool, 1, "BoolStorage", "BOOL", "bool"},
}};

}  // namespace

const DTypeInfo* dtypeByStorageName(const std::string& name) {
  for (const auto& t : kTypes)
    if (name == t.storageName) return &t;
  return nullptr;
}

const DTypeInfo* dtypeBySafetensorsName(const std::string& name) {
  for (const auto& t : kTypes)
    if (name == t.safetensorsName) return &t;
  return nullptr;
}

const DTypeInfo* dtypeInfo(c10::ScalarType dtype) {
  for (const auto& t : kTypes)
    if (t.dtype == dtype) return &t;
  return nullptr;
}

}  // namespace ft::weights
