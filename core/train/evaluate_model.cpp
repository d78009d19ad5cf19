#include "train/evaluate_model.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>

#include "common/error.h"
#include "run/checkpoint.h"

namespace ft::train {

run::EvaluationReport evaluateModel(models::ClassifierImpl& model, data::BatchLoader& loader,
                                    torch::Device device, const std::vector<std::string>& classNames,
                                    const std::string& checkpoint, int epoch,
                                    const EvaluationProgress& progress, Precision precision) {
  if (model.numClasses() != int(classNames.size()))
    throw UserError("the model has " + std::to_string(model.numClasses()) + " classes, the data " +
                    std::to_string(classNames.size()));
  // Lower precision runs on channels-last inputs: the weights in the same layout for the pass (a
  // weight reorder per batch otherwise), then back as the caller had them. Outside InferenceMode,
  // so the parameters do not become inference tensors.
  struct LayoutScope {
    models::ClassifierImpl& model;
    bool restore = false;
    ~LayoutScope() {
      if (restore) setConvolutionLayout(model, false);
    }
  } layout{model};
  if (precision != Precision::Float32) {
    bool wasChannelsLast = false;
    for (const auto& p : model.parameters())
      if (p.dim() == 4) {
        wasChannelsLast = p.is_contiguous(torch::MemoryFormat::ChannelsLast);
        break;
      }
    setConvolutionLayout(model, true);
    layout.restore = !wasChannelsLast;
  }
  c10::InferenceMode inference;
  model.eval();
  EvaluationAccumulator accumulator(classNames);
  const auto total = std::int64_t(loader.samplesPerEpoch());
  loader.startEpoch(0);
  while (auto batch = loader.next()) {
    const auto images = batch->images.to(device);
    const auto logits = precision == Precision::Float32
                            ? model.forward(images)
                            : model.classify(featuresIn(model, images, precision, /*channelsLast=*/true));
    accumulateLogits(accumulator, logits, batch->labels);
    if (progress && !progress(accumulator.rows(), total)) throw UserError("cancelled");
  }
  auto report = accumulator.finish(checkpoint, epoch);
  report.precision = precisionName(precision);
  return report;
}

void accumulateLogits(EvaluationAccumulator& accumulator, const torch::Tensor& logits,
                      const torch::Tensor& labels) {
  const auto probabilities = torch::softmax(logits.detach(), 1).to(torch::kCPU, torch::kFloat32).contiguous();
  const auto cpuLabels = labels.to(torch::kCPU, torch::kInt64).contiguous();
  const std::size_t rows = std::size_t(cpuLabels.size(0));
  std::vector<std::size_t> indices(rows);
  std::iota(indices.begin(), indices.end(), std::size_t(accumulator.rows()));
  accumulator.add(probabilities.data_ptr<float>(), rows, cpuLabels.data_ptr<std::int64_t>(), indices.data());
}

std::string evaluationSummary(const run::EvaluationReport& report) {
  char line[256];
  std::snprintf(line, sizeof line,
                "Evaluation of %s (epoch %d, %lld images, %s): top-1 %.2f%%, top-%zu %.2f%%, macro F1 %.4f",
                report.checkpoint.c_str(), report.epoch, static_cast<long long>(report.samples),
                report.precision.c_str(), 100.0 * report.top1,
                std::min<std::size_t>(5, report.classNames.size()), 100.0 * report.top5, report.macroF1);
  std::string out = line;
  const auto confused = report.mostConfused(1);
  if (confused.empty()) return out + ", no confusions";
  const auto& c = confused.front();
  return out + ", most confused: " + report.classNames[std::size_t(c.trueClass)] + " -> " +
         report.classNames[std::size_t(c.predictedClass)] + " (" + std::to_string(c.count) + ")";
}

std::vector<std::string> evaluateCompletedRun(const run::RunPaths& paths, models::Classifier& lastModel,
                                              data::BatchLoader& validationLoader, torch::Device device,
                                              const std::vector<std::string>& classNames, int lastEpoch,
                                              int bestEpoch, const EvaluationProgress& progress,
                                              const run::EvaluationReport* lastReport, Precision precision) {
  using Clock = std::chrono::steady_clock;
  auto seconds = [](Clock::time_point start) {
    char text[32];
    std::snprintf(text, sizeof text, " [%.1f s]",
                  std::chrono::duration<double>(Clock::now() - start).count());
    return std::string(text);
  };
  std::vector<std::string> lines;
  auto start = Clock::now();
  auto last = lastReport ? *lastReport
                         : evaluateModel(*lastModel, validationLoader, device, classNames, "last", lastEpoch,
                                         progress, precision);
  run::saveEvaluation(paths.dir, last, run::stampOf(paths.lastCheckpoint));
  lines.push_back(evaluationSummary(last) + (lastReport ? " (from the final validation)" : seconds(start)));

  run::EvaluationReport best;
  start = Clock::now();
  if (bestEpoch == lastEpoch) {
    best = std::move(last);  // best.ckpt holds the same weights
    best.checkpoint = "best";
  } else {
    auto bestModel = models::makeClassifier(lastModel->architectureName(), lastModel->numClasses(),
                                            lastModel->builtInputSize());
    run::loadCheckpoint(paths.bestCheckpoint, *bestModel, nullptr);
    bestModel->to(device);
    best = evaluateModel(*bestModel, validationLoader, device, classNames, "best", bestEpoch, progress,
                         precision);
  }
  run::saveEvaluation(paths.dir, best, run::stampOf(paths.bestCheckpoint));
  lines.push_back(evaluationSummary(best) + (bestEpoch == lastEpoch ? " (same as last)" : seconds(start)));
  return lines;
}

}  // namespace ft::train
