#include "libplan/formats/prevent_lines.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libplan/formats/prevent_text.h"
#include "libplan/formats/text_lines.h"
#include "libplan/util/errors.h"
#include "libplan/util/status_macros.h"
#include "libplan/util/utf8.h"

namespace plan::prevent_text {
namespace {

// Refuses input over the limit, at the character where the limit falls.
absl::Status TooLarge(absl::string_view content) {
  const absl::string_view read = content.substr(0, kMaxPreventTextBytes);
  const size_t last_break = read.rfind('\n');
  const size_t line_start =
      last_break == absl::string_view::npos ? 0 : last_break + 1;
  const int line =
      1 + static_cast<int>(std::count(read.begin(), read.end(), '\n'));
  const int column =
      1 + static_cast<int>(Utf8CharCount(read.substr(line_start)));
  return InputError(
      line, column,
      absl::StrCat("the input is ", content.size(), " bytes; at most ",
                   kMaxPreventTextBytes,
                   " (10 MiB) are read: import the plan table only"));
}

// Control characters read as spaces: how many, and the first.
struct Controls {
  size_t count = 0;
  int line = 0;
  int column = 0;
  uint8_t byte = 0;
};

// Splits text with no byte order mark, `skipped` bytes into the input, into
// lines.
class LineSplitter {
 public:
  LineSplitter(absl::string_view text, size_t skipped)
      : text_(text), skipped_(skipped), at_(text, LineBreaks::kLf) {}

  absl::StatusOr<std::vector<std::string>> Split(WarningSink* warnings);

 private:
  void EndLine();
  // Refuses the character ahead when its line is too long or it is NUL.
  absl::Status CheckAhead() const;
  // Appends the character ahead to the line; its length.
  absl::StatusOr<size_t> AppendChar();
  void AppendAscii(uint8_t byte);
  // Refuses text that is mostly control characters; warns of the others.
  absl::Status CheckControls(WarningSink* warnings) const;

  const absl::string_view text_;
  const size_t skipped_;
  TextCursor at_;
  std::vector<std::string> lines_;
  std::string current_;
  size_t characters_ = 0;
  Controls controls_;
};

absl::StatusOr<std::vector<std::string>> LineSplitter::Split(
    WarningSink* warnings) {
  while (!at_.AtEnd()) {
    if (at_.LineBreakLength() > 0) {
      EndLine();
      at_.NextLine();
      continue;
    }
    RETURN_IF_ERROR(CheckAhead());
    ASSIGN_OR_RETURN(const size_t length, AppendChar());
    at_.Skip(length);
    ++characters_;
  }
  EndLine();
  RETURN_IF_ERROR(CheckControls(warnings));
  return std::move(lines_);
}

void LineSplitter::EndLine() {
  if (!current_.empty() && current_.back() == '\r') current_.pop_back();
  lines_.push_back(std::move(current_));
  current_.clear();
}

absl::Status LineSplitter::CheckAhead() const {
  const bool crlf = at_.byte() == '\r' && at_.NextByteIs('\n');
  if (at_.line_bytes() >= kMaxPreventTextLineBytes && !crlf) {
    return InputError(
        at_.line(), at_.column(),
        absl::StrCat("the line is longer than ", kMaxPreventTextLineBytes,
                     " bytes (1 MiB): this is not a plan "
                     "table extracted from a document"));
  }
  if (at_.byte() == 0) {
    return InputError(at_.line(), at_.column(),
                      "a NUL byte: the input is binary data, not text");
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> LineSplitter::AppendChar() {
  const uint8_t byte = at_.byte();
  if (byte < 0x80) {
    AppendAscii(byte);
    return 1;
  }
  char32_t code_point = 0;
  const size_t length = at_.CharLength(&code_point);
  if (length == 0) {
    return InputError(
        at_.line(), at_.column(),
        absl::StrFormat("invalid UTF-8 (byte 0x%02X at byte offset %d); "
                        "the input must be UTF-8 text",
                        byte, skipped_ + at_.offset()));
  }
  if (code_point == 0xA0) {
    current_ += ' ';  // no-break space
  } else {
    current_.append(text_.data() + at_.offset(), length);
  }
  return length;
}

void LineSplitter::AppendAscii(uint8_t byte) {
  const bool control = (byte < 0x20 && byte != '\t' && byte != '\r' &&
                        byte != '\f' && byte != '\v') ||
                       byte == 0x7F;
  if (control) {
    if (controls_.count++ == 0) {
      controls_.line = at_.line();
      controls_.column = at_.column();
      controls_.byte = byte;
    }
    current_ += ' ';
    return;
  }
  const bool lone_cr = byte == '\r' && !at_.NextByteIs('\n');
  current_ +=
      (byte == '\f' || byte == '\v' || lone_cr) ? ' ' : static_cast<char>(byte);
}

absl::Status LineSplitter::CheckControls(WarningSink* warnings) const {
  if (controls_.count == 0) return absl::OkStatus();
  if (controls_.count * 10 > characters_) {
    return InputError(
        controls_.line, controls_.column,
        absl::StrFormat("control character 0x%02X: the input is binary "
                        "data, not text (%d of %d characters are control "
                        "characters)",
                        controls_.byte, controls_.count, characters_));
  }
  warnings->Warn(
      controls_.line,
      absl::StrFormat("%d control character(s) (the first, 0x%02X, "
                      "at column %d) read as spaces",
                      controls_.count, controls_.byte, controls_.column));
  return absl::OkStatus();
}

}  // namespace

absl::Status InputError(int line, int column, absl::string_view why) {
  return Error(absl::StatusCode::kInvalidArgument, "INVALID_ARGUMENT",
               absl::StrCat("line ", line, ", column ", column, ": ", why));
}

absl::StatusOr<std::vector<std::string>> SplitLines(absl::string_view content,
                                                    WarningSink* warnings) {
  if (content.empty()) return InputError(1, 1, "the input is empty");
  if (content.size() > kMaxPreventTextBytes) return TooLarge(content);
  if (HasUtf16ByteOrderMark(content)) {
    return InputError(1, 1,
                      "the input is UTF-16 (it starts with a UTF-16 byte "
                      "order mark); save it as UTF-8");
  }
  const size_t skipped = Utf8ByteOrderMarkLength(content);
  return LineSplitter(content.substr(skipped), skipped).Split(warnings);
}

}  // namespace plan::prevent_text
