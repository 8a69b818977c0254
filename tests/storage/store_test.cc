#include "libplan/storage/store.h"

#include <atomic>
#include <filesystem>
#include <functional>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "libplan/util/status_macros.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_for.h"

namespace plan {
namespace {

using prevent::plan::test_support::TempDir;
using prevent::plan::test_support::WaitFor;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TempDir> dir = TempDir::Create("store-test");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_.emplace(std::move(*dir));
    Reopen();
  }

  void Reopen() {
    store_.reset();
    StoreOptions options{.path = dir_->Subpath("db")};
    options.test_hooks.group_chosen = [this](size_t writers) {
      absl::MutexLock lock(&groups_mu_);
      groups_.push_back(writers);
    };
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  // Commits an entity and its change, as the service does for one write.
  absl::Status Write(const std::string& name_text, const std::string& value,
                     const std::string& change_id = "") {
    ASSIGN_OR_RETURN(ResourceName name, ResourceName::Parse(name_text));
    return store_->Commit([&](Transaction& txn) -> absl::Status {
      storage::Entity entity;
      entity.set_resource(value);
      v1::Change change;
      change.set_target(name.str());
      change.set_plan(name.Plan());
      change.set_change_id(change_id.empty()
                               ? absl::StrCat("test:", txn.next_sequence())
                               : change_id);
      change.set_hlc(txn.next_sequence() * 10);
      txn.PutEntity(name, entity);
      txn.AppendChange(change);
      return absl::OkStatus();
    });
  }

  // The bytes of the store's WAL files.
  uintmax_t WalBytes() const {
    uintmax_t bytes = 0;
    for (const auto& entry :
         std::filesystem::directory_iterator(dir_->Subpath("db"))) {
      if (entry.path().extension() == ".log") bytes += entry.file_size();
    }
    return bytes;
  }

  std::vector<v1::Change> AllChanges() {
    std::vector<v1::Change> changes;
    EXPECT_TRUE(store_->NewReadView()
                    ->Scan(Cf::kChanges, "", "",
                           [&](absl::string_view, absl::string_view value) {
                             changes.emplace_back().ParseFromArray(
                                 value.data(), static_cast<int>(value.size()));
                             return true;
                           })
                    .ok());
    return changes;
  }

  // Increments one counter 800 times from 8 threads, each increment a
  // read-modify-write commit (reading it ahead first when `read_ahead`), and
  // returns the count: a lost update shows as less than 800.
  std::string CountConcurrently(bool read_ahead) {
    constexpr int kThreads = 8;
    constexpr int kPerThread = 100;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < kPerThread; ++i) {
          EXPECT_TRUE(
              store_
                  ->Commit([&](Transaction& txn) -> absl::Status {
                    if (read_ahead) txn.ReadAhead({{Cf::kMeta, "counter"}});
                    ASSIGN_OR_RETURN(std::optional<std::string> value,
                                     txn.Get(Cf::kMeta, "counter"));
                    const int count = value.has_value() ? std::stoi(*value) : 0;
                    txn.Put(Cf::kMeta, "counter", absl::StrCat(count + 1));
                    return absl::OkStatus();
                  })
                  .ok());
        }
      });
    }
    for (auto& thread : threads) thread.join();
    absl::StatusOr<std::optional<std::string>> value =
        store_->NewReadView()->Get(Cf::kMeta, "counter");
    EXPECT_TRUE(value.ok());
    return value.ok() ? value->value_or("") : "";
  }

  // The sizes of the commit groups written since the last call.
  std::vector<size_t> TakeGroups() {
    absl::MutexLock lock(&groups_mu_);
    return std::exchange(groups_, {});
  }

  // Commits `bodies` as one group, in order, and returns their answers: a
  // first commit holds its own group until they are all queued behind it.
  // Its body runs only once its group is chosen, so `leading` says that
  // `bodies` cannot join it; the group after it takes every queued writer.
  std::vector<absl::Status> CommitAsOneGroup(
      std::vector<std::function<absl::Status(Transaction&)>> bodies) {
    (void)TakeGroups();
    const size_t count = bodies.size();
    absl::Notification leading;
    absl::Notification queued;
    std::thread first([&] {
      EXPECT_TRUE(store_
                      ->Commit([&](Transaction&) {
                        leading.Notify();
                        queued.WaitForNotification();
                        return absl::OkStatus();
                      })
                      .ok());
    });
    leading.WaitForNotification();
    std::vector<absl::Status> answers(bodies.size());
    absl::BlockingCounter answered(static_cast<int>(bodies.size()));
    for (size_t i = 0; i < bodies.size(); ++i) {
      store_->CommitAsync(std::move(bodies[i]), [&, i](absl::Status status) {
        answers[i] = std::move(status);
        answered.DecrementCount();
      });
    }
    queued.Notify();
    first.join();
    answered.Wait();
    EXPECT_EQ(TakeGroups(), (std::vector<size_t>{1, count}))
        << "the commits did not form one group";
    return answers;
  }

  // CommitAsOneGroup, each body expected to succeed.
  void CommitInOneGroup(
      std::vector<std::function<absl::Status(Transaction&)>> bodies) {
    for (const absl::Status& status : CommitAsOneGroup(std::move(bodies))) {
      EXPECT_TRUE(status.ok()) << status;
    }
  }

  std::optional<TempDir> dir_;
  absl::Mutex groups_mu_;
  std::vector<size_t> groups_ ABSL_GUARDED_BY(groups_mu_);
  std::unique_ptr<Store> store_;  // after what its hook uses
};

TEST_F(StoreTest, ReplicaIdIsMadeOnceAndKept) {
  const std::string id = store_->replica_id();
  EXPECT_FALSE(id.empty());
  Reopen();
  EXPECT_EQ(store_->replica_id(), id);
}

TEST_F(StoreTest, CommitWritesEntityChangeAndIndexTogether) {
  ASSERT_TRUE(Write("plans/p/activities/a", "first", "replica-x:1").ok());
  EXPECT_EQ(store_->last_sequence(), 1u);
  EXPECT_EQ(store_->last_hlc(), 10u);

  std::unique_ptr<ReadView> view = store_->NewReadView();
  EXPECT_EQ(view->sequence(), 1u);
  absl::StatusOr<std::optional<storage::Entity>> entity =
      view->GetEntity(*ResourceName::Parse("plans/p/activities/a"));
  ASSERT_TRUE(entity.ok() && entity->has_value());
  EXPECT_EQ((*entity)->resource(), "first");

  const std::vector<v1::Change> changes = AllChanges();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].sequence(), 1u);
  EXPECT_EQ(changes[0].target(), "plans/p/activities/a");

  absl::StatusOr<std::optional<std::string>> indexed =
      view->Get(Cf::kPlanChanges, PlanChangeKey("plans/p", 1));
  ASSERT_TRUE(indexed.ok());
  EXPECT_TRUE(indexed->has_value());
  // Only a pushed change's answer is recorded, by RecordResult.
  absl::StatusOr<std::optional<std::string>> applied =
      view->Get(Cf::kApplied, "replica-x:1");
  ASSERT_TRUE(applied.ok());
  EXPECT_FALSE(applied->has_value());
}

TEST_F(StoreTest, RecordedResultIsFoundByItsChangeId) {
  v1::ChangeResult result;
  result.set_change_id("replica-x:7");
  result.set_outcome(v1::ChangeResult::MERGED);
  result.set_sequence(1);
  ASSERT_TRUE(store_
                  ->Commit([&](Transaction& txn) {
                    txn.RecordResult(result);
                    return absl::OkStatus();
                  })
                  .ok());
  Reopen();
  absl::StatusOr<std::optional<v1::ChangeResult>> found;
  ASSERT_TRUE(store_
                  ->Commit([&](Transaction& txn) {
                    found = txn.AppliedResult("replica-x:7");
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_TRUE(found.ok() && found->has_value()) << found.status();
  EXPECT_EQ((*found)->outcome(), v1::ChangeResult::MERGED);
  EXPECT_EQ((*found)->sequence(), 1u);
}

TEST_F(StoreTest, FailedBodyWritesNothingAndTakesNoSequence) {
  ASSERT_TRUE(Write("plans/p", "kept").ok());
  const absl::Status status = store_->Commit([&](Transaction& txn) {
    txn.PutEntity(*ResourceName::Parse("plans/q"), storage::Entity());
    txn.AppendChange(v1::Change());
    return absl::InvalidArgumentError("refused");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->last_sequence(), 1u);
  absl::StatusOr<std::optional<storage::Entity>> q =
      store_->NewReadView()->GetEntity(*ResourceName::Parse("plans/q"));
  ASSERT_TRUE(q.ok());
  EXPECT_FALSE(q->has_value());
  ASSERT_TRUE(Write("plans/r", "next").ok());
  EXPECT_EQ(AllChanges().back().sequence(), 2u);
}

// A body that fails in a group with others leaves out only its own writes:
// the others are written, a later one does not see them, and it takes no
// sequence.
TEST_F(StoreTest, AFailedBodyInAGroupLeavesOutOnlyItsOwnWrites) {
  const auto append = [](const std::string& key) {
    return [key](Transaction& txn) -> absl::Status {
      txn.Put(Cf::kOutbox, key, "written");
      v1::Change change;
      change.set_target("plans/" + key);
      change.set_plan("plans/" + key);
      change.set_change_id("test:" + key);
      txn.AppendChange(change);
      return absl::OkStatus();
    };
  };
  std::optional<std::string> seen_by_later = "not read";
  const std::vector<absl::Status> answers = CommitAsOneGroup(
      {append("a"),
       [&](Transaction& txn) -> absl::Status {
         RETURN_IF_ERROR(append("b")(txn));
         return absl::InvalidArgumentError("refused");
       },
       [&](Transaction& txn) -> absl::Status {
         ASSIGN_OR_RETURN(seen_by_later, txn.Get(Cf::kOutbox, "b"));
         return append("c")(txn);
       }});
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_TRUE(answers[0].ok()) << answers[0];
  EXPECT_EQ(answers[1].code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(answers[2].ok()) << answers[2];
  EXPECT_EQ(seen_by_later, std::nullopt);

  std::unique_ptr<ReadView> view = store_->NewReadView();
  for (const auto& [key, written] : std::vector<std::pair<std::string, bool>>{
           {"a", true}, {"b", false}, {"c", true}}) {
    absl::StatusOr<std::optional<std::string>> value =
        view->Get(Cf::kOutbox, key);
    ASSERT_TRUE(value.ok()) << value.status();
    EXPECT_EQ(value->has_value(), written) << key;
  }
  const std::vector<v1::Change> changes = AllChanges();
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].target(), "plans/a");
  EXPECT_EQ(changes[0].sequence(), 1u);
  EXPECT_EQ(changes[1].target(), "plans/c");
  EXPECT_EQ(changes[1].sequence(), 2u);
  EXPECT_EQ(store_->last_sequence(), 2u);
}

TEST_F(StoreTest, DataAndSequenceSurviveReopen) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(Write(absl::StrCat("plans/p", i), "v").ok());
  }
  Reopen();
  EXPECT_EQ(store_->last_sequence(), 5u);
  EXPECT_EQ(store_->last_hlc(), 50u);
  ASSERT_TRUE(Write("plans/after", "v").ok());
  EXPECT_EQ(store_->last_sequence(), 6u);
  EXPECT_EQ(AllChanges().size(), 6u);
}

// Closing flushes the memtables, so the next open replays no WAL (which took
// a second for a 100,000-action plan service).
TEST_F(StoreTest, CloseLeavesNothingToReplay) {
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(Write(absl::StrCat("plans/p", i), std::string(1000, 'x')).ok());
  }
  ASSERT_GT(WalBytes(), 100u * 1000);  // open: the writes are in the WAL
  store_.reset();
  EXPECT_EQ(WalBytes(), 0u);
  Reopen();
  EXPECT_EQ(store_->last_sequence(), 100u);
}

TEST_F(StoreTest, FlushInBackgroundEmptiesTheWalWhileOpen) {
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(Write(absl::StrCat("plans/p", i), std::string(1000, 'x')).ok());
  }
  ASSERT_GT(WalBytes(), 100u * 1000);
  store_->FlushInBackground();
  // The flush runs on RocksDB's thread.
  EXPECT_TRUE(WaitFor([&] { return WalBytes() == 0; }, absl::Seconds(30)))
      << WalBytes() << " bytes left in the WAL";
  ASSERT_TRUE(Write("plans/after", "v").ok());
  EXPECT_EQ(store_->last_sequence(), 101u);
}

TEST_F(StoreTest, AVersionOneStoreOpensAndIsMarkedTwo) {
  ASSERT_TRUE(Write("plans/p", "v").ok());
  ASSERT_TRUE(store_
                  ->Commit([](Transaction& txn) {
                    txn.Put(Cf::kMeta, "schema_version", "1");
                    return absl::OkStatus();
                  })
                  .ok());
  Reopen();
  absl::StatusOr<std::optional<std::string>> schema =
      store_->NewReadView()->Get(Cf::kMeta, "schema_version");
  ASSERT_TRUE(schema.ok()) << schema.status();
  EXPECT_EQ(schema->value_or(""), "2");
  EXPECT_EQ(store_->last_sequence(), 1u);
}

TEST_F(StoreTest, AnUnknownSchemaVersionIsRefused) {
  ASSERT_TRUE(store_
                  ->Commit([](Transaction& txn) {
                    txn.Put(Cf::kMeta, "schema_version", "9");
                    return absl::OkStatus();
                  })
                  .ok());
  store_.reset();
  absl::StatusOr<std::unique_ptr<Store>> store =
      Store::Open({.path = dir_->Subpath("db")});
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("schema version 9"),
            std::string::npos)
      << store.status();
}

TEST_F(StoreTest, ConcurrentCommitsGiveAGapFreeLogInCommitOrder) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (!Write(absl::StrCat("plans/t", t, "-", i), "v").ok()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  const std::vector<v1::Change> changes = AllChanges();
  ASSERT_EQ(changes.size(), static_cast<size_t>(kThreads * kPerThread));
  std::set<std::string> targets;
  for (size_t i = 0; i < changes.size(); ++i) {
    EXPECT_EQ(changes[i].sequence(), i + 1);
    targets.insert(changes[i].target());
  }
  EXPECT_EQ(targets.size(), changes.size());
  EXPECT_EQ(store_->last_sequence(), changes.size());
  // The groups wrote their last sequence and clock once each; the last
  // group's are what a reopened store reads.
  const uint64_t last_hlc = store_->last_hlc();
  Reopen();
  EXPECT_EQ(store_->last_sequence(), changes.size());
  EXPECT_EQ(store_->last_hlc(), last_hlc);
}

TEST_F(StoreTest, TransactionsInOneGroupSeeEarlierWrites) {
  EXPECT_EQ(CountConcurrently(/*read_ahead=*/false), "800");
}

// A body that reads ahead gets from each Get what it would without: its own
// writes, then the committed state, whatever the order of its Gets.
TEST_F(StoreTest, ReadAheadChangesNoGetsAnswer) {
  ASSERT_TRUE(store_
                  ->Commit([](Transaction& txn) {
                    for (const char* key : {"a", "b", "c"}) {
                      txn.Put(Cf::kMeta, key, absl::StrCat("old ", key));
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_TRUE(store_
                  ->Commit([](Transaction& txn) -> absl::Status {
                    txn.ReadAhead({{Cf::kMeta, "a"},
                                   {Cf::kMeta, "b"},
                                   {Cf::kMeta, "missing"},
                                   {Cf::kMeta, "a"},
                                   {Cf::kEntities, "c"},
                                   {Cf::kMeta, "c"},
                                   {Cf::kMeta, "never read"}});
                    txn.Put(Cf::kMeta, "b", "new b");
                    const std::vector<
                        std::pair<std::string, std::optional<std::string>>>
                        expected = {{"c", "old c"},
                                    {"a", "old a"},
                                    {"b", "new b"},
                                    {"missing", std::nullopt},
                                    {"a", "old a"}};
                    for (const auto& [key, value] : expected) {
                      ASSIGN_OR_RETURN(std::optional<std::string> got,
                                       txn.Get(Cf::kMeta, key));
                      EXPECT_EQ(got, value) << key;
                    }
                    ASSIGN_OR_RETURN(std::optional<std::string> other,
                                     txn.Get(Cf::kEntities, "c"));
                    EXPECT_EQ(other, std::nullopt);
                    return absl::OkStatus();
                  })
                  .ok());
}

// A range delete hides what it covers from Gets, in its own transaction
// and in later ones of its group, but not what is put after it.
TEST_F(StoreTest, DeleteRangeHidesItsKeysButNotLaterWrites) {
  ASSERT_TRUE(store_
                  ->Commit([](Transaction& txn) {
                    for (const char* key : {"a", "b", "c", "d"}) {
                      txn.Put(Cf::kOutbox, key, absl::StrCat("old ", key));
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  using Reads = std::vector<std::optional<std::string>>;
  const std::vector<std::string> keys = {"a", "b", "b2", "c", "d"};
  const auto read_all = [&](Transaction& txn, Reads* reads) -> absl::Status {
    for (const std::string& key : keys) {
      ASSIGN_OR_RETURN(std::optional<std::string> value,
                       txn.Get(Cf::kOutbox, key));
      reads->push_back(std::move(value));
    }
    return absl::OkStatus();
  };
  const Reads expected = {"old a", std::nullopt, std::nullopt, "new c",
                          "old d"};
  // One group: the second reads what the first wrote.
  Reads own, later;
  CommitInOneGroup({[&](Transaction& txn) -> absl::Status {
                      txn.Put(Cf::kOutbox, "b2", "gone with the range");
                      txn.DeleteRange(Cf::kOutbox, "b", "d");
                      txn.Put(Cf::kOutbox, "c", "new c");
                      return read_all(txn, &own);
                    },
                    [&](Transaction& txn) { return read_all(txn, &later); }});
  EXPECT_EQ(own, expected);
  EXPECT_EQ(later, expected);
  // And so it is stored.
  std::unique_ptr<ReadView> view = store_->NewReadView();
  Reads stored;
  for (const std::string& key : keys) {
    absl::StatusOr<std::optional<std::string>> value =
        view->Get(Cf::kOutbox, key);
    ASSERT_TRUE(value.ok());
    stored.push_back(*value);
  }
  EXPECT_EQ(stored, expected);
}

// A transaction's Scan finds what its Gets would: the committed keys under
// the prefix, with the writes and ranges of earlier transactions of its
// group, then its own, over them; and nothing outside the prefix.
TEST_F(StoreTest, TransactionScanSeesTheGroupsWritesOverTheCommittedState) {
  ASSERT_TRUE(store_
                  ->Commit([](Transaction& txn) {
                    for (const char* key : {"p/a", "p/b", "p/c", "p/d", "q"}) {
                      txn.Put(Cf::kOutbox, key, absl::StrCat("old ", key));
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  using Scanned = std::vector<std::pair<std::string, std::string>>;
  const auto scan = [](Transaction& txn, Scanned* out) {
    return txn.Scan(Cf::kOutbox, "p/",
                    [&](absl::string_view key, absl::string_view value) {
                      out->emplace_back(key, value);
                      return true;
                    });
  };
  Scanned first, second, limited;
  CommitInOneGroup({[&](Transaction& txn) -> absl::Status {
                      txn.DeleteRange(Cf::kOutbox, "p/b", "p/d");
                      txn.Put(Cf::kOutbox, "p/c", "first c");
                      txn.Put(Cf::kOutbox, "p/e", "first e");
                      return scan(txn, &first);
                    },
                    [&](Transaction& txn) -> absl::Status {
                      txn.Delete(Cf::kOutbox, "p/a");
                      txn.Put(Cf::kOutbox, "p/b2", "second b2");
                      txn.Put(Cf::kOutbox, "pq", "outside the prefix");
                      RETURN_IF_ERROR(scan(txn, &second));
                      return txn.Scan(
                          Cf::kOutbox, "p/",
                          [&](absl::string_view key, absl::string_view value) {
                            limited.emplace_back(key, value);
                            return false;  // stops after the first
                          });
                    }});
  EXPECT_EQ(first, (Scanned{{"p/a", "old p/a"},
                            {"p/c", "first c"},
                            {"p/d", "old p/d"},
                            {"p/e", "first e"}}));
  EXPECT_EQ(second, (Scanned{{"p/b2", "second b2"},
                             {"p/c", "first c"},
                             {"p/d", "old p/d"},
                             {"p/e", "first e"}}));
  EXPECT_EQ(limited, (Scanned{{"p/b2", "second b2"}}));
  // And a later commit scans what landed.
  Scanned stored;
  ASSERT_TRUE(
      store_->Commit([&](Transaction& txn) { return scan(txn, &stored); })
          .ok());
  EXPECT_EQ(stored, second);
}

// A group writes each `meta` key once, after its bodies have run: what lands
// is what the last write of each key in the group left, ranges included.
TEST_F(StoreTest, MetaWritesOfAGroupLandAsItsLastWritesLeftThem) {
  CommitInOneGroup({[](Transaction& txn) {
                      for (const char* key : {"m1", "m2", "m3", "m4"}) {
                        txn.Put(Cf::kMeta, key, "first");
                      }
                      return absl::OkStatus();
                    },
                    [](Transaction& txn) {
                      txn.Delete(Cf::kMeta, "m1");
                      txn.DeleteRange(Cf::kMeta, "m2", "m4");
                      txn.Put(Cf::kMeta, "m3", "second");
                      return absl::OkStatus();
                    }});
  const std::vector<std::string> keys = {"m1", "m2", "m3", "m4"};
  const std::vector<std::optional<std::string>> expected = {
      std::nullopt, std::nullopt, "second", "first"};
  for (bool reopened : {false, true}) {
    if (reopened) Reopen();
    std::unique_ptr<ReadView> view = store_->NewReadView();
    std::vector<std::optional<std::string>> stored;
    for (const std::string& key : keys) {
      absl::StatusOr<std::optional<std::string>> value =
          view->Get(Cf::kMeta, key);
      ASSERT_TRUE(value.ok());
      stored.push_back(*value);
    }
    EXPECT_EQ(stored, expected) << (reopened ? "reopened" : "open");
  }
}

// Nor when an earlier transaction of its group wrote the key since it was
// last committed: a Get after a read ahead still sees that write.
TEST_F(StoreTest, ReadAheadSeesEarlierWritesOfTheGroup) {
  EXPECT_EQ(CountConcurrently(/*read_ahead=*/true), "800");
}

// A CommitAlone body shares its group with no one: a view taken in it has
// every change before it, and none taken by an earlier member of a group.
TEST_F(StoreTest, CommitAloneSeesTheWholeStoreInItsBody) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 100;
  std::atomic<int> alone{0}, mismatched{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const auto body = [&](Transaction& txn) -> absl::Status {
          v1::Change change;
          change.set_target(absl::StrCat("plans/p", t));
          change.set_plan(change.target());
          change.set_change_id(absl::StrCat("test:", t, ":", i));
          txn.AppendChange(change);
          return absl::OkStatus();
        };
        if (i % 4 == 0) {
          ASSERT_TRUE(store_
                          ->CommitAlone([&](Transaction& txn) {
                            ++alone;
                            if (store_->NewReadView()->sequence() + 1 !=
                                txn.next_sequence()) {
                              ++mismatched;
                            }
                            return body(txn);
                          })
                          .ok());
        } else {
          ASSERT_TRUE(store_->Commit(body).ok());
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(alone.load(), kThreads * kPerThread / 4);
  EXPECT_EQ(mismatched.load(), 0);
  EXPECT_EQ(store_->last_sequence(),
            static_cast<uint64_t>(kThreads * kPerThread));
}

// CommitAsync answers once its writes are in the store, mixed with Commit
// and CommitAlone from other threads: one gap-free log, nothing lost.
TEST_F(StoreTest, AsyncCommitsJoinTheSameGapFreeLog) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 200;
  std::atomic<int> answered{0}, failures{0}, unseen{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string target = absl::StrCat("plans/t", t, "-", i);
        const auto body = [target](Transaction& txn) -> absl::Status {
          v1::Change change;
          change.set_target(target);
          change.set_plan(target);
          change.set_change_id(absl::StrCat("test:", target));
          v1::ChangeResult result;
          result.set_change_id(change.change_id());
          result.set_sequence(txn.AppendChange(change));
          txn.RecordResult(result);
          return absl::OkStatus();
        };
        if (t % 2 == 1) {
          if (!(i % 10 == 0 ? store_->CommitAlone(body) : store_->Commit(body))
                   .ok()) {
            ++failures;
          }
          continue;
        }
        store_->CommitAsync(body, [&, target](absl::Status status) {
          if (!status.ok()) ++failures;
          // Durable, hence visible, before the answer.
          absl::StatusOr<std::optional<std::string>> applied =
              store_->NewReadView()->Get(Cf::kApplied,
                                         absl::StrCat("test:", target));
          if (!applied.ok() || !applied->has_value()) ++unseen;
          ++answered;
        });
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const int async_writes = (kThreads + 1) / 2 * kPerThread;
  const bool all_answered = WaitFor(
      [&] { return answered.load() == async_writes; }, absl::Minutes(1));
  // Closing the store answers the rest, before the counters go.
  if (!all_answered) store_.reset();
  ASSERT_TRUE(all_answered) << answered.load() << " of " << async_writes;
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(unseen.load(), 0);
  const std::vector<v1::Change> changes = AllChanges();
  ASSERT_EQ(changes.size(), static_cast<size_t>(kThreads * kPerThread));
  for (size_t i = 0; i < changes.size(); ++i) {
    EXPECT_EQ(changes[i].sequence(), i + 1);
  }
}

TEST_F(StoreTest, FailedAsyncBodyWritesNothingAndSaysWhy) {
  absl::Notification answered;
  absl::Status got;
  store_->CommitAsync(
      [](Transaction& txn) -> absl::Status {
        txn.Put(Cf::kMeta, "half", "written");
        return absl::InvalidArgumentError("no");
      },
      [&](absl::Status status) {
        got = std::move(status);
        answered.Notify();
      });
  answered.WaitForNotification();
  EXPECT_EQ(got.code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::optional<std::string>> half =
      store_->NewReadView()->Get(Cf::kMeta, "half");
  ASSERT_TRUE(half.ok());
  EXPECT_FALSE(half->has_value());
}

// Closing the store answers every CommitAsync queued before, written.
TEST_F(StoreTest, CloseAnswersQueuedAsyncCommits) {
  constexpr int kWrites = 300;
  std::atomic<int> ok{0};
  for (int i = 0; i < kWrites; ++i) {
    store_->CommitAsync(
        [i](Transaction& txn) {
          txn.Put(Cf::kMeta, absl::StrCat("k", i), "v");
          return absl::OkStatus();
        },
        [&](absl::Status status) {
          if (status.ok()) ++ok;
        });
  }
  Reopen();
  EXPECT_EQ(ok.load(), kWrites);
  absl::StatusOr<std::optional<std::string>> last =
      store_->NewReadView()->Get(Cf::kMeta, absl::StrCat("k", kWrites - 1));
  ASSERT_TRUE(last.ok());
  EXPECT_TRUE(last->has_value());
}

TEST_F(StoreTest, ReadViewIsASnapshot) {
  ASSERT_TRUE(Write("plans/a", "old").ok());
  std::unique_ptr<ReadView> before = store_->NewReadView();
  ASSERT_TRUE(Write("plans/a", "new").ok());
  ASSERT_TRUE(Write("plans/b", "new").ok());
  absl::StatusOr<std::optional<storage::Entity>> a =
      before->GetEntity(*ResourceName::Parse("plans/a"));
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->resource(), "old");
  EXPECT_EQ(before->sequence(), 1u);
  int plans = 0;
  ASSERT_TRUE(before
                  ->Scan(Cf::kEntities, EntityKeyPrefix(Kind::kPlan, "plans/"),
                         "",
                         [&](absl::string_view, absl::string_view) {
                           ++plans;
                           return true;
                         })
                  .ok());
  EXPECT_EQ(plans, 1);
}

TEST_F(StoreTest, ScanHonoursPrefixStartAfterAndKind) {
  for (const char* name :
       {"plans/p/activities/a", "plans/p/activities/b", "plans/p/activities/c",
        "plans/p/strands/s", "plans/q/activities/a", "plans/p"}) {
    ASSERT_TRUE(Write(name, name).ok());
  }
  std::vector<std::string> names;
  ASSERT_TRUE(
      store_->NewReadView()
          ->Scan(Cf::kEntities,
                 EntityKeyPrefix(Kind::kActivity, "plans/p/activities/"),
                 EntityKey(*ResourceName::Parse("plans/p/activities/a")),
                 [&](absl::string_view key, absl::string_view) {
                   names.emplace_back(NameOfEntityKey(key));
                   return true;
                 })
          .ok());
  EXPECT_EQ(names, (std::vector<std::string>{"plans/p/activities/b",
                                             "plans/p/activities/c"}));
}

TEST_F(StoreTest, GetSortedFindsPresentKeysInOrderAtItsSnapshot) {
  ASSERT_TRUE(store_
                  ->Commit([](Transaction& txn) {
                    for (uint64_t i : {1, 2, 3, 5, 8, 9, 20}) {
                      txn.Put(Cf::kChanges, SequenceKey(i), absl::StrCat(i));
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  std::unique_ptr<ReadView> view = store_->NewReadView();
  ASSERT_TRUE(store_
                  ->Commit([](Transaction& txn) {
                    txn.Put(Cf::kChanges, SequenceKey(4), "4");
                    txn.Delete(Cf::kChanges, SequenceKey(5));
                    return absl::OkStatus();
                  })
                  .ok());
  // Adjacent keys, absent ones just past a found key, a gap the iterator
  // must seek across, and absent keys after the last stored one.
  std::vector<std::string> keys;
  for (uint64_t i : {0, 1, 2, 4, 5, 7, 9, 10, 20, 21, 30}) {
    keys.push_back(SequenceKey(i));
  }
  std::vector<std::string> found;
  const auto collect = [&](absl::string_view key, absl::string_view value) {
    EXPECT_EQ(value, absl::StrCat(DecodeSequenceKey(key)));
    found.emplace_back(value);
    return true;
  };
  ASSERT_TRUE(view->GetSorted(Cf::kChanges, keys, collect).ok());
  EXPECT_EQ(found, (std::vector<std::string>{"1", "2", "5", "9", "20"}));
  found.clear();
  ASSERT_TRUE(
      store_->NewReadView()->GetSorted(Cf::kChanges, keys, collect).ok());
  EXPECT_EQ(found, (std::vector<std::string>{"1", "2", "4", "9", "20"}));
  // Stops when the visit says so.
  int visits = 0;
  ASSERT_TRUE(view->GetSorted(Cf::kChanges, keys,
                              [&](absl::string_view, absl::string_view) {
                                return ++visits < 2;
                              })
                  .ok());
  EXPECT_EQ(visits, 2);
}

TEST_F(StoreTest, SequenceKeysSortNumerically) {
  EXPECT_LT(SequenceKey(255), SequenceKey(256));
  EXPECT_LT(SequenceKey(1), SequenceKey(1ull << 40));
  EXPECT_EQ(DecodeSequenceKey(SequenceKey(123456789012345ull)),
            123456789012345ull);
}

}  // namespace
}  // namespace plan
