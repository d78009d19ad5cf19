#pragma once
// A run on disk: runs/<timestamp>-<name>/ with config.json, metrics.csv, log.txt,
// checkpoints/{last,best}.ckpt and exports/. A run folder is enough to resume and to redraw.
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "train/events.h"

namespace spdlog { class logger; }

namespace ft::train {

// Creates `explicitDir` (must not exist, or be empty) or runsDir/<YYYYmmdd-HHMMSS>-<name>.
// Throws ft::UserError without touching anything when the folder already holds files.
std::string createRunFolder(const std::string& runsDir, const std::string& name,
                            const std::string& explicitDir = "");

struct RunPaths {
  explicit RunPaths(std::string dir);
  std::string dir, config, metrics, log, checkpoints, lastCheckpoint, bestCheckpoint, exports;
};

// metrics.csv: one row per iteration ("iteration") and per epoch ("epoch").
class MetricsWriter {
 public:
  // Appends to `path`. With keepUpToIteration >= 0, first drops rows written after that point
  // (an interrupted run resumed from its checkpoint must not show iterations twice).
  MetricsWriter(const std::string& path, std::int64_t keepUpToIteration = -1,
                int keepUpToEpochs = -1);
  void write(const IterationEvent& event);
  void write(const EpochEvent& event);
  void flush();
  static const char* header();

 private:
  std::string m_path;
  std::ofstream m_out;
};

// Cells of one metrics.csv line (no quoting: the file holds numbers and fixed words only).
// A trailing comma yields a trailing empty cell.
std::vector<std::string> splitCsvLine(const std::string& line);

// Per-run spdlog logger writing log.txt.
std::shared_ptr<spdlog::logger> makeRunLogger(const std::string& logPath);

}  // namespace ft::train
