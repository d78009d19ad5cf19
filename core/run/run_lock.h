#pragma once
// One writer per run folder: the process that trains a run holds an exclusive flock(2) on its
// run.lock (written with who holds it) until it ends; the kernel releases it when the process
// dies, however it dies, so a lock is never stale. Torch-free.
#include <optional>
#include <string>

namespace ft::run {

class RunLock {
 public:
  // Takes the lock of the run folder `dir`, or throws ft::UserError naming the folder, the
  // process that holds it (pid, host, since when) and what to do.
  explicit RunLock(const std::string& dir);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

  static const char* fileName() { return "run.lock"; }

 private:
  int m_fd = -1;
};

// Who holds the lock of `dir` ("pid 1234 on host, since 2026-12-03 10:22:05"), or nothing when
// no process does. For the studio and the CLI to say so before they try.
std::optional<std::string> runLockHolder(const std::string& dir);

}  // namespace ft::run
