#include "models/resnet.h"
#include "models/batch_norm.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <sstream>
#include <unordered_set>

#include "common/error.h"
#include "models/conv.h"
#include "models/resnet_blocks.h"

namespace ft::models {

namespace {

constexpr const char* kHeadName = "fc";

struct ArchSpec {
  Architecture arch;
  const char* name;
  const char* displayName;
  bool bottleneck;
  std::array<int, 4> blocks;
};

constexpr std::array<ArchSpec, 4> kSpecs{{
    {Architecture::ResNet18, "resnet18", "ResNet-18", false, {2, 2, 2, 2}},
    {Architecture::ResNet34, "resnet34", "ResNet-34", false, {3, 4, 6, 3}},
    {Architecture::ResNet50, "resnet50", "ResNet-50", true, {3, 4, 6, 3}},
    {Architecture::ResNet101, "resnet101", "ResNet-101", true, {3, 4, 23, 3}},
}};

// The keys that tell this ResNet's files from the others': the block type (conv3 only in
// bottlenecks) and the depth of layer3, the only stage whose length differs between them.
std::vector<std::string> signatureOf(const ArchSpec& spec) {
  const int last = spec.blocks[2] - 1;
  return {"conv1.weight", "layer4.0.conv1.weight",
          std::string(spec.bottleneck ? "" : "!") + "layer1.0.conv3.weight",
          "layer3." + std::to_string(last) + ".conv1.weight",
          "!layer3." + std::to_string(last + 1) + ".conv1.weight"};
}

const ArchSpec& specOf(Architecture arch) {
  for (const auto& spec : kSpecs)
    if (spec.arch == arch) return spec;
  throw std::logic_error("ft::models: unknown Architecture value");
}

std::string allowedNames() {
  std::string out;
  for (const auto& spec : kSpecs) {
    if (!out.empty()) out += ", ";
    out += spec.name;
  }
  return out;
}

// torchvision ResNet._make_layer. `inplanes` is updated to the layer's output width.
template <typename Block>
torch::nn::Sequential makeLayer(std::int64_t& inplanes, std::int64_t planes, int blocks,
                                std::int64_t stride) {
  torch::nn::Sequential layer;
  const std::int64_t outplanes = planes * Block::ContainedType::kExpansion;
  torch::nn::Sequential downsample{nullptr};
  if (stride != 1 || inplanes != outplanes) downsample = makeDownsample(inplanes, outplanes, stride);
  layer->push_back(Block(inplanes, planes, stride, downsample));
  inplanes = outplanes;
  for (int i = 1; i < blocks; ++i)
    layer->push_back(Block(inplanes, planes, 1, torch::nn::Sequential{nullptr}));
  return layer;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Names

Architecture parseArchitecture(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const auto& spec : kSpecs)
    if (lower == spec.name) return spec.arch;
  throw UserError("Unknown model architecture \"" + name + "\": use one of " + allowedNames() + ".");
}

std::string architectureName(Architecture arch) { return specOf(arch).name; }
std::string architectureDisplayName(Architecture arch) { return specOf(arch).displayName; }

const std::vector<ArchitectureInfo>& resnetArchitectures() {
  static const std::vector<ArchitectureInfo> infos = [] {
    std::vector<ArchitectureInfo> list;
    for (const auto& spec : kSpecs)
      list.push_back({spec.name, spec.displayName, "resnet", defaultInputSize(spec.arch),
                      featureDimFor(spec.arch), kHeadName, signatureOf(spec)});
    return list;
  }();
  return infos;
}

std::int64_t defaultInputSize(Architecture) { return 224; }

std::int64_t featureDimFor(Architecture arch) {
  return specOf(arch).bottleneck ? 512 * BottleneckImpl::kExpansion : 512 * BasicBlockImpl::kExpansion;
}

// ---------------------------------------------------------------------------------------------
// ResNetImpl

ResNetImpl::ResNetImpl(Architecture arch, int numClasses)
    : ClassifierImpl(numClasses), m_arch(arch), m_info(nullptr) {
  checkNumClasses(numClasses, "ResNet");
  const ArchSpec& spec = specOf(arch);
  for (const auto& entry : resnetArchitectures())
    if (entry.name == spec.name) m_info = &entry;

  // Registration order follows torchvision's attribute order, which fixes the key order of
  // named_parameters / named_buffers / state dict. relu, maxpool and avgpool have no state and
  // are applied functionally.
  conv1 = register_module("conv1", torch::nn::Conv2d(
                                       torch::nn::Conv2dOptions(3, 64, 7).stride(2).padding(3).bias(false)));
  bn1 = register_module("bn1", torch::nn::BatchNorm2d(64));

  std::int64_t inplanes = 64;
  const std::array<std::int64_t, 4> planes{64, 128, 256, 512};
  const std::array<std::int64_t, 4> strides{1, 2, 2, 2};
  std::array<torch::nn::Sequential, 4> layers{nullptr, nullptr, nullptr, nullptr};
  for (std::size_t i = 0; i < 4; ++i) {
    layers[i] = spec.bottleneck ? makeLayer<Bottleneck>(inplanes, planes[i], spec.blocks[i], strides[i])
                                : makeLayer<BasicBlock>(inplanes, planes[i], spec.blocks[i], strides[i]);
  }
  layer1 = register_module("layer1", layers[0]);
  layer2 = register_module("layer2", layers[1]);
  layer3 = register_module("layer3", layers[2]);
  layer4 = register_module("layer4", layers[3]);
  fc = register_module(kHeadName, torch::nn::Linear(featureDim(), numClasses));

  // torchvision's initialisation (zero_init_residual = False). Linear keeps LibTorch's default
  // reset_parameters(), which is PyTorch's: kaiming_uniform_(a = sqrt(5)) weight, bias
  // U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
  torch::NoGradGuard noGrad;
  for (auto& module : modules(/*include_self=*/false)) {
    if (auto* conv = module->as<torch::nn::Conv2d>()) {
      torch::nn::init::kaiming_normal_(conv->weight, /*a=*/0.0, torch::kFanOut, torch::kReLU);
    } else if (auto* bn = module->as<torch::nn::BatchNorm2d>()) {
      torch::nn::init::ones_(bn->weight);
      torch::nn::init::zeros_(bn->bias);
    }
  }
}

const ArchitectureInfo& ResNetImpl::info() const { return *m_info; }

torch::Tensor ResNetImpl::features(torch::Tensor x) {
  x = torch::relu(batchNorm(*bn1, convolve(*conv1, x)));
  x = torch::max_pool2d(x, /*kernel_size=*/3, /*stride=*/2, /*padding=*/1);
  x = layer1->forward(x);
  x = layer2->forward(x);
  x = layer3->forward(x);
  x = layer4->forward(x);
  x = torch::adaptive_avg_pool2d(x, {1, 1});
  return torch::flatten(x, 1);
}

torch::Tensor ResNetImpl::classify(torch::Tensor features) { return fc->forward(features); }

void ResNetImpl::replaceHead(int numClasses) {
  checkNumClasses(numClasses, "ResNet::replaceHead");
  torch::nn::Linear head(featureDim(), numClasses);
  // Follow the old head's device and dtype (the model may already live on a GPU).
  head->to(fc->weight.device(), fc->weight.scalar_type());
  head->train(is_training());
  // replace_module keeps "fc" at its place in the child order (so in the state dict order).
  replace_module(kHeadName, head);
  fc = head;
  setNumClasses(numClasses);
}

}  // namespace ft::models
