// IDX (MNIST / Fashion-MNIST) reader and openData on IDX folders, with generated files.
#include <zlib.h>

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "common/error.h"
#include "data/data_source.h"
#include "data/idx_dataset.h"
#include "test_support.h"
#include "user_error.h"

namespace {

using ft::test::expectUserError;

using ft::UserError;
using namespace ft::data;
namespace fs = std::filesystem;

void putBigEndian(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((value >> shift) & 0xff));
}

std::uint8_t pixelOf(std::size_t image, int y, int x) {
  return static_cast<std::uint8_t>((image * 31 + y * 7 + x * 3) % 256);
}

std::string imageFile(std::uint32_t count, std::uint32_t magic = 2051, int rows = 28, int cols = 28) {
  std::string bytes;
  putBigEndian(bytes, magic);
  putBigEndian(bytes, count);
  putBigEndian(bytes, rows);
  putBigEndian(bytes, cols);
  for (std::uint32_t i = 0; i < count; ++i)
    for (int y = 0; y < rows; ++y)
      for (int x = 0; x < cols; ++x) bytes.push_back(static_cast<char>(pixelOf(i, y, x)));
  return bytes;
}

std::string labelFile(std::uint32_t count, std::uint32_t magic = 2049, int classes = 10) {
  std::string bytes;
  putBigEndian(bytes, magic);
  putBigEndian(bytes, count);
  for (std::uint32_t i = 0; i < count; ++i) bytes.push_back(static_cast<char>(i % classes));
  return bytes;
}

void writeFile(const fs::path& path, const std::string& bytes, bool gz) {
  if (gz) {
    gzFile file = gzopen(path.c_str(), "wb");
    ASSERT_NE(file, nullptr);
    ASSERT_EQ(gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size())),
              static_cast<int>(bytes.size()));
    gzclose(file);
  } else {
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
}

std::string suffix(bool gz) { return gz ? ".gz" : ""; }

// Writes a complete IDX data set: `train` training and `test` test images.
void writeIdxSet(const fs::path& dir, bool gz, std::uint32_t train = 20, std::uint32_t test = 10) {
  writeFile(dir / ("train-images-idx3-ubyte" + suffix(gz)), imageFile(train), gz);
  writeFile(dir / ("train-labels-idx1-ubyte" + suffix(gz)), labelFile(train), gz);
  writeFile(dir / ("t10k-images-idx3-ubyte" + suffix(gz)), imageFile(test), gz);
  writeFile(dir / ("t10k-labels-idx1-ubyte" + suffix(gz)), labelFile(test), gz);
}

class IdxFormat : public ::testing::TestWithParam<bool> {};

TEST_P(IdxFormat, ReadsBackPixelExact) {
  const bool gz = GetParam();
  ft::test::TempDir dir("idx");
  writeIdxSet(dir.path(), gz);
  const auto set = loadIdxDataset(dir.path(), IdxSplit::Train);
  ASSERT_EQ(set->size(), 20u);
  EXPECT_EQ(set->classNames().front(), "0");
  EXPECT_EQ(set->classNames().back(), "9");
  for (std::size_t i = 0; i < set->size(); ++i) {
    EXPECT_EQ(set->label(i), static_cast<int>(i % 10));
    const cv::Mat image = set->image(i);
    ASSERT_EQ(image.type(), CV_8UC1);
    ASSERT_EQ(image.rows, 28);
    ASSERT_EQ(image.cols, 28);
    for (int y = 0; y < 28; ++y)
      for (int x = 0; x < 28; ++x) ASSERT_EQ(image.at<std::uint8_t>(y, x), pixelOf(i, y, x));
  }
  // Headers on one contiguous buffer, no copies.
  EXPECT_EQ(set->image(1).data, set->image(0).data + 28 * 28);
  EXPECT_EQ(set->image(7).data, set->image(7).data);

  const auto test = loadIdxDataset(dir.path(), IdxSplit::Test);
  EXPECT_EQ(test->size(), 10u);
  EXPECT_NE(test->describe().find("(test)"), std::string::npos);
  EXPECT_THROW(set->image(20), std::out_of_range);
}

TEST_P(IdxFormat, WrongImageMagicNamesFile) {
  const bool gz = GetParam();
  ft::test::TempDir dir("idx");
  writeIdxSet(dir.path(), gz);
  writeFile(dir / ("train-images-idx3-ubyte" + suffix(gz)), imageFile(20, 1234), gz);
  expectUserError([&] { loadIdxDataset(dir.path(), IdxSplit::Train); },
                  {"train-images-idx3-ubyte" + suffix(gz), "magic number 1234", "2051", "data.path"});
}

TEST_P(IdxFormat, WrongLabelMagicNamesFile) {
  const bool gz = GetParam();
  ft::test::TempDir dir("idx");
  writeIdxSet(dir.path(), gz);
  writeFile(dir / ("train-labels-idx1-ubyte" + suffix(gz)), labelFile(20, 2051), gz);
  expectUserError([&] { loadIdxDataset(dir.path(), IdxSplit::Train); },
                  {"train-labels-idx1-ubyte" + suffix(gz), "magic number 2051", "2049"});
}

TEST_P(IdxFormat, TruncatedPayloadNamesFile) {
  const bool gz = GetParam();
  ft::test::TempDir dir("idx");
  writeIdxSet(dir.path(), gz);
  std::string images = imageFile(20);
  images.resize(images.size() - 100);
  writeFile(dir / ("train-images-idx3-ubyte" + suffix(gz)), images, gz);
  expectUserError([&] { loadIdxDataset(dir.path(), IdxSplit::Train); },
                  {"train-images-idx3-ubyte" + suffix(gz), "truncated", "20 images", "holds 19"});

  std::string labels = labelFile(20);
  labels.resize(labels.size() - 1);
  writeFile(dir / ("train-images-idx3-ubyte" + suffix(gz)), imageFile(20), gz);
  writeFile(dir / ("train-labels-idx1-ubyte" + suffix(gz)), labels, gz);
  expectUserError([&] { loadIdxDataset(dir.path(), IdxSplit::Train); },
                  {"train-labels-idx1-ubyte" + suffix(gz), "truncated"});
}

TEST_P(IdxFormat, ExtraBytesAreAnError) {
  const bool gz = GetParam();
  ft::test::TempDir dir("idx");
  writeIdxSet(dir.path(), gz);
  writeFile(dir / ("train-images-idx3-ubyte" + suffix(gz)), imageFile(20) + "xyz", gz);
  expectUserError([&] { loadIdxDataset(dir.path(), IdxSplit::Train); },
                  {"train-images-idx3-ubyte" + suffix(gz), "longer than its header"});
}

TEST_P(IdxFormat, LabelOutOfRangeNamesFile) {
  const bool gz = GetParam();
  ft::test::TempDir dir("idx");
  writeIdxSet(dir.path(), gz);
  writeFile(dir / ("train-labels-idx1-ubyte" + suffix(gz)), labelFile(20, 2049, 11), gz);
  expectUserError([&] { loadIdxDataset(dir.path(), IdxSplit::Train); },
                  {"train-labels-idx1-ubyte" + suffix(gz), "label 10", "sample 10", "out of range"});
}

TEST_P(IdxFormat, CountMismatchNamesBothFiles) {
  const bool gz = GetParam();
  ft::test::TempDir dir("idx");
  writeIdxSet(dir.path(), gz);
  writeFile(dir / ("train-labels-idx1-ubyte" + suffix(gz)), labelFile(19), gz);
  expectUserError([&] { loadIdxDataset(dir.path(), IdxSplit::Train); },
                  {"train-labels-idx1-ubyte" + suffix(gz), "19 labels", "20 images",
                   "train-images-idx3-ubyte"});
}

TEST_P(IdxFormat, TooShortForHeader) {
  const bool gz = GetParam();
  ft::test::TempDir dir("idx");
  writeIdxSet(dir.path(), gz);
  writeFile(dir / ("train-images-idx3-ubyte" + suffix(gz)), std::string("\0\0\x08", 3), gz);
  expectUserError([&] { loadIdxDataset(dir.path(), IdxSplit::Train); },
                  {"train-images-idx3-ubyte" + suffix(gz), "too short"});
}

INSTANTIATE_TEST_SUITE_P(GzAndRaw, IdxFormat, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "gz" : "raw"; });

TEST(IdxDataset, DamagedGzipStreamNamesFile) {
  ft::test::TempDir dir("idx");
  writeIdxSet(dir.path(), true);
  const fs::path file = dir / "train-images-idx3-ubyte.gz";
  std::string bytes;
  {
    std::ifstream in(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  bytes.resize(bytes.size() / 2);  // compressed stream cut in the middle
  std::ofstream(file, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  expectUserError([&] { loadIdxDataset(dir.path(), IdxSplit::Train); }, {"train-images-idx3-ubyte.gz"});
}

TEST(IdxDataset, ImplausibleDimensionsRejectedBeforeAllocating) {
  ft::test::TempDir dir("idx");
  writeIdxSet(dir.path(), false);
  std::string header;
  putBigEndian(header, 2051);
  putBigEndian(header, 0xffffffffu);
  putBigEndian(header, 28);
  putBigEndian(header, 28);
  writeFile(dir / "train-images-idx3-ubyte", header + std::string(100, '\0'), false);
  // Count mismatch with the labels (20) is reported; nothing huge is allocated.
  expectUserError([&] { loadIdxDataset(dir.path(), IdxSplit::Train); },
                  {"train-labels-idx1-ubyte", "4294967295 images"});
  std::string zeroRows;
  putBigEndian(zeroRows, 2051);
  putBigEndian(zeroRows, 20);
  putBigEndian(zeroRows, 0);
  putBigEndian(zeroRows, 28);
  writeFile(dir / "train-images-idx3-ubyte", zeroRows, false);
  expectUserError([&] { loadIdxDataset(dir.path(), IdxSplit::Train); },
                  {"train-images-idx3-ubyte", "implausible image size"});
}

// Peak resident memory, in the current process, of `action`, in MiB (-1 when unmeasurable).
// Runs it in a forked child so that the test process's own peak does not count.
long peakMebibytesOf(const std::function<void()>& action) {
  int pipeFds[2];
  if (::pipe(pipeFds) != 0) return -1;
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(pipeFds[0]);
    auto statusField = [](const char* field) {
      std::ifstream status("/proc/self/status");
      std::string line;
      while (std::getline(status, line))
        if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::string(field).size()));
      return -1L;
    };
    std::ofstream("/proc/self/clear_refs") << "5";  // resets VmHWM to the current VmRSS
    const long before = statusField("VmRSS:");
    try {
      action();
    } catch (...) {
    }
    const long peak = statusField("VmHWM:");
    const long delta = before < 0 || peak < 0 ? -1 : (peak - before) / 1024;
    [[maybe_unused]] auto written = ::write(pipeFds[1], &delta, sizeof delta);
    ::_exit(0);
  }
  ::close(pipeFds[1]);
  long delta = -1;
  if (::read(pipeFds[0], &delta, sizeof delta) != sizeof delta) delta = -1;
  ::close(pipeFds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  return delta;
}

// Issue 14, item 8: a small gzip file that inflates to a large payload is read in bounded
// chunks into one buffer of the final size; the vector that doubled as data arrived peaked
// at 1.75-3x the payload before the clean error.
TEST(IdxDataset, LargePayloadPeaksNearItsSize) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer keeps freed memory in quarantine";
#endif
  ft::test::TempDir dir("idx-large");
  writeIdxSet(dir.path(), true);
  // One 16384 x 16384 image (256 MiB of zeros, ~256 KiB compressed) and one byte too many.
  std::string header;
  putBigEndian(header, 2051);
  putBigEndian(header, 1);
  putBigEndian(header, 16384);
  putBigEndian(header, 16384);
  {
    gzFile file = gzopen((dir / "train-images-idx3-ubyte.gz").c_str(), "wb");
    ASSERT_NE(file, nullptr);
    gzwrite(file, header.data(), unsigned(header.size()));
    const std::string zeros(1 << 20, '\0');
    for (int i = 0; i < 256; ++i) ASSERT_EQ(gzwrite(file, zeros.data(), unsigned(zeros.size())), 1 << 20);
    gzwrite(file, "x", 1);
    gzclose(file);
  }
  writeFile(dir / "train-labels-idx1-ubyte.gz", labelFile(1), true);
  expectUserError([&] { loadIdxDataset(dir.path(), IdxSplit::Train); },
                  {"train-images-idx3-ubyte.gz", "longer than its header says"});
  const long peak = peakMebibytesOf([&] { loadIdxDataset(dir.path(), IdxSplit::Train); });
  if (peak < 0) GTEST_SKIP() << "no /proc/self/status here";
  EXPECT_LT(peak, 256 * 3 / 2) << "MiB at the peak for a 256-MiB payload";
  EXPECT_GE(peak, 200) << "the measurement saw the payload";
}

TEST(IdxDataset, ClassNamesFollowFolderName) {
  ft::test::TempDir dir("idx");
  const fs::path fashion = dir / "My-FASHION-set";
  fs::create_directories(fashion);
  writeIdxSet(fashion, true);
  const auto set = loadIdxDataset(fashion, IdxSplit::Train);
  ASSERT_EQ(set->classNames().size(), 10u);
  EXPECT_EQ(set->classNames()[0], "T-shirt/top");
  EXPECT_EQ(set->classNames()[9], "Ankle boot");
  EXPECT_NE(set->describe().find("Fashion-MNIST"), std::string::npos);

  const fs::path digits = dir / "mnist";
  fs::create_directories(digits);
  writeIdxSet(digits, false);
  EXPECT_EQ(loadIdxDataset(digits, IdxSplit::Train)->classNames()[3], "3");
}

TEST(IdxDataset, DottedFileNamesAreFound) {
  ft::test::TempDir dir("idx");
  writeFile(dir / "train-images.idx3-ubyte", imageFile(5), false);
  writeFile(dir / "train-labels.idx1-ubyte", labelFile(5), false);
  EXPECT_EQ(loadIdxDataset(dir.path(), IdxSplit::Train)->size(), 5u);
  EXPECT_EQ(detectFormat(dir.path()), "idx");
}

// ---- openData on IDX folders ----

ft::config::DataConfig idxConfig(const fs::path& path) {
  ft::config::DataConfig config;
  config.path = path.string();
  return config;
}

TEST(IdxOpenData, AutoDetectsAndUsesTestSplit) {
  ft::test::TempDir dir("idx");
  writeIdxSet(dir.path(), true, 40, 10);
  EXPECT_EQ(detectFormat(dir.path()), "idx");
  const OpenedData data = openData(idxConfig(dir.path()), 7);
  EXPECT_EQ(data.train.indices.size(), 40u);
  EXPECT_EQ(data.validation.indices.size(), 10u);
  EXPECT_NE(data.train.dataset, data.validation.dataset);
  ASSERT_EQ(data.classNames.size(), 10u);
  EXPECT_EQ(data.report.classNames, data.classNames);
  EXPECT_EQ(data.report.imagesPerClass, std::vector<std::size_t>(10, 4));
  EXPECT_TRUE(data.report.warnings.empty());
  EXPECT_NE(data.description.find("MNIST IDX"), std::string::npos) << data.description;
  EXPECT_NE(data.description.find("40 training images"), std::string::npos) << data.description;
}

TEST(IdxOpenData, MissingTestFilesSuggestSplit) {
  ft::test::TempDir dir("idx");
  writeIdxSet(dir.path(), true);
  fs::remove(dir / "t10k-labels-idx1-ubyte.gz");
  expectUserError([&] { openData(idxConfig(dir.path()), 1); },
                  {dir.path().string(), "t10k-labels-idx1-ubyte", "\"split\""});
  auto config = idxConfig(dir.path());
  config.validation = "split";
  config.validationPercent = 50;
  const OpenedData data = openData(config, 1);
  EXPECT_EQ(data.train.indices.size(), 10u);
  EXPECT_EQ(data.validation.indices.size(), 10u);
}

TEST(IdxOpenData, StratifiedSeededDisjointSplit) {
  ft::test::TempDir dir("idx");
  writeIdxSet(dir.path(), false, 200, 10);
  auto config = idxConfig(dir.path());
  config.validation = "split";
  config.validationPercent = 10;
  const OpenedData a = openData(config, 42);
  const OpenedData b = openData(config, 42);
  const OpenedData c = openData(config, 43);
  EXPECT_EQ(a.train.dataset, a.validation.dataset);
  ASSERT_EQ(a.validation.indices.size(), 20u);
  ASSERT_EQ(a.train.indices.size(), 180u);
  EXPECT_EQ(a.report.imagesPerClass, std::vector<std::size_t>(10, 18));
  std::vector<int> perClass(10, 0);
  for (const auto i : a.validation.indices) ++perClass[a.validation.dataset->label(i)];
  EXPECT_EQ(perClass, std::vector<int>(10, 2));
  std::set<std::size_t> all(a.train.indices.begin(), a.train.indices.end());
  for (const auto i : a.validation.indices) EXPECT_TRUE(all.insert(i).second) << "overlap " << i;
  EXPECT_EQ(all.size(), 200u);
  EXPECT_EQ(a.validation.indices, b.validation.indices);
  EXPECT_EQ(a.train.indices, b.train.indices);
  EXPECT_NE(a.validation.indices, c.validation.indices);
}

TEST(IdxOpenData, LimitsAreStratifiedAndSeeded) {
  ft::test::TempDir dir("idx");
  writeIdxSet(dir.path(), false, 200, 100);
  auto config = idxConfig(dir.path());
  config.trainLimit = 30;
  config.validationLimit = 20;
  const OpenedData a = openData(config, 5);
  ASSERT_EQ(a.train.indices.size(), 30u);
  ASSERT_EQ(a.validation.indices.size(), 20u);
  EXPECT_EQ(a.report.imagesPerClass, std::vector<std::size_t>(10, 3));
  EXPECT_TRUE(std::is_sorted(a.train.indices.begin(), a.train.indices.end()));
  EXPECT_EQ(openData(config, 5).train.indices, a.train.indices);
  EXPECT_NE(openData(config, 6).train.indices, a.train.indices);
  config.trainLimit = 1000;  // more than there is: everything
  EXPECT_EQ(openData(config, 5).train.indices.size(), 200u);
}

TEST(IdxOpenData, BadSettingsNameTheField) {
  ft::test::TempDir dir("idx");
  writeIdxSet(dir.path(), false);
  auto config = idxConfig(dir.path());
  config.format = "parquet";
  expectUserError([&] { openData(config, 1); }, {"data.format", "parquet"});
  config.format = "idx";
  config.validation = "magic";
  expectUserError([&] { openData(config, 1); }, {"data.validation", "magic"});
  config.validation = "folder";
  expectUserError([&] { openData(config, 1); }, {"data.validation_path"});
  config.format = "cifar10";
  config.validation = "test_split";
  expectUserError([&] { openData(config, 1); }, {"data_batch_1.bin"});
  config = idxConfig(dir / "nowhere");
  expectUserError([&] { openData(config, 1); }, {"nowhere", "does not exist"});
}

}  // namespace
