// Image folders: scanning, warnings, decoding, and openData's folder layouts.
#include <fstream>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "common/error.h"
#include "data/data_source.h"
#include "data/image_folder_dataset.h"
#include "test_support.h"
#include "user_error.h"

namespace {

using ft::test::expectUserError;

using ft::UserError;
using namespace ft::data;
namespace fs = std::filesystem;

// Writes an 8 x 6 image whose every pixel is (b, g, r) in OpenCV's BGR order.
void writeImage(const fs::path& path, int b = 10, int g = 20, int r = 30) {
  fs::create_directories(path.parent_path());
  const cv::Mat image(6, 8, CV_8UC3, cv::Scalar(b, g, r));
  ASSERT_TRUE(cv::imwrite(path.string(), image)) << path;
}

void writeText(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

bool hasWarning(const ScanReport& report, const std::string& pathPart, const std::string& messagePart) {
  for (const auto& w : report.warnings)
    if (w.path.find(pathPart) != std::string::npos && w.message.find(messagePart) != std::string::npos)
      return true;
  return false;
}

// A PNG whose signature is fine but whose body is cut off.
void writeTruncatedPng(const fs::path& path) {
  std::vector<std::uint8_t> bytes;
  cv::Mat noise(64, 64, CV_8UC3);
  cv::randu(noise, 0, 255);
  cv::imencode(".png", noise, bytes);
  bytes.resize(bytes.size() / 3);
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

TEST(ImageFolder, ScansClassesAndReportsProblems) {
  ft::test::TempDir dir("folder");
  const fs::path root = dir.path();
  writeImage(root / "cat" / "a.png", 10, 20, 30);
  writeImage(root / "cat" / "b.JPG");
  writeImage(root / "dog" / "x.png");
  writeImage(root / "dog" / "nested" / "y.bmp");
  writeText(root / "dog" / "corrupt.png", "this is not a png");
  writeText(root / "dog" / "empty.jpg", "");
  writeText(root / "dog" / "notes.txt", "hello");
  writeImage(root / ".hidden" / "z.png");
  writeImage(root / "loose.png");

  const auto set = ImageFolderDataset::open(root);
  EXPECT_EQ(set->classNames(), (std::vector<std::string>{"cat", "dog"}));
  ASSERT_EQ(set->size(), 4u);
  EXPECT_EQ(set->report().imagesPerClass, (std::vector<std::size_t>{2, 2}));
  EXPECT_EQ(set->label(0), 0);
  EXPECT_EQ(set->label(1), 0);
  EXPECT_EQ(set->label(2), 1);
  EXPECT_EQ(set->label(3), 1);
  EXPECT_EQ(set->file(0), root / "cat" / "a.png");
  EXPECT_EQ(set->file(1), root / "cat" / "b.JPG");
  const auto& report = set->report();
  EXPECT_TRUE(hasWarning(report, "corrupt.png", "skipped"));
  EXPECT_TRUE(hasWarning(report, "empty.jpg", "skipped"));
  EXPECT_TRUE(hasWarning(report, "dog", "1 file(s) without an image extension"));
  EXPECT_TRUE(hasWarning(report, root.string(), "directly in the root"));
  for (const auto& w : report.warnings) EXPECT_EQ(w.path.find(".hidden"), std::string::npos);

  const cv::Mat image = set->image(0);
  ASSERT_EQ(image.type(), CV_8UC3);
  EXPECT_EQ(image.rows, 6);
  EXPECT_EQ(image.cols, 8);
  EXPECT_EQ(image.at<cv::Vec3b>(2, 3), cv::Vec3b(30, 20, 10));  // RGB order
  EXPECT_EQ(set->image(3).rows, 6);                             // the nested BMP decodes
}

// A class folder with no image (or only damaged ones) would still be an output class the model
// can never learn: the scan refuses it, naming every such folder and the fix.
TEST(ImageFolder, EmptyClassFoldersAreRefusedByName) {
  ft::test::TempDir dir("folder");
  writeImage(dir / "cat" / "a.png");
  fs::create_directories(dir / "empty");
  writeText(dir / "broken" / "x.png", "not a png");
  const std::string message =
      ft::test::expectUserError([&] { ImageFolderDataset::open(dir.path()); },
                                {"2 class folder(s) hold no readable image", (dir / "empty").string(),
                                 (dir / "broken").string(), "remove or hide them"});
  EXPECT_EQ(message.find((dir / "cat").string() + ","), std::string::npos) << message;
  // Hiding the folders, as the message says, makes the data set usable.
  fs::rename(dir / "empty", dir / ".empty");
  fs::rename(dir / "broken", dir / ".broken");
  EXPECT_EQ(ImageFolderDataset::open(dir.path())->classNames(), (std::vector<std::string>{"cat"}));
}

TEST(ImageFolder, GrayscaleDecodesOneChannel) {
  ft::test::TempDir dir("folder");
  writeImage(dir / "a" / "1.png", 50, 50, 50);
  const auto set = ImageFolderDataset::open(dir.path(), {true, false});
  const cv::Mat image = set->image(0);
  ASSERT_EQ(image.type(), CV_8UC1);
  EXPECT_EQ(image.at<std::uint8_t>(0, 0), 50);
  EXPECT_NE(set->describe().find("grayscale"), std::string::npos);
}

TEST(ImageFolder, DamagedBodyFailsAtDecodeOrIsSkippedWhenVerifying) {
  ft::test::TempDir dir("folder");
  writeImage(dir / "a" / "good.png");
  writeTruncatedPng(dir / "a" / "truncated.png");
  const auto lazy = ImageFolderDataset::open(dir.path());
  ASSERT_EQ(lazy->size(), 2u);  // the signature is fine, so the header check keeps it
  expectUserError([&] { lazy->image(1); }, {"truncated.png", "cannot decode"});

  const auto verified = ImageFolderDataset::open(dir.path(), {false, true});
  ASSERT_EQ(verified->size(), 1u);
  EXPECT_TRUE(hasWarning(verified->report(), "truncated.png", "cannot be decoded"));
}

TEST(ImageFolder, FileRemovedAfterScanNamesFile) {
  ft::test::TempDir dir("folder");
  writeImage(dir / "a" / "gone.png");
  const auto set = ImageFolderDataset::open(dir.path());
  fs::remove(dir / "a" / "gone.png");
  expectUserError([&] { set->image(0); }, {"gone.png"});
}

TEST(ImageFolder, Errors) {
  ft::test::TempDir dir("folder");
  expectUserError([&] { ImageFolderDataset::open(dir / "missing"); }, {"missing", "does not exist"});
  writeImage(dir / "flat" / "a.png");
  expectUserError([&] { ImageFolderDataset::open(dir / "flat"); },
                  {(dir / "flat").string() + " has no class folders", "<class name>"});
  fs::create_directories(dir / "hollow" / "a");
  fs::create_directories(dir / "hollow" / "b");
  writeText(dir / "hollow" / "b" / "bad.png", "x");
  expectUserError([&] { ImageFolderDataset::open(dir / "hollow"); }, {"hollow", "no readable images"});
  writeText(dir / "file.png", "x");
  expectUserError([&] { ImageFolderDataset::open(dir / "file.png"); }, {"file.png", "not a folder"});
}

TEST(ImageFolder, ExtensionsAreCaseInsensitive) {
  for (const char* ext : {".jpg", ".JPEG", ".Png", ".bmp", ".webp", ".TIF", ".tiff"})
    EXPECT_TRUE(ImageFolderDataset::isImageExtension(ext)) << ext;
  for (const char* ext : {".gif", ".txt", "", ".pngx"})
    EXPECT_FALSE(ImageFolderDataset::isImageExtension(ext)) << ext;
}

// ---- detection and openData ----

ft::config::DataConfig folderConfig(const fs::path& path) {
  ft::config::DataConfig config;
  config.path = path.string();
  return config;
}

void writeClasses(const fs::path& root, const std::vector<std::string>& classes, int perClass) {
  for (const auto& name : classes)
    for (int i = 0; i < perClass; ++i) writeImage(root / name / (std::to_string(i) + ".png"));
}

// data.verify_images (--verify-images, the wizard's "Check every image") reaches the scan of
// both the training and the validation folder: damaged files are listed and left out.
TEST(ImageFolder, VerifyImagesSettingChecksTrainingAndValidationFolders) {
  ft::test::TempDir dir("folder");
  for (const char* part : {"train", "val"}) {
    writeImage(dir / part / "a" / "good.png");
    writeTruncatedPng(dir / part / "a" / "cut.png");
    writeImage(dir / part / "b" / "good.png");
  }
  auto config = folderConfig(dir / "train");
  config.validation = "folder";
  config.validationPath = (dir / "val").string();
  EXPECT_EQ(openData(config, 1).train.indices.size(), 3u);  // signatures only
  config.verifyImages = true;
  const auto verified = openData(config, 1);
  EXPECT_EQ(verified.train.indices.size(), 2u);
  EXPECT_EQ(verified.validation.indices.size(), 2u);
  EXPECT_TRUE(hasWarning(verified.report, "cut.png", "cannot be decoded"));
}

TEST(FolderOpenData, DetectionAndUnknownLayout) {
  ft::test::TempDir dir("folder");
  writeClasses(dir.path(), {"a"}, 1);
  EXPECT_EQ(detectFormat(dir.path()), "folder");
  fs::create_directories(dir / "nothing");
  writeText(dir / "nothing" / "readme.txt", "?");
  expectUserError([&] { detectFormat(dir / "nothing"); },
                  {(dir / "nothing").string(), "IDX", "CIFAR-10", "image folder"});
  expectUserError([&] { openData(folderConfig(dir / "nothing"), 1); }, {"nothing", "IDX"});
}

TEST(FolderOpenData, TestSplitNeedsTrainAndTestFolders) {
  ft::test::TempDir dir("folder");
  writeClasses(dir.path(), {"a", "b"}, 3);
  expectUserError([&] { openData(folderConfig(dir.path()), 1); },
                  {"test_split", "train", "\"split\"", "\"folder\""});

  ft::test::TempDir layout("folder");
  writeClasses(layout / "train", {"a", "b"}, 4);
  writeClasses(layout / "val", {"a", "b"}, 2);
  const OpenedData data = openData(folderConfig(layout.path()), 1);
  EXPECT_EQ(data.classNames, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(data.train.indices.size(), 8u);
  EXPECT_EQ(data.validation.indices.size(), 4u);
  EXPECT_EQ(data.report.imagesPerClass, (std::vector<std::size_t>{4, 4}));

  writeClasses(layout / "test", {"a", "c"}, 1);  // test/ wins over val/, and must match
  expectUserError([&] { openData(folderConfig(layout.path()), 1); },
                  {(layout / "test").string(), "missing b", "extra c"});
}

TEST(FolderOpenData, SeparateValidationFolder) {
  ft::test::TempDir dir("folder");
  writeClasses(dir / "train", {"a", "b", "c"}, 3);
  writeClasses(dir / "other", {"a", "b", "c"}, 2);
  writeText(dir / "other" / "c" / "broken.png", "not an image");
  auto config = folderConfig(dir / "train");
  config.validation = "folder";
  config.validationPath = (dir / "other").string();
  const OpenedData data = openData(config, 3);
  EXPECT_EQ(data.train.indices.size(), 9u);
  EXPECT_EQ(data.validation.indices.size(), 6u);
  EXPECT_NE(data.train.dataset, data.validation.dataset);
  EXPECT_TRUE(hasWarning(data.report, "broken.png", "skipped"));

  writeClasses(dir / "mismatch", {"a", "b"}, 1);
  config.validationPath = (dir / "mismatch").string();
  expectUserError([&] { openData(config, 3); },
                  {(dir / "mismatch").string(), "missing c", "data.validation_path"});
}

TEST(FolderOpenData, SplitAndGrayscale) {
  ft::test::TempDir dir("folder");
  writeClasses(dir.path(), {"a", "b"}, 10);
  auto config = folderConfig(dir.path());
  config.validation = "split";
  config.validationPercent = 20;
  config.grayscale = true;
  const OpenedData data = openData(config, 9);
  EXPECT_EQ(data.validation.indices.size(), 4u);
  EXPECT_EQ(data.report.imagesPerClass, (std::vector<std::size_t>{8, 8}));
  EXPECT_EQ(data.train.dataset->image(data.train.indices[0]).type(), CV_8UC1);
  config.validationPercent = 95;
  expectUserError([&] { openData(config, 9); }, {"data.validation_percent"});
}

}  // namespace
