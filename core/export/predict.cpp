#include "export/predict.h"

#include <algorithm>
#include <filesystem>
#include <numeric>
#include <random>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "common/error.h"
#include "data/transforms.h"
#include "export/exported_model.h"
#include "export/run_model.h"

namespace fs = std::filesystem;

namespace ft::exporting {
namespace {

constexpr std::size_t kBatchSize = 32;

std::string unreadableMessage(const std::string& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return file + ": file not found; check the path";
  if (fs::is_directory(file, ec)) return file + ": is a folder; give image files";
  return file + ": cannot be decoded as an image (damaged, or not a format OpenCV reads: jpg, png, bmp, "
                "webp, tif); check the file or convert it to PNG";
}

}  // namespace

cv::Mat readImageForModel(const std::string& file, int imageChannels) {
  try {
    cv::Mat image = cv::imread(file, imageChannels == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
    if (!image.empty() && imageChannels != 1) cv::cvtColor(image, image, cv::COLOR_BGR2RGB);
    return image;
  } catch (const cv::Exception&) {
    return cv::Mat();  // a decoder that throws on a damaged file counts as "cannot decode"
  }
}

torch::Tensor preprocessImage(const cv::Mat& image, const ExportMetadata& metadata) {
  const data::TransformOptions options = evaluationTransform(metadata);
  const data::ImageTransform transform(options);
  torch::Tensor out = torch::empty({3, options.inputSize, options.inputSize}, torch::kFloat32);
  std::mt19937_64 unused;  // no augmentation: nothing is drawn
  transform.apply(image, out.data_ptr<float>(), unused);
  return out;
}

std::vector<ImagePrediction> predictImages(const LogitsFunction& logits, const ExportMetadata& metadata,
                                           const std::vector<std::string>& images, int topK) {
  if (topK < 1) throw UserError("top-k must be at least 1 (got " + std::to_string(topK) + ")");
  const auto classes = std::int64_t(metadata.classNames.size());
  const auto k = std::min<std::int64_t>(topK, classes);
  std::vector<ImagePrediction> out(images.size());
  for (std::size_t first = 0; first < images.size(); first += kBatchSize) {
    const std::size_t last = std::min(images.size(), first + kBatchSize);
    std::vector<torch::Tensor> inputs;
    std::vector<std::size_t> rows;  // which image each input is
    for (std::size_t i = first; i < last; ++i) {
      out[i].image = images[i];
      const cv::Mat image = readImageForModel(images[i], metadata.imageChannels);
      if (image.empty()) {
        out[i].error = unreadableMessage(images[i]);
        continue;
      }
      inputs.push_back(preprocessImage(image, metadata));
      rows.push_back(i);
    }
    if (inputs.empty()) continue;
    const torch::Tensor probabilities = torch::softmax(logits(torch::stack(inputs)).to(torch::kFloat32), 1);
    const auto [values, indices] = probabilities.topk(k, 1);
    for (std::size_t r = 0; r < rows.size(); ++r) {
      auto& prediction = out[rows[r]];
      for (std::int64_t j = 0; j < k; ++j) {
        const int index = int(indices[std::int64_t(r)][j].item<std::int64_t>());
        prediction.top.push_back(
            {index, metadata.classNames[std::size_t(index)], values[std::int64_t(r)][j].item<float>()});
      }
    }
  }
  return out;
}

}  // namespace ft::exporting
