#pragma once
// A run's evaluation as values and as files: the report of one checkpoint ("best" | "last") on
// the validation set, stored in the run folder as evaluation/<which>.json (the report, stamped
// with the checkpoint file it was computed from) + <which>-predictions.csv (every sample).
// Torch-free: front ends receive these types through api/results_api.h. The maths that fills
// a report is train/evaluation.h.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace ft::run {

struct ClassReport {
  std::string name;
  std::int64_t support = 0;    // validation images whose true class this is (row sum)
  std::int64_t predicted = 0;  // images predicted as this class (column sum)
  double precision = 0.0;      // 0..1; 0 when nothing was predicted as this class
  double recall = 0.0;         // 0..1; 0 when support is 0
  double f1 = 0.0;             // 0..1; 0 when precision + recall is 0
};

// One validation image's outcome. `sampleIndex` is its position in the run's validation view
// (the order data::openData(config.data, config.train.seed).validation.indices gives), which
// validationImages() takes back.
struct SamplePrediction {
  std::size_t sampleIndex = 0;
  int trueClass = 0;
  int predictedClass = 0;
  float confidence = 0.0f;       // softmax probability of predictedClass
  float trueProbability = 0.0f;  // softmax probability of trueClass
};

struct EvaluationReport {
  std::string checkpoint;             // "best" | "last"
  int epoch = 0;                      // 1-based epoch the checkpoint was saved after
  std::string precision = "float32";  // the arithmetic of the pass: float32 | bfloat16 | float16
  std::vector<std::string> classNames;
  std::vector<std::vector<std::int64_t>> confusion;  // [true class][predicted class]
  std::vector<ClassReport> classes;                  // one per class, in class order
  std::int64_t samples = 0;
  double top1 = 0.0;  // 0..1
  double top5 = 0.0;  // 0..1 (top-min(5, classes))
  double macroF1 = 0.0;
  std::vector<SamplePrediction> predictions;  // every validation image, in sampleIndex order
  // Misclassified images (predictedClass != trueClass), highest confidence first.
  std::vector<SamplePrediction> misclassified() const;
  // Images of one confusion cell (true `trueClass`, predicted `predictedClass`), highest
  // confidence first.
  std::vector<SamplePrediction> cell(int trueClass, int predictedClass) const;
  // The `count` most confused (true, predicted) pairs off the diagonal, largest count first.
  struct Confusion {
    int trueClass = 0;
    int predictedClass = 0;
    std::int64_t count = 0;
  };
  std::vector<Confusion> mostConfused(std::size_t count) const;
};

// What the stored report was computed from: the checkpoint file as it was on disk then.
struct CheckpointStamp {
  std::uintmax_t size = 0;
  std::int64_t modifiedNs = 0;  // last write time, nanoseconds of the file clock
  bool operator==(const CheckpointStamp& o) const { return size == o.size && modifiedNs == o.modifiedNs; }
  bool operator!=(const CheckpointStamp& o) const { return !(*this == o); }
};
// Throws ft::UserError when `checkpointFile` does not exist.
CheckpointStamp stampOf(const std::string& checkpointFile);

// <runDir>/evaluation/<which>.json (the report) and <which>-predictions.csv (every sample).
std::string evaluationPath(const std::string& runDir, const std::string& which);

// The stored evaluation of checkpoint `which`, if the run folder has one that is still current
// (the checkpoint has not been rewritten since). Throws ft::UserError when the file is corrupt.
std::optional<EvaluationReport> readEvaluation(const std::string& runDir, const std::string& which);

// The report as JSON; `withPredictions` adds the per-sample list.
nlohmann::json toJson(const EvaluationReport& report, bool withPredictions);

// Writes evaluation/<report.checkpoint>.json (with `stamp`) and <checkpoint>-predictions.csv
// under `runDir`, each atomically (CSV first). Throws ft::UserError naming the file.
void saveEvaluation(const std::string& runDir, const EvaluationReport& report, const CheckpointStamp& stamp);

}  // namespace ft::run
