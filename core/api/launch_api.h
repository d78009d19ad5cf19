#pragma once
// Several local ranks for one run (issue 16): what finetune-cli train/resume --nproc starts.
// Torch-free.
#include "distributed/launcher.h"

namespace ft::api {

using distributed::LaunchOptions;
using distributed::launchLocalRanks;

// True in a process a launcher started as one rank (torchrun, srun, --nproc): WORLD_SIZE or
// SLURM_NTASKS is set, so it must not launch ranks of its own.
bool launchedAsRank();

}  // namespace ft::api
