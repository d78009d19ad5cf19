#pragma once
// The trainer's lines for the log (and the CLI): plain text from plain values. Torch-free.
#include <cstdint>
#include <string>

#include "run/events.h"

namespace ft::train {

// 11181642 -> "11,181,642".
std::string withThousands(std::int64_t value);

// "Epoch 2/40 (frozen) | train loss 0.6931 | train acc 75.00% | val loss 0.5123 | val acc 81.20% |
// 12.30 s, 800 img/s, waited 0.1 s for data": the log's line per epoch.
std::string epochLine(const run::EpochEvent& event, double waitedSeconds);

}  // namespace ft::train
