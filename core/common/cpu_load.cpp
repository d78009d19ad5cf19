#include "common/cpu_load.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include <sys/resource.h>
#include <unistd.h>

namespace ft {
namespace {

double wallSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Busy CPU seconds of the whole machine: the "cpu" line of /proc/stat without idle and iowait.
double allBusySeconds() {
  std::ifstream in("/proc/stat");
  std::string label;
  if (!(in >> label) || label != "cpu") return 0.0;
  double ticks[10] = {};
  for (double& t : ticks) in >> t;
  // user nice system idle iowait irq softirq steal (guest, guest_nice are inside user/nice)
  const double busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7];
  const long hz = ::sysconf(_SC_CLK_TCK);
  return hz > 0 ? busy / double(hz) : 0.0;
}

double selfCpuSeconds() {
  rusage usage{};
  if (::getrusage(RUSAGE_SELF, &usage) != 0) return 0.0;
  const auto seconds = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace

OtherCpuLoad::OtherCpuLoad()
    : m_wallStart(wallSeconds()), m_allCpuStart(allBusySeconds()), m_selfCpuStart(selfCpuSeconds()) {}

double OtherCpuLoad::busyCores() const {
  const double wall = wallSeconds() - m_wallStart;
  if (wall <= 0.0) return 0.0;
  const double others = (allBusySeconds() - m_allCpuStart) - (selfCpuSeconds() - m_selfCpuStart);
  return std::max(0.0, others / wall);
}

}  // namespace ft
