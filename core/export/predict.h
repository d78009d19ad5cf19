#pragma once
// Predictions on image files with a run's checkpoint or with an exported model (the torch-level
// side of api::predictWithRun / api::predictWithModel in api/results_api.h). Images are read and
// preprocessed exactly as the run's validation images: decoded with OpenCV to RGB (or to gray
// when the training images were grayscale, then replicated to 3 channels by the transform),
// resized, normalised with the model's mean and std, no augmentation.
#include <functional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <torch/torch.h>

#include "export/image_prediction.h"
#include "export/model_export.h"

namespace ft::exporting {

// Decodes `file` as the training data held its images: 8-bit RGB (imageChannels 3) or 8-bit
// gray (1; a colour file is converted with OpenCV's BGR -> gray weights, as image folders
// decoded as grayscale are). Returns an empty Mat when the file cannot be decoded.
cv::Mat readImageForModel(const std::string& file, int imageChannels);

// The normalised float [3, S, S] input of one decoded image (CV_8UC1 or CV_8UC3 RGB).
torch::Tensor preprocessImage(const cv::Mat& image, const ExportMetadata& metadata);

// Logits [B, classes] for a normalised batch [B, 3, S, S].
using LogitsFunction = std::function<torch::Tensor(const torch::Tensor& batch)>;

// Reads, preprocesses and predicts `images` in batches; each file gets its top-k classes by
// softmax probability, or an error naming it when it cannot be read. topK < 1 throws
// ft::UserError; topK above the class count gives every class.
std::vector<ImagePrediction> predictImages(const LogitsFunction& logits, const ExportMetadata& metadata,
                                           const std::vector<std::string>& images, int topK);

}  // namespace ft::exporting
