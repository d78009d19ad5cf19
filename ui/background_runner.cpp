#include "background_runner.h"

#include <algorithm>

namespace ft::ui {

BackgroundRunner::BackgroundRunner(QObject* parent) : QObject(parent) {}

BackgroundRunner::~BackgroundRunner() {
  // Work cannot be interrupted (a data scan, a timed batch); it is short, so wait for it.
  for (QThread* thread : m_threads) {
    thread->wait();
    delete thread;
  }
}

void BackgroundRunner::track(QThread* thread) {
  m_threads.push_back(thread);
  connect(
      thread, &QThread::finished, this,
      [this, thread] {
        m_threads.erase(std::remove(m_threads.begin(), m_threads.end(), thread), m_threads.end());
        thread->wait();
        delete thread;
      },
      Qt::QueuedConnection);
  if (m_pending++ == 0) Q_EMIT busyChanged(true);
  thread->start();
}

void BackgroundRunner::deliver(quint64 ticket, const std::function<void()>& callback) {
  if (--m_pending == 0) Q_EMIT busyChanged(false);
  if (ticket == m_latest) callback();
}

}  // namespace ft::ui
