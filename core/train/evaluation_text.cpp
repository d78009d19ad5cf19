#include "train/evaluation_text.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace ft::train {
namespace {

constexpr std::size_t kMaxRowLabel = 24;

std::string fitted(const std::string& text, std::size_t width) {
  if (text.size() <= width) return text;
  return text.substr(0, width - 1) + "~";
}

std::string padLeft(const std::string& text, std::size_t width) {
  return text.size() >= width ? text : std::string(width - text.size(), ' ') + text;
}

std::string padRight(const std::string& text, std::size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

std::string fixed(double value, int decimals) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

}  // namespace

std::string formatEvaluationText(const run::EvaluationReport& report, std::size_t confusedPairs,
                                 std::size_t maxHeaderWidth) {
  const auto& names = report.classNames;
  const std::size_t n = names.size();
  std::ostringstream out;
  out << "Evaluation of checkpoint " << report.checkpoint << " (epoch " << report.epoch << ") on "
      << report.samples << " validation images\n\n";

  // Confusion matrix.
  std::int64_t largest = 0;
  std::size_t longestName = 0;
  for (std::size_t t = 0; t < n; ++t) {
    longestName = std::max(longestName, names[t].size());
    for (auto v : report.confusion[t]) largest = std::max(largest, v);
  }
  const bool namedColumns = longestName <= maxHeaderWidth;
  std::size_t cell = std::max<std::size_t>(std::to_string(largest).size(), 3);
  cell = std::max(cell, namedColumns ? longestName : std::to_string(n - 1).size());
  const std::size_t indexWidth = std::to_string(n - 1).size();
  const std::size_t rowLabel =
      std::max<std::size_t>(std::min(longestName, kMaxRowLabel) + indexWidth + 1, 12);
  auto rowName = [&](std::size_t c) {
    return padLeft(std::to_string(c), indexWidth) + " " + fitted(names[c], kMaxRowLabel);
  };

  out << "Confusion matrix (rows: true class, columns: predicted class)\n";
  out << padRight("true \\ pred", rowLabel);
  for (std::size_t p = 0; p < n; ++p)
    out << "  " << padLeft(namedColumns ? names[p] : std::to_string(p), cell);
  out << "\n";
  for (std::size_t t = 0; t < n; ++t) {
    out << padRight(rowName(t), rowLabel);
    for (std::size_t p = 0; p < n; ++p) out << "  " << padLeft(std::to_string(report.confusion[t][p]), cell);
    out << "\n";
  }
  if (!namedColumns) {
    out << "Columns: ";
    for (std::size_t c = 0; c < n; ++c) out << (c ? ", " : "") << c << " = " << names[c];
    out << "\n";
  }

  // Per-class report, as scikit-learn's classification_report.
  const std::size_t nameWidth = std::max<std::size_t>(std::min(longestName, kMaxRowLabel), 12);
  out << "\n" << padRight("class", nameWidth) << "  precision     recall   f1-score    support\n";
  std::int64_t support = 0;
  double precisionSum = 0.0, recallSum = 0.0;
  for (const auto& c : report.classes) {
    out << padRight(fitted(c.name, kMaxRowLabel), nameWidth) << "  " << padLeft(fixed(c.precision, 4), 9)
        << "  " << padLeft(fixed(c.recall, 4), 9) << "  " << padLeft(fixed(c.f1, 4), 9) << "  "
        << padLeft(std::to_string(c.support), 9) << "\n";
    support += c.support;
    precisionSum += c.precision;
    recallSum += c.recall;
  }
  const double classes = n ? double(n) : 1.0;
  out << padRight("macro avg", nameWidth) << "  " << padLeft(fixed(precisionSum / classes, 4), 9) << "  "
      << padLeft(fixed(recallSum / classes, 4), 9) << "  " << padLeft(fixed(report.macroF1, 4), 9) << "  "
      << padLeft(std::to_string(support), 9) << "\n";

  out << "\ntop-1 accuracy " << fixed(100.0 * report.top1, 2) << "%   top-" << std::min<std::size_t>(5, n)
      << " accuracy " << fixed(100.0 * report.top5, 2) << "%   macro F1 " << fixed(report.macroF1, 4)
      << "   (" << report.precision << ")\n";

  const auto confused = report.mostConfused(confusedPairs);
  out << "\nMost confused (true -> predicted):";
  if (confused.empty()) out << " none, every image is classified correctly";
  out << "\n";
  std::size_t pairWidth = 0;
  for (const auto& c : confused)
    pairWidth = std::max(pairWidth, names[std::size_t(c.trueClass)].size() + 4 +
                                        names[std::size_t(c.predictedClass)].size());
  for (const auto& c : confused) {
    const auto& truth = report.classes[std::size_t(c.trueClass)];
    out << "  "
        << padRight(names[std::size_t(c.trueClass)] + " -> " + names[std::size_t(c.predictedClass)],
                    pairWidth)
        << "  " << padLeft(std::to_string(c.count), std::to_string(largest).size()) << "  ("
        << fixed(truth.support ? 100.0 * double(c.count) / double(truth.support) : 0.0, 1) << "% of "
        << names[std::size_t(c.trueClass)] << ")\n";
  }
  return out.str();
}

}  // namespace ft::train
