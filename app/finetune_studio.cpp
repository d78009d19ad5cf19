// finetune-studio: the desktop wizard. Everything lives in finetune_ui; this only sets up the
// application (identity for QSettings, event types, language) and shows the window.
#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QTimer>

#include <cstdio>
#include <ctime>
#include <memory>

#include <nlohmann/json.hpp>

#include "config/run_config.h"
#include "review_page.h"

#include "event_types.h"
#include "language.h"
#include "main_window.h"
#include "studio_wizard.h"

namespace {

// CPU seconds this thread has used (the GUI thread's share of the machine during a run).
double threadCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + double(t.tv_nsec) / 1e9;
}

// Drives the wizard as a user would (data, review, Start) and watches the GUI thread: a 5 ms
// timer whose longest gap between ticks is the longest stall of the event loop.
void startBenchRun(ft::ui::MainWindow& window, const ft::config::RunConfig& config) {
  auto* wizard = window.wizard();
  wizard->setConfig(config);
  struct State {
    QElapsedTimer sinceStart, sinceTick, sinceTraining;
    double guiCpuAtStart = 0.0;
    bool training = false;
    bool started = false;
    double longestStallMs = 0.0;
    long long ticks = 0, stallsOver50 = 0;
    QString runDir;
  };
  auto state = std::make_shared<State>();
  state->sinceStart.start();
  auto* driver = new QTimer(&window);
  driver->setInterval(5);
  QObject::connect(driver, &QTimer::timeout, &window, [wizard, state] {
    if (state->training) {
      const double gapMs = double(state->sinceTick.nsecsElapsed()) / 1e6;
      state->sinceTick.restart();
      ++state->ticks;
      state->longestStallMs = std::max(state->longestStallMs, gapMs);
      if (gapMs > 50.0) ++state->stallsOver50;
      return;
    }
    if (state->started) return;
    if (wizard->currentStep() != ft::ui::StudioWizard::ReviewStep) {
      if (wizard->canGoNext()) wizard->goToStep(ft::ui::StudioWizard::ReviewStep);
      return;
    }
    if (wizard->reviewPage()->isMeasuring() || !wizard->canGoNext()) return;
    state->started = true;
    wizard->next();  // Start training
  });
  QObject::connect(wizard, &ft::ui::StudioWizard::trainingStarted, &window,
                   [state](const QString& runDir) {
                     state->runDir = runDir;
                     state->training = true;
                     state->sinceTick.start();
                     state->sinceTraining.start();
                     state->guiCpuAtStart = threadCpuSeconds();
                   });
  QObject::connect(wizard, &ft::ui::StudioWizard::trainingFinished, &window,
                   [state](const ft::train::FinishedEvent& event) {
                     state->training = false;
                     const nlohmann::json report = {
                         {"event", "bench_gui"},
                         {"status", event.status == ft::train::FinishStatus::Completed ? "completed" : "failed"},
                         {"message", event.message},
                         {"run_dir", state->runDir.toStdString()},
                         {"seconds_since_start", double(state->sinceStart.nsecsElapsed()) / 1e9},
                         {"longest_stall_ms", state->longestStallMs},
                         {"stalls_over_50ms", state->stallsOver50},
                         {"ticks", state->ticks},
                         // What the GUI thread cost while the run trained: CPU seconds it used
                         // (event handling, chart layout and painting), and over what wall time.
                         {"training_wall_seconds", double(state->sinceTraining.nsecsElapsed()) / 1e9},
                         {"gui_thread_cpu_seconds", threadCpuSeconds() - state->guiCpuAtStart}};
                     std::printf("%s\n", report.dump().c_str());
                     std::fflush(stdout);
                     QCoreApplication::exit(event.status == ft::train::FinishStatus::Completed ? 0 : 1);
                   });
  driver->start();
}

}  // namespace

int main(int argc, char* argv[]) {
  QApplication app(argc, argv);
  QCoreApplication::setOrganizationName(QStringLiteral("FineTuneStudio"));
  QCoreApplication::setApplicationName(QStringLiteral("FineTune Studio"));
  QCoreApplication::setApplicationVersion(QStringLiteral(FINETUNE_VERSION));
  ft::ui::registerEventTypes();
  ft::ui::applyLanguage(ft::ui::preferredLanguage());

  QCommandLineParser parser;
  parser.setApplicationDescription(
      QCoreApplication::translate("main", "Fine-tune a pretrained image classifier."));
  parser.addHelpOption();
  parser.addVersionOption();
  const QCommandLineOption data(
      QStringLiteral("data"),
      QCoreApplication::translate("main", "Preselect the data set in PATH."),
      QStringLiteral("PATH"));
  parser.addOption(data);
  // For bench/run_bench.py --gui (issue 6): train the configuration in FILE through the wizard
  // with the dashboard showing, measure the event loop's longest stall, print one JSON line and
  // quit. Not a user feature, so not translated.
  const QCommandLineOption benchRun(QStringLiteral("bench-run"),
                                    QStringLiteral("Benchmark: train the configuration FILE, report, quit."),
                                    QStringLiteral("FILE"));
  parser.addOption(benchRun);
  parser.process(app);

  ft::ui::MainWindow window;
  if (parser.isSet(data))
    window.wizard()->setDataPath(QFileInfo(parser.value(data)).absoluteFilePath());
  window.show();
  if (parser.isSet(benchRun)) {
    try {
      startBenchRun(window, ft::config::loadConfigFile(parser.value(benchRun).toStdString()));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "finetune-studio: %s\n", e.what());
      return 1;
    }
  }
  return app.exec();
}
