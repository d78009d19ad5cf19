// Evaluation of a real (tiny) run: the trainer's end-of-run hook, evaluateRun, validationImages,
// and `finetune-cli evaluate`, with their messages for bad input.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/results_api.h"
#include "common/error.h"
#include "config/run_config.h"
#include "train/trainer.h"
#include "test_support.h"
#include "tiny_run.h"

namespace fs = std::filesystem;
using namespace ft;

namespace {

class LogRecorder : public train::TrainingObserver {
 public:
  std::vector<run::LogEvent> logs;
  void onLog(const run::LogEvent& e) override { logs.push_back(e); }
};

constexpr int kValidationImages = 40;

// One tiny completed run shared by the tests of a process: 60 training and 40 validation images at 32 px,
// two epochs, an evaluation batch that does not divide the validation set.
class EvaluationRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    s_dir = new test::TempDir("evaluation-run");
    test::writeSyntheticIdx(s_dir->path() / "data", 60, kValidationImages);
    auto c = test::tinyRunConfig(s_dir->path(), config::RunConfig{}.output.name);
    c.train.epochs = 2;
    c.train.freezeEpochs = 1;
    c.train.batchSize = 30;
    c.train.evalBatchSize = 16;
    c.train.workers = 1;
    c.train.seed = 3;
    s_recorder = new LogRecorder;
    train::Trainer trainer(c, s_recorder, (s_dir->path() / "run").string());
    s_result = new run::FinishedEvent(trainer.run());
  }
  static void TearDownTestSuite() {
    delete s_result;
    delete s_recorder;
    delete s_dir;
  }
  void SetUp() override { ASSERT_EQ(s_result->status, run::FinishStatus::Completed) << s_result->message; }

  static std::string run() { return s_result->runDir; }
  static fs::path dir() { return s_dir->path(); }

  static test::TempDir* s_dir;
  static LogRecorder* s_recorder;
  static run::FinishedEvent* s_result;
};

test::TempDir* EvaluationRun::s_dir = nullptr;
LogRecorder* EvaluationRun::s_recorder = nullptr;
run::FinishedEvent* EvaluationRun::s_result = nullptr;

std::int64_t total(const std::vector<std::vector<std::int64_t>>& m) {
  std::int64_t sum = 0;
  for (const auto& row : m)
    for (auto v : row) sum += v;
  return sum;
}

std::string errorOf(const std::function<void()>& call) {
  try {
    call();
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

// One test per trained run: under ctest every test is its own process and trains again.
TEST_F(EvaluationRun, HookEvaluateRunImagesAndErrors) {
  // The trainer evaluated both checkpoints when the run completed.
  {
    const auto last = api::readEvaluation(run(), "last");
    const auto best = api::readEvaluation(run(), "best");
    ASSERT_TRUE(last.has_value()) << "the trainer evaluates last.ckpt when the run completes";
    ASSERT_TRUE(best.has_value()) << "and best.ckpt";
    EXPECT_TRUE(fs::exists(fs::path(run()) / "evaluation" / "last-predictions.csv"));
    EXPECT_TRUE(fs::exists(fs::path(run()) / "evaluation" / "best-predictions.csv"));
    EXPECT_EQ(last->epoch, 2);
    EXPECT_EQ(best->epoch, s_result->bestEpoch + 1);
    EXPECT_NEAR(100.0 * last->top1, s_result->finalValidationAccuracy, 1e-9);
    EXPECT_NEAR(100.0 * best->top1, s_result->bestValidationAccuracy, 1e-9);
    EXPECT_EQ(total(last->confusion), kValidationImages);
    EXPECT_EQ(last->predictions.size(), std::size_t(kValidationImages));

    int lines = 0;
    for (const auto& log : s_recorder->logs) {
      if (log.message.rfind("Evaluation of ", 0) != 0) continue;
      ++lines;
      EXPECT_EQ(log.level, run::LogLevel::Info);
      EXPECT_NE(log.message.find("top-1"), std::string::npos) << log.message;
      EXPECT_NE(log.message.find("top-5"), std::string::npos) << log.message;
      EXPECT_NE(log.message.find("macro F1"), std::string::npos) << log.message;
      EXPECT_TRUE(log.message.find("most confused: ") != std::string::npos ||
                  log.message.find("no confusions") != std::string::npos)
          << log.message;
    }
    EXPECT_EQ(lines, 2);
    std::ifstream logFile(fs::path(run()) / "log.txt");
    const std::string logText((std::istreambuf_iterator<char>(logFile)), std::istreambuf_iterator<char>());
    EXPECT_NE(logText.find("Evaluation of last (epoch 2"), std::string::npos);
  }
  // evaluateRun gives what the run measured, and stores it.
  {
    fs::remove(fs::path(run()) / "evaluation" / "last.json");
    fs::remove(fs::path(run()) / "evaluation" / "last-predictions.csv");
    std::vector<std::pair<std::int64_t, std::int64_t>> calls;
    const auto report = api::evaluateRun(run(), "last", [&](std::int64_t done, std::int64_t all) {
      calls.emplace_back(done, all);
      return true;
    });
    EXPECT_EQ(report.checkpoint, "last");
    EXPECT_NEAR(100.0 * report.top1, s_result->finalValidationAccuracy, 1e-9)
        << "the same data, preprocessing and weights as the run's last validation";
    EXPECT_EQ(report.samples, kValidationImages);
    EXPECT_EQ(total(report.confusion), kValidationImages);
    EXPECT_GE(report.top5, report.top1);
    ASSERT_EQ(report.predictions.size(), std::size_t(kValidationImages));
    for (std::size_t i = 0; i < report.predictions.size(); ++i)
      EXPECT_EQ(report.predictions[i].sampleIndex, i);
    ASSERT_EQ(calls.size(), 3u) << "40 images in batches of 16";
    EXPECT_EQ(calls.front(), std::make_pair(std::int64_t(16), std::int64_t(kValidationImages)));
    EXPECT_EQ(calls.back(), std::make_pair(std::int64_t(kValidationImages), std::int64_t(kValidationImages)));

    const auto stored = api::readEvaluation(run(), "last");
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(stored->confusion, report.confusion);

    const auto cancelled =
        errorOf([&] { api::evaluateRun(run(), "best", [](std::int64_t, std::int64_t) { return false; }); });
    EXPECT_NE(cancelled.find("cancelled"), std::string::npos) << cancelled;
  }
  // validationImages returns the samples the report names.
  {
    const auto report = api::readEvaluation(run(), "best");
    ASSERT_TRUE(report.has_value());
    const auto images = api::validationImages(run(), {0, 7, std::size_t(kValidationImages - 1)});
    ASSERT_EQ(images.size(), 3u);
    const std::vector<std::size_t> indices = {0, 7, std::size_t(kValidationImages - 1)};
    for (std::size_t i = 0; i < 3; ++i) {
      const auto& t = images[i];
      EXPECT_EQ(t.width, 28);
      EXPECT_EQ(t.height, 28);
      ASSERT_EQ(t.rgb.size(), 28u * 28u * 3u);
      EXPECT_EQ(t.label, report->predictions[indices[i]].trueClass);
      bool gray = true;
      for (std::size_t p = 0; p < t.rgb.size(); p += 3)
        gray &= t.rgb[p] == t.rgb[p + 1] && t.rgb[p] == t.rgb[p + 2];
      EXPECT_TRUE(gray) << "grayscale is replicated into R, G and B";
    }
    const auto message = errorOf([&] { api::validationImages(run(), {std::size_t(kValidationImages)}); });
    EXPECT_NE(message.find("validation sample 40 does not exist"), std::string::npos) << message;
    EXPECT_NE(message.find("40 images"), std::string::npos) << message;
  }
  // Bad input names the file and the fix.
  {
    const auto notRun = errorOf([&] { api::evaluateRun(dir().string(), "best"); });
    EXPECT_NE(notRun.find("not a run folder"), std::string::npos) << notRun;

    // A copy of the run without best.ckpt, and one whose data has moved.
    const auto copy = dir() / "copy";
    fs::create_directories(copy / "checkpoints");
    fs::copy_file(fs::path(run()) / "config.json", copy / "config.json");
    fs::copy_file(fs::path(run()) / "checkpoints" / "last.ckpt", copy / "checkpoints" / "last.ckpt");
    const auto missing = errorOf([&] { api::evaluateRun(copy.string(), "best"); });
    EXPECT_NE(missing.find((copy / "checkpoints" / "best.ckpt").string() + ": missing"), std::string::npos)
        << missing;
    EXPECT_NE(missing.find("This run has last; choose --checkpoint last"), std::string::npos) << missing;
    EXPECT_NE(errorOf([&] { api::evaluateRun(copy.string(), "first"); }).find("use best or last"),
              std::string::npos);

    auto config = config::loadConfigFile((copy / "config.json").string());
    config.data.path = (dir() / "moved-away").string();
    config::saveConfigFile(config, (copy / "config.json").string());
    const auto moved = errorOf([&] { api::evaluateRun(copy.string(), "last"); });
    EXPECT_NE(moved.find(config.data.path + ": the data of this run is no longer there"), std::string::npos)
        << moved;
    EXPECT_NE(moved.find("edit data.path in " + (copy / "config.json").string()), std::string::npos) << moved;
    EXPECT_NE(errorOf([&] { api::validationImages(copy.string(), {0}); }).find("moved-away"),
              std::string::npos);
  }
}

TEST_F(EvaluationRun, CliPrintsTheMatrixAndTheReport) {
  const auto report = api::readEvaluation(run(), "best");
  ASSERT_TRUE(report.has_value());
  const auto r = test::runCommand(test::cliPath() + " evaluate " + run() + " 2>/dev/null");
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("Evaluation of checkpoint best (epoch " + std::to_string(report->epoch) +
                          ") on 40 validation images"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("Confusion matrix (rows: true class, columns: predicted class)"), std::string::npos)
      << r.output;
  // One matrix row per class, holding that row's counts; synthetic IDX classes are named 0..9.
  std::istringstream lines(r.output);
  std::string line;
  int matrixRows = 0;
  while (std::getline(lines, line)) {
    std::istringstream cells(line);
    std::vector<std::string> words;
    for (std::string w; cells >> w;) words.push_back(w);
    if (words.size() != 12 || words[0] != words[1] || words[0].size() != 1) continue;
    const std::size_t c = std::size_t(std::stoi(words[0]));
    for (std::size_t p = 0; p < 10; ++p)
      EXPECT_EQ(words[p + 2], std::to_string(report->confusion[c][p])) << line;
    ++matrixRows;
  }
  EXPECT_EQ(matrixRows, 10) << r.output;
  EXPECT_NE(r.output.find("precision     recall   f1-score    support"), std::string::npos) << r.output;
  char top1[64];
  std::snprintf(top1, sizeof top1, "top-1 accuracy %.2f%%", 100.0 * report->top1);
  EXPECT_NE(r.output.find(top1), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Most confused (true -> predicted):"), std::string::npos) << r.output;

  const auto json =
      test::runCommand(test::cliPath() + " --json evaluate " + run() + " --checkpoint last --cached");
  ASSERT_EQ(json.exitCode, 0) << json.output;
  const auto j = nlohmann::json::parse(json.output);
  EXPECT_EQ(j.at("checkpoint"), "last");
  EXPECT_EQ(j.at("samples"), kValidationImages);
  EXPECT_EQ(j.at("confusion").size(), 10u);
  EXPECT_FALSE(j.contains("predictions"));
  const auto withSamples =
      test::runCommand(test::cliPath() + " --json evaluate " + run() + " --cached --samples");
  ASSERT_EQ(withSamples.exitCode, 0) << withSamples.output;
  EXPECT_EQ(nlohmann::json::parse(withSamples.output).at("predictions").size(),
            std::size_t(kValidationImages));

  const auto notRun = test::runCommand(test::cliPath() + " evaluate " + dir().string());
  EXPECT_EQ(notRun.exitCode, 1);
  EXPECT_NE(notRun.output.find("error: " + dir().string() +
                               ": no config.json here, so this is not a run folder"),
            std::string::npos)
      << notRun.output;
  const auto copy = dir() / "cli-copy";
  fs::create_directories(copy / "checkpoints");
  fs::copy_file(fs::path(run()) / "config.json", copy / "config.json");
  const auto noCheckpoint =
      test::runCommand(test::cliPath() + " evaluate " + copy.string() + " --checkpoint last");
  EXPECT_EQ(noCheckpoint.exitCode, 1);
  EXPECT_NE(noCheckpoint.output.find("last.ckpt: missing. This run has no checkpoint yet"), std::string::npos)
      << noCheckpoint.output;
}
