// The real Fashion-MNIST at /usr/share/datasets/fashion-mnist (skipped when it is absent).
// Prints load time and loader throughput for information; asserts only correctness.
#include <chrono>
#include <cstdio>
#include <filesystem>

#include <gtest/gtest.h>

#include "data/data_source.h"
#include "data/loader.h"
#include "data/stats.h"
#include "test_support.h"

namespace {

using namespace ft::data;
using Clock = std::chrono::steady_clock;

const char* const kFashion = "/usr/share/datasets/fashion-mnist";

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

class FashionMnist : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(std::filesystem::path(kFashion) / "train-images-idx3-ubyte.gz"))
      FT_REFERENCE_MISSING(std::string(kFashion) +
                           " is missing: install the Debian package dataset-fashion-mnist");
  }
};

TEST_F(FashionMnist, OpensWithKnownContent) {
  ft::config::DataConfig config;
  config.path = kFashion;
  const auto start = Clock::now();
  const OpenedData data = openData(config, 42);
  std::printf("[ timing ] openData(Fashion-MNIST, train + test): %.3f s\n", secondsSince(start));

  ASSERT_EQ(data.train.indices.size(), 60000u);
  ASSERT_EQ(data.validation.indices.size(), 10000u);
  ASSERT_EQ(data.classNames.size(), 10u);
  EXPECT_EQ(data.classNames[0], "T-shirt/top");
  EXPECT_EQ(data.classNames[9], "Ankle boot");
  EXPECT_EQ(data.report.imagesPerClass, std::vector<std::size_t>(10, 6000));
  EXPECT_TRUE(data.report.warnings.empty());
  EXPECT_NE(data.description.find("Fashion-MNIST"), std::string::npos) << data.description;

  const Dataset& train = *data.train.dataset;
  const int firstLabels[] = {9, 0, 0, 3, 0, 2, 7, 2, 5, 5, 0, 9};
  for (int i = 0; i < 12; ++i) EXPECT_EQ(train.label(i), firstLabels[i]) << i;
  EXPECT_EQ(train.classNames()[train.label(0)], "Ankle boot");
  EXPECT_EQ(data.validation.dataset->label(0), 9);
  EXPECT_EQ(data.validation.dataset->label(1), 2);

  const cv::Mat first = train.image(0);
  ASSERT_EQ(first.type(), CV_8UC1);
  ASSERT_EQ(first.rows, 28);
  EXPECT_EQ(cv::sum(first)[0], 76247.0);
  const std::uint8_t row10[] = {0, 0, 0, 193, 228, 218, 213, 198, 180, 212};
  for (int x = 0; x < 10; ++x) EXPECT_EQ(first.at<std::uint8_t>(10, 10 + x), row10[x]);

  const auto statsStart = Clock::now();
  const ChannelStats stats = computeChannelStats(data.train, 0, 1);
  std::printf("[ timing ] channel statistics over 60000 images: %.3f s (mean %.4f, std %.4f)\n",
              secondsSince(statsStart), stats.mean[0], stats.std[0]);
  EXPECT_NEAR(stats.mean[0], 0.2860, 0.0005);
  EXPECT_NEAR(stats.std[0], 0.3530, 0.0005);
  EXPECT_EQ(stats.mean[0], stats.mean[2]);
  const ChannelStats sample = computeChannelStats(data.train, 5000, 1);
  EXPECT_NEAR(sample.mean[0], 0.2860, 0.01);
}

TEST_F(FashionMnist, LoaderThroughput) {
  ft::config::DataConfig config;
  config.path = kFashion;
  config.trainLimit = 12800;
  const OpenedData data = openData(config, 42);
  for (const int workers : {0, 2}) {
    LoaderOptions options;
    options.batchSize = 128;
    options.workers = workers;
    options.transform.inputSize = 32;  // resize 28 -> 32, crop with padding 4, flip
    BatchLoader loader(data.train, options);
    loader.startEpoch(0);
    const auto start = Clock::now();
    std::size_t images = 0;
    while (auto batch = loader.next()) images += static_cast<std::size_t>(batch->images.size(0));
    const double seconds = secondsSince(start);
    EXPECT_EQ(images, 12800u);
    std::printf("[ timing ] loader, %d worker(s), 32x32 augmented: %.0f images/s (waited %.3f s)\n", workers,
                images / seconds, loader.waitSeconds());
  }
}

}  // namespace
