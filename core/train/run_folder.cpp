#include "train/run_folder.h"

#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <sstream>
#include <vector>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include "common/atomic_file.h"
#include "common/error.h"

namespace fs = std::filesystem;

namespace ft::train {

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
    throw UserError(dir + ": this run folder already exists and holds files; nothing was "
                    "overwritten. Choose another run name or folder, or use `resume " + dir + "`");
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

const char* MetricsWriter::header() {
  return "kind,epoch,iteration,batch,phase,loss,train_loss,train_accuracy,val_loss,val_accuracy,"
         "lr_head,lr_backbone,images_per_second,seconds";
}

namespace {

std::string lr(const std::vector<double>& rates, std::size_t g) {
  if (g >= rates.size()) return "";
  std::ostringstream out;
  out << std::setprecision(8) << rates[g];
  return out.str();
}

}  // namespace

std::vector<std::string> splitCsvLine(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream in(line);
  std::string cell;
  while (std::getline(in, cell, ',')) cells.push_back(cell);
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

MetricsWriter::MetricsWriter(const std::string& path, std::int64_t keepUpToIteration,
                             int keepUpToEpochs)
    : m_path(path) {
  if (keepUpToIteration >= 0 && fs::exists(path)) {
    std::ifstream in(path);
    std::string line, kept;
    std::getline(in, line);  // header
    kept = std::string(header()) + "\n";
    while (std::getline(in, line)) {
      const auto cells = splitCsvLine(line);
      if (cells.size() < 3) continue;
      try {
        const bool isIteration = cells[0] == "iteration";
        const bool keep = isIteration ? std::stoll(cells[2]) <= keepUpToIteration
                                      : std::stoi(cells[1]) <= keepUpToEpochs;
        if (keep) kept += line + "\n";
      } catch (const std::exception&) {
        // A torn last line from a crash: drop it.
      }
    }
    writeFileAtomically(path, kept);
  }
  const bool fresh = !fs::exists(path);
  m_out.open(path, std::ios::app);
  if (!m_out) throw UserError(path + ": cannot open the metrics file for writing");
  if (fresh) m_out << header() << "\n";
  m_out << std::setprecision(7);
}

void MetricsWriter::write(const IterationEvent& e) {
  m_out << "iteration," << e.epoch + 1 << ',' << e.iteration << ',' << e.batch << ",,"
        << e.loss << ",,,,," << lr(e.learningRates, 0) << ',' << lr(e.learningRates, 1) << ','
        << e.imagesPerSecond << ",\n";
}

void MetricsWriter::write(const EpochEvent& e) {
  m_out << "epoch," << e.epoch + 1 << ",,," << phaseName(e.phase) << ",," << e.trainLoss << ','
        << e.trainAccuracy << ',' << e.validationLoss << ',' << e.validationAccuracy << ','
        << lr(e.learningRates, 0) << ',' << lr(e.learningRates, 1) << ',' << e.imagesPerSecond
        << ',' << e.seconds << "\n";
  m_out.flush();
  if (!m_out) throw UserError(m_path + ": writing metrics failed; the disk may be full");
}

void MetricsWriter::flush() { m_out.flush(); }

std::shared_ptr<spdlog::logger> makeRunLogger(const std::string& logPath) {
  static std::atomic<int> counter{0};
  auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(logPath, false);
  auto logger = std::make_shared<spdlog::logger>("run-" + std::to_string(counter++), sink);
  logger->set_pattern("%Y-%m-%d %H:%M:%S.%e [%l] %v");
  logger->flush_on(spdlog::level::info);
  return logger;
}

}  // namespace ft::train
