#include "run/run_folder.h"

#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <sstream>
#include <vector>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include "common/error.h"

namespace fs = std::filesystem;

namespace ft::run {

std::string createRunFolder(const std::string& runsDir, const std::string& name,
                            const std::string& explicitDir) {
  std::string dir = explicitDir;
  if (dir.empty()) {
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    std::ostringstream stamp;
    stamp << std::put_time(&local, "%Y%m%d-%H%M%S");
    // Two runs started in the same second get -2, -3, ...: an automatic name never collides.
    const fs::path base = fs::path(runsDir) / (stamp.str() + "-" + name);
    dir = base.string();
    std::error_code ec;
    for (int n = 2; fs::exists(dir, ec); ++n) dir = base.string() + "-" + std::to_string(n);
  }
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec))
    throw UserError(dir +
                    ": this run folder already exists and holds files; nothing was "
                    "overwritten. Choose another run name or folder, or use `resume " +
                    dir + "`");
  fs::create_directories(fs::path(dir) / "checkpoints", ec);
  if (!ec) fs::create_directories(fs::path(dir) / "exports", ec);
  if (ec)
    throw UserError(dir + ": cannot create the run folder (" + ec.message() +
                    "); check that the runs folder is writable");
  return dir;
}

RunPaths::RunPaths(std::string d) : dir(std::move(d)) {
  const fs::path root(dir);
  config = (root / "config.json").string();
  metrics = (root / "metrics.csv").string();
  log = (root / "log.txt").string();
  checkpoints = (root / "checkpoints").string();
  lastCheckpoint = (root / "checkpoints" / "last.ckpt").string();
  bestCheckpoint = (root / "checkpoints" / "best.ckpt").string();
  exports = (root / "exports").string();
}

RunPaths openRunFolder(const std::string& dir) {
  RunPaths paths(dir);
  std::error_code error;
  if (!fs::is_directory(dir, error))
    throw UserError(dir + ": no such folder, so this is not a run folder. Give a folder that a "
                          "training created under runs/");
  if (!fs::exists(paths.config, error))
    throw UserError(dir + ": no config.json here, so this is not a run folder. Give a folder that "
                          "a training created under runs/");
  return paths;
}

config::RunConfig loadRunConfig(const RunPaths& paths) { return config::loadConfigFile(paths.config); }

void checkCheckpointName(const std::string& which) {
  if (which != "best" && which != "last")
    throw UserError("checkpoint \"" + which + "\" is not known; use best or last");
}

std::string RunPaths::checkpoint(const std::string& which) const {
  checkCheckpointName(which);
  return which == "best" ? bestCheckpoint : lastCheckpoint;
}

std::string existingCheckpoint(const RunPaths& paths, const std::string& which) {
  const std::string file = paths.checkpoint(which);
  std::error_code error;
  if (fs::exists(file, error)) return file;
  std::string present;
  for (const auto* name : {"best", "last"})
    if (fs::exists(paths.checkpoint(name), error))
      present += std::string(present.empty() ? "" : " and ") + name;
  throw UserError(file + ": missing. " +
                  (present.empty()
                       ? std::string("This run has no checkpoint yet: it stopped before its first "
                                     "epoch ended; resume it with `finetune-cli resume " +
                                     paths.dir + "`")
                       : "This run has " + present + "; choose --checkpoint " +
                             (present.find(' ') == std::string::npos ? present : "best or last")));
}

std::shared_ptr<spdlog::logger> makeRunLogger(const std::string& logPath) {
  static std::atomic<int> counter{0};
  auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(logPath, false);
  auto logger = std::make_shared<spdlog::logger>("run-" + std::to_string(counter++), sink);
  logger->set_pattern("%Y-%m-%d %H:%M:%S.%e [%l] %v");
  logger->flush_on(spdlog::level::info);
  return logger;
}

}  // namespace ft::run
