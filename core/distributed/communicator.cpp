#include "distributed/communicator.h"

#include <cstdlib>

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef FINETUNE_WITH_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include "common/error.h"

namespace ft::distributed {
namespace {

bool isLoopback(const std::string& address) {
  return address == "localhost" || address.rfind("127.", 0) == 0 || address == "::1";
}

// Gloo's device: the loopback interface for a local world; GLOO_SOCKET_IFNAME when set (as
// torch.distributed reads it); else the address this machine's hostname resolves to.
std::shared_ptr<::gloo::transport::Device> glooDevice(const Rendezvous& r) {
  if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME"); interface && *interface)
    return c10d::ProcessGroupGloo::createDeviceForInterface(interface);
  if (isLoopback(r.masterAddr)) return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

class C10dCommunicator final : public Communicator {
 public:
  C10dCommunicator(const Rendezvous& r, c10::intrusive_ptr<c10d::Store> store,
                   c10::intrusive_ptr<c10d::ProcessGroup> group, std::string backend)
      : m_r(r), m_store(std::move(store)), m_group(std::move(group)), m_backend(std::move(backend)) {}

  int rank() const override { return m_r.rank; }
  int worldSize() const override { return m_r.worldSize; }
  std::string backend() const override { return m_backend; }

  void allReduceSum(std::vector<torch::Tensor>& tensors) override {
    run("all-reduce", [&] { m_group->allreduce(tensors)->wait(); });
  }
  void broadcast(std::vector<torch::Tensor>& tensors, int root) override {
    c10d::BroadcastOptions options;
    options.rootRank = root;
    run("broadcast", [&] { m_group->broadcast(tensors, options)->wait(); });
  }
  void barrier() override {
    run("barrier", [&] { m_group->barrier()->wait(); });
  }

 private:
  template <class F>
  void run(const char* what, F&& f) {
    try {
      f();
    } catch (const std::exception& e) {
      throw UserError(describe(m_r) + ": the " + what + " across ranks failed (" + firstLine(e.what()) +
                      "): another rank stopped, or the network between them failed. Every rank stops; "
                      "see the other ranks' messages, then resume the run from its folder");
    }
  }
  static std::string firstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

  Rendezvous m_r;
  c10::intrusive_ptr<c10d::Store> m_store;
  c10::intrusive_ptr<c10d::ProcessGroup> m_group;
  std::string m_backend;
};

}  // namespace

std::string ncclUnavailableReason() {
#ifdef FINETUNE_WITH_NCCL
  if (!torch::cuda::is_available()) return "LibTorch has NCCL but sees no CUDA device";
  return "";
#else
  return "this build has no NCCL (the Debian LibTorch is CPU-only): build against an official CUDA "
         "LibTorch to train on several GPUs";
#endif
}

std::unique_ptr<Communicator> connect(const Rendezvous& r, const ConnectOptions& options) {
  validate(r);
  const std::string master = r.masterAddr + ":" + std::to_string(r.masterPort);
  const bool cuda = options.device.rfind("cuda", 0) == 0;
  if (cuda && !ncclUnavailableReason().empty())
    throw UserError("device " + options.device +
                    " with several ranks needs NCCL: " + ncclUnavailableReason() + ". Choose the CPU (Gloo)");
  c10::intrusive_ptr<c10d::Store> store;
  try {
    c10d::TCPStoreOptions storeOptions;
    storeOptions.port = static_cast<std::uint16_t>(r.masterPort);
    storeOptions.isServer = r.rank == 0 && !r.agentServesStore;
    storeOptions.numWorkers = r.worldSize;
    storeOptions.waitWorkers = false;
    storeOptions.timeout = options.timeout;
    store = c10::make_intrusive<c10d::TCPStore>(r.masterAddr, storeOptions);
    if (!r.storePrefix.empty()) store = c10::make_intrusive<c10d::PrefixStore>(r.storePrefix, store);
  } catch (const std::exception& e) {
    const std::string why = std::string(e.what()).substr(0, std::string(e.what()).find('\n'));
    throw UserError(describe(r) + ": cannot " + (r.rank == 0 && !r.agentServesStore ? "serve" : "reach") +
                    " the rendezvous at " + master + " (" + why + "). " +
                    (r.rank == 0 ? "Is another run using that port? Choose another with --master-port"
                                 : "Start rank 0, or check MASTER_ADDR, MASTER_PORT and the firewall"));
  }
  try {
#ifdef FINETUNE_WITH_NCCL
    if (cuda) {
      auto ncclOptions = c10d::ProcessGroupNCCL::Options::create();
      ncclOptions->timeout = options.timeout;
      auto group = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, r.rank, r.worldSize, ncclOptions);
      return std::make_unique<C10dCommunicator>(r, store, group, "nccl");
    }
#endif
    auto glooOptions = c10d::ProcessGroupGloo::Options::create();
    glooOptions->timeout = options.timeout;
    glooOptions->devices.push_back(glooDevice(r));
    auto group = c10::make_intrusive<c10d::ProcessGroupGloo>(store, r.rank, r.worldSize, glooOptions);
    return std::make_unique<C10dCommunicator>(r, store, group, "gloo");
  } catch (const std::exception& e) {
    const std::string why = std::string(e.what()).substr(0, std::string(e.what()).find('\n'));
    throw UserError(describe(r) + ": the ranks did not all meet at " + master + " within " +
                    std::to_string(options.timeout.count() / 1000) + " s (" + why + "). Start all " +
                    std::to_string(r.worldSize) + " ranks with the same world size and master");
  }
}

}  // namespace ft::distributed
