// The service side of replication (SyncService): merges pushed changes field
// by field (docs/architecture.md, "Merging"), streams the change log to pulling
// agents, and serves snapshots.
//
// A push applies each change atomically and durably, with its answer, in one
// commit: the merged entity, the accepted change in the log, any Conflict
// resources it opens (which replicate like any resource), and its change-id
// entry so a repeated push answers DUPLICATE with the first answer.
#ifndef LIBPLAN_SYNC_SYNC_AUTHORITY_H_
#define LIBPLAN_SYNC_SYNC_AUTHORITY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libplan/clock/hybrid_clock.h"
#include "libplan/service/plan_resources.h"
#include "libplan/storage/records.pb.h"
#include "libplan/storage/store.h"
#include "prevent/plan/v1/admin_service.pb.h"
#include "prevent/plan/v1/sync_service.pb.h"

namespace plan {

// What a SyncAuthority tells of each push and pull it answers, for metrics
// (rpc/metrics.h). Called on the answering thread; must not block.
class SyncObserver {
 public:
  virtual ~SyncObserver() = default;
  // A push of `organisation` was answered with `response`.
  virtual void Pushed(const std::string& organisation,
                      const prevent::plan::v1::PushResponse& response) = 0;
  // A pull or snapshot of `organisation` ended, having sent `changes`
  // changes (for a snapshot, its records).
  virtual void Pulled(const std::string& organisation, int64_t changes) = 0;
};

struct SyncAuthorityOptions {
  // Changes per pulled message at most, and bytes (gRPC's default receive
  // limit is 4 MiB).
  int max_batch = 10000;
  size_t max_batch_bytes = 1 << 20;
  // A following pull checks for new changes this often.
  absl::Duration follow_poll = absl::Milliseconds(100);
  // At most this many following pulls at once (each holds a thread); more
  // are refused with RESOURCE_EXHAUSTED. A replica follows once: its newer
  // follow ends the older one.
  int max_follows = 256;
  // A following pull ends (OK) after this long; the agent opens another.
  absl::Duration max_follow = absl::Minutes(10);
  // A snapshot that takes longer fails with DEADLINE_EXCEEDED.
  absl::Duration max_snapshot = absl::Minutes(10);
  // Replica ids one organisation may register (each is kept for good); a
  // new one past it is refused with RESOURCE_EXHAUSTED.
  int max_replicas_per_organisation = 1000;
  // Who may do what (service/access_control.h): a pushed change is
  // authorized exactly as the direct call that would make it, and a pull or
  // snapshot serves only plans the caller may read. Null: everything is
  // allowed (tests of merging alone).
  const AccessControl* access = nullptr;
  // Told of every push and pull answered; null: no one.
  SyncObserver* observer = nullptr;
};

// Whether the service's store went back in time since a replica saw it as
// `seen`, knowing of changes up to `known`, now that it is `now`: its epoch
// changed (a backup was restored), or the service restarted (a new session)
// at a sequence below `known` (a copy of its directory was put back). An
// empty `seen` (a replica that has not synced yet) never did.
bool StoreWentBack(const prevent::plan::v1::StoreEpoch& seen, uint64_t known,
                   const prevent::plan::v1::StoreEpoch& now);

class SyncAuthority {
 public:
  // `store` and `clock` must outlive this object.
  SyncAuthority(Store* store, HybridClock* clock, SyncAuthorityOptions options);

  // Push, Pull and Snapshot act for `caller`, the organisation the call is
  // authenticated as (docs/security.md). A replica id belongs to the first
  // organisation that uses it: under another's, each is refused with
  // PERMISSION_DENIED, reason REPLICA_OF_ANOTHER_ORGANISATION, and changes
  // nothing.

  // Answers every change of `request` (see sync_service.proto). Each change
  // is recorded as made by the caller's organisation, whatever it names;
  // its replica_id must be the request's and its change_id start with
  // "<replica_id>:" (INVALID_ARGUMENT otherwise).
  absl::Status Push(const prevent::plan::v1::PushRequest& request,
                    const Actor& caller,
                    prevent::plan::v1::PushResponse* response);

  // Streams the changes after request.since for request.plans (and every
  // organisation) through `send`; PERMISSION_DENIED naming the first plan
  // the caller may not read (checked again as a follow goes on), which returns
  // false when the client has gone. With request.follow, keeps streaming new
  // changes until `stop` returns true, max_follow has passed, or the same
  // replica follows again (see SyncAuthorityOptions). Without it, fails with
  // DEADLINE_EXCEEDED once `stop` returns true. Records the replica's cursor.
  absl::Status Pull(
      const prevent::plan::v1::PullRequest& request, const Actor& caller,
      absl::FunctionRef<bool(const prevent::plan::v1::PullResponse&)> send,
      absl::FunctionRef<bool()> stop);

  // Streams every record of the plans (and every organisation) from one
  // snapshot; PERMISSION_DENIED naming the first plan the caller may not
  // read.
  absl::Status Snapshot(
      const prevent::plan::v1::GetSnapshotRequest& request, const Actor& caller,
      absl::FunctionRef<bool(prevent::plan::v1::SnapshotChunk*)> send);

  // The replicas that have pushed or pulled here, as AdminService's
  // ListReplicas shows them (admin_service.proto), the longest unsynced
  // first: only those `include` accepts. `*sequence` is set to the head of
  // the log they were compared with.
  absl::StatusOr<std::vector<prevent::plan::v1::Replica>> ListReplicas(
      absl::FunctionRef<bool(const storage::ReplicaActivity&)> include,
      uint64_t* sequence) const;

  // The horizon of the change log: changes up to it are no longer kept (0
  // when none was trimmed); a pull from before it takes a snapshot.
  absl::StatusOr<uint64_t> Horizon() const;

  // The store's epoch as this process serves it.
  const prevent::plan::v1::StoreEpoch& epoch() const { return epoch_; }

  // Drops changes with sequence <= `horizon` from the log; later pulls from
  // before it fail with FAILED_PRECONDITION and take a snapshot.
  absl::Status TrimLog(uint64_t horizon);

 private:
  // Records `replica_id` as `caller`'s when no organisation has used it
  // yet; PERMISSION_DENIED when another has.
  absl::Status ClaimReplica(const std::string& replica_id, const Actor& caller);
  // PERMISSION_DENIED when `caller` may not read one of `plans` in `view`.
  absl::Status CheckReadable(
      const google::protobuf::RepeatedPtrField<std::string>& plans,
      const Actor& caller, const ReadView& view) const;
  // A following pull of `replica_id` takes one of max_follows slots and
  // supersedes the replica's older follow, if any: returns its generation;
  // RESOURCE_EXHAUSTED when every slot is taken. EndFollow gives it back.
  absl::StatusOr<uint64_t> StartFollow(const std::string& replica_id);
  void EndFollow(const std::string& replica_id, uint64_t generation);
  // True once the replica has followed again since `generation` started.
  bool Superseded(const std::string& replica_id, uint64_t generation);
  // Pull's stream, once the request is checked and any follow slot taken.
  // Sets `*reached` to the sequence up to which it sent the changes.
  absl::Status StreamChanges(
      const prevent::plan::v1::PullRequest& request, const Actor& caller,
      uint64_t generation, uint64_t* reached,
      absl::FunctionRef<bool(const prevent::plan::v1::PullResponse&)> send,
      absl::FunctionRef<bool()> stop);
  // Push and Pull once the request is checked and its replica claimed.
  absl::Status PushClaimed(const prevent::plan::v1::PushRequest& request,
                           const Actor& caller,
                           prevent::plan::v1::PushResponse* response);
  absl::Status PullClaimed(
      const prevent::plan::v1::PullRequest& request, const Actor& caller,
      absl::FunctionRef<bool(const prevent::plan::v1::PullResponse&)> send,
      absl::FunctionRef<bool()> stop);
  // Snapshot once the request is checked and its replica, if named,
  // claimed; sets `*sequence` (when not null) to the snapshot's sequence.
  absl::Status SnapshotClaimed(
      const prevent::plan::v1::GetSnapshotRequest& request, const Actor& caller,
      absl::FunctionRef<bool(prevent::plan::v1::SnapshotChunk*)> send,
      uint64_t* sequence);
  // Updates the ReplicaActivity of `replica_id`, which `organisation` owns,
  // with `update`, and records `error` in it unless it is OK. Nothing waits
  // for the write: a sync need not queue behind another's commit for it.
  void RecordActivity(
      const std::string& replica_id, const std::string& organisation,
      const absl::Status& error,
      absl::AnyInvocable<void(storage::ReplicaActivity&)> update);
  // Reads into `response` the next changes of `plans` ("" for
  // organisations) after `*since` in `view`: at most `batch`, and about
  // max_batch_bytes. Advances `*since` to the batch's high-water mark, and
  // returns whether the batch caught up with `view`.
  absl::StatusOr<bool> ReadBatch(
      const ReadView& view, const std::vector<std::string>& plans, int batch,
      uint64_t* since, prevent::plan::v1::PullResponse* response) const;

  Store* const store_;
  HybridClock* const clock_;
  const SyncAuthorityOptions options_;
  const prevent::plan::v1::StoreEpoch epoch_;

  // The following pulls under way: how many, and each replica's latest.
  absl::Mutex follows_mu_;
  int follows_ ABSL_GUARDED_BY(follows_mu_) = 0;
  absl::flat_hash_map<std::string, uint64_t> follow_generation_
      ABSL_GUARDED_BY(follows_mu_);
  uint64_t next_generation_ ABSL_GUARDED_BY(follows_mu_) = 0;

  // Replica ids known to belong to an organisation: replica id -> it.
  absl::Mutex owners_mu_;
  absl::flat_hash_map<std::string, std::string> owners_
      ABSL_GUARDED_BY(owners_mu_);
};

}  // namespace plan

#endif  // LIBPLAN_SYNC_SYNC_AUTHORITY_H_
