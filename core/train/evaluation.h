#pragma once
// Evaluation maths, without LibTorch: a confusion matrix, per-class precision /
// recall / F1, top-1 / top-5 and per-sample predictions from softmax probabilities. The report
// type and its files are run/evaluation_report.h.
//
// Conventions (those of scikit-learn's classification_report with zero_division=0):
//   predicted class  = the highest probability; ties go to the lower class index (as argmax);
//   top-k hit        = fewer than k classes rank above the true class, ranking by probability
//                      and then by class index (so ties are broken the same way as top-1);
//                      k = min(5, classes);
//   precision        = TP / predicted (0 when nothing was predicted as the class);
//   recall           = TP / support (0 when the class has no samples);
//   F1               = 2PR / (P + R) (0 when P + R = 0);
//   macro F1         = the plain mean of every class's F1, zero-support classes included.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "run/evaluation_report.h"

namespace ft::train {

// Streams batches of probabilities into a report, so a large validation set never has to be
// held as one N x C matrix.
class EvaluationAccumulator {
 public:
  explicit EvaluationAccumulator(std::vector<std::string> classNames);
  // `rows` samples: probabilities[r * classes + c], their true labels and sample indices.
  // Throws ft::UserError on a label outside [0, classes).
  void add(const float* probabilities, std::size_t rows, const std::int64_t* trueLabels,
           const std::size_t* sampleIndices);
  std::int64_t samples() const { return std::int64_t(m_predictions.size()); }
  // Rows given so far, with the undecodable images (data::kSkippedLabel) that were left out:
  // the sample index of the next row.
  std::int64_t rows() const { return samples() + m_skipped; }
  // The finished report (predictions sorted by sampleIndex). `checkpoint` and `epoch` are
  // copied into it as they are.
  run::EvaluationReport finish(const std::string& checkpoint, int epoch) const;

 private:
  std::vector<std::string> m_classNames;
  std::vector<std::vector<std::int64_t>> m_confusion;
  std::vector<run::SamplePrediction> m_predictions;
  std::int64_t m_topKHits = 0;
  std::int64_t m_skipped = 0;
};

// One call for a whole N x C matrix (row-major), e.g. in tests.
run::EvaluationReport evaluatePredictions(const std::vector<float>& probabilities,
                                          const std::vector<std::int64_t>& trueLabels,
                                          const std::vector<std::size_t>& sampleIndices,
                                          const std::vector<std::string>& classNames,
                                          const std::string& checkpoint = "best", int epoch = 0);

// Precision, recall, F1 per class and macro F1 / top-1 recomputed from report.confusion.
void computeClassMetrics(run::EvaluationReport& report);

}  // namespace ft::train
