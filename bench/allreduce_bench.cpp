// All-reduce bandwidth on this machine's loopback (issue 16): c10d's Gloo group as the trainer
// uses it, two ranks (or --nproc N) started by this program itself. bench/distributed_bench.py
// runs it beside torch.distributed's Gloo all_reduce and writes the table.
//   allreduce_bench [--nproc 2] [--sizes-mb 1,4,16,45,100] [--repeats 10]
#include <chrono>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <torch/torch.h>

#include "api/launch_api.h"
#include "distributed/communicator.h"
#include "distributed/rendezvous.h"

int main(int argc, char** argv) {
  CLI::App app{"Gloo all-reduce bandwidth on 127.0.0.1"};
  int processes = 2, repeats = 10;
  std::string sizes = "1,4,16,45,100";
  app.add_option("--nproc", processes, "Ranks");
  app.add_option("--sizes-mb", sizes, "Buffer sizes in MB (float32), comma-separated");
  app.add_option("--repeats", repeats, "Timed all-reduces per size (after 2 warm-up ones)");
  CLI11_PARSE(app, argc, argv);
  if (!ft::api::launchedAsRank()) {
    ft::api::LaunchOptions launch;
    launch.processes = processes;
    return ft::api::launchLocalRanks(std::vector<std::string>(argv, argv + argc), launch);
  }
  torch::set_num_threads(1);
  const auto rendezvous = ft::distributed::rendezvousFromEnvironment();
  auto comm = ft::distributed::connect(rendezvous);
  std::stringstream list(sizes);
  for (std::string item; std::getline(list, item, ',');) {
    const double mb = std::stod(item);
    std::vector<torch::Tensor> buffer{torch::ones({std::int64_t(mb * (1 << 20) / 4)})};
    for (int i = 0; i < 2; ++i) comm->allReduceSum(buffer);
    comm->barrier();
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < repeats; ++i) comm->allReduceSum(buffer);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() /
                           repeats;
    if (comm->rank() == 0)
      std::printf("{\"side\": \"ours\", \"ranks\": %d, \"mb\": %g, \"seconds\": %.6f, \"gb_per_s\": %.3f}\n",
                  comm->worldSize(), mb, seconds, mb / 1024.0 / seconds);
    std::fflush(stdout);
  }
  comm->barrier();
  return 0;
}
