#pragma once
// Step 4: the whole configuration in words, where the run goes, and how long an epoch will
// take, measured on a few real batches of this very configuration (in the background), and
// whether other programs were keeping the machine busy meanwhile.
#include "api/studio_api.h"
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
  // Batches timed per phase after 2 warm-up ones (api::estimateRun takes their median).
  static constexpr int kEstimateBatches = 5;

  explicit ReviewPage(QWidget* parent = nullptr);

  QString title() const override;
  bool isComplete() const override;
  void load(const config::RunConfig& config) override;
  void store(config::RunConfig& config) const override;
  void enter(const config::RunConfig& config) override;

  bool isMeasuring() const { return m_measuring; }
  QString estimateText() const;
  // "Measured while other programs kept about 1.5 cores busy…" when the estimate says the
  // machine was busy; empty otherwise.
  QString busyNoteText() const;
  // Shows a finished measurement (what the worker hands back; tests give their own).
  void showMeasuredEstimate(const api::EpochEstimate& estimate);

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
  QLabel* m_busyNote;
  QPushButton* m_measureAgain;
  BackgroundRunner* m_runner;

  config::RunConfig m_config;
  QString m_validationError;
  bool m_measuring = false;
  bool m_measured = false;
  QString m_estimateError;
  api::EpochEstimate m_estimateResult;
};

}  // namespace ft::ui
