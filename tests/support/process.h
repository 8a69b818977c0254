// A child process owned by one object, for end-to-end tests of real binaries.
//
// ChildProcess starts a binary with posix_spawn, stdin from /dev/null and both
// stdout and stderr appended to a log file, and guarantees that the child does
// not outlive its owner: the destructor sends SIGKILL and reaps it if it is
// still running.
//
// Example:
//
//   absl::StatusOr<ChildProcess> child =
//       ChildProcess::Start("/usr/bin/sleep", {"10"}, "/tmp/sleep.log");
//   ASSERT_TRUE(child.ok()) << child.status();
//   ASSERT_TRUE(child->Kill(SIGTERM).ok());
//   absl::StatusOr<int> status = child->Wait(absl::Seconds(5));
//   // *status == -SIGTERM
//
// Not thread-safe: use one ChildProcess from one thread at a time. Movable,
// not copyable; a moved-from ChildProcess owns no process.
#ifndef PLAN_TESTS_SUPPORT_PROCESS_H_
#define PLAN_TESTS_SUPPORT_PROCESS_H_

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace prevent::plan::test_support {

class ChildProcess {
 public:
  // Starts `binary` (a path; $PATH is not searched) with `args` as argv[1..]
  // and the environment of this process. The child's stdout and stderr are
  // appended to `log_path`, which is created (mode 0644) if absent. Returns
  // NOT_FOUND / PERMISSION_DENIED if `binary` is not an executable file, and
  // an error naming the binary if the log cannot be opened or the spawn fails.
  // Its stdin reads the file `stdin_path`.
  static absl::StatusOr<ChildProcess> Start(
      const std::string& binary, const std::vector<std::string>& args,
      const std::string& log_path, const std::string& stdin_path = "/dev/null");

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Kills the child with SIGKILL and reaps it if it has not been reaped yet.
  ~ChildProcess();

  // The child's process id; -1 for a moved-from object.
  pid_t pid() const { return pid_; }

  // The log file given to Start().
  const std::string& log_path() const { return log_path_; }

  // True once Wait() has reaped the child (its exit status is known).
  bool reaped() const { return status_.has_value(); }

  // Sends `signal` to the child. FAILED_PRECONDITION if the child has already
  // been reaped; an errno-derived error if kill(2) fails. A child that has
  // exited but not yet been reaped accepts the signal and ignores it.
  absl::Status Kill(int signal);

  // Waits up to `timeout` for the child to end and reaps it. Returns its exit
  // code (0-255) when it exited, or -N when signal N ended it. Once reaped,
  // returns the same value again immediately. DEADLINE_EXCEEDED if the child
  // is still running when `timeout` passes (it is left running); a zero
  // timeout only polls.
  absl::StatusOr<int> Wait(absl::Duration timeout);

 private:
  ChildProcess(pid_t pid, std::string log_path)
      : pid_(pid), log_path_(std::move(log_path)) {}

  // SIGKILLs and reaps the child if it is still owned and unreaped.
  void KillAndReap();

  pid_t pid_ = -1;
  std::string log_path_;
  std::optional<int> status_;  // Set once reaped; see Wait().
};

// What a program run to its end did.
struct Invocation {
  int code = -1;       // its exit code, or -1 when it did not end
  std::string output;  // its stdout and stderr
};

// Runs `binary` with `args` to its end (at most `timeout`), its output going
// to the file `log` (appended), and returns its exit code and that output.
// A start that fails, or a child still running at `timeout` (then killed),
// gives code -1 and a note in the output. Its stdin reads `stdin_path`.
Invocation RunToCompletion(const std::string& binary,
                           const std::vector<std::string>& args,
                           const std::string& log,
                           absl::Duration timeout = absl::Seconds(60),
                           const std::string& stdin_path = "/dev/null");

// Returns at most the last `max_bytes` of the file at `path`, for failure
// messages. Returns a short note instead of throwing or failing when the file
// cannot be read.
std::string ReadFileTail(const std::string& path, size_t max_bytes = 4096);

// A loopback TCP port that nothing listens on now, for a flag that takes a
// fixed address (--metrics_listen, --health_listen). Another process could
// take it before the caller does; tests accept that small race.
int FreeLoopbackPort();

}  // namespace prevent::plan::test_support

#endif  // PLAN_TESTS_SUPPORT_PROCESS_H_
