#pragma once
// Per-image preprocessing: resize, grayscale -> 3 channels, random crop with padding, flip,
// normalisation. Written to be allocation-free on the hot path where possible.
#include <array>
#include <cstddef>
#include <cstdint>
#include <random>

#include <opencv2/core.hpp>

namespace ft::data {

struct TransformOptions {
  int inputSize = 32;   // output is inputSize x inputSize
  bool augment = true;  // random crop + flip (training); false for evaluation
  int cropPadding = 4;  // zero padding before the random crop (0 = no crop)
  bool horizontalFlip = true;
  std::array<float, 3> mean{0.485f, 0.456f, 0.406f};  // ImageNet by default
  std::array<float, 3> std{0.229f, 0.224f, 0.225f};
};

class ImageTransform {
 public:
  explicit ImageTransform(TransformOptions options);
  // Writes a normalised float CHW image (3 x inputSize x inputSize) to `out`.
  // `src` is CV_8UC1 or CV_8UC3 (RGB). `rng` drives the random crop and flip.
  void apply(const cv::Mat& src, float* out, std::mt19937_64& rng) const;
  const TransformOptions& options() const { return m_options; }
  // Number of floats apply() writes: 3 * inputSize * inputSize.
  std::size_t outputSize() const;

 private:
  TransformOptions m_options;
  // (v / 255 - mean[c]) / std[c] for every byte value v, per channel.
  std::array<std::array<float, 256>, 3> m_lut{};
};

}  // namespace ft::data
