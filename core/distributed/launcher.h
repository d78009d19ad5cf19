#pragma once
// finetune-cli train --nproc N (issue 16): N ranks of this same program on this machine, as
// torchrun would start them, supervised until they end. No LibTorch types.
#include <string>
#include <vector>

namespace ft::distributed {

struct LaunchOptions {
  int processes = 2;
  int masterPort = 0;           // 0: a free port on 127.0.0.1
  int timeoutSeconds = 120;     // FINETUNE_DIST_TIMEOUT for every rank
  bool quietOtherRanks = true;  // ranks 1.. print nothing on stdout (rank 0 reports the run)
};

// Runs `arguments` (arguments[0] is ignored: this executable runs, from /proc/self/exe) in
// `options.processes` child processes with RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and
// MASTER_PORT set. When a rank fails, the others get the timeout to end on their own, then
// SIGTERM. SIGINT and SIGTERM to this process are passed to every rank (they stop together).
// Returns rank 0's exit status, or the first failing rank's; a message on stderr names the rank.
int launchLocalRanks(const std::vector<std::string>& arguments, const LaunchOptions& options);

}  // namespace ft::distributed
