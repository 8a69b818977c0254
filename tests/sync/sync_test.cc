// Replication over real gRPC on loopback: a plan service and agents, each
// with its own RocksDB in a temp dir. Every test ends with the promise of
// Promise 2 (docs/architecture.md): after syncs with no pending edits, every
// replica holds exactly the service's state, byte for byte.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libplan/model/fields.h"
#include "libplan/rpc/plan_service.h"
#include "libplan/rpc/server.h"
#include "libplan/rpc/sync_client.h"
#include "libplan/rpc/sync_service.h"
#include "libplan/service/plan_reports.h"
#include "libplan/service/plan_resources.h"
#include "libplan/sync/apply.h"
#include "libplan/sync/replica.h"
#include "libplan/sync/sync_authority.h"
#include "libplan/util/errors.h"
#include "libplan/util/log.h"
#include "tests/support/manual_clock.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_for.h"

namespace plan {
namespace {

using prevent::plan::test_support::ManualClock;
using prevent::plan::test_support::TempDir;
using prevent::plan::test_support::WaitFor;

constexpr char kPlan[] = "plans/p";
constexpr char kStrand[] = "plans/p/strands/support";
constexpr char kActivity[] = "plans/p/activities/channel";
constexpr char kAction[] = "plans/p/activities/channel/actions/refer";
constexpr char kPolice[] = "organisations/police";
constexpr char kCouncil[] = "organisations/council";

// What a replica holds for the plan and of the organisations: name ->
// (resource bytes, deleted).
using State = std::map<std::string, std::pair<std::string, bool>>;

State StateOf(Store& store) {
  State state;
  std::unique_ptr<ReadView> view = store.NewReadView();
  for (Kind kind : kReplicatedKinds) {
    const std::string prefix = IsPlanless(kind)      ? "organisations/"
                               : kind == Kind::kPlan ? kPlan
                                                     : absl::StrCat(kPlan, "/");
    EXPECT_TRUE(view->Scan(Cf::kEntities, EntityKeyPrefix(kind, prefix), "",
                           [&](absl::string_view key, absl::string_view value) {
                             storage::Entity entity;
                             entity.ParseFromArray(
                                 value.data(), static_cast<int>(value.size()));
                             state[std::string(NameOfEntityKey(key))] = {
                                 entity.resource(), entity.deleted()};
                             return true;
                           })
                    .ok());
  }
  return state;
}

// One store with the standard methods over it, its clock reading `physical`.
struct Node {
  Node(const std::string& path, bool replica, const std::string& organisation,
       HybridClock::PhysicalClock physical)
      // As plan-service's --max_clock_skew has it.
      : clock(std::move(physical), absl::Seconds(30)) {
    store = *Store::Open({.path = path});
    PlanResourcesOptions options;
    options.replica = replica;
    options.default_organisation = organisation;
    resources = std::make_unique<PlanResources>(store.get(), &clock, options);
  }
  std::unique_ptr<Store> store;
  HybridClock clock;
  std::unique_ptr<PlanResources> resources;
};

struct Agent {
  Agent(const std::string& path, const std::string& organisation,
        std::shared_ptr<grpc::Channel> channel,
        HybridClock::PhysicalClock physical, int push_batch = 1000)
      : node(path, /*replica=*/true, organisation, std::move(physical)),
        replica(node.store.get(), &node.clock,
                {.organisation = organisation,
                 .plans = {kPlan},
                 .push_batch = push_batch}),
        transport(std::move(channel), organisation) {}
  absl::StatusOr<v1::SyncNowResponse> Sync() { return replica.Sync(transport); }
  Node node;
  Replica replica;
  GrpcSyncTransport transport;
};

class SyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetLoggingEnabled(false);
    absl::StatusOr<TempDir> dir = TempDir::Create("sync-test");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_.emplace(std::move(*dir));
    service_ = std::make_unique<Node>(dir_->Subpath("service"), false,
                                      "organisations/county", time_.Source());
    authority_ = std::make_unique<SyncAuthority>(
        service_->store.get(), &service_->clock, SyncAuthorityOptions());
    plan_service_ =
        std::make_unique<PlanServiceImpl>(service_->resources.get(), &auth_);
    sync_service_ = std::make_unique<SyncServiceImpl>(authority_.get(), &auth_);
    grpc::ServerBuilder builder;
    ConfigureServerBuilder(ServerOptions(), &builder);
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterService(plan_service_.get());
    builder.RegisterService(sync_service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    Seed();
  }

  void TearDown() override { server_->Shutdown(); }

  std::unique_ptr<Agent> NewAgent(const std::string& id,
                                  const std::string& organisation,
                                  int push_batch = 1000) {
    return std::make_unique<Agent>(
        dir_->Subpath(id), organisation,
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_),
                            grpc::InsecureChannelCredentials()),
        time_.Source(), push_batch);
  }

  void Seed() {
    Actor actor;
    for (const auto& [id, name] :
         {std::pair<std::string, std::string>{"police", "Police"},
          {"council", "Council"},
          {"entrust", "Entrust"}}) {
      v1::Organisation org;
      org.set_display_name(name);
      v1::Organisation out;
      ASSERT_TRUE(service_->resources
                      ->Create(Kind::kOrganisation, "", id, org, actor, &out)
                      .ok());
    }
    v1::Plan plan;
    plan.set_title("Plan");
    v1::Plan plan_out;
    ASSERT_TRUE(service_->resources
                    ->Create(Kind::kPlan, "", "p", plan, actor, &plan_out)
                    .ok());
    v1::Strand strand;
    strand.set_title("Support");
    v1::Strand strand_out;
    ASSERT_TRUE(service_->resources
                    ->Create(Kind::kStrand, kPlan, "support", strand, actor,
                             &strand_out)
                    .ok());
    v1::Activity activity;
    activity.set_title("Channel");
    activity.set_strand(kStrand);
    activity.add_lead_organisations(kPolice);
    v1::Activity activity_out;
    ASSERT_TRUE(service_->resources
                    ->Create(Kind::kActivity, kPlan, "channel", activity, actor,
                             &activity_out)
                    .ok());
    v1::Action action;
    action.set_description(
        "Refer any individuals with extremist ideologies to the Prevent "
        "Team. Review referrals at the panel.");
    action.set_rag(v1::AMBER);
    v1::Action action_out;
    ASSERT_TRUE(service_->resources
                    ->Create(Kind::kAction, kActivity, "refer", action, actor,
                             &action_out)
                    .ok());
  }

  // Syncs every agent, twice over, and checks they all equal the service.
  void ExpectConverged(const std::vector<Agent*>& agents) {
    for (int round = 0; round < 2; ++round) {
      for (Agent* agent : agents) {
        absl::StatusOr<v1::SyncNowResponse> synced = agent->Sync();
        ASSERT_TRUE(synced.ok()) << synced.status();
      }
    }
    const State expected = StateOf(*service_->store);
    for (Agent* agent : agents) {
      EXPECT_EQ(agent->replica.pending_changes(), 0);
      const State actual = StateOf(*agent->node.store);
      EXPECT_EQ(actual.size(), expected.size());
      for (const auto& [name, value] : expected) {
        auto it = actual.find(name);
        ASSERT_NE(it, actual.end()) << name << " missing at an agent";
        EXPECT_EQ(it->second, value) << name << " differs at an agent";
      }
    }
  }

  // Sets field `path` of kAction on `node` to its value in `fields`.
  static absl::Status UpdateAction(Node& node, v1::Action fields,
                                   const std::string& path) {
    fields.set_name(kAction);
    return UpdateNamedAction(node, fields, path);
  }

  // `deleter` deletes the organisation Entrust and syncs; `creator`, which
  // has not pulled that, adds the action "new" owned by it (`created`),
  // which the service refuses.
  static void CreateOwnedByDeletedOrganisation(Agent& deleter, Agent& creator,
                                               v1::Action* created) {
    v1::Organisation deleted;
    ASSERT_TRUE(deleter.node.resources
                    ->Delete(Kind::kOrganisation, "organisations/entrust", "",
                             Actor(), &deleted)
                    .ok());
    ASSERT_TRUE(deleter.Sync().ok());
    v1::Action action;
    action.set_description("New action");
    action.set_owner_organisation("organisations/entrust");
    ASSERT_TRUE(
        creator.node.resources
            ->Create(Kind::kAction, kActivity, "new", action, Actor(), created)
            .ok());
  }

  // Sets field `path` of the action `fields` names to its value there.
  static absl::Status UpdateNamedAction(Node& node, const v1::Action& fields,
                                        const std::string& path) {
    google::protobuf::FieldMask mask;
    mask.add_paths(path);
    v1::Action out;
    return node.resources->Update(Kind::kAction, fields, mask, Actor(), &out);
  }

  static absl::Status SetRag(Node& node, v1::Rag rag) {
    v1::Action fields;
    fields.set_rag(rag);
    return UpdateAction(node, fields, "rag");
  }

  // The conflicts of the plan, or of the organisation `parent`.
  std::vector<v1::Conflict> Conflicts(Node& node,
                                      const std::string& parent = kPlan) {
    std::vector<v1::Conflict> conflicts;
    ListRequest list;
    list.parent = parent;
    std::string token;
    EXPECT_TRUE(node.resources
                    ->List(
                        ConflictKindOf(parent), list, {},
                        [&] {
                          conflicts.emplace_back();
                          return &conflicts.back();
                        },
                        &token)
                    .ok());
    return conflicts;
  }

  // Every conflict `node` holds: the plan's and each seeded organisation's.
  std::vector<v1::Conflict> AllConflicts(Node& node) {
    std::vector<v1::Conflict> all = Conflicts(node);
    for (const char* organisation :
         {kPolice, kCouncil, "organisations/entrust"}) {
      for (v1::Conflict& conflict : Conflicts(node, organisation)) {
        all.push_back(std::move(conflict));
      }
    }
    return all;
  }

  // Sets the display name of `organisation` on `node`.
  static absl::Status RenameOrganisation(Node& node,
                                         const std::string& organisation,
                                         const std::string& display_name) {
    v1::Organisation fields;
    fields.set_name(organisation);
    fields.set_display_name(display_name);
    google::protobuf::FieldMask mask;
    mask.add_paths("display_name");
    v1::Organisation out;
    return node.resources->Update(Kind::kOrganisation, fields, mask, Actor(),
                                  &out);
  }

  v1::Organisation OrganisationAt(Node& node, const std::string& name) {
    v1::Organisation organisation;
    EXPECT_TRUE(
        node.resources->Get(Kind::kOrganisation, name, Actor(), &organisation)
            .ok());
    return organisation;
  }

  // `a` and `b` set the action's RAG concurrently (RED, then GREEN) and
  // sync, which leaves one open conflict.
  void OpenRagConflict(Agent& a, Agent& b) {
    ASSERT_TRUE(a.Sync().ok());
    ASSERT_TRUE(b.Sync().ok());
    ASSERT_TRUE(SetRag(a.node, v1::RED).ok());
    ASSERT_TRUE(SetRag(b.node, v1::GREEN).ok());
    ASSERT_TRUE(a.Sync().ok());
    ASSERT_TRUE(b.Sync().ok());
    ASSERT_EQ(Conflicts(*service_).size(), 1u);
  }

  // Adds to `request` change `counter` of its replica to `target`, timed by
  // the service's clock: a change pushed by hand, not by an agent.
  v1::Change* AddChange(v1::PushRequest* request, int counter,
                        const std::string& target, v1::Change::Operation op) {
    v1::Change* change = request->add_changes();
    change->set_change_id(absl::StrCat(request->replica_id(), ":", counter));
    change->set_replica_id(request->replica_id());
    change->set_hlc(service_->clock.Now());
    change->set_target(target);
    change->set_operation(op);
    return change;
  }

  // Sets `field` of `change` to its value in `value`, edited from the
  // version at `base_sequence`.
  static void SetField(v1::Change* change, const std::string& field,
                       const google::protobuf::Message& value,
                       uint64_t base_sequence) {
    v1::FieldChange* changed = change->add_fields();
    changed->set_field(field);
    changed->set_value(value.SerializeAsString());
    changed->set_base_sequence(base_sequence);
  }

  v1::Action ActionAt(Node& node) {
    v1::Action action;
    EXPECT_TRUE(
        node.resources->Get(Kind::kAction, kAction, Actor(), &action).ok());
    return action;
  }

  // The physical time of every node's clock. It moves on 1 ms at each
  // reading, so of two edits made one after the other, on any nodes, the
  // second has the later HLC, as when the wall clock has moved between
  // them, but with no wait for it: which edit is later is the test's to
  // say, by the order it makes them in.
  ManualClock time_{absl::Now(), absl::Milliseconds(1)};
  std::optional<TempDir> dir_;
  std::unique_ptr<Node> service_;
  std::unique_ptr<SyncAuthority> authority_;
  const Authenticator auth_{{}};  // development mode
  std::unique_ptr<PlanServiceImpl> plan_service_;
  std::unique_ptr<SyncServiceImpl> sync_service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST_F(SyncTest, NewAgentBootstrapsToTheServiceStateExactly) {
  std::unique_ptr<Agent> agent = NewAgent("a", kPolice);
  absl::StatusOr<v1::SyncNowResponse> synced = agent->Sync();
  ASSERT_TRUE(synced.ok()) << synced.status();
  EXPECT_TRUE(synced->snapshot());
  EXPECT_EQ(synced->cursor(), service_->store->last_sequence());
  ExpectConverged({agent.get()});
}

// A CancelFollow that lands just before a follow opens (SyncNow or shutdown
// racing the continuous loop) ends that follow as it starts, instead of
// being lost and leaving the caller to wait out the follow window; it ends
// only that one.
TEST_F(SyncTest, CancelFollowJustBeforeAFollowEndsThatFollow) {
  std::unique_ptr<Agent> agent = NewAgent("a", kPolice);
  ASSERT_TRUE(agent->Sync().ok());
  agent->transport.CancelFollow();  // no follow is open
  absl::Status followed =
      agent->replica.Follow(agent->transport, absl::Minutes(5));
  EXPECT_TRUE(absl::IsCancelled(followed)) << followed;
  // The next follow runs its window and ends normally.
  followed = agent->replica.Follow(agent->transport, absl::Milliseconds(300));
  EXPECT_TRUE(followed.ok()) << followed;
}

TEST_F(SyncTest, OfflineEditReachesTheServiceAndOtherAgents) {
  std::unique_ptr<Agent> a = NewAgent("a", kPolice);
  std::unique_ptr<Agent> b = NewAgent("b", kCouncil);
  ASSERT_TRUE(a->Sync().ok());
  ASSERT_TRUE(b->Sync().ok());
  ASSERT_TRUE(SetRag(a->node, v1::RED).ok());
  EXPECT_EQ(a->replica.pending_changes(), 1);
  // Local reads see the local edit before any sync.
  EXPECT_EQ(ActionAt(a->node).rag(), v1::RED);
  absl::StatusOr<v1::SyncNowResponse> pushed = a->Sync();
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  EXPECT_EQ(pushed->applied(), 1);
  EXPECT_EQ(ActionAt(*service_).rag(), v1::RED);
  ASSERT_TRUE(b->Sync().ok());
  EXPECT_EQ(ActionAt(b->node).rag(), v1::RED);
  ExpectConverged({a.get(), b.get()});
}

TEST_F(SyncTest, ConcurrentRagEditsKeepBothCandidates) {
  std::unique_ptr<Agent> a = NewAgent("a", kPolice);
  std::unique_ptr<Agent> b = NewAgent("b", kCouncil);
  ASSERT_TRUE(a->Sync().ok());
  ASSERT_TRUE(b->Sync().ok());
  ASSERT_TRUE(SetRag(a->node, v1::RED).ok());
  // b's edit is the later one (see time_).
  ASSERT_TRUE(SetRag(b->node, v1::GREEN).ok());
  ASSERT_TRUE(a->Sync().ok());
  absl::StatusOr<v1::SyncNowResponse> second = b->Sync();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->conflicts(), 1);
  ExpectConverged({a.get(), b.get()});
  for (Node* node : {service_.get(), &a->node, &b->node}) {
    const std::vector<v1::Conflict> conflicts = Conflicts(*node);
    ASSERT_EQ(conflicts.size(), 1u);
    const v1::Conflict& conflict = conflicts[0];
    EXPECT_EQ(conflict.state(), v1::Conflict::OPEN);
    EXPECT_EQ(conflict.target(), kAction);
    EXPECT_EQ(conflict.field(), "rag");
    ASSERT_EQ(conflict.candidates_size(), 2);
    EXPECT_EQ(conflict.candidates(0).display_value(), "RED");
    EXPECT_EQ(conflict.candidates(0).organisation(), kPolice);
    EXPECT_EQ(conflict.candidates(1).display_value(), "GREEN");
    EXPECT_EQ(conflict.candidates(1).organisation(), kCouncil);
  }
  // The later edit (b's) is the provisional winner everywhere.
  EXPECT_EQ(ActionAt(*service_).rag(), v1::GREEN);
  // The report of changes shows the conflict's creation, candidates and all.
  {
    PlanReports reports(service_->resources.get());
    v1::ListChangesRequest request;
    request.set_plan(kPlan);
    v1::ListChangesResponse changes;
    const absl::Status listed = reports.ListChanges(request, {}, &changes);
    ASSERT_TRUE(listed.ok()) << listed;
    bool shown = false;
    for (const v1::ChangeRecord& record : changes.changes()) {
      if (absl::StrContains(record.target(), "/conflicts/") &&
          record.field() == "candidates") {
        EXPECT_EQ(record.new_value(), "RED, GREEN");
        shown = true;
      }
    }
    EXPECT_TRUE(shown) << changes.DebugString();
  }

  // Resolving at an agent is an ordinary change that replicates.
  v1::ResolveConflictRequest resolve;
  resolve.set_name(Conflicts(a->node)[0].name());
  resolve.set_candidate(0);
  v1::Conflict resolved;
  absl::Status status = a->node.resources->ResolveConflict(
      resolve, Actor{.organisation = kPolice}, &resolved);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(resolved.state(), v1::Conflict::RESOLVED);
  ExpectConverged({a.get(), b.get()});
  EXPECT_EQ(ActionAt(*service_).rag(), v1::RED);
  EXPECT_EQ(Conflicts(*service_)[0].state(), v1::Conflict::RESOLVED);
}

// A push may add a progress update but not rewrite one, and may resolve a
// conflict but not rewrite its candidates or reopen it: what ResolveConflict
// and CreateProgressUpdate allow, and no more.
TEST_F(SyncTest, APushAppendsProgressAndResolvesConflictsAndNothingElse) {
  std::unique_ptr<Agent> a = NewAgent("a", kPolice);
  std::unique_ptr<Agent> b = NewAgent("b", kCouncil);
  ASSERT_NO_FATAL_FAILURE(OpenRagConflict(*a, *b));
  const v1::Conflict conflict = Conflicts(*service_)[0];
  v1::ProgressUpdate note;
  note.set_note("Training delivered to 40 staff");
  v1::ProgressUpdate progress;
  const absl::Status created =
      service_->resources->Create(Kind::kProgressUpdate, kAction, "q1", note,
                                  Actor{.organisation = kPolice}, &progress);
  ASSERT_TRUE(created.ok()) << created;

  v1::PushRequest request;
  request.set_replica_id("r-forger");
  int n = 0;
  const auto add = [&](const std::string& target, v1::Change::Operation op,
                       const std::string& field,
                       const google::protobuf::Message& value) {
    SetField(AddChange(&request, ++n, target, op), field, value,
             service_->store->last_sequence());
  };
  v1::ProgressUpdate rewritten;
  rewritten.set_note("Nothing was done");
  add(progress.name(), v1::Change::UPDATE, "note", rewritten);
  v1::Conflict forged;
  *forged.add_candidates() = conflict.candidates(0);
  forged.mutable_candidates(0)->set_display_value("BLUE");
  add(conflict.name(), v1::Change::UPDATE, "candidates", forged);
  v1::Conflict reopened;
  reopened.set_state(v1::Conflict::OPEN);
  add(conflict.name(), v1::Change::UPDATE, "state", reopened);
  add(conflict.name(), v1::Change::DELETE, "state", reopened);
  const uint64_t before = service_->store->last_sequence();
  absl::StatusOr<v1::PushResponse> pushed = a->transport.Push(request);
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  ASSERT_EQ(pushed->results_size(), 4);
  for (const v1::ChangeResult& result : pushed->results()) {
    EXPECT_EQ(result.outcome(), v1::ChangeResult::REJECTED)
        << result.change_id();
  }
  EXPECT_EQ(service_->store->last_sequence(), before);
  v1::Conflict stored;
  ASSERT_TRUE(service_->resources
                  ->Get(Kind::kConflict, conflict.name(), Actor(), &stored)
                  .ok());
  EXPECT_EQ(stored.SerializeAsString(), conflict.SerializeAsString());
  v1::ProgressUpdate kept;
  ASSERT_TRUE(service_->resources
                  ->Get(Kind::kProgressUpdate, progress.name(), Actor(), &kept)
                  .ok());
  EXPECT_EQ(kept.note(), "Training delivered to 40 staff");
}

// A pushed time outside its bounds does not order the change: one dated
// far ahead cannot win the merge against an honest edit made after it, and
// one dated before the version it edits (1970) is not dated then. Both keep
// their claimed time for the record, and the report of changes dates each
// by when the service received it.
TEST_F(SyncTest, APushedTimeOutOfBoundsIsReplacedAndKeptForTheRecord) {
  std::unique_ptr<Agent> a = NewAgent("a", kPolice);
  std::unique_ptr<Agent> b = NewAgent("b", kCouncil);
  ASSERT_TRUE(a->Sync().ok());
  ASSERT_TRUE(b->Sync().ok());
  const uint64_t base = service_->store->last_sequence();
  const absl::Time before_push = time_.Now();  // the service's time
  // Based on the rag the service holds now.
  const auto push = [&](int id, uint64_t hlc, v1::Rag rag) {
    absl::StatusOr<std::optional<storage::Entity>> entity =
        service_->store->NewReadView()->GetEntity(
            *ResourceName::Parse(kAction));
    EXPECT_TRUE(entity.ok() && entity->has_value());
    v1::PushRequest request;
    request.set_replica_id("r-skewed");
    v1::Change* change = AddChange(&request, id, kAction, v1::Change::UPDATE);
    change->set_hlc(hlc);
    v1::Action value;
    value.set_rag(rag);
    SetField(change, "rag", value,
             (*entity)->field_versions().at("rag").sequence());
    return a->transport.Push(request);
  };
  // 4 min 50 s ahead: within the clock's old 5 min, past --max_clock_skew.
  const uint64_t ahead = HybridClock::Make(
      absl::ToUnixMillis(time_.Now() + absl::Seconds(290)), 0);
  absl::StatusOr<v1::PushResponse> pushed = push(1, ahead, v1::RED);
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  ASSERT_EQ(pushed->results(0).outcome(), v1::ChangeResult::APPLIED)
      << pushed->results(0).reason();
  // b edits after it, not having seen it: b's is the later edit, and wins.
  ASSERT_TRUE(SetRag(b->node, v1::GREEN).ok());
  absl::StatusOr<v1::SyncNowResponse> merged = b->Sync();
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->conflicts(), 1);
  EXPECT_EQ(ActionAt(*service_).rag(), v1::GREEN);

  // Dated 1970, on the version it edits: the service's time is used.
  pushed = push(2, HybridClock::Make(1000, 0), v1::BLUE);
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  EXPECT_NE(pushed->results(0).outcome(), v1::ChangeResult::REJECTED);
  const v1::Action action = ActionAt(*service_);
  EXPECT_GE(absl::FromUnixSeconds(action.update_time().seconds()),
            before_push - absl::Seconds(1));

  // The log keeps both claims; the report dates both by their receipt.
  std::vector<uint64_t> claimed;
  ASSERT_TRUE(service_->store->NewReadView()
                  ->Scan(Cf::kChanges, "", SequenceKey(base),
                         [&](absl::string_view, absl::string_view value) {
                           v1::Change change;
                           change.ParseFromArray(
                               value.data(), static_cast<int>(value.size()));
                           if (change.replica_id() == "r-skewed") {
                             claimed.push_back(change.claimed_hlc());
                             EXPECT_LT(change.hlc(), ahead);
                           }
                           return true;
                         })
                  .ok());
  EXPECT_EQ(claimed,
            (std::vector<uint64_t>{ahead, HybridClock::Make(1000, 0)}));
  PlanReports reports(service_->resources.get());
  v1::ListChangesRequest request;
  request.set_plan(kPlan);
  request.mutable_since()->set_seconds(
      absl::ToUnixSeconds(before_push - absl::Seconds(1)));
  v1::ListChangesResponse changes;
  ASSERT_TRUE(reports.ListChanges(request, {}, &changes).ok());
  int skewed = 0;
  for (const v1::ChangeRecord& record : changes.changes()) {
    const absl::Time time = absl::FromUnixSeconds(record.time().seconds());
    EXPECT_LT(time, absl::Now() + absl::Seconds(1))
        << record.ShortDebugString();
    if (record.field() == "rag" && record.organisation() == kPolice) ++skewed;
  }
  EXPECT_EQ(skewed, 2) << changes.DebugString();
}

// Nobody pushes as the plan service itself: its replica id marks its own
// changes, which a push under it could pass off as seen.
TEST_F(SyncTest, NobodyPushesUnderTheServicesReplicaId) {
  std::unique_ptr<Agent> a = NewAgent("a", kPolice);
  ASSERT_TRUE(a->Sync().ok());
  const std::string service = service_->store->replica_id();
  v1::PushRequest request;
  request.set_replica_id(service);
  AddChange(&request, 1, kAction, v1::Change::DELETE);
  const uint64_t before = service_->store->last_sequence();
  absl::StatusOr<v1::PushResponse> pushed = a->transport.Push(request);
  EXPECT_EQ(pushed.status().code(), absl::StatusCode::kPermissionDenied)
      << pushed.status();
  EXPECT_EQ(service_->store->last_sequence(), before);
  EXPECT_FALSE(ActionAt(*service_).has_delete_time());
}

// A snapshot carries the plan's conflicts too: an agent that bootstraps after
// one was opened holds it, as every other replica does.
TEST_F(SyncTest, AnAgentThatBootstrapsLaterHasTheOpenConflicts) {
  std::unique_ptr<Agent> a = NewAgent("a", kPolice);
  std::unique_ptr<Agent> b = NewAgent("b", kCouncil);
  ASSERT_NO_FATAL_FAILURE(OpenRagConflict(*a, *b));
  std::unique_ptr<Agent> late = NewAgent("late", kPolice);
  absl::StatusOr<v1::SyncNowResponse> moved = late->Sync();
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_TRUE(moved->snapshot());
  EXPECT_EQ(Conflicts(late->node).size(), 1u);
  ExpectConverged({a.get(), b.get(), late.get()});
}

TEST_F(SyncTest, ConcurrentSetEditsMergeWithoutConflict) {
  std::unique_ptr<Agent> a = NewAgent("a", kPolice);
  std::unique_ptr<Agent> b = NewAgent("b", kCouncil);
  ASSERT_TRUE(a->Sync().ok());
  ASSERT_TRUE(b->Sync().ok());
  for (auto [agent, lead] : {std::pair<Agent*, const char*>{a.get(), kCouncil},
                             {b.get(), "organisations/entrust"}}) {
    v1::Activity activity;
    ASSERT_TRUE(agent->node.resources
                    ->Get(Kind::kActivity, kActivity, Actor(), &activity)
                    .ok());
    activity.add_lead_organisations(lead);
    google::protobuf::FieldMask mask;
    mask.add_paths("lead_organisations");
    v1::Activity out;
    ASSERT_TRUE(agent->node.resources
                    ->Update(Kind::kActivity, activity, mask, Actor(), &out)
                    .ok());
  }
  ASSERT_TRUE(a->Sync().ok());
  absl::StatusOr<v1::SyncNowResponse> merged = b->Sync();
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(merged->merged(), 1);
  ExpectConverged({a.get(), b.get()});
  v1::Activity activity;
  ASSERT_TRUE(
      service_->resources->Get(Kind::kActivity, kActivity, Actor(), &activity)
          .ok());
  EXPECT_EQ(activity.lead_organisations_size(), 3);
  EXPECT_TRUE(Conflicts(*service_).empty());
}

TEST_F(SyncTest, ConcurrentTextEditsMergeByWordsOrConflictWhenTheyOverlap) {
  std::unique_ptr<Agent> a = NewAgent("a", kPolice);
  std::unique_ptr<Agent> b = NewAgent("b", kCouncil);
  ASSERT_TRUE(a->Sync().ok());
  ASSERT_TRUE(b->Sync().ok());
  const auto edit = [](Agent& agent, const std::string& from,
                       const std::string& to) {
    v1::Action action;
    ASSERT_TRUE(
        agent.node.resources->Get(Kind::kAction, kAction, Actor(), &action)
            .ok());
    std::string text = action.description();
    text.replace(text.find(from), from.size(), to);
    action.set_description(text);
    google::protobuf::FieldMask mask;
    mask.add_paths("description");
    v1::Action out;
    ASSERT_TRUE(
        agent.node.resources->Update(Kind::kAction, action, mask, Actor(), &out)
            .ok());
  };
  edit(*a, "extremist", "violent extremist");
  edit(*b, "at the panel", "at the Channel panel");
  ASSERT_TRUE(a->Sync().ok());
  ASSERT_TRUE(b->Sync().ok());
  EXPECT_EQ(ActionAt(*service_).description(),
            "Refer any individuals with violent extremist ideologies to the "
            "Prevent Team. Review referrals at the Channel panel.");
  EXPECT_TRUE(Conflicts(*service_).empty());
  ExpectConverged({a.get(), b.get()});
  // Overlapping edits of the same words conflict.
  edit(*a, "Prevent Team", "Prevent team at Staffordshire Police");
  edit(*b, "Prevent Team", "county Prevent team");
  ASSERT_TRUE(a->Sync().ok());
  ASSERT_TRUE(b->Sync().ok());
  EXPECT_EQ(Conflicts(*service_).size(), 1u);
  ExpectConverged({a.get(), b.get()});
}

TEST_F(SyncTest, EditOfADeletedResourceIsKeptAsARestorableConflict) {
  std::unique_ptr<Agent> a = NewAgent("a", kPolice);
  std::unique_ptr<Agent> b = NewAgent("b", kCouncil);
  ASSERT_TRUE(a->Sync().ok());
  ASSERT_TRUE(b->Sync().ok());
  v1::Action deleted;
  ASSERT_TRUE(
      a->node.resources->Delete(Kind::kAction, kAction, "", Actor(), &deleted)
          .ok());
  ASSERT_TRUE(SetRag(b->node, v1::RED).ok());
  ASSERT_TRUE(a->Sync().ok());
  absl::StatusOr<v1::SyncNowResponse> edit = b->Sync();
  ASSERT_TRUE(edit.ok());
  EXPECT_EQ(edit->conflicts(), 1);
  EXPECT_TRUE(ActionAt(*service_).has_delete_time());
  std::vector<v1::Conflict> conflicts = Conflicts(*service_);
  ASSERT_EQ(conflicts.size(), 1u);
  EXPECT_TRUE(conflicts[0].candidates(0).deletes());
  EXPECT_EQ(conflicts[0].candidates(1).display_value(), "RED");
  ExpectConverged({a.get(), b.get()});
  // Choosing the edit restores the resource with it.
  v1::ResolveConflictRequest resolve;
  resolve.set_name(conflicts[0].name());
  resolve.set_candidate(1);
  v1::Conflict resolved;
  ASSERT_TRUE(
      service_->resources->ResolveConflict(resolve, Actor(), &resolved).ok());
  EXPECT_FALSE(ActionAt(*service_).has_delete_time());
  EXPECT_EQ(ActionAt(*service_).rag(), v1::RED);
  ExpectConverged({a.get(), b.get()});
}

// An offline edit of an action whose activity another partner deleted
// meanwhile is kept in the action, under the deleted activity, and in a
// conflict that names the activity; choosing the edit restores the activity
// with it.
TEST_F(SyncTest, EditUnderADeletedParentIsKeptAndRestoredWithTheParent) {
  std::unique_ptr<Agent> a = NewAgent("a", kPolice);
  std::unique_ptr<Agent> b = NewAgent("b", kCouncil);
  ASSERT_TRUE(a->Sync().ok());
  ASSERT_TRUE(b->Sync().ok());
  v1::Activity deleted;
  ASSERT_TRUE(a->node.resources
                  ->Delete(Kind::kActivity, kActivity, "", Actor(), &deleted)
                  .ok());
  ASSERT_TRUE(SetRag(b->node, v1::RED).ok());
  ASSERT_TRUE(a->Sync().ok());
  absl::StatusOr<v1::SyncNowResponse> edit = b->Sync();
  ASSERT_TRUE(edit.ok()) << edit.status();
  EXPECT_EQ(edit->conflicts(), 1);
  EXPECT_EQ(edit->rejected(), 0);
  std::vector<v1::Conflict> conflicts = Conflicts(*service_);
  ASSERT_EQ(conflicts.size(), 1u);
  EXPECT_EQ(conflicts[0].target(), kAction);
  EXPECT_TRUE(conflicts[0].candidates(0).deletes());
  EXPECT_EQ(conflicts[0].candidates(0).deleted(), kActivity);
  EXPECT_EQ(conflicts[0].candidates(1).display_value(), "RED");
  EXPECT_EQ(ActionAt(*service_).rag(), v1::RED);  // kept
  ExpectConverged({a.get(), b.get()});

  v1::ResolveConflictRequest resolve;
  resolve.set_name(conflicts[0].name());
  resolve.set_candidate(1);
  v1::Conflict resolved;
  ASSERT_TRUE(
      b->node.resources->ResolveConflict(resolve, Actor(), &resolved).ok());
  ASSERT_TRUE(b->Sync().ok());
  v1::Activity activity;
  ASSERT_TRUE(
      service_->resources->Get(Kind::kActivity, kActivity, Actor(), &activity)
          .ok());
  EXPECT_FALSE(activity.has_delete_time());
  EXPECT_EQ(ActionAt(*service_).rag(), v1::RED);
  ExpectConverged({a.get(), b.get()});
}

// A partner that pulled an edit of an action and then deleted its activity
// (or its strand, or its plan) saw the edit: no conflict. Its delete says
// so by carrying the highest version it held of anything the delete reaches,
// not just of the activity, which the edit left as it was.
TEST_F(SyncTest, ADeleteOfAParentThatSawAChildsEditOpensNoConflict) {
  for (const std::pair<Kind, std::string>& parent :
       std::vector<std::pair<Kind, std::string>>{{Kind::kActivity, kActivity},
                                                 {Kind::kStrand, kStrand},
                                                 {Kind::kPlan, kPlan}}) {
    SCOPED_TRACE(parent.second);
    TearDown();
    SetUp();
    std::unique_ptr<Agent> a = NewAgent("a", kPolice);
    std::unique_ptr<Agent> b = NewAgent("b", kCouncil);
    ASSERT_TRUE(a->Sync().ok());
    ASSERT_TRUE(SetRag(a->node, v1::RED).ok());
    ASSERT_TRUE(a->Sync().ok());
    ASSERT_TRUE(b->Sync().ok());  // b pulls the edit
    std::unique_ptr<google::protobuf::Message> deleted =
        NewResource(parent.first);
    ASSERT_TRUE(
        b->node.resources
            ->Delete(parent.first, parent.second, "", Actor(), deleted.get())
            .ok());
    absl::StatusOr<v1::SyncNowResponse> synced = b->Sync();
    ASSERT_TRUE(synced.ok()) << synced.status();
    EXPECT_EQ(synced->conflicts(), 0);
    EXPECT_TRUE(Conflicts(*service_).empty());
    ExpectConverged({a.get(), b.get()});
  }
}

// Settling a plain clash on an action whose activity was deleted since sets
// the value and leaves the activity deleted: only a conflict with a delete
// brings back what was deleted.
TEST_F(SyncTest, ResolvingAClashUnderADeletedParentLeavesTheParentDeleted) {
  std::unique_ptr<Agent> a = NewAgent("a", kPolice);
  std::unique_ptr<Agent> b = NewAgent("b", kCouncil);
  ASSERT_TRUE(a->Sync().ok());
  ASSERT_TRUE(b->Sync().ok());
  ASSERT_TRUE(SetRag(a->node, v1::RED).ok());
  ASSERT_TRUE(SetRag(b->node, v1::GREEN).ok());
  ASSERT_TRUE(a->Sync().ok());
  ASSERT_TRUE(b->Sync().ok());
  std::vector<v1::Conflict> conflicts = Conflicts(*service_);
  ASSERT_EQ(conflicts.size(), 1u);
  EXPECT_FALSE(conflicts[0].candidates(0).deletes());
  v1::Activity deleted;
  ASSERT_TRUE(service_->resources
                  ->Delete(Kind::kActivity, kActivity, "", Actor(), &deleted)
                  .ok());
  v1::ResolveConflictRequest resolve;
  resolve.set_name(conflicts[0].name());
  resolve.set_candidate(0);
  v1::Conflict resolved;
  ASSERT_TRUE(
      service_->resources->ResolveConflict(resolve, Actor(), &resolved).ok());
  v1::Activity activity;
  ASSERT_TRUE(
      service_->resources->Get(Kind::kActivity, kActivity, Actor(), &activity)
          .ok());
  EXPECT_TRUE(activity.has_delete_time());
  EXPECT_EQ(ActionAt(*service_).rag(),
            conflicts[0].candidates(0).display_value() == "RED" ? v1::RED
                                                                : v1::GREEN);
  ExpectConverged({a.get(), b.get()});
}

TEST_F(SyncTest, RepeatedPushIsAnsweredDuplicateWithNoEffect) {
  std::unique_ptr<Agent> a = NewAgent("a", kPolice);
  ASSERT_TRUE(a->Sync().ok());
  v1::PushRequest request;
  request.set_replica_id("r-test");
  int n = 0;
  const auto add = [&](v1::Change::Operation op) {
    return AddChange(&request, ++n, kAction, op);
  };
  v1::Action value;
  value.set_rag(v1::BLUE);
  SetField(add(v1::Change::UPDATE), "rag", value,
           service_->store->last_sequence());
  // A delete, a create and a rejected change each take another path to
  // their answer.
  add(v1::Change::DELETE);
  const v1::Action copied = ActionAt(*service_);
  v1::Change* create = add(v1::Change::CREATE);
  create->set_target(absl::StrCat(kActivity, "/actions/retried"));
  for (const google::protobuf::FieldDescriptor* data :
       DataFields(*v1::Action::descriptor())) {
    v1::FieldChange* value = create->add_fields();
    value->set_field(data->name());
    value->set_value(FieldValueBytes(copied, *data));
  }
  add(v1::Change::UPDATE)
      ->set_target(absl::StrCat(kActivity, "/actions/missing"));
  absl::StatusOr<v1::PushResponse> first = a->transport.Push(request);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->results_size(), 4);
  EXPECT_EQ(first->results(1).outcome(), v1::ChangeResult::APPLIED);
  EXPECT_EQ(first->results(2).outcome(), v1::ChangeResult::APPLIED)
      << first->results(2).reason();
  EXPECT_EQ(first->results(3).outcome(), v1::ChangeResult::REJECTED);
  const uint64_t after_first = service_->store->last_sequence();
  absl::StatusOr<v1::PushResponse> again = a->transport.Push(request);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->results_size(), 4);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(again->results(i).outcome(), v1::ChangeResult::DUPLICATE) << i;
    EXPECT_EQ(again->results(i).first_outcome(), first->results(i).outcome());
    EXPECT_EQ(again->results(i).sequence(), first->results(i).sequence());
  }
  EXPECT_EQ(service_->store->last_sequence(), after_first);
}

TEST_F(SyncTest, RejectedChangeLeavesTheOutboxWithItsReasonKept) {
  std::unique_ptr<Agent> a = NewAgent("a", kPolice);
  std::unique_ptr<Agent> b = NewAgent("b", kCouncil);
  ASSERT_TRUE(a->Sync().ok());
  ASSERT_TRUE(b->Sync().ok());
  // a, offline, adds an action owned by the organisation b deleted.
  v1::Action created;
  ASSERT_NO_FATAL_FAILURE(CreateOwnedByDeletedOrganisation(*b, *a, &created));
  absl::StatusOr<v1::SyncNowResponse> synced = a->Sync();
  ASSERT_TRUE(synced.ok()) << synced.status();
  EXPECT_EQ(synced->rejected(), 1);
  EXPECT_EQ(a->replica.pending_changes(), 0);
  const v1::SyncStatus status = a->replica.Status();
  ASSERT_EQ(status.rejected_size(), 1);
  EXPECT_NE(status.rejected(0).reason().find("deleted"), std::string::npos)
      << status.rejected(0).reason();
  // The refused create is no longer served locally: the agent equals the
  // service again.
  v1::Action gone;
  EXPECT_EQ(a->node.resources
                ->Get(Kind::kAction, absl::StrCat(kActivity, "/actions/new"),
                      Actor(), &gone)
                .code(),
            absl::StatusCode::kNotFound);
  ExpectConverged({a.get(), b.get()});
}

TEST_F(SyncTest, LosingSideOfAConflictShowsTheWinnerAfterSync) {
  std::unique_ptr<Agent> a = NewAgent("a", kPolice);
  std::unique_ptr<Agent> b = NewAgent("b", kCouncil);
  ASSERT_TRUE(a->Sync().ok());
  ASSERT_TRUE(b->Sync().ok());
  // b edits first (older HLC), a later; b pushes last and loses.
  ASSERT_TRUE(SetRag(b->node, v1::GREEN).ok());
  ASSERT_TRUE(SetRag(a->node, v1::RED).ok());
  ASSERT_TRUE(a->Sync().ok());
  absl::StatusOr<v1::SyncNowResponse> lost = b->Sync();
  ASSERT_TRUE(lost.ok());
  EXPECT_EQ(lost->conflicts(), 1);
  EXPECT_EQ(ActionAt(b->node).rag(), v1::RED);
  const std::vector<v1::Conflict> conflicts = Conflicts(b->node);
  ASSERT_EQ(conflicts.size(), 1u);
  EXPECT_EQ(conflicts[0]
                .candidates(conflicts[0].provisional_winner())
                .display_value(),
            "RED");
  ExpectConverged({a.get(), b.get()});
}

// The winner came in a pull before the push, so no pull after the push
// brings a change of the action: the answer itself must put the winner back.
TEST_F(SyncTest, LosingEditShowsTheWinnerPulledBeforeThePush) {
  std::unique_ptr<Agent> b = NewAgent("b", kCouncil);
  ASSERT_TRUE(b->Sync().ok());
  // b edits first (older HLC); the service's later edit wins.
  ASSERT_TRUE(SetRag(b->node, v1::GREEN).ok());
  ASSERT_TRUE(SetRag(*service_, v1::RED).ok());
  ASSERT_TRUE(b->replica.Follow(b->transport, absl::Milliseconds(300)).ok());
  EXPECT_EQ(ActionAt(b->node).rag(), v1::GREEN);  // pending, on top
  absl::StatusOr<v1::SyncNowResponse> lost = b->Sync();
  ASSERT_TRUE(lost.ok()) << lost.status();
  EXPECT_EQ(lost->conflicts(), 1);
  EXPECT_EQ(ActionAt(b->node).rag(), v1::RED);
  ExpectConverged({b.get()});
}

// A plan the agent creates but does not subscribe to reaches the service,
// and the agent, which no pull will keep in step with it, stops serving it.
TEST_F(SyncTest, PlanCreatedOutsideTheSubscriptionIsNotKeptLocally) {
  std::unique_ptr<Agent> a = NewAgent("a", kPolice);
  ASSERT_TRUE(a->Sync().ok());
  v1::Plan plan;
  plan.set_title("Another district");
  v1::Plan created;
  ASSERT_TRUE(a->node.resources
                  ->Create(Kind::kPlan, "", "other", plan, Actor(), &created)
                  .ok());
  absl::StatusOr<v1::SyncNowResponse> synced = a->Sync();
  ASSERT_TRUE(synced.ok()) << synced.status();
  EXPECT_EQ(synced->applied(), 1);
  v1::Plan at_service;
  EXPECT_TRUE(
      service_->resources->Get(Kind::kPlan, "plans/other", Actor(), &at_service)
          .ok());
  v1::Plan at_agent;
  EXPECT_EQ(
      a->node.resources->Get(Kind::kPlan, "plans/other", Actor(), &at_agent)
          .code(),
      absl::StatusCode::kNotFound);
  ExpectConverged({a.get()});
}

TEST_F(SyncTest, AgentPastTheHorizonTakesASnapshotAndKeepsItsOutbox) {
  std::unique_ptr<Agent> a = NewAgent("a", kPolice);
  ASSERT_TRUE(a->Sync().ok());
  // The service moves on and forgets its older changes.
  for (v1::Rag rag : {v1::RED, v1::GREEN, v1::BLUE}) {
    ASSERT_TRUE(SetRag(*service_, rag).ok());
  }
  ASSERT_TRUE(authority_->TrimLog(service_->store->last_sequence()).ok());
  // Meanwhile a edits the description offline.
  v1::Action action = ActionAt(a->node);
  action.set_description("Offline edit");
  google::protobuf::FieldMask mask;
  mask.add_paths("description");
  v1::Action out;
  ASSERT_TRUE(
      a->node.resources->Update(Kind::kAction, action, mask, Actor(), &out)
          .ok());
  absl::StatusOr<v1::SyncNowResponse> synced = a->Sync();
  ASSERT_TRUE(synced.ok()) << synced.status();
  ExpectConverged({a.get()});
  EXPECT_EQ(ActionAt(a->node).description(), "Offline edit");
  EXPECT_EQ(ActionAt(a->node).rag(), v1::BLUE);
  // A pull from before the horizon is refused with the reason.
  v1::PullRequest old;
  old.set_replica_id("r");
  old.set_since(1);
  old.add_plans(kPlan);
  absl::Status pulled = a->transport.Pull(
      old, [](v1::PullResponse*) { return absl::OkStatus(); });
  EXPECT_EQ(pulled.code(), absl::StatusCode::kFailedPrecondition);
}

// Passes every call on to `inner`; the transports below change some.
class ForwardingTransport : public SyncTransport {
 public:
  explicit ForwardingTransport(SyncTransport* inner) : inner_(inner) {}
  absl::StatusOr<v1::PushResponse> Push(const v1::PushRequest& r) override {
    return inner_->Push(r);
  }
  absl::Status Pull(
      const v1::PullRequest& request,
      absl::FunctionRef<absl::Status(v1::PullResponse*)> on_batch) override {
    return inner_->Pull(request, on_batch);
  }
  absl::Status GetSnapshot(
      const v1::GetSnapshotRequest& request,
      absl::FunctionRef<absl::Status(v1::SnapshotChunk*)> on_chunk) override {
    return inner_->GetSnapshot(request, on_chunk);
  }
  void set_follow_deadline(absl::Time deadline) override {
    inner_->set_follow_deadline(deadline);
  }

 private:
  SyncTransport* const inner_;
};

// A transport that loses the connection after `batches` pulled batches.
class DroppingTransport final : public ForwardingTransport {
 public:
  DroppingTransport(SyncTransport* inner, int batches)
      : ForwardingTransport(inner), left_(batches) {}
  absl::Status Pull(
      const v1::PullRequest& request,
      absl::FunctionRef<absl::Status(v1::PullResponse*)> on_batch) override {
    return ForwardingTransport::Pull(request, [&](v1::PullResponse* batch) {
      if (left_-- <= 0) return absl::UnavailableError("connection lost");
      return on_batch(batch);
    });
  }

 private:
  std::atomic<int> left_;
};

TEST_F(SyncTest, InterruptedPullResumesFromTheLastAppliedBatch) {
  auto agent = std::make_unique<Agent>(
      dir_->Subpath("a"), kPolice,
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_),
                          grpc::InsecureChannelCredentials()),
      time_.Source());
  ASSERT_TRUE(agent->Sync().ok());
  for (int i = 0; i < 40; ++i) {
    v1::Action action;
    action.set_description(absl::StrCat("Action ", i));
    v1::Action out;
    ASSERT_TRUE(service_->resources
                    ->Create(Kind::kAction, kActivity, absl::StrCat("a", i),
                             action, Actor(), &out)
                    .ok());
  }
  // Batches of 5: the connection drops after 3 of the 8.
  Replica small(agent->node.store.get(), &agent->node.clock,
                {.organisation = kPolice, .plans = {kPlan}, .pull_batch = 5});
  DroppingTransport dropping(&agent->transport, 3);
  absl::StatusOr<v1::SyncNowResponse> cut = small.Sync(dropping);
  EXPECT_EQ(cut.status().code(), absl::StatusCode::kUnavailable);
  // The three batches applied stay applied, with their cursor.
  const uint64_t cursor = small.Status().cursor();
  EXPECT_GT(cursor, 0u);
  EXPECT_LT(cursor, service_->store->last_sequence());
  absl::StatusOr<v1::SyncNowResponse> resumed = small.Sync(agent->transport);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(resumed->pulled(), 25);  // the rest, none twice
  ExpectConverged({agent.get()});
}

TEST_F(SyncTest, AcceptedEditStaysServedWhenThePullAfterItsPushFails) {
  std::unique_ptr<Agent> agent = NewAgent("a", kPolice);
  ASSERT_TRUE(agent->Sync().ok());
  ASSERT_TRUE(SetRag(agent->node, v1::RED).ok());
  // The push is answered; the connection drops at the first pulled batch,
  // the one that would bring the change back.
  DroppingTransport dropping(&agent->transport, 0);
  absl::StatusOr<v1::SyncNowResponse> cut = agent->replica.Sync(dropping);
  EXPECT_EQ(cut.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(agent->replica.pending_changes(), 0);
  EXPECT_EQ(ActionAt(*service_).rag(), v1::RED);
  // The agent still serves its edit, not the image from before it.
  EXPECT_EQ(ActionAt(agent->node).rag(), v1::RED);
  ExpectConverged({agent.get()});
}

// The same, across pushes: an action edited twice, one edit per push. The
// first is logged; the second changes nothing at the service, which already
// had its value. The pull that would bring the first back fails, and the
// agent still serves both edits, not the image from before the sync.
TEST_F(SyncTest, EditLoggedByAnEarlierPushStaysServedWhenThePullFails) {
  std::unique_ptr<Agent> a = NewAgent("a", kPolice);
  ASSERT_TRUE(a->Sync().ok());
  v1::Action wording;
  wording.set_description("Agreed wording");
  ASSERT_TRUE(UpdateAction(*service_, wording, "description").ok());
  ASSERT_TRUE(SetRag(a->node, v1::RED).ok());
  ASSERT_TRUE(UpdateAction(a->node, wording, "description").ok());
  Replica one_per_push(
      a->node.store.get(), &a->node.clock,
      {.organisation = kPolice, .plans = {kPlan}, .push_batch = 1});
  DroppingTransport dropping(&a->transport, 0);
  absl::StatusOr<v1::SyncNowResponse> cut = one_per_push.Sync(dropping);
  EXPECT_EQ(cut.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(one_per_push.pending_changes(), 0);
  EXPECT_EQ(ActionAt(*service_).rag(), v1::RED);
  const v1::Action served = ActionAt(a->node);
  EXPECT_EQ(served.rag(), v1::RED);
  EXPECT_EQ(served.description(), "Agreed wording");
  ExpectConverged({a.get()});
}

// Records the order of an agent's pushes and pulls. From the second push on,
// a push first waits (up to 10 s) for a pull to start after the push before
// it, so that a pull made during a long push shows in the order. The first
// `failing_pulls` pulls fail at once, as a lost connection would.
class RecordingTransport final : public ForwardingTransport {
 public:
  RecordingTransport(SyncTransport* inner, int failing_pulls)
      : ForwardingTransport(inner), failing_pulls_(failing_pulls) {}
  absl::StatusOr<v1::PushResponse> Push(const v1::PushRequest& r) override {
    {
      absl::MutexLock lock(&mu_);
      if (!calls_.empty()) {
        mu_.AwaitWithTimeout(absl::Condition(&pulled_), absl::Seconds(10));
      }
      pulled_ = false;
      calls_.push_back("push");
    }
    return ForwardingTransport::Push(r);
  }
  absl::Status Pull(
      const v1::PullRequest& request,
      absl::FunctionRef<absl::Status(v1::PullResponse*)> on_batch) override {
    {
      absl::MutexLock lock(&mu_);
      pulled_ = true;
      calls_.push_back("pull");
      if (failing_pulls_ > 0) {
        --failing_pulls_;
        return absl::UnavailableError("connection lost");
      }
    }
    return ForwardingTransport::Pull(request, on_batch);
  }

  std::vector<std::string> calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

 private:
  absl::Mutex mu_;
  int failing_pulls_ ABSL_GUARDED_BY(mu_);
  bool pulled_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::string> calls_ ABSL_GUARDED_BY(mu_);
};

// Six actions, two of which a second agent has edited meanwhile.
class LongPushTest : public SyncTest {
 protected:
  void SetUp() override {
    SyncTest::SetUp();
    for (int i = 0; i < 6; ++i) {
      v1::Action action;
      action.set_description(absl::StrCat("Action ", i));
      v1::Action out;
      ASSERT_TRUE(
          service_->resources
              ->Create(Kind::kAction, kActivity, Id(i), action, Actor(), &out)
              .ok());
    }
    a_ = NewAgent("a", kPolice);
    b_ = NewAgent("b", kCouncil);
    ASSERT_TRUE(a_->Sync().ok());
    ASSERT_TRUE(b_->Sync().ok());
    ASSERT_TRUE(SetRagOf(b_->node, 1, v1::GREEN).ok());
    ASSERT_TRUE(SetRagOf(b_->node, 4, v1::GREEN).ok());
    ASSERT_TRUE(b_->Sync().ok());
    // a's edits, made after this, are the later ones (see time_).
  }

  static std::string Id(int i) { return absl::StrCat("a", i); }

  static absl::Status SetRagOf(Node& node, int i, v1::Rag rag) {
    v1::Action fields;
    fields.set_name(absl::StrCat(kActivity, "/actions/", Id(i)));
    fields.set_rag(rag);
    return UpdateNamedAction(node, fields, "rag");
  }

  // Syncs a_ with two changes per push, through a RecordingTransport whose
  // first `failing_pulls` pulls fail; `calls` gets the order it recorded.
  absl::StatusOr<v1::SyncNowResponse> SyncTwoPerPush(
      int failing_pulls, std::vector<std::string>* calls) {
    Replica two_per_push(
        a_->node.store.get(), &a_->node.clock,
        {.organisation = kPolice, .plans = {kPlan}, .push_batch = 2});
    RecordingTransport recording(&a_->transport, failing_pulls);
    absl::StatusOr<v1::SyncNowResponse> synced = two_per_push.Sync(recording);
    *calls = recording.calls();
    return synced;
  }

  std::unique_ptr<Agent> a_;
  std::unique_ptr<Agent> b_;
};

// A sync of several pushes pulls what each push logged once its answers are
// in, while the next push goes out; the result is the same as pulling after.
TEST_F(LongPushTest, PullsWhatEachPushLoggedWhileTheNextGoesOut) {
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(SetRagOf(a_->node, i, v1::RED).ok());
  std::vector<std::string> calls;
  absl::StatusOr<v1::SyncNowResponse> synced =
      SyncTwoPerPush(/*failing_pulls=*/0, &calls);
  ASSERT_TRUE(synced.ok()) << synced.status();
  EXPECT_EQ(calls, (std::vector<std::string>{"push", "pull", "push", "pull",
                                             "push", "pull"}));
  EXPECT_EQ(synced->pushed(), 6);
  EXPECT_EQ(synced->conflicts(), 2);
  EXPECT_GE(synced->pulled(), 6);  // its own changes, and the conflicts
  EXPECT_EQ(synced->cursor(), service_->store->last_sequence());
  EXPECT_EQ(a_->replica.pending_changes(), 0);
  for (int i = 0; i < 6; ++i) {
    v1::Action action;
    ASSERT_TRUE(a_->node.resources
                    ->Get(Kind::kAction,
                          absl::StrCat(kActivity, "/actions/", Id(i)), Actor(),
                          &action)
                    .ok());
    EXPECT_EQ(action.rag(), v1::RED) << Id(i);
  }
  EXPECT_EQ(Conflicts(a_->node).size(), 2u);
  ExpectConverged({a_.get(), b_.get()});
}

// A pull during the pushes that fails is left to the pull after them.
TEST_F(LongPushTest, FailedPullDuringThePushesIsLeftToThePullAfterThem) {
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(SetRagOf(a_->node, i, v1::RED).ok());
  std::vector<std::string> calls;
  absl::StatusOr<v1::SyncNowResponse> synced =
      SyncTwoPerPush(/*failing_pulls=*/1, &calls);
  ASSERT_TRUE(synced.ok()) << synced.status();
  EXPECT_EQ(calls, (std::vector<std::string>{"push", "pull", "push", "pull"}));
  EXPECT_EQ(synced->pushed(), 4);
  EXPECT_EQ(synced->cursor(), service_->store->last_sequence());
  EXPECT_EQ(a_->replica.pending_changes(), 0);
  ExpectConverged({a_.get(), b_.get()});
}

// Makes a pull during a push read its batch before the next push is
// applied, and apply it only once that push's answers are committed (when
// `answered` says so); every later pull fails.
class StaleBatchTransport final : public ForwardingTransport {
 public:
  StaleBatchTransport(SyncTransport* inner, std::function<bool()> answered)
      : ForwardingTransport(inner), answered_(std::move(answered)) {}
  absl::StatusOr<v1::PushResponse> Push(const v1::PushRequest& r) override {
    if (pushes_++ > 0) {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&read_), absl::Seconds(10));
    }
    return ForwardingTransport::Push(r);
  }
  absl::Status Pull(
      const v1::PullRequest& request,
      absl::FunctionRef<absl::Status(v1::PullResponse*)> on_batch) override {
    if (pulls_++ > 0) return absl::UnavailableError("connection lost");
    return ForwardingTransport::Pull(request, [&](v1::PullResponse* batch) {
      {
        absl::MutexLock lock(&mu_);
        read_ = true;
      }
      // The push's answers are committed on another thread; past 10 s the
      // batch is applied anyway, and the test fails on what it finds.
      (void)WaitFor(answered_, absl::Seconds(10));
      return on_batch(batch);
    });
  }

 private:
  const std::function<bool()> answered_;
  std::atomic<int> pushes_{0};
  std::atomic<int> pulls_{0};
  absl::Mutex mu_;
  bool read_ ABSL_GUARDED_BY(mu_) = false;
};

// An action edited twice, one edit per push. The pull during the pushes
// brings back the first edit in a batch read before the service logged the
// second, and applies it after the second was answered; the pull after the
// pushes fails. The agent still serves both edits: the second is not
// pending any more, but it has not come back either.
TEST_F(LongPushTest, BatchReadBeforeALaterPushKeepsThatPushsEditServed) {
  ASSERT_TRUE(SetRagOf(a_->node, 0, v1::RED).ok());
  v1::Action wording;
  wording.set_name(absl::StrCat(kActivity, "/actions/", Id(0)));
  wording.set_description("Agreed wording");
  ASSERT_TRUE(UpdateNamedAction(a_->node, wording, "description").ok());
  Replica one_per_push(
      a_->node.store.get(), &a_->node.clock,
      {.organisation = kPolice, .plans = {kPlan}, .push_batch = 1});
  StaleBatchTransport stale(
      &a_->transport, [&] { return one_per_push.pending_changes() == 0; });
  absl::StatusOr<v1::SyncNowResponse> cut = one_per_push.Sync(stale);
  EXPECT_EQ(cut.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(one_per_push.pending_changes(), 0);
  v1::Action served;
  ASSERT_TRUE(
      a_->node.resources->Get(Kind::kAction, wording.name(), Actor(), &served)
          .ok());
  EXPECT_EQ(served.rag(), v1::RED);
  EXPECT_EQ(served.description(), "Agreed wording");
  ExpectConverged({a_.get(), b_.get()});
}

// Fails every push after the first `pushes`, as a lost connection would.
class FailingPushTransport final : public ForwardingTransport {
 public:
  FailingPushTransport(SyncTransport* inner, int pushes)
      : ForwardingTransport(inner), left_(pushes) {}
  absl::StatusOr<v1::PushResponse> Push(const v1::PushRequest& r) override {
    if (left_-- <= 0) return absl::UnavailableError("connection lost");
    return ForwardingTransport::Push(r);
  }

 private:
  std::atomic<int> left_;
};

// A refused change leaves what it did from the served state as soon as its
// answer is in, even while a later change of the same target is pending
// (here because the push that carries it fails).
TEST_F(LongPushTest, RefusedChangeIsUnservedWhileALaterOneIsPending) {
  // a, offline, adds an action owned by the organisation b deleted, then
  // edits it.
  v1::Action created;
  ASSERT_NO_FATAL_FAILURE(CreateOwnedByDeletedOrganisation(*b_, *a_, &created));
  created.set_description("New action, reworded");
  ASSERT_TRUE(UpdateNamedAction(a_->node, created, "description").ok());
  Replica one_per_push(
      a_->node.store.get(), &a_->node.clock,
      {.organisation = kPolice, .plans = {kPlan}, .push_batch = 1});
  FailingPushTransport failing(&a_->transport, /*pushes=*/1);
  absl::StatusOr<v1::SyncNowResponse> cut = one_per_push.Sync(failing);
  EXPECT_EQ(cut.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(one_per_push.pending_changes(), 1);  // the edit
  v1::Action gone;
  EXPECT_EQ(
      a_->node.resources->Get(Kind::kAction, created.name(), Actor(), &gone)
          .code(),
      absl::StatusCode::kNotFound);
  ExpectConverged({a_.get(), b_.get()});
}

// A client that waits for each answer learns why a push was refused, at
// once: the stream ends with the refusal.
TEST_F(LongPushTest, StreamEndsWithTheRefusalOfAPush) {
  GrpcSyncTransport transport(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_),
                          grpc::InsecureChannelCredentials()),
      kPolice, /*timeout=*/absl::Seconds(20));
  int sent = 0;
  int answers = 0;
  const absl::Time start = absl::Now();
  const absl::Status status = transport.PushRun(
      /*ahead=*/1,
      [&](v1::PushRequest* request) {
        if (sent++ > 0) return false;
        request->set_replica_id("rtest");
        for (int i = 0; i < 1001; ++i) {  // one more than a push may carry
          v1::Change* change = request->add_changes();
          change->set_change_id(absl::StrCat("rtest:", i));
          change->set_target(absl::StrCat(kActivity, "/actions/", Id(0)));
        }
        return true;
      },
      [&](v1::PushRequest&, v1::PushResponse&) {
        ++answers;
        return absl::OkStatus();
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  EXPECT_EQ(answers, 0);
}

// A plan service from before PushStream: the same service without it.
class ServiceWithoutPushStream final : public v1::SyncService::Service {
 public:
  explicit ServiceWithoutPushStream(SyncServiceImpl* impl) : impl_(impl) {}
  grpc::Status Push(grpc::ServerContext* context,
                    const v1::PushRequest* request,
                    v1::PushResponse* response) override {
    ++pushes_;
    return impl_->Push(context, request, response);
  }
  grpc::Status Pull(grpc::ServerContext* context,
                    const v1::PullRequest* request,
                    grpc::ServerWriter<v1::PullResponse>* writer) override {
    return impl_->Pull(context, request, writer);
  }
  grpc::Status GetSnapshot(
      grpc::ServerContext* context, const v1::GetSnapshotRequest* request,
      grpc::ServerWriter<v1::SnapshotChunk>* writer) override {
    return impl_->GetSnapshot(context, request, writer);
  }
  int pushes() const { return pushes_.load(); }

 private:
  SyncServiceImpl* const impl_;
  std::atomic<int> pushes_{0};
};

// Against it, an agent's pushes go one at a time with Push, the first ones
// included, and all is as with PushStream.
TEST_F(LongPushTest, PushesOneAtATimeToAServiceWithoutPushStream) {
  ServiceWithoutPushStream older(sync_service_.get());
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&older);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(SetRagOf(a_->node, i, v1::RED).ok());
  GrpcSyncTransport transport(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                          grpc::InsecureChannelCredentials()),
      kPolice);
  Replica two_per_push(
      a_->node.store.get(), &a_->node.clock,
      {.organisation = kPolice, .plans = {kPlan}, .push_batch = 2});
  absl::StatusOr<v1::SyncNowResponse> synced = two_per_push.Sync(transport);
  ASSERT_TRUE(synced.ok()) << synced.status();
  EXPECT_EQ(synced->pushed(), 5);
  EXPECT_EQ(older.pushes(), 3);
  EXPECT_EQ(a_->replica.pending_changes(), 0);
  server->Shutdown();
  ExpectConverged({a_.get(), b_.get()});
}

TEST_F(SyncTest, ChangingSubscriptionsSendsWhatEntersAndLeavesTheScope) {
  std::unique_ptr<Agent> a = NewAgent("a", kPolice);
  ASSERT_TRUE(a->Sync().ok());
  // A second plan appears on the service, with history.
  v1::Plan plan;
  plan.set_title("County plan");
  v1::Plan out;
  ASSERT_TRUE(service_->resources
                  ->Create(Kind::kPlan, "", "county", plan, Actor(), &out)
                  .ok());
  v1::Activity activity;
  activity.set_title("Partnership board");
  v1::Activity created;
  ASSERT_TRUE(service_->resources
                  ->Create(Kind::kActivity, "plans/county", "board", activity,
                           Actor(), &created)
                  .ok());
  ASSERT_TRUE(a->Sync().ok());  // not subscribed: nothing of it arrives
  v1::Activity missing;
  EXPECT_FALSE(a->node.resources
                   ->Get(Kind::kActivity, "plans/county/activities/board",
                         Actor(), &missing)
                   .ok());
  const uint64_t cursor = a->replica.Status().cursor();
  // The agent restarts subscribed to both plans, then to the county only.
  {
    Replica both(a->node.store.get(), &a->node.clock,
                 {.organisation = kPolice, .plans = {kPlan, "plans/county"}});
    absl::StatusOr<v1::SyncNowResponse> synced = both.Sync(a->transport);
    ASSERT_TRUE(synced.ok()) << synced.status();
    EXPECT_GE(both.Status().cursor(), cursor);  // never restarted from zero
  }
  v1::Activity arrived;
  EXPECT_TRUE(a->node.resources
                  ->Get(Kind::kActivity, "plans/county/activities/board",
                        Actor(), &arrived)
                  .ok());
  Replica county(a->node.store.get(), &a->node.clock,
                 {.organisation = kPolice, .plans = {"plans/county"}});
  ASSERT_TRUE(county.Sync(a->transport).ok());
  v1::Action left;
  EXPECT_EQ(
      a->node.resources->Get(Kind::kAction, kAction, Actor(), &left).code(),
      absl::StatusCode::kNotFound);
}

// What a scenario left at the service, as values that must not depend on the
// order the agents synced in: each entity's data (its delete time among
// them), whether it is deleted and the change its lifecycle version names
// (its create, or the delete it keeps), but not its etag and update time,
// which say when the service took each change; and each conflict's target,
// field and state, its candidates as a set (value, whether it deletes,
// organisation, change) and the provisional winner among them (not its name,
// times or candidate order). Replica ids, random per run, are replaced by
// the agents' names, and the service's by "service".
std::vector<std::string> OrderFreeState(
    Store& store, const std::map<std::string, std::string>& agent_of) {
  const auto change = [&](const std::string& change_id) {
    const std::string replica = change_id.substr(0, change_id.rfind(':'));
    auto it = agent_of.find(replica);
    const std::string agent = replica == store.replica_id() ? "service"
                              : it == agent_of.end()        ? replica
                                                            : it->second;
    return absl::StrCat(agent, change_id.substr(replica.size()));
  };
  const std::unique_ptr<ReadView> view = store.NewReadView();
  const auto lifecycle = [&](const ResourceName& name) {
    absl::StatusOr<std::optional<storage::Entity>> entity =
        view->GetEntity(name);
    EXPECT_TRUE(entity.ok() && entity->has_value()) << name.str();
    if (!entity.ok() || !entity->has_value()) return std::string();
    const storage::Version& version = (*entity)->lifecycle_version();
    return absl::StrCat("lifecycle ", change(version.change_id()), " by ",
                        version.organisation(), " at ", version.hlc());
  };
  const auto candidate = [&](const v1::Conflict::Candidate& c) {
    return absl::StrCat(c.deletes() ? absl::StrCat("delete of ", c.deleted())
                                    : c.display_value(),
                        " by ", c.organisation(), " in ",
                        change(c.change_id()));
  };
  std::vector<std::string> state;
  for (const auto& [name, value] : StateOf(store)) {
    const ResourceName parsed = *ResourceName::Parse(name);
    std::unique_ptr<google::protobuf::Message> resource =
        NewResource(parsed.kind());
    EXPECT_TRUE(resource->ParseFromString(value.first));
    if (!IsConflict(parsed.kind())) {
      for (const char* field : {"etag", "update_time"}) {
        resource->GetReflection()->ClearField(
            resource.get(), resource->GetDescriptor()->FindFieldByName(field));
      }
      state.push_back(absl::StrCat(name, value.second ? " (deleted) " : " ",
                                   resource->ShortDebugString(), "; ",
                                   lifecycle(parsed)));
      continue;
    }
    const auto& conflict = dynamic_cast<const v1::Conflict&>(*resource);
    std::set<std::string> candidates;
    for (const v1::Conflict::Candidate& c : conflict.candidates()) {
      candidates.insert(candidate(c));
    }
    state.push_back(absl::StrCat(
        "conflict on ", conflict.target(), " ", conflict.field(), " ",
        v1::Conflict::State_Name(conflict.state()), ": ",
        absl::StrJoin(candidates, "; "), "; provisionally ",
        candidate(conflict.candidates(conflict.provisional_winner()))));
  }
  std::sort(state.begin(), state.end());
  return state;
}

// An organisation belongs to no plan; concurrent edits of it open a conflict
// all the same, kept with the organisation (organisations/{org}/conflicts/)
// and replicated with it to every agent, in either order of syncs.
TEST_F(SyncTest, ConcurrentOrganisationEditsKeepBothCandidates) {
  const absl::Time start = time_.Now();
  std::optional<std::vector<std::string>> first;
  for (const bool a_first : {true, false}) {
    SCOPED_TRACE(a_first ? "a syncs first" : "b syncs first");
    TearDown();  // a fresh service and store for each order
    time_.Set(start);
    SetUp();
    std::unique_ptr<Agent> a = NewAgent("a", kPolice);
    std::unique_ptr<Agent> b = NewAgent("b", kCouncil);
    ASSERT_TRUE(a->Sync().ok());
    ASSERT_TRUE(b->Sync().ok());
    ASSERT_TRUE(
        RenameOrganisation(a->node, kPolice, "Staffordshire Police").ok());
    // b's edit is the later one (see time_).
    ASSERT_TRUE(
        RenameOrganisation(b->node, kPolice, "Police (Staffordshire)").ok());
    Agent& one = a_first ? *a : *b;
    Agent& other = a_first ? *b : *a;
    ASSERT_TRUE(one.Sync().ok());
    absl::StatusOr<v1::SyncNowResponse> second = other.Sync();
    ASSERT_TRUE(second.ok()) << second.status();
    EXPECT_EQ(second->conflicts(), 1);
    ExpectConverged({a.get(), b.get()});
    for (Node* node : {service_.get(), &a->node, &b->node}) {
      EXPECT_TRUE(Conflicts(*node).empty());  // none in the plan
      const std::vector<v1::Conflict> conflicts = Conflicts(*node, kPolice);
      ASSERT_EQ(conflicts.size(), 1u);
      const v1::Conflict& conflict = conflicts[0];
      EXPECT_TRUE(absl::StartsWith(conflict.name(),
                                   absl::StrCat(kPolice, "/conflicts/")))
          << conflict.name();
      EXPECT_EQ(conflict.state(), v1::Conflict::OPEN);
      EXPECT_EQ(conflict.target(), kPolice);
      EXPECT_EQ(conflict.field(), "display_name");
      std::set<std::pair<std::string, std::string>> candidates;
      for (const v1::Conflict::Candidate& candidate : conflict.candidates()) {
        candidates.emplace(candidate.display_value(), candidate.organisation());
      }
      EXPECT_EQ(candidates, (std::set<std::pair<std::string, std::string>>{
                                {"Staffordshire Police", kPolice},
                                {"Police (Staffordshire)", kCouncil}}));
      EXPECT_EQ(
          conflict.candidates(conflict.provisional_winner()).display_value(),
          "Police (Staffordshire)");
      // The later edit (b's) is applied meanwhile, everywhere.
      EXPECT_EQ(OrganisationAt(*node, kPolice).display_name(),
                "Police (Staffordshire)");
      v1::Conflict got;
      EXPECT_TRUE(
          node->resources
              ->Get(Kind::kOrganisationConflict, conflict.name(), Actor(), &got)
              .ok());
    }
    EXPECT_EQ(a->replica.Status().open_conflicts(), 1);
    std::map<std::string, std::string> agent_of = {
        {a->node.store->replica_id(), "a"}, {b->node.store->replica_id(), "b"}};
    std::vector<std::string> state = OrderFreeState(*service_->store, agent_of);
    if (!first.has_value()) {
      first = std::move(state);
    } else {
      EXPECT_EQ(state, *first);
    }

    // An agent that bootstraps later has it too, from its snapshot.
    std::unique_ptr<Agent> late = NewAgent("late", kCouncil);
    absl::StatusOr<v1::SyncNowResponse> moved = late->Sync();
    ASSERT_TRUE(moved.ok()) << moved.status();
    EXPECT_TRUE(moved->snapshot());
    EXPECT_EQ(Conflicts(late->node, kPolice).size(), 1u);

    // Resolving it at an agent, offline, is an ordinary change that
    // replicates.
    v1::ResolveConflictRequest resolve;
    resolve.set_name(Conflicts(a->node, kPolice)[0].name());
    for (int i = 0; i < 2; ++i) {
      if (Conflicts(a->node, kPolice)[0].candidates(i).display_value() ==
          "Staffordshire Police") {
        resolve.set_candidate(i);
      }
    }
    v1::Conflict resolved;
    const absl::Status status = a->node.resources->ResolveConflict(
        resolve, Actor{.organisation = kPolice}, &resolved);
    ASSERT_TRUE(status.ok()) << status;
    EXPECT_EQ(resolved.state(), v1::Conflict::RESOLVED);
    EXPECT_EQ(OrganisationAt(a->node, kPolice).display_name(),
              "Staffordshire Police");
    ExpectConverged({a.get(), b.get(), late.get()});
    for (Node* node : {service_.get(), &b->node, &late->node}) {
      EXPECT_EQ(OrganisationAt(*node, kPolice).display_name(),
                "Staffordshire Police");
      EXPECT_EQ(Conflicts(*node, kPolice)[0].state(), v1::Conflict::RESOLVED);
      EXPECT_EQ(Conflicts(*node, kPolice)[0].resolution().organisation(),
                kPolice);
    }
    EXPECT_EQ(b->replica.Status().open_conflicts(), 0);
  }
}

// Each scenario is a set of offline edits on separate agents. Run in every
// order of the agents' first syncs, it must leave the same state and the
// same conflicts at the service (and every agent converges on it).
TEST_F(SyncTest, EveryOrderOfSyncsEndsInTheSameStateAndConflicts) {
  using Edit = std::function<absl::Status(Node&)>;
  const Edit set_rag = [](Node& node) { return SetRag(node, v1::RED); };
  const Edit set_green = [](Node& node) { return SetRag(node, v1::GREEN); };
  const auto describe = [](std::string description) -> Edit {
    return [description](Node& node) {
      v1::Action fields;
      fields.set_description(description);
      return UpdateAction(node, fields, "description");
    };
  };
  const Edit edit_text = describe(
      "Refer any individuals with extremist ideologies to the county "
      "Prevent Team. Review referrals at the panel.");
  const Edit delete_action = [](Node& node) {
    v1::Action deleted;
    return node.resources->Delete(Kind::kAction, kAction, "", Actor(),
                                  &deleted);
  };
  const Edit delete_activity = [](Node& node) {
    v1::Activity deleted;
    return node.resources->Delete(Kind::kActivity, kActivity, "", Actor(),
                                  &deleted);
  };
  const Edit delete_strand = [](Node& node) {
    v1::Strand deleted;
    return node.resources->Delete(Kind::kStrand, kStrand, "", Actor(),
                                  &deleted);
  };
  const Edit delete_plan = [](Node& node) {
    v1::Plan deleted;
    return node.resources->Delete(Kind::kPlan, kPlan, "", Actor(), &deleted);
  };
  const Edit add_update = [](Node& node) {
    v1::ProgressUpdate update;
    update.set_note("Two referrals made this quarter.");
    update.set_rag(v1::GREEN);
    v1::ProgressUpdate out;
    return node.resources->Create(Kind::kProgressUpdate, kAction, "q1", update,
                                  Actor(), &out);
  };
  // The fields of the progress update add_update makes (its note and RAG,
  // and the report time and organisation the agent fills in), each of which
  // the delete of its action's activity reaches.
  constexpr size_t kProgressUpdateFields = 4;
  const Edit rename_police = [](Node& node) {
    return RenameOrganisation(node, kPolice, "Staffordshire Police");
  };
  const Edit rename_police_again = [](Node& node) {
    return RenameOrganisation(node, kPolice, "Police (Staffordshire)");
  };
  const Edit delete_police = [](Node& node) {
    v1::Organisation deleted;
    return node.resources->Delete(Kind::kOrganisation, kPolice, "", Actor(),
                                  &deleted);
  };
  const Edit edit_text_too = describe(
      "Refer any individuals with extremist ideologies to the Prevent "
      "Team. Review referrals monthly at the panel.");
  // One agent's offline edit. Agents make their edits in the scenario's
  // order, each on its own agent; an agent that syncs before its edit has
  // pulled every edit of an agent before it that synced after its own.
  struct Step {
    std::string organisation;
    Edit edit;
    bool sync_before = false;
    bool sync_after = false;
  };
  struct Scenario {
    std::string name;
    std::vector<Step> edits;
    size_t conflicts;  // how many it opens
    // Text each order's state holds, as OrderFreeState writes it.
    std::vector<std::string> holds = {};
  };
  const std::vector<Scenario> scenarios = {
      {"an edit and a delete",
       {{kPolice, set_rag}, {kCouncil, delete_action}},
       1},
      {"a text edit and a delete",
       {{kPolice, edit_text}, {kCouncil, delete_action}},
       1},
      {"edits of two fields and a delete",
       {{kPolice, set_rag},
        {kCouncil, edit_text},
        {"organisations/entrust", delete_action}},
       2},
      {"two edits of one field",
       {{kPolice, set_rag}, {kCouncil, set_green}},
       1},
      {"two edits of one field and a delete",
       {{kPolice, set_rag},
        {kCouncil, set_green},
        {"organisations/entrust", delete_action}},
       2},
      {"two edits of one field and a delete of the action's activity",
       {{kPolice, set_rag},
        {kCouncil, set_green},
        {"organisations/entrust", delete_activity}},
       2},
      {"an edit of an action and a delete of its activity",
       {{kPolice, set_rag}, {kCouncil, delete_activity}},
       1},
      {"an edit of an action and a delete of its activity's strand",
       {{kPolice, set_rag}, {kCouncil, delete_strand}},
       1},
      {"an edit of an action and a delete of its plan",
       {{kPolice, set_rag}, {kCouncil, delete_plan}},
       1},
      {"a progress update and a delete of its action's activity",
       {{kPolice, add_update}, {kCouncil, delete_activity}},
       kProgressUpdateFields},
      {"an edit of an action, a delete of its activity and one of its plan",
       {{kPolice, set_rag},
        {kCouncil, delete_activity},
        {"organisations/entrust", delete_plan}},
       2},
      {"two edits of an organisation",
       {{kPolice, rename_police}, {kCouncil, rename_police_again}},
       1},
      {"an edit and a delete of an organisation",
       {{kPolice, rename_police}, {kCouncil, delete_police}},
       1},
      // The later delete (council's) is the one the action keeps, and the
      // one the conflict names.
      {"two deletes of an action and an edit",
       {{kPolice, delete_action},
        {kCouncil, delete_action},
        {"organisations/entrust", set_rag}},
       1,
       {absl::StrCat("delete of ", kAction, " by ", kCouncil),
        "lifecycle agent-1:"}},
      // Council's delete saw the edit and police's did not: the action keeps
      // council's delete, the later, and the conflict names police's.
      {"two deletes of an action, the later made after pulling the edit",
       {{"organisations/entrust", set_rag, /*sync_before=*/false,
         /*sync_after=*/true},
        {kPolice, delete_action},
        {kCouncil, delete_action, /*sync_before=*/true}},
       1,
       {absl::StrCat("delete of ", kAction, " by ", kPolice),
        "lifecycle agent-2:"}},
      {"two deletes of an activity and an edit of its action",
       {{kPolice, delete_activity},
        {kCouncil, delete_activity},
        {"organisations/entrust", set_rag}},
       1,
       {absl::StrCat("delete of ", kActivity, " by ", kCouncil),
        "lifecycle agent-1:"}},
      {"two deletes of an organisation and an edit",
       {{kPolice, rename_police},
        {kCouncil, delete_police},
        {"organisations/entrust", delete_police}},
       1,
       {absl::StrCat("delete of ", kPolice, " by organisations/entrust"),
        "lifecycle agent-2:"}},
      // The conflict holds the merged text; the editor it names is the later
      // of the two.
      {"two text edits that merge and a delete",
       {{kPolice, edit_text},
        {kCouncil, edit_text_too},
        {"organisations/entrust", delete_action}},
       1,
       {absl::StrCat(" by ", kCouncil, " in agent-1:")}},
  };
  // Every run starts at the same time, so that its edits are made at the
  // same times whatever the order they are then synced in.
  const absl::Time start = time_.Now();
  for (const Scenario& scenario : scenarios) {
    std::vector<size_t> order(scenario.edits.size());
    std::iota(order.begin(), order.end(), 0);
    std::optional<std::vector<std::string>> first;
    do {
      const std::string trace = absl::StrCat(
          scenario.name, ", synced in order ", absl::StrJoin(order, ","));
      SCOPED_TRACE(trace);
      TearDown();  // a fresh service and store for each run
      time_.Set(start);
      SetUp();
      std::vector<std::unique_ptr<Agent>> agents;
      std::map<std::string, std::string> agent_of;
      for (const Step& step : scenario.edits) {
        const std::string id = absl::StrCat("agent-", agents.size());
        agents.push_back(NewAgent(id, step.organisation));
        agent_of[agents.back()->node.store->replica_id()] = id;
        ASSERT_TRUE(agents.back()->Sync().ok());
      }
      for (size_t i = 0; i < agents.size(); ++i) {
        const Step& step = scenario.edits[i];
        if (step.sync_before) {
          ASSERT_TRUE(agents[i]->Sync().ok());
        }
        ASSERT_TRUE(step.edit(agents[i]->node).ok());
        if (step.sync_after) {
          ASSERT_TRUE(agents[i]->Sync().ok());
        }
      }
      for (size_t i : order) ASSERT_TRUE(agents[i]->Sync().ok());
      std::vector<Agent*> all;
      for (const auto& agent : agents) all.push_back(agent.get());
      ExpectConverged(all);
      EXPECT_EQ(AllConflicts(*service_).size(), scenario.conflicts);
      std::vector<std::string> state =
          OrderFreeState(*service_->store, agent_of);
      for (const std::string& text : scenario.holds) {
        EXPECT_TRUE(std::any_of(state.begin(), state.end(),
                                [&](const std::string& line) {
                                  return absl::StrContains(line, text);
                                }))
            << "no \"" << text << "\" in:\n"
            << absl::StrJoin(state, "\n");
      }
      if (!first.has_value()) {
        first = std::move(state);
      } else {
        EXPECT_EQ(state, *first);
      }
    } while (std::next_permutation(order.begin(), order.end()) &&
             !HasFailure());
  }
}

}  // namespace
}  // namespace plan

namespace plan {
namespace {

// Following pulls are bounded (promise 8, docs/architecture.md): at most
// max_follows at once, one per replica (the newer ends the older), and none
// longer than max_follow.
class FollowLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetLoggingEnabled(false);
    absl::StatusOr<TempDir> dir = TempDir::Create("follow-limits-test");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_.emplace(std::move(*dir));
    absl::StatusOr<std::unique_ptr<Store>> store =
        Store::Open({.path = dir_->Subpath("db")});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    SyncAuthorityOptions options;
    options.max_follows = 2;
    options.max_replicas_per_organisation = 4;
    options.follow_poll = absl::Milliseconds(5);
    options.max_follow = absl::Seconds(30);
    authority_ =
        std::make_unique<SyncAuthority>(store_.get(), &clock_, options);
  }

  // Starts a following pull of `replica` on a thread; it runs until `stop`.
  struct Follow {
    std::thread thread;
    absl::Notification started;
    std::atomic<bool> stop{false};
    absl::Status status;
  };
  std::unique_ptr<Follow> StartFollow(const std::string& replica) {
    auto follow = std::make_unique<Follow>();
    Follow* f = follow.get();
    f->thread = std::thread([this, f, replica] {
      v1::PullRequest request;
      request.set_replica_id(replica);
      request.set_follow(true);
      f->status = authority_->Pull(
          request, Actor(),
          [f](const v1::PullResponse&) {
            if (!f->started.HasBeenNotified()) f->started.Notify();
            return true;
          },
          [f] { return f->stop.load(); });
      if (!f->started.HasBeenNotified()) f->started.Notify();
    });
    f->started.WaitForNotification();
    return follow;
  }

  std::optional<TempDir> dir_;
  std::unique_ptr<Store> store_;
  HybridClock clock_;
  std::unique_ptr<SyncAuthority> authority_;
};

TEST_F(FollowLimitsTest,
       MoreThanTheMostFollowsAreRefusedAndANewerOneEndsTheOlder) {
  std::unique_ptr<Follow> a = StartFollow("ra");
  std::unique_ptr<Follow> b = StartFollow("rb");
  // A third replica is refused at once.
  v1::PullRequest request;
  request.set_replica_id("rc");
  request.set_follow(true);
  const absl::Status refused = authority_->Pull(
      request, Actor(), [](const v1::PullResponse&) { return true; },
      [] { return false; });
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
  EXPECT_EQ(ErrorReason(refused), "TOO_MANY_FOLLOWS");
  // A pull that does not follow is still served.
  request.set_follow(false);
  EXPECT_TRUE(authority_
                  ->Pull(
                      request, Actor(),
                      [](const v1::PullResponse&) { return true; },
                      [] { return false; })
                  .ok());
  // b follows again: the older b ends by itself, and the slot is reused.
  std::unique_ptr<Follow> b2 = StartFollow("rb");
  b->thread.join();
  EXPECT_TRUE(b->status.ok()) << b->status;
  for (Follow* f : {a.get(), b2.get()}) {
    f->stop = true;
    f->thread.join();
    EXPECT_TRUE(f->status.ok()) << f->status;
  }
  // Every slot is free again.
  std::unique_ptr<Follow> c = StartFollow("rc");
  std::unique_ptr<Follow> d = StartFollow("rd");
  for (Follow* f : {c.get(), d.get()}) {
    f->stop = true;
    f->thread.join();
    EXPECT_TRUE(f->status.ok()) << f->status;
  }
}

// Each replica id an organisation registers is kept for good, so there is a
// bound on them; another organisation's are not counted.
TEST_F(FollowLimitsTest, AnOrganisationRegistersAtMostItsShareOfReplicaIds) {
  const auto pull = [&](const std::string& replica, const std::string& org) {
    v1::PullRequest request;
    request.set_replica_id(replica);
    return authority_->Pull(
        request, Actor{.organisation = org},
        [](const v1::PullResponse&) { return true; }, [] { return false; });
  };
  for (const char* replica : {"p1", "p2", "p3", "p4"}) {
    ASSERT_TRUE(pull(replica, "organisations/police").ok()) << replica;
  }
  const absl::Status fifth = pull("p5", "organisations/police");
  EXPECT_EQ(fifth.code(), absl::StatusCode::kResourceExhausted) << fifth;
  EXPECT_EQ(ErrorReason(fifth), "TOO_MANY_REPLICAS");
  EXPECT_TRUE(pull("p1", "organisations/police").ok()) << "a known one";
  EXPECT_TRUE(pull("c1", "organisations/council").ok()) << "another's count";
  EXPECT_EQ(pull("p1", "organisations/council").code(),
            absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace plan
