#include "sync-agent/sync_loop.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "libplan/util/log.h"

namespace sync_agent {
namespace {

using plan::Schedule;

void SetTimestamp(absl::Time time, google::protobuf::Timestamp* out) {
  const int64_t nanos = absl::ToUnixNanos(time);
  out->set_seconds(nanos / 1000000000);
  out->set_nanos(static_cast<int32_t>(nanos % 1000000000));
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) +
         absl::Nanoseconds(timestamp.nanos());
}

std::string FormatLogTime(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", time, absl::UTCTimeZone());
}

bool NothingMoved(const v1::SyncNowResponse& moved) {
  return moved.pushed() == 0 && moved.pulled() == 0 && !moved.snapshot();
}

}  // namespace

SyncLoop::SyncLoop(plan::Replica* replica, plan::GrpcSyncTransport* transport,
                   SyncLoopOptions options)
    : replica_(replica),
      transport_(transport),
      options_(std::move(options)),
      backoff_(options_.backoff) {}

SyncLoop::~SyncLoop() { Stop(); }

void SyncLoop::Start() {
  if (options_.schedule.mode == Schedule::Mode::kManual) return;
  thread_ = std::thread([this] { Run(); });
}

void SyncLoop::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  transport_->CancelFollow();
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<v1::SyncNowResponse> SyncLoop::SyncNow(
    absl::string_view trigger) {
  {
    absl::MutexLock lock(&mu_);
    ++sync_now_calls_;
  }
  // A continuous agent's open pull would hold the sync lock for its whole
  // window: end it; the loop opens another once this sync is done.
  transport_->CancelFollow();
  absl::StatusOr<v1::SyncNowResponse> moved =
      SyncLogged(trigger, /*retry=*/false);
  absl::MutexLock lock(&mu_);
  --sync_now_calls_;
  return moved;
}

v1::SyncStatus SyncLoop::Status() const {
  v1::SyncStatus status = replica_->Status();
  status.set_pending_changes(replica_->pending_changes());
  status.set_server(options_.server);
  status.set_schedule(plan::FormatSchedule(options_.schedule));
  absl::MutexLock lock(&mu_);
  const bool following =
      options_.schedule.mode == Schedule::Mode::kContinuous &&
      backoff_.failures() == 0;
  if (next_run_ != absl::InfiniteFuture() && !following) {
    SetTimestamp(next_run_, status.mutable_next_sync());
  }
  return status;
}

absl::StatusOr<v1::SyncNowResponse> SyncLoop::SyncLogged(
    absl::string_view trigger, bool retry) {
  absl::MutexLock run(&run_mu_);
  const absl::Time start = absl::Now();
  absl::StatusOr<v1::SyncNowResponse> moved = replica_->Sync(*transport_);
  const absl::Time end = absl::Now();
  absl::MutexLock lock(&mu_);
  if (moved.ok()) {
    backoff_.Reset();
    next_run_ = plan::NextRun(options_.schedule, end, gen_);
    // A continuous agent syncs after every following pull; only the syncs
    // that moved something are events.
    if (trigger != "continuous" || !NothingMoved(*moved)) {
      PLAN_LOG(INFO) << "sync organisation=" << options_.organisation
                     << " trigger=" << trigger << " pushed=" << moved->pushed()
                     << " applied=" << moved->applied()
                     << " merged=" << moved->merged()
                     << " conflicts=" << moved->conflicts()
                     << " rejected=" << moved->rejected()
                     << " duplicates=" << moved->duplicates()
                     << " pulled=" << moved->pulled()
                     << " snapshot=" << (moved->snapshot() ? "true" : "false")
                     << " cursor=" << moved->cursor()
                     << " ms=" << absl::ToInt64Milliseconds(end - start);
    }
    return moved;
  }
  absl::Status error(moved.status().code(),
                     absl::StrCat("sync with plan service ", options_.server,
                                  " failed: ", moved.status().message()));
  // Keep the error's details (its ErrorInfo reason) for the caller.
  moved.status().ForEachPayload(
      [&](absl::string_view type_url, const absl::Cord& payload) {
        error.SetPayload(type_url, payload);
      });
  if (retry) {
    next_run_ =
        RecordFailure(absl::StrCat("sync trigger=", trigger), moved.status());
  } else {
    PLAN_LOG(WARNING) << "sync failed organisation=" << options_.organisation
                      << " trigger=" << trigger << " server=" << options_.server
                      << " error=\"" << absl::StatusCodeToString(error.code())
                      << ": " << moved.status().message() << "\"";
  }
  return error;
}

absl::Time SyncLoop::RecordFailure(absl::string_view what,
                                   const absl::Status& status) {
  const absl::Duration wait = backoff_.NextFailure(gen_);
  const absl::Time retry = absl::Now() + wait;
  PLAN_LOG(WARNING) << what << " failed organisation=" << options_.organisation
                    << " server=" << options_.server
                    << " failures=" << backoff_.failures() << " retry_in="
                    << absl::FormatDuration(
                           absl::Trunc(wait, absl::Milliseconds(1)))
                    << " retry_at=" << FormatLogTime(retry) << " error=\""
                    << absl::StatusCodeToString(status.code()) << ": "
                    << status.message() << "\"";
  return retry;
}

bool SyncLoop::SleepUntil(absl::Time deadline) {
  mu_.LockWhenWithDeadline(absl::Condition(&stopping_), deadline);
  const bool stopped = stopping_;
  mu_.Unlock();
  return stopped;
}

void SyncLoop::Run() {
  // The first sync: at once when the replica is behind its schedule.
  const absl::Time now = absl::Now();
  const v1::SyncStatus status = replica_->Status();
  absl::Time first = now;
  if (status.has_last_success()) {
    const absl::Time last = FromTimestamp(status.last_success());
    if (options_.schedule.mode == Schedule::Mode::kEvery) {
      first = std::max(now, last + options_.schedule.interval);
    } else if (options_.schedule.mode == Schedule::Mode::kNightly) {
      absl::MutexLock lock(&mu_);
      first = plan::NextRun(options_.schedule, now, gen_);
    }
  }
  {
    absl::MutexLock lock(&mu_);
    next_run_ = first;
  }
  PLAN_LOG(INFO) << "sync schedule organisation=" << options_.organisation
                 << " schedule=" << plan::FormatSchedule(options_.schedule)
                 << " first=" << FormatLogTime(first);
  if (options_.schedule.mode == Schedule::Mode::kContinuous) {
    RunContinuous();
    return;
  }
  while (true) {
    absl::Time next;
    {
      absl::MutexLock lock(&mu_);
      next = next_run_;
    }
    if (SleepUntil(next)) return;
    {
      // A SyncNow meanwhile may have moved the next run.
      absl::MutexLock lock(&mu_);
      if (absl::Now() < next_run_) continue;
    }
    (void)SyncLogged("schedule", /*retry=*/true);
  }
}

void SyncLoop::RunContinuous() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    if (!SyncLogged("continuous", /*retry=*/true).ok()) {
      absl::Time retry;
      {
        absl::MutexLock lock(&mu_);
        retry = next_run_;
      }
      if (SleepUntil(retry)) return;
      continue;
    }
    {
      // After any SyncNow under way (see sync_now_calls_). One that starts
      // after this check cancels the pull at its start instead.
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &SyncLoop::MayFollowOrStop));
      if (stopping_) return;
    }
    const uint64_t before = replica_->Status().cursor();
    const absl::Time start = absl::Now();
    absl::Status followed;
    {
      absl::MutexLock run(&run_mu_);
      transport_->set_follow_deadline(start + options_.follow_window);
      followed = replica_->Follow(*transport_, options_.follow_window);
    }
    // A following pull that ran its whole window and ended on its deadline
    // has done its job.
    if (absl::IsDeadlineExceeded(followed) &&
        absl::Now() - start >= options_.follow_window - absl::Seconds(1)) {
      followed = absl::OkStatus();
    }
    // Cancelled by SyncNow or Stop: not a failure.
    if (absl::IsCancelled(followed)) followed = absl::OkStatus();
    if (!followed.ok()) {
      absl::Time retry;
      {
        absl::MutexLock lock(&mu_);
        retry = RecordFailure("follow", followed);
        next_run_ = retry;
      }
      if (SleepUntil(retry)) return;
      continue;
    }
    const uint64_t after = replica_->Status().cursor();
    if (after != before) {
      PLAN_LOG(INFO) << "follow organisation=" << options_.organisation
                     << " cursor=" << after << " previous=" << before << " ms="
                     << absl::ToInt64Milliseconds(absl::Now() - start);
    }
  }
}

}  // namespace sync_agent
