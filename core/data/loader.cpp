#include "data/loader.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <numeric>
#include <thread>

#include "common/error.h"
#include "common/float_env.h"
#include "data/random.h"

namespace ft::data {

namespace {
using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}
}  // namespace

// Threads claim whole batches in increasing order, at most `window` batches ahead of the
// consumer (claimed + ready <= window), and file them under their index; next() hands them
// out strictly in order. Every random choice is derived from (seed, epoch, position), so which
// thread made a batch never matters.
struct BatchLoader::Impl {
  struct Slot {
    Batch batch;
    std::exception_ptr error;
  };

  DataView view;
  LoaderOptions options;
  ImageTransform transform;
  std::size_t batchSize;
  std::size_t window;
  std::size_t batches = 0;
  std::size_t samples = 0;

  bool started = false;
  int epoch = 0;
  std::vector<std::size_t> order;  // dataset indices in this epoch's order

  std::mutex mutex;
  std::condition_variable workAvailable;
  std::condition_variable batchReady;
  std::size_t nextClaim = 0;
  std::size_t nextDeliver = 0;
  std::map<std::size_t, Slot> ready;
  bool stop = false;
  std::atomic<bool> stopping{false};
  std::vector<std::thread> threads;
  // Full-size image tensors recycled once the consumer has dropped every reference to them:
  // fresh multi-megabyte allocations are mmapped and page-faulted on every batch otherwise.
  // Emptied at the end of each epoch so an idle loader holds no memory.
  std::mutex poolMutex;
  std::vector<torch::Tensor> pool;
  std::size_t poolLimit;
  double waited = 0.0;
  mutable std::mutex skippedMutex;
  std::map<std::string, std::string> skipped;  // undecodable image -> why, over every epoch

  Impl(DataView v, LoaderOptions o)
      : view(std::move(v)),
        options(o),
        transform(o.transform),
        batchSize(static_cast<std::size_t>(std::max(1, o.batchSize))),
        window(static_cast<std::size_t>(std::max({1, o.prefetch, o.workers}))),
        poolLimit(window + 2) {
    if (o.batchSize < 1)
      throw UserError("Batch size must be at least 1 (got " + std::to_string(o.batchSize) + ").");
    if (!view.dataset) throw UserError("The data loader was given no data set.");
    const std::size_t n = view.indices.size();
    batches = options.dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    samples = options.dropLast ? batches * batchSize : n;
  }

  ~Impl() { stopWorkers(); }

  void stopWorkers() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stop = true;
      stopping = true;
    }
    workAvailable.notify_all();
    for (auto& thread : threads) thread.join();
    threads.clear();
  }

  // A [batchSize, 3, S, S] float tensor nobody else references, from the pool if possible.
  torch::Tensor acquireImages() {
    std::lock_guard<std::mutex> lock(poolMutex);
    for (const auto& tensor : pool) {
      // Only the pool holds it (no batch, no view left): safe to overwrite.
      if (tensor.use_count() == 1 && tensor.storage().use_count() == 1) return tensor;
    }
    const int size = transform.options().inputSize;
    auto tensor = torch::empty({static_cast<std::int64_t>(batchSize), 3, size, size}, torch::kFloat32);
    if (pool.size() < poolLimit) pool.push_back(tensor);
    return tensor;
  }

  void releasePool() {
    std::lock_guard<std::mutex> lock(poolMutex);
    pool.clear();
  }

  // Fills batch `b`; returns false if asked to stop part-way. Errors become ft::UserError.
  bool produce(std::size_t b, Batch& batch) {
    const std::size_t begin = b * batchSize;
    const std::size_t count = std::min(batchSize, samples - begin);
    const std::size_t floats = transform.outputSize();
    batch.index = b;
    batch.images = acquireImages();
    if (count < batchSize) batch.images = batch.images.narrow(0, 0, static_cast<std::int64_t>(count));
    batch.labels = torch::empty({static_cast<std::int64_t>(count)}, torch::kInt64);
    float* images = batch.images.data_ptr<float>();
    std::int64_t* labels = batch.labels.data_ptr<std::int64_t>();
    const std::uint64_t augmentSeed = purposeSeed(options.seed, SeedPurpose::Augmentation);
    for (std::size_t i = 0; i < count; ++i) {
      if (stopping.load(std::memory_order_relaxed)) return false;
      const std::size_t position = begin + i;
      const std::size_t index = order[position];
      try {
        std::mt19937_64 rng(mixSeed({augmentSeed, static_cast<std::uint64_t>(epoch), position}));
        const cv::Mat image = view.dataset->image(index);
        transform.apply(image, images + i * floats, rng);
        labels[i] = view.dataset->label(index);
      } catch (const ImageDecodeError& e) {
        // A blank image the loss and the metrics ignore: the batch keeps its size and every
        // other sample its place (the feature cache and a resumed epoch rely on positions).
        std::fill(images + i * floats, images + (i + 1) * floats, 0.0f);
        labels[i] = kSkippedLabel;
        std::lock_guard<std::mutex> lock(skippedMutex);
        skipped.emplace(e.path(), e.reason());
      } catch (const UserError&) {
        throw;
      } catch (const std::exception& e) {
        throw UserError(view.dataset->describe() + ": cannot load sample " + std::to_string(index) + " (" +
                        e.what() + ").");
      }
    }
    return true;
  }

  void workerLoop() {
    // Threads inherit their creator's bits; set them anyway, the creator may differ.
    setFlushDenormals(options.flushDenormals);
    for (;;) {
      std::size_t b;
      {
        std::unique_lock<std::mutex> lock(mutex);
        workAvailable.wait(lock,
                           [&] { return stop || nextClaim >= batches || nextClaim < nextDeliver + window; });
        if (stop || nextClaim >= batches) return;
        b = nextClaim++;
      }
      Slot slot;
      try {
        if (!produce(b, slot.batch)) return;
      } catch (...) {
        slot.error = std::current_exception();
      }
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (stop) return;
        ready.emplace(b, std::move(slot));
      }
      batchReady.notify_all();
    }
  }

  void start(int newEpoch, std::size_t firstBatch) {
    stopWorkers();
    epoch = newEpoch;
    const std::size_t n = view.indices.size();
    order = view.indices;
    if (options.shuffle) {
      const auto permutation = epochOrder(n, true, options.seed, newEpoch);
      for (std::size_t p = 0; p < n; ++p) order[p] = view.indices[permutation[p]];
    }
    ready.clear();
    nextClaim = nextDeliver = std::min(firstBatch, batches);
    waited = 0.0;
    stop = false;
    stopping = false;
    started = true;
    const std::size_t remaining = batches - nextDeliver;
    const std::size_t workers = std::min(static_cast<std::size_t>(std::max(0, options.workers)), remaining);
    for (std::size_t i = 0; i < workers; ++i) threads.emplace_back([this] { workerLoop(); });
  }

  std::optional<Batch> next() {
    if (!started) start(0, 0);
    if (nextDeliver >= batches) {
      releasePool();
      return std::nullopt;
    }
    const auto begin = Clock::now();
    if (threads.empty()) {  // workers = 0: decode on the calling thread
      Batch batch;
      const std::size_t b = nextDeliver++;
      try {
        produce(b, batch);
      } catch (...) {
        waited += secondsSince(begin);
        throw;
      }
      waited += secondsSince(begin);
      return batch;
    }
    Slot slot;
    {
      std::unique_lock<std::mutex> lock(mutex);
      batchReady.wait(lock, [&] { return ready.count(nextDeliver) > 0; });
      auto node = ready.extract(nextDeliver);
      slot = std::move(node.mapped());
      ++nextDeliver;
    }
    workAvailable.notify_all();
    waited += secondsSince(begin);
    if (slot.error) std::rethrow_exception(slot.error);
    return std::move(slot.batch);
  }
};

BatchLoader::BatchLoader(DataView view, LoaderOptions options)
    : m_impl(std::make_unique<Impl>(std::move(view), options)) {}

BatchLoader::~BatchLoader() = default;

std::vector<std::size_t> epochOrder(std::size_t n, bool shuffle, std::uint64_t seed, int epoch) {
  if (!shuffle) {
    std::vector<std::size_t> identity(n);
    std::iota(identity.begin(), identity.end(), std::size_t(0));
    return identity;
  }
  return seededPermutation(n, mixSeed({purposeSeed(seed, SeedPurpose::EpochOrder),
                                       static_cast<std::uint64_t>(epoch)}));
}

void BatchLoader::startEpoch(int epoch, std::size_t firstBatch) { m_impl->start(epoch, firstBatch); }

std::size_t BatchLoader::skippedCount() const {
  std::lock_guard<std::mutex> lock(m_impl->skippedMutex);
  return m_impl->skipped.size();
}

std::vector<ScanWarning> BatchLoader::skippedImages() const {
  std::lock_guard<std::mutex> lock(m_impl->skippedMutex);
  std::vector<ScanWarning> out;
  for (const auto& [path, reason] : m_impl->skipped) out.push_back({path, reason});
  return out;
}

std::optional<Batch> BatchLoader::next() { return m_impl->next(); }

std::size_t BatchLoader::batchesPerEpoch() const { return m_impl->batches; }

std::size_t BatchLoader::samplesPerEpoch() const { return m_impl->samples; }

double BatchLoader::waitSeconds() const { return m_impl->waited; }

}  // namespace ft::data
