// The .json beside a .pth / .safetensors export (class names, preprocessing), read by predict,
// evaluate and the studio's Try it.
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "export/exported_model.h"
#include "export/model_export.h"
#include "fuzz_support.h"

namespace ft::fuzz {

void writeSeeds(const std::filesystem::path& dir) {
  exporting::ExportMetadata metadata;
  metadata.architecture = "resnet18";
  metadata.classNames = {"T-shirt/top", "Trouser", "Pullover"};
  metadata.inputSize = 32;
  metadata.imageChannels = 1;
  metadata.sourceRun = "runs/20261203-run";
  writeFile(dir / "stretch.json", exporting::toJson(metadata).dump(2));
  metadata.architecture = "efficientnet_b0";
  metadata.resizeSize = 256;
  metadata.inputSize = 224;
  metadata.interpolation = "bicubic";
  metadata.imageChannels = 3;
  writeFile(dir / "resize-crop.json", exporting::toJson(metadata).dump());
}

}  // namespace ft::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ft::fuzz::writeScratch("model.json", data, size);
  try {
    const auto metadata = ft::exporting::readMetadataBeside((ft::fuzz::scratch() / "model.pth").string());
    (void)ft::exporting::evaluationTransform(metadata);
    (void)ft::exporting::toJson(metadata).dump();
  } catch (const ft::UserError&) {
  }
  return 0;
}
