// The lines and columns of UTF-8 input, counted the way both importers
// (csv.h and prevent_text.h) report them: lines and columns from 1, columns
// in characters, not bytes. Both check their input with a TextCursor, so an
// error names the same place for the same character.
//
//   TextCursor at(text, LineBreaks::kLfCrlfOrCr);
//   while (!at.AtEnd()) {
//     if (at.LineBreakLength() > 0) {
//       at.NextLine();
//       continue;
//     }
//     const size_t length = at.CharLength();
//     if (length == 0) return Refuse(at.Where() + ": invalid UTF-8");
//     at.Skip(length);
//   }
#ifndef LIBPLAN_FORMATS_TEXT_LINES_H_
#define LIBPLAN_FORMATS_TEXT_LINES_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace plan {

// Whether `text` starts with a UTF-16 byte order mark (either byte order).
bool HasUtf16ByteOrderMark(absl::string_view text);

// The length of the UTF-8 byte order mark `text` starts with: 3, or 0 when it
// has none.
size_t Utf8ByteOrderMarkLength(absl::string_view text);

// What ends a line.
enum class LineBreaks {
  kLf,          // LF only; a CR is a character of its line like any other
  kLfCrlfOrCr,  // LF, CRLF, and a CR alone
};

// Walks `text` one character at a time, knowing where the character ahead
// is. It does not own the text, which must outlive it.
class TextCursor {
 public:
  TextCursor(absl::string_view text, LineBreaks breaks)
      : text_(text), breaks_(breaks) {}

  bool AtEnd() const { return offset_ >= text_.size(); }
  // The byte offset of the character ahead.
  size_t offset() const { return offset_; }
  // Its line and column, from 1.
  int line() const { return line_; }
  int column() const { return column_; }
  // How many bytes of its line come before it.
  size_t line_bytes() const { return offset_ - line_start_; }
  // Its first byte. Not at the end.
  unsigned char byte() const {
    return static_cast<unsigned char>(text_[offset_]);
  }
  // Whether the byte after the one ahead is `c`.
  bool NextByteIs(char c) const {
    return offset_ + 1 < text_.size() && text_[offset_ + 1] == c;
  }

  // The length in bytes of the line break ahead (2 for CRLF), or 0 when what
  // is ahead is not one (or is the end).
  size_t LineBreakLength() const;
  // The length in bytes of the UTF-8 character ahead, and its code point in
  // `*code_point` when not null; 0 when the bytes ahead are not valid UTF-8
  // (as Utf8CharLength says). Not at the end.
  size_t CharLength(char32_t* code_point = nullptr) const;

  // Moves past the line break ahead, to column 1 of the next line.
  // LineBreakLength() > 0.
  void NextLine();
  // Moves past the character ahead, `length` (>= 1) bytes long, to the next
  // column.
  void Skip(size_t length);

  // "line L, column C" of the character ahead.
  std::string Where() const;

 private:
  absl::string_view text_;
  LineBreaks breaks_;
  size_t offset_ = 0;
  size_t line_start_ = 0;
  int line_ = 1;
  int column_ = 1;
};

}  // namespace plan

#endif  // LIBPLAN_FORMATS_TEXT_LINES_H_
