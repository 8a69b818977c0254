// planctl against a real plan-service process that loaded the seed plan on
// its first start: every command, table and JSON output, and exit codes.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/plan_service_process.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

#ifndef PLANCTL_BINARY
#error "PLANCTL_BINARY must name the planctl binary"
#endif

namespace prevent::plan {
namespace {

using test_support::Invocation;
using test_support::PlanServiceProcess;
using test_support::RunToCompletion;
using test_support::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPlan[] = "plans/south-staffordshire";
// An administrator in these tests, as in the demo configuration.
constexpr char kCounty[] = "organisations/staffordshire-county-council";
constexpr char kAsCounty[] =
    "--organisation=organisations/staffordshire-county-council";

class PlanctlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<TempDir> dir = TempDir::Create("planctl-test");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = new TempDir(std::move(*dir));
    PlanServiceProcess::Options options;
    options.binary = PLAN_SERVICE_BINARY;
    options.data_dir = dir_->Subpath("data");
    options.log_path = dir_->Subpath("service.log");
    // The README's run command's demo plans.
    options.extra_args = {
        absl::StrCat("--seed=", PLAN_SOURCE_DIR, "/deploy/demo/seed.textproto"),
        absl::StrCat("--admin_organisations=", kCounty)};
    absl::StatusOr<PlanServiceProcess> server =
        PlanServiceProcess::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = new PlanServiceProcess(std::move(*server));
  }

  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }

  Invocation Planctl(std::vector<std::string> args, bool to_server = true) {
    if (to_server) {
      args.insert(args.begin(),
                  {absl::StrCat("--server=", server_->address()),
                   "--organisation=organisations/south-staffordshire-council"});
    }
    return RunToCompletion(
        PLANCTL_BINARY, args,
        dir_->Subpath(absl::StrCat("planctl-", ++runs_, ".log")),
        absl::Seconds(30));
  }

  static TempDir* dir_;
  static PlanServiceProcess* server_;
  // Counts every run of the suite, so each has a log of its own.
  static int runs_;
};

TempDir* PlanctlTest::dir_ = nullptr;
PlanServiceProcess* PlanctlTest::server_ = nullptr;
int PlanctlTest::runs_ = 0;

TEST_F(PlanctlTest, HealthSaysServing) {
  const Invocation run = Planctl({"health"});
  EXPECT_EQ(run.code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("SERVING"));
}

// The demo's change log verifies, whole and for one plan. (A changed byte is
// found at its sequence: tests/sync/change_chain_test.cc.)
TEST_F(PlanctlTest, AuditVerifyChecksTheChangeLogsChain) {
  const Invocation all = Planctl({"audit", "verify"});
  EXPECT_EQ(all.code, 0) << all.output;
  EXPECT_THAT(all.output, HasSubstr("OK: "));
  const Invocation one = Planctl({"audit", "verify", kPlan});
  EXPECT_EQ(one.code, 0) << one.output;
  EXPECT_THAT(one.output, HasSubstr("chained"));
  const Invocation bad = Planctl({"audit", "check"});
  EXPECT_EQ(bad.code, 2) << bad.output;
}

TEST_F(PlanctlTest, SeedIsServedOnFirstStart) {
  const Invocation run = Planctl({"list", absl::StrCat(kPlan, "/activities")});
  EXPECT_EQ(run.code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("Risk Assessment and local understanding"));
  EXPECT_THAT(run.output, HasSubstr("TITLE"));
  const Invocation plans = Planctl({"--json", "list", "plans"});
  EXPECT_EQ(plans.code, 0) << plans.output;
  EXPECT_THAT(plans.output,
              HasSubstr("\"title\": \"South Staffordshire Prevent Action Plan "
                        "2023-2025\""));
}

TEST_F(PlanctlTest, CreateSetGetDeleteUndelete) {
  const std::string activity = absl::StrCat(kPlan, "/activities/planctl-test");
  Invocation run =
      Planctl({"create", activity, "title=Test activity",
               absl::StrCat("strand=", kPlan, "/strands/ideology"),
               "lead_organisations=organisations/staffordshire-police"});
  ASSERT_EQ(run.code, 0) << run.output;
  const std::string action = absl::StrCat(activity, "/actions/first");
  run = Planctl({"create", action, "description=Brief the panel",
                 "timescale=Feb 2024 - March 2025"});
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("start=2024-02"));
  run = Planctl({"set", action, "rag=red"});
  ASSERT_EQ(run.code, 0) << run.output;
  run = Planctl({"--json", "get", action});
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("\"rag\": \"RED\""));
  run = Planctl({"list", absl::StrCat(kPlan, "/activities/-/actions"),
                 "--filter=rag = RED"});
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("Brief the panel"));
  run = Planctl({"progress", action, "--rag=GREEN", "--note=Panel briefed"});
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_THAT(run.output,
              HasSubstr("organisations/south-staffordshire-council"));
  run = Planctl({"list", absl::StrCat(action, "/updates")});
  EXPECT_THAT(run.output, HasSubstr("Panel briefed"));
  run = Planctl({"delete", action});
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("delete_time"));
  run = Planctl({"list", absl::StrCat(activity, "/actions")});
  EXPECT_THAT(run.output, Not(HasSubstr("Brief the panel")));
  run = Planctl({"undelete", action});
  ASSERT_EQ(run.code, 0) << run.output;
}

TEST_F(PlanctlTest, ImportDryRunThenImportAndExport) {
  // Export the seed as CSV, then import it as a second plan.
  const std::string csv = dir_->Subpath("seed.csv");
  Invocation run = Planctl(
      {"export", kPlan, "--format=csv", absl::StrCat("--output=", csv)});
  ASSERT_EQ(run.code, 0) << run.output;
  // A district council may not make plans; an administrator may.
  run = Planctl(
      {"import", csv, "--plan=plans/copy", "--title=Copy", "--dry_run"});
  EXPECT_EQ(run.code, 3) << run.output;
  EXPECT_THAT(run.output, HasSubstr("NOT_ADMINISTRATOR"));
  run = Planctl({kAsCounty, "import", csv, "--plan=plans/copy", "--title=Copy",
                 "--dry_run"});
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("Would create"));
  run = Planctl({kAsCounty, "get", "plans/copy"});
  EXPECT_EQ(run.code, 3) << run.output;  // nothing was written
  run =
      Planctl({kAsCounty, "import", csv, "--plan=plans/copy", "--title=Copy"});
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("Created"));
  run = Planctl({kAsCounty, "list", "plans/copy/activities"});
  EXPECT_THAT(run.output, HasSubstr("Risk Assessment and local understanding"));

  const std::string html = dir_->Subpath("plan.html");
  run = Planctl(
      {"export", kPlan, "--format=html", absl::StrCat("--output=", html)});
  ASSERT_EQ(run.code, 0) << run.output;
  std::ifstream in(html);
  std::ostringstream text;
  text << in.rdbuf();
  EXPECT_THAT(text.str(), HasSubstr("<html"));
  run = Planctl({"export", kPlan, "--format=markdown"});
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("| Activity"));
}

TEST_F(PlanctlTest, ExitCodesSeparateUsageRefusalAndUnreachable) {
  EXPECT_EQ(Planctl({"frobnicate"}).code, 2);
  EXPECT_EQ(
      Planctl({"set", absl::StrCat(kPlan, "/activities/x"), "colour=red"}).code,
      2);
  const Invocation missing =
      Planctl({"get", absl::StrCat(kPlan, "/activities/missing")});
  EXPECT_EQ(missing.code, 3);
  EXPECT_THAT(missing.output, HasSubstr("NOT_FOUND"));
  const Invocation invalid =
      Planctl({"create", "organisations/x", "display_name="});
  EXPECT_EQ(invalid.code, 3);
  EXPECT_THAT(invalid.output, HasSubstr("organisation.display_name"));
  const Invocation down =
      Planctl({"--server=127.0.0.1:1", "--timeout=2s", "health"}, false);
  EXPECT_EQ(down.code, 4) << down.output;
}

TEST_F(PlanctlTest, CountyAndPlanReportsAndChangesSinceADate) {
  // The county council owns the county plan, so reads its districts too;
  // a district council does not.
  Invocation county = Planctl({"report", "county", "plans/staffordshire"});
  EXPECT_EQ(county.code, 3) << county.output;
  EXPECT_THAT(county.output, HasSubstr("NOT_A_MEMBER"));
  county = Planctl({kAsCounty, "report", "county", "plans/staffordshire"});
  ASSERT_EQ(county.code, 0) << county.output;
  EXPECT_THAT(county.output,
              HasSubstr("South Staffordshire Prevent Action Plan"));
  EXPECT_THAT(county.output, HasSubstr("Cannock Chase Prevent Action Plan"));
  EXPECT_THAT(county.output, HasSubstr("OVERDUE ACTION"));
  const std::string html = dir_->Subpath("county.html");
  county =
      Planctl({kAsCounty, "report", "county", "plans/staffordshire",
               absl::StrCat("--html=", html), "--period=2024-04..2025-03"});
  ASSERT_EQ(county.code, 0) << county.output;
  std::ifstream in(html);
  std::ostringstream text;
  text << in.rdbuf();
  EXPECT_THAT(text.str(), HasSubstr("<svg"));
  Invocation plan =
      Planctl({kAsCounty, "--json", "report", "plan", "plans/cannock-chase"});
  ASSERT_EQ(plan.code, 0) << plan.output;
  EXPECT_THAT(plan.output, HasSubstr("\"overdue\""));
  // A district plan has no county summary.
  EXPECT_EQ(Planctl({"report", "county", kPlan}).code, 3);
  Invocation changes = Planctl({"changes", kPlan, "--since=2000-01-01"});
  ASSERT_EQ(changes.code, 0) << changes.output;
  EXPECT_THAT(changes.output, HasSubstr("CREATE"));
  EXPECT_EQ(Planctl({"changes", kPlan, "--since=yesterday"}).code, 2);
}

TEST_F(PlanctlTest, MembersAreListedAndManagedByTheOwner) {
  // The seed made the district council OWNER and its lead partners EDITORs.
  Invocation run = Planctl({"list", absl::StrCat(kPlan, "/members")});
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("members/south-staffordshire-council"));
  EXPECT_THAT(run.output, HasSubstr("OWNER"));
  EXPECT_THAT(run.output, HasSubstr("members/staffordshire-police"));
  EXPECT_THAT(run.output, HasSubstr("EDITOR"));
  const std::string viewer =
      absl::StrCat(kPlan, "/members/cannock-chase-council");
  run = Planctl({"get", viewer});
  EXPECT_EQ(run.code, 3) << run.output;
  run = Planctl({"create", viewer, "role=VIEWER"});
  ASSERT_EQ(run.code, 0) << run.output;
  // A VIEWER reads but does not write, and manages no members.
  const std::string as_viewer =
      "--organisation=organisations/cannock-chase-council";
  run = Planctl({as_viewer, "get", kPlan});
  EXPECT_EQ(run.code, 0) << run.output;
  run = Planctl({as_viewer, "set", kPlan, "title=Renamed"});
  EXPECT_EQ(run.code, 3) << run.output;
  EXPECT_THAT(run.output, HasSubstr("ROLE_TOO_LOW"));
  run = Planctl({as_viewer, "set", viewer, "role=OWNER"});
  EXPECT_EQ(run.code, 3) << run.output;
  EXPECT_THAT(run.output, HasSubstr("PERMISSION_DENIED"));
  run = Planctl({"delete", viewer});
  ASSERT_EQ(run.code, 0) << run.output;
  run = Planctl({as_viewer, "get", kPlan});
  EXPECT_EQ(run.code, 3) << run.output;
  EXPECT_THAT(run.output, HasSubstr("NOT_A_MEMBER"));
}

TEST_F(PlanctlTest, HelpDescribesEveryCommand) {
  const Invocation help = Planctl({"help"}, false);
  EXPECT_EQ(help.code, 0);
  for (const char* command :
       {"get", "list", "create", "set", "delete", "undelete", "progress",
        "import", "export", "health", "report", "changes", "sync",
        "sync-status", "conflicts", "audit", "admin"}) {
    EXPECT_THAT(help.output, HasSubstr(absl::StrCat("  ", command))) << command;
    const Invocation one = Planctl({command, "--help"}, false);
    EXPECT_EQ(one.code, 0);
    EXPECT_THAT(one.output, HasSubstr(absl::StrCat("planctl ", command)));
  }
}

}  // namespace
}  // namespace prevent::plan
