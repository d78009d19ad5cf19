// TrainingController with real (tiny) training runs: events, stop, pause, failures, and the
// GUI event loop's responsiveness while the dashboard draws.
#include <QElapsedTimer>
#include <QPushButton>
#include <QSignalSpy>
#include <QTimer>
#include <QtTest>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "dashboard_page.h"
#include "event_types.h"
#include "test_support.h"
#include "tiny_run.h"
#include "ui_test_support.h"
#include "training_controller.h"

namespace fs = std::filesystem;
using ft::run::FinishedEvent;
using ft::run::FinishStatus;
using ft::run::IterationEvent;
using ft::run::Phase;
using ft::run::PhaseEvent;
using ft::ui::TrainingController;

namespace {

constexpr int kTrainImages = 96;
constexpr int kBatch = 32;
constexpr int kBatchesPerEpoch = kTrainImages / kBatch;
constexpr int kRunTimeoutMs = 180000;

FinishedEvent finishedAt(const QSignalSpy& spy, int index = 0) {
  return spy.at(index).at(0).value<FinishedEvent>();
}

}  // namespace

class ControllerTest final : public QObject {
  Q_OBJECT

 private:
  ft::test::TempDir m_dir{"ui-controller"};
  int m_runCounter = 0;

  ft::config::RunConfig tinyConfig(const std::string& name, int epochs = 2) {
    // Run folders are named by the second: a counter keeps quick successive runs apart.
    auto c = ft::test::tinyRunConfig(m_dir.path(), name + "-" + std::to_string(++m_runCounter));
    c.train.epochs = epochs;
    c.train.batchSize = kBatch;
    c.train.evalBatchSize = 48;
    c.train.workers = 1;
    return c;
  }

 private Q_SLOTS:
  void initTestCase() {
    ft::ui::registerEventTypes();
    ft::test::writeSyntheticIdx(m_dir / "data", kTrainImages, 48);
  }

  void twoEpochRunReportsEverything() {
    TrainingController controller;
    QSignalSpy startedSpy(&controller, &TrainingController::started);
    QSignalSpy iterationSpy(&controller, &TrainingController::iteration);
    QSignalSpy epochSpy(&controller, &TrainingController::epochFinished);
    QSignalSpy phaseSpy(&controller, &TrainingController::phaseChanged);
    QSignalSpy logSpy(&controller, &TrainingController::logLine);
    QSignalSpy finishedSpy(&controller, &TrainingController::finished);
    QSignalSpy runningSpy(&controller, &TrainingController::runningChanged);

    // Order of arrival: started must precede every iteration.
    std::vector<char> order;
    connect(&controller, &TrainingController::started, this, [&] { order.push_back('s'); });
    connect(&controller, &TrainingController::iteration, this, [&] { order.push_back('i'); });
    connect(&controller, &TrainingController::finished, this, [&] { order.push_back('f'); });

    QVERIFY(!controller.isRunning());
    controller.start(tinyConfig("complete"));
    QVERIFY(controller.isRunning());
    QVERIFY(!controller.isPaused());
    QTRY_COMPARE_WITH_TIMEOUT(finishedSpy.count(), 1, kRunTimeoutMs);
    QVERIFY(!controller.isRunning());

    const FinishedEvent done = finishedAt(finishedSpy);
    QCOMPARE(int(done.status), int(FinishStatus::Completed));
    QCOMPARE(done.epochsCompleted, 2);

    QCOMPARE(startedSpy.count(), 1);
    const QString runDir = startedSpy.at(0).at(0).toString();
    QVERIFY(!runDir.isEmpty());
    QCOMPARE(controller.runDir(), runDir);
    QCOMPARE(QString::fromStdString(done.runDir), runDir);
    QVERIFY(fs::exists(fs::path(runDir.toStdString()) / "checkpoints" / "last.ckpt"));

    QCOMPARE(iterationSpy.count(), 2 * kBatchesPerEpoch);
    for (int i = 0; i < iterationSpy.count(); ++i) {
      const auto e = iterationSpy.at(i).at(0).value<IterationEvent>();
      QCOMPARE(e.iteration, std::int64_t(i + 1));
      QCOMPARE(e.batchesPerEpoch, std::int64_t(kBatchesPerEpoch));
      QCOMPARE(e.epoch, i / kBatchesPerEpoch);
    }
    QCOMPARE(epochSpy.count(), 2);
    QCOMPARE(phaseSpy.count(), 2);
    const auto frozen = phaseSpy.at(0).at(0).value<PhaseEvent>();
    const auto unfrozen = phaseSpy.at(1).at(0).value<PhaseEvent>();
    QCOMPARE(int(frozen.phase), int(Phase::Frozen));
    QCOMPARE(frozen.epoch, 0);
    QCOMPARE(int(unfrozen.phase), int(Phase::Unfrozen));
    QCOMPARE(unfrozen.epoch, 1);
    QVERIFY(logSpy.count() > 0);

    QVERIFY(!order.empty());
    QCOMPARE(order.front(), 's');
    QCOMPARE(order.back(), 'f');
    QCOMPARE(runningSpy.count(), 2);
    QCOMPARE(runningSpy.at(0).at(0).toBool(), true);
    QCOMPARE(runningSpy.at(1).at(0).toBool(), false);

    // finished() exactly once.
    QTest::qWait(300);
    QCOMPARE(finishedSpy.count(), 1);
  }

  void stopEndsWithinOneBatchAndResumes() {
    TrainingController controller;
    QSignalSpy finishedSpy(&controller, &TrainingController::finished);
    int iterations = 0;
    int atStop = -1;
    connect(&controller, &TrainingController::iteration, this, [&](const IterationEvent&) {
      ++iterations;
      if (atStop < 0) {
        atStop = iterations;
        controller.stop();
      }
    });
    controller.start(tinyConfig("stop"));
    QTRY_COMPARE_WITH_TIMEOUT(finishedSpy.count(), 1, kRunTimeoutMs);
    const FinishedEvent stopped = finishedAt(finishedSpy);
    QCOMPARE(int(stopped.status), int(FinishStatus::Stopped));
    QCOMPARE(stopped.epochsCompleted, 0);
    QVERIFY2(iterations - atStop <= 1,
             qPrintable(QStringLiteral("%1 iterations after stop()").arg(iterations - atStop)));
    const QString runDir = controller.runDir();
    QVERIFY(fs::exists(fs::path(runDir.toStdString()) / "checkpoints" / "last.ckpt"));
    QVERIFY(!controller.isRunning());

    // Resuming completes the run where the uninterrupted one would have ended.
    QSignalSpy startedSpy(&controller, &TrainingController::started);
    controller.resumeRun(runDir);
    QTRY_COMPARE_WITH_TIMEOUT(finishedSpy.count(), 2, kRunTimeoutMs);
    const FinishedEvent resumed = finishedAt(finishedSpy, 1);
    QCOMPARE(int(resumed.status), int(FinishStatus::Completed));
    QCOMPARE(resumed.epochsCompleted, 2);
    QCOMPARE(iterations, 2 * kBatchesPerEpoch);  // no batch trained twice, none skipped
    QCOMPARE(startedSpy.count(), 1);
    QCOMPARE(startedSpy.at(0).at(0).toString(), runDir);
  }

  void pauseHoldsThenResumeCompletes() {
    TrainingController controller;
    QSignalSpy finishedSpy(&controller, &TrainingController::finished);
    QSignalSpy pausedSpy(&controller, &TrainingController::pausedChanged);
    int iterations = 0;
    connect(&controller, &TrainingController::iteration, this, [&](const IterationEvent&) {
      if (++iterations == 1) controller.pause();
    });
    // The engine logs "Paused" when its worker actually stops before the next batch; events
    // arrive in order, so every iteration done before the pause has arrived by then.
    bool workerPaused = false;
    connect(&controller, &TrainingController::logLine, this, [&](const ft::run::LogEvent& e) {
      if (e.message == "Paused") workerPaused = true;
    });
    controller.start(tinyConfig("pause"));
    QTRY_VERIFY_WITH_TIMEOUT(iterations >= 1, kRunTimeoutMs);
    QVERIFY(controller.isPaused());
    QCOMPARE(pausedSpy.count(), 1);
    QCOMPARE(pausedSpy.at(0).at(0).toBool(), true);

    QTRY_VERIFY_WITH_TIMEOUT(workerPaused, kRunTimeoutMs);  // a batch under way may finish first
    const int held = iterations;
    QVERIFY(held <= 2);
    QTest::qWait(1500);
    QCOMPARE(iterations, held);
    QCOMPARE(finishedSpy.count(), 0);
    QVERIFY(controller.isRunning());

    controller.resume();
    QVERIFY(!controller.isPaused());
    QTRY_COMPARE_WITH_TIMEOUT(finishedSpy.count(), 1, kRunTimeoutMs);
    QCOMPARE(int(finishedAt(finishedSpy).status), int(FinishStatus::Completed));
    QCOMPARE(iterations, 2 * kBatchesPerEpoch);
    QCOMPARE(pausedSpy.count(), 2);
  }

  void stopWhilePausedEnds() {
    TrainingController controller;
    QSignalSpy finishedSpy(&controller, &TrainingController::finished);
    int iterations = 0;
    connect(&controller, &TrainingController::iteration, this, [&](const IterationEvent&) {
      if (++iterations == 1) controller.pause();
    });
    controller.start(tinyConfig("pause-stop"));
    QTRY_VERIFY_WITH_TIMEOUT(iterations >= 1, kRunTimeoutMs);
    QTest::qWait(400);
    controller.stop();
    QVERIFY(!controller.isPaused());
    QTRY_COMPARE_WITH_TIMEOUT(finishedSpy.count(), 1, 30000);
    QCOMPARE(int(finishedAt(finishedSpy).status), int(FinishStatus::Stopped));
  }

  void badDataPathFailsThenStartsAgain() {
    TrainingController controller;
    QSignalSpy startedSpy(&controller, &TrainingController::started);
    QSignalSpy finishedSpy(&controller, &TrainingController::finished);
    auto bad = tinyConfig("bad");
    bad.data.path = (m_dir / "no-such-data").string();
    controller.start(bad);
    QTRY_COMPARE_WITH_TIMEOUT(finishedSpy.count(), 1, 60000);
    const FinishedEvent failed = finishedAt(finishedSpy);
    QCOMPARE(int(failed.status), int(FinishStatus::Failed));
    QVERIFY2(failed.message.find(bad.data.path) != std::string::npos, failed.message.c_str());
    QCOMPARE(startedSpy.count(), 0);  // nothing was created
    QVERIFY(!controller.isRunning());

    // Resuming something that is not a run folder fails at once, without a hang.
    const QString notARun = QString::fromStdString((m_dir / "not-a-run").string());
    controller.resumeRun(notARun);
    QTRY_COMPARE_WITH_TIMEOUT(finishedSpy.count(), 2, 30000);
    const FinishedEvent notResumed = finishedAt(finishedSpy, 1);
    QCOMPARE(int(notResumed.status), int(FinishStatus::Failed));
    QVERIFY2(notResumed.message.find(notARun.toStdString()) != std::string::npos, notResumed.message.c_str());
    QVERIFY(!controller.isRunning());

    controller.start(tinyConfig("after-failure", 1));
    QTRY_COMPARE_WITH_TIMEOUT(finishedSpy.count(), 3, kRunTimeoutMs);
    QCOMPARE(int(finishedAt(finishedSpy, 2).status), int(FinishStatus::Completed));
    QCOMPARE(startedSpy.count(), 1);
  }

  void secondStartWhileRunningIsRefused() {
    TrainingController controller;
    QSignalSpy finishedSpy(&controller, &TrainingController::finished);
    QSignalSpy logSpy(&controller, &TrainingController::logLine);
    controller.start(tinyConfig("busy", 1));
    controller.start(tinyConfig("busy-again", 1));
    QCOMPARE(logSpy.count(), 1);  // the refusal, at once
    QCOMPARE(int(logSpy.at(0).at(0).value<ft::run::LogEvent>().level), int(ft::run::LogLevel::Warning));
    controller.stop();
    QTRY_COMPARE_WITH_TIMEOUT(finishedSpy.count(), 1, kRunTimeoutMs);
    QTest::qWait(200);
    QCOMPARE(finishedSpy.count(), 1);
  }

  void destroyingWhileRunningKeepsCheckpoint() {
    auto controller = std::make_unique<TrainingController>();
    QString runDir;
    int iterations = 0;
    connect(controller.get(), &TrainingController::started, this, [&](const QString& dir) { runDir = dir; });
    connect(controller.get(), &TrainingController::iteration, this,
            [&](const IterationEvent&) { ++iterations; });
    controller->start(tinyConfig("destroy"));
    QTRY_VERIFY_WITH_TIMEOUT(iterations >= 1, kRunTimeoutMs);
    QElapsedTimer clock;
    clock.start();
    controller.reset();
    qInfo("destroying a running controller took %lld ms", clock.elapsed());
    QVERIFY(clock.elapsed() < 30000);
    QVERIFY(!runDir.isEmpty());
    QVERIFY(fs::exists(fs::path(runDir.toStdString()) / "checkpoints" / "last.ckpt"));
  }

  void dashboardButtonsDriveTheController() {
    TrainingController controller;
    ft::ui::DashboardPage dashboard;
    dashboard.attach(&controller);
    auto* pauseButton = dashboard.findChild<QPushButton*>(QStringLiteral("pauseButton"));
    auto* stopButton = dashboard.findChild<QPushButton*>(QStringLiteral("stopButton"));
    QVERIFY(pauseButton && stopButton);
    QVERIFY(!pauseButton->isEnabled());
    QVERIFY(!stopButton->isEnabled());

    QSignalSpy finishedSpy(&controller, &TrainingController::finished);
    int iterations = 0;
    connect(&controller, &TrainingController::iteration, this, [&](const IterationEvent&) {
      if (++iterations == 1) pauseButton->click();
    });
    controller.start(tinyConfig("buttons"));
    QVERIFY(pauseButton->isEnabled());
    QVERIFY(stopButton->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(iterations >= 1, kRunTimeoutMs);
    QVERIFY(controller.isPaused());
    QCOMPARE(pauseButton->text(), QStringLiteral("Resume"));
    pauseButton->click();
    QVERIFY(!controller.isPaused());
    QCOMPARE(pauseButton->text(), QStringLiteral("Pause"));
    stopButton->click();
    QTRY_COMPARE_WITH_TIMEOUT(finishedSpy.count(), 1, kRunTimeoutMs);
    QCOMPARE(int(finishedAt(finishedSpy).status), int(FinishStatus::Stopped));
    QVERIFY(!pauseButton->isEnabled());
    QVERIFY(!stopButton->isEnabled());
    QVERIFY2(dashboard.progressText().contains(QStringLiteral("Stopped")),
             qPrintable(dashboard.progressText()));
    QVERIFY(dashboard.logText().contains(QStringLiteral("Starting run in")));
  }

  void eventLoopStaysResponsiveWithDashboard() {
    TrainingController controller;
    ft::ui::DashboardPage dashboard;
    dashboard.attach(&controller);
    dashboard.resize(1280, 900);
    dashboard.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dashboard));

    QSignalSpy finishedSpy(&controller, &TrainingController::finished);
    // Small batches: more, faster iterations, so more events and redraws per second.
    auto config = tinyConfig("responsive", 3);
    config.train.batchSize = 8;
    dashboard.setTotalEpochs(config.train.epochs);

    // A 5 ms timer: the longest gap between its ticks is the longest stall of the GUI thread.
    ft::test::StallProbe probe;
    double longestFlushMs = 0.0;
    int flushes = dashboard.flushCount();
    QTimer flushWatch;
    flushWatch.setInterval(1);
    connect(&flushWatch, &QTimer::timeout, this, [&] {
      if (dashboard.flushCount() != flushes) {
        flushes = dashboard.flushCount();
        longestFlushMs = std::max(longestFlushMs, dashboard.lastFlushMilliseconds());
      }
    });

    probe.start();
    flushWatch.start();
    controller.start(config);
    QTRY_COMPARE_WITH_TIMEOUT(finishedSpy.count(), 1, kRunTimeoutMs);
    probe.stop();
    flushWatch.stop();
    QCOMPARE(int(finishedAt(finishedSpy).status), int(FinishStatus::Completed));
    const int batches = kTrainImages / 8;
    QCOMPARE(dashboard.iterationPointCount(), 3 * batches);
    QCOMPARE(dashboard.accuracyPointCount(), 3);
    QCOMPARE(dashboard.unfreezeMarkerEpoch(), 1.0);
    QCOMPARE(dashboard.unfreezeMarkerIteration(), double(batches));

    qInfo("event loop: %lld ticks over %.1f s, longest stall %.1f ms wall (%.1f ms GUI thread CPU "
          "in it), most GUI thread CPU between two ticks %.1f ms; longest dashboard flush %.2f ms",
          probe.ticks(), probe.seconds(), probe.longestStallMs(), probe.cpuInLongestStallMs(),
          probe.longestStallCpuMs(), longestFlushMs);
    // The GUI thread's own work in any one stall fits the budget; the wall-clock stall may in
    // addition wait for a core the training threads hold (ui_test_support.h).
    QVERIFY2(probe.longestStallCpuMs() < ft::test::kStallBudgetMs,
             qPrintable(QStringLiteral("GUI thread CPU in one stall %1 ms").arg(probe.longestStallCpuMs())));
    QVERIFY2(probe.longestStallMs() < ft::test::kStallBudgetMs * ft::test::kBusyMachineWallFactor,
             qPrintable(QStringLiteral("longest stall %1 ms").arg(probe.longestStallMs())));
  }
};

QTEST_MAIN(ControllerTest)
#include "controller_test.moc"
