#include "libplan/util/utf8.h"

#include <string>

#include "gtest/gtest.h"

namespace plan {
namespace {

TEST(Utf8CharLengthTest, DecodesEachLengthAndItsCodePoint) {
  char32_t cp = 0;
  EXPECT_EQ(Utf8CharLength("a", 0, &cp), 1u);
  EXPECT_EQ(cp, U'a');
  EXPECT_EQ(Utf8CharLength("\xC3\xA9", 0, &cp), 2u);  // é
  EXPECT_EQ(cp, U'\u00E9');
  EXPECT_EQ(Utf8CharLength("\xE2\x80\x93", 0, &cp), 3u);  // en dash
  EXPECT_EQ(cp, U'\u2013');
  EXPECT_EQ(Utf8CharLength("\xF0\x9F\x98\x80", 0, &cp), 4u);
  EXPECT_EQ(cp, U'\U0001F600');
  EXPECT_EQ(Utf8CharLength("x\xC3\xA9", 1), 2u);
}

TEST(Utf8CharLengthTest, RefusesWhatIsNotUtf8) {
  EXPECT_EQ(Utf8CharLength("\x80", 0), 0u);              // stray continuation
  EXPECT_EQ(Utf8CharLength("\xE2\x80", 0), 0u);          // truncated
  EXPECT_EQ(Utf8CharLength("\xC0\xAF", 0), 0u);          // overlong '/'
  EXPECT_EQ(Utf8CharLength("\xED\xA0\x80", 0), 0u);      // surrogate U+D800
  EXPECT_EQ(Utf8CharLength("\xF4\x90\x80\x80", 0), 0u);  // above U+10FFFF
  EXPECT_EQ(Utf8CharLength("\xFF", 0), 0u);
  EXPECT_EQ(Utf8CharLength("\xC3\x41", 0), 0u);  // 'A' continues nothing
}

TEST(Utf8ContinuationTest, OnlyTenxxxxxxBytesContinue) {
  EXPECT_TRUE(IsUtf8ContinuationByte('\x80'));
  EXPECT_TRUE(IsUtf8ContinuationByte('\xBF'));
  EXPECT_FALSE(IsUtf8ContinuationByte('a'));
  EXPECT_FALSE(IsUtf8ContinuationByte('\xC3'));
  EXPECT_FALSE(IsUtf8ContinuationByte('\xE2'));
}

TEST(Utf8CharCountTest, CountsCharactersNotBytes) {
  EXPECT_EQ(Utf8CharCount(""), 0u);
  EXPECT_EQ(Utf8CharCount("Channel"), 7u);
  EXPECT_EQ(Utf8CharCount("R\u00e9f"), 3u);
  EXPECT_EQ(Utf8CharCount("Feb 2024 \xE2\x80\x93 Mar"), 14u);
  EXPECT_EQ(Utf8CharCount("\xF0\x9F\x98\x80\xF0\x9F\x98\x80"), 2u);
}

TEST(Utf8PrefixTest, CutsBetweenCharacters) {
  EXPECT_EQ(Utf8Prefix("Channel", 4), "Chan");
  EXPECT_EQ(Utf8Prefix("Channel", 7), "Channel");
  EXPECT_EQ(Utf8Prefix("Channel", 100), "Channel");
  EXPECT_EQ(Utf8Prefix("Channel", 0), "");
  EXPECT_EQ(Utf8Prefix("", 3), "");
  // "é" is two bytes and the dash three: a cut keeps them whole.
  EXPECT_EQ(Utf8Prefix("R\u00e9f", 2), "R\u00e9");
  EXPECT_EQ(Utf8Prefix("R\u00e9f", 1), "R");
  const std::string dashes = "\xE2\x80\x93\xE2\x80\x93\xE2\x80\x93";
  EXPECT_EQ(Utf8Prefix(dashes, 2), dashes.substr(0, 6));
  EXPECT_EQ(Utf8CharCount(Utf8Prefix(dashes, 2)), 2u);
}

}  // namespace
}  // namespace plan
