#include "api/thumbnail.h"

#include <algorithm>

#include <opencv2/imgproc.hpp>

namespace ft::api {

Thumbnail makeThumbnail(const cv::Mat& image, int label, int maxSide) {
  cv::Mat rgb;
  if (image.channels() == 1)
    cv::cvtColor(image, rgb, cv::COLOR_GRAY2RGB);
  else
    rgb = image.clone();
  if (rgb.cols > maxSide || rgb.rows > maxSide) {
    const double scale = double(maxSide) / std::max(rgb.cols, rgb.rows);
    cv::resize(rgb, rgb, cv::Size(), scale, scale, cv::INTER_AREA);
  }
  if (!rgb.isContinuous()) rgb = rgb.clone();
  Thumbnail t;
  t.width = rgb.cols;
  t.height = rgb.rows;
  t.rgb.assign(rgb.data, rgb.data + rgb.total() * 3);
  t.label = label;
  return t;
}

}  // namespace ft::api
