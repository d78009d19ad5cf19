#pragma once
// The arithmetic a run trains and validates in (train.precision, issue 12).
//
// bfloat16 (CPU) and float16 (CUDA) are mixed precision: the weights, the optimiser's state, the
// loss and every checkpoint stay float32; inside an Autocast scope LibTorch runs convolutions and
// matrix products in the lower precision (casting the float32 weights on the way in, and the
// gradients back to float32 on the way out of backward). float16's narrow range needs dynamic
// loss scaling (train/loss_scaler.h); bfloat16 has float32's range and needs none.
#include <string>

#include <torch/torch.h>

#include "common/cpu_features.h"
#include "config/run_config.h"
#include "models/classifier.h"

namespace ft::train {

enum class Precision { Float32, BFloat16, Float16 };
// "float32" | "bfloat16" | "float16"
std::string precisionName(Precision precision);

// What decides "auto", as plain values so tests can try every machine.
struct DeviceTraits {
  bool cuda = false;
  int cudaComputeMajor = -1;  // -1: unknown (tensor cores from 7, Volta)
  CpuFeatures cpu;
};
DeviceTraits traitsOf(const torch::Device& device);

struct TrainingPrecision {
  Precision training = Precision::Float32;    // forward and backward of every phase
  Precision validation = Precision::Float32;  // validation passes and the run's evaluation
  bool channelsLast = false;                  // convolution weights and inputs in NHWC
  bool lossScaling = false;                   // float16: dynamic loss scaling
  std::string reason;                         // one line for the log: what and why
};

// Resolves train.precision (auto | float32 | bfloat16 | float16) and train.validation_precision
// (training | float32) for a device. auto: bfloat16 on a CPU with AMX or AVX512-BF16, float16 on
// a CUDA device (float32 on one known to predate tensor cores), float32 otherwise. Throws
// ft::UserError for float16 on a CPU (LibTorch 1.13's CPU kernels have no float16 path).
TrainingPrecision resolvePrecision(const std::string& setting, const std::string& validationSetting,
                                   const DeviceTraits& device);

// resolvePrecision for a run's train.precision and train.validation_precision on `device`
// (what the trainer, the review page's estimate and evaluation all use).
TrainingPrecision precisionFor(const config::RunConfig& config, const torch::Device& device);

// Mixed precision for one scope on the calling thread (the autocast state is per thread):
// CPU autocast to bfloat16, or CUDA autocast to float16 / bfloat16. Float32: does nothing.
class Autocast {
 public:
  Autocast(Precision precision, const torch::Device& device);
  ~Autocast();
  Autocast(const Autocast&) = delete;
  Autocast& operator=(const Autocast&) = delete;

 private:
  bool m_active = false;
  bool m_cuda = false;
  bool m_wasEnabled = false;
  at::ScalarType m_wasType = at::kFloat;
};

// Puts every 4-D parameter (the convolution weights) in channels-last (NHWC) memory, or back
// in contiguous (NCHW) memory. Values are unchanged; optimiser references stay valid.
void setConvolutionLayout(models::ClassifierImpl& model, bool channelsLast);

// The backbone's features [B, featureDim] as float32, computed in `precision` (under autocast,
// from channels-last inputs when `channelsLast`). Gradients flow back through the cast, so this
// serves training as well as inference. The head is not run.
torch::Tensor featuresIn(models::ClassifierImpl& model, const torch::Tensor& images, Precision precision,
                         bool channelsLast);

}  // namespace ft::train
