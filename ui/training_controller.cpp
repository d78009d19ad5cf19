#include "training_controller.h"

#include <QMetaObject>
#include <QThread>

#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "common/error.h"
#include "api/training_api.h"

namespace ft::ui {
namespace {

using run::EpochEvent;
using run::FinishedEvent;
using run::FinishStatus;
using run::IterationEvent;
using run::LogEvent;
using run::LogLevel;
using run::PhaseEvent;

struct StartedNote {
  std::string runDir;
};
struct DoneNote {
  FinishedEvent event;
};
using QueuedEvent = std::variant<StartedNote, IterationEvent, EpochEvent, PhaseEvent, LogEvent, DoneNote>;

// At most this many events are emitted per queued call, so a burst never holds the GUI
// thread for long; the rest follow in the next event-loop turn.
constexpr std::size_t kMaxEventsPerDrain = 256;

// Worker -> GUI: the engine's events in order. One queued drain call is pending at most,
// however fast the trainer produces events (qBittorrent's invokeMethod idea, coalesced).
struct EventChannel {
  std::mutex mutex;
  std::deque<QueuedEvent> events;
  bool drainPosted = false;
};

// GUI -> worker: the Trainer of the run in progress, and commands given before it existed.
struct ControlBlock {
  std::mutex mutex;
  api::Trainer* trainer = nullptr;
  bool stopRequested = false;
  bool pauseRequested = false;
};

// Turns TrainingObserver callbacks (worker thread) into queued events. started() needs the
// run folder, which Trainer::runDir() knows once the engine has created or opened it; asking
// from the worker thread itself is race-free, so every callback checks it until it is known.
class ObserverAdapter final : public api::TrainingObserver {
 public:
  explicit ObserverAdapter(std::function<void(QueuedEvent)> post) : m_post(std::move(post)) {}
  void setTrainer(const api::Trainer* trainer) { m_trainer = trainer; }
  bool announced() const { return m_announced; }

  void onIteration(const IterationEvent& e) override { forward(e); }
  void onEpoch(const EpochEvent& e) override { forward(e); }
  void onPhase(const PhaseEvent& e) override { forward(e); }
  void onLog(const LogEvent& e) override { forward(e); }
  // The job posts the FinishedEvent itself once run() has returned and the Trainer is gone,
  // so finished() means "the controller is idle again".
  void onFinished(const FinishedEvent&) override { announce(); }

 private:
  template <typename Event>
  void forward(const Event& e) {
    announce();
    m_post(e);
  }
  void announce() {
    if (m_announced || !m_trainer) return;
    std::string dir = m_trainer->runDir();
    if (dir.empty()) return;
    m_announced = true;
    m_post(StartedNote{std::move(dir)});
  }

  std::function<void(QueuedEvent)> m_post;
  const api::Trainer* m_trainer = nullptr;
  bool m_announced = false;
};

// Clears the control block's Trainer pointer however run() ends.
struct TrainerRegistration {
  ControlBlock& control;
  TrainerRegistration(ControlBlock& c, api::Trainer* trainer) : control(c) {
    std::lock_guard<std::mutex> lock(control.mutex);
    control.trainer = trainer;
    if (control.stopRequested) trainer->requestStop();
    if (control.pauseRequested) trainer->pause();
  }
  ~TrainerRegistration() {
    std::lock_guard<std::mutex> lock(control.mutex);
    control.trainer = nullptr;
  }
};

FinishedEvent failedEvent(const std::string& message, const std::string& runDir) {
  FinishedEvent event;
  event.status = FinishStatus::Failed;
  event.message = message;
  event.runDir = runDir;
  return event;
}

// quit(), wait(), delete: a QThread must never be destroyed while it runs.
struct ThreadDeleter {
  void operator()(QThread* thread) const {
    thread->quit();
    thread->wait();
    delete thread;
  }
};

}  // namespace

struct TrainingController::Worker {
  std::shared_ptr<EventChannel> channel = std::make_shared<EventChannel>();
  std::shared_ptr<ControlBlock> control;
  bool running = false;
  bool paused = false;
  QString runDir;
  // Declared before the thread, so it is deleted after the thread has finished.
  std::unique_ptr<QObject> jobContext;
  std::unique_ptr<QThread, ThreadDeleter> thread;
};

TrainingController::TrainingController(QObject* parent)
    : QObject(parent), m_worker(std::make_unique<Worker>()) {
  registerEventTypes();
  m_worker->jobContext = std::make_unique<QObject>();
  m_worker->thread.reset(new QThread);
  m_worker->thread->setObjectName(QStringLiteral("training"));
  m_worker->jobContext->moveToThread(m_worker->thread.get());
  m_worker->thread->start();
}

TrainingController::~TrainingController() {
  stop();
  // The thread deleter waits for run() to return: the engine stops before its next batch and
  // saves checkpoints/last.ckpt. Events still queued for this object are dropped with it.
  m_worker->thread.reset();
  m_worker->jobContext.reset();
}

bool TrainingController::isRunning() const { return m_worker->running; }
bool TrainingController::isPaused() const { return m_worker->paused; }
QString TrainingController::runDir() const { return m_worker->runDir; }

void TrainingController::start(const ft::config::RunConfig& config) { launch(&config, QString()); }

void TrainingController::resumeRun(const QString& runDir) { launch(nullptr, runDir); }

void TrainingController::launch(const ft::config::RunConfig* config, const QString& resumeDir) {
  if (m_worker->running) {
    Q_EMIT logLine({LogLevel::Warning,
                    tr("A training is already running; stop it before starting another.").toStdString()});
    return;
  }
  m_worker->running = true;
  m_worker->paused = false;
  m_worker->runDir.clear();
  auto control = std::make_shared<ControlBlock>();
  m_worker->control = control;
  Q_EMIT runningChanged(true);

  auto channel = m_worker->channel;
  TrainingController* self = this;
  auto post = [channel, self](QueuedEvent event) {
    std::lock_guard<std::mutex> lock(channel->mutex);
    channel->events.push_back(std::move(event));
    if (channel->drainPosted) return;
    channel->drainPosted = true;
    QMetaObject::invokeMethod(
        self, [self] { self->drainEvents(); }, Qt::QueuedConnection);
  };

  std::optional<config::RunConfig> newRun;
  if (config) newRun = *config;
  const std::string resumeFrom = resumeDir.toStdString();

  QMetaObject::invokeMethod(
      m_worker->jobContext.get(),
      [post, control, newRun, resumeFrom] {
        ObserverAdapter observer(post);
        FinishedEvent result;
        try {
          bool stoppedEarly = false;
          {
            std::lock_guard<std::mutex> lock(control->mutex);
            stoppedEarly = control->stopRequested;
          }
          if (stoppedEarly) {
            result.status = FinishStatus::Stopped;
            result.message = TrainingController::tr("stopped before the run began").toStdString();
            result.runDir = resumeFrom;
          } else {
            std::unique_ptr<api::Trainer> trainer = newRun
                                                        ? std::make_unique<api::Trainer>(*newRun, &observer)
                                                        : api::Trainer::resumeFrom(resumeFrom, &observer);
            observer.setTrainer(trainer.get());
            {
              TrainerRegistration registration(*control, trainer.get());
              result = trainer->run();
            }
            trainer.reset();  // data loader threads end here, on the worker thread
          }
        } catch (const UserError& e) {
          // Trainer::resumeFrom throws before a run exists (not a run folder, no checkpoint).
          post(LogEvent{LogLevel::Error, e.what()});
          result = failedEvent(e.what(), resumeFrom);
        } catch (const std::exception& e) {
          const std::string message = "unexpected error: " + std::string(e.what());
          post(LogEvent{LogLevel::Error, message});
          result = failedEvent(message, resumeFrom);
        }
        post(DoneNote{result});
      },
      Qt::QueuedConnection);
}

void TrainingController::drainEvents() {
  std::deque<QueuedEvent> batch;
  auto& channel = *m_worker->channel;
  {
    std::lock_guard<std::mutex> lock(channel.mutex);
    const std::size_t take = std::min(kMaxEventsPerDrain, channel.events.size());
    for (std::size_t i = 0; i < take; ++i) {
      batch.push_back(std::move(channel.events.front()));
      channel.events.pop_front();
    }
    if (channel.events.empty()) {
      channel.drainPosted = false;
    } else {
      QMetaObject::invokeMethod(
          this, [this] { drainEvents(); }, Qt::QueuedConnection);
    }
  }

  for (auto& queued : batch) {
    if (auto* e = std::get_if<IterationEvent>(&queued)) {
      Q_EMIT iteration(*e);
    } else if (auto* e = std::get_if<EpochEvent>(&queued)) {
      Q_EMIT epochFinished(*e);
    } else if (auto* e = std::get_if<PhaseEvent>(&queued)) {
      Q_EMIT phaseChanged(*e);
    } else if (auto* e = std::get_if<LogEvent>(&queued)) {
      Q_EMIT logLine(*e);
    } else if (auto* e = std::get_if<StartedNote>(&queued)) {
      m_worker->runDir = QString::fromStdString(e->runDir);
      Q_EMIT started(m_worker->runDir);
    } else if (auto* e = std::get_if<DoneNote>(&queued)) {
      m_worker->running = false;
      m_worker->control.reset();
      if (m_worker->runDir.isEmpty() && !e->event.runDir.empty())
        m_worker->runDir = QString::fromStdString(e->event.runDir);
      if (m_worker->paused) {
        m_worker->paused = false;
        Q_EMIT pausedChanged(false);
      }
      Q_EMIT runningChanged(false);
      Q_EMIT finished(e->event);
    }
  }
}

void TrainingController::pause() {
  if (!m_worker->running || m_worker->paused) return;
  {
    std::lock_guard<std::mutex> lock(m_worker->control->mutex);
    if (m_worker->control->stopRequested) return;
    m_worker->control->pauseRequested = true;
    if (m_worker->control->trainer) m_worker->control->trainer->pause();
  }
  m_worker->paused = true;
  Q_EMIT pausedChanged(true);
}

void TrainingController::resume() {
  if (!m_worker->running || !m_worker->paused) return;
  {
    std::lock_guard<std::mutex> lock(m_worker->control->mutex);
    m_worker->control->pauseRequested = false;
    if (m_worker->control->trainer) m_worker->control->trainer->resume();
  }
  m_worker->paused = false;
  Q_EMIT pausedChanged(false);
}

void TrainingController::stop() {
  if (!m_worker->running || !m_worker->control) return;
  {
    std::lock_guard<std::mutex> lock(m_worker->control->mutex);
    m_worker->control->stopRequested = true;
    m_worker->control->pauseRequested = false;
    if (auto* trainer = m_worker->control->trainer) {
      trainer->requestStop();
      // Trainer::requestStop() notifies the pause condition without taking its mutex, so a
      // paused worker could miss that wake-up; resume() takes the mutex, then notifies.
      trainer->resume();
    }
  }
  if (m_worker->paused) {
    m_worker->paused = false;
    Q_EMIT pausedChanged(false);
  }
}

}  // namespace ft::ui
