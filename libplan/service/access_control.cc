#include "libplan/service/access_control.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libplan/util/status_macros.h"
#include "prevent/plan/v1/resources.pb.h"

namespace plan {
namespace {

namespace v1 = prevent::plan::v1;

constexpr absl::string_view kOrganisationsPrefix = "organisations/";

// Parses the stored resource of `entity` into `out`.
absl::Status Parse(const ResourceName& name, const storage::Entity& entity,
                   google::protobuf::Message* out) {
  if (!out->ParseFromString(entity.resource())) {
    return absl::DataLossError(
        absl::StrCat("stored ", name.str(), " is corrupt"));
  }
  return absl::OkStatus();
}

Role FromProto(v1::Role role) {
  switch (role) {
    case v1::VIEWER:
      return Role::kViewer;
    case v1::EDITOR:
      return Role::kEditor;
    case v1::OWNER:
      return Role::kOwner;
    default:
      return Role::kNone;
  }
}

}  // namespace

Caller AccessControl::CallerOf(const std::string& organisation) const {
  return {organisation, administrators_.contains(organisation)};
}

absl::StatusOr<Role> AccessControl::RoleIn(const std::string& organisation,
                                           const ResourceName& plan,
                                           EntityLookup lookup) const {
  if (!absl::StartsWith(organisation, kOrganisationsPrefix)) {
    return Role::kNone;
  }
  const std::string id(organisation.substr(kOrganisationsPrefix.size()));
  if (!IsValidId(id)) return Role::kNone;
  const ResourceName member = ResourceName::Child(&plan, Kind::kMember, id);
  ASSIGN_OR_RETURN(std::optional<storage::Entity> entity, lookup(member));
  if (!entity.has_value() || entity->deleted()) return Role::kNone;
  v1::Member stored;
  RETURN_IF_ERROR(Parse(member, *entity, &stored));
  return FromProto(stored.role());
}

absl::StatusOr<bool> AccessControl::Leads(const std::string& organisation,
                                          const ResourceName& target,
                                          EntityLookup lookup) const {
  switch (target.kind()) {
    case Kind::kActivity: {
      ASSIGN_OR_RETURN(std::optional<storage::Entity> entity, lookup(target));
      if (!entity.has_value()) return false;
      v1::Activity activity;
      RETURN_IF_ERROR(Parse(target, *entity, &activity));
      const auto& leads = activity.lead_organisations();
      return std::find(leads.begin(), leads.end(), organisation) != leads.end();
    }
    case Kind::kAction: {
      ASSIGN_OR_RETURN(std::optional<storage::Entity> entity, lookup(target));
      if (entity.has_value()) {
        v1::Action action;
        RETURN_IF_ERROR(Parse(target, *entity, &action));
        if (action.owner_organisation() == organisation) return true;
      }
      return Leads(organisation, *target.Parent(), lookup);
    }
    case Kind::kProgressUpdate:
      return Leads(organisation, *target.Parent(), lookup);
    case Kind::kConflict: {
      ASSIGN_OR_RETURN(std::optional<storage::Entity> entity, lookup(target));
      if (!entity.has_value()) return false;
      v1::Conflict conflict;
      RETURN_IF_ERROR(Parse(target, *entity, &conflict));
      absl::StatusOr<ResourceName> contested =
          ResourceName::Parse(conflict.target());
      if (!contested.ok() || IsConflict(contested->kind())) {
        return false;
      }
      return Leads(organisation, *contested, lookup);
    }
    default:
      return false;
  }
}

absl::StatusOr<AccessFacts> AccessControl::FactsFor(
    const std::string& organisation, const ResourceName& target,
    EntityLookup lookup) const {
  AccessFacts facts;
  if (IsPlanless(target.kind())) return facts;  // no plan, so no role
  const ResourceName plan = *ResourceName::Parse(target.Plan());
  ASSIGN_OR_RETURN(facts.role, RoleIn(organisation, plan, lookup));
  if (facts.role == Role::kNone) {
    ASSIGN_OR_RETURN(std::optional<storage::Entity> entity, lookup(plan));
    if (entity.has_value()) {
      v1::Plan stored;
      RETURN_IF_ERROR(Parse(plan, *entity, &stored));
      if (absl::StatusOr<ResourceName> parent =
              ResourceName::ParseAs(Kind::kPlan, stored.parent());
          parent.ok()) {
        ASSIGN_OR_RETURN(facts.parent_role,
                         RoleIn(organisation, *parent, lookup));
      }
    }
  }
  if (facts.role == Role::kEditor) {
    ASSIGN_OR_RETURN(facts.leads, Leads(organisation, target, lookup));
  }
  return facts;
}

absl::Status AccessControl::Check(const std::string& organisation,
                                  Operation operation,
                                  const ResourceName& target,
                                  EntityLookup lookup,
                                  absl::string_view reporting) const {
  const Caller caller = CallerOf(organisation);
  if (caller.organisation.empty() || caller.administrator) {
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(AccessFacts facts, FactsFor(organisation, target, lookup));
  facts.reports_for_another = target.kind() == Kind::kProgressUpdate &&
                              !reporting.empty() && reporting != organisation;
  return Authorize(caller, operation, target, facts);
}

absl::StatusOr<bool> AccessControl::MayRead(const std::string& organisation,
                                            const ResourceName& plan,
                                            EntityLookup lookup) const {
  absl::Status status = Check(organisation, Operation::kRead, plan, lookup);
  if (status.ok()) return true;
  if (status.code() == absl::StatusCode::kPermissionDenied) return false;
  return status;
}

absl::StatusOr<bool> ReadableCache::MayRead(const ResourceName& name,
                                            EntityLookup lookup) {
  const std::string plan = name.Plan();
  if (plan.empty()) return true;
  auto it = plans_.find(plan);
  if (it != plans_.end()) return it->second;
  ASSIGN_OR_RETURN(
      bool readable,
      access_.MayRead(organisation_, *ResourceName::Parse(plan), lookup));
  plans_.emplace(plan, readable);
  return readable;
}

}  // namespace plan
