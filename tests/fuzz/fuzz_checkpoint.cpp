// Checkpoints (resume, evaluate, export of a run): the archive check (every record's CRC-32, no
// TorchScript code) and then the load of weights, optimiser state and trainer state. Half of
// the inputs (first byte odd) get their CRCs recomputed after mutation, as a deliberate forger
// would, so the fuzzer also reaches what lies behind the check.
#include <torch/torch.h>

#include "common/error.h"
#include "fuzz_support.h"
#include "run/checkpoint.h"

namespace ft::fuzz {

namespace {

struct TinyImpl : torch::nn::Module {
  TinyImpl() {
    features = register_module("features", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 2, 3)));
    norm = register_module("norm", torch::nn::BatchNorm2d(2));
    fc = register_module("fc", torch::nn::Linear(8, 3));
  }
  torch::nn::Conv2d features{nullptr};
  torch::nn::BatchNorm2d norm{nullptr};
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(Tiny);

}  // namespace

void writeSeeds(const std::filesystem::path& dir) {
  Tiny model;
  torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(1e-3));
  // One step so that the optimiser has state to save.
  adam.zero_grad();
  model->fc(torch::ones({2, 8})).sum().backward();
  adam.step();
  run::saveCheckpoint((dir / "last.ckpt").string(), *model, &adam,
                      {{"epoch", 2}, {"iteration", 40}, {"best_accuracy", 61.5}});
  run::saveCheckpoint((dir / "weights-only.ckpt").string(), *model, nullptr, {{"epoch", 1}});
}

}  // namespace ft::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  if (size > 0 && (data[0] & 1)) ft::fuzz::fixZipCrcs(bytes);
  const std::string path = ft::fuzz::writeScratch("last.ckpt", bytes);
  ft::fuzz::Tiny model;
  torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(1e-3));
  try {
    (void)ft::run::loadCheckpoint(path, *model, &adam);
  } catch (const ft::UserError&) {
  }
  return 0;
}
