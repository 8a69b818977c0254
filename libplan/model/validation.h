// Validation of resources against the rules of the plan model (resources.proto
// states them).
//
// Text must be valid UTF-8; titles, display names, areas, lead officers and
// timescale text at most 200 characters (Unicode code points); descriptions
// and notes at most 4,000; months `YYYY-MM`; positions at most 64 printable
// ASCII characters; enums a defined value; sets without repeats and within
// their bounds (below); resource references well-formed names of the right
// kind.
//
//   FieldViolations violations;
//   ValidateFields(Kind::kAction, action, DataFields(*descriptor), "action",
//                  &violations);
//   RETURN_IF_ERROR(violations.ToStatus());
#ifndef LIBPLAN_MODEL_VALIDATION_H_
#define LIBPLAN_MODEL_VALIDATION_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "libplan/model/names.h"
#include "libplan/util/errors.h"

namespace plan {

inline constexpr size_t kMaxTitleLength = 200;
inline constexpr size_t kMaxTextLength = 4000;
inline constexpr size_t kMaxPositionLength = 64;
// Bounds on sets: an enum set holds each value at most once; an activity at
// most kMaxLeadOrganisations lead organisations, a plan at most
// kMaxPartnerOrganisations partners.
inline constexpr size_t kMaxLeadOrganisations = 50;
inline constexpr size_t kMaxPartnerOrganisations = 200;

// Removes repeats from each of `fields` of `resource` that is a set (a
// repeated string or enum field), keeping the first of each value in order:
// a writer who names a value twice means it once. The standard methods do
// this before ValidateFields; a pushed change with a repeat is refused
// instead, since an agent's own writes never hold one. Returns how many
// elements it removed.
size_t DropRepeatsFromSets(
    const std::vector<const google::protobuf::FieldDescriptor*>& fields,
    google::protobuf::Message* resource);

// Checks `fields` of `resource`, a message of `kind`, and the rules between
// fields that involve them (period_start <= period_end, timescale start <=
// end). Adds one violation per problem, with field paths under `prefix`.
void ValidateFields(
    Kind kind, const google::protobuf::Message& resource,
    const std::vector<const google::protobuf::FieldDescriptor*>& fields,
    absl::string_view prefix, FieldViolations* violations);

// A resource named by a field, which must exist.
struct Reference {
  std::string field;  // e.g. "activity.lead_organisations[1]"
  std::string name;   // e.g. "organisations/staffordshire-police"
  Kind kind;
};

// The references held by `fields` of `resource` (only well-formed ones).
std::vector<Reference> ReferencesOf(
    Kind kind, const google::protobuf::Message& resource,
    const std::vector<const google::protobuf::FieldDescriptor*>& fields,
    absl::string_view prefix);

// The resources that `name` itself refers to, which must exist when it is
// created: a member's organisation (its id is the organisation's).
std::vector<Reference> ImpliedReferences(const ResourceName& name);

// Why `text` is not acceptable text of at most `max_chars` characters, or ""
// when it is.
std::string CheckText(absl::string_view text, size_t max_chars);

// Whether `month` is `YYYY-MM` with a month 01-12.
bool IsValidMonth(absl::string_view month);

}  // namespace plan

#endif  // LIBPLAN_MODEL_VALIDATION_H_
