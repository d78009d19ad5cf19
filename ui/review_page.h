#pragma once
// Step 4: the whole configuration in words, where the run goes, and how long an epoch will
// take, measured on a few real batches of this very configuration (in the background).
#include "wizard_step.h"

class QFormLayout;
class QGroupBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace ft::ui {

class BackgroundRunner;

class ReviewPage : public WizardStep {
  Q_OBJECT
 public:
  explicit ReviewPage(QWidget* parent = nullptr);

  QString title() const override;
  bool isComplete() const override;
  void load(const config::RunConfig& config) override;
  void store(config::RunConfig& config) const override;
  void enter(const config::RunConfig& config) override;

  bool isMeasuring() const { return m_measuring; }
  QString estimateText() const;

 Q_SIGNALS:
  void estimateFinished(bool ok);

 protected:
  void retranslateUi() override;

 private:
  void measure();
  void showSummary();
  void showEstimate();
  void browseRunsDir();
  QString summaryHtml() const;

  QGroupBox* m_runBox;
  QGroupBox* m_summaryBox;
  QGroupBox* m_estimateBox;
  QFormLayout* m_runForm;
  QLineEdit* m_name;
  QLineEdit* m_runsDir;
  QPushButton* m_runsBrowse;
  QLabel* m_summary;
  QLabel* m_problem;
  QLabel* m_estimate;
  QPushButton* m_measureAgain;
  BackgroundRunner* m_runner;

  config::RunConfig m_config;
  QString m_validationError;
  bool m_measuring = false;
  bool m_measured = false;
  QString m_estimateError;
  double m_frozenSeconds = 0.0;
  double m_unfrozenSeconds = 0.0;
  double m_totalSeconds = 0.0;
  int m_batchesMeasured = 0;
};

}  // namespace ft::ui
