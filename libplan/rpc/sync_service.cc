#include "libplan/rpc/sync_service.h"

#include "absl/time/clock.h"
#include "libplan/rpc/status.h"
#include "libplan/util/errors.h"
#include "libplan/util/handoff.h"
#include "libplan/util/log.h"

namespace plan {
namespace {

grpc::Status Finish(absl::string_view method, const absl::Status& status) {
  if (!status.ok() && !absl::IsCancelled(status)) {
    PLAN_LOG(INFO) << "refused " << method << " "
                   << absl::StatusCodeToString(status.code())
                   << " reason=" << ErrorReason(status) << ": "
                   << status.message();
  }
  return ToGrpcStatus(status);
}

}  // namespace

grpc::Status SyncServiceImpl::Push(
    grpc::ServerContext* context, const prevent::plan::v1::PushRequest* request,
    prevent::plan::v1::PushResponse* response) {
  if (context->IsCancelled()) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
  }
  absl::StatusOr<Actor> caller = auth_->Authenticate(*context);
  if (!caller.ok()) return Finish("Push", caller.status());
  return Finish("Push", authority_->Push(*request, *caller, response));
}

grpc::Status SyncServiceImpl::PushStream(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<prevent::plan::v1::PushResponse,
                             prevent::plan::v1::PushRequest>* stream) {
  // One push at a time, in the order sent: the agent's next push is already
  // on its way (or here) while this one merges. (Reading the next one on a
  // second thread would leave it waiting for a request that never comes
  // when a merge fails and the client waits for each answer.)
  absl::StatusOr<Actor> caller = auth_->Authenticate(*context);
  if (!caller.ok()) return Finish("PushStream", caller.status());
  prevent::plan::v1::PushRequest request;
  prevent::plan::v1::PushResponse response;
  while (!context->IsCancelled() && stream->Read(&request)) {
    response.Clear();
    if (absl::Status pushed = authority_->Push(request, *caller, &response);
        !pushed.ok()) {
      return Finish("PushStream", pushed);
    }
    if (!stream->Write(response)) {
      return Finish("PushStream", absl::CancelledError("the agent went away"));
    }
  }
  if (context->IsCancelled()) {
    return Finish("PushStream", absl::CancelledError("cancelled"));
  }
  return grpc::Status::OK;
}

grpc::Status SyncServiceImpl::Pull(
    grpc::ServerContext* context, const prevent::plan::v1::PullRequest* request,
    grpc::ServerWriter<prevent::plan::v1::PullResponse>* writer) {
  absl::StatusOr<Actor> caller = auth_->Authenticate(*context);
  if (!caller.ok()) return Finish("Pull", caller.status());
  const absl::Time deadline = absl::FromChrono(context->deadline());
  return Finish(
      "Pull",
      authority_->Pull(
          *request, *caller,
          [&](const prevent::plan::v1::PullResponse& batch) {
            return writer->Write(batch);
          },
          [&] { return context->IsCancelled() || absl::Now() >= deadline; }));
}

grpc::Status SyncServiceImpl::GetSnapshot(
    grpc::ServerContext* context,
    const prevent::plan::v1::GetSnapshotRequest* request,
    grpc::ServerWriter<prevent::plan::v1::SnapshotChunk>* writer) {
  absl::StatusOr<Actor> caller = auth_->Authenticate(*context);
  if (!caller.ok()) return Finish("GetSnapshot", caller.status());
  // gRPC sends chunk k on a second thread while the next is built.
  Handoff<prevent::plan::v1::SnapshotChunk> sender(
      [&](prevent::plan::v1::SnapshotChunk& chunk) {
        return writer->Write(chunk)
                   ? absl::OkStatus()
                   : absl::CancelledError("the client went away");
      });
  absl::Status status = authority_->Snapshot(
      *request, *caller, [&](prevent::plan::v1::SnapshotChunk* chunk) {
        return sender.Put(chunk).ok();
      });
  if (absl::Status sent = sender.Finish(); status.ok()) status = sent;
  return Finish("GetSnapshot", status);
}

}  // namespace plan
