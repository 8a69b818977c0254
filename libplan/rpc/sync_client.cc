#include "libplan/rpc/sync_client.h"

#include <algorithm>
#include <deque>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/client_context.h"
#include "libplan/util/errors.h"

namespace plan {
namespace {

// The gRPC status as an absl::Status, keeping the ErrorInfo reason.
absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  std::string reason;
  google::rpc::Status details;
  if (details.ParseFromString(status.error_details())) {
    for (const auto& any : details.details()) {
      google::rpc::ErrorInfo info;
      if (any.UnpackTo(&info)) reason = info.reason();
    }
  }
  const auto code = static_cast<absl::StatusCode>(status.error_code());
  if (reason.empty()) return absl::Status(code, status.error_message());
  return Error(code, reason, status.error_message());
}

}  // namespace

GrpcSyncTransport::GrpcSyncTransport(std::shared_ptr<grpc::Channel> channel,
                                     std::string organisation,
                                     absl::Duration timeout)
    : stub_(prevent::plan::v1::SyncService::NewStub(channel)),
      organisation_(std::move(organisation)),
      timeout_(timeout) {}

absl::StatusOr<prevent::plan::v1::PushResponse> GrpcSyncTransport::Push(
    const prevent::plan::v1::PushRequest& request) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  context.AddMetadata("x-prevent-organisation", organisation_);
  prevent::plan::v1::PushResponse response;
  absl::Status status = FromGrpc(stub_->Push(&context, request, &response));
  if (!status.ok()) return status;
  return response;
}

absl::Status GrpcSyncTransport::PushRun(
    int ahead, absl::FunctionRef<bool(prevent::plan::v1::PushRequest*)> next,
    absl::FunctionRef<absl::Status(prevent::plan::v1::PushRequest&,
                                   prevent::plan::v1::PushResponse&)>
        answered) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  context.AddMetadata("x-prevent-organisation", organisation_);
  std::unique_ptr<grpc::ClientReaderWriter<prevent::plan::v1::PushRequest,
                                           prevent::plan::v1::PushResponse>>
      stream = stub_->PushStream(&context);
  // Sent and not yet answered, oldest first.
  std::deque<prevent::plan::v1::PushRequest> unanswered;
  bool exhausted = false;  // `next` has no more
  bool broken = false;     // a write failed; Finish says why
  int answers = 0;
  absl::Status failure = absl::OkStatus();
  while (failure.ok()) {
    while (!exhausted && !broken &&
           unanswered.size() < static_cast<size_t>(std::max(ahead, 1))) {
      prevent::plan::v1::PushRequest& request = unanswered.emplace_back();
      if (!next(&request)) {
        unanswered.pop_back();
        exhausted = true;
        broken = !stream->WritesDone();
      } else {
        broken = !stream->Write(request);
      }
    }
    if (unanswered.empty()) break;
    prevent::plan::v1::PushResponse response;
    if (!stream->Read(&response)) break;
    ++answers;
    failure = answered(unanswered.front(), response);
    unanswered.pop_front();
  }
  if (!failure.ok()) context.TryCancel();
  const absl::Status finished = FromGrpc(stream->Finish());
  if (!failure.ok()) return failure;
  if (absl::IsUnimplemented(finished) && answers == 0) {
    // A plan service from before PushStream: one push at a time, starting
    // with the requests already taken.
    return SyncTransport::PushRun(
        ahead,
        [&](prevent::plan::v1::PushRequest* request) {
          if (unanswered.empty()) return !exhausted && next(request);
          *request = std::move(unanswered.front());
          unanswered.pop_front();
          return true;
        },
        answered);
  }
  if (!finished.ok()) return finished;
  if (!unanswered.empty()) {
    return absl::UnavailableError(
        "the push stream ended before every push was answered");
  }
  return absl::OkStatus();
}

absl::Status GrpcSyncTransport::Pull(
    const prevent::plan::v1::PullRequest& request,
    absl::FunctionRef<absl::Status(prevent::plan::v1::PullResponse*)>
        on_batch) {
  grpc::ClientContext context;
  const absl::Time deadline = request.follow() && follow_deadline_ > absl::Now()
                                  ? follow_deadline_
                                  : absl::Now() + timeout_;
  context.set_deadline(absl::ToChronoTime(deadline));
  context.AddMetadata("x-prevent-organisation", organisation_);
  if (request.follow()) {
    absl::MutexLock lock(&follow_mu_);
    following_ = &context;
    if (cancel_next_follow_) {
      cancel_next_follow_ = false;
      context.TryCancel();  // gRPC cancels the call as it starts
    }
  }
  std::unique_ptr<grpc::ClientReader<prevent::plan::v1::PullResponse>> reader =
      stub_->Pull(&context, request);
  prevent::plan::v1::PullResponse batch;
  absl::Status applied = absl::OkStatus();
  while (reader->Read(&batch)) {
    applied = on_batch(&batch);
    if (!applied.ok()) {
      context.TryCancel();
      break;
    }
  }
  const absl::Status finished = FromGrpc(reader->Finish());
  if (request.follow()) {
    absl::MutexLock lock(&follow_mu_);
    following_ = nullptr;
  }
  return applied.ok() ? finished : applied;
}

void GrpcSyncTransport::CancelFollow() {
  absl::MutexLock lock(&follow_mu_);
  if (following_ != nullptr) {
    following_->TryCancel();
  } else {
    cancel_next_follow_ = true;
  }
}

absl::Status GrpcSyncTransport::GetSnapshot(
    const prevent::plan::v1::GetSnapshotRequest& request,
    absl::FunctionRef<absl::Status(prevent::plan::v1::SnapshotChunk*)>
        on_chunk) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  context.AddMetadata("x-prevent-organisation", organisation_);
  std::unique_ptr<grpc::ClientReader<prevent::plan::v1::SnapshotChunk>> reader =
      stub_->GetSnapshot(&context, request);
  prevent::plan::v1::SnapshotChunk chunk;
  absl::Status applied = absl::OkStatus();
  while (reader->Read(&chunk)) {
    applied = on_chunk(&chunk);
    if (!applied.ok()) {
      context.TryCancel();
      break;
    }
  }
  const absl::Status finished = FromGrpc(reader->Finish());
  return applied.ok() ? finished : applied;
}

}  // namespace plan
