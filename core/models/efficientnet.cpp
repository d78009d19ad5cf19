#include "models/efficientnet.h"

#include <cmath>

#include "common/error.h"

namespace ft::models {
namespace {

constexpr double kDropout = 0.2;
constexpr double kStochasticDepth = 0.2;

// One stage of EfficientNet-B0 (width and depth multipliers 1.0).
struct Stage {
  int expansion, kernel, stride, in, out, layers;
};
constexpr Stage kB0Stages[] = {{1, 3, 1, 32, 16, 1},  {6, 3, 2, 16, 24, 2},  {6, 5, 2, 24, 40, 2},
                               {6, 3, 2, 40, 80, 3},  {6, 5, 1, 80, 112, 3}, {6, 5, 2, 112, 192, 4},
                               {6, 3, 1, 192, 320, 1}};

InvertedResidual mbConv(std::int64_t in, std::int64_t out, int expansion, int kernel, int stride,
                        double stochasticDepth) {
  const NormSettings norm;  // B0-B7 use BatchNorm2d's defaults
  const std::int64_t expanded = makeDivisible(double(in * expansion));
  torch::nn::Sequential body;
  if (expanded != in) body->push_back(ConvNormActivation(in, expanded, 1, 1, 1, Activation::SiLU, norm));
  body->push_back(ConvNormActivation(expanded, expanded, kernel, stride, expanded, Activation::SiLU, norm));
  body->push_back(
      SqueezeExcitation(expanded, std::max<std::int64_t>(1, in / 4), Activation::SiLU, Activation::Sigmoid));
  body->push_back(ConvNormActivation(expanded, out, 1, 1, 1, Activation::None, norm));
  return InvertedResidual("block", body, stride == 1 && in == out, stochasticDepth);
}

}  // namespace

const std::vector<ArchitectureInfo>& efficientnetArchitectures() {
  // Signature: MBConv bodies hold an SE block ("fc1") and the stages are Sequentials of blocks
  // (features.1.0.block...), eight of them before the last convolution (features.8).
  static const std::vector<ArchitectureInfo> infos = {
      {"efficientnet_b0",
       "EfficientNet-B0",
       "efficientnet",
       224,
       1280,
       "classifier.1",
       {"features.1.0.block.0.0.weight", "features.1.0.block.1.fc1.weight", "features.7.0.block.0.0.weight",
        "!features.7.1.block.0.0.weight", "features.8.0.weight", "!features.9.0.weight"}},
  };
  return infos;
}

EfficientNetImpl::EfficientNetImpl(int numClasses) : ClassifierImpl(numClasses) {
  checkNumClasses(numClasses, "EfficientNet");
  const NormSettings norm;
  torch::nn::Sequential layers;
  layers->push_back(ConvNormActivation(3, makeDivisible(kB0Stages[0].in), 3, 2, 1, Activation::SiLU, norm));
  int totalBlocks = 0;
  for (const auto& stage : kB0Stages) totalBlocks += stage.layers;
  int block = 0;
  for (const auto& stage : kB0Stages) {
    BlockSequence blocks;
    for (int i = 0; i < stage.layers; ++i, ++block) {
      const std::int64_t in = makeDivisible(i == 0 ? stage.in : stage.out);
      blocks->push_back(mbConv(in, makeDivisible(stage.out), stage.expansion, stage.kernel,
                               i == 0 ? stage.stride : 1,
                               kStochasticDepth * double(block) / double(totalBlocks)));
    }
    layers->push_back(blocks);
  }
  const std::int64_t lastIn = makeDivisible(kB0Stages[6].out), lastOut = 4 * lastIn;
  layers->push_back(ConvNormActivation(lastIn, lastOut, 1, 1, 1, Activation::SiLU, norm));
  featureLayers = register_module("features", layers);
  classifier = register_module("classifier", std::make_shared<torch::nn::Module>());
  dropout = classifier->register_module("0", torch::nn::Dropout(kDropout));
  head = classifier->register_module("1", torch::nn::Linear(lastOut, numClasses));
  initialiseConvolutionsAndNorms(*this);
  torch::NoGradGuard noGrad;
  const double range = 1.0 / std::sqrt(double(numClasses));  // torchvision: U(-1/sqrt(out), 1/sqrt(out))
  torch::nn::init::uniform_(head->weight, -range, range);
  torch::nn::init::zeros_(head->bias);
}

const ArchitectureInfo& EfficientNetImpl::info() const { return efficientnetArchitectures().front(); }

torch::Tensor EfficientNetImpl::features(torch::Tensor x) {
  x = featureLayers->forward(x);
  return torch::flatten(torch::adaptive_avg_pool2d(x, {1, 1}), 1);
}

torch::Tensor EfficientNetImpl::classify(torch::Tensor features) {
  return head->forward(dropout->forward(features));
}

void EfficientNetImpl::replaceHead(int numClasses) {
  checkNumClasses(numClasses, "EfficientNet::replaceHead");
  head = replaceLinearChild(*classifier, "1", head, numClasses, is_training());
  setNumClasses(numClasses);
}

}  // namespace ft::models
