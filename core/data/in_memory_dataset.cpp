#include "data/in_memory_dataset.h"

#include <stdexcept>

namespace ft::data {

InMemoryDataset::InMemoryDataset(std::vector<std::uint8_t> pixels, std::vector<std::uint8_t> labels, int rows,
                                 int cols, int channels, std::vector<std::string> classNames,
                                 std::string description)
    : m_pixels(std::move(pixels)),
      m_labels(std::move(labels)),
      m_rows(rows),
      m_cols(cols),
      m_channels(channels),
      m_imageBytes(static_cast<std::size_t>(rows) * cols * channels),
      m_classNames(std::move(classNames)),
      m_description(std::move(description)) {
  if (rows <= 0 || cols <= 0 || (channels != 1 && channels != 3))
    throw std::invalid_argument("InMemoryDataset: bad image shape");
  if (m_pixels.size() != m_imageBytes * m_labels.size())
    throw std::invalid_argument("InMemoryDataset: pixel buffer does not match the label count");
}

int InMemoryDataset::label(std::size_t index) const {
  if (index >= m_labels.size())
    throw std::out_of_range(m_description + ": sample " + std::to_string(index) + " out of range (size " +
                            std::to_string(m_labels.size()) + ")");
  return m_labels[index];
}

cv::Mat InMemoryDataset::image(std::size_t index) const {
  if (index >= m_labels.size())
    throw std::out_of_range(m_description + ": sample " + std::to_string(index) + " out of range (size " +
                            std::to_string(m_labels.size()) + ")");
  // cv::Mat has no const header; callers must not write through it (see Dataset::image).
  auto* data = const_cast<std::uint8_t*>(m_pixels.data() + index * m_imageBytes);
  return cv::Mat(m_rows, m_cols, CV_8UC(m_channels), data);
}

}  // namespace ft::data
