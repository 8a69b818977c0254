#include "tests/bench/process_stats.h"

#include <time.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libplan/util/status_macros.h"

namespace prevent::plan::bench {

absl::StatusOr<absl::Duration> CpuTime(pid_t pid) {
  clockid_t clock;
  if (const int error = clock_getcpuclockid(pid, &clock); error != 0) {
    return absl::InternalError(
        absl::StrCat("clock_getcpuclockid(", pid, "): ", strerror(error)));
  }
  timespec now;
  if (clock_gettime(clock, &now) != 0) {
    return absl::InternalError(
        absl::StrCat("CPU clock of process ", pid, ": ", strerror(errno)));
  }
  return absl::DurationFromTimespec(now);
}

absl::StatusOr<int64_t> ProcStatus(pid_t pid, absl::string_view field) {
  const std::string path = absl::StrCat("/proc/", pid, "/status");
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!absl::StartsWith(line, absl::StrCat(field, ":"))) continue;
    std::vector<absl::string_view> parts =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    int64_t value = 0;
    if (parts.size() >= 2 && absl::SimpleAtoi(parts[1], &value)) return value;
  }
  return absl::InternalError(absl::StrCat("no ", field, " in ", path));
}

absl::StatusOr<double> PeakRssMb(pid_t pid) {
  ASSIGN_OR_RETURN(const int64_t kb, ProcStatus(pid, "VmHWM"));
  return kb / 1024.0;
}

absl::StatusOr<bool> WaitIdle(const std::vector<pid_t>& pids,
                              absl::Duration at_most) {
  const absl::Duration window = absl::Milliseconds(100);
  const absl::Time give_up = absl::Now() + at_most;
  while (absl::Now() < give_up) {
    std::vector<absl::Duration> before;
    for (pid_t pid : pids) {
      ASSIGN_OR_RETURN(absl::Duration ran, CpuTime(pid));
      before.push_back(ran);
    }
    absl::SleepFor(window);
    bool idle = true;
    for (size_t i = 0; i < pids.size(); ++i) {
      ASSIGN_OR_RETURN(absl::Duration ran, CpuTime(pids[i]));
      if (ran - before[i] > window / 50) idle = false;
    }
    if (idle) return true;
  }
  return false;
}

}  // namespace prevent::plan::bench
