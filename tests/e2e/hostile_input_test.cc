// Hostile input against the real plan-service (promises 6 and 8,
// docs/architecture.md): each request below is answered with a clear, bounded
// error before its deadline, and none of them grows the service's memory, store
// or log with what was sent. Before these bounds, the requests here took the
// service from 48 MiB to over 1 GiB, stored 27.5 MB of rejection text, grew the
// store by 22 MB for anonymous callers, wrote a 71 MB log line, and left
// clients waiting for their deadline with no status at all.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "prevent/plan/v1/plan_service.grpc.pb.h"
#include "prevent/plan/v1/sync_service.grpc.pb.h"
#include "tests/support/plan_service_process.h"
#include "tests/support/temp_dir.h"

namespace prevent::plan {
namespace {

namespace fs = std::filesystem;
using ::prevent::plan::test_support::PlanServiceProcess;
using ::prevent::plan::test_support::TempDir;

constexpr char kPlan[] = "plans/south-staffordshire";
constexpr char kPolice[] = "organisations/staffordshire-police";
// Every answer here must come well before this.
constexpr absl::Duration kDeadline = absl::Seconds(20);
// The bound on an error message (libplan/util/errors.h), with room for the
// "…" a cut adds.
constexpr size_t kMaxMessageBytes = 2048 + 4;

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        absl::ToChronoMilliseconds(kDeadline));
  context->AddMetadata("x-prevent-organisation", kPolice);
  return context;
}

// Resident memory of process `pid`, in KiB (VmRSS).
int64_t ResidentKiB(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (absl::StartsWith(line, "VmRSS:")) {
      std::vector<std::string> parts =
          absl::StrSplit(line, ' ', absl::SkipWhitespace());
      int64_t kib = 0;
      if (parts.size() >= 2 && absl::SimpleAtoi(parts[1], &kib)) return kib;
    }
  }
  return -1;
}

uintmax_t DirectoryBytes(const std::string& dir) {
  uintmax_t bytes = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) bytes += entry.file_size();
  }
  return bytes;
}

size_t LongestLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  size_t longest = 0;
  while (std::getline(in, line)) longest = std::max(longest, line.size());
  return longest;
}

class HostileInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TempDir> dir = TempDir::Create("hostile-input-test");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_.emplace(std::move(*dir));
    PlanServiceProcess::Options options;
    options.binary = PLAN_SERVICE_BINARY;
    options.data_dir = dir_->Subpath("data");
    options.log_path = dir_->Subpath("plan-service.log");
    options.extra_args = {absl::StrCat("--seed=", PLAN_SOURCE_DIR,
                                       "/deploy/demo/seed.textproto")};
    absl::StatusOr<PlanServiceProcess> service =
        PlanServiceProcess::Start(options);
    ASSERT_TRUE(service.ok()) << service.status();
    service_.emplace(std::move(*service));
    grpc::ChannelArguments args;
    args.SetMaxSendMessageSize(8 << 20);
    channel_ = grpc::CreateCustomChannel(
        service_->address(), grpc::InsecureChannelCredentials(), args);
    plans_ = v1::PlanService::NewStub(channel_);
    sync_ = v1::SyncService::NewStub(channel_);

    v1::ListActivitiesRequest list;
    list.set_parent(kPlan);
    v1::ListActivitiesResponse activities;
    ASSERT_TRUE(
        plans_->ListActivities(Context().get(), list, &activities).ok());
    ASSERT_GT(activities.activities_size(), 0);
    activity_ = activities.activities(0).name();
  }

  // A refusal: the code, and a message within its bound.
  void ExpectRefused(const grpc::Status& status, grpc::StatusCode code,
                     absl::string_view what) {
    EXPECT_EQ(status.error_code(), code)
        << what << ": " << status.error_message().substr(0, 300);
    EXPECT_NE(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
        << what << ": no status before the deadline";
    EXPECT_LE(status.error_message().size(), kMaxMessageBytes) << what;
  }

  std::optional<TempDir> dir_;
  std::optional<PlanServiceProcess> service_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::PlanService::Stub> plans_;
  std::unique_ptr<v1::SyncService::Stub> sync_;
  std::string activity_;
};

TEST_F(HostileInputTest, EachIsRefusedBrieflyAndNothingGrows) {
  // Warm up the paths the inputs take, so that "before" is a fair baseline.
  for (int i = 0; i < 3; ++i) {
    v1::GetActivityRequest get;
    get.set_name(activity_);
    v1::Activity got;
    ASSERT_TRUE(plans_->GetActivity(Context().get(), get, &got).ok());
  }
  const int64_t rss_before = ResidentKiB(service_->pid());
  const uintmax_t store_before = DirectoryBytes(dir_->Subpath("data"));
  ASSERT_GT(rss_before, 0);

  {  // A 100,000-character name.
    v1::GetActivityRequest get;
    get.set_name(absl::StrCat(kPlan, "/activities/", std::string(100000, 'x')));
    v1::Activity got;
    ExpectRefused(plans_->GetActivity(Context().get(), get, &got),
                  grpc::StatusCode::INVALID_ARGUMENT, "a 100,000-byte name");
  }
  {  // 1,000 values that are no duty area.
    v1::CreateActivityRequest create;
    create.set_parent(kPlan);
    create.mutable_activity()->set_title("Bad enums");
    for (int i = 0; i < 1000; ++i) {
      create.mutable_activity()->add_duty_areas(
          static_cast<v1::DutyArea>(100 + i));
    }
    v1::Activity created;
    ExpectRefused(plans_->CreateActivity(Context().get(), create, &created),
                  grpc::StatusCode::INVALID_ARGUMENT, "1,000 bad enums");
  }
  {  // A 2 MB request of 1,000,000 duplicate duty areas: a set names each
     // value once, so it is one duty area.
    v1::UpdateActivityRequest update;
    update.mutable_activity()->set_name(activity_);
    for (int i = 0; i < 1000000; ++i) {
      update.mutable_activity()->add_duty_areas(v1::RISK);
    }
    update.mutable_update_mask()->add_paths("duty_areas");
    v1::Activity updated;
    const grpc::Status status =
        plans_->UpdateActivity(Context().get(), update, &updated);
    ASSERT_TRUE(status.ok()) << status.error_message().substr(0, 300);
    EXPECT_EQ(updated.duty_areas_size(), 1);
  }
  {  // A push of 100 changes of 4,000 values that are no duty area each.
     // (Duplicates would be dropped, as UpdateActivity drops them above.)
    v1::Activity value;
    for (int i = 0; i < 4000; ++i) {
      value.add_duty_areas(static_cast<v1::DutyArea>(100 + i));
    }
    v1::PushRequest push;
    push.set_replica_id("hostile");
    for (int i = 0; i < 100; ++i) {
      v1::Change* change = push.add_changes();
      change->set_change_id(absl::StrCat("hostile:", i));
      change->set_replica_id("hostile");
      change->set_organisation(kPolice);
      change->set_target(activity_);
      change->set_operation(v1::Change::UPDATE);
      change->set_hlc(absl::ToUnixMillis(absl::Now()) << 16);
      v1::FieldChange* field = change->add_fields();
      field->set_field("duty_areas");
      field->set_value(value.SerializeAsString());
    }
    v1::PushResponse pushed;
    const grpc::Status status = sync_->Push(Context().get(), push, &pushed);
    ASSERT_TRUE(status.ok()) << status.error_message().substr(0, 300);
    ASSERT_EQ(pushed.results_size(), 100);
    for (const v1::ChangeResult& result : pushed.results()) {
      EXPECT_EQ(result.outcome(), v1::ChangeResult::REJECTED);
      EXPECT_LE(result.reason().size(), 512u + 4);
    }
    EXPECT_LT(pushed.ByteSizeLong(), 100u << 10);
    // The retry gets the same short answers: the agent is not stuck.
    v1::PushResponse again;
    ASSERT_TRUE(sync_->Push(Context().get(), push, &again).ok());
    EXPECT_EQ(again.results(0).outcome(), v1::ChangeResult::DUPLICATE);
  }
  {  // A pull with a 3 MB replica id.
    v1::PullRequest pull;
    pull.set_replica_id(std::string(3 << 20, 'r'));
    pull.add_plans(kPlan);
    auto context = Context();
    std::unique_ptr<grpc::ClientReader<v1::PullResponse>> reader =
        sync_->Pull(context.get(), pull);
    v1::PullResponse response;
    while (reader->Read(&response)) {
    }
    ExpectRefused(reader->Finish(), grpc::StatusCode::INVALID_ARGUMENT,
                  "a 3 MB replica id");
  }
  {  // A push of 1,000 changes with 4 KB change ids.
    v1::PushRequest push;
    push.set_replica_id("hostile2");
    for (int i = 0; i < 1000; ++i) {
      v1::Change* change = push.add_changes();
      change->set_change_id(absl::StrCat(i, std::string(4096, 'c')));
      change->set_target(activity_);
      change->set_operation(v1::Change::UPDATE);
    }
    v1::PushResponse pushed;
    ExpectRefused(sync_->Push(Context().get(), push, &pushed),
                  grpc::StatusCode::INVALID_ARGUMENT, "4 KB change ids");
  }

  // Still serving, at about the memory it had.
  v1::GetActivityRequest get;
  get.set_name(activity_);
  v1::Activity got;
  ASSERT_TRUE(plans_->GetActivity(Context().get(), get, &got).ok());
  const int64_t rss_after = ResidentKiB(service_->pid());
  const uintmax_t store_after = DirectoryBytes(dir_->Subpath("data"));
  std::cout << "hostile inputs: RSS " << rss_before << " KiB before, "
            << rss_after << " KiB after; store " << store_before
            << " bytes before, " << store_after << " after\n";
  EXPECT_LE(rss_after, 2 * rss_before);
  EXPECT_LE(store_after, store_before + (1 << 20));
  EXPECT_LE(LongestLine(service_->log_path()), 4096u + 100);
}

}  // namespace
}  // namespace prevent::plan
