// A run's config.json (finetune-cli train --config, resume, the studio's Open run).
#include <torch/torch.h>

#include "common/error.h"
#include "config/run_config.h"
#include "fuzz_support.h"

namespace ft::fuzz {

void writeSeeds(const std::filesystem::path& dir) {
  config::RunConfig config;
  config::saveConfigFile(config, (dir / "defaults.json").string());
  config.model.architecture = "mobilenet_v3_small";
  config.train.epochs = 3;
  config.train.freezeEpochs = 1;
  config.data.path = "/usr/share/datasets/fashion-mnist";
  config::saveConfigFile(config, (dir / "mobilenet.json").string());
  writeFile(dir / "partial.json",
            R"({"train": {"epochs": 2, "batch_size": 16}, "optim": {"lr_head": 0.01}})");
}

}  // namespace ft::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = ft::fuzz::writeScratch("config.json", data, size);
  try {
    const auto config = ft::config::loadConfigFile(path);
    ft::config::validate(config);
    (void)ft::config::toJson(config).dump();
  } catch (const ft::UserError&) {
  }
  return 0;
}
