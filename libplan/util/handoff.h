// Handoff: a producer hands items one at a time to a consumer running on a
// thread of its own, so that producing the next item overlaps consuming
// this one. Used for snapshot chunks: the service builds chunk k+1 while
// gRPC sends chunk k, and an agent receives chunk k+1 while it writes k.
//
// Items are swapped, not copied: Put() gives the caller back a spent item
// (cleared or not) to fill again, so protobuf messages keep their
// allocations from one item to the next. At most one item waits while
// another is consumed. Items are consumed in order; after the first failed
// consume nothing more is consumed and Put() returns that error.
//
//   Handoff<v1::SnapshotChunk> writer([&](v1::SnapshotChunk& chunk) {
//     return Write(chunk);
//   });
//   v1::SnapshotChunk chunk;
//   while (Fill(&chunk)) RETURN_IF_ERROR(writer.Put(&chunk));
//   RETURN_IF_ERROR(writer.Finish());
//
// Put() and Finish() are for one producer thread. Offer() may be called from
// any thread: it never waits, and coalesces with an item already queued, for
// work that asks "run once more" rather than handing over data:
//
//   Handoff<Nudge> puller([&](Nudge&) { return Pull(); });
//   Nudge nudge;
//   (void)puller.Offer(&nudge);  // a pull after the one under way, if any
#ifndef LIBPLAN_UTIL_HANDOFF_H_
#define LIBPLAN_UTIL_HANDOFF_H_

#include <functional>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace plan {

template <typename T>
class Handoff {
 public:
  using Consume = std::function<absl::Status(T&)>;

  // Starts the consumer thread.
  explicit Handoff(Consume consume)
      : consume_(std::move(consume)), thread_([this] { Run(); }) {}
  Handoff(const Handoff&) = delete;
  Handoff& operator=(const Handoff&) = delete;
  // Finishes (consuming what is queued) if Finish() was not called.
  ~Handoff() { (void)Finish(); }

  // Waits until no item is queued, then swaps `*item` into the queue and
  // returns OK; `*item` is then a spent item to reuse. Returns the first
  // consume error instead (leaving `*item` alone) once one has failed.
  absl::Status Put(T* item) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &Handoff::CanPut));
    if (!status_.ok()) return status_;
    using std::swap;
    swap(queued_, *item);
    has_queued_ = true;
    return absl::OkStatus();
  }

  // Queues `*item` without waiting, to be consumed after the item being
  // consumed (if any), and returns true. Returns false, leaving `*item`
  // alone, when an item already waits to be consumed (the offer joins it),
  // after a failed consume, or after Finish().
  bool Offer(T* item) {
    absl::MutexLock lock(&mu_);
    if (has_queued_ || finished_ || !status_.ok()) return false;
    using std::swap;
    swap(queued_, *item);
    has_queued_ = true;
    return true;
  }

  // Waits until everything put has been consumed, or one consume failed, and
  // stops the consumer. Returns the first consume error. Idempotent.
  absl::Status Finish() {
    {
      absl::MutexLock lock(&mu_);
      finished_ = true;
    }
    if (thread_.joinable()) thread_.join();
    absl::MutexLock lock(&mu_);
    return status_;
  }

 private:
  bool CanPut() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return (!has_queued_ && !consuming_) || !status_.ok();
  }
  bool CanTake() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return has_queued_ || finished_;
  }

  void Run() {
    T current;
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(this, &Handoff::CanTake));
        if (!has_queued_) return;  // finished, and everything consumed
        using std::swap;
        swap(current, queued_);  // the queue gets the spent item back
        has_queued_ = false;
        // Put waits until `current` is consumed, so a Put after a failure
        // sees the failure; Offer may queue one item meanwhile.
        consuming_ = true;
      }
      absl::Status consumed = consume_(current);
      absl::MutexLock lock(&mu_);
      consuming_ = false;
      if (!consumed.ok()) {
        status_ = std::move(consumed);
        return;
      }
    }
  }

  const Consume consume_;
  absl::Mutex mu_;
  T queued_ ABSL_GUARDED_BY(mu_);
  bool has_queued_ ABSL_GUARDED_BY(mu_) = false;  // an item waits
  bool consuming_ ABSL_GUARDED_BY(mu_) = false;   // an item is being consumed
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;  // last: starts once the rest is ready
};

}  // namespace plan

#endif  // LIBPLAN_UTIL_HANDOFF_H_
