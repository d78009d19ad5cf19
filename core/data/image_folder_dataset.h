#pragma once
// Images in root/<class name>/... (searched recursively inside each class folder; extensions
// jpg jpeg png bmp webp tif tiff in any case). Class names are the sorted folder names; hidden
// files and folders (".name") are ignored. Images are decoded lazily with cv::imread.
//
// Scanning checks each file's signature with cv::haveImageReader (cheap: reads only the first
// bytes), so non-images, empty files and formats this OpenCV build cannot read are listed as
// warnings and skipped. A file with a good signature but a damaged body only fails when decoded,
// unless `verifyDecode` is set, which decodes every image once during the scan.
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace ft::data {

struct ImageFolderOptions {
  bool grayscale = false;     // decode as CV_8UC1 instead of RGB CV_8UC3
  bool verifyDecode = false;  // decode every image once while scanning (slow, thorough)
};

class ImageFolderDataset : public Dataset {
 public:
  // Scans `root`. Throws ft::UserError when root is missing, has no class folders, or holds
  // no readable image at all. Empty classes and unreadable files are warnings in report().
  static std::shared_ptr<ImageFolderDataset> open(const std::filesystem::path& root,
                                                  ImageFolderOptions options = {});

  std::size_t size() const override { return m_files.size(); }
  int label(std::size_t index) const override;
  // Decodes the file: RGB CV_8UC3, or CV_8UC1 with grayscale. Throws ft::UserError naming
  // the file if it cannot be decoded.
  cv::Mat image(std::size_t index) const override;
  const std::vector<std::string>& classNames() const override { return m_report.classNames; }
  std::string describe() const override;

  const std::filesystem::path& root() const { return m_root; }
  const std::filesystem::path& file(std::size_t index) const;
  const ScanReport& report() const { return m_report; }

  // True if `extension` (with the dot, any case) is one of the accepted image extensions.
  static bool isImageExtension(const std::string& extension);

 private:
  ImageFolderDataset() = default;

  std::filesystem::path m_root;
  ImageFolderOptions m_options;
  std::vector<std::filesystem::path> m_files;
  std::vector<int> m_labels;
  ScanReport m_report;
};

// The largest image decoded, in pixels (16384 x 16384, 768 MiB as RGB): OpenCV refuses larger
// ones from their header, before allocating.
constexpr std::size_t kMaxDecodedPixels = std::size_t{1} << 28;

// Decodes one image file the way ImageFolderDataset does (RGB or grayscale); returns an empty
// Mat if it cannot be decoded.
cv::Mat decodeImageFile(const std::filesystem::path& file, bool grayscale);

}  // namespace ft::data
