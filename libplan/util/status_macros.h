// Early-return helpers for absl::Status and absl::StatusOr (Abseil 20220623 has
// none of its own).
//
//   RETURN_IF_ERROR(store.Write(batch));
//   ASSIGN_OR_RETURN(ResourceName name, ResourceName::Parse(text));
#ifndef LIBPLAN_UTIL_STATUS_MACROS_H_
#define LIBPLAN_UTIL_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define PLAN_STATUS_CONCAT_INNER_(a, b) a##b
#define PLAN_STATUS_CONCAT_(a, b) PLAN_STATUS_CONCAT_INNER_(a, b)

// Returns the status of `expr` from the current function when it is not OK.
#define RETURN_IF_ERROR(expr)                                     \
  do {                                                            \
    if (absl::Status plan_status_ = (expr); !plan_status_.ok()) { \
      return plan_status_;                                        \
    }                                                             \
  } while (false)

// Evaluates `rexpr` (a StatusOr); returns its status when not OK, otherwise
// moves its value into `lhs`, which may be a declaration.
#define ASSIGN_OR_RETURN(lhs, rexpr)                                         \
  ASSIGN_OR_RETURN_IMPL_(PLAN_STATUS_CONCAT_(plan_statusor_, __LINE__), lhs, \
                         rexpr)

#define ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                           \
  if (!statusor.ok()) return statusor.status();      \
  lhs = std::move(statusor).value()

#endif  // LIBPLAN_UTIL_STATUS_MACROS_H_
