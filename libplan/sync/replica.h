// The agent side of replication: a partner's local replica of the plans it
// subscribes to, kept in step with the plan service.
//
// Local edits (through PlanResources in replica mode) land in the replica and
// in the outbox together. Sync pushes the outbox in order (removing each
// change once the service has answered it, REJECTED included, with the
// reason kept for GetSyncStatus), then pulls the service's changes after the
// cursor: each batch is applied with its new cursor in one commit, so a crash
// resumes cleanly, and pending local edits are re-applied on top (rebase), so
// local work is never lost. A push of many changes also pulls as it goes, so
// that what its first pushes logged comes back while the rest are sent; the
// pull after the last push still brings everything. Changing the subscribed
// plans sends what enters the scope (a snapshot of just those plans) and
// drops what leaves it; the cursor carries on. A new replica, or one whose
// cursor is older than the service's retained log, bootstraps from a
// snapshot and keeps its outbox.
// After a sync with no pending edits the replica holds exactly the service's
// state for its plans, byte for byte.
//
//   Replica replica(store.get(), &clock, {.organisation = org, .plans =
//   plans}); GrpcSyncTransport transport(channel);
//   ASSIGN_OR_RETURN(prevent::plan::v1::SyncNowResponse moved,
//                    replica.Sync(transport));
#ifndef LIBPLAN_SYNC_REPLICA_H_
#define LIBPLAN_SYNC_REPLICA_H_

#include <atomic>
#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libplan/clock/hybrid_clock.h"
#include "libplan/storage/store.h"
#include "libplan/sync/sync_transport.h"
#include "prevent/plan/v1/agent_service.pb.h"

namespace plan {

namespace replica_internal {
class Outbox;  // the pending local changes a sync works through
}  // namespace replica_internal

struct ReplicaOptions {
  // This partner's organisation: "organisations/{org}".
  std::string organisation;
  // The subscribed plans: "plans/{plan}".
  std::vector<std::string> plans;
  // What each push and pull says of this replica's software, for the plan
  // service's ListReplicas: e.g. "sync-agent 0.9.0 (commit 1a2b3c4d5e6f)".
  std::string agent_version = "";
  // Changes per push, and per pulled batch.
  int push_batch = 1000;  // the most a push may carry
  // A push also stops growing past this many bytes of changes (gRPC's
  // message limit is 4 MiB).
  size_t push_bytes = 1 << 20;
  int pull_batch = 500;
  // How long this replica keeps its changes the service accepted, to push
  // them again should the service's store go back in time (a backup
  // restored): at least as far back as the service's backups go.
  absl::Duration keep_accepted = absl::Hours(24 * 35);
};

class Replica {
 public:
  // `store` and `clock` must outlive the replica.
  Replica(Store* store, HybridClock* clock, ReplicaOptions options);
  Replica(const Replica&) = delete;
  Replica& operator=(const Replica&) = delete;

  // One sync: push every pending change, then pull (or bootstrap from a
  // snapshot). Concurrent calls run one at a time. The transport's errors
  // (UNAVAILABLE when the service is down) are returned as they are, and
  // recorded for Status; what was done before the error stays done.
  absl::StatusOr<prevent::plan::v1::SyncNowResponse> Sync(
      SyncTransport& transport);

  // Holds a following pull open (continuous sync) for at most `duration`,
  // applying changes as the service accepts them. Returns after `duration`,
  // or early with the transport's error.
  absl::Status Follow(SyncTransport& transport, absl::Duration duration);

  // How replication stands (persisted parts survive restarts).
  prevent::plan::v1::SyncStatus Status() const;

  // Local changes not yet acknowledged by the service.
  int64_t pending_changes() const;

 private:
  using Outbox = replica_internal::Outbox;
  // How a pull goes on once it has caught up, and what it does when the
  // replica has no cursor or the service no longer has its changes.
  enum class PullMode {
    kCatchUp,     // stops; bootstraps from a snapshot
    kFollow,      // waits for new changes; bootstraps from a snapshot
    kBehindPush,  // stops; fails, leaving the snapshot to the next pull
  };

  class PushRound;  // one round of pushes (replica.cc)

  // Pushes what `outbox` holds, round after round until it is empty (local
  // edits made meanwhile join the next round); with `pull_behind`, pulls on
  // another thread as the pushes are answered.
  absl::Status PushAll(SyncTransport& transport, Outbox& outbox,
                       bool pull_behind,
                       prevent::plan::v1::SyncNowResponse* moved);
  // Counts a push's answers in `moved`, notes rejected changes in the
  // status, and returns the status serialized, to persist with them.
  std::string RecordAnswers(const prevent::plan::v1::PushRequest& request,
                            const prevent::plan::v1::PushResponse& response,
                            prevent::plan::v1::SyncNowResponse* moved);
  // `outbox` is shared with a push under way, if any (see Outbox).
  absl::Status PullAll(SyncTransport& transport, PullMode mode, Outbox& outbox,
                       prevent::plan::v1::SyncNowResponse* moved);
  // What the replica recorded of its scope, and what it is now.
  struct Scope {
    bool has_cursor = false;
    std::optional<std::string> saved;  // the plans it last synced, joined
    std::set<std::string> plans;       // options_.plans
    std::string now;                   // `plans`, joined
  };
  absl::StatusOr<Scope> ReadScope(const ReadView& view) const;
  // True when the replica has a cursor and subscribes to the plans it last
  // synced: a pull needs no snapshot, and no change of scope is due.
  absl::StatusOr<bool> Settled() const;
  // Brings the replica in line with options.plans after they changed.
  absl::Status Resubscribe(SyncTransport& transport,
                           prevent::plan::v1::SyncNowResponse* moved);
  absl::Status Bootstrap(SyncTransport& transport,
                         prevent::plan::v1::SyncNowResponse* moved);
  // A snapshot of `plans`; with `set_cursor`, it also sets the cursor.
  absl::Status Bootstrap(SyncTransport& transport,
                         const std::vector<std::string>& plans, bool set_cursor,
                         prevent::plan::v1::SyncNowResponse* moved);
  void RecordAttempt(const absl::Status& status);
  // The service store's epoch as last seen, and the highest sequence known.
  struct SeenEpoch {
    prevent::plan::v1::StoreEpoch epoch;
    uint64_t known = 0;
  };
  absl::StatusOr<SeenEpoch> ReadSeenEpoch(const ReadView& view) const;
  // A pull of the subscribed plans' changes after `cursor`.
  prevent::plan::v1::PullRequest PullRequestFor(uint64_t cursor,
                                                const SeenEpoch& seen,
                                                PullMode mode) const;
  // Records accepted changes in the journal, drops those older than
  // keep_accepted, raises the known sequence to `known`, and records the
  // service's `epoch` (a serialized StoreEpoch; none when empty).
  absl::Status Journal(
      Transaction& txn,
      const std::vector<std::pair<std::string, std::string>>& accepted,
      uint64_t known, const std::string& epoch);
  // After the service refused a sync with STORE_WENT_BACK: queues the
  // journal's changes to be pushed again, takes a snapshot, and rebases the
  // pending changes' base versions on the service's new history.
  absl::Status RecoverFromStoreGoingBack(
      SyncTransport& transport, prevent::plan::v1::SyncNowResponse* moved);
  // True when a pull brings `target`'s changes: an organisation, or a
  // resource of a subscribed plan.
  bool Pulled(const std::string& target) const;

  Store* const store_;
  HybridClock* const clock_;
  const ReplicaOptions options_;
  absl::Mutex sync_mu_;  // one sync at a time
  // When the journal was last trimmed (Unix milliseconds).
  std::atomic<int64_t> journal_trimmed_ms_{0};
  mutable absl::Mutex status_mu_;
  prevent::plan::v1::SyncStatus status_ ABSL_GUARDED_BY(status_mu_);
};

}  // namespace plan

#endif  // LIBPLAN_SYNC_REPLICA_H_
