#pragma once
// Runs slow engine calls (data scans, model summaries, timing batches) off the GUI thread and
// hands the result back on the owner's thread. Only the latest request's result is delivered:
// a newer request makes older ones stale. The destructor waits for work still running, so no
// thread outlives the page that asked for it.
#include <QObject>
#include <QString>
#include <QThread>
#include <exception>
#include <functional>
#include <vector>

#include "common/error.h"

namespace ft::ui {

class BackgroundRunner : public QObject {
  Q_OBJECT
 public:
  explicit BackgroundRunner(QObject* parent = nullptr);
  ~BackgroundRunner() override;

  // work() runs on a new thread; onResult or onError (the ft::UserError text, or a generic
  // message for anything else) runs later on this object's thread, unless a newer run() or
  // cancel() came in between.
  template <class Result>
  void run(std::function<Result()> work, std::function<void(const Result&)> onResult,
           std::function<void(const QString&)> onError);
  void cancel() { ++m_latest; }
  bool isBusy() const { return m_pending > 0; }

 Q_SIGNALS:
  void busyChanged(bool busy);

 private:
  void track(QThread* thread);
  void deliver(quint64 ticket, const std::function<void()>& callback);

  std::vector<QThread*> m_threads;
  quint64 m_latest = 0;
  int m_pending = 0;
};

template <class Result>
void BackgroundRunner::run(std::function<Result()> work, std::function<void(const Result&)> onResult,
                           std::function<void(const QString&)> onError) {
  const quint64 ticket = ++m_latest;
  QThread* thread = QThread::create([this, ticket, work, onResult, onError] {
    std::function<void()> callback;
    try {
      Result result = work();
      callback = [onResult, result] { onResult(result); };
    } catch (const ft::UserError& e) {
      callback = [onError, message = QString::fromStdString(e.what())] { onError(message); };
    } catch (const std::exception& e) {
      callback = [onError, message = QString::fromStdString(e.what())] { onError(message); };
    }
    QMetaObject::invokeMethod(
        this, [this, ticket, callback] { deliver(ticket, callback); }, Qt::QueuedConnection);
  });
  track(thread);
}

}  // namespace ft::ui
