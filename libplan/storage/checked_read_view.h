// A ReadView that gives up part-way through a long read: its caller went
// away, or ran out of time. A scan of a whole plan (a filtered List, a county
// summary, an export) is then cut short instead of running on for nobody.
//
//   std::unique_ptr<ReadView> view = CheckedReadView(
//       store->NewReadView(), [&] { return CheckInterrupted(actor); });
//   RETURN_IF_ERROR(view->Scan(...));  // CANCELLED once the caller has gone
#ifndef LIBPLAN_STORAGE_CHECKED_READ_VIEW_H_
#define LIBPLAN_STORAGE_CHECKED_READ_VIEW_H_

#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "libplan/storage/store.h"

namespace plan {

// How many keys a Scan or GetSorted visits between two calls of `check`.
inline constexpr int kKeysPerCheck = 256;

// `view`, whose Scan and GetSorted call `check` after every kKeysPerCheck
// keys they visit and, when it fails, stop and return its error. Get, and
// reads shorter than kKeysPerCheck keys, never call it. `check` must be
// cheap and safe to call from the reading thread.
std::unique_ptr<ReadView> CheckedReadView(std::unique_ptr<ReadView> view,
                                          std::function<absl::Status()> check);

}  // namespace plan

#endif  // LIBPLAN_STORAGE_CHECKED_READ_VIEW_H_
