// When and how a sync agent replicates: one background thread that runs the
// Replica's syncs on the agent's schedule, retries failures with backoff, and
// logs one line per sync or failure.
//
// A plan service that cannot be reached is a normal state for an agent (the
// partner keeps editing its local plan): a failed sync logs one line with the
// error and the next retry time, and is retried after Backoff::NextFailure()
// (1 s doubling to 5 min, full jitter) until one succeeds; then the schedule
// resumes. Schedules:
//   manual       no thread; only SyncNow (AgentService, `--once`)
//   every:D      at start-up when the last success is older than D, then D
//                after each sync
//   nightly@T    at start-up when the replica has never synced, then nightly
//   continuous   sync, follow the change feed for `follow_window`, repeat
//                (each repeat pushes what was edited meanwhile)
//
//   SyncLoop loop(&replica, &transport, options);
//   loop.Start();
//   ...
//   absl::StatusOr<v1::SyncNowResponse> moved = loop.SyncNow("request");
//   ...
//   loop.Stop();
#ifndef SYNC_AGENT_SYNC_LOOP_H_
#define SYNC_AGENT_SYNC_LOOP_H_

#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libplan/rpc/sync_client.h"
#include "libplan/sync/replica.h"
#include "libplan/sync/schedule.h"
#include "prevent/plan/v1/agent_service.pb.h"

namespace sync_agent {

namespace v1 = prevent::plan::v1;

struct SyncLoopOptions {
  // When to sync. Default manual.
  plan::Schedule schedule;
  // continuous: how long each following pull stays open before the next
  // sync. Stop() may wait this long. Default 60 s.
  absl::Duration follow_window = absl::Seconds(60);
  // Waits between failed attempts. Default 1 s doubling to 5 min.
  plan::BackoffOptions backoff;
  // For log lines and GetSyncStatus: this partner's organisation and the
  // plan service's address.
  std::string organisation;
  std::string server;
};

class SyncLoop {
 public:
  // `replica` and `transport` must outlive the loop.
  SyncLoop(plan::Replica* replica, plan::GrpcSyncTransport* transport,
           SyncLoopOptions options);
  SyncLoop(const SyncLoop&) = delete;
  SyncLoop& operator=(const SyncLoop&) = delete;

  // Stops the thread if it runs.
  ~SyncLoop();

  // Starts the background thread (none for a manual schedule). Call once.
  void Start();

  // Stops the background thread and waits for it: a sync or following pull
  // in progress ends first (a following pull at most `follow_window` later).
  void Stop();

  // Runs one sync now (push, then pull) and logs it; `trigger` names the
  // cause in the log ("request", "once"). Waits for a sync in progress. The
  // transport's error when the plan service cannot be reached (UNAVAILABLE,
  // DEADLINE_EXCEEDED), its message naming the server. A success resets the
  // backoff and moves the next scheduled sync to the schedule's next run.
  absl::StatusOr<v1::SyncNowResponse> SyncNow(absl::string_view trigger);

  // How replication stands: the replica's status with the server, the
  // schedule and the next scheduled sync.
  v1::SyncStatus Status() const;

 private:
  // The thread's body.
  void Run();
  // Continuous sync: sync, follow, repeat, until stopped.
  void RunContinuous();
  // One sync, under run_mu_, logged; on failure (when `retry`) schedules the
  // retry with backoff.
  absl::StatusOr<v1::SyncNowResponse> SyncLogged(absl::string_view trigger,
                                                 bool retry);
  // Logs a failed attempt and returns when to retry.
  absl::Time RecordFailure(absl::string_view what, const absl::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Waits until `deadline` or Stop(); true when stopped.
  bool SleepUntil(absl::Time deadline);
  // No SyncNow is under way, or Stop() was called.
  bool MayFollowOrStop() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || sync_now_calls_ == 0;
  }

  plan::Replica* const replica_;
  plan::GrpcSyncTransport* const transport_;
  const SyncLoopOptions options_;

  // Held for each sync and following pull, so the transport is used by one
  // thread at a time.
  absl::Mutex run_mu_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // SyncNow calls under way. A continuous agent starts no following pull
  // meanwhile: one would hold run_mu_ for its whole window, and the thread
  // could take run_mu_ back each time a SyncNow cancels its pull.
  int sync_now_calls_ ABSL_GUARDED_BY(mu_) = 0;
  // When the thread runs its next sync; InfiniteFuture for none.
  absl::Time next_run_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  plan::Backoff backoff_ ABSL_GUARDED_BY(mu_);
  absl::BitGen gen_ ABSL_GUARDED_BY(mu_);

  std::thread thread_;
};

}  // namespace sync_agent

#endif  // SYNC_AGENT_SYNC_LOOP_H_
