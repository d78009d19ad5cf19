#include "cli_progress.h"

#include <cstdio>
#include <cstring>
#include <string>
#include <unistd.h>

#include <nlohmann/json.hpp>

namespace ft::cli {
namespace {

std::string formatDuration(double seconds) {
  const long total = long(seconds + 0.5);
  char text[32];
  if (total >= 3600)
    std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", total / 3600, total / 60 % 60, total % 60);
  else
    std::snprintf(text, sizeof text, "%ld:%02ld", total / 60, total % 60);
  return text;
}

// One event per line on stdout, flushed at once so a script sees it while training runs.
void printJsonLine(const nlohmann::json& event) {
  std::printf("%s\n", event.dump().c_str());
  std::fflush(stdout);
}

}  // namespace

ConsoleObserver::ConsoleObserver(bool jsonLines) : m_json(jsonLines), m_tty(::isatty(2) == 1) {}

void ConsoleObserver::setTotalEpochs(int epochs) {
  std::lock_guard<std::mutex> lock(m_mutex);
  m_totalEpochs = epochs;
}

void ConsoleObserver::endBarLine() {
  if (m_barOpen) std::fputc('\n', stderr);
  m_barOpen = false;
}

void ConsoleObserver::onIteration(const run::IterationEvent& e) {
  std::lock_guard<std::mutex> lock(m_mutex);
  if (m_json) return printJsonLine(run::toJson(e));
  const auto now = std::chrono::steady_clock::now();
  const bool last = e.batch == e.batchesPerEpoch;
  // A terminal gets a live bar; a log file gets a line every 100 batches, as the seed prints.
  if (m_tty) {
    if (!last && now - m_lastDraw < std::chrono::milliseconds(100)) return;
  } else if (e.batch % 100 != 0 && !last) {
    return;
  }
  m_lastDraw = now;
  const int width = 30;
  const double fraction = e.batchesPerEpoch ? double(e.batch) / double(e.batchesPerEpoch) : 0.0;
  const int filled = int(fraction * width);
  std::string bar(std::size_t(filled), '#');
  bar.append(std::size_t(width - filled), '-');
  // The same time-left formula as the studio's dashboard (api::timeLeft).
  const auto left = api::timeLeft(e, m_totalEpochs);
  const double eta = left ? left->epochSeconds : 0.0;
  char line[256];
  std::snprintf(line, sizeof line, "Epoch %d [%s] %lld/%lld loss %.4f | %.0f img/s | ETA %s", e.epoch + 1,
                bar.c_str(), static_cast<long long>(e.batch), static_cast<long long>(e.batchesPerEpoch),
                e.loss, e.imagesPerSecond, formatDuration(eta).c_str());
  if (left && left->runSeconds) {
    const std::size_t used = std::strlen(line);
    std::snprintf(line + used, sizeof line - used, " (run >= %s)", formatDuration(*left->runSeconds).c_str());
  }
  if (m_tty) {
    std::fprintf(stderr, "\r%s   ", line);
    m_barOpen = true;
  } else {
    std::fprintf(stderr, "%s\n", line);
  }
  std::fflush(stderr);
}

void ConsoleObserver::onEpoch(const run::EpochEvent& e) {
  std::lock_guard<std::mutex> lock(m_mutex);
  if (m_json) return printJsonLine(run::toJson(e));
  endBarLine();
}

void ConsoleObserver::onPhase(const run::PhaseEvent& e) {
  std::lock_guard<std::mutex> lock(m_mutex);
  if (m_json) printJsonLine(run::toJson(e));
}

void ConsoleObserver::onLog(const run::LogEvent& e) {
  std::lock_guard<std::mutex> lock(m_mutex);
  if (m_json) return printJsonLine(run::toJson(e));
  endBarLine();
  const char* prefix = e.level == run::LogLevel::Error     ? "error: "
                       : e.level == run::LogLevel::Warning ? "warning: "
                                                           : "";
  std::fprintf(stderr, "%s%s\n", prefix, e.message.c_str());
}

void ConsoleObserver::onFinished(const run::FinishedEvent& e) {
  std::lock_guard<std::mutex> lock(m_mutex);
  if (m_json) return printJsonLine(run::toJson(e));
  endBarLine();
  if (!e.runDir.empty()) std::fprintf(stderr, "Run folder: %s\n", e.runDir.c_str());
}

}  // namespace ft::cli
