// Evaluation maths on hand-made predictions (matrices computed by hand), and the stored files:
// JSON + CSV round trip, staleness, damaged files.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/results_api.h"
#include "common/error.h"
#include "train/evaluation.h"
#include "train/evaluation_text.h"
#include "test_support.h"

namespace fs = std::filesystem;
using ft::api::EvaluationReport;
using ft::train::evaluatePredictions;

namespace {

using Matrix = std::vector<std::vector<std::int64_t>>;

std::vector<std::size_t> iota(std::size_t n) {
  std::vector<std::size_t> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = i;
  return out;
}

std::vector<std::size_t> indicesOf(const std::vector<ft::api::SamplePrediction>& samples) {
  std::vector<std::size_t> out;
  for (const auto& s : samples) out.push_back(s.sampleIndex);
  return out;
}

// 3 classes, 8 samples. Confusion [true][pred]: A [2 1 0], B [1 1 0], C [0 2 1].
EvaluationReport threeClassReport() {
  const std::vector<float> p = {
      0.7f, 0.2f, 0.1f,  // 0: A -> A
      0.1f, 0.6f, 0.3f,  // 1: A -> B
      0.5f, 0.1f, 0.4f,  // 2: A -> A
      0.2f, 0.7f, 0.1f,  // 3: B -> B
      0.6f, 0.3f, 0.1f,  // 4: B -> A
      0.3f, 0.3f, 0.4f,  // 5: C -> C
      0.1f, 0.8f, 0.1f,  // 6: C -> B
      0.2f, 0.5f, 0.3f,  // 7: C -> B
  };
  return evaluatePredictions(p, {0, 0, 0, 1, 1, 2, 2, 2}, iota(8), {"A", "B", "C"}, "best", 3);
}

// 6 classes, 10 samples: class 4 is never predicted, class 5 has no samples (but is predicted
// once), ties inside rows, two top-5 misses (samples 4 and 8).
EvaluationReport sixClassReport() {
  const std::vector<float> p = {
      .50f, .10f, .10f, .10f, .10f, .10f,  // 0: 0 -> 0
      .10f, .40f, .20f, .10f, .05f, .15f,  // 1: 0 -> 1, rank of truth 3
      .05f, .30f, .25f, .20f, .10f, .10f,  // 2: 1 -> 1
      .02f, .03f, .50f, .20f, .15f, .10f,  // 3: 1 -> 2, rank 4 (top-5 hit)
      .30f, .20f, .01f, .19f, .10f, .20f,  // 4: 2 -> 0, rank 5 (miss)
      .10f, .10f, .60f, .10f, .05f, .05f,  // 5: 2 -> 2
      .10f, .10f, .10f, .40f, .20f, .10f,  // 6: 3 -> 3
      .10f, .10f, .10f, .50f, .10f, .10f,  // 7: 4 -> 3, truth tied with 0,1,2: rank 4 (hit)
      .20f, .20f, .20f, .10f, .10f, .20f,  // 8: 4 -> 0 (4-way tie -> lowest index); rank 5 (miss)
      .05f, .05f, .05f, .05f, .05f, .75f,  // 9: 3 -> 5, rank 4 (hit)
  };
  return evaluatePredictions(p, {0, 0, 1, 1, 2, 2, 3, 4, 4, 3}, iota(10),
                             {"c0", "c1", "c2", "c3", "c4", "c5"}, "last", 7);
}

}  // namespace

TEST(EvaluationMaths, ThreeClassesByHand) {
  const auto r = threeClassReport();
  EXPECT_EQ(r.confusion, (Matrix{{2, 1, 0}, {1, 1, 0}, {0, 2, 1}}));
  EXPECT_EQ(r.samples, 8);
  EXPECT_EQ(r.checkpoint, "best");
  EXPECT_EQ(r.epoch, 3);
  ASSERT_EQ(r.classes.size(), 3u);
  EXPECT_EQ(r.classes[0].support, 3);
  EXPECT_EQ(r.classes[1].support, 2);
  EXPECT_EQ(r.classes[2].support, 3);
  EXPECT_EQ(r.classes[0].predicted, 3);
  EXPECT_EQ(r.classes[1].predicted, 4);
  EXPECT_EQ(r.classes[2].predicted, 1);
  EXPECT_DOUBLE_EQ(r.classes[0].precision, 2.0 / 3);
  EXPECT_DOUBLE_EQ(r.classes[1].precision, 0.25);
  EXPECT_DOUBLE_EQ(r.classes[2].precision, 1.0);
  EXPECT_DOUBLE_EQ(r.classes[0].recall, 2.0 / 3);
  EXPECT_DOUBLE_EQ(r.classes[1].recall, 0.5);
  EXPECT_DOUBLE_EQ(r.classes[2].recall, 1.0 / 3);
  EXPECT_DOUBLE_EQ(r.classes[0].f1, 2.0 / 3);
  EXPECT_DOUBLE_EQ(r.classes[1].f1, 1.0 / 3);
  EXPECT_DOUBLE_EQ(r.classes[2].f1, 0.5);
  EXPECT_DOUBLE_EQ(r.macroF1, 0.5);
  EXPECT_DOUBLE_EQ(r.top1, 0.5);
  EXPECT_DOUBLE_EQ(r.top5, 1.0) << "top-min(5, 3) = top-3 always holds the truth";
  ASSERT_EQ(r.predictions.size(), 8u);
  EXPECT_EQ(r.predictions[6].predictedClass, 1);
  EXPECT_FLOAT_EQ(r.predictions[6].confidence, 0.8f);
  EXPECT_FLOAT_EQ(r.predictions[6].trueProbability, 0.1f);

  // Highest confidence first; samples 1 and 4 tie at 0.6 and go by sample index.
  EXPECT_EQ(indicesOf(r.misclassified()), (std::vector<std::size_t>{6, 1, 4, 7}));
  EXPECT_EQ(indicesOf(r.cell(2, 1)), (std::vector<std::size_t>{6, 7}));
  EXPECT_EQ(indicesOf(r.cell(0, 0)), (std::vector<std::size_t>{0, 2}));
  EXPECT_TRUE(r.cell(0, 2).empty());

  const auto confused = r.mostConfused(2);
  ASSERT_EQ(confused.size(), 2u);
  EXPECT_EQ(confused[0].trueClass, 2);
  EXPECT_EQ(confused[0].predictedClass, 1);
  EXPECT_EQ(confused[0].count, 2);
  EXPECT_EQ(confused[1].trueClass, 0);  // ties by (true, predicted)
  EXPECT_EQ(confused[1].predictedClass, 1);
  EXPECT_EQ(r.mostConfused(10).size(), 3u) << "only non-zero off-diagonal cells";
}

TEST(EvaluationMaths, SixClassesWithAnUnpredictedAndAnEmptyClass) {
  const auto r = sixClassReport();
  EXPECT_EQ(r.confusion, (Matrix{{1, 1, 0, 0, 0, 0},
                                 {0, 1, 1, 0, 0, 0},
                                 {1, 0, 1, 0, 0, 0},
                                 {0, 0, 0, 1, 0, 1},
                                 {1, 0, 0, 1, 0, 0},
                                 {0, 0, 0, 0, 0, 0}}));
  const std::vector<std::int64_t> support = {2, 2, 2, 2, 2, 0}, predicted = {3, 2, 2, 2, 0, 1};
  const std::vector<double> precision = {1.0 / 3, 0.5, 0.5, 0.5, 0.0, 0.0};
  const std::vector<double> recall = {0.5, 0.5, 0.5, 0.5, 0.0, 0.0};
  const std::vector<double> f1 = {0.4, 0.5, 0.5, 0.5, 0.0, 0.0};
  for (std::size_t c = 0; c < 6; ++c) {
    EXPECT_EQ(r.classes[c].name, "c" + std::to_string(c));
    EXPECT_EQ(r.classes[c].support, support[c]) << c;
    EXPECT_EQ(r.classes[c].predicted, predicted[c]) << c;
    EXPECT_DOUBLE_EQ(r.classes[c].precision, precision[c]) << c;
    EXPECT_DOUBLE_EQ(r.classes[c].recall, recall[c]) << c;
    EXPECT_DOUBLE_EQ(r.classes[c].f1, f1[c]) << c;
  }
  EXPECT_DOUBLE_EQ(r.macroF1, 1.9 / 6) << "zero-support classes count in the macro mean";
  EXPECT_DOUBLE_EQ(r.top1, 0.4);
  EXPECT_DOUBLE_EQ(r.top5, 0.8);
  EXPECT_EQ(r.predictions[8].predictedClass, 0) << "a tie goes to the lowest class index";
  EXPECT_FLOAT_EQ(r.predictions[8].confidence, 0.2f);

  EXPECT_EQ(indicesOf(r.misclassified()), (std::vector<std::size_t>{9, 3, 7, 1, 4, 8}));
  const auto confused = r.mostConfused(4);
  ASSERT_EQ(confused.size(), 4u);
  const std::vector<std::pair<int, int>> expected = {{0, 1}, {1, 2}, {2, 0}, {3, 5}};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(confused[i].trueClass, expected[i].first) << i;
    EXPECT_EQ(confused[i].predictedClass, expected[i].second) << i;
    EXPECT_EQ(confused[i].count, 1);
  }
}

TEST(EvaluationMaths, BatchesInAnyOrderGivePredictionsInSampleOrder) {
  ft::train::EvaluationAccumulator accumulator({"a", "b"});
  const float second[] = {0.9f, 0.1f, 0.2f, 0.8f};
  const std::int64_t secondLabels[] = {1, 1};
  const std::size_t secondIndices[] = {2, 3};
  const float first[] = {0.3f, 0.7f, 0.6f, 0.4f};
  const std::int64_t firstLabels[] = {0, 0};
  const std::size_t firstIndices[] = {0, 1};
  accumulator.add(second, 2, secondLabels, secondIndices);
  accumulator.add(first, 2, firstLabels, firstIndices);
  const auto r = accumulator.finish("best", 1);
  EXPECT_EQ(indicesOf(r.predictions), (std::vector<std::size_t>{0, 1, 2, 3}));
  EXPECT_EQ(r.confusion, (Matrix{{1, 1}, {1, 1}}));
  EXPECT_DOUBLE_EQ(r.top5, 1.0);
  EXPECT_EQ(indicesOf(r.misclassified()), (std::vector<std::size_t>{2, 0}));

  const std::int64_t bad[] = {2};
  try {
    accumulator.add(first, 1, bad, firstIndices);
    FAIL() << "a label outside the classes must be refused";
  } catch (const ft::UserError& e) {
    EXPECT_NE(std::string(e.what()).find("label 2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(evaluatePredictions({0.5f}, {0, 0}, iota(2), {"a"}), ft::UserError);
}

TEST(EvaluationMaths, TextReportShowsMatrixAndClassReport) {
  const auto text = ft::train::formatEvaluationText(threeClassReport());
  EXPECT_NE(text.find("\ntrue \\ pred     A    B    C\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\n0 A             2    1    0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\n2 C             0    2    1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("B                0.2500     0.5000     0.3333          2"), std::string::npos) << text;
  EXPECT_NE(text.find("top-1 accuracy 50.00%   top-3 accuracy 100.00%   macro F1 0.5000"), std::string::npos)
      << text;
  EXPECT_NE(text.find("C -> B  2  (66.7% of C)"), std::string::npos) << text;
  EXPECT_EQ(text.find("Columns:"), std::string::npos) << "short names head the columns themselves";

  auto longNames = threeClassReport();
  longNames.classNames = {"T-shirt/top", "Trouser", "Ankle boot"};
  const auto legend = ft::train::formatEvaluationText(longNames);
  EXPECT_NE(legend.find("Columns: 0 = T-shirt/top, 1 = Trouser, 2 = Ankle boot"), std::string::npos)
      << legend;
}

// ---- stored files ----------------------------------------------------------------------------

class EvaluationFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(m_dir / "checkpoints");
    writeCheckpoint("last", "weights v1");
  }
  void writeCheckpoint(const std::string& which, const std::string& content) {
    std::ofstream(m_dir / "checkpoints" / (which + ".ckpt"), std::ios::binary) << content;
  }
  std::string run() const { return m_dir.path().string(); }
  std::string stamped(const EvaluationReport& r) {
    ft::run::saveEvaluation(run(), r,
                            ft::run::stampOf((m_dir / "checkpoints" / (r.checkpoint + ".ckpt")).string()));
    return ft::api::evaluationPath(run(), r.checkpoint);
  }

  ft::test::TempDir m_dir{"evaluation-files"};
};

TEST_F(EvaluationFiles, RoundTripKeepsEverything) {
  const auto original = sixClassReport();
  const auto json = stamped(original);
  EXPECT_EQ(json, (m_dir / "evaluation" / "last.json").string());
  EXPECT_TRUE(fs::exists(m_dir / "evaluation" / "last-predictions.csv"));

  const auto read = ft::api::readEvaluation(run(), "last");
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->checkpoint, "last");
  EXPECT_EQ(read->epoch, 7);
  EXPECT_EQ(read->classNames, original.classNames);
  EXPECT_EQ(read->confusion, original.confusion);
  EXPECT_EQ(read->samples, 10);
  EXPECT_DOUBLE_EQ(read->top1, original.top1);
  EXPECT_DOUBLE_EQ(read->top5, original.top5);
  EXPECT_DOUBLE_EQ(read->macroF1, original.macroF1);
  ASSERT_EQ(read->classes.size(), 6u);
  for (std::size_t c = 0; c < 6; ++c) {
    EXPECT_EQ(read->classes[c].name, original.classes[c].name);
    EXPECT_EQ(read->classes[c].support, original.classes[c].support);
    EXPECT_DOUBLE_EQ(read->classes[c].f1, original.classes[c].f1);
  }
  ASSERT_EQ(read->predictions.size(), original.predictions.size());
  for (std::size_t i = 0; i < original.predictions.size(); ++i) {
    const auto& a = original.predictions[i];
    const auto& b = read->predictions[i];
    EXPECT_EQ(a.sampleIndex, b.sampleIndex);
    EXPECT_EQ(a.trueClass, b.trueClass);
    EXPECT_EQ(a.predictedClass, b.predictedClass);
    EXPECT_EQ(a.confidence, b.confidence) << "floats round-trip exactly";
    EXPECT_EQ(a.trueProbability, b.trueProbability);
  }

  // The CSV carries class names (quoted when they hold a comma) for spreadsheets.
  auto named = threeClassReport();
  named.checkpoint = "best";
  named.classNames = {"cat, small", "dog", "bird"};
  writeCheckpoint("best", "best weights");
  stamped(named);
  std::ifstream csv(m_dir / "evaluation" / "best-predictions.csv");
  std::string header, line;
  std::getline(csv, header);
  std::getline(csv, line);
  EXPECT_EQ(line, "0,0,0,0.7,0.7,\"cat, small\",\"cat, small\"");
  const auto back = ft::api::readEvaluation(run(), "best");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->classNames[0], "cat, small");
  EXPECT_EQ(back->predictions.size(), 8u);
}

TEST_F(EvaluationFiles, StaleOrAbsentGivesNothing) {
  EXPECT_FALSE(ft::api::readEvaluation(run(), "last").has_value()) << "nothing stored yet";
  stamped(sixClassReport());
  ASSERT_TRUE(ft::api::readEvaluation(run(), "last").has_value());

  // Same size, newer time: the checkpoint was rewritten (a resumed run went on).
  const auto file = m_dir / "checkpoints" / "last.ckpt";
  fs::last_write_time(file, fs::last_write_time(file) + std::chrono::seconds(2));
  EXPECT_FALSE(ft::api::readEvaluation(run(), "last").has_value());

  stamped(sixClassReport());
  ASSERT_TRUE(ft::api::readEvaluation(run(), "last").has_value());
  writeCheckpoint("last", "weights v2, longer");
  EXPECT_FALSE(ft::api::readEvaluation(run(), "last").has_value());

  stamped(sixClassReport());
  fs::remove(file);
  EXPECT_FALSE(ft::api::readEvaluation(run(), "last").has_value()) << "no checkpoint, nothing current";
  EXPECT_FALSE(ft::api::readEvaluation(run(), "best").has_value());
  EXPECT_THROW(ft::api::readEvaluation(run(), "middle"), ft::UserError);
}

TEST_F(EvaluationFiles, DamagedFilesNameTheFileAndTheFix) {
  const auto json = stamped(sixClassReport());
  std::ofstream(json) << "{\"format\": 1, \"checkpoint\": ";
  try {
    ft::api::readEvaluation(run(), "last");
    FAIL() << "a truncated report must not read as absent";
  } catch (const ft::UserError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(json), std::string::npos) << message;
    EXPECT_NE(message.find("finetune-cli evaluate " + run() + " --checkpoint last"), std::string::npos)
        << message;
  }

  stamped(sixClassReport());
  auto j = nlohmann::json::parse(std::ifstream(json));
  j["confusion"][0][0] = 5;  // no longer adds up to the samples
  std::ofstream(json) << j.dump();
  EXPECT_THROW(ft::api::readEvaluation(run(), "last"), ft::UserError);

  stamped(sixClassReport());
  const auto csv = (m_dir / "evaluation" / "last-predictions.csv").string();
  std::ofstream(csv, std::ios::app) << "11,zero,1,0.5,0.5,,\n";
  try {
    ft::api::readEvaluation(run(), "last");
    FAIL() << "a damaged predictions file must be reported";
  } catch (const ft::UserError& e) {
    EXPECT_NE(std::string(e.what()).find(csv + ": line 12"), std::string::npos) << e.what();
  }
}
