#include "libplan/sync/schedule.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>

#include "absl/random/random.h"
#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace plan {
namespace {

using ::testing::HasSubstr;

absl::TimeZone Zone(const std::string& name) {
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(name, &zone)) {
    ADD_FAILURE() << "time zone " << name << " is not installed (tzdata)";
  }
  return zone;
}

absl::Time At(const absl::TimeZone& zone, int year, int month, int day,
              int hour, int minute, int second = 0) {
  return absl::FromCivil(
      absl::CivilSecond(year, month, day, hour, minute, second), zone);
}

Schedule Nightly(int hour, int minute, const absl::TimeZone& zone,
                 absl::Duration jitter = absl::ZeroDuration()) {
  Schedule schedule;
  schedule.mode = Schedule::Mode::kNightly;
  schedule.hour = hour;
  schedule.minute = minute;
  schedule.time_zone = zone;
  schedule.jitter = jitter;
  return schedule;
}

// Randomized tests print their seed; PLAN_TEST_SEED repeats a run.
uint64_t Seed() {
  uint64_t seed = std::random_device()();
  if (const char* fixed = std::getenv("PLAN_TEST_SEED")) {
    seed = std::strtoull(fixed, nullptr, 10);
  }
  std::cerr << "PLAN_TEST_SEED=" << seed << "\n";
  return seed;
}

TEST(ParseScheduleTest, ReadsEveryForm) {
  absl::StatusOr<Schedule> nightly = ParseSchedule("nightly@02:00");
  ASSERT_TRUE(nightly.ok()) << nightly.status();
  EXPECT_EQ(nightly->mode, Schedule::Mode::kNightly);
  EXPECT_EQ(nightly->hour, 2);
  EXPECT_EQ(nightly->minute, 0);
  EXPECT_EQ(nightly->jitter, absl::Minutes(30));
  EXPECT_EQ(nightly->time_zone, absl::LocalTimeZone());

  absl::StatusOr<Schedule> late = ParseSchedule("nightly@23:59");
  ASSERT_TRUE(late.ok()) << late.status();
  EXPECT_EQ(late->hour, 23);
  EXPECT_EQ(late->minute, 59);

  absl::StatusOr<Schedule> every = ParseSchedule("every:15m");
  ASSERT_TRUE(every.ok()) << every.status();
  EXPECT_EQ(every->mode, Schedule::Mode::kEvery);
  EXPECT_EQ(every->interval, absl::Minutes(15));
  EXPECT_EQ(ParseSchedule("every:1h")->interval, absl::Hours(1));
  EXPECT_EQ(ParseSchedule("every:90s")->interval, absl::Seconds(90));
  EXPECT_EQ(ParseSchedule("every:1h30m")->interval, absl::Minutes(90));

  EXPECT_EQ(ParseSchedule("continuous")->mode, Schedule::Mode::kContinuous);
  EXPECT_EQ(ParseSchedule("manual")->mode, Schedule::Mode::kManual);
}

TEST(ParseScheduleTest, IgnoresCaseAndSurroundingSpace) {
  EXPECT_EQ(ParseSchedule(" Manual ")->mode, Schedule::Mode::kManual);
  EXPECT_EQ(ParseSchedule("CONTINUOUS")->mode, Schedule::Mode::kContinuous);
  EXPECT_EQ(ParseSchedule("Nightly@7:05")->hour, 7);
  EXPECT_EQ(ParseSchedule("EVERY:15M")->interval, absl::Minutes(15));
}

TEST(ParseScheduleTest, RefusesBadInputSayingWhatIsWrong) {
  struct Case {
    const char* text;
    const char* message;
  };
  for (const Case& c : {
           Case{"nightly@25:00",
                "schedule \"nightly@25:00\": hour must be "
                "00-23"},
           Case{"nightly@24:00", "hour must be 00-23"},
           Case{"nightly@02:60", "minute must be 00-59"},
           Case{"nightly@0200", "time must be HH:MM"},
           Case{"nightly@2:0", "time must be HH:MM"},
           Case{"nightly@", "time must be HH:MM"},
           Case{"nightly@-1:00", "time must be HH:MM"},
           Case{"nightly@002:00", "time must be HH:MM"},
           Case{"every:", "interval \"\" is not a duration"},
           Case{"every:15", "interval \"15\" is not a duration"},
           Case{"every:fortnight", "is not a duration such as 90s, 15m or 1h"},
           Case{"every:inf", "is not a duration"},
           Case{"every:0s", "interval must be at least 1s"},
           Case{"every:-5m", "interval must be at least 1s"},
           Case{"every:500ms", "interval must be at least 1s"},
           Case{"", "schedule \"\": expected nightly@HH:MM, every:DURATION"},
           Case{"hourly", "expected nightly@HH:MM"},
           Case{"nightly", "expected nightly@HH:MM"},
       }) {
    absl::StatusOr<Schedule> parsed = ParseSchedule(c.text);
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(parsed.status().message(), HasSubstr(c.message)) << c.text;
  }
}

TEST(FormatScheduleTest, RoundTripsThroughParse) {
  for (const char* text : {"nightly@02:00", "nightly@23:05", "every:15m",
                           "every:1h", "every:1m30s", "continuous", "manual"}) {
    absl::StatusOr<Schedule> parsed = ParseSchedule(text);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(FormatSchedule(*parsed), text);
  }
  EXPECT_EQ(FormatSchedule(*ParseSchedule("every:90s")), "every:1m30s");
  EXPECT_EQ(FormatSchedule(*ParseSchedule("nightly@7:05")), "nightly@07:05");
}

TEST(NextRunTest, ManualNeverRunsContinuousRunsNowEveryAddsTheInterval) {
  absl::BitGen gen;
  const absl::Time now = absl::FromUnixSeconds(1700000000);
  EXPECT_EQ(NextRun(*ParseSchedule("manual"), now, gen),
            absl::InfiniteFuture());
  EXPECT_EQ(NextRun(*ParseSchedule("continuous"), now, gen), now);
  EXPECT_EQ(NextRun(*ParseSchedule("every:15m"), now, gen),
            now + absl::Minutes(15));
}

TEST(NextRunTest, NightlyIsTodayWhenStillAheadOtherwiseTomorrow) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  absl::BitGen gen;
  const Schedule at_two = Nightly(2, 0, utc);
  EXPECT_EQ(NextRun(at_two, At(utc, 2024, 3, 5, 1, 59, 59), gen),
            At(utc, 2024, 3, 5, 2, 0));
  // At exactly HH:MM the run is the next day's: a sync that started then has
  // just been done.
  EXPECT_EQ(NextRun(at_two, At(utc, 2024, 3, 5, 2, 0), gen),
            At(utc, 2024, 3, 6, 2, 0));
  EXPECT_EQ(NextRun(at_two, At(utc, 2024, 3, 5, 14, 0), gen),
            At(utc, 2024, 3, 6, 2, 0));
  // Across the end of a month and of a year.
  EXPECT_EQ(NextRun(Nightly(23, 30, utc), At(utc, 2024, 12, 31, 23, 45), gen),
            At(utc, 2025, 1, 1, 23, 30));
  EXPECT_EQ(NextRun(at_two, At(utc, 2024, 2, 28, 3, 0), gen),
            At(utc, 2024, 2, 29, 2, 0));
}

TEST(NextRunTest, NightlyIsLocalTimeOfTheZone) {
  const absl::TimeZone london = Zone("Europe/London");
  absl::BitGen gen;
  // 02:00 in London in July is 01:00 UTC.
  EXPECT_EQ(NextRun(Nightly(2, 0, london), At(london, 2024, 7, 1, 12, 0), gen),
            absl::FromCivil(absl::CivilSecond(2024, 7, 2, 1, 0, 0),
                            absl::UTCTimeZone()));
}

TEST(NextRunTest, NightlyKeepsLocalTimeAcrossDaylightSavingChanges) {
  const absl::TimeZone london = Zone("Europe/London");
  absl::BitGen gen;
  // Clocks go forward at 01:00 GMT on 31 March 2024: 02:00 local exists
  // (as 02:00 BST), one hour of real time closer.
  const Schedule at_two = Nightly(2, 0, london);
  const absl::Time before_spring = At(london, 2024, 3, 30, 12, 0);
  EXPECT_EQ(NextRun(at_two, before_spring, gen), At(london, 2024, 3, 31, 2, 0));
  EXPECT_EQ(NextRun(at_two, before_spring, gen) - before_spring,
            absl::Hours(13));
  // 01:30 does not exist that night: the run is at 02:30 BST, once.
  const Schedule skipped = Nightly(1, 30, london);
  const absl::Time spring_run = NextRun(skipped, before_spring, gen);
  EXPECT_EQ(spring_run,
            absl::FromCivil(absl::CivilSecond(2024, 3, 31, 1, 30, 0),
                            absl::UTCTimeZone()));
  EXPECT_EQ(NextRun(skipped, spring_run, gen), At(london, 2024, 4, 1, 1, 30));
  // Clocks go back at 02:00 BST on 27 October 2024: 01:30 happens twice; the
  // run is at the first, and the next is the following night.
  const absl::Time before_autumn = At(london, 2024, 10, 26, 12, 0);
  const absl::Time autumn_run = NextRun(skipped, before_autumn, gen);
  EXPECT_EQ(autumn_run,
            absl::FromCivil(absl::CivilSecond(2024, 10, 27, 0, 30, 0),
                            absl::UTCTimeZone()));
  EXPECT_EQ(NextRun(skipped, autumn_run, gen), At(london, 2024, 10, 28, 1, 30));
  EXPECT_EQ(NextRun(skipped, autumn_run + absl::Hours(1), gen),
            At(london, 2024, 10, 28, 1, 30));
}

TEST(NextRunTest, NightlyJitterIsWithinTheWindowAndSpreadsRuns) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  std::mt19937_64 gen(Seed());
  const Schedule schedule = Nightly(2, 0, utc, absl::Minutes(30));
  const absl::Time now = At(utc, 2024, 3, 5, 12, 0);
  const absl::Time base = At(utc, 2024, 3, 6, 2, 0);
  absl::Time earliest = absl::InfiniteFuture();
  absl::Time latest = absl::InfinitePast();
  for (int i = 0; i < 1000; ++i) {
    const absl::Time run = NextRun(schedule, now, gen);
    ASSERT_GE(run, base);
    ASSERT_LT(run, base + absl::Minutes(30));
    earliest = std::min(earliest, run);
    latest = std::max(latest, run);
  }
  // 1000 draws over 30 minutes: both ends of the window are reached.
  EXPECT_LT(earliest, base + absl::Minutes(1));
  EXPECT_GT(latest, base + absl::Minutes(29));
}

TEST(NextRunTest, SameSeedGivesTheSameRun) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  const Schedule schedule = Nightly(2, 0, utc, absl::Minutes(30));
  const absl::Time now = At(utc, 2024, 3, 5, 12, 0);
  std::mt19937_64 a(42);
  std::mt19937_64 b(42);
  EXPECT_EQ(NextRun(schedule, now, a), NextRun(schedule, now, b));
}

TEST(BackoffTest, CeilingDoublesFromOneSecondUpToFiveMinutes) {
  Backoff backoff;
  std::mt19937_64 gen(Seed());
  const absl::Duration expected[] = {
      absl::Seconds(1),  absl::Seconds(2),   absl::Seconds(4),
      absl::Seconds(8),  absl::Seconds(16),  absl::Seconds(32),
      absl::Seconds(64), absl::Seconds(128), absl::Seconds(256),
      absl::Minutes(5),  absl::Minutes(5),   absl::Minutes(5)};
  for (const absl::Duration ceiling : expected) {
    EXPECT_EQ(backoff.CurrentCeiling(), ceiling);
    const absl::Duration wait = backoff.NextFailure(gen);
    EXPECT_GE(wait, absl::ZeroDuration());
    EXPECT_LT(wait, ceiling);
  }
  EXPECT_EQ(backoff.failures(), 12);
  // Many failures never overflow past the maximum.
  for (int i = 0; i < 10000; ++i) {
    ASSERT_LT(backoff.NextFailure(gen), absl::Minutes(5));
  }
  EXPECT_EQ(backoff.CurrentCeiling(), absl::Minutes(5));
}

TEST(BackoffTest, ResetStartsAgainFromTheInitialWait) {
  Backoff backoff;
  absl::BitGen gen;
  for (int i = 0; i < 6; ++i) backoff.NextFailure(gen);
  EXPECT_EQ(backoff.CurrentCeiling(), absl::Seconds(64));
  backoff.Reset();
  EXPECT_EQ(backoff.failures(), 0);
  EXPECT_EQ(backoff.CurrentCeiling(), absl::Seconds(1));
  EXPECT_LT(backoff.NextFailure(gen), absl::Seconds(1));
}

TEST(BackoffTest, FullJitterSpreadsWaitsOverTheWholeRange) {
  std::mt19937_64 gen(Seed());
  BackoffOptions options;
  options.initial = absl::Seconds(10);
  options.max = absl::Seconds(10);
  Backoff backoff(options);
  int low = 0;
  int high = 0;
  for (int i = 0; i < 1000; ++i) {
    const absl::Duration wait = backoff.NextFailure(gen);
    low += wait < absl::Seconds(2);
    high += wait >= absl::Seconds(8);
  }
  // About 200 each; far from 0 for any seed.
  EXPECT_GT(low, 100);
  EXPECT_GT(high, 100);
}

TEST(BackoffTest, SeededGeneratorGivesTheSameWaits) {
  std::mt19937_64 a(7);
  std::mt19937_64 b(7);
  Backoff first;
  Backoff second;
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(first.NextFailure(a), second.NextFailure(b));
  }
}

}  // namespace
}  // namespace plan
