#pragma once
// The tests' small run: synthetic IDX data in <root>/data (test::writeSyntheticIdx), run folders
// under <root>/runs, 32-px input, 2 epochs of which 1 frozen, batches of 32 (validation 40),
// 2 loader workers, 2 threads, seed 7, float32 (train.precision auto would pick bfloat16 on some
// CPUs and not others: exact-maths tests must not depend on the machine; train_precision_test
// covers the other precisions). A test changes only what it is about.
#include <filesystem>
#include <string>

#include "config/run_config.h"

namespace ft::test {

inline config::RunConfig tinyRunConfig(const std::filesystem::path& root, const std::string& name = "tiny") {
  config::RunConfig c;
  c.data.path = (root / "data").string();
  c.transform.inputSize = 32;
  c.train.epochs = 2;
  c.train.freezeEpochs = 1;
  c.train.batchSize = 32;
  c.train.evalBatchSize = 40;
  c.train.workers = 2;
  c.train.seed = 7;
  c.train.precision = "float32";
  c.device.threads = 2;
  c.output.runsDir = (root / "runs").string();
  c.output.name = name;
  return c;
}

}  // namespace ft::test
