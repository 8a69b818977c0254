// SyncTransport over gRPC: how a sync agent talks to the plan service.
#ifndef LIBPLAN_RPC_SYNC_CLIENT_H_
#define LIBPLAN_RPC_SYNC_CLIENT_H_

#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "libplan/sync/sync_transport.h"
#include "prevent/plan/v1/sync_service.grpc.pb.h"

namespace plan {

class GrpcSyncTransport final : public SyncTransport {
 public:
  // `organisation` is sent as x-prevent-organisation; `timeout` bounds each
  // push and snapshot, and each pull that does not follow.
  GrpcSyncTransport(std::shared_ptr<grpc::Channel> channel,
                    std::string organisation,
                    absl::Duration timeout = absl::Minutes(5));

  absl::StatusOr<prevent::plan::v1::PushResponse> Push(
      const prevent::plan::v1::PushRequest& request) override;
  // On PushStream, `ahead` requests at most before their answers; with a
  // plan service that has no PushStream, one at a time.
  absl::Status PushRun(
      int ahead, absl::FunctionRef<bool(prevent::plan::v1::PushRequest*)> next,
      absl::FunctionRef<absl::Status(prevent::plan::v1::PushRequest&,
                                     prevent::plan::v1::PushResponse&)>
          answered) override;
  absl::Status Pull(
      const prevent::plan::v1::PullRequest& request,
      absl::FunctionRef<absl::Status(prevent::plan::v1::PullResponse*)>
          on_batch) override;
  absl::Status GetSnapshot(
      const prevent::plan::v1::GetSnapshotRequest& request,
      absl::FunctionRef<absl::Status(prevent::plan::v1::SnapshotChunk*)>
          on_chunk) override;

  void set_follow_deadline(absl::Time deadline) override {
    follow_deadline_ = deadline;
  }

  // Ends the following pull now (it returns CANCELLED), or, when none is
  // open, the next one as soon as it starts: so a sync on demand, or
  // shutdown, need not wait for the follow window even when it lands just
  // before a follow begins. Thread-safe.
  void CancelFollow();

 private:
  std::unique_ptr<prevent::plan::v1::SyncService::Stub> stub_;
  std::string organisation_;
  absl::Duration timeout_;
  absl::Time follow_deadline_ = absl::InfinitePast();
  absl::Mutex follow_mu_;
  grpc::ClientContext* following_ ABSL_GUARDED_BY(follow_mu_) = nullptr;
  bool cancel_next_follow_ ABSL_GUARDED_BY(follow_mu_) = false;
};

}  // namespace plan

#endif  // LIBPLAN_RPC_SYNC_CLIENT_H_
