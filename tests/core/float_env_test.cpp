// Denormals flushed to zero (issue 12) in every thread that computes: the calling thread,
// LibTorch's intra-op pool (also one created before the setting), the loader's workers and
// the trainer's thread. These check behaviour (a denormal operand reads as zero), which holds
// on any x86 CPU, also where denormals are cheap.
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include <ATen/Parallel.h>  // at::get_num_threads
#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <torch/torch.h>

#include "common/float_env.h"
#include "config/run_config.h"
#include "data/loader.h"
#include "train/device.h"
#include "train/loader_options.h"
#include "train/trainer.h"
#include "test_support.h"
#include "training_support.h"
#include "tiny_run.h"

using namespace ft;

namespace {

#if defined(__x86_64__) || defined(__i386__)
constexpr bool kHasControl = true;
#else
constexpr bool kHasControl = false;
#endif

// Runs `body` on a new thread whose bits start as `flushing` (a thread inherits its creator's).
template <typename Body>
void onFreshThread(bool flushing, Body body) {
  std::thread([&] {
    setFlushDenormals(flushing);
    body();
  }).join();
}

// Every intra-op pool thread's answer, and how many distinct threads answered.
struct PoolAnswer {
  int flushed = 0, notFlushed = 0;
  std::size_t threads = 0;
};
PoolAnswer askThePool() {
  std::mutex mutex;
  std::set<std::thread::id> ids;
  PoolAnswer answer;
  train::forEachPoolThread([&] {
    const bool flushed = denormalsFlushedHere();
    std::lock_guard<std::mutex> lock(mutex);
    ids.insert(std::this_thread::get_id());
    (flushed ? answer.flushed : answer.notFlushed)++;
  });
  answer.threads = ids.size();
  return answer;
}

TEST(FloatEnvironment, TheCallingThread) {
  if (!kHasControl) GTEST_SKIP() << "no FTZ/DAZ control on this CPU";
  onFreshThread(false, [] {
    EXPECT_FALSE(flushDenormalsSet());
    EXPECT_FALSE(denormalsFlushedHere()) << "denormals are kept by default";
    setFlushDenormals(true);
    EXPECT_TRUE(flushDenormalsSet());
    EXPECT_TRUE(denormalsFlushedHere());
    setFlushDenormals(false);
    EXPECT_FALSE(denormalsFlushedHere());
  });
}

TEST(FloatEnvironment, NewThreadsInheritTheCreatorsBits) {
  if (!kHasControl) GTEST_SKIP() << "no FTZ/DAZ control on this CPU";
  for (const bool flushing : {true, false})
    onFreshThread(flushing, [&] {
      bool child = !flushing;
      std::thread([&] { child = denormalsFlushedHere(); }).join();
      EXPECT_EQ(child, flushing);
    });
}

// The pool exists (created with denormals kept) before the setting: applyFloatEnvironment
// reaches its threads from inside a parallel region.
TEST(FloatEnvironment, IntraOpPoolCreatedBeforeTheSetting) {
  if (!kHasControl) GTEST_SKIP() << "no FTZ/DAZ control on this CPU";
  train::applyThreadCount(2);
  onFreshThread(false, [] {
    const auto before = askThePool();
    EXPECT_EQ(before.flushed, 0);
    EXPECT_GE(before.threads, 2u) << "the pool should have two threads";
    EXPECT_EQ(train::applyFloatEnvironment(true), at::get_num_threads());
    const auto after = askThePool();
    EXPECT_EQ(after.notFlushed, 0) << "a pool thread keeps denormals";
    EXPECT_EQ(after.flushed, at::get_num_threads());
    EXPECT_TRUE(denormalsFlushedHere());
    train::applyFloatEnvironment(false);
    EXPECT_EQ(askThePool().flushed, 0);
  });
}

// A data set that records, on the thread that decodes, whether denormals are flushed there.
class ProbingDataset : public data::Dataset {
 public:
  mutable std::atomic<int> flushed{0}, kept{0};
  mutable std::mutex mutex;
  mutable std::set<std::thread::id> threads;
  std::size_t size() const override { return 64; }
  int label(std::size_t index) const override { return int(index % 2); }
  cv::Mat image(std::size_t) const override {
    (denormalsFlushedHere() ? flushed : kept)++;
    std::lock_guard<std::mutex> lock(mutex);
    threads.insert(std::this_thread::get_id());
    return cv::Mat(8, 8, CV_8UC1, cv::Scalar(7));
  }
  const std::vector<std::string>& classNames() const override { return m_names; }
  std::string describe() const override { return "probe"; }

 private:
  std::vector<std::string> m_names{"a", "b"};
};

TEST(FloatEnvironment, LoaderWorkersFollowTheirOption) {
  if (!kHasControl) GTEST_SKIP() << "no FTZ/DAZ control on this CPU";
  for (const bool option : {true, false}) {
    // The creating thread has the opposite bits: the workers' come from the option.
    onFreshThread(!option, [&] {
      auto probe = std::make_shared<ProbingDataset>();
      data::DataView view{probe, {}};
      for (std::size_t i = 0; i < probe->size(); ++i) view.indices.push_back(i);
      data::LoaderOptions options;
      options.batchSize = 8;
      options.workers = 2;
      options.flushDenormals = option;
      options.transform.inputSize = 8;
      data::BatchLoader loader(view, options);
      loader.startEpoch(0);
      while (loader.next()) {
      }
      EXPECT_EQ(option ? probe->flushed.load() : probe->kept.load(), 64) << "option " << option;
      EXPECT_FALSE(probe->threads.count(std::this_thread::get_id())) << "decoded on the workers";
    });
  }
  config::RunConfig c;
  data::TransformOptions transform;
  EXPECT_TRUE(train::trainingLoaderOptions(c, transform).flushDenormals);
  c.device.flushDenormals = false;
  EXPECT_FALSE(train::trainingLoaderOptions(c, transform).flushDenormals);
  EXPECT_FALSE(train::validationLoaderOptions(c, transform).flushDenormals);
}

// What the trainer's own thread and its pool see while training: on by default, off when
// device.flush_denormals is false.
class FloatProbe : public test::Recorder {
 public:
  int trainerFlushed = 0, trainerKept = 0, poolThreads = 0;
  PoolAnswer pool;
  void onIteration(const run::IterationEvent& e) override {
    Recorder::onIteration(e);
    (denormalsFlushedHere() ? trainerFlushed : trainerKept)++;
    const auto answer = askThePool();
    pool.flushed += answer.flushed;
    pool.notFlushed += answer.notFlushed;
    poolThreads += at::get_num_threads();
  }
};

TEST(FloatEnvironment, TrainerThreadAndItsPool) {
  if (!kHasControl) GTEST_SKIP() << "no FTZ/DAZ control on this CPU";
  test::TempDir dir("float-env");
  test::writeSyntheticIdx(dir / "data", 40, 20);
  for (const bool flush : {true, false}) {
    auto c = test::tinyRunConfig(dir.path(), flush ? "flush" : "keep");
    c.train.epochs = 1;
    c.train.freezeEpochs = 0;
    c.train.batchSize = 16;
    c.device.threads = 2;
    c.device.flushDenormals = flush;
    FloatProbe probe;
    onFreshThread(!flush, [&] {
      const auto done = train::Trainer(c, &probe).run();
      EXPECT_EQ(done.status, run::FinishStatus::Completed) << done.message;
    });
    ASSERT_EQ(probe.iterations.size(), 3u);
    EXPECT_EQ(flush ? probe.trainerFlushed : probe.trainerKept, 3) << "flush " << flush;
    EXPECT_EQ(flush ? probe.pool.flushed : probe.pool.notFlushed, probe.poolThreads) << flush;
    EXPECT_EQ(probe.poolThreads, 3 * 2);
    EXPECT_EQ(probe.logsContaining("not flushed"), flush ? 0 : 1);
  }
}

}  // namespace
