// Resource kinds and resource names (AIP-122) of the plan model.
//
//   organisations/{org}
//   plans/{plan}
//   plans/{plan}/strands/{strand}
//   plans/{plan}/activities/{activity}
//   plans/{plan}/activities/{activity}/actions/{action}
//   plans/{plan}/activities/{activity}/actions/{action}/updates/{update}
//   plans/{plan}/conflicts/{conflict}
//   plans/{plan}/members/{member}        (the member id is an organisation's)
//   organisations/{org}/conflicts/{conflict}
//
// Organisations and their conflicts belong to no plan: every replica holds
// them. A Conflict is kept in its target's plan, or with its organisation
// (ConflictName), so conflicts are two kinds, one per parent, with one
// message.
//
// Ids are lowercase `[a-z0-9][a-z0-9-]{0,62}`.
//
//   ASSIGN_OR_RETURN(ResourceName name, ResourceName::Parse(text));
//   if (name.kind() == Kind::kAction) { ... name.Parent()->str() ... }
#ifndef LIBPLAN_MODEL_NAMES_H_
#define LIBPLAN_MODEL_NAMES_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace plan {

enum class Kind {
  kOrganisation,
  kPlan,
  kStrand,
  kActivity,
  kAction,
  kProgressUpdate,
  kConflict,
  kMember,
  kOrganisationConflict,
};

inline constexpr Kind kAllKinds[] = {
    Kind::kOrganisation, Kind::kPlan,           Kind::kStrand, Kind::kActivity,
    Kind::kAction,       Kind::kProgressUpdate, Kind::kMember};

// Every kind a replica holds: the organisations and their conflicts, and the
// plan's resources, its conflicts and its members. A snapshot, and a replica
// leaving a plan, cover all of them.
inline constexpr Kind kReplicatedKinds[] = {
    Kind::kOrganisation, Kind::kPlan,   Kind::kStrand,
    Kind::kActivity,     Kind::kAction, Kind::kProgressUpdate,
    Kind::kConflict,     Kind::kMember, Kind::kOrganisationConflict};

// What the model knows about a kind.
struct KindInfo {
  Kind kind;
  // Request field name of the resource: "activity", "progress_update".
  absl::string_view field;
  // Collection ids from the root, e.g. {"plans", "activities", "actions"}.
  std::vector<absl::string_view> collections;
  // The public message, e.g. prevent.plan.v1.Action.
  const google::protobuf::Descriptor* descriptor;
  // The parent kind; nullopt for organisations and plans.
  std::optional<Kind> parent;
  // False for progress updates (append-only) and conflicts (written only by
  // sync and ResolveConflict): no Update, Delete or Undelete.
  bool updatable;
};

const KindInfo& InfoOf(Kind kind);

// Whether `kind` is a Conflict's: of a plan (kConflict) or of an
// organisation (kOrganisationConflict).
bool IsConflict(Kind kind);

// Whether resources of `kind` belong to no plan: organisations and their
// conflicts. Every replica holds them, in the change log's plan-less ("")
// stream.
bool IsPlanless(Kind kind);

// The conflict kind of a List parent or a conflict name: kOrganisationConflict
// when `text` starts "organisations/", else kConflict. It says which pattern
// to check `text` against, not that it is valid.
Kind ConflictKindOf(absl::string_view text);

// Whether `id` is a valid resource id.
bool IsValidId(absl::string_view id);

// A random valid id (12 characters, about 60 bits), for resources created
// without a client-chosen id, so offline replicas never collide.
std::string RandomId();

// A parsed, valid resource name. Value type.
class ResourceName {
 public:
  // Parses a full resource name. InvalidArgument (message without a field
  // path; callers add it) when `text` is not the name of any kind.
  static absl::StatusOr<ResourceName> Parse(absl::string_view text);

  // Parses `text` as a name of `kind` specifically.
  static absl::StatusOr<ResourceName> ParseAs(Kind kind,
                                              absl::string_view text);

  // The name of the child of `parent` (nullptr for organisations and plans)
  // with kind `kind` and id `id`. `id` must be valid.
  static ResourceName Child(const ResourceName* parent, Kind kind,
                            absl::string_view id);

  Kind kind() const { return kind_; }
  const std::string& str() const { return text_; }
  // The last id.
  absl::string_view id() const;
  // The parent's name; nullopt for organisations and plans.
  std::optional<ResourceName> Parent() const;
  // The plan the resource belongs to ("plans/p"), or "" for organisations
  // and their conflicts (IsPlanless).
  std::string Plan() const;

  bool operator==(const ResourceName& other) const {
    return text_ == other.text_;
  }

 private:
  ResourceName(Kind kind, std::string text)
      : kind_(kind), text_(std::move(text)) {}

  Kind kind_;
  std::string text_;
};

// The name of conflict `id` over `target`: in the conflicts of the target's
// plan (plans/{plan}/conflicts/{id}), or of its organisation when it belongs
// to no plan (organisations/{org}/conflicts/{id}). `id` must be valid.
ResourceName ConflictName(const ResourceName& target, absl::string_view id);

// A List request's parent for children of `child_kind`, as a name prefix that
// every child's name starts with ("plans/p/activities/"). The trailing ids of
// `parent` may be "-" (AIP-159: any), for example "plans/p/activities/-" to
// list the actions of every activity. `parent` must be empty for kinds with no
// parent. InvalidArgument when it does not name a parent of `child_kind`.
struct ListParent {
  std::string prefix;
  // The deepest named (non-wildcard) ancestor, which must exist; nullopt
  // when there is none (organisations, plans).
  std::optional<ResourceName> ancestor;
};
absl::StatusOr<ListParent> ParseListParent(Kind child_kind,
                                           absl::string_view parent);

}  // namespace plan

#endif  // LIBPLAN_MODEL_NAMES_H_
