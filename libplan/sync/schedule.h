// When a sync agent replicates: its schedule, and how it waits after a
// failed sync.
//
// A schedule is written as one of
//   nightly@HH:MM   once a day at HH:MM local time (the machine's time zone),
//                   plus a random delay in [0, jitter) (default 30 min) so the
//                   partners of a county do not all arrive at once
//   every:DURATION  every DURATION after the previous sync ("every:15m",
//                   "every:1h", "every:90s"; at least 1 s)
//   continuous      sync, then follow the service's change feed, and again
//   manual          only when asked (SyncNow, or `sync-agent --once`)
//
//   ASSIGN_OR_RETURN(Schedule schedule, ParseSchedule("nightly@02:00"));
//   absl::BitGen gen;
//   absl::Time next = NextRun(schedule, absl::Now(), gen);
//
// A failed sync is retried after Backoff::NextFailure(), which grows
// exponentially with full jitter: a service that is down is a normal state,
// and the partners' retries spread out rather than arrive together.
//
// Everything here is pure: time and randomness come from the caller.
#ifndef LIBPLAN_SYNC_SCHEDULE_H_
#define LIBPLAN_SYNC_SCHEDULE_H_

#include <string>

#include "absl/random/bit_gen_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace plan {

struct Schedule {
  enum class Mode { kManual, kContinuous, kEvery, kNightly };

  Mode mode = Mode::kManual;
  // kEvery: the time between syncs.
  absl::Duration interval = absl::ZeroDuration();
  // kNightly: the local time of day, and the zone it is in (ParseSchedule
  // sets the machine's zone, absl::LocalTimeZone()).
  int hour = 0;
  int minute = 0;
  absl::TimeZone time_zone;
  // kNightly: each run starts a random delay in [0, jitter) after HH:MM.
  // Zero for none.
  absl::Duration jitter = absl::Minutes(30);
};

// Parses a schedule (see the file comment); keywords are case-insensitive and
// surrounding spaces are ignored. INVALID_ARGUMENT quoting the text and
// saying what is wrong, e.g.
//   schedule "nightly@25:00": hour must be 00-23
absl::StatusOr<Schedule> ParseSchedule(absl::string_view text);

// The schedule as ParseSchedule reads it: "nightly@02:00", "every:15m",
// "continuous", "manual". (The jitter is not part of the text.)
std::string FormatSchedule(const Schedule& schedule);

// When the sync after one at (or a start at) `now` is due:
//   manual       absl::InfiniteFuture()
//   continuous   now
//   every:D      now + D
//   nightly      the first HH:MM in schedule.time_zone strictly after `now`,
//                plus a delay drawn from `gen` in [0, jitter)
// On a day when HH:MM does not exist or happens twice (a daylight saving
// change), the run is at HH:MM as if the change had not happened (so a
// skipped 01:30 runs at 02:30 summer time), and only once.
absl::Time NextRun(const Schedule& schedule, absl::Time now,
                   absl::BitGenRef gen);

struct BackoffOptions {
  // The longest possible wait after the first failure. Default 1 s.
  absl::Duration initial = absl::Seconds(1);
  // The longest possible wait ever. Default 5 min.
  absl::Duration max = absl::Minutes(5);
};

// Exponential backoff with full jitter: after the n-th consecutive failure
// (n = 1, 2, ...) the wait is drawn uniformly from
// [0, min(max, initial * 2^(n-1))). A success resets it.
//
//   Backoff backoff;
//   absl::Duration wait = backoff.NextFailure(gen);  // in [0, 1 s)
//   wait = backoff.NextFailure(gen);                 // in [0, 2 s)
//   backoff.Reset();                                 // after a success
//
// Not thread-safe. Copyable.
class Backoff {
 public:
  explicit Backoff(BackoffOptions options = BackoffOptions());

  // Counts one more failure and returns how long to wait before retrying.
  absl::Duration NextFailure(absl::BitGenRef gen);

  // Forgets the failures (call after a success).
  void Reset() { failures_ = 0; }

  // Consecutive failures since construction or the last Reset.
  int failures() const { return failures_; }

  // The (exclusive) upper bound of the wait the next NextFailure() draws.
  absl::Duration CurrentCeiling() const;

 private:
  BackoffOptions options_;
  int failures_ = 0;
};

}  // namespace plan

#endif  // LIBPLAN_SYNC_SCHEDULE_H_
