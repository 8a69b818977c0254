#include "libplan/formats/text_lines.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libplan/util/utf8.h"

namespace plan {

bool HasUtf16ByteOrderMark(absl::string_view text) {
  return absl::StartsWith(text, "\xFF\xFE") ||
         absl::StartsWith(text, "\xFE\xFF");
}

size_t Utf8ByteOrderMarkLength(absl::string_view text) {
  return absl::StartsWith(text, "\xEF\xBB\xBF") ? 3 : 0;
}

size_t TextCursor::LineBreakLength() const {
  if (AtEnd()) return 0;
  const char c = text_[offset_];
  if (c == '\n') return 1;
  if (c != '\r' || breaks_ == LineBreaks::kLf) return 0;
  return NextByteIs('\n') ? 2 : 1;
}

size_t TextCursor::CharLength(char32_t* code_point) const {
  return Utf8CharLength(text_, offset_, code_point);
}

void TextCursor::NextLine() {
  offset_ += LineBreakLength();
  line_start_ = offset_;
  ++line_;
  column_ = 1;
}

void TextCursor::Skip(size_t length) {
  offset_ += length;
  ++column_;
}

std::string TextCursor::Where() const {
  return absl::StrCat("line ", line_, ", column ", column_);
}

}  // namespace plan
