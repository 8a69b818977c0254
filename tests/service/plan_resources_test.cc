// The standard methods on a real RocksDB store, below gRPC: per-field versions,
// the change log each write leaves, and atomicity under concurrency.
#include "libplan/service/plan_resources.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libplan/model/fields.h"
#include "prevent/plan/v1/resources.pb.h"
#include "tests/support/temp_dir.h"

namespace plan {
namespace {

using prevent::plan::test_support::TempDir;
namespace v1 = prevent::plan::v1;

constexpr char kPlan[] = "plans/p";
constexpr char kActivity[] = "plans/p/activities/channel";

class PlanResourcesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TempDir> dir = TempDir::Create("resources-test");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_.emplace(std::move(*dir));
    absl::StatusOr<std::unique_ptr<Store>> store =
        Store::Open({.path = dir_->Subpath("db")});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    resources_ = std::make_unique<PlanResources>(store_.get(), &clock_,
                                                 PlanResourcesOptions());
    v1::Plan plan;
    plan.set_title("Plan");
    v1::Plan created_plan;
    ASSERT_TRUE(
        resources_->Create(Kind::kPlan, "", "p", plan, actor_, &created_plan)
            .ok());
    v1::Activity activity;
    activity.set_title("Channel");
    v1::Activity created;
    ASSERT_TRUE(resources_
                    ->Create(Kind::kActivity, kPlan, "channel", activity,
                             actor_, &created)
                    .ok());
  }

  storage::Entity EntityOf(const std::string& name) {
    absl::StatusOr<std::optional<storage::Entity>> entity =
        store_->NewReadView()->GetEntity(*ResourceName::Parse(name));
    EXPECT_TRUE(entity.ok() && entity->has_value());
    return entity.ok() && entity->has_value() ? **entity : storage::Entity();
  }

  v1::Change LastChange() {
    absl::StatusOr<std::optional<std::string>> bytes =
        store_->NewReadView()->Get(Cf::kChanges,
                                   SequenceKey(store_->last_sequence()));
    v1::Change change;
    EXPECT_TRUE(bytes.ok() && bytes->has_value());
    if (bytes.ok() && bytes->has_value()) change.ParseFromString(**bytes);
    return change;
  }

  v1::Action NewAction(const std::string& id) {
    v1::Action action;
    action.set_description("Refer to the Prevent team");
    action.set_rag(v1::AMBER);
    v1::Action created;
    EXPECT_TRUE(
        resources_
            ->Create(Kind::kAction, kActivity, id, action, actor_, &created)
            .ok());
    return created;
  }

  std::optional<TempDir> dir_;
  std::unique_ptr<Store> store_;
  HybridClock clock_;
  std::unique_ptr<PlanResources> resources_;
  Actor actor_{.organisation = "organisations/staffordshire-police"};
};

TEST_F(PlanResourcesTest, EachFieldKeepsTheVersionOfItsLastWrite) {
  const v1::Action action = NewAction("refer");
  const storage::Entity created = EntityOf(action.name());
  ASSERT_TRUE(created.field_versions().contains("description"));
  ASSERT_TRUE(created.field_versions().contains("rag"));
  // Fields never written have no version.
  EXPECT_FALSE(created.field_versions().contains("owner_organisation"));
  const storage::Version first = created.field_versions().at("rag");
  EXPECT_EQ(first.replica_id(), store_->replica_id());
  EXPECT_EQ(first.sequence(), store_->last_sequence());

  v1::Action update;
  update.set_name(action.name());
  update.set_rag(v1::RED);
  google::protobuf::FieldMask mask;
  mask.add_paths("rag");
  v1::Action updated;
  ASSERT_TRUE(
      resources_->Update(Kind::kAction, update, mask, actor_, &updated).ok());
  const storage::Entity after = EntityOf(action.name());
  const storage::Version rag = after.field_versions().at("rag");
  EXPECT_GT(rag.sequence(), first.sequence());
  EXPECT_GT(rag.hlc(), first.hlc());
  EXPECT_EQ(rag.change_id(),
            absl::StrCat(store_->replica_id(), ":", rag.sequence()));
  // The untouched field keeps its version.
  EXPECT_EQ(after.field_versions().at("description").sequence(),
            first.sequence());
}

TEST_F(PlanResourcesTest, UpdateChangeHoldsNewAndBaseValues) {
  const v1::Action action = NewAction("refer");
  v1::Action update;
  update.set_name(action.name());
  update.set_rag(v1::RED);
  google::protobuf::FieldMask mask;
  mask.add_paths("rag");
  mask.add_paths("description");  // unchanged: not in the change
  update.set_description(action.description());
  v1::Action updated;
  ASSERT_TRUE(
      resources_->Update(Kind::kAction, update, mask, actor_, &updated).ok());
  const v1::Change change = LastChange();
  EXPECT_EQ(change.operation(), v1::Change::UPDATE);
  EXPECT_EQ(change.target(), action.name());
  EXPECT_EQ(change.plan(), kPlan);
  EXPECT_EQ(change.organisation(), "organisations/staffordshire-police");
  ASSERT_EQ(change.fields_size(), 1);
  EXPECT_EQ(change.fields(0).field(), "rag");
  v1::Action value, base;
  ASSERT_TRUE(value.ParseFromString(change.fields(0).value()));
  ASSERT_TRUE(base.ParseFromString(change.fields(0).base()));
  EXPECT_EQ(value.rag(), v1::RED);
  EXPECT_EQ(base.rag(), v1::AMBER);
  // The value encoding holds only that field.
  EXPECT_TRUE(value.description().empty());
}

TEST_F(PlanResourcesTest, DeleteAndUndeleteAreChangesToo) {
  const v1::Action action = NewAction("refer");
  v1::Action out;
  ASSERT_TRUE(
      resources_->Delete(Kind::kAction, action.name(), "", actor_, &out).ok());
  EXPECT_EQ(LastChange().operation(), v1::Change::DELETE);
  EXPECT_TRUE(EntityOf(action.name()).deleted());
  ASSERT_TRUE(
      resources_->Undelete(Kind::kAction, action.name(), actor_, &out).ok());
  EXPECT_EQ(LastChange().operation(), v1::Change::UNDELETE);
  EXPECT_FALSE(EntityOf(action.name()).deleted());
}

TEST_F(PlanResourcesTest, ConcurrentConditionalUpdatesLetExactlyOneWin) {
  const v1::Action action = NewAction("refer");
  constexpr int kWriters = 16;
  std::atomic<int> won{0}, aborted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      v1::Action update;
      update.set_name(action.name());
      update.set_etag(action.etag());
      update.set_description(absl::StrCat("Version ", i));
      google::protobuf::FieldMask mask;
      mask.add_paths("description");
      v1::Action out;
      const absl::Status status =
          resources_->Update(Kind::kAction, update, mask, actor_, &out);
      if (status.ok()) ++won;
      if (status.code() == absl::StatusCode::kAborted) ++aborted;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(aborted.load(), kWriters - 1);
}

TEST_F(PlanResourcesTest, ConcurrentCreatesOfOneIdLetExactlyOneWin) {
  constexpr int kWriters = 16;
  std::atomic<int> created{0}, exists{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&] {
      v1::Action action;
      action.set_description("Same id");
      v1::Action out;
      const absl::Status status = resources_->Create(
          Kind::kAction, kActivity, "same", action, actor_, &out);
      if (status.ok()) ++created;
      if (status.code() == absl::StatusCode::kAlreadyExists) ++exists;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(exists.load(), kWriters - 1);
}

TEST_F(PlanResourcesTest, EntityAndChangeLogAgreeAfterManyConcurrentWrites) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i)
        NewAction(absl::StrCat("t", t, "-", i));
    });
  }
  for (auto& thread : threads) thread.join();
  // Every action created has exactly one CREATE change whose sequence is the
  // entity's lifecycle version.
  std::unique_ptr<ReadView> view = store_->NewReadView();
  int creates = 0;
  ASSERT_TRUE(
      view->Scan(Cf::kChanges, "", "",
                 [&](absl::string_view key, absl::string_view value) {
                   v1::Change change;
                   change.ParseFromArray(value.data(),
                                         static_cast<int>(value.size()));
                   EXPECT_EQ(change.sequence(), DecodeSequenceKey(key));
                   if (change.target().find("/actions/") == std::string::npos) {
                     return true;
                   }
                   ++creates;
                   EXPECT_EQ(
                       EntityOf(change.target()).lifecycle_version().sequence(),
                       change.sequence());
                   return true;
                 })
          .ok());
  EXPECT_EQ(creates, kThreads * kPerThread);
}

}  // namespace
}  // namespace plan
