// The safetensors reader (starting weights and the .safetensors export read back).
#include <torch/torch.h>

#include "common/error.h"
#include "fuzz_support.h"
#include "weights/safetensors.h"

namespace ft::fuzz {

void writeSeeds(const std::filesystem::path& dir) {
  weights::StateDict state{{"fc.weight", torch::arange(12, torch::kFloat32).reshape({3, 4})},
                           {"fc.bias", torch::ones({3}, torch::kBFloat16)},
                           {"features.0.num_batches_tracked", torch::tensor(int64_t(7))}};
  weights::writeSafeTensors((dir / "weights.safetensors").string(), state,
                            {{"finetune_studio",
                              R"({"architecture":"resnet18","class_names":["a","b","c"]})"}});
  weights::writeSafeTensors((dir / "empty.safetensors").string(), {});
}

}  // namespace ft::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = ft::fuzz::writeScratch("input.safetensors", data, size);
  try {
    const auto contents = ft::weights::readSafeTensors(path);
    for (const auto& [name, tensor] : contents.tensors) (void)tensor.sum().item<double>();
  } catch (const ft::UserError&) {
  }
  return 0;
}
