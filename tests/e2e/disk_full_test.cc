// The real plan-service on a full disk (promise 7, docs/architecture.md): its
// store on a small tmpfs, filled up. Writes are refused with UNAVAILABLE,
// reason STORAGE_FULL and no server path, and health turns NOT_SERVING; once
// space is freed, writing resumes by itself (no restart) and health is SERVING
// again; every write acknowledged before, during and after is kept. Before,
// writes failed with INTERNAL (the message held a file path) and went on
// failing until a restart, while health said SERVING.
//
// Mounting a tmpfs needs root (CI runs as root); elsewhere the test says so
// and skips.

#include <sys/mount.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "prevent/plan/v1/plan_service.grpc.pb.h"
#include "tests/support/plan_service_process.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_for.h"

namespace prevent::plan {
namespace {

namespace fs = std::filesystem;
using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::prevent::plan::test_support::FreeLoopbackPort;
using ::prevent::plan::test_support::PlanServiceProcess;
using ::prevent::plan::test_support::TempDir;
using ::prevent::plan::test_support::WaitFor;

constexpr char kPlan[] = "plans/south-staffordshire";

std::string ReasonOf(const grpc::Status& status) {
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return "";
  for (const auto& any : details.details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info)) return info.reason();
  }
  return "";
}

class DiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TempDir> dir = TempDir::Create("disk-full-test");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_.emplace(std::move(*dir));
    mount_ = dir_->Subpath("disk");
    fs::create_directory(mount_);
    if (::mount("tmpfs", mount_.c_str(), "tmpfs", 0, "size=24m") != 0) {
      GTEST_SKIP() << "cannot mount a tmpfs here (" << std::strerror(errno)
                   << "; it needs root): the full-disk test did not run";
    }
    mounted_ = true;
  }

  void TearDown() override {
    service_.reset();
    if (HasFailure()) {
      dir_->Keep();
      std::cerr << "log kept in " << dir_->Subpath("plan-service.log") << "\n";
    }
    if (mounted_) ::umount2(mount_.c_str(), MNT_DETACH);
  }

  // The health the main port gives, or with `probe` the one --health_listen
  // gives (what a Kubernetes probe asks).
  std::string Health(bool probe = false) {
    auto health = Health::NewStub(
        probe ? grpc::CreateChannel(absl::StrCat("127.0.0.1:", health_port_),
                                    grpc::InsecureChannelCredentials())
              : service_->NewChannel());
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(5));
    HealthCheckResponse response;
    if (!health->Check(&context, HealthCheckRequest(), &response).ok()) {
      return "unreachable";
    }
    return HealthCheckResponse::ServingStatus_Name(response.status());
  }

  // Sets the description of action `name` to a new 4,000-character text.
  grpc::Status Write(const std::string& name, int round) {
    v1::UpdateActionRequest request;
    request.mutable_action()->set_name(name);
    request.mutable_action()->set_description(
        absl::StrCat("round ", round, " ", std::string(3980, 'd')));
    request.mutable_update_mask()->add_paths("description");
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    context.AddMetadata("x-prevent-organisation",
                        "organisations/staffordshire-police");
    v1::Action action;
    return v1::PlanService::NewStub(service_->NewChannel())
        ->UpdateAction(&context, request, &action);
  }

  void StartService() {
    PlanServiceProcess::Options options;
    options.binary = PLAN_SERVICE_BINARY;
    options.data_dir = mount_ + "/data";
    options.log_path = dir_->Subpath("plan-service.log");
    // A 24 MiB disk: keep 6 MiB free.
    options.extra_args = {
        absl::StrCat("--seed=", PLAN_SOURCE_DIR, "/deploy/demo/seed.textproto"),
        "--min_free_mib=6",
        absl::StrCat("--health_listen=127.0.0.1:", health_port_)};
    absl::StatusOr<PlanServiceProcess> service =
        PlanServiceProcess::Start(options);
    ASSERT_TRUE(service.ok()) << service.status();
    service_.emplace(std::move(*service));
  }

  std::optional<TempDir> dir_;
  std::string mount_;
  bool mounted_ = false;
  int health_port_ = FreeLoopbackPort();
  std::optional<PlanServiceProcess> service_;
};

TEST_F(DiskFullTest, WritesStopWhileFullAndResumeWhenThereIsSpace) {
  ASSERT_NO_FATAL_FAILURE(StartService());
  v1::ListActionsRequest list;
  list.set_parent(absl::StrCat(kPlan, "/activities/-"));
  v1::ListActionsResponse actions;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(v1::PlanService::NewStub(service_->NewChannel())
                    ->ListActions(&context, list, &actions)
                    .ok());
  }
  ASSERT_GT(actions.actions_size(), 0);
  const std::string action = actions.actions(0).name();

  // Fill the disk, leaving 8 MiB: the service stops writing at 6.
  const std::string filler = mount_ + "/filler";
  {
    std::ofstream out(filler, std::ios::binary);
    const std::string block(64 << 10, 'f');
    while (fs::space(mount_).available > (8 << 20) &&
           out.write(block.data(), block.size())) {
    }
  }
  // Write until the disk is full.
  int acknowledged = -1;
  grpc::Status full;
  for (int round = 0; round < 5000; ++round) {
    const grpc::Status status = Write(action, round);
    if (!status.ok()) {
      full = status;
      break;
    }
    acknowledged = round;
  }
  ASSERT_FALSE(full.ok()) << "the disk never filled";
  EXPECT_EQ(full.error_code(), grpc::StatusCode::UNAVAILABLE)
      << full.error_message();
  EXPECT_EQ(ReasonOf(full), "STORAGE_FULL") << full.error_message();
  EXPECT_FALSE(absl::StrContains(full.error_message(), mount_))
      << full.error_message();
  EXPECT_EQ(Health(), "NOT_SERVING");
  EXPECT_EQ(Health(/*probe=*/true), "NOT_SERVING");
  // Refused at once while full.
  EXPECT_EQ(Write(action, 100000).error_code(), grpc::StatusCode::UNAVAILABLE);

  // Space again: writing resumes by itself.
  fs::remove(filler);
  ASSERT_TRUE(WaitFor([&] { return Health() == "SERVING"; }, absl::Seconds(60),
                      absl::Milliseconds(100)))
      << Health();
  EXPECT_EQ(Health(/*probe=*/true), "SERVING");
  ASSERT_TRUE(Write(action, 200000).ok());

  // Every acknowledged write is kept, through a restart.
  absl::StatusOr<int> stopped = service_->Stop();
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_EQ(*stopped, 0);
  ASSERT_NO_FATAL_FAILURE(StartService());
  v1::GetActionRequest get;
  get.set_name(action);
  v1::Action got;
  grpc::ClientContext context;
  ASSERT_TRUE(v1::PlanService::NewStub(service_->NewChannel())
                  ->GetAction(&context, get, &got)
                  .ok());
  EXPECT_TRUE(absl::StartsWith(got.description(), "round 200000 "));
  std::cout << "writes acknowledged before the disk was full: "
            << acknowledged + 1 << "\n";
}

}  // namespace
}  // namespace prevent::plan
