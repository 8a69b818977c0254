// UK days and dates: the computed rule against Europe/London from the tz
// database, and the dates people type.
#include "libplan/util/uk_time.h"

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace plan {
namespace {

absl::Time Utc(absl::CivilSecond civil) {
  return absl::FromCivil(civil, absl::UTCTimeZone());
}

TEST(UkTimeTest, ClocksChangeAtOneUtcOnTheLastSundays) {
  // 2026: 29 March and 25 October.
  EXPECT_EQ(UkOffset(Utc(absl::CivilSecond(2026, 3, 29, 0, 59, 59))),
            absl::ZeroDuration());
  EXPECT_EQ(UkOffset(Utc(absl::CivilSecond(2026, 3, 29, 1, 0, 0))),
            absl::Hours(1));
  EXPECT_EQ(UkOffset(Utc(absl::CivilSecond(2026, 10, 25, 0, 59, 59))),
            absl::Hours(1));
  EXPECT_EQ(UkOffset(Utc(absl::CivilSecond(2026, 10, 25, 1, 0, 0))),
            absl::ZeroDuration());
  EXPECT_EQ(ToUkCivil(Utc(absl::CivilSecond(2026, 3, 29, 1, 0, 0))),
            absl::CivilSecond(2026, 3, 29, 2, 0, 0));
}

TEST(UkTimeTest, TheUkDayStartsAnHourEarlierInSummer) {
  EXPECT_EQ(ToUkDay(Utc(absl::CivilSecond(2026, 6, 30, 23, 30, 0))),
            absl::CivilDay(2026, 7, 1));
  EXPECT_EQ(ToUkDay(Utc(absl::CivilSecond(2026, 12, 31, 23, 30, 0))),
            absl::CivilDay(2026, 12, 31));
  EXPECT_EQ(UkStartOfDay(absl::CivilDay(2026, 7, 1)),
            Utc(absl::CivilSecond(2026, 6, 30, 23, 0, 0)));
  EXPECT_EQ(UkStartOfDay(absl::CivilDay(2026, 12, 6)),
            Utc(absl::CivilSecond(2026, 12, 6, 0, 0, 0)));
  // The days the clocks change start before the change.
  EXPECT_EQ(UkStartOfDay(absl::CivilDay(2026, 3, 29)),
            Utc(absl::CivilSecond(2026, 3, 29, 0, 0, 0)));
  EXPECT_EQ(UkStartOfDay(absl::CivilDay(2026, 10, 25)),
            Utc(absl::CivilSecond(2026, 10, 24, 23, 0, 0)));
}

// Every hour, and every midnight, of 1996 to 2037 as the tz database's
// Europe/London has them.
TEST(UkTimeTest, AgreesWithTheTzDatabaseFrom1996To2037) {
  absl::TimeZone london;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/London", &london))
      << "no tz database (Debian's tzdata)";
  int hours = 0;
  for (absl::Time t = Utc(absl::CivilSecond(1996, 1, 1, 0, 0, 0));
       t < Utc(absl::CivilSecond(2038, 1, 1, 0, 0, 0)); t += absl::Hours(1)) {
    ASSERT_EQ(ToUkCivil(t), absl::ToCivilSecond(t, london))
        << absl::FormatTime(t);
    ++hours;
  }
  EXPECT_GT(hours, 42 * 365 * 24);
  for (absl::CivilDay day(1996, 1, 1); day < absl::CivilDay(2038, 1, 1);
       ++day) {
    ASSERT_EQ(UkStartOfDay(day), absl::FromCivil(day, london)) << day;
  }
}

TEST(UkTimeTest, ParsesTheDatesPeopleType) {
  const absl::CivilDay sixth(2026, 12, 6);
  for (const char* text :
       {"06/12/2026", "6/12/2026", "06-12-2026", "2026-12-06", "6 Dec 2026",
        "6 December 2026", "6 december 2026", " 6 Dec 2026 ", "6  Dec 2026"}) {
    EXPECT_EQ(ParseUkDate(text), sixth) << text;
  }
  EXPECT_EQ(ParseUkDate("1 Sept 2026"), absl::CivilDay(2026, 9, 1));
  EXPECT_EQ(ParseUkDate("29/02/2028"), absl::CivilDay(2028, 2, 29));
}

TEST(UkTimeTest, RefusesWhatIsNoDate) {
  for (const char* text :
       {"", "yesterday", "12/31/2026", "31/02/2026", "29/02/2027", "0/12/2026",
        "06/12/26", "06/12", "2026-12", "6 Decem 2026", "6 De 2026", "6 Dec 26",
        "Dec 6 2026", "6th December 2026", "+6/12/2026", "06/12/2026/1",
        "2026-12-06T00:00:00Z", "6 December"}) {
    EXPECT_EQ(ParseUkDate(text), std::nullopt) << text;
  }
}

TEST(UkTimeTest, LabelsDatesTheUkWay) {
  EXPECT_EQ(UkDateLabel(absl::CivilDay(2026, 12, 6)), "6 December 2026");
  EXPECT_EQ(UkTimeLabel(Utc(absl::CivilSecond(2024, 3, 31, 12, 0, 0))),
            "31 March 2024 13:00");
  EXPECT_EQ(UkTimeLabel(Utc(absl::CivilSecond(2026, 12, 6, 9, 5, 59))),
            "6 December 2026 09:05");
  EXPECT_EQ(UkMonthName(3), "March");
  EXPECT_EQ(UkMonthName(0), "");
  EXPECT_EQ(UkMonthName(13), "");
}

}  // namespace
}  // namespace plan
