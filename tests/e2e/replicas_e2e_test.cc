// The operator's views of AdminService, against the real plan service and
// a real sync agent: `planctl replicas` (which partners sync, how far behind
// each is, and who may ask) and `planctl admin status`.

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "prevent/plan/v1/admin_service.pb.h"
#include "tests/e2e/rest_support.h"
#include "tests/support/process.h"
#include "tests/support/sync_agent_process.h"
#include "tests/support/wait_for.h"

namespace prevent::plan::test_support {
namespace {

namespace v1 = ::prevent::plan::v1;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class ReplicasTest : public DemoServiceTest {
 protected:
  Invocation Planctl(const std::string& server, const std::string& organisation,
                     std::vector<std::string> args) {
    args.insert(args.begin(), {absl::StrCat("--server=", server),
                               absl::StrCat("--organisation=", organisation)});
    return RunToCompletion(
        PLANCTL_BINARY, args,
        dir_->Subpath(absl::StrCat("planctl-", ++runs_, ".log")));
  }

  // ListReplicas as `organisation` asks it, through planctl --json.
  v1::ListReplicasResponse Replicas(const std::string& organisation) {
    const Invocation listed =
        Planctl(service_->address(), organisation, {"--json", "replicas"});
    EXPECT_EQ(listed.code, 0) << listed.output;
    v1::ListReplicasResponse replicas;
    const auto parsed =
        google::protobuf::util::JsonStringToMessage(listed.output, &replicas);
    EXPECT_TRUE(parsed.ok()) << parsed.message() << "\n" << listed.output;
    return replicas;
  }

  int runs_ = 0;
};

TEST_F(ReplicasTest, ShowsEachReplicaItsCursorLagAndAgent) {
  StartService();
  EXPECT_EQ(Replicas(kCounty).replicas_size(), 0);
  absl::StatusOr<SyncAgentProcess> agent = StartCouncilAgent();
  ASSERT_TRUE(agent.ok()) << agent.status();
  const Invocation synced = Planctl(agent->address(), kCouncil, {"sync"});
  ASSERT_EQ(synced.code, 0) << synced.output;

  // The activity is written after the answer: wait for it.
  v1::ListReplicasResponse replicas;
  ASSERT_TRUE(WaitFor(
      [&] {
        replicas = Replicas(kCounty);
        return replicas.replicas_size() == 1 &&
               replicas.replicas(0).has_last_pull_time();
      },
      absl::Seconds(10)))
      << replicas.DebugString();
  const v1::Replica replica =
      replicas.replicas(0);  // a copy: replicas is read again
  EXPECT_EQ(replica.organisation(), kCouncil);
  EXPECT_THAT(replica.plans(), ::testing::ElementsAre(kPlan));
  EXPECT_TRUE(replica.has_first_seen_time());
  EXPECT_TRUE(replica.has_last_sync_time());
  EXPECT_EQ(replica.cursor(), replicas.sequence());
  EXPECT_EQ(replica.lag_changes(), 0u);
  EXPECT_THAT(replica.agent_version(), StartsWith("sync-agent "));
  EXPECT_THAT(replica.agent_version(), HasSubstr("(commit "));
  EXPECT_EQ(replica.last_error(), "");

  // A new organisation replicates to every agent: the agent lacks it.
  const Invocation created =
      Planctl(service_->address(), kCounty,
              {"create", "organisations/lichfield-youth-trust",
               "display_name=Lichfield Youth Trust", "kind=VOLUNTARY"});
  ASSERT_EQ(created.code, 0) << created.output;
  replicas = Replicas(kCounty);
  ASSERT_EQ(replicas.replicas_size(), 1);
  EXPECT_EQ(replicas.replicas(0).lag_changes(), 1u);
  EXPECT_TRUE(replicas.replicas(0).has_lag());

  // Synced again, it has everything.
  ASSERT_EQ(Planctl(agent->address(), kCouncil, {"sync"}).code, 0);
  ASSERT_TRUE(WaitFor(
      [&] {
        replicas = Replicas(kCounty);
        return replicas.replicas_size() == 1 &&
               replicas.replicas(0).lag_changes() == 0;
      },
      absl::Seconds(10)))
      << replicas.DebugString();

  // The table names the organisation and replica, never cut.
  const Invocation table = Planctl(service_->address(), kCounty, {"replicas"});
  ASSERT_EQ(table.code, 0) << table.output;
  EXPECT_THAT(table.output, HasSubstr("ORGANISATION"));
  EXPECT_THAT(table.output, HasSubstr(kCouncil));
  EXPECT_THAT(table.output, HasSubstr(replica.replica_id()));
  EXPECT_THAT(table.output, HasSubstr(" ago"));
}

TEST_F(ReplicasTest, CountyOwnersSeeTheirCountyAndOthersAreRefused) {
  // The county council is no administrator here: it sees the replicas of
  // its county's plans as the OWNER of the county plan.
  StartService({"--admin_organisations=organisations/nobody"});
  absl::StatusOr<SyncAgentProcess> agent = StartCouncilAgent();
  ASSERT_TRUE(agent.ok()) << agent.status();
  ASSERT_EQ(Planctl(agent->address(), kCouncil, {"sync"}).code, 0);
  v1::ListReplicasResponse replicas;
  ASSERT_TRUE(WaitFor(
      [&] {
        replicas = Replicas(kCounty);
        return replicas.replicas_size() == 1;
      },
      absl::Seconds(10)))
      << replicas.DebugString();
  EXPECT_EQ(replicas.replicas(0).organisation(), kCouncil);

  // A district council owns a district plan, not a county's; the police
  // own nothing.
  for (const char* organisation : {kCouncil, kPolice}) {
    const Invocation refused =
        Planctl(service_->address(), organisation, {"replicas"});
    EXPECT_NE(refused.code, 0) << refused.output;
    EXPECT_THAT(refused.output, HasSubstr("PERMISSION_DENIED"));
    EXPECT_THAT(refused.output, HasSubstr("county plan"));
  }
}

TEST_F(ReplicasTest, RecordsTheLastErrorTheServiceGaveAReplica) {
  StartService();
  // The agent subscribes to a plan the council may not read.
  SyncAgentProcess::Options options;
  options.binary = SYNC_AGENT_BINARY;
  options.data_dir = dir_->Subpath("agent");
  options.log_path = dir_->Subpath("agent.log");
  options.server = service_->address();
  options.organisation = kPolice;
  options.plans = {"plans/no-such-plan"};
  absl::StatusOr<SyncAgentProcess> agent = SyncAgentProcess::Start(options);
  ASSERT_TRUE(agent.ok()) << agent.status();
  EXPECT_NE(Planctl(agent->address(), kPolice, {"sync"}).code, 0);
  v1::ListReplicasResponse replicas;
  ASSERT_TRUE(WaitFor(
      [&] {
        replicas = Replicas(kCounty);
        return replicas.replicas_size() == 1 &&
               !replicas.replicas(0).last_error().empty();
      },
      absl::Seconds(10)))
      << replicas.DebugString();
  EXPECT_EQ(replicas.replicas(0).organisation(), kPolice);
  EXPECT_TRUE(replicas.replicas(0).has_last_error_time());
  EXPECT_FALSE(replicas.replicas(0).has_last_pull_time());
}

TEST_F(ReplicasTest, AdminStatusSaysHowTheServiceAndItsStoreStand) {
  StartService();
  const Invocation json =
      Planctl(service_->address(), kCounty, {"--json", "admin", "status"});
  ASSERT_EQ(json.code, 0) << json.output;
  v1::ServiceStatus status;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(json.output, &status).ok())
      << json.output;
  EXPECT_THAT(status.version(), HasSubstr("(commit "));
  EXPECT_EQ(status.health(), "SERVING");
  EXPECT_FALSE(status.replica_id().empty());
  EXPECT_FALSE(status.epoch().empty());
  EXPECT_GT(status.sequence(), 100u);  // the demo plans
  EXPECT_EQ(status.horizon(), 0u);
  EXPECT_GT(status.wal_bytes() + status.table_bytes(), 0u);
  EXPECT_GT(status.free_bytes(), 0u);
  EXPECT_TRUE(status.has_start_time());

  const Invocation text =
      Planctl(service_->address(), kCounty, {"admin", "status"});
  ASSERT_EQ(text.code, 0) << text.output;
  EXPECT_THAT(text.output, HasSubstr("health"));
  EXPECT_THAT(text.output, HasSubstr("SERVING"));
  EXPECT_THAT(text.output, HasSubstr(status.epoch()));

  // Administrators only.
  const Invocation refused =
      Planctl(service_->address(), kPolice, {"admin", "status"});
  EXPECT_NE(refused.code, 0);
  EXPECT_THAT(refused.output, HasSubstr("PERMISSION_DENIED"));
}

}  // namespace
}  // namespace prevent::plan::test_support
