// End-to-end durability of plan-service, run as a real process on loopback.
//
// The service acknowledges a write only after the RocksDB WAL is fsynced, so
// killing it with SIGKILL while writes are in flight must lose no write that
// was acknowledged; writes that failed or were cut off may or may not have
// happened, but never half-happened. A graceful SIGTERM must exit 0 and keep
// everything.

#ifndef PLAN_SERVICE_BINARY
#error \
    "PLAN_SERVICE_BINARY must be defined as the path of the plan-service \
binary, as a string literal: target_compile_definitions(crash_test PRIVATE \
PLAN_SERVICE_BINARY=\"$<TARGET_FILE:plan-service>\")"
#endif

#include <signal.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "gtest/gtest.h"
#include "prevent/plan/v1/plan_service.grpc.pb.h"
#include "tests/support/plan_service_process.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/unsynced.h"
#include "tests/support/wait_for.h"

namespace prevent::plan {
namespace {

using ::prevent::plan::test_support::DropUnsyncedBytes;
using ::prevent::plan::test_support::PlanServiceProcess;
using ::prevent::plan::test_support::ReadFileTail;
using ::prevent::plan::test_support::TempDir;
using ::prevent::plan::test_support::WaitFor;
using ::prevent::plan::v1::Action;
using ::prevent::plan::v1::Activity;
using ::prevent::plan::v1::CreateActionRequest;
using ::prevent::plan::v1::CreateActivityRequest;
using ::prevent::plan::v1::CreateOrganisationRequest;
using ::prevent::plan::v1::CreatePlanRequest;
using ::prevent::plan::v1::GetActionRequest;
using ::prevent::plan::v1::GetActivityRequest;
using ::prevent::plan::v1::GetOrganisationRequest;
using ::prevent::plan::v1::GetPlanRequest;
using ::prevent::plan::v1::Organisation;
using ::prevent::plan::v1::Plan;
using ::prevent::plan::v1::PlanService;
using ::prevent::plan::v1::UpdateActionRequest;

constexpr char kOrganisationId[] = "staffordshire-police";
constexpr char kOrganisation[] = "organisations/staffordshire-police";
constexpr char kOrganisationDisplayName[] = "Staffordshire Police";
constexpr char kPlanId[] = "south-staffordshire";
constexpr char kPlan[] = "plans/south-staffordshire";
constexpr char kPlanTitle[] =
    "South Staffordshire Prevent Action Plan 2023-2025";
constexpr char kActivityId[] = "channel";
constexpr char kActivity[] = "plans/south-staffordshire/activities/channel";
constexpr char kActivityTitle[] = "Channel";

constexpr absl::Duration kRpcDeadline = absl::Seconds(5);
constexpr int kWriterThreads = 8;
// The crash comes after this much writing, or sooner once this many writes
// are acknowledged, and never before the first acknowledgement (up to
// kMaxWriting).
constexpr absl::Duration kWriting = absl::Milliseconds(1500);
constexpr int kEnoughAcknowledged = 400;
constexpr absl::Duration kMaxWriting = absl::Seconds(15);
// Every this-many-th acknowledged create is followed by an update to RED.
constexpr int kUpdateEvery = 3;
// At most this many individual problems are printed per check.
constexpr size_t kMaxReportedProblems = 20;

// A client context with the RPC deadline and, when `acting` is set, the
// acting organisation of a write.
std::unique_ptr<grpc::ClientContext> NewContext(bool acting = true) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        absl::ToChronoMilliseconds(kRpcDeadline));
  if (acting) context->AddMetadata("x-prevent-organisation", kOrganisation);
  return context;
}

std::string Describe(const grpc::Status& status) {
  // gRPC and absl share the canonical status codes.
  return absl::StrCat(absl::StatusCodeToString(
                          static_cast<absl::StatusCode>(status.error_code())),
                      ": ", status.error_message());
}

absl::Status Check(const grpc::Status& status, absl::string_view what) {
  if (status.ok()) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(what, ": ", Describe(status)));
}

std::string ActionName(absl::string_view id) {
  return absl::StrCat(kActivity, "/actions/", id);
}

// Creates the organisation, plan and activity that the actions live under.
absl::Status CreateSkeleton(PlanService::Stub& stub) {
  {
    // The organisation does not exist yet, so it cannot be the acting one:
    // the server records its own organisation for this write.
    CreateOrganisationRequest request;
    request.set_organisation_id(kOrganisationId);
    request.mutable_organisation()->set_display_name(kOrganisationDisplayName);
    Organisation response;
    absl::Status status =
        Check(stub.CreateOrganisation(NewContext(/*acting=*/false).get(),
                                      request, &response),
              absl::StrCat("CreateOrganisation ", kOrganisation));
    if (!status.ok()) return status;
  }
  {
    CreatePlanRequest request;
    request.set_plan_id(kPlanId);
    request.mutable_plan()->set_title(kPlanTitle);
    Plan response;
    absl::Status status =
        Check(stub.CreatePlan(NewContext().get(), request, &response),
              absl::StrCat("CreatePlan ", kPlan));
    if (!status.ok()) return status;
  }
  CreateActivityRequest request;
  request.set_parent(kPlan);
  request.set_activity_id(kActivityId);
  request.mutable_activity()->set_title(kActivityTitle);
  request.mutable_activity()->add_lead_organisations(kOrganisation);
  Activity response;
  return Check(stub.CreateActivity(NewContext().get(), request, &response),
               absl::StrCat("CreateActivity ", kActivity));
}

// Checks that the organisation, plan and activity are there, as created.
// Returns early (having failed the test) if one is missing.
void ExpectSkeleton(PlanService::Stub& stub) {
  GetOrganisationRequest get_organisation;
  get_organisation.set_name(kOrganisation);
  Organisation organisation;
  grpc::Status status = stub.GetOrganisation(NewContext(false).get(),
                                             get_organisation, &organisation);
  ASSERT_TRUE(status.ok()) << kOrganisation << ": " << Describe(status);
  EXPECT_EQ(organisation.display_name(), kOrganisationDisplayName);

  GetPlanRequest get_plan;
  get_plan.set_name(kPlan);
  Plan plan;
  status = stub.GetPlan(NewContext(false).get(), get_plan, &plan);
  ASSERT_TRUE(status.ok()) << kPlan << ": " << Describe(status);
  EXPECT_EQ(plan.title(), kPlanTitle);

  GetActivityRequest get_activity;
  get_activity.set_name(kActivity);
  Activity activity;
  status = stub.GetActivity(NewContext(false).get(), get_activity, &activity);
  ASSERT_TRUE(status.ok()) << kActivity << ": " << Describe(status);
  EXPECT_EQ(activity.title(), kActivityTitle);
}

grpc::Status CreateAction(PlanService::Stub& stub, absl::string_view id,
                          const std::string& description) {
  CreateActionRequest request;
  request.set_parent(kActivity);
  request.set_action_id(std::string(id));
  request.mutable_action()->set_description(description);
  Action response;
  grpc::Status status =
      stub.CreateAction(NewContext().get(), request, &response);
  if (status.ok() && response.name() != ActionName(id)) {
    return grpc::Status(
        grpc::StatusCode::INTERNAL,
        absl::StrCat("CreateAction returned name \"", response.name(),
                     "\", expected \"", ActionName(id), "\""));
  }
  return status;
}

grpc::Status SetRagRed(PlanService::Stub& stub, const std::string& name) {
  UpdateActionRequest request;
  request.mutable_action()->set_name(name);
  request.mutable_action()->set_rag(v1::RED);
  request.mutable_update_mask()->add_paths("rag");
  Action response;
  return stub.UpdateAction(NewContext().get(), request, &response);
}

// Every write the writers made, by outcome. Thread-safe.
class WriteLedger {
 public:
  struct Contents {
    // Action name -> description, for creates the server acknowledged.
    std::map<std::string, std::string> acknowledged_creates;
    // Action name -> description, for creates that failed or were cut off.
    std::map<std::string, std::string> unacknowledged_creates;
    // Actions whose update to RED the server acknowledged.
    std::set<std::string> acknowledged_updates;
    // Writes that failed before the crash, by gRPC code.
    std::map<int, int> failures_before_crash;
    // Writes that failed once the crash had begun, by gRPC code.
    std::map<int, int> failures_after_crash;
  };

  // Marks the start of the crash: later failures are expected ones.
  void BeginCrash() {
    std::lock_guard<std::mutex> lock(mu_);
    crashed_ = true;
  }

  void RecordCreate(const std::string& name, const std::string& description,
                    const grpc::Status& status) {
    std::lock_guard<std::mutex> lock(mu_);
    if (status.ok()) {
      contents_.acknowledged_creates[name] = description;
      ++acknowledged_;
    } else {
      contents_.unacknowledged_creates[name] = description;
      RecordFailure(status);
    }
  }

  void RecordUpdate(const std::string& name, const grpc::Status& status) {
    std::lock_guard<std::mutex> lock(mu_);
    if (status.ok()) {
      contents_.acknowledged_updates.insert(name);
      ++acknowledged_;
    } else {
      RecordFailure(status);
    }
  }

  // Acknowledged creates and updates so far.
  int acknowledged() const {
    std::lock_guard<std::mutex> lock(mu_);
    return acknowledged_;
  }

  Contents Snapshot() const {
    std::lock_guard<std::mutex> lock(mu_);
    return contents_;
  }

 private:
  // Requires mu_ to be held.
  void RecordFailure(const grpc::Status& status) {
    ++(crashed_ ? contents_.failures_after_crash
                : contents_.failures_before_crash)[status.error_code()];
  }

  mutable std::mutex mu_;
  Contents contents_;
  int acknowledged_ = 0;
  bool crashed_ = false;
};

// Creates actions `t<thread>-a<i>` for i = 0, 1, ... until `stop`, updating
// every kUpdateEvery-th acknowledged one to RED, and records every outcome.
void WriteActions(std::shared_ptr<grpc::Channel> channel, int thread,
                  const std::atomic<bool>& stop, std::atomic<int>& in_flight,
                  WriteLedger& ledger) {
  std::unique_ptr<PlanService::Stub> stub = PlanService::NewStub(channel);
  for (int i = 0; !stop.load(); ++i) {
    const std::string id = absl::StrCat("t", thread, "-a", i);
    const std::string name = ActionName(id);
    const std::string description =
        absl::StrCat("Writer ", thread, ", action ", i,
                     ": brief designated safeguarding leads on Channel "
                     "referrals");
    ++in_flight;
    grpc::Status status = CreateAction(*stub, id, description);
    --in_flight;
    ledger.RecordCreate(name, description, status);
    if (!status.ok() || i % kUpdateEvery != 0) continue;
    ++in_flight;
    status = SetRagRed(*stub, name);
    --in_flight;
    ledger.RecordUpdate(name, status);
  }
}

std::string DescribeFailures(const std::map<int, int>& failures) {
  std::vector<std::string> parts;
  for (const auto& [code, count] : failures) {
    parts.push_back(absl::StrCat(
        count, " x ",
        absl::StatusCodeToString(static_cast<absl::StatusCode>(code))));
  }
  return absl::StrCat("[", absl::StrJoin(parts, ", "), "]");
}

std::string Summarise(const WriteLedger::Contents& writes) {
  return absl::StrCat(
      writes.acknowledged_creates.size(), " acknowledged creates, ",
      writes.acknowledged_updates.size(), " acknowledged updates, ",
      writes.unacknowledged_creates.size(),
      " unacknowledged creates; failed writes before the "
      "crash: ",
      DescribeFailures(writes.failures_before_crash),
      ", during it: ", DescribeFailures(writes.failures_after_crash));
}

// Reports problems as one test failure, listing the first few.
void ExpectNoProblems(const std::vector<std::string>& problems,
                      absl::string_view what) {
  if (problems.empty()) return;
  std::vector<std::string> shown(
      problems.begin(),
      problems.begin() + std::min(problems.size(), kMaxReportedProblems));
  ADD_FAILURE() << problems.size() << " " << what << ", for example:\n  "
                << absl::StrJoin(shown, "\n  ");
}

// Checks that every acknowledged write is visible, and that every other
// create either happened whole or can be made now.
void ExpectDurable(PlanService::Stub& stub,
                   const WriteLedger::Contents& writes) {
  std::vector<std::string> lost;
  for (const auto& [name, description] : writes.acknowledged_creates) {
    GetActionRequest request;
    request.set_name(name);
    Action action;
    const grpc::Status status =
        stub.GetAction(NewContext(false).get(), request, &action);
    if (!status.ok()) {
      lost.push_back(absl::StrCat(name, ": ", Describe(status)));
      continue;
    }
    if (action.description() != description) {
      lost.push_back(absl::StrCat(name, ": description \"",
                                  action.description(), "\", expected \"",
                                  description, "\""));
    }
    if (action.has_delete_time()) {
      lost.push_back(absl::StrCat(name, ": unexpectedly deleted"));
    }
    if (writes.acknowledged_updates.count(name) > 0 &&
        action.rag() != v1::RED) {
      lost.push_back(absl::StrCat(name, ": rag ", v1::Rag_Name(action.rag()),
                                  " after an acknowledged update to RED"));
    }
  }
  ExpectNoProblems(lost, "acknowledged writes lost across the restart");

  std::vector<std::string> broken;
  for (const auto& [name, description] : writes.unacknowledged_creates) {
    const std::string id = name.substr(name.rfind('/') + 1);
    const grpc::Status status = CreateAction(stub, id, description);
    if (status.ok()) continue;
    if (status.error_code() != grpc::StatusCode::ALREADY_EXISTS) {
      broken.push_back(
          absl::StrCat("re-create ", name, ": ", Describe(status)));
      continue;
    }
    GetActionRequest request;
    request.set_name(name);
    Action action;
    const grpc::Status got =
        stub.GetAction(NewContext(false).get(), request, &action);
    if (!got.ok()) {
      broken.push_back(absl::StrCat(name,
                                    ": ALREADY_EXISTS on re-create but "
                                    "GetAction failed: ",
                                    Describe(got)));
    } else if (action.description() != description) {
      broken.push_back(absl::StrCat(name, ": exists with description \"",
                                    action.description(), "\", expected \"",
                                    description, "\""));
    }
  }
  ExpectNoProblems(broken,
                   "unacknowledged creates neither whole nor "
                   "re-creatable");
}

class PlanServiceCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TempDir> dir = TempDir::Create("plan-crash-test");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_.emplace(*std::move(dir));
  }

  // On failure the directory (data and logs) is kept, and the logs' tails
  // are printed, so the failure can be investigated.
  void TearDown() override {
    if (!HasFailure() || !dir_.has_value()) return;
    dir_->Keep();
    std::cerr << "Test failed; kept " << dir_->path() << " (RocksDB data in "
              << DataDir() << ")\n";
    for (const std::string& log : logs_) {
      std::cerr << "--- tail of " << log << " ---\n"
                << ReadFileTail(log) << "\n--- end of " << log << " ---\n";
    }
  }

  std::string DataDir() const { return dir_->Subpath("data"); }
  std::string SyncLog() const { return dir_->Subpath("sync.log"); }

  // Starts plan-service on DataDir(), each start with its own log. Its store
  // logs its syncs (PLAN_STORE_SYNC_LOG), so that a crash can lose what was
  // not synced (LoseUnsyncedBytes).
  absl::StatusOr<PlanServiceProcess> StartServer() {
    setenv("PLAN_STORE_SYNC_LOG", SyncLog().c_str(), 1);
    PlanServiceProcess::Options options;
    options.binary = PLAN_SERVICE_BINARY;
    options.data_dir = DataDir();
    options.log_path =
        dir_->Subpath(absl::StrCat("plan-service.", logs_.size() + 1, ".log"));
    logs_.push_back(options.log_path);
    // Durability, not roles, is tested here: the acting organisation may do
    // everything (roles: tests/rpc/role_matrix_test.cc).
    options.extra_args = {
        absl::StrCat("--admin_organisations=", kOrganisation)};
    return PlanServiceProcess::Start(options);
  }

  // After a kill -9: what a power cut would have lost, lost.
  void LoseUnsyncedBytes() {
    const absl::Status dropped = DropUnsyncedBytes(DataDir(), SyncLog());
    ASSERT_TRUE(dropped.ok()) << dropped;
  }

  std::optional<TempDir> dir_;
  std::vector<std::string> logs_;
};

TEST_F(PlanServiceCrashTest, AcknowledgedWritesSurviveKillNine) {
  absl::StatusOr<PlanServiceProcess> server = StartServer();
  ASSERT_TRUE(server.ok()) << server.status();
  {
    std::unique_ptr<PlanService::Stub> stub =
        PlanService::NewStub(server->NewChannel());
    const absl::Status created = CreateSkeleton(*stub);
    ASSERT_TRUE(created.ok()) << created;
  }

  WriteLedger ledger;
  std::atomic<bool> stop{false};
  std::atomic<int> in_flight{0};
  std::vector<std::thread> writers;
  for (int thread = 0; thread < kWriterThreads; ++thread) {
    writers.emplace_back(WriteActions, server->NewChannel(), thread,
                         std::cref(stop), std::ref(in_flight),
                         std::ref(ledger));
  }

  const absl::Time start = absl::Now();
  // The kill comes once enough writes are acknowledged, or after kWriting
  // once any is, or after kMaxWriting regardless.
  (void)WaitFor(
      [&] {
        const int acknowledged = ledger.acknowledged();
        return acknowledged >= kEnoughAcknowledged ||
               (absl::Now() - start >= kWriting && acknowledged > 0);
      },
      kMaxWriting, absl::Milliseconds(5));
  const int in_flight_at_kill = in_flight.load();
  const absl::Duration writing = absl::Now() - start;
  ledger.BeginCrash();
  // No writer starts another write; those in flight stay in flight.
  stop = true;
  const absl::Status killed = server->KillHard();
  for (std::thread& writer : writers) writer.join();
  ASSERT_TRUE(killed.ok()) << killed;

  const WriteLedger::Contents writes = ledger.Snapshot();
  std::cout << "Killed plan-service with SIGKILL after "
            << absl::FormatDuration(writing) << " with " << in_flight_at_kill
            << " writes in flight; " << Summarise(writes) << "\n";
  ASSERT_FALSE(writes.acknowledged_creates.empty())
      << "no create was acknowledged in " << absl::FormatDuration(writing)
      << "; " << Summarise(writes);
  ASSERT_NO_FATAL_FAILURE(LoseUnsyncedBytes());

  absl::StatusOr<PlanServiceProcess> restarted = StartServer();
  ASSERT_TRUE(restarted.ok())
      << "restart after SIGKILL: " << restarted.status();
  std::unique_ptr<PlanService::Stub> stub =
      PlanService::NewStub(restarted->NewChannel());
  ExpectSkeleton(*stub);
  ExpectDurable(*stub, writes);
}

TEST_F(PlanServiceCrashTest, GracefulStopExitsZeroAndKeepsData) {
  constexpr int kActions = 5;
  WriteLedger ledger;
  {
    absl::StatusOr<PlanServiceProcess> server = StartServer();
    ASSERT_TRUE(server.ok()) << server.status();
    std::unique_ptr<PlanService::Stub> stub =
        PlanService::NewStub(server->NewChannel());
    const absl::Status created = CreateSkeleton(*stub);
    ASSERT_TRUE(created.ok()) << created;
    for (int i = 0; i < kActions; ++i) {
      const std::string id = absl::StrCat("t0-a", i);
      const std::string description =
          absl::StrCat("Action ", i,
                       ": refresh the Channel panel's terms of "
                       "reference");
      const grpc::Status status = CreateAction(*stub, id, description);
      ASSERT_TRUE(status.ok())
          << "CreateAction " << id << ": " << Describe(status);
      ledger.RecordCreate(ActionName(id), description, status);
      if (i % 2 == 0) {
        const grpc::Status updated = SetRagRed(*stub, ActionName(id));
        ASSERT_TRUE(updated.ok())
            << "UpdateAction " << id << ": " << Describe(updated);
        ledger.RecordUpdate(ActionName(id), updated);
      }
    }
    const absl::StatusOr<int> exit_code = server->Stop();
    ASSERT_TRUE(exit_code.ok()) << exit_code.status();
    EXPECT_EQ(*exit_code, 0) << "plan-service exit status after SIGTERM "
                                "(negative: killed by that signal)";
  }

  absl::StatusOr<PlanServiceProcess> restarted = StartServer();
  ASSERT_TRUE(restarted.ok())
      << "restart after SIGTERM: " << restarted.status();
  std::unique_ptr<PlanService::Stub> stub =
      PlanService::NewStub(restarted->NewChannel());
  ExpectSkeleton(*stub);
  const WriteLedger::Contents writes = ledger.Snapshot();
  ASSERT_EQ(writes.acknowledged_creates.size(), static_cast<size_t>(kActions));
  ExpectDurable(*stub, writes);

  const absl::StatusOr<int> exit_code = restarted->Stop();
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0);
}

}  // namespace
}  // namespace prevent::plan
