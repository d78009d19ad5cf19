#include "evaluation_loader.h"

#include "background_runner.h"
#include "common/error.h"

namespace ft::ui {

EvaluationLoader::EvaluationLoader(QObject* parent) : QObject(parent) {
  m_runner = new BackgroundRunner(this);
}

EvaluationLoader::~EvaluationLoader() {
  // An evaluation still running stops at its next batch; the runner then waits for it.
  if (m_cancel) m_cancel->store(true);
  delete m_runner;
}

void EvaluationLoader::abandon() {
  if (m_cancel) m_cancel->store(true);  // an evaluation of the other checkpoint stops
  m_runner->cancel();
  ++m_ticket;
}

void EvaluationLoader::cancel() {
  if (m_cancel) m_cancel->store(true);
}

void EvaluationLoader::load(const QString& runDir, const QString& which) {
  abandon();
  auto cancel = std::make_shared<std::atomic<bool>>(false);
  m_cancel = cancel;
  const quint64 ticket = m_ticket;
  m_runner->run<ft::api::EvaluationReport>(
      [this, runDir = runDir.toStdString(), which = which.toStdString(), cancel, ticket] {
        // The trainer stores both checkpoints' evaluations when a run completes; a stopped run
        // or an older folder has none yet.
        if (auto stored = ft::api::readEvaluation(runDir, which)) return *stored;
        if (cancel->load()) throw ft::UserError("cancelled");
        return ft::api::evaluateRun(runDir, which,
                                    [this, cancel, ticket](std::int64_t done, std::int64_t total) {
                                      if (cancel->load()) return false;
                                      QMetaObject::invokeMethod(
                                          this,
                                          [this, ticket, done, total] {
                                            if (ticket == m_ticket) Q_EMIT progress(done, total);
                                          },
                                          Qt::QueuedConnection);
                                      return true;
                                    });
      },
      [this](const ft::api::EvaluationReport& report) { Q_EMIT loaded(report); },
      [this, cancel](const QString& message) { Q_EMIT failed(message, cancel->load()); });
}

}  // namespace ft::ui
