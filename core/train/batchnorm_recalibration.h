#pragma once
// BatchNorm recalibration ("precise BN"): before a validation pass, the running statistics of
// every BatchNorm layer that trained in the epoch are re-estimated as plain averages over a fixed
// set of unaugmented training images, with the weights as they are now.
//
// Why: running statistics are an exponential average over the training batches, taken while the
// weights moved. With a small momentum (MobileNetV3's 0.01) they trail the weights by ~100
// iterations, so a short fine-tune validates (and exports) a model whose eval-mode statistics
// describe weights it no longer has: from random weights, 2 epochs of MobileNetV3-Small on 2,000
// Fashion-MNIST images reach 50% training accuracy but 10% (chance) validation accuracy, in
// PyTorch as here; re-estimated statistics give 73%.
#include <cstdint>
#include <functional>

#include <torch/torch.h>

#include "config/run_config.h"
#include "data/data_source.h"
#include "data/loader.h"
#include "models/classifier.h"
#include "train/precision.h"

namespace ft::train {

// Images used when train.recalibrate_batchnorm is -1 (automatic) and recalibration applies.
constexpr std::int64_t kAutoRecalibrationImages = 512;

// BatchNorm layers (1-d and 2-d) of `model` in training mode now, i.e. those whose statistics
// the epoch just trained has updated (after model.train() and any hold).
std::int64_t trainingBatchNormLayers(models::ClassifierImpl& model);

// The number of images to recalibrate with before this epoch's validation: `setting` when > 0;
// for -1 (automatic) kAutoRecalibrationImages when some BatchNorm layer in training mode has a
// momentum below 0.1 (or a cumulative average), else 0; 0 for 0. Never more than `available`.
std::int64_t recalibrationImages(models::ClassifierImpl& model, int setting, std::size_t available);

// `count` samples of `view` spread evenly over it (every k-th), in order: the same images in
// every epoch and on resume.
data::DataView evenSubset(const data::DataView& view, std::size_t count);

struct RecalibrationResult {
  std::int64_t layers = 0;  // BatchNorm layers re-estimated (0: nothing was touched)
  std::int64_t images = 0;
  double seconds = 0.0;
};

// Resets the running statistics of every BatchNorm layer of `model` that is in training mode
// and re-estimates them as the mean over the batches of `view` (loaded with `options`, which
// should not augment), computed with those layers alone in training mode, everything else
// (dropout, stochastic depth, held BatchNorm) in eval mode, and no autograd. Momenta and the
// model's mode are restored afterwards. When `shouldStop` answers true before a batch, the
// statistics go back to what they were and layers = 0 is returned.
RecalibrationResult recalibrateBatchNorm(models::ClassifierImpl& model, const data::DataView& view,
                                         data::LoaderOptions options, torch::Device device,
                                         Precision precision, bool channelsLast,
                                         const std::function<bool()>& shouldStop = {});

}  // namespace ft::train
