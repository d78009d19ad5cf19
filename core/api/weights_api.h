#pragma once
// torchvision's published weights for a front end: which file an architecture's ImageNet weights
// are, where a verified copy is cached, and a download with progress and cancel. Torch-free.
#include "weights/official_weights.h"

namespace ft::api {

using weights::DownloadCancelled;
using weights::DownloadOptions;
using weights::FetchOptions;
using weights::WeightsFile;
using weights::fetchWeights;
using weights::findCachedWeights;
using weights::officialWeightsFor;
using weights::weightsCacheDir;
using weights::weightsUrl;

}  // namespace ft::api
