#pragma once
// Data sets as the engine sees them: indexed, labelled, decoded 8-bit images.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "common/error.h"

namespace ft::data {

// One image that cannot be decoded (damaged, truncated, too large). The loader skips such a
// sample instead of ending the run (data/loader.h); other errors stay fatal.
class ImageDecodeError : public UserError {
 public:
  ImageDecodeError(std::string path, const std::string& message)
      : UserError(path + ": " + message), m_path(std::move(path)), m_reason(message) {}
  const std::string& path() const { return m_path; }
  const std::string& reason() const { return m_reason; }

 private:
  std::string m_path, m_reason;
};

// The label a loader gives a sample whose image could not be decoded: its image is blank, and
// cross_entropy (whose default ignore_index this is) and every metric skip it.
constexpr std::int64_t kSkippedLabel = -100;

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual std::size_t size() const = 0;
  // Class index in [0, classNames().size()).
  virtual int label(std::size_t index) const = 0;
  // Decoded image: CV_8UC1 or CV_8UC3 (RGB order), any size. In-memory sets return a header
  // on their own storage (no copy); callers must not modify it. Throws ImageDecodeError naming
  // the file when an image cannot be decoded.
  virtual cv::Mat image(std::size_t index) const = 0;
  virtual const std::vector<std::string>& classNames() const = 0;
  // Human-readable origin, e.g. "Fashion-MNIST IDX at /usr/share/datasets/fashion-mnist (train)".
  virtual std::string describe() const = 0;
};

using DatasetPtr = std::shared_ptr<const Dataset>;

// One problem found while scanning a data set (unreadable file, empty class, ...).
struct ScanWarning {
  std::string path;
  std::string message;
};

struct ScanReport {
  std::vector<std::string> classNames;
  std::vector<std::size_t> imagesPerClass;
  std::vector<ScanWarning> warnings;  // unreadable files are listed here and skipped
};

}  // namespace ft::data
