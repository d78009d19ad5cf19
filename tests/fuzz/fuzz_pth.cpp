// The .pth reader: torch.save files in the zip format and the legacy pickle format, through the
// same entry point as --weights and the Weights page (format detection first).
#include <torch/torch.h>

#include "common/error.h"
#include "fuzz_support.h"
#include "weights/state_dict.h"
#include "weights/torch_file.h"

namespace ft::fuzz {

void writeSeeds(const std::filesystem::path& dir) {
  // The writer of the .pth export; the legacy and PyTorch-written seeds are in the corpus.
  weights::StateDict state{{"fc.weight", torch::arange(12, torch::kFloat32).reshape({3, 4})},
                           {"fc.bias", torch::zeros({3}, torch::kFloat64)},
                           {"bn.num_batches_tracked", torch::tensor(int64_t(7))}};
  weights::writeTorchFile((dir / "state_dict.pth").string(), state);
}

}  // namespace ft::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = ft::fuzz::writeScratch("input.pth", data, size);
  try {
    const auto contents = ft::weights::readWeightsFile(path);
    for (const auto& [name, tensor] : contents.tensors)
      (void)tensor.sum().item<double>();  // touch every byte
  } catch (const ft::UserError&) {
  }
  return 0;
}
