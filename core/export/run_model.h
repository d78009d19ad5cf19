#pragma once
// A run folder's checkpoint as a model ready for inference, with what preprocessing it needs:
// the common ground of exporting a run and predicting with it.
#include <string>

#include <torch/torch.h>

#include "config/run_config.h"
#include "export/model_export.h"

namespace ft::exporting {

struct RunModel {
  config::RunConfig config;           // the run's config.json
  ExportMetadata metadata;            // class names and preprocessing as the checkpoint recorded them
  models::Classifier model{nullptr};  // on the CPU, evaluation mode
  std::string checkpoint;             // the .ckpt file read
};

// checkpoints/<which>.ckpt ("best" | "last") of a run folder and its config.json. Throws
// ft::UserError naming the folder or file and the fix.
RunModel loadRunModel(const std::string& runDir, const std::string& which);

// Channels of the images config.data yields: 1 for MNIST/Fashion-MNIST IDX files and image
// folders decoded as grayscale, 3 for CIFAR-10 and colour image folders. When data.format is
// "auto" and the data is gone, an image folder is assumed.
int imageChannelsFor(const config::DataConfig& data);

// The first `count` images of the run's validation set, preprocessed exactly as evaluation does
// (ImageTransform without augmentation, the checkpoint's size, mean and std), float
// [n, 3, S, S]. Undefined when the run's data cannot be opened; `whyNot` then says why.
torch::Tensor validationSampleBatch(const RunModel& run, int count, std::string* whyNot);

}  // namespace ft::exporting
