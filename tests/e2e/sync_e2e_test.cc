// End-to-end replication: the real plan-service (loaded with the published
// South Staffordshire plan) and two real sync-agent processes, one for the
// police and one for the district council, both replicating
// plans/south-staffordshire and syncing only when asked (--schedule=manual).
//
// What is checked is what docs/architecture.md promises: agents serve and
// accept edits while the plan service is down; after syncs with no pending
// edits every agent holds exactly the service's state, byte for byte;
// concurrent edits of one field are kept as a conflict with both candidates,
// which a person resolves through an agent; and an agent killed with SIGKILL
// keeps every local edit it acknowledged and pushes it on its next sync.
#ifndef PLAN_SERVICE_BINARY
#error "PLAN_SERVICE_BINARY must name the plan-service binary"
#endif
#ifndef SYNC_AGENT_BINARY
#error "SYNC_AGENT_BINARY must name the sync-agent binary"
#endif
#ifndef PLANCTL_BINARY
#error "PLANCTL_BINARY must name the planctl binary"
#endif

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "gtest/gtest.h"
#include "libplan/util/status_macros.h"
#include "prevent/plan/v1/agent_service.grpc.pb.h"
#include "prevent/plan/v1/plan_service.grpc.pb.h"
#include "tests/support/plan_service_process.h"
#include "tests/support/plan_state.h"
#include "tests/support/process.h"
#include "tests/support/sync_agent_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_for.h"

namespace prevent::plan {
namespace {

using ::prevent::plan::test_support::Differences;
using ::prevent::plan::test_support::FromGrpc;
using ::prevent::plan::test_support::Invocation;
using ::prevent::plan::test_support::NewContext;
using ::prevent::plan::test_support::PlanServiceProcess;
using ::prevent::plan::test_support::PlanState;
using ::prevent::plan::test_support::ReadFileTail;
using ::prevent::plan::test_support::ReadPlan;
using ::prevent::plan::test_support::RetryWhileUnreachable;
using ::prevent::plan::test_support::RunToCompletion;
using ::prevent::plan::test_support::SyncAgentProcess;
using ::prevent::plan::test_support::TempDir;
using ::prevent::plan::test_support::WaitFor;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

constexpr char kPlan[] = "plans/south-staffordshire";
constexpr char kPolice[] = "organisations/staffordshire-police";
constexpr char kCouncil[] = "organisations/south-staffordshire-council";
constexpr char kSeed[] = "/deploy/demo/seed.textproto";

// A plan service that has just restarted is reached within this (an agent's
// channel retries its connection at most 10 s apart).
constexpr absl::Duration kReconnect = absl::Seconds(40);

class SyncE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TempDir> dir = TempDir::Create("sync-e2e-test");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_.emplace(*std::move(dir));
    ASSERT_NO_FATAL_FAILURE(StartService());
    ASSERT_NO_FATAL_FAILURE(StartAgent(kPolice, &police_));
    ASSERT_NO_FATAL_FAILURE(StartAgent(kCouncil, &council_));
  }

  void TearDown() override {
    if (HasFailure()) {
      dir_->Keep();
      std::cerr << "logs kept in " << dir_->path() << "\n";
    }
  }

  // Starts (or restarts, on the same data) the plan service, with its data
  // in `data` and `extra_args`.
  void StartService(const std::string& data = "service",
                    const std::vector<std::string>& extra_args = {}) {
    PlanServiceProcess::Options options;
    options.binary = PLAN_SERVICE_BINARY;
    options.data_dir = dir_->Subpath(data);
    options.log_path = dir_->Subpath("service.log");
    options.extra_args = {absl::StrCat("--seed=", PLAN_SOURCE_DIR, kSeed)};
    options.extra_args.insert(options.extra_args.end(), extra_args.begin(),
                              extra_args.end());
    if (service_.has_value()) {
      // Restarted on the port the agents know.
      options.extra_args.push_back(
          absl::StrCat("--listen=", service_->address()));
      service_.reset();
    }
    absl::StatusOr<PlanServiceProcess> service =
        PlanServiceProcess::Start(options);
    ASSERT_TRUE(service.ok()) << service.status();
    service_.emplace(*std::move(service));
    if (service_address_.empty()) service_address_ = service_->address();
    ASSERT_EQ(service_->address(), service_address_);
  }

  // Starts (or restarts, on the same data) the agent of `organisation`,
  // keeping its data and log under `id` (by default the organisation's id).
  void StartAgent(const std::string& organisation,
                  std::optional<SyncAgentProcess>* agent,
                  const std::string& schedule = "manual",
                  std::vector<std::string> extra_args = {},
                  std::string id = "") {
    if (id.empty()) id = organisation.substr(organisation.find('/') + 1);
    agent->reset();
    SyncAgentProcess::Options options;
    options.binary = SYNC_AGENT_BINARY;
    options.data_dir = dir_->Subpath(id);
    options.log_path = dir_->Subpath(absl::StrCat(id, ".log"));
    options.server = service_address_;
    options.organisation = organisation;
    options.plans = {kPlan};
    options.schedule = schedule;
    options.extra_args = std::move(extra_args);
    absl::StatusOr<SyncAgentProcess> started = SyncAgentProcess::Start(options);
    ASSERT_TRUE(started.ok()) << started.status();
    agent->emplace(*std::move(started));
  }

  // Polls `read` until it returns true, for at most `timeout`.
  static bool Eventually(absl::FunctionRef<bool()> read,
                         absl::Duration timeout = absl::Seconds(20)) {
    return WaitFor(read, timeout, absl::Milliseconds(100));
  }

  // Waits until the wall clock, which every process here reads, is past the
  // millisecond of `edited` (an edit's update_time: its HLC's physical
  // part), so that an edit made next, by any process, has the later HLC.
  static void WaitUntilAfter(const google::protobuf::Timestamp& edited) {
    const absl::Time next_milli =
        absl::FromUnixSeconds(edited.seconds()) +
        absl::Milliseconds(edited.nanos() / 1000000 + 1);
    ASSERT_TRUE(WaitFor([&] { return absl::Now() >= next_milli; },
                        absl::Seconds(10), absl::Milliseconds(1)))
        << "the wall clock is not past " << next_milli;
  }

  static std::unique_ptr<v1::PlanService::Stub> Plans(
      const std::shared_ptr<grpc::Channel>& channel) {
    return v1::PlanService::NewStub(channel);
  }

  absl::StatusOr<v1::SyncNowResponse> SyncNow(const SyncAgentProcess& agent) {
    auto stub = v1::AgentService::NewStub(agent.NewChannel());
    v1::SyncNowResponse moved;
    const grpc::Status status =
        stub->SyncNow(NewContext().get(), v1::SyncNowRequest(), &moved);
    if (!status.ok()) return FromGrpc(status, "SyncNow");
    return moved;
  }

  // SyncNow, retried while the plan service is not reached yet.
  absl::StatusOr<v1::SyncNowResponse> SyncNowOnceReachable(
      const SyncAgentProcess& agent) {
    return RetryWhileUnreachable([&] { return SyncNow(agent); }, kReconnect);
  }

  absl::StatusOr<v1::SyncStatus> GetSyncStatus(const SyncAgentProcess& agent) {
    auto stub = v1::AgentService::NewStub(agent.NewChannel());
    v1::SyncStatus status;
    const grpc::Status called = stub->GetSyncStatus(
        NewContext().get(), v1::GetSyncStatusRequest(), &status);
    if (!called.ok()) return FromGrpc(called, "GetSyncStatus");
    return status;
  }

  // The service and both agents serve the same plan, byte for byte.
  void ExpectEveryoneAgrees() {
    absl::StatusOr<PlanState> service =
        ReadPlan(*Plans(service_->NewChannel()), kPlan);
    ASSERT_TRUE(service.ok()) << service.status();
    for (const auto& [label, agent] :
         {std::make_pair("police agent", &police_),
          std::make_pair("council agent", &council_)}) {
      absl::StatusOr<PlanState> replica =
          ReadPlan(*Plans((*agent)->NewChannel()), kPlan);
      ASSERT_TRUE(replica.ok()) << label << ": " << replica.status();
      EXPECT_EQ(Differences("service", *service, label, *replica), "")
          << "the " << label << " differs from the service";
    }
  }

  absl::StatusOr<v1::Action> GetAction(
      const std::shared_ptr<grpc::Channel>& channel, const std::string& name) {
    v1::GetActionRequest request;
    request.set_name(name);
    v1::Action action;
    const grpc::Status status =
        Plans(channel)->GetAction(NewContext().get(), request, &action);
    if (!status.ok()) return FromGrpc(status, absl::StrCat("GetAction ", name));
    return action;
  }

  // Updates the fields of `action` named in `paths`, acting as `organisation`.
  absl::StatusOr<v1::Action> UpdateAction(
      const std::shared_ptr<grpc::Channel>& channel,
      const std::string& organisation, const v1::Action& action,
      const std::vector<std::string>& paths) {
    v1::UpdateActionRequest request;
    *request.mutable_action() = action;
    request.mutable_action()->clear_etag();
    for (const std::string& path : paths) {
      request.mutable_update_mask()->add_paths(path);
    }
    v1::Action updated;
    const grpc::Status status = Plans(channel)->UpdateAction(
        NewContext(organisation).get(), request, &updated);
    if (!status.ok()) return FromGrpc(status, "UpdateAction");
    return updated;
  }

  absl::StatusOr<std::vector<v1::Conflict>> ListConflicts(
      const std::shared_ptr<grpc::Channel>& channel,
      const std::string& filter) {
    v1::ListConflictsRequest request;
    request.set_parent(kPlan);
    request.set_filter(filter);
    v1::ListConflictsResponse response;
    const grpc::Status status =
        Plans(channel)->ListConflicts(NewContext().get(), request, &response);
    if (!status.ok()) return FromGrpc(status, "ListConflicts");
    return std::vector<v1::Conflict>(response.conflicts().begin(),
                                     response.conflicts().end());
  }

  // The actions of the plan on the service, in name order.
  // The actions of the activities the police lead, which both partners may
  // edit: the police as an EDITOR leading them, the council as the plan's
  // OWNER (the seed's memberships).
  std::vector<v1::Action> ServiceActions() {
    v1::ListActivitiesRequest activities_request;
    activities_request.set_parent(kPlan);
    activities_request.set_filter(
        absl::StrCat("lead_organisations : \"", kPolice, "\""));
    activities_request.set_page_size(1000);
    v1::ListActivitiesResponse activities;
    grpc::Status status = Plans(service_->NewChannel())
                              ->ListActivities(NewContext().get(),
                                               activities_request, &activities);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<v1::Action> actions;
    for (const v1::Activity& activity : activities.activities()) {
      v1::ListActionsRequest request;
      request.set_parent(activity.name());
      request.set_page_size(1000);
      v1::ListActionsResponse response;
      status = Plans(service_->NewChannel())
                   ->ListActions(NewContext().get(), request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      actions.insert(actions.end(), response.actions().begin(),
                     response.actions().end());
    }
    return actions;
  }

  Invocation Planctl(const std::vector<std::string>& args) {
    return RunToCompletion(
        PLANCTL_BINARY, args,
        dir_->Subpath(absl::StrCat("planctl-", ++runs_, ".log")));
  }

  std::optional<TempDir> dir_;
  std::optional<PlanServiceProcess> service_;
  std::string service_address_;
  std::optional<SyncAgentProcess> police_;
  std::optional<SyncAgentProcess> council_;
  int runs_ = 0;
};

TEST_F(SyncE2eTest, AgentsBootstrapAndServeTheSeedPlan) {
  for (SyncAgentProcess* agent : {&*police_, &*council_}) {
    absl::StatusOr<v1::SyncNowResponse> moved = SyncNow(*agent);
    ASSERT_TRUE(moved.ok())
        << moved.status() << ReadFileTail(agent->log_path());
    EXPECT_TRUE(moved->snapshot()) << moved->ShortDebugString();
    EXPECT_GT(moved->cursor(), 0u) << moved->ShortDebugString();
    EXPECT_EQ(moved->pushed(), 0) << moved->ShortDebugString();

    v1::ListActivitiesRequest request;
    request.set_parent(kPlan);
    request.set_page_size(1000);
    v1::ListActivitiesResponse activities;
    const grpc::Status status =
        Plans(agent->NewChannel())
            ->ListActivities(NewContext().get(), request, &activities);
    ASSERT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> titles;
    for (const v1::Activity& activity : activities.activities()) {
      titles.push_back(activity.title());
    }
    EXPECT_THAT(titles,
                ::testing::Contains("Risk Assessment and local understanding"));
  }
  ExpectEveryoneAgrees();
}

// An agent set to sync a plan its organisation is no member of is told so,
// plainly, in its status and its log; the service sends it nothing of it.
TEST_F(SyncE2eTest, AnAgentOfAPlanItMayNotReadSaysSo) {
  std::optional<SyncAgentProcess> outsider;
  ASSERT_NO_FATAL_FAILURE(
      StartAgent("organisations/cannock-chase-council", &outsider));
  const absl::StatusOr<v1::SyncNowResponse> synced = SyncNow(*outsider);
  ASSERT_FALSE(synced.ok());
  EXPECT_TRUE(absl::IsPermissionDenied(synced.status())) << synced.status();
  absl::StatusOr<v1::SyncStatus> status = GetSyncStatus(*outsider);
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_THAT(status->last_error(),
              ::testing::HasSubstr(absl::StrCat("may not sync ", kPlan)));
  EXPECT_THAT(status->last_error(), ::testing::HasSubstr("not a member"));
  v1::ListActivitiesRequest request;
  request.set_parent(kPlan);
  v1::ListActivitiesResponse activities;
  const grpc::Status listed =
      Plans(outsider->NewChannel())
          ->ListActivities(NewContext().get(), request, &activities);
  EXPECT_EQ(activities.activities_size(), 0) << listed.error_message();
  std::ifstream log(dir_->Subpath("cannock-chase-council.log"));
  const std::string text((std::istreambuf_iterator<char>(log)),
                         std::istreambuf_iterator<char>());
  EXPECT_THAT(text, ::testing::HasSubstr(absl::StrCat("may not sync ", kPlan)));
}

TEST_F(SyncE2eTest, OfflineEditsMergeAndConcurrentRagEditsBecomeAConflict) {
  ASSERT_TRUE(SyncNow(*police_).ok());
  ASSERT_TRUE(SyncNow(*council_).ok());

  // A: an action neither partner's rag equals yet; B: another action.
  const std::vector<v1::Action> actions = ServiceActions();
  ASSERT_GE(actions.size(), 2u);
  std::optional<v1::Action> a;
  std::optional<v1::Action> b;
  for (const v1::Action& action : actions) {
    if (!a.has_value() && action.rag() != v1::RED &&
        action.rag() != v1::GREEN) {
      a = action;
    } else if (!b.has_value()) {
      b = action;
    }
  }
  ASSERT_TRUE(a.has_value() && b.has_value());

  // The plan service goes down; both partners keep working.
  absl::StatusOr<int> stopped = service_->Stop();
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  ASSERT_EQ(*stopped, 0);

  v1::Action red = *a;
  red.set_rag(v1::RED);
  absl::StatusOr<v1::Action> police_edit =
      UpdateAction(police_->NewChannel(), kPolice, red, {"rag"});
  ASSERT_TRUE(police_edit.ok()) << police_edit.status();
  // The council's edit is later.
  ASSERT_NO_FATAL_FAILURE(WaitUntilAfter(police_edit->update_time()));
  v1::Action green = *a;
  green.set_rag(v1::GREEN);
  absl::StatusOr<v1::Action> council_edit =
      UpdateAction(council_->NewChannel(), kCouncil, green, {"rag"});
  ASSERT_TRUE(council_edit.ok()) << council_edit.status();
  v1::Action described = *b;
  const std::string description =
      absl::StrCat(b->description(), " Reviewed offline by the council.");
  described.set_description(description);
  ASSERT_TRUE(
      UpdateAction(council_->NewChannel(), kCouncil, described, {"description"})
          .ok());

  // Each agent serves its own edits, and cannot sync.
  EXPECT_EQ(GetAction(police_->NewChannel(), a->name())->rag(), v1::RED);
  EXPECT_EQ(GetAction(council_->NewChannel(), a->name())->rag(), v1::GREEN);
  EXPECT_EQ(GetAction(council_->NewChannel(), b->name())->description(),
            description);
  absl::StatusOr<v1::SyncNowResponse> offline = SyncNow(*police_);
  ASSERT_FALSE(offline.ok());
  EXPECT_TRUE(absl::IsUnavailable(offline.status()) ||
              absl::IsDeadlineExceeded(offline.status()))
      << offline.status();
  absl::StatusOr<v1::SyncStatus> waiting = GetSyncStatus(*police_);
  ASSERT_TRUE(waiting.ok()) << waiting.status();
  EXPECT_EQ(waiting->pending_changes(), 1);
  EXPECT_NE(waiting->last_error(), "");

  // The service comes back on the same data; both agents sync, then the
  // police again to pull the council's changes.
  ASSERT_NO_FATAL_FAILURE(StartService());
  absl::StatusOr<v1::SyncNowResponse> police_sync =
      SyncNowOnceReachable(*police_);
  ASSERT_TRUE(police_sync.ok()) << police_sync.status();
  EXPECT_EQ(police_sync->pushed(), 1) << police_sync->ShortDebugString();
  EXPECT_EQ(police_sync->applied(), 1) << police_sync->ShortDebugString();
  absl::StatusOr<v1::SyncNowResponse> council_sync =
      SyncNowOnceReachable(*council_);
  ASSERT_TRUE(council_sync.ok()) << council_sync.status();
  EXPECT_EQ(council_sync->pushed(), 2) << council_sync->ShortDebugString();
  EXPECT_EQ(council_sync->conflicts(), 1) << council_sync->ShortDebugString();
  ASSERT_TRUE(SyncNow(*police_).ok());

  ASSERT_NO_FATAL_FAILURE(ExpectEveryoneAgrees());
  for (const auto& channel : {service_->NewChannel(), police_->NewChannel(),
                              council_->NewChannel()}) {
    absl::StatusOr<v1::Action> merged = GetAction(channel, b->name());
    ASSERT_TRUE(merged.ok()) << merged.status();
    EXPECT_EQ(merged->description(), description);
  }

  // The rag edits are one open conflict, everywhere, with both candidates.
  std::string conflict_name;
  for (const auto& channel : {service_->NewChannel(), police_->NewChannel(),
                              council_->NewChannel()}) {
    absl::StatusOr<std::vector<v1::Conflict>> open =
        ListConflicts(channel, "state = OPEN");
    ASSERT_TRUE(open.ok()) << open.status();
    ASSERT_EQ(open->size(), 1u);
    const v1::Conflict& conflict = open->front();
    EXPECT_EQ(conflict.target(), a->name());
    EXPECT_EQ(conflict.field(), "rag");
    EXPECT_EQ(conflict.state(), v1::Conflict::OPEN);
    std::vector<std::pair<std::string, std::string>> candidates;
    for (const auto& candidate : conflict.candidates()) {
      candidates.emplace_back(candidate.display_value(),
                              candidate.organisation());
    }
    EXPECT_THAT(candidates, UnorderedElementsAre(Pair("RED", kPolice),
                                                 Pair("GREEN", kCouncil)));
    conflict_name = conflict.name();
  }
  const Invocation listed =
      Planctl({absl::StrCat("--server=", council_->address()), "conflicts",
               "list", kPlan, "--filter=state = OPEN"});
  EXPECT_EQ(listed.code, 0) << listed.output;
  EXPECT_THAT(listed.output, HasSubstr(conflict_name));
  EXPECT_THAT(listed.output, ContainsRegex(absl::StrCat("RED +", kPolice)));
  EXPECT_THAT(listed.output, ContainsRegex(absl::StrCat("GREEN +", kCouncil)));

  // A person at the police resolves it with a new value, through their agent.
  const Invocation resolved =
      Planctl({absl::StrCat("--server=", police_->address()),
               absl::StrCat("--organisation=", kPolice), "conflicts", "resolve",
               conflict_name, "--value=amber"});
  ASSERT_EQ(resolved.code, 0) << resolved.output;
  EXPECT_THAT(resolved.output, HasSubstr("RESOLVED"));
  ASSERT_TRUE(SyncNow(*police_).ok());
  ASSERT_TRUE(SyncNow(*council_).ok());
  ASSERT_TRUE(SyncNow(*police_).ok());

  ASSERT_NO_FATAL_FAILURE(ExpectEveryoneAgrees());
  for (const auto& channel : {service_->NewChannel(), police_->NewChannel(),
                              council_->NewChannel()}) {
    absl::StatusOr<v1::Action> action = GetAction(channel, a->name());
    ASSERT_TRUE(action.ok()) << action.status();
    EXPECT_EQ(action->rag(), v1::AMBER);
    v1::GetConflictRequest request;
    request.set_name(conflict_name);
    v1::Conflict conflict;
    const grpc::Status status =
        Plans(channel)->GetConflict(NewContext().get(), request, &conflict);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(conflict.state(), v1::Conflict::RESOLVED);
    EXPECT_EQ(conflict.resolution().organisation(), kPolice);
    absl::StatusOr<std::vector<v1::Conflict>> open =
        ListConflicts(channel, "state = OPEN");
    ASSERT_TRUE(open.ok()) << open.status();
    EXPECT_TRUE(open->empty());
  }
}

// An organisation's record edited in two places at once (at its agent, and
// at the service) is one conflict kept with the organisation
// (organisations/{org}/conflicts/{id}). Every agent holds it: a person lists
// it with planctl at any agent, and resolves it at their own organisation's;
// another organisation may not.
TEST_F(SyncE2eTest, AnOrganisationsConcurrentEditsAreAConflictItResolves) {
  ASSERT_TRUE(SyncNow(*police_).ok());
  ASSERT_TRUE(SyncNow(*council_).ok());
  const auto rename = [&](const std::shared_ptr<grpc::Channel>& channel,
                          const std::string& display_name) {
    v1::UpdateOrganisationRequest request;
    request.mutable_organisation()->set_name(kCouncil);
    request.mutable_organisation()->set_display_name(display_name);
    request.mutable_update_mask()->add_paths("display_name");
    v1::Organisation updated;
    const grpc::Status status = Plans(channel)->UpdateOrganisation(
        NewContext(kCouncil).get(), request, &updated);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return updated;
  };
  const v1::Organisation at_agent =
      rename(council_->NewChannel(), "South Staffs Council");
  ASSERT_NO_FATAL_FAILURE(WaitUntilAfter(at_agent.update_time()));
  rename(service_->NewChannel(), "South Staffordshire District Council");
  absl::StatusOr<v1::SyncNowResponse> pushed = SyncNow(*council_);
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  EXPECT_EQ(pushed->conflicts(), 1) << pushed->ShortDebugString();
  ASSERT_TRUE(SyncNow(*police_).ok());
  ASSERT_NO_FATAL_FAILURE(ExpectEveryoneAgrees());  // conflicts included

  std::string conflict_name;
  {
    v1::ListConflictsRequest request;
    request.set_parent(kCouncil);
    v1::ListConflictsResponse response;
    const grpc::Status status =
        Plans(service_->NewChannel())
            ->ListConflicts(NewContext().get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(response.conflicts_size(), 1);
    conflict_name = response.conflicts(0).name();
  }
  EXPECT_THAT(conflict_name,
              ::testing::StartsWith(absl::StrCat(kCouncil, "/conflicts/")));
  const Invocation listed =
      Planctl({absl::StrCat("--server=", police_->address()), "conflicts",
               "list", kCouncil, "--filter=state = OPEN"});
  EXPECT_EQ(listed.code, 0) << listed.output;
  EXPECT_THAT(listed.output, HasSubstr(conflict_name));
  EXPECT_THAT(listed.output, HasSubstr("South Staffs Council"));
  EXPECT_THAT(listed.output, HasSubstr("South Staffordshire District Council"));
  absl::StatusOr<v1::SyncStatus> status = GetSyncStatus(*police_);
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->open_conflicts(), 1);

  // The police may not settle the council's record.
  const Invocation refused =
      Planctl({absl::StrCat("--server=", service_->address()),
               absl::StrCat("--organisation=", kPolice), "conflicts", "resolve",
               conflict_name, "--candidate=0"});
  EXPECT_EQ(refused.code, 3) << refused.output;
  EXPECT_THAT(refused.output, HasSubstr("other than itself"));

  // A person at the council resolves it with a new value, at their agent.
  const Invocation resolved = Planctl(
      {absl::StrCat("--server=", council_->address()),
       absl::StrCat("--organisation=", kCouncil), "conflicts", "resolve",
       conflict_name, "--value=South Staffordshire Council"});
  ASSERT_EQ(resolved.code, 0) << resolved.output;
  EXPECT_THAT(resolved.output, HasSubstr("RESOLVED"));
  ASSERT_TRUE(SyncNow(*council_).ok());
  ASSERT_TRUE(SyncNow(*police_).ok());
  ASSERT_NO_FATAL_FAILURE(ExpectEveryoneAgrees());
  for (const auto& channel : {service_->NewChannel(), police_->NewChannel(),
                              council_->NewChannel()}) {
    v1::GetOrganisationRequest get;
    get.set_name(kCouncil);
    v1::Organisation organisation;
    grpc::Status got =
        Plans(channel)->GetOrganisation(NewContext().get(), get, &organisation);
    ASSERT_TRUE(got.ok()) << got.error_message();
    EXPECT_EQ(organisation.display_name(), "South Staffordshire Council");
    v1::GetConflictRequest request;
    request.set_name(conflict_name);
    v1::Conflict conflict;
    got = Plans(channel)->GetConflict(NewContext().get(), request, &conflict);
    ASSERT_TRUE(got.ok()) << got.error_message();
    EXPECT_EQ(conflict.state(), v1::Conflict::RESOLVED);
    EXPECT_EQ(conflict.resolution().organisation(), kCouncil);
  }
  status = GetSyncStatus(*police_);
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->open_conflicts(), 0);
  EXPECT_EQ(status->rejected_size(), 0);
}

// Every kind of offline edit at once, on both agents while the service is
// down: different fields of one action (both kept), one field edited
// differently (one conflict), a create on each, and a delete on one agent
// against an edit on the other (the delete stands; the edit is a conflict).
TEST_F(SyncE2eTest, EveryKindOfOfflineEditConvergesWithOneConflictPerClash) {
  // The police lead too few actions of the seed for three roles: the
  // council, the plan's OWNER, adds two to one the police lead.
  std::vector<v1::Action> actions = ServiceActions();
  ASSERT_FALSE(actions.empty());
  for (const char* id : {"briefing-one", "briefing-two"}) {
    v1::CreateActionRequest request;
    request.set_parent(
        actions[0].name().substr(0, actions[0].name().find("/actions/")));
    request.set_action_id(id);
    request.mutable_action()->set_description(
        absl::StrCat("Brief the partnership (", id, ")"));
    v1::Action created;
    const grpc::Status status =
        Plans(service_->NewChannel())
            ->CreateAction(NewContext(kCouncil).get(), request, &created);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  ASSERT_TRUE(SyncNow(*police_).ok());
  ASSERT_TRUE(SyncNow(*council_).ok());
  actions = ServiceActions();
  ASSERT_GE(actions.size(), 3u);
  // split: different fields; clash: rag RED vs GREEN; doomed: delete vs edit.
  std::optional<v1::Action> split, clash, doomed;
  for (const v1::Action& action : actions) {
    if (!clash.has_value() && action.rag() != v1::RED &&
        action.rag() != v1::GREEN) {
      clash = action;
    } else if (!split.has_value() && action.rag() != v1::RED) {
      split = action;
    } else if (!doomed.has_value() && action.rag() != v1::BLUE) {
      doomed = action;
    }
  }
  ASSERT_TRUE(split.has_value() && clash.has_value() && doomed.has_value());
  const std::string activity =
      split->name().substr(0, split->name().find("/actions/"));
  absl::StatusOr<std::vector<v1::Conflict>> before =
      ListConflicts(service_->NewChannel(), "");
  ASSERT_TRUE(before.ok()) << before.status();
  ASSERT_TRUE(before->empty());

  ASSERT_EQ(*service_->Stop(), 0);

  const auto create = [&](const SyncAgentProcess& agent,
                          const std::string& organisation,
                          const std::string& id) -> absl::StatusOr<v1::Action> {
    v1::CreateActionRequest request;
    request.set_parent(activity);
    request.set_action_id(id);
    request.mutable_action()->set_description(
        absl::StrCat("Created offline by ", organisation));
    v1::Action created;
    const grpc::Status status =
        Plans(agent.NewChannel())
            ->CreateAction(NewContext(organisation).get(), request, &created);
    if (!status.ok()) return FromGrpc(status, "CreateAction");
    return created;
  };

  // Police, in edit-time order first: rag of split, rag of clash, delete of
  // doomed, a create.
  v1::Action edit = *split;
  edit.set_rag(v1::RED);
  ASSERT_TRUE(UpdateAction(police_->NewChannel(), kPolice, edit, {"rag"}).ok());
  edit = *clash;
  edit.set_rag(v1::RED);
  ASSERT_TRUE(UpdateAction(police_->NewChannel(), kPolice, edit, {"rag"}).ok());
  {
    v1::DeleteActionRequest request;
    request.set_name(doomed->name());
    v1::Action deleted;
    const grpc::Status status =
        Plans(police_->NewChannel())
            ->DeleteAction(NewContext(kPolice).get(), request, &deleted);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  absl::StatusOr<v1::Action> police_created =
      create(*police_, kPolice, "offline-police");
  ASSERT_TRUE(police_created.ok()) << police_created.status();
  // The council's edits are later than the last of the police's.
  ASSERT_NO_FATAL_FAILURE(WaitUntilAfter(police_created->update_time()));

  // Council: description of split, rag of clash, rag of doomed, a create.
  const std::string description =
      absl::StrCat(split->description(), " Checked offline by the council.");
  edit = *split;
  edit.set_description(description);
  ASSERT_TRUE(
      UpdateAction(council_->NewChannel(), kCouncil, edit, {"description"})
          .ok());
  edit = *clash;
  edit.set_rag(v1::GREEN);
  ASSERT_TRUE(
      UpdateAction(council_->NewChannel(), kCouncil, edit, {"rag"}).ok());
  edit = *doomed;
  edit.set_rag(v1::BLUE);
  ASSERT_TRUE(
      UpdateAction(council_->NewChannel(), kCouncil, edit, {"rag"}).ok());
  absl::StatusOr<v1::Action> council_created =
      create(*council_, kCouncil, "offline-council");
  ASSERT_TRUE(council_created.ok()) << council_created.status();

  ASSERT_NO_FATAL_FAILURE(StartService());
  absl::StatusOr<v1::SyncNowResponse> police_sync =
      SyncNowOnceReachable(*police_);
  ASSERT_TRUE(police_sync.ok())
      << police_sync.status() << ReadFileTail(police_->log_path());
  EXPECT_EQ(police_sync->pushed(), 4) << police_sync->ShortDebugString();
  EXPECT_EQ(police_sync->applied(), 4) << police_sync->ShortDebugString();
  EXPECT_EQ(police_sync->rejected(), 0) << police_sync->ShortDebugString();
  absl::StatusOr<v1::SyncNowResponse> council_sync =
      SyncNowOnceReachable(*council_);
  ASSERT_TRUE(council_sync.ok())
      << council_sync.status() << ReadFileTail(council_->log_path());
  EXPECT_EQ(council_sync->pushed(), 4) << council_sync->ShortDebugString();
  EXPECT_EQ(council_sync->conflicts(), 2) << council_sync->ShortDebugString();
  EXPECT_EQ(council_sync->rejected(), 0) << council_sync->ShortDebugString();
  // Sync again, both: nothing left to push.
  for (SyncAgentProcess* agent : {&*police_, &*council_}) {
    absl::StatusOr<v1::SyncNowResponse> again = SyncNow(*agent);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(again->pushed(), 0) << again->ShortDebugString();
  }
  ASSERT_NO_FATAL_FAILURE(ExpectEveryoneAgrees());

  // Exactly two conflicts on the service: one per genuinely concurrent edit.
  absl::StatusOr<std::vector<v1::Conflict>> all =
      ListConflicts(service_->NewChannel(), "");
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 2u);
  std::optional<v1::Conflict> rag_conflict, delete_conflict;
  for (const v1::Conflict& conflict : *all) {
    EXPECT_EQ(conflict.state(), v1::Conflict::OPEN)
        << conflict.ShortDebugString();
    if (conflict.target() == clash->name()) rag_conflict = conflict;
    if (conflict.target() == doomed->name()) delete_conflict = conflict;
  }
  ASSERT_TRUE(rag_conflict.has_value() && delete_conflict.has_value())
      << all->front().ShortDebugString() << "\n"
      << all->back().ShortDebugString();
  EXPECT_EQ(rag_conflict->field(), "rag");
  std::vector<std::pair<std::string, std::string>> candidates;
  int red_index = -1;
  for (int i = 0; i < rag_conflict->candidates_size(); ++i) {
    const auto& candidate = rag_conflict->candidates(i);
    candidates.emplace_back(candidate.display_value(),
                            candidate.organisation());
    if (candidate.display_value() == "RED") red_index = i;
  }
  EXPECT_THAT(candidates, UnorderedElementsAre(Pair("RED", kPolice),
                                               Pair("GREEN", kCouncil)));
  ASSERT_GE(red_index, 0);
  ASSERT_EQ(delete_conflict->candidates_size(), 2)
      << delete_conflict->ShortDebugString();
  EXPECT_TRUE(delete_conflict->candidates(0).deletes())
      << delete_conflict->ShortDebugString();
  EXPECT_EQ(delete_conflict->candidates(0).organisation(), kPolice);
  EXPECT_FALSE(delete_conflict->candidates(1).deletes());
  EXPECT_EQ(delete_conflict->candidates(1).organisation(), kCouncil);

  for (const auto& [label, channel] :
       {std::make_pair("service", service_->NewChannel()),
        std::make_pair("police", police_->NewChannel()),
        std::make_pair("council", council_->NewChannel())}) {
    // Different fields of one action: both kept.
    absl::StatusOr<v1::Action> merged = GetAction(channel, split->name());
    ASSERT_TRUE(merged.ok()) << label << ": " << merged.status();
    EXPECT_EQ(merged->rag(), v1::RED) << label;
    EXPECT_EQ(merged->description(), description) << label;
    // The delete stands.
    absl::StatusOr<v1::Action> deleted = GetAction(channel, doomed->name());
    ASSERT_TRUE(deleted.ok()) << label << ": " << deleted.status();
    EXPECT_TRUE(deleted->has_delete_time()) << label;
    // Both creates everywhere.
    for (const auto& created : {*police_created, *council_created}) {
      absl::StatusOr<v1::Action> there = GetAction(channel, created.name());
      ASSERT_TRUE(there.ok()) << label << ": " << there.status();
      EXPECT_EQ(there->description(), created.description()) << label;
    }
    absl::StatusOr<std::vector<v1::Conflict>> none_on_split = ListConflicts(
        channel, absl::StrCat("target = \"", split->name(), "\""));
    ASSERT_TRUE(none_on_split.ok()) << none_on_split.status();
    EXPECT_TRUE(none_on_split->empty()) << label;
  }

  // The rag conflict is resolved with the police candidate, through an agent.
  const Invocation resolved = Planctl(
      {absl::StrCat("--server=", council_->address()),
       absl::StrCat("--organisation=", kCouncil), "conflicts", "resolve",
       rag_conflict->name(), absl::StrCat("--candidate=", red_index)});
  ASSERT_EQ(resolved.code, 0) << resolved.output;
  EXPECT_THAT(resolved.output, HasSubstr("RESOLVED"));
  ASSERT_TRUE(SyncNow(*council_).ok());
  ASSERT_TRUE(SyncNow(*police_).ok());
  ASSERT_NO_FATAL_FAILURE(ExpectEveryoneAgrees());
  for (const auto& [label, channel] :
       {std::make_pair("service", service_->NewChannel()),
        std::make_pair("police", police_->NewChannel()),
        std::make_pair("council", council_->NewChannel())}) {
    v1::GetConflictRequest request;
    request.set_name(rag_conflict->name());
    v1::Conflict conflict;
    const grpc::Status status =
        Plans(channel)->GetConflict(NewContext().get(), request, &conflict);
    ASSERT_TRUE(status.ok()) << label << ": " << status.error_message();
    EXPECT_EQ(conflict.state(), v1::Conflict::RESOLVED) << label;
    EXPECT_EQ(conflict.resolution().display_value(), "RED") << label;
    EXPECT_EQ(conflict.resolution().organisation(), kCouncil) << label;
    EXPECT_EQ(GetAction(channel, clash->name())->rag(), v1::RED) << label;
    absl::StatusOr<std::vector<v1::Conflict>> open =
        ListConflicts(channel, "state = OPEN");
    ASSERT_TRUE(open.ok()) << open.status();
    ASSERT_EQ(open->size(), 1u) << label;
    EXPECT_EQ(open->front().name(), delete_conflict->name()) << label;
  }
}

TEST_F(SyncE2eTest, AcknowledgedLocalEditsSurviveKillNineAndReachTheService) {
  ASSERT_TRUE(SyncNow(*police_).ok());
  const std::vector<v1::Action> actions = ServiceActions();
  ASSERT_FALSE(actions.empty());
  const std::string activity = actions.front().name().substr(
      0, actions.front().name().find("/actions/"));

  // One writer makes local edits one after another (a create, and for every
  // third an update of it) until the agent dies under it.
  std::mutex mu;
  std::vector<std::string> created;  // acknowledged creates
  std::set<std::string> updated;     // acknowledged updates (rag AMBER)
  std::thread writer([&] {
    auto stub = Plans(police_->NewChannel());
    for (int i = 0;; ++i) {
      v1::CreateActionRequest create;
      create.set_parent(activity);
      create.set_action_id(absl::StrCat("crash-", i));
      create.mutable_action()->set_description(
          absl::StrCat("Acknowledged local edit ", i));
      v1::Action action;
      auto context = NewContext(kPolice);
      context->set_deadline(std::chrono::system_clock::now() +
                            std::chrono::seconds(5));
      if (!stub->CreateAction(context.get(), create, &action).ok()) return;
      {
        std::lock_guard<std::mutex> lock(mu);
        created.push_back(action.name());
      }
      if (i % 3 != 0) continue;
      v1::UpdateActionRequest update;
      update.mutable_action()->set_name(action.name());
      update.mutable_action()->set_rag(v1::AMBER);
      update.mutable_update_mask()->add_paths("rag");
      auto update_context = NewContext(kPolice);
      update_context->set_deadline(std::chrono::system_clock::now() +
                                   std::chrono::seconds(5));
      if (!stub->UpdateAction(update_context.get(), update, &action).ok()) {
        return;
      }
      std::lock_guard<std::mutex> lock(mu);
      updated.insert(action.name());
    }
  });
  // Killed mid-stream, once some edits are acknowledged (or after 20 s).
  (void)WaitFor(
      [&] {
        std::lock_guard<std::mutex> lock(mu);
        return created.size() >= 30;
      },
      absl::Seconds(20), absl::Milliseconds(5));
  ASSERT_TRUE(police_->KillHard().ok());
  writer.join();
  ASSERT_FALSE(created.empty()) << ReadFileTail(police_->log_path());

  ASSERT_NO_FATAL_FAILURE(StartAgent(kPolice, &police_));
  const auto expect_all_there =
      [&](const std::shared_ptr<grpc::Channel>& channel,
          absl::string_view where) {
        for (size_t i = 0; i < created.size(); ++i) {
          absl::StatusOr<v1::Action> action = GetAction(channel, created[i]);
          ASSERT_TRUE(action.ok()) << where << ": " << action.status();
          EXPECT_EQ(action->description(),
                    absl::StrCat("Acknowledged local edit ", i))
              << where;
          if (updated.count(created[i]) > 0) {
            EXPECT_EQ(action->rag(), v1::AMBER) << where << ": " << created[i];
          }
        }
      };
  expect_all_there(police_->NewChannel(), "police agent after kill -9");
  absl::StatusOr<v1::SyncStatus> status = GetSyncStatus(*police_);
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_GE(status->pending_changes(),
            static_cast<int64_t>(created.size() + updated.size()));

  absl::StatusOr<v1::SyncNowResponse> moved = SyncNow(*police_);
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_GE(moved->pushed(), static_cast<int>(created.size() + updated.size()));
  EXPECT_EQ(moved->rejected(), 0) << moved->ShortDebugString();
  expect_all_there(service_->NewChannel(), "service after the sync");
  ASSERT_TRUE(SyncNow(*council_).ok());
  ExpectEveryoneAgrees();
  std::cerr << created.size() << " creates and " << updated.size()
            << " updates acknowledged before kill -9\n";
}

TEST_F(SyncE2eTest, OnceExitsZeroWhenTheServiceIsUpAndOneWhenItIsDown) {
  const std::vector<std::string> args = {
      "--once", absl::StrCat("--server=", service_address_),
      absl::StrCat("--organisation=", kCouncil),
      absl::StrCat("--plans=", kPlan),
      absl::StrCat("--data_dir=", dir_->Subpath("once"))};
  const Invocation up =
      RunToCompletion(SYNC_AGENT_BINARY, args, dir_->Subpath("once-up.log"));
  EXPECT_EQ(up.code, 0) << up.output;
  EXPECT_THAT(up.output, ContainsRegex("pulled=[1-9][0-9]* snapshot=true"));

  ASSERT_TRUE(service_->Stop().ok());
  const Invocation down =
      RunToCompletion(SYNC_AGENT_BINARY, args, dir_->Subpath("once-down.log"));
  EXPECT_EQ(down.code, 1) << down.output;
  EXPECT_THAT(down.output, HasSubstr("UNAVAILABLE"));

  const Invocation bad = RunToCompletion(
      SYNC_AGENT_BINARY, {"--once", "--server=127.0.0.1:1", "--plans=plans/x"},
      dir_->Subpath("once-bad.log"));
  EXPECT_EQ(bad.code, 2) << bad.output;
  EXPECT_THAT(bad.output, HasSubstr("--organisation is required"));
}

TEST_F(SyncE2eTest, PlanctlSyncAndSyncStatusShowPendingChangesAndTheCursor) {
  const std::string agent = absl::StrCat("--server=", police_->address());
  Invocation run = Planctl({agent, "sync"});
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_THAT(run.output, ContainsRegex("snapshot +yes"));
  const std::vector<v1::Action> actions = ServiceActions();
  ASSERT_FALSE(actions.empty());
  run = Planctl({agent, absl::StrCat("--organisation=", kPolice), "set",
                 actions.front().name(), "rag=blue"});
  ASSERT_EQ(run.code, 0) << run.output;

  absl::StatusOr<v1::SyncStatus> status = GetSyncStatus(*police_);
  ASSERT_TRUE(status.ok()) << status.status();
  ASSERT_GT(status->cursor(), 0u);
  run = Planctl({agent, "sync-status"});
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_THAT(run.output, ContainsRegex("pending changes +1\n"));
  EXPECT_THAT(run.output,
              ContainsRegex(absl::StrCat("cursor +", status->cursor(), " ")));
  EXPECT_THAT(run.output,
              ContainsRegex(absl::StrCat("organisation +", kPolice)));
  EXPECT_THAT(run.output, ContainsRegex("schedule +manual"));
  run = Planctl({agent, "--json", "sync-status"});
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("\"pending_changes\": \"1\""));

  run = Planctl({agent, "sync"});
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_THAT(run.output, ContainsRegex("pushed +1 \\(applied 1"));
  run = Planctl({agent, "sync-status"});
  EXPECT_THAT(run.output, ContainsRegex("pending changes +0\n"));

  // The plan service is not an agent.
  run = Planctl({absl::StrCat("--server=", service_address_), "sync"});
  EXPECT_EQ(run.code, 3) << run.output;
  EXPECT_THAT(run.output, HasSubstr("serves no AgentService"));
}

TEST_F(SyncE2eTest, ScheduledAndContinuousAgentsSyncWithoutBeingAsked) {
  std::optional<SyncAgentProcess> every;
  ASSERT_NO_FATAL_FAILURE(
      StartAgent(kPolice, &every, "every:1s", {}, "police-every"));
  std::optional<SyncAgentProcess> continuous;
  ASSERT_NO_FATAL_FAILURE(StartAgent(kCouncil, &continuous, "continuous",
                                     {"--follow_window=2s"},
                                     "council-continuous"));
  const std::vector<v1::Action> actions = ServiceActions();
  ASSERT_GE(actions.size(), 2u);
  const v1::Action& first = actions[0];
  const v1::Action& second = actions[1];

  // An edit on the service reaches both without a SyncNow.
  v1::Action blue = first;
  blue.set_rag(v1::BLUE);
  ASSERT_TRUE(
      UpdateAction(service_->NewChannel(), kCouncil, blue, {"rag"}).ok());
  for (SyncAgentProcess* agent : {&*every, &*continuous}) {
    EXPECT_TRUE(Eventually([&] {
      absl::StatusOr<v1::Action> action =
          GetAction(agent->NewChannel(), first.name());
      return action.ok() && action->rag() == v1::BLUE;
    })) << ReadFileTail(agent->log_path());
  }

  // A local edit on the continuous agent reaches the service.
  v1::Action amber = second;
  amber.set_rag(v1::AMBER);
  absl::StatusOr<v1::Action> updated =
      UpdateAction(continuous->NewChannel(), kCouncil, amber, {"rag"});
  ASSERT_TRUE(updated.ok()) << updated.status() << "\n"
                            << ReadFileTail(continuous->log_path());
  EXPECT_TRUE(Eventually([&] {
    absl::StatusOr<v1::Action> action =
        GetAction(service_->NewChannel(), second.name());
    return action.ok() && action->rag() == v1::AMBER;
  })) << ReadFileTail(continuous->log_path());

  absl::StatusOr<v1::SyncStatus> status = GetSyncStatus(*every);
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->schedule(), "every:1s");
  EXPECT_TRUE(status->has_next_sync());
  EXPECT_TRUE(status->has_last_success());

  // Both stop cleanly, a following pull in progress included.
  for (SyncAgentProcess* agent : {&*every, &*continuous}) {
    absl::StatusOr<int> stopped = agent->Stop();
    ASSERT_TRUE(stopped.ok()) << stopped.status();
    EXPECT_EQ(*stopped, 0) << ReadFileTail(agent->log_path());
  }
}

// A continuous agent holds a following pull open for its whole window; a
// SyncNow, and a stop, end it rather than wait (the window here is far longer
// than the calls' deadlines, so waiting would fail them).
TEST_F(SyncE2eTest, SyncNowAndStopDoNotWaitForAFollowingPull) {
  std::optional<SyncAgentProcess> continuous;
  ASSERT_NO_FATAL_FAILURE(StartAgent(kCouncil, &continuous, "continuous",
                                     {"--follow_window=300s"},
                                     "council-long-follow"));
  ASSERT_TRUE(Eventually([&] {
    absl::StatusOr<v1::SyncStatus> status = GetSyncStatus(*continuous);
    return status.ok() && status->has_last_success();
  })) << ReadFileTail(continuous->log_path());
  const std::vector<v1::Action> actions = ServiceActions();
  ASSERT_FALSE(actions.empty());
  // An edit on the service reaches the agent, with no SyncNow, only through
  // a following pull: once it is there, the agent is in one (that ends only
  // after the 300 s window).
  const auto expect_following = [&](v1::Rag rag) {
    v1::Action edit = actions[0];
    edit.set_rag(rag);
    ASSERT_TRUE(
        UpdateAction(service_->NewChannel(), kCouncil, edit, {"rag"}).ok());
    ASSERT_TRUE(Eventually([&] {
      absl::StatusOr<v1::Action> action =
          GetAction(continuous->NewChannel(), edit.name());
      return action.ok() && action->rag() == rag;
    })) << ReadFileTail(continuous->log_path());
  };
  ASSERT_NO_FATAL_FAILURE(
      expect_following(actions[0].rag() == v1::BLUE ? v1::RED : v1::BLUE));
  absl::StatusOr<v1::SyncNowResponse> moved = SyncNow(*continuous);
  ASSERT_TRUE(moved.ok()) << moved.status() << "\n"
                          << ReadFileTail(continuous->log_path());
  ASSERT_NO_FATAL_FAILURE(expect_following(v1::GREEN));
  absl::StatusOr<int> stopped = continuous->Stop(absl::Seconds(30));
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_EQ(*stopped, 0) << ReadFileTail(continuous->log_path());
}

}  // namespace
}  // namespace prevent::plan

namespace prevent::plan {
namespace {

// The service's store going back in time (promise 7, docs/architecture.md).
class StoreGoesBackTest : public SyncE2eTest {
 protected:
  // Edits action `index` of the plan to `rag` through the police's agent and
  // syncs; the service accepts it.
  void EditAndSync(int index, v1::Rag rag) {
    std::vector<v1::Action> actions = ServiceActions();
    ASSERT_GT(actions.size(), static_cast<size_t>(index));
    v1::Action action = actions[index];
    action.set_rag(rag);
    absl::StatusOr<v1::Action> edited =
        UpdateAction(police_->NewChannel(), kPolice, action, {"rag"});
    ASSERT_TRUE(edited.ok()) << edited.status();
    absl::StatusOr<v1::SyncNowResponse> moved = SyncNowOnceReachable(*police_);
    ASSERT_TRUE(moved.ok()) << moved.status();
    ASSERT_EQ(moved->applied(), 1) << moved->ShortDebugString();
    names_.push_back(action.name());
  }

  v1::Rag RagOnService(int index) {
    for (const v1::Action& action : ServiceActions()) {
      if (action.name() == names_[index]) return action.rag();
    }
    return v1::RAG_UNSPECIFIED;
  }

  // After the service went back: the police's next sync notices, takes a
  // snapshot, and pushes its accepted edits again; the council's too; then
  // everyone agrees and nothing the police did is lost.
  void ExpectRecovered(int repushed_at_least) {
    absl::StatusOr<v1::SyncNowResponse> moved = SyncNowOnceReachable(*police_);
    ASSERT_TRUE(moved.ok())
        << moved.status() << ReadFileTail(police_->log_path());
    EXPECT_TRUE(moved->snapshot()) << moved->ShortDebugString();
    absl::StatusOr<v1::SyncStatus> status = GetSyncStatus(*police_);
    ASSERT_TRUE(status.ok()) << status.status();
    EXPECT_GE(status->last_store_recovery().repushed(), repushed_at_least)
        << status->ShortDebugString();
    EXPECT_EQ(status->pending_changes(), 0);
    EXPECT_THAT(ReadFileTail(police_->log_path(), 64 << 10),
                HasSubstr("store went back in time"));
    ASSERT_TRUE(SyncNowOnceReachable(*council_).ok());
    ExpectEveryoneAgrees();
  }

  std::vector<std::string> names_;
};

// A copy of the service's directory, put back: sequence numbers are reused,
// and before, the agent pulled nothing, reported lag 0, and kept a value the
// service no longer had, for good.
TEST_F(StoreGoesBackTest, ACopyPutBackIsNoticedAndNothingIsLost) {
  namespace fs = std::filesystem;
  ASSERT_TRUE(SyncNow(*police_).ok());
  ASSERT_TRUE(SyncNow(*council_).ok());
  ASSERT_NO_FATAL_FAILURE(EditAndSync(0, v1::RED));
  // A cold copy of the service's data.
  ASSERT_TRUE(service_->Stop().ok());
  fs::copy(dir_->Subpath("service"), dir_->Subpath("copy"),
           fs::copy_options::recursive);
  ASSERT_NO_FATAL_FAILURE(StartService());
  // The police edit past the copy.
  ASSERT_NO_FATAL_FAILURE(EditAndSync(1, v1::AMBER));
  // The copy is put back.
  ASSERT_TRUE(service_->Stop().ok());
  fs::remove_all(dir_->Subpath("service"));
  fs::rename(dir_->Subpath("copy"), dir_->Subpath("service"));
  ASSERT_NO_FATAL_FAILURE(StartService());
  EXPECT_NE(RagOnService(1), v1::AMBER);  // the service lost the edit

  ASSERT_NO_FATAL_FAILURE(ExpectRecovered(2));
  EXPECT_EQ(RagOnService(0), v1::RED);
  EXPECT_EQ(RagOnService(1), v1::AMBER);
}

// plan-service --restore_from gives the store a new epoch: the agents notice
// even when the backup holds everything they pulled.
TEST_F(StoreGoesBackTest, ARestoredBackupIsNoticedAndNothingIsLost) {
  ASSERT_TRUE(SyncNow(*police_).ok());
  ASSERT_TRUE(SyncNow(*council_).ok());
  ASSERT_NO_FATAL_FAILURE(StartService(
      "service", {absl::StrCat("--backup_root=", dir_->Subpath("backups"))}));
  ASSERT_NO_FATAL_FAILURE(EditAndSync(0, v1::RED));
  const Invocation backup =
      Planctl({absl::StrCat("--server=", service_->address()), "admin",
               "backup", "--to=nightly"});
  ASSERT_EQ(backup.code, 0) << backup.output;
  EXPECT_THAT(backup.output, HasSubstr("Backup 1 in "));
  ASSERT_NO_FATAL_FAILURE(EditAndSync(1, v1::AMBER));

  ASSERT_TRUE(service_->Stop().ok());
  ASSERT_NO_FATAL_FAILURE(StartService(
      "restored",
      {absl::StrCat("--restore_from=", dir_->Subpath("backups/nightly"))}));
  EXPECT_EQ(RagOnService(0), v1::RED);
  EXPECT_NE(RagOnService(1), v1::AMBER);  // after the backup

  ASSERT_NO_FATAL_FAILURE(ExpectRecovered(2));
  EXPECT_EQ(RagOnService(0), v1::RED);
  EXPECT_EQ(RagOnService(1), v1::AMBER);
}

}  // namespace
}  // namespace prevent::plan
