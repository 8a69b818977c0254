#include "sync-agent/agent_service.h"

#include "libplan/rpc/status.h"

namespace sync_agent {

grpc::Status AgentServiceImpl::SyncNow(grpc::ServerContext* context,
                                       const v1::SyncNowRequest* /*request*/,
                                       v1::SyncNowResponse* response) {
  if (context->IsCancelled()) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled before start");
  }
  absl::StatusOr<v1::SyncNowResponse> moved = loop_->SyncNow("request");
  if (!moved.ok()) return plan::ToGrpcStatus(moved.status());
  *response = *std::move(moved);
  return grpc::Status::OK;
}

grpc::Status AgentServiceImpl::GetSyncStatus(
    grpc::ServerContext* /*context*/,
    const v1::GetSyncStatusRequest* /*request*/, v1::SyncStatus* response) {
  *response = loop_->Status();
  return grpc::Status::OK;
}

}  // namespace sync_agent
