#include "train/batch_source.h"

namespace ft::train {
namespace {

class LoaderBatches final : public BatchSource {
 public:
  LoaderBatches(data::BatchLoader& loader, torch::Device device) : m_loader(loader), m_device(device) {}
  void startEpoch(int epoch, std::size_t skipBatches) override { m_loader.startEpoch(epoch, skipBatches); }
  std::int64_t batchesPerEpoch() const override { return std::int64_t(m_loader.batchesPerEpoch()); }
  std::optional<SourceBatch> next() override {
    auto batch = m_loader.next();
    if (!batch) return std::nullopt;
    return SourceBatch{batch->images.to(m_device), batch->labels.to(m_device), false};
  }

 private:
  data::BatchLoader& m_loader;
  torch::Device m_device;
};

class CachedBatches final : public BatchSource {
 public:
  CachedBatches(const CachedFeatures& cache, std::size_t batchSize, bool shuffle, std::uint64_t seed)
      : m_cache(cache), m_batchSize(std::max<std::size_t>(1, batchSize)), m_shuffle(shuffle), m_seed(seed) {}
  void startEpoch(int epoch, std::size_t skipBatches) override {
    m_order = data::epochOrder(m_cache.size(), m_shuffle, m_seed, epoch);
    m_batch = skipBatches;
  }
  std::int64_t batchesPerEpoch() const override {
    return std::int64_t((m_cache.size() + m_batchSize - 1) / m_batchSize);
  }
  std::optional<SourceBatch> next() override {
    if (std::int64_t(m_batch) >= batchesPerEpoch()) return std::nullopt;
    const auto rows = batchRows(m_order, m_batch++, m_batchSize, m_cache.features.device());
    return SourceBatch{m_cache.features.index_select(0, rows), m_cache.labels.index_select(0, rows), true};
  }

 private:
  const CachedFeatures& m_cache;
  std::size_t m_batchSize;
  bool m_shuffle;
  std::uint64_t m_seed;
  std::vector<std::size_t> m_order;
  std::size_t m_batch = 0;
};

}  // namespace

std::unique_ptr<BatchSource> loaderBatches(data::BatchLoader& loader, torch::Device device) {
  return std::make_unique<LoaderBatches>(loader, device);
}

std::unique_ptr<BatchSource> cachedBatches(const CachedFeatures& cache, std::size_t batchSize, bool shuffle,
                                           std::uint64_t seed) {
  return std::make_unique<CachedBatches>(cache, batchSize, shuffle, seed);
}

}  // namespace ft::train
