// core/distributed (issue 16): where a rank stands (torchrun's and SLURM's environments), and the
// collectives on c10d's Gloo process group, with the ranks as threads of this process on
// 127.0.0.1. The multi-process runs (finetune-cli train --nproc, torchrun) are CliTest's.
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "distributed/communicator.h"
#include "distributed/gradient_sync.h"
#include "distributed/rendezvous.h"
#include "models/batch_norm.h"
#include "models/classifier.h"
#include "user_error.h"

namespace {

using ft::distributed::Rendezvous;
using ft::test::expectUserError;

ft::distributed::EnvironmentLookup environment(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const char* name) -> const char* {
    const auto it = values.find(name);
    return it == values.end() ? nullptr : it->second.c_str();
  };
}

TEST(Rendezvous, NoLauncherIsOneProcess) {
  const Rendezvous r = ft::distributed::rendezvousFromEnvironment(environment({{"HOME", "/root"}}));
  EXPECT_FALSE(r.distributed());
  EXPECT_EQ(r.rank, 0);
  EXPECT_EQ(r.worldSize, 1);
  EXPECT_EQ(r.source, "single");
}

TEST(Rendezvous, TorchrunEnvironment) {
  const Rendezvous r =
      ft::distributed::rendezvousFromEnvironment(environment({{"RANK", "1"},
                                                              {"WORLD_SIZE", "3"},
                                                              {"LOCAL_RANK", "1"},
                                                              {"MASTER_ADDR", "10.0.0.5"},
                                                              {"MASTER_PORT", "29400"},
                                                              {"TORCHELASTIC_RUN_ID", "none"},
                                                              {"TORCHELASTIC_RESTART_COUNT", "2"}}));
  EXPECT_TRUE(r.distributed());
  EXPECT_EQ(r.source, "torchrun");
  EXPECT_EQ(r.rank, 1);
  EXPECT_EQ(r.worldSize, 3);
  EXPECT_EQ(r.localRank, 1);
  EXPECT_EQ(r.masterAddr, "10.0.0.5");
  EXPECT_EQ(r.masterPort, 29400);
  EXPECT_TRUE(r.agentServesStore);  // the elastic agent serves the store: every rank is a client
  EXPECT_EQ(r.storePrefix, "/worker/attempt_2");
  EXPECT_EQ(ft::distributed::describe(r), "rank 1 of 3 (torchrun, master 10.0.0.5:29400)");
  // torch.distributed.launch without the elastic agent: rank 0 serves the store itself.
  const Rendezvous plain =
      ft::distributed::rendezvousFromEnvironment(environment({{"RANK", "0"}, {"WORLD_SIZE", "2"}}));
  EXPECT_FALSE(plain.agentServesStore);
  EXPECT_EQ(plain.masterAddr, "127.0.0.1");
  EXPECT_EQ(plain.masterPort, 29500);
}

TEST(Rendezvous, SlurmEnvironment) {
  const Rendezvous r =
      ft::distributed::rendezvousFromEnvironment(environment({{"SLURM_PROCID", "5"},
                                                              {"SLURM_NTASKS", "8"},
                                                              {"SLURM_LOCALID", "1"},
                                                              {"SLURM_LAUNCH_NODE_IPADDR", "10.1.2.3"}}));
  EXPECT_EQ(r.source, "slurm");
  EXPECT_EQ(r.rank, 5);
  EXPECT_EQ(r.worldSize, 8);
  EXPECT_EQ(r.localRank, 1);
  EXPECT_EQ(r.masterAddr, "10.1.2.3");
  EXPECT_EQ(r.masterPort, 29500);
  EXPECT_FALSE(r.agentServesStore);
  expectUserError(
      [] {
        ft::distributed::rendezvousFromEnvironment(
            environment({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}}));
      },
      {"MASTER_ADDR", "scontrol show hostnames", "docs/DISTRIBUTED.md"});
}

TEST(Rendezvous, BadValuesNameTheVariableOrTheRank) {
  expectUserError(
      [] {
        ft::distributed::rendezvousFromEnvironment(environment({{"RANK", "one"}, {"WORLD_SIZE", "2"}}));
      },
      {"RANK=one", "whole number"});
  expectUserError(
      [] {
        ft::distributed::rendezvousFromEnvironment(environment({{"RANK", "2"}, {"WORLD_SIZE", "2"}}));
      },
      {"rank 2 does not exist", "0 to 1"});
  expectUserError(
      [] {
        ft::distributed::rendezvousFromEnvironment(
            environment({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "70000"}}));
      },
      {"MASTER_PORT=70000"});
  expectUserError(
      [] {
        ft::distributed::rendezvousFromEnvironment(environment({{"RANK", "0"}}));
      },
      {"WORLD_SIZE", "torchrun"});
}

int freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t size = sizeof address;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size), 0);
  ::close(fd);
  return ntohs(address.sin_port);
}

Rendezvous local(int rank, int world, int port) {
  Rendezvous r;
  r.rank = rank;
  r.worldSize = world;
  r.localRank = rank;
  r.masterPort = port;
  r.source = "test";
  return r;
}

// Runs `body(rank)` on `world` threads; an exception in any thread fails the test.
template <class F>
void onRanks(int world, F body) {
  std::vector<std::thread> threads;
  std::vector<std::string> errors(world);
  for (int rank = 0; rank < world; ++rank)
    threads.emplace_back([&, rank] {
      try {
        body(rank);
      } catch (const std::exception& e) {
        errors[rank] = e.what();
      }
    });
  for (auto& t : threads) t.join();
  for (int rank = 0; rank < world; ++rank) EXPECT_EQ(errors[rank], "") << "rank " << rank;
}

TEST(Gloo, GradientsAreWeightedSumsAcrossRanksInSeveralBuckets) {
  const int world = 3, port = freePort();
  const std::vector<double> weights{0.5, 0.3, 0.2};  // e.g. 5, 3 and 2 images of a batch of 10
  auto gradientOf = [](int rank, int parameter, std::int64_t n) {
    return torch::arange(n, torch::kFloat32) * float(parameter + 1) + float(10 * rank);
  };
  const std::vector<std::int64_t> sizes{7, 300, 1, 64};
  std::vector<std::vector<torch::Tensor>> results(world);
  onRanks(world, [&](int rank) {
    auto communicator = ft::distributed::connect(local(rank, world, port), {std::chrono::seconds(20)});
    EXPECT_EQ(communicator->backend(), "gloo");
    std::vector<torch::Tensor> parameters;
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      auto p = torch::zeros({sizes[i]}, torch::requires_grad());
      p.mutable_grad() = gradientOf(rank, int(i), sizes[i]);
      parameters.push_back(p);
    }
    parameters.push_back(torch::zeros({5}, torch::requires_grad()));  // frozen: no gradient, skipped
    // 1 KB buckets: the 300-float gradient goes alone, so 3 buckets.
    EXPECT_EQ(ft::distributed::allReduceGradients(*communicator, parameters, weights[rank], 1024), 3);
    EXPECT_FALSE(parameters.back().grad().defined());
    for (const auto& p : parameters)
      results[rank].push_back(p.grad().defined() ? p.grad().clone() : torch::Tensor());
  });
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    torch::Tensor expected = torch::zeros({sizes[i]});
    for (int rank = 0; rank < world; ++rank) expected += weights[rank] * gradientOf(rank, int(i), sizes[i]);
    for (int rank = 0; rank < world; ++rank)
      EXPECT_TRUE(torch::allclose(results[rank][i], expected, 1e-6, 1e-5))
          << "rank " << rank << " parameter " << i;
  }
}

TEST(Gloo, EveryRankStartsFromRankZerosState) {
  const int world = 2, port = freePort();
  std::vector<torch::nn::Sequential> models(world);
  onRanks(world, [&](int rank) {
    torch::manual_seed(100 + rank);  // different initial weights on every rank
    torch::nn::Sequential model(torch::nn::Conv2d(3, 4, 3), torch::nn::BatchNorm2d(4));
    model->ptr(1)->named_buffers()["running_mean"].fill_(float(rank + 1));
    auto communicator = ft::distributed::connect(local(rank, world, port), {std::chrono::seconds(20)});
    ft::distributed::broadcastModuleState(*communicator, *model);
    communicator->barrier();
    models[rank] = model;
  });
  const auto a = models[0]->named_parameters(), b = models[1]->named_parameters();
  for (const auto& item : a) EXPECT_TRUE(torch::equal(item.value(), b[item.key()])) << item.key();
  const auto ab = models[0]->named_buffers(), bb = models[1]->named_buffers();
  for (const auto& item : ab) EXPECT_TRUE(torch::equal(item.value(), bb[item.key()])) << item.key();
  EXPECT_EQ(models[1]->ptr(1)->named_buffers()["running_mean"][0].item<float>(), 1.0f);
}

TEST(Gloo, ARankThatNeverComesEndsTheOtherWithAMessage) {
  const int port = freePort();
  const auto start = std::chrono::steady_clock::now();
  expectUserError([&] { ft::distributed::connect(local(0, 2, port), {std::chrono::seconds(2)}); },
                  {"rank 0 of 2", "did not all meet", "Start all 2 ranks"});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
}

TEST(Gloo, ARankThatStopsMidRunEndsTheOthersWithAMessage) {
  const int world = 2, port = freePort();
  std::string message;
  onRanks(world, [&](int rank) {
    auto communicator = ft::distributed::connect(local(rank, world, port), {std::chrono::seconds(5)});
    std::vector<torch::Tensor> t{torch::ones({16})};
    communicator->allReduceSum(t);  // both ranks once
    EXPECT_EQ(t[0][0].item<float>(), 2.0f);
    if (rank == 1) return;  // rank 1 "dies": its group closes its connections
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    message = expectUserError([&] { communicator->allReduceSum(t); },
                              {"rank 0 of 2", "all-reduce across ranks failed", "another rank stopped"});
  });
  EXPECT_FALSE(message.empty());
}

TEST(Gloo, NcclNeedsACudaLibTorch) {
  if (!ft::distributed::ncclUnavailableReason().empty()) {
    ft::distributed::ConnectOptions options;
    options.device = "cuda:0";
    expectUserError([&] { ft::distributed::connect(local(0, 2, 29999), options); },
                    {"needs NCCL", "CPU (Gloo)"});
  }
}

// Synchronised BatchNorm: three ranks holding 3, 3 and 4 rows of a batch give the output, the
// input gradient, the summed weight and bias gradients and the running statistics of one
// BatchNorm layer that sees all 10 rows (PyTorch's SyncBatchNorm against BatchNorm2d).
TEST(Gloo, SynchronisedBatchNormEqualsOneLayerOnTheWholeBatch) {
  torch::manual_seed(7);
  const auto x = torch::randn({10, 3, 5, 4}) * 2.0 + 0.5;
  const auto upstream = torch::randn({10, 3, 5, 4});
  const auto gamma = torch::rand({3}) + 0.5, beta = torch::randn({3});
  auto makeLayer = [&] {
    torch::nn::BatchNorm2d layer(torch::nn::BatchNorm2dOptions(3).momentum(0.3));
    torch::NoGradGuard noGrad;
    layer->weight.copy_(gamma);
    layer->bias.copy_(beta);
    return layer;
  };
  // One process, the whole batch: outside a scope, batchNorm() is the layer's own forward.
  auto whole = makeLayer();
  whole->train();
  const auto input = x.clone().requires_grad_(true);
  const auto expectedOutput = ft::models::batchNorm(*whole, input);
  (expectedOutput * upstream).sum().backward();

  const int world = 3, port = freePort();
  const std::vector<std::int64_t> begin{0, 3, 6, 10};
  std::vector<torch::Tensor> outputs(world), inputGradients(world), weightGradients(world),
      biasGradients(world);
  std::vector<torch::Tensor> runningMeans(world), runningVars(world);
  onRanks(world, [&](int rank) {
    auto communicator = ft::distributed::connect(local(rank, world, port), {std::chrono::seconds(20)});
    const auto reducer = ft::distributed::batchStatsReducer(*communicator);
    auto layer = makeLayer();
    layer->train();
    const std::int64_t rows = begin[rank + 1] - begin[rank];
    const auto slice = x.narrow(0, begin[rank], rows).clone().requires_grad_(true);
    torch::Tensor y;
    {
      ft::models::SyncBatchNormScope scope(reducer.get());
      y = ft::models::batchNorm(*layer, slice);
    }
    (y * upstream.narrow(0, begin[rank], rows)).sum().backward();  // sums across ranks inside
    ft::distributed::allReduceGradients(*communicator, layer->parameters(), 1.0);
    outputs[rank] = y.detach();
    inputGradients[rank] = slice.grad();
    weightGradients[rank] = layer->weight.grad().clone();
    biasGradients[rank] = layer->bias.grad().clone();
    runningMeans[rank] = layer->running_mean.clone();
    runningVars[rank] = layer->running_var.clone();
    // In eval mode the layer uses its running statistics, scope or not (no collective).
    layer->eval();
    ft::models::SyncBatchNormScope scope(reducer.get());
    EXPECT_TRUE(torch::equal(ft::models::batchNorm(*layer, slice), layer->forward(slice)));
  });
  for (int rank = 0; rank < world; ++rank) {
    const std::int64_t rows = begin[rank + 1] - begin[rank];
    EXPECT_TRUE(
        torch::allclose(outputs[rank], expectedOutput.detach().narrow(0, begin[rank], rows), 1e-5, 1e-5))
        << "rank " << rank;
    EXPECT_TRUE(torch::allclose(inputGradients[rank], input.grad().narrow(0, begin[rank], rows), 1e-5, 1e-5))
        << "rank " << rank << ": "
        << (inputGradients[rank] - input.grad().narrow(0, begin[rank], rows)).abs().max().item<double>();
    EXPECT_TRUE(torch::allclose(weightGradients[rank], whole->weight.grad(), 1e-5, 1e-4)) << "rank " << rank;
    EXPECT_TRUE(torch::allclose(biasGradients[rank], whole->bias.grad(), 1e-5, 1e-4)) << "rank " << rank;
    EXPECT_TRUE(torch::allclose(runningMeans[rank], whole->running_mean, 1e-5, 1e-6)) << "rank " << rank;
    EXPECT_TRUE(torch::allclose(runningVars[rank], whole->running_var, 1e-5, 1e-6)) << "rank " << rank;
  }
}

// A whole ResNet-18 in training mode, in float64: three ranks holding 2, 2 and 3 of 7 images,
// with synchronised BatchNorm and each rank's mean loss weighted by its share of the batch, end
// with the gradients of one process on the whole batch (measured: 1e-14). In float32 such a
// comparison can differ by far more than rounding: on some inputs torch's own float32 gradients
// of a freshly initialised ResNet-18 differ from its float64 ones by 20% (measured), so the
// float32 runs are compared where the maths is well conditioned (DistributedCli).
TEST(Gloo, SynchronisedBatchNormGivesTheWholeBatchsGradientsOfAModel) {
  const int world = 3, port = freePort();
  const std::vector<std::int64_t> begin{0, 2, 4, 7};
  std::vector<ft::models::Classifier> models;
  for (int i = 0; i <= world; ++i) {
    torch::manual_seed(3);
    models.push_back(ft::models::makeClassifier("resnet18", 10, 32));
    models.back()->to(torch::kFloat64);
    models.back()->train();
  }
  torch::manual_seed(4);
  const auto images = torch::randn({7, 3, 32, 32}, torch::kFloat64);
  const auto labels = torch::randint(0, 10, {7}, torch::kLong);
  torch::nn::functional::cross_entropy(models[world]->forward(images), labels).backward();
  onRanks(world, [&](int rank) {
    auto communicator = ft::distributed::connect(local(rank, world, port), {std::chrono::seconds(20)});
    const auto reducer = ft::distributed::batchStatsReducer(*communicator);
    auto& model = models[std::size_t(rank)];
    const std::int64_t rows = begin[rank + 1] - begin[rank];
    torch::Tensor output;
    {
      ft::models::SyncBatchNormScope scope(reducer.get());
      output = model->forward(images.narrow(0, begin[rank], rows));
    }
    const double weight = double(rows) / 7.0;
    (torch::nn::functional::cross_entropy(output, labels.narrow(0, begin[rank], rows)) * weight).backward();
    ft::distributed::allReduceGradients(*communicator, model->parameters(), 1.0);
  });
  const auto expected = models[world]->named_parameters();
  for (int rank = 0; rank < world; ++rank)
    for (const auto& item : models[std::size_t(rank)]->named_parameters()) {
      const auto& want = expected[item.key()].grad();
      EXPECT_LT((item.value().grad() - want).abs().max().item<double>(),
                1e-10 * (1 + want.abs().max().item<double>()))
          << "rank " << rank << " " << item.key();
    }
  // The running statistics, too, are the whole batch's on every rank.
  const auto expectedBuffers = models[world]->named_buffers();
  for (int rank = 0; rank < world; ++rank)
    for (const auto& item : models[std::size_t(rank)]->named_buffers())
      if (item.value().is_floating_point())
        EXPECT_LT((item.value() - expectedBuffers[item.key()]).abs().max().item<double>(), 1e-10)
            << "rank " << rank << " " << item.key();
}

// Counts the statistics all-reduces of a forward pass (one rank: nothing to sum).
class CountingReducer final : public ft::models::BatchStatsReducer {
 public:
  int rank() const override { return 0; }
  int worldSize() const override { return 1; }
  void allReduceSum(std::vector<torch::Tensor>&) override { ++calls; }
  int calls = 0;
};

// Every BatchNorm of every architecture goes through batchNorm(): a training forward pass in a
// scope asks for the statistics once per BatchNorm layer (ResNet-18 has 20).
TEST(Gloo, EveryModelBatchNormCanBeSynchronised) {
  for (const auto& name : ft::models::architectureNames()) {
    auto model = ft::models::makeClassifier(name, 10, 64);  // AlexNet's pooling needs 63 pixels
    int norms = 0;
    for (const auto& m : model->modules()) norms += m->as<torch::nn::BatchNorm2d>() != nullptr;
    if (name == "resnet18") EXPECT_EQ(norms, 20);
    model->train();
    torch::manual_seed(1);
    const auto images = torch::randn({2, 3, 64, 64});
    CountingReducer counter;
    {
      ft::models::SyncBatchNormScope scope(&counter);
      model->forward(images);
    }
    EXPECT_EQ(counter.calls, norms) << name;
  }
}

}  // namespace
