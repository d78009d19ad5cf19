#include "api/launch_api.h"

#include <cstdlib>

namespace ft::api {

bool launchedAsRank() {
  for (const char* name : {"WORLD_SIZE", "SLURM_NTASKS"})
    if (const char* value = std::getenv(name); value && *value) return true;
  return false;
}

}  // namespace ft::api
