#include "libplan/formats/timescale.h"

#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prevent/plan/v1/resources.pb.h"

namespace plan {
namespace {

namespace v1 = ::prevent::plan::v1;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

struct Case {
  std::string text;
  std::string start;
  std::string end;
  bool ongoing;
  bool noted;  // whether a note is expected
};

void PrintTo(const Case& c, std::ostream* os) { *os << '"' << c.text << '"'; }

class ReadsTimescale : public ::testing::TestWithParam<Case> {};

TEST_P(ReadsTimescale, MonthsOngoingAndNote) {
  const Case& c = GetParam();
  const TimescaleParse parsed = ParseTimescale(c.text);
  EXPECT_EQ(parsed.timescale.start(), c.start);
  EXPECT_EQ(parsed.timescale.end(), c.end);
  EXPECT_EQ(parsed.timescale.ongoing(), c.ongoing);
  if (c.noted) {
    EXPECT_THAT(parsed.note, Not(IsEmpty()));
  } else {
    EXPECT_THAT(parsed.note, IsEmpty());
  }
}

// Every timescale written in the South Staffordshire plan, as written there.
INSTANTIATE_TEST_SUITE_P(
    SeedForms, ReadsTimescale,
    ::testing::Values(
        Case{"Ongoing", "", "", true, false},
        Case{"February 2024", "2024-02", "2024-02", false, false},
        Case{"September 2024", "2024-09", "2024-09", false, false},
        Case{"April 2024", "2024-04", "2024-04", false, false},
        Case{"Feb 2024 - March 2025", "2024-02", "2025-03", false, false},
        Case{"Feb 2024", "2024-02", "2024-02", false, false},
        Case{"March 2024", "2024-03", "2024-03", false, false},
        Case{"Sept 2024", "2024-09", "2024-09", false, false},
        Case{"Feb 2025", "2025-02", "2025-02", false, false},
        Case{"Feb 2024 – March 2025", "2024-02", "2025-03", false, false},
        Case{"Sept 2023 – March 2025", "2023-09", "2025-03", false, false},
        Case{"Nov 2023", "2023-11", "2023-11", false, false},
        Case{"Mar 2024", "2024-03", "2024-03", false, false},
        Case{"Feb 2024 – Mar 2025", "2024-02", "2025-03", false, false},
        Case{"Mar 2023 ongoing", "2023-03", "", true, false}));

INSTANTIATE_TEST_SUITE_P(
    CommonVariants, ReadsTimescale,
    ::testing::Values(
        Case{"ongoing", "", "", true, false},
        Case{"ONGOING", "", "", true, false},
        Case{"On-going", "", "", true, false},
        Case{"on going", "", "", true, false},
        Case{"Sep 2023", "2023-09", "2023-09", false, false},
        Case{"sept. 2023", "2023-09", "2023-09", false, false},
        Case{"SEPTEMBER 2023", "2023-09", "2023-09", false, false},
        Case{"jan 2024", "2024-01", "2024-01", false, false},
        Case{"May 2024", "2024-05", "2024-05", false, false},
        Case{"Dec 2024", "2024-12", "2024-12", false, false},
        Case{"Feb 2024 — Mar 2025", "2024-02", "2025-03", false, false},
        Case{"Feb 2024 to Mar 2025", "2024-02", "2025-03", false, false},
        Case{"Feb 2024 until March 2025", "2024-02", "2025-03", false, false},
        Case{"Feb 2024-Mar 2025", "2024-02", "2025-03", false, false},
        Case{"  Feb\t2024 \n– March  2025 ", "2024-02", "2025-03", false,
             false},
        Case{"Mar 2023 - ongoing", "2023-03", "", true, false},
        Case{"Mar 2023 onwards", "2023-03", "", true, false},
        Case{"From Mar 2023 onwards", "2023-03", "", true, false},
        Case{"Ongoing from Mar 2023", "2023-03", "", true, false},
        Case{"Mar 2023 +", "2023-03", "", true, false},
        Case{"1 July 2024", "2024-07", "2024-07", false, false},
        Case{"1st July 2024", "2024-07", "2024-07", false, false},
        Case{"July 1, 2024", "2024-07", "2024-07", false, false},
        Case{"31/03/2024", "2024-03", "2024-03", false, false},
        Case{"03/2024", "2024-03", "2024-03", false, false},
        Case{"2024-03", "2024-03", "2024-03", false, false},
        Case{"By March 2024", "", "2024-03", false, false},
        Case{"End of March 2024", "2024-03", "2024-03", false, false},
        Case{"Q1 2024/25", "2024-04", "2024-06", false, false},
        Case{"Q4 2024/25", "2025-01", "2025-03", false, false}));

// Forms that need an assumption: each is read, and the note says how.
INSTANTIATE_TEST_SUITE_P(
    Assumptions, ReadsTimescale,
    ::testing::Values(
        Case{"2024", "2024-01", "2024-12", false, true},
        Case{"2024/25", "2024-04", "2025-03", false, true},
        Case{"2024-25", "2024-04", "2025-03", false, true},
        Case{"2023-2025", "2023-04", "2025-03", false, true},
        Case{"Q1 2024", "2024-01", "2024-03", false, true},
        Case{"Q3 2024", "2024-07", "2024-09", false, true},
        Case{"Spring 2024", "2024-03", "2024-05", false, true},
        Case{"Autumn 2024", "2024-09", "2024-11", false, true},
        Case{"Winter 2024", "2024-12", "2025-02", false, true},
        Case{"Early 2024", "2024-01", "2024-04", false, true},
        Case{"Late 2024", "2024-09", "2024-12", false, true},
        Case{"End of 2024", "2024-12", "2024-12", false, true},
        Case{"Mar 24", "2024-03", "2024-03", false, true},
        Case{"Feb – March 2025", "2025-02", "2025-03", false, true},
        Case{"Nov – March 2025", "2024-11", "2025-03", false, true},
        Case{"Nov 2024 – Feb", "2024-11", "2025-02", false, true},
        Case{"From April 2024", "2024-04", "", true, true},
        Case{"Annually", "", "", true, true},
        Case{"Quarterly", "", "", true, true},
        Case{"Feb 2024 –", "2024-02", "", false, true},
        Case{"February 2024 February 2024", "2024-02", "2024-02", false, true},
        Case{"Nov 2023 / Mar 2024", "2023-11", "2024-03", false, true},
        Case{"Nov 2023, Mar 2024 and Sept 2024", "2023-11", "2024-09", false,
             true}));

// Less common ways of writing the forms above.
INSTANTIATE_TEST_SUITE_P(
    Variants, ReadsTimescale,
    ::testing::Values(
        Case{"March 24 2024", "2024-03", "2024-03", false, false},
        Case{"Early March 2024", "2024-03", "2024-03", false, false},
        Case{"mid-2024", "2024-05", "2024-08", false, true},
        Case{"Mar-24", "2024-03", "2024-03", false, true},
        Case{"Winter 2024/25", "2024-12", "2025-02", false, true},
        Case{"2023 to 2025", "2023-04", "2025-03", false, true},
        Case{"Ongoing from Q1 2024/25", "2024-04", "", true, false},
        Case{"Feb 2024 - - March 2025", "2024-02", "2025-03", false, false}));

// Text that cannot be read keeps its text, has no months, and says why.
INSTANTIATE_TEST_SUITE_P(
    Unreadable, ReadsTimescale,
    ::testing::Values(Case{"TBC", "", "", false, true},
                      Case{"March", "", "", false, true},
                      Case{"Febuary 2024", "", "", false, true},
                      Case{"When funding allows", "", "", false, true},
                      Case{"March 2025 – Feb 2024", "", "", false, true},
                      Case{"Jan 1850", "", "", false, true},
                      Case{"-", "", "", false, true},
                      Case{"Q5 2024", "", "", false, true},
                      Case{"13/2024", "", "", false, true},
                      Case{"£2024", "", "", false, true},
                      Case{"Feb – March", "", "", false, true},
                      Case{"Spring", "", "", false, true}));

TEST(ParseTimescaleTest, KeepsTheTextWithWhitespaceCollapsed) {
  EXPECT_EQ(ParseTimescale("  Feb\t2024 \n– March  2025 ").timescale.text(),
            "Feb 2024 – March 2025");
  EXPECT_EQ(ParseTimescale("When funding allows").timescale.text(),
            "When funding allows");
}

TEST(ParseTimescaleTest, EmptyTextGivesAnEmptyTimescaleAndNoNote) {
  for (const char* text : {"", "   ", "\t\n"}) {
    const TimescaleParse parsed = ParseTimescale(text);
    EXPECT_EQ(parsed.timescale.SerializeAsString(), "") << '"' << text << '"';
    EXPECT_EQ(parsed.note, "");
  }
}

TEST(ParseTimescaleTest, NotesSayWhatWasAssumed) {
  EXPECT_THAT(ParseTimescale("2024").note, HasSubstr("calendar year"));
  EXPECT_THAT(ParseTimescale("2024/25").note, HasSubstr("financial year"));
  EXPECT_THAT(ParseTimescale("Q1 2024").note, HasSubstr("calendar quarter"));
  EXPECT_THAT(ParseTimescale("March 2025 – Feb 2024").note,
              HasSubstr("ends before it starts"));
  EXPECT_THAT(ParseTimescale("March").note, HasSubstr("no year"));
}

TEST(ParseTimescaleTest, NeverGivesAStartAfterTheEnd) {
  for (const char* text :
       {"Dec 2025 - Jan 2024", "2025 - March 2024", "Winter 2024 - Jan 2024",
        "Mar 2025 / Feb 2024", "Q4 2025 to Q1 2025"}) {
    const v1::Timescale t = ParseTimescale(text).timescale;
    if (!t.start().empty() && !t.end().empty()) {
      EXPECT_LE(t.start(), t.end()) << text;
    }
  }
}

TEST(IsOverdueTest, EndBeforeTodaysMonthAndNotOngoingOrComplete) {
  v1::Timescale due;
  due.set_start("2024-02");
  due.set_end("2024-03");
  const absl::CivilDay april(2024, 4, 1);
  EXPECT_TRUE(IsOverdue(due, v1::RAG_UNSPECIFIED, april));
  EXPECT_TRUE(IsOverdue(due, v1::RED, april));
  EXPECT_TRUE(IsOverdue(due, v1::GREEN, april));
  EXPECT_FALSE(IsOverdue(due, v1::BLUE, april));
  // Within the end month it is not yet overdue.
  EXPECT_FALSE(IsOverdue(due, v1::RED, absl::CivilDay(2024, 3, 31)));
  EXPECT_FALSE(IsOverdue(due, v1::RED, absl::CivilDay(2023, 12, 1)));
  EXPECT_TRUE(IsOverdue(due, v1::RED, absl::CivilDay(2025, 1, 1)));
}

TEST(IsOverdueTest, OngoingOrWithoutAnEndIsNeverOverdue) {
  const absl::CivilDay later(2030, 1, 1);
  EXPECT_FALSE(IsOverdue(ParseTimescale("Ongoing").timescale, v1::RED, later));
  EXPECT_FALSE(
      IsOverdue(ParseTimescale("Mar 2023 ongoing").timescale, v1::RED, later));
  EXPECT_FALSE(IsOverdue(ParseTimescale("TBC").timescale, v1::RED, later));
  EXPECT_FALSE(IsOverdue(v1::Timescale(), v1::RED, later));
  v1::Timescale broken;
  broken.set_end("March 2024");
  EXPECT_FALSE(IsOverdue(broken, v1::RED, later));
}

TEST(IsOverdueTest, SeedTimescalesOnADayDuringThePlan) {
  const absl::CivilDay day(2024, 10, 15);
  EXPECT_TRUE(
      IsOverdue(ParseTimescale("September 2024").timescale, v1::AMBER, day));
  EXPECT_FALSE(IsOverdue(ParseTimescale("Feb 2024 – March 2025").timescale,
                         v1::AMBER, day));
  EXPECT_TRUE(IsOverdue(ParseTimescale("Nov 2023").timescale, v1::AMBER, day));
}

}  // namespace
}  // namespace plan
