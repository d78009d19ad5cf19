#pragma once
// A prediction on one image file: its top classes, or why it could not be read. Torch-free
// (front ends receive it through api/results_api.h); export/predict.h computes it.
#include <string>
#include <vector>

namespace ft::exporting {

struct ClassProbability {
  int classIndex = 0;
  std::string name;
  float probability = 0.0f;
};

struct ImagePrediction {
  std::string image;                  // the file as given
  std::vector<ClassProbability> top;  // highest first, at most topK entries
  std::string error;                  // non-empty when the file could not be read; top empty
};

}  // namespace ft::exporting
