#include "train/training_text.h"

#include <iomanip>
#include <sstream>

namespace ft::train {

std::string withThousands(std::int64_t value) {
  std::string digits = std::to_string(value), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string epochLine(const run::EpochEvent& event, double waitedSeconds) {
  std::ostringstream line;
  line.setf(std::ios::fixed);
  line.precision(4);
  line << "Epoch " << event.epoch + 1 << "/" << event.epochs << " (" << run::phaseName(event.phase)
       << ") | train loss " << event.trainLoss << " | train acc ";
  line.precision(2);
  line << event.trainAccuracy << "% | val loss ";
  line.precision(4);
  line << event.validationLoss << " | val acc ";
  line.precision(2);
  line << event.validationAccuracy << "% (" << event.validationPrecision << ") | " << event.seconds << " s, "
       << std::setprecision(0) << event.imagesPerSecond << " img/s, waited " << std::setprecision(1)
       << waitedSeconds << " s for data";
  return line.str();
}

}  // namespace ft::train
