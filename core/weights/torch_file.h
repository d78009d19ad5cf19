#pragma once
// torch.save files without Python: a safe reader for state dicts in the zip format
// (PyTorch >= 1.6) and the legacy format, and a writer of the zip format that
// torch.load(..., weights_only=True) and torchvision's load_state_dict(strict=True) accept.
#include <string>

#include "weights/state_dict.h"

namespace ft::weights {

struct TorchFileContents {
  StateDict tensors;
  std::string location;  // "" for a bare state dict; "state_dict" / "model" / ... in a checkpoint
  bool legacy = false;
};

// Accepts a state dict (dict or OrderedDict of str -> tensor) at the top of the file or inside
// a checkpoint dict under "state_dict", "model", "model_state_dict" or "module". The pickle is
// parsed by the allow-list unpickler of pickle_reader.h. Throws ft::UserError naming the file.
TorchFileContents readTorchFile(const std::string& path);

// Writes `state` as torch.save(OrderedDict) does in the zip format (one storage per tensor,
// little-endian, records 64-byte aligned), atomically. Tensors are written contiguous from the
// CPU in their own dtype. Throws ft::UserError.
void writeTorchFile(const std::string& path, const StateDict& state);

}  // namespace ft::weights
