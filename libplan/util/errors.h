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

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace plan {

inline constexpr char kErrorDomain[] = "prevent.plan.v1";
inline constexpr char kErrorInfoTypeUrl[] =
    "type.googleapis.com/google.rpc.ErrorInfo";
inline constexpr char kBadRequestTypeUrl[] =
    "type.googleapis.com/google.rpc.BadRequest";

// Returns a status with `code`, `message` and an ErrorInfo payload holding
// `reason`. `resource`, when not empty, goes into the ErrorInfo metadata.
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

// Collects every problem with a request so one error can name them all.
class FieldViolations {
 public:
  void Add(std::string field, std::string description) {
    violations_.push_back({std::move(field), std::move(description)});
  }
  bool empty() const { return violations_.empty(); }
  const std::vector<FieldViolation>& violations() const { return violations_; }

  // INVALID_ARGUMENT, reason INVALID_ARGUMENT, a message listing every
  // violation ("activity.title: must not be empty; ..."), and a BadRequest
  // payload. OK when there are no violations.
  absl::Status ToStatus() const;

 private:
  std::vector<FieldViolation> violations_;
};

}  // namespace plan

#endif  // LIBPLAN_UTIL_ERRORS_H_
