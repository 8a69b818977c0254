#include "libplan/sync/replica.h"

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "libplan/model/fields.h"
#include "libplan/service/change_decision.h"
#include "libplan/sync/apply.h"
#include "libplan/util/errors.h"
#include "libplan/util/handoff.h"
#include "libplan/util/log.h"
#include "libplan/util/status_macros.h"
#include "libplan/util/timestamp.h"
#include "prevent/plan/v1/resources.pb.h"

namespace plan {
namespace {

constexpr char kMetaCursor[] = "sync/cursor";
constexpr char kMetaStatus[] = "sync/status";
constexpr char kMetaPlans[] = "sync/plans";
// The service store's epoch as last seen (a serialized StoreEpoch), and the
// highest service sequence this replica knows of (its cursor, or a later one
// of its own accepted changes), for the service to tell whether its store
// went back in time since.
constexpr char kMetaEpoch[] = "sync/epoch";
constexpr char kMetaKnown[] = "sync/known";
// This replica's changes the service accepted, kept for
// ReplicaOptions::keep_accepted to be pushed again if the service's store
// goes back in time: "journal/" + when it was accepted (an HLC value, as a
// sequence key: big-endian) + outbox key -> Change.
constexpr char kJournalPrefix[] = "journal/";
// Set while a recovery from the store going back is under way: a sync after
// a crash finishes it before it pushes anything.
constexpr char kMetaRecovering[] = "sync/recovering";
// A base version no service field has: the merge decides by value alone.
constexpr uint64_t kNoBaseVersion = ~uint64_t{0};
constexpr int kMaxRejectedKept = 100;
// Pushes sent before the answer to the first of them, and per stream.
constexpr int kPushesAhead = 2;
constexpr int kPushesPerRun = 32;

std::string JournalKey(uint64_t accepted_at, absl::string_view outbox_key) {
  return absl::StrCat(kJournalPrefix, SequenceKey(accepted_at), outbox_key);
}

bool WentBack(const absl::Status& status) {
  return ErrorReason(status) == "STORE_WENT_BACK";
}

}  // namespace

namespace replica_internal {

// The pending local changes (the outbox), in the order they were made, held
// in memory: read whole once, then only what local edits added since (outbox
// keys are local sequence numbers, so they only grow), so that a sync of P
// pending changes, which reads the outbox per batch, costs O(P).
//
// It also keeps the answered changes the service logged past the cursor
// until a pull brings them back ("returning"): the replica serves them on
// top of the service's image meanwhile, as it does pending ones. A pull's
// batch may have been read before the service logged such a change (a pull
// runs while later pushes are answered, and a batch may end between two
// changes of one target); served without it, the target would lose an
// accepted edit until the change came back, and for longer if that pull
// failed.
//
// One sync's push committer and pull appliers share one Outbox, so that
// each sees what the others removed. They use it only inside CommitAlone
// bodies, which run one at a time, each after the commits before it are
// written: the store orders them, so it needs no lock of its own. Any other
// use waits until no such thread is running.
class Outbox {
 public:
  struct Entry {
    std::string key;
    v1::Change change;
  };

  // Reads the entries after the last one read.
  absl::Status CatchUp(const ReadView& view) {
    absl::Status failure = absl::OkStatus();
    RETURN_IF_ERROR(view.Scan(
        Cf::kOutbox, "", last_key_,
        [&](absl::string_view key, absl::string_view value) {
          Entry next;
          next.key = std::string(key);
          if (!next.change.ParseFromArray(value.data(),
                                          static_cast<int>(value.size()))) {
            failure = absl::DataLossError("an outbox entry is corrupt");
            return false;
          }
          last_key_ = next.key;  // read, whatever Remove does later
          ++per_target_[next.change.target()];
          entries_.push_back(std::move(next));
          return true;
        }));
    if (!failure.ok()) return failure;  // the next read starts at that entry
    // An entry's key is its change's sequence, written with that sequence,
    // so every entry still to come sorts after the view's last one: the next
    // read starts there, not back among the keys answered entries left
    // deleted (skipping those tombstones cost a pull after a large push a
    // quarter of its time).
    const std::string seen = SequenceKey(view.sequence());
    if (seen > last_key_) last_key_ = seen;
    return absl::OkStatus();
  }

  // What Remove took out.
  struct Removed {
    // The removed entries as runs, each the first and last key of entries
    // next to each other in the outbox: no entry lies between them, so a
    // run can be deleted from the store as one range.
    std::vector<std::pair<std::string, std::string>> runs;
    // The targets of removed entries with nothing returning: no pull will
    // rebase them (what is still pending of them a rebuild re-applies).
    std::set<std::string> settled;
  };

  // Removes the entries answered by the service: `answered` maps each key to
  // the sequence the service logged its change at, when a pull will bring
  // it back (else 0). Those past `pulled`, the cursor, are returning. The
  // answered entries are the outbox's oldest, so the scan stops once it has
  // found every key.
  Removed Remove(const std::map<std::string, uint64_t>& answered,
                 uint64_t pulled) {
    Removed removed;
    std::set<std::string> targets;
    bool in_run = false;
    size_t left = answered.size();
    auto kept = entries_.begin();
    auto it = entries_.begin();
    for (; it != entries_.end() && left > 0; ++it) {
      auto found = answered.find(it->key);
      if (found == answered.end()) {
        in_run = false;
        if (kept != it) *kept = std::move(*it);
        ++kept;
        continue;
      }
      --left;
      if (in_run) {
        removed.runs.back().second = it->key;
      } else {
        removed.runs.emplace_back(it->key, it->key);
        in_run = true;
      }
      targets.insert(it->change.target());
      if (found->second > pulled) {
        // Still counted in per_target_, until PulledUpTo.
        returning_.push_back({found->second, std::move(*it)});
      } else {
        Forget(it->change.target());
      }
    }
    if (kept != it) {
      kept = std::move(it, entries_.end(), kept);
      entries_.erase(kept, entries_.end());
    }
    absl::flat_hash_set<absl::string_view> returning;
    for (const Returning& entry : returning_) {
      returning.insert(entry.entry.change.target());
    }
    for (const std::string& target : targets) {
      if (!returning.contains(target)) removed.settled.insert(target);
    }
    return removed;
  }

  // Forgets the returning changes the pull has brought back: those logged
  // at or before `cursor`.
  void PulledUpTo(uint64_t cursor) {
    returning_.erase(std::remove_if(returning_.begin(), returning_.end(),
                                    [&](const Returning& returning) {
                                      if (returning.sequence > cursor)
                                        return false;
                                      Forget(returning.entry.change.target());
                                      return true;
                                    }),
                     returning_.end());
  }

  // The pending entries, in order.
  const std::vector<Entry>& entries() const { return entries_; }

  // Calls `visit` with every change served on top of the service's image:
  // the returning ones, then the pending ones, in the order they were made
  // (pushes go in order, so every returning change was made before every
  // pending one).
  void ForEachServed(absl::FunctionRef<void(const v1::Change&)> visit) const {
    for (const Returning& returning : returning_) visit(returning.entry.change);
    for (const Entry& entry : entries_) visit(entry.change);
  }

  // True when a change of `target` is pending or returning (in constant
  // time: a pull applied during a long push asks for each change it
  // applies).
  bool Pending(absl::string_view target) const {
    return per_target_.contains(target);
  }

 private:
  struct Returning {
    uint64_t sequence;  // where the service logged it
    Entry entry;
  };

  void Forget(const std::string& target) {
    auto count = per_target_.find(target);
    if (--count->second == 0) per_target_.erase(count);
  }

  std::vector<Entry> entries_;
  std::vector<Returning> returning_;  // in the order they were made
  std::string last_key_;  // "" before the first read: from the start
  // target -> how many of `entries_` and `returning_` change it
  absl::flat_hash_map<std::string, int> per_target_;
};

}  // namespace replica_internal

namespace {

using replica_internal::Outbox;

// The pending changes of each of `targets`, in order.
using PendingByTarget =
    absl::flat_hash_map<absl::string_view, std::vector<const v1::Change*>>;
PendingByTarget PendingOf(const Outbox& outbox,
                          const std::set<std::string>& targets) {
  PendingByTarget by_target;
  outbox.ForEachServed([&](const v1::Change& change) {
    if (targets.count(change.target()) > 0) {
      by_target[change.target()].push_back(&change);
    }
  });
  return by_target;
}

// Rebuilds what the replica serves for each of `targets`: the service's
// image with the pending local changes of that target applied on top, in
// order. A resource the service does not have and no pending change creates
// is removed (a rejected create).
absl::Status Rebase(Transaction& txn, const Outbox& outbox,
                    const std::set<std::string>& targets) {
  if (targets.empty()) return absl::OkStatus();
  const PendingByTarget pending = PendingOf(outbox, targets);
  for (const std::string& target : targets) {
    absl::StatusOr<ResourceName> name = ResourceName::Parse(target);
    if (!name.ok()) continue;
    ASSIGN_OR_RETURN(std::optional<storage::Entity> entity,
                     txn.GetEntity(*name));
    storage::Entity rebuilt = entity.value_or(storage::Entity());
    rebuilt.set_resource(rebuilt.service_resource());
    rebuilt.set_deleted(rebuilt.service_deleted());
    bool exists = rebuilt.service_known();
    if (auto it = pending.find(target); it != pending.end()) {
      for (const v1::Change* change : it->second) {
        if (!exists && change->operation() != v1::Change::CREATE) continue;
        RETURN_IF_ERROR(ApplyPendingChange(*change, &rebuilt));
        exists = true;
      }
    }
    if (exists) {
      txn.PutEntity(*name, rebuilt);
    } else if (entity.has_value()) {
      txn.Delete(Cf::kEntities, EntityKey(*name));
    }
  }
  return absl::OkStatus();
}

std::set<std::string> TargetsOf(const Outbox& outbox) {
  std::set<std::string> targets;
  for (const Outbox::Entry& entry : outbox.entries()) {
    targets.insert(entry.change.target());
  }
  return targets;
}

// What one push's answers change in the replica (see Replica::PushAll).
struct PushAnswers {
  // The answered changes' outbox keys, each with the sequence the service
  // logged it at when a pull will bring it back, else 0 (a refused change,
  // a lost conflict, a value it already had, a plan not pulled).
  std::map<std::string, uint64_t> answered;
  // Journal entries of the accepted changes: key and change.
  std::vector<std::pair<std::string, std::string>> accepted;
  // The highest sequence the service logged an accepted change at, and the
  // epoch it belongs to (a serialized StoreEpoch).
  uint64_t known = 0;
  std::string epoch;
  std::string status_bytes;  // SyncStatus to persist
  bool more = false;         // another push follows in this round
};

// What the service did with `result`'s change: for a DUPLICATE, what it did
// the first time.
v1::ChangeResult::Outcome OutcomeOf(const v1::ChangeResult& result) {
  return result.outcome() == v1::ChangeResult::DUPLICATE
             ? result.first_outcome()
             : result.outcome();
}

// True when a pull failed because the service no longer holds the changes
// after the cursor: only a snapshot brings the replica up to date.
bool CallsForSnapshot(const absl::Status& status) {
  if (WentBack(status)) return false;
  return ErrorReason(status) == "CURSOR_EXPIRED" ||
         (absl::IsFailedPrecondition(status) &&
          absl::StrContains(status.message(), "snapshot"));
}

// Applies a pulled batch and its new cursor in one commit: a crash resumes
// from the last batch applied, never skipping or repeating one. Alone, so
// that the outbox read in it has every local edit before it. Targets with
// local changes pending are rebased on the new image.
absl::Status ApplyPulled(Store& store, const v1::PullResponse& batch,
                         Outbox& outbox, std::string* recorded_epoch) {
  std::vector<ResourceName> names;  // names[i] is batch.changes(i)'s target
  names.reserve(batch.changes_size());
  std::vector<std::pair<Cf, std::string>> keys;
  keys.reserve(batch.changes_size());
  for (const v1::Change& change : batch.changes()) {
    ASSIGN_OR_RETURN(ResourceName name, ResourceName::Parse(change.target()));
    keys.emplace_back(Cf::kEntities, EntityKey(name));
    names.push_back(std::move(name));
  }
  return store.CommitAlone([&](Transaction& txn) -> absl::Status {
    txn.ReadAhead(std::move(keys));  // overlaps the reads with the rest
    RETURN_IF_ERROR(outbox.CatchUp(*store.NewReadView()));
    // The returning changes this batch brings back are in the image now.
    outbox.PulledUpTo(batch.high_water_mark());
    // ApplyServiceChange leaves the service's image as what the replica
    // serves, so only targets with local changes still pending need
    // rebasing.
    std::set<std::string> touched;
    for (int i = 0; i < batch.changes_size(); ++i) {
      const v1::Change& change = batch.changes(i);
      ASSIGN_OR_RETURN(std::optional<storage::Entity> entity,
                       txn.GetEntity(names[i]));
      storage::Entity updated = std::move(entity).value_or(storage::Entity());
      RETURN_IF_ERROR(ApplyServiceChange(change, /*replica=*/true, &updated));
      txn.PutEntity(names[i], std::move(updated));
      if (outbox.Pending(change.target())) touched.insert(change.target());
    }
    RETURN_IF_ERROR(Rebase(txn, outbox, touched));
    txn.Put(Cf::kMeta, kMetaCursor, SequenceKey(batch.high_water_mark()));
    if (batch.has_epoch()) {
      std::string epoch = batch.epoch().SerializeAsString();
      if (epoch != *recorded_epoch) {
        txn.Put(Cf::kMeta, kMetaEpoch, epoch);
        *recorded_epoch = std::move(epoch);
      }
    }
    return absl::OkStatus();
  });
}

// The first step of a recovery from the service's store going back, in one
// commit: the journal's accepted changes back into the outbox (under their
// own keys, so in the order they were made), no cursor, and the recovery
// marked under way. A crash from here on starts again from a snapshot, with
// the edits still queued. What the replica serves stays until the snapshot
// replaces it. Returns how many changes were queued again.
absl::StatusOr<int64_t> RequeueJournal(Store& store,
                                       const std::string& epoch_id) {
  int64_t requeued = 0;
  RETURN_IF_ERROR(store.CommitAlone([&](Transaction& txn) -> absl::Status {
    std::vector<std::pair<std::string, std::string>> entries;
    RETURN_IF_ERROR(store.NewReadView()->Scan(
        Cf::kMeta, kJournalPrefix, "",
        [&](absl::string_view key, absl::string_view value) {
          const size_t prefix = std::string_view(kJournalPrefix).size() + 8;
          if (key.size() > prefix) {
            entries.emplace_back(key.substr(prefix), value);
          }
          return true;
        }));
    for (const auto& [outbox_key, change] : entries) {
      ASSIGN_OR_RETURN(std::optional<std::string> present,
                       txn.Get(Cf::kOutbox, outbox_key));
      if (present.has_value()) continue;
      txn.Put(Cf::kOutbox, outbox_key, change);
      ++requeued;
    }
    txn.Delete(Cf::kMeta, kMetaCursor);
    txn.Delete(Cf::kMeta, kMetaKnown);
    txn.Put(Cf::kMeta, kMetaRecovering, epoch_id);
    return absl::OkStatus();
  }));
  return requeued;
}

// A pending change's base versions meant something in the service's old
// history. Where the field's value is still the change's base, the change
// now bases on the field's version in the new history; elsewhere on none, and
// the service merges by value (a conflict where both changed it).
absl::Status RebaseOnNewHistory(const ReadView& view, v1::Change* change) {
  absl::StatusOr<ResourceName> name = ResourceName::Parse(change->target());
  if (!name.ok()) return absl::OkStatus();
  ASSIGN_OR_RETURN(const std::optional<storage::Entity> entity,
                   view.GetEntity(*name));
  std::unique_ptr<google::protobuf::Message> image = NewResource(name->kind());
  const bool known = entity.has_value() && entity->service_known() &&
                     image->ParseFromString(entity->service_resource());
  if (change->has_seen_sequence()) {
    // The versions the delete saw were numbered by the old history; in the
    // new one they are taken to be the versions this replica now holds.
    uint64_t seen = 0;
    if (known) {
      ASSIGN_OR_RETURN(seen,
                       SeenSequenceOfDelete(*name, *entity, ScanIn(view)));
    }
    change->set_seen_sequence(seen);
  }
  for (v1::FieldChange& field : *change->mutable_fields()) {
    const google::protobuf::FieldDescriptor* descriptor =
        image->GetDescriptor()->FindFieldByName(field.field());
    uint64_t base = kNoBaseVersion;
    if (known && descriptor != nullptr &&
        FieldValueBytes(*image, *descriptor) == field.base()) {
      auto it = entity->field_versions().find(field.field());
      base = it == entity->field_versions().end()
                 ? 0
                 : it->second.service_sequence();
    }
    field.set_base_sequence(base);
  }
  return absl::OkStatus();
}

// The last step of a recovery, in one commit: every pending change rebased
// on the new history (RebaseOnNewHistory), and the recovery marked done.
absl::Status RebaseOutboxOnNewHistory(Store& store) {
  return store.CommitAlone([&](Transaction& txn) -> absl::Status {
    std::unique_ptr<ReadView> view = store.NewReadView();
    std::vector<std::pair<std::string, v1::Change>> pending;
    absl::Status failure = absl::OkStatus();
    RETURN_IF_ERROR(view->Scan(
        Cf::kOutbox, "", "",
        [&](absl::string_view key, absl::string_view value) {
          v1::Change& change = pending.emplace_back(key, v1::Change()).second;
          if (!change.ParseFromArray(value.data(),
                                     static_cast<int>(value.size()))) {
            failure = absl::DataLossError("an outbox entry is corrupt");
          }
          return failure.ok();
        }));
    RETURN_IF_ERROR(failure);
    for (auto& [key, change] : pending) {
      RETURN_IF_ERROR(RebaseOnNewHistory(*view, &change));
      txn.Put(Cf::kOutbox, key, change.SerializeAsString());
    }
    txn.Delete(Cf::kMeta, kMetaRecovering);
    return absl::OkStatus();
  });
}

// Writes a snapshot into the replica chunk by chunk, each in a commit of its
// own; the cursor (when it sets one) only with the last, so a crash part-way
// bootstraps again. With `sweep`, the snapshot is the service's whole state
// for the replica: whatever it does not bring is gone from the service
// (purged, or lost to a restored backup) and leaves the replica with the
// last chunk. Pending local changes are applied on top at the end.
class SnapshotWriter {
 public:
  SnapshotWriter(Store& store, bool set_cursor, bool sweep)
      : store_(store), set_cursor_(set_cursor), sweep_(sweep) {}

  // Writes `chunk`; chunks come in order, one at a time.
  absl::Status Write(const v1::SnapshotChunk& chunk) {
    return store_.CommitAlone([&](Transaction& txn) -> absl::Status {
      RETURN_IF_ERROR(outbox_.CatchUp(*store_.NewReadView()));
      for (const v1::SnapshotRecord& record : chunk.records()) {
        RETURN_IF_ERROR(PutRecord(txn, record));
      }
      if (!chunk.last()) return absl::OkStatus();
      if (sweep_) RETURN_IF_ERROR(SweepWhatWasNotBrought(txn));
      // Pending local changes on top (those the sweep took re-created).
      RETURN_IF_ERROR(Rebase(txn, outbox_, TargetsOf(outbox_)));
      if (set_cursor_) {
        txn.Put(Cf::kMeta, kMetaCursor, SequenceKey(chunk.sequence()));
        txn.Put(Cf::kMeta, kMetaEpoch, chunk.epoch().SerializeAsString());
        txn.Put(Cf::kMeta, kMetaKnown, SequenceKey(chunk.sequence()));
      }
      return absl::OkStatus();
    });
  }

 private:
  absl::Status PutRecord(Transaction& txn, const v1::SnapshotRecord& record) {
    ASSIGN_OR_RETURN(ResourceName name, ResourceName::Parse(record.name()));
    storage::Entity entity;
    entity.set_resource(record.resource());
    entity.set_deleted(record.deleted());
    entity.set_service_known(true);
    entity.set_service_resource(record.resource());
    entity.set_service_deleted(record.deleted());
    for (const auto& [field, seq] : record.field_sequences()) {
      (*entity.mutable_field_versions())[field].set_service_sequence(seq);
    }
    if (sweep_) brought_.insert(EntityKey(name));
    txn.PutEntity(name, std::move(entity));
    return absl::OkStatus();
  }

  absl::Status SweepWhatWasNotBrought(Transaction& txn) {
    std::vector<std::string> gone;
    RETURN_IF_ERROR(store_.NewReadView()->Scan(
        Cf::kEntities, "", "", [&](absl::string_view key, absl::string_view) {
          if (!brought_.contains(key)) gone.emplace_back(key);
          return true;
        }));
    for (const std::string& key : gone) txn.Delete(Cf::kEntities, key);
    return absl::OkStatus();
  }

  Store& store_;
  const bool set_cursor_;
  const bool sweep_;
  Outbox outbox_;
  absl::flat_hash_set<std::string> brought_;  // entity keys, when sweeping
};

// What a pull behind the pushes is handed: only that it should run again.
struct Nudge {};

}  // namespace

// One round of pushes: the changes pending when it starts, in order, at most
// push_batch (and about push_bytes) per push. Pushes go out on runs of one
// stream each, kPushesAhead sent before the answer to the first, so that the
// service merges one while the agent and the network carry the next (a run
// carries at most kPushesPerRun pushes, as a stream has a deadline). Each
// push's answers are committed on a second thread while the next push is on
// its way; a crash in between only repeats pushes, which the service answers
// as DUPLICATE.
//
// Every answered change leaves the outbox, REJECTED included: a change the
// service refuses for good must never block the queue behind it.
class Replica::PushRound {
 public:
  // `after_commit` runs once a push's answers are committed, when more
  // pushes follow in this round. `outbox` is the committer's while Run runs.
  PushRound(Replica& replica, SyncTransport& transport, Outbox& outbox,
            const SeenEpoch& seen, v1::SyncNowResponse* moved,
            std::function<void()> after_commit)
      : replica_(replica),
        transport_(transport),
        outbox_(outbox),
        seen_(seen),
        moved_(moved),
        after_commit_(std::move(after_commit)),
        pending_(outbox.entries()),
        committer_([this](PushAnswers& answers) { return Commit(answers); }) {}

  // Pushes every change of the round and waits until their answers are
  // committed. Returns the first failure of the transport or of a commit;
  // what was committed before it stays, and what was not answered stays
  // pending.
  absl::Status Run() {
    absl::Status pushed = absl::OkStatus();
    while (next_ < pending_.size() && pushed.ok()) {
      sent_in_run_ = 0;
      pushed = transport_.PushRun(
          kPushesAhead,
          [this](v1::PushRequest* request) { return Fill(request); },
          [this](v1::PushRequest& request, v1::PushResponse& response) {
            return Answered(request, response);
          });
      in_flight_.clear();  // a failed run leaves its unanswered pushes pending
    }
    const absl::Status committed = committer_.Finish();
    RETURN_IF_ERROR(pushed);
    return committed;
  }

 private:
  // Fills `request` with the next pending changes. False when nothing is
  // left, or the run has carried its pushes.
  bool Fill(v1::PushRequest* request) {
    if (next_ >= pending_.size() || sent_in_run_++ == kPushesPerRun) {
      return false;
    }
    request->set_replica_id(replica_.store_->replica_id());
    request->set_agent_version(replica_.options_.agent_version);
    *request->mutable_seen_epoch() = seen_.epoch;
    request->set_seen_sequence(seen_.known);
    in_flight_.push_back(next_);  // pending_[next_ + i] is changes(i)
    size_t bytes = 0;
    while (next_ < pending_.size() &&
           request->changes_size() < replica_.options_.push_batch &&
           (bytes < replica_.options_.push_bytes ||
            request->changes_size() == 0)) {
      v1::Change& change = pending_[next_++].change;
      bytes += change.ByteSizeLong();
      *request->add_changes() = std::move(change);
    }
    return true;
  }

  // Takes the answers to the oldest push in flight: counts them, and hands
  // what they change in the replica to the committer.
  absl::Status Answered(const v1::PushRequest& request,
                        const v1::PushResponse& response) {
    const size_t first = in_flight_.front();
    in_flight_.pop_front();
    PushAnswers answers = ReadAnswers(request, response, first);
    answers.status_bytes = replica_.RecordAnswers(request, response, moved_);
    RETURN_IF_ERROR(committer_.Put(&answers));
    if (response.results_size() < request.changes_size()) {
      return absl::InternalError("the service answered only part of a push");
    }
    return absl::OkStatus();
  }

  // What the answers to `request`, whose changes are pending_[first...],
  // change in the replica.
  PushAnswers ReadAnswers(const v1::PushRequest& request,
                          const v1::PushResponse& response,
                          size_t first) const {
    absl::flat_hash_map<absl::string_view, int> sent;  // change id -> index
    for (int i = 0; i < request.changes_size(); ++i) {
      sent[request.changes(i).change_id()] = i;
    }
    PushAnswers answers;
    if (response.has_epoch()) {
      answers.epoch = response.epoch().SerializeAsString();
    }
    // The journal is ordered, and trimmed, by when the service accepted a
    // change, not when it was made (an agent may push an edit made long
    // before).
    const uint64_t accepted_at =
        static_cast<uint64_t>(absl::ToUnixMillis(absl::Now())) << 16;
    for (const v1::ChangeResult& result : response.results()) {
      auto it = sent.find(result.change_id());
      if (it == sent.end()) continue;
      const v1::Change& change = request.changes(it->second);
      const std::string& key = pending_[first + it->second].key;
      const bool accepted = OutcomeOf(result) != v1::ChangeResult::REJECTED;
      if (accepted) {
        answers.accepted.emplace_back(JournalKey(accepted_at, key),
                                      change.SerializeAsString());
        answers.known = std::max(answers.known, result.sequence());
      }
      answers.answered[key] =
          accepted && replica_.Pulled(change.target()) ? result.sequence() : 0;
    }
    answers.more = first + request.changes_size() < pending_.size();
    return answers;
  }

  // In one commit: removes the answered changes from the outbox (a run of
  // neighbours at a time), rebuilds the targets no pull will bring back,
  // persists the status and journals the accepted changes.
  //
  // A change the service logged past the cursor is returning (see Outbox):
  // its target stays served as it is, and the pull that brings it back
  // resets the target to the service's image (rebuilding it now would show
  // the image from before the edit meanwhile). Any other answered target
  // (refused, a lost conflict, nothing to log, a change already pulled, or
  // outside the plans this agent pulls) is rebuilt now from the service's
  // image and what is still pending or returning.
  absl::Status Commit(PushAnswers& answers) {
    Store* const store = replica_.store_;
    RETURN_IF_ERROR(store->CommitAlone([&](Transaction& txn) -> absl::Status {
      // What is still pending: what was, less what the service answered,
      // plus what local edits have added meanwhile.
      RETURN_IF_ERROR(outbox_.CatchUp(*store->NewReadView()));
      ASSIGN_OR_RETURN(std::optional<std::string> cursor,
                       txn.Get(Cf::kMeta, kMetaCursor));
      const Outbox::Removed removed =
          outbox_.Remove(answers.answered,
                         cursor.has_value() ? DecodeSequenceKey(*cursor) : 0);
      for (const auto& [first, last] : removed.runs) {
        txn.DeleteRange(Cf::kOutbox, first,
                        absl::StrCat(last, absl::string_view("\0", 1)));
      }
      RETURN_IF_ERROR(Rebase(txn, outbox_, removed.settled));
      txn.Put(Cf::kMeta, kMetaStatus, answers.status_bytes);
      return replica_.Journal(txn, answers.accepted, answers.known,
                              answers.epoch);
    }));
    if (answers.more) after_commit_();
    return absl::OkStatus();
  }

  Replica& replica_;
  SyncTransport& transport_;
  Outbox& outbox_;
  const SeenEpoch& seen_;
  v1::SyncNowResponse* const moved_;
  const std::function<void()> after_commit_;
  // A copy of the outbox's entries: the committer changes the outbox, and
  // the changes move on into pushes.
  std::vector<Outbox::Entry> pending_;
  size_t next_ = 0;                 // the first pending change not yet sent
  int sent_in_run_ = 0;             // pushes sent on the current stream
  std::deque<size_t> in_flight_;    // where each unanswered push starts
  Handoff<PushAnswers> committer_;  // last: its thread starts at once
};

Replica::Replica(Store* store, HybridClock* clock, ReplicaOptions options)
    : store_(store), clock_(clock), options_(std::move(options)) {
  absl::MutexLock lock(&status_mu_);
  std::unique_ptr<ReadView> view = store_->NewReadView();
  absl::StatusOr<std::optional<std::string>> saved =
      view->Get(Cf::kMeta, kMetaStatus);
  if (saved.ok() && saved->has_value()) {
    status_.ParseFromString(saved->value_or(""));
  }
  status_.set_replica_id(store_->replica_id());
  status_.set_organisation(options_.organisation);
  status_.clear_plans();
  for (const std::string& plan : options_.plans) status_.add_plans(plan);
}

int64_t Replica::pending_changes() const {
  std::unique_ptr<ReadView> view = store_->NewReadView();
  int64_t count = 0;
  (void)view->Scan(Cf::kOutbox, "", "",
                   [&](absl::string_view, absl::string_view) {
                     ++count;
                     return true;
                   });
  return count;
}

v1::SyncStatus Replica::Status() const {
  v1::SyncStatus status;
  {
    absl::MutexLock lock(&status_mu_);
    status = status_;
  }
  status.set_pending_changes(pending_changes());
  std::unique_ptr<ReadView> view = store_->NewReadView();
  absl::StatusOr<std::optional<std::string>> cursor =
      view->Get(Cf::kMeta, kMetaCursor);
  if (cursor.ok() && cursor->has_value()) {
    status.set_cursor(DecodeSequenceKey(cursor->value_or("")));
  }
  int64_t open = 0;
  const auto count_open = [&](absl::string_view, absl::string_view value) {
    storage::Entity entity;
    v1::Conflict conflict;
    if (entity.ParseFromArray(value.data(), static_cast<int>(value.size())) &&
        conflict.ParseFromString(entity.resource()) &&
        conflict.state() == v1::Conflict::OPEN) {
      ++open;
    }
    return true;
  };
  // The organisations' conflicts, then those of each plan.
  (void)view->Scan(Cf::kEntities,
                   EntityKeyPrefix(Kind::kOrganisationConflict, ""), "",
                   count_open);
  for (const std::string& plan : options_.plans) {
    (void)view->Scan(Cf::kEntities,
                     EntityKeyPrefix(Kind::kConflict, absl::StrCat(plan, "/")),
                     "", count_open);
  }
  status.set_open_conflicts(open);
  return status;
}

bool Replica::Pulled(const std::string& target) const {
  absl::StatusOr<ResourceName> name = ResourceName::Parse(target);
  if (!name.ok()) return false;
  const std::string plan = name->Plan();
  return plan.empty() || std::find(options_.plans.begin(), options_.plans.end(),
                                   plan) != options_.plans.end();
}

void Replica::RecordAttempt(const absl::Status& status) {
  absl::MutexLock lock(&status_mu_);
  const absl::Time now = absl::Now();
  *status_.mutable_last_attempt() = ToTimestamp(now);
  if (status.ok()) {
    *status_.mutable_last_success() = ToTimestamp(now);
    status_.clear_last_error();
  } else {
    status_.set_last_error(std::string(status.message()));
  }
  const std::string bytes = status_.SerializeAsString();
  (void)store_->Commit([&](Transaction& txn) {
    txn.Put(Cf::kMeta, kMetaStatus, bytes);
    return absl::OkStatus();
  });
}

absl::StatusOr<Replica::Scope> Replica::ReadScope(const ReadView& view) const {
  Scope scope;
  ASSIGN_OR_RETURN(std::optional<std::string> cursor,
                   view.Get(Cf::kMeta, kMetaCursor));
  scope.has_cursor = cursor.has_value();
  ASSIGN_OR_RETURN(scope.saved, view.Get(Cf::kMeta, kMetaPlans));
  scope.plans = {options_.plans.begin(), options_.plans.end()};
  scope.now = absl::StrJoin(scope.plans, ",");
  return scope;
}

absl::StatusOr<bool> Replica::Settled() const {
  ASSIGN_OR_RETURN(const Scope scope, ReadScope(*store_->NewReadView()));
  return scope.has_cursor && scope.saved == scope.now;
}

absl::StatusOr<v1::SyncNowResponse> Replica::Sync(SyncTransport& transport) {
  absl::MutexLock lock(&sync_mu_);
  v1::SyncNowResponse moved;
  absl::Status status;
  // A recovery a crash interrupted is finished first.
  absl::StatusOr<std::optional<std::string>> recovering =
      store_->NewReadView()->Get(Cf::kMeta, kMetaRecovering);
  status = recovering.status();
  if (status.ok() && recovering->has_value()) {
    status = RecoverFromStoreGoingBack(transport, &moved);
  }
  for (bool recovered = false; status.ok(); recovered = true) {
    Outbox outbox;
    absl::StatusOr<bool> settled = Settled();
    status = settled.status();
    if (status.ok()) status = PushAll(transport, outbox, *settled, &moved);
    if (status.ok()) status = Resubscribe(transport, &moved);
    if (status.ok()) {
      status = PullAll(transport, PullMode::kCatchUp, outbox, &moved);
    }
    if (recovered || !WentBack(status)) break;
    // The service's store went back in time: start again from a snapshot,
    // with this replica's accepted edits queued to be pushed again.
    status = RecoverFromStoreGoingBack(transport, &moved);
    if (!status.ok()) break;
  }
  RecordAttempt(status);
  if (!status.ok()) return status;
  return moved;
}

absl::Status Replica::Follow(SyncTransport& transport,
                             absl::Duration duration) {
  absl::MutexLock lock(&sync_mu_);
  v1::SyncNowResponse moved;
  Outbox outbox;
  transport.set_follow_deadline(absl::Now() + duration);
  absl::Status status = PullAll(transport, PullMode::kFollow, outbox, &moved);
  // The stream ending at its deadline is how a follow normally ends.
  if (absl::IsDeadlineExceeded(status)) status = absl::OkStatus();
  return status;
}

absl::Status Replica::PushAll(SyncTransport& transport, Outbox& outbox,
                              bool pull_behind, v1::SyncNowResponse* moved) {
  RETURN_IF_ERROR(outbox.CatchUp(*store_->NewReadView()));
  ASSIGN_OR_RETURN(const SeenEpoch seen, ReadSeenEpoch(*store_->NewReadView()));
  v1::SyncNowResponse
      pulled_behind;  // what the pulls behind the pushes brought
  while (!outbox.entries().empty()) {
    // With more than one push to make, each push's answers, once committed,
    // start a pull on a third thread, so that the changes it logged come
    // back while the next pushes go on, rather than all waiting for the last.
    // Only when the replica is settled: such a pull never bootstraps, nor
    // pulls for plans a change of subscription has yet to bring in. A failed
    // pull is left to the pull after the pushes, which every sync makes.
    std::optional<Handoff<Nudge>> puller;
    if (pull_behind) {
      puller.emplace([&](Nudge&) {
        return PullAll(transport, PullMode::kBehindPush, outbox,
                       &pulled_behind);
      });
    }
    PushRound round(*this, transport, outbox, seen, moved, [&] {
      Nudge nudge;
      if (puller.has_value()) (void)puller->Offer(&nudge);
    });
    const absl::Status pushed = round.Run();
    if (puller.has_value()) {
      if (absl::Status behind = puller->Finish(); !behind.ok()) {
        PLAN_LOG(WARNING) << "sync organisation=" << options_.organisation
                          << " pull during the push failed, after "
                          << pulled_behind.pulled()
                          << " changes (the pull after it retries): " << behind;
      }
    }
    RETURN_IF_ERROR(pushed);
  }
  moved->set_pulled(moved->pulled() + pulled_behind.pulled());
  return absl::OkStatus();
}

std::string Replica::RecordAnswers(const v1::PushRequest& request,
                                   const v1::PushResponse& response,
                                   v1::SyncNowResponse* moved) {
  if (response.service_hlc() != 0) {
    const int64_t offset = HybridClock::PhysicalMillis(response.service_hlc()) -
                           HybridClock::SystemMillis();
    (void)clock_->Observe(response.service_hlc());
    absl::MutexLock lock(&status_mu_);
    status_.set_clock_offset_ms(offset);
  }
  std::vector<v1::RejectedChange> rejected;
  for (const v1::ChangeResult& result : response.results()) {
    moved->set_pushed(moved->pushed() + 1);
    if (result.outcome() == v1::ChangeResult::DUPLICATE) {
      moved->set_duplicates(moved->duplicates() + 1);
    }
    switch (OutcomeOf(result)) {
      case v1::ChangeResult::APPLIED:
        moved->set_applied(moved->applied() + 1);
        break;
      case v1::ChangeResult::MERGED:
        moved->set_merged(moved->merged() + 1);
        break;
      case v1::ChangeResult::CONFLICT:
        moved->set_conflicts(moved->conflicts() + 1);
        break;
      case v1::ChangeResult::REJECTED: {
        moved->set_rejected(moved->rejected() + 1);
        v1::RejectedChange& r = rejected.emplace_back();
        r.set_change_id(result.change_id());
        r.set_reason(result.reason());
        *r.mutable_time() = ToTimestamp(absl::Now());
        for (const v1::Change& change : request.changes()) {
          if (change.change_id() == result.change_id()) {
            r.set_target(change.target());
          }
        }
        PLAN_LOG(WARNING) << "sync rejected organisation="
                          << options_.organisation
                          << " change=" << result.change_id()
                          << " target=" << r.target() << ": "
                          << result.reason();
        break;
      }
      default:
        break;
    }
  }
  absl::MutexLock lock(&status_mu_);
  for (v1::RejectedChange& r : rejected) *status_.add_rejected() = std::move(r);
  while (status_.rejected_size() > kMaxRejectedKept) {
    status_.mutable_rejected()->DeleteSubrange(0, 1);
  }
  return status_.SerializeAsString();
}

v1::PullRequest Replica::PullRequestFor(uint64_t cursor, const SeenEpoch& seen,
                                        PullMode mode) const {
  v1::PullRequest request;
  request.set_replica_id(store_->replica_id());
  request.set_agent_version(options_.agent_version);
  request.set_since(cursor);
  *request.mutable_seen_epoch() = seen.epoch;
  request.set_seen_sequence(seen.known);
  for (const std::string& plan : options_.plans) request.add_plans(plan);
  request.set_batch_size(options_.pull_batch);
  request.set_follow(mode == PullMode::kFollow);
  return request;
}

absl::Status Replica::PullAll(SyncTransport& transport, PullMode mode,
                              Outbox& outbox, v1::SyncNowResponse* moved) {
  std::unique_ptr<ReadView> view = store_->NewReadView();
  ASSIGN_OR_RETURN(std::optional<std::string> cursor_bytes,
                   view->Get(Cf::kMeta, kMetaCursor));
  const bool may_bootstrap = mode != PullMode::kBehindPush;
  if (!cursor_bytes.has_value()) {
    if (!may_bootstrap) return absl::FailedPreconditionError("no cursor");
    return Bootstrap(transport, moved);
  }
  uint64_t cursor = DecodeSequenceKey(*cursor_bytes);
  ASSIGN_OR_RETURN(const SeenEpoch seen, ReadSeenEpoch(*view));
  std::string recorded_epoch = seen.epoch.SerializeAsString();
  // Each batch is applied on a second thread while this one receives the
  // next; `cursor` and `moved` are the applier's until it finishes.
  Handoff<v1::PullResponse> applier(
      [&](v1::PullResponse& batch) -> absl::Status {
        RETURN_IF_ERROR(ApplyPulled(*store_, batch, outbox, &recorded_epoch));
        cursor = batch.high_water_mark();
        moved->set_pulled(moved->pulled() + batch.changes_size());
        moved->set_cursor(cursor);
        absl::MutexLock lock(&status_mu_);
        status_.set_service_sequence(cursor);
        return absl::OkStatus();
      });
  absl::Status status = transport.Pull(
      PullRequestFor(cursor, seen, mode),
      [&](v1::PullResponse* batch) { return applier.Put(batch); });
  // The applier's error, when it stopped the stream, explains it best; a
  // batch received before the stream broke is still applied.
  if (absl::Status applied = applier.Finish(); !applied.ok()) return applied;
  moved->set_cursor(cursor);
  if (may_bootstrap && CallsForSnapshot(status)) {
    PLAN_LOG(INFO) << "sync organisation=" << options_.organisation
                   << " cursor=" << cursor
                   << " is past the service's horizon; taking a snapshot";
    return Bootstrap(transport, moved);
  }
  return status;
}

absl::Status Replica::Resubscribe(SyncTransport& transport,
                                  v1::SyncNowResponse* moved) {
  std::unique_ptr<ReadView> view = store_->NewReadView();
  ASSIGN_OR_RETURN(const Scope scope, ReadScope(*view));
  const std::optional<std::string>& saved = scope.saved;
  const std::string& joined = scope.now;
  if (!scope.has_cursor || !saved.has_value()) {
    // A new replica bootstraps every plan; an older one recorded none.
    return store_->Commit([&](Transaction& txn) {
      txn.Put(Cf::kMeta, kMetaPlans, joined);
      return absl::OkStatus();
    });
  }
  if (*saved == joined) return absl::OkStatus();
  const std::set<std::string>& now = scope.plans;
  const std::vector<std::string> before_list =
      absl::StrSplit(*saved, ',', absl::SkipEmpty());
  const std::set<std::string> before(before_list.begin(), before_list.end());
  std::vector<std::string> added, removed;
  for (const std::string& plan : now) {
    if (before.count(plan) == 0) added.push_back(plan);
  }
  for (const std::string& plan : before) {
    if (now.count(plan) == 0) removed.push_back(plan);
  }
  // Plans that leave the scope leave the replica; those that enter it come
  // as a snapshot of just them, and the cursor carries on (it never
  // restarts from zero).
  std::vector<std::string> gone;
  for (const std::string& plan : removed) {
    const ResourceName plan_name = *ResourceName::Parse(plan);
    gone.push_back(EntityKey(plan_name));
    for (Kind kind : kReplicatedKinds) {
      if (IsPlanless(kind) || kind == Kind::kPlan) continue;
      RETURN_IF_ERROR(view->Scan(
          Cf::kEntities, EntityKeyPrefix(kind, absl::StrCat(plan, "/")), "",
          [&](absl::string_view key, absl::string_view) {
            gone.emplace_back(key);
            return true;
          }));
    }
  }
  RETURN_IF_ERROR(store_->Commit([&](Transaction& txn) {
    for (const std::string& key : gone) txn.Delete(Cf::kEntities, key);
    return absl::OkStatus();
  }));
  if (!added.empty()) {
    RETURN_IF_ERROR(Bootstrap(transport, added, /*set_cursor=*/false, moved));
  }
  PLAN_LOG(INFO) << "subscription changed organisation="
                 << options_.organisation
                 << " added=" << absl::StrJoin(added, ",")
                 << " removed=" << absl::StrJoin(removed, ",")
                 << " records_removed=" << gone.size();
  return store_->Commit([&](Transaction& txn) {
    txn.Put(Cf::kMeta, kMetaPlans, joined);
    return absl::OkStatus();
  });
}

absl::StatusOr<Replica::SeenEpoch> Replica::ReadSeenEpoch(
    const ReadView& view) const {
  SeenEpoch seen;
  ASSIGN_OR_RETURN(std::optional<std::string> epoch,
                   view.Get(Cf::kMeta, kMetaEpoch));
  if (epoch.has_value() && !seen.epoch.ParseFromString(*epoch)) {
    return absl::DataLossError("the recorded service epoch is corrupt");
  }
  for (const char* key : {kMetaKnown, kMetaCursor}) {
    ASSIGN_OR_RETURN(std::optional<std::string> sequence,
                     view.Get(Cf::kMeta, key));
    if (sequence.has_value()) {
      seen.known = std::max(seen.known, DecodeSequenceKey(*sequence));
    }
  }
  return seen;
}

absl::Status Replica::Journal(
    Transaction& txn,
    const std::vector<std::pair<std::string, std::string>>& accepted,
    uint64_t known, const std::string& epoch) {
  // The epoch of the process that answered, with what it told: a restart
  // of the service since the last pull must not look like going back.
  if (!epoch.empty()) txn.Put(Cf::kMeta, kMetaEpoch, epoch);
  // What was accepted longer ago than the journal keeps leaves it, as one
  // range, at most hourly (each range is a tombstone `meta` reads pass),
  // and before this push's entries go in.
  const absl::Time now = absl::Now();
  if (const int64_t last = journal_trimmed_ms_.load();
      absl::FromUnixMillis(last) + absl::Hours(1) <= now) {
    journal_trimmed_ms_.store(absl::ToUnixMillis(now));
    const uint64_t cutoff =
        static_cast<uint64_t>(std::max<int64_t>(
            absl::ToUnixMillis(now - options_.keep_accepted), 0))
        << 16;
    txn.DeleteRange(Cf::kMeta, kJournalPrefix,
                    absl::StrCat(kJournalPrefix, SequenceKey(cutoff)));
  }
  for (const auto& [key, change] : accepted) {
    txn.Put(Cf::kMeta, key, change);
  }
  if (known > 0) {
    ASSIGN_OR_RETURN(std::optional<std::string> before,
                     txn.Get(Cf::kMeta, kMetaKnown));
    if (!before.has_value() || DecodeSequenceKey(*before) < known) {
      txn.Put(Cf::kMeta, kMetaKnown, SequenceKey(known));
    }
  }
  return absl::OkStatus();
}

absl::Status Replica::RecoverFromStoreGoingBack(SyncTransport& transport,
                                                v1::SyncNowResponse* moved) {
  ASSIGN_OR_RETURN(const SeenEpoch before,
                   ReadSeenEpoch(*store_->NewReadView()));
  ASSIGN_OR_RETURN(const int64_t requeued,
                   RequeueJournal(*store_, before.epoch.id()));
  PLAN_LOG(WARNING) << "sync organisation=" << options_.organisation
                    << " the service's store went back in time (epoch "
                    << before.epoch.id() << " at sequence " << before.known
                    << "): taking a snapshot; accepted edits to push again="
                    << requeued;
  RETURN_IF_ERROR(Bootstrap(transport, moved));  // the service as it is now
  RETURN_IF_ERROR(RebaseOutboxOnNewHistory(*store_));
  ASSIGN_OR_RETURN(const SeenEpoch after,
                   ReadSeenEpoch(*store_->NewReadView()));
  v1::StoreRecovery recovery;
  *recovery.mutable_time() = ToTimestamp(absl::Now());
  recovery.set_old_epoch(before.epoch.id());
  recovery.set_new_epoch(after.epoch.id());
  recovery.set_repushed(requeued);
  std::string status_bytes;
  {
    absl::MutexLock lock(&status_mu_);
    *status_.mutable_last_store_recovery() = recovery;
    status_bytes = status_.SerializeAsString();
  }
  RETURN_IF_ERROR(store_->Commit([&](Transaction& txn) {
    txn.Put(Cf::kMeta, kMetaStatus, status_bytes);
    return absl::OkStatus();
  }));
  PLAN_LOG(INFO) << "sync organisation=" << options_.organisation
                 << " recovered from the service's store going back: epoch "
                 << before.epoch.id() << " -> " << after.epoch.id()
                 << " cursor=" << after.known << " repush=" << requeued;
  return absl::OkStatus();
}

absl::Status Replica::Bootstrap(SyncTransport& transport,
                                v1::SyncNowResponse* moved) {
  return Bootstrap(transport, options_.plans, /*set_cursor=*/true, moved);
}

absl::Status Replica::Bootstrap(SyncTransport& transport,
                                const std::vector<std::string>& plans,
                                bool set_cursor, v1::SyncNowResponse* moved) {
  v1::GetSnapshotRequest request;
  request.set_replica_id(store_->replica_id());
  request.set_agent_version(options_.agent_version);
  request.set_added_plans(!set_cursor);
  for (const std::string& plan : plans) request.add_plans(plan);
  // A new replica holds nothing and skips the sweep.
  bool sweep = false;
  if (set_cursor) {
    RETURN_IF_ERROR(store_->NewReadView()->Scan(
        Cf::kEntities, "", "", [&](absl::string_view, absl::string_view) {
          sweep = true;
          return false;
        }));
  }
  SnapshotWriter snapshot(*store_, set_cursor, sweep);
  // Each chunk is written on a second thread while this one receives and
  // parses the next.
  Handoff<v1::SnapshotChunk> writer(
      [&](v1::SnapshotChunk& chunk) { return snapshot.Write(chunk); });
  uint64_t sequence = 0;
  int64_t records = 0;
  absl::Status received = transport.GetSnapshot(
      request, [&](v1::SnapshotChunk* chunk) -> absl::Status {
        records += chunk->records_size();
        if (chunk->last()) sequence = chunk->sequence();
        return writer.Put(chunk);
      });
  // The writer's error, when it stopped the stream, explains it best.
  if (absl::Status written = writer.Finish(); !written.ok()) return written;
  RETURN_IF_ERROR(received);
  store_->FlushInBackground();
  moved->set_snapshot(true);
  moved->set_pulled(moved->pulled() + static_cast<int32_t>(records));
  if (!set_cursor) return absl::OkStatus();
  moved->set_cursor(sequence);
  {
    absl::MutexLock lock(&status_mu_);
    status_.set_service_sequence(sequence);
  }
  PLAN_LOG(INFO) << "snapshot organisation=" << options_.organisation
                 << " records=" << records << " cursor=" << sequence;
  return absl::OkStatus();
}

}  // namespace plan
