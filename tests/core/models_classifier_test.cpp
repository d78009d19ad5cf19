// The one model interface (models/classifier.h): every architecture in the list is built by
// name and behaves the same through a Classifier — features and head, parameter groups,
// freezing, the BatchNorm hold, state dicts.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <set>
#include <string>

#include "common/error.h"
#include "models/classifier.h"
#include "user_error.h"

using namespace ft;
using ft::test::expectUserError;

TEST(Architectures, ListNamesInfoAndLookUpByName) {
  const auto names = models::architectureNames();
  ASSERT_GE(names.size(), 3u);
  EXPECT_EQ(names[0], "resnet18");
  std::set<std::string> unique(names.begin(), names.end());
  EXPECT_EQ(unique.size(), names.size()) << "names are unique";
  for (const auto& info : models::architectures()) {
    SCOPED_TRACE(info.name);
    EXPECT_FALSE(info.displayName.empty());
    EXPECT_FALSE(info.family.empty());
    EXPECT_FALSE(info.headName.empty());
    EXPECT_GT(info.featureDim, 0);
    EXPECT_GE(info.inputSize, 32);
    EXPECT_EQ(&models::architectureInfo(info.name), &info);
  }
  EXPECT_EQ(models::architectureInfo("ResNet50").displayName, "ResNet-50");
  EXPECT_EQ(models::architectureInfo("resnet50").featureDim, 2048);
  expectUserError([] { models::architectureInfo("lenet"); }, {"lenet", "resnet18", "resnet50"});
  expectUserError([] { models::makeClassifier("lenet", 10); }, {"lenet"});
  expectUserError([] { models::makeClassifier("resnet18", 0); }, {"at least 1"});
}

// Through the interface alone, for every architecture the list holds.
TEST(Classifier, EveryArchitectureBehavesTheSameThroughTheInterface) {
  for (const auto& info : models::architectures()) {
    SCOPED_TRACE(info.name);
    torch::manual_seed(4);
    const std::int64_t side = std::max<std::int64_t>(32, info.minInputSize);
    models::Classifier model = models::makeClassifier(info.name, 7, side);
    EXPECT_EQ(model->architectureName(), info.name);
    EXPECT_EQ(model->numClasses(), 7);
    EXPECT_EQ(model->featureDim(), info.featureDim);
    model->eval();
    torch::NoGradGuard noGrad;
    const auto images = torch::randn({2, 3, side, side});
    const auto features = model->features(images);
    ASSERT_EQ(features.sizes(), (torch::IntArrayRef{2, info.featureDim}));
    const auto logits = model->forward(images);
    ASSERT_EQ(logits.sizes(), (torch::IntArrayRef{2, 7}));
    EXPECT_TRUE(torch::allclose(logits, model->classify(features)));

    // Head and backbone split every parameter once; the head is what sits under headName.
    const auto head = model->headParameters();
    const auto backbone = model->backboneParameters();
    EXPECT_EQ(head.size() + backbone.size(), model->parameters().size());
    std::int64_t headCount = 0;
    for (const auto& p : head) headCount += p.numel();
    EXPECT_EQ(headCount, info.featureDim * 7 + 7);
    for (const auto& [key, tensor] : models::stateDict(model))
      EXPECT_EQ(model->isHeadKey(key), key.rfind(info.headName + ".", 0) == 0) << key;

    const auto frozen = model->setBackboneFrozen(true);
    EXPECT_EQ(frozen.total - frozen.frozen, headCount);
    EXPECT_EQ(model->setBackboneFrozen(false).frozen, 0);

    // The BatchNorm hold survives train() when called through the base class.
    model->setBackboneBatchNormEval(true);
    model->train();
    int held = 0;
    for (const auto& module : model->modules(false))
      if (module->as<torch::nn::BatchNorm2d>()) {
        EXPECT_FALSE(module->is_training());
        ++held;
      }
    // Those without BatchNorm: AlexNet, VGG-16, ConvNeXt and ViT (LayerNorm has no running
    // statistics).
    if (info.name != "alexnet" && info.name != "vgg16" && info.name != "convnext_tiny" &&
        info.name != "vit_b_16") {
      EXPECT_GT(held, 0);
    }
    model->setBackboneBatchNormEval(false);
    for (const auto& module : model->modules(false))
      if (module->as<torch::nn::BatchNorm2d>()) EXPECT_TRUE(module->is_training());

    // A new head keeps the backbone and its place in the state dict.
    const auto keysBefore = models::stateDictShapes(model);
    model->replaceHead(3);
    EXPECT_EQ(model->numClasses(), 3);
    const auto keysAfter = models::stateDictShapes(model);
    ASSERT_EQ(keysAfter.size(), keysBefore.size());
    for (std::size_t i = 0; i < keysAfter.size(); ++i) EXPECT_EQ(keysAfter[i].first, keysBefore[i].first);
    EXPECT_EQ(model->forward(images).size(1), 3);

    // A state dict round-trips into a second model of the same architecture.
    auto copy = models::makeClassifier(info.name, 3, side);
    std::unordered_map<std::string, torch::Tensor> state;
    for (const auto& [key, tensor] : models::stateDict(model)) state[key] = tensor;
    EXPECT_EQ(models::loadStateDict(copy, state), state.size());
    copy->eval();
    model->eval();
    EXPECT_TRUE(torch::equal(copy->forward(images), model->forward(images)));
  }
}
