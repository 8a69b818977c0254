#include "libplan/model/access.h"

#include "absl/strings/str_cat.h"
#include "libplan/util/errors.h"

namespace plan {
namespace {

absl::Status Denied(absl::string_view reason, const ResourceName& target,
                    absl::string_view why) {
  return Error(absl::StatusCode::kPermissionDenied, reason,
               absl::StrCat(why, " (", target.str(), ")"), target.str());
}

absl::string_view Verb(Operation operation) {
  switch (operation) {
    case Operation::kRead:
      return "read";
    case Operation::kCreate:
      return "create";
    case Operation::kUpdate:
      return "change";
    case Operation::kDelete:
      return "delete or undelete";
    case Operation::kResolve:
      return "resolve";
    case Operation::kImport:
      return "import into";
  }
  return "change";
}

// What an EDITOR may do: its own activities and actions, their progress
// updates and conflicts.
bool EditorMay(Operation operation, Kind kind, const AccessFacts& facts) {
  if (!facts.leads) return false;
  switch (kind) {
    case Kind::kActivity:
      return operation == Operation::kUpdate;
    case Kind::kAction:
      return operation == Operation::kCreate ||
             operation == Operation::kUpdate || operation == Operation::kDelete;
    case Kind::kProgressUpdate:
      return operation == Operation::kCreate && !facts.reports_for_another;
    case Kind::kConflict:
      return operation == Operation::kResolve;
    default:
      return false;
  }
}

// Authorize for an organisation or one of its conflicts: everyone reads
// them; the organisation updates itself and resolves its own conflicts;
// anything else is for administrators.
absl::Status AuthorizePlanless(const Caller& caller, Operation operation,
                               const ResourceName& target) {
  if (operation == Operation::kRead) return absl::OkStatus();
  const bool conflict = target.kind() == Kind::kOrganisationConflict;
  const std::string organisation =
      conflict ? target.Parent()->str() : target.str();
  const Operation own = conflict ? Operation::kResolve : Operation::kUpdate;
  if (operation == own && organisation == caller.organisation) {
    return absl::OkStatus();
  }
  return Denied(
      "NOT_ADMINISTRATOR", target,
      absl::StrCat(caller.organisation, " may not ", Verb(operation),
                   conflict ? " conflicts of organisations" : " organisations",
                   operation == own ? " other than itself" : "",
                   ": only administrators may"));
}

}  // namespace

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kViewer:
      return "VIEWER";
    case Role::kEditor:
      return "EDITOR";
    case Role::kOwner:
      return "OWNER";
    case Role::kNone:
      break;
  }
  return "no role";
}

absl::Status Authorize(const Caller& caller, Operation operation,
                       const ResourceName& target, const AccessFacts& facts) {
  if (caller.organisation.empty() || caller.administrator) {
    return absl::OkStatus();
  }
  const Kind kind = target.kind();
  if (IsPlanless(kind)) return AuthorizePlanless(caller, operation, target);
  if (kind == Kind::kPlan && operation == Operation::kCreate) {
    return Denied("NOT_ADMINISTRATOR", target,
                  absl::StrCat(caller.organisation,
                               " may not create plans: only administrators "
                               "may"));
  }
  const std::string plan = target.Plan();
  if (operation == Operation::kRead &&
      (facts.role != Role::kNone || facts.parent_role == Role::kOwner)) {
    return absl::OkStatus();
  }
  switch (facts.role) {
    case Role::kOwner:
      return absl::OkStatus();
    case Role::kEditor: {
      if (EditorMay(operation, kind, facts)) return absl::OkStatus();
      AccessFacts leading = facts;
      leading.leads = true;
      leading.reports_for_another = false;
      if (!EditorMay(operation, kind, leading)) {
        return Denied(
            "ROLE_TOO_LOW", target,
            absl::StrCat(caller.organisation, " is an EDITOR of ", plan,
                         ": only its OWNERs may ", Verb(operation), " this"));
      }
      if (facts.leads) {  // so it reports for another organisation
        return Denied(
            "NOT_LEAD_ORGANISATION", target,
            absl::StrCat(caller.organisation, " is an EDITOR of ", plan,
                         ": it reports progress for itself only"));
      }
      return Denied("NOT_LEAD_ORGANISATION", target,
                    absl::StrCat(caller.organisation, " is an EDITOR of ", plan,
                                 ": it may ", Verb(operation),
                                 " only what it leads or owns"));
    }
    case Role::kViewer:
      return Denied("ROLE_TOO_LOW", target,
                    absl::StrCat(caller.organisation, " is a VIEWER of ", plan,
                                 ": it may read, not ", Verb(operation)));
    case Role::kNone:
      break;
  }
  return Denied(
      "NOT_A_MEMBER", target,
      absl::StrCat(
          caller.organisation, " is not a member of ", plan,
          "; an OWNER of the plan can make it one (", plan, "/members/",
          caller.organisation.substr(caller.organisation.rfind('/') + 1), ")"));
}

absl::Status AuthorizeAdministration(const Caller& caller,
                                     absl::string_view what) {
  if (caller.organisation.empty() || caller.administrator) {
    return absl::OkStatus();
  }
  return Error(absl::StatusCode::kPermissionDenied, "NOT_ADMINISTRATOR",
               absl::StrCat(caller.organisation, " may not ", what,
                            ": only administrators may"));
}

}  // namespace plan
