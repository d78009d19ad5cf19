#include "weights/official_weights.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <pwd.h>
#include <unistd.h>

#include "common/error.h"
#include "models/classifier.h"
#include "weights/sha256.h"

namespace fs = std::filesystem;

namespace ft::weights {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

std::string variantOf(const std::string& name) {
  const std::string n = lower(name);
  if (n == "imagenet" || n == "imagenet1k_v1") return "IMAGENET1K_V1";
  if (n == "imagenet1k_v2") return "IMAGENET1K_V2";
  return "";
}

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::string homeDir() {
  std::string home = environment("HOME");
  if (home.empty())
    if (const passwd* pw = ::getpwuid(::getuid()); pw && pw->pw_dir) home = pw->pw_dir;
  return home.empty() ? "." : home;
}

// XDG: a relative $XDG_CACHE_HOME is to be ignored.
std::string cacheHome() {
  const std::string xdg = environment("XDG_CACHE_HOME");
  if (!xdg.empty() && xdg.front() == '/') return xdg;
  return homeDir() + "/.cache";
}

std::mutex g_fetchMutex;  // one download per process at a time (they share temporary names)

}  // namespace

const std::vector<OfficialWeights>& officialWeights() {
  // torchvision 0.14's Weights enums: file, transforms(), meta["_metrics"]; sizes as torchvision
  // later publishes them (meta["_file_size"]). tests/python/zoo_reference.py checks the rest.
  const Preprocessing v1;                        // resize 256, crop 224, bilinear
  const Preprocessing v2{232, 224, "bilinear"};  // the retrained "V2" recipes
  const Preprocessing bicubic{256, 224, "bicubic"};
  static const std::vector<OfficialWeights> all = {
      {"resnet18", "IMAGENET1K_V1", {"resnet18-f37072fd.pth", "f37072fd"}, v1, 69.758, 89.078, 44.661},
      {"resnet34", "IMAGENET1K_V1", {"resnet34-b627a593.pth", "b627a593"}, v1, 73.314, 91.420, 83.275},
      {"resnet50", "IMAGENET1K_V1", {"resnet50-0676ba61.pth", "0676ba61"}, v1, 76.130, 92.862, 97.781},
      {"resnet50", "IMAGENET1K_V2", {"resnet50-11ad3fa6.pth", "11ad3fa6"}, v2, 80.858, 95.434, 97.79},
      {"resnet101", "IMAGENET1K_V1", {"resnet101-63fe2227.pth", "63fe2227"}, v1, 77.374, 93.546, 170.511},
      {"resnet101", "IMAGENET1K_V2", {"resnet101-cd907fc2.pth", "cd907fc2"}, v2, 81.886, 95.780, 170.53},
      {"alexnet", "IMAGENET1K_V1", {"alexnet-owt-7be5be79.pth", "7be5be79"}, v1, 56.522, 79.066, 233.087},
      {"vgg16", "IMAGENET1K_V1", {"vgg16-397923af.pth", "397923af"}, v1, 71.592, 90.382, 527.796},
      {"vgg16_bn", "IMAGENET1K_V1", {"vgg16_bn-6c64b313.pth", "6c64b313"}, v1, 73.360, 91.516, 527.866},
      {"densenet121", "IMAGENET1K_V1", {"densenet121-a639ec97.pth", "a639ec97"}, v1, 74.434, 91.972, 30.845},
      {"mobilenet_v2",
       "IMAGENET1K_V1",
       {"mobilenet_v2-b0353104.pth", "b0353104"},
       v1,
       71.878,
       90.286,
       13.555},
      {"mobilenet_v2",
       "IMAGENET1K_V2",
       {"mobilenet_v2-7ebf99e0.pth", "7ebf99e0"},
       v2,
       72.154,
       90.822,
       13.598},
      {"mobilenet_v3_small",
       "IMAGENET1K_V1",
       {"mobilenet_v3_small-047dcff4.pth", "047dcff4"},
       v1,
       67.668,
       87.402,
       9.829},
      {"mobilenet_v3_large",
       "IMAGENET1K_V1",
       {"mobilenet_v3_large-8738ca79.pth", "8738ca79"},
       v1,
       74.042,
       91.340,
       21.114},
      {"mobilenet_v3_large",
       "IMAGENET1K_V2",
       {"mobilenet_v3_large-5c1a4163.pth", "5c1a4163"},
       v2,
       75.274,
       92.566,
       21.107},
      // torchvision 0.14 names this file "...-3dd342df.pth", but its SHA-256 starts with 7f5810bc:
      // torchvision >= 0.16.1 publishes it under the hash's own name. Copies cached under the old
      // name are found and checked against the true hash.
      {"efficientnet_b0",
       "IMAGENET1K_V1",
       {"efficientnet_b0_rwightman-7f5810bc.pth", "7f5810bc", {"efficientnet_b0_rwightman-3dd342df.pth"}},
       bicubic,
       77.692,
       93.532,
       20.451},
      {"convnext_tiny",
       "IMAGENET1K_V1",
       {"convnext_tiny-983f1562.pth", "983f1562"},
       Preprocessing{236, 224, "bilinear"},
       82.520,
       96.146,
       109.119},
      {"vit_b_16",
       "IMAGENET1K_V1",
       {"vit_b_16-c867db91.pth", "c867db91"},
       Preprocessing{256, 224, "bilinear"},
       81.072,
       95.318,
       330.285},
  };
  return all;
}

bool isOfficialWeightsName(const std::string& name) { return !variantOf(name).empty(); }

const OfficialWeights& officialWeightsFor(const std::string& architecture, const std::string& name) {
  const std::string variant = variantOf(name);
  if (variant.empty())
    throw UserError("weights \"" + name + "\" are not known; use imagenet, imagenet1k_v1 or imagenet1k_v2");
  const std::string arch = lower(architecture);
  for (const auto& w : officialWeights())
    if (w.architecture == arch && w.variant == variant) return w;
  std::string display = architecture;
  try {
    display = models::architectureInfo(arch).displayName;
  } catch (const UserError&) {
  }
  throw UserError("torchvision publishes no " + variant + " weights for " + display +
                  "; use imagenet (IMAGENET1K_V1)");
}

InputPreprocessing inputPreprocessing(const std::string& mode, const std::string& architecture,
                                      const std::string& weights, int inputSize) {
  const bool official = isOfficialWeightsName(weights);
  if (mode == "stretch" || (mode == "auto" && !official)) return {};
  if (mode != "weights" && mode != "auto")
    throw UserError("transform.preprocessing must be auto, stretch or weights (got \"" + mode.substr(0, 40) +
                    "\")");
  const OfficialWeights& w = officialWeightsFor(architecture, official ? weights : "imagenet");
  InputPreprocessing p;
  p.resizeSize = std::max(inputSize, static_cast<int>(std::lround(static_cast<double>(inputSize) *
                                                                  w.preprocessing.resizeSize /
                                                                  w.preprocessing.cropSize)));
  p.interpolation = w.preprocessing.interpolation;
  p.variant = w.variant;
  return p;
}

std::string weightsCacheDir() { return cacheHome() + "/finetune-studio/weights"; }

std::string torchHubCheckpointDir() {
  const std::string torchHome = environment("TORCH_HOME");
  return (torchHome.empty() ? cacheHome() + "/torch" : torchHome) + "/hub/checkpoints";
}

std::string resolvedBaseUrl(const FetchOptions& options) {
  std::string base = options.baseUrl;
  if (base.empty()) base = environment(kWeightsBaseUrlVariable);
  if (base.empty()) base = kDefaultWeightsBaseUrl;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

std::string weightsUrl(const WeightsFile& file, const FetchOptions& options) {
  return resolvedBaseUrl(options) + "/" + file.fileName;
}

namespace {

std::vector<std::string> searchDirsOf(const FetchOptions& options) {
  return options.searchDirs.value_or(std::vector<std::string>{torchHubCheckpointDir()});
}

}  // namespace

std::string findCachedWeights(const WeightsFile& file, const FetchOptions& options) {
  std::vector<std::string> dirs{options.cacheDir.empty() ? weightsCacheDir() : options.cacheDir};
  const auto extra = searchDirsOf(options);
  dirs.insert(dirs.end(), extra.begin(), extra.end());
  std::vector<std::string> names{file.fileName};
  names.insert(names.end(), file.aliases.begin(), file.aliases.end());
  for (const auto& dir : dirs) {
    for (const auto& name : names) {
      const fs::path candidate = fs::path(dir) / name;
      std::error_code ec;
      if (!fs::is_regular_file(candidate, ec)) continue;
      try {
        if (digestMatches(sha256OfFile(candidate.string()), file.sha256Prefix)) return candidate.string();
      } catch (const UserError&) {
        // Unreadable: look further, download if nothing else is there.
      }
    }
  }
  return "";
}

std::string fetchWeights(const WeightsFile& file, const FetchOptions& options) {
  if (file.fileName.empty() || file.fileName.find('/') != std::string::npos || file.fileName[0] == '.')
    throw UserError("weights file name \"" + file.fileName + "\" is not a plain file name");
  std::lock_guard<std::mutex> lock(g_fetchMutex);
  if (auto found = findCachedWeights(file, options); !found.empty()) return found;

  const std::string cacheDir = options.cacheDir.empty() ? weightsCacheDir() : options.cacheDir;
  const std::string destination = (fs::path(cacheDir) / file.fileName).string();
  const std::string url = weightsUrl(file, options);
  std::error_code ec;
  fs::create_directories(cacheDir, ec);
  if (ec)
    throw UserError(cacheDir + ": cannot create the weights cache folder (" + ec.message() +
                    "); set XDG_CACHE_HOME to a writable folder, or download " + url +
                    " yourself and give it with --weights PATH");
  const bool corruptCopy = fs::exists(destination, ec);
  try {
    downloadFile(url, destination, file.sha256Prefix, options.download);
  } catch (const DownloadFailed& e) {
    throw UserError(
        std::string(e.what()) + ". Without internet access, download " + url +
        " on another computer and copy it to " + destination +
        (searchDirsOf(options).empty() ? std::string() : " (or to " + searchDirsOf(options).front() + ")") +
        ", or give a weights file with --weights PATH" +
        (corruptCopy ? ". The copy already there is damaged (its SHA-256 does not start with " +
                           file.sha256Prefix + ")"
                     : std::string()));
  }
  return destination;
}

}  // namespace ft::weights
