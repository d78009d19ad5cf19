#pragma once
// Decoded data set images as front-end thumbnails (api::Thumbnail: 8-bit RGB).
#include <opencv2/core.hpp>

#include "api/studio_api.h"

namespace ft::api {

// `image` is CV_8UC1 (replicated to RGB) or CV_8UC3 (RGB). Images larger than `maxSide` on
// either side are scaled down (INTER_AREA) to fit; smaller ones are kept as they are.
Thumbnail makeThumbnail(const cv::Mat& image, int label, int maxSide = 64);

}  // namespace ft::api
