#include "weights/state_dict.h"

#include <cstring>

#include "common/error.h"
#include "weights/mapped_file.h"
#include "weights/safetensors.h"
#include "weights/torch_file.h"
#include "weights/zip_archive.h"

namespace ft::weights {

WeightsFormat detectWeightsFormat(const std::string& path) {
  const MappedFile file(path);
  const ByteView bytes = file.bytes();
  if (bytes.fits(0, 4) && bytes.u32le(0) == 0x04034b50) {
    try {
      const ZipReader zip(bytes);
      for (const auto& e : zip.entries()) {
        const auto slash = e.name.find('/');
        const std::string rest = slash == std::string::npos ? e.name : e.name.substr(slash + 1);
        if (rest == "constants.pkl" || rest.rfind("code/", 0) == 0) return WeightsFormat::LibTorchArchive;
      }
    } catch (const FormatError&) {
      // Damaged: let the .pth reader say what is wrong.
    }
    return WeightsFormat::TorchZip;
  }
  // Legacy torch.save: PROTO 2, LONG1 with 10 bytes (the magic number).
  if (bytes.fits(0, 4) && bytes.data()[0] == 0x80 && bytes.data()[2] == 0x8a && bytes.data()[3] == 10)
    return WeightsFormat::TorchLegacy;
  // safetensors: header length, then a JSON object.
  if (bytes.fits(0, 9) && bytes.data()[8] == '{') return WeightsFormat::SafeTensors;
  return WeightsFormat::Unknown;
}

std::string formatDisplayName(WeightsFormat format) {
  switch (format) {
    case WeightsFormat::TorchZip: return "PyTorch .pth (zip)";
    case WeightsFormat::TorchLegacy: return "PyTorch .pth (legacy)";
    case WeightsFormat::SafeTensors: return "safetensors";
    case WeightsFormat::LibTorchArchive: return "LibTorch archive";
    case WeightsFormat::Unknown: break;
  }
  return "unknown";
}

WeightsFileContents readWeightsFile(const std::string& path) {
  WeightsFileContents out;
  out.format = detectWeightsFormat(path);
  switch (out.format) {
    case WeightsFormat::TorchZip:
    case WeightsFormat::TorchLegacy: {
      auto contents = readTorchFile(path);
      out.tensors = std::move(contents.tensors);
      out.location = std::move(contents.location);
      return out;
    }
    case WeightsFormat::SafeTensors: {
      auto contents = readSafeTensors(path);
      out.tensors = std::move(contents.tensors);
      out.metadata = std::move(contents.metadata);
      return out;
    }
    case WeightsFormat::LibTorchArchive:
      throw UserError(path +
                      ": this is a LibTorch/TorchScript archive, not a state dict. A model exported by "
                      "FineTune Studio (.pt) can start a run as it is; for other weights give a .pth saved "
                      "with torch.save(model.state_dict(), path) or a .safetensors file");
    case WeightsFormat::Unknown: break;
  }
  throw UserError(
      path + ": not a weights file this program reads; give a .pth saved with "
             "torch.save(model.state_dict(), path), a .safetensors file, or a FineTune Studio export (.pt)");
}

}  // namespace ft::weights
