// Crash tests of replication with the real binaries: kill -9 of an agent
// while it pulls many service changes, of an agent while it pushes many local
// edits, and of the plan service while an agent pushes to it. After a restart
// and a sync, every replica equals the service, no change is lost and none is
// applied twice.
#ifndef PLAN_SERVICE_BINARY
#error "PLAN_SERVICE_BINARY must name the plan-service binary"
#endif
#ifndef SYNC_AGENT_BINARY
#error "SYNC_AGENT_BINARY must name the sync-agent binary"
#endif
#ifndef PLANCTL_BINARY
#error "PLANCTL_BINARY must name the planctl binary"
#endif

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
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
#include "tests/support/unsynced.h"
#include "tests/support/wait_for.h"

namespace prevent::plan {
namespace {

using ::prevent::plan::test_support::ChildProcess;
using ::prevent::plan::test_support::Differences;
using ::prevent::plan::test_support::DropUnsyncedBytes;
using ::prevent::plan::test_support::FromGrpc;
using ::prevent::plan::test_support::NewContext;
using ::prevent::plan::test_support::PlanServiceProcess;
using ::prevent::plan::test_support::PlanState;
using ::prevent::plan::test_support::ReadFileTail;
using ::prevent::plan::test_support::ReadPlan;
using ::prevent::plan::test_support::RetryWhileUnreachable;
using ::prevent::plan::test_support::SyncAgentProcess;
using ::prevent::plan::test_support::TempDir;

constexpr char kPlan[] = "plans/south-staffordshire";
constexpr char kPolice[] = "organisations/staffordshire-police";
constexpr char kCouncil[] = "organisations/south-staffordshire-council";
constexpr char kSeed[] = "/deploy/demo/seed.textproto";

// A plan service that has just restarted is reached within this (an agent's
// channel retries its connection at most 10 s apart).
constexpr absl::Duration kReconnect = absl::Seconds(40);

struct Invocation {
  int code = -1;
  std::string output;
};

class SyncCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TempDir> dir = TempDir::Create("sync-crash-test");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_.emplace(*std::move(dir));
    ASSERT_NO_FATAL_FAILURE(StartService());
    ASSERT_NO_FATAL_FAILURE(StartAgent());
    absl::StatusOr<v1::SyncNowResponse> first = SyncNow(*agent_);
    ASSERT_TRUE(first.ok()) << first.status() << Logs();
    const std::vector<v1::Action> actions =
        ListActionsOf(service_->NewChannel());
    ASSERT_FALSE(actions.empty());
    activity_ = actions.front().name().substr(
        0, actions.front().name().find("/actions/"));
  }

  void TearDown() override {
    if (HasFailure()) {
      dir_->Keep();
      std::cerr << "logs kept in " << dir_->path() << "\n" << Logs();
    }
  }

  std::string Logs() const {
    std::string out;
    for (const char* name : {"service.log", "agent.log", "once.log"}) {
      absl::StrAppend(&out, "\n--- tail of ", name, " ---\n",
                      ReadFileTail(dir_->Subpath(name)));
    }
    return out;
  }

  // Each store logs its syncs (PLAN_STORE_SYNC_LOG), so that a kill -9 can
  // lose what a power cut would (LoseUnsyncedBytes).
  std::string SyncLog(const std::string& data) const {
    return dir_->Subpath(absl::StrCat(data, ".sync.log"));
  }
  void LoseUnsyncedBytes(const std::string& data) {
    const absl::Status dropped =
        DropUnsyncedBytes(dir_->Subpath(data), SyncLog(data));
    ASSERT_TRUE(dropped.ok()) << dropped;
  }

  void StartService() {
    setenv("PLAN_STORE_SYNC_LOG", SyncLog("service").c_str(), 1);
    PlanServiceProcess::Options options;
    options.binary = PLAN_SERVICE_BINARY;
    options.data_dir = dir_->Subpath("service");
    options.log_path = dir_->Subpath("service.log");
    // Durability, not roles, is tested here: both partners may edit every
    // action (roles: tests/rpc/role_matrix_test.cc).
    options.extra_args = {
        absl::StrCat("--seed=", PLAN_SOURCE_DIR, kSeed),
        absl::StrCat("--admin_organisations=", kPolice, ",", kCouncil)};
    if (!service_address_.empty()) {
      options.extra_args.push_back(absl::StrCat("--listen=", service_address_));
    }
    service_.reset();
    absl::StatusOr<PlanServiceProcess> service =
        PlanServiceProcess::Start(options);
    ASSERT_TRUE(service.ok()) << service.status();
    service_.emplace(*std::move(service));
    if (service_address_.empty()) service_address_ = service_->address();
    ASSERT_EQ(service_->address(), service_address_);
  }

  void StartAgent() {
    agent_.reset();
    setenv("PLAN_STORE_SYNC_LOG", SyncLog("agent").c_str(), 1);
    SyncAgentProcess::Options options;
    options.binary = SYNC_AGENT_BINARY;
    options.data_dir = dir_->Subpath("agent");
    options.log_path = dir_->Subpath("agent.log");
    options.server = service_address_;
    options.organisation = kPolice;
    options.plans = {kPlan};
    absl::StatusOr<SyncAgentProcess> started = SyncAgentProcess::Start(options);
    ASSERT_TRUE(started.ok()) << started.status();
    agent_.emplace(*std::move(started));
  }

  void StopAgent() {
    absl::StatusOr<int> stopped = agent_->Stop();
    ASSERT_TRUE(stopped.ok()) << stopped.status();
    ASSERT_EQ(*stopped, 0) << Logs();
    agent_.reset();
  }

  // Runs `sync-agent --once` on the agent's data and SIGKILLs it after
  // `delay` unless it has ended by then. Returns its exit code (-9 when
  // killed).
  int OnceKilledAfter(absl::Duration delay) {
    const std::vector<std::string> args = {
        "--once", absl::StrCat("--server=", service_address_),
        absl::StrCat("--organisation=", kPolice),
        absl::StrCat("--plans=", kPlan),
        absl::StrCat("--data_dir=", dir_->Subpath("agent"))};
    setenv("PLAN_STORE_SYNC_LOG", SyncLog("agent").c_str(), 1);
    absl::StatusOr<ChildProcess> child =
        ChildProcess::Start(SYNC_AGENT_BINARY, args, dir_->Subpath("once.log"));
    EXPECT_TRUE(child.ok()) << child.status();
    if (!child.ok()) return -100;
    absl::StatusOr<int> ended = child->Wait(delay);
    if (ended.ok()) return *ended;
    EXPECT_TRUE(child->Kill(SIGKILL).ok());
    absl::StatusOr<int> code = child->Wait(absl::Seconds(10));
    EXPECT_TRUE(code.ok()) << code.status();
    LoseUnsyncedBytes("agent");
    return code.ok() ? *code : -100;
  }

  absl::StatusOr<v1::SyncNowResponse> SyncNow(const SyncAgentProcess& agent) {
    auto stub = v1::AgentService::NewStub(agent.NewChannel());
    v1::SyncNowResponse moved;
    auto context = NewContext();
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(120));
    const grpc::Status status =
        stub->SyncNow(context.get(), v1::SyncNowRequest(), &moved);
    if (!status.ok()) return FromGrpc(status, "SyncNow");
    return moved;
  }

  absl::StatusOr<v1::SyncNowResponse> SyncNowOnceReachable(
      const SyncAgentProcess& agent) {
    return RetryWhileUnreachable([&] { return SyncNow(agent); }, kReconnect);
  }

  absl::StatusOr<int64_t> Pending() {
    auto stub = v1::AgentService::NewStub(agent_->NewChannel());
    v1::SyncStatus status;
    const grpc::Status called = stub->GetSyncStatus(
        NewContext().get(), v1::GetSyncStatusRequest(), &status);
    if (!called.ok()) return FromGrpc(called, "GetSyncStatus");
    return status.pending_changes();
  }

  static std::vector<v1::Action> ListActionsOf(
      const std::shared_ptr<grpc::Channel>& channel) {
    auto stub = v1::PlanService::NewStub(channel);
    v1::ListActionsRequest request;
    request.set_parent(absl::StrCat(kPlan, "/activities/-"));
    request.set_page_size(1000);
    request.set_show_deleted(true);
    std::vector<v1::Action> actions;
    do {
      v1::ListActionsResponse response;
      const grpc::Status status =
          stub->ListActions(NewContext().get(), request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      actions.insert(actions.end(), response.actions().begin(),
                     response.actions().end());
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    return actions;
  }

  // Creates `count` actions under activity_ through `channel`, with
  // descriptions "<prefix> <i>", from `threads` writers. Returns how many
  // were acknowledged.
  int CreateMany(const std::shared_ptr<grpc::Channel>& channel,
                 const std::string& organisation, const std::string& prefix,
                 int count, int threads) {
    std::atomic<int> next{0};
    std::atomic<int> ok{0};
    std::vector<std::thread> writers;
    for (int t = 0; t < threads; ++t) {
      writers.emplace_back([&] {
        auto stub = v1::PlanService::NewStub(channel);
        for (int i = next++; i < count; i = next++) {
          v1::CreateActionRequest request;
          request.set_parent(activity_);
          request.mutable_action()->set_description(
              absl::StrCat(prefix, " ", i));
          v1::Action created;
          const grpc::Status status = stub->CreateAction(
              NewContext(organisation).get(), request, &created);
          if (status.ok()) {
            ++ok;
          } else {
            ADD_FAILURE() << "CreateAction " << i << ": "
                          << status.error_message();
          }
        }
      });
    }
    for (std::thread& writer : writers) writer.join();
    return ok;
  }

  // Every description starting with `prefix ` occurs exactly once among the
  // live actions `channel` serves, for i in [0, count).
  void ExpectEachOnce(const std::shared_ptr<grpc::Channel>& channel,
                      absl::string_view where, const std::string& prefix,
                      int count) {
    std::map<std::string, int> seen;
    for (const v1::Action& action : ListActionsOf(channel)) {
      if (absl::StartsWith(action.description(), absl::StrCat(prefix, " ")) &&
          !action.has_delete_time()) {
        ++seen[action.description()];
      }
    }
    std::vector<std::string> problems;
    for (int i = 0; i < count; ++i) {
      const std::string description = absl::StrCat(prefix, " ", i);
      const int n = seen[description];
      if (n != 1) problems.push_back(absl::StrCat(description, " x", n));
    }
    EXPECT_EQ(seen.size(), static_cast<size_t>(count)) << where;
    EXPECT_TRUE(problems.empty())
        << where << ": " << problems.size()
        << " descriptions not exactly once: "
        << absl::StrJoin(
               problems.begin(),
               problems.begin() + std::min<size_t>(problems.size(), 20), ", ");
  }

  // ExpectEachOnce for each (prefix, count) of `written`, from one listing.
  void ExpectAllOnce(const std::shared_ptr<grpc::Channel>& channel,
                     absl::string_view where,
                     const std::vector<std::pair<std::string, int>>& written) {
    std::map<std::string, int> seen;
    for (const v1::Action& action : ListActionsOf(channel)) {
      if (!action.has_delete_time()) ++seen[action.description()];
    }
    std::vector<std::string> problems;
    for (const auto& [prefix, count] : written) {
      for (int i = 0; i < count; ++i) {
        const std::string description = absl::StrCat(prefix, " ", i);
        auto it = seen.find(description);
        const int n = it == seen.end() ? 0 : it->second;
        if (n != 1) problems.push_back(absl::StrCat(description, " x", n));
      }
    }
    EXPECT_TRUE(problems.empty())
        << where << ": " << problems.size()
        << " descriptions not exactly once: "
        << absl::StrJoin(
               problems.begin(),
               problems.begin() + std::min<size_t>(problems.size(), 20), ", ");
  }

  void ExpectAgentEqualsService() {
    absl::StatusOr<PlanState> service =
        ReadPlan(*v1::PlanService::NewStub(service_->NewChannel()), kPlan);
    ASSERT_TRUE(service.ok()) << service.status();
    absl::StatusOr<PlanState> replica =
        ReadPlan(*v1::PlanService::NewStub(agent_->NewChannel()), kPlan);
    ASSERT_TRUE(replica.ok()) << replica.status();
    EXPECT_EQ(Differences("service", *service, "agent", *replica), "")
        << "the agent differs from the service";
  }

  std::optional<TempDir> dir_;
  std::optional<PlanServiceProcess> service_;
  std::string service_address_;
  std::optional<SyncAgentProcess> agent_;
  std::string activity_;
};

// The agent is killed while pulling 2,000 service changes, at several points
// (one --once after another, each killed later than the last, until one
// finishes by itself); then it syncs and equals the service.
TEST_F(SyncCrashTest, AgentKilledDuringAPullCatchesUpWithNothingLostOrDoubled) {
  constexpr int kCount = 2000;
  ASSERT_EQ(
      CreateMany(service_->NewChannel(), kCouncil, "Service change", kCount, 8),
      kCount);
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  std::vector<int> codes;
  for (int delay_ms : {40, 80, 120, 200, 300, 500, 800}) {
    const int code = OnceKilledAfter(absl::Milliseconds(delay_ms));
    codes.push_back(code);
    if (code == 0) break;
    ASSERT_EQ(code, -SIGKILL) << Logs();
  }
  std::cerr << "--once exit codes: " << absl::StrJoin(codes, " ") << "\n";

  ASSERT_NO_FATAL_FAILURE(StartAgent());
  absl::StatusOr<v1::SyncNowResponse> moved = SyncNow(*agent_);
  ASSERT_TRUE(moved.ok()) << moved.status() << Logs();
  EXPECT_EQ(moved->pushed(), 0) << moved->ShortDebugString();
  ExpectEachOnce(agent_->NewChannel(), "agent", "Service change", kCount);
  ExpectEachOnce(service_->NewChannel(), "service", "Service change", kCount);
  ExpectAgentEqualsService();
  // And a further sync moves nothing.
  moved = SyncNow(*agent_);
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->pulled(), 0) << moved->ShortDebugString();
}

// The agent is killed while pushing 500 local edits (creates, and an edit of
// the description of existing actions), at several points; then it syncs:
// each edit is on the service exactly once.
TEST_F(SyncCrashTest, AgentKilledDuringAPushDeliversEachEditExactlyOnce) {
  constexpr int kCount = 500;
  // Description edits of the seed actions: words appended, which the service
  // merges; one applied twice would show doubled words.
  std::map<std::string, std::string> edited;
  {
    std::vector<v1::Action> seed = ListActionsOf(agent_->NewChannel());
    seed.resize(std::min<size_t>(seed.size(), 10));
    auto stub = v1::PlanService::NewStub(agent_->NewChannel());
    for (const v1::Action& action : seed) {
      v1::UpdateActionRequest request;
      request.mutable_action()->set_name(action.name());
      request.mutable_action()->set_description(
          absl::StrCat(action.description(), " Pushed once only."));
      request.mutable_update_mask()->add_paths("description");
      v1::Action updated;
      const grpc::Status status =
          stub->UpdateAction(NewContext(kPolice).get(), request, &updated);
      ASSERT_TRUE(status.ok()) << status.error_message();
      edited[action.name()] = updated.description();
    }
  }
  ASSERT_EQ(CreateMany(agent_->NewChannel(), kPolice, "Local edit", kCount, 4),
            kCount);
  absl::StatusOr<int64_t> pending = Pending();
  ASSERT_TRUE(pending.ok()) << pending.status();
  ASSERT_EQ(*pending, kCount + static_cast<int64_t>(edited.size()));
  ASSERT_NO_FATAL_FAILURE(StopAgent());

  std::vector<int> codes;
  for (int delay_ms : {30, 60, 100, 150, 250, 400, 700}) {
    const int code = OnceKilledAfter(absl::Milliseconds(delay_ms));
    codes.push_back(code);
    if (code == 0) break;
    ASSERT_EQ(code, -SIGKILL) << Logs();
  }
  std::cerr << "--once exit codes: " << absl::StrJoin(codes, " ") << "\n";

  ASSERT_NO_FATAL_FAILURE(StartAgent());
  absl::StatusOr<v1::SyncNowResponse> moved = SyncNow(*agent_);
  ASSERT_TRUE(moved.ok()) << moved.status() << Logs();
  EXPECT_EQ(moved->rejected(), 0) << moved->ShortDebugString();
  EXPECT_EQ(moved->conflicts(), 0) << moved->ShortDebugString();
  pending = Pending();
  ASSERT_TRUE(pending.ok()) << pending.status();
  EXPECT_EQ(*pending, 0);
  ExpectEachOnce(service_->NewChannel(), "service", "Local edit", kCount);
  ExpectEachOnce(agent_->NewChannel(), "agent", "Local edit", kCount);
  for (const auto& channel : {service_->NewChannel(), agent_->NewChannel()}) {
    for (const v1::Action& action : ListActionsOf(channel)) {
      auto it = edited.find(action.name());
      if (it != edited.end()) {
        EXPECT_EQ(action.description(), it->second) << action.name();
      }
    }
  }
  ExpectAgentEqualsService();
}

// The plan service is killed while the agent pushes 500 local edits to it;
// restarted on the same data and port, the agent syncs again: every edit is
// there exactly once (retried changes answered DUPLICATE).
TEST_F(SyncCrashTest, ServiceKilledDuringAPushKeepsEachEditExactlyOnce) {
  constexpr int kCount = 500;
  // Three rounds, the service killed earlier or later into the push.
  const std::vector<int> delays_ms = {10, 25, 50};
  for (size_t round = 0; round < delays_ms.size(); ++round) {
    const std::string prefix = absl::StrCat("Local edit round ", round);
    ASSERT_EQ(CreateMany(agent_->NewChannel(), kPolice, prefix, kCount, 4),
              kCount);
    std::optional<absl::StatusOr<v1::SyncNowResponse>> during;
    std::thread sync([&] { during = SyncNow(*agent_); });
    // The delay is the moment of the crash, which the rounds vary; no state
    // is awaited, and whichever phase the kill hits, every edit must be
    // there once.
    absl::SleepFor(absl::Milliseconds(delays_ms[round]));
    ASSERT_TRUE(service_->KillHard().ok());
    sync.join();
    ASSERT_NO_FATAL_FAILURE(LoseUnsyncedBytes("service"));
    ASSERT_TRUE(during.has_value());
    std::cerr << "round " << round << ", SyncNow during the kill: "
              << (during->ok() ? (*during)->ShortDebugString()
                               : during->status().ToString())
              << "\n";
    ASSERT_NO_FATAL_FAILURE(StartService());
    absl::StatusOr<v1::SyncNowResponse> moved = SyncNowOnceReachable(*agent_);
    ASSERT_TRUE(moved.ok()) << moved.status() << Logs();
    std::cerr << "round " << round
              << ", SyncNow after the restart: " << moved->ShortDebugString()
              << "\n";
    EXPECT_EQ(moved->rejected(), 0) << moved->ShortDebugString();
    EXPECT_EQ(moved->conflicts(), 0) << moved->ShortDebugString();
    absl::StatusOr<int64_t> pending = Pending();
    ASSERT_TRUE(pending.ok()) << pending.status();
    EXPECT_EQ(*pending, 0);
    ExpectEachOnce(service_->NewChannel(), "service", prefix, kCount);
    ExpectEachOnce(agent_->NewChannel(), "agent", prefix, kCount);
    ExpectAgentEqualsService();
  }
}

// The crash loop: rounds of mixed load (local edits at the agent, edits at
// the service, pushes and pulls), each with a kill -9 of the service or the
// agent at a random moment that must land in the middle of a sync: a push
// or a pull part-way, an outbox or a cursor mid-run. The kill loses what a
// power cut would (LoseUnsyncedBytes). After each round every acknowledged
// write is present exactly once, at the service and the agent, and the
// agent equals the service. CRASH_LOOP_ROUNDS sets the rounds (4 here; the
// README gives a run of 100).
TEST_F(SyncCrashTest, CrashLoopLosesNothingAndConverges) {
  int rounds = 4;
  if (const char* env = std::getenv("CRASH_LOOP_ROUNDS")) {
    rounds = std::max(1, std::atoi(env));
  }
  constexpr int kLocal = 1000;
  constexpr int kService = 2000;
  std::mt19937 random(20261206);
  ASSERT_TRUE(SyncNow(*agent_).ok()) << Logs();
  // Writes acknowledged so far, by prefix: each must be present once.
  std::vector<std::pair<std::string, int>> acknowledged;
  // Where to aim the kills, per victim (0 the service, 1 the agent): a kill
  // after `low` ms came too early, one after `high` ms too late; the next
  // falls between.
  int64_t low[2] = {2, 2};
  int64_t high[2] = {400, 1000};
  int agent_kills = 0, service_kills = 0, attempts_total = 0;
  // A kill after the push was answered and before the pull was done: the
  // answered changes were still returning (outbox mid-run, cursor behind
  // them). `pulled` says how much of the pull was left.
  const auto AfterThePush = [&](absl::string_view victim, int pulled) {
    return absl::StrCat(
        victim, " killed after the push, ",
        pulled < kLocal + kService ? "mid-pull: " : "before the pull: ", pulled,
        " changes still to pull");
  };
  for (int round = 0; round < rounds; ++round) {
    const bool kill_agent = random() % 2 == 0;
    bool interrupted = false;
    std::string how;
    for (int attempt = 0; attempt < 24 && !interrupted; ++attempt) {
      ++attempts_total;
      const std::string local =
          absl::StrCat("Loop ", round, ".", attempt, " local");
      const std::string remote =
          absl::StrCat("Loop ", round, ".", attempt, " service");
      ASSERT_EQ(CreateMany(agent_->NewChannel(), kPolice, local, kLocal, 4),
                kLocal);
      acknowledged.emplace_back(local, kLocal);
      ASSERT_EQ(
          CreateMany(service_->NewChannel(), kCouncil, remote, kService, 8),
          kService);
      acknowledged.emplace_back(remote, kService);
      const int victim = kill_agent ? 1 : 0;
      if (high[victim] - low[victim] < 4) {  // the window moved: widen it
        low[victim] = std::max<int64_t>(2, low[victim] / 2);
        high[victim] = high[victim] * 2 + 4;
      }
      const int64_t delay_ms = std::uniform_int_distribution<int64_t>(
          low[victim] + 1, high[victim] - 1)(random);
      bool finished = false;
      bool early = false;
      if (kill_agent) {
        ASSERT_NO_FATAL_FAILURE(StopAgent());
        const int code = OnceKilledAfter(absl::Milliseconds(delay_ms));
        finished = code == 0;
        ASSERT_TRUE(finished || code == -SIGKILL) << code << Logs();
        ASSERT_NO_FATAL_FAILURE(StartAgent());
        absl::StatusOr<int64_t> pending = Pending();
        ASSERT_TRUE(pending.ok()) << pending.status();
        absl::StatusOr<v1::SyncNowResponse> resync = SyncNow(*agent_);
        ASSERT_TRUE(resync.ok()) << resync.status() << Logs();
        early = !finished && *pending == kLocal && resync->duplicates() == 0;
        std::cerr << "  attempt " << attempt << ": agent kill after "
                  << delay_ms << " ms: " << (finished ? "finished" : "killed")
                  << " pending=" << *pending << " then "
                  << resync->ShortDebugString() << "\n";
        if (!finished) {
          if (*pending > 0 && *pending < kLocal) {
            interrupted = true;
            how = absl::StrCat("agent killed mid-push: ", *pending, " of ",
                               kLocal, " still pending");
          } else if (*pending == kLocal && resync->duplicates() > 0) {
            interrupted = true;
            how = absl::StrCat(
                "agent killed with a push answered but not "
                "recorded: ",
                resync->duplicates(), " duplicates");
          } else if (*pending == 0 && resync->pulled() > 0) {
            interrupted = true;
            how = AfterThePush("agent", resync->pulled());
          }
        }
        ++agent_kills;
      } else {
        std::optional<absl::StatusOr<v1::SyncNowResponse>> during;
        std::thread sync([&] { during = SyncNow(*agent_); });
        // The delay is the moment of the crash, searched for above; no state
        // is awaited.
        absl::SleepFor(absl::Milliseconds(delay_ms));
        ASSERT_TRUE(service_->KillHard().ok());
        sync.join();
        finished = during->ok();
        ASSERT_NO_FATAL_FAILURE(LoseUnsyncedBytes("service"));
        ASSERT_NO_FATAL_FAILURE(StartService());
        absl::StatusOr<v1::SyncNowResponse> resync =
            SyncNowOnceReachable(*agent_);
        ASSERT_TRUE(resync.ok()) << resync.status() << Logs();
        early = !finished && resync->pushed() == kLocal &&
                resync->duplicates() == 0;
        std::cerr << "  attempt " << attempt << ": service kill after "
                  << delay_ms << " ms: " << (finished ? "finished" : "killed")
                  << " then " << resync->ShortDebugString() << "\n";
        if (!finished) {
          if (resync->duplicates() > 0 && resync->duplicates() < kLocal) {
            interrupted = true;
            how =
                absl::StrCat("service killed mid-push: ", resync->duplicates(),
                             " of ", kLocal, " already applied");
          } else if (resync->duplicates() == kLocal) {
            // Applied, but the answer never reached the agent's outbox.
            interrupted = true;
            how = "service killed before its answer to a push was recorded";
          } else if (resync->pushed() == 0 && resync->pulled() > 0) {
            interrupted = true;
            how = AfterThePush("service", resync->pulled());
          }
        }
        ++service_kills;
      }
      if (!interrupted) {
        // Aim again: later when the kill came too early, sooner when the
        // sync had finished (or was between its push and its pull).
        if (early) {
          low[victim] = delay_ms;
        } else {
          high[victim] = delay_ms;
        }
      }
    }
    ASSERT_TRUE(interrupted)
        << "round " << round << ": no kill landed in the middle of a sync";
    std::cerr << "round " << round << ": " << how << "\n";
    // Settle, then check everything acknowledged is there once, everywhere.
    ASSERT_TRUE(SyncNowOnceReachable(*agent_).ok()) << Logs();
    ASSERT_NO_FATAL_FAILURE(
        ExpectAllOnce(service_->NewChannel(), "service", acknowledged));
    ASSERT_NO_FATAL_FAILURE(
        ExpectAllOnce(agent_->NewChannel(), "agent", acknowledged));
    ASSERT_NO_FATAL_FAILURE(ExpectAgentEqualsService());
  }
  std::cerr << "crash loop: " << rounds << " rounds, each killed mid-sync ("
            << agent_kills << " agent kills, " << service_kills
            << " service kills, " << attempts_total
            << " attempts); nothing lost or doubled, and the agent equals the "
               "service after each\n";
}

}  // namespace
}  // namespace prevent::plan
