// A hybrid logical clock (Kulkarni et al., 2014).
//
// A timestamp is 64 bits: the high 48 are physical milliseconds since the Unix
// epoch, the low 16 a logical counter. Timestamps issued by one clock strictly
// increase, even when the physical clock steps backwards, and stay within the
// logical counter's reach of physical time. HLCs order concurrent edits for
// display and for choosing a provisional winner; they never decide causality.
//
//   HybridClock clock;
//   uint64_t t = clock.Now();
//   RETURN_IF_ERROR(clock.Observe(remote_timestamp));
#ifndef LIBPLAN_CLOCK_HYBRID_CLOCK_H_
#define LIBPLAN_CLOCK_HYBRID_CLOCK_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace plan {

class HybridClock {
 public:
  // Physical time source, in milliseconds since the Unix epoch.
  using PhysicalClock = std::function<int64_t()>;

  // Wall-clock milliseconds (absl::Now()).
  static int64_t SystemMillis();

  // `max_offset`: how far ahead of this clock's physical time an observed
  // timestamp may be before Observe refuses it.
  explicit HybridClock(PhysicalClock physical = SystemMillis,
                       absl::Duration max_offset = absl::Minutes(5));
  HybridClock(const HybridClock&) = delete;
  HybridClock& operator=(const HybridClock&) = delete;

  // A timestamp greater than every one this clock has issued, observed or
  // restored. Thread-safe.
  uint64_t Now();

  // Merges a timestamp from another replica, so later Now() values exceed it.
  // OutOfRange, leaving the clock unchanged, when `remote` is more than
  // max_offset ahead of physical time.
  absl::Status Observe(uint64_t remote);

  // Like Observe without the bound: for the clock's own persisted last value at
  // start-up, so a restart never issues a timestamp it issued before.
  void Restore(uint64_t last);

  static constexpr int kLogicalBits = 16;
  static uint64_t Make(int64_t physical_millis, uint32_t logical) {
    return (static_cast<uint64_t>(physical_millis) << kLogicalBits) | logical;
  }
  static int64_t PhysicalMillis(uint64_t hlc) {
    return static_cast<int64_t>(hlc >> kLogicalBits);
  }
  static uint32_t Logical(uint64_t hlc) {
    return static_cast<uint32_t>(hlc & ((1u << kLogicalBits) - 1));
  }
  static absl::Time ToTime(uint64_t hlc) {
    return absl::FromUnixMillis(PhysicalMillis(hlc));
  }
  // "2024-02-01T10:00:00.000Z+3" (physical time and logical counter).
  static std::string Format(uint64_t hlc);

 private:
  // Advances last_ to at least `floor` and past physical time.
  uint64_t AdvanceLocked(uint64_t floor) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const PhysicalClock physical_;
  const absl::Duration max_offset_;
  absl::Mutex mu_;
  uint64_t last_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace plan

#endif  // LIBPLAN_CLOCK_HYBRID_CLOCK_H_
