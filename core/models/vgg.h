#pragma once
// AlexNet (2012) and VGG-16 / VGG-16-BN (2014) with torchvision 0.14's exact parameter and buffer
// names and shapes (features.0.weight, features.1.running_mean for VGG-16-BN, classifier.6.bias).
// The head is "classifier.6"; the two hidden fully connected layers (classifier.1 and .4 in
// AlexNet, .0 and .3 in VGG) stay with the backbone and keep their pretrained weights.
#include <vector>

#include <torch/torch.h>

#include "models/classifier.h"

namespace ft::models {

const std::vector<ArchitectureInfo>& vggArchitectures();

// The plain CNNs: a "features" stack of convolutions (with BatchNorm for VGG-16-BN), ReLU and
// max pooling, an adaptive average pool to 6x6 (AlexNet) or 7x7 (VGG), then three Linear layers
// with dropout.
class PlainCnnImpl : public ClassifierImpl {
 public:
  PlainCnnImpl(const std::string& name, int numClasses);
  // features -> adaptive average pool -> flatten -> the two hidden Linear + ReLU layers: [B, 4096].
  torch::Tensor features(torch::Tensor x) override;
  // classifier.6(dropout(features)) for VGG; classifier.6(features) for AlexNet, whose last
  // dropout sits before classifier.4.
  torch::Tensor classify(torch::Tensor features) override;
  const ArchitectureInfo& info() const override { return *m_info; }
  void replaceHead(int numClasses) override;

  // The layers of "features" in order: convolution (BatchNorm folded in by exporters), or max
  // pooling (kernel, stride, padding).
  struct Layer {
    enum Kind { Conv, Pool } kind;
    std::string conv, norm;  // module paths: "features.0", "features.1" ("" without BatchNorm)
    std::int64_t kernel = 0, stride = 0, padding = 0;
  };
  const std::vector<Layer>& layers() const { return m_layers; }
  std::int64_t poolSize() const { return m_poolSize; }  // 6 or 7
  bool isAlexNet() const { return m_alexnet; }

 private:
  const ArchitectureInfo* m_info = nullptr;
  bool m_alexnet = false;
  std::int64_t m_poolSize = 7;
  std::vector<Layer> m_layers;
  std::shared_ptr<torch::nn::Module> m_features, m_classifier;
  std::vector<torch::nn::Conv2d> m_convs;
  std::vector<torch::nn::BatchNorm2d> m_norms;  // empty without BatchNorm
  torch::nn::Linear m_fc1{nullptr}, m_fc2{nullptr}, m_head{nullptr};
  torch::nn::Dropout m_dropout1{nullptr}, m_dropout2{nullptr};
};

}  // namespace ft::models
