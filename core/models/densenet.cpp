#include "models/densenet.h"
#include "models/batch_norm.h"

#include "common/error.h"
#include "models/blocks.h"
#include "models/conv.h"

namespace ft::models {
namespace {

// torchvision's densenet121: growth rate 32, bottleneck 4 x 32, 64 initial features.
constexpr std::int64_t kGrowth = 32;
constexpr std::int64_t kBottleneck = 4;
constexpr std::int64_t kInitialFeatures = 64;
constexpr int kDenseNet121Blocks[] = {6, 12, 24, 16};

torch::nn::Conv2d convolution(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride,
                              std::int64_t padding) {
  return torch::nn::Conv2d(
      torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).bias(false));
}

}  // namespace

const std::vector<ArchitectureInfo>& densenetArchitectures() {
  // Signature: the named stem and blocks, 24 layers in the third block and 16 in the fourth
  // (DenseNet-169 and -201 have 32 and 48 in the fourth).
  // Smallest input: the stem divides by 4 and each of the three transitions' 2x2 pools needs a
  // map of at least 2 x 2, so the stem's output must be 8 x 8: 29 px.
  static const std::vector<ArchitectureInfo> infos = {
      {"densenet121",
       "DenseNet-121",
       "densenet",
       224,
       1024,
       "classifier",
       {"features.conv0.weight", "features.denseblock3.denselayer24.conv2.weight",
        "!features.denseblock3.denselayer25.conv2.weight", "features.denseblock4.denselayer16.conv2.weight",
        "!features.denseblock4.denselayer17.conv2.weight", "features.norm5.weight"},
       29},
  };
  return infos;
}

const ArchitectureInfo& DenseNetImpl::info() const { return densenetArchitectures().front(); }

DenseNetImpl::DenseNetImpl(int numClasses) : ClassifierImpl(numClasses) {
  checkNumClasses(numClasses, "DenseNet");
  m_blockLayers.assign(std::begin(kDenseNet121Blocks), std::end(kDenseNet121Blocks));
  // features: conv0, norm0, relu0, pool0, denseblock1, transition1, ..., denseblock4, norm5.
  m_features = register_module("features", std::make_shared<torch::nn::Module>());
  m_conv0 = m_features->register_module("conv0", convolution(3, kInitialFeatures, 7, 2, 3));
  m_norm0 = m_features->register_module("norm0", torch::nn::BatchNorm2d(kInitialFeatures));
  std::int64_t channels = kInitialFeatures;
  for (std::size_t b = 0; b < m_blockLayers.size(); ++b) {
    auto block = m_features->register_module("denseblock" + std::to_string(b + 1),
                                             std::make_shared<torch::nn::Module>());
    std::vector<DenseLayer> layers;
    for (int l = 0; l < m_blockLayers[b]; ++l) {
      auto holder =
          block->register_module("denselayer" + std::to_string(l + 1), std::make_shared<torch::nn::Module>());
      const std::int64_t in = channels + l * kGrowth;
      DenseLayer layer;
      layer.norm1 = holder->register_module("norm1", torch::nn::BatchNorm2d(in));
      layer.conv1 = holder->register_module("conv1", convolution(in, kBottleneck * kGrowth, 1, 1, 0));
      layer.norm2 = holder->register_module("norm2", torch::nn::BatchNorm2d(kBottleneck * kGrowth));
      layer.conv2 = holder->register_module("conv2", convolution(kBottleneck * kGrowth, kGrowth, 3, 1, 1));
      layers.push_back(layer);
    }
    m_blocks.push_back(std::move(layers));
    channels += m_blockLayers[b] * kGrowth;
    if (b + 1 < m_blockLayers.size()) {
      auto holder = m_features->register_module("transition" + std::to_string(b + 1),
                                                std::make_shared<torch::nn::Module>());
      Transition transition;
      transition.norm = holder->register_module("norm", torch::nn::BatchNorm2d(channels));
      transition.conv = holder->register_module("conv", convolution(channels, channels / 2, 1, 1, 0));
      m_transitions.push_back(transition);
      channels /= 2;
    }
  }
  m_norm5 = m_features->register_module("norm5", torch::nn::BatchNorm2d(channels));
  m_head = register_module("classifier", torch::nn::Linear(channels, numClasses));

  // torchvision: kaiming_normal_ convolutions (fan in, gain sqrt(2)), BatchNorm 1 / 0, the
  // Linear's bias 0 (its weight keeps PyTorch's default).
  torch::NoGradGuard noGrad;
  for (auto& module : modules(/*include_self=*/false)) {
    if (auto* conv = module->as<torch::nn::Conv2d>())
      torch::nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanIn, torch::kLeakyReLU);
    else if (auto* norm = module->as<torch::nn::BatchNorm2d>()) {
      torch::nn::init::ones_(norm->weight);
      torch::nn::init::zeros_(norm->bias);
    }
  }
  torch::nn::init::zeros_(m_head->bias);
}

torch::Tensor DenseNetImpl::features(torch::Tensor x) {
  x = torch::relu(batchNorm(*m_norm0, convolve(*m_conv0, x)));
  x = torch::max_pool2d(x, 3, 2, 1);
  for (std::size_t b = 0; b < m_blocks.size(); ++b) {
    std::vector<torch::Tensor> outputs{x};
    for (auto& layer : m_blocks[b]) {
      torch::Tensor y = outputs.size() == 1 ? outputs.front() : torch::cat(outputs, 1);
      y = layer.conv1->forward(torch::relu(batchNorm(*layer.norm1, y)));
      y = convolve(*layer.conv2, torch::relu(batchNorm(*layer.norm2, y)));
      outputs.push_back(y);
    }
    x = torch::cat(outputs, 1);
    if (b < m_transitions.size()) {
      auto& transition = m_transitions[b];
      x = transition.conv->forward(torch::relu(batchNorm(*transition.norm, x)));
      x = torch::avg_pool2d(x, 2, 2);
    }
  }
  x = torch::relu(batchNorm(*m_norm5, x));
  return torch::flatten(torch::adaptive_avg_pool2d(x, {1, 1}), 1);
}

torch::Tensor DenseNetImpl::classify(torch::Tensor features) { return m_head->forward(features); }

void DenseNetImpl::replaceHead(int numClasses) {
  checkNumClasses(numClasses, "DenseNet::replaceHead");
  m_head = replaceLinearChild(*this, "classifier", m_head, numClasses, is_training());
  setNumClasses(numClasses);
}

}  // namespace ft::models
