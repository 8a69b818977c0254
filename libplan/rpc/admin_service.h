// The gRPC adapter of AdminService, served by the plan service: online
// backups of its store into directories under one root (--backup_root), so
// that a client names a backup, never an arbitrary path on the server; and
// the local accounts of its web app (service/accounts.h).
#ifndef LIBPLAN_RPC_ADMIN_SERVICE_H_
#define LIBPLAN_RPC_ADMIN_SERVICE_H_

#include <string>

#include "absl/status/statusor.h"
#include "libplan/rpc/identity.h"
#include "libplan/service/access_control.h"
#include "libplan/service/accounts.h"
#include "libplan/storage/store.h"
#include "prevent/plan/v1/admin_service.grpc.pb.h"

namespace plan {

class AdminServiceImpl final : public v1::AdminService::Service {
 public:
  // `store`, `auth` and `access` must outlive the service. `backup_root` is
  // an existing directory, or empty to refuse backups. Only administrators
  // (of `access`; everyone when it is null) call it.
  AdminServiceImpl(Store* store, std::string backup_root,
                   const Authenticator* auth, const AccessControl* access)
      : store_(store),
        backup_root_(std::move(backup_root)),
        auth_(auth),
        access_(access),
        accounts_(store) {}

  grpc::Status Backup(grpc::ServerContext* context,
                      const v1::BackupRequest* request,
                      v1::BackupResponse* response) override;
  grpc::Status AddUser(grpc::ServerContext* context,
                       const v1::AddUserRequest* request,
                       v1::User* response) override;
  grpc::Status RemoveUser(grpc::ServerContext* context,
                          const v1::RemoveUserRequest* request,
                          v1::RemoveUserResponse* response) override;
  grpc::Status ListUsers(grpc::ServerContext* context,
                         const v1::ListUsersRequest* request,
                         v1::ListUsersResponse* response) override;

 private:
  // The caller when it is an administrator; else why not.
  absl::StatusOr<Actor> Administrator(const grpc::ServerContext& context,
                                      absl::string_view what) const;

  Store* const store_;
  const std::string backup_root_;
  const Authenticator* const auth_;
  const AccessControl* const access_;
  const Accounts accounts_;
};

// The directory `to` names under `root`: absolute, without "." or "..", and
// inside `root`. INVALID_ARGUMENT naming field "to" otherwise.
absl::StatusOr<std::string> BackupDirectory(const std::string& root,
                                            const std::string& to);

}  // namespace plan

#endif  // LIBPLAN_RPC_ADMIN_SERVICE_H_
