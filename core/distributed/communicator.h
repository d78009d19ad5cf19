#pragma once
// The collectives data-parallel training needs, behind one interface (issue 16): Gloo on the
// CPU; NCCL on CUDA where this LibTorch was built with it. Built on c10d's process groups (the
// engine of torch.distributed), so ranks of finetune-cli and of PyTorch meet the same way.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "distributed/rendezvous.h"

namespace ft::distributed {

struct ConnectOptions {
  // The rendezvous and every collective: a rank that died or hangs ends the others after this.
  std::chrono::milliseconds timeout{std::chrono::seconds(120)};
  // "cpu": Gloo. "cuda:N": NCCL (only where LibTorch has CUDA; cuda:LOCAL_RANK for one GPU per rank).
  std::string device = "cpu";
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int worldSize() const = 0;
  virtual std::string backend() const = 0;  // "gloo" | "nccl"
  // In place, across every rank. Throw ft::UserError when a rank has gone or the timeout passed.
  virtual void allReduceSum(std::vector<torch::Tensor>& tensors) = 0;
  virtual void broadcast(std::vector<torch::Tensor>& tensors, int root) = 0;
  virtual void barrier() = 0;
};

// Meets the other ranks of `r` and returns the group. Rank 0 serves the store on
// masterAddr:masterPort unless torchrun's agent already does. Throws ft::UserError naming the
// master address when the others do not come within the timeout.
std::unique_ptr<Communicator> connect(const Rendezvous& r, const ConnectOptions& options = {});

// Whether this LibTorch can run NCCL ("" when it can, else why not).
std::string ncclUnavailableReason();

}  // namespace ft::distributed
