#include "libplan/sync/schedule.h"

#include <cstdint>
#include <string>

#include "absl/random/distributions.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace plan {
namespace {

constexpr absl::string_view kNightly = "nightly@";
constexpr absl::string_view kEvery = "every:";
constexpr absl::Duration kMinInterval = absl::Seconds(1);

absl::Status Invalid(absl::string_view text, absl::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat("schedule \"", text, "\": ", problem));
}

bool AllDigits(absl::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// "HH:MM" (or "H:MM") after "nightly@".
absl::Status ParseTimeOfDay(absl::string_view text, absl::string_view clock,
                            Schedule* schedule) {
  const size_t colon = clock.find(':');
  if (colon == absl::string_view::npos) {
    return Invalid(text, "time must be HH:MM, e.g. nightly@02:00");
  }
  const absl::string_view hours = clock.substr(0, colon);
  const absl::string_view minutes = clock.substr(colon + 1);
  if (!AllDigits(hours) || hours.size() > 2 || !AllDigits(minutes) ||
      minutes.size() != 2) {
    return Invalid(text, "time must be HH:MM, e.g. nightly@02:00");
  }
  int hour = 0;
  int minute = 0;
  (void)absl::SimpleAtoi(hours, &hour);
  (void)absl::SimpleAtoi(minutes, &minute);
  if (hour > 23) return Invalid(text, "hour must be 00-23");
  if (minute > 59) return Invalid(text, "minute must be 00-59");
  schedule->hour = hour;
  schedule->minute = minute;
  return absl::OkStatus();
}

// A uniformly drawn duration in [0, bound); zero when bound is not positive.
absl::Duration UniformBelow(absl::Duration bound, absl::BitGenRef gen) {
  const int64_t nanos = absl::ToInt64Nanoseconds(bound);
  if (nanos <= 0) return absl::ZeroDuration();
  return absl::Nanoseconds(
      absl::Uniform<int64_t>(absl::IntervalClosedOpen, gen, 0, nanos));
}

}  // namespace

absl::StatusOr<Schedule> ParseSchedule(absl::string_view text) {
  const std::string lower =
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  const absl::string_view spec = lower;
  Schedule schedule;
  if (spec == "manual") {
    schedule.mode = Schedule::Mode::kManual;
    return schedule;
  }
  if (spec == "continuous") {
    schedule.mode = Schedule::Mode::kContinuous;
    return schedule;
  }
  if (absl::StartsWith(spec, kNightly)) {
    schedule.mode = Schedule::Mode::kNightly;
    schedule.time_zone = absl::LocalTimeZone();
    if (absl::Status parsed =
            ParseTimeOfDay(text, spec.substr(kNightly.size()), &schedule);
        !parsed.ok()) {
      return parsed;
    }
    return schedule;
  }
  if (absl::StartsWith(spec, kEvery)) {
    schedule.mode = Schedule::Mode::kEvery;
    const absl::string_view interval = spec.substr(kEvery.size());
    if (!absl::ParseDuration(interval, &schedule.interval) ||
        schedule.interval == absl::InfiniteDuration()) {
      return Invalid(text, absl::StrCat("interval \"", interval,
                                        "\" is not a duration such as 90s, "
                                        "15m or 1h"));
    }
    if (schedule.interval < kMinInterval) {
      return Invalid(text, "interval must be at least 1s");
    }
    return schedule;
  }
  return Invalid(text,
                 "expected nightly@HH:MM, every:DURATION (e.g. every:15m), "
                 "continuous or manual");
}

std::string FormatSchedule(const Schedule& schedule) {
  switch (schedule.mode) {
    case Schedule::Mode::kManual:
      return "manual";
    case Schedule::Mode::kContinuous:
      return "continuous";
    case Schedule::Mode::kEvery:
      return absl::StrCat(kEvery, absl::FormatDuration(schedule.interval));
    case Schedule::Mode::kNightly:
      return absl::StrFormat("%s%02d:%02d", kNightly, schedule.hour,
                             schedule.minute);
  }
  return "manual";
}

absl::Time NextRun(const Schedule& schedule, absl::Time now,
                   absl::BitGenRef gen) {
  switch (schedule.mode) {
    case Schedule::Mode::kManual:
      return absl::InfiniteFuture();
    case Schedule::Mode::kContinuous:
      return now;
    case Schedule::Mode::kEvery:
      return now + schedule.interval;
    case Schedule::Mode::kNightly:
      break;
  }
  const absl::TimeZone& zone = schedule.time_zone;
  absl::CivilDay day = absl::ToCivilDay(now, zone);
  absl::Time run;
  // Today's HH:MM if it is still ahead, else tomorrow's (two steps at most;
  // three guards against a zone whose whole day was skipped).
  for (int i = 0; i < 3; ++i, ++day) {
    const absl::CivilMinute at(day.year(), day.month(), day.day(),
                               schedule.hour, schedule.minute);
    // `pre` is HH:MM read with the offset in force before a transition: the
    // later instant for a skipped time, the first for a repeated one.
    run = zone.At(at).pre;
    if (run > now) break;
  }
  return run + UniformBelow(schedule.jitter, gen);
}

Backoff::Backoff(BackoffOptions options) : options_(options) {}

absl::Duration Backoff::CurrentCeiling() const {
  absl::Duration ceiling = options_.initial;
  for (int i = 0; i < failures_ && ceiling < options_.max; ++i) ceiling *= 2;
  return ceiling < options_.max ? ceiling : options_.max;
}

absl::Duration Backoff::NextFailure(absl::BitGenRef gen) {
  const absl::Duration ceiling = CurrentCeiling();
  ++failures_;
  return UniformBelow(ceiling, gen);
}

}  // namespace plan
