// The gRPC adapter of SyncService (proto/prevent/plan/v1/sync_service.proto),
// served by the plan service.
#ifndef LIBPLAN_RPC_SYNC_SERVICE_H_
#define LIBPLAN_RPC_SYNC_SERVICE_H_

#include "libplan/rpc/identity.h"
#include "libplan/sync/sync_authority.h"
#include "prevent/plan/v1/sync_service.grpc.pb.h"

namespace plan {

class SyncServiceImpl final : public prevent::plan::v1::SyncService::Service {
 public:
  // `authority` and `auth` must outlive the service. Every call acts as
  // `auth` authenticates it; one it refuses reaches the authority not at all.
  SyncServiceImpl(SyncAuthority* authority, const Authenticator* auth)
      : authority_(authority), auth_(auth) {}

  grpc::Status Push(grpc::ServerContext* context,
                    const prevent::plan::v1::PushRequest* request,
                    prevent::plan::v1::PushResponse* response) override;
  grpc::Status PushStream(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<prevent::plan::v1::PushResponse,
                               prevent::plan::v1::PushRequest>* stream)
      override;
  grpc::Status Pull(
      grpc::ServerContext* context,
      const prevent::plan::v1::PullRequest* request,
      grpc::ServerWriter<prevent::plan::v1::PullResponse>* writer) override;
  grpc::Status GetSnapshot(
      grpc::ServerContext* context,
      const prevent::plan::v1::GetSnapshotRequest* request,
      grpc::ServerWriter<prevent::plan::v1::SnapshotChunk>* writer) override;

 private:
  SyncAuthority* const authority_;
  const Authenticator* const auth_;
};

}  // namespace plan

#endif  // LIBPLAN_RPC_SYNC_SERVICE_H_
