// The standard methods on a real RocksDB store, below gRPC: per-field versions,
// the change log each write leaves, and atomicity under concurrency.
#include "libplan/service/plan_resources.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libplan/model/fields.h"
#include "libplan/model/validation.h"
#include "libplan/service/plan_reports.h"
#include "libplan/util/errors.h"
#include "prevent/plan/v1/resources.pb.h"
#include "tests/support/temp_dir.h"

namespace plan {
namespace {

using prevent::plan::test_support::TempDir;
using ::testing::ElementsAre;
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

  // Stores conflict `id` of plan p over `field` of `target`, open with
  // `candidates`, as the service stores one it opens for a push.
  v1::Conflict PutConflict(const std::string& id, const std::string& target,
                           const std::string& field,
                           std::vector<v1::Conflict::Candidate> candidates) {
    v1::Conflict conflict;
    conflict.set_name(absl::StrCat(kPlan, "/conflicts/", id));
    conflict.set_target(target);
    conflict.set_field(field);
    for (v1::Conflict::Candidate& candidate : candidates) {
      *conflict.add_candidates() = std::move(candidate);
    }
    conflict.set_state(v1::Conflict::OPEN);
    conflict.set_etag(absl::StrCat("\"c-", id, "\""));
    storage::Entity entity;
    entity.set_resource(conflict.SerializeAsString());
    EXPECT_TRUE(store_
                    ->Commit([&](Transaction& txn) {
                      txn.PutEntity(*ResourceName::Parse(conflict.name()),
                                    entity);
                      return absl::OkStatus();
                    })
                    .ok());
    return conflict;
  }

  v1::Conflict ConflictAt(const std::string& name) {
    v1::Conflict conflict;
    EXPECT_TRUE(resources_->Get(Kind::kConflict, name, actor_, &conflict).ok());
    return conflict;
  }

  v1::Action ActionAt(const std::string& name) {
    v1::Action action;
    EXPECT_TRUE(resources_->Get(Kind::kAction, name, actor_, &action).ok());
    return action;
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

// A set that names a value twice means it once, on create and on update; a
// set of more distinct values than its bound is still refused.
TEST_F(PlanResourcesTest, SetsKeepEachValueOnce) {
  v1::Organisation org;
  org.set_display_name("Police");
  v1::Organisation created_org;
  ASSERT_TRUE(
      resources_
          ->Create(Kind::kOrganisation, "", "police", org, actor_, &created_org)
          .ok());
  v1::Activity activity;
  activity.set_title("Training");
  for (int i = 0; i < 3; ++i) {
    activity.add_lead_organisations("organisations/police");
    activity.add_duty_areas(v1::RISK);
  }
  v1::Activity created;
  absl::Status status = resources_->Create(Kind::kActivity, kPlan, "training",
                                           activity, actor_, &created);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(created.lead_organisations_size(), 1);
  EXPECT_EQ(created.duty_areas_size(), 1);

  v1::Activity update;
  update.set_name(created.name());
  for (int i = 0; i < 1000000; ++i) update.add_duty_areas(v1::REFERRAL);
  google::protobuf::FieldMask mask;
  mask.add_paths("duty_areas");
  v1::Activity updated;
  status = resources_->Update(Kind::kActivity, update, mask, actor_, &updated);
  ASSERT_TRUE(status.ok()) << status;
  v1::Activity stored;
  ASSERT_TRUE(
      resources_->Get(Kind::kActivity, created.name(), Actor(), &stored).ok());
  ASSERT_EQ(stored.duty_areas_size(), 1);
  EXPECT_EQ(stored.duty_areas(0), v1::REFERRAL);

  update.clear_duty_areas();
  update.clear_lead_organisations();
  for (size_t i = 0; i <= kMaxLeadOrganisations; ++i) {
    update.add_lead_organisations(absl::StrCat("organisations/o", i));
  }
  mask.set_paths(0, "lead_organisations");
  status = resources_->Update(Kind::kActivity, update, mask, actor_, &updated);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
}

// A List whose filter matches nothing reads the whole plan: it stops once
// the caller has gone or its deadline has passed, rather than reading on
// for nobody. So does a report.
// A write whose deadline has passed is not started: every write method
// answers DEADLINE_EXCEEDED and the log does not move. (gRPC's client never
// sends a call whose deadline has passed, so this is tested here, where the
// check lives.)
TEST_F(PlanResourcesTest, AWriteWhoseDeadlineHasPassedWritesNothing) {
  const v1::Action action = NewAction("refer");
  Actor late = actor_;
  late.deadline = absl::Now() - absl::Seconds(1);
  const uint64_t before = store_->last_sequence();
  std::vector<std::pair<std::string, absl::Status>> writes;
  v1::Action fields;
  fields.set_description("Late");
  v1::Action out;
  writes.emplace_back("Create", resources_->Create(Kind::kAction, kActivity,
                                                   "late", fields, late, &out));
  v1::Action update = action;
  update.set_rag(v1::RED);
  google::protobuf::FieldMask mask;
  mask.add_paths("rag");
  writes.emplace_back(
      "Update", resources_->Update(Kind::kAction, update, mask, late, &out));
  writes.emplace_back("Delete", resources_->Delete(Kind::kAction, action.name(),
                                                   "", late, &out));
  writes.emplace_back(
      "Undelete",
      resources_->Undelete(Kind::kAction, action.name(), late, &out));
  v1::ImportPlanRequest import;
  import.mutable_plan()->set_name("plans/late");
  import.mutable_plan()->set_title("Late");
  import.set_format(v1::CSV);
  import.set_content(
      "strand,activity,lead organisations,lead officer,action,timescale,rag,"
      "owner\nIdeology,Late,,,Late action,Ongoing,GREEN,\n");
  v1::ImportPlanResponse imported;
  writes.emplace_back("Import", resources_->Import(import, late, &imported));
  for (const auto& [what, status] : writes) {
    EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded)
        << what << ": " << status;
  }
  EXPECT_EQ(store_->last_sequence(), before);
}

TEST_F(PlanResourcesTest, LongReadsStopWhenTheCallerGoesOrRunsOutOfTime) {
  for (int i = 0; i < 600; ++i) NewAction(absl::StrCat("a", i));
  ListRequest list;
  list.parent = kActivity;
  list.filter = "rag = RED";  // none is: every action is read
  std::vector<v1::Action> listed(10);
  size_t n = 0;
  std::string token;
  const auto add = [&]() -> google::protobuf::Message* {
    return &listed[n++ % listed.size()];
  };

  int asked = 0;
  Actor gone;
  gone.cancelled = [&] {
    ++asked;
    return true;
  };
  absl::Status status =
      resources_->List(Kind::kAction, list, gone, add, &token);
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled) << status;
  EXPECT_EQ(ErrorReason(status), "CALL_CANCELLED");
  EXPECT_EQ(asked, 1) << "the scan stopped at its first check";

  Actor late;
  late.deadline = absl::Now() - absl::Seconds(1);
  status = resources_->List(Kind::kAction, list, late, add, &token);
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;

  PlanReports reports(resources_.get());
  v1::GetPlanSummaryRequest summary_request;
  summary_request.set_plan(kPlan);
  v1::PlanSummary summary;
  status = reports.GetPlanSummary(summary_request, gone, &summary);
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled) << status;
  v1::ListChangesRequest changes_request;
  changes_request.set_plan(kPlan);
  changes_request.mutable_since()->set_seconds(
      absl::ToUnixSeconds(absl::Now() + absl::Hours(1)));
  v1::ListChangesResponse changes;
  status = reports.ListChanges(changes_request, late, &changes);
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;

  // A caller who stays gets the whole answer, and one whose read is short
  // is never asked.
  int kept_asked = 0;
  Actor staying;
  staying.cancelled = [&] {
    ++kept_asked;
    return false;
  };
  ASSERT_TRUE(resources_->List(Kind::kAction, list, staying, add, &token).ok());
  EXPECT_EQ(n, 0u);
  EXPECT_GT(kept_asked, 1);
  v1::Plan plan;
  ASSERT_TRUE(resources_
                  ->List(
                      Kind::kPlan, {}, gone, [&] { return &plan; }, &token)
                  .ok());
  EXPECT_EQ(plan.name(), kPlan);
}

// A candidate whose value is an action with only `rag` set.
v1::Conflict::Candidate RagCandidate(v1::Rag rag) {
  v1::Action value;
  value.set_rag(rag);
  v1::Conflict::Candidate candidate;
  candidate.set_display_value(v1::Rag_Name(rag));
  candidate.set_value(value.SerializeAsString());
  return candidate;
}

v1::Conflict::Candidate DeleteCandidate() {
  v1::Conflict::Candidate candidate;
  candidate.set_display_value("(deleted)");
  candidate.set_deletes(true);
  return candidate;
}

std::vector<std::string> FieldsOf(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const FieldViolation& v : FieldViolationsOf(status)) {
    fields.push_back(v.field);
  }
  return fields;
}

// Each request ResolveConflict cannot carry out is refused, naming the field
// or saying why, and writes nothing.
TEST_F(PlanResourcesTest,
       ResolveConflictRefusesWhatItCannotDoAndWritesNothing) {
  const v1::Action action = NewAction("refer");
  const v1::Conflict conflict =
      PutConflict("c1", action.name(), "rag",
                  {RagCandidate(v1::RED), RagCandidate(v1::GREEN)});
  const uint64_t before = store_->last_sequence();
  v1::Conflict out;
  const auto resolve = [&](const v1::ResolveConflictRequest& request) {
    return resources_->ResolveConflict(request, actor_, &out);
  };

  v1::ResolveConflictRequest request;
  request.set_name(conflict.name());
  absl::Status status = resolve(request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(FieldsOf(status), ElementsAre("choice"));

  for (int candidate : {-1, 2}) {
    request.set_candidate(candidate);
    status = resolve(request);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
    EXPECT_THAT(FieldsOf(status), ElementsAre("candidate"));
    EXPECT_EQ(FieldViolationsOf(status).front().description, "must be 0-1");
  }

  request.set_value(std::string("\xff\xff\xff", 3));
  status = resolve(request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(FieldsOf(status), ElementsAre("value"));

  request.set_candidate(0);
  request.set_etag("\"stale\"");
  status = resolve(request);
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted) << status;
  EXPECT_EQ(ErrorReason(status), "ETAG_MISMATCH");

  request.clear_etag();
  request.set_name(absl::StrCat(kPlan, "/conflicts/missing"));
  status = resolve(request);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;

  request.set_name("conflicts/c1");
  status = resolve(request);
  EXPECT_THAT(FieldsOf(status), ElementsAre("name"));

  EXPECT_EQ(store_->last_sequence(), before);
  EXPECT_EQ(ConflictAt(conflict.name()).state(), v1::Conflict::OPEN);
  EXPECT_EQ(ActionAt(action.name()).rag(), v1::AMBER);
}

// A value of the caller's own is written as an ordinary change, and the
// conflict is closed with it, for good.
TEST_F(PlanResourcesTest, ResolvingWithANewValueWritesItAndClosesTheConflict) {
  const v1::Action action = NewAction("refer");
  const v1::Conflict conflict =
      PutConflict("c1", action.name(), "rag",
                  {RagCandidate(v1::RED), RagCandidate(v1::GREEN)});
  v1::ResolveConflictRequest request;
  request.set_name(conflict.name());
  request.set_etag(conflict.etag());
  request.set_value(RagCandidate(v1::BLUE).value());
  v1::Conflict resolved;
  absl::Status status = resources_->ResolveConflict(request, actor_, &resolved);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(ActionAt(action.name()).rag(), v1::BLUE);
  EXPECT_EQ(resolved.state(), v1::Conflict::RESOLVED);
  EXPECT_EQ(resolved.resolution().value(), request.value());
  EXPECT_EQ(resolved.resolution().organisation(), actor_.organisation);
  EXPECT_EQ(resolved.candidates_size(), 2);
  EXPECT_EQ(LastChange().target(), conflict.name());

  const uint64_t after = store_->last_sequence();
  request.clear_etag();
  request.set_candidate(0);
  status = resources_->ResolveConflict(request, actor_, &resolved);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_EQ(ErrorReason(status), "ALREADY_RESOLVED");
  EXPECT_EQ(store_->last_sequence(), after);
  EXPECT_EQ(ActionAt(action.name()).rag(), v1::BLUE);
}

// Choosing the delete of an edit-versus-delete conflict keeps the target
// deleted, and only closes the conflict; once the target has been restored
// the delete can no longer be chosen. Choosing a bad value for a deleted
// target leaves it deleted.
TEST_F(PlanResourcesTest, ChoosingTheDeleteNeedsTheTargetStillDeleted) {
  const v1::Action action = NewAction("refer");
  const v1::Conflict conflict = PutConflict(
      "c1", action.name(), "rag", {DeleteCandidate(), RagCandidate(v1::RED)});
  v1::ResolveConflictRequest request;
  request.set_name(conflict.name());
  request.set_candidate(0);
  v1::Conflict resolved;
  absl::Status status = resources_->ResolveConflict(request, actor_, &resolved);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_EQ(ErrorReason(status), "RESOURCE_RESTORED");

  v1::Action deleted;
  ASSERT_TRUE(
      resources_->Delete(Kind::kAction, action.name(), "", actor_, &deleted)
          .ok());
  const uint64_t before = store_->last_sequence();
  request.set_value(std::string("\xff\xff\xff", 3));
  status = resources_->ResolveConflict(request, actor_, &resolved);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(store_->last_sequence(), before);
  EXPECT_TRUE(EntityOf(action.name()).deleted());

  request.set_candidate(0);
  status = resources_->ResolveConflict(request, actor_, &resolved);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(resolved.state(), v1::Conflict::RESOLVED);
  EXPECT_TRUE(resolved.resolution().deletes());
  EXPECT_TRUE(EntityOf(action.name()).deleted());
  EXPECT_EQ(store_->last_sequence(), before + 1) << "the conflict's update";
  EXPECT_EQ(LastChange().target(), conflict.name());
}

// A page stops growing once its resources pass max_page_bytes (it always
// holds one), and the next resumes after it; a token is honoured only as
// this service issued it.
TEST_F(PlanResourcesTest, AListPageEndsAtItsByteBoundAndResumesAfterIt) {
  for (const char* id : {"a", "b", "c"}) NewAction(id);
  PlanResourcesOptions options;
  options.max_page_bytes = 1;
  PlanResources small_pages(store_.get(), &clock_, options);
  ListRequest request;
  request.parent = kActivity;
  std::vector<std::string> names;
  std::vector<std::string> tokens;
  do {
    v1::Action action;
    std::string token;
    int added = 0;
    const absl::Status status = small_pages.List(
        Kind::kAction, request, actor_,
        [&]() -> google::protobuf::Message* {
          ++added;
          return &action;
        },
        &token);
    ASSERT_TRUE(status.ok()) << status;
    ASSERT_EQ(added, 1);
    names.push_back(action.name());
    tokens.push_back(token);
    request.page_token = token;
  } while (!request.page_token.empty() && names.size() < 10);
  EXPECT_THAT(names, ElementsAre(absl::StrCat(kActivity, "/actions/a"),
                                 absl::StrCat(kActivity, "/actions/b"),
                                 absl::StrCat(kActivity, "/actions/c")));

  // The first token, naming something that is not an action.
  std::string text;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(tokens[0], &text));
  request.page_token = absl::WebSafeBase64Escape(
      absl::StrCat(text.substr(0, text.rfind('|') + 1), kPlan));
  std::string token;
  const absl::Status status = small_pages.List(
      Kind::kAction, request, actor_,
      [&]() -> google::protobuf::Message* {
        ADD_FAILURE() << "listed for a bad token";
        return nullptr;
      },
      &token);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(FieldsOf(status), ElementsAre("page_token"));
}

}  // namespace
}  // namespace plan
