#pragma once
// Loading a state dict (torchvision names) into any of our classifiers, with one clear message
// for what does not fit: another architecture, missing or unexpected keys, wrong shapes.
#include <cstdint>
#include <string>

#include "models/classifier.h"
#include "weights/state_dict.h"

namespace ft::weights {

// The architecture a state dict was made for, from its keys (each architecture's
// ArchitectureInfo::signature); nullptr when it is none of ours. "module." prefixes and legacy
// key names (DenseNet) are handled as loadClassifierWeights handles them.
const models::ArchitectureInfo* identifyArchitecture(const StateDict& state);

// torchvision renames some keys of old files on load (DenseNet's "norm.1" -> "norm1"): the same
// renaming, and DataParallel's "module." prefix stripped. Keys that need neither stay as they are.
StateDict canonicalStateDict(const StateDict& state);

struct LoadReport {
  std::size_t tensorsCopied = 0;
  // The head was not loaded (the file has another class count or no head): the model's head
  // keeps its fresh initialisation.
  bool headSkipped = false;
  std::int64_t fileClasses = 0;  // rows of the file's head weight; 0 when it has none
  std::string summary;           // one line for the log
};

struct LoadOptions {
  // Every model key must be in the file and every file key in the model (the head aside when
  // it is skipped).
  bool strict = true;
};

// Copies `state` into `model`. The head is skipped when the file's class count differs from the
// model's. Throws ft::UserError naming `source`: "these are ResNet-50 weights; the model is
// ResNet-18", or the missing, unexpected and mismatched keys in one message. The model is
// untouched when it throws.
LoadReport loadClassifierWeights(models::ClassifierImpl& model, const StateDict& state,
                                 const std::string& source, const LoadOptions& options = {});

}  // namespace ft::weights
