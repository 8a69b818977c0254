// Who may do what to a plan: the one decision every call and every pushed
// change of the plan service goes through (docs/security.md, "Roles").
//
// The decision is a pure function of the caller and of facts about the
// target (the caller's role in its plan, whether its organisation leads the
// target). Whoever holds the store gathers the facts (service/access.h); this
// file reads nothing.
//
//   AccessFacts facts;
//   facts.role = Role::kEditor;
//   facts.leads = true;
//   RETURN_IF_ERROR(Authorize({.organisation = "organisations/police"},
//                             Operation::kUpdate, action_name, facts));
#ifndef LIBPLAN_MODEL_ACCESS_H_
#define LIBPLAN_MODEL_ACCESS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "libplan/model/names.h"

namespace plan {

// An organisation's role in a plan, weakest first (Member.role).
enum class Role { kNone = 0, kViewer = 1, kEditor = 2, kOwner = 3 };

// "VIEWER", "EDITOR", "OWNER", or "no role".
absl::string_view RoleName(Role role);

// Who is asking.
struct Caller {
  // "organisations/{org}"; empty for the service itself, which may do
  // everything.
  std::string organisation;
  // A service administrator (--admin_organisations): may do everything, and
  // alone creates plans and organisations.
  bool administrator = false;
};

// What the caller wants to do to a resource.
enum class Operation {
  kRead,     // Get, List, reports, exports, pulls, snapshots
  kCreate,   // Create, and a pushed CREATE
  kUpdate,   // Update, and a pushed UPDATE
  kDelete,   // Delete, Undelete, and their pushes
  kResolve,  // ResolveConflict (the target is the conflict)
  kImport,   // ImportPlan into the plan (the target is the plan)
};

// What decides it, about the target and its plan.
struct AccessFacts {
  // The caller's role in the target's plan.
  Role role = Role::kNone;
  // The caller's role in that plan's parent (county) plan, if it has one.
  Role parent_role = Role::kNone;
  // The caller's organisation leads or owns the target: one of an
  // activity's lead organisations; an action's owner or one of its
  // activity's leads; for a progress update, its action's; for a conflict,
  // its target's. For a create, of the parent as stored.
  bool leads = false;
  // A progress update reports for another organisation than the caller.
  bool reports_for_another = false;
};

// OK when `caller` may do `operation` to `target`, else PERMISSION_DENIED
// with ErrorInfo reason NOT_A_MEMBER (no role in the plan), ROLE_TOO_LOW
// (the role does not allow it), NOT_LEAD_ORGANISATION (an EDITOR outside what
// it leads or owns) or NOT_ADMINISTRATOR (creating plans or organisations),
// with a message that says who may.
//
// The rules:
//   - the service itself and administrators may do everything;
//   - organisations: everyone reads them; an organisation updates its own;
//     only administrators create or delete them;
//   - an organisation's conflicts (organisations/{org}/conflicts/{id}):
//     everyone reads them; the organisation resolves its own;
//   - anything in a plan is read by its VIEWERs, EDITORs and OWNERs, and by
//     the OWNERs of its parent plan;
//   - EDITORs create actions in activities they lead, and progress updates
//     of actions they lead or own (reporting for themselves); they update
//     and delete the activities and actions they lead or own, and resolve
//     conflicts on them;
//   - OWNERs do everything within their plan: its members, strands,
//     activities, actions, conflicts and imports, and the plan itself.
absl::Status Authorize(const Caller& caller, Operation operation,
                       const ResourceName& target, const AccessFacts& facts);

// OK when `caller` runs the service (the service itself or an
// administrator), which `what` (e.g. "take backups") needs; else
// PERMISSION_DENIED with reason NOT_ADMINISTRATOR.
absl::Status AuthorizeAdministration(const Caller& caller,
                                     absl::string_view what);

}  // namespace plan

#endif  // LIBPLAN_MODEL_ACCESS_H_
