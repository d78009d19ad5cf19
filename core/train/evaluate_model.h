#pragma once
// Running a model over validation data to produce an EvaluationReport (see train/evaluation.h),
// with the preprocessing the trainer validates with, and the evaluation at the end of a run.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "run/evaluation_report.h"
#include "config/run_config.h"
#include "data/loader.h"
#include "train/loader_options.h"
#include "models/classifier.h"
#include "train/evaluation.h"
#include "train/precision.h"
#include "run/run_folder.h"

namespace ft::train {

// Progress of an evaluation: (images done, images in all); return false to cancel.
using EvaluationProgress = std::function<bool(std::int64_t, std::int64_t)>;

// Runs `model` in eval mode under inference mode over every batch of `loader` (which must not
// shuffle: its n-th sample is sampleIndex n) on `device`, softmax probabilities -> report.
// The model's train/eval mode is left in eval. Cancelling throws ft::UserError("cancelled").
run::EvaluationReport evaluateModel(models::ClassifierImpl& model, data::BatchLoader& loader,
                                    torch::Device device, const std::vector<std::string>& classNames,
                                    const std::string& checkpoint, int epoch,
                                    const EvaluationProgress& progress = {},
                                    Precision precision = Precision::Float32);

// Adds a batch of model outputs (logits [B, C], any device) with their labels [B]; the samples
// are numbered on from accumulator.samples().
void accumulateLogits(EvaluationAccumulator& accumulator, const torch::Tensor& logits,
                      const torch::Tensor& labels);

// One line for the log: top-1, top-5, macro F1 and the most confused pair.
std::string evaluationSummary(const run::EvaluationReport& report);

// At the end of a completed run: evaluates checkpoints best and last, stores both in the run
// folder and returns one summary line each. `lastModel` holds the weights of last.ckpt; best.ckpt
// is read into a copy unless it was saved after the same epoch (then one evaluation serves
// both). `lastReport`, when given, is last.ckpt's evaluation already made (the trainer's final
// validation pass) and saves a pass. Epochs are 1-based. Throws (ft::UserError, c10::Error).
std::vector<std::string> evaluateCompletedRun(const run::RunPaths& paths, models::Classifier& lastModel,
                                              data::BatchLoader& validationLoader, torch::Device device,
                                              const std::vector<std::string>& classNames, int lastEpoch,
                                              int bestEpoch, const EvaluationProgress& progress = {},
                                              const run::EvaluationReport* lastReport = nullptr,
                                              Precision precision = Precision::Float32);

}  // namespace ft::train
