#include "models/mobilenet.h"

#include <cmath>

#include "common/error.h"

namespace ft::models {
namespace {

constexpr double kDropout = 0.2;

// Linear layers as torchvision initialises them in MobileNets: N(0, 0.01) weights, zero bias.
void initialiseLinear(torch::nn::Linear& linear) {
  torch::NoGradGuard noGrad;
  torch::nn::init::normal_(linear->weight, 0.0, 0.01);
  torch::nn::init::zeros_(linear->bias);
}

// --- MobileNetV2 ------------------------------------------------------------------------------

struct V2Stage {
  int expansion, channels, repeats, stride;
};
constexpr V2Stage kV2Stages[] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                                 {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};

InvertedResidual v2Block(std::int64_t in, std::int64_t out, std::int64_t stride, int expansion) {
  const NormSettings norm;
  const std::int64_t hidden = std::llround(double(in) * expansion);
  torch::nn::Sequential body;
  if (expansion != 1) body->push_back(ConvNormActivation(in, hidden, 1, 1, 1, Activation::ReLU6, norm));
  body->push_back(ConvNormActivation(hidden, hidden, 3, stride, hidden, Activation::ReLU6, norm));
  body->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(hidden, out, 1).bias(false)));
  body->push_back(torch::nn::BatchNorm2d(out));
  return InvertedResidual("conv", body, stride == 1 && in == out);
}

// --- MobileNetV3 ------------------------------------------------------------------------------

struct V3Block {
  int in, kernel, expanded, out;
  bool squeeze;
  bool hardswish;
  int stride;
};

const std::vector<V3Block>& v3Blocks(bool large) {
  static const std::vector<V3Block> largeBlocks = {
      {16, 3, 16, 16, false, false, 1},  {16, 3, 64, 24, false, false, 2},  {24, 3, 72, 24, false, false, 1},
      {24, 5, 72, 40, true, false, 2},   {40, 5, 120, 40, true, false, 1},  {40, 5, 120, 40, true, false, 1},
      {40, 3, 240, 80, false, true, 2},  {80, 3, 200, 80, false, true, 1},  {80, 3, 184, 80, false, true, 1},
      {80, 3, 184, 80, false, true, 1},  {80, 3, 480, 112, true, true, 1},  {112, 3, 672, 112, true, true, 1},
      {112, 5, 672, 160, true, true, 2}, {160, 5, 960, 160, true, true, 1}, {160, 5, 960, 160, true, true, 1},
  };
  static const std::vector<V3Block> smallBlocks = {
      {16, 3, 16, 16, true, false, 2}, {16, 3, 72, 24, false, false, 2}, {24, 3, 88, 24, false, false, 1},
      {24, 5, 96, 40, true, true, 2},  {40, 5, 240, 40, true, true, 1},  {40, 5, 240, 40, true, true, 1},
      {40, 5, 120, 48, true, true, 1}, {48, 5, 144, 48, true, true, 1},  {48, 5, 288, 96, true, true, 2},
      {96, 5, 576, 96, true, true, 1}, {96, 5, 576, 96, true, true, 1},
  };
  return large ? largeBlocks : smallBlocks;
}

InvertedResidual v3Block(const V3Block& spec) {
  const NormSettings norm{1e-3, 0.01};
  const Activation act = spec.hardswish ? Activation::Hardswish : Activation::ReLU;
  const std::int64_t in = makeDivisible(spec.in), expanded = makeDivisible(spec.expanded),
                     out = makeDivisible(spec.out);
  torch::nn::Sequential body;
  if (expanded != in) body->push_back(ConvNormActivation(in, expanded, 1, 1, 1, act, norm));
  body->push_back(ConvNormActivation(expanded, expanded, spec.kernel, spec.stride, expanded, act, norm));
  if (spec.squeeze)
    body->push_back(SqueezeExcitation(expanded, makeDivisible(double(expanded / 4)), Activation::ReLU,
                                      Activation::Hardsigmoid));
  body->push_back(ConvNormActivation(expanded, out, 1, 1, 1, Activation::None, norm));
  return InvertedResidual("block", body, spec.stride == 1 && in == out);
}

const ArchitectureInfo& infoNamed(const char* name) {
  for (const auto& info : mobilenetArchitectures())
    if (info.name == name) return info;
  throw std::logic_error(std::string("ft::models: no MobileNet called ") + name);
}

}  // namespace

const std::vector<ArchitectureInfo>& mobilenetArchitectures() {
  // Signatures: V2's blocks keep their body in "conv", V3's in "block"; V3-Large has 15 blocks
  // (features.16 is its last convolution), V3-Small 11 (features.12). V2 and V3-Small train
  // faster in NCHW even in bfloat16 (BENCHMARKS.md, "channels-last per architecture").
  static const std::vector<ArchitectureInfo> infos = {
      {"mobilenet_v2",
       "MobileNetV2",
       "mobilenet",
       224,
       1280,
       "classifier.1",
       {"features.1.conv.0.0.weight", "features.18.0.weight", "!features.19.0.weight"},
       1,
       1,
       false},
      {"mobilenet_v3_small",
       "MobileNetV3-Small",
       "mobilenet",
       224,
       1024,
       "classifier.3",
       {"features.1.block.0.0.weight", "features.12.0.weight", "!features.13.0.weight",
        "classifier.0.weight"},
       1,
       1,
       false},
      {"mobilenet_v3_large",
       "MobileNetV3-Large",
       "mobilenet",
       224,
       1280,
       "classifier.3",
       {"features.1.block.0.0.weight", "features.16.0.weight", "!features.17.0.weight",
        "classifier.0.weight"}},
  };
  return infos;
}

// ---------------------------------------------------------------------------------------------

MobileNetV2Impl::MobileNetV2Impl(int numClasses) : ClassifierImpl(numClasses) {
  checkNumClasses(numClasses, "MobileNetV2");
  torch::nn::Sequential layers;
  std::int64_t channels = makeDivisible(32);
  layers->push_back(ConvNormActivation(3, channels, 3, 2, 1, Activation::ReLU6, NormSettings{}));
  for (const auto& stage : kV2Stages) {
    const std::int64_t out = makeDivisible(stage.channels);
    for (int i = 0; i < stage.repeats; ++i) {
      layers->push_back(v2Block(channels, out, i == 0 ? stage.stride : 1, stage.expansion));
      channels = out;
    }
  }
  layers->push_back(ConvNormActivation(channels, 1280, 1, 1, 1, Activation::ReLU6, NormSettings{}));
  featureLayers = register_module("features", layers);
  classifier = register_module("classifier", std::make_shared<torch::nn::Module>());
  dropout = classifier->register_module("0", torch::nn::Dropout(kDropout));
  head = classifier->register_module("1", torch::nn::Linear(1280, numClasses));
  initialiseConvolutionsAndNorms(*this);
  initialiseLinear(head);
}

const ArchitectureInfo& MobileNetV2Impl::info() const { return infoNamed("mobilenet_v2"); }

torch::Tensor MobileNetV2Impl::features(torch::Tensor x) {
  x = featureLayers->forward(x);
  return torch::flatten(torch::adaptive_avg_pool2d(x, {1, 1}), 1);
}

torch::Tensor MobileNetV2Impl::classify(torch::Tensor features) {
  return head->forward(dropout->forward(features));
}

void MobileNetV2Impl::replaceHead(int numClasses) {
  checkNumClasses(numClasses, "MobileNetV2::replaceHead");
  head = replaceLinearChild(*classifier, "1", head, numClasses, is_training());
  setNumClasses(numClasses);
}

// ---------------------------------------------------------------------------------------------

MobileNetV3Impl::MobileNetV3Impl(bool large, int numClasses) : ClassifierImpl(numClasses), m_large(large) {
  checkNumClasses(numClasses, large ? "MobileNetV3-Large" : "MobileNetV3-Small");
  const NormSettings norm{1e-3, 0.01};
  const auto& blocks = v3Blocks(large);
  torch::nn::Sequential layers;
  layers->push_back(
      ConvNormActivation(3, makeDivisible(blocks.front().in), 3, 2, 1, Activation::Hardswish, norm));
  for (const auto& spec : blocks) layers->push_back(v3Block(spec));
  const std::int64_t lastIn = makeDivisible(blocks.back().out), lastOut = 6 * lastIn;
  layers->push_back(ConvNormActivation(lastIn, lastOut, 1, 1, 1, Activation::Hardswish, norm));
  featureLayers = register_module("features", layers);
  const std::int64_t lastChannel = makeDivisible(large ? 1280 : 1024);
  classifier = register_module("classifier", std::make_shared<torch::nn::Module>());
  preHead = classifier->register_module("0", torch::nn::Linear(lastOut, lastChannel));
  dropout = classifier->register_module("2", torch::nn::Dropout(kDropout));  // "1" is the Hardswish
  head = classifier->register_module("3", torch::nn::Linear(lastChannel, numClasses));
  initialiseConvolutionsAndNorms(*this);
  initialiseLinear(preHead);
  initialiseLinear(head);
}

const ArchitectureInfo& MobileNetV3Impl::info() const {
  return infoNamed(m_large ? "mobilenet_v3_large" : "mobilenet_v3_small");
}

torch::Tensor MobileNetV3Impl::features(torch::Tensor x) {
  x = featureLayers->forward(x);
  x = torch::flatten(torch::adaptive_avg_pool2d(x, {1, 1}), 1);
  return torch::hardswish(preHead->forward(x));
}

torch::Tensor MobileNetV3Impl::classify(torch::Tensor features) {
  return head->forward(dropout->forward(features));
}

void MobileNetV3Impl::replaceHead(int numClasses) {
  checkNumClasses(numClasses, "MobileNetV3::replaceHead");
  head = replaceLinearChild(*classifier, "3", head, numClasses, is_training());
  setNumClasses(numClasses);
}

}  // namespace ft::models
