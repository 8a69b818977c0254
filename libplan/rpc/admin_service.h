// The gRPC adapter of AdminService, served by the plan service: online
// backups of its store into directories under one root (--backup_root), so
// that a client names a backup, never an arbitrary path on the server; and
// the local accounts of its web app (service/accounts.h); and which replicas
// sync with it (sync/sync_authority.h).
#ifndef LIBPLAN_RPC_ADMIN_SERVICE_H_
#define LIBPLAN_RPC_ADMIN_SERVICE_H_

#include <optional>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libplan/rpc/identity.h"
#include "libplan/service/access_control.h"
#include "libplan/service/accounts.h"
#include "libplan/storage/store.h"
#include "libplan/sync/sync_authority.h"
#include "prevent/plan/v1/admin_service.grpc.pb.h"

namespace plan {

class AdminServiceImpl final : public v1::AdminService::Service {
 public:
  // `store`, `auth` and `access` must outlive the service. `backup_root` is
  // an existing directory, or empty to refuse backups. Only administrators
  // (of `access`; everyone when it is null) call it.
  // `authority` answers ListReplicas.
  AdminServiceImpl(Store* store, std::string backup_root,
                   const Authenticator* auth, const AccessControl* access,
                   const SyncAuthority* authority)
      : store_(store),
        backup_root_(std::move(backup_root)),
        auth_(auth),
        access_(access),
        authority_(authority),
        accounts_(store),
        started_(absl::Now()) {}

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
  grpc::Status GetServiceStatus(grpc::ServerContext* context,
                                const v1::GetServiceStatusRequest* request,
                                v1::ServiceStatus* response) override;
  grpc::Status ListReplicas(grpc::ServerContext* context,
                            const v1::ListReplicasRequest* request,
                            v1::ListReplicasResponse* response) override;

 private:
  // The caller when it is an administrator; else why not.
  absl::StatusOr<Actor> Administrator(const grpc::ServerContext& context,
                                      absl::string_view what) const;

  Store* const store_;
  const std::string backup_root_;
  const Authenticator* const auth_;
  // The plans whose replicas `caller` may see: nullopt for every replica
  // (an administrator); the county plans it OWNs and their district plans;
  // PERMISSION_DENIED when there are none.
  absl::StatusOr<std::optional<absl::flat_hash_set<std::string>>> ReplicaScope(
      const Actor& caller) const;

  const AccessControl* const access_;
  const SyncAuthority* const authority_;
  const Accounts accounts_;
  const absl::Time started_;
};

// The directory `to` names under `root`: absolute, without "." or "..", and
// inside `root`. INVALID_ARGUMENT naming field "to" otherwise.
absl::StatusOr<std::string> BackupDirectory(const std::string& root,
                                            const std::string& to);

}  // namespace plan

#endif  // LIBPLAN_RPC_ADMIN_SERVICE_H_
