// One-line structured logging to stderr for long-running processes.
//
//   PLAN_LOG(INFO) << "started listen=" << address << " organisation=" << org;
//
// Each line is "<UTC time> <LEVEL> <message>", written with one write(2) so
// lines from concurrent threads never interleave. A message longer than
// kMaxLogMessageBytes is cut there, and says how much was cut.
#ifndef LIBPLAN_UTIL_LOG_H_
#define LIBPLAN_UTIL_LOG_H_

#include <cstddef>
#include <sstream>

namespace plan {

enum class LogLevel { kInfo, kWarning, kError };

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

}  // namespace plan

#define PLAN_LOG_LEVEL_INFO ::plan::LogLevel::kInfo
#define PLAN_LOG_LEVEL_WARNING ::plan::LogLevel::kWarning
#define PLAN_LOG_LEVEL_ERROR ::plan::LogLevel::kError
#define PLAN_LOG(level) ::plan::LogLine(PLAN_LOG_LEVEL_##level)

#endif  // LIBPLAN_UTIL_LOG_H_
