#pragma once
// A run on disk: runs/<timestamp>-<name>/ with config.json, metrics.csv (run/metrics_file.h),
// log.txt, checkpoints/{last,best}.ckpt (run/checkpoint.h), evaluation/ (run/evaluation_report.h)
// and exports/. A run folder is enough to resume and to redraw. This is the one place that says
// what a run folder is; torch-free.
#include <memory>
#include <string>

#include "config/run_config.h"

namespace spdlog {
class logger;
}

namespace ft::run {

// Creates `explicitDir` (must not exist, or be empty) or runsDir/<YYYYmmdd-HHMMSS>-<name>.
// Throws ft::UserError without touching anything when the folder already holds files.
std::string createRunFolder(const std::string& runsDir, const std::string& name,
                            const std::string& explicitDir = "");

struct RunPaths {
  explicit RunPaths(std::string dir);
  std::string dir, config, metrics, log, checkpoints, lastCheckpoint, bestCheckpoint, exports;
  // checkpoints/<which>.ckpt for "best" | "last"; other names throw ft::UserError.
  std::string checkpoint(const std::string& which) const;
};

// An existing run folder (it has a config.json). Throws ft::UserError naming `dir` and saying
// what to give instead.
RunPaths openRunFolder(const std::string& dir);
// The run's config.json. Throws ft::UserError naming the file when it is damaged.
config::RunConfig loadRunConfig(const RunPaths& paths);

// "best" | "last", else ft::UserError naming the accepted values.
void checkCheckpointName(const std::string& which);
// The checkpoint file `which` of the run; when it is missing, ft::UserError saying which
// checkpoints the run does have (or that it stopped before its first one).
std::string existingCheckpoint(const RunPaths& paths, const std::string& which);

// Per-run spdlog logger writing log.txt.
std::shared_ptr<spdlog::logger> makeRunLogger(const std::string& logPath);

}  // namespace ft::run
