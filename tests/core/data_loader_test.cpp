// BatchLoader: coverage, ordering, determinism across worker counts, resuming, shutdown,
// error propagation and the prefetch bound.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <opencv2/imgcodecs.hpp>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "common/error.h"
#include "data/image_folder_dataset.h"
#include "data/in_memory_dataset.h"
#include "data/loader.h"
#include "test_support.h"

namespace {

using namespace ft::data;
using namespace std::chrono_literals;

// n gray 4 x 4 images; image i is filled with value i (so a batch tells which samples it
// holds), label i % 10.
DatasetPtr numbered(std::size_t n) {
  std::vector<std::uint8_t> pixels, labels;
  for (std::size_t i = 0; i < n; ++i) {
    pixels.insert(pixels.end(), 16, static_cast<std::uint8_t>(i));
    labels.push_back(static_cast<std::uint8_t>(i % 10));
  }
  std::vector<std::string> names;
  for (int c = 0; c < 10; ++c) names.push_back(std::to_string(c));
  return std::make_shared<InMemoryDataset>(pixels, labels, 4, 4, 1, names, "numbered");
}

// n random RGB 8 x 8 images (augmentation has something to move).
DatasetPtr noisy(std::size_t n) {
  std::vector<std::uint8_t> pixels(n * 8 * 8 * 3), labels;
  cv::Mat all(1, static_cast<int>(pixels.size()), CV_8UC1, pixels.data());
  cv::randu(all, 0, 256);
  for (std::size_t i = 0; i < n; ++i) labels.push_back(static_cast<std::uint8_t>(i % 3));
  return std::make_shared<InMemoryDataset>(pixels, labels, 8, 8, 3, std::vector<std::string>{"a", "b", "c"},
                                           "noisy");
}

// Wraps a data set: counts decodes, optionally sleeps, optionally fails at one index.
class Instrumented : public Dataset {
 public:
  Instrumented(DatasetPtr inner, std::chrono::microseconds delay = 0us, long failAt = -1,
               bool userError = true)
      : m_inner(std::move(inner)), m_delay(delay), m_failAt(failAt), m_userError(userError) {}
  std::size_t size() const override { return m_inner->size(); }
  int label(std::size_t i) const override { return m_inner->label(i); }
  cv::Mat image(std::size_t i) const override {
    ++decoded;
    if (m_delay.count() > 0) std::this_thread::sleep_for(m_delay);
    if (static_cast<long>(i) == m_failAt) {
      if (m_userError)
        throw ft::UserError("/data/broken/file_" + std::to_string(i) + ".png: cannot decode image");
      throw std::runtime_error("disk on fire");
    }
    return m_inner->image(i);
  }
  const std::vector<std::string>& classNames() const override { return m_inner->classNames(); }
  std::string describe() const override { return "instrumented " + m_inner->describe(); }
  mutable std::atomic<int> decoded{0};

 private:
  DatasetPtr m_inner;
  std::chrono::microseconds m_delay;
  long m_failAt;
  bool m_userError;
};

DataView viewOf(DatasetPtr set) {
  std::vector<std::size_t> indices(set->size());
  for (std::size_t i = 0; i < indices.size(); ++i) indices[i] = i;
  return {std::move(set), std::move(indices)};
}

LoaderOptions plainOptions(int batch, int workers) {
  LoaderOptions options;
  options.batchSize = batch;
  options.workers = workers;
  options.prefetch = 2;
  options.seed = 11;
  options.transform.inputSize = 4;
  options.transform.augment = false;
  options.transform.mean = {0.f, 0.f, 0.f};
  options.transform.std = {1.f, 1.f, 1.f};
  return options;
}

// Sample ids of one epoch, in delivery order (numbered() data sets only).
std::vector<int> epochIds(BatchLoader& loader, int epoch, std::size_t firstBatch = 0) {
  loader.startEpoch(epoch, firstBatch);
  std::vector<int> ids;
  std::size_t expectedIndex = firstBatch;
  while (auto batch = loader.next()) {
    EXPECT_EQ(batch->index, expectedIndex++);
    const auto images = batch->images;
    EXPECT_EQ(images.dim(), 4);
    EXPECT_EQ(images.size(1), 3);
    EXPECT_EQ(images.scalar_type(), torch::kFloat32);
    EXPECT_EQ(batch->labels.scalar_type(), torch::kInt64);
    for (std::int64_t i = 0; i < images.size(0); ++i) {
      const int id = static_cast<int>(std::lround(images[i][2][3][1].item<float>() * 255.0f));
      EXPECT_EQ(batch->labels[i].item<std::int64_t>(), id % 10);
      ids.push_back(id);
    }
  }
  return ids;
}

// Runs `body` on a thread and fails the whole program if it does not finish in time.
template <typename Body>
void withinSeconds(int seconds, Body body) {
  auto done = std::async(std::launch::async, body);
  if (done.wait_for(std::chrono::seconds(seconds)) != std::future_status::ready) {
    std::fprintf(stderr, "deadlock: did not finish within %d s\n", seconds);
    std::_Exit(3);
  }
  done.get();
}

TEST(Loader, CoversEverySampleOncePerEpoch) {
  for (const int workers : {0, 1, 3}) {
    BatchLoader loader(viewOf(numbered(103)), plainOptions(10, workers));
    EXPECT_EQ(loader.batchesPerEpoch(), 11u);
    EXPECT_EQ(loader.samplesPerEpoch(), 103u);
    for (int epoch = 0; epoch < 2; ++epoch) {
      auto ids = epochIds(loader, epoch);
      ASSERT_EQ(ids.size(), 103u);
      std::sort(ids.begin(), ids.end());
      for (int i = 0; i < 103; ++i) ASSERT_EQ(ids[i], i) << "workers " << workers;
    }
    EXPECT_FALSE(loader.next().has_value());  // stays at the end
    EXPECT_FALSE(loader.next().has_value());
  }
}

TEST(Loader, DropLastAndSubsetViews) {
  auto options = plainOptions(10, 2);
  options.dropLast = true;
  BatchLoader loader(viewOf(numbered(103)), options);
  EXPECT_EQ(loader.batchesPerEpoch(), 10u);
  EXPECT_EQ(loader.samplesPerEpoch(), 100u);
  const auto ids = epochIds(loader, 0);
  EXPECT_EQ(ids.size(), 100u);
  EXPECT_EQ(std::set<int>(ids.begin(), ids.end()).size(), 100u);

  DataView odd{numbered(50), {}};
  for (std::size_t i = 1; i < 50; i += 2) odd.indices.push_back(i);
  BatchLoader subset(odd, plainOptions(7, 2));
  auto got = epochIds(subset, 3);
  std::sort(got.begin(), got.end());
  ASSERT_EQ(got.size(), 25u);
  for (std::size_t k = 0; k < got.size(); ++k) EXPECT_EQ(got[k], static_cast<int>(2 * k + 1));

  BatchLoader empty(DataView{numbered(5), {}}, plainOptions(4, 2));
  EXPECT_EQ(empty.batchesPerEpoch(), 0u);
  empty.startEpoch(0);
  EXPECT_FALSE(empty.next().has_value());
}

TEST(Loader, OrderIsSeededPerEpoch) {
  BatchLoader loader(viewOf(numbered(100)), plainOptions(16, 2));
  const auto e0 = epochIds(loader, 0);
  const auto e1 = epochIds(loader, 1);
  EXPECT_NE(e0, e1);
  EXPECT_EQ(epochIds(loader, 0), e0);
  auto other = plainOptions(16, 2);
  other.seed = 12;
  BatchLoader reseeded(viewOf(numbered(100)), other);
  EXPECT_NE(epochIds(reseeded, 0), e0);

  auto ordered = plainOptions(16, 2);
  ordered.shuffle = false;
  BatchLoader sequential(viewOf(numbered(100)), ordered);
  const auto ids = epochIds(sequential, 5);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(ids[i], i);
}

std::vector<Batch> collect(BatchLoader& loader, int epoch, std::size_t firstBatch = 0) {
  loader.startEpoch(epoch, firstBatch);
  std::vector<Batch> batches;
  while (auto batch = loader.next()) batches.push_back(*batch);
  return batches;
}

TEST(Loader, SameSeedSameBatchesWhateverTheWorkers) {
  const DatasetPtr set = noisy(70);
  LoaderOptions options;
  options.batchSize = 8;
  options.seed = 3;
  options.prefetch = 3;
  options.transform.inputSize = 8;
  options.transform.augment = true;
  options.transform.cropPadding = 2;
  std::vector<std::vector<Batch>> byWorkers;
  for (const int workers : {0, 1, 3}) {
    options.workers = workers;
    BatchLoader loader(viewOf(set), options);
    byWorkers.push_back(collect(loader, 0));
    auto epoch1 = collect(loader, 1);
    byWorkers.back().insert(byWorkers.back().end(), epoch1.begin(), epoch1.end());
  }
  ASSERT_EQ(byWorkers[0].size(), 18u);
  for (std::size_t w = 1; w < byWorkers.size(); ++w) {
    ASSERT_EQ(byWorkers[w].size(), byWorkers[0].size());
    for (std::size_t b = 0; b < byWorkers[0].size(); ++b) {
      ASSERT_TRUE(torch::equal(byWorkers[w][b].images, byWorkers[0][b].images)) << w << " " << b;
      ASSERT_TRUE(torch::equal(byWorkers[w][b].labels, byWorkers[0][b].labels));
    }
  }
  // Augmentation differs between epochs (same first sample order is unlikely anyway).
  EXPECT_FALSE(torch::equal(byWorkers[0][0].images, byWorkers[0][9].images));
}

TEST(Loader, ResumingAtABatchGivesTheSameTail) {
  const DatasetPtr set = noisy(60);
  LoaderOptions options;
  options.batchSize = 7;
  options.workers = 2;
  options.transform.inputSize = 8;
  BatchLoader loader(viewOf(set), options);
  const auto full = collect(loader, 4);
  ASSERT_EQ(full.size(), 9u);
  for (const int workers : {0, 2}) {
    options.workers = workers;
    BatchLoader resumed(viewOf(set), options);
    const auto tail = collect(resumed, 4, 5);
    ASSERT_EQ(tail.size(), 4u);
    for (std::size_t k = 0; k < tail.size(); ++k) {
      EXPECT_EQ(tail[k].index, 5 + k);
      ASSERT_TRUE(torch::equal(tail[k].images, full[5 + k].images));
      ASSERT_TRUE(torch::equal(tail[k].labels, full[5 + k].labels));
    }
  }
  EXPECT_TRUE(collect(loader, 4, 100).empty());  // past the end: nothing
}

TEST(Loader, RecyclesBatchMemoryButNeverUnderAHeldBatch) {
  for (const int workers : {0, 2}) {
    BatchLoader loader(viewOf(numbered(100)), plainOptions(10, workers));
    loader.startEpoch(0);
    auto held = loader.next();
    const torch::Tensor heldCopy = held->images.clone();
    const torch::Tensor view = loader.next()->images.narrow(0, 2, 3);  // a view keeps it too
    const torch::Tensor viewCopy = view.clone();
    std::set<const void*> buffers;
    while (auto batch = loader.next()) buffers.insert(batch->images.data_ptr());
    EXPECT_TRUE(torch::equal(held->images, heldCopy)) << "workers " << workers;
    EXPECT_TRUE(torch::equal(view, viewCopy)) << "workers " << workers;
    EXPECT_EQ(buffers.count(held->images.data_ptr()), 0u);
    EXPECT_LT(buffers.size(), 8u);  // 8 batches went through a handful of buffers
  }
}

TEST(Loader, StoppingMidEpochDoesNotHang) {
  withinSeconds(20, [] {
    for (const int workers : {1, 3}) {
      auto slow = std::make_shared<Instrumented>(numbered(200), 300us);
      auto options = plainOptions(16, workers);
      options.prefetch = 2;
      {
        BatchLoader loader(viewOf(slow), options);
        loader.startEpoch(0);
        ASSERT_TRUE(loader.next().has_value());
        // Restart while workers are busy, several times, then destroy mid-epoch.
        for (int epoch = 1; epoch < 4; ++epoch) {
          loader.startEpoch(epoch, 2);
          const auto batch = loader.next();
          ASSERT_TRUE(batch.has_value());
          EXPECT_EQ(batch->index, 2u);
        }
      }
      {
        BatchLoader never(viewOf(slow), options);
        never.startEpoch(0);  // destroyed without a single next()
      }
    }
  });
}

TEST(Loader, PrefetchIsBounded) {
  auto counted = std::make_shared<Instrumented>(numbered(200));
  auto options = plainOptions(4, 2);
  options.prefetch = 3;
  BatchLoader loader(viewOf(counted), options);
  loader.startEpoch(0);
  std::this_thread::sleep_for(200ms);
  // At most max(prefetch, workers) = 3 batches of 4 are made ahead of the consumer.
  EXPECT_EQ(counted->decoded.load(), 12);
  ASSERT_TRUE(loader.next().has_value());
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(counted->decoded.load(), 16);
}

TEST(Loader, WorkerErrorsSurfaceInOrder) {
  for (const int workers : {0, 2}) {
    auto failing = std::make_shared<Instrumented>(numbered(40), 0us, 17);
    auto options = plainOptions(5, workers);
    options.shuffle = false;  // sample 17 lives in batch 3
    BatchLoader loader(viewOf(failing), options);
    loader.startEpoch(0);
    for (int b = 0; b < 3; ++b) ASSERT_TRUE(loader.next().has_value());
    try {
      loader.next();
      ADD_FAILURE() << "expected ft::UserError";
    } catch (const ft::UserError& e) {
      EXPECT_NE(std::string(e.what()).find("/data/broken/file_17.png"), std::string::npos) << e.what();
    }
    // The epoch goes on after the bad batch.
    const auto after = loader.next();
    ASSERT_TRUE(after.has_value());
    EXPECT_EQ(after->index, 4u);
  }
  auto other = std::make_shared<Instrumented>(numbered(10), 0us, 2, false);
  BatchLoader loader(viewOf(other), plainOptions(5, 1));
  loader.startEpoch(0);
  try {
    loader.next();
    ADD_FAILURE() << "expected ft::UserError";
  } catch (const ft::UserError& e) {
    EXPECT_NE(std::string(e.what()).find("instrumented numbered"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("disk on fire"), std::string::npos) << e.what();
  }
}

// A file that cannot be decoded any more (here: deleted after the scan) does not end the epoch
// (issue 14): its sample comes as a blank image labelled kSkippedLabel, in its place, and the
// loader names the file once.
TEST(Loader, ImageFileThatVanishedIsSkippedAndNamed) {
  ft::test::TempDir dir("loader");
  for (int i = 0; i < 6; ++i) {
    std::filesystem::create_directories(dir / "c");
    cv::imwrite((dir / "c" / (std::to_string(i) + ".png")).string(), cv::Mat(5, 5, CV_8UC3, cv::Scalar(i)));
  }
  auto set = ImageFolderDataset::open(dir.path());
  std::filesystem::remove(dir / "c" / "4.png");
  BatchLoader loader(viewOf(set), plainOptions(3, 2));
  for (int epoch = 0; epoch < 2; ++epoch) {
    loader.startEpoch(epoch);
    std::vector<std::int64_t> labels;
    std::int64_t samples = 0;
    while (auto batch = loader.next()) {
      samples += batch->labels.size(0);
      for (std::int64_t i = 0; i < batch->labels.size(0); ++i)
        labels.push_back(batch->labels[i].item<std::int64_t>());
    }
    EXPECT_EQ(samples, 6);
    EXPECT_EQ(std::count(labels.begin(), labels.end(), ft::data::kSkippedLabel), 1);
  }
  const auto skipped = loader.skippedImages();
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_NE(skipped[0].path.find("4.png"), std::string::npos) << skipped[0].path;
  EXPECT_NE(skipped[0].message.find("cannot decode"), std::string::npos) << skipped[0].message;
  EXPECT_EQ(loader.skippedCount(), 1u);
}

TEST(Loader, WaitSecondsMeasuresStarvation) {
  auto slow = std::make_shared<Instrumented>(numbered(16), 2ms);
  BatchLoader loader(viewOf(slow), plainOptions(4, 1));
  loader.startEpoch(0);
  while (loader.next()) {
  }
  EXPECT_GT(loader.waitSeconds(), 0.015);  // 16 decodes of 2 ms, mostly waited for
  loader.startEpoch(1);
  EXPECT_EQ(loader.waitSeconds(), 0.0);
}

TEST(Loader, ImplicitFirstEpochAndBadBatchSize) {
  BatchLoader loader(viewOf(numbered(12)), plainOptions(5, 2));
  const auto batch = loader.next();  // no startEpoch: epoch 0
  ASSERT_TRUE(batch.has_value());
  EXPECT_EQ(batch->images.size(0), 5);
  EXPECT_THROW(BatchLoader(viewOf(numbered(3)), plainOptions(0, 1)), ft::UserError);
}

}  // namespace
