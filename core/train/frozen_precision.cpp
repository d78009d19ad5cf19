#include "train/frozen_precision.h"

#include <ATen/autocast_mode.h>

namespace ft::train {

FrozenPrecision resolveFrozenPrecision(const std::string& setting, const torch::Device& device) {
  if (setting == "float32") return {false, "Frozen backbone forward in float32 (train.frozen_precision)"};
  if (!device.is_cpu())
    return {false, "Frozen backbone forward in float32: the bfloat16 path is for CPUs (device " +
                       device.str() + ")"};
  if (setting == "bfloat16")
    return {true, cpuHasBf16() ? "Frozen backbone forward in bfloat16 (train.frozen_precision)"
                               : "Frozen backbone forward in bfloat16 (train.frozen_precision); this "
                                 "CPU has no AVX512-BF16, so it is emulated and slower than float32"};
  if (cpuHasBf16())
    return {true, "Frozen backbone forward in bfloat16 (this CPU has AVX512-BF16; head, loss and "
                  "validation stay float32)"};
  return {false, "Frozen backbone forward in float32 (this CPU has no AVX512-BF16)"};
}

void setConvolutionLayout(models::ResNetImpl& model, bool channelsLast) {
  const auto format = channelsLast ? torch::MemoryFormat::ChannelsLast : torch::MemoryFormat::Contiguous;
  torch::NoGradGuard noGrad;
  for (auto& p : model.parameters())
    if (p.dim() == 4 && !p.is_contiguous(format)) p.set_data(p.data().contiguous(format));
}

namespace {
// CPU autocast to bfloat16 for one scope; the autocast state is per thread.
class Bf16Autocast {
 public:
  Bf16Autocast()
      : m_wasEnabled(at::autocast::is_cpu_enabled()), m_wasType(at::autocast::get_autocast_cpu_dtype()) {
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    at::autocast::set_cpu_enabled(true);
  }
  ~Bf16Autocast() {
    at::autocast::set_cpu_enabled(m_wasEnabled);
    at::autocast::set_autocast_cpu_dtype(m_wasType);
    if (!m_wasEnabled) at::autocast::clear_cache();
  }
  Bf16Autocast(const Bf16Autocast&) = delete;
  Bf16Autocast& operator=(const Bf16Autocast&) = delete;

 private:
  bool m_wasEnabled;
  at::ScalarType m_wasType;
};
}  // namespace

torch::Tensor bf16Features(models::ResNetImpl& model, const torch::Tensor& images) {
  Bf16Autocast autocast;
  return model.features(images.contiguous(torch::MemoryFormat::ChannelsLast)).to(torch::kFloat32);
}

}  // namespace ft::train
