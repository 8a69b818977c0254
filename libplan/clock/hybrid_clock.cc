#include "libplan/clock/hybrid_clock.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace plan {

int64_t HybridClock::SystemMillis() { return absl::ToUnixMillis(absl::Now()); }

HybridClock::HybridClock(PhysicalClock physical, absl::Duration max_offset)
    : physical_(std::move(physical)), max_offset_(max_offset) {}

uint64_t HybridClock::AdvanceLocked(uint64_t floor) {
  const uint64_t physical = Make(std::max<int64_t>(physical_(), 0), 0);
  // The later of physical time and `floor`; when the logical counter of the
  // latter would overflow, it carries into the millisecond, which keeps order.
  last_ = std::max({last_ + 1, floor + 1, physical});
  return last_;
}

uint64_t HybridClock::Now() {
  absl::MutexLock lock(&mu_);
  return AdvanceLocked(last_);
}

absl::Status HybridClock::Observe(uint64_t remote) {
  absl::MutexLock lock(&mu_);
  const int64_t limit = physical_() + absl::ToInt64Milliseconds(max_offset_);
  if (PhysicalMillis(remote) > limit) {
    return absl::OutOfRangeError(absl::StrCat(
        "timestamp ", Format(remote), " is more than ",
        absl::FormatDuration(max_offset_), " ahead of this clock (",
        Format(Make(physical_(), 0)), ")"));
  }
  AdvanceLocked(remote);
  return absl::OkStatus();
}

void HybridClock::Restore(uint64_t last) {
  absl::MutexLock lock(&mu_);
  last_ = std::max(last_, last);
}

std::string HybridClock::Format(uint64_t hlc) {
  return absl::StrCat(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", ToTime(hlc),
                                       absl::UTCTimeZone()),
                      "+", Logical(hlc));
}

}  // namespace plan
