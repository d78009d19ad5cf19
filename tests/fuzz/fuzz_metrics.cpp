// A run's metrics.csv: read to redraw the charts (Open run, results) and rewritten on resume.
#include <filesystem>

#include <torch/torch.h>

#include "common/error.h"
#include "fuzz_support.h"
#include "run/metrics_file.h"

namespace ft::fuzz {

void writeSeeds(const std::filesystem::path& dir) {
  std::vector<run::IterationEvent> iterations;
  std::vector<run::EpochEvent> epochs;
  for (int epoch = 0; epoch < 2; ++epoch) {
    for (int batch = 1; batch <= 3; ++batch) {
      run::IterationEvent it;
      it.epoch = epoch;
      it.iteration = epoch * 3 + batch;
      it.batch = batch;
      it.batchesPerEpoch = 3;
      it.loss = 2.3 / it.iteration;
      it.learningRates = {0.01, 0.001};
      it.imagesPerSecond = 120.5;
      iterations.push_back(it);
    }
    run::EpochEvent e;
    e.epoch = epoch;
    e.epochs = 2;
    e.phase = epoch == 0 ? run::Phase::Frozen : run::Phase::Unfrozen;
    e.trainLoss = 1.0 / (epoch + 1);
    e.validationAccuracy = 50.0 + epoch;
    e.learningRates = {0.01, 0.001};
    e.best = true;
    epochs.push_back(e);
  }
  run::writeMetricsFile((dir / "metrics.csv").string(), iterations, epochs);
}

}  // namespace ft::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = ft::fuzz::writeScratch("metrics.csv", data, size);
  try {
    const auto history = ft::run::readMetricsFile(path, 4);
    (void)history;
    // Resuming after iteration 4 / epoch 1 rewrites the file, keeping what came before.
    ft::run::MetricsWriter writer(path, 4, 1);
    (void)writer.warnings();
  } catch (const ft::UserError&) {
  }
  std::error_code ignored;
  std::filesystem::remove(path + ".damaged", ignored);
  return 0;
}
