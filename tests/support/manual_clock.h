// A physical clock that moves only as the test says, for a HybridClock
// (libplan/clock/hybrid_clock.h) whose timestamps a test must order without
// waiting for the wall clock:
//
//   ManualClock physical;
//   HybridClock a(physical.Source()), b(physical.Source());
//   const uint64_t first = a.Now();
//   physical.Advance(absl::Milliseconds(1));
//   EXPECT_GT(b.Now(), first);  // b's edit is the later one
//
// With a tick it also moves on by that much at every reading, like a wall
// clock that never stands still between two readings, so that of two
// timestamps taken one after the other, by clocks sharing it, the second is
// the later:
//
//   ManualClock physical(absl::Now(), absl::Milliseconds(1));
//
// Thread-safe. Source() reads this object, which must outlive every clock
// given it.
#ifndef PLAN_TESTS_SUPPORT_MANUAL_CLOCK_H_
#define PLAN_TESTS_SUPPORT_MANUAL_CLOCK_H_

#include <atomic>
#include <cstdint>
#include <functional>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace prevent::plan::test_support {

class ManualClock {
 public:
  // Starts at `start`: by default the wall clock's time now, so that times
  // a test compares with the wall clock (a deadline, an update_time) are
  // about right. Each reading moves it on by `tick` (whole milliseconds).
  explicit ManualClock(absl::Time start = absl::Now(),
                       absl::Duration tick = absl::ZeroDuration())
      : tick_millis_(absl::ToInt64Milliseconds(tick)),
        millis_(absl::ToUnixMillis(start)) {}
  ManualClock(const ManualClock&) = delete;
  ManualClock& operator=(const ManualClock&) = delete;

  // Milliseconds since the Unix epoch, as HybridClock::PhysicalClock has
  // them; then moves on by the tick.
  int64_t Millis() { return millis_.fetch_add(tick_millis_); }
  absl::Time Now() { return absl::FromUnixMillis(Millis()); }
  // Moves the clock by `by` (whole milliseconds), backwards when negative,
  // as NTP may step it.
  void Advance(absl::Duration by) { millis_ += absl::ToInt64Milliseconds(by); }
  // Sets the clock to `time` (whole milliseconds).
  void Set(absl::Time time) { millis_ = absl::ToUnixMillis(time); }
  // A HybridClock::PhysicalClock reading this clock.
  std::function<int64_t()> Source() {
    return [this] { return Millis(); };
  }

 private:
  const int64_t tick_millis_;
  std::atomic<int64_t> millis_;
};

}  // namespace prevent::plan::test_support

#endif  // PLAN_TESTS_SUPPORT_MANUAL_CLOCK_H_
