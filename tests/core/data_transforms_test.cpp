// ImageTransform (resize, gray -> 3 channels, crop with padding, flip, normalisation) and
// dataset statistics.
#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include <set>

#include "common/error.h"
#include "data/in_memory_dataset.h"
#include "data/random.h"
#include "data/stats.h"
#include "data/transforms.h"

namespace {

using namespace ft::data;

TransformOptions plain(int size) {
  TransformOptions options;
  options.inputSize = size;
  options.augment = false;
  options.mean = {0.f, 0.f, 0.f};
  options.std = {1.f, 1.f, 1.f};
  return options;
}

// Distinct bytes per pixel and channel.
cv::Mat patterned(int size, int channels) {
  cv::Mat image(size, size, CV_8UC(channels));
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x)
      for (int c = 0; c < channels; ++c)
        image.ptr<std::uint8_t>(y)[x * channels + c] =
            static_cast<std::uint8_t>(1 + (y * size + x) * 3 + c * 50);
  return image;
}

std::vector<float> run(const ImageTransform& transform, const cv::Mat& src, std::uint64_t seed) {
  std::vector<float> out(transform.outputSize(), -999.f);
  std::mt19937_64 rng(seed);
  transform.apply(src, out.data(), rng);
  return out;
}

TEST(Transform, NormalisesKnownPixelExactly) {
  TransformOptions options = plain(4);
  options.mean = {0.485f, 0.456f, 0.406f};
  options.std = {0.229f, 0.224f, 0.225f};
  const ImageTransform transform(options);
  const cv::Mat src(4, 4, CV_8UC3, cv::Scalar(10, 128, 255));
  const auto out = run(transform, src, 1);
  const std::uint8_t values[3] = {10, 128, 255};
  for (int c = 0; c < 3; ++c) {
    const float expected = (values[c] / 255.0f - options.mean[c]) / options.std[c];
    for (int i = 0; i < 16; ++i) ASSERT_FLOAT_EQ(out[c * 16 + i], expected) << c << " " << i;
  }
  EXPECT_NEAR(out[0], (10 / 255.0 - 0.485) / 0.229, 1e-5);
}

TEST(Transform, GrayBecomesThreeChannels) {
  TransformOptions options = plain(3);
  options.mean = {0.1f, 0.2f, 0.3f};
  const ImageTransform transform(options);
  const cv::Mat src = patterned(3, 1);
  const auto out = run(transform, src, 1);
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 9; ++i) ASSERT_FLOAT_EQ(out[c * 9 + i], src.data[i] / 255.0f - options.mean[c]);
}

TEST(Transform, ChannelOrderIsPlanarRgb) {
  const ImageTransform transform(plain(5));
  const cv::Mat src = patterned(5, 3);
  const auto out = run(transform, src, 1);
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 5; ++x)
      for (int c = 0; c < 3; ++c)
        ASSERT_FLOAT_EQ(out[(c * 5 + y) * 5 + x], src.at<cv::Vec3b>(y, x)[c] / 255.0f);
}

TEST(Transform, ResizesWithBilinearOpenCv) {
  const ImageTransform transform(plain(4));
  const cv::Mat src = patterned(9, 3);
  cv::Mat expected;
  cv::resize(src, expected, cv::Size(4, 4), 0, 0, cv::INTER_LINEAR);
  const auto out = run(transform, src, 1);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x)
      for (int c = 0; c < 3; ++c)
        ASSERT_FLOAT_EQ(out[(c * 4 + y) * 4 + x], expected.at<cv::Vec3b>(y, x)[c] / 255.0f);
  // Non-square, non-continuous source (an ROI) works too.
  const cv::Mat big = patterned(20, 1);
  const cv::Mat roi = big(cv::Rect(3, 2, 10, 7));
  cv::Mat roiExpected;
  cv::resize(roi, roiExpected, cv::Size(4, 4), 0, 0, cv::INTER_LINEAR);
  const auto roiOut = run(transform, roi, 1);
  for (int i = 0; i < 16; ++i) ASSERT_FLOAT_EQ(roiOut[i], roiExpected.data[i] / 255.0f);
}

// torchvision RandomCrop(size, padding=p) + RandomHorizontalFlip, written the slow way with
// the same random draws.
std::vector<float> reference(const cv::Mat& src, int p, bool flipEnabled, std::uint64_t seed) {
  const int size = src.rows;
  std::mt19937_64 rng(seed);
  int top = p, left = p;
  if (p > 0) {
    top = static_cast<int>(uniformBelow(rng, 2 * p + 1));
    left = static_cast<int>(uniformBelow(rng, 2 * p + 1));
  }
  const bool flip = flipEnabled && (rng() >> 63);
  cv::Mat padded;
  cv::copyMakeBorder(src, padded, p, p, p, p, cv::BORDER_CONSTANT, cv::Scalar::all(0));
  cv::Mat cropped = padded(cv::Rect(left, top, size, size)).clone();
  if (flip) cv::flip(cropped, cropped, 1);
  std::vector<float> out(3 * size * size);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < size; ++y)
      for (int x = 0; x < size; ++x) out[(c * size + y) * size + x] = cropped.at<cv::Vec3b>(y, x)[c] / 255.0f;
  return out;
}

TEST(Transform, CropAndFlipMatchTorchvisionSemantics) {
  TransformOptions options = plain(6);
  options.augment = true;
  options.cropPadding = 2;
  options.horizontalFlip = true;
  const ImageTransform transform(options);
  const cv::Mat src = patterned(6, 3);
  int shifted = 0, flipped = 0, identical = 0;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    const auto out = run(transform, src, seed);
    ASSERT_EQ(out, reference(src, 2, true, seed)) << "seed " << seed;
    if (out == run(transform, src, seed)) ++identical;
    // Padding zeros are present whenever the crop moved.
    if (std::count(out.begin(), out.end(), 0.0f) > 0) ++shifted;
  }
  EXPECT_EQ(identical, 200);  // deterministic per seed
  EXPECT_GT(shifted, 100);    // 24 of 25 offsets move the content
  // Padding wider than the image: many crops see padding only.
  TransformOptions wide = options;
  wide.inputSize = 3;
  wide.cropPadding = 5;
  const ImageTransform wideTransform(wide);
  const cv::Mat small = patterned(3, 3);
  for (std::uint64_t seed = 0; seed < 200; ++seed)
    ASSERT_EQ(run(wideTransform, small, seed), reference(small, 5, true, seed)) << "seed " << seed;
  // Flip without crop: output is the source or its mirror, both happen.
  options.cropPadding = 0;
  const ImageTransform flipOnly(options);
  const auto same = run(ImageTransform(plain(6)), src, 0);
  cv::Mat mirror;
  cv::flip(src, mirror, 1);
  const auto mirrored = run(ImageTransform(plain(6)), mirror, 0);
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    const auto out = run(flipOnly, src, seed);
    ASSERT_TRUE(out == same || out == mirrored);
    if (out == mirrored) ++flipped;
  }
  EXPECT_GT(flipped, 10);
  EXPECT_LT(flipped, 40);
}

TEST(Transform, PaddedCropMovesContentAndFillsZeros) {
  TransformOptions options = plain(4);
  options.augment = true;
  options.cropPadding = 3;
  options.horizontalFlip = false;
  options.mean = {0.5f, 0.5f, 0.5f};
  options.std = {0.5f, 0.5f, 0.5f};
  const ImageTransform transform(options);
  const cv::Mat src(4, 4, CV_8UC1, cv::Scalar(255));
  // Find a seed with offset (top, left) = (0, 0): content moved 3 down and right, so only the
  // bottom-right pixel keeps the image; padding normalises to (0 - 0.5) / 0.5 = -1.
  for (std::uint64_t seed = 0; seed < 1000; ++seed) {
    std::mt19937_64 rng(seed);
    if (uniformBelow(rng, 7) != 0 || uniformBelow(rng, 7) != 0) continue;
    const auto out = run(transform, src, seed);
    for (int c = 0; c < 3; ++c)
      for (int i = 0; i < 16; ++i) ASSERT_FLOAT_EQ(out[c * 16 + i], i == 15 ? 1.0f : -1.0f);
    return;
  }
  FAIL() << "no seed gave offset (0, 0)";
}

TEST(Transform, NoAugmentationIgnoresTheGenerator) {
  TransformOptions options = plain(6);
  options.cropPadding = 4;
  const ImageTransform transform(options);
  const cv::Mat src = patterned(6, 3);
  EXPECT_EQ(run(transform, src, 1), run(transform, src, 2));
}

TEST(Transform, RejectsBadInput) {
  const ImageTransform transform(plain(4));
  std::vector<float> out(transform.outputSize());
  std::mt19937_64 rng(1);
  EXPECT_THROW(transform.apply(cv::Mat(), out.data(), rng), std::invalid_argument);
  EXPECT_THROW(transform.apply(cv::Mat(4, 4, CV_32FC3), out.data(), rng), std::invalid_argument);
  TransformOptions bad = plain(4);
  bad.std[1] = 0.f;
  EXPECT_ANY_THROW(ImageTransform{bad});
}

// A width x height one-channel image whose byte at (y, x) is 1 + y * width + x.
cv::Mat numbered(int width, int height) {
  cv::Mat image(height, width, CV_8UC1);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      image.at<std::uint8_t>(y, x) = static_cast<std::uint8_t>(1 + y * width + x);
  return image;
}

// The first plane of `out` (size x size) equals src's window at (top, left).
bool isWindow(const std::vector<float>& out, const cv::Mat& src, int size, int top, int left) {
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x)
      if (out[y * size + x] != src.at<std::uint8_t>(y + top, x + left) / 255.0f) return false;
  return true;
}

TEST(Transform, ShorterSideSizeTruncatesAsTorchvision) {
  // torchvision.transforms.Resize(256) on 640x480: (341, 256), the long side truncated.
  EXPECT_EQ(shorterSideSize(640, 480, 256), cv::Size(341, 256));
  EXPECT_EQ(shorterSideSize(480, 640, 256), cv::Size(256, 341));
  EXPECT_EQ(shorterSideSize(28, 28, 37), cv::Size(37, 37));
  EXPECT_EQ(shorterSideSize(100, 299, 232), cv::Size(232, 693));  // 232 * 299 / 100 = 693.68
  EXPECT_EQ(interpolationFromName("bicubic"), Interpolation::Bicubic);
  EXPECT_STREQ(interpolationName(Interpolation::Bilinear), "bilinear");
  EXPECT_THROW(interpolationFromName("nearest"), ft::UserError);
}

TEST(Transform, CentreCropMatchesTorchvisionCenterCrop) {
  // 9 x 6 image, shorter side already 6: no resize. CenterCrop(4): top = int(round(1.0)) = 1,
  // left = int(round(2.5)) = 2 (Python rounds half to even).
  TransformOptions options = plain(4);
  options.resizeSize = 6;
  const ImageTransform transform(options);
  const cv::Mat src = numbered(9, 6);
  const auto out = run(transform, src, 7);
  EXPECT_TRUE(isWindow(out, src, 4, 1, 2));
  // Portrait: 6 wide, 9 high: top = round(2.5) = 2, left = 1.
  const cv::Mat tall = numbered(6, 9);
  EXPECT_TRUE(isWindow(run(transform, tall, 7), tall, 4, 2, 1));
  // Gray replicated to every channel.
  for (int i = 0; i < 16; ++i) ASSERT_EQ(out[i], out[16 + i]);
  // Odd margin 3 x 3 at 7 x 7 -> 4: round(1.5) = 2.
  const cv::Mat square = numbered(7, 7);
  TransformOptions seven = plain(4);
  seven.resizeSize = 7;
  EXPECT_TRUE(isWindow(run(ImageTransform(seven), square, 1), square, 4, 2, 2));
}

TEST(Transform, RandomCropCoversTheResizedImageOnly) {
  TransformOptions options = plain(4);
  options.resizeSize = 6;
  options.augment = true;
  options.cropPadding = 0;
  options.horizontalFlip = false;
  const ImageTransform transform(options);
  const cv::Mat src = numbered(9, 6);
  std::set<std::pair<int, int>> seen;
  for (std::uint64_t seed = 0; seed < 400; ++seed) {
    const auto out = run(transform, src, seed);
    bool found = false;
    for (int top = 0; top <= 2 && !found; ++top)
      for (int left = 0; left <= 5 && !found; ++left)
        if (isWindow(out, src, 4, top, left)) seen.insert({top, left}), found = true;
    ASSERT_TRUE(found) << "seed " << seed << ": the crop left the image";
  }
  EXPECT_EQ(seen.size(), 18u);  // every one of the 3 x 6 positions
}

TEST(Transform, ShrinkingAveragesEachArea) {
  // 8 x 8 -> shorter side 4 (a 2x reduction) then crop 4: each output is its 2 x 2 block's mean.
  cv::Mat src(8, 8, CV_8UC1);
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 8; ++x)
      src.at<std::uint8_t>(y, x) = static_cast<std::uint8_t>(8 * (y / 2 * 4 + x / 2) + 4 * ((x + y) % 2));
  TransformOptions options = plain(4);
  options.resizeSize = 4;
  const auto out = run(ImageTransform(options), src, 1);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x)
      ASSERT_FLOAT_EQ(out[y * 4 + x], (8 * (y * 4 + x) + 2) / 255.0f) << y << "," << x;
  // Enlarging uses the chosen interpolation: bicubic overshoots at an edge, bilinear does not.
  cv::Mat step(4, 4, CV_8UC1, cv::Scalar(0));
  step.colRange(2, 4).setTo(200);
  TransformOptions up = plain(8);
  up.resizeSize = 8;
  const auto linear = run(ImageTransform(up), step, 1);
  up.interpolation = Interpolation::Bicubic;
  const auto cubic = run(ImageTransform(up), step, 1);
  EXPECT_LE(*std::max_element(linear.begin(), linear.begin() + 64), 200 / 255.0f);
  EXPECT_GT(*std::max_element(cubic.begin(), cubic.begin() + 64), 200 / 255.0f);
}

TEST(Transform, RejectsAResizeSmallerThanTheInput) {
  TransformOptions options = plain(32);
  options.resizeSize = 31;
  EXPECT_THROW(ImageTransform{options}, ft::UserError);
  options.resizeSize = 32;
  EXPECT_NO_THROW(ImageTransform{options});
}

TEST(Stats, MeanAndStdOfKnownImages) {
  // Two 2 x 2 gray images: all 0 and all 255 -> mean 0.5, std 0.5 in every channel.
  std::vector<std::uint8_t> pixels = {0, 0, 0, 0, 255, 255, 255, 255};
  auto gray = std::make_shared<InMemoryDataset>(pixels, std::vector<std::uint8_t>{0, 1}, 2, 2, 1,
                                                std::vector<std::string>{"a", "b"}, "gray");
  const ChannelStats stats = computeChannelStats({gray, {0, 1}}, 0, 1);
  EXPECT_EQ(stats.images, 2u);
  for (int c = 0; c < 3; ++c) {
    EXPECT_FLOAT_EQ(stats.mean[c], 0.5f);
    EXPECT_FLOAT_EQ(stats.std[c], 0.5f);
  }
  // One RGB 1 x 2 image: R {0, 255}, G {51, 51}, B {255, 255}.
  auto rgb = std::make_shared<InMemoryDataset>(std::vector<std::uint8_t>{0, 51, 255, 255, 51, 255},
                                               std::vector<std::uint8_t>{0}, 1, 2, 3,
                                               std::vector<std::string>{"a"}, "rgb");
  const ChannelStats colour = computeChannelStats({rgb, {0}}, 0, 1);
  EXPECT_FLOAT_EQ(colour.mean[0], 0.5f);
  EXPECT_FLOAT_EQ(colour.mean[1], 0.2f);
  EXPECT_FLOAT_EQ(colour.mean[2], 1.0f);
  EXPECT_FLOAT_EQ(colour.std[0], 0.5f);
  EXPECT_NEAR(colour.std[1], 0.0f, 1e-6);
  // Subsample: one of the two gray images, chosen by the seed.
  const ChannelStats one = computeChannelStats({gray, {0, 1}}, 1, 3);
  EXPECT_EQ(one.images, 1u);
  EXPECT_TRUE(one.mean[0] == 0.0f || one.mean[0] == 1.0f);
  EXPECT_EQ(computeChannelStats({gray, {0, 1}}, 1, 3).mean, one.mean);
  EXPECT_ANY_THROW(computeChannelStats({gray, {}}, 0, 1));
}

}  // namespace
