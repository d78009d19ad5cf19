#include "data/stats.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "common/error.h"
#include "data/random.h"

namespace ft::data {

ChannelStats computeChannelStats(const DataView& view, std::size_t maxImages, std::uint64_t seed,
                                 int inputSize) {
  if (!view.dataset || view.indices.empty())
    throw UserError("Cannot compute normalisation statistics: the training data is empty.");
  std::vector<std::size_t> positions =
      seededPermutation(view.indices.size(), purposeSeed(seed, SeedPurpose::Statistics));
  if (maxImages > 0 && positions.size() > maxImages) positions.resize(maxImages);

  // Integer sums are exact; 64 bits hold 255^2 * 2.8e14 pixels.
  std::array<std::uint64_t, 3> sum{}, sumSquares{};
  std::uint64_t pixels = 0;
  cv::Mat resized;
  for (const std::size_t position : positions) {
    cv::Mat image = view.dataset->image(view.indices[position]);
    if (inputSize > 0 && (image.rows != inputSize || image.cols != inputSize)) {
      cv::resize(image, resized, cv::Size(inputSize, inputSize), 0, 0, cv::INTER_LINEAR);
      image = resized;
    }
    const int channels = image.channels();
    for (int y = 0; y < image.rows; ++y) {
      const std::uint8_t* row = image.ptr<std::uint8_t>(y);
      if (channels == 1) {
        std::uint64_t s = 0, q = 0;
        for (int x = 0; x < image.cols; ++x) s += row[x], q += std::uint64_t{row[x]} * row[x];
        for (int c = 0; c < 3; ++c) sum[c] += s, sumSquares[c] += q;
      } else {
        for (int x = 0; x < image.cols; ++x)
          for (int c = 0; c < 3; ++c) {
            const std::uint64_t v = row[3 * x + c];
            sum[c] += v;
            sumSquares[c] += v * v;
          }
      }
    }
    pixels += static_cast<std::uint64_t>(image.rows) * image.cols;
  }

  ChannelStats stats;
  stats.images = positions.size();
  for (int c = 0; c < 3; ++c) {
    const double mean = static_cast<double>(sum[c]) / (255.0 * static_cast<double>(pixels));
    const double meanSquare = static_cast<double>(sumSquares[c]) /
                              (255.0 * 255.0 * static_cast<double>(pixels));
    stats.mean[c] = static_cast<float>(mean);
    stats.std[c] = static_cast<float>(std::sqrt(std::max(0.0, meanSquare - mean * mean)));
  }
  return stats;
}

}  // namespace ft::data
