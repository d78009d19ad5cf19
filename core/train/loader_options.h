#pragma once
// The loader options of a run, from its config: one place for the trainer, the estimate and the
// evaluation of a finished run, so they cannot drift apart.
#include "config/run_config.h"
#include "data/loader.h"
#include "data/transforms.h"

namespace ft::train {

// The training transform of `config`: input size, crop padding, flip (augmenting when either is
// on) and transform.preprocessing resolved for the model's weights (weights::inputPreprocessing);
// ImageNet normalisation ("dataset" statistics are the trainer's to measure). The validation
// transform is the same with augment = false.
data::TransformOptions trainingTransform(const config::RunConfig& config);

// Training: config batch size, shuffled by the run's seed, its workers and prefetch, `transform`
// as given (augmenting or not).
data::LoaderOptions trainingLoaderOptions(const config::RunConfig& config,
                                          const data::TransformOptions& transform);

// Validation: config eval batch size, the view's own order (no shuffle), `evalTransform` without
// augmentation. Also the feature cache's pass (unaugmented, in order).
data::LoaderOptions validationLoaderOptions(const config::RunConfig& config,
                                            const data::TransformOptions& evalTransform);

}  // namespace ft::train
