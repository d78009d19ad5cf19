#pragma once
// The element types a weights file may hold, with their names in torch.save files
// (torch.FloatStorage, ...) and in safetensors headers ("F32", ...). Anything else is refused.
#include <cstddef>
#include <string>

#include <c10/core/ScalarType.h>

namespace ft::weights {

struct DTypeInfo {
  c10::ScalarType dtype;
  std::size_t size;             // bytes per element
  const char* storageName;      // global name in torch.save pickles: "FloatStorage"
  const char* safetensorsName;  // "F32"
  const char* displayName;      // "float32"
};

// nullptr when the name is not one of ours.
const DTypeInfo* dtypeByStorageName(const std::string& name);
const DTypeInfo* dtypeBySafetensorsName(const std::string& name);
const DTypeInfo* dtypeInfo(c10::ScalarType dtype);

}  // namespace ft::weights
