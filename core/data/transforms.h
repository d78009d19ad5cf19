#pragma once
// Per-image preprocessing: resize (stretch, or shorter side then crop), grayscale -> 3
// channels, random crop with padding, flip, normalisation. Written to be allocation-free on the hot path
// where possible.
#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>

#include <opencv2/core.hpp>

namespace ft::data {

enum class Interpolation { Bilinear, Bicubic };

struct TransformOptions {
  int inputSize = 32;  // output is inputSize x inputSize
  // 0: stretch the whole image to inputSize x inputSize (bilinear), the CIFAR-style recipe.
  // > 0: torchvision's Resize(resizeSize) then a crop of inputSize (centre crop when not
  // augmenting, random crop when augmenting): the shorter side becomes resizeSize, the aspect
  // ratio is kept. Must be >= inputSize.
  int resizeSize = 0;
  Interpolation interpolation = Interpolation::Bilinear;  // for resizeSize > 0
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

// "bilinear" | "bicubic"; anything else throws ft::UserError naming `what`.
Interpolation interpolationFromName(const std::string& name, const std::string& what = "interpolation");
const char* interpolationName(Interpolation interpolation);

// torchvision's Resize(resizeSize) output size for a width x height image: the shorter side
// becomes resizeSize, the other int(resizeSize * long / short).
cv::Size shorterSideSize(int width, int height, int resizeSize);

}  // namespace ft::data
