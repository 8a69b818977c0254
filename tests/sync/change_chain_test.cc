// The change log's hash chain on a real RocksDB store: ReadChangeLog and the
// verifier agree on an untouched log, with or without a plan; one byte
// changed directly in RocksDB is found at its sequence; and a trimmed log
// verifies from its horizon on.
#include "libplan/model/change_chain.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libplan/service/plan_reports.h"
#include "libplan/service/plan_resources.h"
#include "libplan/sync/sync_authority.h"
#include "libplan/util/errors.h"
#include "prevent/plan/v1/resources.pb.h"
#include "rocksdb/db.h"
#include "tests/support/temp_dir.h"

namespace plan {
namespace {

using prevent::plan::test_support::TempDir;
namespace v1 = prevent::plan::v1;

class ChangeChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TempDir> dir = TempDir::Create("change-chain-test");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_.emplace(std::move(*dir));
    Open();
    // Two plans, each with a few strands: changes of both interleave.
    for (const char* plan : {"a", "b"}) {
      v1::Plan created;
      v1::Plan resource;
      resource.set_title(absl::StrCat("Plan ", plan));
      ASSERT_TRUE(
          resources_->Create(Kind::kPlan, "", plan, resource, {}, &created)
              .ok());
    }
    for (int i = 0; i < 10; ++i) {
      for (const char* plan : {"plans/a", "plans/b"}) {
        v1::Strand strand;
        strand.set_title(absl::StrCat("Strand ", i));
        v1::Strand created;
        ASSERT_TRUE(resources_
                        ->Create(Kind::kStrand, plan, absl::StrCat("s", i),
                                 strand, {}, &created)
                        .ok());
      }
    }
    ASSERT_EQ(store_->last_sequence(), 22u);
  }

  void Open() {
    reports_.reset();
    resources_.reset();
    store_.reset();
    absl::StatusOr<std::unique_ptr<Store>> store =
        Store::Open({.path = dir_->Subpath("db")});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    resources_ = std::make_unique<PlanResources>(store_.get(), &clock_,
                                                 PlanResourcesOptions());
    reports_ = std::make_unique<PlanReports>(resources_.get());
  }

  // Reads the log (of `plan`, or all of it) and verifies it.
  absl::Status Verify(const std::string& plan, ChainVerifier* verifier) {
    v1::ReadChangeLogRequest request;
    request.set_plan(plan);
    absl::Status read = reports_->ReadChangeLog(
        request, {}, [&](const v1::ChangeLogChunk& chunk) {
          verifier->Add(chunk);
          return true;
        });
    if (!read.ok()) return read;
    return verifier->Finish();
  }

  // Flips one bit of the stored entry `sequence`, straight in RocksDB, with
  // the store closed.
  void Tamper(uint64_t sequence) {
    reports_.reset();
    resources_.reset();
    store_.reset();
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const char* name : {"default", "entities", "changes", "plan_changes",
                             "applied", "outbox", "meta"}) {
      families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), dir_->Subpath("db"),
                                  families, &handles, &raw)
                    .ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    std::string value;
    ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), handles[2],
                        SequenceKey(sequence), &value)
                    .ok());
    // A byte of the title: still a readable change, with another value.
    const size_t at = value.find("Strand");
    ASSERT_NE(at, std::string::npos);
    value[at] = 's';
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), handles[2],
                        SequenceKey(sequence), value)
                    .ok());
    for (rocksdb::ColumnFamilyHandle* handle : handles) {
      ASSERT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
    }
    db.reset();
    Open();
  }

  std::optional<TempDir> dir_;
  HybridClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<PlanResources> resources_;
  std::unique_ptr<PlanReports> reports_;
};

TEST_F(ChangeChainTest, AnUntouchedLogVerifiesWholeOrByPlan) {
  ChainVerifier all;
  ASSERT_TRUE(Verify("", &all).ok()) << Verify("", &all);
  EXPECT_EQ(all.entries(), 22u);
  EXPECT_EQ(all.first_sequence(), 1u);
  EXPECT_EQ(all.last_sequence(), 22u);
  ChainVerifier one;
  EXPECT_TRUE(Verify("plans/a", &one).ok());
  EXPECT_EQ(one.entries(), 22u);
  // And after a restart, the chain goes on from its head.
  Open();
  v1::Strand strand;
  strand.set_title("After the restart");
  v1::Strand created;
  ASSERT_TRUE(
      resources_
          ->Create(Kind::kStrand, "plans/a", "later", strand, {}, &created)
          .ok());
  ChainVerifier again;
  EXPECT_TRUE(Verify("", &again).ok());
  EXPECT_EQ(again.last_sequence(), 23u);
}

TEST_F(ChangeChainTest, OneChangedByteIsFoundAtItsSequence) {
  Tamper(9);  // a strand of plans/a
  for (const std::string plan : {"", "plans/a", "plans/b"}) {
    ChainVerifier verifier;
    const absl::Status verified = Verify(plan, &verifier);
    EXPECT_EQ(verified.code(), absl::StatusCode::kDataLoss) << plan;
    EXPECT_EQ(ErrorReason(verified), "CHAIN_BROKEN");
    ASSERT_TRUE(verifier.bad_sequence().has_value()) << plan;
    EXPECT_EQ(*verifier.bad_sequence(), 9u) << plan << ": " << verified;
  }
}

TEST_F(ChangeChainTest, TheLastEntryIsCheckedAgainstTheHead) {
  Tamper(22);
  ChainVerifier verifier;
  EXPECT_FALSE(Verify("", &verifier).ok());
  EXPECT_EQ(verifier.bad_sequence(), 22u);
}

TEST_F(ChangeChainTest, ATrimmedLogVerifiesFromItsHorizon) {
  SyncAuthority authority(store_.get(), &clock_, SyncAuthorityOptions());
  ASSERT_TRUE(authority.TrimLog(15).ok());
  ChainVerifier verifier;
  ASSERT_TRUE(Verify("", &verifier).ok()) << Verify("", &verifier);
  EXPECT_EQ(verifier.first_sequence(), 16u);
  EXPECT_EQ(verifier.entries(), 7u);
  Tamper(18);
  ChainVerifier tampered;
  EXPECT_FALSE(Verify("", &tampered).ok());
  EXPECT_EQ(tampered.bad_sequence(), 18u);
}

// A body that appends and then fails leaves no link behind, even in a commit
// group whose other bodies land: the chain stays whole.
TEST_F(ChangeChainTest, FailedBodiesInAGroupLeaveTheChainWhole) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 25; ++i) {
        const absl::Status status =
            store_->Commit([&](Transaction& txn) -> absl::Status {
              v1::Change change;
              change.set_change_id(absl::StrCat("t", t, ":", i));
              change.set_target("plans/a");
              change.set_plan("plans/a");
              txn.AppendChange(change);
              if ((t + i) % 2 == 0) return absl::AbortedError("on purpose");
              return absl::OkStatus();
            });
        EXPECT_EQ(status.ok(), (t + i) % 2 != 0) << status;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  ChainVerifier verifier;
  EXPECT_TRUE(Verify("", &verifier).ok()) << Verify("", &verifier);
  EXPECT_EQ(verifier.entries(), 22u + 100u);
}

// A store with no change yet has a chain with no entry, and reopens (an
// agent's store after a snapshot is one).
TEST(EmptyChangeChainTest, AStoreWithNoChangeReopensAndVerifies) {
  absl::StatusOr<TempDir> dir = TempDir::Create("empty-chain-test");
  ASSERT_TRUE(dir.ok()) << dir.status();
  for (int open = 0; open < 2; ++open) {
    absl::StatusOr<std::unique_ptr<Store>> store =
        Store::Open({.path = dir->Subpath("db")});
    ASSERT_TRUE(store.ok()) << "open " << open << ": " << store.status();
    HybridClock clock;
    PlanResources resources(store->get(), &clock, PlanResourcesOptions());
    PlanReports reports(&resources);
    ChainVerifier verifier;
    ASSERT_TRUE(reports
                    .ReadChangeLog({}, {},
                                   [&](const v1::ChangeLogChunk& chunk) {
                                     verifier.Add(chunk);
                                     return true;
                                   })
                    .ok());
    EXPECT_TRUE(verifier.Finish().ok());
    EXPECT_EQ(verifier.entries(), 0u);
  }
}

}  // namespace
}  // namespace plan
