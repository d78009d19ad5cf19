#include "models/vgg.h"
#include "models/batch_norm.h"

#include "common/error.h"
#include "models/blocks.h"
#include "models/conv.h"

namespace ft::models {
namespace {

constexpr double kDropout = 0.5;
constexpr int kMaxPool = 0;
// torchvision's cfgs["D"]: VGG-16's convolution widths, 0 = 2x2 max pooling.
constexpr int kVgg16[] = {64,       64,  kMaxPool, 128, 128,      kMaxPool, 256, 256, 256,
                          kMaxPool, 512, 512,      512, kMaxPool, 512,      512, 512, kMaxPool};

}  // namespace

const std::vector<ArchitectureInfo>& vggArchitectures() {
  // Signatures: AlexNet's first convolution is features.0 and its last features.10; VGG-16's
  // 13 convolutions end at features.28 (plain) or features.40 (with BatchNorm).
  static const std::vector<ArchitectureInfo> infos = {
      {"alexnet",
       "AlexNet",
       "alexnet",
       224,
       4096,
       "classifier.6",
       {"features.0.weight", "features.10.weight", "!features.12.weight", "classifier.1.weight",
        "classifier.4.weight"},
       63},
      {"vgg16",
       "VGG-16",
       "vgg",
       224,
       4096,
       "classifier.6",
       {"features.0.weight", "features.28.weight", "!features.30.weight", "!features.1.running_mean",
        "classifier.0.weight", "classifier.3.weight"},
       32},
      {"vgg16_bn",
       "VGG-16-BN",
       "vgg",
       224,
       4096,
       "classifier.6",
       {"features.0.weight", "features.1.running_mean", "features.40.weight", "!features.43.weight",
        "classifier.0.weight", "classifier.3.weight"},
       32},
  };
  return infos;
}

PlainCnnImpl::PlainCnnImpl(const std::string& name, int numClasses) : ClassifierImpl(numClasses) {
  for (const auto& info : vggArchitectures())
    if (info.name == name) m_info = &info;
  if (!m_info) throw std::logic_error("ft::models: no plain CNN called " + name);
  checkNumClasses(numClasses, m_info->displayName);
  m_alexnet = name == "alexnet";
  const bool batchNorm = name == "vgg16_bn";
  m_poolSize = m_alexnet ? 6 : 7;

  m_features = register_module("features", std::make_shared<torch::nn::Module>());
  int index = 0;
  auto addConv = [&](std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride,
                     std::int64_t padding) {
    Layer layer{Layer::Conv, "features." + std::to_string(index), "", kernel, stride, padding};
    m_convs.push_back(m_features->register_module(
        std::to_string(index++),
        torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding))));
    if (batchNorm) {
      layer.norm = "features." + std::to_string(index);
      m_norms.push_back(m_features->register_module(std::to_string(index++), torch::nn::BatchNorm2d(out)));
    }
    ++index;  // ReLU
    m_layers.push_back(layer);
  };
  auto addPool = [&](std::int64_t kernel, std::int64_t stride) {
    m_layers.push_back({Layer::Pool, "", "", kernel, stride, 0});
    ++index;
  };
  if (m_alexnet) {
    addConv(3, 64, 11, 4, 2);
    addPool(3, 2);
    addConv(64, 192, 5, 1, 2);
    addPool(3, 2);
    addConv(192, 384, 3, 1, 1);
    addConv(384, 256, 3, 1, 1);
    addConv(256, 256, 3, 1, 1);
    addPool(3, 2);
  } else {
    std::int64_t in = 3;
    for (const int width : kVgg16) {
      if (width == kMaxPool) {
        addPool(2, 2);
        continue;
      }
      addConv(in, width, 3, 1, 1);
      in = width;
    }
  }

  const std::int64_t flat = (m_alexnet ? 256 : 512) * m_poolSize * m_poolSize;
  m_classifier = register_module("classifier", std::make_shared<torch::nn::Module>());
  // AlexNet: Dropout, Linear, ReLU, Dropout, Linear, ReLU, Linear.
  // VGG:     Linear, ReLU, Dropout, Linear, ReLU, Dropout, Linear.
  if (m_alexnet) {
    m_dropout1 = m_classifier->register_module("0", torch::nn::Dropout(kDropout));
    m_fc1 = m_classifier->register_module("1", torch::nn::Linear(flat, 4096));
    m_dropout2 = m_classifier->register_module("3", torch::nn::Dropout(kDropout));
    m_fc2 = m_classifier->register_module("4", torch::nn::Linear(4096, 4096));
  } else {
    m_fc1 = m_classifier->register_module("0", torch::nn::Linear(flat, 4096));
    m_dropout1 = m_classifier->register_module("2", torch::nn::Dropout(kDropout));
    m_fc2 = m_classifier->register_module("3", torch::nn::Linear(4096, 4096));
    m_dropout2 = m_classifier->register_module("5", torch::nn::Dropout(kDropout));
  }
  m_head = m_classifier->register_module("6", torch::nn::Linear(4096, numClasses));

  if (!m_alexnet) {  // torchvision's VGG initialisation; AlexNet keeps PyTorch's defaults
    torch::NoGradGuard noGrad;
    for (auto& conv : m_convs) {
      torch::nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
      torch::nn::init::zeros_(conv->bias);
    }
    for (auto& norm : m_norms) {
      torch::nn::init::ones_(norm->weight);
      torch::nn::init::zeros_(norm->bias);
    }
    for (auto* linear : {&m_fc1, &m_fc2, &m_head}) {
      torch::nn::init::normal_((*linear)->weight, 0.0, 0.01);
      torch::nn::init::zeros_((*linear)->bias);
    }
  }
}

torch::Tensor PlainCnnImpl::features(torch::Tensor x) {
  std::size_t conv = 0;
  for (const auto& layer : m_layers) {
    if (layer.kind == Layer::Pool) {
      x = torch::max_pool2d(x, layer.kernel, layer.stride);
      continue;
    }
    x = convolve(*m_convs[conv], x);
    if (!m_norms.empty()) x = batchNorm(*m_norms[conv], x);
    x = torch::relu(x);
    ++conv;
  }
  x = torch::flatten(torch::adaptive_avg_pool2d(x, {m_poolSize, m_poolSize}), 1);
  if (m_alexnet) {
    x = torch::relu(m_fc1->forward(m_dropout1->forward(x)));
    return torch::relu(m_fc2->forward(m_dropout2->forward(x)));
  }
  x = m_dropout1->forward(torch::relu(m_fc1->forward(x)));
  return torch::relu(m_fc2->forward(x));
}

torch::Tensor PlainCnnImpl::classify(torch::Tensor features) {
  return m_head->forward(m_alexnet ? features : m_dropout2->forward(features));
}

void PlainCnnImpl::replaceHead(int numClasses) {
  checkNumClasses(numClasses, m_info->displayName + "::replaceHead");
  m_head = replaceLinearChild(*m_classifier, "6", m_head, numClasses, is_training());
  setNumClasses(numClasses);
}

}  // namespace ft::models
