// Errors with machine-readable reasons, as absl::Status values.
//
// Every error the library returns to a client carries, as status payloads, a
// google.rpc.ErrorInfo (domain "prevent.plan.v1" and an UPPER_SNAKE reason)
// and, for INVALID_ARGUMENT, a google.rpc.BadRequest naming every bad field.
// The rpc layer turns the payloads into gRPC rich status details.
//
//   FieldViolations violations;
//   violations.Add("activity.title", "must not be empty");
//   if (!violations.empty()) return violations.ToStatus();
//   return Error(absl::StatusCode::kNotFound, "RESOURCE_NOT_FOUND",
//                absl::StrCat(name, " does not exist"));
#ifndef LIBPLAN_UTIL_ERRORS_H_
#define LIBPLAN_UTIL_ERRORS_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace plan {

inline constexpr char kErrorDomain[] = "prevent.plan.v1";

// Bounds on what an error carries, so that its size never grows with the
// request (gRPC sends it as metadata, whose default limit is 8 KiB; past it
// the client gets no status at all). A message is cut at kMaxErrorMessageBytes,
// a field path or a description at kMaxViolationBytes, and an error lists at
// most kMaxFieldViolations violations, then says how many more there were.
inline constexpr size_t kMaxErrorMessageBytes = 2048;
inline constexpr size_t kMaxViolationBytes = 256;
inline constexpr size_t kMaxFieldViolations = 50;

// `text` cut to at most `max_bytes` bytes, on a UTF-8 character boundary,
// ending "…" when cut.
std::string Truncate(absl::string_view text, size_t max_bytes);
inline constexpr char kErrorInfoTypeUrl[] =
    "type.googleapis.com/google.rpc.ErrorInfo";
inline constexpr char kBadRequestTypeUrl[] =
    "type.googleapis.com/google.rpc.BadRequest";

// Returns a status with `code`, `message` and an ErrorInfo payload holding
// `reason`. `resource`, when not empty, goes into the ErrorInfo metadata.
// The message and the resource are cut to their bounds (above).
absl::Status Error(absl::StatusCode code, absl::string_view reason,
                   absl::string_view message, absl::string_view resource = "");

// The ErrorInfo reason of `status`, or "" when it has none.
std::string ErrorReason(const absl::Status& status);

// One invalid field of a request: a path such as "action.timescale.end" and
// what is wrong with it.
struct FieldViolation {
  std::string field;
  std::string description;
};

// The field violations carried by `status` (empty when none).
std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status);

// Collects every problem with a request so one error can name them all: the
// first kMaxFieldViolations, each cut to its bounds, and a count of the rest.
class FieldViolations {
 public:
  void Add(std::string field, std::string description);
  bool empty() const { return violations_.empty(); }
  // The violations kept (the first kMaxFieldViolations).
  const std::vector<FieldViolation>& violations() const { return violations_; }
  // How many were added, kept or not.
  size_t count() const { return violations_.size() + dropped_; }

  // INVALID_ARGUMENT, reason INVALID_ARGUMENT, a message listing the
  // violations kept ("activity.title: must not be empty; ...", then "; and N
  // more" when some were dropped), and a BadRequest payload. OK when there
  // are no violations.
  absl::Status ToStatus() const;

 private:
  std::vector<FieldViolation> violations_;
  size_t dropped_ = 0;
};

}  // namespace plan

#endif  // LIBPLAN_UTIL_ERRORS_H_
