#pragma once
// Checkpoints: model weights, optimiser state and the trainer's own state (JSON), written
// atomically. Reading checks every tensor's name and shape before copying it.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

namespace ft::run {

// Writes named parameters and buffers of `model` (and the optimiser state if given) plus
// `state` to `path` atomically. Throws ft::UserError naming the file (disk full, ...).
void saveCheckpoint(const std::string& path, const torch::nn::Module& model,
                    const torch::optim::Optimizer* optimizer, const nlohmann::json& state);

// Reads `path` into `model` (every key must exist with the same shape) and the optimiser
// state if `optimizer` is given. Returns the trainer state. Throws ft::UserError.
nlohmann::json loadCheckpoint(const std::string& path, torch::nn::Module& model,
                              torch::optim::Optimizer* optimizer);

// Opens the checkpoint `path` into `archive` and returns the trainer state stored with it (JSON
// text). Throws ft::UserError: "<path><whenDamaged>" when the file cannot be read as an archive
// (the caller says what to do instead), "<path>: this file is not a FineTune Studio checkpoint"
// when it has no trainer state.
std::string openCheckpoint(torch::serialize::InputArchive& archive, const std::string& path,
                           const std::string& whenDamaged);

// Model tensors only, for exports and starting weights. With `skipMismatchedHead`, fc.* of a
// different shape is left as initialised (the head replacement of the seed).
void writeModelState(torch::serialize::OutputArchive& archive, const torch::nn::Module& model);
void readModelState(torch::serialize::InputArchive& archive, torch::nn::Module& model,
                    const std::string& file, bool skipMismatchedHead);

// Checks a LibTorch archive (a checkpoint or a .pt export) before LibTorch opens it: every
// record's CRC-32 (LibTorch's writer stores them, its reader never checks them, so flipped
// bytes used to load silently), and no TorchScript code: LibTorch's loader runs methods such as
// __setstate__ from the file, and the archives FineTune Studio writes declare no methods.
// Throws ft::UserError naming the file: for damage, "<path><whenDamaged> [<the record>]".
void checkArchive(const std::string& path, const std::string& whenDamaged);

// The archive's bytes, serialised in memory, for writeFileAtomically (common/atomic_file.h):
// LibTorch's own file writer aborts the process on a full disk.
std::string serializedArchive(torch::serialize::OutputArchive& archive);

// Removes the temporaries (<name>.tmp-<pid>) that a process killed while writing left in the
// run folder `dir` and its checkpoints/ and exports/. Returns one line per file removed. Call it
// only while holding the run's lock (run/run_lock.h).
std::vector<std::string> removeStaleTemporaries(const std::string& dir);

}  // namespace ft::run
