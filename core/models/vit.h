#pragma once
// ViT-B/16 (2020) with torchvision 0.14's exact parameter names and shapes (class_token,
// conv_proj.weight, encoder.pos_embedding, encoder.layers.encoder_layer_0.ln_1.weight,
// encoder.layers.encoder_layer_0.self_attention.in_proj_weight, ...mlp.0.weight, encoder.ln.bias,
// heads.head.weight): the image cut into 16x16 patches, each projected to a 768-wide token, a
// class token in front, a learned position embedding, then 12 Transformer encoder blocks
// (pre-LayerNorm, 12-head self-attention, MLP with GELU). The class token's final state is the
// feature vector; the head is "heads.head".
//
// The position embedding has one row per patch (and one for the class token): a model is built
// for one input size, a multiple of 16 (torchvision's image_size; 224 for the ImageNet weights,
// 197 rows). Weights of another size are resampled on load (adaptWeights), as torchvision's
// interpolate_embeddings does for fine-tuning at another resolution.
#include <vector>

#include <torch/torch.h>

#include "models/classifier.h"

namespace ft::models {

const std::vector<ArchitectureInfo>& vitArchitectures();

// torch.nn.MultiheadAttention's parameters (in_proj_weight [3E, E] packing q, k, v; in_proj_bias
// [3E]; out_proj) on batch-first inputs [B, L, E], self-attention only, no masks, no dropout.
class SelfAttentionImpl : public torch::nn::Module {
 public:
  SelfAttentionImpl(std::int64_t embedDim, std::int64_t heads);
  torch::Tensor forward(const torch::Tensor& x);

  std::int64_t heads;
  torch::Tensor inProjWeight, inProjBias;
  torch::nn::Linear outProj{nullptr};
};
TORCH_MODULE(SelfAttention);

// x + attention(ln_1(x)), then + mlp(ln_2(.)); mlp = Linear "0" (to 3072), GELU, Linear "3".
class EncoderBlockImpl : public torch::nn::Module {
 public:
  EncoderBlockImpl(std::int64_t dim, std::int64_t heads, std::int64_t mlpDim);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  SelfAttention attention{nullptr};
  torch::nn::Linear expand{nullptr}, project{nullptr};
};
TORCH_MODULE(EncoderBlock);

class VisionTransformerImpl : public ClassifierImpl {
 public:
  VisionTransformerImpl(int numClasses, std::int64_t imageSize);
  // Patches -> tokens -> encoder -> encoder.ln -> the class token: [B, 768]. Inputs of the size
  // the model was built for only (ft::UserError otherwise, naming both sizes).
  torch::Tensor features(torch::Tensor x) override;
  torch::Tensor classify(torch::Tensor features) override;  // heads.head
  const ArchitectureInfo& info() const override;
  void replaceHead(int numClasses) override;
  std::int64_t builtInputSize() const override { return m_imageSize; }
  std::vector<std::string> adaptWeights(std::unordered_map<std::string, torch::Tensor>& state) const override;

  static constexpr std::int64_t kPatch = 16, kDim = 768, kHeads = 12, kMlpDim = 3072, kLayers = 12;
  torch::Tensor classToken;            // [1, 1, 768]
  torch::nn::Conv2d patches{nullptr};  // conv_proj: 16x16 stride 16
  torch::Tensor positions;             // encoder.pos_embedding [1, 197, 768]
  std::vector<EncoderBlock> blocks;
  torch::nn::LayerNorm norm{nullptr};  // encoder.ln
  torch::nn::Linear head{nullptr};     // heads.head

 private:
  std::shared_ptr<torch::nn::Module> m_heads;
  std::int64_t m_imageSize;
};

}  // namespace ft::models
