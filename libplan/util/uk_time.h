// The partnership's days are UK days: "today", overdue, the month a report
// covers and the dates people type and read are Europe/London's, not UTC's
// (docs/architecture.md, "UK time"). During British Summer Time a UTC day
// starts at 01:00 in the UK: between midnight and 01:00, "today" in UTC is
// still yesterday in the UK.
//
// The rule is computed here rather than read from the tz database, so that
// a machine or image without tzdata still counts days the UK way: GMT, and
// BST (UTC+1) from 01:00 UTC on the last Sunday of March to 01:00 UTC on
// the last Sunday of October, the UK's rule since 1996 (the Summer Time
// Order 2002). tests/util/uk_time_test.cc compares it with
// Europe/London from the tz database for every hour of 1996 to 2037.
#ifndef LIBPLAN_UTIL_UK_TIME_H_
#define LIBPLAN_UTIL_UK_TIME_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace plan {

// UTC+1 during British Summer Time, else zero.
absl::Duration UkOffset(absl::Time time);

// The UK's wall-clock time, and day, at `time`.
absl::CivilSecond ToUkCivil(absl::Time time);
absl::CivilDay ToUkDay(absl::Time time);

// The instant the UK day `day` begins (its midnight, which both changes of
// clock, at 01:00 UTC, leave alone).
absl::Time UkStartOfDay(absl::CivilDay day);

// A date as people in the UK write it: "06/12/2026" or "6/12/2026"
// (day/month/year, never month first), "6 Dec 2026", "6 December 2026", or
// ISO's "2026-12-06". Returns nullopt for anything else, and for a date
// that does not exist (31/02/2026).
std::optional<absl::CivilDay> ParseUkDate(absl::string_view text);

// "6 December 2026".
std::string UkDateLabel(absl::CivilDay day);

// "6 December 2026 14:05", the UK's wall-clock time at `time`.
std::string UkTimeLabel(absl::Time time);

// "December" for 12; "" outside 1 to 12.
absl::string_view UkMonthName(int month);

}  // namespace plan

#endif  // LIBPLAN_UTIL_UK_TIME_H_
