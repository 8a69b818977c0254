#include "libplan/util/log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "libplan/util/utf8.h"

namespace plan {
namespace {

std::atomic<bool> logging_enabled{true};
std::atomic<LogFormat> log_format{LogFormat::kText};

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

// The syslog priority journald reads from a line's "<N>" prefix.
const char* JournalPrefix(LogLevel level) {
  switch (level) {
    case LogLevel::kInfo:
      return "<6>";
    case LogLevel::kWarning:
      return "<4>";
    case LogLevel::kError:
      return "<3>";
  }
  return "<6>";
}

// `message` cut to kMaxLogMessageBytes, never inside a UTF-8 character, with
// how much was cut: a line must not grow with what a client sent (promise 8,
// docs/architecture.md).
std::string Bounded(absl::string_view message) {
  if (message.size() <= kMaxLogMessageBytes) return std::string(message);
  size_t cut = kMaxLogMessageBytes;
  while (cut > 0 && IsUtf8ContinuationByte(message[cut])) --cut;
  return absl::StrCat(message.substr(0, cut), "... (", message.size() - cut,
                      " more bytes)");
}

// `text` as the contents of a JSON string: quotes, backslashes and control
// characters escaped, and each byte that is not valid UTF-8 as U+FFFD.
void AppendJsonString(absl::string_view text, std::string* out) {
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const size_t length = Utf8CharLength(text, i);
      if (length == 0) {
        out->append("\\ufffd");
        ++i;
      } else {
        out->append(text.data() + i, length);
        i += length;
      }
      continue;
    }
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          absl::StrAppendFormat(out, "\\u%04x", c);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
}

// Whether stderr is the journal: decided once, as JOURNAL_STREAM and stderr
// do not change while the process runs.
bool JournalOnStderr() {
  static const bool journal = StderrIsJournal(std::getenv("JOURNAL_STREAM"));
  return journal;
}

}  // namespace

void SetLoggingEnabled(bool enabled) { logging_enabled.store(enabled); }

void SetLogFormat(LogFormat format) { log_format.store(format); }

absl::StatusOr<LogFormat> ParseLogFormat(absl::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return absl::InvalidArgumentError(absl::StrCat(
      "--log_format: \"", name.substr(0, 32), "\" is not text or json"));
}

bool StderrIsJournal(const char* journal_stream) {
  if (journal_stream == nullptr) return false;
  const std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(journal_stream, absl::MaxSplits(':', 1));
  uint64_t device = 0;
  uint64_t inode = 0;
  if (!absl::SimpleAtoi(parts.first, &device) ||
      !absl::SimpleAtoi(parts.second, &inode)) {
    return false;
  }
  struct stat status;
  if (::fstat(STDERR_FILENO, &status) != 0) return false;
  return static_cast<uint64_t>(status.st_dev) == device &&
         static_cast<uint64_t>(status.st_ino) == inode;
}

std::string FormatLogLine(LogFormat format, bool journal, LogLevel level,
                          absl::Time time, absl::string_view message) {
  const std::string when =
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone());
  std::string line = journal ? JournalPrefix(level) : "";
  const std::string bounded = Bounded(message);
  if (format == LogFormat::kJson) {
    absl::StrAppend(&line, "{\"time\":\"", when, "\",\"level\":\"",
                    LevelName(level), "\",\"message\":\"");
    AppendJsonString(bounded, &line);
    line += "\"}";
  } else {
    absl::StrAppend(&line, when, " ", LevelName(level), " ", bounded);
  }
  line += '\n';
  return line;
}

LogLine::~LogLine() {
  if (!logging_enabled.load(std::memory_order_relaxed)) return;
  const std::string line =
      FormatLogLine(log_format.load(std::memory_order_relaxed),
                    JournalOnStderr(), level_, absl::Now(), stream_.str());
  // One write per line keeps concurrent lines whole; a short write to stderr
  // is not worth retrying.
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace plan
