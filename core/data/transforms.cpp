#include "data/transforms.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include <opencv2/imgproc.hpp>

#include "common/error.h"
#include "data/random.h"

namespace ft::data {

namespace {

// Writes one output row: zeros (normalised) outside [x0, x1), source pixels inside.
// `Channels` is 1 (gray, replicated) or 3; `Flip` mirrors the row.
template <int Channels, bool Flip>
void writeRow(const std::uint8_t* row, int size, int dx, int x0, int x1,
              const std::array<std::array<float, 256>, 3>& lut, float* o0, float* o1, float* o2) {
  const float z0 = lut[0][0], z1 = lut[1][0], z2 = lut[2][0];
  for (int x = 0; x < x0; ++x) o0[x] = z0, o1[x] = z1, o2[x] = z2;
  for (int x = x0; x < x1; ++x) {
    const int sx = (Flip ? size - 1 - x : x) + dx;
    if constexpr (Channels == 1) {
      const std::uint8_t v = row[sx];
      o0[x] = lut[0][v];
      o1[x] = lut[1][v];
      o2[x] = lut[2][v];
    } else {
      const std::uint8_t* p = row + 3 * sx;
      o0[x] = lut[0][p[0]];
      o1[x] = lut[1][p[1]];
      o2[x] = lut[2][p[2]];
    }
  }
  for (int x = x1; x < size; ++x) o0[x] = z0, o1[x] = z1, o2[x] = z2;
}

}  // namespace

ImageTransform::ImageTransform(TransformOptions options) : m_options(options) {
  if (m_options.inputSize < 1 || m_options.inputSize > 8192)
    throw UserError("transform.input_size must be between 1 and 8192 (got " +
                    std::to_string(m_options.inputSize) + ").");
  if (m_options.cropPadding < 0 || m_options.cropPadding > 4096)
    throw UserError("transform.crop_padding must be between 0 and 4096 (got " +
                    std::to_string(m_options.cropPadding) + ").");
  if (m_options.resizeSize != 0 &&
      (m_options.resizeSize < m_options.inputSize || m_options.resizeSize > 16384))
    throw UserError("the resize size (" + std::to_string(m_options.resizeSize) +
                    ") must be at least the input size (" + std::to_string(m_options.inputSize) +
                    ") and at most 16384.");
  for (int c = 0; c < 3; ++c) {
    if (!(m_options.std[c] > 0.0f))
      throw UserError("normalisation std must be positive (channel " + std::to_string(c) + ").");
    for (int v = 0; v < 256; ++v)
      m_lut[c][v] = (static_cast<float>(v) / 255.0f - m_options.mean[c]) / m_options.std[c];
  }
}

std::size_t ImageTransform::outputSize() const {
  return std::size_t{3} * m_options.inputSize * m_options.inputSize;
}

Interpolation interpolationFromName(const std::string& name, const std::string& what) {
  if (name == "bilinear") return Interpolation::Bilinear;
  if (name == "bicubic") return Interpolation::Bicubic;
  throw UserError(what + " must be bilinear or bicubic (got \"" + name.substr(0, 40) + "\").");
}

const char* interpolationName(Interpolation interpolation) {
  return interpolation == Interpolation::Bicubic ? "bicubic" : "bilinear";
}

cv::Size shorterSideSize(int width, int height, int resizeSize) {
  // torchvision's _compute_resized_output_size: the long side is truncated, not rounded.
  if (width <= height)
    return {resizeSize, static_cast<int>(static_cast<std::int64_t>(resizeSize) * height / width)};
  return {static_cast<int>(static_cast<std::int64_t>(resizeSize) * width / height), resizeSize};
}

void ImageTransform::apply(const cv::Mat& src, float* out, std::mt19937_64& rng) const {
  if (src.empty() || src.depth() != CV_8U || (src.channels() != 1 && src.channels() != 3))
    throw std::invalid_argument("ImageTransform::apply: expected a CV_8UC1 or CV_8UC3 image");
  const int size = m_options.inputSize;

  // Scratch survives between calls on the same thread: no allocation once warmed up.
  thread_local cv::Mat resized;
  const cv::Mat* image = &src;
  const cv::Size target = m_options.resizeSize > 0 ? shorterSideSize(src.cols, src.rows, m_options.resizeSize)
                                                   : cv::Size(size, size);
  if (src.rows != target.height || src.cols != target.width) {
    int method = cv::INTER_LINEAR;
    if (m_options.resizeSize > 0) {
      // Shrinking: area averaging, which (like PIL's antialiased resize torchvision uses)
      // does not alias; enlarging: the weights' interpolation.
      if (target.width < src.cols && target.height < src.rows)
        method = cv::INTER_AREA;
      else if (m_options.interpolation == Interpolation::Bicubic)
        method = cv::INTER_CUBIC;
    }
    cv::resize(src, resized, target, 0, 0, method);
    image = &resized;
  }
  const int width = image->cols, height = image->rows;

  // The crop's top-left corner (oy, ox) in the resized image. Not augmenting: torchvision's
  // CenterCrop. Augmenting: RandomCrop(size, padding=p) then RandomHorizontalFlip(0.5): pad p
  // zeros on every side, crop at a uniform position. Output (y, x) reads source (y + oy,
  // x' + ox) with x' = x or mirrored; outside the image it reads the padding's zeros.
  int oy = 0, ox = 0;
  bool flip = false;
  if (m_options.augment) {
    const int p = m_options.cropPadding;
    if (p > 0 || height > size || width > size) {
      oy = static_cast<int>(uniformBelow(rng, static_cast<std::uint64_t>(height - size + 2 * p + 1))) - p;
      ox = static_cast<int>(uniformBelow(rng, static_cast<std::uint64_t>(width - size + 2 * p + 1))) - p;
    }
    if (m_options.horizontalFlip) flip = (rng() >> 63) != 0;
  } else {
    oy = static_cast<int>(std::lrint((height - size) / 2.0));  // ties to even, as Python's round
    ox = static_cast<int>(std::lrint((width - size) / 2.0));
  }
  // Output columns [x0, x1) whose source column is inside the image (empty if the crop
  // lies entirely in the padding).
  const int x0 = std::min(size, flip ? std::max(0, ox + size - width) : std::max(0, -ox));
  const int x1 = std::max(x0, flip ? std::min(size, ox + size) : std::min(size, width - ox));

  const std::size_t plane = static_cast<std::size_t>(size) * size;
  const bool gray = image->channels() == 1;
  for (int y = 0; y < size; ++y) {
    float* o0 = out + static_cast<std::size_t>(y) * size;
    float* o1 = o0 + plane;
    float* o2 = o1 + plane;
    const int sy = y + oy;
    if (sy < 0 || sy >= height) {
      std::fill(o0, o0 + size, m_lut[0][0]);
      std::fill(o1, o1 + size, m_lut[1][0]);
      std::fill(o2, o2 + size, m_lut[2][0]);
      continue;
    }
    const std::uint8_t* row = image->ptr<std::uint8_t>(sy);
    if (gray)
      flip ? writeRow<1, true>(row, size, ox, x0, x1, m_lut, o0, o1, o2)
           : writeRow<1, false>(row, size, ox, x0, x1, m_lut, o0, o1, o2);
    else
      flip ? writeRow<3, true>(row, size, ox, x0, x1, m_lut, o0, o1, o2)
           : writeRow<3, false>(row, size, ox, x0, x1, m_lut, o0, o1, o2);
  }
}

}  // namespace ft::data
