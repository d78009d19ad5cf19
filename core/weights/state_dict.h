#pragma once
// Weights files as plain state dicts (key -> tensor, in file order), whatever their format:
// torch.save .pth (zip or legacy), safetensors, or a FineTune Studio export (.pt).
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

namespace ft::weights {

using StateDict = std::vector<std::pair<std::string, torch::Tensor>>;

enum class WeightsFormat {
  Unknown,
  TorchZip,        // torch.save, PyTorch >= 1.6 (zip: archive/data.pkl + archive/data/N)
  TorchLegacy,     // torch.save(..., _use_new_zipfile_serialization=False) and PyTorch < 1.6
  SafeTensors,     // JSON header + raw little-endian buffers
  LibTorchArchive  // torch::serialize / TorchScript zip (our .pt exports): has constants.pkl
};

// Looks at the first bytes (and, for zips, the record names). Throws ft::UserError when the
// file cannot be opened.
WeightsFormat detectWeightsFormat(const std::string& path);
std::string formatDisplayName(WeightsFormat format);  // "PyTorch .pth (zip)", ...

struct WeightsFileContents {
  WeightsFormat format = WeightsFormat::Unknown;
  StateDict tensors;
  // Where the state dict sat: "" at the top, else the checkpoint key ("state_dict", "model").
  std::string location;
  // safetensors __metadata__ (string -> string); empty for other formats.
  std::map<std::string, std::string> metadata;
};

// Reads a .pth (zip or legacy) or .safetensors file into a state dict, safely (nothing from the
// file is executed; every offset and length is checked). LibTorch archives are not state dicts:
// they are refused with a message saying how to use them. Throws ft::UserError naming the file.
WeightsFileContents readWeightsFile(const std::string& path);

}  // namespace ft::weights
