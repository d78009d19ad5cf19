#include "run/progress.h"

namespace ft::run {

std::optional<TimeLeft> timeLeft(const IterationEvent& last, int totalEpochs) {
  if (last.batch <= 0 || last.batchesPerEpoch <= 0 || last.epochSeconds <= 0.0) return std::nullopt;
  const double perBatch = last.epochSeconds / double(last.batch);
  TimeLeft left;
  left.epochSeconds = perBatch * double(last.batchesPerEpoch - last.batch);
  if (totalEpochs > 0 && last.epoch + 1 < totalEpochs)
    left.runSeconds = left.epochSeconds +
                      perBatch * double(last.batchesPerEpoch) * double(totalEpochs - last.epoch - 1);
  return left;
}

}  // namespace ft::run
