#pragma once
// The studio's wizard: Data set -> Model -> Training -> Review -> live dashboard -> results.
// A step list on the left, the page in the middle, Back/Next below; Next is enabled only when
// the page is complete. A step already reached is a link in the step list. The wizard owns the one RunConfig
// the pages edit and the controller that runs it on a worker thread.
#include <QList>
#include <functional>
#include <QWidget>

#include "api/studio_api.h"
#include "event_types.h"

class QLabel;
class QListWidget;
class QPushButton;
class QStackedWidget;

namespace ft::ui {

class DashboardPage;
class DataPage;
class ModelPage;
class ResultsPage;
class ReviewPage;
class TrainingController;
class TrainingPage;
class WizardStep;

class StudioWizard : public QWidget {
  Q_OBJECT
 public:
  enum Step { DataStep, ModelStep, TrainingStep, ReviewStep, DashboardStep, ResultsStep, StepCount };
  static constexpr int kStepListWidth = 170;

  explicit StudioWizard(QWidget* parent = nullptr);
  ~StudioWizard() override;

  Step currentStep() const;
  bool canGoNext() const;
  bool isTraining() const;
  // Whether the step list's entry for `step` is a link now: a step already reached (the
  // furthest step so far and every one before it), not the current one, not while training,
  // and for a configuration page only when every page before it is complete.
  bool canVisitStep(Step step) const;
  QListWidget* stepList() const { return m_steps; }

  // Every field of every page, plus the fields no page shows (kept from the last load).
  config::RunConfig currentConfig() const;
  // Fills every field and returns to the first page (not while training).
  void setConfig(const config::RunConfig& config);
  void setDataPath(const QString& path);

  // File -> Open run: the dashboard redraws the run; a complete run also gets its results.
  void showHistory(const QString& runDir, const api::RunHistory& history);
  // Continues an interrupted run (after showHistory).
  void resumeRun(const QString& runDir);

  TrainingController* controller() const { return m_controller; }
  DataPage* dataPage() const { return m_data; }
  ModelPage* modelPage() const { return m_model; }
  TrainingPage* trainingPage() const { return m_training; }
  ReviewPage* reviewPage() const { return m_review; }
  DashboardPage* dashboardPage() const { return m_dashboard; }
  ResultsPage* resultsPage() const { return m_results; }
  const QList<run::EpochEvent>& epochs() const { return m_epochs; }
  QString messageText() const;

 public Q_SLOTS:
  void next();
  void back();
  void goToStep(ft::ui::StudioWizard::Step step);

 Q_SIGNALS:
  void stepChanged(int step);
  void trainingStarted(const QString& runDir);
  void trainingFinished(const ft::run::FinishedEvent& event);

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void buildUi();
  void retranslateUi();
  void updateButtons();
  void updateStepList();
  void stepClicked(int step);
  void startTraining();
  void onFinished(const run::FinishedEvent& event);
  // The message is a function so that a language switch retranslates it.
  void showMessage(std::function<QString()> text, bool error);
  WizardStep* configStep(int step) const;

  QListWidget* m_steps;
  QStackedWidget* m_stack;
  QLabel* m_message;
  QPushButton* m_back;
  QPushButton* m_next;
  DataPage* m_data;
  ModelPage* m_model;
  TrainingPage* m_training;
  ReviewPage* m_review;
  DashboardPage* m_dashboard;
  ResultsPage* m_results;
  TrainingController* m_controller;

  config::RunConfig m_config;
  QString m_runDir;
  QList<run::EpochEvent> m_epochs;
  Step m_furthestStep = DataStep;
  bool m_running = false;
  bool m_haveResults = false;
  std::function<QString()> m_messageText;
  bool m_messageIsError = false;
};

}  // namespace ft::ui
