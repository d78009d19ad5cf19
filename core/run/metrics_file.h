#pragma once
// metrics.csv of a run folder: one row per iteration ("iteration") and per epoch ("epoch"),
// written while the run trains and read back by column name to redraw its charts. Torch-free.
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "run/events.h"

namespace ft::run {

class MetricsWriter {
 public:
  // Appends to `path`. With keepUpToIteration >= 0, first drops rows written after that point
  // (an interrupted run resumed from its checkpoint must not show iterations twice).
  MetricsWriter(const std::string& path, std::int64_t keepUpToIteration = -1, int keepUpToEpochs = -1);
  void write(const IterationEvent& event);
  void write(const EpochEvent& event);
  void flush();
  bool good() const { return bool(m_out); }
  // What resuming found wrong in the existing file (damaged lines dropped, where the original
  // went), for the run's log; a torn last line from a crash is dropped without a word.
  const std::vector<std::string>& warnings() const { return m_warnings; }
  static const char* header();

 private:
  std::string m_path;
  std::ofstream m_out;
  std::vector<std::string> m_warnings;
};

// Cells of one metrics.csv line (no quoting: the file holds numbers and fixed words only).
// A trailing comma yields a trailing empty cell.
std::vector<std::string> splitCsvLine(const std::string& line);

struct MetricsHistory {
  std::vector<IterationEvent> iterations;  // batchesPerEpoch = the largest batch number seen
  std::vector<EpochEvent> epochs;          // epochs = `epochs` given; best = best so far
};
// Reads a metrics file by its header's column names. A missing file is an empty history; torn
// or damaged rows are skipped. Throws ft::UserError when the first line is not a metrics header.
MetricsHistory readMetricsFile(const std::string& path, int epochs);

// Writes events as a run's metrics.csv holds them (each epoch's iterations, then its epoch
// row), replacing `path`. Throws ft::UserError naming the file.
void writeMetricsFile(const std::string& path, const std::vector<IterationEvent>& iterations,
                      const std::vector<EpochEvent>& epochs);

}  // namespace ft::run
