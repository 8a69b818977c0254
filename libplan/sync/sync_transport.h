// The replication protocol as an agent sees it (SyncService in
// proto/prevent/plan/v1/sync_service.proto). The rpc layer implements it over
// gRPC (libplan/rpc/sync_client.h); the Replica drives it.
#ifndef LIBPLAN_SYNC_SYNC_TRANSPORT_H_
#define LIBPLAN_SYNC_SYNC_TRANSPORT_H_

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "prevent/plan/v1/sync_service.pb.h"

namespace plan {

// A sync calls Push and Pull from two threads at once (it pulls during a
// long push), at most one of each at a time.
class SyncTransport {
 public:
  virtual ~SyncTransport() = default;

  // One push. UNAVAILABLE or DEADLINE_EXCEEDED when the service cannot be
  // reached; nothing is known to have been applied then (a retry is safe).
  virtual absl::StatusOr<prevent::plan::v1::PushResponse> Push(
      const prevent::plan::v1::PushRequest& request) = 0;

  // Pushes a run of pushes, in order: `next` fills each request (returning
  // false when none is left), and `answered` gets each request with its
  // answer, in order; its error ends the run and is returned. A transport
  // may send up to `ahead` requests before their answers, on one ordered
  // stream (PushStream). This one sends each after the answer to the last.
  // Errors as Push; the requests answered before one stay answered.
  virtual absl::Status PushRun(
      int ahead, absl::FunctionRef<bool(prevent::plan::v1::PushRequest*)> next,
      absl::FunctionRef<absl::Status(prevent::plan::v1::PushRequest&,
                                     prevent::plan::v1::PushResponse&)>
          answered) {
    (void)ahead;
    prevent::plan::v1::PushRequest request;
    while (next(&request)) {
      absl::StatusOr<prevent::plan::v1::PushResponse> response = Push(request);
      if (!response.ok()) return response.status();
      if (absl::Status status = answered(request, *response); !status.ok()) {
        return status;
      }
      request.Clear();
    }
    return absl::OkStatus();
  }

  // Streams a pull, calling `on_batch` for each message in order; stops early
  // with its error when it returns one. It may take the batch's contents (by
  // swapping in another message to reuse). FAILED_PRECONDITION (reason
  // CURSOR_EXPIRED) when `since` is before the service's horizon.
  virtual absl::Status Pull(
      const prevent::plan::v1::PullRequest& request,
      absl::FunctionRef<absl::Status(prevent::plan::v1::PullResponse*)>
          on_batch) = 0;

  // Bounds the next following pull (request.follow): it ends by `deadline`.
  virtual void set_follow_deadline(absl::Time deadline) = 0;

  // Streams a snapshot, calling `on_chunk` for each chunk in order. It may
  // take the chunk's contents (by swapping in another message to reuse).
  virtual absl::Status GetSnapshot(
      const prevent::plan::v1::GetSnapshotRequest& request,
      absl::FunctionRef<absl::Status(prevent::plan::v1::SnapshotChunk*)>
          on_chunk) = 0;
};

}  // namespace plan

#endif  // LIBPLAN_SYNC_SYNC_TRANSPORT_H_
