#pragma once
// Owns the engine's Trainer on a worker QThread and turns its events into queued signals.
// The GUI thread never waits on training: commands are atomics inside the Trainer.
//
// Every start()/resumeRun() ends with exactly one finished() (Completed, Stopped or Failed,
// also when the run could not even begin). started() comes as soon as the run folder exists,
// before the first iteration (never for a run that fails before creating it; log lines about
// opening the data may precede it). Events reach the GUI thread in the order the engine
// produced them; bursts are coalesced into one queued call per event-loop turn.
#include <QObject>
#include <QString>
#include <memory>

#include "event_types.h"

class QThread;

namespace ft::ui {

class TrainingController : public QObject {
  Q_OBJECT
 public:
  explicit TrainingController(QObject* parent = nullptr);
  ~TrainingController() override;  // stops a running training cleanly (checkpoint kept)

  bool isRunning() const;
  bool isPaused() const;
  QString runDir() const;  // empty until the run folder exists

 public Q_SLOTS:
  void start(const ft::config::RunConfig& config);  // new run under config.output.runs_dir
  void resumeRun(const QString& runDir);            // continue from checkpoints/last.ckpt
  void pause();
  void resume();
  void stop();  // ends within one batch

 Q_SIGNALS:
  void started(const QString& runDir);
  void iteration(const ft::run::IterationEvent& event);
  void epochFinished(const ft::run::EpochEvent& event);
  void phaseChanged(const ft::run::PhaseEvent& event);
  void logLine(const ft::run::LogEvent& event);
  void finished(const ft::run::FinishedEvent& event);
  void pausedChanged(bool paused);
  // true right after start()/resumeRun() is accepted, false just before finished().
  void runningChanged(bool running);

 private:
  struct Worker;
  std::unique_ptr<Worker> m_worker;

  void launch(const ft::config::RunConfig* config, const QString& resumeDir);
  void drainEvents();  // GUI thread: emits what the worker queued, in order
};

}  // namespace ft::ui
