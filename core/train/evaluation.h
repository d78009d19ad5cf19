#pragma once
// Evaluation maths and its files, without LibTorch: a confusion matrix, per-class precision /
// recall / F1, top-1 / top-5 and per-sample predictions from softmax probabilities; the report
// stored in the run folder as evaluation/<which>.json + <which>-predictions.csv.
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

#include "api/results_api.h"

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
  // The finished report (predictions sorted by sampleIndex). `checkpoint` and `epoch` are
  // copied into it as they are.
  api::EvaluationReport finish(const std::string& checkpoint, int epoch) const;

 private:
  std::vector<std::string> m_classNames;
  std::vector<std::vector<std::int64_t>> m_confusion;
  std::vector<api::SamplePrediction> m_predictions;
  std::int64_t m_topKHits = 0;
};

// One call for a whole N x C matrix (row-major), e.g. in tests.
api::EvaluationReport evaluatePredictions(const std::vector<float>& probabilities,
                                          const std::vector<std::int64_t>& trueLabels,
                                          const std::vector<std::size_t>& sampleIndices,
                                          const std::vector<std::string>& classNames,
                                          const std::string& checkpoint = "best", int epoch = 0);

// Precision, recall, F1 per class and macro F1 / top-1 recomputed from report.confusion.
void computeClassMetrics(api::EvaluationReport& report);

// What the stored report was computed from: the checkpoint file as it was on disk then.
struct CheckpointStamp {
  std::uintmax_t size = 0;
  std::int64_t modifiedNs = 0;  // last write time, nanoseconds of the file clock
  bool operator==(const CheckpointStamp& o) const { return size == o.size && modifiedNs == o.modifiedNs; }
  bool operator!=(const CheckpointStamp& o) const { return !(*this == o); }
};
// Throws ft::UserError when `checkpointFile` does not exist.
CheckpointStamp stampOf(const std::string& checkpointFile);

// The report as JSON; `withPredictions` adds the per-sample list.
nlohmann::json toJson(const api::EvaluationReport& report, bool withPredictions);

// Writes evaluation/<report.checkpoint>.json (with `stamp`) and <checkpoint>-predictions.csv
// under `runDir`, each atomically (CSV first). Throws ft::UserError naming the file.
void saveEvaluation(const std::string& runDir, const api::EvaluationReport& report,
                    const CheckpointStamp& stamp);

// "best" | "last", else ft::UserError naming the accepted values.
void checkCheckpointName(const std::string& which);

}  // namespace ft::train
