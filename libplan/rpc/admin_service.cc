#include "libplan/rpc/admin_service.h"

#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libplan/rpc/status.h"
#include "libplan/util/errors.h"
#include "libplan/util/log.h"
#include "libplan/util/status_macros.h"
#include "libplan/util/timestamp.h"
#include "libplan/util/version.h"

namespace plan {

absl::StatusOr<std::string> BackupDirectory(const std::string& root,
                                            const std::string& to) {
  FieldViolations violations;
  if (to.empty()) {
    violations.Add("to", "is required");
    return violations.ToStatus();
  }
  std::error_code error;
  const std::filesystem::path base =
      std::filesystem::weakly_canonical(root, error);
  if (error) {
    return Error(absl::StatusCode::kFailedPrecondition, "NO_BACKUP_ROOT",
                 "the service's --backup_root cannot be read");
  }
  const std::filesystem::path wanted =
      std::filesystem::weakly_canonical(base / to, error);
  const std::string relative =
      error ? "" : wanted.lexically_relative(base).string();
  if (error || relative.empty() || relative == "." ||
      absl::StartsWith(relative, "..")) {
    violations.Add("to", absl::StrCat("must name a directory inside the "
                                      "service's --backup_root (",
                                      base.string(), ")"));
    return violations.ToStatus();
  }
  return wanted.string();
}

grpc::Status AdminServiceImpl::Backup(grpc::ServerContext* context,
                                      const v1::BackupRequest* request,
                                      v1::BackupResponse* response) {
  if (absl::StatusOr<Actor> caller = Administrator(*context, "take backups");
      !caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  if (backup_root_.empty()) {
    return ToGrpcStatus(Error(absl::StatusCode::kFailedPrecondition,
                              "NO_BACKUP_ROOT",
                              "this service takes no backups: start it with "
                              "--backup_root=DIR"));
  }
  absl::StatusOr<std::string> directory =
      BackupDirectory(backup_root_, request->to());
  if (!directory.ok()) return ToGrpcStatus(directory.status());
  absl::StatusOr<BackupInfo> backup = store_->Backup(*directory);
  if (!backup.ok()) {
    PLAN_LOG(ERROR) << "backup to " << *directory
                    << " failed: " << backup.status().message();
    return ToGrpcStatus(backup.status());
  }
  response->set_directory(*directory);
  response->set_backup_id(backup->id);
  response->set_sequence(backup->sequence);
  response->set_bytes(backup->bytes);
  response->set_files(backup->files);
  response->set_epoch(store_->epoch());
  PLAN_LOG(INFO) << "backup " << backup->id << " to " << *directory
                 << " sequence=" << backup->sequence
                 << " files=" << backup->files << " bytes=" << backup->bytes;
  return grpc::Status::OK;
}

absl::StatusOr<Actor> AdminServiceImpl::Administrator(
    const grpc::ServerContext& context, absl::string_view what) const {
  absl::StatusOr<Actor> caller = auth_->Authenticate(context);
  if (!caller.ok()) return caller.status();
  if (access_ != nullptr) {
    RETURN_IF_ERROR(
        AuthorizeAdministration(access_->CallerOf(caller->organisation), what));
  }
  return caller;
}

namespace {

void ToUser(const AccountInfo& account, v1::User* user) {
  user->set_user(account.user);
  user->set_organisation(account.organisation);
  *user->mutable_create_time() = ToTimestamp(account.create_time);
}

}  // namespace

grpc::Status AdminServiceImpl::AddUser(grpc::ServerContext* context,
                                       const v1::AddUserRequest* request,
                                       v1::User* response) {
  absl::StatusOr<Actor> caller = Administrator(*context, "manage accounts");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<AccountInfo> added =
      accounts_.Add({.user = request->user(),
                     .organisation = request->organisation(),
                     .password = request->password(),
                     .replace = request->replace()});
  if (!added.ok()) return ToGrpcStatus(added.status());
  ToUser(*added, response);
  PLAN_LOG(INFO) << "account " << (request->replace() ? "set" : "added")
                 << " user=" << added->user
                 << " organisation=" << added->organisation << " by="
                 << (caller->organisation.empty() ? "this-service"
                                                  : caller->organisation);
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::RemoveUser(
    grpc::ServerContext* context, const v1::RemoveUserRequest* request,
    v1::RemoveUserResponse* /*response*/) {
  absl::StatusOr<Actor> caller = Administrator(*context, "manage accounts");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (absl::Status removed = accounts_.Remove(request->user()); !removed.ok()) {
    return ToGrpcStatus(removed);
  }
  PLAN_LOG(INFO) << "account removed user=" << CanonicalUser(request->user())
                 << " by="
                 << (caller->organisation.empty() ? "this-service"
                                                  : caller->organisation);
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::ListUsers(
    grpc::ServerContext* context, const v1::ListUsersRequest* /*request*/,
    v1::ListUsersResponse* response) {
  absl::StatusOr<Actor> caller = Administrator(*context, "list accounts");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<std::vector<AccountInfo>> accounts = accounts_.List();
  if (!accounts.ok()) return ToGrpcStatus(accounts.status());
  for (const AccountInfo& account : *accounts) {
    ToUser(account, response->add_users());
  }
  return grpc::Status::OK;
}

absl::StatusOr<std::optional<absl::flat_hash_set<std::string>>>
AdminServiceImpl::ReplicaScope(const Actor& caller) const {
  if (access_ == nullptr) return std::nullopt;
  const Caller who = access_->CallerOf(caller.organisation);
  if (AuthorizeAdministration(who, "list replicas").ok()) return std::nullopt;
  const std::unique_ptr<ReadView> view = store_->NewReadView();
  ASSIGN_OR_RETURN(const auto plans, view->ListEntities(Kind::kPlan, ""));
  absl::flat_hash_set<std::string> counties;
  std::vector<std::pair<std::string, std::string>> parents;  // plan, parent
  for (const auto& [name, entity] : plans) {
    if (entity.deleted()) continue;
    v1::Plan plan;
    if (!plan.ParseFromString(entity.resource())) {
      return absl::DataLossError(absl::StrCat(name.str(), " is corrupt"));
    }
    parents.emplace_back(name.str(), plan.parent());
    if (plan.level() != v1::COUNTY) continue;
    ASSIGN_OR_RETURN(
        const AccessFacts facts,
        access_->FactsFor(caller.organisation, name, LookupIn(*view)));
    if (facts.role == Role::kOwner) counties.insert(name.str());
  }
  if (counties.empty()) {
    return AuthorizeAdministration(
        who, "list replicas (or be the OWNER of a county plan)");
  }
  absl::flat_hash_set<std::string> scope = counties;
  for (const auto& [plan, parent] : parents) {
    if (counties.contains(parent)) scope.insert(plan);
  }
  return scope;
}

grpc::Status AdminServiceImpl::ListReplicas(
    grpc::ServerContext* context, const v1::ListReplicasRequest* /*request*/,
    v1::ListReplicasResponse* response) {
  absl::StatusOr<Actor> caller = auth_->Authenticate(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<std::optional<absl::flat_hash_set<std::string>>> scope =
      ReplicaScope(*caller);
  if (!scope.ok()) return ToGrpcStatus(scope.status());
  uint64_t sequence = 0;
  absl::StatusOr<std::vector<v1::Replica>> replicas = authority_->ListReplicas(
      [&](const storage::ReplicaActivity& activity) {
        if (!scope->has_value()) return true;
        for (const std::string& plan : activity.plans()) {
          if ((*scope)->contains(plan)) return true;
        }
        return false;
      },
      &sequence);
  if (!replicas.ok()) return ToGrpcStatus(replicas.status());
  for (v1::Replica& replica : *replicas) {
    if (scope->has_value()) {
      // A county OWNER sees its county's plans only: not the others a
      // partner holds, nor an error's text, which may name them.
      std::vector<std::string> shown;
      for (const std::string& plan : replica.plans()) {
        if ((*scope)->contains(plan)) shown.push_back(plan);
      }
      replica.mutable_plans()->Assign(shown.begin(), shown.end());
      const std::string& error = replica.last_error();
      replica.set_last_error(error.substr(0, error.find(':')));
    }
    *response->add_replicas() = std::move(replica);
  }
  response->set_sequence(sequence);
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::GetServiceStatus(
    grpc::ServerContext* context,
    const v1::GetServiceStatusRequest* /*request*/,
    v1::ServiceStatus* response) {
  if (absl::StatusOr<Actor> caller =
          Administrator(*context, "see the service's status");
      !caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  absl::StatusOr<uint64_t> horizon = authority_->Horizon();
  if (!horizon.ok()) return ToGrpcStatus(horizon.status());
  response->set_version(VersionString());
  *response->mutable_start_time() = ToTimestamp(started_);
  const absl::Status health = store_->health();
  response->set_health(
      health.ok() ? "SERVING"
                  : absl::StrCat(absl::StatusCodeToString(health.code()), ": ",
                                 ErrorReason(health), ": ", health.message()));
  response->set_replica_id(store_->replica_id());
  response->set_epoch(store_->epoch());
  response->set_sequence(store_->last_sequence());
  response->set_horizon(*horizon);
  const StoreSizes sizes = store_->sizes();
  response->set_table_bytes(sizes.table_bytes);
  response->set_wal_bytes(sizes.wal_bytes);
  response->set_memtable_bytes(sizes.memtable_bytes);
  response->set_estimated_keys(sizes.estimated_keys);
  response->set_free_bytes(sizes.free_bytes);
  return grpc::Status::OK;
}

}  // namespace plan
