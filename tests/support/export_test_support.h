#pragma once
// Helpers of the export and prediction tests: real Fashion-MNIST test images preprocessed as
// evaluation does, and models whose BatchNorm layers carry non-trivial statistics, so that
// folding BatchNorm into the convolutions is really exercised.
#include <map>
#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "data/idx_dataset.h"
#include "export/model_export.h"
#include "export/predict.h"
#include "models/blocks.h"
#include "models/resnet.h"

namespace ft::test {

inline const char* kFashionMnist = "/usr/share/datasets/fashion-mnist";

inline exporting::ExportMetadata fashionMetadata(const std::string& architecture, int inputSize) {
  exporting::ExportMetadata metadata;
  metadata.architecture = architecture;
  metadata.classNames = data::idxClassNames(kFashionMnist);
  metadata.inputSize = inputSize;
  metadata.imageChannels = 1;
  metadata.sourceRun = "test";
  return metadata;
}

inline exporting::ExportMetadata fashionMetadata(models::Architecture arch, int inputSize) {
  return fashionMetadata(models::architectureName(arch), inputSize);
}

// Test images [first, first + count) of Fashion-MNIST, preprocessed for `metadata`.
inline torch::Tensor fashionImages(int first, int count, const exporting::ExportMetadata& metadata) {
  static const auto dataset = data::loadIdxDataset(kFashionMnist, data::IdxSplit::Test);
  std::vector<torch::Tensor> images;
  for (int i = first; i < first + count; ++i)
    images.push_back(exporting::preprocessImage(dataset->image(std::size_t(i)), metadata));
  return torch::stack(images);
}

// Random BatchNorm affine parameters, running statistics set from `images` (momentum 1: the
// statistics of that batch), then evaluation mode. `Model`: a ResNet or a models::Classifier.
template <typename Model>
void giveBatchNormStatistics(Model& model, const torch::Tensor& images, std::uint64_t seed) {
  torch::manual_seed(seed);
  torch::NoGradGuard noGrad;
  std::map<const torch::nn::BatchNorm2dImpl*, c10::optional<double>> momenta;
  for (const std::shared_ptr<torch::nn::Module>& module : model->modules(/*include_self=*/false))
    if (auto* bn = module->as<torch::nn::BatchNorm2d>()) {
      momenta[bn] = bn->options.momentum();
      bn->weight.uniform_(0.6, 1.4);
      bn->bias.uniform_(-0.2, 0.2);
      bn->options.momentum(1.0);
    }
  if (momenta.empty()) {  // ConvNeXt, ViT: nothing to measure (and no forward pass to pay for)
    model->eval();
    return;
  }
  model->train();
  // Stochastic depth off while the statistics are taken: they are then those of the network
  // that evaluation runs (EfficientNet's drop its branches at random in train mode).
  for (const std::shared_ptr<torch::nn::Module>& module : model->modules(false))
    if (module->as<models::StochasticDepth>()) module->eval();
  model->forward(images);
  for (const std::shared_ptr<torch::nn::Module>& module : model->modules(false))
    if (auto* bn = module->as<torch::nn::BatchNorm2d>()) bn->options.momentum(momenta.at(bn));
  model->eval();
}

inline double maxAbsDiff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

template <typename Model>
torch::Tensor libtorchLogits(Model& model, const torch::Tensor& images) {
  torch::NoGradGuard noGrad;
  model->eval();
  return model->forward(images);
}

}  // namespace ft::test
