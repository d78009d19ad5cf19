// results_api.h, prediction half: predictWithRun and predictWithModel (the preprocessing and
// the batched pass are export/predict.*).
#include <torch/torch.h>

#include "api/results_api.h"
#include "export/exported_model.h"
#include "export/predict.h"
#include "export/run_model.h"

namespace ft::api {

std::vector<ImagePrediction> predictWithRun(const std::string& runDir, const std::string& which,
                                            const std::vector<std::string>& images, int topK) {
  auto run = exporting::loadRunModel(runDir, which);
  torch::NoGradGuard noGrad;
  return exporting::predictImages([&](const torch::Tensor& batch) { return run.model->forward(batch); },
                                  run.metadata, images, topK);
}

std::vector<ImagePrediction> predictWithModel(const std::string& modelFile,
                                              const std::vector<std::string>& images, int topK) {
  auto model = exporting::ExportedModel::open(modelFile);
  return exporting::predictImages([&](const torch::Tensor& batch) { return model.logits(batch); },
                                  model.metadata(), images, topK);
}

}  // namespace ft::api
