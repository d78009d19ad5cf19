#pragma once
// Where a process stands in a data-parallel run (issue 16): its rank, how many ranks there are,
// and where they meet. Read from torchrun's environment, SLURM's, or given by the CLI.
// No LibTorch types.
#include <functional>
#include <string>

namespace ft::distributed {

struct Rendezvous {
  int rank = 0;
  int worldSize = 1;
  int localRank = 0;  // the rank on this machine: picks cuda:LOCAL_RANK
  std::string masterAddr = "127.0.0.1";
  int masterPort = 29500;
  // "single" (no launcher), "torchrun", "slurm" or "finetune-cli --nproc".
  std::string source = "single";
  // torchrun's elastic agent already serves the store on MASTER_PORT: every rank is then a
  // client, under "/worker/attempt_<TORCHELASTIC_RESTART_COUNT>" as torch.distributed does.
  bool agentServesStore = false;
  std::string storePrefix;
  bool distributed() const { return worldSize > 1; }
};

// The launcher's environment, looked up through `lookup` (getenv by default; tests pass their
// own). torchrun: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT (and TORCHELASTIC_*).
// SLURM: SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID, with MASTER_ADDR (or
// SLURM_LAUNCH_NODE_IPADDR) and MASTER_PORT (default 29500). Neither: one process.
// Throws ft::UserError naming the variable when a value is not a number or out of range.
using EnvironmentLookup = std::function<const char*(const char*)>;
Rendezvous rendezvousFromEnvironment(const EnvironmentLookup& lookup = {});

// Checks ranks, sizes and the port; throws ft::UserError saying which value is wrong.
void validate(const Rendezvous& r);

// "rank 1 of 2 (torchrun, master 127.0.0.1:29500)"
std::string describe(const Rendezvous& r);

}  // namespace ft::distributed
