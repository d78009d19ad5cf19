#pragma once
// Data-parallel training's two collectives on a model (issue 16): the same starting state on
// every rank, and gradients summed across ranks before each optimiser step. The C++ DDP engine
// (c10d::Reducer) cannot be used with Debian's headers (pytorch#88006), so the gradients are
// all-reduced here, in flattened buckets as DDP does.
#include <cstddef>
#include <memory>
#include <vector>

#include <torch/torch.h>

#include "distributed/communicator.h"
#include "models/batch_norm.h"

namespace ft::distributed {

constexpr std::size_t kDefaultBucketBytes = std::size_t(25) << 20;  // DDP's bucket_cap_mb

// Every gradient becomes sum over ranks of (weight_r * gradient_r). With weight_r = this rank's
// share of the global batch (its images / all images), that is the gradient of the global
// batch's mean loss, also when the last batch divides unevenly. Parameters without a gradient
// (frozen) are skipped: every rank freezes the same ones. Buckets hold one dtype and device.
// Returns the number of buckets sent.
int allReduceGradients(Communicator& communicator, const std::vector<torch::Tensor>& parameters,
                       double weight, std::size_t bucketBytes = kDefaultBucketBytes);

// Parameters and buffers from `root` to every other rank (the same start everywhere).
void broadcastModuleState(Communicator& communicator, torch::nn::Module& module, int root = 0);
// Buffers only (BatchNorm's running statistics), as DDP's broadcast_buffers: before each
// validation, so every rank evaluates the model rank 0 saves.
void broadcastBuffers(Communicator& communicator, torch::nn::Module& module, int root = 0);

// The models' synchronised BatchNorm (models::SyncBatchNormScope) over `communicator`, which
// must outlive it.
std::shared_ptr<models::BatchStatsReducer> batchStatsReducer(Communicator& communicator);

}  // namespace ft::distributed
