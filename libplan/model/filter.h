// AIP-160 list filters: parsing, checking against a resource type, and matching
// resources (the subset documented under FILTERS in
// proto/prevent/plan/v1/plan_service.proto).
//
//   ASSIGN_OR_RETURN(Filter filter, Filter::Parse(request.filter()));
//   RETURN_IF_ERROR(filter.Check(*Action::descriptor(), {"overdue"}));
//   for (const Action& action : actions) {
//     if (filter.Matches(action, {{"overdue", IsOverdue(action, today)}})) ...
//   }
//
// A filter is parsed once, checked once against the descriptor of the resource
// it will be applied to, then matched against any number of resources of that
// type. A Filter is an immutable value: cheap to copy, safe to share between
// threads.
#ifndef LIBPLAN_MODEL_FILTER_H_
#define LIBPLAN_MODEL_FILTER_H_

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace plan {

namespace filter_internal {
struct Node;
}  // namespace filter_internal

// A parsed filter. Default-constructed, it is the empty filter, which matches
// everything.
class Filter {
 public:
  // Longest filter text accepted, in bytes.
  static constexpr size_t kMaxLength = 2000;
  // Deepest nesting of parentheses accepted.
  static constexpr int kMaxDepth = 32;

  Filter() = default;

  // Parses `text`. Empty or whitespace-only text gives the empty filter.
  // Syntax errors are InvalidArgumentError saying where and why, e.g.
  // "column 7: expected a value after '='" (columns count characters from 1).
  // Text longer than kMaxLength or nested deeper than kMaxDepth is an error.
  // Safe on any input, including invalid UTF-8.
  static absl::StatusOr<Filter> Parse(absl::string_view text);

  // Checks every comparison against the message type `descriptor` and the
  // boolean computed fields named in `computed_fields` (a computed name hides a
  // field of the same name). Returns InvalidArgumentError naming the first bad
  // comparison, e.g. `column 1: unknown field "ragg"`, `column 7: "PURPLE" is
  // not a Rag ...`, an operator that does not apply to the field's type, or a
  // value that is not of the field's type.
  absl::Status Check(const google::protobuf::Descriptor& descriptor,
                     const std::vector<std::string>& computed_fields) const;

  // Returns whether `message` matches. `computed` holds the values of the
  // computed fields. Meaningful only after Check succeeded for `message`'s
  // type; otherwise it still never crashes: a comparison Check would reject,
  // or one on a computed field missing from `computed`, evaluates to false
  // (so NOT of it is true).
  bool Matches(const google::protobuf::Message& message,
               const absl::flat_hash_map<std::string, bool>& computed) const;

  // True for the empty filter.
  bool empty() const { return root_ == nullptr; }

 private:
  explicit Filter(std::shared_ptr<const filter_internal::Node> root)
      : root_(std::move(root)) {}

  std::shared_ptr<const filter_internal::Node> root_;
};

}  // namespace plan

#endif  // LIBPLAN_MODEL_FILTER_H_
