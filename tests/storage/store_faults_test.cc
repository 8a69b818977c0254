// The store under damage and faults (promise 7, docs/architecture.md): it is
// created only where there is none, a damaged one is refused and left as it is,
// failed writes stop writing until the store resumes by itself, and what was
// acknowledged survives a crash that loses everything not synced.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "libplan/storage/store.h"
#include "libplan/util/errors.h"
#include "libplan/util/status_macros.h"
#include "tests/storage/fault_file_system.h"
#include "tests/support/directory_digest.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_for.h"

namespace plan {
namespace {

namespace fs = std::filesystem;
using prevent::plan::test_support::StoreFiles;
using prevent::plan::test_support::TempDir;
using prevent::plan::test_support::WaitFor;

std::vector<std::string> FilesEndingWith(const std::string& dir,
                                         absl::string_view suffix) {
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (absl::EndsWith(entry.path().filename().string(), suffix)) {
      found.push_back(entry.path().string());
    }
  }
  return found;
}

std::string ManifestOf(const std::string& dir) {
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (absl::StartsWith(entry.path().filename().string(), "MANIFEST-")) {
      return entry.path().string();
    }
  }
  return "";
}

// Commits one entity (and its change) named `name` holding `value`.
absl::Status Put(Store& store, const std::string& name_text,
                 const std::string& value) {
  ASSIGN_OR_RETURN(ResourceName name, ResourceName::Parse(name_text));
  return store.Commit([&](Transaction& txn) -> absl::Status {
    storage::Entity entity;
    entity.set_resource(value);
    v1::Change change;
    change.set_target(name.str());
    change.set_plan(name.Plan());
    change.set_change_id(absl::StrCat("test:", txn.next_sequence()));
    txn.PutEntity(name, entity);
    txn.AppendChange(change);
    return absl::OkStatus();
  });
}

// The value of entity `name`, or "" when absent.
std::string ValueOf(const Store& store, const std::string& name_text) {
  absl::StatusOr<ResourceName> name = ResourceName::Parse(name_text);
  EXPECT_TRUE(name.ok());
  absl::StatusOr<std::optional<storage::Entity>> entity =
      store.NewReadView()->GetEntity(*name);
  EXPECT_TRUE(entity.ok()) << entity.status();
  return entity.ok() && entity->has_value() ? (*entity)->resource() : "";
}

std::string PlanName(int i) { return absl::StrCat("plans/p", i); }

class StoreFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TempDir> dir = TempDir::Create("store-faults-test");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_.emplace(std::move(*dir));
    path_ = dir_->Subpath("db");
  }

  // Makes a store holding plans p0..p{count-1}, and closes it.
  void MakeStore(int count) {
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open({.path = path_});
    ASSERT_TRUE(store.ok()) << store.status();
    for (int i = 0; i < count; ++i) {
      ASSERT_TRUE(Put(**store, PlanName(i), absl::StrCat("value ", i)).ok());
    }
  }

  // Opening must fail with DATA_LOSS, say what to do, and change nothing.
  void ExpectRefusedUnchanged(absl::string_view expected_in_message) {
    const std::map<std::string, std::string> before = StoreFiles(path_);
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open({.path = path_});
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.status().code(), absl::StatusCode::kDataLoss)
        << store.status();
    EXPECT_EQ(ErrorReason(store.status()), "STORE_DAMAGED");
    EXPECT_TRUE(
        absl::StrContains(store.status().message(), expected_in_message))
        << store.status();
    EXPECT_TRUE(
        absl::StrContains(store.status().message(), "docs/operations.md"))
        << store.status();
    EXPECT_EQ(StoreFiles(path_), before) << "opening changed the directory";
  }

  // Writes `count` plans of `bytes` bytes and crashes, so that they are in
  // the WAL alone (the close after a crash flushes nothing).
  void MakeCrashedStore(int count, size_t bytes) {
    FaultFileSystem faults;
    std::unique_ptr<rocksdb::Env> env = faults.NewEnv();
    {
      absl::StatusOr<std::unique_ptr<Store>> store =
          Store::Open({.path = path_, .env = env.get()});
      ASSERT_TRUE(store.ok()) << store.status();
      for (int i = 0; i < count; ++i) {
        ASSERT_TRUE(Put(**store, PlanName(i), std::string(bytes, 'x')).ok());
      }
      faults.Crash();
    }
    faults.Restart();
  }

  std::optional<TempDir> dir_;
  std::string path_;
};

TEST_F(StoreFaultsTest, AStoreIsCreatedOnlyWhereThereIsNone) {
  {
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open({.path = path_});
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_TRUE((*store)->created());
  }
  {
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open({.path = path_});
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_FALSE((*store)->created());
  }
  const std::string empty = dir_->Subpath("empty");
  fs::create_directory(empty);
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open({.path = empty});
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE((*store)->created());
}

TEST_F(StoreFaultsTest, ADirectoryHoldingSomethingElseIsRefused) {
  fs::create_directory(path_);
  std::ofstream(path_ + "/notes.txt") << "not a store";
  ExpectRefusedUnchanged("holds no store");
}

TEST_F(StoreFaultsTest, AMissingCurrentFileIsRefused) {
  MakeStore(3);
  fs::remove(path_ + "/CURRENT");
  ExpectRefusedUnchanged("CURRENT file is missing");
}

TEST_F(StoreFaultsTest, ATruncatedManifestIsRefused) {
  MakeStore(3);
  const std::string manifest = ManifestOf(path_);
  ASSERT_FALSE(manifest.empty());
  fs::resize_file(manifest, fs::file_size(manifest) / 2);
  ExpectRefusedUnchanged("cannot open the store");
}

TEST_F(StoreFaultsTest, AnEmptiedManifestIsRefused) {
  MakeStore(3);
  const std::string manifest = ManifestOf(path_);
  ASSERT_FALSE(manifest.empty());
  fs::resize_file(manifest, 0);
  ExpectRefusedUnchanged("cannot open the store");
}

TEST_F(StoreFaultsTest, AMissingTableFileIsRefused) {
  MakeStore(3);  // closing flushes the writes into tables
  const std::vector<std::string> tables = FilesEndingWith(path_, ".sst");
  ASSERT_FALSE(tables.empty());
  for (const std::string& table : tables) fs::remove(table);
  ExpectRefusedUnchanged("cannot open the store");
}

TEST_F(StoreFaultsTest, AMissingWalIsRefused) {
  ASSERT_NO_FATAL_FAILURE(MakeCrashedStore(3, 1));
  const std::vector<std::string> wals = FilesEndingWith(path_, ".log");
  ASSERT_FALSE(wals.empty());
  for (const std::string& wal : wals) fs::remove(wal);
  ExpectRefusedUnchanged("write-ahead log (*.log) is missing");
}

TEST_F(StoreFaultsTest, DamageInsideTheWalIsRefused) {
  ASSERT_NO_FATAL_FAILURE(MakeCrashedStore(20, 200));
  std::vector<std::string> wals = FilesEndingWith(path_, ".log");
  ASSERT_EQ(wals.size(), 1u);
  // Flip a byte in the first record's payload, well before the last record:
  // replaying up to there and stopping would drop acknowledged writes.
  {
    std::fstream wal(wals[0], std::ios::in | std::ios::out | std::ios::binary);
    wal.seekg(100);
    char byte = 0;
    wal.get(byte);
    wal.seekp(100);
    wal.put(static_cast<char>(byte ^ 0x5a));
  }
  ExpectRefusedUnchanged("cannot open the store");
}

TEST_F(StoreFaultsTest, ADamagedTableFoundOnReadSetsHealth) {
  {
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open({.path = path_});
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE(Put(**store, "plans/big", std::string(64 << 10, 'b')).ok());
  }
  // The entities table is the largest: damage a block of it.
  std::string largest;
  for (const std::string& table : FilesEndingWith(path_, ".sst")) {
    if (largest.empty() || fs::file_size(table) > fs::file_size(largest)) {
      largest = table;
    }
  }
  ASSERT_FALSE(largest.empty());
  {
    std::fstream file(largest, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(64);
    file.write("DAMAGE", 6);
  }
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open({.path = path_});
  ASSERT_TRUE(store.ok()) << store.status();
  std::vector<absl::Status> heard;
  (*store)->SetHealthListener(
      [&](const absl::Status& health) { heard.push_back(health); });
  absl::StatusOr<std::optional<storage::Entity>> entity =
      (*store)->NewReadView()->GetEntity(*ResourceName::Parse("plans/big"));
  ASSERT_FALSE(entity.ok());
  EXPECT_EQ(entity.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(ErrorReason(entity.status()), "STORAGE_CORRUPT");
  EXPECT_FALSE(absl::StrContains(entity.status().message(), path_))
      << entity.status();
  EXPECT_EQ((*store)->health().code(), absl::StatusCode::kDataLoss);
  ASSERT_EQ(heard.size(), 1u);
  EXPECT_EQ(ErrorReason(heard[0]), "STORAGE_CORRUPT");
}

// Waits (up to a minute: this is not a timing test) for `done`.
bool Eventually(absl::FunctionRef<bool()> done) {
  return WaitFor(done, absl::Minutes(1));
}

class StoreWriteFaultsTest : public StoreFaultsTest {
 protected:
  void SetUp() override {
    StoreFaultsTest::SetUp();
    env_ = faults_.NewEnv();
    absl::StatusOr<std::unique_ptr<Store>> store =
        Store::Open({.path = path_,
                     .env = env_.get(),
                     .resume_interval = absl::Milliseconds(20)});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    store_->SetHealthListener([this](const absl::Status& health) {
      absl::MutexLock lock(&mu_);
      heard_.push_back(health);
    });
  }

  std::vector<absl::Status> Heard() {
    absl::MutexLock lock(&mu_);
    return heard_;
  }

  // A write fails with `fault`, the next is refused without running, and
  // once the fault clears the store resumes by itself and writes again.
  void ExpectFailRefuseResume(absl::string_view reason,
                              const std::function<void(bool)>& set_fault) {
    ASSERT_TRUE(Put(*store_, "plans/before", "kept").ok());
    set_fault(true);
    const absl::Status failed = Put(*store_, "plans/failed", "lost");
    EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable) << failed;
    EXPECT_EQ(ErrorReason(failed), reason) << failed;
    EXPECT_FALSE(absl::StrContains(failed.message(), path_)) << failed;
    EXPECT_FALSE(absl::StrContains(failed.message(), "/tmp")) << failed;
    EXPECT_EQ(store_->health().code(), absl::StatusCode::kUnavailable);
    const uint64_t sequence = store_->last_sequence();

    bool ran = false;
    const absl::Status refused =
        store_->Commit([&](Transaction&) -> absl::Status {
          ran = true;
          return absl::OkStatus();
        });
    EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable) << refused;
    EXPECT_FALSE(ran) << "a write ran while the store could not write";
    EXPECT_EQ(store_->last_sequence(), sequence);

    set_fault(false);
    ASSERT_TRUE(Eventually([&] { return store_->health().ok(); }))
        << store_->health();
    ASSERT_TRUE(Put(*store_, "plans/after", "written").ok());
    const std::vector<absl::Status> heard = Heard();
    ASSERT_EQ(heard.size(), 2u);
    EXPECT_EQ(ErrorReason(heard[0]), reason);
    EXPECT_TRUE(heard[1].ok());

    store_.reset();
    absl::StatusOr<std::unique_ptr<Store>> reopened =
        Store::Open({.path = path_, .env = env_.get()});
    ASSERT_TRUE(reopened.ok()) << reopened.status();
    EXPECT_EQ(ValueOf(**reopened, "plans/before"), "kept");
    EXPECT_EQ(ValueOf(**reopened, "plans/failed"), "");
    EXPECT_EQ(ValueOf(**reopened, "plans/after"), "written");
    EXPECT_EQ((*reopened)->last_sequence(), sequence + 1);
  }

  // RocksDB does not resume after a failed write or sync of its WAL (what
  // reached the disk is unknown): the store says it needs a restart, and a
  // restart recovers every acknowledged write. `set_fault` turns the fault on
  // and off; a failed write (unlike a failed sync) is known not to be there.
  void ExpectStopUntilRestart(const std::function<void(bool)>& set_fault,
                              bool failed_is_absent) {
    ASSERT_TRUE(Put(*store_, "plans/before", "kept").ok());
    set_fault(true);
    const absl::Status failed = Put(*store_, "plans/failed", "maybe");
    EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable) << failed;
    EXPECT_FALSE(absl::StrContains(failed.message(), "/tmp")) << failed;
    set_fault(false);
    ASSERT_TRUE(Eventually([&] {
      return ErrorReason(store_->health()) == "STORAGE_NEEDS_RESTART";
    })) << store_->health();
    const absl::Status refused = Put(*store_, "plans/refused", "lost");
    EXPECT_EQ(ErrorReason(refused), "STORAGE_NEEDS_RESTART") << refused;

    store_.reset();
    absl::StatusOr<std::unique_ptr<Store>> reopened =
        Store::Open({.path = path_, .env = env_.get()});
    ASSERT_TRUE(reopened.ok()) << reopened.status();
    EXPECT_TRUE((*reopened)->health().ok());
    EXPECT_EQ(ValueOf(**reopened, "plans/before"), "kept");
    if (failed_is_absent) {
      EXPECT_EQ(ValueOf(**reopened, "plans/failed"), "");
    }
    EXPECT_EQ(ValueOf(**reopened, "plans/refused"), "");
    ASSERT_TRUE(Put(**reopened, "plans/after", "written").ok());
  }

  FaultFileSystem faults_;
  std::unique_ptr<rocksdb::Env> env_;
  std::unique_ptr<Store> store_;
  absl::Mutex mu_;
  std::vector<absl::Status> heard_ ABSL_GUARDED_BY(mu_);
};

TEST_F(StoreWriteFaultsTest, AFullDiskStopsWritesUntilThereIsSpace) {
  ExpectFailRefuseResume("STORAGE_FULL", [&](bool fail) {
    faults_.FailWrites(fail ? FaultFileSystem::Fault::kNoSpace
                            : FaultFileSystem::Fault::kNone);
  });
}

// RocksDB does not resume after a failed write or sync of its WAL (what
// reached the disk is unknown): the store says it needs a restart, and a
// restart recovers every acknowledged write.
TEST_F(StoreWriteFaultsTest, AFailedWalWriteStopsWritesUntilRestart) {
  ExpectStopUntilRestart(
      [&](bool fail) {
        faults_.FailWrites(fail ? FaultFileSystem::Fault::kIoError
                                : FaultFileSystem::Fault::kNone);
      },
      /*failed_is_absent=*/true);
}

TEST_F(StoreWriteFaultsTest, AFailedWalSyncStopsWritesUntilRestart) {
  ExpectStopUntilRestart([&](bool fail) { faults_.FailWalSyncs(fail); },
                         /*failed_is_absent=*/false);
}

// Writes `count` plans through a store with `sync` on `faults`, crashes
// (losing what was not synced), and returns how many a reopened store has.
int SurvivorsOfACrash(const std::string& path, bool sync, int count) {
  FaultFileSystem faults;
  std::unique_ptr<rocksdb::Env> env = faults.NewEnv();
  {
    absl::StatusOr<std::unique_ptr<Store>> store =
        Store::Open({.path = path, .sync = sync, .env = env.get()});
    EXPECT_TRUE(store.ok()) << store.status();
    if (!store.ok()) return -1;
    for (int i = 0; i < count; ++i) {
      EXPECT_TRUE(Put(**store, PlanName(i), "acknowledged").ok());
    }
    faults.Crash();
  }
  EXPECT_TRUE(faults.DropUnsyncedData().ok());
  faults.Restart();
  absl::StatusOr<std::unique_ptr<Store>> store =
      Store::Open({.path = path, .env = env.get()});
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return -1;
  int present = 0;
  for (int i = 0; i < count; ++i) {
    if (ValueOf(**store, PlanName(i)) == "acknowledged") ++present;
  }
  return present;
}

TEST_F(StoreFaultsTest, AcknowledgedWritesSurviveACrashThatLosesUnsyncedData) {
  EXPECT_EQ(SurvivorsOfACrash(path_, /*sync=*/true, 50), 50);
}

// The file system above can tell: without syncs, the same crash loses them.
TEST_F(StoreFaultsTest, WithoutSyncsTheSameCrashLosesWrites) {
  EXPECT_LT(SurvivorsOfACrash(path_, /*sync=*/false, 50), 50);
}

}  // namespace
}  // namespace plan

namespace plan {
namespace {

TEST_F(StoreFaultsTest, ABackupTakenDuringWritesRestoresWithANewEpoch) {
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open({.path = path_});
  ASSERT_TRUE(store.ok()) << store.status();
  const std::string epoch = (*store)->epoch();
  EXPECT_FALSE(epoch.empty());
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(Put(**store, PlanName(i), absl::StrCat("value ", i)).ok());
  }
  // Writers go on while the backup is taken.
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    for (int i = 100; !stop.load(); ++i) {
      if (Put(**store, PlanName(i), absl::StrCat("value ", i)).ok()) ++written;
    }
  });
  absl::StatusOr<BackupInfo> backup =
      (*store)->Backup(dir_->Subpath("backups"));
  stop = true;
  writer.join();
  ASSERT_TRUE(backup.ok()) << backup.status();
  EXPECT_GE(backup->sequence, 100u);
  EXPECT_GT(backup->files, 0u);
  const uint64_t last = (*store)->last_sequence();
  EXPECT_LE(backup->sequence, last);

  // Not over an existing store.
  absl::StatusOr<BackupInfo> over =
      Store::Restore(dir_->Subpath("backups"), {.path = path_});
  EXPECT_EQ(over.status().code(), absl::StatusCode::kFailedPrecondition);

  const std::string restored_path = dir_->Subpath("restored");
  absl::StatusOr<BackupInfo> restored =
      Store::Restore(dir_->Subpath("backups"), {.path = restored_path});
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_GE(restored->sequence, backup->sequence);
  absl::StatusOr<std::unique_ptr<Store>> copy =
      Store::Open({.path = restored_path});
  ASSERT_TRUE(copy.ok()) << copy.status();
  EXPECT_NE((*copy)->epoch(), epoch);
  EXPECT_EQ((*copy)->replica_id(), (*store)->replica_id());
  EXPECT_EQ((*copy)->last_sequence(), restored->sequence);
  EXPECT_EQ((*copy)->opened_at_sequence(), restored->sequence);
  // Every change up to the restored sequence is there, none after it: the
  // backup is one consistent moment. (Plan i was change i + 1.)
  for (uint64_t i = 0; i < restored->sequence; ++i) {
    EXPECT_EQ(ValueOf(**copy, PlanName(static_cast<int>(i))),
              absl::StrCat("value ", i));
  }
  EXPECT_EQ(ValueOf(**copy, PlanName(static_cast<int>(restored->sequence))),
            "");
  // A second open keeps the epoch.
  const std::string restored_epoch = (*copy)->epoch();
  copy->reset();
  copy = Store::Open({.path = restored_path});
  ASSERT_TRUE(copy.ok()) << copy.status();
  EXPECT_EQ((*copy)->epoch(), restored_epoch);
}

// A store another process (here, another open) holds is not damage: the
// advice to restore a backup would lose every write since it.
TEST_F(StoreFaultsTest, AStoreInUseIsNotCalledDamaged) {
  absl::StatusOr<std::unique_ptr<Store>> first = Store::Open({.path = path_});
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<std::unique_ptr<Store>> second = Store::Open({.path = path_});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable)
      << second.status();
  EXPECT_EQ(ErrorReason(second.status()), "STORE_IN_USE");
}

TEST_F(StoreFaultsTest, RestoringFromNothingSaysSo) {
  absl::StatusOr<BackupInfo> restored =
      Store::Restore(dir_->Subpath("no-backups"), {.path = path_});
  EXPECT_EQ(restored.status().code(), absl::StatusCode::kNotFound)
      << restored.status();
}

}  // namespace
}  // namespace plan
