#include "tests/support/wait_for.h"

#include <algorithm>

#include "absl/time/clock.h"

namespace prevent::plan::test_support {

bool WaitFor(absl::FunctionRef<bool()> condition, absl::Duration timeout,
             absl::Duration poll) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!condition()) {
    const absl::Time now = absl::Now();
    if (now >= deadline) return condition();
    absl::SleepFor(std::min(poll, deadline - now));
  }
  return true;
}

}  // namespace prevent::plan::test_support
