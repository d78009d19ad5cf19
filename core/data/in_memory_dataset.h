#pragma once
// A data set held entirely in memory as one contiguous 8-bit buffer (MNIST, CIFAR-10).
#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace ft::data {

class InMemoryDataset : public Dataset {
 public:
  // `pixels` holds size() images of rows x cols x channels bytes (interleaved, RGB order),
  // one after the other; `labels` one class index per image.
  InMemoryDataset(std::vector<std::uint8_t> pixels, std::vector<std::uint8_t> labels, int rows, int cols,
                  int channels, std::vector<std::string> classNames, std::string description);

  std::size_t size() const override { return m_labels.size(); }
  int label(std::size_t index) const override;
  // A header on the shared buffer (no copy). Throws std::out_of_range on a bad index.
  cv::Mat image(std::size_t index) const override;
  const std::vector<std::string>& classNames() const override { return m_classNames; }
  std::string describe() const override { return m_description; }

  int rows() const { return m_rows; }
  int cols() const { return m_cols; }
  int channels() const { return m_channels; }
  const std::uint8_t* pixels() const { return m_pixels.data(); }

 private:
  std::vector<std::uint8_t> m_pixels;
  std::vector<std::uint8_t> m_labels;
  int m_rows;
  int m_cols;
  int m_channels;
  std::size_t m_imageBytes;
  std::vector<std::string> m_classNames;
  std::string m_description;
};

}  // namespace ft::data
