// What plan-bench reads of the processes it measures (its own, the plan
// service's, the agents'): CPU time, /proc status fields and peak RSS, and
// waiting until they are idle.
//
//   ASSIGN_OR_RETURN(const bool idle, WaitIdle(pids, absl::Seconds(10)));
//   ASSIGN_OR_RETURN(const double mib, PeakRssMb(service_pid));
#ifndef PLAN_TESTS_BENCH_PROCESS_STATS_H_
#define PLAN_TESTS_BENCH_PROCESS_STATS_H_

#include <sys/types.h>

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace prevent::plan::bench {

// The CPU time process `pid` has used so far, to the nanosecond and
// including threads that have ended (its CPU-time clock; /proc/PID/stat
// counts 10 ms ticks, too coarse to tell idle from busy over 100 ms).
absl::StatusOr<absl::Duration> CpuTime(pid_t pid);

// The number in field `field` (VmHWM, VmRSS, Threads) of process `pid`'s
// /proc status: kB for the memory fields.
absl::StatusOr<int64_t> ProcStatus(pid_t pid, absl::string_view field);

// The peak resident set of process `pid` (VmHWM), in MiB: since it started,
// or since its /proc clear_refs was last written "5".
absl::StatusOr<double> PeakRssMb(pid_t pid);

// Waits until every process of `pids` is idle (ran under 2% of a CPU over
// 100 ms), for at most `at_most`: true when they were, false when they were
// still busy (then the caller measures anyway, and says so). Background work
// one phase leaves (RocksDB flushes and compactions) is then not charged to
// the next.
absl::StatusOr<bool> WaitIdle(const std::vector<pid_t>& pids,
                              absl::Duration at_most);

}  // namespace prevent::plan::bench

#endif  // PLAN_TESTS_BENCH_PROCESS_STATS_H_
