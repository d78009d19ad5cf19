// transform.preprocessing: "weights" resizes as torchvision prepares images for the published
// weights (shorter side, then a crop), scaled to the input size; the resolved recipe travels
// with the checkpoint and every export, so evaluation, prediction and exports preprocess as the
// run's validation did.
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <torch/torch.h>

#include "api/results_api.h"
#include "api/studio_api.h"
#include "common/error.h"
#include "config/run_config.h"
#include "data/idx_dataset.h"
#include "export/model_export.h"
#include "export/predict.h"
#include "run/checkpoint.h"
#include "run/run_folder.h"
#include "train/loader_options.h"
#include "train/trainer.h"
#include "test_support.h"
#include "tiny_run.h"
#include "weights/official_weights.h"

namespace fs = std::filesystem;
using namespace ft;

TEST(Preprocessing, ResolvesTheWeightsRecipeScaledToTheInputSize) {
  using weights::inputPreprocessing;
  // torchvision's IMAGENET1K_V1: Resize(256), CenterCrop(224), bilinear.
  auto p = inputPreprocessing("auto", "resnet18", "imagenet", 224);
  EXPECT_EQ(p.resizeSize, 256);
  EXPECT_EQ(p.interpolation, "bilinear");
  EXPECT_EQ(p.variant, "IMAGENET1K_V1");
  EXPECT_EQ(inputPreprocessing("auto", "resnet18", "imagenet", 32).resizeSize, 37);  // 32*256/224 = 36.6
  // The retrained V2 recipes resize to 232; EfficientNet-B0 is bicubic; ConvNeXt 236.
  EXPECT_EQ(inputPreprocessing("auto", "resnet50", "imagenet1k_v2", 224).resizeSize, 232);
  p = inputPreprocessing("weights", "efficientnet_b0", "none", 224);
  EXPECT_EQ(p.resizeSize, 256);
  EXPECT_EQ(p.interpolation, "bicubic");
  EXPECT_EQ(inputPreprocessing("weights", "convnext_tiny", "none", 224).resizeSize, 236);
  // auto without published weights, and stretch, keep the whole image.
  EXPECT_EQ(inputPreprocessing("auto", "resnet18", "none", 224).resizeSize, 0);
  EXPECT_EQ(inputPreprocessing("auto", "resnet18", "/tmp/my.pth", 224).resizeSize, 0);
  EXPECT_EQ(inputPreprocessing("stretch", "resnet18", "imagenet", 224).resizeSize, 0);
  EXPECT_EQ(inputPreprocessing("weights", "resnet18", "/tmp/my.pth", 64).resizeSize, 73);
  EXPECT_THROW(inputPreprocessing("squash", "resnet18", "none", 224), UserError);

  // The training transform of a config carries it; the API describes it for the review page.
  config::RunConfig c;
  c.transform.preprocessing = "weights";
  c.model.architecture = "efficientnet_b0";
  c.transform.inputSize = 224;
  const auto transform = train::trainingTransform(c);
  EXPECT_EQ(transform.resizeSize, 256);
  EXPECT_EQ(transform.interpolation, data::Interpolation::Bicubic);
  EXPECT_TRUE(transform.augment);
  EXPECT_EQ(api::preprocessingOf(c).resizeSize, 256);
  EXPECT_EQ(api::preprocessingOf(c).interpolation, "bicubic");
  c.transform.preprocessing = "stretch";
  EXPECT_EQ(train::trainingTransform(c).resizeSize, 0);
  EXPECT_EQ(api::preprocessingOf(c).resizeSize, 0);

  // The config names the mode; anything else is refused with the key.
  c.transform.preprocessing = "crop";
  try {
    config::validate(c);
    FAIL() << "transform.preprocessing \"crop\" was accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("transform.preprocessing"), std::string::npos) << e.what();
  }
}

TEST(Preprocessing, ExportMetadataKeepsTheRecipeAndReadsOlderFilesAsStretched) {
  exporting::ExportMetadata m;
  m.architecture = "resnet18";
  m.classNames = {"a", "b"};
  m.inputSize = 32;
  m.resizeSize = 37;
  m.interpolation = "bicubic";
  auto json = exporting::toJson(m);
  const auto back = exporting::metadataFromJson(json, "x.json");
  EXPECT_EQ(back.resizeSize, 37);
  EXPECT_EQ(back.interpolation, "bicubic");
  const auto transform = exporting::evaluationTransform(back);
  EXPECT_EQ(transform.resizeSize, 37);
  EXPECT_EQ(transform.interpolation, data::Interpolation::Bicubic);
  EXPECT_FALSE(transform.augment);

  auto old = json;
  old.erase("resize_size");
  old.erase("interpolation");
  const auto stretched = exporting::metadataFromJson(old, "old.json");
  EXPECT_EQ(stretched.resizeSize, 0);
  EXPECT_EQ(stretched.interpolation, "bilinear");

  auto damaged = json;
  damaged["resize_size"] = 31;  // below the input size
  EXPECT_THROW(exporting::metadataFromJson(damaged, "d.json"), UserError);
  damaged = json;
  damaged["interpolation"] = "lanczos";
  EXPECT_THROW(exporting::metadataFromJson(damaged, "d.json"), UserError);

  // A 28x28 image: stretched to 32, or resized to 37 and centre-cropped: different inputs.
  cv::Mat image(28, 28, CV_8UC1);
  for (int y = 0; y < 28; ++y)
    for (int x = 0; x < 28; ++x) image.at<std::uint8_t>(y, x) = static_cast<std::uint8_t>(9 * x + 3 * y);
  m.interpolation = "bilinear";
  const auto cropped = exporting::preprocessImage(image, m);
  m.resizeSize = 0;
  const auto whole = exporting::preprocessImage(image, m);
  ASSERT_EQ(cropped.sizes(), whole.sizes());
  EXPECT_GT((cropped - whole).abs().max().item<float>(), 0.05f);
}

TEST(Preprocessing, ATrainedRunPredictsAndExportsWithItsRecipe) {
  test::TempDir dir("preprocessing");
  test::writeSyntheticIdx(dir.path() / "data", 96, 32);
  auto c = test::tinyRunConfig(dir.path(), "weights-recipe");
  c.train.epochs = 1;
  c.train.freezeEpochs = 0;
  c.train.workers = 1;
  c.transform.preprocessing = "weights";
  train::Trainer trainer(c, nullptr, (dir.path() / "run").string());
  const auto result = trainer.run();
  ASSERT_EQ(result.status, run::FinishStatus::Completed) << result.message;

  // The checkpoint records the recipe (32-px input: shorter side 37, bilinear).
  const auto paths = run::openRunFolder((dir.path() / "run").string());
  torch::serialize::InputArchive archive;
  const auto state = nlohmann::json::parse(run::openCheckpoint(archive, paths.bestCheckpoint, ""));
  EXPECT_EQ(state.at("resize_size").get<int>(), 37);
  EXPECT_EQ(state.at("interpolation").get<std::string>(), "bilinear");

  // Exports carry it; predictions from them equal the run's own.
  const auto test = data::loadIdxDataset(dir.path() / "data", data::IdxSplit::Test);
  std::vector<std::string> images;
  for (int i = 0; i < 4; ++i) {
    images.push_back((dir.path() / ("img" + std::to_string(i) + ".png")).string());
    cv::imwrite(images.back(), test->image(std::size_t(i)));
  }
  const auto reference = api::predictWithRun((dir.path() / "run").string(), "best", images, 2);
  ASSERT_EQ(reference.size(), images.size());
  for (const char* extension : {".pt", ".onnx"}) {
    SCOPED_TRACE(extension);
    const auto file = (dir.path() / (std::string("model") + extension)).string();
    const auto metadata = exporting::exportRunCheckpoint((dir.path() / "run").string(), "best", file, "");
    EXPECT_EQ(metadata.resizeSize, 37);
    const auto predictions = api::predictWithModel(file, images, 2);
    ASSERT_EQ(predictions.size(), reference.size());
    for (std::size_t i = 0; i < images.size(); ++i) {
      ASSERT_EQ(predictions[i].top.size(), 2u) << predictions[i].error;
      EXPECT_EQ(predictions[i].top[0].classIndex, reference[i].top[0].classIndex);
      EXPECT_NEAR(predictions[i].top[0].probability, reference[i].top[0].probability, 1e-4);
    }
  }
}
