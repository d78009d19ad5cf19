#include "distributed/rendezvous.h"

#include <cerrno>
#include <climits>
#include <cstdlib>

#include "common/error.h"

namespace ft::distributed {
namespace {

const char* lookupIn(const EnvironmentLookup& lookup, const char* name) {
  return lookup ? lookup(name) : std::getenv(name);
}

bool has(const EnvironmentLookup& lookup, const char* name) {
  const char* value = lookupIn(lookup, name);
  return value != nullptr && *value != '\0';
}

// A whole number in [lo, hi] from variable `name`; `fallback` when it is unset.
int intVariable(const EnvironmentLookup& lookup, const char* name, long lo, long hi, const int* fallback) {
  const char* value = lookupIn(lookup, name);
  if (value == nullptr || *value == '\0') {
    if (fallback) return *fallback;
    throw UserError(std::string("the launcher did not set ") + name +
                    "; start every rank with torchrun, srun or finetune-cli train --nproc");
  }
  errno = 0;
  char* end = nullptr;
  const long parsed = std::strtol(value, &end, 10);
  if (errno != 0 || end == value || *end != '\0' || parsed < lo || parsed > hi)
    throw UserError(std::string(name) + "=" + value + " is not a whole number from " + std::to_string(lo) +
                    " to " + std::to_string(hi) + "; check how the ranks are launched");
  return int(parsed);
}

std::string stringVariable(const EnvironmentLookup& lookup, const char* name, const std::string& fallback) {
  const char* value = lookupIn(lookup, name);
  return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

}  // namespace

Rendezvous rendezvousFromEnvironment(const EnvironmentLookup& lookup) {
  Rendezvous r;
  const int zero = 0, one = 1, defaultPort = 29500;
  if (has(lookup, "WORLD_SIZE") || has(lookup, "RANK")) {  // torchrun (or torch.distributed's launch)
    // finetune-cli train --nproc sets the same variables, and says so.
    r.source = stringVariable(lookup, "FINETUNE_LAUNCHER", "torchrun");
    r.worldSize = intVariable(lookup, "WORLD_SIZE", 1, 65536, nullptr);
    r.rank = intVariable(lookup, "RANK", 0, 65535, nullptr);
    r.localRank = intVariable(lookup, "LOCAL_RANK", 0, 65535, &zero);
    r.masterAddr = stringVariable(lookup, "MASTER_ADDR", "127.0.0.1");
    r.masterPort = intVariable(lookup, "MASTER_PORT", 1, 65535, &defaultPort);
    if (has(lookup, "TORCHELASTIC_RUN_ID") || has(lookup, "TORCHELASTIC_RESTART_COUNT")) {
      r.agentServesStore = true;
      r.storePrefix = "/worker/attempt_" +
                      std::to_string(intVariable(lookup, "TORCHELASTIC_RESTART_COUNT", 0, INT_MAX, &zero));
    }
  } else if (has(lookup, "SLURM_PROCID") && has(lookup, "SLURM_NTASKS")) {
    r.source = "slurm";
    r.worldSize = intVariable(lookup, "SLURM_NTASKS", 1, 65536, &one);
    r.rank = intVariable(lookup, "SLURM_PROCID", 0, 65535, nullptr);
    r.localRank = intVariable(lookup, "SLURM_LOCALID", 0, 65535, &zero);
    r.masterAddr =
        stringVariable(lookup, "MASTER_ADDR", stringVariable(lookup, "SLURM_LAUNCH_NODE_IPADDR", ""));
    if (r.masterAddr.empty() && r.worldSize > 1)
      throw UserError("SLURM started " + std::to_string(r.worldSize) +
                      " tasks but no MASTER_ADDR is set: export MASTER_ADDR=$(scontrol show hostnames "
                      "\"$SLURM_JOB_NODELIST\" | head -n 1) in the job script (docs/DISTRIBUTED.md)");
    r.masterPort = intVariable(lookup, "MASTER_PORT", 1, 65535, &defaultPort);
  }
  validate(r);
  return r;
}

void validate(const Rendezvous& r) {
  if (r.worldSize < 1)
    throw UserError("the world size is " + std::to_string(r.worldSize) + "; it must be at least 1");
  if (r.rank < 0 || r.rank >= r.worldSize)
    throw UserError("rank " + std::to_string(r.rank) + " does not exist in a world of " +
                    std::to_string(r.worldSize) + " (ranks are 0 to " + std::to_string(r.worldSize - 1) +
                    ")");
  if (r.localRank < 0 || r.localRank >= r.worldSize)
    throw UserError("local rank " + std::to_string(r.localRank) + " is outside the world of " +
                    std::to_string(r.worldSize));
  if (r.masterPort < 1 || r.masterPort > 65535)
    throw UserError("master port " + std::to_string(r.masterPort) + " is not a TCP port (1 to 65535)");
  if (r.distributed() && r.masterAddr.empty()) throw UserError("no master address for the rendezvous");
}

std::string describe(const Rendezvous& r) {
  if (!r.distributed()) return "one process";
  return "rank " + std::to_string(r.rank) + " of " + std::to_string(r.worldSize) + " (" + r.source +
         ", master " + r.masterAddr + ":" + std::to_string(r.masterPort) + ")";
}

}  // namespace ft::distributed
