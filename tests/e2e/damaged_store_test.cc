// The real binaries on a damaged store (promise 7, docs/architecture.md): they
// refuse to start, exit 1 with a line naming the problem and the way to
// recover, and leave the directory as it was: a truncated MANIFEST must never
// make the service start empty, load the demo plans into a new store, or
// delete the old store's files.

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "prevent/plan/v1/plan_service.grpc.pb.h"
#include "tests/support/directory_digest.h"
#include "tests/support/plan_service_process.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace prevent::plan {
namespace {

namespace fs = std::filesystem;
using ::prevent::plan::test_support::ChildProcess;
using ::prevent::plan::test_support::PlanServiceProcess;
using ::prevent::plan::test_support::ReadFileTail;
using ::prevent::plan::test_support::StoreFiles;
using ::prevent::plan::test_support::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

class DamagedStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TempDir> dir = TempDir::Create("damaged-store-test");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_.emplace(std::move(*dir));
    data_dir_ = dir_->Subpath("data");
    // A first start creates the store and loads the demo plans.
    PlanServiceProcess::Options options;
    options.binary = PLAN_SERVICE_BINARY;
    options.data_dir = data_dir_;
    options.log_path = dir_->Subpath("first-start.log");
    options.extra_args = {absl::StrCat("--seed=", PLAN_SOURCE_DIR,
                                       "/deploy/demo/seed.textproto")};
    absl::StatusOr<PlanServiceProcess> service =
        PlanServiceProcess::Start(options);
    ASSERT_TRUE(service.ok()) << service.status();
    absl::StatusOr<int> stopped = service->Stop();
    ASSERT_TRUE(stopped.ok()) << stopped.status();
    ASSERT_EQ(*stopped, 0);
  }

  std::string Manifest() const {
    for (const auto& entry : fs::directory_iterator(data_dir_)) {
      if (absl::StartsWith(entry.path().filename().string(), "MANIFEST-")) {
        return entry.path().string();
      }
    }
    return "";
  }

  // Runs `binary` with `args` to its end; returns its exit code and log.
  std::pair<int, std::string> Run(const std::string& binary,
                                  const std::vector<std::string>& args) {
    const std::string log = dir_->Subpath(absl::StrCat("run-", ++runs_));
    absl::StatusOr<ChildProcess> child = ChildProcess::Start(binary, args, log);
    EXPECT_TRUE(child.ok()) << child.status();
    if (!child.ok()) return {-1, ""};
    absl::StatusOr<int> code = child->Wait(absl::Seconds(30));
    EXPECT_TRUE(code.ok()) << code.status();
    return {code.ok() ? *code : -1, ReadFileTail(log)};
  }

  // Both binaries refuse the store as it is now, and change nothing.
  void ExpectBothRefuse(absl::string_view problem) {
    const std::map<std::string, std::string> before = StoreFiles(data_dir_);
    const auto [service_code, service_log] =
        Run(PLAN_SERVICE_BINARY,
            {"--listen=127.0.0.1:0", absl::StrCat("--data_dir=", data_dir_),
             absl::StrCat("--seed=", PLAN_SOURCE_DIR,
                          "/deploy/demo/seed.textproto")});
    EXPECT_EQ(service_code, 1) << service_log;
    EXPECT_THAT(service_log, HasSubstr("cannot open store"));
    EXPECT_THAT(service_log, HasSubstr(std::string(problem)));
    EXPECT_THAT(service_log, HasSubstr("docs/operations.md"));
    EXPECT_EQ(StoreFiles(data_dir_), before) << "the service changed the store";

    const auto [agent_code, agent_log] =
        Run(SYNC_AGENT_BINARY,
            {"--server=127.0.0.1:1", "--organisation=organisations/police",
             "--plans=plans/south-staffordshire",
             absl::StrCat("--data_dir=", data_dir_), "--once"});
    EXPECT_EQ(agent_code, 1) << agent_log;
    EXPECT_THAT(agent_log, HasSubstr("cannot open store"));
    EXPECT_THAT(agent_log, HasSubstr(std::string(problem)));
    EXPECT_EQ(StoreFiles(data_dir_), before) << "the agent changed the store";
  }

  std::optional<TempDir> dir_;
  std::string data_dir_;
  int runs_ = 0;
};

TEST_F(DamagedStoreTest, ATruncatedManifestIsRefusedAndKept) {
  const std::string manifest = Manifest();
  ASSERT_FALSE(manifest.empty());
  fs::resize_file(manifest, fs::file_size(manifest) / 2);
  ExpectBothRefuse("Nothing was changed");
}

TEST_F(DamagedStoreTest, AMissingCurrentFileIsRefusedAndKept) {
  fs::remove(fs::path(data_dir_) / "CURRENT");
  ExpectBothRefuse("CURRENT file is missing");
}

TEST_F(DamagedStoreTest, AMissingTableIsRefusedAndKept) {
  bool removed = false;
  for (const auto& entry : fs::directory_iterator(data_dir_)) {
    if (entry.path().extension() == ".sst" && !removed) {
      fs::remove(entry.path());
      removed = true;
    }
  }
  ASSERT_TRUE(removed);
  ExpectBothRefuse("Nothing was changed");
}

TEST_F(DamagedStoreTest, AMissingWalIsRefusedAndKept) {
  for (const auto& entry : fs::directory_iterator(data_dir_)) {
    if (entry.path().extension() == ".log") fs::remove(entry.path());
  }
  ExpectBothRefuse("write-ahead log (*.log) is missing");
}

// Damage inside a table is found only when a read reaches it: that read
// fails with DATA_LOSS, reason STORAGE_CORRUPT (it had no reason before), and
// health turns NOT_SERVING (it said SERVING).
TEST_F(DamagedStoreTest, ADamagedTableFoundOnReadTurnsHealthNotServing) {
  // Damage the first data block of the table of the `entities` column
  // family (a table names its family in its properties block).
  std::string largest;
  for (const auto& entry : fs::directory_iterator(data_dir_)) {
    if (entry.path().extension() != ".sst") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (bytes.str().find("entities") == std::string::npos) continue;
    if (largest.empty() || entry.file_size() > fs::file_size(largest)) {
      largest = entry.path().string();
    }
  }
  ASSERT_FALSE(largest.empty()) << "no table of the entities";
  {
    std::fstream file(largest, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(100);
    file.write("DAMAGED!", 8);
  }
  PlanServiceProcess::Options options;
  options.binary = PLAN_SERVICE_BINARY;
  options.data_dir = data_dir_;
  options.log_path = dir_->Subpath("damaged-table.log");
  absl::StatusOr<PlanServiceProcess> service =
      PlanServiceProcess::Start(options);
  ASSERT_TRUE(service.ok()) << service.status();
  auto plans = v1::PlanService::NewStub(service->NewChannel());
  // Read everything until a read meets the damage.
  grpc::Status failed;
  for (const char* parent : {"plans/south-staffordshire", "plans/cannock-chase",
                             "plans/staffordshire"}) {
    grpc::ClientContext context;
    v1::ListActivitiesRequest request;
    request.set_parent(parent);
    v1::ListActivitiesResponse response;
    const grpc::Status status =
        plans->ListActivities(&context, request, &response);
    if (!status.ok()) {
      failed = status;
      break;
    }
  }
  if (failed.ok()) {
    grpc::ClientContext context;
    v1::ListOrganisationsRequest request;
    v1::ListOrganisationsResponse response;
    failed = plans->ListOrganisations(&context, request, &response);
  }
  ASSERT_FALSE(failed.ok()) << "no read met the damage";
  EXPECT_EQ(failed.error_code(), grpc::StatusCode::DATA_LOSS)
      << failed.error_message();
  EXPECT_THAT(failed.error_message(), HasSubstr("damaged data"));
  EXPECT_THAT(failed.error_message(), Not(HasSubstr(data_dir_)));
  auto health = grpc::health::v1::Health::NewStub(service->NewChannel());
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckResponse serving;
  ASSERT_TRUE(
      health->Check(&context, grpc::health::v1::HealthCheckRequest(), &serving)
          .ok());
  EXPECT_EQ(serving.status(),
            grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  EXPECT_THAT(ReadFileTail(options.log_path),
              HasSubstr("health NOT_SERVING: STORAGE_CORRUPT"));
}

}  // namespace
}  // namespace prevent::plan
