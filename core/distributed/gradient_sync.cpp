#include "distributed/gradient_sync.h"

namespace ft::distributed {
namespace {

class CommunicatorStatsReducer final : public models::BatchStatsReducer {
 public:
  explicit CommunicatorStatsReducer(Communicator& communicator) : m_communicator(communicator) {}
  int rank() const override { return m_communicator.rank(); }
  int worldSize() const override { return m_communicator.worldSize(); }
  void allReduceSum(std::vector<torch::Tensor>& tensors) override { m_communicator.allReduceSum(tensors); }

 private:
  Communicator& m_communicator;
};

// Flattens `grads` into one buffer, all-reduces it, and copies the sums back.
void reduceBucket(Communicator& communicator, const std::vector<torch::Tensor>& grads, double weight) {
  std::vector<torch::Tensor> flat;
  flat.reserve(grads.size());
  for (const auto& g : grads) flat.push_back(g.reshape({-1}));
  std::vector<torch::Tensor> buffer{torch::cat(flat)};
  if (weight != 1.0) buffer[0].mul_(weight);
  communicator.allReduceSum(buffer);
  std::int64_t offset = 0;
  for (const auto& g : grads) {
    const std::int64_t n = g.numel();
    g.copy_(buffer[0].narrow(0, offset, n).view_as(g));
    offset += n;
  }
}

}  // namespace

int allReduceGradients(Communicator& communicator, const std::vector<torch::Tensor>& parameters,
                       double weight, std::size_t bucketBytes) {
  torch::NoGradGuard noGrad;
  int buckets = 0;
  std::vector<torch::Tensor> bucket;
  std::size_t bytes = 0;
  auto flush = [&] {
    if (bucket.empty()) return;
    reduceBucket(communicator, bucket, weight);
    bucket.clear();
    bytes = 0;
    ++buckets;
  };
  for (const auto& p : parameters) {
    const torch::Tensor& g = p.grad();
    if (!g.defined()) continue;
    if (!bucket.empty() && (g.scalar_type() != bucket.front().scalar_type() ||
                            g.device() != bucket.front().device() || bytes + g.nbytes() > bucketBytes))
      flush();
    bucket.push_back(g);
    bytes += g.nbytes();
  }
  flush();
  return buckets;
}

namespace {

void broadcastEach(Communicator& communicator, std::vector<torch::Tensor>& tensors, int root) {
  // One tensor per call: Gloo broadcasts a list only when every tensor has the same shape.
  for (auto& t : tensors) {
    std::vector<torch::Tensor> one{t.is_contiguous() ? t : t.contiguous()};
    communicator.broadcast(one, root);
    if (!one[0].is_same(t)) t.copy_(one[0]);
  }
}

}  // namespace

void broadcastModuleState(Communicator& communicator, torch::nn::Module& module, int root) {
  torch::NoGradGuard noGrad;
  std::vector<torch::Tensor> tensors;
  for (auto& p : module.parameters(true)) tensors.push_back(p);
  for (auto& b : module.buffers(true)) tensors.push_back(b);
  broadcastEach(communicator, tensors, root);
}

void broadcastBuffers(Communicator& communicator, torch::nn::Module& module, int root) {
  torch::NoGradGuard noGrad;
  std::vector<torch::Tensor> tensors;
  for (auto& b : module.buffers(true)) tensors.push_back(b);
  broadcastEach(communicator, tensors, root);
}

std::shared_ptr<models::BatchStatsReducer> batchStatsReducer(Communicator& communicator) {
  return std::make_shared<CommunicatorStatsReducer>(communicator);
}

}  // namespace ft::distributed
