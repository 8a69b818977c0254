// What a pushed change does, decided from what is stored and written
// nowhere: the merge (field by field against each field's base version,
// libplan/merge/field_merge.h), with a conflict for each clash, and the push
// rules of docs/security.md (roles, append-only progress updates, conflicts
// changed only by being resolved).
// SyncAuthority::Push asks this for each change and only commits what it
// answers, so the rules can be tested with no store and no RPC.
//
//   ASSIGN_OR_RETURN(PushDecision decision,
//                    DecidePush(change, stored, {lookup, access, caller}));
//   if (!decision.rejection.empty()) ... answer REJECTED ...
#ifndef LIBPLAN_SYNC_PUSH_DECISION_H_
#define LIBPLAN_SYNC_PUSH_DECISION_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libplan/service/access_control.h"
#include "libplan/storage/store.h"
#include "prevent/plan/v1/resources.pb.h"
#include "prevent/plan/v1/sync_service.pb.h"

namespace plan {

struct PushDecision {
  // Why the change is refused, answered as REJECTED; empty when it is not.
  std::string rejection;
  // Otherwise what it did: APPLIED, MERGED or CONFLICT.
  v1::ChangeResult::Outcome outcome = v1::ChangeResult::APPLIED;
  // The change to log and apply to the target (no sequence yet), when it
  // changes anything: every field of a created resource, the merged fields
  // of an edit, or a delete or undelete.
  std::optional<v1::Change> logged;
  // The conflicts it opens (no names yet), oldest candidate first.
  std::vector<prevent::plan::v1::Conflict> conflicts;
};

// What the decision reads besides the target.
struct PushContext {
  // Parents, references and memberships, as stored.
  EntityLookup lookup;
  // Who may do what; null allows everything.
  const AccessControl* access = nullptr;
  // The organisation that pushed it.
  std::string caller;
};

// Decides pushed `change` (its organisation and time already the service's
// to trust) against `stored`, its target as stored (nullopt when absent).
// Fails only when something stored cannot be read (DATA_LOSS) or a lookup
// fails.
absl::StatusOr<PushDecision> DecidePush(
    const v1::Change& change, const std::optional<storage::Entity>& stored,
    const PushContext& context);

}  // namespace plan

#endif  // LIBPLAN_SYNC_PUSH_DECISION_H_
