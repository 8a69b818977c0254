// The gRPC adapter of AgentService (proto/prevent/plan/v1/agent_service.proto),
// served by a sync agent beside PlanService: runs a sync on request and
// reports how replication stands.
#ifndef SYNC_AGENT_AGENT_SERVICE_H_
#define SYNC_AGENT_AGENT_SERVICE_H_

#include "prevent/plan/v1/agent_service.grpc.pb.h"
#include "sync-agent/sync_loop.h"

namespace sync_agent {

class AgentServiceImpl final : public v1::AgentService::Service {
 public:
  // `loop` must outlive the service.
  explicit AgentServiceImpl(SyncLoop* loop) : loop_(loop) {}

  // One sync now; UNAVAILABLE (or DEADLINE_EXCEEDED) naming the plan service
  // when it cannot be reached. Waits for a sync already in progress.
  grpc::Status SyncNow(grpc::ServerContext* context,
                       const v1::SyncNowRequest* request,
                       v1::SyncNowResponse* response) override;

  grpc::Status GetSyncStatus(grpc::ServerContext* context,
                             const v1::GetSyncStatusRequest* request,
                             v1::SyncStatus* response) override;

 private:
  SyncLoop* const loop_;
};

}  // namespace sync_agent

#endif  // SYNC_AGENT_AGENT_SERVICE_H_
