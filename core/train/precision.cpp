#include "train/precision.h"

#include <ATen/autocast_mode.h>

#include "common/error.h"
#include "train/device.h"

namespace ft::train {

std::string precisionName(Precision precision) {
  switch (precision) {
    case Precision::BFloat16: return "bfloat16";
    case Precision::Float16: return "float16";
    case Precision::Float32: break;
  }
  return "float32";
}

DeviceTraits traitsOf(const torch::Device& device) {
  DeviceTraits traits;
  traits.cuda = device.is_cuda();
  if (traits.cuda)
    traits.cudaComputeMajor = cudaComputeCapabilityMajor(device.has_index() ? device.index() : 0);
  traits.cpu = cpuFeatures();
  return traits;
}

namespace {

TrainingPrecision resolveTraining(const std::string& setting, const DeviceTraits& d) {
  TrainingPrecision p;
  const std::string cpuLine = "this CPU: " + d.cpu.bf16Summary();
  if (setting == "float32") {
    p.reason = "float32 (train.precision)";
  } else if (setting == "float16") {
    if (!d.cuda)
      throw UserError("config: train.precision float16 is for CUDA devices (LibTorch's CPU kernels have no "
                      "float16 path); on a CPU choose bfloat16, or auto");
    p.training = Precision::Float16;
    p.reason = "float16 mixed precision with dynamic loss scaling (train.precision)";
  } else if (setting == "bfloat16") {
    p.training = Precision::BFloat16;
    if (d.cuda)
      p.reason = "bfloat16 mixed precision (train.precision)";
    else
      p.reason = d.cpu.nativeBf16() ? "bfloat16 mixed precision (train.precision; " + cpuLine + ")"
                                    : "bfloat16 mixed precision (train.precision); " + cpuLine +
                                          ", so bfloat16 is emulated and slower than float32";
  } else if (d.cuda) {  // auto
    if (d.cudaComputeMajor >= 0 && d.cudaComputeMajor < 7) {
      p.reason = "float32 (auto: this GPU has no tensor cores, compute capability " +
                 std::to_string(d.cudaComputeMajor) + ".x)";
    } else {
      p.training = Precision::Float16;
      p.reason = "float16 mixed precision with dynamic loss scaling (auto: CUDA device)";
    }
  } else if (d.cpu.nativeBf16()) {
    p.training = Precision::BFloat16;
    p.reason = "bfloat16 mixed precision (auto: " + cpuLine + ")";
  } else {
    p.reason = "float32 (auto: " + cpuLine + ")";
  }
  return p;
}

}  // namespace

TrainingPrecision resolvePrecision(const std::string& setting, const std::string& validationSetting,
                                   const DeviceTraits& device) {
  TrainingPrecision p = resolveTraining(setting, device);
  p.lossScaling = p.training == Precision::Float16;
  // oneDNN's bfloat16 convolutions and cuDNN's tensor-core kernels want NHWC; float32 on a CPU
  // runs faster in NCHW (measured, BENCHMARKS.md).
  p.channelsLast = p.training != Precision::Float32;
  p.validation = validationSetting == "float32" ? Precision::Float32 : p.training;
  p.reason = "Training precision: " + p.reason + "; validation in " + precisionName(p.validation) +
             (p.training == Precision::Float32 ? "" : "; weights, optimiser state and checkpoints float32");
  return p;
}

Autocast::Autocast(Precision precision, const torch::Device& device) {
  if (precision == Precision::Float32) return;
  m_active = true;
  m_cuda = device.is_cuda();
  const auto type = precision == Precision::BFloat16 ? at::kBFloat16 : at::kHalf;
  if (m_cuda) {
    m_wasEnabled = at::autocast::is_enabled();
    m_wasType = at::autocast::get_autocast_gpu_dtype();
    at::autocast::set_autocast_gpu_dtype(type);
    at::autocast::set_enabled(true);
  } else {
    m_wasEnabled = at::autocast::is_cpu_enabled();
    m_wasType = at::autocast::get_autocast_cpu_dtype();
    at::autocast::set_autocast_cpu_dtype(type);
    at::autocast::set_cpu_enabled(true);
  }
  at::autocast::increment_nesting();
}

Autocast::~Autocast() {
  if (!m_active) return;
  // The weight casts cached inside the scope are stale once the optimiser steps.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  if (m_cuda) {
    at::autocast::set_enabled(m_wasEnabled);
    at::autocast::set_autocast_gpu_dtype(m_wasType);
  } else {
    at::autocast::set_cpu_enabled(m_wasEnabled);
    at::autocast::set_autocast_cpu_dtype(m_wasType);
  }
}

void setConvolutionLayout(models::ClassifierImpl& model, bool channelsLast) {
  const auto format = channelsLast ? torch::MemoryFormat::ChannelsLast : torch::MemoryFormat::Contiguous;
  torch::NoGradGuard noGrad;
  for (auto& p : model.parameters())
    if (p.dim() == 4 && !p.is_contiguous(format)) p.set_data(p.data().contiguous(format));
}

TrainingPrecision precisionFor(const config::RunConfig& config, const torch::Device& device) {
  TrainingPrecision p =
      resolvePrecision(config.train.precision, config.train.validationPrecision, traitsOf(device));
  if (p.channelsLast && device.is_cpu()) {
    try {
      p.channelsLast = models::architectureInfo(config.model.architecture).cpuChannelsLast;
    } catch (const UserError&) {
      // An unknown architecture: validate() names it; the layout does not matter.
    }
  }
  return p;
}

torch::Tensor featuresIn(models::ClassifierImpl& model, const torch::Tensor& images, Precision precision,
                         bool channelsLast) {
  const auto input = channelsLast ? images.contiguous(torch::MemoryFormat::ChannelsLast) : images;
  Autocast autocast(precision, images.device());
  return model.features(input).to(torch::kFloat32);
}

}  // namespace ft::train
