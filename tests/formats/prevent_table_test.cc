#include "libplan/formats/prevent_table.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace plan::prevent_text {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kHeader[] =
    "Activity\tLead Officer & Organisation\tActions\tTimescales\tRAG";

// The lines of the South Staffordshire plan (deploy/demo/): lines[k] is line
// k + 1.
std::vector<std::string> SeedLines() {
  std::ifstream in(std::string(PLAN_SOURCE_DIR) +
                   "/deploy/demo/"
                   "south-staffordshire-prevent-action-plan-2023-2025.txt");
  std::stringstream text;
  text << in.rdbuf();
  return absl::StrSplit(text.str(), '\n');
}

// The warnings at `line`, joined.
std::string WarningsAt(const std::vector<FormatWarning>& warnings, int line) {
  std::vector<std::string> messages;
  for (const FormatWarning& w : warnings) {
    if (w.line == line) messages.push_back(w.message);
  }
  return absl::StrJoin(messages, "\n");
}

TEST(CellsTest, CollapsedWithoutTrailingEmptyCells) {
  EXPECT_THAT(Cells(" Channel \t\t Refer  any\tOngoing\t\t\t"),
              ElementsAre("Channel", "", "Refer any", "Ongoing"));
  EXPECT_THAT(Cells("\t\t"), IsEmpty());
  const std::vector<std::string> cells = Cells("a\tb");
  EXPECT_EQ(CellAt(cells, 1), "b");
  EXPECT_EQ(CellAt(cells, 2), "");
  EXPECT_EQ(CellAt(cells, -1), "");
}

TEST(ColumnHeaderTest, TheSeedHeader) {
  // Line 72.
  const std::optional<Columns> columns = ColumnHeader(
      Cells("Activity\tLead Officer & Organisation\tActions\tTimescales\tRAG"
            "\t\t\t"));
  ASSERT_TRUE(columns.has_value());
  EXPECT_EQ(columns->activity, 0);
  EXPECT_EQ(columns->lead, 1);
  EXPECT_EQ(columns->action, 2);
  EXPECT_EQ(columns->timescale, 3);
  EXPECT_EQ(columns->rag, 4);
  EXPECT_EQ(columns->width, 5);
}

TEST(ColumnHeaderTest, ColumnsInAnyOrderAndNeedActionsAndTimescales) {
  const std::optional<Columns> columns =
      ColumnHeader(Cells("ACTIVITIES\tActions\tWhen\tStatus\tLead"));
  ASSERT_TRUE(columns.has_value());
  EXPECT_EQ(columns->action, 1);
  EXPECT_EQ(columns->timescale, 2);
  EXPECT_EQ(columns->rag, 3);
  EXPECT_EQ(columns->lead, 4);
  EXPECT_FALSE(ColumnHeader(Cells("Activity\tLead\tActions\tRAG")));
  EXPECT_FALSE(ColumnHeader(Cells("Action\tActivity\tTimescales")));
  EXPECT_FALSE(ColumnHeader(Cells("")));
}

TEST(ClassifyRowTest, SeedRows) {
  const std::vector<std::string> lines = SeedLines();
  const Columns columns;
  const auto classify = [&](int line) {
    return ClassifyRow(Cells(lines[line - 1]), columns);
  };
  EXPECT_EQ(classify(72).kind, RowKind::kHeader);
  EXPECT_EQ(classify(75).kind, RowKind::kBlank);
  EXPECT_EQ(classify(73).kind, RowKind::kOther);
  EXPECT_EQ(classify(71).kind, RowKind::kOther);  // a strand header
  EXPECT_EQ(classify(103).kind, RowKind::kOther);
  // Page banners, in the action column and in the lead column.
  EXPECT_EQ(classify(82).kind, RowKind::kDebris);
  EXPECT_EQ(classify(82).why, "a page banner");
  EXPECT_EQ(classify(136).why, "a page banner");
  // The footer split one word per cell, and the "_" below it.
  EXPECT_EQ(classify(157).kind, RowKind::kDebris);
  EXPECT_EQ(classify(157).why,
            "a page footer or header split across the columns");
  EXPECT_EQ(classify(158).why, "extraction debris");
}

TEST(ClassifyRowTest, BannersAreCapitalsWithNoDash) {
  const Columns columns;
  EXPECT_EQ(ClassifyRow(Cells("\t\tTO MAKE SOUTH STE"), columns).kind,
            RowKind::kDebris);
  // Too few letters, lower case, or a strand-like dash: not a banner.
  EXPECT_EQ(ClassifyRow(Cells("\t\tTO MAKE"), columns).kind, RowKind::kOther);
  EXPECT_EQ(ClassifyRow(Cells("\t\tTo make South Staffs"), columns).kind,
            RowKind::kOther);
  EXPECT_EQ(ClassifyRow(Cells("IDEOLOGY - TACKLING CAUSES"), columns).kind,
            RowKind::kOther);
  // One word in each of four cells is a footer only when the RAG cell is no
  // RAG status.
  EXPECT_EQ(ClassifyRow(Cells("Working\tto\tmake\tSouth\tSafer"), columns).kind,
            RowKind::kDebris);
  EXPECT_EQ(
      ClassifyRow(Cells("Channel\tPolice\tRefer\tOngoing\tGreen"), columns)
          .kind,
      RowKind::kOther);
}

class SeedTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    lines_ = SeedLines();
    ASSERT_GT(lines_.size(), 160u);
    WarningSink sink(&warnings_);
    // The first column header is on line 70.
    table_ = ReadTable(
        lines_, 69, "South Staffordshire Prevent Action Plan 2023-2025", &sink);
  }

  const RawActivity& Activity(const std::string& title) const {
    for (const RawActivity& activity : table_.activities) {
      if (absl::StrJoin(activity.title_parts, " ") == title) return activity;
    }
    ADD_FAILURE() << "no activity " << title;
    return table_.activities.front();
  }

  std::vector<std::string> lines_;
  std::vector<FormatWarning> warnings_;
  RawTable table_;
};

TEST_F(SeedTableTest, StrandsWithTheirCutWordsRejoined) {
  ASSERT_EQ(table_.strands.size(), 3u);
  EXPECT_EQ(table_.strands[0].line, 71);
  EXPECT_EQ(table_.strands[0].title, "Ideology");
  EXPECT_EQ(table_.strands[1].title, "Individuals");
  // Line 86: "people f<TAB>rom ... terrorisr<TAB>n and ...".
  EXPECT_EQ(table_.strands[1].description,
            "preventing people from being drawn into terrorism and ensuring "
            "they are given appropriate advice and support");
  EXPECT_THAT(WarningsAt(warnings_, 86),
              AllOf(HasSubstr("\"f|rom\" as \"from\""),
                    HasSubstr("\"terrorisr|n\" as \"terrorism\"")));
  EXPECT_EQ(table_.strands[2].title, "Institutions");
}

TEST_F(SeedTableTest, ActivitiesUnderTheirStrands) {
  ASSERT_EQ(table_.activities.size(), 19u);
  const RawActivity& first = table_.activities.front();
  EXPECT_EQ(first.line, 73);
  EXPECT_EQ(first.strand, 0);
  EXPECT_THAT(first.title_parts,
              ElementsAre("Risk Assessment and local understanding"));
  EXPECT_THAT(first.lead_parts, ElementsAre("Staffordshire Police"));
  EXPECT_EQ(Activity("Channel").strand, 0);
  EXPECT_EQ(Activity("Policies and Procedures").strand, 1);
  EXPECT_EQ(table_.activities.back().strand, 2);
  EXPECT_THAT(table_.activities.back().lead_parts, ElementsAre("All partners"));
}

TEST_F(SeedTableTest, WrappedTitlesAndLeads) {
  // Lines 110-112: title and lead cell wrapped over three rows.
  const RawActivity& emerging =
      Activity("Emerging and Transient Communities - community cohesion");
  EXPECT_EQ(emerging.line, 110);
  EXPECT_THAT(emerging.lead_parts,
              ElementsAre("Michelle Jewell/Maggie", "Quinn",
                          "South Staffordshire Council"));
  EXPECT_EQ(emerging.rows.size(), 4u);
  EXPECT_THAT(WarningsAt(warnings_, 111),
              HasSubstr("read as the rest of that activity's wrapped title"));
  // Lines 94 and 103: the title continues after the page break (line 102).
  const RawActivity& reaching =
      Activity("Reaching out to individuals through communities");
  EXPECT_EQ(reaching.rows.size(), 8u);  // lines 94 and 103-109
  EXPECT_THAT(WarningsAt(warnings_, 103),
              HasSubstr("from before the page break at line 102"));
  EXPECT_THAT(WarningsAt(warnings_, 102), HasSubstr("skipped a page banner"));
}

TEST_F(SeedTableTest, OwnersAndOpenRanges) {
  // Lines 117-122.
  const RawActivity& social = Activity("Social media");
  ASSERT_EQ(social.rows.size(), 6u);
  // "Sept 2023 –" then "March 2025" on the next row: one timescale, and the
  // row wraps every cell of the one above.
  EXPECT_EQ(social.rows[0].timescale, "Sept 2023 \xE2\x80\x93 March 2025");
  EXPECT_EQ(social.rows[1].timescale, "");
  EXPECT_TRUE(social.rows[1].wrap);
  EXPECT_EQ(social.rows[1].action, "Staffordshire Police and other partners.");
  EXPECT_EQ(social.rows[2].owner, "Staffordshire Police");
  EXPECT_EQ(social.rows[2].action, "Local online forums e.g. PCSO forums");
  EXPECT_EQ(social.rows[3].owner, "Entrust");
  EXPECT_EQ(social.rows[3].action, "");
  EXPECT_FALSE(social.rows[4].head);
  EXPECT_THAT(WarningsAt(warnings_, 118), HasSubstr("continues here"));
  // Line 115: ", 00" in the title column is debris; its lead cell wraps the
  // lead of line 114.
  const RawActivity& community = Activity("Community Engagement");
  EXPECT_THAT(community.lead_parts, ElementsAre("Support Staffordshire",
                                                "South Staffordshire Council"));
  EXPECT_THAT(WarningsAt(warnings_, 115),
              HasSubstr("ignored extraction debris \", 00\""));
}

// Small tables.

RawTable Read(const std::vector<std::string>& lines,
              std::vector<FormatWarning>* warnings) {
  WarningSink sink(warnings);
  return ReadTable(lines, 0, "Anytown Prevent Plan", &sink);
}

TEST(ReadTableTest, AnOtherTitledRowIsAStrandOnlyAboveAHeader) {
  std::vector<FormatWarning> warnings;
  const RawTable table =
      Read({kHeader, "Referrals - early help for those at risk", "", kHeader,
            "Channel\tPolice\tRefer early.\tOngoing",
            "Training - staff and partners", "\t\tTrain staff.\tMay 2024"},
           &warnings);
  ASSERT_EQ(table.strands.size(), 1u);
  EXPECT_EQ(table.strands[0].title, "Referrals");
  EXPECT_EQ(table.strands[0].description, "early help for those at risk");
  ASSERT_EQ(table.activities.size(), 1u);
  // "Training - ..." has no header below it: it continues Channel's title,
  // as a row with a title and no timescale in the activity's first rows.
  EXPECT_THAT(table.activities[0].title_parts,
              ElementsAre("Channel", "Training - staff and partners"));
}

TEST(ReadTableTest, SkipsWhatIsNotARowOfAnActivity) {
  std::vector<FormatWarning> warnings;
  const RawTable table = Read(
      {kHeader, "\t\tOrphan action.\tMay 2024", "Anytown Prevent Plan",
       "Channel\tPolice\tRefer early.\tOngoing",
       "Ideology - the ideological causes", "\t\tAnother orphan.\tJune 2024"},
      &warnings);
  ASSERT_EQ(table.activities.size(), 1u);
  EXPECT_THAT(table.activities[0].title_parts, ElementsAre("Channel"));
  ASSERT_EQ(table.strands.size(), 1u);
  EXPECT_THAT(WarningsAt(warnings, 2),
              HasSubstr("skipped a row with no activity above it: "
                        "\"Orphan action. May 2024\""));
  EXPECT_EQ(WarningsAt(warnings, 3),
            "skipped the plan's title repeated in the table");
  // A strand header closes the activity above it.
  EXPECT_THAT(WarningsAt(warnings, 6),
              HasSubstr("skipped a row with no activity above it"));
}

TEST(ReadTableTest, LaterHeadersSetTheColumns) {
  std::vector<FormatWarning> warnings;
  const RawTable table =
      Read({kHeader, "Channel\tPolice\tRefer early.\tOngoing",
            "Activity\tActions\tTimescales\tLead",
            "Training\tTrain staff.\tMay 2024\tAnytown Council"},
           &warnings);
  ASSERT_EQ(table.activities.size(), 2u);
  ASSERT_EQ(table.activities[1].rows.size(), 1u);
  EXPECT_EQ(table.activities[1].rows[0].action, "Train staff.");
  EXPECT_EQ(table.activities[1].rows[0].timescale, "May 2024");
  EXPECT_THAT(table.activities[1].lead_parts, ElementsAre("Anytown Council"));
}

}  // namespace
}  // namespace plan::prevent_text
