#pragma once
// Loading a state dict (torchvision names) into our ResNets, with one clear message for what
// does not fit: another architecture, missing or unexpected keys, wrong shapes.
#include <cstdint>
#include <optional>
#include <string>

#include "models/resnet.h"
#include "weights/state_dict.h"

namespace ft::weights {

// Which of our architectures a state dict was made for, from its keys; nullopt when it is not a
// torchvision ResNet-18/34/50 (no conv1/layer keys, or a deeper ResNet).
std::optional<models::Architecture> guessArchitecture(const StateDict& state);

struct LoadReport {
  std::size_t tensorsCopied = 0;
  // fc.* was not loaded (the file has another class count or no head): the model's head keeps
  // its fresh initialisation.
  bool headSkipped = false;
  std::int64_t fileClasses = 0;  // rows of the file's fc.weight; 0 when it has none
  std::string summary;           // one line for the log
};

struct LoadOptions {
  // Every model key must be in the file and every file key in the model (fc.* aside when the
  // head is skipped).
  bool strict = true;
};

// Copies `state` into `model`. "module." prefixes (DataParallel) are stripped. The head is
// skipped when the file's class count differs from the model's. Throws ft::UserError naming
// `source`: "these are ResNet-50 weights; the model is ResNet-18", or the missing, unexpected
// and mismatched keys in one message. The model is untouched when it throws.
LoadReport loadResNetWeights(models::ClassifierImpl& model, const StateDict& state, const std::string& source,
                             const LoadOptions& options = {});

}  // namespace ft::weights
