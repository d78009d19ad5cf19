// CIFAR-10 binary reader and openData on CIFAR folders, with generated files.
#include <fstream>

#include <gtest/gtest.h>

#include "common/error.h"
#include "data/cifar10_dataset.h"
#include "data/data_source.h"
#include "test_support.h"
#include "user_error.h"

namespace {

using ft::test::expectUserError;

using ft::UserError;
using namespace ft::data;
namespace fs = std::filesystem;

std::uint8_t channelValue(std::size_t record, int channel, int pixel) {
  return static_cast<std::uint8_t>((record * 13 + channel * 101 + pixel * 7) % 256);
}

// `records` records; record r has label (first + r) % 10 unless `badLabelAt` hits it.
std::string batch(std::size_t records, std::size_t first, long badLabelAt = -1) {
  std::string bytes;
  for (std::size_t r = 0; r < records; ++r) {
    const std::size_t global = first + r;
    bytes.push_back(static_cast<char>(static_cast<long>(r) == badLabelAt ? 10 : global % 10));
    for (int c = 0; c < 3; ++c)
      for (int p = 0; p < 1024; ++p) bytes.push_back(static_cast<char>(channelValue(global, c, p)));
  }
  return bytes;
}

void writeFile(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Five training batches of `perBatch` records each and a test batch.
void writeCifar(const fs::path& dir, std::size_t perBatch) {
  for (int i = 1; i <= 5; ++i)
    writeFile(dir / ("data_batch_" + std::to_string(i) + ".bin"), batch(perBatch, (i - 1) * perBatch));
  writeFile(dir / "test_batch.bin", batch(perBatch, 1000));
}

TEST(Cifar10Dataset, ReadsInterleavedRgb) {
  ft::test::TempDir dir("cifar");
  writeCifar(dir.path(), 4);
  const auto set = loadCifar10Dataset(dir.path(), Cifar10Split::Train, false);
  ASSERT_EQ(set->size(), 20u);
  EXPECT_EQ(set->classNames()[0], "airplane");  // no batches.meta.txt: standard names
  EXPECT_EQ(set->classNames()[9], "truck");
  for (std::size_t i = 0; i < set->size(); ++i) {
    EXPECT_EQ(set->label(i), static_cast<int>(i % 10));
    const cv::Mat image = set->image(i);
    ASSERT_EQ(image.type(), CV_8UC3);
    ASSERT_EQ(image.rows, 32);
    ASSERT_EQ(image.cols, 32);
    for (int p = 0; p < 1024; ++p) {
      const auto& px = image.at<cv::Vec3b>(p / 32, p % 32);
      ASSERT_EQ(px[0], channelValue(i, 0, p));  // R
      ASSERT_EQ(px[1], channelValue(i, 1, p));  // G
      ASSERT_EQ(px[2], channelValue(i, 2, p));  // B
    }
  }
  EXPECT_EQ(set->image(1).data, set->image(0).data + 32 * 32 * 3);
  const auto test = loadCifar10Dataset(dir.path(), Cifar10Split::Test, false);
  ASSERT_EQ(test->size(), 4u);
  EXPECT_EQ(test->image(0).at<cv::Vec3b>(0, 0)[0], channelValue(1000, 0, 0));
}

TEST(Cifar10Dataset, ClassNamesFromMetaFile) {
  ft::test::TempDir dir("cifar");
  writeCifar(dir.path(), 1);
  std::ofstream(dir / "batches.meta.txt") << "a\nb\r\nc\nd\ne\nf\ng\nh\ni\n  j  \n\n\n";
  const auto set = loadCifar10Dataset(dir.path(), Cifar10Split::Train, false);
  EXPECT_EQ(set->classNames(), (std::vector<std::string>{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}));
  std::ofstream(dir / "batches.meta.txt") << "a\nb\n";
  expectUserError([&] { loadCifar10Dataset(dir.path(), Cifar10Split::Train, false); },
                  {"batches.meta.txt", "2 class names", "expected 10"});
}

TEST(Cifar10Dataset, WrongSizeNamesFile) {
  ft::test::TempDir dir("cifar");
  writeCifar(dir.path(), 2);
  writeFile(dir / "data_batch_3.bin", batch(2, 0) + "junk");
  expectUserError([&] { loadCifar10Dataset(dir.path(), Cifar10Split::Train, false); },
                  {"data_batch_3.bin", "wrong size", "3073"});
  writeFile(dir / "data_batch_3.bin", batch(2, 0));
  // The strict (default) reader wants exactly 10000 records per batch.
  expectUserError([&] { loadCifar10Dataset(dir.path(), Cifar10Split::Train); },
                  {"data_batch_1.bin", "wrong size 6146 bytes", "10000 records"});
  writeFile(dir / "data_batch_2.bin", "");
  expectUserError([&] { loadCifar10Dataset(dir.path(), Cifar10Split::Train, false); },
                  {"data_batch_2.bin", "wrong size 0"});
}

TEST(Cifar10Dataset, BadLabelNamesFileAndRecord) {
  ft::test::TempDir dir("cifar");
  writeCifar(dir.path(), 3);
  writeFile(dir / "data_batch_5.bin", batch(3, 12, 2));
  expectUserError([&] { loadCifar10Dataset(dir.path(), Cifar10Split::Train, false); },
                  {"data_batch_5.bin", "label 10", "record 2"});
}

TEST(Cifar10Dataset, MissingBatchNamesFile) {
  ft::test::TempDir dir("cifar");
  writeCifar(dir.path(), 1);
  fs::remove(dir / "data_batch_4.bin");
  expectUserError([&] { loadCifar10Dataset(dir.path(), Cifar10Split::Train, false); },
                  {"data_batch_4.bin", "missing"});
}

// Full-size batches as sparse files (zeros beyond the first records), so openData's strict
// size check passes without writing 180 MB.
void writeFullSizeCifar(const fs::path& dir) {
  writeCifar(dir, 10);
  for (int i = 1; i <= 5; ++i)
    fs::resize_file(dir / ("data_batch_" + std::to_string(i) + ".bin"),
                    kCifarRecordBytes * kCifarRecordsPerBatch);
  fs::resize_file(dir / "test_batch.bin", kCifarRecordBytes * kCifarRecordsPerBatch);
}

TEST(Cifar10OpenData, AutoDetectsFullSizeSet) {
  ft::test::TempDir dir("cifar");
  writeFullSizeCifar(dir.path());
  std::ofstream(dir / "batches.meta.txt")
      << "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n";
  EXPECT_EQ(detectFormat(dir.path()), "cifar10");
  ft::config::DataConfig config;
  config.path = dir.path().string();
  const OpenedData data = openData(config, 1);
  EXPECT_EQ(data.train.indices.size(), 50000u);
  EXPECT_EQ(data.validation.indices.size(), 10000u);
  EXPECT_EQ(data.classNames[3], "cat");
  // Records 10.. of each batch are zero-filled: label 0.
  EXPECT_EQ(data.report.imagesPerClass[0], 5u * (9990 + 1));
  EXPECT_EQ(data.report.imagesPerClass[1], 5u);
  EXPECT_EQ(data.train.dataset->image(10001).at<cv::Vec3b>(0, 0)[0], channelValue(11, 0, 0));
  EXPECT_NE(data.description.find("CIFAR-10"), std::string::npos);

  config.format = "cifar10";
  config.validation = "split";
  config.validationPercent = 20;
  config.trainLimit = 1000;
  const OpenedData split = openData(config, 1);
  EXPECT_EQ(split.validation.indices.size(), 10000u);
  EXPECT_EQ(split.train.indices.size(), 1000u);
}

TEST(Cifar10OpenData, TrimmedBatchIsRejectedByOpenData) {
  ft::test::TempDir dir("cifar");
  writeCifar(dir.path(), 2);
  ft::config::DataConfig config;
  config.path = dir.path().string();
  expectUserError([&] { openData(config, 1); }, {"data_batch_1.bin", "wrong size"});
}

}  // namespace
