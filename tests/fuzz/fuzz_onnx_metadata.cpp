// An .onnx export's structure and metadata_props (predict --model, evaluate, Try it, the export
// summary), read with libonnx's protobuf classes before OpenCV or ONNX Runtime sees the file.
#include <onnx/onnx_pb.h>

#include <torch/torch.h>

#include "common/error.h"
#include "export/model_export.h"
#include "export/onnx_export.h"
#include "fuzz_support.h"
#include "models/classifier.h"

namespace ft::fuzz {

void writeSeeds(const std::filesystem::path& dir) {
  // A real export of the smallest model, its weights left out (the reader never looks at them).
  exporting::ExportMetadata metadata;
  metadata.architecture = "mobilenet_v3_small";
  metadata.classNames = {"cat", "dog", "bird"};
  metadata.inputSize = 64;
  auto model = models::makeClassifier(metadata.architecture, 3, metadata.inputSize);
  onnx::ModelProto proto;
  proto.ParseFromString(exporting::onnxModelBytes(model, metadata));
  auto* graph = proto.mutable_graph();
  while (graph->initializer_size() > 2) graph->mutable_initializer()->RemoveLast();
  for (auto& initializer : *graph->mutable_initializer()) initializer.clear_raw_data();
  while (graph->node_size() > 8) graph->mutable_node()->RemoveLast();
  writeFile(dir / "mobilenet_v3_small.onnx", proto.SerializeAsString());
}

}  // namespace ft::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = ft::fuzz::writeScratch("model.onnx", data, size);
  try {
    const auto info = ft::exporting::readOnnxModelInfo(path);
    (void)info;
    const auto metadata = ft::exporting::readOnnxMetadata(path);
    (void)ft::exporting::evaluationTransform(metadata);
  } catch (const ft::UserError&) {
  }
  return 0;
}
