#include "distributed/launcher.h"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/error.h"

namespace ft::distributed {
namespace {

volatile std::sig_atomic_t g_signal = 0;
void onSignal(int signal) { g_signal = signal; }

int freeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    throw UserError(std::string("cannot open a socket for the rendezvous: ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0;
  ::close(fd);
  if (!ok) throw UserError("no free TCP port on 127.0.0.1 for the rendezvous; give one with --master-port");
  return ntohs(address.sin_port);
}

std::string statusText(int status) {
  if (WIFSIGNALED(status))
    return std::string("was killed by signal ") + std::to_string(WTERMSIG(status)) + " (" +
           strsignal(WTERMSIG(status)) + ")";
  return "exited with status " + std::to_string(WEXITSTATUS(status));
}

int exitCode(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

}  // namespace

int launchLocalRanks(const std::vector<std::string>& arguments, const LaunchOptions& options) {
  if (options.processes < 1 || options.processes > 256)
    throw UserError("--nproc " + std::to_string(options.processes) + ": give 1 to 256 processes");
  const int port = options.masterPort > 0 ? options.masterPort : freeLoopbackPort();
  std::vector<pid_t> pids(options.processes, -1);
  std::vector<int> statuses(options.processes, 0);
  std::vector<bool> running(options.processes, false);

  struct sigaction action {
  }, oldInt{}, oldTerm{}, oldHup{};
  action.sa_handler = onSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &oldInt);
  sigaction(SIGTERM, &action, &oldTerm);
  sigaction(SIGHUP, &action, &oldHup);

  for (int rank = 0; rank < options.processes; ++rank) {
    const pid_t pid = ::fork();
    if (pid < 0)
      throw UserError(std::string("cannot start rank ") + std::to_string(rank) + ": " + std::strerror(errno));
    if (pid == 0) {
      ::setenv("RANK", std::to_string(rank).c_str(), 1);
      ::setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
      ::setenv("WORLD_SIZE", std::to_string(options.processes).c_str(), 1);
      ::setenv("MASTER_ADDR", "127.0.0.1", 1);
      ::setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
      ::setenv("FINETUNE_DIST_TIMEOUT", std::to_string(options.timeoutSeconds).c_str(), 1);
      ::setenv("FINETUNE_LAUNCHER", "finetune-cli --nproc", 1);
      ::unsetenv("TORCHELASTIC_RUN_ID");
      ::unsetenv("TORCHELASTIC_RESTART_COUNT");
      if (rank > 0 && options.quietOtherRanks) {
        const int null = ::open("/dev/null", O_WRONLY);
        if (null >= 0) ::dup2(null, STDOUT_FILENO);
      }
      std::vector<char*> argv;
      std::vector<std::string> copy = arguments;
      for (auto& a : copy) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv("/proc/self/exe", argv.data());
      std::fprintf(stderr, "rank %d: cannot start %s: %s\n", rank,
                   arguments.empty() ? "" : arguments[0].c_str(), std::strerror(errno));
      ::_exit(127);
    }
    pids[rank] = pid;
    running[rank] = true;
  }

  int left = options.processes, failedRank = -1;
  bool forwarded = false;
  auto deadline = std::chrono::steady_clock::time_point::max();
  bool terminated = false;
  while (left > 0) {
    if (g_signal != 0 && !forwarded) {  // Ctrl+C: every rank stops at the same batch, with a checkpoint
      for (int r = 0; r < options.processes; ++r)
        if (running[r]) ::kill(pids[r], SIGTERM);
      forwarded = true;
    }
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      for (int r = 0; r < options.processes; ++r) {
        if (pids[r] != pid) continue;
        running[r] = false;
        statuses[r] = status;
        --left;
        const bool failed =
            !(WIFEXITED(status) && (WEXITSTATUS(status) == 0 || (forwarded && WEXITSTATUS(status) == 130)));
        if (failed && failedRank < 0) {
          failedRank = r;
          std::fprintf(stderr, "finetune-cli: rank %d of %d %s; the other ranks end within %d s\n", r,
                       options.processes, statusText(status).c_str(), options.timeoutSeconds);
          deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.timeoutSeconds + 10);
        }
      }
      continue;
    }
    if (pid < 0 && errno != EINTR) break;
    if (!terminated && std::chrono::steady_clock::now() > deadline) {
      for (int r = 0; r < options.processes; ++r)
        if (running[r]) ::kill(pids[r], SIGKILL);
      terminated = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  sigaction(SIGINT, &oldInt, nullptr);
  sigaction(SIGTERM, &oldTerm, nullptr);
  sigaction(SIGHUP, &oldHup, nullptr);
  if (failedRank >= 0) {
    std::fprintf(
        stderr,
        "finetune-cli: the run failed on rank %d (see its message above); checkpoints written before "
        "are kept: resume it with `finetune-cli resume RUN_DIR --nproc %d`\n",
        failedRank, options.processes);
    const int code = exitCode(statuses[failedRank]);
    return code == 0 ? 1 : code;
  }
  return exitCode(statuses[0]);
}

}  // namespace ft::distributed
