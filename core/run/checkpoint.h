#pragma once
// Checkpoints: model weights, optimiser state and the trainer's own state (JSON), written
// atomically. Reading checks every tensor's name and shape before copying it.
#include <string>

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

}  // namespace ft::run
