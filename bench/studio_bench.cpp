// finetune-studio-bench: the GUI overhead benchmark's studio (bench/gui_overhead.py, issue 6).
// Trains the configuration in CONFIG through the studio's own window as a user would (data,
// review, Start) with the dashboard showing, measures the event loop's longest stall and the
// GUI thread's CPU time while training, prints one JSON line and quits. Built with the tests,
// never installed: the shipped finetune-studio carries no instrumentation.
//
//   finetune-studio-bench CONFIG.json
#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QTimer>

#include <cstdio>
#include <ctime>
#include <memory>

#include <nlohmann/json.hpp>

#include "config/run_config.h"
#include "event_types.h"
#include "language.h"
#include "main_window.h"
#include "review_page.h"
#include "studio_wizard.h"

namespace {

// CPU seconds this thread has used (the GUI thread's share of the machine during a run).
double threadCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + double(t.tv_nsec) / 1e9;
}

// Measures the GUI thread's event loop without waking it: every outermost event dispatch is
// timed, and dispatches that follow each other with less than 1 ms between them form one busy
// period (the loop did not get back to waiting). The longest busy period is the longest stall:
// input arriving during it waits that long. (A 5 ms probe timer did the job before, but its
// 200 wake-ups a second cost training about 4% on 2 cores: bench/gui_overhead.py.)
class StallMeter {
 public:
  void start() {
    m_clock.start();
    m_on = true;
  }
  void stop() { m_on = false; }
  void enter() {
    if (!m_on || m_depth++ > 0) return;
    const qint64 now = m_clock.nsecsElapsed();
    if (now - m_lastEnd > 1000000) {  // the loop waited since the last dispatch: a new period
      m_busyStart = now;
      m_countedThisPeriod = false;
    }
  }
  void leave() {
    if (!m_on || m_depth == 0 || --m_depth > 0) return;
    m_lastEnd = m_clock.nsecsElapsed();
    const double busyMs = double(m_lastEnd - m_busyStart) / 1e6;
    if (busyMs > m_longestMs) m_longestMs = busyMs;
    if (busyMs > 50.0 && !m_countedThisPeriod) {
      ++m_over50;
      m_countedThisPeriod = true;
    }
    ++m_dispatches;
  }
  double longestMs() const { return m_longestMs; }
  long long over50() const { return m_over50; }
  long long dispatches() const { return m_dispatches; }

 private:
  QElapsedTimer m_clock;
  bool m_on = false;
  int m_depth = 0;
  qint64 m_busyStart = 0, m_lastEnd = -2000000;
  double m_longestMs = 0.0;
  long long m_over50 = 0, m_dispatches = 0;
  bool m_countedThisPeriod = false;
};

StallMeter* g_stallMeter = nullptr;

class MeteredApplication : public QApplication {
 public:
  using QApplication::QApplication;
  bool notify(QObject* receiver, QEvent* event) override {
    if (!g_stallMeter) return QApplication::notify(receiver, event);
    g_stallMeter->enter();
    const bool handled = QApplication::notify(receiver, event);
    g_stallMeter->leave();
    return handled;
  }
};

// Drives the wizard as a user would (data, review, Start) with a 5 ms timer until training
// starts, then only measures (StallMeter, the GUI thread's CPU time).
void startBenchRun(ft::ui::MainWindow& window, const ft::config::RunConfig& config) {
  auto* wizard = window.wizard();
  wizard->setConfig(config);
  struct State {
    QElapsedTimer sinceStart, sinceTraining;
    double guiCpuAtStart = 0.0;
    bool started = false;
    StallMeter meter;
    QString runDir;
  };
  auto state = std::make_shared<State>();
  g_stallMeter = &state->meter;
  state->sinceStart.start();
  auto* driver = new QTimer(&window);
  driver->setInterval(5);
  QObject::connect(driver, &QTimer::timeout, &window, [wizard, state, driver] {
    if (state->started) {
      driver->stop();
      return;
    }
    if (wizard->currentStep() != ft::ui::StudioWizard::ReviewStep) {
      if (wizard->canGoNext()) wizard->goToStep(ft::ui::StudioWizard::ReviewStep);
      return;
    }
    if (wizard->reviewPage()->isMeasuring() || !wizard->canGoNext()) return;
    state->started = true;
    driver->stop();
    wizard->next();  // Start training
  });
  QObject::connect(wizard, &ft::ui::StudioWizard::trainingStarted, &window, [state](const QString& runDir) {
    state->runDir = runDir;
    state->sinceTraining.start();
    state->guiCpuAtStart = threadCpuSeconds();
    state->meter.start();
  });
  QObject::connect(wizard, &ft::ui::StudioWizard::trainingFinished, &window,
                   [state](const ft::run::FinishedEvent& event) {
                     state->meter.stop();
                     const nlohmann::json report = {
                         {"event", "bench_gui"},
                         {"status",
                          event.status == ft::run::FinishStatus::Completed ? "completed" : "failed"},
                         {"message", event.message},
                         {"run_dir", state->runDir.toStdString()},
                         {"seconds_since_start", double(state->sinceStart.nsecsElapsed()) / 1e9},
                         {"longest_stall_ms", state->meter.longestMs()},
                         {"stalls_over_50ms", state->meter.over50()},
                         {"dispatches", state->meter.dispatches()},
                         // What the GUI thread cost while the run trained: CPU seconds it used
                         // (event handling, chart layout and painting), and over what wall time.
                         {"training_wall_seconds", double(state->sinceTraining.nsecsElapsed()) / 1e9},
                         {"gui_thread_cpu_seconds", threadCpuSeconds() - state->guiCpuAtStart}};
                     std::printf("%s\n", report.dump().c_str());
                     std::fflush(stdout);
                     QCoreApplication::exit(event.status == ft::run::FinishStatus::Completed ? 0 : 1);
                   });
  driver->start();
}

}  // namespace

int main(int argc, char* argv[]) {
  MeteredApplication app(argc, argv);
  // Settings of its own: a benchmark must not change the user's studio.
  QCoreApplication::setOrganizationName(QStringLiteral("FineTuneStudio"));
  QCoreApplication::setApplicationName(QStringLiteral("FineTune Studio Bench"));
  ft::ui::registerEventTypes();
  ft::ui::applyLanguage(QString::fromLatin1(ft::ui::kEnglish));

  QCommandLineParser parser;
  parser.setApplicationDescription(
      QStringLiteral("Benchmark: train the configuration CONFIG in the studio's window, print one "
                     "JSON line (event-loop stall, GUI thread CPU), quit."));
  parser.addHelpOption();
  parser.addPositionalArgument(QStringLiteral("CONFIG"), QStringLiteral("Run configuration (.json)"));
  parser.process(app);
  if (parser.positionalArguments().size() != 1) parser.showHelp(2);

  ft::config::RunConfig config;
  try {
    config = ft::config::loadConfigFile(parser.positionalArguments().front().toStdString());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "finetune-studio-bench: %s\n", e.what());
    return 1;
  }
  ft::ui::MainWindow window;
  window.show();
  startBenchRun(window, config);
  return app.exec();
}
