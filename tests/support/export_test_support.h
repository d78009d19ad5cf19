#pragma once
// Helpers of the export and prediction tests: real Fashion-MNIST test images preprocessed as
// evaluation does, and models whose BatchNorm layers carry non-trivial statistics, so that
// folding BatchNorm into the convolutions is really exercised.
#include <string>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "data/idx_dataset.h"
#include "export/model_export.h"
#include "export/predict.h"
#include "models/resnet.h"

namespace ft::test {

inline const char* kFashionMnist = "/usr/share/datasets/fashion-mnist";

inline exporting::ExportMetadata fashionMetadata(models::Architecture arch, int inputSize) {
  exporting::ExportMetadata metadata;
  metadata.architecture = models::architectureName(arch);
  metadata.classNames = data::idxClassNames(kFashionMnist);
  metadata.inputSize = inputSize;
  metadata.imageChannels = 1;
  metadata.sourceRun = "test";
  return metadata;
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
// statistics of that batch), then evaluation mode.
inline void giveBatchNormStatistics(models::ResNet& model, const torch::Tensor& images, std::uint64_t seed) {
  torch::manual_seed(seed);
  torch::NoGradGuard noGrad;
  for (auto& module : model->modules(/*include_self=*/false))
    if (auto* bn = module->as<torch::nn::BatchNorm2d>()) {
      bn->weight.uniform_(0.6, 1.4);
      bn->bias.uniform_(-0.2, 0.2);
      bn->options.momentum(1.0);
    }
  model->train();
  model->forward(images);
  for (auto& module : model->modules(false))
    if (auto* bn = module->as<torch::nn::BatchNorm2d>()) bn->options.momentum(0.1);
  model->eval();
}

inline double maxAbsDiff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

inline torch::Tensor libtorchLogits(models::ResNet& model, const torch::Tensor& images) {
  torch::NoGradGuard noGrad;
  model->eval();
  return model->forward(images);
}

}  // namespace ft::test
