#pragma once
// An EvaluationReport as plain text for a terminal (finetune-cli evaluate) or a clipboard:
// the confusion matrix as an aligned table, a per-class precision/recall/F1/support report,
// top-1 / top-5 / macro F1 and the most confused pairs.
#include <cstddef>
#include <string>

#include "run/evaluation_report.h"

namespace ft::train {

// Columns are headed by class names when every name fits in a column of at most
// `maxHeaderWidth` characters, else by class indices with a legend below the table.
std::string formatEvaluationText(const run::EvaluationReport& report, std::size_t confusedPairs = 5,
                                 std::size_t maxHeaderWidth = 8);

}  // namespace ft::train
