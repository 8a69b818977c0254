// --metrics_listen on the real plan service and sync agent: what a
// Prometheus scrape finds after a sync, and that every metric the shipped
// alerting rules (deploy/prometheus/alerts.yaml) use is there.

#include <httplib.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/rest_support.h"
#include "tests/support/process.h"
#include "tests/support/sync_agent_process.h"

namespace prevent::plan::test_support {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;

std::string Scrape(int port) {
  httplib::Client client("127.0.0.1", port);
  httplib::Result result = client.Get("/metrics");
  if (!result) return "";
  EXPECT_EQ(result->status, 200);
  EXPECT_THAT(result->get_header_value("Content-Type"),
              HasSubstr("text/plain; version=0.0.4"));
  return result->body;
}

class MetricsTest : public DemoServiceTest {};

TEST_F(MetricsTest, ScrapesShowCallsSyncsStoreAndReplicasAndAlertsUseThem) {
  const int service_port = FreeLoopbackPort();
  StartService({absl::StrCat("--metrics_listen=127.0.0.1:", service_port)});
  const int agent_port = FreeLoopbackPort();
  absl::StatusOr<SyncAgentProcess> agent = StartCouncilAgent(
      {absl::StrCat("--metrics_listen=127.0.0.1:", agent_port)});
  ASSERT_TRUE(agent.ok()) << agent.status();
  const Invocation synced =
      RunToCompletion(PLANCTL_BINARY, {"--server=" + agent->address(), "sync"},
                      dir_->Subpath("planctl.log"));
  ASSERT_EQ(synced.code, 0) << synced.output;

  const std::string service = Scrape(service_port);
  // Calls, by service, method and code, and their times.
  EXPECT_THAT(service, HasSubstr("grpc_server_handled_total{grpc_code=\"OK\","
                                 "grpc_method=\"GetSnapshot\",grpc_service="
                                 "\"prevent.plan.v1.SyncService\"} 1"));
  EXPECT_THAT(service, HasSubstr("grpc_server_handling_seconds_bucket{"));
  // Syncs by organisation.
  EXPECT_THAT(service,
              HasSubstr(absl::StrCat("plan_sync_pulls_total{organisation=\"",
                                     kCouncil, "\"}")));
  // The store: commit groups, the log, sizes.
  EXPECT_THAT(service,
              ContainsRegex("plan_store_commit_group_writers_count [1-9]"));
  EXPECT_THAT(service,
              ContainsRegex("plan_store_commit_write_seconds_count [1-9]"));
  EXPECT_THAT(service, ContainsRegex("plan_change_log_sequence [1-9]"));
  EXPECT_THAT(service, HasSubstr("plan_store_healthy 1"));
  EXPECT_THAT(service,
              ContainsRegex("plan_store_bytes\\{kind=\"wal\"\\} [1-9]"));
  EXPECT_THAT(service, ContainsRegex("plan_store_free_bytes [1-9]"));
  // Each replica's age and lag.
  EXPECT_THAT(service, HasSubstr(absl::StrCat(
                           "plan_replica_seconds_since_sync{organisation=\"",
                           kCouncil, "\",replica=")));
  EXPECT_THAT(service, HasSubstr("plan_replica_lag_changes{"));

  const std::string agent_text = Scrape(agent_port);
  EXPECT_THAT(agent_text,
              ContainsRegex(absl::StrCat(
                  "plan_agent_last_sync_success_timestamp_seconds\\{"
                  "organisation=\"",
                  kCouncil, "\"\\} 1[0-9]{9}")));
  EXPECT_THAT(agent_text, HasSubstr("plan_agent_pending_changes{"));
  EXPECT_THAT(agent_text,
              HasSubstr("grpc_server_handled_total{grpc_code=\"OK\","
                        "grpc_method=\"SyncNow\""));

  // Every metric an alert uses is one the programs export.
  std::ifstream rules(
      absl::StrCat(PLAN_SOURCE_DIR, "/deploy/prometheus/alerts.yaml"));
  std::stringstream text;
  text << rules.rdbuf();
  const std::string yaml = text.str();
  const std::regex metric("\\bplan_[a-z_]+");
  std::set<std::string> used;
  for (auto it = std::sregex_iterator(yaml.begin(), yaml.end(), metric);
       it != std::sregex_iterator(); ++it) {
    used.insert(it->str());
  }
  EXPECT_GE(used.size(), 3u);
  for (const std::string& name : used) {
    EXPECT_TRUE(absl::StrContains(service, absl::StrCat("\n", name)) ||
                absl::StrContains(agent_text, absl::StrCat("\n", name)))
        << name << " is used by an alert but exported by neither program";
  }
}

}  // namespace
}  // namespace prevent::plan::test_support
