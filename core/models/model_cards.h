#pragma once
// The facts a learner reads about each architecture before choosing one: when and where it was
// published, what it introduced, its size and cost. One data table, tested against torchvision
// (parameter counts exactly, multiply-accumulates within rounding; tests/python/zoo_reference.py).
// No LibTorch here: front ends include it through api/.
#include <cstdint>
#include <string>
#include <vector>

namespace ft::models {

struct ModelCard {
  std::string architecture;     // "resnet18", as in ArchitectureInfo::name
  int year = 0;                 // of the paper that introduced it
  std::string paper;            // "Deep Residual Learning for Image Recognition"
  std::string authors;          // "He, Zhang, Ren, Sun"
  std::string introduced;       // one line, English; front ends translate it
  std::int64_t parameters = 0;  // with torchvision's 1000-class ImageNet head
  double gmacs = 0;             // multiply-accumulates per 224-px image, in billions
};

// One card per architecture, in architectures() order.
const std::vector<ModelCard>& modelCards();
// The card of `architecture` (case-insensitive); throws ft::UserError for an unknown name.
const ModelCard& modelCard(const std::string& architecture);

// A step in the history of image pretrained models (the seed's second lesson), oldest first:
// the architectures above and the milestones around them (ImageNet, batch normalisation, ...).
struct HistoryEvent {
  int year = 0;
  std::string title;                       // "AlexNet"
  std::string text;                        // one or two sentences, English; front ends translate it
  std::vector<std::string> architectures;  // the studio's architectures it is about; none for a milestone
};
const std::vector<HistoryEvent>& modelHistory();

}  // namespace ft::models
