#include "libplan/formats/text_lines.h"

#include <string>

#include "gtest/gtest.h"

namespace plan {
namespace {

// Where each character of `text` is, as "L:C", and "|" for each line break.
std::string Places(absl::string_view text, LineBreaks breaks) {
  std::string out;
  TextCursor at(text, breaks);
  while (!at.AtEnd()) {
    if (at.LineBreakLength() > 0) {
      out += "|";
      at.NextLine();
      continue;
    }
    const size_t length = at.CharLength();
    out += std::to_string(at.line()) + ":" + std::to_string(at.column()) + " ";
    at.Skip(length == 0 ? 1 : length);
  }
  return out;
}

TEST(TextCursorTest, ColumnsCountCharactersNotBytes) {
  // "é" is two bytes and the en dash three; each is one column.
  EXPECT_EQ(Places("a\u00e9\u2013b", LineBreaks::kLf), "1:1 1:2 1:3 1:4 ");
  TextCursor at("\u00e9x", LineBreaks::kLf);
  char32_t cp = 0;
  EXPECT_EQ(at.CharLength(&cp), 2u);
  EXPECT_EQ(cp, U'\u00e9');
  at.Skip(2);
  EXPECT_EQ(at.offset(), 2u);
  EXPECT_EQ(at.line_bytes(), 2u);
  EXPECT_EQ(at.Where(), "line 1, column 2");
}

TEST(TextCursorTest, UnderLfACarriageReturnIsACharacter) {
  EXPECT_EQ(Places("ab\ncd", LineBreaks::kLf), "1:1 1:2 |2:1 2:2 ");
  EXPECT_EQ(Places("a\r\nb", LineBreaks::kLf), "1:1 1:2 |2:1 ");
  EXPECT_EQ(Places("a\rb", LineBreaks::kLf), "1:1 1:2 1:3 ");
}

TEST(TextCursorTest, UnderLfCrlfOrCrEachEndsALine) {
  EXPECT_EQ(Places("a\r\nb\rc\nd", LineBreaks::kLfCrlfOrCr),
            "1:1 |2:1 |3:1 |4:1 ");
  TextCursor at("a\r\nb", LineBreaks::kLfCrlfOrCr);
  at.Skip(1);
  EXPECT_EQ(at.LineBreakLength(), 2u);
  at.NextLine();
  EXPECT_EQ(at.offset(), 3u);
  EXPECT_EQ(at.line_bytes(), 0u);
  EXPECT_EQ(at.Where(), "line 2, column 1");
}

TEST(TextCursorTest, InvalidUtf8HasNoLength) {
  TextCursor at("ok\xE9", LineBreaks::kLf);
  at.Skip(1);
  at.Skip(1);
  EXPECT_EQ(at.byte(), 0xE9);
  EXPECT_EQ(at.CharLength(), 0u);
  EXPECT_EQ(at.Where(), "line 1, column 3");
  EXPECT_FALSE(at.NextByteIs('x'));
}

TEST(ByteOrderMarkTest, Utf8IsSkippedUtf16Named) {
  EXPECT_EQ(Utf8ByteOrderMarkLength("\xEF\xBB\xBFPlan"), 3u);
  EXPECT_EQ(Utf8ByteOrderMarkLength("Plan"), 0u);
  EXPECT_EQ(Utf8ByteOrderMarkLength("\xEF\xBB"), 0u);
  EXPECT_TRUE(HasUtf16ByteOrderMark("\xFF\xFEP"));
  EXPECT_TRUE(HasUtf16ByteOrderMark("\xFE\xFF"));
  EXPECT_FALSE(HasUtf16ByteOrderMark("\xEF\xBB\xBF"));
  EXPECT_FALSE(HasUtf16ByteOrderMark(""));
}

}  // namespace
}  // namespace plan
