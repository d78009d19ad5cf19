#pragma once
// The data set's own per-channel mean and standard deviation (normalization = "dataset").
#include <array>
#include <cstddef>
#include <cstdint>

#include "data/data_source.h"

namespace ft::data {

struct ChannelStats {
  std::array<float, 3> mean{};  // in [0, 1], grayscale counted as three equal channels
  std::array<float, 3> std{};   // population standard deviation over all pixels
  std::size_t images = 0;       // images the figures were computed from
};

// Mean/std over `view`, or over a seeded random subsample of `maxImages` of it (0 = all).
// With inputSize > 0 every image is first resized to inputSize x inputSize (INTER_LINEAR, as
// ImageTransform does); 0 uses the images as stored. Throws ft::UserError on an empty view or
// an image that cannot be decoded.
ChannelStats computeChannelStats(const DataView& view, std::size_t maxImages, std::uint64_t seed,
                                 int inputSize = 0);

}  // namespace ft::data
