#include "libplan/rpc/admin_service.h"

#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libplan/rpc/status.h"
#include "libplan/util/errors.h"
#include "libplan/util/log.h"
#include "libplan/util/status_macros.h"
#include "libplan/util/timestamp.h"

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

}  // namespace plan
