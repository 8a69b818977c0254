#include "libplan/util/log.h"

#include <unistd.h>

#include <atomic>
#include <string>

#include "absl/strings/str_cat.h"
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
  const std::string message = stream_.str();
  if (message.size() <= kMaxLogMessageBytes) {
    line += message;
  } else {
    // A line must not grow with what a client sent (promise 8,
    // docs/architecture.md).
    size_t cut = kMaxLogMessageBytes;
    while (cut > 0 &&
           (static_cast<unsigned char>(message[cut]) & 0xC0) == 0x80) {
      --cut;  // not inside a UTF-8 sequence
    }
    line.append(message, 0, cut);
    line += absl::StrCat("... (", message.size() - cut, " more bytes)");
  }
  line += '\n';
  // One write per line keeps concurrent lines whole; a short write to stderr
  // is not worth retrying.
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace plan
