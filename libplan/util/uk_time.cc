#include "libplan/util/uk_time.h"

#include <array>
#include <cstdint>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace plan {
namespace {

constexpr std::array<absl::string_view, 12> kMonths = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

// 01:00 UTC on the last Sunday of `month` in `year`.
absl::Time LastSundayAtOneUtc(int64_t year, int month) {
  absl::CivilDay day =
      absl::CivilDay(absl::CivilMonth(year, month) + 1) - 1;  // the last day
  while (absl::GetWeekday(day) != absl::Weekday::sunday) --day;
  return absl::FromCivil(absl::CivilSecond(day) + 3600, absl::UTCTimeZone());
}

// "Dec", "december", "Sept" -> the month's number; 0 for no month.
int MonthNamed(absl::string_view name) {
  if (name.size() < 3) return 0;
  for (size_t i = 0; i < kMonths.size(); ++i) {
    const absl::string_view month = kMonths[i];
    if (name.size() <= month.size() &&
        absl::EqualsIgnoreCase(name, month.substr(0, name.size())) &&
        (name.size() == 3 || name.size() == month.size() ||
         // "Sept"
         (i == 8 && name.size() == 4))) {
      return static_cast<int>(i) + 1;
    }
  }
  return 0;
}

std::optional<absl::CivilDay> Day(int64_t year, int64_t month, int64_t day) {
  if (year < 1000 || year > 9999 || month < 1 || month > 12 || day < 1 ||
      day > 31) {
    return std::nullopt;
  }
  const absl::CivilDay civil(year, month, day);
  // CivilDay normalises 31/02 to 3 March: such a date does not exist.
  if (civil.year() != year || civil.month() != month || civil.day() != day) {
    return std::nullopt;
  }
  return civil;
}

}  // namespace

absl::Duration UkOffset(absl::Time time) {
  const int64_t year = absl::ToCivilYear(time, absl::UTCTimeZone()).year();
  return time >= LastSundayAtOneUtc(year, 3) &&
                 time < LastSundayAtOneUtc(year, 10)
             ? absl::Hours(1)
             : absl::ZeroDuration();
}

absl::CivilSecond ToUkCivil(absl::Time time) {
  return absl::ToCivilSecond(time + UkOffset(time), absl::UTCTimeZone());
}

absl::CivilDay ToUkDay(absl::Time time) {
  return absl::CivilDay(ToUkCivil(time));
}

absl::Time UkStartOfDay(absl::CivilDay day) {
  const absl::Time as_utc = absl::FromCivil(day, absl::UTCTimeZone());
  // Midnight in BST is 23:00 UTC the day before; BST holds then exactly
  // when it holds at that instant (the clocks change at 01:00 UTC).
  const absl::Time in_summer = as_utc - absl::Hours(1);
  return UkOffset(in_summer) == absl::Hours(1) ? in_summer : as_utc;
}

std::optional<absl::CivilDay> ParseUkDate(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  int64_t year = 0, month = 0, day = 0;
  for (const char separator : {'/', '-'}) {
    const std::vector<absl::string_view> parts =
        absl::StrSplit(text, separator);
    if (parts.size() != 3) continue;
    for (const absl::string_view part : parts) {
      if (part.empty() || part.size() > 4 ||
          !absl::c_all_of(part, absl::ascii_isdigit)) {
        return std::nullopt;
      }
    }
    const bool iso = parts[0].size() == 4;  // 2026-12-06
    const absl::string_view year_text = iso ? parts[0] : parts[2];
    if (year_text.size() != 4 || (iso && parts[2].size() > 2) ||
        (!iso && parts[0].size() > 2) || parts[1].size() > 2) {
      return std::nullopt;
    }
    if (!absl::SimpleAtoi(year_text, &year) ||
        !absl::SimpleAtoi(parts[1], &month) ||
        !absl::SimpleAtoi(iso ? parts[2] : parts[0], &day)) {
      return std::nullopt;
    }
    return Day(year, month, day);
  }
  // "6 Dec 2026", "6 December 2026".
  const std::vector<absl::string_view> words =
      absl::StrSplit(text, ' ', absl::SkipEmpty());
  if (words.size() != 3 || words[0].size() > 2 || words[2].size() != 4) {
    return std::nullopt;
  }
  month = MonthNamed(words[1]);
  if (month == 0 || !absl::c_all_of(words[0], absl::ascii_isdigit) ||
      !absl::c_all_of(words[2], absl::ascii_isdigit) ||
      !absl::SimpleAtoi(words[0], &day) || !absl::SimpleAtoi(words[2], &year)) {
    return std::nullopt;
  }
  return Day(year, month, day);
}

std::string UkDateLabel(absl::CivilDay day) {
  return absl::StrCat(day.day(), " ", kMonths[day.month() - 1], " ",
                      day.year());
}

std::string UkTimeLabel(absl::Time time) {
  const absl::CivilSecond civil = ToUkCivil(time);
  return absl::StrCat(UkDateLabel(absl::CivilDay(civil)), " ",
                      absl::Dec(civil.hour(), absl::kZeroPad2), ":",
                      absl::Dec(civil.minute(), absl::kZeroPad2));
}

absl::string_view UkMonthName(int month) {
  return month >= 1 && month <= 12 ? kMonths[month - 1] : "";
}

}  // namespace plan
