#pragma once
// torchvision's published ImageNet weights for the architectures we build: names, URLs and
// SHA-256 prefixes, the cache folders they live in, and a verified download.
// No LibTorch in this header: front ends may include it (e.g. to show a download's progress).
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "weights/download.h"

namespace ft::weights {

struct WeightsFile {
  std::string fileName;      // "resnet18-f37072fd.pth"
  std::string sha256Prefix;  // "f37072fd": the digits in the name, as torch.hub checks them
  // Other names the same bytes are cached under (an older torchvision's file name), searched
  // after fileName in every folder; the content is still checked against sha256Prefix.
  std::vector<std::string> aliases = {};
};

// How torchvision preprocesses images for these weights (Weights.transforms()): resize the
// shorter side to resizeSize with `interpolation`, crop the centre cropSize x cropSize, then
// normalise with mean/std.
struct Preprocessing {
  int resizeSize = 256;
  int cropSize = 224;
  std::string interpolation = "bilinear";  // "bilinear" | "bicubic"
  std::array<float, 3> mean{0.485f, 0.456f, 0.406f};
  std::array<float, 3> std{0.229f, 0.224f, 0.225f};
};

struct OfficialWeights {
  std::string architecture;  // "resnet18", as in RunConfig
  std::string variant;       // torchvision's enum name: "IMAGENET1K_V1"
  WeightsFile file;
  Preprocessing preprocessing;
  double top1 = 0;  // ImageNet-1K validation accuracy (%) torchvision publishes
  double top5 = 0;
  double fileSizeMB = 0;  // the download's size in MB (torchvision's _file_size)
  int numClasses = 1000;
};

// Every published file we know, in architecture order.
const std::vector<OfficialWeights>& officialWeights();

// "imagenet" (IMAGENET1K_V1, the weights of torchvision's pretrained=True), "imagenet1k_v1" or
// "imagenet1k_v2" (the architectures torchvision retrained); case-insensitive.
bool isOfficialWeightsName(const std::string& name);
// `architecture` as in RunConfig ("resnet18", case-insensitive). Throws ft::UserError when
// `name` is not one of those or torchvision has no such file for the architecture.
const OfficialWeights& officialWeightsFor(const std::string& architecture,
                                          const std::string& name = "imagenet");

// How a run turns an image into its input (transform.preprocessing resolved):
// resizeSize 0 = stretch the whole image to the input size (bilinear); > 0 = shorter side to
// resizeSize with `interpolation`, then a centre (or, augmenting, random) crop of the input size.
struct InputPreprocessing {
  int resizeSize = 0;
  std::string interpolation = "bilinear";
  // The published weights whose recipe this follows ("IMAGENET1K_V1"), "" when stretching.
  std::string variant;
};

// `mode` as transform.preprocessing: "stretch", "weights" (the recipe of `weights` when it
// names published weights, else of the architecture's IMAGENET1K_V1) or "auto" (weights when
// `weights` names published weights, else stretch). The recipe is scaled to `inputSize`:
// torchvision's resize 256 / crop 224 at input 32 resizes to round(32 * 256 / 224) = 37.
InputPreprocessing inputPreprocessing(const std::string& mode, const std::string& architecture,
                                      const std::string& weights, int inputSize);

constexpr const char* kDefaultWeightsBaseUrl = "https://download.pytorch.org/models";
constexpr const char* kWeightsBaseUrlVariable = "FINETUNE_WEIGHTS_BASE_URL";

// $XDG_CACHE_HOME/finetune-studio/weights, else ~/.cache/finetune-studio/weights.
std::string weightsCacheDir();
// torch.hub's folder: $TORCH_HOME/hub/checkpoints, else $XDG_CACHE_HOME/torch/hub/checkpoints,
// else ~/.cache/torch/hub/checkpoints.
std::string torchHubCheckpointDir();

struct FetchOptions {
  std::string baseUrl;   // "" = $FINETUNE_WEIGHTS_BASE_URL, else kDefaultWeightsBaseUrl
  std::string cacheDir;  // "" = weightsCacheDir(); downloads go here
  // Other folders searched for an existing copy; nullopt = { torchHubCheckpointDir() }.
  std::optional<std::vector<std::string>> searchDirs;
  DownloadOptions download;  // progress callback, cancel flag, timeouts
};

std::string resolvedBaseUrl(const FetchOptions& options);
std::string weightsUrl(const WeightsFile& file, const FetchOptions& options = {});

// The path of a copy whose SHA-256 matches, in cacheDir then searchDirs; "" when there is none.
std::string findCachedWeights(const WeightsFile& file, const FetchOptions& options = {});

// A verified local copy of `file`: cached, or downloaded into cacheDir (progress and cancel
// through options.download). Throws DownloadCancelled, or ft::UserError: offline or HTTP
// errors say where to put the file by hand; a corrupt download is never cached.
std::string fetchWeights(const WeightsFile& file, const FetchOptions& options = {});

}  // namespace ft::weights
