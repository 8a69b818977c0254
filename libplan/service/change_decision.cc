#include "libplan/service/change_decision.h"

#include <algorithm>
#include <initializer_list>
#include <map>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/message.h"
#include "libplan/clock/hybrid_clock.h"
#include "libplan/merge/field_merge.h"
#include "libplan/model/fields.h"
#include "libplan/model/names.h"
#include "libplan/model/validation.h"
#include "libplan/util/check.h"
#include "libplan/util/errors.h"
#include "libplan/util/status_macros.h"
#include "libplan/util/timestamp.h"

namespace plan {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

ChangeDecision Refuse(absl::Status status) {
  ChangeDecision decision;
  decision.refusal = std::move(status);
  return decision;
}

// A push's rule, broken: refused as INVALID_ARGUMENT with `why`.
ChangeDecision Invalid(std::string why) {
  return Refuse(absl::InvalidArgumentError(std::move(why)));
}

std::unique_ptr<Message> NewMessage(const Descriptor& type) {
  return std::unique_ptr<Message>(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(&type)
          ->New());
}

absl::Status Deleted(const ResourceName& name, absl::string_view why) {
  return Error(absl::StatusCode::kFailedPrecondition, "RESOURCE_DELETED",
               absl::StrCat(name.str(), why), name.str());
}

// A field's current state for the merge.
CurrentField CurrentOf(const Message& resource, const FieldDescriptor& field,
                       const storage::Entity& entity) {
  CurrentField current;
  current.value = FieldValueBytes(resource, field);
  auto it = entity.field_versions().find(field.name());
  if (it != entity.field_versions().end()) {
    current.sequence = it->second.service_sequence();
    current.hlc = it->second.hlc();
    current.replica_id = it->second.replica_id();
  }
  return current;
}

// Who made one side of a conflict, and when.
struct Side {
  std::string organisation;
  uint64_t hlc = 0;
  std::string change_id;
  std::string replica_id;
};

Side SideOf(const v1::Change& change) {
  return {change.organisation(), change.hlc(), change.change_id(),
          change.replica_id()};
}

Side SideOf(const storage::Version& version) {
  return {version.organisation(), version.hlc(), version.change_id(),
          version.replica_id()};
}

// A candidate's side. Its replica is the one its change id names
// ("<replica_id>:<counter>"); a candidate kept before candidates had an
// `hlc` is taken to be at the start of its edit time's millisecond.
Side SideOf(const v1::Conflict::Candidate& candidate) {
  const std::string& change_id = candidate.change_id();
  Side side{candidate.organisation(), candidate.hlc(), change_id,
            change_id.substr(0, change_id.rfind(':'))};
  if (side.hlc == 0) {
    side.hlc = HybridClock::Make(
        absl::ToUnixMillis(FromTimestamp(candidate.edit_time())), 0);
  }
  return side;
}

// The edit a conflict names as the editor of the value `version` wrote: its
// last writer, when the service merged edits into it, or its own change.
storage::Version LastWriter(const storage::Version& version) {
  if (version.has_last_writer()) return version.last_writer();
  return version;
}

// Whether `side` was written after `other`: WritesLater, the order of a
// conflict's provisional winner, with ties (one replica, one time) broken by
// the greater change id, so that it orders any two changes.
bool Later(const Side& side, const Side& other) {
  if (side.hlc != other.hlc || side.replica_id != other.replica_id) {
    return WritesLater(side.hlc, side.replica_id, other.hlc, other.replica_id);
  }
  return side.change_id > other.change_id;
}

v1::Conflict::Candidate Candidate(const Descriptor& type,
                                  const FieldDescriptor& field,
                                  const std::string& value, const Side& side) {
  v1::Conflict::Candidate candidate;
  candidate.set_display_value(DisplayValue(type, field, value));
  candidate.set_value(value);
  candidate.set_organisation(side.organisation);
  *candidate.mutable_edit_time() = ToTimestamp(HybridClock::ToTime(side.hlc));
  candidate.set_hlc(side.hlc);
  candidate.set_change_id(side.change_id);
  return candidate;
}

// Why `change` of `name` is not a change its kind allows, or "".
std::string KindRule(const v1::Change& change, const ResourceName& name) {
  const v1::Change::Operation op = change.operation();
  if (IsConflict(name.kind()) && op == v1::Change::CREATE) {
    return "conflicts are created by the plan service only";
  }
  if (name.kind() == Kind::kProgressUpdate && op != v1::Change::CREATE) {
    return "progress updates are append-only: they can only be created";
  }
  if (!IsConflict(name.kind())) return "";
  // A conflict changes only as ResolveConflict changes it: its state to
  // RESOLVED, with a resolution. Its candidates are the service's record.
  bool resolves = op == v1::Change::UPDATE;
  for (const v1::FieldChange& field : change.fields()) {
    if (field.field() == "state") {
      v1::Conflict value;
      resolves = resolves && value.ParseFromString(field.value()) &&
                 value.state() == v1::Conflict::RESOLVED;
    } else if (field.field() != "resolution") {
      resolves = false;
    }
  }
  return resolves ? ""
                  : "a conflict changes only by being resolved "
                    "(ResolveConflict): its state to RESOLVED and its "
                    "resolution";
}

// OK when the caller may make `change` of `name`: authorized as the direct
// call that would make it (Create, or Update when the name exists already;
// Update; ResolveConflict; Delete or Undelete).
absl::Status AccessRule(const v1::Change& change, const ResourceName& name,
                        bool exists, const DecisionContext& context) {
  if (context.access == nullptr) return absl::OkStatus();
  Operation operation = Operation::kUpdate;
  if (change.operation() == v1::Change::CREATE && !exists) {
    operation = Operation::kCreate;
  } else if (change.operation() == v1::Change::DELETE ||
             change.operation() == v1::Change::UNDELETE) {
    operation = Operation::kDelete;
  } else if (IsConflict(name.kind())) {
    operation = Operation::kResolve;
  }
  std::string reporting;
  if (name.kind() == Kind::kProgressUpdate) {
    for (const v1::FieldChange& field : change.fields()) {
      v1::ProgressUpdate value;
      if (field.field() == "organisation" &&
          value.ParseFromString(field.value())) {
        reporting = value.organisation();
      }
    }
  }
  return context.access->Check(context.caller, operation, name, context.lookup,
                               reporting);
}

// Sets `refusal` unless every ancestor of `name` exists and is live (or,
// `deleted_too`, exists). Fails only when a lookup does.
absl::Status AncestorRule(const ResourceName& name,
                          const DecisionContext& context, bool deleted_too,
                          absl::Status* refusal) {
  for (std::optional<ResourceName> p = name.Parent(); p.has_value();
       p = p->Parent()) {
    ASSIGN_OR_RETURN(std::optional<storage::Entity> parent, context.lookup(*p));
    if (!parent.has_value()) {
      *refusal =
          Error(absl::StatusCode::kNotFound, "PARENT_NOT_FOUND",
                absl::StrCat("parent ", p->str(), " does not exist"), p->str());
      return absl::OkStatus();
    }
    if (parent->deleted() && !deleted_too) {
      *refusal =
          Error(absl::StatusCode::kFailedPrecondition, "PARENT_DELETED",
                absl::StrCat("parent ", p->str(), " is deleted"), p->str());
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

// Whether `kind` is a plan's content, which a delete of its plan, activity,
// action or strand reaches (DependentsOf); members and conflicts are not.
bool IsPlanContent(Kind kind) {
  return kind == Kind::kStrand || kind == Kind::kActivity ||
         kind == Kind::kAction || kind == Kind::kProgressUpdate;
}

// Whether a write of a `kind` resource from `origin` may reference a deleted
// resource in `field`: a pushed activity may belong to a deleted strand,
// which reaches it as a deleted parent does (the write opens a conflict with
// the delete instead).
bool MayReferenceDeleted(Kind kind, Origin origin, absl::string_view field) {
  return origin == Origin::kPushed && kind == Kind::kActivity &&
         field == "strand";
}

// Sets `refusal` (INVALID_ARGUMENT naming each field) unless every resource
// of `references`, made by a write of a `kind` resource, exists and is live
// (but for MayReferenceDeleted). Fails only when a lookup does.
absl::Status ReferenceRule(Kind kind, const std::vector<Reference>& references,
                           const DecisionContext& context,
                           absl::Status* refusal) {
  FieldViolations violations;
  for (const Reference& ref : references) {
    ASSIGN_OR_RETURN(std::optional<storage::Entity> target,
                     context.lookup(*ResourceName::Parse(ref.name)));
    if (!target.has_value()) {
      violations.Add(ref.field,
                     absl::StrCat("\"", ref.name, "\" does not exist"));
    } else if (target->deleted() &&
               !MayReferenceDeleted(kind, context.origin, ref.field)) {
      violations.Add(ref.field, absl::StrCat("\"", ref.name, "\" is deleted"));
    }
  }
  *refusal = violations.ToStatus();
  return absl::OkStatus();
}

// The conflict of `deleted`, a delete of `deleted_resource` (`name` itself,
// or a resource whose delete reaches it), with `edited`, an edit of `name` that
// the delete did not see and that left `field` at `value`. It is the same
// whichever of the two the service took first: the delete stands (the
// provisional winner, candidate 0), and the edit, kept in the resource, is
// restorable by resolving the conflict.
v1::Conflict EditVersusDelete(const ResourceName& name,
                              const FieldDescriptor& field, const Side& deleted,
                              const Side& edited, const std::string& value,
                              const ResourceName& deleted_resource) {
  const Descriptor& type = *field.containing_type();
  v1::Conflict conflict;
  conflict.set_target(name.str());
  conflict.set_field(field.name());
  v1::Conflict::Candidate deletes = Candidate(type, field, "", deleted);
  deletes.set_display_value(
      deleted_resource == name
          ? "(deleted)"
          : absl::StrCat("(deleted with ", deleted_resource.str(), ")"));
  deletes.set_deletes(true);
  deletes.set_deleted(deleted_resource.str());
  *conflict.add_candidates() = std::move(deletes);
  *conflict.add_candidates() = Candidate(type, field, value, edited);
  conflict.set_provisional_winner(0);
  return conflict;
}

// Adds to `conflicts` those of `change`, a pushed delete of `deleted`, with
// the edits of `name` (`deleted` itself or a resource its delete reaches;
// `stored`, `current` parsed) that it did not see: one for each field that a
// replica other than the deleter's wrote after the versions the delete was
// made on, in field order.
void AddUnseenEdits(const v1::Change& change, const ResourceName& deleted,
                    const ResourceName& name, const storage::Entity& stored,
                    const Message& current,
                    std::vector<v1::Conflict>* conflicts) {
  for (const FieldDescriptor* field : DataFields(*current.GetDescriptor())) {
    auto it = stored.field_versions().find(field->name());
    if (it == stored.field_versions().end()) continue;
    const storage::Version& version = it->second;
    if (version.service_sequence() <= change.seen_sequence() ||
        version.replica_id() == change.replica_id()) {
      continue;
    }
    conflicts->push_back(EditVersusDelete(
        name, *field, SideOf(change), SideOf(LastWriter(version)),
        FieldValueBytes(current, *field), deleted));
  }
}

// The edit-versus-delete conflicts of `change`, a pushed delete of `stored`
// (`current` parsed): with the edits it did not see of the resource, then of
// each resource the delete reaches (DependentsOf), in name order.
absl::StatusOr<std::vector<v1::Conflict>> UnseenEdits(
    const v1::Change& change, const ResourceName& name,
    const storage::Entity& stored, const Message& current,
    const DecisionContext& context) {
  std::vector<v1::Conflict> conflicts;
  if (!change.has_seen_sequence()) return conflicts;
  AddUnseenEdits(change, name, name, stored, current, &conflicts);
  if (!context.scan) return conflicts;
  ASSIGN_OR_RETURN(const auto dependents, DependentsOf(name, context.scan));
  for (const auto& [dependent, entity] : dependents) {
    std::unique_ptr<Message> resource =
        NewMessage(*InfoOf(dependent.kind()).descriptor);
    if (!resource->ParseFromString(entity.resource())) {
      return absl::DataLossError(absl::StrCat(dependent.str(), " is corrupt"));
    }
    AddUnseenEdits(change, name, dependent, entity, *resource, &conflicts);
  }
  return conflicts;
}

// The resources whose delete reaches `name`, deleted and not deleted by
// `replica_id` (whose edits saw its own deletes): of its ancestors, nearest
// first, then the strand of the activity it is or is under (`own_strand`:
// the strand of `name` when it is an activity, as the change leaves it).
absl::StatusOr<std::vector<std::pair<ResourceName, storage::Entity>>>
DeletedParents(const ResourceName& name, std::string own_strand,
               absl::string_view replica_id, const DecisionContext& context) {
  std::vector<std::pair<ResourceName, storage::Entity>> deleted;
  const auto add = [&](const ResourceName& parent,
                       const storage::Entity& entity) {
    if (entity.deleted() &&
        entity.lifecycle_version().replica_id() != replica_id) {
      deleted.emplace_back(parent, entity);
    }
  };
  std::string strand = std::move(own_strand);
  for (std::optional<ResourceName> p = name.Parent(); p.has_value();
       p = p->Parent()) {
    ASSIGN_OR_RETURN(std::optional<storage::Entity> parent, context.lookup(*p));
    if (!parent.has_value()) continue;
    if (p->kind() == Kind::kActivity) {
      v1::Activity activity;
      if (!activity.ParseFromString(parent->resource())) {
        return absl::DataLossError(absl::StrCat(p->str(), " is corrupt"));
      }
      strand = activity.strand();
    }
    add(*p, *parent);
  }
  absl::StatusOr<ResourceName> strand_name = ResourceName::Parse(strand);
  if (strand.empty() || !strand_name.ok()) return deleted;
  ASSIGN_OR_RETURN(std::optional<storage::Entity> entity,
                   context.lookup(*strand_name));
  if (entity.has_value()) add(*strand_name, *entity);
  return deleted;
}

// The strand `resource` belongs to, when it is an activity; "" otherwise.
std::string OwnStrand(const ResourceName& name, const Message& resource) {
  if (name.kind() != Kind::kActivity) return "";
  return resource.GetReflection()->GetString(
      resource, resource.GetDescriptor()->FindFieldByName("strand"));
}

// Whether edit-versus-delete conflicts `a` and `b` are of one target, field
// and deleted resource (of any deletes of it).
bool SameDeletedTargetAndField(const v1::Conflict& a, const v1::Conflict& b) {
  return a.target() == b.target() && a.field() == b.field() &&
         a.candidates(0).deleted() == b.candidates(0).deleted();
}

// Where the conflicts of `target` are kept (ConflictName: in its plan, or
// with its organisation), as the prefix of their names.
std::string ConflictsOf(const ResourceName& target) {
  std::string some = ConflictName(target, "x").str();
  some.pop_back();
  return some;
}

// The open edit-versus-delete conflicts whose names start with `prefix`
// (ConflictsOf).
absl::StatusOr<std::vector<v1::Conflict>> OpenEditVersusDeletes(
    const std::string& prefix, const EntityScan& scan) {
  ASSIGN_OR_RETURN(const auto stored, scan(ConflictKindOf(prefix), prefix));
  std::vector<v1::Conflict> open;
  for (const auto& [name, entity] : stored) {
    v1::Conflict conflict;
    if (entity.deleted() || !conflict.ParseFromString(entity.resource()) ||
        conflict.state() != v1::Conflict::OPEN ||
        conflict.candidates_size() != 2 || !conflict.candidates(0).deletes()) {
      continue;
    }
    open.push_back(std::move(conflict));
  }
  return open;
}

// Turns each edit-versus-delete conflict `decision` opens whose target,
// field and deleted resource an open conflict has already (opened by an
// earlier edit that a delete missed, or by an earlier delete that missed an
// edit) into an update of that one: its name, with the later (Later) of the
// two deletes and this conflict's edit candidate, the field's value now and
// the editor it names. So the deletes of a resource and the edits they
// missed leave one conflict per target and field, naming the last of the
// deletes that missed an edit of it, and holding the field's last value,
// whatever the order they arrive in (docs/architecture.md, "Merging").
absl::Status JoinOpenConflicts(const DecisionContext& context,
                               ChangeDecision* decision) {
  if (!context.scan) return absl::OkStatus();
  // By where they are kept (ConflictsOf).
  std::map<std::string, std::vector<v1::Conflict>> open_at;
  for (v1::Conflict& opening : decision->conflicts) {
    if (!opening.name().empty() || !opening.candidates(0).deletes()) continue;
    ASSIGN_OR_RETURN(const ResourceName target,
                     ResourceName::Parse(opening.target()));
    const std::string prefix = ConflictsOf(target);
    auto [open, added] = open_at.try_emplace(prefix);
    if (added) {
      ASSIGN_OR_RETURN(open->second,
                       OpenEditVersusDeletes(prefix, context.scan));
    }
    for (const v1::Conflict& stored : open->second) {
      if (!SameDeletedTargetAndField(stored, opening)) continue;
      opening.set_name(stored.name());
      if (Later(SideOf(stored.candidates(0)), SideOf(opening.candidates(0)))) {
        *opening.mutable_candidates(0) = stored.candidates(0);
      }
      break;
    }
  }
  return absl::OkStatus();
}

// The editor a conflict names for `field` as `change`, decided in
// `decision`, leaves it: the change, or the last writer of a merge
// (ChangeDecision::last_writers).
Side EditorOf(const v1::Change& change, const FieldDescriptor& field,
              const ChangeDecision& decision) {
  auto it = decision.last_writers.find(field.name());
  return it == decision.last_writers.end() ? SideOf(change)
                                           : SideOf(it->second);
}

// Records in `decision` the last writer of `field`, which `change` merged
// (`merge`) with the value `stored` holds, when that is not the change: of
// the edits merged into the value, the later (Later) of the value's last
// writer (LastWriter) and the change.
void AddLastWriter(const v1::Change& change, const storage::Entity& stored,
                   const FieldDescriptor& field, const FieldMerge& merge,
                   ChangeDecision* decision) {
  if (merge.outcome != FieldMerge::Outcome::kMerged) return;
  auto it = stored.field_versions().find(field.name());
  if (it == stored.field_versions().end()) return;
  const storage::Version earlier = LastWriter(it->second);
  if (Later(SideOf(earlier), SideOf(change))) {
    decision->last_writers[field.name()] = earlier;
  }
}

// Adds to `decision` the conflicts of `change`, a pushed write of `name`
// that set `fields` of `resource` as it now is, with each delete that reaches
// `name` and that it did not see.
absl::Status AddParentDeletes(const v1::Change& change,
                              const ResourceName& name, const Message& resource,
                              const std::vector<const FieldDescriptor*>& fields,
                              const DecisionContext& context,
                              ChangeDecision* decision) {
  if (context.origin != Origin::kPushed || !IsPlanContent(name.kind()) ||
      fields.empty()) {
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(const auto parents,
                   DeletedParents(name, OwnStrand(name, resource),
                                  change.replica_id(), context));
  for (const auto& [parent, entity] : parents) {
    for (const FieldDescriptor* field : fields) {
      decision->conflicts.push_back(
          EditVersusDelete(name, *field, SideOf(entity.lifecycle_version()),
                           EditorOf(change, *field, *decision),
                           FieldValueBytes(resource, *field), parent));
    }
  }
  return absl::OkStatus();
}

// The clash of `field`'s pushed value `incoming` with the value `now` that
// `stored` holds: oldest edit first.
v1::Conflict Clash(const v1::Change& change, const ResourceName& name,
                   const storage::Entity& stored, const FieldDescriptor& field,
                   const CurrentField& now, const IncomingField& incoming,
                   bool incoming_won) {
  const Descriptor& type = *field.containing_type();
  v1::Conflict conflict;
  conflict.set_target(name.str());
  conflict.set_field(field.name());
  auto it = stored.field_versions().find(field.name());
  const storage::Version version =
      it == stored.field_versions().end() ? storage::Version() : it->second;
  *conflict.add_candidates() =
      Candidate(type, field, now.value, SideOf(version));
  *conflict.add_candidates() =
      Candidate(type, field, incoming.value, SideOf(change));
  conflict.set_provisional_winner(incoming_won ? 1 : 0);
  return conflict;
}

// A create of a name nobody has: every field, checked.
absl::StatusOr<ChangeDecision> DecideCreate(v1::Change change,
                                            const ResourceName& name,
                                            Message& incoming,
                                            const DecisionContext& context) {
  const KindInfo& info = InfoOf(name.kind());
  const Descriptor& type = *info.descriptor;
  incoming.GetReflection()->SetString(&incoming, type.FindFieldByName("name"),
                                      name.str());
  FieldViolations violations;
  ValidateFields(name.kind(), incoming, DataFields(type), info.field,
                 &violations);
  if (!violations.empty()) return Refuse(violations.ToStatus());
  absl::Status refused;
  const bool under_deleted_ok =
      context.origin == Origin::kPushed && IsPlanContent(name.kind());
  RETURN_IF_ERROR(AncestorRule(name, context, under_deleted_ok, &refused));
  if (!refused.ok()) return Refuse(std::move(refused));
  std::vector<Reference> references =
      ReferencesOf(name.kind(), incoming, DataFields(type), info.field);
  for (Reference& implied : ImpliedReferences(name)) {
    references.push_back(std::move(implied));
  }
  RETURN_IF_ERROR(ReferenceRule(name.kind(), references, context, &refused));
  if (!refused.ok()) return Refuse(std::move(refused));
  change.clear_fields();
  std::vector<const FieldDescriptor*> set;
  for (const FieldDescriptor* field : DataFields(type)) {
    if (!HasValue(incoming, *field)) continue;
    v1::FieldChange* out = change.add_fields();
    out->set_field(field->name());
    out->set_value(FieldValueBytes(incoming, *field));
    set.push_back(field);
  }
  ChangeDecision decision;
  // Pushed under a deleted parent, it is created there and kept
  // visible in a conflict with each delete.
  RETURN_IF_ERROR(
      AddParentDeletes(change, name, incoming, set, context, &decision));
  if (!decision.conflicts.empty()) {
    decision.outcome = v1::ChangeResult::CONFLICT;
  }
  decision.logged = std::move(change);
  return decision;
}

// An edit (an update, or a pushed create of a name that exists already) of
// `current`, the stored resource: a direct one takes each value as it is; a
// pushed one is merged field by field against the field's base version.
absl::StatusOr<ChangeDecision> DecideEdit(v1::Change change,
                                          const ResourceName& name,
                                          const storage::Entity& stored,
                                          const Message& current,
                                          const Message& incoming,
                                          const DecisionContext& context) {
  const KindInfo& info = InfoOf(name.kind());
  const Descriptor& type = *info.descriptor;
  ChangeDecision decision;
  std::unique_ptr<Message> merged(current.New());
  merged->CopyFrom(current);
  std::vector<const FieldDescriptor*> changed;
  bool any_merged = false;
  for (const v1::FieldChange& field : change.fields()) {
    const FieldDescriptor& descriptor = *type.FindFieldByName(field.field());
    const CurrentField now = CurrentOf(current, descriptor, stored);
    IncomingField in;
    in.value = FieldValueBytes(incoming, descriptor);
    if (context.origin == Origin::kDirect) {
      if (in.value == now.value) continue;
      CopyField(incoming, descriptor, merged.get());
      changed.push_back(&descriptor);
      continue;
    }
    in.base = field.base();
    in.base_sequence = field.base_sequence();
    in.hlc = change.hlc();
    in.replica_id = change.replica_id();
    const FieldMerge outcome = MergeField(type, descriptor, now, in);
    switch (outcome.outcome) {
      case FieldMerge::Outcome::kIdentical:
        continue;
      case FieldMerge::Outcome::kMerged:
        any_merged = true;
        break;
      case FieldMerge::Outcome::kConflict:
        decision.conflicts.push_back(Clash(change, name, stored, descriptor,
                                           now, in, outcome.incoming_won));
        break;
      default:
        break;
    }
    if (outcome.value == now.value) continue;
    std::unique_ptr<Message> value(current.New());
    if (!value->ParseFromString(outcome.value)) {
      return Invalid(absl::StrCat(field.field(), ": unreadable merged value"));
    }
    CopyField(*value, descriptor, merged.get());
    changed.push_back(&descriptor);
    AddLastWriter(change, stored, descriptor, outcome, &decision);
    if (stored.deleted()) {
      // An edit the delete did not see: merged into the deleted resource,
      // and kept visible in a conflict with the delete.
      decision.conflicts.push_back(EditVersusDelete(
          name, descriptor, SideOf(stored.lifecycle_version()),
          EditorOf(change, descriptor, decision), outcome.value, name));
    }
  }
  FieldViolations violations;
  ValidateFields(name.kind(), *merged, changed, info.field, &violations);
  if (!violations.empty()) return Refuse(violations.ToStatus());
  absl::Status refused;
  RETURN_IF_ERROR(ReferenceRule(
      name.kind(), ReferencesOf(name.kind(), *merged, changed, info.field),
      context, &refused));
  if (!refused.ok()) return Refuse(std::move(refused));
  RETURN_IF_ERROR(
      AddParentDeletes(change, name, *merged, changed, context, &decision));
  RETURN_IF_ERROR(JoinOpenConflicts(context, &decision));
  decision.outcome = !decision.conflicts.empty() ? v1::ChangeResult::CONFLICT
                     : any_merged                ? v1::ChangeResult::MERGED
                                                 : v1::ChangeResult::APPLIED;
  if (!changed.empty()) {
    change.set_operation(v1::Change::UPDATE);
    change.clear_fields();
    for (const FieldDescriptor* field : changed) {
      v1::FieldChange* out = change.add_fields();
      out->set_field(field->name());
      out->set_value(FieldValueBytes(*merged, *field));
      out->set_base(FieldValueBytes(current, *field));
    }
    decision.logged = std::move(change);
  }
  decision.edited = std::move(merged);
  return decision;
}

// A pushed delete of `stored` (`current` parsed), which a delete made
// concurrently (the deleting replica had not pulled it) has deleted already.
// Of the two, the resource keeps the later (Later, the order of a conflict's
// provisional winner): a later one is logged, and replaces the resource's
// lifecycle version and delete time everywhere; an earlier one changes
// nothing. Either way, like the first, it conflicts with each edit it did
// not see (UnseenEdits), joining any open conflict of the edit's target and
// field with a delete of this resource.
absl::StatusOr<ChangeDecision> DecideConcurrentDelete(
    v1::Change change, const ResourceName& name, const storage::Entity& stored,
    const Message& current, const DecisionContext& context) {
  ChangeDecision decision;
  ASSIGN_OR_RETURN(decision.conflicts,
                   UnseenEdits(change, name, stored, current, context));
  RETURN_IF_ERROR(JoinOpenConflicts(context, &decision));
  if (!decision.conflicts.empty()) {
    decision.outcome = v1::ChangeResult::CONFLICT;
  }
  if (Later(SideOf(change), SideOf(stored.lifecycle_version()))) {
    change.clear_fields();
    decision.logged = std::move(change);
  }
  return decision;
}

// A delete or undelete of `stored`.
absl::StatusOr<ChangeDecision> DecideLifecycle(v1::Change change,
                                               const ResourceName& name,
                                               const storage::Entity& stored,
                                               const Message& current,
                                               const DecisionContext& context) {
  const KindInfo& info = InfoOf(name.kind());
  const bool deleting = change.operation() == v1::Change::DELETE;
  if (!info.updatable) {
    return Refuse(Error(
        absl::StatusCode::kFailedPrecondition, "NOT_DELETABLE",
        absl::StrCat(info.field, " resources cannot be deleted"), name.str()));
  }
  const bool direct = context.origin == Origin::kDirect;
  if (direct && !context.etag.empty() &&
      context.etag !=
          current.GetReflection()->GetString(
              current, current.GetDescriptor()->FindFieldByName("etag"))) {
    return Refuse(EtagMismatch(name, context.etag));
  }
  ChangeDecision decision;
  if (stored.deleted() == deleting) {
    if (!direct) {
      // Pushed, an undelete is already done, and a delete was made
      // concurrently with the one stored.
      if (!deleting) return decision;
      return DecideConcurrentDelete(std::move(change), name, stored, current,
                                    context);
    }
    // Asked for, it is refused.
    if (deleting) return Refuse(Deleted(name, " is already deleted"));
    return Refuse(Error(absl::StatusCode::kAlreadyExists, "NOT_DELETED",
                        absl::StrCat(name.str(), " is not deleted"),
                        name.str()));
  }
  if (!deleting) {
    absl::Status refused;
    RETURN_IF_ERROR(
        AncestorRule(name, context, /*deleted_too=*/false, &refused));
    if (!refused.ok()) return Refuse(std::move(refused));
  }
  if (deleting && !direct) {
    ASSIGN_OR_RETURN(decision.conflicts,
                     UnseenEdits(change, name, stored, current, context));
    RETURN_IF_ERROR(JoinOpenConflicts(context, &decision));
    if (!decision.conflicts.empty()) {
      decision.outcome = v1::ChangeResult::CONFLICT;
    }
  }
  change.clear_fields();
  decision.logged = std::move(change);
  return decision;
}

}  // namespace

// DecideChange, without checking its answer's invariants.
static absl::StatusOr<ChangeDecision> DecideChangeUnchecked(
    const v1::Change& requested, const std::optional<storage::Entity>& stored,
    const DecisionContext& context);

absl::Status ResourceNotFound(const ResourceName& name) {
  return Error(absl::StatusCode::kNotFound, "RESOURCE_NOT_FOUND",
               absl::StrCat(name.str(), " does not exist"), name.str());
}

absl::Status EtagMismatch(const ResourceName& name, absl::string_view etag) {
  return Error(absl::StatusCode::kAborted, "ETAG_MISMATCH",
               absl::StrCat(name.str(), " has changed since etag ", etag,
                            " was read; read it again"),
               name.str());
}

namespace {

using Entities = std::vector<std::pair<ResourceName, storage::Entity>>;

// Appends to `out` the `kinds` entities under `name` (which they are named
// under).
absl::Status AddUnder(const ResourceName& name,
                      std::initializer_list<Kind> kinds, const EntityScan& scan,
                      Entities* out) {
  const std::string under = absl::StrCat(name.str(), "/");
  for (Kind kind : kinds) {
    ASSIGN_OR_RETURN(Entities found, scan(kind, under));
    for (auto& entry : found) out->push_back(std::move(entry));
  }
  return absl::OkStatus();
}

// Appends to `out` the activities of `strand` (those whose `strand` names
// it), each followed by its actions and progress updates.
absl::Status AddStrandDependents(const ResourceName& strand,
                                 const EntityScan& scan, Entities* out) {
  ASSIGN_OR_RETURN(Entities activities,
                   scan(Kind::kActivity, absl::StrCat(strand.Plan(), "/")));
  for (auto& [name, entity] : activities) {
    v1::Activity activity;
    if (!activity.ParseFromString(entity.resource())) {
      return absl::DataLossError(absl::StrCat(name.str(), " is corrupt"));
    }
    if (activity.strand() != strand.str()) continue;
    const ResourceName activity_name = name;
    out->emplace_back(std::move(name), std::move(entity));
    RETURN_IF_ERROR(AddUnder(
        activity_name, {Kind::kAction, Kind::kProgressUpdate}, scan, out));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::pair<ResourceName, storage::Entity>>>
DependentsOf(const ResourceName& name, const EntityScan& scan) {
  Entities dependents;
  switch (name.kind()) {
    case Kind::kPlan:
      RETURN_IF_ERROR(AddUnder(name,
                               {Kind::kStrand, Kind::kActivity, Kind::kAction,
                                Kind::kProgressUpdate},
                               scan, &dependents));
      break;
    case Kind::kStrand:
      RETURN_IF_ERROR(AddStrandDependents(name, scan, &dependents));
      break;
    case Kind::kActivity:
      RETURN_IF_ERROR(AddUnder(name, {Kind::kAction, Kind::kProgressUpdate},
                               scan, &dependents));
      break;
    case Kind::kAction:
      RETURN_IF_ERROR(
          AddUnder(name, {Kind::kProgressUpdate}, scan, &dependents));
      break;
    default:
      break;
  }
  return dependents;
}

uint64_t SeenSequence(const storage::Entity& entity) {
  uint64_t seen = entity.lifecycle_version().service_sequence();
  for (const auto& [field, version] : entity.field_versions()) {
    seen = std::max(seen, version.service_sequence());
  }
  return seen;
}

absl::StatusOr<uint64_t> SeenSequenceOfDelete(const ResourceName& name,
                                              const storage::Entity& entity,
                                              const EntityScan& scan) {
  uint64_t seen = SeenSequence(entity);
  ASSIGN_OR_RETURN(const auto dependents, DependentsOf(name, scan));
  for (const auto& [dependent, stored] : dependents) {
    seen = std::max(seen, SeenSequence(stored));
  }
  return seen;
}

absl::StatusOr<ChangeDecision> DecideChange(
    const v1::Change& requested, const std::optional<storage::Entity>& stored,
    const DecisionContext& context) {
  absl::StatusOr<ChangeDecision> decision =
      DecideChangeUnchecked(requested, stored, context);
  if (decision.ok()) {
    // A refused change does nothing; a direct one never conflicts.
    PLAN_DCHECK(decision->refusal.ok() ||
                (!decision->logged.has_value() && decision->conflicts.empty()))
        << requested.target();
    PLAN_DCHECK(context.origin == Origin::kPushed ||
                decision->conflicts.empty())
        << requested.target();
  }
  return decision;
}

static absl::StatusOr<ChangeDecision> DecideChangeUnchecked(
    const v1::Change& requested, const std::optional<storage::Entity>& stored,
    const DecisionContext& context) {
  absl::StatusOr<ResourceName> name = ResourceName::Parse(requested.target());
  if (!name.ok()) return Invalid(std::string(name.status().message()));
  if (std::string broken = KindRule(requested, *name); !broken.empty()) {
    return Invalid(std::move(broken));
  }
  if (absl::Status allowed =
          AccessRule(requested, *name, stored.has_value(), context);
      !allowed.ok()) {
    if (allowed.code() != absl::StatusCode::kPermissionDenied) return allowed;
    return Refuse(std::move(allowed));
  }

  v1::Change change = requested;
  change.set_plan(name->Plan());
  change.clear_log_time();  // the store that logs it says when
  const KindInfo& info = InfoOf(name->kind());
  const Descriptor& type = *info.descriptor;
  std::unique_ptr<Message> current = NewMessage(type);
  if (stored.has_value() && !current->ParseFromString(stored->resource())) {
    return absl::DataLossError(absl::StrCat(name->str(), " is corrupt"));
  }
  // Every value is read and checked before it is merged or kept in a
  // conflict.
  std::vector<const FieldDescriptor*> fields;
  std::unique_ptr<Message> incoming(current->New());
  for (const v1::FieldChange& field : change.fields()) {
    const FieldDescriptor* descriptor = type.FindFieldByName(field.field());
    if (descriptor == nullptr || IsOutputOnlyField(field.field())) {
      return Invalid(absl::StrCat("\"", field.field(), "\" is not a field of ",
                                  type.name()));
    }
    std::unique_ptr<Message> value(current->New());
    if (!value->ParseFromString(field.value())) {
      return Invalid(absl::StrCat(field.field(), ": unreadable value"));
    }
    CopyField(*value, *descriptor, incoming.get());
    fields.push_back(descriptor);
  }
  DropRepeatsFromSets(fields, incoming.get());
  FieldViolations violations;
  ValidateFields(name->kind(), *incoming, fields, info.field, &violations);
  if (!violations.empty()) return Refuse(violations.ToStatus());

  const bool direct = context.origin == Origin::kDirect;
  switch (change.operation()) {
    case v1::Change::CREATE:
      if (!stored.has_value()) {
        return DecideCreate(std::move(change), *name, *incoming, context);
      }
      if (direct) {
        return Refuse(Error(
            absl::StatusCode::kAlreadyExists, "ALREADY_EXISTS",
            absl::StrCat(name->str(), " already exists",
                         stored->deleted() ? " (deleted; undelete it)" : ""),
            name->str()));
      }
      // Created elsewhere too: merge as an edit of what the creator saw,
      // which was nothing.
      for (v1::FieldChange& field : *change.mutable_fields()) {
        field.clear_base();
        field.set_base_sequence(0);
      }
      break;
    case v1::Change::UPDATE:
      if (!stored.has_value()) return Refuse(ResourceNotFound(*name));
      if (direct) {
        const std::string& etag = current->GetReflection()->GetString(
            *current, type.FindFieldByName("etag"));
        if (!context.etag.empty() && context.etag != etag) {
          return Refuse(EtagMismatch(*name, context.etag));
        }
        if (stored->deleted()) {
          return Refuse(Deleted(*name, " is deleted; undelete it first"));
        }
      }
      break;
    case v1::Change::DELETE:
    case v1::Change::UNDELETE:
      if (!stored.has_value()) return Refuse(ResourceNotFound(*name));
      return DecideLifecycle(std::move(change), *name, *stored, *current,
                             context);
    default:
      return Invalid("unknown operation");
  }
  return DecideEdit(std::move(change), *name, *stored, *current, *incoming,
                    context);
}

}  // namespace plan
