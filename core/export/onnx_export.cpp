#include "export/onnx_export.h"

#include <fcntl.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <torch/torch.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "models/blocks.h"
#include "models/convnext.h"
#include "models/densenet.h"
#include "models/vgg.h"
#include "models/vit.h"

namespace ft::exporting {
namespace {

constexpr std::int64_t kIrVersion = 7;  // the IR version of opset 13 (ONNX 1.8)
constexpr const char* kProducer = "FineTune Studio";

// Our value names: node outputs get a running number, weights keep their state dict names.
class GraphBuilder {
 public:
  GraphBuilder(onnx::GraphProto& graph, const models::Classifier& model) : m_graph(graph) {
    for (const auto& item : model->named_modules(/*name_prefix=*/"", /*include_self=*/false))
      m_modules[item.key()] = item.value();
    for (const auto& [key, tensor] : models::stateDict(model))
      m_state[key] = tensor.detach().to(torch::kCPU, torch::kFloat64);
  }

  bool has(const std::string& module) const { return m_modules.count(module) != 0; }

  // Conv `conv` followed by BatchNorm `bn` (eval mode) as one Conv with folded weight and bias:
  // w' = w * g / sqrt(v + eps), b' = beta - m * g / sqrt(v + eps), computed in double. With no
  // `bn`, the convolution with its own bias (if any).
  std::string convBatchNorm(const std::string& input, const std::string& conv, const std::string& bn = "") {
    const auto* convModule = module(conv)->as<torch::nn::Conv2d>();
    if (!convModule) throw std::logic_error("ONNX export: " + conv + " is not a Conv2d");
    const auto& options = convModule->options;
    if (!c10::holds_alternative<torch::ExpandingArray<2>>(options.padding()) ||
        !c10::get_if<torch::enumtype::kZeros>(&options.padding_mode()))
      throw std::logic_error("ONNX export: " + conv + " has options this exporter does not map");
    const auto padding = c10::get<torch::ExpandingArray<2>>(options.padding());
    torch::Tensor weight = state(conv + ".weight");
    torch::Tensor bias = options.bias() ? state(conv + ".bias")
                                        : torch::zeros({weight.size(0)}, weight.options());
    if (!bn.empty()) {
      const auto* bnModule = module(bn)->as<torch::nn::BatchNorm2d>();
      if (!bnModule) throw std::logic_error("ONNX export: " + bn + " is not a BatchNorm2d");
      const torch::Tensor scale = state(bn + ".weight") /
                                  torch::sqrt(state(bn + ".running_var") + bnModule->options.eps());
      weight = weight * scale.view({-1, 1, 1, 1});
      bias = state(bn + ".bias") + (bias - state(bn + ".running_mean")) * scale;
    }
    const std::string weightName = conv + ".weight", biasName = conv + ".bias";
    addInitializer(weightName, weight);
    addInitializer(biasName, bias);

    auto* node = addNode("Conv", {input, weightName, biasName}, conv);
    addInts(node, "kernel_shape", {(*options.kernel_size())[0], (*options.kernel_size())[1]});
    addInts(node, "strides", {(*options.stride())[0], (*options.stride())[1]});
    addInts(node, "pads", {(*padding)[0], (*padding)[1], (*padding)[0], (*padding)[1]});
    addInts(node, "dilations", {(*options.dilation())[0], (*options.dilation())[1]});
    if (options.groups() != 1) addInt(node, "group", options.groups());
    return node->output(0);
  }

  // BatchNorm `bn` (eval mode) on its own, where no convolution precedes it to fold it into.
  std::string batchNorm(const std::string& input, const std::string& bn) {
    const auto* bnModule = module(bn)->as<torch::nn::BatchNorm2d>();
    if (!bnModule) throw std::logic_error("ONNX export: " + bn + " is not a BatchNorm2d");
    std::vector<std::string> inputs{input};
    for (const char* term : {".weight", ".bias", ".running_mean", ".running_var"}) {
      addInitializer(bn + term, state(bn + term));
      inputs.push_back(bn + term);
    }
    auto* node = addNode("BatchNormalization", inputs, bn);
    addFloat(node, "epsilon", float(bnModule->options.eps()));
    return node->output(0);
  }

  // A convolution with the given weight [O, I / groups, k, k] and bias [O] under `name`.
  std::string conv(const std::string& input, const std::string& name, const torch::Tensor& weight,
                   const torch::Tensor& bias, std::int64_t stride = 1, std::int64_t padding = 0,
                   std::int64_t groups = 1) {
    addInitializer(name + ".weight", weight);
    addInitializer(name + ".bias", bias);
    auto* node = addNode("Conv", {input, name + ".weight", name + ".bias"}, name);
    addInts(node, "kernel_shape", {weight.size(2), weight.size(3)});
    addInts(node, "strides", {stride, stride});
    addInts(node, "pads", {padding, padding, padding, padding});
    if (groups != 1) addInt(node, "group", groups);
    return node->output(0);
  }

  // LayerNorm over the C channels of [N, C, H, W] without its affine terms (which callers fold
  // into the next layer or apply with channelAffine): (x - mean) / sqrt(var + eps). Built from
  // operators OpenCV 4.6 takes and that need no broadcasting (its broadcasting Mul/Sub is
  // unreliable): the centring and the mean of squares are 1x1 convolutions with the matrices
  // I - 1/C and 1/C, so every tensor keeps the shape [N, C, H, W].
  std::string normaliseChannels(const std::string& input, const std::string& name, std::int64_t channels,
                                double eps) {
    const auto options = torch::TensorOptions().dtype(torch::kFloat64);
    const torch::Tensor average = torch::full({channels, channels, 1, 1}, 1.0 / double(channels), options);
    const torch::Tensor centring = torch::eye(channels, options).view({channels, channels, 1, 1}) - average;
    const torch::Tensor zeros = torch::zeros({channels}, options);
    // The two matrices are shared by every LayerNorm of the same width (768 x 768 floats each).
    const std::string shared = "const.layernorm" + std::to_string(channels);
    if (m_constants.insert(shared).second) {
      addInitializer(shared + ".centre", centring);
      addInitializer(shared + ".average", average);
      addInitializer(shared + ".zeros", zeros);
    }
    auto* centreNode = addNode("Conv", {input, shared + ".centre", shared + ".zeros"}, name + ".centre");
    addInts(centreNode, "kernel_shape", {1, 1});
    const std::string centred = centreNode->output(0);
    auto* varianceNode =
        addNode("Conv", {mul(centred, centred), shared + ".average", shared + ".zeros"}, name + ".variance");
    addInts(varianceNode, "kernel_shape", {1, 1});
    const std::string variance = varianceNode->output(0);
    const std::string spread =
        addNode("Sqrt",
                {addNode("Add", {variance, scalar("eps." + std::to_string(eps), eps)}, name)->output(0)},
                name)
            ->output(0);
    return addNode("Div", {centred, spread}, name)->output(0);
  }

  // x * weight + bias per channel ([C] each), as a depthwise 1x1 convolution.
  std::string channelAffine(const std::string& input, const std::string& name, const torch::Tensor& weight,
                            const torch::Tensor& bias) {
    const std::int64_t channels = weight.size(0);
    return conv(input, name + ".affine", weight.view({channels, 1, 1, 1}), bias, 1, 0, channels);
  }

  // GELU (exact, erf-based) without Erf, which OpenCV 4.6 lacks: gelu(x) = relu(x) - |x| q / 2
  // with q = erfc(|x| / sqrt 2), and erfc(z) = poly(t) exp(-z^2), t = 1 / (1 + p z)
  // (Abramowitz & Stegun 7.1.26: |error| <= 1.5e-7, so gelu is off by at most 7.5e-8 |x|).
  std::string gelu(const std::string& x) {
    constexpr double p = 0.3275911;
    constexpr double a[] = {0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429};
    const std::string magnitude = addNode("Abs", {x}, "gelu")->output(0);
    const std::string z = scaled(magnitude, "gelu.inv_sqrt2", 1.0 / std::sqrt(2.0));
    const std::string denominator =
        addNode("Add", {scaled(z, "gelu.p", p), scalar("one", 1.0)}, "gelu")->output(0);
    auto* reciprocal = addNode("Pow", {denominator, scalar("minus_one", -1.0)}, "gelu");
    const std::string t = reciprocal->output(0);
    std::string poly = scaled(t, "gelu.a5", a[4]);
    for (int i = 3; i >= 0; --i)
      poly =
          mul(t, addNode("Add", {poly, scalar("gelu.a" + std::to_string(i + 1), a[i])}, "gelu")->output(0));
    const std::string exponent = scaled(mul(magnitude, magnitude), "minus_half", -0.5);
    const std::string q = mul(poly, addNode("Exp", {exponent}, "gelu")->output(0));
    const std::string tail = scaled(mul(magnitude, q), "half", 0.5);
    return addNode("Sub", {relu(x), tail}, "gelu")->output(0);
  }

  // x * value for a scalar constant.
  std::string scaled(const std::string& x, const std::string& name, double value) {
    return addNode("Mul", {x, scalar(name, value)}, name)->output(0);
  }

  std::string concat(const std::vector<std::string>& inputs) {
    if (inputs.size() == 1) return inputs.front();
    auto* node = addNode("Concat", inputs, "concat");
    addInt(node, "axis", 1);
    return node->output(0);
  }

  std::string relu(const std::string& input) { return addNode("Relu", {input}, "relu")->output(0); }
  std::string add(const std::string& a, const std::string& b) {
    return addNode("Add", {a, b}, "add")->output(0);
  }
  std::string mul(const std::string& a, const std::string& b) {
    return addNode("Mul", {a, b}, "mul")->output(0);
  }

  // The activations as operators OpenCV 4.6's importer takes as well as ONNX Runtime: ReLU6 as
  // relu(x) - relu(x - 6) (it refuses Clip with min/max inputs), Hardswish as x * HardSigmoid(x)
  // (HardSwish needs opset 14), SiLU as x * Sigmoid(x).
  std::string activation(const std::string& x, models::Activation kind) {
    using models::Activation;
    switch (kind) {
      case Activation::None: return x;
      case Activation::ReLU: return relu(x);
      case Activation::ReLU6: {
        const std::string shifted = addNode("Sub", {x, scalar("six", 6.0)}, "relu6")->output(0);
        return addNode("Sub", {relu(x), relu(shifted)}, "relu6")->output(0);
      }
      case Activation::Hardsigmoid: {
        auto* node = addNode("HardSigmoid", {x}, "hardsigmoid");
        addFloat(node, "alpha", 1.0f / 6.0f);
        addFloat(node, "beta", 0.5f);
        return node->output(0);
      }
      case Activation::Hardswish: return mul(x, activation(x, Activation::Hardsigmoid));
      case Activation::Sigmoid: return addNode("Sigmoid", {x}, "sigmoid")->output(0);
      case Activation::SiLU: return mul(x, activation(x, Activation::Sigmoid));
    }
    throw std::logic_error("ONNX export: unknown activation");
  }

  // torch max_pool2d(3, stride 2, padding 1): padded cells never win, as ONNX's.
  std::string maxPool(const std::string& input) {
    auto* node = addNode("MaxPool", {input}, "maxpool");
    addInts(node, "kernel_shape", {3, 3});
    addInts(node, "strides", {2, 2});
    addInts(node, "pads", {1, 1, 1, 1});
    return node->output(0);
  }

  // A [N, C, 1, 1] tensor repeated to [N, C, size, size] (Resize, nearest): OpenCV 4.6's Mul
  // mishandles [N, C, 1, 1] * [N, C, H, W] broadcasting when N > 1, and even a pooled
  // [N, C, 1, 1] times a 1x1 map, so the squeeze-and-excitation scale always goes through Resize
  // (scale 1 included) and is multiplied shape for shape.
  std::string spread(const std::string& input, std::int64_t size) {
    const std::string roi = "const.roi", scales = "const.scales." + std::to_string(size);
    if (m_constants.insert(roi).second) addInitializer(roi, torch::zeros({0}, torch::kFloat64));
    if (m_constants.insert(scales).second)
      addInitializer(scales, torch::tensor({1.0, 1.0, double(size), double(size)}, torch::kFloat64));
    auto* node = addNode("Resize", {input, roi, scales}, "spread");
    auto* mode = node->add_attribute();
    mode->set_name("mode");
    mode->set_type(onnx::AttributeProto::STRING);
    mode->set_s("nearest");
    return node->output(0);
  }

  // The side of a convolution's output for a square input of side `size`.
  std::int64_t convOutputSize(const std::string& conv, std::int64_t size) const {
    const auto& options = module(conv)->as<torch::nn::Conv2d>()->options;
    const auto padding = c10::get<torch::ExpandingArray<2>>(options.padding());
    return (size + 2 * (*padding)[0] - (*options.dilation())[0] * ((*options.kernel_size())[0] - 1) - 1) /
               (*options.stride())[0] +
           1;
  }

  std::string globalAveragePool(const std::string& input) {
    return addNode("GlobalAveragePool", {input}, "avgpool")->output(0);
  }

  // adaptive_avg_pool2d(1) + flatten(1): [N, C].
  std::string pooledFeatures(const std::string& input) {
    auto* flatten = addNode("Flatten", {globalAveragePool(input)}, "flatten");
    addInt(flatten, "axis", 1);
    return flatten->output(0);
  }

  // The Linear module `linear` as Gemm; `output` names the result ("" = a running name).
  std::string linear(const std::string& input, const std::string& linear, const std::string& output = "") {
    if (!module(linear)->as<torch::nn::Linear>())
      throw std::logic_error("ONNX export: " + linear + " is not Linear");
    addInitializer(linear + ".weight", state(linear + ".weight"));
    addInitializer(linear + ".bias", state(linear + ".bias"));
    auto* gemm = addNode("Gemm", {input, linear + ".weight", linear + ".bias"}, linear, output);
    addInt(gemm, "transB", 1);
    return gemm->output(0);
  }

  // Gemm with the given weight [out, in] and bias [out] under `name`.
  std::string gemm(const std::string& input, const std::string& name, const torch::Tensor& weight,
                   const torch::Tensor& bias) {
    addInitializer(name + ".weight", weight);
    addInitializer(name + ".bias", bias);
    auto* node = addNode("Gemm", {input, name + ".weight", name + ".bias"}, name);
    addInt(node, "transB", 1);
    return node->output(0);
  }

  std::string maxPool(const std::string& input, std::int64_t kernel, std::int64_t stride) {
    auto* node = addNode("MaxPool", {input}, "maxpool");
    addInts(node, "kernel_shape", {kernel, kernel});
    addInts(node, "strides", {stride, stride});
    return node->output(0);
  }

  std::string averagePool(const std::string& input, std::int64_t kernel) {
    auto* node = addNode("AveragePool", {input}, "avgpool");
    addInts(node, "kernel_shape", {kernel, kernel});
    addInts(node, "strides", {kernel, kernel});
    return node->output(0);
  }

  std::string flatten(const std::string& input) {
    auto* node = addNode("Flatten", {input}, "flatten");
    addInt(node, "axis", 1);
    return node->output(0);
  }

  // The tensor operators of the Transformer (ViT) graph.
  std::string reshape(const std::string& x, const std::vector<std::int64_t>& shape) {
    return addNode("Reshape", {x, int64Constant(shape)}, "reshape")->output(0);
  }
  std::string transpose(const std::string& x, const std::vector<std::int64_t>& perm) {
    auto* node = addNode("Transpose", {x}, "transpose");
    addInts(node, "perm", perm);
    return node->output(0);
  }
  std::string matmul(const std::string& a, const std::string& b) {
    return addNode("MatMul", {a, b}, "matmul")->output(0);
  }
  std::string softmax(const std::string& x, std::int64_t axis) {
    auto* node = addNode("Softmax", {x}, "softmax");
    addInt(node, "axis", axis);
    return node->output(0);
  }
  // Zeros before (`before`) and after (`after`) each axis.
  std::string pad(const std::string& x, const std::vector<std::int64_t>& before,
                  const std::vector<std::int64_t>& after) {
    std::vector<std::int64_t> pads = before;
    pads.insert(pads.end(), after.begin(), after.end());
    return addNode("Pad", {x, int64Constant(pads)}, "pad")->output(0);
  }
  std::string slice(const std::string& x, std::int64_t axis, std::int64_t start, std::int64_t end) {
    return addNode("Slice", {x, int64Constant({start}), int64Constant({end}), int64Constant({axis})}, "slice")
        ->output(0);
  }
  // x + a constant tensor stored as the initializer `name`.
  std::string addTensor(const std::string& x, const std::string& name, const torch::Tensor& value) {
    addInitializer(name, value);
    return add(x, name);
  }

  const torch::Tensor& tensor(const std::string& key) const { return state(key); }

  std::shared_ptr<torch::nn::Module> module(const std::string& name) const {
    const auto it = m_modules.find(name);
    if (it == m_modules.end()) throw std::logic_error("ONNX export: no module " + name);
    return it->second;
  }

 private:
  // A scalar constant, one initializer per distinct name.
  std::string scalar(const std::string& name, double value) {
    const std::string full = "const." + name;
    if (m_constants.insert(full).second) addInitializer(full, torch::tensor(value, torch::kFloat64));
    return full;
  }

  const torch::Tensor& state(const std::string& key) const {
    const auto it = m_state.find(key);
    if (it == m_state.end()) throw std::logic_error("ONNX export: no tensor " + key);
    return it->second;
  }

  // An int64 constant (shapes, pads, slice bounds), one initializer per distinct value.
  std::string int64Constant(const std::vector<std::int64_t>& values) {
    std::string name = "const.i64";
    for (const auto v : values) name += "." + std::to_string(v);
    if (m_constants.insert(name).second) {
      auto* tensor = m_graph.add_initializer();
      tensor->set_name(name);
      tensor->set_data_type(onnx::TensorProto::INT64);
      tensor->add_dims(std::int64_t(values.size()));
      for (const auto v : values) tensor->add_int64_data(v);
    }
    return name;
  }

  onnx::NodeProto* addNode(const std::string& op, const std::vector<std::string>& inputs,
                           const std::string& name, const std::string& output = "") {
    auto* node = m_graph.add_node();
    node->set_op_type(op);
    node->set_name(name + "/" + op + "_" + std::to_string(m_graph.node_size()));
    for (const auto& input : inputs) node->add_input(input);
    node->add_output(output.empty() ? op + "_" + std::to_string(m_graph.node_size()) : output);
    return node;
  }

  void addInitializer(const std::string& name, const torch::Tensor& value) {
    const torch::Tensor data = value.to(torch::kFloat32).contiguous();
    auto* tensor = m_graph.add_initializer();
    tensor->set_name(name);
    tensor->set_data_type(onnx::TensorProto::FLOAT);
    for (const auto size : data.sizes()) tensor->add_dims(size);
    // raw_data is little-endian, as float32 is in memory on every platform LibTorch builds for.
    if (data.numel() == 0)
      tensor->set_raw_data(std::string());
    else
      tensor->set_raw_data(data.data_ptr<float>(), std::size_t(data.numel()) * sizeof(float));
  }

  static void addInts(onnx::NodeProto* node, const std::string& name,
                      const std::vector<std::int64_t>& values) {
    auto* attribute = node->add_attribute();
    attribute->set_name(name);
    attribute->set_type(onnx::AttributeProto::INTS);
    for (const auto v : values) attribute->add_ints(v);
  }

  static void addFloat(onnx::NodeProto* node, const std::string& name, float value) {
    auto* attribute = node->add_attribute();
    attribute->set_name(name);
    attribute->set_type(onnx::AttributeProto::FLOAT);
    attribute->set_f(value);
  }

  static void addInt(onnx::NodeProto* node, const std::string& name, std::int64_t value) {
    auto* attribute = node->add_attribute();
    attribute->set_name(name);
    attribute->set_type(onnx::AttributeProto::INT);
    attribute->set_i(value);
  }

  onnx::GraphProto& m_graph;
  std::map<std::string, std::shared_ptr<torch::nn::Module>> m_modules;
  std::map<std::string, torch::Tensor> m_state;
  std::set<std::string> m_constants;
};

void setTensorType(onnx::ValueInfoProto* value, const std::string& name,
                   const std::vector<std::int64_t>& fixedDims) {
  value->set_name(name);
  auto* tensorType = value->mutable_type()->mutable_tensor_type();
  tensorType->set_elem_type(onnx::TensorProto::FLOAT);
  auto* shape = tensorType->mutable_shape();
  shape->add_dim()->set_dim_param(kOnnxBatchDim);
  for (const auto dim : fixedDims) shape->add_dim()->set_dim_value(dim);
}

void addProperty(onnx::ModelProto& model, const std::string& key, const std::string& value) {
  auto* property = model.add_metadata_props();
  property->set_key(key);
  property->set_value(value);
}

std::string dimText(const onnx::TensorShapeProto_Dimension& dim) {
  return dim.has_dim_param() ? dim.dim_param() : std::to_string(dim.dim_value());
}

// torchvision's ResNet (BasicBlock or Bottleneck) up to the pooled features' input: every
// convolution with its BatchNorm folded in.
std::string emitResNetBackbone(GraphBuilder& builder) {
  std::string x = builder.relu(builder.convBatchNorm(kOnnxInputName, "conv1", "bn1"));
  x = builder.maxPool(x);
  for (const char* layer : {"layer1", "layer2", "layer3", "layer4"}) {
    for (int index = 0; builder.has(std::string(layer) + "." + std::to_string(index)); ++index) {
      const std::string block = std::string(layer) + "." + std::to_string(index) + ".";
      const bool bottleneck = builder.has(block + "conv3");
      std::string out = builder.relu(builder.convBatchNorm(x, block + "conv1", block + "bn1"));
      out = builder.convBatchNorm(out, block + "conv2", block + "bn2");
      if (bottleneck) out = builder.convBatchNorm(builder.relu(out), block + "conv3", block + "bn3");
      const std::string shortcut =
          builder.has(block + "downsample")
              ? builder.convBatchNorm(x, block + "downsample.0", block + "downsample.1")
              : x;
      x = builder.relu(builder.add(out, shortcut));
    }
  }
  return x;
}

std::string emitMobileModule(GraphBuilder& builder, const std::string& path, const torch::nn::Module& module,
                             const std::string& input, std::int64_t& size);

// The children of a Sequential in order; a Conv2d followed by a BatchNorm2d is one folded Conv.
// `size`: the side of the square feature map, updated as convolutions stride.
std::string emitMobileSequence(GraphBuilder& builder, const std::string& path,
                               const torch::nn::Module& sequence, std::string x, std::int64_t& size) {
  const auto children = sequence.named_children();
  for (std::size_t i = 0; i < children.size(); ++i) {
    const std::string child = path + "." + children[i].key();
    if (children[i].value()->as<torch::nn::Conv2d>() && i + 1 < children.size() &&
        children[i + 1].value()->as<torch::nn::BatchNorm2d>()) {
      x = builder.convBatchNorm(x, child, path + "." + children[i + 1].key());
      size = builder.convOutputSize(child, size);
      ++i;
    } else {
      x = emitMobileModule(builder, child, *children[i].value(), x, size);
    }
  }
  return x;
}

// The blocks of models/blocks.h (MobileNetV2/V3, EfficientNet); stochastic depth is the identity
// at inference.
std::string emitMobileModule(GraphBuilder& builder, const std::string& path, const torch::nn::Module& module,
                             const std::string& x, std::int64_t& size) {
  if (const auto* block = module.as<models::ConvNormActivation>()) {
    size = builder.convOutputSize(path + ".0", size);
    return builder.activation(builder.convBatchNorm(x, path + ".0", path + ".1"), block->activation);
  }
  if (const auto* se = module.as<models::SqueezeExcitation>()) {
    std::string scale = builder.globalAveragePool(x);
    scale = builder.activation(builder.convBatchNorm(scale, path + ".fc1"), se->activation);
    scale = builder.activation(builder.convBatchNorm(scale, path + ".fc2"), se->scaleActivation);
    return builder.mul(x, builder.spread(scale, size));
  }
  if (const auto* residual = module.as<models::InvertedResidual>()) {
    for (const auto& child : residual->named_children())
      if (child.value() == residual->body.ptr()) {
        const std::string y = emitMobileSequence(builder, path + "." + child.key(), *residual->body, x, size);
        return residual->residual ? builder.add(y, x) : y;
      }
  }
  if (module.as<torch::nn::Sequential>()) return emitMobileSequence(builder, path, module, x, size);
  throw std::logic_error("ONNX export: no graph for the module " + path + " (" + module.name() + ")");
}

// DenseNet: the stem (convolution with its BatchNorm folded in), then per dense layer
// BatchNorm -> ReLU -> 1x1 convolution (+ folded BatchNorm) -> ReLU -> 3x3 convolution on the
// concatenation of the block's earlier outputs; transitions BatchNorm -> ReLU -> 1x1 -> 2x2
// average pool; norm5 and ReLU before the pooled features.
std::string emitDenseNet(GraphBuilder& builder, const models::DenseNetImpl& model) {
  std::string x = builder.relu(builder.convBatchNorm(kOnnxInputName, "features.conv0", "features.norm0"));
  x = builder.maxPool(x);
  const auto& blocks = model.blockLayers();
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    std::vector<std::string> outputs{x};
    for (int l = 0; l < blocks[b]; ++l) {
      const std::string layer = "features.denseblock" + std::to_string(b + 1) + ".denselayer" +
                                std::to_string(l + 1) + ".";
      std::string y = builder.relu(builder.batchNorm(builder.concat(outputs), layer + "norm1"));
      y = builder.relu(builder.convBatchNorm(y, layer + "conv1", layer + "norm2"));
      outputs.push_back(builder.convBatchNorm(y, layer + "conv2"));
    }
    x = builder.concat(outputs);
    if (b + 1 < blocks.size()) {
      const std::string transition = "features.transition" + std::to_string(b + 1) + ".";
      x = builder.relu(builder.batchNorm(x, transition + "norm"));
      x = builder.averagePool(builder.convBatchNorm(x, transition + "conv"), 2);
    }
  }
  return builder.pooledFeatures(builder.relu(builder.batchNorm(x, "features.norm5")));
}

// ConvNeXt: LayerNorm's affine terms and the layer scale are folded into the convolution or
// Linear that follows them wherever no padding intervenes (the blocks' 1x1 layers, the
// downsampling convolutions); the stem's and the classifier's are applied per channel.
std::string emitConvNeXt(GraphBuilder& builder, const models::ConvNeXtImpl& model) {
  auto layerNorm2d = [&](const std::string& x, const std::string& name, const models::LayerNorm2dImpl& norm) {
    return builder.normaliseChannels(x, name, norm.weight.size(0), norm.eps);
  };
  std::string x = builder.convBatchNorm(kOnnxInputName, "features.0.0");
  x = layerNorm2d(x, "features.0.1", *model.stemNorm);
  x = builder.channelAffine(x, "features.0.1", builder.tensor("features.0.1.weight"),
                            builder.tensor("features.0.1.bias"));
  for (std::size_t s = 0; s < model.stages.size(); ++s) {
    const auto& stage = model.stages[s];
    for (std::size_t k = 0; k < stage.blocks.size(); ++k) {
      const std::string path = "features." + std::to_string(2 * s + 1) + "." + std::to_string(k) + ".";
      const auto& block = *stage.blocks[k];
      std::string y = builder.convBatchNorm(x, path + "block.0");  // 7x7 depthwise
      y = builder.normaliseChannels(y, path + "block.2", block.norm->options.normalized_shape()[0],
                                    block.norm->options.eps());
      // Linear(LayerNorm's gamma * y + beta) = (W diag(gamma)) y + (W beta + b), as a 1x1 convolution.
      const torch::Tensor gamma = builder.tensor(path + "block.2.weight"),
                          beta = builder.tensor(path + "block.2.bias");
      const torch::Tensor w1 = builder.tensor(path + "block.3.weight");
      y = builder.conv(y, path + "block.3", (w1 * gamma).unsqueeze(-1).unsqueeze(-1),
                       builder.tensor(path + "block.3.bias") + torch::mv(w1, beta));
      y = builder.gelu(y);
      // layer_scale * Linear(y) = (diag(scale) W) y + scale * b.
      const torch::Tensor scale = builder.tensor(path + "layer_scale").flatten();
      const torch::Tensor w2 = builder.tensor(path + "block.5.weight");
      y = builder.conv(y, path + "block.5", (w2 * scale.unsqueeze(1)).unsqueeze(-1).unsqueeze(-1),
                       builder.tensor(path + "block.5.bias") * scale);
      x = builder.add(y, x);
    }
    if (stage.downsample) {
      const std::string down = "features." + std::to_string(2 * s + 2) + ".";
      x = layerNorm2d(x, down + "0", *stage.downsampleNorm);
      // conv(gamma * x + beta) without padding = conv with w * gamma per input channel, plus
      // the sum of w * beta in the bias.
      const torch::Tensor gamma = builder.tensor(down + "0.weight"), beta = builder.tensor(down + "0.bias");
      const torch::Tensor w = builder.tensor(down + "1.weight");
      x = builder.conv(x, down + "1", w * gamma.view({1, -1, 1, 1}),
                       builder.tensor(down + "1.bias") + (w * beta.view({1, -1, 1, 1})).sum({1, 2, 3}), 2);
    }
  }
  x = layerNorm2d(builder.globalAveragePool(x), "classifier.0", *model.classifierNorm);
  x = builder.channelAffine(x, "classifier.0", builder.tensor("classifier.0.weight"),
                            builder.tensor("classifier.0.bias"));
  return builder.flatten(x);
}

// ViT in the layout [N, E, L, 1] (embedding as channels, tokens as rows), so that every Linear
// is a 1x1 convolution and LayerNorm is normaliseChannels, as in ConvNeXt's graph. The class
// token enters as a zero row padded in front of the patches plus a constant (class token and
// position embedding), which needs no Expand or Concat of a batch-sized tensor. Attention per
// head: q, k, v as [N, H, D, L]; scores = q^T k (the 1/sqrt(D) scale folded into q's weights),
// Softmax over the keys, out^T = v attn^T.
std::string emitViT(GraphBuilder& builder, const models::VisionTransformerImpl& model) {
  using VT = models::VisionTransformerImpl;
  const std::int64_t dim = VT::kDim, heads = VT::kHeads, headDim = dim / heads;
  const std::int64_t side = model.builtInputSize() / VT::kPatch, length = side * side + 1;
  auto asConv = [](const torch::Tensor& w) { return w.unsqueeze(-1).unsqueeze(-1); };
  std::string x = builder.convBatchNorm(kOnnxInputName, "conv_proj");  // [N, E, 14, 14]
  x = builder.reshape(x, {-1, dim, side * side, 1});
  x = builder.pad(x, {0, 0, 1, 0}, {0, 0, 0, 0});  // a zero row where the class token goes
  torch::Tensor start = builder.tensor("encoder.pos_embedding").squeeze(0).clone();  // [L, E]
  start[0] += builder.tensor("class_token").flatten();
  // [E, L, 1], not [1, E, L, 1]: a constant of the input's own shape becomes an Eltwise in OpenCV
  // 4.6, which then refuses batches above 1; this one broadcasts (a Shift over each sample).
  x = builder.addTensor(x, "encoder.pos_embedding+class_token", start.t().reshape({dim, length, 1}));

  for (std::size_t i = 0; i < model.blocks.size(); ++i) {
    const std::string path = "encoder.layers.encoder_layer_" + std::to_string(i) + ".";
    const auto& block = *model.blocks[i];
    // Linear(gamma * n + beta) = (W diag(gamma)) n + (W beta + b).
    auto normalisedLinear = [&](const std::string& input, const std::string& norm, const torch::Tensor& w,
                                const torch::Tensor& b, const std::string& name, double scale) {
      const torch::Tensor gamma = builder.tensor(norm + ".weight"), beta = builder.tensor(norm + ".bias");
      return builder.conv(input, name, asConv(w * gamma) * scale, (b + torch::mv(w, beta)) * scale);
    };
    const std::string n1 = builder.normaliseChannels(x, path + "ln_1", dim, block.norm1->options.eps());
    const torch::Tensor inWeight = builder.tensor(path + "self_attention.in_proj_weight");
    const torch::Tensor inBias = builder.tensor(path + "self_attention.in_proj_bias");
    std::string qkv[3];
    const char* names[3] = {"q", "k", "v"};
    for (int j = 0; j < 3; ++j) {
      const double scale = j == 0 ? 1.0 / std::sqrt(double(headDim)) : 1.0;
      const std::string projected = normalisedLinear(n1, path + "ln_1", inWeight.narrow(0, j * dim, dim),
                                                     inBias.narrow(0, j * dim, dim),
                                                     path + "self_attention." + names[j], scale);
      qkv[j] = builder.reshape(projected, {-1, heads, headDim, length});  // [N, H, D, L]
    }
    const std::string scores = builder.matmul(builder.transpose(qkv[0], {0, 1, 3, 2}), qkv[1]);  // [N,H,L,L]
    const std::string attention = builder.softmax(scores, 3);
    std::string out = builder.matmul(qkv[2], builder.transpose(attention, {0, 1, 3, 2}));  // [N, H, D, L]
    out = builder.reshape(out, {-1, dim, length, 1});
    out = builder.conv(out, path + "self_attention.out_proj",
                       asConv(builder.tensor(path + "self_attention.out_proj.weight")),
                       builder.tensor(path + "self_attention.out_proj.bias"));
    x = builder.add(out, x);

    const std::string n2 = builder.normaliseChannels(x, path + "ln_2", dim, block.norm2->options.eps());
    std::string y = normalisedLinear(n2, path + "ln_2", builder.tensor(path + "mlp.0.weight"),
                                     builder.tensor(path + "mlp.0.bias"), path + "mlp.0", 1.0);
    y = builder.gelu(y);
    y = builder.conv(y, path + "mlp.3", asConv(builder.tensor(path + "mlp.3.weight")),
                     builder.tensor(path + "mlp.3.bias"));
    x = builder.add(y, x);
  }
  // Only the class token's row is read: LayerNorm after the slice.
  x = builder.slice(x, 2, 0, 1);  // [N, E, 1, 1]
  x = builder.normaliseChannels(x, "encoder.ln", dim, model.norm->options.eps());
  x = builder.channelAffine(x, "encoder.ln", builder.tensor("encoder.ln.weight"),
                            builder.tensor("encoder.ln.bias"));
  return builder.flatten(x);
}

// adaptive_avg_pool2d from `size` to `bins` as a matrix [bins, size]: row i averages the cells
// floor(i * size / bins) .. ceil((i + 1) * size / bins) - 1, as PyTorch does.
torch::Tensor adaptivePoolMatrix(std::int64_t size, std::int64_t bins) {
  torch::Tensor matrix = torch::zeros({bins, size}, torch::kFloat64);
  for (std::int64_t i = 0; i < bins; ++i) {
    const std::int64_t start = i * size / bins, end = ((i + 1) * size + bins - 1) / bins;
    matrix[i].slice(0, start, end).fill_(1.0 / double(end - start));
  }
  return matrix;
}

// AlexNet and VGG: convolutions (+ folded BatchNorm) with ReLU and max pooling, the adaptive
// average pool, then the two hidden Linear + ReLU layers (dropout is the identity). The pool is
// folded into classifier's first Linear (exact: both are linear) while the feature map has at
// most bins x bins cells, as at 224 px and below; larger maps that the bins divide are pooled by
// AveragePool first.
std::string emitPlainCnn(GraphBuilder& builder, const models::PlainCnnImpl& model, std::int64_t inputSize) {
  std::string x = kOnnxInputName;
  std::int64_t size = inputSize, channels = 3;
  for (const auto& layer : model.layers()) {
    if (layer.kind == models::PlainCnnImpl::Layer::Pool) {
      x = builder.maxPool(x, layer.kernel, layer.stride);
      size = (size - layer.kernel) / layer.stride + 1;
    } else {
      x = builder.relu(builder.convBatchNorm(x, layer.conv, layer.norm));
      size = (size + 2 * layer.padding - layer.kernel) / layer.stride + 1;
      channels = builder.tensor(layer.conv + ".weight").size(0);
    }
  }
  const std::int64_t bins = model.poolSize();
  const std::string fc1 = model.isAlexNet() ? "classifier.1" : "classifier.0";
  const std::string fc2 = model.isAlexNet() ? "classifier.4" : "classifier.3";
  torch::Tensor weight = builder.tensor(fc1 + ".weight");
  if (size > bins) {
    if (size % bins != 0)
      throw UserError("ONNX export of " + model.info().displayName + " at " + std::to_string(inputSize) +
                      " px: its last feature map (" + std::to_string(size) + " x " + std::to_string(size) +
                      ") does not divide into the " + std::to_string(bins) + " x " + std::to_string(bins) +
                      " average pool; export at 224 px or less, or at a multiple of 224");
    x = builder.averagePool(x, size / bins);
    size = bins;
  }
  const torch::Tensor pool = adaptivePoolMatrix(size, bins);  // [bins, size]
  weight =
      torch::einsum("ocij,ih,jw->ochw", {weight.view({weight.size(0), channels, bins, bins}), pool, pool})
          .reshape({weight.size(0), channels * size * size});
  x = builder.relu(builder.gemm(builder.flatten(x), fc1, weight, builder.tensor(fc1 + ".bias")));
  return builder.relu(builder.linear(x, fc2));
}

// MobileNets and EfficientNet: "features", pooled; MobileNetV3's classifier.0 + Hardswish.
std::string emitMobileBackbone(GraphBuilder& builder, std::int64_t inputSize) {
  std::int64_t size = inputSize;
  std::string x = builder.pooledFeatures(
      emitMobileSequence(builder, "features", *builder.module("features"), kOnnxInputName, size));
  if (builder.has("classifier.0") && builder.module("classifier.0")->as<torch::nn::Linear>())
    x = builder.activation(builder.linear(x, "classifier.0"), models::Activation::Hardswish);
  return x;
}

}  // namespace

std::string onnxModelBytes(const models::Classifier& model, const ExportMetadata& metadata) {
  const std::int64_t size = metadata.inputSize;
  const std::int64_t classes = model->numClasses();
  onnx::ModelProto proto;
  proto.set_ir_version(kIrVersion);
  proto.set_producer_name(kProducer);
  proto.set_model_version(1);
  proto.set_doc_string(model->info().displayName + " fine-tuned with FineTune Studio");
  auto* opset = proto.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOnnxOpset);

  auto& graph = *proto.mutable_graph();
  graph.set_name(model->architectureName());
  setTensorType(graph.add_input(), kOnnxInputName, {3, size, size});
  setTensorType(graph.add_output(), kOnnxOutputName, {classes});

  GraphBuilder builder(graph, model);
  // One emitter per model family: the backbone's graph up to the features the head reads.
  const auto& family = model->info().family;
  std::string x;
  if (family == "resnet")
    x = builder.pooledFeatures(emitResNetBackbone(builder));
  else if (family == "mobilenet" || family == "efficientnet")
    x = emitMobileBackbone(builder, size);
  else if (const auto* convnext = dynamic_cast<const models::ConvNeXtImpl*>(model.get()))
    x = emitConvNeXt(builder, *convnext);
  else if (const auto* vit = dynamic_cast<const models::VisionTransformerImpl*>(model.get()))
    x = emitViT(builder, *vit);
  else if (const auto* dense = dynamic_cast<const models::DenseNetImpl*>(model.get()))
    x = emitDenseNet(builder, *dense);
  else if (const auto* plain = dynamic_cast<const models::PlainCnnImpl*>(model.get()))
    x = emitPlainCnn(builder, *plain, size);
  else
    throw std::logic_error("ONNX export: no graph emitter for the model family \"" + family + "\"");
  builder.linear(x, model->info().headName, kOnnxOutputName);

  addProperty(proto, "architecture", metadata.architecture);
  addProperty(proto, "class_names", nlohmann::json(metadata.classNames).dump());
  addProperty(proto, "num_classes", std::to_string(metadata.classNames.size()));
  addProperty(proto, "input_size", std::to_string(metadata.inputSize));
  addProperty(proto, "mean", nlohmann::json(metadata.mean).dump());
  addProperty(proto, "std", nlohmann::json(metadata.std).dump());
  addProperty(proto, "image_channels", std::to_string(metadata.imageChannels));
  addProperty(proto, "resize_size", std::to_string(metadata.resizeSize));
  addProperty(proto, "interpolation", metadata.interpolation);
  addProperty(proto, "source_run", metadata.sourceRun);
  addProperty(proto, "producer", kProducer);

  try {
    onnx::checker::check_model(proto);
  } catch (const std::exception& e) {
    throw UserError(std::string("the ONNX checker refused the exported graph (") + e.what() +
                    "); this is a bug in FineTune Studio, please report it");
  }
  std::string bytes;
  if (!proto.SerializeToString(&bytes))
    throw UserError("the ONNX model could not be serialized (larger than 2 GB?)");
  return bytes;
}

void writeOnnxModel(const models::Classifier& model, const ExportMetadata& metadata,
                    const std::string& path) {
  writeFileAtomically(path, onnxModelBytes(model, metadata));
}

OnnxModelInfo readOnnxModelInfo(const std::string& path) {
  if (!std::filesystem::exists(path)) throw UserError(path + ": file not found; check the path");
  onnx::ModelProto proto;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw UserError(path + ": cannot open: " + std::strerror(errno));
  const bool parsed = proto.ParseFromFileDescriptor(fd);
  ::close(fd);
  if (!parsed || !proto.has_graph())
    throw UserError(path +
                    ": not an ONNX model (truncated, damaged, or another format); export the model again");
  OnnxModelInfo info;
  info.irVersion = proto.ir_version();
  for (const auto& opset : proto.opset_import())
    if (opset.domain().empty() || opset.domain() == "ai.onnx") info.opset = opset.version();
  info.producer = proto.producer_name();
  const auto& graph = proto.graph();
  for (const auto& input : graph.input()) info.inputs.push_back(input.name());
  for (const auto& output : graph.output()) info.outputs.push_back(output.name());
  if (graph.input_size() > 0)
    for (const auto& dim : graph.input(0).type().tensor_type().shape().dim())
      info.inputShape.push_back(dimText(dim));
  if (graph.output_size() > 0)
    for (const auto& dim : graph.output(0).type().tensor_type().shape().dim())
      info.outputShape.push_back(dimText(dim));
  for (const auto& node : graph.node()) info.operatorTypes.push_back(node.op_type());
  info.initializers = std::size_t(graph.initializer_size());
  for (const auto& property : proto.metadata_props()) info.metadataProps[property.key()] = property.value();
  return info;
}

ExportMetadata readOnnxMetadata(const std::string& path) {
  const auto info = readOnnxModelInfo(path);
  const auto& props = info.metadataProps;
  if (!props.count("architecture") || !props.count("class_names"))
    throw UserError(path + ": this ONNX model has no FineTune Studio metadata (architecture, class names, "
                           "preprocessing); export it from its run with finetune-cli export --format onnx");
  nlohmann::json json;
  try {
    json["architecture"] = props.at("architecture");
    json["class_names"] = nlohmann::json::parse(props.at("class_names"));
    json["input_size"] = std::stoi(props.at("input_size"));
    json["mean"] = nlohmann::json::parse(props.at("mean"));
    json["std"] = nlohmann::json::parse(props.at("std"));
    if (props.count("image_channels")) json["image_channels"] = std::stoi(props.at("image_channels"));
    if (props.count("resize_size")) json["resize_size"] = std::stoi(props.at("resize_size"));
    if (props.count("interpolation")) json["interpolation"] = props.at("interpolation");
    if (props.count("source_run")) json["source_run"] = props.at("source_run");
  } catch (const std::exception&) {
    throw UserError(
        path + ": the export metadata in the ONNX model is incomplete or damaged; export the model again");
  }
  return metadataFromJson(json, path);
}

}  // namespace ft::exporting
