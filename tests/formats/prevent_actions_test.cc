#include "libplan/formats/prevent_actions.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace plan::prevent_text {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kDash[] = "\xE2\x80\x93";

// An activity built row by row, as ReadTable leaves it.
class ActivityBuilder {
 public:
  explicit ActivityBuilder(std::string title) {
    raw_.title_parts.push_back(std::move(title));
  }
  ActivityBuilder& Row(int line, std::string action, std::string timescale = "",
                       std::string owner = "", bool wrap = false) {
    RawRow row;
    row.line = line;
    row.head = raw_.rows.empty();
    row.wrap = wrap;
    row.action = std::move(action);
    row.timescale = std::move(timescale);
    row.owner = std::move(owner);
    raw_.rows.push_back(std::move(row));
    if (raw_.line == 0) raw_.line = line;
    return *this;
  }
  const RawActivity& raw() const { return raw_; }

 private:
  RawActivity raw_;
};

// SplitActions then AssignTimescales, as the importer does.
struct Assembled {
  std::vector<ActionDraft> actions;
  std::vector<FormatWarning> warnings;

  std::vector<std::string> Texts() const {
    std::vector<std::string> texts;
    for (const ActionDraft& a : actions) texts.push_back(a.text);
    return texts;
  }
  std::vector<std::string> Timescales() const {
    std::vector<std::string> texts;
    for (const ActionDraft& a : actions) {
      texts.push_back(a.timescale.has_value() ? a.timescale->text() : "-");
    }
    return texts;
  }
  std::string WarningsAt(int line) const {
    std::vector<std::string> messages;
    for (const FormatWarning& w : warnings) {
      if (w.line == line) messages.push_back(w.message);
    }
    return absl::StrJoin(messages, "\n");
  }
};

Assembled Assemble(const RawActivity& raw) {
  Assembled out;
  WarningSink sink(&out.warnings);
  std::vector<DateEntry> dates = ActivityDates(raw);
  out.actions = SplitActions(raw, dates, &sink);
  AssignTimescales(raw, std::move(dates), &out.actions, &sink);
  return out;
}

TEST(SplitDatesTest, ACellOfSeveralDates) {
  EXPECT_THAT(SplitDates("February 2024 February 2024"),
              ElementsAre("February 2024", "February 2024"));
  EXPECT_THAT(SplitDates(absl::StrCat("Feb 2024 ", kDash, " Mar 2025")),
              ElementsAre(absl::StrCat("Feb 2024 ", kDash, " Mar 2025")));
  EXPECT_THAT(SplitDates("Ongoing"), ElementsAre("Ongoing"));
  EXPECT_THAT(SplitDates("Mar 2023 ongoing"), ElementsAre("Mar 2023 ongoing"));
  // What does not read as dates throughout stays whole.
  EXPECT_THAT(SplitDates("When funding allows"),
              ElementsAre("When funding allows"));
}

TEST(ActivityDatesTest, EachDateWithItsRowAndLine) {
  const RawActivity raw = ActivityBuilder("Signposting")
                              .Row(126, "Advising the public.", "Nov 2023")
                              .Row(127, "", "Mar 2024")
                              .Row(128, "Contributing.", "")
                              .raw();
  const std::vector<DateEntry> dates = ActivityDates(raw);
  ASSERT_EQ(dates.size(), 2u);
  EXPECT_EQ(dates[1].text, "Mar 2024");
  EXPECT_EQ(dates[1].line, 127);
  EXPECT_EQ(dates[1].row, 1u);
}

TEST(SplitActionsTest, WrappedActionsJoin) {
  // Lines 94 and 103: a row ending with "," continues on the next.
  const Assembled a =
      Assemble(ActivityBuilder("Reaching out to individuals")
                   .Row(94,
                        "Prevent awareness presentation at Locality+ Forum to "
                        "parish,",
                        "Sept 2024")
                   .Row(103, "district and county councillors.")
                   .Row(104, "Engage schools.")
                   .raw());
  EXPECT_THAT(a.Texts(),
              ElementsAre("Prevent awareness presentation at Locality+ Forum "
                          "to parish, district and county councillors.",
                          "Engage schools."));
}

TEST(SplitActionsTest, AListAfterAColonIsOneAction) {
  // Lines 104-109.
  const Assembled a = Assemble(ActivityBuilder("Reaching out")
                                   .Row(104,
                                        "Prevent awareness presentation "
                                        "to:",
                                        "Sept 2024")
                                   .Row(105, "Community Safety Forums")
                                   .Row(106, "Friends Groups")
                                   .Row(107, "NW Groups")
                                   .raw());
  EXPECT_THAT(a.Texts(), ElementsAre("Prevent awareness presentation to: "
                                     "Community Safety Forums, Friends "
                                     "Groups, NW Groups"));
  EXPECT_THAT(a.WarningsAt(104),
              HasSubstr("is followed by 3 rows listing what it covers"));
}

TEST(SplitActionsTest, AnOrganisationRowOwnsTheActionBesideOrBelowIt) {
  // Lines 117-122.
  const Assembled a = Assemble(
      ActivityBuilder("Social media")
          .Row(117,
               "Using twitter accounts through South Staffordshire "
               "Council,",
               absl::StrCat("Sept 2023 ", kDash, " March 2025"))
          .Row(118, "Staffordshire Police and other partners.", "", "", true)
          .Row(119, "Local online forums e.g. PCSO forums", "",
               "Staffordshire Police")
          .Row(120, "", "", "Entrust")
          .Row(121,
               "Training on social media to staff in schools and "
               "colleges to look")
          .Row(122, "out for extremist information on the internet")
          .raw());
  ASSERT_EQ(a.actions.size(), 3u);
  EXPECT_EQ(a.actions[0].owner, "");
  EXPECT_EQ(a.actions[1].owner, "Staffordshire Police");
  EXPECT_EQ(a.actions[1].owner_line, 119);
  EXPECT_EQ(a.actions[2].owner, "Entrust");
  EXPECT_EQ(a.actions[2].owner_line, 120);
  EXPECT_EQ(a.actions[2].text,
            "Training on social media to staff in schools and colleges to "
            "look out for extremist information on the internet");
  // The one date is the first action's, shared down.
  const std::string range = absl::StrCat("Sept 2023 ", kDash, " March 2025");
  EXPECT_THAT(a.Timescales(), ElementsAre(range, range, range));
  EXPECT_THAT(a.WarningsAt(119), HasSubstr("has no timescale of its own"));
}

TEST(SplitActionsTest, AnOrganisationWithNoActionIsIgnored) {
  const Assembled a = Assemble(ActivityBuilder("Community")
                                   .Row(1, "Schools.", "Ongoing")
                                   .Row(2, "", "", "Health")
                                   .Row(3, "", "", "Parish Councils")
                                   .raw());
  ASSERT_EQ(a.actions.size(), 1u);
  EXPECT_EQ(a.WarningsAt(2),
            "the organisation \"Health\" names no action: ignored");
  EXPECT_EQ(a.WarningsAt(3),
            "the organisation \"Parish Councils\" names no action: ignored");
}

TEST(AssignTimescalesTest, OneActionPerSentenceEachWithItsDate) {
  // Line 74: two sentences beside "February 2024 September 2024".
  const Assembled a =
      Assemble(ActivityBuilder("Safeguarding and due process")
                   .Row(74,
                        "Safeguarding Champions to understand Prevent referral "
                        "procedure. Trends to be reflected in the messages.",
                        "February 2024 September 2024")
                   .raw());
  EXPECT_THAT(a.Texts(),
              ElementsAre("Safeguarding Champions to understand Prevent "
                          "referral procedure.",
                          "Trends to be reflected in the messages."));
  EXPECT_THAT(a.Timescales(), ElementsAre("February 2024", "September 2024"));
  EXPECT_EQ(a.actions[1].timescale->start(), "2024-09");
  EXPECT_THAT(a.WarningsAt(74), HasSubstr("one action per sentence"));
}

TEST(AssignTimescalesTest, AsManyDatesAsActionsArePairedInOrder) {
  // Lines 126-140: Signposting's dates run ahead of its actions.
  const Assembled a = Assemble(
      ActivityBuilder("Signposting")
          .Row(126,
               "Advising the public if they identify anything "
               "suspicious.",
               "Nov 2023")
          .Row(127, "", "Mar 2024")
          .Row(128,
               "Contributing to data collection and analysis and using "
               "this to",
               "Sept 2024")
          .Row(137, "focus communications", "Feb 2025")
          .Row(138,
               "E-mail rider stating \"Security is everybody's "
               "responsibility\" and")
          .Row(139, "phone number")
          .Row(140, "South Staffordshire BCEP Group")
          .raw());
  ASSERT_EQ(a.actions.size(), 4u);
  EXPECT_THAT(a.Timescales(),
              ElementsAre("Nov 2023", "Mar 2024", "Sept 2024", "Feb 2025"));
  EXPECT_THAT(a.WarningsAt(126), HasSubstr("paired in order"));
}

TEST(AssignTimescalesTest, SeveralDatesBesideOneActionAreReadTogether) {
  const Assembled a = Assemble(ActivityBuilder("Training")
                                   .Row(1, "Train staff,", "May 2024")
                                   .Row(2, "and governors,", "June 2024")
                                   .Row(3, "and partners.", "")
                                   .Row(4, "Review.", "")
                                   .Row(5, "Report.", "")
                                   .raw());
  EXPECT_THAT(a.Texts(),
              ElementsAre("Train staff, and governors, and partners.",
                          "Review.", "Report."));
  EXPECT_THAT(a.Timescales(),
              ElementsAre("May 2024 / June 2024", "May 2024 / June 2024",
                          "May 2024 / June 2024"));
  EXPECT_THAT(a.WarningsAt(1), HasSubstr("has 2 timescales: read together"));
}

TEST(AssignTimescalesTest, WhatHasNoDateOrNoActionIsSaid) {
  const Assembled undated = Assemble(ActivityBuilder("Channel")
                                         .Row(5, "Refer early.")
                                         .Row(6, "Review.")
                                         .raw());
  EXPECT_THAT(undated.Timescales(), ElementsAre("-", "-"));
  EXPECT_EQ(undated.WarningsAt(6), "the action \"Review.\" has no timescale");
  const Assembled no_action =
      Assemble(ActivityBuilder("Channel").Row(7, "", "Ongoing").raw());
  EXPECT_THAT(no_action.actions, IsEmpty());
  EXPECT_EQ(no_action.WarningsAt(7), "a timescale with no action: ignored");
}

TEST(ReadTimescaleTest, WarnsOfItsNoteAndCutsLongText) {
  std::vector<FormatWarning> warnings;
  WarningSink sink(&warnings);
  const v1::Timescale ongoing = ReadTimescale("Ongoing", 3, &sink);
  EXPECT_TRUE(ongoing.ongoing());
  EXPECT_THAT(warnings, IsEmpty());
  const v1::Timescale long_text =
      ReadTimescale(std::string(250, 'x'), 4, &sink);
  EXPECT_EQ(long_text.text().size(), 200u);
  ASSERT_FALSE(warnings.empty());
  EXPECT_EQ(warnings.back().line, 4);
  EXPECT_THAT(warnings.back().message, HasSubstr("cut to 200"));
}

}  // namespace
}  // namespace plan::prevent_text
