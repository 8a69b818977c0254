// Waiting for another thread or process to reach a state, instead of
// sleeping for a time that assumes it has.
//
//   ASSERT_TRUE(WaitFor([&] { return store->health().ok(); },
//                       absl::Seconds(60)));
//
// The timeout bounds a test that would otherwise hang; it is not a timing
// claim, so make it generous. The poll interval is only how often the
// condition is checked.
#ifndef PLAN_TESTS_SUPPORT_WAIT_FOR_H_
#define PLAN_TESTS_SUPPORT_WAIT_FOR_H_

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"

namespace prevent::plan::test_support {

// Calls `condition` until it returns true, at most every `poll`, and returns
// true then; false once `timeout` has passed without it (after one last
// check). `condition` is called at least once, at once.
bool WaitFor(absl::FunctionRef<bool()> condition, absl::Duration timeout,
             absl::Duration poll = absl::Milliseconds(10));

// Calls `call`, which returns an absl::StatusOr, until it answers anything
// but UNAVAILABLE or DEADLINE_EXCEEDED (a server not reached yet, or not
// answering yet), at most every `poll`, for up to `timeout`; returns its last
// answer.
//
//   absl::StatusOr<v1::SyncNowResponse> moved = RetryWhileUnreachable(
//       [&] { return SyncNow(agent); }, absl::Seconds(40));
template <typename Call>
auto RetryWhileUnreachable(Call call, absl::Duration timeout,
                           absl::Duration poll = absl::Milliseconds(250))
    -> decltype(call()) {
  decltype(call()) answer;
  (void)WaitFor(
      [&] {
        answer = call();
        return answer.ok() || !(absl::IsUnavailable(answer.status()) ||
                                absl::IsDeadlineExceeded(answer.status()));
      },
      timeout, poll);
  return answer;
}

}  // namespace prevent::plan::test_support

#endif  // PLAN_TESTS_SUPPORT_WAIT_FOR_H_
