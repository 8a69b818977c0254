// Authorization on a store: gathers the facts model/access.h decides on
// (the caller's roles from the plan's Member resources, and who leads the
// target) and asks it. Direct calls (plan_resources.h, plan_reports.h) and
// pushed changes (sync/sync_authority.h) both check through here, with the
// same lookups, so a push can do exactly what the direct call could.
//
//   AccessControl access({"organisations/staffordshire-county-council"});
//   RETURN_IF_ERROR(access.Check(actor, Operation::kUpdate, name,
//                                EntityLookup(txn)));
#ifndef LIBPLAN_SERVICE_ACCESS_CONTROL_H_
#define LIBPLAN_SERVICE_ACCESS_CONTROL_H_

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "libplan/model/access.h"
#include "libplan/model/names.h"
#include "libplan/storage/store.h"

namespace plan {

// Reads a stored entity, live or deleted; nullopt when it does not exist.
using EntityLookup =
    absl::FunctionRef<absl::StatusOr<std::optional<storage::Entity>>(
        const ResourceName&)>;

// Lists the stored entities of a kind whose names start with a prefix, live
// or deleted, in name order.
using EntityScan = std::function<
    absl::StatusOr<std::vector<std::pair<ResourceName, storage::Entity>>>(
        Kind kind, absl::string_view name_prefix)>;

// The lookups of what `txn` or `view` sees, to pass as an EntityLookup (they
// hold a reference to it).
inline auto LookupIn(Transaction& txn) {
  return [&txn](const ResourceName& name) { return txn.GetEntity(name); };
}
inline auto LookupIn(const ReadView& view) {
  return [&view](const ResourceName& name) { return view.GetEntity(name); };
}
inline EntityScan ScanIn(Transaction& txn) {
  return [&txn](Kind kind, absl::string_view name_prefix) {
    return txn.ListEntities(kind, name_prefix);
  };
}
inline EntityScan ScanIn(const ReadView& view) {
  return [&view](Kind kind, absl::string_view name_prefix) {
    return view.ListEntities(kind, name_prefix);
  };
}

class AccessControl {
 public:
  // `administrators`: organisation names ("organisations/{org}") that may do
  // everything.
  explicit AccessControl(absl::flat_hash_set<std::string> administrators)
      : administrators_(std::move(administrators)) {}

  // The caller `organisation` is ("" for the service itself).
  Caller CallerOf(const std::string& organisation) const;

  // OK when `organisation` may do `operation` to `target` as `lookup` sees
  // the store; PERMISSION_DENIED (model/access.h) when not. Decided before
  // anything about the target's existence is told. For a progress update
  // being created, `reporting` is the organisation it reports for.
  absl::Status Check(const std::string& organisation, Operation operation,
                     const ResourceName& target, EntityLookup lookup,
                     absl::string_view reporting = "") const;

  // The facts Check decides on.
  absl::StatusOr<AccessFacts> FactsFor(const std::string& organisation,
                                       const ResourceName& target,
                                       EntityLookup lookup) const;

  // Whether `organisation` may read plan `plan` ("plans/{plan}").
  absl::StatusOr<bool> MayRead(const std::string& organisation,
                               const ResourceName& plan,
                               EntityLookup lookup) const;

 private:
  absl::StatusOr<Role> RoleIn(const std::string& organisation,
                              const ResourceName& plan,
                              EntityLookup lookup) const;
  absl::StatusOr<bool> Leads(const std::string& organisation,
                             const ResourceName& target,
                             EntityLookup lookup) const;

  const absl::flat_hash_set<std::string> administrators_;
};

// Memoizes MayRead per plan, for a List or a pull that checks many
// resources of few plans. Not thread-safe.
class ReadableCache {
 public:
  ReadableCache(const AccessControl& access, std::string organisation)
      : access_(access), organisation_(std::move(organisation)) {}

  // Whether the plan of `name` may be read (what belongs to no plan, an
  // organisation or its conflict, always may).
  absl::StatusOr<bool> MayRead(const ResourceName& name, EntityLookup lookup);
  // Whether the organisation may read every plan (the service itself, or an
  // administrator).
  bool reads_everything() const {
    const Caller caller = access_.CallerOf(organisation_);
    return caller.organisation.empty() || caller.administrator;
  }

 private:
  const AccessControl& access_;
  const std::string organisation_;
  absl::flat_hash_map<std::string, bool> plans_;
};

}  // namespace plan

#endif  // LIBPLAN_SERVICE_ACCESS_CONTROL_H_
