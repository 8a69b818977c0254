// One-line structured logging to stderr for long-running processes.
//
//   PLAN_LOG(INFO) << "started listen=" << address << " organisation=" << org;
//
// Each line is written with one write(2), so lines from concurrent threads
// never interleave. A message longer than kMaxLogMessageBytes is cut there,
// and says how much was cut. Two formats (docs/operations.md, "Logs"):
//
//   text: 2026-12-07T21:00:42.123Z ERROR cannot open store: ...
//   json: {"time":"2026-12-07T21:00:42.123Z","level":"ERROR",
//          "message":"cannot open store: ..."}
//
// When stderr is the systemd journal (JOURNAL_STREAM names it), each line
// starts with its syslog priority, "<3>" for ERROR, "<4>" for WARNING and
// "<6>" for INFO, so `journalctl -p err` finds the errors.
#ifndef LIBPLAN_UTIL_LOG_H_
#define LIBPLAN_UTIL_LOG_H_

#include <cstddef>
#include <sstream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace plan {

enum class LogLevel { kInfo, kWarning, kError };
enum class LogFormat { kText, kJson };

inline constexpr size_t kMaxLogMessageBytes = 4096;

// Collects one line and writes it when destroyed.
class LogLine {
 public:
  explicit LogLine(LogLevel level) : level_(level) {}
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;
  ~LogLine();

  template <typename T>
  LogLine& operator<<(const T& value) {
    stream_ << value;
    return *this;
  }

 private:
  LogLevel level_;
  std::ostringstream stream_;
};

// Suppresses all logging when false (tests that start many servers).
void SetLoggingEnabled(bool enabled);

// Sets the format of every line from now on (text until set).
void SetLogFormat(LogFormat format);

// "text" or "json", as --log_format takes it; anything else is
// INVALID_ARGUMENT naming the flag.
absl::StatusOr<LogFormat> ParseLogFormat(absl::string_view name);

// The line PLAN_LOG writes for `message` at `time`, with the journal's
// priority prefix when `journal` (exposed for tests).
std::string FormatLogLine(LogFormat format, bool journal, LogLevel level,
                          absl::Time time, absl::string_view message);

// Whether `journal_stream` (the value of JOURNAL_STREAM, "DEVICE:INODE")
// names the file open as stderr.
bool StderrIsJournal(const char* journal_stream);

}  // namespace plan

#define PLAN_LOG_LEVEL_INFO ::plan::LogLevel::kInfo
#define PLAN_LOG_LEVEL_WARNING ::plan::LogLevel::kWarning
#define PLAN_LOG_LEVEL_ERROR ::plan::LogLevel::kError
#define PLAN_LOG(level) ::plan::LogLine(PLAN_LOG_LEVEL_##level)

#endif  // LIBPLAN_UTIL_LOG_H_
