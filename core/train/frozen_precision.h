#pragma once
// Precision of the frozen backbone's forward pass (issue 6). While the backbone is frozen its
// weights do not move, and its forward pass is nearly all of a frozen step: on a CPU with
// AVX512-BF16 it runs in bfloat16 (CPU autocast, convolution weights and inputs channels-last),
// which oneDNN executes about 1.6x faster. The head and the loss stay float32, and so does
// every validation pass, so the accuracies a run reports are float32 figures.
#include <string>

#include <torch/torch.h>

#include "models/resnet.h"
#include "train/device.h"  // cpuHasBf16

namespace ft::train {

struct FrozenPrecision {
  bool bf16 = false;
  std::string reason;  // one line for the log: what was chosen and why
};

// Resolves train.frozen_precision ("auto" | "float32" | "bfloat16") for a device. "auto" picks
// bfloat16 on a CPU with AVX512-BF16, float32 otherwise; bfloat16 is a CPU path only (a CUDA
// device runs float32 and says so in `reason`).
FrozenPrecision resolveFrozenPrecision(const std::string& setting, const torch::Device& device);

// Puts every 4-D parameter (the convolution weights) in channels-last (NHWC) memory, or back
// in contiguous (NCHW) memory. Values are unchanged; optimiser references stay valid.
void setConvolutionLayout(models::ResNetImpl& model, bool channelsLast);

// The backbone's features [B, featureDim] as float32, computed under bfloat16 CPU autocast
// from channels-last inputs. The head is not run.
torch::Tensor bf16Features(models::ResNetImpl& model, const torch::Tensor& images);

}  // namespace ft::train
