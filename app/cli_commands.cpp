#include "cli_commands.h"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <optional>
#include <thread>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "api/results_api.h"
#include "api/studio_api.h"
#include "common/error.h"

namespace ft::cli {

std::atomic<bool> g_interrupted{false};

namespace {

void onSignal(int) { g_interrupted = true; }

std::string minutesAndSeconds(double seconds) {
  const long total = long(seconds + 0.5);
  char text[32];
  if (total >= 3600)
    std::snprintf(text, sizeof text, "%ld h %02ld min", total / 3600, total / 60 % 60);
  else if (total >= 60)
    std::snprintf(text, sizeof text, "%ld min %02ld s", total / 60, total % 60);
  else
    std::snprintf(text, sizeof text, "%ld s", total);
  return text;
}

}  // namespace

int runTrainer(ft::api::Trainer& trainer, bool json) {
  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);
  std::signal(SIGHUP, onSignal);  // the terminal closed: stop as cleanly as on SIGTERM
  std::atomic<bool> done{false};
  // Signal handlers may only set a flag; this thread turns it into a clean stop request.
  std::thread watcher([&] {
    while (!done) {
      if (g_interrupted.exchange(false)) trainer.requestStop();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  const auto result = trainer.run();
  done = true;
  watcher.join();
  if (!json && result.rank == 0) {  // in a data-parallel run, rank 0 reports
    switch (result.status) {
      case ft::run::FinishStatus::Completed:
        std::fprintf(stderr, "Done: %s\n", result.message.c_str());
        break;
      case ft::run::FinishStatus::Stopped: std::fprintf(stderr, "%s\n", result.message.c_str()); break;
      case ft::run::FinishStatus::Failed: break;  // the observer printed the error already
    }
  }
  if (result.status == ft::run::FinishStatus::Completed) return 0;
  return result.status == ft::run::FinishStatus::Stopped ? kExitStopped : kExitFailed;
}

int runPredict(const std::string& modelFile, const std::vector<std::string>& images, int topK, bool json) {
  if (topK < 1) throw ft::UserError("--top-k must be at least 1 (got " + std::to_string(topK) + ")");
  const auto predictions = ft::api::predictWithModel(modelFile, images, topK);
  int unreadable = 0;
  for (const auto& p : predictions) {
    unreadable += p.error.empty() ? 0 : 1;
    if (json) {
      nlohmann::json top = nlohmann::json::array();
      for (const auto& c : p.top)
        top.push_back({{"class", c.classIndex}, {"name", c.name}, {"probability", c.probability}});
      nlohmann::json line{{"event", "prediction"}, {"image", p.image}, {"top", top}};
      if (!p.error.empty()) line["error"] = p.error;
      std::printf("%s\n", line.dump().c_str());
      continue;
    }
    std::printf("%s\n", p.image.c_str());
    if (!p.error.empty()) std::printf("  error: %s\n", p.error.c_str());
    std::size_t width = 5;
    for (const auto& c : p.top) width = std::max(width, c.name.size());
    for (std::size_t rank = 0; rank < p.top.size(); ++rank)
      std::printf("  %2zu. %-*s %7.2f%%\n", rank + 1, int(width), p.top[rank].name.c_str(),
                  100.0 * p.top[rank].probability);
  }
  if (unreadable > 0 && !json)
    std::fprintf(stderr, "error: %d of %zu images could not be read (named above)\n", unreadable,
                 predictions.size());
  return unreadable > 0 ? kExitFailed : 0;
}

// `evaluate`: the confusion matrix and per-class report of a run's checkpoint on its validation
// set, evaluated now (and stored), or read back with --cached while the checkpoint is unchanged.
int runEvaluate(const std::string& runDir, const std::string& which, bool cached, bool samples, bool json) {
  std::optional<ft::api::EvaluationReport> report;
  if (cached) report = ft::api::readEvaluation(runDir, which);
  if (!report) {
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    std::signal(SIGHUP, onSignal);
    const bool tty = !json && ::isatty(2) == 1;
    if (!json) std::fprintf(stderr, "Evaluating checkpoint %s of %s\n", which.c_str(), runDir.c_str());
    int shownPercent = -1;
    report = ft::api::evaluateRun(runDir, which, [&](std::int64_t done, std::int64_t total) {
      const int percent = total > 0 ? int(done * 100 / total) : 100;
      if (tty && percent != shownPercent) std::fprintf(stderr, "\r%3d%%", percent);
      shownPercent = percent;
      return !g_interrupted;
    });
    if (tty) std::fprintf(stderr, "\r");
    if (!json) std::fprintf(stderr, "Stored in %s\n", ft::api::evaluationPath(runDir, which).c_str());
  }
  if (json)
    std::printf("%s\n", ft::api::toJson(*report, samples).dump().c_str());
  else
    std::printf("%s", ft::api::formatEvaluationText(*report).c_str());
  return 0;
}

int runEstimate(const config::RunConfig& config, bool json) {
  const auto e = ft::api::estimateRun(config);
  if (json) {
    std::printf("%s\n", nlohmann::json{{"event", "estimate"},
                                       {"frozen_seconds_per_epoch", e.frozenSecondsPerEpoch},
                                       {"unfrozen_seconds_per_epoch", e.unfrozenSecondsPerEpoch},
                                       {"total_seconds", e.totalSeconds},
                                       {"batches_measured", e.batchesMeasured},
                                       {"busy_cores", e.busyCores},
                                       {"machine_busy", e.machineBusy}}
                            .dump()
                            .c_str());
    return 0;
  }
  std::printf("Per epoch (median of %d real batches per phase): frozen %s, unfrozen %s; the whole run "
              "(%d epochs, %d frozen) about %s\n",
              e.batchesMeasured, minutesAndSeconds(e.frozenSecondsPerEpoch).c_str(),
              minutesAndSeconds(e.unfrozenSecondsPerEpoch).c_str(), config.train.epochs,
              config.train.freezeEpochs, minutesAndSeconds(e.totalSeconds).c_str());
  if (e.machineBusy)
    std::printf("Measured while other programs kept about %.1f cores busy: the real run may be faster\n",
                e.busyCores);
  return 0;
}

int printModels(bool json) {
  const auto cards = api::modelCards();
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& c : cards)
      out.push_back({{"architecture", c.architecture},
                     {"display_name", c.displayName},
                     {"year", c.year},
                     {"paper", c.paper},
                     {"authors", c.authors},
                     {"introduced", c.introduced},
                     {"parameters", c.parameters},
                     {"gmacs_224", c.gmacs},
                     {"input_size", c.inputSize},
                     {"weights",
                      {{"variant", c.weightsVariant},
                       {"file", c.weightsFile},
                       {"top1", c.top1},
                       {"top5", c.top5},
                       {"size_mb", c.fileSizeMB},
                       {"resize", c.resizeSize},
                       {"crop", c.inputSize},
                       {"interpolation", c.interpolation}}}});
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  std::printf("%-20s %-18s %4s %9s %7s %6s %6s %8s  %s\n", "ARCHITECTURE", "NAME", "YEAR", "PARAMS", "GMACS",
              "TOP-1", "TOP-5", "FILE MB", "INTRODUCED");
  for (const auto& c : cards)
    std::printf("%-20s %-18s %4d %8.1fM %7.2f %6.2f %6.2f %8.1f  %s\n", c.architecture.c_str(),
                c.displayName.c_str(), c.year, double(c.parameters) / 1e6, c.gmacs, c.top1, c.top5,
                c.fileSizeMB, c.introduced.c_str());
  std::printf(
      "\nGMACs: multiply-accumulates per 224-px image. Top-1/top-5: ImageNet accuracy of the weights\n"
      "--weights imagenet downloads (torchvision's IMAGENET1K_V1).\n");
  return 0;
}

}  // namespace ft::cli
