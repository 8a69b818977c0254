#include "libplan/formats/prevent_lines.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libplan/formats/prevent_text.h"
#include "libplan/util/errors.h"

namespace plan::prevent_text {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

constexpr char kUtf8Bom[] = "\xEF\xBB\xBF";

absl::StatusOr<std::vector<std::string>> Split(
    absl::string_view text, std::vector<FormatWarning>* warnings = nullptr) {
  std::vector<FormatWarning> ignored;
  WarningSink sink(warnings != nullptr ? warnings : &ignored);
  return SplitLines(text, &sink);
}

// The message of the error splitting `text`, which must fail.
std::string ErrorOf(absl::string_view text) {
  const absl::StatusOr<std::vector<std::string>> lines = Split(text);
  EXPECT_FALSE(lines.ok());
  if (lines.ok()) return "";
  EXPECT_EQ(lines.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorReason(lines.status()), "INVALID_ARGUMENT");
  return std::string(lines.status().message());
}

TEST(SplitLinesTest, LfAndCrlfEndLines) {
  EXPECT_THAT(*Split("Activity\tLead\nChannel\r\nRefer"),
              ElementsAre("Activity\tLead", "Channel", "Refer"));
  // A final line break leaves an empty last line.
  EXPECT_THAT(*Split("Plan\n"), ElementsAre("Plan", ""));
}

TEST(SplitLinesTest, SpacesForLoneCrFormFeedAndNoBreakSpace) {
  std::vector<FormatWarning> warnings;
  EXPECT_THAT(*Split("a\rb\fc\vd\u00a0e", &warnings), ElementsAre("a b c d e"));
  EXPECT_THAT(warnings, IsEmpty());
  // A UTF-8 byte order mark is skipped; other characters are kept.
  EXPECT_THAT(*Split(std::string(kUtf8Bom) + "Feb 2024 \xE2\x80\x93 Mar 2025"),
              ElementsAre("Feb 2024 \xE2\x80\x93 Mar 2025"));
}

TEST(SplitLinesTest, AFewControlCharactersAreSpacesWithOneWarning) {
  std::vector<FormatWarning> warnings;
  EXPECT_THAT(*Split("Plan\nChan\x01nel\x02 and more text here\n", &warnings),
              ElementsAre("Plan", "Chan nel  and more text here", ""));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].line, 2);
  EXPECT_EQ(warnings[0].message,
            "2 control character(s) (the first, 0x01, at column 5) read as "
            "spaces");
}

TEST(SplitLinesTest, ErrorsNameTheLineAndTheCharacter) {
  EXPECT_THAT(ErrorOf(""), StartsWith("line 1, column 1: the input is empty"));
  EXPECT_THAT(ErrorOf(std::string("ab\ncd\0", 6)),
              StartsWith("line 2, column 3: a NUL byte"));
  // Columns count characters: "é" is one, two bytes.
  EXPECT_THAT(ErrorOf("x\n\xC3\xA9\xC3\xA9\xFF"),
              StartsWith("line 2, column 3: invalid UTF-8 (byte 0xFF at byte "
                         "offset 6)"));
  // The byte offset counts a skipped byte order mark.
  EXPECT_THAT(ErrorOf(std::string(kUtf8Bom) + "ok\x80"),
              StartsWith("line 1, column 3: invalid UTF-8 (byte 0x80 at byte "
                         "offset 5)"));
  // A lone CR is a character of its line, not a line end.
  EXPECT_THAT(ErrorOf("a\rb\xE9"), StartsWith("line 1, column 4: "));
  EXPECT_THAT(ErrorOf("\xFF\xFE\x41"),
              StartsWith("line 1, column 1: the input is UTF-16"));
}

TEST(SplitLinesTest, MostlyControlCharactersIsBinary) {
  std::string binary = "ab\ncd";
  for (int i = 0; i < 50; ++i) binary += '\x07';
  EXPECT_THAT(ErrorOf(binary),
              AllOf(StartsWith("line 2, column 3: control character 0x07"),
                    HasSubstr("50 of 54 characters")));
}

TEST(SplitLinesTest, LinesAndInputOverTheLimits) {
  const std::string longest(kMaxPreventTextLineBytes, 'x');
  EXPECT_TRUE(Split("a\n" + longest + "\r\nb").ok());
  EXPECT_THAT(ErrorOf("a\n" + longest + "y"),
              StartsWith("line 2, column 1048577: the line is longer than"));
  // Too large: refused at the character where the limit falls.
  std::string large = "\xC3\xA9\n";
  large += std::string(kMaxPreventTextBytes, 'z');
  EXPECT_THAT(ErrorOf(large),
              AllOf(StartsWith(absl::StrCat("line 2, column ",
                                            kMaxPreventTextBytes - 3 + 1,
                                            ": the input is ")),
                    HasSubstr("at most 10485760")));
}

}  // namespace
}  // namespace plan::prevent_text
