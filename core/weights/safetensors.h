#pragma once
// safetensors (https://github.com/huggingface/safetensors): an 8-byte little-endian header
// length, a JSON header {name: {dtype, shape, data_offsets}, "__metadata__": {str: str}}, then
// the raw little-endian tensor bytes. Read with the checks of the reference implementation.
#include <map>
#include <string>

#include "weights/state_dict.h"

namespace ft::weights {

struct SafeTensorsContents {
  StateDict tensors;                            // in the order of their data in the file
  std::map<std::string, std::string> metadata;  // __metadata__
};

// Throws ft::UserError naming the file: header length past the end, bad JSON, unknown dtype,
// offsets outside the data, overlapping or with gaps, a byte count that does not match the shape.
SafeTensorsContents readSafeTensors(const std::string& path);

// Writes tensors (contiguous, CPU, their own dtype) and string metadata, atomically.
void writeSafeTensors(const std::string& path, const StateDict& state,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace ft::weights
