#include "studio_wizard.h"

#include <QEvent>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QScrollArea>
#include <QStackedWidget>
#include <QVBoxLayout>

#include <algorithm>

#include "dashboard_page.h"
#include "data_page.h"
#include "model_page.h"
#include "results_page.h"
#include "review_page.h"
#include "studio_settings.h"
#include "training_controller.h"
#include "training_page.h"

namespace ft::ui {
namespace {

// What the studio starts with: RunConfig's defaults, the last data set (or the built-in one),
// runs under ~/FineTuneStudio/runs.
config::RunConfig initialConfig() {
  config::RunConfig config;
  const QString last = settings::lastDataPath();
  if (!last.isEmpty() && QFileInfo::exists(last))
    config.data.path = last.toStdString();
  else if (!settings::builtInDataInstalled())
    config.data.path.clear();
  config.output.runsDir = settings::runsDir().toStdString();
  return config;
}

}  // namespace

StudioWizard::StudioWizard(QWidget* parent) : QWidget(parent) {
  m_controller = new TrainingController(this);
  buildUi();
  m_config = initialConfig();
  for (int step = DataStep; step <= ReviewStep; ++step) configStep(step)->load(m_config);
  m_training->setScheduleSuggested(true);

  connect(m_controller, &TrainingController::started, this, [this](const QString& runDir) {
    m_runDir = runDir;
    Q_EMIT trainingStarted(runDir);
  });
  connect(m_controller, &TrainingController::epochFinished, this,
          [this](const run::EpochEvent& event) { m_epochs.append(event); });
  connect(m_controller, &TrainingController::finished, this, &StudioWizard::onFinished);
  m_dashboard->attach(m_controller);

  for (int step = DataStep; step <= ReviewStep; ++step)
    connect(configStep(step), &WizardStep::completeChanged, this, &StudioWizard::updateButtons);
  connect(m_data, &DataPage::scanFinished, this, [this](bool ok) {
    if (ok) m_model->setClassCount(m_data->classCount());
  });
  retranslateUi();
  goToStep(DataStep);
}

StudioWizard::~StudioWizard() = default;

void StudioWizard::buildUi() {
  m_steps = new QListWidget(this);
  m_steps->setObjectName(QStringLiteral("stepList"));
  m_steps->setFocusPolicy(Qt::NoFocus);
  m_steps->setSelectionMode(QAbstractItemView::NoSelection);
  m_steps->setFixedWidth(kStepListWidth);
  m_steps->setFrameShape(QFrame::NoFrame);
  m_steps->setStyleSheet(QStringLiteral("QListWidget { background: transparent; }"
                                        "QListWidget::item { padding: 6px 4px; }"));
  // Long titles wrap (Chinese or a large font) instead of widening the list.
  m_steps->setWordWrap(true);
  m_steps->setTextElideMode(Qt::ElideNone);
  m_steps->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  for (int step = 0; step < StepCount; ++step) m_steps->addItem(QString());
  // A step already reached is a link back to it (stepClicked checks that it may be visited).
  connect(m_steps, &QListWidget::itemClicked, this,
          [this](QListWidgetItem* item) { stepClicked(m_steps->row(item)); });

  m_stack = new QStackedWidget(this);
  m_data = new DataPage(m_stack);
  m_model = new ModelPage(m_stack);
  m_training = new TrainingPage(m_stack);
  m_review = new ReviewPage(m_stack);
  m_dashboard = new DashboardPage(m_stack);
  m_results = new ResultsPage(m_stack);
  // The configuration pages scroll when the window is shorter than their content (a 1280x720
  // screen, a large font): Back and Next below them stay on screen. The dashboard and the
  // results lay themselves out in whatever room there is.
  for (QWidget* page : {static_cast<QWidget*>(m_data), static_cast<QWidget*>(m_model),
                        static_cast<QWidget*>(m_training), static_cast<QWidget*>(m_review)}) {
    auto* scroll = new QScrollArea(m_stack);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(page);
    m_stack->addWidget(scroll);
  }
  m_stack->addWidget(m_dashboard);
  m_stack->addWidget(m_results);

  m_message = new QLabel(this);
  m_message->setObjectName(QStringLiteral("wizardMessage"));
  m_message->setWordWrap(true);
  m_back = new QPushButton(this);
  m_back->setObjectName(QStringLiteral("backButton"));
  m_next = new QPushButton(this);
  m_next->setObjectName(QStringLiteral("nextButton"));
  m_next->setDefault(true);
  connect(m_back, &QPushButton::clicked, this, &StudioWizard::back);
  connect(m_next, &QPushButton::clicked, this, &StudioWizard::next);

  auto* buttons = new QHBoxLayout;
  buttons->addWidget(m_message, 1);
  buttons->addWidget(m_back);
  buttons->addWidget(m_next);
  auto* right = new QVBoxLayout;
  right->addWidget(m_stack, 1);
  right->addLayout(buttons);
  auto* layout = new QHBoxLayout(this);
  layout->addWidget(m_steps);
  layout->addLayout(right, 1);
}

WizardStep* StudioWizard::configStep(int step) const {
  switch (step) {
    case DataStep: return m_data;
    case ModelStep: return m_model;
    case TrainingStep: return m_training;
    case ReviewStep: return m_review;
    default: return nullptr;
  }
}

StudioWizard::Step StudioWizard::currentStep() const { return Step(m_stack->currentIndex()); }

bool StudioWizard::isTraining() const { return m_running; }

bool StudioWizard::canGoNext() const { return m_next->isEnabled(); }

QString StudioWizard::messageText() const { return m_message->text(); }

config::RunConfig StudioWizard::currentConfig() const {
  config::RunConfig config = m_config;
  for (int step = DataStep; step <= ReviewStep; ++step) configStep(step)->store(config);
  return config;
}

void StudioWizard::setConfig(const config::RunConfig& config) {
  if (m_running) return;
  m_config = config;
  for (int step = DataStep; step <= ReviewStep; ++step) configStep(step)->load(m_config);
  showMessage({}, false);
  goToStep(DataStep);
}

void StudioWizard::setDataPath(const QString& path) {
  m_config = currentConfig();
  m_config.data.path = path.toStdString();
  m_config.data.format = "auto";
  m_data->load(m_config);
}

void StudioWizard::next() {
  if (!m_next->isEnabled()) return;
  const Step step = currentStep();
  switch (step) {
    case DataStep:
    case ModelStep:
    case TrainingStep:
      configStep(step)->store(m_config);
      goToStep(Step(step + 1));
      break;
    case ReviewStep: startTraining(); break;
    case DashboardStep: goToStep(ResultsStep); break;
    case ResultsStep: goToStep(DataStep); break;
    default: break;
  }
}

void StudioWizard::back() {
  const Step step = currentStep();
  if (step == DataStep || (step == DashboardStep && m_running)) return;
  if (step <= ReviewStep) configStep(step)->store(m_config);
  goToStep(Step(step - 1));
}

void StudioWizard::goToStep(Step step) {
  if (step <= ReviewStep) {
    m_config = currentConfig();
    if (step == ModelStep) m_model->setClassCount(m_data->classCount());
    configStep(step)->enter(m_config);
  }
  m_stack->setCurrentIndex(step);
  m_furthestStep = std::max(m_furthestStep, step);
  updateButtons();
  Q_EMIT stepChanged(step);
}

bool StudioWizard::canVisitStep(Step step) const {
  const Step current = currentStep();
  if (step < DataStep || step >= StepCount || step == current) return false;
  // While training the dashboard stays (as Back does); a step not reached yet is not a link.
  if (m_running || step > m_furthestStep) return false;
  switch (step) {
    case DashboardStep: return true;  // a run was started or opened: the dashboard shows it
    case ResultsStep: return m_haveResults;
    default:
      // A configuration page, when every page before it is complete (as Next would demand).
      for (int earlier = DataStep; earlier < step; ++earlier)
        if (!configStep(earlier)->isComplete()) return false;
      return true;
  }
}

void StudioWizard::stepClicked(int step) {
  if (!canVisitStep(Step(step))) return;
  const Step current = currentStep();
  if (current <= ReviewStep) configStep(current)->store(m_config);
  goToStep(Step(step));
}

void StudioWizard::startTraining() {
  m_config = currentConfig();
  settings::setRunsDir(QString::fromStdString(m_config.output.runsDir));
  m_epochs.clear();
  m_runDir.clear();
  m_haveResults = false;
  m_running = true;
  m_dashboard->clear();
  m_dashboard->setTotalEpochs(m_config.train.epochs);
  showMessage({}, false);
  goToStep(DashboardStep);
  m_controller->start(m_config);
}

void StudioWizard::showHistory(const QString& runDir, const api::RunHistory& history) {
  if (m_running) return;
  m_config = history.config;
  for (int step = DataStep; step <= ReviewStep; ++step) configStep(step)->load(m_config);
  m_runDir = runDir;
  m_epochs = QList<run::EpochEvent>(history.epochs.begin(), history.epochs.end());
  m_dashboard->clear();
  m_dashboard->setTotalEpochs(history.config.train.epochs);
  m_dashboard->loadHistory(history);
  m_dashboard->setRunDir(runDir);
  m_haveResults = !m_epochs.isEmpty();
  if (m_haveResults) m_results->showHistory(runDir, history);
  const int done = int(m_epochs.size());
  const int total = history.config.train.epochs;
  showMessage([done, total] { return tr("Opened a run: %1 of %2 epochs done.").arg(done).arg(total); },
              false);
  goToStep(DashboardStep);
}

void StudioWizard::resumeRun(const QString& runDir) {
  if (m_running) return;
  m_running = true;
  m_haveResults = false;
  m_runDir = runDir;
  showMessage({}, false);
  goToStep(DashboardStep);
  m_controller->resumeRun(runDir);
}

void StudioWizard::onFinished(const run::FinishedEvent& event) {
  m_running = false;
  if (!event.runDir.empty()) m_runDir = QString::fromStdString(event.runDir);
  const QString message = QString::fromStdString(event.message);
  const bool haveEpochs = event.epochsCompleted > 0 && !m_epochs.isEmpty();
  if (event.status == run::FinishStatus::Failed) {
    showMessage([message] { return tr("Training failed: %1").arg(message); }, true);
  } else if (event.status == run::FinishStatus::Stopped) {
    showMessage(
        [] {
          return tr("Training stopped; the checkpoint is kept, File > Open run… "
                    "resumes it.");
        },
        false);
  }
  if (haveEpochs) {
    m_results->showRun(m_runDir, m_epochs, event);
    m_haveResults = true;
  }
  Q_EMIT trainingFinished(event);
  if (haveEpochs && event.status != run::FinishStatus::Failed)
    goToStep(ResultsStep);
  else
    updateButtons();
}

void StudioWizard::showMessage(std::function<QString()> text, bool error) {
  m_messageText = std::move(text);
  m_messageIsError = error;
  m_message->setText(m_messageText ? m_messageText() : QString());
  m_message->setStyleSheet(error ? QStringLiteral("color: #b00020;") : QString());
}

void StudioWizard::updateButtons() {
  const Step step = currentStep();
  bool canNext = false;
  QString nextText = tr("Next");
  switch (step) {
    case DataStep:
    case ModelStep:
    case TrainingStep: canNext = configStep(step)->isComplete(); break;
    case ReviewStep:
      canNext = m_review->isComplete() && !m_running;
      nextText = tr("Start training");
      break;
    case DashboardStep:
      canNext = !m_running && m_haveResults;
      nextText = tr("Show results");
      break;
    case ResultsStep:
      canNext = true;
      nextText = tr("New run");
      break;
    default: break;
  }
  m_next->setText(nextText);
  m_next->setEnabled(canNext);
  m_back->setText(tr("Back"));
  m_back->setEnabled(step != DataStep && !(step == DashboardStep && m_running));
  updateStepList();  // which steps are links follows the same state
}

void StudioWizard::updateStepList() {
  const QList<QString> titles = {m_data->title(),   m_model->title(),   m_training->title(),
                                 m_review->title(), tr("Training run"), tr("Results")};
  const int current = m_stack->currentIndex();
  for (int step = 0; step < StepCount; ++step) {
    QListWidgetItem* item = m_steps->item(step);
    item->setText(QStringLiteral("%1.  %2").arg(step + 1).arg(titles[step]));
    QFont font = item->font();
    font.setBold(step == current);
    const bool link = canVisitStep(Step(step));
    font.setUnderline(link && step > current);  // a step ahead that was reached before
    item->setFont(font);
    item->setForeground(step == current          ? palette().color(QPalette::Highlight)
                        : link || step < current ? palette().color(QPalette::Text)
                                                 : palette().color(QPalette::PlaceholderText));
    item->setFlags(link || step == current ? Qt::ItemIsEnabled : Qt::NoItemFlags);
    item->setToolTip(link ? tr("Go to this step") : QString());
  }
}

void StudioWizard::retranslateUi() {
  updateButtons();
  if (m_messageText) m_message->setText(m_messageText());
}

void StudioWizard::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) retranslateUi();
  QWidget::changeEvent(event);
}

}  // namespace ft::ui
