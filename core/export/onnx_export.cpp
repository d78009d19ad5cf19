#include "export/onnx_export.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <torch/torch.h>

#include "common/atomic_file.h"
#include "common/error.h"

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
  // w' = w * g / sqrt(v + eps), b' = beta - m * g / sqrt(v + eps), computed in double.
  std::string convBatchNorm(const std::string& input, const std::string& conv, const std::string& bn) {
    const auto* convModule = module(conv)->as<torch::nn::Conv2d>();
    const auto* bnModule = module(bn)->as<torch::nn::BatchNorm2d>();
    if (!convModule || !bnModule)
      throw std::logic_error("ONNX export: " + conv + "/" + bn + " are not Conv2d/BatchNorm2d");
    const auto& options = convModule->options;
    if (options.groups() != 1 || (*options.dilation())[0] != 1 || (*options.dilation())[1] != 1 ||
        !c10::holds_alternative<torch::ExpandingArray<2>>(options.padding()))
      throw std::logic_error("ONNX export: " + conv + " has options this exporter does not map");
    const auto padding = c10::get<torch::ExpandingArray<2>>(options.padding());
    const torch::Tensor scale = state(bn + ".weight") /
                                torch::sqrt(state(bn + ".running_var") + bnModule->options.eps());
    const torch::Tensor weight = state(conv + ".weight") * scale.view({-1, 1, 1, 1});
    torch::Tensor bias = state(bn + ".bias") - state(bn + ".running_mean") * scale;
    if (options.bias()) bias = bias + state(conv + ".bias") * scale;
    const std::string weightName = conv + ".weight", biasName = conv + ".bias";
    addInitializer(weightName, weight);
    addInitializer(biasName, bias);

    auto* node = addNode("Conv", {input, weightName, biasName}, conv);
    addInts(node, "kernel_shape", {(*options.kernel_size())[0], (*options.kernel_size())[1]});
    addInts(node, "strides", {(*options.stride())[0], (*options.stride())[1]});
    addInts(node, "pads", {(*padding)[0], (*padding)[1], (*padding)[0], (*padding)[1]});
    return node->output(0);
  }

  std::string relu(const std::string& input) { return addNode("Relu", {input}, "relu")->output(0); }
  std::string add(const std::string& a, const std::string& b) {
    return addNode("Add", {a, b}, "add")->output(0);
  }

  // torch max_pool2d(3, stride 2, padding 1): padded cells never win, as ONNX's.
  std::string maxPool(const std::string& input) {
    auto* node = addNode("MaxPool", {input}, "maxpool");
    addInts(node, "kernel_shape", {3, 3});
    addInts(node, "strides", {2, 2});
    addInts(node, "pads", {1, 1, 1, 1});
    return node->output(0);
  }

  // adaptive_avg_pool2d(1) + flatten(1) + fc: the logits, named `output`.
  void head(const std::string& input, const std::string& output) {
    const std::string pooled = addNode("GlobalAveragePool", {input}, "avgpool")->output(0);
    auto* flatten = addNode("Flatten", {pooled}, "flatten");
    addInt(flatten, "axis", 1);
    addInitializer("fc.weight", state("fc.weight"));
    addInitializer("fc.bias", state("fc.bias"));
    auto* gemm = addNode("Gemm", {flatten->output(0), "fc.weight", "fc.bias"}, "fc", output);
    addInt(gemm, "transB", 1);
  }

 private:
  std::shared_ptr<torch::nn::Module> module(const std::string& name) const {
    const auto it = m_modules.find(name);
    if (it == m_modules.end()) throw std::logic_error("ONNX export: no module " + name);
    return it->second;
  }

  const torch::Tensor& state(const std::string& key) const {
    const auto it = m_state.find(key);
    if (it == m_state.end()) throw std::logic_error("ONNX export: no tensor " + key);
    return it->second;
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
    tensor->set_raw_data(data.data_ptr<float>(), std::size_t(data.numel()) * sizeof(float));
  }

  static void addInts(onnx::NodeProto* node, const std::string& name,
                      const std::vector<std::int64_t>& values) {
    auto* attribute = node->add_attribute();
    attribute->set_name(name);
    attribute->set_type(onnx::AttributeProto::INTS);
    for (const auto v : values) attribute->add_ints(v);
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
    x = emitResNetBackbone(builder);
  else
    throw std::logic_error("ONNX export: no graph emitter for the model family \"" + family + "\"");
  builder.head(x, kOnnxOutputName);

  addProperty(proto, "architecture", metadata.architecture);
  addProperty(proto, "class_names", nlohmann::json(metadata.classNames).dump());
  addProperty(proto, "num_classes", std::to_string(metadata.classNames.size()));
  addProperty(proto, "input_size", std::to_string(metadata.inputSize));
  addProperty(proto, "mean", nlohmann::json(metadata.mean).dump());
  addProperty(proto, "std", nlohmann::json(metadata.std).dump());
  addProperty(proto, "image_channels", std::to_string(metadata.imageChannels));
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
    if (props.count("source_run")) json["source_run"] = props.at("source_run");
  } catch (const std::exception&) {
    throw UserError(
        path + ": the export metadata in the ONNX model is incomplete or damaged; export the model again");
  }
  return metadataFromJson(json, path);
}

}  // namespace ft::exporting
