#include "libplan/formats/markdown.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/formats/sample_plans.h"

namespace plan {
namespace {

using sample::DocumentBuilder;
using sample::kSeedToday;
using sample::SeedLikeDocument;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n');
}

// The line that starts with `prefix`, or "".
std::string LineStartingWith(const std::string& text,
                             absl::string_view prefix) {
  for (const std::string& line : Lines(text)) {
    if (absl::StartsWith(line, prefix)) return line;
  }
  return "";
}

// Table cell separators: pipes not escaped with a backslash.
int CountCellPipes(absl::string_view line) {
  int pipes = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\\') {
      ++i;
    } else if (line[i] == '|') {
      ++pipes;
    }
  }
  return pipes;
}

TEST(WritePlanMarkdownTest, HasTitlePeriodAndSummary) {
  const std::string md = WritePlanMarkdown(SeedLikeDocument(), kSeedToday);
  EXPECT_TRUE(absl::StartsWith(
      md, "# South Staffordshire Prevent Action Plan 2023-2025\n"));
  EXPECT_THAT(md, HasSubstr("**Area:** South Staffordshire"));
  EXPECT_THAT(md, HasSubstr("**Period:** April 2023 \u2013 March 2025"));
  EXPECT_THAT(md, HasSubstr("Status as at 15 November 2024: 16 actions, 3 "
                            "overdue"));
  // Strand | Actions | Red | Amber | Green | Complete | Not set | Overdue
  EXPECT_EQ(LineStartingWith(md, "| Ideology |"),
            "| Ideology | 6 | 1 | 1 | 2 | 2 | 0 | 2 |");
  EXPECT_EQ(LineStartingWith(md, "| Individuals |"),
            "| Individuals | 6 | 1 | 1 | 2 | 1 | 1 | 1 |");
  EXPECT_EQ(LineStartingWith(md, "| Institutions |"),
            "| Institutions | 4 | 1 | 2 | 1 | 0 | 0 | 0 |");
  EXPECT_EQ(LineStartingWith(md, "| **All strands** |"),
            "| **All strands** | 16 | 3 | 4 | 5 | 3 | 1 | 3 |");
}

TEST(WritePlanMarkdownTest, FactsLineNamesTheLevelAndPartnersAreListed) {
  const std::string md = WritePlanMarkdown(SeedLikeDocument(), kSeedToday);
  EXPECT_THAT(md, HasSubstr("\n\n**Area:** South Staffordshire · **Period:** "
                            "April 2023 \u2013 March 2025 · District action "
                            "plan\n\n"));
  EXPECT_THAT(md, HasSubstr("\n\n**Partners:** South Staffordshire Council, "
                            "Staffordshire Police, Entrust, Staffordshire "
                            "County Council, Staffordshire Probation, "
                            "Health\n\n"));

  PlanDocument bare;
  bare.plan.set_title("Plan");
  const std::string plain = WritePlanMarkdown(bare, kSeedToday);
  EXPECT_TRUE(absl::StartsWith(plain, "# Plan\n\n## Summary\n")) << plain;
}

TEST(WritePlanMarkdownTest, OneActionIsNotNumberedAndNoTimescaleIsADash) {
  const PlanDocument doc = DocumentBuilder()
                               .Strand("s", "Ideology")
                               .Activity("x", "Governance", "", {})
                               .Action("y", "Report", "", v1::GREEN)
                               .Build();
  const std::string md = WritePlanMarkdown(doc, kSeedToday);
  EXPECT_THAT(md, HasSubstr("Status as at 15 November 2024: 1 action, 0 "
                            "overdue.\n"));
  EXPECT_EQ(LineStartingWith(md, "| Governance |"),
            "| Governance |  | Report | \u2014 | \U0001F7E2 Green |");
}

TEST(WritePlanMarkdownTest, EachStrandHasHeadingDescriptionAndTable) {
  const std::string md = WritePlanMarkdown(SeedLikeDocument(), kSeedToday);
  for (const char* heading :
       {"## Ideology\n\nResponding to the ideological challenge",
        "## Individuals\n\nPreventing people", "## Institutions\n\nWorking"}) {
    EXPECT_THAT(md, HasSubstr(heading));
  }
  int tables = 0;
  for (const std::string& line : Lines(md)) {
    if (line == "| Activity | Lead | Actions | Timescales | RAG |") ++tables;
  }
  EXPECT_EQ(tables, 3);
}

TEST(WritePlanMarkdownTest, SeveralActionsShareOneRowNumbered) {
  const std::string md = WritePlanMarkdown(SeedLikeDocument(), kSeedToday);
  const std::string row =
      LineStartingWith(md, "| Safeguarding and due process |");
  ASSERT_FALSE(row.empty());
  EXPECT_EQ(CountCellPipes(row), 6);
  EXPECT_THAT(row, HasSubstr("| _Community Safety Manager_<br>South "
                             "Staffordshire Council |"));
  EXPECT_THAT(row, HasSubstr("1. Safeguarding Champions"));
  EXPECT_THAT(row, HasSubstr("<br>4. Complete the Home Office"));
  EXPECT_THAT(row, HasSubstr("| 1. February 2024<br>2. February 2024 \u26A0 "
                             "**Overdue**<br>3. September 2024 \u26A0 "
                             "**Overdue**<br>4. April 2024 |"));
  EXPECT_THAT(row, HasSubstr("1. \U0001F535 Complete<br>2. \U0001F7E0 Amber"));
}

TEST(WritePlanMarkdownTest, CompleteAndOngoingActionsAreNeverOverdue) {
  const std::string md = WritePlanMarkdown(SeedLikeDocument(), kSeedToday);
  EXPECT_THAT(LineStartingWith(md, "| Training for South Staffordshire"),
              Not(HasSubstr("Overdue")));
  EXPECT_THAT(LineStartingWith(md, "| Channel |"), Not(HasSubstr("Overdue")));
  EXPECT_THAT(LineStartingWith(md, "| Policies and Procedures |"),
              HasSubstr("March 2024 \u26A0 **Overdue**"));
}

TEST(WritePlanMarkdownTest, OwnersAndActivitiesWithoutActionsAreShown) {
  const std::string md = WritePlanMarkdown(SeedLikeDocument(), kSeedToday);
  EXPECT_THAT(LineStartingWith(md, "| Training package for all schools"),
              HasSubstr("undertaken (owner: Entrust)"));
  EXPECT_EQ(LineStartingWith(md, "| E-Safety |"),
            "| E-Safety | Entrust | _No actions yet_ |  |  |");
}

TEST(WritePlanMarkdownTest, PlanTextNeverBecomesMarkup) {
  const PlanDocument doc =
      DocumentBuilder()
          .Organisation("a", "A | B <b>")
          .Strand("s", "Ideology | *bold*", "- not a list\n# not a heading")
          .Activity("x", "Pipes | and\nnew lines", "_officer_", {"a"})
          .Action("y", "<script>alert(1)</script> [link](http://x) `code`",
                  "Feb 2024 | Mar 2025", v1::RED)
          .Build();
  const std::string md = WritePlanMarkdown(doc, kSeedToday);
  EXPECT_THAT(md, HasSubstr("## Ideology \\| \\*bold\\*\n"));
  EXPECT_THAT(md, HasSubstr("\n\\- not a list<br>\\# not a heading\n"));
  const std::string row = LineStartingWith(md, "| Pipes");
  EXPECT_EQ(CountCellPipes(row), 6) << row;
  EXPECT_THAT(row, HasSubstr("Pipes \\| and<br>new lines"));
  EXPECT_THAT(row, HasSubstr("\\_officer\\_"));
  EXPECT_THAT(row, HasSubstr("A \\| B \\<b\\>"));
  EXPECT_THAT(row, HasSubstr("\\<script\\>alert(1)\\</script\\> "
                             "\\[link\\](http://x) \\`code\\`"));
  EXPECT_THAT(md, Not(HasSubstr("<script>")));
}

TEST(WritePlanMarkdownTest, EmptyPlanStillRenders) {
  PlanDocument doc;
  const std::string md = WritePlanMarkdown(doc, kSeedToday);
  EXPECT_TRUE(absl::StartsWith(md, "# Prevent plan\n"));
  EXPECT_THAT(md, HasSubstr("0 actions, 0 overdue"));
}

TEST(WritePlanMarkdownTest, ActivitiesWithoutAStrandAreListedLast) {
  const PlanDocument doc = DocumentBuilder()
                               .Strand("s", "Ideology")
                               .Activity("x", "Governance", "", {}, false)
                               .Build();
  const std::string md = WritePlanMarkdown(doc, kSeedToday);
  EXPECT_THAT(md, HasSubstr("## Ideology\n\n_No activities._\n\n## Other "
                            "activities\n"));
  EXPECT_THAT(md, HasSubstr("| Governance |"));
}

}  // namespace
}  // namespace plan
