// The RocksDB store: entities, the change log, and replica metadata.
//
// Column families (docs/architecture.md, "Storage"): `entities` (kind + name ->
// Entity), `changes` (big-endian sequence -> Change), `plan_changes` (plan +
// sequence, the per-plan index of the log), `applied` (change id -> the answer
// to a pushed change, for idempotent retries), `outbox` (a sync agent's
// unacknowledged changes) and `meta` (replica id, schema version, last
// sequence, last clock value, the bounds of the log's hash chain).
//
// Writes go through Commit: the body reads and writes through a Transaction;
// its writes, and the changes it appends, land in one WriteBatch, acknowledged
// only after the WAL is synced. Concurrent commits form groups that share one
// WriteBatch and one sync (group commit); within a group the bodies run one at
// a time, in arrival order, each seeing the writes of those before it, so the
// change log is gap-free and in commit order.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<Store> store, Store::Open({.path = dir}));
//   RETURN_IF_ERROR(store->Commit([&](Transaction& txn) -> absl::Status {
//     ASSIGN_OR_RETURN(std::optional<Entity> current, txn.GetEntity(name));
//     ...
//     txn.PutEntity(name, entity);
//     txn.AppendChange(change);
//     return absl::OkStatus();
//   }));
#ifndef LIBPLAN_STORAGE_STORE_H_
#define LIBPLAN_STORAGE_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "libplan/model/names.h"
#include "libplan/storage/records.pb.h"
#include "prevent/plan/v1/sync_service.pb.h"

namespace rocksdb {
class Env;
}  // namespace rocksdb

namespace plan {

namespace storage = prevent::plan::storage;
namespace v1 = prevent::plan::v1;

enum class Cf { kEntities, kChanges, kPlanChanges, kApplied, kOutbox, kMeta };

// The change log is a hash chain (docs/security.md): each entry's prev_hash
// is the SHA-256 of the stored bytes of the entry before it. Two `meta`
// keys, each SequenceKey(sequence) + a SHA-256, bound it: the head (the last
// entry and its hash, written with it), and the anchor (the entry the chain
// starts after: 0 for a store made with the chain, the last entry for an
// older store when it was first opened with it, the horizon after a trim).
inline constexpr char kMetaChainHead[] = "chain_head";
inline constexpr char kMetaChainAnchor[] = "chain_anchor";

// The value of a chain bound: an entry's sequence and the SHA-256 of its
// stored bytes (empty for sequence 0, before the first entry).
struct ChainBound {
  uint64_t sequence = 0;
  std::string hash;
};
std::string EncodeChainBound(uint64_t sequence, absl::string_view hash);
// nullopt when `value` is not an encoded ChainBound.
std::optional<ChainBound> DecodeChainBound(absl::string_view value);

struct StoreOptions {
  // Directory of the RocksDB database. A new store is made only where there
  // is none: when the directory is absent or empty.
  std::string path;
  // Sync the WAL before a commit returns. Turning it off loses the durability
  // promise; only benchmarks of the raw engine do.
  bool sync = true;
  // RocksDB block cache size.
  size_t block_cache_bytes = 64 << 20;
  // Memory for memtables, across all column families; past it the largest
  // is flushed. (RocksDB's default is 64 MiB per column family, unbounded
  // in total.)
  size_t memtable_bytes = 64 << 20;
  // The RocksDB environment (its file system); nullptr for the default.
  // Tests give one that fails or loses writes on demand.
  rocksdb::Env* env = nullptr;
  // Writes stop (UNAVAILABLE, STORAGE_FULL) while less than this is free on
  // the store's file system, and resume by themselves once it is; 0: no
  // such guard (RocksDB's own errors still stop them on a full disk).
  uint64_t min_free_bytes = 0;
  // How long after a failed write the store first tries to resume writing
  // (the wait doubles up to 16 times this).
  absl::Duration resume_interval = absl::Milliseconds(500);
  // Called after each commit group is written, on the thread that led it,
  // with its number of writers and how long its write (and the WAL's sync)
  // took: for metrics (rpc/metrics.h). Must not block or call the store.
  std::function<void(size_t writers, absl::Duration write)> on_group_written =
      nullptr;

  // Points in the store's work where a test may look, or hold the store
  // (RocksDB's SyncPoint is the model): so that a test need not sleep and
  // hope that commits landed as it wants. Never set outside tests; unset,
  // each costs a test of an empty std::function.
  struct TestHooks {
    // Called once a commit group is chosen, with its number of writers,
    // before any of their bodies runs, on the thread that leads it and with
    // no store lock held. Commits queued from then on form later groups. It
    // may block: the group, and every later one, waits for it meanwhile.
    std::function<void(size_t writers)> group_chosen = nullptr;
  };
  TestHooks test_hooks = {};
};

// A consistent read-only view of the store at one moment (a RocksDB snapshot).
class ReadView {
 public:
  virtual ~ReadView() = default;
  // The value under `key`, or nullopt.
  virtual absl::StatusOr<std::optional<std::string>> Get(
      Cf cf, absl::string_view key) const = 0;
  // Calls `visit` for each key starting with `prefix` and greater than
  // `start_after` (all when empty), in key order, until it returns false.
  virtual absl::Status Scan(
      Cf cf, absl::string_view prefix, absl::string_view start_after,
      absl::FunctionRef<bool(absl::string_view key, absl::string_view value)>
          visit) const = 0;
  // Calls `visit` for each of `keys`, which must ascend, that is present,
  // in order, until it returns false: a Get of each, but one iterator steps
  // from key to key, so keys next to each other (a run of the change log)
  // cost a step each rather than a search.
  virtual absl::Status GetSorted(
      Cf cf, absl::Span<const std::string> keys,
      absl::FunctionRef<bool(absl::string_view key, absl::string_view value)>
          visit) const = 0;
  // The last change sequence number the view includes.
  virtual uint64_t sequence() const = 0;

  // The entity named `name`, or nullopt.
  absl::StatusOr<std::optional<storage::Entity>> GetEntity(
      const ResourceName& name) const;
  // The `kind` entities whose names start with `name_prefix`, in key order.
  absl::StatusOr<std::vector<std::pair<ResourceName, storage::Entity>>>
  ListEntities(Kind kind, absl::string_view name_prefix) const;
  // The chain bound under `key` (kMetaChainHead or kMetaChainAnchor): {0, ""}
  // when absent, DATA_LOSS when it is not one.
  absl::StatusOr<ChainBound> GetChainBound(const char* key) const;
};

// The reads and writes of one Commit body.
class Transaction {
 public:
  virtual ~Transaction() = default;
  // The value under `key`: this transaction's own writes, then those of
  // earlier transactions in its group, then the committed state.
  virtual absl::StatusOr<std::optional<std::string>> Get(
      Cf cf, absl::string_view key) = 0;
  virtual void Put(Cf cf, absl::string_view key, absl::string_view value) = 0;
  virtual void Delete(Cf cf, absl::string_view key) = 0;
  // Deletes every key of `cf` from `begin` up to, not including, `end`: one
  // write however many keys it covers (as an agent drops a run of answered
  // outbox entries). Gets after it, in this transaction and later ones of
  // its group, find none of those keys but what was put since.
  virtual void DeleteRange(Cf cf, absl::string_view begin,
                           absl::string_view end) = 0;
  // Calls `visit` for each key of `cf` starting with `prefix`, in key order,
  // with its value as Get would find it, until it returns false. It reads
  // the prefix's committed keys into memory first: for prefixes of bounded
  // size (the entities of one kind under one plan).
  virtual absl::Status Scan(
      Cf cf, absl::string_view prefix,
      absl::FunctionRef<bool(absl::string_view key, absl::string_view value)>
          visit) = 0;
  // The sequence number the next AppendChange will assign.
  virtual uint64_t next_sequence() const = 0;
  // Starts reading `keys` from the committed state on a second thread, in
  // order, so that this transaction's Gets of them, made in about that order,
  // find them read: for a body about to read many keys, whose reads then
  // overlap its other work. Every Get returns what it would without it. A key
  // is read ahead once; a second Get of it reads it again. A later call
  // replaces this one.
  virtual void ReadAhead(std::vector<std::pair<Cf, std::string>> keys) = 0;

  absl::StatusOr<std::optional<storage::Entity>> GetEntity(
      const ResourceName& name);
  // The `kind` entities whose names start with `name_prefix`, in key order.
  absl::StatusOr<std::vector<std::pair<ResourceName, storage::Entity>>>
  ListEntities(Kind kind, absl::string_view name_prefix);
  void PutEntity(const ResourceName& name, const storage::Entity& entity);
  // The same, free to reuse `entity` (no copy on an agent).
  void PutEntity(const ResourceName& name, storage::Entity&& entity);
  // Appends `change` to the log with the next sequence number (which it
  // returns and sets in the change) and the hash of the entry before it
  // (prev_hash), with its plan index entry (organisations index under the
  // plan "") and the new last sequence, clock and chain head in `meta`.
  // It records no answer under the change's id: only a pushed change can be
  // pushed again, and its answer is RecordResult's.
  uint64_t AppendChange(v1::Change change);
  // The recorded answer to the change with id `change_id`, or nullopt.
  absl::StatusOr<std::optional<v1::ChangeResult>> AppliedResult(
      absl::string_view change_id);
  // Records the answer to a pushed change, for a retry of it to find.
  void RecordResult(const v1::ChangeResult& result);

 protected:
  virtual uint64_t TakeSequence() = 0;
  // The SHA-256 of the last entry appended before this transaction's next
  // one (by it, earlier transactions of its group, or earlier commits).
  virtual const std::string& ChainHead() const = 0;
  virtual void SetChainHead(std::string hash) = 0;
};

// What Store::Backup made.
struct BackupInfo {
  uint32_t id = 0;  // the backup's number in its directory
  // Every change up to this sequence is in the backup (from Backup: later
  // ones committed while it was taken may be too; from Restore: exactly).
  uint64_t sequence = 0;
  uint64_t bytes = 0;  // its size (files shared with earlier backups too)
  uint32_t files = 0;
};

// How much room a store takes, as RocksDB counts it, and how much is left.
struct StoreSizes {
  uint64_t table_bytes = 0;     // live tables (*.sst)
  uint64_t wal_bytes = 0;       // write-ahead log files (*.log) not yet freed
  uint64_t memtable_bytes = 0;  // memory held by memtables
  uint64_t estimated_keys = 0;  // RocksDB's estimate, over every family
  uint64_t free_bytes = 0;      // free on the file system of the store
};

class Store {
 public:
  // Opens the store at options.path, creating it only when the directory is
  // absent or empty. An existing store opens with RocksDB's paranoid checks
  // and never repairs or recreates anything: a damaged, truncated or missing
  // CURRENT, MANIFEST, table (SST) or WAL file, or a missing column family,
  // fails with DATA_LOSS; a directory holding something that is not a store
  // fails with FAILED_PRECONDITION. The message names the problem and the
  // way to recover (docs/operations.md), and nothing on disk is changed.
  static absl::StatusOr<std::unique_ptr<Store>> Open(
      const StoreOptions& options);

  // Restores the latest backup in `backup_dir` (made by Backup) into
  // options.path, which must be absent or empty, and gives the restored
  // store a new epoch, so that replicas that synced with the store after the
  // backup notice (see epoch()). FAILED_PRECONDITION when options.path holds
  // anything, NOT_FOUND when `backup_dir` holds no backup.
  static absl::StatusOr<BackupInfo> Restore(const std::string& backup_dir,
                                            const StoreOptions& options);
  // Closes the store, first flushing what only the WAL holds into tables, so
  // that the next Open is quick. (After a crash, Open replays the WAL.)
  virtual ~Store() = default;

  // This replica's id: random, made when the store is created, then fixed.
  virtual const std::string& replica_id() const = 0;
  // Whether this Open created the store (it held nothing before). Demo data
  // is loaded only into such a store.
  virtual bool created() const = 0;
  // The store's epoch: random, made when the store is created, and made anew
  // when it is restored from a backup. Sequence numbers are comparable only
  // within one epoch.
  virtual const std::string& epoch() const = 0;
  // The last change sequence when this process opened the store. A restart
  // at a lower sequence than a replica has seen means the store went back in
  // time (a copy of the directory was put back).
  virtual uint64_t opened_at_sequence() const = 0;

  // Backs the store up into `dir` (created when missing) with RocksDB's
  // BackupEngine: consistent as of one moment while writes go on, and
  // incremental (tables already in `dir` are not copied again).
  virtual absl::StatusOr<BackupInfo> Backup(const std::string& dir) = 0;

  // OK while writes can land. Otherwise why not, as the error every Commit
  // then returns at once: UNAVAILABLE, reason STORAGE_FULL or
  // STORAGE_UNAVAILABLE, from a failed write until the store has resumed
  // writing, which it tries by itself (so a full disk recovers once there
  // is space); UNAVAILABLE, reason STORAGE_NEEDS_RESTART, when RocksDB
  // cannot resume (a failed write or sync of the WAL: the process must
  // restart, and the WAL's replay recovers every acknowledged write);
  // DATA_LOSS, reason STORAGE_CORRUPT, once a read or write has met damaged
  // data, which lasts until the process restarts (commits are still tried:
  // the damage may lie where they do not write).
  // Messages never hold server file paths; the log has the whole error.
  virtual absl::Status health() const = 0;
  // Calls `listener` with the new health() each time it changes, on a store
  // thread; it must not block or call back into the store. Replaces any
  // earlier listener.
  virtual void SetHealthListener(
      std::function<void(const absl::Status&)> listener) = 0;
  // The store's sizes now (a few RocksDB properties and a statvfs).
  virtual StoreSizes sizes() const = 0;
  // The sequence number of the last committed change (0 when none).
  virtual uint64_t last_sequence() const = 0;
  // The clock value of the last committed change (0 when none).
  virtual uint64_t last_hlc() const = 0;

  // Runs `body` as a transaction (see the file comment). When it returns an
  // error, none of its writes happen and that error is returned. Otherwise
  // returns OK once its writes are durable, or the storage error.
  virtual absl::Status Commit(
      absl::FunctionRef<absl::Status(Transaction&)> body) = 0;

  // Commit, in a group of its own: `body` runs after every earlier commit is
  // written and before any later one starts, so a NewReadView() taken in it
  // sees the whole store as the transaction does. For bodies that read
  // ranges (Transaction reads single keys), as a sync agent reads its outbox.
  virtual absl::Status CommitAlone(
      absl::FunctionRef<absl::Status(Transaction&)> body) = 0;

  // Commit without waiting for it: `body` runs as a Commit body would, and
  // then `done` gets what Commit would have returned, once its group is
  // written (and so its writes are durable, unless `body` failed). Both run
  // on the thread that leads the group: a store thread, or the caller of a
  // Commit in the same group. So `done` must not block, nor wait for
  // another commit, nor take a lock a committing thread may hold. For
  // servers that answer from a callback rather than holding a thread per
  // request.
  virtual void CommitAsync(absl::AnyInvocable<absl::Status(Transaction&)> body,
                           absl::AnyInvocable<void(absl::Status)> done) = 0;

  // Starts writing what only the WAL holds into tables, and returns without
  // waiting. For after a bulk write (a snapshot): a crash then need not
  // replay it all, and the memtables are free for the edits that follow
  // instead of filling up, and flushing, in the middle of them.
  virtual void FlushInBackground() = 0;

  // A view of the committed state now.
  virtual std::unique_ptr<ReadView> NewReadView() const = 0;
};

// Keys.
std::string EntityKey(const ResourceName& name);
// The prefix of the keys of every `kind` entity whose name starts with
// `name_prefix`.
std::string EntityKeyPrefix(Kind kind, absl::string_view name_prefix);
// The name stored in an entity key.
absl::string_view NameOfEntityKey(absl::string_view key);
std::string SequenceKey(uint64_t sequence);
uint64_t DecodeSequenceKey(absl::string_view key);
std::string PlanChangeKey(absl::string_view plan, uint64_t sequence);

}  // namespace plan

#endif  // LIBPLAN_STORAGE_STORE_H_
