#include "run/metrics_file.h"

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iterator>
#include <map>
#include <sstream>

#include "common/atomic_file.h"
#include "common/error.h"

namespace fs = std::filesystem;

namespace ft::run {

const char* MetricsWriter::header() {
  return "kind,epoch,iteration,batch,phase,loss,train_loss,train_accuracy,val_loss,val_accuracy,"
         "lr_head,lr_backbone,images_per_second,seconds,val_precision";
}

namespace {

std::string lr(const std::vector<double>& rates, std::size_t g) {
  if (g >= rates.size()) return "";
  std::ostringstream out;
  out << std::setprecision(8) << rates[g];
  return out.str();
}

}  // namespace

std::vector<std::string> splitCsvLine(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream in(line);
  std::string cell;
  while (std::getline(in, cell, ',')) cells.push_back(cell);
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

MetricsWriter::MetricsWriter(const std::string& path, std::int64_t keepUpToIteration, int keepUpToEpochs)
    : m_path(path) {
  if (keepUpToIteration >= 0 && fs::exists(path)) {
    std::ifstream in(path, std::ios::binary);
    const std::string original((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::istringstream lines(original);
    std::string line, kept = std::string(header()) + "\n";
    std::getline(lines, line);         // header
    std::vector<std::size_t> damaged;  // 1-based line numbers
    for (std::size_t number = 2; std::getline(lines, line); ++number) {
      const bool last = lines.peek() == std::char_traits<char>::eof();
      const auto cells = splitCsvLine(line);
      bool good = cells.size() >= 3 && (cells[0] == "iteration" || cells[0] == "epoch");
      bool keep = false;
      if (good) {
        try {
          keep = cells[0] == "iteration" ? std::stoll(cells[2]) <= keepUpToIteration
                                         : std::stoi(cells[1]) <= keepUpToEpochs;
        } catch (const std::exception&) {
          good = false;
        }
      }
      if (keep) kept += line + "\n";
      // A torn last line is what a crash leaves; anything else damaged is worth a word.
      const bool torn = last && !original.empty() && original.back() != '\n';
      if (!good && !torn) damaged.push_back(number);
    }
    if (!damaged.empty()) {
      const std::string copy = path + ".damaged";
      writeFileAtomically(copy, original);
      std::string list;
      for (std::size_t i = 0; i < damaged.size() && i < 5; ++i)
        list += (i ? ", " : "") + std::to_string(damaged[i]);
      if (damaged.size() > 5) list += ", ...";
      m_warnings.push_back(
          path + ": " + std::to_string(damaged.size()) + " damaged line(s) dropped (line " + list +
          "); the charts of those iterations or epochs are lost, the original file is kept as " + copy);
    }
    writeFileAtomically(path, kept);
  }
  const bool fresh = !fs::exists(path);
  m_out.open(path, std::ios::app);
  if (!m_out) throw UserError(path + ": cannot open the metrics file for writing");
  if (fresh) m_out << header() << "\n";
  m_out << std::setprecision(7);
}

void MetricsWriter::write(const IterationEvent& e) {
  m_out << "iteration," << e.epoch + 1 << ',' << e.iteration << ',' << e.batch << ",," << e.loss << ",,,,,"
        << lr(e.learningRates, 0) << ',' << lr(e.learningRates, 1) << ',' << e.imagesPerSecond << ",,\n";
}

void MetricsWriter::write(const EpochEvent& e) {
  m_out << "epoch," << e.epoch + 1 << ",,," << phaseName(e.phase) << ",," << e.trainLoss << ','
        << e.trainAccuracy << ',' << e.validationLoss << ',' << e.validationAccuracy << ','
        << lr(e.learningRates, 0) << ',' << lr(e.learningRates, 1) << ',' << e.imagesPerSecond << ','
        << e.seconds << ',' << e.validationPrecision << "\n";
  m_out.flush();
  if (!m_out) throw UserError(m_path + ": writing metrics failed; the disk may be full");
}

void MetricsWriter::flush() { m_out.flush(); }

namespace {

// The cells of one row by column name, from the file's own header: the file stays readable
// when columns are added.
class Row {
 public:
  Row(const std::map<std::string, std::size_t>& columns, std::vector<std::string> cells)
      : m_columns(columns), m_cells(std::move(cells)) {}
  const std::string& text(const char* name) const {
    static const std::string empty;
    const auto it = m_columns.find(name);
    return it == m_columns.end() || it->second >= m_cells.size() ? empty : m_cells[it->second];
  }
  double number(const char* name) const {
    const auto& t = text(name);
    return t.empty() ? 0.0 : std::stod(t);
  }
  std::int64_t integer(const char* name) const { return std::stoll(text(name)); }
  std::vector<double> rates() const {
    std::vector<double> out;
    for (const char* name : {"lr_head", "lr_backbone"})
      if (!text(name).empty()) out.push_back(number(name));
    return out;
  }

 private:
  const std::map<std::string, std::size_t>& m_columns;
  std::vector<std::string> m_cells;
};

}  // namespace

MetricsHistory readMetricsFile(const std::string& path, int epochs) {
  MetricsHistory history;
  std::ifstream in(path);
  if (!in) return history;  // no metrics yet: a run stopped before its first batch
  std::string line;
  if (!std::getline(in, line)) return history;
  std::map<std::string, std::size_t> columns;
  const auto names = splitCsvLine(line);
  for (std::size_t c = 0; c < names.size(); ++c) columns[names[c]] = c;
  if (!columns.count("kind") || !columns.count("epoch"))
    throw UserError(path + ": not a metrics file (its first line is not the metrics header); "
                           "the run's charts cannot be redrawn from it");
  const std::size_t width = names.size();
  while (std::getline(in, line)) {
    auto cells = splitCsvLine(line);
    if (cells.size() < width) continue;  // a torn last line from a crash
    const Row row(columns, std::move(cells));
    try {
      if (row.text("kind") == "iteration") {
        IterationEvent e;
        e.epoch = int(row.integer("epoch")) - 1;
        e.iteration = row.integer("iteration");
        e.batch = row.integer("batch");
        e.loss = row.number("loss");
        e.learningRates = row.rates();
        e.imagesPerSecond = row.number("images_per_second");
        history.iterations.push_back(e);
      } else if (row.text("kind") == "epoch") {
        EpochEvent e;
        e.epoch = int(row.integer("epoch")) - 1;
        e.epochs = epochs;
        e.phase = row.text("phase") == "frozen" ? Phase::Frozen : Phase::Unfrozen;
        e.trainLoss = row.number("train_loss");
        e.trainAccuracy = row.number("train_accuracy");
        e.validationLoss = row.number("val_loss");
        e.validationAccuracy = row.number("val_accuracy");
        e.learningRates = row.rates();
        e.imagesPerSecond = row.number("images_per_second");
        e.seconds = row.number("seconds");
        // Files written before issue 12 have no such column: their validation was float32.
        const std::string precision = row.text("val_precision");
        e.validationPrecision = precision.empty() ? "float32" : precision;
        history.epochs.push_back(e);
      }
    } catch (const std::exception&) {
      // Skip a damaged row; the rest of the history still draws.
    }
  }
  // The file has no batches-per-epoch column: the largest batch number of an epoch is it.
  std::int64_t fullEpoch = 0;
  for (const auto& e : history.iterations) fullEpoch = std::max(fullEpoch, e.batch);
  for (auto& e : history.iterations) e.batchesPerEpoch = fullEpoch;
  double best = -1.0;
  for (auto& e : history.epochs) {
    e.best = e.validationAccuracy > best;
    best = std::max(best, e.validationAccuracy);
  }
  return history;
}

void writeMetricsFile(const std::string& path, const std::vector<IterationEvent>& iterations,
                      const std::vector<EpochEvent>& epochs) {
  std::error_code error;
  if (fs::exists(path, error) && !fs::remove(path, error))
    throw UserError(path + ": cannot replace the file (" + error.message() + "); check that it is writable");
  MetricsWriter writer(path);
  std::size_t nextEpoch = 0;
  for (const auto& it : iterations) {
    while (nextEpoch < epochs.size() && epochs[nextEpoch].epoch < it.epoch) writer.write(epochs[nextEpoch++]);
    writer.write(it);
  }
  while (nextEpoch < epochs.size()) writer.write(epochs[nextEpoch++]);
  writer.flush();
  if (!writer.good()) throw UserError(path + ": writing metrics failed; the disk may be full");
}

}  // namespace ft::run
