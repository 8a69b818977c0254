// What a change does, decided from what is stored and written nowhere: the
// one decision behind every write of the plan service, whether a person made
// it through the API (PlanResources) or a sync agent pushed it
// (SyncAuthority::Push). Both build a v1::Change, ask DecideChange, and only
// commit what it answers, so the rules can be tested with no store and no
// RPC (docs/security.md, "One decision for every write").
//
// The rules, in order:
//   1. the kind's own: progress updates are only created; conflicts are
//      created by the service and change only by being resolved;
//   2. roles (model/access.h), as the direct call that would make the change;
//   3. every value is a field of the resource and valid (sets drop repeats);
//   4. by operation: a create needs a free name (a push of a name that
//      exists is merged as an edit), live ancestors and live references; an
//      edit needs the resource, and is merged field by field against each
//      field's base version (a pushed edit of a deleted resource, or one that
//      clashes, opens a conflict; a direct edit is of the current version);
//      a delete or undelete needs the resource (an undelete, live
//      ancestors); a pushed delete conflicts with each edit it did not
//      see, and of concurrent pushed deletes of one resource the resource
//      keeps the later.
// A direct call and a push differ only where a person can be told "no" and
// an offline edit cannot: a direct create of a taken name, an edit or delete
// of a deleted resource, an undelete of a live one, and a stale etag are
// refused; pushed, they are merged, kept in a conflict, or change nothing.
//
//   ASSIGN_OR_RETURN(ChangeDecision decision,
//                    DecideChange(change, stored, context));
//   RETURN_IF_ERROR(decision.refusal);  // a push answers REJECTED instead
#ifndef LIBPLAN_SERVICE_CHANGE_DECISION_H_
#define LIBPLAN_SERVICE_CHANGE_DECISION_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "libplan/service/access_control.h"
#include "libplan/storage/store.h"
#include "prevent/plan/v1/resources.pb.h"
#include "prevent/plan/v1/sync_service.pb.h"

namespace plan {

struct ChangeDecision {
  // OK, or why the change is refused, with its code and ErrorInfo reason
  // (a push answers REJECTED with its message).
  absl::Status refusal;
  // Otherwise what it did: APPLIED, MERGED or CONFLICT.
  v1::ChangeResult::Outcome outcome = v1::ChangeResult::APPLIED;
  // The change to log and apply to the target, when it changes anything:
  // every field of a created resource; the fields an edit changes, each
  // with its new value and in `base` the value it replaces; or a delete or
  // undelete. Its sequence, stamp and etag are the committer's to set.
  std::optional<v1::Change> logged;
  // The conflicts it opens (no names yet), oldest candidate first; and, named,
  // with the candidates they are to hold, the open conflicts it joins: an
  // edit-versus-delete conflict of the same target, field and deleted
  // resource, opened by an earlier edit that a delete missed or an earlier
  // delete that missed an edit. The joined conflict names the later of its
  // delete and this one, and holds the field's value now and its editor: as
  // if the deletes had all arrived after the edits (docs/architecture.md,
  // "Merging"). It may hold those already, and then nothing changes.
  std::vector<prevent::plan::v1::Conflict> conflicts;
  // For each field of `logged` whose value merges concurrent edits (a set or
  // a text) and whose last writer among them (WritesLater) is an earlier
  // edit, not this change: that edit's version, for the committer to keep as
  // the field version's last_writer, which conflicts name as the editor.
  std::map<std::string, storage::Version> last_writers;
  // For an edit that is not refused (an update, or a pushed create of a name
  // that exists): the target as the decision leaves it, the stored resource
  // with each field of `logged` at its new value (as stored when nothing
  // changes). A generated message of the target's kind; null otherwise.
  std::unique_ptr<google::protobuf::Message> edited;
};

// Where a change comes from.
enum class Origin {
  kDirect,  // a call of the API, made on the current version
  kPushed,  // a sync agent's edit, made offline on the versions it names
};

// What the decision reads besides the target, and knows of the caller.
struct DecisionContext {
  Origin origin = Origin::kDirect;
  // Parents, references and memberships, as stored.
  EntityLookup lookup;
  // Who may do what; null allows everything (a sync agent's local API, and
  // the steps of a call already authorized as a whole).
  const AccessControl* access = nullptr;
  // The calling organisation ("" for the service itself).
  std::string caller;
  // kDirect: the etag the caller read, when it sent one (ABORTED, reason
  // ETAG_MISMATCH, when the resource has changed since).
  std::string etag;
  // kPushed: lists stored entities, for the resources a delete reaches
  // (DependentsOf); unset, a pushed delete finds only its target's edits.
  EntityScan scan;
};

// The refusals a decision makes, for the checks a caller makes itself.
absl::Status ResourceNotFound(const ResourceName& name);
absl::Status EtagMismatch(const ResourceName& name, absl::string_view etag);

// The version of `entity` that a replica holds, as the service numbered it:
// the highest service sequence among its versions. A replica's delete
// carries the highest of its target's and of every resource the delete reaches
// (Change.seen_sequence), for the service to tell which edits the delete did
// not see: a replica's versions are numbered only by what it pulled, in
// sequence order, so any version above that was not pulled.
uint64_t SeenSequence(const storage::Entity& entity);

// The resources a delete of `name` reaches besides `name` itself (what
// leaves the plan, or its strand, with it), live or deleted, as `scan` lists
// them: a plan's strands, activities, actions and
// progress updates; a strand's activities (those whose `strand` names it)
// and their actions and progress updates; an activity's actions and their
// progress updates; an action's progress updates. A pushed delete opens a
// conflict with each edit of them it did not see, as with its target's, and
// a pushed write of one of them under a deleted parent the same conflict
// (docs/architecture.md, "Merging").
absl::StatusOr<std::vector<std::pair<ResourceName, storage::Entity>>>
DependentsOf(const ResourceName& name, const EntityScan& scan);

// The seen_sequence of a replica's delete of `name` (stored as `entity`):
// the highest SeenSequence of it and of its dependents.
absl::StatusOr<uint64_t> SeenSequenceOfDelete(const ResourceName& name,
                                              const storage::Entity& entity,
                                              const EntityScan& scan);

// Decides `change` against `stored`, its target as stored (nullopt when
// absent). Fails only when something stored cannot be read (DATA_LOSS) or a
// lookup fails; a refusal is the decision's.
absl::StatusOr<ChangeDecision> DecideChange(
    const v1::Change& change, const std::optional<storage::Entity>& stored,
    const DecisionContext& context);

}  // namespace plan

#endif  // LIBPLAN_SERVICE_CHANGE_DECISION_H_
