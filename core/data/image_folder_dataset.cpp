#include "data/image_folder_dataset.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>
#include <stdexcept>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "common/error.h"

namespace ft::data {

namespace fs = std::filesystem;

namespace {

bool isHidden(const fs::path& path) {
  const std::string name = path.filename().string();
  return !name.empty() && name[0] == '.';
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Whether a decoder recognises the file's first bytes (reads only the signature).
bool signatureReadable(const fs::path& path) {
  try {
    return cv::haveImageReader(path.string());
  } catch (const cv::Exception&) {
    return false;
  }
}

struct ClassScan {
  std::vector<fs::path> images;
  std::size_t otherFiles = 0;
};

// Image files under one class folder, sorted, plus warnings for what cannot be used.
ClassScan scanClass(const fs::path& folder, const ImageFolderOptions& options,
                    std::vector<ScanWarning>& warnings) {
  ClassScan scan;
  std::error_code ec;
  fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec);
  if (ec) {
    warnings.push_back({folder.string(), "cannot list this class folder (" + ec.message() + ")"});
    return scan;
  }
  std::vector<fs::path> candidates;
  for (const fs::recursive_directory_iterator end; it != end;) {
    const fs::path& path = it->path();
    if (isHidden(path)) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
    } else if (it->is_regular_file(ec)) {
      if (ImageFolderDataset::isImageExtension(path.extension().string()))
        candidates.push_back(path);
      else
        ++scan.otherFiles;
    }
    it.increment(ec);
    if (ec) {
      warnings.push_back({folder.string(), "listing stopped early (" + ec.message() + ")"});
      break;
    }
  }
  std::sort(candidates.begin(), candidates.end());
  for (auto& path : candidates) {
    if (!signatureReadable(path)) {
      warnings.push_back({path.string(),
                          "not a readable image (empty, damaged, or a format this OpenCV build "
                          "cannot decode); skipped"});
      continue;
    }
    if (options.verifyDecode && decodeImageFile(path, options.grayscale).empty()) {
      warnings.push_back({path.string(), "cannot be decoded (damaged file); skipped"});
      continue;
    }
    scan.images.push_back(std::move(path));
  }
  return scan;
}

}  // namespace

bool ImageFolderDataset::isImageExtension(const std::string& extension) {
  static const char* const kExtensions[] = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"};
  const std::string ext = lower(extension);
  return std::any_of(std::begin(kExtensions), std::end(kExtensions),
                     [&](const char* known) { return ext == known; });
}

// OpenCV reads OPENCV_IO_MAX_IMAGE_PIXELS once, at the first decode, and refuses larger images
// before allocating them (its default, 2^30 pixels, is 3 GB of RGB). Set before any decode, at
// load time; a value the user set is kept.
const bool kDecodedPixelLimitSet = [] {
  ::setenv("OPENCV_IO_MAX_IMAGE_PIXELS", std::to_string(kMaxDecodedPixels).c_str(), /*overwrite=*/0);
  return true;
}();

cv::Mat decodeImageFile(const fs::path& file, bool grayscale) {
  try {
    cv::Mat image = cv::imread(file.string(), grayscale ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
    if (!image.empty() && !grayscale) cv::cvtColor(image, image, cv::COLOR_BGR2RGB);
    return image;
  } catch (const cv::Exception&) {
    return cv::Mat();  // a decoder that throws on a damaged file counts as "cannot decode"
  }
}

std::shared_ptr<ImageFolderDataset> ImageFolderDataset::open(const fs::path& root,
                                                             ImageFolderOptions options) {
  std::error_code ec;
  if (!fs::exists(root, ec))
    throw UserError(root.string() + ": folder does not exist. Point data.path at a folder of " +
                    "images sorted into <root>/<class name>/ subfolders.");
  if (!fs::is_directory(root, ec))
    throw UserError(root.string() + ": not a folder. Point data.path at a folder of images " +
                    "sorted into <root>/<class name>/ subfolders.");

  std::shared_ptr<ImageFolderDataset> set(new ImageFolderDataset());
  set->m_root = root;
  set->m_options = options;
  auto& report = set->m_report;

  std::vector<fs::path> classFolders;
  std::size_t looseImages = 0;
  fs::directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
  if (ec) throw UserError(root.string() + ": cannot list the folder (" + ec.message() + ").");
  for (const fs::directory_iterator end; it != end;) {
    if (!isHidden(it->path())) {
      if (it->is_directory(ec))
        classFolders.push_back(it->path());
      else if (isImageExtension(it->path().extension().string()))
        ++looseImages;
    }
    it.increment(ec);
    if (ec) throw UserError(root.string() + ": cannot list the folder (" + ec.message() + ").");
  }
  if (classFolders.empty())
    throw UserError(root.string() + " has no class folders: put images in " + root.string() +
                    "/<class name>/...");
  std::sort(classFolders.begin(), classFolders.end());
  if (looseImages > 0)
    report.warnings.push_back(
        {root.string(), std::to_string(looseImages) +
                            " image(s) directly in the root folder are ignored: only images in "
                            "<root>/<class name>/ are used"});

  std::vector<fs::path> emptyClasses;
  for (const auto& folder : classFolders) {
    const int label = static_cast<int>(report.classNames.size());
    report.classNames.push_back(folder.filename().string());
    ClassScan scan = scanClass(folder, options, report.warnings);
    report.imagesPerClass.push_back(scan.images.size());
    if (scan.images.empty()) emptyClasses.push_back(folder);
    if (scan.otherFiles > 0)
      report.warnings.push_back(
          {folder.string(), std::to_string(scan.otherFiles) +
                                " file(s) without an image extension (jpg jpeg png bmp webp "
                                "tif tiff) ignored"});
    for (auto& path : scan.images) {
      set->m_files.push_back(std::move(path));
      set->m_labels.push_back(label);
    }
  }
  if (set->m_files.empty())
    throw UserError(root.string() + ": no readable images in its " + std::to_string(classFolders.size()) +
                    " class folder(s). Put .jpg/.png images in " + root.string() + "/<class name>/.");
  // A class with no images would still be an output of the model, one it can never learn and
  // that takes probability from the others: refuse, naming the folders and the fix.
  if (!emptyClasses.empty()) {
    std::string names;
    for (std::size_t i = 0; i < emptyClasses.size() && i < 10; ++i)
      names += (i ? ", " : "") + emptyClasses[i].string();
    if (emptyClasses.size() > 10) names += " and " + std::to_string(emptyClasses.size() - 10) + " more";
    throw UserError(std::to_string(emptyClasses.size()) +
                    " class folder(s) hold no readable image: " + names +
                    ". Add images to them, or remove or hide them (a folder whose name starts with '.' " +
                    "is ignored). Files in them that are not readable images do not count.");
  }
  return set;
}

int ImageFolderDataset::label(std::size_t index) const {
  if (index >= m_labels.size())
    throw std::out_of_range(describe() + ": sample " + std::to_string(index) + " out of range");
  return m_labels[index];
}

const fs::path& ImageFolderDataset::file(std::size_t index) const {
  if (index >= m_files.size())
    throw std::out_of_range(describe() + ": sample " + std::to_string(index) + " out of range");
  return m_files[index];
}

cv::Mat ImageFolderDataset::image(std::size_t index) const {
  const fs::path& path = file(index);
  cv::Mat image = decodeImageFile(path, m_options.grayscale);
  if (image.empty())
    throw ImageDecodeError(path.string(),
                           "cannot decode image (missing, damaged, truncated, larger than " +
                               std::to_string(kMaxDecodedPixels >> 20) +
                               " megapixels, or an unsupported format). Remove or replace the file.");
  return image;
}

std::string ImageFolderDataset::describe() const {
  return "image folder " + m_root.string() + (m_options.grayscale ? " (grayscale)" : "");
}

}  // namespace ft::data
