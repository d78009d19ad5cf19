#include "models/vit.h"

#include <cmath>

#include "common/error.h"
#include "models/blocks.h"

namespace ft::models {
namespace {

constexpr double kEps = 1e-6;

// xavier_uniform_ on a [fan_out, fan_in] weight.
void xavierUniform(torch::Tensor& weight) {
  const double bound = std::sqrt(6.0 / double(weight.size(0) + weight.size(1)));
  weight.uniform_(-bound, bound);
}

}  // namespace

const std::vector<ArchitectureInfo>& vitArchitectures() {
  // Signature: the class token and a 12th encoder block but no 13th (ViT-L has 24). The smallest
  // input is one patch.
  static const std::vector<ArchitectureInfo> infos = [] {
    ArchitectureInfo info{"vit_b_16",
                          "ViT-B/16",
                          "vit",
                          224,
                          VisionTransformerImpl::kDim,
                          "heads.head",
                          {"class_token", "conv_proj.weight", "encoder.pos_embedding",
                           "encoder.layers.encoder_layer_11.ln_1.weight",
                           "!encoder.layers.encoder_layer_12.ln_1.weight"},
                          VisionTransformerImpl::kPatch};
    info.inputMultiple = VisionTransformerImpl::kPatch;
    return std::vector<ArchitectureInfo>{info};
  }();
  return infos;
}

SelfAttentionImpl::SelfAttentionImpl(std::int64_t embedDim, std::int64_t heads) : heads(heads) {
  inProjWeight = register_parameter("in_proj_weight", torch::empty({3 * embedDim, embedDim}));
  inProjBias = register_parameter("in_proj_bias", torch::zeros({3 * embedDim}));
  outProj = register_module("out_proj", torch::nn::Linear(embedDim, embedDim));
  torch::NoGradGuard noGrad;
  xavierUniform(inProjWeight);  // torch.nn.MultiheadAttention._reset_parameters
  outProj->bias.zero_();
}

torch::Tensor SelfAttentionImpl::forward(const torch::Tensor& x) {
  const auto batch = x.size(0), length = x.size(1), dim = x.size(2), headDim = dim / heads;
  // [B, L, 3E] -> three [B, H, L, D]
  const auto qkv = torch::linear(x, inProjWeight, inProjBias).view({batch, length, 3, heads, headDim});
  const auto q = qkv.select(2, 0).transpose(1, 2) / std::sqrt(double(headDim));
  const auto k = qkv.select(2, 1).transpose(1, 2);
  const auto v = qkv.select(2, 2).transpose(1, 2);
  const auto weights = torch::softmax(torch::matmul(q, k.transpose(-2, -1)), -1);
  const auto out = torch::matmul(weights, v).transpose(1, 2).reshape({batch, length, dim});
  return outProj->forward(out);
}

EncoderBlockImpl::EncoderBlockImpl(std::int64_t dim, std::int64_t heads, std::int64_t mlpDim) {
  norm1 = register_module("ln_1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(kEps)));
  attention = register_module("self_attention", SelfAttention(dim, heads));
  norm2 = register_module("ln_2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(kEps)));
  auto mlp = register_module("mlp", std::make_shared<torch::nn::Module>());
  expand = mlp->register_module("0", torch::nn::Linear(dim, mlpDim));
  project = mlp->register_module("3", torch::nn::Linear(mlpDim, dim));
  // torchvision's MLPBlock: xavier_uniform_ weights, biases normal(std 1e-6).
  torch::NoGradGuard noGrad;
  for (auto* linear : {expand.get(), project.get()}) {
    xavierUniform(linear->weight);
    linear->bias.normal_(0.0, 1e-6);
  }
}

torch::Tensor EncoderBlockImpl::forward(const torch::Tensor& x) {
  // LayerNorm in the weights' type (float32 under bfloat16 autocast: no mixed types on the CPU).
  const auto dtype = norm1->weight.scalar_type();
  const auto y = x + attention->forward(norm1->forward(x.to(dtype)));
  return y + project->forward(torch::gelu(expand->forward(norm2->forward(y.to(dtype)))));
}

const ArchitectureInfo& VisionTransformerImpl::info() const { return vitArchitectures().front(); }

VisionTransformerImpl::VisionTransformerImpl(int numClasses, std::int64_t imageSize)
    : ClassifierImpl(numClasses), m_imageSize(imageSize) {
  checkNumClasses(numClasses, "VisionTransformer");
  if (imageSize < kPatch || imageSize % kPatch != 0)
    throw UserError("ViT-B/16 needs an input size that is a multiple of 16 px (its patches), got " +
                    std::to_string(imageSize) + " px");
  const std::int64_t side = imageSize / kPatch;
  classToken = register_parameter("class_token", torch::zeros({1, 1, kDim}));
  patches = register_module("conv_proj",
                            torch::nn::Conv2d(torch::nn::Conv2dOptions(3, kDim, kPatch).stride(kPatch)));
  auto encoder = register_module("encoder", std::make_shared<torch::nn::Module>());
  positions = encoder->register_parameter("pos_embedding", torch::empty({1, side * side + 1, kDim}));
  auto layers = encoder->register_module("layers", std::make_shared<torch::nn::Module>());
  for (std::int64_t i = 0; i < kLayers; ++i)
    blocks.push_back(
        layers->register_module("encoder_layer_" + std::to_string(i), EncoderBlock(kDim, kHeads, kMlpDim)));
  norm = encoder->register_module("ln", torch::nn::LayerNorm(torch::nn::LayerNormOptions({kDim}).eps(kEps)));
  m_heads = register_module("heads", std::make_shared<torch::nn::Module>());
  head = m_heads->register_module("head", torch::nn::Linear(kDim, numClasses));

  // torchvision: position embedding normal(std 0.02); patch projection truncated normal with
  // std sqrt(1 / fan_in) (truncated at +-2: 28 standard deviations, a normal draw), zero bias;
  // the head zero.
  torch::NoGradGuard noGrad;
  positions.normal_(0.0, 0.02);
  patches->weight.normal_(0.0, std::sqrt(1.0 / double(3 * kPatch * kPatch))).clamp_(-2.0, 2.0);
  patches->bias.zero_();
  head->weight.zero_();
  head->bias.zero_();
}

torch::Tensor VisionTransformerImpl::features(torch::Tensor x) {
  const auto size = m_imageSize;
  if (x.dim() != 4 || x.size(2) != size || x.size(3) != size)
    throw UserError("this ViT-B/16 was built for " + std::to_string(size) + "x" + std::to_string(size) +
                    " px images (its position embedding has one row per 16x16 patch of that size); got " +
                    (x.dim() == 4 ? std::to_string(x.size(2)) + "x" + std::to_string(x.size(3))
                                  : std::to_string(x.dim()) + "-d input"));
  const auto batch = x.size(0);
  // [B, 768, 14, 14] -> [B, 196, 768], the class token in front, positions added.
  auto tokens = patches->forward(x).flatten(2).transpose(1, 2);
  tokens = torch::cat({classToken.expand({batch, 1, kDim}).to(tokens.scalar_type()), tokens}, 1) + positions;
  for (auto& block : blocks) tokens = block->forward(tokens);
  return norm->forward(tokens.to(norm->weight.scalar_type())).select(1, 0);
}

torch::Tensor VisionTransformerImpl::classify(torch::Tensor features) { return head->forward(features); }

std::vector<std::string> VisionTransformerImpl::adaptWeights(
    std::unordered_map<std::string, torch::Tensor>& state) const {
  const auto it = state.find("encoder.pos_embedding");
  if (it == state.end() || !it->second.defined() || it->second.dim() != 3 || it->second.size(2) != kDim)
    return {};
  const std::int64_t rows = it->second.size(1), wanted = positions.size(1);
  if (rows == wanted) return {};
  const auto from = std::int64_t(std::llround(std::sqrt(double(rows - 1))));
  const std::int64_t to = m_imageSize / kPatch;
  if (from * from != rows - 1) return {};  // not a square grid: the loader names the shape mismatch
  // torchvision's interpolate_embeddings: the class token's row kept, the grid resampled
  // bicubically (align_corners=True).
  torch::NoGradGuard noGrad;
  const torch::Tensor source = it->second.to(torch::kFloat32);
  const torch::Tensor grid =
      source.narrow(1, 1, rows - 1).reshape({1, from, from, kDim}).permute({0, 3, 1, 2});
  const torch::Tensor resampled =
      torch::nn::functional::interpolate(grid, torch::nn::functional::InterpolateFuncOptions()
                                                   .size(std::vector<std::int64_t>{to, to})
                                                   .mode(torch::kBicubic)
                                                   .align_corners(true));
  it->second =
      torch::cat({source.narrow(1, 0, 1), resampled.permute({0, 2, 3, 1}).reshape({1, to * to, kDim})}, 1)
          .to(it->second.scalar_type());
  return {"ViT-B/16's position embedding resampled from " + std::to_string(from) + "x" +
          std::to_string(from) + " to " + std::to_string(to) + "x" + std::to_string(to) + " patches for " +
          std::to_string(m_imageSize) + "-px input"};
}

void VisionTransformerImpl::replaceHead(int numClasses) {
  checkNumClasses(numClasses, "VisionTransformer::replaceHead");
  head = replaceLinearChild(*m_heads, "head", head, numClasses, is_training());
  setNumClasses(numClasses);
}

}  // namespace ft::models
