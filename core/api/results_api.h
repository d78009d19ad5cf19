#pragma once
// After training (issue 5): evaluation of a run's checkpoint on its validation set, the images
// behind it, and predictions on new images. Torch-free like studio_api.h, so the UI includes it.
//
// The report types and their files are run/evaluation_report.h, the maths train/evaluation.h,
// the model passes train/evaluate_model.h and export/predict.h; the definitions of what this
// header declares are api/evaluation_api.cpp and api/prediction_api.cpp.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/studio_api.h"
#include "export/image_prediction.h"
#include "run/evaluation_report.h"
#include "train/evaluation_text.h"

namespace ft::api {

using run::ClassReport;
using run::EvaluationReport;
using run::SamplePrediction;

// Evaluates checkpoints/<which>.ckpt ("best" | "last") of a run on its validation set (same data,
// split, preprocessing and device as the run), stores the result in the run folder (see
// evaluationPath) and returns it. `progress(done, total)` may be called from this thread;
// returning false from it cancels (throws ft::UserError "cancelled"). Throws ft::UserError
// naming the file and the fix.
EvaluationReport evaluateRun(const std::string& runDir, const std::string& which,
                             const std::function<bool(std::int64_t, std::int64_t)>& progress = {});
// The stored evaluation of a checkpoint if still current, and where it is stored.
using run::evaluationPath;
using run::readEvaluation;
// The report as JSON (with every sample's prediction if asked) and as the CLI's text.
using run::toJson;
using train::formatEvaluationText;

// Thumbnails (8-bit RGB as the data holds them, before any transform) of validation samples by
// sampleIndex, with their true label. Throws ft::UserError.
std::vector<Thumbnail> validationImages(const std::string& runDir,
                                        const std::vector<std::size_t>& sampleIndices);

using exporting::ClassProbability;
using exporting::ImagePrediction;

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
