#include "libplan/util/log.h"

#include <unistd.h>

#include <atomic>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace plan {
namespace {

std::atomic<bool> logging_enabled{true};

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarning:
      return "WARNING";
    case LogLevel::kError:
      return "ERROR";
  }
  return "?";
}

}  // namespace

void SetLoggingEnabled(bool enabled) { logging_enabled.store(enabled); }

LogLine::~LogLine() {
  if (!logging_enabled.load(std::memory_order_relaxed)) return;
  std::string line = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                      absl::UTCTimeZone());
  line += ' ';
  line += LevelName(level_);
  line += ' ';
  line += stream_.str();
  line += '\n';
  // One write per line keeps concurrent lines whole; a short write to stderr
  // is not worth retrying.
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace plan
