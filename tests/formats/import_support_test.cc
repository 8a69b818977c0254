#include "libplan/formats/import_support.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace plan {
namespace {

TEST(ImportSupportTest, QuotesCutLongTextBetweenCharacters) {
  EXPECT_EQ(QuoteForMessage("Channel"), "\"Channel\"");
  const std::string sixty(60, 'x');
  EXPECT_EQ(QuoteForMessage(sixty), "\"" + sixty + "\"");
  EXPECT_EQ(QuoteForMessage(sixty + "y"), "\"" + sixty + "\u2026\"");
  // 61 two-byte characters: cut after the 60th, never inside one.
  std::string accents;
  for (int i = 0; i < 61; ++i) accents += "\xC3\xA9";
  EXPECT_EQ(QuoteForMessage(accents),
            "\"" + accents.substr(0, 120) + "\u2026\"");
}

TEST(ImportSupportTest, CollapsesEveryRunOfWhitespace) {
  EXPECT_EQ(CollapseSpaces("  Risk\t assessment\r\n and\f understanding  "),
            "Risk assessment and understanding");
  EXPECT_EQ(CollapseSpaces(" \t "), "");
}

TEST(ImportSupportTest, PositionKeysSortAsTheSiblingsDo) {
  EXPECT_EQ(PositionKey(0, 3), "0001");
  EXPECT_EQ(PositionKey(9998, 9999), "9999");
  EXPECT_EQ(PositionKey(0, 10000), "00001");
  EXPECT_EQ(PositionKey(99999, 100000), "100000");
  EXPECT_LT(PositionKey(8, 20000), PositionKey(9, 20000));
}

TEST(ImportSupportTest, IdsAreUniqueAndStayValid) {
  UniqueIds ids;
  ids.Reserve("channel-2");
  EXPECT_EQ(ids.Unique("channel"), "channel");
  EXPECT_EQ(ids.Unique("channel"), "channel-3");
  EXPECT_EQ(ids.Unique("channel"), "channel-4");
  const std::string long_base = std::string(62, 'a') + "-";
  ids.Reserve(long_base);
  const std::string id = ids.Unique(long_base);
  EXPECT_LE(id.size(), 63u);
  EXPECT_EQ(id, std::string(61, 'a') + "-2");
  ids.Reserve("-");
  EXPECT_EQ(ids.Unique("-"), "x-2");
}

TEST(ImportSupportTest, WarningsPastTheCapAreCountedNotListed) {
  std::vector<FormatWarning> out;
  WarningSink sink(&out);
  for (int i = 0; i < 1005; ++i) sink.Warn(i + 1, "odd cell");
  sink.Finish(2000);
  ASSERT_EQ(out.size(), WarningSink::kMaxListed + 1);
  EXPECT_EQ(out.back().line, 2000);
  EXPECT_EQ(out.back().message,
            "5 more warnings like those above are not listed");
  std::vector<FormatWarning> few;
  WarningSink quiet(&few);
  quiet.Warn(1, "one");
  quiet.Finish(9);
  EXPECT_EQ(few.size(), 1u);
}

}  // namespace
}  // namespace plan
