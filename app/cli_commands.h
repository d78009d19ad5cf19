#pragma once
// finetune-cli's commands, each returning the process's exit code: 0 done, 1 error (the
// message names the file or field and the fix), 130 stopped by SIGINT/SIGTERM/SIGHUP.
#include <atomic>
#include <string>
#include <vector>

#include "api/training_api.h"
#include "config/run_config.h"

namespace ft::cli {

constexpr int kExitFailed = 1;
constexpr int kExitStopped = 130;

// Set by the SIGINT/SIGTERM/SIGHUP handler; commands turn it into a clean stop.
extern std::atomic<bool> g_interrupted;

// `train` / `resume`: runs to the end or to a signal (a checkpoint is kept).
int runTrainer(api::Trainer& trainer, bool json);
// `predict`: the top-k classes of each image with an exported model. 1 when an image could not
// be read (the others are still printed).
int runPredict(const std::string& modelFile, const std::vector<std::string>& images, int topK, bool json);
// `evaluate`: a checkpoint's confusion matrix and per-class report (stored in the run folder).
int runEvaluate(const std::string& runDir, const std::string& which, bool cached, bool samples, bool json);
// `train --estimate`: the measured time per epoch and for the run; writes nothing.
int runEstimate(const config::RunConfig& config, bool json);

// `finetune-cli models`: one line per architecture (name, year, parameters, GMACs at 224 px,
// ImageNet top-1/top-5 and file of its default weights), or with `json` one JSON array.
int printModels(bool json);

}  // namespace ft::cli
