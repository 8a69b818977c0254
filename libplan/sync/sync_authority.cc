#include "libplan/sync/sync_authority.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libplan/model/fields.h"
#include "libplan/service/change_decision.h"
#include "libplan/storage/snapshot_record.h"
#include "libplan/sync/apply.h"
#include "libplan/util/check.h"
#include "libplan/util/errors.h"
#include "libplan/util/log.h"
#include "libplan/util/sha256.h"
#include "libplan/util/status_macros.h"
#include "libplan/util/timestamp.h"
#include "libplan/util/utf8.h"
#include "prevent/plan/v1/resources.pb.h"

namespace plan {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

constexpr int kMaxPushChanges = 1000;
// Bounds on what a replica sends, so that what the service stores for it
// (cursors, answers) cannot grow with the request.
constexpr size_t kMaxReplicaIdBytes = 64;
constexpr size_t kMaxChangeIdBytes = 128;
constexpr int kMaxPlansPerReplica = 1000;
// A rejection's reason is stored with the answer: a short one, never the
// value that was refused.
constexpr size_t kMaxRejectionBytes = 512;

// Adds a violation when `id` is not a replica id: 1-64 bytes of letters,
// digits, '.', '_' and '-'.
void CheckReplicaId(absl::string_view id, FieldViolations* violations) {
  if (id.empty()) {
    violations->Add("replica_id", "is required");
    return;
  }
  if (id.size() > kMaxReplicaIdBytes) {
    violations->Add("replica_id", absl::StrCat("is longer than ",
                                               kMaxReplicaIdBytes, " bytes"));
    return;
  }
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' &&
        c != '_' && c != '-') {
      violations->Add("replica_id",
                      "must be letters, digits, '.', '_' and '-' only");
      return;
    }
  }
}

// Adds violations for the plans a replica asks for.
void CheckPlans(const google::protobuf::RepeatedPtrField<std::string>& plans,
                FieldViolations* violations) {
  if (plans.size() > kMaxPlansPerReplica) {
    violations->Add("plans",
                    absl::StrCat("at most ", kMaxPlansPerReplica, " plans"));
    return;
  }
  for (int i = 0; i < plans.size(); ++i) {
    if (!ResourceName::ParseAs(Kind::kPlan, plans[i]).ok()) {
      violations->Add(absl::StrCat("plans[", i, "]"),
                      absl::StrCat("\"", plans[i], "\" is not a plan"));
    }
  }
}
constexpr int kSnapshotChunkRecords = 500;
constexpr char kMetaHorizon[] = "horizon";
// "replica_activity/<replica id>" -> its storage::ReplicaActivity.
constexpr char kMetaActivityPrefix[] = "replica_activity/";
// ListReplicas counts at most this many changes a replica lacks.
constexpr uint64_t kMaxCountedLag = 100000;
// Texts a replica's record keeps are cut to this many characters.
constexpr size_t kMaxRecordedText = 200;
// "replica/<replica id>" -> the organisation that owns the replica id.
constexpr char kMetaReplicaPrefix[] = "replica/";
// "replica_count/<organisation>" -> how many replica ids it has registered.
constexpr char kMetaReplicaCountPrefix[] = "replica_count/";

// `text` as a replica's record keeps it: cut to kMaxRecordedText
// characters, and printable (it is shown to operators as it is, and a
// partner chooses part of it): control characters become spaces, and text
// that is not UTF-8 is dropped.
std::string Recordable(absl::string_view text) {
  std::string kept(Utf8Prefix(text, kMaxRecordedText));
  if (!IsUtf8(kept)) return "";
  for (char& c : kept) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return kept;
}

// The agent version a request names, as a record keeps it.
std::string AgentVersion(absl::string_view claimed) {
  return Recordable(claimed);
}

// The logged CREATE of `conflict` (its name set) at `hlc`.
v1::Change ConflictCreate(const v1::Conflict& conflict, uint64_t hlc,
                          const std::string& replica_id) {
  v1::Change change;
  change.set_replica_id(replica_id);
  change.set_hlc(hlc);
  change.set_target(conflict.name());
  change.set_operation(v1::Change::CREATE);
  change.set_plan(ResourceName::Parse(conflict.name())->Plan());
  for (const FieldDescriptor* field : DataFields(*v1::Conflict::descriptor())) {
    if (!HasValue(conflict, *field)) continue;
    v1::FieldChange* out = change.add_fields();
    out->set_field(field->name());
    out->set_value(FieldValueBytes(conflict, *field));
  }
  return change;
}

// The logged UPDATE of the open conflict `conflict` names to the candidates
// `conflict` holds, at `hlc`.
v1::Change ConflictUpdate(const v1::Conflict& conflict, uint64_t hlc,
                          const std::string& replica_id) {
  v1::Change change;
  change.set_replica_id(replica_id);
  change.set_hlc(hlc);
  change.set_target(conflict.name());
  change.set_operation(v1::Change::UPDATE);
  change.set_plan(ResourceName::Parse(conflict.name())->Plan());
  v1::FieldChange* field = change.add_fields();
  field->set_field("candidates");
  v1::Conflict value;
  *value.mutable_candidates() = conflict.candidates();
  field->set_value(value.SerializeAsString());
  return change;
}

// Whether `a` and `b` hold the same candidates, in the same order.
bool SameCandidates(const v1::Conflict& a, const v1::Conflict& b) {
  return std::equal(
      a.candidates().begin(), a.candidates().end(), b.candidates().begin(),
      b.candidates().end(),
      [](const v1::Conflict::Candidate& x, const v1::Conflict::Candidate& y) {
        return SerializeDeterministic(x) == SerializeDeterministic(y);
      });
}

// INVALID_ARGUMENT naming each bad field of a push: every change must be the
// pushing replica's own.
absl::Status CheckPushRequest(const v1::PushRequest& request) {
  FieldViolations violations;
  CheckReplicaId(request.replica_id(), &violations);
  if (request.changes_size() > kMaxPushChanges) {
    violations.Add("changes", absl::StrCat("at most ", kMaxPushChanges,
                                           " changes per push"));
  }
  const std::string own_prefix = absl::StrCat(request.replica_id(), ":");
  for (int i = 0; i < request.changes_size() && i < kMaxPushChanges; ++i) {
    const v1::Change& change = request.changes(i);
    const std::string& id = change.change_id();
    if (id.empty()) {
      violations.Add(absl::StrCat("changes[", i, "].change_id"), "is required");
    } else if (id.size() > kMaxChangeIdBytes) {
      violations.Add(
          absl::StrCat("changes[", i, "].change_id"),
          absl::StrCat("is longer than ", kMaxChangeIdBytes, " bytes"));
    } else if (!absl::StartsWith(id, own_prefix) ||
               id.size() == own_prefix.size()) {
      violations.Add(absl::StrCat("changes[", i, "].change_id"),
                     absl::StrCat("must be \"", own_prefix,
                                  "<counter>\": a replica pushes only its "
                                  "own changes"));
    }
    if (change.replica_id() != request.replica_id()) {
      violations.Add(absl::StrCat("changes[", i, "].replica_id"),
                     "must be the pushing replica's");
    }
  }
  return violations.ToStatus();
}

// INVALID_ARGUMENT naming each bad field of a pull.
absl::Status CheckPullRequest(const v1::PullRequest& request) {
  FieldViolations violations;
  CheckReplicaId(request.replica_id(), &violations);
  CheckPlans(request.plans(), &violations);
  if (request.batch_size() < 0 || request.batch_size() > 10000) {
    violations.Add("batch_size", "must be 0-10000");
  }
  return violations.ToStatus();
}

// FAILED_PRECONDITION (CURSOR_EXPIRED) when the log no longer holds the
// changes after `since`.
absl::Status CheckCursorKept(const ReadView& view, uint64_t since) {
  ASSIGN_OR_RETURN(std::optional<std::string> horizon,
                   view.Get(Cf::kMeta, kMetaHorizon));
  const uint64_t h = horizon.has_value() ? DecodeSequenceKey(*horizon) : 0;
  if (since >= h) return absl::OkStatus();
  return Error(absl::StatusCode::kFailedPrecondition, "CURSOR_EXPIRED",
               absl::StrCat("changes up to ", h, " are no longer kept; cursor ",
                            since, " is older: take a snapshot"));
}

// The first `batch` sequences after `since`, up to `high_water`, of the
// changes of `plans` ("" for organisations), merged from the per-plan
// indexes, in order.
absl::StatusOr<std::vector<uint64_t>> NextSequences(
    const ReadView& view, const std::vector<std::string>& plans, uint64_t since,
    uint64_t high_water, int batch) {
  std::vector<uint64_t> sequences;
  for (const std::string& plan : plans) {
    int taken = 0;
    const std::string prefix = absl::StrCat(plan, absl::string_view("\0", 1));
    RETURN_IF_ERROR(
        view.Scan(Cf::kPlanChanges, prefix, PlanChangeKey(plan, since),
                  [&](absl::string_view key, absl::string_view) {
                    const uint64_t sequence =
                        DecodeSequenceKey(key.substr(prefix.size()));
                    if (sequence > high_water) return false;
                    sequences.push_back(sequence);
                    return ++taken < batch;
                  }));
  }
  std::sort(sequences.begin(), sequences.end());
  if (sequences.size() > static_cast<size_t>(batch)) sequences.resize(batch);
  return sequences;
}

// Gathers a snapshot's records into chunks, and sends each chunk once it
// holds kSnapshotChunkRecords records or about `max_bytes`.
class ChunkSender {
 public:
  ChunkSender(absl::FunctionRef<bool(v1::SnapshotChunk*)> send,
              size_t max_bytes, absl::Duration max_time)
      : send_(send),
        max_bytes_(max_bytes),
        max_time_(max_time),
        give_up_(absl::Now() + max_time) {}

  // Adds the entity stored under entity key `key`. False, with failure()
  // saying why, when it is corrupt, the client went away, or the snapshot
  // has taken longer than `max_time`.
  bool Add(absl::string_view key, absl::string_view value) {
    v1::SnapshotRecord* record = chunk_.add_records();
    if (!ReadSnapshotRecord(value, record)) {
      failure_ = absl::DataLossError(
          absl::StrCat(NameOfEntityKey(key), " is corrupt"));
      return false;
    }
    record->set_name(std::string(NameOfEntityKey(key)));
    ++records_;
    bytes_ += value.size();
    if (chunk_.records_size() < kSnapshotChunkRecords && bytes_ < max_bytes_) {
      return true;
    }
    if (absl::Now() >= give_up_) {
      failure_ =
          Error(absl::StatusCode::kDeadlineExceeded, "SNAPSHOT_TOO_LONG",
                absl::StrCat("the snapshot took longer than ",
                             absl::FormatDuration(max_time_), "; retry"));
      return false;
    }
    if (!send_(&chunk_)) {
      failure_ = absl::CancelledError("the client went away");
      return false;
    }
    chunk_.Clear();  // `send` may have swapped in a spent chunk to reuse
    bytes_ = 0;
    return true;
  }

  // Sends the last chunk, which carries the snapshot's sequence and epoch.
  absl::Status Finish(uint64_t sequence, const v1::StoreEpoch& epoch) {
    chunk_.set_sequence(sequence);
    chunk_.set_last(true);
    *chunk_.mutable_epoch() = epoch;
    if (!send_(&chunk_)) return absl::CancelledError("the client went away");
    return absl::OkStatus();
  }

  // Add, for ReadView::Scan.
  auto Adder() {
    return [this](absl::string_view key, absl::string_view value) {
      return Add(key, value);
    };
  }

  const absl::Status& failure() const { return failure_; }
  int records() const { return records_; }

 private:
  const absl::FunctionRef<bool(v1::SnapshotChunk*)> send_;
  const size_t max_bytes_;
  const absl::Duration max_time_;
  const absl::Time give_up_;
  v1::SnapshotChunk chunk_;
  size_t bytes_ = 0;  // in chunk_
  int records_ = 0;   // in every chunk
  absl::Status failure_;
};

// Adds to `sender` the plan `plan` and everything under it, kind by kind.
// Returns the sender's failure, if any.
absl::Status SendPlan(const ReadView& view, const std::string& plan,
                      ChunkSender& sender) {
  RETURN_IF_ERROR(sender.failure());
  const ResourceName plan_name = *ResourceName::Parse(plan);
  ASSIGN_OR_RETURN(std::optional<std::string> plan_bytes,
                   view.Get(Cf::kEntities, EntityKey(plan_name)));
  if (plan_bytes.has_value() &&
      !sender.Add(EntityKey(plan_name), *plan_bytes)) {
    return sender.failure();
  }
  for (Kind kind : kReplicatedKinds) {
    if (IsPlanless(kind) || kind == Kind::kPlan) continue;
    RETURN_IF_ERROR(view.Scan(Cf::kEntities,
                              EntityKeyPrefix(kind, absl::StrCat(plan, "/")),
                              "", sender.Adder()));
    RETURN_IF_ERROR(sender.failure());
  }
  return absl::OkStatus();
}

}  // namespace

bool StoreWentBack(const v1::StoreEpoch& seen, uint64_t known,
                   const v1::StoreEpoch& now) {
  if (seen.id().empty()) return false;
  if (seen.id() != now.id()) return true;
  return seen.session() != now.session() && now.started_at_sequence() < known;
}

namespace {

// FAILED_PRECONDITION, reason STORE_WENT_BACK, when a replica's request
// shows that the store went back in time since it last synced.
absl::Status CheckSeenEpoch(const v1::StoreEpoch& now,
                            const v1::StoreEpoch& seen, uint64_t known) {
  if (!StoreWentBack(seen, known, now)) return absl::OkStatus();
  return Error(
      absl::StatusCode::kFailedPrecondition, "STORE_WENT_BACK",
      absl::StrCat("the service's store went back in time since this "
                   "replica synced (epoch ",
                   seen.id(), " at sequence ", known, ", now epoch ", now.id(),
                   " started at sequence ", now.started_at_sequence(),
                   "): take a snapshot and push again"));
}

}  // namespace

namespace {

v1::StoreEpoch EpochOf(const Store& store) {
  v1::StoreEpoch epoch;
  epoch.set_id(store.epoch());
  epoch.set_started_at_sequence(store.opened_at_sequence());
  epoch.set_session(absl::StrCat("s", RandomId()));
  return epoch;
}

}  // namespace

SyncAuthority::SyncAuthority(Store* store, HybridClock* clock,
                             SyncAuthorityOptions options)
    : store_(store),
      clock_(clock),
      options_(options),
      epoch_(EpochOf(*store)) {}

// Writes `change` of `target` (fields set, no sequence yet) as the next
// change of the log, applying it to `entity` the way every replica will,
// and keeping with the versions of merged fields their `last_writers`
// (ChangeDecision::last_writers), which only the service keeps. `resource`
// is the entity's resource parsed (null when it has none), and is left
// changed.
static absl::Status LogAndApply(
    Transaction& txn, const ResourceName& target, v1::Change change,
    Message* resource, storage::Entity* entity, uint64_t* sequence,
    const std::map<std::string, storage::Version>& last_writers = {}) {
  change.set_sequence(txn.next_sequence());
  std::unique_ptr<Message> none;
  if (resource == nullptr) {
    none = NewResource(target.kind());
    resource = none.get();
  }
  // Each field's base is the value it replaces here, so the log can say
  // what changed from what.
  for (v1::FieldChange& field : *change.mutable_fields()) {
    const FieldDescriptor* descriptor =
        resource->GetDescriptor()->FindFieldByName(field.field());
    if (descriptor != nullptr) {
      field.set_base(FieldValueBytes(*resource, *descriptor));
    }
    field.set_base_sequence(change.sequence());
  }
  RETURN_IF_ERROR(ApplyServiceChange(change, resource, entity));
  for (const auto& [field, writer] : last_writers) {
    *(*entity->mutable_field_versions())[field].mutable_last_writer() = writer;
  }
  txn.PutEntity(target, *entity);
  const uint64_t stamped = change.sequence();
  *sequence = txn.AppendChange(std::move(change));
  // The entity's versions name the sequence the change is logged at.
  PLAN_DCHECK(*sequence == stamped)
      << "change stamped " << stamped << " was logged at " << *sequence;
  return absl::OkStatus();
}

// Writes the conflicts a decision about a change of `target` opens (and
// updates, those already named, unless they hold those candidates already),
// and lists them in `result`.
static absl::Status WriteConflicts(Transaction& txn, HybridClock& clock,
                                   const std::string& service_replica,
                                   const ResourceName& target,
                                   std::vector<v1::Conflict> conflicts,
                                   v1::ChangeResult* result) {
  for (v1::Conflict& conflict : conflicts) {
    if (!conflict.name().empty()) {
      // An open conflict this change joins, which takes its candidates.
      ASSIGN_OR_RETURN(ResourceName conflict_name,
                       ResourceName::Parse(conflict.name()));
      ASSIGN_OR_RETURN(std::optional<storage::Entity> stored,
                       txn.GetEntity(conflict_name));
      v1::Conflict open;
      if (!stored.has_value() || !open.ParseFromString(stored->resource())) {
        return absl::DataLossError(
            absl::StrCat(conflict.name(), " is missing or corrupt"));
      }
      if (!SameCandidates(open, conflict)) {
        uint64_t sequence = 0;
        RETURN_IF_ERROR(
            LogAndApply(txn, conflict_name,
                        ConflictUpdate(conflict, clock.Now(), service_replica),
                        &open, &*stored, &sequence));
      }
      result->add_conflicts(conflict.name());
      continue;
    }
    // Kept in the target's plan, or with its organisation.
    conflict.set_name(ConflictName(target, RandomId()).str());
    conflict.set_state(v1::Conflict::OPEN);
    ASSIGN_OR_RETURN(ResourceName conflict_name,
                     ResourceName::Parse(conflict.name()));
    storage::Entity entity;
    uint64_t sequence = 0;
    RETURN_IF_ERROR(
        LogAndApply(txn, conflict_name,
                    ConflictCreate(conflict, clock.Now(), service_replica),
                    /*resource=*/nullptr, &entity, &sequence));
    result->add_conflicts(conflict.name());
  }
  return absl::OkStatus();
}

// Applies one pushed change within `txn`, setting `result`: what it does is
// DecideChange's (service/change_decision.h), as for a direct call; this
// commits it. Returns an error only for
// storage failures; a change that cannot be applied is REJECTED.
static absl::Status ApplyPushed(Transaction& txn, HybridClock& clock,
                                const std::string& service_replica,
                                const AccessControl* access,
                                const std::string& caller, v1::Change change,
                                v1::ChangeResult* result) {
  result->set_change_id(change.change_id());
  ASSIGN_OR_RETURN(std::optional<v1::ChangeResult> first,
                   txn.AppliedResult(change.change_id()));
  if (first.has_value()) {
    *result = *first;
    result->set_first_outcome(first->outcome());
    result->set_outcome(v1::ChangeResult::DUPLICATE);
    return absl::OkStatus();
  }
  const absl::StatusOr<ResourceName> name =
      ResourceName::Parse(change.target());
  std::optional<storage::Entity> existing;
  if (name.ok()) {
    ASSIGN_OR_RETURN(existing, txn.GetEntity(*name));
  }
  // A pushed time is trusted only between the version the edit was made on
  // and the service's clock plus its skew: out of bounds, the service's own
  // time orders the change (so it cannot win every later merge, nor date
  // itself before what it changed), and the claimed time is kept.
  uint64_t earliest = 0;
  if (existing.has_value()) {
    for (const v1::FieldChange& field : change.fields()) {
      auto it = existing->field_versions().find(field.field());
      if (it != existing->field_versions().end() &&
          it->second.sequence() == field.base_sequence()) {
        earliest = std::max(earliest, it->second.hlc());
      }
    }
  }
  const bool ahead = !clock.Observe(change.hlc()).ok();
  if (ahead || change.hlc() < earliest) {
    PLAN_LOG(WARNING) << "push change=" << change.change_id()
                      << " organisation=" << change.organisation()
                      << ": its time " << HybridClock::Format(change.hlc())
                      << " is "
                      << (ahead ? "too far ahead of this service's clock"
                                : "before the version it edits")
                      << "; the service's time is used";
    change.set_claimed_hlc(change.hlc());
    change.set_hlc(clock.Now());
  }
  const auto lookup = LookupIn(txn);
  ASSIGN_OR_RETURN(
      ChangeDecision decision,
      DecideChange(change, existing,
                   DecisionContext{Origin::kPushed, lookup, access, caller,
                                   /*etag=*/std::string(), ScanIn(txn)}));
  if (!decision.refusal.ok()) {
    result->set_outcome(v1::ChangeResult::REJECTED);
    result->set_reason(
        Truncate(decision.refusal.message(), kMaxRejectionBytes));
    txn.RecordResult(*result);
    return absl::OkStatus();
  }
  result->set_outcome(decision.outcome);
  if (decision.logged.has_value()) {
    storage::Entity entity;
    std::unique_ptr<Message> current;
    if (existing.has_value()) {
      entity = *std::move(existing);
      current = NewResource(name->kind());
      if (!current->ParseFromString(entity.resource())) {
        return absl::DataLossError(absl::StrCat(name->str(), " is corrupt"));
      }
    }
    uint64_t sequence = 0;
    RETURN_IF_ERROR(LogAndApply(txn, *name, *std::move(decision.logged),
                                current.get(), &entity, &sequence,
                                decision.last_writers));
    result->set_sequence(sequence);
  }
  RETURN_IF_ERROR(WriteConflicts(txn, clock, service_replica, *name,
                                 std::move(decision.conflicts), result));
  txn.RecordResult(*result);
  return absl::OkStatus();
}

absl::Status SyncAuthority::Push(const v1::PushRequest& request,
                                 const Actor& caller,
                                 v1::PushResponse* response) {
  RETURN_IF_ERROR(CheckPushRequest(request));
  RETURN_IF_ERROR(ClaimReplica(request.replica_id(), caller));
  const absl::Status pushed = PushClaimed(request, caller, response);
  if (pushed.ok() && options_.observer != nullptr) {
    options_.observer->Pushed(caller.organisation, *response);
  }
  RecordActivity(request.replica_id(), caller.organisation, pushed,
                 [ok = pushed.ok(), now = absl::ToUnixMillis(absl::Now()),
                  version = AgentVersion(request.agent_version())](
                     storage::ReplicaActivity& activity) {
                   if (ok) activity.set_last_push_ms(now);
                   if (!version.empty()) activity.set_agent_version(version);
                 });
  return pushed;
}

absl::Status SyncAuthority::PushClaimed(const v1::PushRequest& request,
                                        const Actor& caller,
                                        v1::PushResponse* response) {
  RETURN_IF_ERROR(
      CheckSeenEpoch(epoch_, request.seen_epoch(), request.seen_sequence()));
  // Each change is the caller's, whatever organisation it names (a copy is
  // made only of one that names another).
  std::deque<v1::Change> restamped;
  std::vector<const v1::Change*> changes;
  changes.reserve(request.changes_size());
  for (const v1::Change& change : request.changes()) {
    if (caller.organisation.empty() ||
        change.organisation() == caller.organisation) {
      changes.push_back(&change);
    } else {
      v1::Change& copy = restamped.emplace_back(change);
      copy.set_organisation(caller.organisation);
      changes.push_back(&copy);
    }
  }
  const absl::Time started = absl::Now();
  // What merging the changes reads first: each change's earlier answer, if
  // any, and its target.
  std::vector<std::pair<Cf, std::string>> reads;
  reads.reserve(2 * request.changes_size());
  for (const v1::Change& change : request.changes()) {
    reads.emplace_back(Cf::kApplied, change.change_id());
    if (absl::StatusOr<ResourceName> name =
            ResourceName::Parse(change.target());
        name.ok()) {
      reads.emplace_back(Cf::kEntities, EntityKey(*name));
    }
  }
  // The whole push is one commit: each change is answered from the state its
  // predecessors left, and a failure answers none (a retry is safe).
  std::vector<v1::ChangeResult> results;
  RETURN_IF_ERROR(store_->Commit([&](Transaction& txn) -> absl::Status {
    results.clear();
    txn.ReadAhead(std::move(reads));  // overlaps the reads with the merging
    for (const v1::Change* change : changes) {
      v1::ChangeResult result;
      RETURN_IF_ERROR(ApplyPushed(txn, *clock_, store_->replica_id(),
                                  options_.access, caller.organisation, *change,
                                  &result));
      results.push_back(std::move(result));
    }
    return absl::OkStatus();
  }));
  int counts[6] = {};
  for (v1::ChangeResult& result : results) {
    ++counts[result.outcome()];
    *response->add_results() = std::move(result);
  }
  response->set_service_hlc(clock_->Now());
  *response->mutable_epoch() = epoch_;
  PLAN_LOG(INFO) << "push replica=" << request.replica_id()
                 << " changes=" << request.changes_size()
                 << " applied=" << counts[v1::ChangeResult::APPLIED]
                 << " merged=" << counts[v1::ChangeResult::MERGED]
                 << " conflicts=" << counts[v1::ChangeResult::CONFLICT]
                 << " rejected=" << counts[v1::ChangeResult::REJECTED]
                 << " duplicates=" << counts[v1::ChangeResult::DUPLICATE]
                 << " ms=" << absl::ToInt64Milliseconds(absl::Now() - started);
  return absl::OkStatus();
}

absl::Status SyncAuthority::ClaimReplica(const std::string& replica_id,
                                         const Actor& caller) {
  // The service's own changes are told apart from pushed ones by this id:
  // nobody pushes or pulls as the service.
  if (replica_id == store_->replica_id()) {
    return Error(absl::StatusCode::kPermissionDenied, "SERVICE_REPLICA_ID",
                 "that replica id is the plan service's own; use a replica id "
                 "of your own");
  }
  const auto refuse = [&] {
    return Error(absl::StatusCode::kPermissionDenied,
                 "REPLICA_OF_ANOTHER_ORGANISATION",
                 absl::StrCat("replica ", replica_id,
                              " belongs to another organisation; use a "
                              "replica id of your own"));
  };
  {
    absl::MutexLock lock(&owners_mu_);
    auto it = owners_.find(replica_id);
    if (it != owners_.end()) {
      return it->second == caller.organisation ? absl::OkStatus() : refuse();
    }
  }
  // First use since this process started: look it up, and claim it for the
  // caller if nobody has (in a commit, so two first users cannot both win).
  std::string owner;
  RETURN_IF_ERROR(store_->Commit([&](Transaction& txn) -> absl::Status {
    const std::string key = absl::StrCat(kMetaReplicaPrefix, replica_id);
    ASSIGN_OR_RETURN(std::optional<std::string> stored,
                     txn.Get(Cf::kMeta, key));
    if (stored.has_value()) {
      owner = *std::move(stored);
    } else {
      owner = caller.organisation;
      const std::string count_key =
          absl::StrCat(kMetaReplicaCountPrefix, caller.organisation);
      ASSIGN_OR_RETURN(std::optional<std::string> count_value,
                       txn.Get(Cf::kMeta, count_key));
      const uint64_t count =
          count_value.has_value() ? DecodeSequenceKey(*count_value) : 0;
      if (count >=
          static_cast<uint64_t>(options_.max_replicas_per_organisation)) {
        return Error(absl::StatusCode::kResourceExhausted, "TOO_MANY_REPLICAS",
                     absl::StrCat("this organisation has registered ", count,
                                  " replica ids, the most it may; sync with "
                                  "one of them"));
      }
      txn.Put(Cf::kMeta, count_key, SequenceKey(count + 1));
      txn.Put(Cf::kMeta, key, owner);
      PLAN_LOG(INFO) << "replica " << replica_id << " registered to "
                     << (owner.empty() ? "the service's organisation" : owner);
    }
    return absl::OkStatus();
  }));
  absl::MutexLock lock(&owners_mu_);
  owners_[replica_id] = owner;
  return owner == caller.organisation ? absl::OkStatus() : refuse();
}

absl::Status SyncAuthority::CheckReadable(
    const google::protobuf::RepeatedPtrField<std::string>& plans,
    const Actor& caller, const ReadView& view) const {
  if (options_.access == nullptr) return absl::OkStatus();
  for (const std::string& plan : plans) {
    ASSIGN_OR_RETURN(ResourceName name,
                     ResourceName::ParseAs(Kind::kPlan, plan));
    if (absl::Status allowed = options_.access->Check(
            caller.organisation, Operation::kRead, name, LookupIn(view));
        !allowed.ok()) {
      if (allowed.code() != absl::StatusCode::kPermissionDenied) {
        return allowed;
      }
      return Error(absl::StatusCode::kPermissionDenied, ErrorReason(allowed),
                   absl::StrCat("may not sync ", plan, ": ", allowed.message(),
                                "; or stop syncing it (--plans)"),
                   plan);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> SyncAuthority::StartFollow(
    const std::string& replica_id) {
  absl::MutexLock lock(&follows_mu_);
  // A replica that follows again replaces its older follow, which ends
  // within a poll, so it needs no slot of its own.
  if (follows_ >= options_.max_follows &&
      !follow_generation_.contains(replica_id)) {
    return Error(absl::StatusCode::kResourceExhausted, "TOO_MANY_FOLLOWS",
                 absl::StrCat("the service holds its most following pulls (",
                              options_.max_follows,
                              "); pull without following, or retry later"));
  }
  ++follows_;
  const uint64_t generation = ++next_generation_;
  follow_generation_[replica_id] = generation;
  return generation;
}

void SyncAuthority::EndFollow(const std::string& replica_id,
                              uint64_t generation) {
  absl::MutexLock lock(&follows_mu_);
  --follows_;
  auto it = follow_generation_.find(replica_id);
  if (it != follow_generation_.end() && it->second == generation) {
    follow_generation_.erase(it);
  }
}

bool SyncAuthority::Superseded(const std::string& replica_id,
                               uint64_t generation) {
  absl::MutexLock lock(&follows_mu_);
  auto it = follow_generation_.find(replica_id);
  return it == follow_generation_.end() || it->second != generation;
}

void SyncAuthority::RecordActivity(
    const std::string& replica_id, const std::string& organisation,
    const absl::Status& error,
    absl::AnyInvocable<void(storage::ReplicaActivity&)> update) {
  std::string error_text;
  if (!error.ok()) {
    error_text = Recordable(absl::StrCat(absl::StatusCodeToString(error.code()),
                                         ": ", error.message()));
  }
  store_->CommitAsync(
      [key = absl::StrCat(kMetaActivityPrefix, replica_id), organisation,
       error_text = std::move(error_text),
       update = std::move(update)](Transaction& txn) mutable -> absl::Status {
        storage::ReplicaActivity activity;
        ASSIGN_OR_RETURN(std::optional<std::string> stored,
                         txn.Get(Cf::kMeta, key));
        if (stored.has_value() && !activity.ParseFromString(*stored)) {
          activity.Clear();  // remade: it is a record for people, not a fact
        }
        const int64_t now = absl::ToUnixMillis(absl::Now());
        activity.set_organisation(organisation);
        if (activity.first_seen_ms() == 0) activity.set_first_seen_ms(now);
        if (!error_text.empty()) {
          activity.set_last_error(error_text);
          activity.set_last_error_ms(now);
        }
        update(activity);
        txn.Put(Cf::kMeta, key, activity.SerializeAsString());
        return absl::OkStatus();
      },
      [replica = replica_id](absl::Status status) {
        if (!status.ok()) {
          PLAN_LOG(WARNING) << "replica=" << replica
                            << ": its activity was not recorded: " << status;
        }
      });
}

namespace {

// The replica `activity` records, as ListReplicas shows it (lag aside).
v1::Replica ReplicaOf(const std::string& id,
                      const storage::ReplicaActivity& activity) {
  v1::Replica replica;
  replica.set_replica_id(id);
  replica.set_organisation(activity.organisation());
  *replica.mutable_plans() = activity.plans();
  // Each time that is set (0 is never).
  const auto time = [&replica](int64_t ms, auto mutable_field) {
    if (ms != 0) {
      *(replica.*mutable_field)() = ToTimestamp(absl::FromUnixMillis(ms));
    }
  };
  time(activity.first_seen_ms(), &v1::Replica::mutable_first_seen_time);
  time(activity.last_push_ms(), &v1::Replica::mutable_last_push_time);
  time(activity.last_pull_ms(), &v1::Replica::mutable_last_pull_time);
  time(std::max(activity.last_push_ms(), activity.last_pull_ms()),
       &v1::Replica::mutable_last_sync_time);
  time(activity.last_error_ms(), &v1::Replica::mutable_last_error_time);
  replica.set_cursor(activity.cursor());
  replica.set_agent_version(activity.agent_version());
  replica.set_last_error(activity.last_error());
  return replica;
}

// Sets the lag of `replica`, as of `now` in `view`: the changes its next
// pull brings (of its plans, and of organisations, after its cursor), and
// how long ago the first of them was logged.
absl::Status SetLag(const ReadView& view, absl::Time now,
                    v1::Replica& replica) {
  std::vector<std::string> plans = {""};
  plans.insert(plans.end(), replica.plans().begin(), replica.plans().end());
  uint64_t lag = 0;
  uint64_t first = 0;
  for (const std::string& plan : plans) {
    const std::string prefix = absl::StrCat(plan, absl::string_view("\0", 1));
    RETURN_IF_ERROR(view.Scan(
        Cf::kPlanChanges, prefix, PlanChangeKey(plan, replica.cursor()),
        [&](absl::string_view key, absl::string_view) {
          const uint64_t at = DecodeSequenceKey(key.substr(prefix.size()));
          if (at > view.sequence()) return false;
          if (first == 0 || at < first) first = at;
          return ++lag < kMaxCountedLag;
        }));
  }
  replica.set_lag_changes(std::min(lag, kMaxCountedLag));
  if (first == 0) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::optional<std::string> entry,
                   view.Get(Cf::kChanges, SequenceKey(first)));
  v1::Change change;
  if (!entry.has_value() || !change.ParseFromString(*entry) ||
      !change.has_log_time()) {
    return absl::OkStatus();  // trimmed meanwhile, or from before log_time
  }
  const absl::Duration behind =
      std::max(now - FromTimestamp(change.log_time()), absl::ZeroDuration());
  const int64_t ms = absl::ToInt64Milliseconds(behind);
  replica.mutable_lag()->set_seconds(ms / 1000);
  replica.mutable_lag()->set_nanos(static_cast<int32_t>(ms % 1000) * 1000000);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<v1::Replica>> SyncAuthority::ListReplicas(
    absl::FunctionRef<bool(const storage::ReplicaActivity&)> include,
    uint64_t* sequence) const {
  const std::unique_ptr<ReadView> view = store_->NewReadView();
  *sequence = view->sequence();
  const absl::Time now = absl::Now();
  std::vector<v1::Replica> replicas;
  RETURN_IF_ERROR(view->Scan(
      Cf::kMeta, kMetaActivityPrefix, "",
      [&](absl::string_view key, absl::string_view value) {
        storage::ReplicaActivity activity;
        if (!activity.ParseFromArray(value.data(),
                                     static_cast<int>(value.size()))) {
          // A record for people: one that is damaged is left out (its next
          // sync writes it anew), not the reason no one sees the others.
          PLAN_LOG(WARNING) << "replicas: " << key << " is corrupt; left out";
          return true;
        }
        if (include(activity)) {
          replicas.push_back(ReplicaOf(
              std::string(key.substr(strlen(kMetaActivityPrefix))), activity));
        }
        return true;
      }));
  for (v1::Replica& replica : replicas) {
    RETURN_IF_ERROR(SetLag(*view, now, replica));
  }
  // The longest unsynced first (never synced before all), then by id.
  std::sort(replicas.begin(), replicas.end(),
            [](const v1::Replica& a, const v1::Replica& b) {
              const absl::Time a_time = FromTimestamp(a.last_sync_time());
              const absl::Time b_time = FromTimestamp(b.last_sync_time());
              if (a_time != b_time) return a_time < b_time;
              return a.replica_id() < b.replica_id();
            });
  return replicas;
}

absl::StatusOr<bool> SyncAuthority::ReadBatch(
    const ReadView& view, const std::vector<std::string>& plans, int batch,
    uint64_t* since, v1::PullResponse* response) const {
  const uint64_t high_water = view.sequence();
  ASSIGN_OR_RETURN(const std::vector<uint64_t> sequences,
                   NextSequences(view, plans, *since, high_water, batch));
  std::vector<std::string> keys;
  keys.reserve(sequences.size());
  for (uint64_t sequence : sequences) keys.push_back(SequenceKey(sequence));
  size_t bytes = 0;
  absl::Status parsed = absl::OkStatus();
  // A change trimmed meanwhile is absent, and skipped.
  RETURN_IF_ERROR(view.GetSorted(
      Cf::kChanges, keys, [&](absl::string_view key, absl::string_view value) {
        const uint64_t sequence = DecodeSequenceKey(key);
        if (!response->add_changes()->ParseFromArray(
                value.data(), static_cast<int>(value.size()))) {
          parsed = absl::DataLossError(
              absl::StrCat("change ", sequence, " is corrupt"));
          return false;
        }
        *since = sequence;
        bytes += value.size();
        return bytes < options_.max_batch_bytes;
      }));
  RETURN_IF_ERROR(parsed);
  const bool caught_up = response->changes_size() == 0 ||
                         (static_cast<int>(sequences.size()) < batch &&
                          *since == sequences.back());
  if (caught_up) *since = std::max(*since, high_water);
  response->set_high_water_mark(*since);
  response->set_caught_up(caught_up);
  *response->mutable_epoch() = epoch_;
  return caught_up;
}

absl::Status SyncAuthority::Pull(
    const v1::PullRequest& request, const Actor& caller,
    absl::FunctionRef<bool(const v1::PullResponse&)> send,
    absl::FunctionRef<bool()> stop) {
  RETURN_IF_ERROR(CheckPullRequest(request));
  RETURN_IF_ERROR(ClaimReplica(request.replica_id(), caller));
  const absl::Status pulled = PullClaimed(request, caller, send, stop);
  // A pull the agent ended (it went away, or stopped following) is no error
  // of the replica's.
  const bool ended_by_agent = absl::IsCancelled(pulled);
  RecordActivity(request.replica_id(), caller.organisation,
                 ended_by_agent ? absl::OkStatus() : pulled,
                 [ok = pulled.ok(), now = absl::ToUnixMillis(absl::Now()),
                  version = AgentVersion(request.agent_version())](
                     storage::ReplicaActivity& activity) {
                   if (ok) activity.set_last_pull_ms(now);
                   if (!version.empty()) activity.set_agent_version(version);
                 });
  return pulled;
}

absl::Status SyncAuthority::PullClaimed(
    const v1::PullRequest& request, const Actor& caller,
    absl::FunctionRef<bool(const v1::PullResponse&)> send,
    absl::FunctionRef<bool()> stop) {
  RETURN_IF_ERROR(
      CheckSeenEpoch(epoch_, request.seen_epoch(),
                     std::max(request.seen_sequence(), request.since())));
  const std::string& replica_id = request.replica_id();
  const bool follow = request.follow();
  // A following pull takes a slot (and ends another of the same replica's),
  // released however it ends.
  uint64_t generation = 0;
  if (follow) {
    ASSIGN_OR_RETURN(generation, StartFollow(replica_id));
  }
  const auto release = absl::MakeCleanup([&] {
    if (follow) EndFollow(replica_id, generation);
  });
  {
    const std::unique_ptr<ReadView> view = store_->NewReadView();
    RETURN_IF_ERROR(CheckReadable(request.plans(), caller, *view));
    RETURN_IF_ERROR(CheckCursorKept(*view, request.since()));
  }
  // Where this replica stands, for ListReplicas: it has everything up to
  // `since`, and, once the stream ends, what was sent.
  const auto record_cursor = [&](uint64_t cursor) {
    RecordActivity(
        replica_id, caller.organisation, absl::OkStatus(),
        [cursor, plans = request.plans()](storage::ReplicaActivity& activity) {
          activity.set_cursor(cursor);
          *activity.mutable_plans() = plans;
        });
  };
  record_cursor(request.since());
  uint64_t reached = request.since();
  const absl::Status streamed =
      StreamChanges(request, caller, generation, &reached, send, stop);
  if (reached != request.since()) record_cursor(reached);
  return streamed;
}

absl::Status SyncAuthority::StreamChanges(
    const v1::PullRequest& request, const Actor& caller, uint64_t generation,
    uint64_t* reached, absl::FunctionRef<bool(const v1::PullResponse&)> send,
    absl::FunctionRef<bool()> stop) {
  const bool follow = request.follow();
  const int batch =
      std::min(request.batch_size() == 0 ? 500 : request.batch_size(),
               options_.max_batch);
  const absl::Time follow_until = absl::Now() + options_.max_follow;
  const auto ended = [&] {
    return stop() || absl::Now() >= follow_until ||
           Superseded(request.replica_id(), generation);
  };
  std::vector<std::string> plans = {""};  // organisations, then the plans
  plans.insert(plans.end(), request.plans().begin(), request.plans().end());
  uint64_t since = request.since();
  int sent = 0;
  bool caught_up = false;
  // Until caught up; a follow then waits for the log to grow, until it ends.
  while (!caught_up || (follow && !ended())) {
    if (!follow && stop()) {
      return Error(absl::StatusCode::kDeadlineExceeded, "DEADLINE_EXCEEDED",
                   absl::StrCat("the pull's deadline passed at sequence ",
                                since, "; pull again from there"));
    }
    if (caught_up && store_->last_sequence() <= since) {
      absl::SleepFor(options_.follow_poll);
      continue;
    }
    std::unique_ptr<ReadView> view = store_->NewReadView();
    // A membership may end while a follow goes on.
    if (follow) RETURN_IF_ERROR(CheckReadable(request.plans(), caller, *view));
    v1::PullResponse response;
    ASSIGN_OR_RETURN(caught_up,
                     ReadBatch(*view, plans, batch, &since, &response));
    if (!send(response)) return absl::CancelledError("the puller went away");
    *reached = since;
    sent += response.changes_size();
  }
  if (sent > 0) {
    PLAN_LOG(INFO) << "pull replica=" << request.replica_id()
                   << " changes=" << sent << " cursor=" << since;
  }
  if (options_.observer != nullptr) {
    options_.observer->Pulled(caller.organisation, sent);
  }
  return absl::OkStatus();
}

absl::Status SyncAuthority::Snapshot(
    const v1::GetSnapshotRequest& request, const Actor& caller,
    absl::FunctionRef<bool(v1::SnapshotChunk*)> send) {
  FieldViolations violations;
  if (!request.replica_id().empty()) {
    CheckReplicaId(request.replica_id(), &violations);
  }
  CheckPlans(request.plans(), &violations);
  RETURN_IF_ERROR(violations.ToStatus());
  if (request.replica_id().empty()) {
    return SnapshotClaimed(request, caller, send, nullptr);
  }
  RETURN_IF_ERROR(ClaimReplica(request.replica_id(), caller));
  uint64_t sequence = 0;
  const absl::Status sent = SnapshotClaimed(request, caller, send, &sequence);
  // A snapshot brings a replica to the head of the log, as a pull does.
  RecordActivity(
      request.replica_id(), caller.organisation,
      absl::IsCancelled(sent) ? absl::OkStatus() : sent,
      [ok = sent.ok(), now = absl::ToUnixMillis(absl::Now()), sequence,
       plans = request.plans(), added = request.added_plans(),
       version = AgentVersion(request.agent_version())](
          storage::ReplicaActivity& activity) {
        if (!version.empty()) activity.set_agent_version(version);
        if (!ok) return;
        if (added) {  // more plans; the cursor is its pulls'
          for (const std::string& plan : plans) {
            if (std::find(activity.plans().begin(), activity.plans().end(),
                          plan) == activity.plans().end()) {
              activity.add_plans(plan);
            }
          }
          return;
        }
        activity.set_last_pull_ms(now);
        activity.set_cursor(sequence);
        *activity.mutable_plans() = plans;
      });
  return sent;
}

absl::Status SyncAuthority::SnapshotClaimed(
    const v1::GetSnapshotRequest& request, const Actor& caller,
    absl::FunctionRef<bool(v1::SnapshotChunk*)> send, uint64_t* sequence) {
  std::unique_ptr<ReadView> view = store_->NewReadView();
  RETURN_IF_ERROR(CheckReadable(request.plans(), caller, *view));
  ChunkSender sender(send, options_.max_batch_bytes, options_.max_snapshot);
  // What belongs to no plan (the organisations and their conflicts), then
  // each plan.
  for (Kind kind : kReplicatedKinds) {
    if (!IsPlanless(kind)) continue;
    RETURN_IF_ERROR(view->Scan(Cf::kEntities, EntityKeyPrefix(kind, ""), "",
                               sender.Adder()));
  }
  for (const std::string& plan : request.plans()) {
    RETURN_IF_ERROR(SendPlan(*view, plan, sender));
  }
  RETURN_IF_ERROR(sender.failure());
  RETURN_IF_ERROR(sender.Finish(view->sequence(), epoch_));
  if (sequence != nullptr) *sequence = view->sequence();
  if (options_.observer != nullptr) {
    options_.observer->Pulled(caller.organisation, sender.records());
  }
  PLAN_LOG(INFO) << "snapshot replica=" << request.replica_id()
                 << " plans=" << request.plans_size()
                 << " records=" << sender.records()
                 << " sequence=" << view->sequence();
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> SyncAuthority::Horizon() const {
  const std::unique_ptr<ReadView> view = store_->NewReadView();
  ASSIGN_OR_RETURN(std::optional<std::string> horizon,
                   view->Get(Cf::kMeta, kMetaHorizon));
  return horizon.has_value() ? DecodeSequenceKey(*horizon) : 0;
}

absl::Status SyncAuthority::TrimLog(uint64_t horizon) {
  std::vector<std::string> changes, index;
  // The chain then starts after the horizon's entry (store.h).
  std::optional<std::string> anchor;
  {
    std::unique_ptr<ReadView> view = store_->NewReadView();
    horizon = std::min(horizon, view->sequence());
    ASSIGN_OR_RETURN(std::optional<std::string> old_anchor,
                     view->Get(Cf::kMeta, kMetaChainAnchor));
    ASSIGN_OR_RETURN(std::optional<std::string> entry,
                     view->Get(Cf::kChanges, SequenceKey(horizon)));
    const std::optional<ChainBound> kept =
        old_anchor.has_value() ? DecodeChainBound(*old_anchor) : std::nullopt;
    if (entry.has_value() && (!kept.has_value() || kept->sequence < horizon)) {
      anchor = EncodeChainBound(horizon, Sha256(*entry));
    }
    RETURN_IF_ERROR(view->Scan(Cf::kChanges, "", "",
                               [&](absl::string_view key, absl::string_view) {
                                 if (DecodeSequenceKey(key) > horizon) {
                                   return false;
                                 }
                                 changes.emplace_back(key);
                                 return true;
                               }));
    RETURN_IF_ERROR(view->Scan(
        Cf::kPlanChanges, "", "",
        [&](absl::string_view key, absl::string_view) {
          if (DecodeSequenceKey(key.substr(key.size() - 8)) <= horizon) {
            index.emplace_back(key);
          }
          return true;
        }));
  }
  RETURN_IF_ERROR(store_->Commit([&](Transaction& txn) {
    for (const std::string& key : changes) txn.Delete(Cf::kChanges, key);
    for (const std::string& key : index) txn.Delete(Cf::kPlanChanges, key);
    txn.Put(Cf::kMeta, kMetaHorizon, SequenceKey(horizon));
    if (anchor.has_value()) txn.Put(Cf::kMeta, kMetaChainAnchor, *anchor);
    return absl::OkStatus();
  }));
  PLAN_LOG(INFO) << "trimmed change log horizon=" << horizon
                 << " changes=" << changes.size();
  return absl::OkStatus();
}

}  // namespace plan
