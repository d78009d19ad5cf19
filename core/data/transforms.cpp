#include "data/transforms.h"

#include <algorithm>
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

void ImageTransform::apply(const cv::Mat& src, float* out, std::mt19937_64& rng) const {
  if (src.empty() || src.depth() != CV_8U || (src.channels() != 1 && src.channels() != 3))
    throw std::invalid_argument("ImageTransform::apply: expected a CV_8UC1 or CV_8UC3 image");
  const int size = m_options.inputSize;

  // Scratch survives between calls on the same thread: no allocation once warmed up.
  thread_local cv::Mat resized;
  const cv::Mat* image = &src;
  if (src.rows != size || src.cols != size) {
    cv::resize(src, resized, cv::Size(size, size), 0, 0, cv::INTER_LINEAR);
    image = &resized;
  }

  // torchvision RandomCrop(size, padding=p) then RandomHorizontalFlip(0.5): pad p zeros on
  // every side, crop at (top, left) in [0, 2p]; output (y, x) reads source (y + dy, x' + dx)
  // with x' = x or mirrored.
  int dy = 0, dx = 0;
  bool flip = false;
  if (m_options.augment) {
    const int p = m_options.cropPadding;
    if (p > 0) {
      dy = static_cast<int>(uniformBelow(rng, 2 * p + 1)) - p;
      dx = static_cast<int>(uniformBelow(rng, 2 * p + 1)) - p;
    }
    if (m_options.horizontalFlip) flip = (rng() >> 63) != 0;
  }
  // Output columns [x0, x1) whose source column is inside the image (empty if the crop
  // lies entirely in the padding).
  const int x0 = std::min(size, flip ? std::max(0, dx) : std::max(0, -dx));
  const int x1 = std::max(x0, flip ? std::min(size, size + dx) : std::min(size, size - dx));

  const std::size_t plane = static_cast<std::size_t>(size) * size;
  const bool gray = image->channels() == 1;
  for (int y = 0; y < size; ++y) {
    float* o0 = out + static_cast<std::size_t>(y) * size;
    float* o1 = o0 + plane;
    float* o2 = o1 + plane;
    const int sy = y + dy;
    if (sy < 0 || sy >= size) {
      std::fill(o0, o0 + size, m_lut[0][0]);
      std::fill(o1, o1 + size, m_lut[1][0]);
      std::fill(o2, o2 + size, m_lut[2][0]);
      continue;
    }
    const std::uint8_t* row = image->ptr<std::uint8_t>(sy);
    if (gray)
      flip ? writeRow<1, true>(row, size, dx, x0, x1, m_lut, o0, o1, o2)
           : writeRow<1, false>(row, size, dx, x0, x1, m_lut, o0, o1, o2);
    else
      flip ? writeRow<3, true>(row, size, dx, x0, x1, m_lut, o0, o1, o2)
           : writeRow<3, false>(row, size, dx, x0, x1, m_lut, o0, o1, o2);
  }
}

}  // namespace ft::data
