#include "libplan/sync/push_decision.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "libplan/clock/hybrid_clock.h"
#include "libplan/merge/field_merge.h"
#include "libplan/model/fields.h"
#include "libplan/model/validation.h"
#include "libplan/sync/apply.h"
#include "libplan/util/log.h"
#include "libplan/util/status_macros.h"
#include "libplan/util/timestamp.h"

namespace plan {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

PushDecision Reject(std::string reason) {
  PushDecision decision;
  decision.rejection = std::move(reason);
  return decision;
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

v1::Conflict::Candidate Candidate(const Descriptor& type,
                                  const FieldDescriptor& field,
                                  const std::string& value,
                                  const std::string& organisation, uint64_t hlc,
                                  const std::string& change_id) {
  v1::Conflict::Candidate candidate;
  candidate.set_display_value(DisplayValue(type, field, value));
  candidate.set_value(value);
  candidate.set_organisation(organisation);
  *candidate.mutable_edit_time() = ToTimestamp(HybridClock::ToTime(hlc));
  candidate.set_change_id(change_id);
  return candidate;
}

// Why `change` of `name` is not a change its kind allows, or "".
std::string KindRule(const v1::Change& change, const ResourceName& name) {
  const v1::Change::Operation op = change.operation();
  if (name.kind() == Kind::kConflict && op == v1::Change::CREATE) {
    return "conflicts are created by the plan service only";
  }
  if (name.kind() == Kind::kProgressUpdate && op != v1::Change::CREATE) {
    return "progress updates are append-only: they can only be created";
  }
  if (name.kind() != Kind::kConflict) return "";
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

// Why `caller` may not make `change` of `name`, or "": authorized as the
// direct call that would make it (Create, or Update when the name exists
// already; Update; ResolveConflict; Delete or Undelete).
absl::StatusOr<std::string> AccessRule(const v1::Change& change,
                                       const ResourceName& name, bool exists,
                                       const PushContext& context) {
  if (context.access == nullptr) return std::string();
  Operation operation = Operation::kUpdate;
  if (change.operation() == v1::Change::CREATE && !exists) {
    operation = Operation::kCreate;
  } else if (change.operation() == v1::Change::DELETE ||
             change.operation() == v1::Change::UNDELETE) {
    operation = Operation::kDelete;
  } else if (name.kind() == Kind::kConflict) {
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
  const absl::Status allowed = context.access->Check(
      context.caller, operation, name, context.lookup, reporting);
  if (allowed.ok()) return std::string();
  if (allowed.code() != absl::StatusCode::kPermissionDenied) return allowed;
  return std::string(allowed.message());
}

// Why nothing of `references` may be referred to, or "": each must exist
// and be live.
absl::StatusOr<std::string> ReferenceRule(
    const std::vector<Reference>& references, const PushContext& context) {
  for (const Reference& ref : references) {
    ASSIGN_OR_RETURN(std::optional<storage::Entity> target,
                     context.lookup(*ResourceName::Parse(ref.name)));
    if (!target.has_value() || target->deleted()) {
      return absl::StrCat(ref.field, ": \"", ref.name, "\" does not exist");
    }
  }
  return std::string();
}

// A CREATE of a name nobody has: every field, checked as CreateX checks it.
absl::StatusOr<PushDecision> DecideCreate(v1::Change change,
                                          const ResourceName& name,
                                          Message& incoming,
                                          const PushContext& context) {
  const KindInfo& info = InfoOf(name.kind());
  const Descriptor& type = *info.descriptor;
  incoming.GetReflection()->SetString(&incoming, type.FindFieldByName("name"),
                                      name.str());
  FieldViolations violations;
  ValidateFields(name.kind(), incoming, DataFields(type), info.field,
                 &violations);
  if (!violations.empty()) {
    return Reject(std::string(violations.ToStatus().message()));
  }
  for (std::optional<ResourceName> p = name.Parent(); p.has_value();
       p = p->Parent()) {
    ASSIGN_OR_RETURN(std::optional<storage::Entity> parent, context.lookup(*p));
    if (!parent.has_value() || parent->deleted()) {
      return Reject(
          absl::StrCat("parent ", p->str(),
                       parent.has_value() ? " is deleted" : " does not exist"));
    }
  }
  std::vector<Reference> references =
      ReferencesOf(name.kind(), incoming, DataFields(type), info.field);
  for (Reference& implied : ImpliedReferences(name)) {
    references.push_back(std::move(implied));
  }
  ASSIGN_OR_RETURN(std::string unknown, ReferenceRule(references, context));
  if (!unknown.empty()) return Reject(std::move(unknown));
  change.clear_fields();
  for (const FieldDescriptor* field : DataFields(type)) {
    if (!HasValue(incoming, *field)) continue;
    v1::FieldChange* out = change.add_fields();
    out->set_field(field->name());
    out->set_value(FieldValueBytes(incoming, *field));
  }
  PushDecision decision;
  decision.logged = std::move(change);
  return decision;
}

// The edit-versus-delete conflict of `field`'s edit to `incoming_value`,
// against the delete that `stored` records.
v1::Conflict EditVersusDelete(const v1::Change& change,
                              const ResourceName& name,
                              const storage::Entity& stored,
                              const FieldDescriptor& field,
                              const std::string& incoming_value) {
  const Descriptor& type = *field.containing_type();
  v1::Conflict conflict;
  conflict.set_target(name.str());
  conflict.set_field(field.name());
  v1::Conflict::Candidate deleted;
  deleted.set_display_value("(deleted)");
  deleted.set_deletes(true);
  deleted.set_organisation(stored.lifecycle_version().organisation());
  deleted.set_change_id(stored.lifecycle_version().change_id());
  *deleted.mutable_edit_time() =
      Candidate(type, field, "", "", stored.lifecycle_version().hlc(), "")
          .edit_time();
  *conflict.add_candidates() = deleted;
  *conflict.add_candidates() =
      Candidate(type, field, incoming_value, change.organisation(),
                change.hlc(), change.change_id());
  conflict.set_provisional_winner(0);
  return conflict;
}

// An edit (an UPDATE, or a CREATE of a name that exists already): merged
// field by field against `current`, the stored resource.
absl::StatusOr<PushDecision> DecideEdit(v1::Change change,
                                        const ResourceName& name,
                                        const storage::Entity& stored,
                                        const Message& current,
                                        const Message& incoming,
                                        const PushContext& context) {
  const KindInfo& info = InfoOf(name.kind());
  const Descriptor& type = *info.descriptor;
  PushDecision decision;
  std::unique_ptr<Message> merged(current.New());
  merged->CopyFrom(current);
  std::vector<const FieldDescriptor*> changed;
  bool any_merged = false;
  for (const v1::FieldChange& field : change.fields()) {
    const FieldDescriptor& descriptor = *type.FindFieldByName(field.field());
    const std::string incoming_value = FieldValueBytes(incoming, descriptor);
    if (stored.deleted()) {
      // Edit versus delete: the delete stands; the edit is kept, restorable.
      decision.conflicts.push_back(
          EditVersusDelete(change, name, stored, descriptor, incoming_value));
      continue;
    }
    IncomingField in;
    in.value = incoming_value;
    in.base = field.base();
    in.base_sequence = field.base_sequence();
    in.hlc = change.hlc();
    in.replica_id = change.replica_id();
    const CurrentField now = CurrentOf(current, descriptor, stored);
    const FieldMerge outcome = MergeField(type, descriptor, now, in);
    switch (outcome.outcome) {
      case FieldMerge::Outcome::kIdentical:
        continue;
      case FieldMerge::Outcome::kMerged:
        any_merged = true;
        break;
      case FieldMerge::Outcome::kConflict: {
        v1::Conflict conflict;
        conflict.set_target(name.str());
        conflict.set_field(field.field());
        auto it = stored.field_versions().find(field.field());
        const storage::Version version = it == stored.field_versions().end()
                                             ? storage::Version()
                                             : it->second;
        // Oldest edit first.
        *conflict.add_candidates() =
            Candidate(type, descriptor, now.value, version.organisation(),
                      version.hlc(), version.change_id());
        *conflict.add_candidates() =
            Candidate(type, descriptor, in.value, change.organisation(),
                      change.hlc(), change.change_id());
        conflict.set_provisional_winner(outcome.incoming_won ? 1 : 0);
        decision.conflicts.push_back(std::move(conflict));
        break;
      }
      default:
        break;
    }
    if (outcome.value == now.value) continue;
    std::unique_ptr<Message> value(current.New());
    if (!value->ParseFromString(outcome.value)) {
      return Reject(absl::StrCat(field.field(), ": unreadable merged value"));
    }
    CopyField(*value, descriptor, merged.get());
    changed.push_back(&descriptor);
  }
  FieldViolations violations;
  ValidateFields(name.kind(), *merged, changed, info.field, &violations);
  if (!violations.empty()) {
    return Reject(std::string(violations.ToStatus().message()));
  }
  ASSIGN_OR_RETURN(
      std::string unknown,
      ReferenceRule(ReferencesOf(name.kind(), *merged, changed, info.field),
                    context));
  if (!unknown.empty()) return Reject(std::move(unknown));
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
    }
    decision.logged = std::move(change);
  }
  if (!decision.conflicts.empty() && name.Plan().empty()) {
    // Organisations belong to no plan, so there is nowhere to keep the
    // conflict: the later edit stands (and the log keeps both).
    PLAN_LOG(WARNING) << "sync: concurrent edits of " << name.str()
                      << " resolved by the later edit";
    decision.conflicts.clear();
    decision.outcome = v1::ChangeResult::APPLIED;
  }
  return decision;
}

}  // namespace

absl::StatusOr<PushDecision> DecidePush(
    const v1::Change& pushed, const std::optional<storage::Entity>& stored,
    const PushContext& context) {
  absl::StatusOr<ResourceName> name = ResourceName::Parse(pushed.target());
  if (!name.ok()) return Reject(std::string(name.status().message()));
  if (std::string broken = KindRule(pushed, *name); !broken.empty()) {
    return Reject(std::move(broken));
  }
  ASSIGN_OR_RETURN(std::string denied,
                   AccessRule(pushed, *name, stored.has_value(), context));
  if (!denied.empty()) return Reject(std::move(denied));

  v1::Change change = pushed;
  change.set_plan(name->Plan());
  change.clear_log_time();  // the service's store logs when it received it
  const KindInfo& info = InfoOf(name->kind());
  const Descriptor& type = *info.descriptor;
  std::unique_ptr<Message> current = NewResource(name->kind());
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
      return Reject(absl::StrCat("\"", field.field(), "\" is not a field of ",
                                 type.name()));
    }
    std::unique_ptr<Message> value(current->New());
    if (!value->ParseFromString(field.value())) {
      return Reject(absl::StrCat(field.field(), ": unreadable value"));
    }
    CopyField(*value, *descriptor, incoming.get());
    fields.push_back(descriptor);
  }
  FieldViolations violations;
  ValidateFields(name->kind(), *incoming, fields, info.field, &violations);
  if (!violations.empty()) {
    return Reject(std::string(violations.ToStatus().message()));
  }

  switch (change.operation()) {
    case v1::Change::CREATE:
      if (!stored.has_value()) {
        return DecideCreate(std::move(change), *name, *incoming, context);
      }
      // The name exists already (created elsewhere too): merge as an edit of
      // what the creator saw, which was nothing.
      for (v1::FieldChange& field : *change.mutable_fields()) {
        field.clear_base();
        field.set_base_sequence(0);
      }
      break;
    case v1::Change::UPDATE:
      if (!stored.has_value()) {
        return Reject(absl::StrCat(name->str(), " does not exist"));
      }
      break;
    case v1::Change::DELETE:
    case v1::Change::UNDELETE: {
      if (!stored.has_value()) {
        return Reject(absl::StrCat(name->str(), " does not exist"));
      }
      if (!info.updatable) {
        return Reject(absl::StrCat(info.field, " resources cannot be deleted"));
      }
      PushDecision decision;
      if (stored->deleted() != (change.operation() == v1::Change::DELETE)) {
        change.clear_fields();
        decision.logged = std::move(change);
      }
      return decision;
    }
    default:
      return Reject("unknown operation");
  }
  return DecideEdit(std::move(change), *name, *stored, *current, *incoming,
                    context);
}

}  // namespace plan
