// Exports of a tiny real run verify themselves (every format read back from disk and compared on
// validation images; a forced mismatch leaves no file and keeps an earlier export), and predict
// with any export gives the run checkpoint's own predictions, through the API and the CLI.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <torch/torch.h>

#include "api/results_api.h"
#include "common/error.h"
#include "config/run_config.h"
#include "data/idx_dataset.h"
#include "export/model_export.h"
#include "train/trainer.h"
#include "test_support.h"
#include "tiny_run.h"

namespace fs = std::filesystem;
using namespace ft;

namespace {

const char* const kFormats[] = {".pt", ".pth", ".safetensors", ".onnx"};

std::string readBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class ExportPredictTest : public ::testing::Test {
 protected:
  // One tiny run on synthetic IDX data (10 classes, 28x28 gray) for every test of the suite.
  static void SetUpTestSuite() {
    s_dir = new test::TempDir("export-predict");
    test::writeSyntheticIdx(s_dir->path() / "data", 160, 40);
    auto c = test::tinyRunConfig(s_dir->path(), config::RunConfig{}.output.name);
    c.train.seed = config::RunConfig{}.train.seed;
    c.train.epochs = 1;
    c.train.freezeEpochs = 0;
    c.train.batchSize = 32;
    c.train.evalBatchSize = 40;
    c.train.workers = 1;
    train::Trainer trainer(c, nullptr, (s_dir->path() / "run").string());
    const auto result = trainer.run();
    ASSERT_EQ(result.status, run::FinishStatus::Completed) << result.message;

    // Image files: test images as gray PNGs, one as an RGB PNG with equal channels, a damaged one.
    const auto test = data::loadIdxDataset(s_dir->path() / "data", data::IdxSplit::Test);
    for (int i = 0; i < 6; ++i) {
      const auto file = s_dir->path() / ("img" + std::to_string(i) + ".png");
      cv::imwrite(file.string(), test->image(std::size_t(i)));
      s_images.push_back(file.string());
    }
    cv::Mat colour;
    cv::merge(std::vector<cv::Mat>(3, test->image(0)), colour);
    cv::imwrite((s_dir->path() / "colour.png").string(), colour);
    s_images.push_back((s_dir->path() / "colour.png").string());
    std::ofstream(s_dir->path() / "damaged.png", std::ios::binary) << "\x89PNG\r\n\x1a\n truncated";
    s_images.push_back((s_dir->path() / "damaged.png").string());

    // One export per format (~45 MB each: written, fsynced, read back), shared by the tests.
    for (const char* extension : kFormats) {
      const auto path = (s_dir->path() / (std::string("model") + extension)).string();
      s_verifications.push_back({});
      s_metadata.push_back(
          exporting::exportRunCheckpoint(runDir(), "best", path, "", &s_verifications.back()));
    }
  }
  static void TearDownTestSuite() {
    delete s_dir;
    s_dir = nullptr;
  }
  void TearDown() override { exporting::setReloadedLogitsHookForTesting({}); }

  static std::string runDir() { return (s_dir->path() / "run").string(); }
  static fs::path scratch() { return s_dir->path(); }
  static std::string cli() { return test::cliPath(); }

  static std::string exportOf(const char* extension) {
    return (scratch() / (std::string("model") + extension)).string();
  }

  static test::TempDir* s_dir;
  static std::vector<std::string> s_images;
  static std::vector<exporting::ExportVerification> s_verifications;  // in kFormats order
  static std::vector<exporting::ExportMetadata> s_metadata;
};

test::TempDir* ExportPredictTest::s_dir = nullptr;
std::vector<std::string> ExportPredictTest::s_images;
std::vector<exporting::ExportVerification> ExportPredictTest::s_verifications;
std::vector<exporting::ExportMetadata> ExportPredictTest::s_metadata;

}  // namespace

TEST_F(ExportPredictTest, EveryFormatVerifiesItselfOnValidationImages) {
  ASSERT_EQ(s_verifications.size(), 4u);
  for (std::size_t f = 0; f < 4; ++f) {
    const char* extension = kFormats[f];
    SCOPED_TRACE(extension);
    const auto path = exportOf(extension);
    const auto& verification = s_verifications[f];
    const auto& metadata = s_metadata[f];
    std::cout << "[ export    ] " << extension << ": " << verification.summary() << " (allowed "
              << verification.tolerance << ")\n";
    EXPECT_EQ(verification.images, 8);
    EXPECT_EQ(verification.inputs, "validation images");
    EXPECT_LE(verification.maxAbsDiff, std::string(extension) == ".onnx" ? 1e-4 : 1e-5);
    EXPECT_NE(verification.summary().find("on 8 validation images, max |"), std::string::npos);
    // The summary names what read the file back.
    const std::string runtime = std::string(extension) == ".onnx" ? "verified with OpenCV DNN "
                                : std::string(extension) == ".pt" ? "verified with LibTorch "
                                : std::string(extension) == ".pth"
                                    ? "verified with the safe .pth reader and LibTorch"
                                    : "verified with the safetensors reader and LibTorch";
    EXPECT_EQ(verification.summary().rfind(runtime, 0), 0u) << verification.summary();
    EXPECT_EQ(metadata.imageChannels, 1);  // IDX data is grayscale
    EXPECT_TRUE(fs::exists(path));
    EXPECT_TRUE(fs::exists(fs::path(path).replace_extension(".json")));
  }
  for (const auto& entry : fs::directory_iterator(scratch()))  // no temporary left behind
    EXPECT_EQ(entry.path().string().find(".verifying-"), std::string::npos) << entry.path();
}

TEST_F(ExportPredictTest, MismatchIsAnErrorLeavesNoFileAndKeepsTheEarlierExport) {
  for (const char* extension : kFormats) {
    SCOPED_TRACE(extension);
    // An earlier export of the same name (its content does not matter here) and a fresh name.
    const auto earlier = scratch() / (std::string("earlier") + extension);
    const auto fresh = scratch() / (std::string("fresh") + extension);
    const std::string earlierBytes = std::string("earlier export ") + extension;
    const std::string earlierJson = "{\"earlier\": true}\n";
    std::ofstream(earlier, std::ios::binary) << earlierBytes;
    std::ofstream(fs::path(earlier).replace_extension(".json"), std::ios::binary) << earlierJson;

    // The file read back "computes" something else: 3e-4 off on one logit.
    exporting::setReloadedLogitsHookForTesting([](torch::Tensor& logits) { logits[0][3] += 3e-4; });
    for (const auto& target : std::string(extension) == ".onnx" ? std::vector<fs::path>{earlier, fresh}
                                                                : std::vector<fs::path>{earlier}) {
      try {
        exporting::exportRunCheckpoint(runDir(), "best", target.string());
        ADD_FAILURE() << "no error for " << target;
      } catch (const UserError& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find(target.string()), std::string::npos) << message;
        EXPECT_NE(message.find("max |\u0394| 0.0003"), std::string::npos) << message;
        EXPECT_NE(message.find("nothing was written"), std::string::npos) << message;
        // ONNX measured the model's own rounding before it called the difference a bug.
        if (std::string(extension) == ".onnx") {
          EXPECT_NE(message.find("the model's own float32 rounding is"), std::string::npos) << message;
        }
      }
    }
    exporting::setReloadedLogitsHookForTesting({});
    EXPECT_FALSE(fs::exists(fresh));
    EXPECT_FALSE(fs::exists(fs::path(fresh).replace_extension(".json")));
    EXPECT_EQ(readBytes(earlier), earlierBytes);
    EXPECT_EQ(readBytes(fs::path(earlier).replace_extension(".json")), earlierJson);
  }
  for (const auto& entry : fs::directory_iterator(scratch()))
    EXPECT_EQ(entry.path().string().find(".verifying-"), std::string::npos) << entry.path();
}

TEST_F(ExportPredictTest, EveryExportPredictsAsTheRunCheckpoint) {
  const auto reference = api::predictWithRun(runDir(), "best", s_images, 3);
  ASSERT_EQ(reference.size(), s_images.size());
  // The colour copy of image 0 is converted to gray first, as the grayscale training data was.
  ASSERT_EQ(reference[6].top.size(), 3u);
  EXPECT_EQ(reference[6].top[0].classIndex, reference[0].top[0].classIndex);
  EXPECT_FLOAT_EQ(reference[6].top[0].probability, reference[0].top[0].probability);
  EXPECT_TRUE(reference[7].top.empty());
  EXPECT_NE(reference[7].error.find("damaged.png"), std::string::npos) << reference[7].error;
  int correct = 0;
  for (int i = 0; i < 6; ++i) correct += reference[std::size_t(i)].top[0].classIndex == i % 10;
  std::cout << "[ predict   ] run checkpoint: " << correct << " of 6 test images right after one epoch\n";

  for (const char* extension : kFormats) {
    SCOPED_TRACE(extension);
    const auto predictions = api::predictWithModel(exportOf(extension), s_images, 3);
    ASSERT_EQ(predictions.size(), reference.size());
    double worst = 0.0;
    for (std::size_t i = 0; i < reference.size(); ++i) {
      EXPECT_EQ(predictions[i].image, s_images[i]);
      EXPECT_EQ(predictions[i].error.empty(), reference[i].error.empty());
      ASSERT_EQ(predictions[i].top.size(), reference[i].top.size());
      if (reference[i].top.empty()) continue;
      EXPECT_EQ(predictions[i].top[0].classIndex, reference[i].top[0].classIndex) << s_images[i];
      EXPECT_EQ(predictions[i].top[0].name, reference[i].top[0].name);
      for (std::size_t k = 0; k < reference[i].top.size(); ++k)
        worst = std::max(worst, double(std::abs(predictions[i].top[k].probability -
                                                reference[i].top[k].probability)));
    }
    std::cout << "[ predict   ] " << extension << " vs run checkpoint: max |probability diff| " << worst
              << "\n";
    EXPECT_LE(worst, 1e-4);
    EXPECT_NE(predictions[7].error.find("damaged.png"), std::string::npos);
  }
}

TEST_F(ExportPredictTest, CliPredictPrintsTopClassesAndNamesProblems) {
  const auto cliExport = (scratch() / "cli.safetensors").string();
  const auto exported =
      test::runCommand(cli() + " export " + runDir() + " --format safetensors -o " + cliExport);
  ASSERT_EQ(exported.exitCode, 0) << exported.output;
  EXPECT_NE(exported.output.find("verified with the safetensors reader and LibTorch "), std::string::npos)
      << exported.output;
  EXPECT_NE(exported.output.find(" on 8 validation images, max |"), std::string::npos) << exported.output;
  const auto model = exportOf(".onnx");
  const auto reference = api::predictWithRun(runDir(), "best", {s_images[0], s_images[1]}, 2);

  const auto table =
      test::runCommand(cli() + " predict --model " + model + " --top-k 2 " + s_images[0] + " " + s_images[1]);
  EXPECT_EQ(table.exitCode, 0) << table.output;
  for (int i = 0; i < 2; ++i) {
    EXPECT_NE(table.output.find(s_images[std::size_t(i)]), std::string::npos) << table.output;
    EXPECT_NE(table.output.find(" 1. " + reference[std::size_t(i)].top[0].name), std::string::npos)
        << table.output;
  }

  const auto json =
      test::runCommand(cli() + " --json predict -m " + model + " -k 2 " + s_images[0] + " " + s_images[7]);
  EXPECT_EQ(json.exitCode, 1) << json.output;  // an image could not be read
  std::istringstream lines(json.output);
  std::string line;
  std::vector<nlohmann::json> events;
  while (std::getline(lines, line))  // stdout; libpng's complaints on stderr are not JSON
    if (!line.empty() && line[0] == '{') events.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(events.size(), 2u) << json.output;
  EXPECT_EQ(events[0]["image"], s_images[0]);
  ASSERT_EQ(events[0]["top"].size(), 2u);
  EXPECT_EQ(events[0]["top"][0]["class"], reference[0].top[0].classIndex);
  EXPECT_NEAR(events[0]["top"][0]["probability"].get<double>(), reference[0].top[0].probability, 1e-4);
  EXPECT_NE(events[1]["error"].get<std::string>().find("damaged.png"), std::string::npos);

  const auto damaged = test::runCommand(cli() + " predict --model " + model + " " + s_images[7]);
  EXPECT_EQ(damaged.exitCode, 1);
  EXPECT_NE(damaged.output.find("damaged.png: cannot be decoded"), std::string::npos) << damaged.output;

  // A .pth without its .json: the error names the missing file and the fix.
  const auto pth = scratch() / "lonely.pth";
  fs::copy_file(exportOf(".pth"), pth);
  const auto lonely = test::runCommand(cli() + " predict --model " + pth.string() + " " + s_images[0]);
  EXPECT_EQ(lonely.exitCode, 1);
  EXPECT_NE(lonely.output.find((scratch() / "lonely.json").string() + ": missing"), std::string::npos)
      << lonely.output;
  EXPECT_NE(lonely.output.find("export the model again"), std::string::npos) << lonely.output;

  for (const auto& [args, expected] : std::vector<std::pair<std::string, std::string>>{
           {" predict --model " + (scratch() / "absent.onnx").string() + " " + s_images[0],
            "absent.onnx: file not found"},
           {" predict --model " + model + " --top-k 0 " + s_images[0], "--top-k must be at least 1"},
           {" predict --model " + runDir() + "/config.json " + s_images[0], "config.json"},
           {" predict " + s_images[0], "--model"}}) {
    const auto r = test::runCommand(cli() + args);
    EXPECT_NE(r.exitCode, 0) << args;
    EXPECT_NE(r.output.find(expected), std::string::npos) << args << "\n" << r.output;
  }
}
