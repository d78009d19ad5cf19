#pragma once
// A spin box for learning rates and decays: shows 0.001 or 1e-05 rather than 0.001000, and the
// arrows multiply or divide by ten, the steps people actually try.
#include <QDoubleSpinBox>
#include <QRegularExpression>
#include <cmath>

namespace ft::ui {

class RateSpinBox : public QDoubleSpinBox {
 public:
  explicit RateSpinBox(QWidget* parent = nullptr, double minimum = 1e-8, double maximum = 10.0)
      : QDoubleSpinBox(parent) {
    setDecimals(12);
    setRange(minimum, maximum);
  }

  QString textFromValue(double value) const override { return QString::number(value, 'g', 4); }
  double valueFromText(const QString& text) const override { return text.trimmed().toDouble(); }
  QValidator::State validate(QString& text, int&) const override {
    bool ok = false;
    const double value = text.trimmed().toDouble(&ok);
    if (ok && value >= minimum() && value <= maximum()) return QValidator::Acceptable;
    static const QRegularExpression partial(QStringLiteral("^[0-9.eE+-]*$"));
    return partial.match(text.trimmed()).hasMatch() ? QValidator::Intermediate : QValidator::Invalid;
  }
  void stepBy(int steps) override {
    if (value() <= 0.0) {
      if (steps > 0) setValue(std::max(minimum(), 1e-5));
      return;
    }
    setValue(value() * std::pow(10.0, steps));
  }
};

}  // namespace ft::ui
