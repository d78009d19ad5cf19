#include "train/evaluation.h"

#include <algorithm>

#include "common/error.h"
#include "data/dataset.h"

namespace ft::train {
namespace {

constexpr std::size_t kTopK = 5;

}  // namespace

EvaluationAccumulator::EvaluationAccumulator(std::vector<std::string> classNames)
    : m_classNames(std::move(classNames)),
      m_confusion(m_classNames.size(), std::vector<std::int64_t>(m_classNames.size(), 0)) {
  if (m_classNames.empty()) throw UserError("evaluation needs at least one class");
}

void EvaluationAccumulator::add(const float* probabilities, std::size_t rows, const std::int64_t* trueLabels,
                                const std::size_t* sampleIndices) {
  const std::size_t classes = m_classNames.size();
  const std::size_t k = std::min(kTopK, classes);
  for (std::size_t r = 0; r < rows; ++r) {
    const float* p = probabilities + r * classes;
    const std::int64_t label = trueLabels[r];
    if (label == data::kSkippedLabel) {  // an image the loader could not decode
      ++m_skipped;
      continue;
    }
    if (label < 0 || std::size_t(label) >= classes)
      throw UserError("sample " + std::to_string(sampleIndices[r]) + " has label " + std::to_string(label) +
                      ", outside the " + std::to_string(classes) + " classes of the model");
    const std::size_t truth = std::size_t(label);
    std::size_t best = 0;
    for (std::size_t c = 1; c < classes; ++c)
      if (p[c] > p[best]) best = c;
    std::size_t rank = 0;  // classes ranked above the true one
    for (std::size_t c = 0; c < classes; ++c) rank += p[c] > p[truth] || (p[c] == p[truth] && c < truth);
    m_topKHits += rank < k;
    ++m_confusion[truth][best];
    run::SamplePrediction s;
    s.sampleIndex = sampleIndices[r];
    s.trueClass = int(truth);
    s.predictedClass = int(best);
    s.confidence = p[best];
    s.trueProbability = p[truth];
    m_predictions.push_back(s);
  }
}

run::EvaluationReport EvaluationAccumulator::finish(const std::string& checkpoint, int epoch) const {
  run::EvaluationReport report;
  report.checkpoint = checkpoint;
  report.epoch = epoch;
  report.classNames = m_classNames;
  report.confusion = m_confusion;
  report.predictions = m_predictions;
  std::stable_sort(report.predictions.begin(), report.predictions.end(),
                   [](const auto& a, const auto& b) { return a.sampleIndex < b.sampleIndex; });
  report.samples = std::int64_t(m_predictions.size());
  report.top5 = report.samples ? double(m_topKHits) / double(report.samples) : 0.0;
  computeClassMetrics(report);
  return report;
}

run::EvaluationReport evaluatePredictions(const std::vector<float>& probabilities,
                                          const std::vector<std::int64_t>& trueLabels,
                                          const std::vector<std::size_t>& sampleIndices,
                                          const std::vector<std::string>& classNames,
                                          const std::string& checkpoint, int epoch) {
  const std::size_t rows = trueLabels.size();
  if (sampleIndices.size() != rows || probabilities.size() != rows * classNames.size())
    throw UserError("evaluation input sizes disagree: " + std::to_string(probabilities.size()) +
                    " probabilities, " + std::to_string(rows) + " labels, " +
                    std::to_string(sampleIndices.size()) + " indices, " + std::to_string(classNames.size()) +
                    " classes");
  EvaluationAccumulator accumulator(classNames);
  accumulator.add(probabilities.data(), rows, trueLabels.data(), sampleIndices.data());
  return accumulator.finish(checkpoint, epoch);
}

void computeClassMetrics(run::EvaluationReport& report) {
  const std::size_t n = report.confusion.size();
  report.classes.assign(n, {});
  std::int64_t correct = 0, total = 0;
  double f1Sum = 0.0;
  for (std::size_t c = 0; c < n; ++c) {
    auto& cr = report.classes[c];
    cr.name = c < report.classNames.size() ? report.classNames[c] : std::to_string(c);
    for (std::size_t o = 0; o < n; ++o) {
      cr.support += report.confusion[c][o];
      cr.predicted += report.confusion[o][c];
    }
    const std::int64_t tp = report.confusion[c][c];
    correct += tp;
    total += cr.support;
    cr.precision = cr.predicted ? double(tp) / double(cr.predicted) : 0.0;
    cr.recall = cr.support ? double(tp) / double(cr.support) : 0.0;
    const double sum = cr.precision + cr.recall;
    cr.f1 = sum > 0 ? 2.0 * cr.precision * cr.recall / sum : 0.0;
    f1Sum += cr.f1;
  }
  report.samples = total;
  report.top1 = total ? double(correct) / double(total) : 0.0;
  report.macroF1 = n ? f1Sum / double(n) : 0.0;
}

}  // namespace ft::train
