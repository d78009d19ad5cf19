#include "run/run_lock.h"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/error.h"

namespace ft::run {
namespace {

std::string lockPath(const std::string& dir) {
  return (std::filesystem::path(dir) / RunLock::fileName()).string();
}

// The holder's description, as it wrote it (bounded: the file is ours, but may be damaged).
std::string readHolder(int fd) {
  char text[256] = {};
  const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
  std::string holder = n > 0 ? std::string(text, std::size_t(n)) : std::string();
  while (!holder.empty() && (holder.back() == '\n' || holder.back() == '\0')) holder.pop_back();
  return holder.empty() ? "another process" : holder;
}

std::string describeThisProcess() {
  char host[128] = {};
  if (::gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "this machine");
  const std::time_t now = std::time(nullptr);
  char since[32] = {};
  std::tm local{};
  ::localtime_r(&now, &local);
  std::strftime(since, sizeof since, "%Y-%m-%d %H:%M:%S", &local);
  return "pid " + std::to_string(::getpid()) + " on " + host + ", since " + since;
}

}  // namespace

RunLock::RunLock(const std::string& dir) {
  const std::string path = lockPath(dir);
  m_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (m_fd < 0)
    throw UserError(path + ": cannot create the run's lock file (" + std::strerror(errno) +
                    "); check that the run folder is writable");
  if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    const std::string holder = error == EWOULDBLOCK ? readHolder(m_fd) : std::string();
    ::close(m_fd);
    m_fd = -1;
    if (error == EWOULDBLOCK)
      throw UserError(dir + ": this run is being trained by " + holder +
                      ". Two processes on one run would overwrite each other's checkpoints: wait for it "
                      "to finish, or stop it (Ctrl+C, or Stop in the studio), then resume");
    throw UserError(path + ": cannot lock the run folder (" + std::strerror(error) + ")");
  }
  const std::string holder = describeThisProcess() + "\n";
  if (::ftruncate(m_fd, 0) == 0) {
    [[maybe_unused]] const auto written = ::pwrite(m_fd, holder.data(), holder.size(), 0);
  }
}

RunLock::~RunLock() {
  if (m_fd >= 0) ::close(m_fd);  // closing releases the lock
}

std::optional<std::string> runLockHolder(const std::string& dir) {
  const int fd = ::open(lockPath(dir).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::optional<std::string> holder;
  if (::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK) holder = readHolder(fd);
  ::close(fd);
  return holder;
}

}  // namespace ft::run
