#include "run/evaluation_report.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/error.h"
#include "run/run_folder.h"

namespace fs = std::filesystem;

namespace ft::run {
namespace {

constexpr int kFormat = 1;
constexpr std::size_t kTopK = 5;
const char* kCsvHeader = "sample_index,true_class,predicted_class,confidence,true_probability,"
                         "true_name,predicted_name";

bool byConfidence(const SamplePrediction& a, const SamplePrediction& b) {
  if (a.confidence != b.confidence) return a.confidence > b.confidence;
  return a.sampleIndex < b.sampleIndex;
}

std::string predictionsPath(const std::string& runDir, const std::string& which) {
  return (fs::path(runDir) / "evaluation" / (which + "-predictions.csv")).string();
}

// Shortest text that reads back as the same float, independent of the C locale.
std::string floatText(float value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

std::string csvQuoted(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

template <typename T>
bool parseNumber(const std::string& text, std::size_t& pos, T& value) {
  const std::size_t end = std::min(text.find(',', pos), text.size());
  const auto result = std::from_chars(text.data() + pos, text.data() + end, value);
  if (result.ec != std::errc() || result.ptr != text.data() + end) return false;
  pos = end + 1;
  return true;
}

std::string fixFor(const std::string& runDir, const std::string& which) {
  return "delete it or evaluate again with `finetune-cli evaluate " + runDir + " --checkpoint " + which + "`";
}

EvaluationReport reportFromJson(const nlohmann::json& j, const std::string& file) {
  if (j.at("format").get<int>() != kFormat)
    throw UserError(file + ": evaluation format " + j.at("format").dump() + " is not known");
  EvaluationReport r;
  r.checkpoint = j.at("checkpoint").get<std::string>();
  r.epoch = j.at("epoch").get<int>();
  r.precision = j.value("precision", std::string("float32"));  // older files: float32 passes
  r.classNames = j.at("class_names").get<std::vector<std::string>>();
  r.confusion = j.at("confusion").get<std::vector<std::vector<std::int64_t>>>();
  r.samples = j.at("samples").get<std::int64_t>();
  r.top1 = j.at("top1").get<double>();
  r.top5 = j.at("top5").get<double>();
  r.macroF1 = j.at("macro_f1").get<double>();
  for (const auto& c : j.at("classes")) {
    ClassReport cr;
    cr.name = c.at("name").get<std::string>();
    cr.support = c.at("support").get<std::int64_t>();
    cr.predicted = c.at("predicted").get<std::int64_t>();
    cr.precision = c.at("precision").get<double>();
    cr.recall = c.at("recall").get<double>();
    cr.f1 = c.at("f1").get<double>();
    r.classes.push_back(cr);
  }
  const std::size_t n = r.classNames.size();
  bool square = r.confusion.size() == n && r.classes.size() == n;
  std::int64_t total = 0;
  for (const auto& row : r.confusion) {
    square = square && row.size() == n;
    for (auto v : row) total += v;
  }
  if (!square || total != r.samples)
    throw UserError(file + ": the confusion matrix does not match the " + std::to_string(n) +
                    " classes and " + std::to_string(r.samples) + " samples it lists");
  return r;
}

// Reads <which>-predictions.csv into report.predictions. Throws ft::UserError on a bad line.
void readPredictions(const std::string& file, EvaluationReport& report, const std::string& fix) {
  std::ifstream in(file);
  std::string line;
  if (!std::getline(in, line) || line != kCsvHeader)
    throw UserError(file + ": not an evaluation predictions file (unexpected header); " + fix);
  const int classes = int(report.classNames.size());
  std::size_t lineNumber = 1;
  while (std::getline(in, line)) {
    ++lineNumber;
    if (line.empty()) continue;
    SamplePrediction p;
    std::size_t pos = 0;
    const bool ok = parseNumber(line, pos, p.sampleIndex) && parseNumber(line, pos, p.trueClass) &&
                    parseNumber(line, pos, p.predictedClass) && parseNumber(line, pos, p.confidence) &&
                    parseNumber(line, pos, p.trueProbability) && p.trueClass >= 0 && p.trueClass < classes &&
                    p.predictedClass >= 0 && p.predictedClass < classes;
    if (!ok) throw UserError(file + ": line " + std::to_string(lineNumber) + " is damaged; " + fix);
    report.predictions.push_back(p);
  }
}

}  // namespace

std::vector<SamplePrediction> EvaluationReport::misclassified() const {
  std::vector<SamplePrediction> out;
  for (const auto& p : predictions)
    if (p.predictedClass != p.trueClass) out.push_back(p);
  std::sort(out.begin(), out.end(), byConfidence);
  return out;
}

std::vector<SamplePrediction> EvaluationReport::cell(int trueClass, int predictedClass) const {
  std::vector<SamplePrediction> out;
  for (const auto& p : predictions)
    if (p.trueClass == trueClass && p.predictedClass == predictedClass) out.push_back(p);
  std::sort(out.begin(), out.end(), byConfidence);
  return out;
}

std::vector<EvaluationReport::Confusion> EvaluationReport::mostConfused(std::size_t count) const {
  std::vector<Confusion> out;
  for (std::size_t t = 0; t < confusion.size(); ++t)
    for (std::size_t p = 0; p < confusion[t].size(); ++p)
      if (t != p && confusion[t][p] > 0) out.push_back({int(t), int(p), confusion[t][p]});
  std::stable_sort(out.begin(), out.end(),
                   [](const Confusion& a, const Confusion& b) { return a.count > b.count; });
  if (out.size() > count) out.resize(count);
  return out;
}

std::string evaluationPath(const std::string& runDir, const std::string& which) {
  checkCheckpointName(which);
  return (fs::path(runDir) / "evaluation" / (which + ".json")).string();
}

std::optional<EvaluationReport> readEvaluation(const std::string& runDir, const std::string& which) {
  const std::string file = evaluationPath(runDir, which);
  const std::string checkpoint = RunPaths(runDir).checkpoint(which);
  if (!fs::exists(file) || !fs::exists(checkpoint)) return std::nullopt;
  const std::string fix = fixFor(runDir, which);

  EvaluationReport report;
  CheckpointStamp stored;
  std::string predictionsFile;
  try {
    std::ifstream in(file);
    const auto j = nlohmann::json::parse(in);
    report = reportFromJson(j, file);
    stored.size = j.at("checkpoint_file").at("size").get<std::uintmax_t>();
    stored.modifiedNs = j.at("checkpoint_file").at("modified_ns").get<std::int64_t>();
    predictionsFile = (fs::path(file).parent_path() / j.at("predictions_file").get<std::string>()).string();
  } catch (const UserError& e) {
    throw UserError(std::string(e.what()) + "; " + fix);
  } catch (const std::exception& e) {
    throw UserError(file + ": damaged evaluation file (" + e.what() + "); " + fix);
  }
  if (report.checkpoint != which)
    throw UserError(file + ": holds the evaluation of checkpoint \"" + report.checkpoint + "\", not \"" +
                    which + "\"; " + fix);
  if (stampOf(checkpoint) != stored) return std::nullopt;  // the checkpoint was rewritten
  if (!fs::exists(predictionsFile)) return std::nullopt;

  readPredictions(predictionsFile, report, fix);
  // The two files are written one after the other; a crash in between leaves a pair that does
  // not match, which is as good as no evaluation.
  std::vector<std::vector<std::int64_t>> counted(report.confusion.size(),
                                                 std::vector<std::int64_t>(report.confusion.size(), 0));
  for (const auto& p : report.predictions) ++counted[std::size_t(p.trueClass)][std::size_t(p.predictedClass)];
  if (counted != report.confusion) return std::nullopt;
  return report;
}

CheckpointStamp stampOf(const std::string& checkpointFile) {
  std::error_code error;
  CheckpointStamp stamp;
  stamp.size = fs::file_size(checkpointFile, error);
  if (error) throw UserError(checkpointFile + ": cannot be read (" + error.message() + ")");
  const auto modified = fs::last_write_time(checkpointFile, error);
  if (error) throw UserError(checkpointFile + ": cannot be read (" + error.message() + ")");
  stamp.modifiedNs =
      std::chrono::duration_cast<std::chrono::nanoseconds>(modified.time_since_epoch()).count();
  return stamp;
}

nlohmann::json toJson(const EvaluationReport& report, bool withPredictions) {
  nlohmann::json classes = nlohmann::json::array();
  for (const auto& c : report.classes)
    classes.push_back({{"name", c.name},
                       {"support", c.support},
                       {"predicted", c.predicted},
                       {"precision", c.precision},
                       {"recall", c.recall},
                       {"f1", c.f1}});
  nlohmann::json confused = nlohmann::json::array();
  for (const auto& c : report.mostConfused(5))
    confused.push_back(
        {{"true_class", c.trueClass}, {"predicted_class", c.predictedClass}, {"count", c.count}});
  nlohmann::json j = {{"format", kFormat},
                      {"checkpoint", report.checkpoint},
                      {"epoch", report.epoch},
                      {"precision", report.precision},
                      {"class_names", report.classNames},
                      {"samples", report.samples},
                      {"top1", report.top1},
                      {"top5", report.top5},
                      {"top5_k", std::min(kTopK, report.classNames.size())},
                      {"macro_f1", report.macroF1},
                      {"confusion", report.confusion},
                      {"classes", classes},
                      {"most_confused", confused}};
  if (withPredictions) {
    nlohmann::json samples = nlohmann::json::array();
    for (const auto& p : report.predictions)
      samples.push_back({{"sample_index", p.sampleIndex},
                         {"true_class", p.trueClass},
                         {"predicted_class", p.predictedClass},
                         {"confidence", p.confidence},
                         {"true_probability", p.trueProbability}});
    j["predictions"] = samples;
  }
  return j;
}

void saveEvaluation(const std::string& runDir, const EvaluationReport& report, const CheckpointStamp& stamp) {
  checkCheckpointName(report.checkpoint);
  const std::string jsonFile = evaluationPath(runDir, report.checkpoint);
  std::error_code error;
  fs::create_directories(fs::path(jsonFile).parent_path(), error);
  if (error)
    throw UserError(fs::path(jsonFile).parent_path().string() + ": cannot create the folder (" +
                    error.message() + "); check permissions and free disk space");

  std::string csv = std::string(kCsvHeader) + "\n";
  for (const auto& p : report.predictions) {
    const auto name = [&](int c) {
      return c >= 0 && std::size_t(c) < report.classNames.size()
                 ? csvQuoted(report.classNames[std::size_t(c)])
                 : "";
    };
    csv += std::to_string(p.sampleIndex) + "," + std::to_string(p.trueClass) + "," +
           std::to_string(p.predictedClass) + "," + floatText(p.confidence) + "," +
           floatText(p.trueProbability) + "," + name(p.trueClass) + "," + name(p.predictedClass) + "\n";
  }
  // CSV first: a JSON file always describes a predictions file at least as new as itself.
  writeFileAtomically(predictionsPath(runDir, report.checkpoint), csv);

  auto j = toJson(report, false);
  j["checkpoint_file"] = {{"size", stamp.size}, {"modified_ns", stamp.modifiedNs}};
  j["predictions_file"] = fs::path(predictionsPath(runDir, report.checkpoint)).filename().string();
  writeFileAtomically(jsonFile, j.dump(1) + "\n");
}

}  // namespace ft::run
