#include "export/exported_model.h"

#include <filesystem>
#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>
#include <opencv2/core/version.hpp>
#include <opencv2/dnn.hpp>
#include <torch/version.h>

#include "common/error.h"
#include "export/onnx_export.h"
#include "weights/classifier_weights.h"
#include "weights/state_dict.h"

namespace fs = std::filesystem;

namespace ft::exporting {

struct ExportedModel::OnnxNet {
  cv::dnn::Net net;
};

ExportedModel::ExportedModel(ExportedModel&&) noexcept = default;
ExportedModel& ExportedModel::operator=(ExportedModel&&) noexcept = default;
ExportedModel::~ExportedModel() = default;

namespace {

void requireSameMetadata(const ExportMetadata& inside, const ExportMetadata& expected,
                         const std::string& path) {
  if (toJson(inside) != toJson(expected))
    throw UserError(path +
                    ": the metadata read back from the file differs from the metadata written "
                    "(read " +
                    toJson(inside).dump() + "); export the model again");
}

// Our model from a state dict file: every key, head included, must fit.
models::Classifier modelFromWeightsFile(const std::string& path, const ExportMetadata& metadata) {
  const auto contents = weights::readWeightsFile(path);
  auto model =
      models::makeClassifier(metadata.architecture, int(metadata.classNames.size()), metadata.inputSize);
  const auto report = weights::loadClassifierWeights(*model, contents.tensors, path);
  if (report.headSkipped)
    throw UserError(path + ": the head of these weights has " + std::to_string(report.fileClasses) +
                    " classes but the metadata beside it names " +
                    std::to_string(metadata.classNames.size()) +
                    "; the .json belongs to another export: export the model again");
  model->eval();
  return model;
}

}  // namespace

ExportMetadata readMetadataBeside(const std::string& path) {
  const std::string jsonPath = fs::path(path).replace_extension(".json").string();
  if (!fs::exists(jsonPath))
    throw UserError(jsonPath + ": missing. " + path +
                    " holds only the weights; its class names and "
                    "preprocessing are in the .json written beside it by the export. Put that file "
                    "next to it under this name, or export the model again (finetune-cli export RUN_DIR -o " +
                    path + ")");
  std::ifstream in(jsonPath, std::ios::binary);
  const std::string text(std::istreambuf_iterator<char>(in), {});
  const auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object())
    throw UserError(jsonPath + ": not valid JSON; export the model again to get its metadata back");
  return metadataFromJson(json, jsonPath);
}

ExportedModel ExportedModel::open(const std::string& path) {
  return open(path, exportFormatFor(path), std::nullopt);
}

ExportedModel ExportedModel::open(const std::string& path, ExportFormat format,
                                  const std::optional<ExportMetadata>& metadata) {
  if (!fs::exists(path)) throw UserError(path + ": file not found; check the path");
  ExportedModel opened;
  opened.m_path = path;
  opened.m_format = format;
  switch (format) {
    case ExportFormat::LibTorch: {
      auto loaded = loadLibTorchExport(path);
      if (metadata) requireSameMetadata(loaded.metadata, *metadata, path);
      opened.m_metadata = loaded.metadata;
      opened.m_model = loaded.model;
      break;
    }
    case ExportFormat::TorchvisionPth:
      opened.m_metadata = metadata ? *metadata : readMetadataBeside(path);
      opened.m_model = modelFromWeightsFile(path, opened.m_metadata);
      break;
    case ExportFormat::SafeTensors: {
      if (metadata) {
        opened.m_metadata = *metadata;
      } else if (fs::exists(fs::path(path).replace_extension(".json"))) {
        opened.m_metadata = readMetadataBeside(path);
      } else {
        // Our .safetensors carry the metadata inside too (__metadata__["finetune_studio"]).
        const auto contents = weights::readWeightsFile(path);
        const auto it = contents.metadata.find("finetune_studio");
        if (it == contents.metadata.end()) readMetadataBeside(path);  // throws, naming the .json
        opened.m_metadata = metadataFromJson(nlohmann::json::parse(it->second, nullptr, false), path);
      }
      opened.m_model = modelFromWeightsFile(path, opened.m_metadata);
      break;
    }
    case ExportFormat::Onnx: {
      const auto inside = readOnnxMetadata(path);
      if (metadata) requireSameMetadata(inside, *metadata, path);
      opened.m_metadata = inside;
      opened.m_onnx = std::make_unique<OnnxNet>();
      try {
        opened.m_onnx->net = cv::dnn::readNetFromONNX(path);
      } catch (const cv::Exception& e) {
        throw UserError(path + ": OpenCV DNN cannot load this ONNX model (" + e.msg + "); export it again");
      }
      if (opened.m_onnx->net.empty())
        throw UserError(path + ": OpenCV DNN read an empty network; export the model again");
      break;
    }
  }
  return opened;
}

torch::Tensor ExportedModel::logits(const torch::Tensor& batch) {
  const std::int64_t size = m_metadata.inputSize;
  if (batch.dim() != 4 || batch.size(1) != 3 || batch.size(2) != size || batch.size(3) != size)
    throw UserError(m_path + ": expects images of 3 x " + std::to_string(size) + " x " +
                    std::to_string(size) + ", got a batch of shape " + c10::str(batch.sizes()));
  const torch::Tensor input = batch.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  if (m_model) {
    torch::NoGradGuard noGrad;
    return m_model->forward(input).contiguous();
  }
  const std::vector<int> shape(input.sizes().begin(), input.sizes().end());
  const cv::Mat blob(4, shape.data(), CV_32F, const_cast<float*>(input.data_ptr<float>()));
  cv::Mat out;
  try {
    m_onnx->net.setInput(blob, kOnnxInputName);
    out = m_onnx->net.forward();
  } catch (const cv::Exception& e) {
    throw UserError(m_path + ": OpenCV DNN failed to run the model (" + e.msg + ")");
  }
  const std::int64_t rows = input.size(0), classes = std::int64_t(m_metadata.classNames.size());
  if (out.type() != CV_32F || std::int64_t(out.total()) != rows * classes || !out.isContinuous())
    throw UserError(m_path + ": OpenCV DNN returned " + std::to_string(out.total()) + " values, expected " +
                    std::to_string(rows * classes) + " (batch x classes); export the model again");
  return torch::from_blob(out.ptr<float>(), {rows, classes}, torch::kFloat32).clone();
}

std::string ExportedModel::runtime() const {
  const std::string libtorch = "LibTorch " + std::to_string(TORCH_VERSION_MAJOR) + "." +
                               std::to_string(TORCH_VERSION_MINOR) + "." +
                               std::to_string(TORCH_VERSION_PATCH);
  switch (m_format) {
    case ExportFormat::Onnx: return std::string("OpenCV DNN ") + CV_VERSION;
    case ExportFormat::LibTorch: return libtorch;
    case ExportFormat::TorchvisionPth: return "the safe .pth reader and " + libtorch;
    case ExportFormat::SafeTensors: return "the safetensors reader and " + libtorch;
  }
  return libtorch;
}

}  // namespace ft::exporting
