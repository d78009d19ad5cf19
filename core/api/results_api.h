#pragma once
// After training (issue 5): evaluation of a run's checkpoint on its validation set, the images
// behind it, and predictions on new images. Torch-free like studio_api.h, so the UI includes it.
//
// Owners while issue 5 is built: evaluation (EvaluationReport, evaluateRun, readEvaluation,
// validationImages) lives in core/train/evaluation.*; prediction (predictWithRun,
// predictWithModel) in core/export/predict.*. This header is the contract between them and ui/.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/studio_api.h"

namespace ft::api {

struct ClassReport {
  std::string name;
  std::int64_t support = 0;     // validation images whose true class this is (row sum)
  std::int64_t predicted = 0;   // images predicted as this class (column sum)
  double precision = 0.0;       // 0..1; 0 when nothing was predicted as this class
  double recall = 0.0;          // 0..1; 0 when support is 0
  double f1 = 0.0;              // 0..1; 0 when precision + recall is 0
};

// One validation image's outcome. `sampleIndex` is its position in the run's validation view
// (the order data::openData(config.data, config.train.seed).validation.indices gives), which
// validationImages() takes back.
struct SamplePrediction {
  std::size_t sampleIndex = 0;
  int trueClass = 0;
  int predictedClass = 0;
  float confidence = 0.0f;      // softmax probability of predictedClass
  float trueProbability = 0.0f; // softmax probability of trueClass
};

struct EvaluationReport {
  std::string checkpoint;                       // "best" | "last"
  int epoch = 0;                                // 1-based epoch the checkpoint was saved after
  std::vector<std::string> classNames;
  std::vector<std::vector<std::int64_t>> confusion;  // [true class][predicted class]
  std::vector<ClassReport> classes;             // one per class, in class order
  std::int64_t samples = 0;
  double top1 = 0.0;                            // 0..1
  double top5 = 0.0;                            // 0..1 (top-min(5, classes))
  double macroF1 = 0.0;
  std::vector<SamplePrediction> predictions;    // every validation image, in sampleIndex order
  // Misclassified images (predictedClass != trueClass), highest confidence first.
  std::vector<SamplePrediction> misclassified() const;
  // Images of one confusion cell (true `trueClass`, predicted `predictedClass`), highest
  // confidence first.
  std::vector<SamplePrediction> cell(int trueClass, int predictedClass) const;
  // The `count` most confused (true, predicted) pairs off the diagonal, largest count first.
  struct Confusion { int trueClass = 0; int predictedClass = 0; std::int64_t count = 0; };
  std::vector<Confusion> mostConfused(std::size_t count) const;
};

// Evaluates checkpoints/<which>.ckpt ("best" | "last") of a run on its validation set (same data,
// split, preprocessing and device as the run), stores the result in the run folder (see
// evaluationPath) and returns it. `progress(done, total)` may be called from this thread;
// returning false from it cancels (throws ft::UserError "cancelled"). Throws ft::UserError
// naming the file and the fix.
EvaluationReport evaluateRun(const std::string& runDir, const std::string& which,
                             const std::function<bool(std::int64_t, std::int64_t)>& progress = {});
// The stored evaluation of checkpoint `which`, if the run folder has one that is still current
// (the checkpoint has not been rewritten since). Throws ft::UserError when the file is corrupt.
std::optional<EvaluationReport> readEvaluation(const std::string& runDir, const std::string& which);
// <runDir>/evaluation/<which>.json (the report) and <which>-predictions.csv (every sample).
std::string evaluationPath(const std::string& runDir, const std::string& which);

// Thumbnails (8-bit RGB as the data holds them, before any transform) of validation samples by
// sampleIndex, with their true label. Throws ft::UserError.
std::vector<Thumbnail> validationImages(const std::string& runDir,
                                        const std::vector<std::size_t>& sampleIndices);

struct ClassProbability {
  int classIndex = 0;
  std::string name;
  float probability = 0.0f;
};

struct ImagePrediction {
  std::string image;                      // the file as given
  std::vector<ClassProbability> top;      // highest first, at most topK entries
  std::string error;                      // non-empty when the file could not be read; top empty
};

// Predicts image files with checkpoints/<which>.ckpt of a run, preprocessed exactly as the run's
// validation images (resize, grayscale -> 3 channels, normalisation; no augmentation).
// An unreadable image gets its own error; other failures throw ft::UserError.
std::vector<ImagePrediction> predictWithRun(const std::string& runDir, const std::string& which,
                                            const std::vector<std::string>& images, int topK = 5);
// The same with an exported model in any format the studio writes (.pt, .pth, .safetensors,
// .onnx), preprocessing and labels taken from its metadata (inside the .pt/.onnx, or the .json
// beside .pth/.safetensors).
std::vector<ImagePrediction> predictWithModel(const std::string& modelFile,
                                              const std::vector<std::string>& images, int topK = 5);

}  // namespace ft::api
