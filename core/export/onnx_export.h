#pragma once
// ONNX export of our ResNets for OpenCV DNN, ONNX Runtime and other tools: opset 13, input
// "input" float [batch, 3, S, S] with a dynamic batch dimension (dim_param "batch"), output
// "logits" [batch, classes]. BatchNorm is folded into the convolutions (eval mode) and the graph
// uses only Conv, Relu, MaxPool, Add, GlobalAveragePool, Flatten and Gemm: no Identity node,
// which OpenCV 4.6's importer refuses. The export metadata travels in metadata_props.
// The protobuf classes stay inside onnx_export.cpp: this header is plain C++.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "export/model_export.h"

namespace ft::exporting {

inline constexpr std::int64_t kOnnxOpset = 13;
inline constexpr const char* kOnnxInputName = "input";
inline constexpr const char* kOnnxOutputName = "logits";
inline constexpr const char* kOnnxBatchDim = "batch";

// The serialized ModelProto of `model` (evaluation mode, on any device) with `metadata`, after
// onnx::checker::check_model accepted it. Throws ft::UserError when the checker refuses it.
std::string onnxModelBytes(const models::Classifier& model, const ExportMetadata& metadata);
// Writes onnxModelBytes(...) to `path` atomically (nothing beside it).
void writeOnnxModel(const models::Classifier& model, const ExportMetadata& metadata, const std::string& path);

// What an .onnx file holds, read with protobuf alone (nothing in the file is executed).
struct OnnxModelInfo {
  std::int64_t irVersion = 0;
  std::int64_t opset = 0;                    // of the default domain
  std::string producer;                      // producer_name
  std::vector<std::string> inputs, outputs;  // graph input / output names
  std::vector<std::string> inputShape;       // per dimension: dim_param or the number, e.g. batch 3 32 32
  std::vector<std::string> outputShape;
  std::vector<std::string> operatorTypes;  // op_type of every node, in graph order
  std::size_t initializers = 0;
  std::map<std::string, std::string> metadataProps;
};
// Throws ft::UserError naming the file when it is missing or not an ONNX model.
OnnxModelInfo readOnnxModelInfo(const std::string& path);
// The metadata writeOnnxModel stored in metadata_props. Throws ft::UserError naming the file
// when it has none (an ONNX model from elsewhere) or it is damaged.
ExportMetadata readOnnxMetadata(const std::string& path);

}  // namespace ft::exporting
