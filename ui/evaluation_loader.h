#pragma once
// Loads a checkpoint's evaluation on the validation set off the GUI thread: the one the trainer
// stored in the run folder, or else api::evaluateRun with progress and Cancel. Only the latest
// request answers; an older one is cancelled at its next batch.
#include <QObject>
#include <QString>

#include <atomic>
#include <memory>

#include "api/results_api.h"

namespace ft::ui {

class BackgroundRunner;

class EvaluationLoader : public QObject {
  Q_OBJECT
 public:
  explicit EvaluationLoader(QObject* parent = nullptr);
  ~EvaluationLoader() override;  // cancels, then waits for the worker

  // Starts loading checkpoints/<which> of `runDir` ("best" | "last"), cancelling the previous.
  void load(const QString& runDir, const QString& which);
  // Stops the request under way (at its next batch): failed(..., cancelled = true) follows.
  void cancel();
  // Forgets the request under way without an answer.
  void abandon();
  bool isCancelling() const { return m_cancel && m_cancel->load(); }

 Q_SIGNALS:
  void progress(qint64 done, qint64 total);  // while evaluateRun works (not for a stored one)
  void loaded(const ft::api::EvaluationReport& report);
  void failed(const QString& message, bool cancelled);  // the engine's message, verbatim

 private:
  BackgroundRunner* m_runner = nullptr;
  std::shared_ptr<std::atomic<bool>> m_cancel;
  quint64 m_ticket = 0;
};

}  // namespace ft::ui
