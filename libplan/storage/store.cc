#include "libplan/storage/store.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "libplan/storage/sync_log_file_system.h"
#include "libplan/util/check.h"
#include "libplan/util/errors.h"
#include "libplan/util/log.h"
#include "libplan/util/sha256.h"
#include "libplan/util/status_macros.h"
#include "libplan/util/timestamp.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/backup_engine.h"
#include "rocksdb/write_batch.h"

namespace plan {
namespace {

// 2: an agent's entity may store the service's image once
// (Entity.service_image_is_current), which a version-1 program would misread
// as an empty image. A version-1 store is read as it is and marked 2.
constexpr char kSchemaVersion[] = "2";
constexpr char kPreviousSchemaVersion[] = "1";
constexpr char kMetaSchemaVersion[] = "schema_version";
constexpr char kMetaReplicaId[] = "replica_id";
constexpr char kMetaLastSequence[] = "last_sequence";
constexpr char kMetaLastHlc[] = "last_hlc";
constexpr char kMetaEpoch[] = "epoch";
// What an operator can do about a damaged store (docs/operations.md).
constexpr char kRecoveryAdvice[] =
    "Keep this directory as it is, and restore the latest backup into a new "
    "one: see docs/operations.md, \"A damaged store\".";
// At most this many commits share one WriteBatch and one sync.
constexpr size_t kMaxGroupSize = 512;

const char* const kCfNames[] = {"entities", "changes", "plan_changes",
                                "applied",  "outbox",  "meta"};
constexpr int kCfCount = 6;

char KindTag(Kind kind) {
  static constexpr char kTags[] = {'O', 'P', 'S', 'A', 'X', 'U', 'C', 'M', 'K'};
  return kTags[static_cast<int>(kind)];
}

std::string EncodeBigEndian(uint64_t value) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  return out;
}

uint64_t DecodeBigEndian(absl::string_view bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < 8 && i < bytes.size(); ++i) {
    value = (value << 8) | static_cast<uint8_t>(bytes[i]);
  }
  return value;
}

// What the store knows of its ability to write, and whether it has met
// damaged data (Store::health()).
class HealthState {
 public:
  absl::Status Get() const {
    absl::MutexLock lock(&mu_);
    return CurrentLocked();
  }

  void SetListener(std::function<void(const absl::Status&)> listener) {
    absl::MutexLock lock(&mu_);
    listener_ = std::move(listener);
  }

  // Writes cannot land until Resumed(), for `why` (sent to clients).
  void WriteFailed(const absl::Status& why) {
    absl::MutexLock lock(&mu_);
    if (!write_error_.ok()) return;
    write_error_ = why;
    NotifyLocked();
  }

  // Writes cannot land again in this process, for `why`.
  void NeedsRestart(const absl::Status& why) {
    absl::MutexLock lock(&mu_);
    write_error_ = why;
    NotifyLocked();
  }

  void Resumed() {
    absl::MutexLock lock(&mu_);
    if (write_error_.ok()) return;
    write_error_ = absl::OkStatus();
    NotifyLocked();
  }

  // Damaged data was met; this lasts until the process restarts.
  void Corrupted(const absl::Status& why) {
    absl::MutexLock lock(&mu_);
    if (!corruption_.ok()) return;
    corruption_ = why;
    NotifyLocked();
  }

  // OK, or why writes cannot land now.
  absl::Status WriteError() const {
    absl::MutexLock lock(&mu_);
    return write_error_;
  }

 private:
  absl::Status CurrentLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !corruption_.ok() ? corruption_ : write_error_;
  }
  // Under the lock, so listeners hear the changes in order.
  void NotifyLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (listener_) listener_(CurrentLocked());
  }

  mutable absl::Mutex mu_;
  absl::Status write_error_ ABSL_GUARDED_BY(mu_);
  absl::Status corruption_ ABSL_GUARDED_BY(mu_);
  std::function<void(const absl::Status&)> listener_ ABSL_GUARDED_BY(mu_);
};

// A RocksDB error as a client may see it: the code and a cause, never the
// server's file paths (RocksDB's messages name the files). The whole error
// goes to the log. A corruption is recorded in `health`.
absl::Status FromRocks(const rocksdb::Status& status, absl::string_view what,
                       HealthState* health = nullptr) {
  if (status.ok()) return absl::OkStatus();
  if (status.IsNotFound()) {
    return Error(absl::StatusCode::kNotFound, "STORAGE_NOT_FOUND",
                 absl::StrCat("store ", what, ": not found"));
  }
  PLAN_LOG(ERROR) << "store: " << what << " failed: " << status.ToString();
  if (status.IsCorruption()) {
    absl::Status error =
        Error(absl::StatusCode::kDataLoss, "STORAGE_CORRUPT",
              absl::StrCat("store ", what,
                           " met damaged data; the service's log names it"));
    if (health != nullptr) health->Corrupted(error);
    return error;
  }
  if (status.IsNoSpace()) {
    return Error(absl::StatusCode::kUnavailable, "STORAGE_FULL",
                 absl::StrCat("store ", what, " failed: the disk is full"));
  }
  if (status.IsBusy() || status.IsTimedOut() || status.IsTryAgain()) {
    return Error(absl::StatusCode::kUnavailable, "STORAGE_BUSY",
                 absl::StrCat("store ", what, " failed: busy, try again"));
  }
  if (status.IsIOError()) {
    return Error(absl::StatusCode::kUnavailable, "STORAGE_UNAVAILABLE",
                 absl::StrCat("store ", what, " failed: an I/O error"));
  }
  return Error(
      absl::StatusCode::kInternal, "STORAGE_ERROR",
      absl::StrCat("store ", what, " failed; the service's log has the cause"));
}

rocksdb::Slice ToSlice(absl::string_view s) {
  return rocksdb::Slice(s.data(), s.size());
}

absl::string_view ToView(const rocksdb::Slice& s) {
  return absl::string_view(s.data(), s.size());
}

absl::StatusOr<std::optional<std::string>> GetFromDb(
    rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
    const rocksdb::ReadOptions& options, absl::string_view key,
    HealthState* health) {
  std::string value;
  const rocksdb::Status status = db->Get(options, cf, ToSlice(key), &value);
  if (status.IsNotFound()) return std::nullopt;
  RETURN_IF_ERROR(FromRocks(status, "read", health));
  return value;
}

class RocksStore;

// A view at one RocksDB snapshot, released with the view.
class SnapshotView final : public ReadView {
 public:
  SnapshotView(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* const* cfs,
               HealthState* health)
      : db_(db), cfs_(cfs), health_(health), snapshot_(db->GetSnapshot()) {
    options_.snapshot = snapshot_;
  }
  ~SnapshotView() override { db_->ReleaseSnapshot(snapshot_); }

  absl::StatusOr<std::optional<std::string>> Get(
      Cf cf, absl::string_view key) const override {
    return GetFromDb(db_, cfs_[static_cast<int>(cf)], options_, key, health_);
  }

  absl::Status Scan(
      Cf cf, absl::string_view prefix, absl::string_view start_after,
      absl::FunctionRef<bool(absl::string_view, absl::string_view)> visit)
      const override {
    rocksdb::ReadOptions options = options_;
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(options, cfs_[static_cast<int>(cf)]));
    if (start_after < prefix) {
      it->Seek(ToSlice(prefix));
    } else {
      it->Seek(ToSlice(start_after));
      if (it->Valid() && ToView(it->key()) == start_after) it->Next();
    }
    for (; it->Valid(); it->Next()) {
      const absl::string_view key = ToView(it->key());
      if (!absl::StartsWith(key, prefix)) break;
      if (!visit(key, ToView(it->value()))) break;
    }
    return FromRocks(it->status(), "scan", health_);
  }

  absl::Status GetSorted(
      Cf cf, absl::Span<const std::string> keys,
      absl::FunctionRef<bool(absl::string_view, absl::string_view)> visit)
      const override {
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(options_, cfs_[static_cast<int>(cf)]));
    bool sought = false;
    for (const std::string& key : keys) {
      const rocksdb::Slice wanted = ToSlice(key);
      // After the last key found, the iterator is at the next key stored:
      // `key` itself, one past it (so `key` is absent), or one before it.
      if (!sought || (it->Valid() && it->key().compare(wanted) < 0)) {
        it->Seek(wanted);
        sought = true;
      }
      if (!it->Valid()) break;  // nothing from here on (or an error)
      if (it->key() != wanted) continue;
      if (!visit(key, ToView(it->value()))) break;
      it->Next();
    }
    return FromRocks(it->status(), "read", health_);
  }

  uint64_t sequence() const override {
    // Read on first use: most views never ask.
    if (!sequence_.has_value()) {
      absl::StatusOr<std::optional<std::string>> last =
          GetFromDb(db_, cfs_[static_cast<int>(Cf::kMeta)], options_,
                    kMetaLastSequence, health_);
      sequence_ = last.ok() && last->has_value()
                      ? DecodeBigEndian(last->value_or(""))
                      : 0;
    }
    return *sequence_;
  }

 private:
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* const* cfs_;
  HealthState* health_;
  const rocksdb::Snapshot* snapshot_;
  rocksdb::ReadOptions options_;
  mutable std::optional<uint64_t> sequence_;
};

// Reads keys of the committed state on a thread of its own, in order, for a
// GroupTransaction (see Transaction::ReadAhead). The state cannot change
// meanwhile: groups commit one at a time, and this one has not written yet.
class ReadAheadThread {
 public:
  using Key = std::pair<int, std::string>;
  using Value = absl::StatusOr<std::optional<std::string>>;

  ReadAheadThread(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* const* cfs,
                  HealthState* health,
                  std::vector<std::pair<Cf, std::string>> keys)
      : db_(db), cfs_(cfs), health_(health) {
    keys_.reserve(keys.size());
    for (auto& [cf, key] : keys) {
      Key id(static_cast<int>(cf), std::move(key));
      if (slots_.try_emplace(id, keys_.size()).second) {
        keys_.push_back(std::move(id));
      }
    }
    values_.resize(keys_.size());
    thread_ = std::thread([this] { Run(); });
  }
  ReadAheadThread(const ReadAheadThread&) = delete;
  ReadAheadThread& operator=(const ReadAheadThread&) = delete;
  // Stops reading, and waits for the thread.
  ~ReadAheadThread() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    thread_.join();
  }

  // The value of `key` read ahead, once it is read; nullopt when `key` was
  // not to be read ahead, or was taken already.
  std::optional<Value> Take(const Key& key) {
    auto it = slots_.find(key);
    if (it == slots_.end()) return std::nullopt;
    const size_t slot = it->second;
    slots_.erase(it);
    absl::MutexLock lock(&mu_);
    wanted_ = slot;
    mu_.Await(absl::Condition(this, &ReadAheadThread::WantedIsRead));
    return std::move(values_[slot]);
  }

 private:
  bool WantedIsRead() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return read_ > wanted_;
  }

  void Run() {
    for (size_t i = 0; i < keys_.size(); ++i) {
      // Published by read_, under mu_.
      values_[i] = GetFromDb(db_, cfs_[keys_[i].first], rocksdb::ReadOptions(),
                             keys_[i].second, health_);
      absl::MutexLock lock(&mu_);
      read_ = i + 1;
      if (stop_) return;
    }
  }

  rocksdb::DB* const db_;
  rocksdb::ColumnFamilyHandle* const* const cfs_;
  HealthState* const health_;
  std::vector<Key> keys_;      // fixed once the thread starts
  std::vector<Value> values_;  // values_[i] is the thread's until read_ > i
  absl::flat_hash_map<Key, size_t> slots_;  // the caller's: keys not taken
  absl::Mutex mu_;
  size_t read_ ABSL_GUARDED_BY(mu_) = 0;
  size_t wanted_ ABSL_GUARDED_BY(mu_) = 0;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// A range of keys deleted by Transaction::DeleteRange: [begin, end) of cf.
struct DeletedRange {
  int cf;
  std::string begin;
  std::string end;

  bool Contains(int in_cf, absl::string_view key) const {
    return in_cf == cf && key >= begin && key < end;
  }
};

bool AnyContains(const std::vector<DeletedRange>& ranges, int cf,
                 absl::string_view key) {
  return std::any_of(
      ranges.begin(), ranges.end(),
      [&](const DeletedRange& range) { return range.Contains(cf, key); });
}

// Writes not yet in the database: (cf, key) -> value, or nullopt for a
// delete.
using Writes =
    std::map<std::pair<int, std::string>, std::optional<std::string>>;

// Erases the entries of `writes` that `range` covers.
void EraseRange(const DeletedRange& range, Writes* writes) {
  writes->erase(writes->lower_bound({range.cf, range.begin}),
                writes->lower_bound({range.cf, range.end}));
}

// Adds to `batch` a put of `value` under `key` in `cf`, or its delete when
// `value` is nullopt.
absl::Status AddWrite(rocksdb::WriteBatch& batch,
                      rocksdb::ColumnFamilyHandle* cf, absl::string_view key,
                      const std::optional<std::string>& value) {
  return FromRocks(value.has_value()
                       ? batch.Put(cf, ToSlice(key), ToSlice(*value))
                       : batch.Delete(cf, ToSlice(key)),
                   "batch");
}

// The writes of one commit group, not yet in the database.
struct GroupState {
  rocksdb::WriteBatch batch;
  // The latest write of each key, newer than any of `deleted_ranges` that
  // covers it.
  Writes overlay;
  std::vector<DeletedRange> deleted_ranges;
  uint64_t next_sequence = 0;
  // The SHA-256 of the last log entry the group (or the store) has.
  std::string chain_head;
  // The group's writes to `meta`, added to the batch once the bodies have
  // run: every AppendChange rewrites the last sequence and clock, and the
  // group needs to write only the last of each.
  Writes meta;

  // Adds the writes of `meta` to the batch.
  absl::Status AddMeta(rocksdb::ColumnFamilyHandle* cf) {
    for (const auto& [id, value] : meta) {
      RETURN_IF_ERROR(AddWrite(batch, cf, id.second, value));
    }
    return absl::OkStatus();
  }

  // The group's last clock value (meta kMetaLastHlc), when it wrote one.
  std::optional<std::string> last_hlc() const {
    auto it = meta.find({static_cast<int>(Cf::kMeta), kMetaLastHlc});
    if (it == meta.end()) return std::nullopt;
    return it->second;
  }
};

class GroupTransaction final : public Transaction {
 public:
  GroupTransaction(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* const* cfs,
                   HealthState* health, GroupState* group)
      : db_(db), cfs_(cfs), health_(health), group_(group) {}

  absl::StatusOr<std::optional<std::string>> Get(
      Cf cf, absl::string_view key) override {
    const auto id = std::make_pair(static_cast<int>(cf), std::string(key));
    // Each map holds only writes newer than the ranges beside it.
    if (auto it = writes_.find(id); it != writes_.end()) return it->second;
    if (AnyContains(deleted_ranges_, id.first, key)) return std::nullopt;
    if (auto it = group_->overlay.find(id); it != group_->overlay.end()) {
      return it->second;
    }
    if (AnyContains(group_->deleted_ranges, id.first, key)) {
      return std::nullopt;
    }
    if (read_ahead_ != nullptr) {
      if (std::optional<ReadAheadThread::Value> value = read_ahead_->Take(id);
          value.has_value()) {
        return *std::move(value);
      }
    }
    return GetFromDb(db_, cfs_[id.first], rocksdb::ReadOptions(), key, health_);
  }

  absl::Status Scan(
      Cf cf, absl::string_view prefix,
      absl::FunctionRef<bool(absl::string_view, absl::string_view)> visit)
      override {
    const int family = static_cast<int>(cf);
    // The committed keys, then each layer of newer writes over them, oldest
    // first, as Get would consult them in reverse.
    std::map<std::string, std::string> keys;
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions(), cfs_[family]));
    for (it->Seek(ToSlice(prefix)); it->Valid(); it->Next()) {
      const absl::string_view key = ToView(it->key());
      if (!absl::StartsWith(key, prefix)) break;
      keys.emplace(key, ToView(it->value()));
    }
    RETURN_IF_ERROR(FromRocks(it->status(), "scan", health_));
    const auto layer = [&](const std::vector<DeletedRange>& ranges,
                           const Writes& writes) {
      for (auto k = keys.begin(); k != keys.end();) {
        k = AnyContains(ranges, family, k->first) ? keys.erase(k)
                                                  : std::next(k);
      }
      for (auto w = writes.lower_bound({family, std::string(prefix)});
           w != writes.end() && w->first.first == family &&
           absl::StartsWith(w->first.second, prefix);
           ++w) {
        if (w->second.has_value()) {
          keys[w->first.second] = *w->second;
        } else {
          keys.erase(w->first.second);
        }
      }
    };
    layer(group_->deleted_ranges, group_->overlay);
    layer(deleted_ranges_, writes_);
    for (const auto& [key, value] : keys) {
      if (!visit(key, value)) break;
    }
    return absl::OkStatus();
  }

  void ReadAhead(std::vector<std::pair<Cf, std::string>> keys) override {
    read_ahead_.reset();
    if (keys.empty()) return;  // no thread for nothing to read
    read_ahead_ =
        std::make_unique<ReadAheadThread>(db_, cfs_, health_, std::move(keys));
  }

  void Put(Cf cf, absl::string_view key, absl::string_view value) override {
    writes_[{static_cast<int>(cf), std::string(key)}] = std::string(value);
  }

  void Delete(Cf cf, absl::string_view key) override {
    writes_[{static_cast<int>(cf), std::string(key)}] = std::nullopt;
  }

  void DeleteRange(Cf cf, absl::string_view begin,
                   absl::string_view end) override {
    if (begin >= end) return;
    DeletedRange range{static_cast<int>(cf), std::string(begin),
                       std::string(end)};
    EraseRange(range, &writes_);
    deleted_ranges_.push_back(std::move(range));
  }

  uint64_t next_sequence() const override {
    return group_->next_sequence + taken_;
  }

  // Adds this transaction's writes to the group's batch and, when later
  // transactions of the group may read them (`visible`), to its overlay.
  absl::Status MergeIntoGroup(bool visible) {
    // The ranges first: every write kept in writes_ came after them.
    for (DeletedRange& range : deleted_ranges_) {
      RETURN_IF_ERROR(FromRocks(
          group_->batch.DeleteRange(cfs_[range.cf], ToSlice(range.begin),
                                    ToSlice(range.end)),
          "batch"));
      // A range of `meta` erases the group's earlier writes to it (a range
      // of another family finds none); what the group writes later follows
      // the range in the batch.
      EraseRange(range, &group_->meta);
      if (visible) {
        EraseRange(range, &group_->overlay);
        group_->deleted_ranges.push_back(std::move(range));
      }
    }
    for (auto& [id, value] : writes_) {
      if (id.first == static_cast<int>(Cf::kMeta)) {
        group_->meta[id] = value;
      } else {
        RETURN_IF_ERROR(
            AddWrite(group_->batch, cfs_[id.first], id.second, value));
      }
      if (visible) group_->overlay[id] = std::move(value);
    }
    group_->next_sequence += taken_;
    if (chain_head_.has_value()) group_->chain_head = *std::move(chain_head_);
    return absl::OkStatus();
  }

 protected:
  uint64_t TakeSequence() override { return group_->next_sequence + taken_++; }
  const std::string& ChainHead() const override {
    return chain_head_.has_value() ? *chain_head_ : group_->chain_head;
  }
  void SetChainHead(std::string hash) override {
    chain_head_ = std::move(hash);
  }

 private:
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* const* cfs_;
  HealthState* health_;
  GroupState* group_;
  // Ordered so the batch is deterministic; each newer than any of
  // `deleted_ranges_` that covers it.
  Writes writes_;
  std::vector<DeletedRange> deleted_ranges_;
  uint64_t taken_ = 0;
  // The chain's head after this transaction's appends, once it has any.
  std::optional<std::string> chain_head_;
  // Last: stopped before the rest goes.
  std::unique_ptr<ReadAheadThread> read_ahead_;
};

class RocksStore final : public Store {
 public:
  RocksStore(std::unique_ptr<rocksdb::Env> env, std::unique_ptr<rocksdb::DB> db,
             std::vector<rocksdb::ColumnFamilyHandle*> handles,
             const StoreOptions& options, bool created)
      : owned_env_(std::move(env)),
        db_(std::move(db)),
        options_(options),
        created_(created) {
    for (int i = 0; i < kCfCount; ++i) cfs_[i] = handles[i];
  }

  ~RocksStore() override {
    // The committer answers every CommitAsync queued before it stops.
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      committer_cv_.Signal();
      resume_cv_.Signal();
    }
    if (committer_.joinable()) committer_.join();
    if (resumer_.joinable()) resumer_.join();
    // Everything is already durable in the WAL; flushing it to tables now
    // spares the next open a replay of it (a second per 50 MB). A failure
    // costs only that replay.
    (void)FlushAll(rocksdb::FlushOptions());
    for (rocksdb::ColumnFamilyHandle* cf : cfs_) {
      db_->DestroyColumnFamilyHandle(cf);
    }
    db_->Close();
  }

  absl::Status Init() {
    rocksdb::ReadOptions read;
    rocksdb::ColumnFamilyHandle* meta = cfs_[static_cast<int>(Cf::kMeta)];
    ASSIGN_OR_RETURN(
        std::optional<std::string> schema,
        GetFromDb(db_.get(), meta, read, kMetaSchemaVersion, &health_));
    ASSIGN_OR_RETURN(
        std::optional<std::string> replica,
        GetFromDb(db_.get(), meta, read, kMetaReplicaId, &health_));
    if (schema.has_value() && *schema == kPreviousSchemaVersion) {
      // Nothing to convert; marking it keeps older programs out.
      rocksdb::WriteOptions write;
      write.sync = true;
      RETURN_IF_ERROR(
          FromRocks(db_->Put(write, meta, kMetaSchemaVersion, kSchemaVersion),
                    "upgrade the schema version"));
      schema = kSchemaVersion;
    }
    if (schema.has_value() && *schema != kSchemaVersion) {
      return absl::FailedPreconditionError(absl::StrCat(
          options_.path, ": schema version ", *schema, " is not ",
          kSchemaVersion, " (the version this ", "program reads)"));
    }
    // Only a store this Open created has none (CheckReadOnly refuses any
    // other).
    if (!replica.has_value()) {
      replica = absl::StrCat("r", RandomId());
      rocksdb::WriteBatch batch;
      batch.Put(meta, kMetaSchemaVersion, kSchemaVersion);
      batch.Put(meta, kMetaReplicaId, *replica);
      rocksdb::WriteOptions write;
      write.sync = true;
      RETURN_IF_ERROR(FromRocks(db_->Write(write, &batch), "initialise"));
    }
    replica_id_ = *replica;
    ASSIGN_OR_RETURN(std::optional<std::string> epoch,
                     GetFromDb(db_.get(), meta, read, kMetaEpoch, &health_));
    if (!epoch.has_value()) {
      // A new store, or one made before stores had epochs.
      RETURN_IF_ERROR(SetEpoch());
    } else {
      epoch_ = *epoch;
    }
    committer_ = std::thread([this] { CommitterLoop(); });
    resumer_ = std::thread([this] { ResumeLoop(); });
    ASSIGN_OR_RETURN(
        std::optional<std::string> last,
        GetFromDb(db_.get(), meta, read, kMetaLastSequence, &health_));
    ASSIGN_OR_RETURN(std::optional<std::string> hlc,
                     GetFromDb(db_.get(), meta, read, kMetaLastHlc, &health_));
    const uint64_t last_sequence =
        last.has_value() ? DecodeBigEndian(*last) : 0;
    ASSIGN_OR_RETURN(std::string chain_head, ReadChainHead(last_sequence));
    absl::MutexLock lock(&mu_);
    last_sequence_ = last_sequence;
    last_hlc_ = hlc.has_value() ? DecodeBigEndian(*hlc) : 0;
    opened_at_sequence_ = last_sequence_;
    chain_head_ = std::move(chain_head);
    return absl::OkStatus();
  }

  // The hash of the log's last entry, `last_sequence`. A store made before
  // the log was chained gets its anchor and head now: the chain starts
  // after its last entry, whose stored bytes it hashes.
  absl::StatusOr<std::string> ReadChainHead(uint64_t last_sequence) {
    rocksdb::ColumnFamilyHandle* meta = cfs_[static_cast<int>(Cf::kMeta)];
    ASSIGN_OR_RETURN(std::optional<std::string> head,
                     GetFromDb(db_.get(), meta, rocksdb::ReadOptions(),
                               kMetaChainHead, &health_));
    if (head.has_value()) {
      std::optional<ChainBound> bound = DecodeChainBound(*head);
      if (!bound.has_value() || bound->sequence != last_sequence) {
        return Error(absl::StatusCode::kDataLoss, "STORE_DAMAGED",
                     absl::StrCat("the change log's chain head does not name "
                                  "its last entry (",
                                  last_sequence, ")"));
      }
      return std::move(bound->hash);
    }
    std::string hash;
    if (last_sequence > 0) {
      ASSIGN_OR_RETURN(
          std::optional<std::string> entry,
          GetFromDb(db_.get(), cfs_[static_cast<int>(Cf::kChanges)],
                    rocksdb::ReadOptions(), SequenceKey(last_sequence),
                    &health_));
      // A trimmed log may have dropped it; the chain then starts bare.
      if (entry.has_value()) hash = Sha256(*entry);
    }
    const std::string bound = EncodeChainBound(last_sequence, hash);
    rocksdb::WriteBatch batch;
    RETURN_IF_ERROR(
        FromRocks(batch.Put(meta, kMetaChainAnchor, bound), "batch"));
    RETURN_IF_ERROR(FromRocks(batch.Put(meta, kMetaChainHead, bound), "batch"));
    rocksdb::WriteOptions write;
    write.sync = true;
    RETURN_IF_ERROR(FromRocks(db_->Write(write, &batch),
                              "start the change log's chain", &health_));
    return hash;
  }

  // Gives the store a new random epoch, durably. Only before it serves.
  absl::Status SetEpoch() {
    std::string epoch = absl::StrCat("e", RandomId());
    rocksdb::WriteOptions write;
    write.sync = true;
    RETURN_IF_ERROR(FromRocks(
        db_->Put(write, cfs_[static_cast<int>(Cf::kMeta)], kMetaEpoch, epoch),
        "write the epoch", &health_));
    epoch_ = std::move(epoch);
    return absl::OkStatus();
  }

  const std::string& replica_id() const override { return replica_id_; }

  bool created() const override { return created_; }

  const std::string& epoch() const override { return epoch_; }

  uint64_t opened_at_sequence() const override { return opened_at_sequence_; }

  absl::StatusOr<BackupInfo> Backup(const std::string& dir) override {
    rocksdb::BackupEngine* raw = nullptr;
    rocksdb::BackupEngineOptions backup_options(dir);
    backup_options.sync = true;
    backup_options.share_files_with_checksum = true;
    // One backup at a time into a directory (BackupEngine is not safe for
    // concurrent use of one directory).
    absl::MutexLock lock(&backup_mu_);
    RETURN_IF_ERROR(FromRocks(
        rocksdb::BackupEngine::Open(
            backup_options,
            options_.env != nullptr ? options_.env : rocksdb::Env::Default(),
            &raw),
        "backup: open the backup directory"));
    std::unique_ptr<rocksdb::BackupEngine> engine(raw);
    // Every change committed before the backup's flush is in it: this one
    // at least (later ones may be too).
    const uint64_t sequence = last_sequence();
    rocksdb::CreateBackupOptions create;
    create.flush_before_backup = true;
    rocksdb::BackupID id = 0;
    RETURN_IF_ERROR(
        FromRocks(engine->CreateNewBackup(create, db_.get(), &id), "backup"));
    rocksdb::BackupInfo info;
    RETURN_IF_ERROR(FromRocks(engine->GetBackupInfo(id, &info), "backup info"));
    BackupInfo out;
    out.id = id;
    out.sequence = sequence;
    out.bytes = info.size;
    out.files = info.number_files;
    return out;
  }

  absl::Status health() const override { return health_.Get(); }

  void SetHealthListener(
      std::function<void(const absl::Status&)> listener) override {
    health_.SetListener(std::move(listener));
  }

  StoreSizes sizes() const override {
    StoreSizes sizes;
    const auto sum = [&](const std::string& property) {
      uint64_t total = 0;
      return db_->GetAggregatedIntProperty(property, &total) ? total : 0;
    };
    sizes.table_bytes = sum(rocksdb::DB::Properties::kLiveSstFilesSize);
    sizes.memtable_bytes = sum(rocksdb::DB::Properties::kCurSizeAllMemTables);
    sizes.estimated_keys = sum(rocksdb::DB::Properties::kEstimateNumKeys);
    rocksdb::VectorLogPtr logs;
    if (db_->GetSortedWalFiles(logs).ok()) {
      for (const auto& log : logs) sizes.wal_bytes += log->SizeFileBytes();
    }
    sizes.free_bytes = FreeBytes();
    return sizes;
  }

  uint64_t last_sequence() const override {
    absl::MutexLock lock(&mu_);
    return last_sequence_;
  }

  uint64_t last_hlc() const override {
    absl::MutexLock lock(&mu_);
    return last_hlc_;
  }

  absl::Status Commit(
      absl::FunctionRef<absl::Status(Transaction&)> body) override {
    return CommitWriter(body, /*alone=*/false);
  }

  absl::Status CommitAlone(
      absl::FunctionRef<absl::Status(Transaction&)> body) override {
    return CommitWriter(body, /*alone=*/true);
  }

  void CommitAsync(absl::AnyInvocable<absl::Status(Transaction&)> body,
                   absl::AnyInvocable<void(absl::Status)> done) override {
    auto* writer = new Writer(std::move(body), std::move(done));
    absl::MutexLock lock(&mu_);
    writers_.push_back(writer);
    if (writers_.size() == 1) WakeFront();
  }

  void FlushInBackground() override {
    rocksdb::FlushOptions flush;
    flush.wait = false;
    // Otherwise Flush waits until a flush would not stall writes.
    flush.allow_write_stall = true;
    const rocksdb::Status status = FlushAll(flush);
    if (!status.ok()) {
      // Costs only a longer replay after a crash.
      PLAN_LOG(WARNING) << "store: flush not started: " << status.ToString();
    }
  }

  std::unique_ptr<ReadView> NewReadView() const override {
    return std::make_unique<SnapshotView>(db_.get(), cfs_, &health_);
  }

 private:
  // Bytes free for this process on the store's file system (all, when it
  // cannot be read: the guard must not stop writes by mistake).
  uint64_t FreeBytes() const {
    struct statvfs stats;
    if (::statvfs(options_.path.c_str(), &stats) != 0) return ~uint64_t{0};
    return static_cast<uint64_t>(stats.f_bavail) * stats.f_frsize;
  }

  // Flushes the memtables of every column family.
  rocksdb::Status FlushAll(const rocksdb::FlushOptions& options) {
    return db_->Flush(options, std::vector<rocksdb::ColumnFamilyHandle*>(
                                   std::begin(cfs_), std::end(cfs_)));
  }

  // A queued commit: a Commit or CommitAlone caller, waiting on `cv`, or a
  // CommitAsync one, which owns its body and is answered through `on_done`
  // (and deleted then).
  struct Writer {
    Writer(absl::FunctionRef<absl::Status(Transaction&)> b, bool a)
        : body(b), alone(a) {}
    Writer(absl::AnyInvocable<absl::Status(Transaction&)> b,
           absl::AnyInvocable<void(absl::Status)> done)
        : owned_body(std::move(b)), alone(false), on_done(std::move(done)) {}

    absl::Status Run(Transaction& txn) {
      return body.has_value() ? (*body)(txn) : owned_body(txn);
    }
    bool async() const { return on_done != nullptr; }

    std::optional<absl::FunctionRef<absl::Status(Transaction&)>> body;
    absl::AnyInvocable<absl::Status(Transaction&)> owned_body;
    const bool alone;
    absl::AnyInvocable<void(absl::Status)> on_done;
    absl::Status status;
    bool done = false;
    absl::CondVar cv;
  };

  absl::Status CommitWriter(absl::FunctionRef<absl::Status(Transaction&)> body,
                            bool alone) {
    Writer self(body, alone);
    absl::MutexLock lock(&mu_);
    writers_.push_back(&self);
    while (!self.done && writers_.front() != &self) self.cv.Wait(&mu_);
    if (!self.done) LeadGroup();
    return self.status;
  }

  // Lets the writer now at the front of the queue lead the next group: its
  // own thread, or for a CommitAsync writer the committer thread.
  void WakeFront() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writers_.empty()) {
      if (stopping_) committer_cv_.Signal();  // it may return now
      return;
    }
    if (writers_.front()->async()) {
      committer_cv_.Signal();
    } else {
      writers_.front()->cv.Signal();
    }
  }

  // After a failed write, tries to resume writing (RocksDB's Resume: for a
  // full disk, once there is space) at growing intervals, until it does or
  // the store closes.
  void ResumeLoop() {
    absl::MutexLock lock(&mu_);
    absl::Duration wait = options_.resume_interval;
    int attempts = 0;
    while (!stopping_) {
      if (!resume_needed_) {
        wait = options_.resume_interval;
        attempts = 0;
        resume_cv_.Wait(&mu_);
        continue;
      }
      resume_cv_.WaitWithTimeout(&mu_, wait);
      if (stopping_) return;
      if (low_space_) {
        if (FreeBytes() < options_.min_free_bytes) continue;
        low_space_ = false;
      }
      mu_.Unlock();
      const rocksdb::Status resumed = db_->Resume();
      mu_.Lock();
      ++attempts;
      if (resumed.ok()) {
        resume_needed_ = false;
        health_.Resumed();
        PLAN_LOG(INFO) << "store: writes resumed after " << attempts
                       << " attempts";
        continue;
      }
      if (resumed.severity() >= rocksdb::Status::Severity::kFatalError) {
        // RocksDB will not write again in this process (a failed WAL write
        // or sync: what reached the disk is unknown). Reopening replays the
        // WAL, which holds every acknowledged write.
        resume_needed_ = false;
        health_.NeedsRestart(Error(
            absl::StatusCode::kUnavailable, "STORAGE_NEEDS_RESTART",
            "the store stopped writing after a failed write or sync of its "
            "log; it writes again once the process restarts"));
        PLAN_LOG(ERROR) << "store: writes stopped until the process restarts: "
                        << resumed.ToString();
        continue;
      }
      PLAN_LOG(WARNING) << "store: cannot resume writes yet (attempt "
                        << attempts << "): " << resumed.ToString();
      wait = std::min(wait * 2, options_.resume_interval * 16);
    }
  }

  // Runs the queue for CommitAsync writers that reach its front with no
  // thread of their own to lead.
  // Returns once the store is closing and the queue is empty.
  void CommitterLoop() {
    absl::MutexLock lock(&mu_);
    while (true) {
      while (!(stopping_ && writers_.empty()) &&
             (writers_.empty() || !writers_.front()->async())) {
        committer_cv_.Wait(&mu_);
      }
      if (writers_.empty()) return;
      LeadGroup();
    }
  }

  // Leads the group at the front of the queue (FrontGroup): runs their
  // bodies in order into one batch, writes and syncs it (WriteGroup), and
  // only then completes them (FinishGroup). Releases mu_ while it works.
  void LeadGroup() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const std::vector<Writer*> group = FrontGroup();
    GroupState state;
    state.next_sequence = last_sequence_ + 1;
    state.chain_head = chain_head_;
    mu_.Unlock();
    if (options_.test_hooks.group_chosen) {
      options_.test_hooks.group_chosen(group.size());
    }
    // Others queue up meanwhile, forming the next group.
    // After a failed write nothing more is written until the store has
    // resumed (ResumeLoop): the failed batch may be partly in the WAL, and
    // RocksDB may have stopped writes.
    absl::Status written = health_.WriteError();
    const bool refused = !written.ok();
    if (written.ok()) written = CheckFreeSpace();
    if (written.ok()) written = WriteGroup(group, &state);
    mu_.Lock();
    if (written.ok()) {
      AdvanceLog(std::move(state));
    } else if (!refused) {
      PLAN_LOG(ERROR) << "store: commit of " << group.size()
                      << " writes failed: " << written.message();
    }
    FinishGroup(group, written);
  }

  // The group at the front of the queue: everyone queued now, up to the
  // limit, and none past (or after) a writer that must be alone.
  std::vector<Writer*> FrontGroup() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    size_t size = 1;
    if (!writers_.front()->alone) {
      while (size < std::min(writers_.size(), kMaxGroupSize) &&
             !writers_[size]->alone) {
        ++size;
      }
    }
    std::vector<Writer*> group(writers_.begin(), writers_.begin() + size);
    for (const Writer* writer : group) {
      PLAN_DCHECK(size == 1 || !writer->alone)
          << "a writer that must be alone shares a group of " << size;
    }
    return group;
  }

  // Writes stop short of a full disk: RocksDB's own handling of one (a
  // failed flush or log write) is its least tested path, and Debian's build
  // asserts in it. Refuses the group with STORAGE_FULL when fewer than
  // StoreOptions::min_free_bytes are free, and has ResumeLoop wait for space.
  absl::Status CheckFreeSpace() ABSL_LOCKS_EXCLUDED(mu_) {
    if (options_.min_free_bytes == 0) return absl::OkStatus();
    const uint64_t free = FreeBytes();
    if (free >= options_.min_free_bytes) return absl::OkStatus();
    absl::Status full = Error(
        absl::StatusCode::kUnavailable, "STORAGE_FULL",
        absl::StrCat("store commit refused: the disk is nearly full (",
                     free >> 20, " MiB free; ", options_.min_free_bytes >> 20,
                     " MiB are kept free); writes resume once there is "
                     "space"));
    PLAN_LOG(ERROR) << "store: writes stopped: " << full.message();
    health_.WriteFailed(full);
    absl::MutexLock lock(&mu_);
    low_space_ = true;
    resume_needed_ = true;
    resume_cv_.Signal();
    return full;
  }

  // Runs the bodies of `group` in order into `state`, then writes its batch
  // (with the group's last writes to `meta`) as one WriteBatch, synced when
  // StoreOptions::sync. A body that fails has its writes left out and keeps
  // its own status. A failed write has ResumeLoop try to resume writes.
  absl::Status WriteGroup(const std::vector<Writer*>& group, GroupState* state)
      ABSL_LOCKS_EXCLUDED(mu_) {
    for (Writer* writer : group) {
      GroupTransaction txn(db_.get(), cfs_, &health_, state);
      writer->status = writer->Run(txn);
      if (writer->status.ok()) {
        writer->status = txn.MergeIntoGroup(/*visible=*/writer != group.back());
      }
    }
    if (absl::Status meta = state->AddMeta(cfs_[static_cast<int>(Cf::kMeta)]);
        !meta.ok()) {
      return meta;
    }
    if (state->batch.Count() == 0) return absl::OkStatus();
    rocksdb::WriteOptions write;
    write.sync = options_.sync;
    const absl::Time started = absl::Now();
    absl::Status written =
        FromRocks(db_->Write(write, &state->batch), "commit", &health_);
    if (written.ok() && options_.on_group_written) {
      options_.on_group_written(group.size(), absl::Now() - started);
    }
    if (!written.ok()) {
      health_.WriteFailed(written);
      absl::MutexLock lock(&mu_);
      resume_needed_ = true;
      resume_cv_.Signal();
    }
    return written;
  }

  // Takes the written group's last sequence, chain head and clock as the
  // store's.
  void AdvanceLog(GroupState state) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    // The log grows by exactly the sequences the group took, and its chain
    // head moves with it.
    PLAN_DCHECK(state.next_sequence - 1 >= last_sequence_)
        << "the log went back from " << last_sequence_ << " to "
        << state.next_sequence - 1;
    PLAN_DCHECK(state.next_sequence - 1 == last_sequence_ ||
                state.chain_head != chain_head_)
        << "changes were logged but the chain head did not move";
    last_sequence_ = state.next_sequence - 1;
    chain_head_ = std::move(state.chain_head);
    if (std::optional<std::string> hlc = state.last_hlc(); hlc.has_value()) {
      last_hlc_ = DecodeBigEndian(*hlc);
    }
  }

  // Completes the writers of `group`, at the front of the queue: each gets
  // its body's failure, or else `written`. Removes them from the queue and
  // wakes the next leader, then answers the CommitAsync ones (and deletes
  // them) outside the lock, so the next group may start meanwhile.
  void FinishGroup(const std::vector<Writer*>& group,
                   const absl::Status& written)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::vector<std::unique_ptr<Writer>> finished;
    for (Writer* writer : group) {
      writers_.pop_front();
      if (writer->status.ok()) writer->status = written;
      writer->done = true;
      if (writer->async()) {
        finished.emplace_back(writer);
      } else {
        writer->cv.Signal();
      }
    }
    WakeFront();
    if (finished.empty()) return;
    mu_.Unlock();
    for (const std::unique_ptr<Writer>& writer : finished) {
      writer->on_done(std::move(writer->status));
    }
    finished.clear();
    mu_.Lock();
  }

  std::unique_ptr<rocksdb::Env> owned_env_;  // outlives db_ (or null)
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* cfs_[kCfCount] = {};
  const StoreOptions options_;
  const bool created_;
  std::string replica_id_;
  std::string epoch_;                // set by Init
  uint64_t opened_at_sequence_ = 0;  // set by Init
  absl::Mutex backup_mu_;
  mutable HealthState health_;  // views record corruption they meet

  mutable absl::Mutex mu_;
  std::deque<Writer*> writers_ ABSL_GUARDED_BY(mu_);
  absl::CondVar committer_cv_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread committer_;  // runs CommitterLoop; started by Init
  absl::CondVar resume_cv_;
  bool resume_needed_ ABSL_GUARDED_BY(mu_) = false;
  // Writes stopped for want of free space (StoreOptions::min_free_bytes).
  bool low_space_ ABSL_GUARDED_BY(mu_) = false;
  std::thread resumer_;  // runs ResumeLoop; started by Init
  uint64_t last_sequence_ ABSL_GUARDED_BY(mu_) = 0;
  // The SHA-256 of the last log entry (see kMetaChainHead).
  std::string chain_head_ ABSL_GUARDED_BY(mu_);
  uint64_t last_hlc_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace

namespace {

// The entity stored as `bytes` (nullopt when absent).
absl::StatusOr<std::optional<storage::Entity>> DecodeEntity(
    const ResourceName& name,
    const absl::StatusOr<std::optional<std::string>>& bytes) {
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return std::nullopt;
  storage::Entity entity;
  if (!entity.ParseFromString(**bytes)) {
    return absl::DataLossError(
        absl::StrCat("entity ", name.str(), " is corrupt"));
  }
  if (entity.service_image_is_current()) {
    entity.set_service_image_is_current(false);
    entity.set_service_resource(entity.resource());
    entity.set_service_deleted(entity.deleted());
  }
  return entity;
}

}  // namespace

std::string EncodeChainBound(uint64_t sequence, absl::string_view hash) {
  return absl::StrCat(SequenceKey(sequence), hash);
}

std::optional<ChainBound> DecodeChainBound(absl::string_view value) {
  // The hash is empty while the chain has no entry.
  if (value.size() != 8 && value.size() != 8 + kSha256Bytes) {
    return std::nullopt;
  }
  return ChainBound{DecodeSequenceKey(value.substr(0, 8)),
                    std::string(value.substr(8))};
}

absl::StatusOr<ChainBound> ReadView::GetChainBound(const char* key) const {
  ASSIGN_OR_RETURN(std::optional<std::string> value, Get(Cf::kMeta, key));
  if (!value.has_value()) return ChainBound();
  std::optional<ChainBound> bound = DecodeChainBound(*value);
  if (!bound.has_value()) {
    return absl::DataLossError(absl::StrCat("stored ", key, " is corrupt"));
  }
  return *std::move(bound);
}

absl::StatusOr<std::optional<storage::Entity>> ReadView::GetEntity(
    const ResourceName& name) const {
  return DecodeEntity(name, Get(Cf::kEntities, EntityKey(name)));
}

absl::StatusOr<std::optional<storage::Entity>> Transaction::GetEntity(
    const ResourceName& name) {
  return DecodeEntity(name, Get(Cf::kEntities, EntityKey(name)));
}

namespace {

// The entities of `kind` under `name_prefix` that `scan` visits.
template <typename ScanFn>
absl::StatusOr<std::vector<std::pair<ResourceName, storage::Entity>>>
ListEntitiesWith(Kind kind, absl::string_view name_prefix, ScanFn scan) {
  std::vector<std::pair<ResourceName, storage::Entity>> entities;
  absl::Status failed;
  const auto visit = [&](absl::string_view key, absl::string_view value) {
    absl::StatusOr<ResourceName> name =
        ResourceName::Parse(NameOfEntityKey(key));
    if (!name.ok()) {
      failed = absl::DataLossError(
          absl::StrCat("entity key ", key, " holds no resource name"));
      return false;
    }
    absl::StatusOr<std::optional<storage::Entity>> entity =
        DecodeEntity(*name, std::optional<std::string>(value));
    if (!entity.ok()) {
      failed = entity.status();
      return false;
    }
    entities.emplace_back(*std::move(name), **std::move(entity));
    return true;
  };
  RETURN_IF_ERROR(scan(EntityKeyPrefix(kind, name_prefix), visit));
  RETURN_IF_ERROR(failed);
  return entities;
}

}  // namespace

absl::StatusOr<std::vector<std::pair<ResourceName, storage::Entity>>>
ReadView::ListEntities(Kind kind, absl::string_view name_prefix) const {
  return ListEntitiesWith(kind, name_prefix,
                          [this](const std::string& prefix, auto visit) {
                            return Scan(Cf::kEntities, prefix, "", visit);
                          });
}

absl::StatusOr<std::vector<std::pair<ResourceName, storage::Entity>>>
Transaction::ListEntities(Kind kind, absl::string_view name_prefix) {
  return ListEntitiesWith(kind, name_prefix,
                          [this](const std::string& prefix, auto visit) {
                            return Scan(Cf::kEntities, prefix, visit);
                          });
}

namespace {

// True when an agent's entity holds the service's image unchanged: then
// the image is stored once (storage::Entity.service_image_is_current).
bool ServiceImageIsCurrent(const storage::Entity& entity) {
  return entity.service_known() &&
         entity.deleted() == entity.service_deleted() &&
         entity.resource() == entity.service_resource();
}

void Compact(storage::Entity* entity) {
  entity->clear_service_resource();
  entity->clear_service_deleted();
  entity->set_service_image_is_current(true);
}

// An entity's bytes. Not the deterministic encoding: nothing compares
// entities' bytes (replicas compare resources, which are encoded
// deterministically), and sorting the map of field versions made encoding
// an action's entity 2.4 times slower (1.41 against 0.58 µs).
std::string EncodeEntity(const storage::Entity& entity) {
  return entity.SerializeAsString();
}

}  // namespace

void Transaction::PutEntity(const ResourceName& name,
                            const storage::Entity& entity) {
  if (!ServiceImageIsCurrent(entity)) {
    Put(Cf::kEntities, EntityKey(name), EncodeEntity(entity));
    return;
  }
  storage::Entity compact = entity;
  Compact(&compact);
  Put(Cf::kEntities, EntityKey(name), EncodeEntity(compact));
}

void Transaction::PutEntity(const ResourceName& name,
                            storage::Entity&& entity) {
  if (ServiceImageIsCurrent(entity)) Compact(&entity);
  Put(Cf::kEntities, EntityKey(name), EncodeEntity(entity));
}

uint64_t Transaction::AppendChange(v1::Change change) {
  const uint64_t sequence = TakeSequence();
  PLAN_DCHECK(change.sequence() == 0 || change.sequence() == sequence)
      << "a change stamped with sequence " << change.sequence()
      << " was logged at " << sequence;
  change.set_sequence(sequence);
  change.set_prev_hash(ChainHead());
  if (!change.has_log_time()) {
    *change.mutable_log_time() = ToTimestamp(absl::Now());
  }
  const std::string key = SequenceKey(sequence);
  std::string entry = change.SerializeAsString();
  std::string hash = Sha256(entry);
  Put(Cf::kChanges, key, entry);
  Put(Cf::kMeta, kMetaChainHead, EncodeChainBound(sequence, hash));
  SetChainHead(std::move(hash));
  Put(Cf::kPlanChanges, PlanChangeKey(change.plan(), sequence), "");
  Put(Cf::kMeta, kMetaLastSequence, key);
  Put(Cf::kMeta, kMetaLastHlc, EncodeBigEndian(change.hlc()));
  return sequence;
}

absl::StatusOr<std::optional<v1::ChangeResult>> Transaction::AppliedResult(
    absl::string_view change_id) {
  ASSIGN_OR_RETURN(std::optional<std::string> value,
                   Get(Cf::kApplied, change_id));
  if (!value.has_value()) return std::nullopt;
  v1::ChangeResult result;
  if (!result.ParseFromString(value.value_or(""))) {
    return absl::DataLossError(
        absl::StrCat("the answer to change ", change_id, " is corrupt"));
  }
  return result;
}

void Transaction::RecordResult(const v1::ChangeResult& result) {
  Put(Cf::kApplied, result.change_id(), result.SerializeAsString());
}

namespace {

// Whether `path` holds no store yet: absent, or an empty directory.
absl::StatusOr<bool> NoStoreAt(const std::string& path, bool require_wal) {
  std::error_code error;
  const std::filesystem::file_status status =
      std::filesystem::status(path, error);
  if (status.type() == std::filesystem::file_type::not_found) return true;
  if (error) {
    return Error(absl::StatusCode::kFailedPrecondition, "STORE_UNREADABLE",
                 absl::StrCat("cannot read ", path, ": ", error.message()));
  }
  if (status.type() != std::filesystem::file_type::directory) {
    return Error(absl::StatusCode::kFailedPrecondition, "NOT_A_PLAN_STORE",
                 absl::StrCat(path, " is not a directory"));
  }
  const bool empty = std::filesystem::is_empty(path, error);
  if (error) {
    return Error(absl::StatusCode::kFailedPrecondition, "STORE_UNREADABLE",
                 absl::StrCat("cannot read ", path, ": ", error.message()));
  }
  if (empty) return true;
  bool has_manifest = false;
  bool has_wal = false;
  for (const auto& entry : std::filesystem::directory_iterator(path, error)) {
    const std::string name = entry.path().filename().string();
    has_manifest = has_manifest || absl::StartsWith(name, "MANIFEST-");
    has_wal = has_wal || absl::EndsWith(name, ".log");
  }
  if (!std::filesystem::exists(std::filesystem::path(path) / "CURRENT",
                               error)) {
    return Error(
        absl::StatusCode::kDataLoss, "STORE_DAMAGED",
        absl::StrCat(
            path,
            has_manifest
                ? " holds a store whose CURRENT file is missing. "
                : " is not empty but holds no store (no CURRENT file). ",
            "Nothing was changed. ", kRecoveryAdvice));
  }
  // RocksDB always keeps a write-ahead log file, empty after a clean close;
  // without one it would open, and serve, whatever was last flushed. (Only a
  // store just restored from a backup has none.)
  if (!has_wal && require_wal) {
    return Error(absl::StatusCode::kDataLoss, "STORE_DAMAGED",
                 absl::StrCat(path,
                              " holds a store whose write-ahead log (*.log) "
                              "is missing. Nothing was changed. ",
                              kRecoveryAdvice));
  }
  return false;
}

// The error for a store that exists but does not open.
absl::Status OpenError(const std::string& path, const rocksdb::Status& status) {
  // Not damage: another process holds the store, or this one may not read it.
  // (Advising a restore for these would lose the writes since the backup.)
  const std::string text = status.ToString();
  // (RocksDB names its LOCK file in every error taking the lock.)
  if (absl::StrContains(text, "/LOCK") ||
      absl::StrContains(text, "lock file") ||
      absl::StrContains(text, "Resource temporarily unavailable")) {
    return Error(absl::StatusCode::kUnavailable, "STORE_IN_USE",
                 absl::StrCat("cannot open the store in ", path,
                              ": another process has it open (", text,
                              "). Nothing was changed."));
  }
  if (absl::StrContains(text, "Permission denied") ||
      absl::StrContains(text, "Too many open files")) {
    return Error(absl::StatusCode::kFailedPrecondition, "STORE_UNREADABLE",
                 absl::StrCat("cannot open the store in ", path, ": ", text,
                              ". Nothing was changed."));
  }
  const bool damaged = status.IsCorruption() || status.IsIOError() ||
                       status.IsInvalidArgument() || status.IsNotFound();
  return Error(
      damaged ? absl::StatusCode::kDataLoss : absl::StatusCode::kUnavailable,
      damaged ? "STORE_DAMAGED" : "STORE_UNAVAILABLE",
      absl::StrCat("cannot open the store in ", path, ": ", status.ToString(),
                   ". Nothing was changed. ", damaged ? kRecoveryAdvice : ""));
}

// Opens the existing store at `path` read-only, which writes nothing (a
// read-write open writes a new MANIFEST and deletes the old), to find damage
// before anything is changed: the MANIFEST, every table it lists, the WAL's
// records, and this program's own metadata.
absl::Status CheckReadOnly(
    const rocksdb::Options& options, const std::string& path,
    const std::vector<rocksdb::ColumnFamilyDescriptor>& descriptors) {
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status opened =
      rocksdb::DB::OpenForReadOnly(options, path, descriptors, &handles, &raw);
  if (!opened.ok()) return OpenError(path, opened);
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string replica;
  const rocksdb::Status read =
      db->Get(rocksdb::ReadOptions(), handles[1 + static_cast<int>(Cf::kMeta)],
              kMetaReplicaId, &replica);
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    db->DestroyColumnFamilyHandle(handle);
  }
  db->Close();
  if (read.IsNotFound()) {
    return Error(absl::StatusCode::kDataLoss, "STORE_DAMAGED",
                 absl::StrCat(path,
                              " holds a RocksDB database without a plan "
                              "store's replica id: its write-ahead log may "
                              "be lost, or it belongs to another program. "
                              "Nothing was changed. ",
                              kRecoveryAdvice));
  }
  if (!read.ok()) return OpenError(path, read);
  return absl::OkStatus();
}

}  // namespace

// Store::Open; `restored` accepts the one store with no WAL file yet, one
// that Restore has just made.
absl::StatusOr<std::unique_ptr<Store>> OpenStore(const StoreOptions& options,
                                                 bool restored);

absl::StatusOr<std::unique_ptr<Store>> Store::Open(
    const StoreOptions& options) {
  return OpenStore(options, /*restored=*/false);
}

absl::StatusOr<std::unique_ptr<Store>> OpenStore(const StoreOptions& options,
                                                 bool restored) {
  ASSIGN_OR_RETURN(const bool create,
                   NoStoreAt(options.path, /*require_wal=*/!restored));
  if (create) {
    // With its parents (RocksDB makes only the last one), so that a path
    // that cannot be made says so, not that a store is damaged.
    std::error_code error;
    std::filesystem::create_directories(options.path, error);
    if (error) {
      return Error(absl::StatusCode::kFailedPrecondition, "STORE_UNWRITABLE",
                   absl::StrCat("cannot make the store's directory ",
                                options.path, ": ", error.message()));
    }
  }
  rocksdb::Options db_options;
  // Only where there is nothing: RocksDB would otherwise make a new, empty
  // store beside a damaged one, and delete the old files it does not know.
  db_options.create_if_missing = create;
  db_options.create_missing_column_families = create;
  db_options.error_if_exists = create;
  db_options.paranoid_checks = true;
  // A synced WAL that has gone missing is an error, not an empty log.
  db_options.track_and_verify_wals_in_manifest = true;
  // Only an incomplete last record is dropped (the one write that was never
  // acknowledged); damage before it is an error, not a silent cut.
  db_options.wal_recovery_mode =
      rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  if (options.env != nullptr) db_options.env = options.env;
  // For crash tests of the real binaries (sync_log_file_system.h).
  std::unique_ptr<rocksdb::Env> sync_log_env;
  if (const char* log = std::getenv("PLAN_STORE_SYNC_LOG");
      log != nullptr && *log != '\0' && options.env == nullptr) {
    std::shared_ptr<rocksdb::FileSystem> logged =
        NewSyncLogFileSystem(rocksdb::FileSystem::Default(), log);
    if (logged == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot open PLAN_STORE_SYNC_LOG ", log));
    }
    sync_log_env = rocksdb::NewCompositeEnv(logged);
    db_options.env = sync_log_env.get();
  }
  db_options.max_background_jobs = 2;
  db_options.keep_log_file_num = 5;
  db_options.db_write_buffer_size = options.memtable_bytes;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  // A push looks up each change id in `applied`, almost always in vain: the
  // filters answer most such misses without reading a block.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  rocksdb::ColumnFamilyOptions cf_options(db_options);
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  // The column families read by key get a filter in the memtable too: most
  // of a push's lookups (its change ids, the entities it edits first since
  // the last flush) miss the memtable, and the filter answers them without
  // searching its skip list.
  rocksdb::ColumnFamilyOptions lookup_options = cf_options;
  lookup_options.memtable_whole_key_filtering = true;
  lookup_options.memtable_prefix_bloom_size_ratio = 0.02;

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, cf_options);
  for (int cf = 0; cf < kCfCount; ++cf) {
    const bool by_key = cf == static_cast<int>(Cf::kEntities) ||
                        cf == static_cast<int>(Cf::kApplied);
    descriptors.emplace_back(kCfNames[cf],
                             by_key ? lookup_options : cf_options);
  }
  if (!create)
    RETURN_IF_ERROR(CheckReadOnly(db_options, options.path, descriptors));
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status opened =
      rocksdb::DB::Open(db_options, options.path, descriptors, &handles, &raw);
  if (!opened.ok()) return OpenError(options.path, opened);
  std::unique_ptr<rocksdb::DB> db(raw);
  // handles[0] is the unused default column family.
  db->DestroyColumnFamilyHandle(handles[0]);
  handles.erase(handles.begin());
  auto store =
      std::make_unique<RocksStore>(std::move(sync_log_env), std::move(db),
                                   std::move(handles), options, create);
  RETURN_IF_ERROR(store->Init());
  return store;
}

absl::StatusOr<BackupInfo> Store::Restore(const std::string& backup_dir,
                                          const StoreOptions& options) {
  ASSIGN_OR_RETURN(const bool nothing_there,
                   NoStoreAt(options.path, /*require_wal=*/true));
  if (!nothing_there) {
    return Error(absl::StatusCode::kFailedPrecondition, "RESTORE_TARGET_IN_USE",
                 absl::StrCat("cannot restore into ", options.path,
                              ": it is not empty (restore into a new "
                              "directory; nothing was changed)"));
  }
  rocksdb::Env* env =
      options.env != nullptr ? options.env : rocksdb::Env::Default();
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  rocksdb::BackupEngineOptions backup_options(backup_dir);
  const rocksdb::IOStatus opened =
      rocksdb::BackupEngineReadOnly::Open(backup_options, env, &raw);
  if (!opened.ok()) {
    return Error(absl::StatusCode::kNotFound, "BACKUP_NOT_FOUND",
                 absl::StrCat("cannot read backups in ", backup_dir, ": ",
                              opened.ToString()));
  }
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(raw);
  rocksdb::BackupInfo latest;
  if (!engine->GetLatestBackupInfo(&latest).ok()) {
    return Error(absl::StatusCode::kNotFound, "BACKUP_NOT_FOUND",
                 absl::StrCat(backup_dir, " holds no backup"));
  }
  if (const rocksdb::IOStatus verified =
          engine->VerifyBackup(latest.backup_id, /*verify_with_checksum=*/true);
      !verified.ok()) {
    return Error(absl::StatusCode::kDataLoss, "BACKUP_DAMAGED",
                 absl::StrCat("backup ", latest.backup_id, " in ", backup_dir,
                              " is damaged: ", verified.ToString()));
  }
  // Restored beside the target, given its new epoch there, and only then
  // renamed into place: a crash part-way leaves the target as it was (the
  // next restore starts the staging directory again).
  StoreOptions staging = options;
  staging.path = absl::StrCat(options.path, ".restoring");
  std::error_code error;
  std::filesystem::remove_all(staging.path, error);
  const rocksdb::IOStatus restored =
      engine->RestoreDBFromBackup(latest.backup_id, staging.path, staging.path);
  if (!restored.ok()) {
    return Error(
        absl::StatusCode::kInternal, "RESTORE_FAILED",
        absl::StrCat("cannot restore backup ", latest.backup_id, " into ",
                     staging.path, ": ", restored.ToString()));
  }
  BackupInfo info;
  info.id = latest.backup_id;
  info.bytes = latest.size;
  info.files = latest.number_files;
  std::string old_epoch, new_epoch;
  {
    // A restored store is a new epoch: its sequence numbers may be reused.
    ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                     OpenStore(staging, /*restored=*/true));
    auto* rocks = static_cast<RocksStore*>(store.get());
    old_epoch = rocks->epoch();
    RETURN_IF_ERROR(rocks->SetEpoch());
    new_epoch = rocks->epoch();
    info.sequence = store->last_sequence();
  }
  std::filesystem::rename(staging.path, options.path, error);
  if (error) {
    return Error(absl::StatusCode::kInternal, "RESTORE_FAILED",
                 absl::StrCat("cannot rename ", staging.path, " to ",
                              options.path, ": ", error.message()));
  }
  PLAN_LOG(INFO) << "store: restored backup " << info.id << " from "
                 << backup_dir << " into " << options.path
                 << " sequence=" << info.sequence << " epoch=" << old_epoch
                 << "->" << new_epoch;
  return info;
}

std::string EntityKey(const ResourceName& name) {
  return EntityKeyPrefix(name.kind(), name.str());
}

std::string EntityKeyPrefix(Kind kind, absl::string_view name_prefix) {
  return absl::StrCat(absl::string_view(std::string(1, KindTag(kind))),
                      name_prefix);
}

absl::string_view NameOfEntityKey(absl::string_view key) {
  return key.substr(1);
}

std::string SequenceKey(uint64_t sequence) { return EncodeBigEndian(sequence); }

uint64_t DecodeSequenceKey(absl::string_view key) {
  return DecodeBigEndian(key);
}

std::string PlanChangeKey(absl::string_view plan, uint64_t sequence) {
  return absl::StrCat(plan, absl::string_view("\0", 1),
                      EncodeBigEndian(sequence));
}

}  // namespace plan
