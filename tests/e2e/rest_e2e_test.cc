// The REST/JSON API of the real binaries, with a plain HTTP client: the plan
// service in development mode and over HTTPS with client certificates, and a
// sync agent on loopback. Every answer is read back with protobuf's JSON
// parser, so it is checked to be the API's JSON mapping.
#include <httplib.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "prevent/plan/v1/agent_service.pb.h"
#include "prevent/plan/v1/plan_service.pb.h"
#include "prevent/plan/v1/report_service.pb.h"
#include "tests/e2e/rest_support.h"
#include "tests/support/process.h"
#include "tests/support/sync_agent_process.h"

namespace prevent::plan {
namespace {

using ::prevent::plan::test_support::IsError;
using ::prevent::plan::test_support::Parse;
using ::prevent::plan::test_support::Quoted;
using ::prevent::plan::test_support::ReadFileTail;
using ::prevent::plan::test_support::Reply;
using ::prevent::plan::test_support::RunToCompletion;
using ::prevent::plan::test_support::Send;
using ::prevent::plan::test_support::SyncAgentProcess;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class RestE2eTest : public test_support::DemoServiceTest {
 protected:
  // The actions of the plan, via REST.
  std::vector<v1::Action> Actions(httplib::Client& client) {
    const Reply reply = Send(
        client, "GET",
        absl::StrCat("/v1/", kPlan, "/activities/-/actions?page_size=1000"));
    EXPECT_EQ(reply.status, 200) << reply.body;
    const auto list = Parse<v1::ListActionsResponse>(reply);
    return {list.actions().begin(), list.actions().end()};
  }
};

TEST_F(RestE2eTest, ReadsListsAndReportsAsJson) {
  ASSERT_NO_FATAL_FAILURE(StartService());
  auto client = Client();
  Reply plan = Send(*client, "GET", absl::StrCat("/v1/", kPlan));
  ASSERT_EQ(plan.status, 200) << plan.body;
  EXPECT_EQ(plan.content_type, "application/json; charset=utf-8");
  EXPECT_THAT(plan.body, HasSubstr("\"periodStart\""));  // lowerCamelCase
  EXPECT_EQ(Parse<v1::Plan>(plan).name(), kPlan);

  const std::vector<v1::Action> actions = Actions(*client);
  ASSERT_GT(actions.size(), 10u);
  Reply filtered =
      Send(*client, "GET",
           absl::StrCat("/v1/", kPlan,
                        "/activities?filter=lead_organisations%20%3A%20%22",
                        kPolice, "%22&pageSize=1"));
  ASSERT_EQ(filtered.status, 200) << filtered.body;
  const auto page = Parse<v1::ListActivitiesResponse>(filtered);
  ASSERT_EQ(page.activities_size(), 1);
  EXPECT_THAT(page.activities(0).lead_organisations(),
              ::testing::Contains(kPolice));

  Reply summary = Send(*client, "GET", absl::StrCat("/v1/", kPlan, ":summary"));
  ASSERT_EQ(summary.status, 200) << summary.body;
  EXPECT_EQ(Parse<v1::PlanSummary>(summary).plan(), kPlan);
  Reply county = Send(*client, "GET", "/v1/plans/staffordshire:countySummary");
  ASSERT_EQ(county.status, 200) << county.body;
  Parse<v1::CountySummary>(county);

  Reply csv =
      Send(*client, "GET", absl::StrCat("/v1/", kPlan, ":export?format=CSV"));
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_THAT(csv.content_type, StartsWith("text/csv"));
  EXPECT_THAT(csv.body, HasSubstr(actions[0].description().substr(0, 20)));
  Reply organisations = Send(*client, "GET", "/v1/organisations");
  ASSERT_EQ(organisations.status, 200) << organisations.body;
  EXPECT_GT(
      Parse<v1::ListOrganisationsResponse>(organisations).organisations_size(),
      3);
}

TEST_F(RestE2eTest, WritesGoThroughTheServiceWithEtagsAndTheirAuthor) {
  ASSERT_NO_FATAL_FAILURE(StartService());
  auto client = Client();
  const std::vector<v1::Action> actions = Actions(*client);
  ASSERT_FALSE(actions.empty());
  const v1::Action& action = actions.front();
  const httplib::Headers as_council = {{"X-Prevent-Organisation", kCouncil},
                                       {"X-Prevent-User", "Jo Bloggs"}};
  const std::string path = absl::StrCat("/v1/", action.name());

  Reply updated = Send(
      *client, "PATCH", absl::StrCat(path, "?update_mask=rag"),
      absl::StrCat(R"({"rag": "RED", "etag": )", Quoted(action.etag()), "}"),
      as_council);
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(Parse<v1::Action>(updated).rag(), v1::RED);
  const std::string edited = google::protobuf::util::TimeUtil::ToString(
      Parse<v1::Action>(updated).update_time());

  // The etag read before is stale now: 412, and nothing changes.
  Reply stale = Send(
      *client, "PATCH", absl::StrCat(path, "?update_mask=rag"),
      absl::StrCat(R"({"rag": "GREEN", "etag": )", Quoted(action.etag()), "}"),
      as_council);
  EXPECT_THAT(stale, IsError(412, "ETAG_MISMATCH"));
  EXPECT_THAT(stale.body, HasSubstr("\"status\":\"ABORTED\""));
  EXPECT_EQ(Parse<v1::Action>(Send(*client, "GET", path)).rag(), v1::RED);

  // The change log names who made it.
  Reply changes = Send(*client, "GET",
                       absl::StrCat("/v1/", kPlan, "/changes?since=", edited));
  ASSERT_EQ(changes.status, 200) << changes.body;
  EXPECT_THAT(changes.body, HasSubstr("Jo Bloggs"));

  // Create, delete and undelete.
  const std::string parent =
      action.name().substr(0, action.name().find("/actions/"));
  Reply created = Send(
      *client, "POST",
      absl::StrCat("/v1/", parent, "/actions?action_id=rest-1"),
      absl::StrCat(
          R"({"description": "Brief the new DSLs", "ownerOrganisation": ")",
          kCouncil, R"(", "timescale": {"end": "2026-03"}})"),
      as_council);
  ASSERT_EQ(created.status, 200) << created.body;
  const std::string made = absl::StrCat(parent, "/actions/rest-1");
  EXPECT_EQ(Parse<v1::Action>(created).name(), made);
  Reply again = Send(*client, "POST",
                     absl::StrCat("/v1/", parent, "/actions?action_id=rest-1"),
                     R"({"description": "Twice"})", as_council);
  EXPECT_THAT(again, IsError(409, "ALREADY_EXISTS"));
  Reply deleted =
      Send(*client, "DELETE", absl::StrCat("/v1/", made), "", as_council);
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_TRUE(Parse<v1::Action>(deleted).has_delete_time());
  Reply undeleted =
      Send(*client, "POST", absl::StrCat("/v1/", made, ":undelete"), "{}",
           as_council);
  ASSERT_EQ(undeleted.status, 200) << undeleted.body;
  EXPECT_FALSE(Parse<v1::Action>(undeleted).has_delete_time());

  // A progress update, then its history.
  Reply progress = Send(
      *client, "POST", absl::StrCat("/v1/", made, "/updates"),
      R"({"rag": "AMBER", "note": "Two of five schools briefed"})", as_council);
  ASSERT_EQ(progress.status, 200) << progress.body;
  Reply history = Send(*client, "GET", absl::StrCat("/v1/", made, "/updates"));
  ASSERT_EQ(history.status, 200) << history.body;
  EXPECT_EQ(
      Parse<v1::ListProgressUpdatesResponse>(history).progress_updates_size(),
      1);
}

TEST_F(RestE2eTest, RefusalsAreJsonErrorsThatChangeNothing) {
  ASSERT_NO_FATAL_FAILURE(StartService());
  auto client = Client();
  const std::vector<v1::Action> actions = Actions(*client);
  ASSERT_FALSE(actions.empty());
  const v1::Action& action = actions.front();
  const std::string path = absl::StrCat("/v1/", action.name());
  const httplib::Headers as_council = {{"X-Prevent-Organisation", kCouncil}};

  EXPECT_THAT(Send(*client, "GET", "/v1/nothing/here"),
              IsError(404, "UNKNOWN_PATH"));
  EXPECT_THAT(Send(*client, "GET", absl::StrCat(path, "x")),
              IsError(404, "RESOURCE_NOT_FOUND"));
  Reply wrong_method = Send(*client, "PUT", path, "{}");
  EXPECT_THAT(wrong_method, IsError(405, "METHOD_NOT_ALLOWED"));
  EXPECT_THAT(wrong_method.body, HasSubstr("DELETE, GET, PATCH"));

  const std::string update = absl::StrCat(path, "?update_mask=rag");
  Reply malformed = Send(*client, "PATCH", update, R"({"rag": )", as_council);
  EXPECT_THAT(malformed, IsError(400, "INVALID_ARGUMENT"));
  EXPECT_THAT(malformed.body, HasSubstr("\"field\":\"body\""));
  Reply unknown =
      Send(*client, "PATCH", update, R"({"colour": "RED"})", as_council);
  EXPECT_THAT(unknown, IsError(400, "INVALID_ARGUMENT"));
  EXPECT_THAT(unknown.body, HasSubstr("colour"));
  Reply wrong_type =
      Send(*client, "PATCH", update, R"({"rag": ["RED"]})", as_council);
  EXPECT_THAT(wrong_type, IsError(400, "INVALID_ARGUMENT"));
  Reply bad_query =
      Send(*client, "GET",
           absl::StrCat("/v1/", kPlan, "/activities/-/actions?page_size=many"));
  EXPECT_THAT(bad_query, IsError(400, "INVALID_ARGUMENT"));
  EXPECT_THAT(bad_query.body, HasSubstr("\"field\":\"page_size\""));
  EXPECT_THAT(Send(*client, "PATCH", update, "rag=RED", as_council,
                   "application/x-www-form-urlencoded"),
              IsError(415, "UNSUPPORTED_MEDIA_TYPE"));
  // What an HTML form on another site could send: no body, not JSON.
  EXPECT_THAT(Send(*client, "POST", absl::StrCat(path, ":undelete"), "",
                   as_council, "text/plain"),
              IsError(415, "UNSUPPORTED_MEDIA_TYPE"));
  // gRPC takes only printable ASCII as metadata (and httplib decodes
  // headers): refused, and the service still serves.
  EXPECT_THAT(Send(*client, "GET", path, "", {{"X-Prevent-User", "Si%C3%A2n"}}),
              IsError(400, "BAD_HEADER"));
  EXPECT_THAT(Send(*client, "GET", path, "", {{"X-Prevent-User", "a%0Ab"}}),
              IsError(400, "BAD_HEADER"));
  EXPECT_THAT(Send(*client, "GET", "/v1/plans/%FF"), IsError(400, "BAD_PATH"));
  // An error is never cut to a Range.
  EXPECT_THAT(Send(*client, "GET", "/v1/nothing", "", {{"Range", "bytes=0-9"}}),
              IsError(404, "UNKNOWN_PATH"));
  EXPECT_EQ(Send(*client, "GET", path).status, 200);
  // A name an attacker pointed at 127.0.0.1 (DNS rebinding).
  EXPECT_THAT(
      Send(*client, "GET", path, "",
           {{"Host", absl::StrCat("evil.example:", service_->http_port())}}),
      IsError(403, "HOST_NOT_LOOPBACK"));
  Reply oversized = Send(
      *client, "PATCH", update,
      absl::StrCat(R"({"description": ")", std::string(5 << 20, 'x'), "\"}"),
      as_council);
  EXPECT_EQ(oversized.status, 413) << oversized.body.substr(0, 200);

  // Another district's council is not a member of this plan.
  Reply refused =
      Send(*client, "PATCH", update, R"({"rag": "RED"})",
           {{"X-Prevent-Organisation", "organisations/cannock-chase-council"}});
  EXPECT_THAT(refused, IsError(403, "NOT_A_MEMBER"));
  EXPECT_THAT(Send(*client, "GET", absl::StrCat("/v1/", kPlan), "",
                   {{"X-Prevent-Organisation", "police"}}),
              IsError(400, "BAD_ORGANISATION_METADATA"));

  // None of it changed the action.
  Reply after = Send(*client, "GET", path);
  ASSERT_EQ(after.status, 200);
  EXPECT_EQ(Parse<v1::Action>(after).etag(), action.etag());
}

// A certificate made by deploy/certs.sh names the organisation over HTTPS;
// without one the caller is not authenticated.
TEST_F(RestE2eTest, HttpsActsForTheClientCertificatesOrganisation) {
  const std::string certs = dir_->Subpath("certs");
  const auto made = RunToCompletion(
      "/bin/bash",
      {absl::StrCat(PLAN_SOURCE_DIR, "/deploy/certs.sh"),
       absl::StrCat("--out=", certs), "staffordshire-county-council",
       "south-staffordshire-council", "cannock-chase-council"},
      dir_->Subpath("certs.log"));
  ASSERT_EQ(made.code, 0) << made.output;
  ASSERT_NO_FATAL_FAILURE(StartService({}, certs));

  const auto client_as = [&](const std::string& id) {
    const std::string address =
        absl::StrCat("https://127.0.0.1:", service_->http_port());
    auto client = id.empty()
                      ? std::make_unique<httplib::Client>(address)
                      : std::make_unique<httplib::Client>(
                            address, absl::StrCat(certs, "/", id, ".pem"),
                            absl::StrCat(certs, "/", id, ".key"));
    client->set_ca_cert_path(absl::StrCat(certs, "/ca.pem"));
    client->enable_server_certificate_verification(true);
    client->set_read_timeout(30, 0);
    return client;
  };
  auto anonymous = client_as("");
  EXPECT_THAT(Send(*anonymous, "GET", absl::StrCat("/v1/", kPlan)),
              IsError(401, "SIGN_IN_REQUIRED"));

  auto council = client_as("south-staffordshire-council");
  const Reply plan = Send(*council, "GET", absl::StrCat("/v1/", kPlan));
  ASSERT_EQ(plan.status, 200) << plan.body;
  // A header may only repeat the certificate's organisation.
  EXPECT_THAT(Send(*council, "GET", absl::StrCat("/v1/", kPlan), "",
                   {{"X-Prevent-Organisation", kCounty}}),
              IsError(403, "NOT_YOUR_ORGANISATION"));

  // Another district council is not a member of this plan.
  auto other = client_as("cannock-chase-council");
  const auto listed = Parse<v1::ListActionsResponse>(
      Send(*council, "GET",
           absl::StrCat("/v1/", kPlan, "/activities/-/actions?page_size=1")));
  ASSERT_EQ(listed.actions_size(), 1);
  const v1::Action& action = listed.actions(0);
  const std::string update =
      absl::StrCat("/v1/", action.name(), "?update_mask=rag");
  EXPECT_THAT(Send(*other, "PATCH", update, R"({"rag": "RED"})"),
              IsError(403, "NOT_A_MEMBER"));
  const Reply updated = Send(*council, "PATCH", update, R"({"rag": "RED"})");
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(Parse<v1::Action>(updated).rag(), v1::RED);
}

TEST_F(RestE2eTest, AnAgentServesItsReplicaAndSyncsOnRequest) {
  ASSERT_NO_FATAL_FAILURE(StartService());
  absl::StatusOr<SyncAgentProcess> agent = StartCouncilAgent();
  ASSERT_TRUE(agent.ok()) << agent.status();
  httplib::Client local("127.0.0.1", agent->http_port());
  local.set_read_timeout(60, 0);

  Reply status = Send(local, "GET", "/v1/agent/syncStatus");
  ASSERT_EQ(status.status, 200) << status.body;
  EXPECT_EQ(Parse<v1::SyncStatus>(status).organisation(), kCouncil);
  // The first sync brings the plan.
  const Reply bootstrapped = Send(local, "POST", "/v1/agent:syncNow", "");
  ASSERT_EQ(bootstrapped.status, 200)
      << bootstrapped.body << ReadFileTail(agent->log_path());

  const Reply list =
      Send(local, "GET",
           absl::StrCat("/v1/", kPlan, "/activities/-/actions?page_size=1"));
  ASSERT_EQ(list.status, 200) << list.body;
  const auto listed = Parse<v1::ListActionsResponse>(list);
  ASSERT_EQ(listed.actions_size(), 1);
  const v1::Action& action = listed.actions(0);
  const Reply updated = Send(
      local, "PATCH", absl::StrCat("/v1/", action.name(), "?update_mask=rag"),
      R"({"rag": "AMBER"})", {{"X-Prevent-User", "Sam Patel"}});
  ASSERT_EQ(updated.status, 200) << updated.body;
  // The agent's API acts as its own organisation only.
  EXPECT_THAT(Send(local, "GET", absl::StrCat("/v1/", kPlan), "",
                   {{"X-Prevent-Organisation", kPolice}}),
              IsError(403, "NOT_YOUR_ORGANISATION"));
  // Reports are the plan service's.
  EXPECT_THAT(Send(local, "GET", absl::StrCat("/v1/", kPlan, ":summary")),
              IsError(404, "UNKNOWN_PATH"));

  const Reply synced = Send(local, "POST", "/v1/agent:syncNow", "");
  ASSERT_EQ(synced.status, 200)
      << synced.body << ReadFileTail(agent->log_path());
  EXPECT_EQ(Parse<v1::SyncNowResponse>(synced).pushed(), 1);
  auto client = Client();
  const Reply served =
      Send(*client, "GET", absl::StrCat("/v1/", action.name()));
  ASSERT_EQ(served.status, 200);
  EXPECT_EQ(Parse<v1::Action>(served).rag(), v1::AMBER);
}

// The agent's HTTP API acts as its organisation with no sign-in, so it is
// served on loopback only.
TEST_F(RestE2eTest, AnAgentRefusesHttpOffLoopback) {
  ASSERT_NO_FATAL_FAILURE(StartService());
  const auto run =
      RunToCompletion(SYNC_AGENT_BINARY,
                      {absl::StrCat("--server=", service_->address()),
                       absl::StrCat("--organisation=", kCouncil),
                       absl::StrCat("--plans=", kPlan), "--listen=127.0.0.1:0",
                       absl::StrCat("--data_dir=", dir_->Subpath("agent")),
                       "--http_listen=0.0.0.0:0"},
                      dir_->Subpath("agent.log"));
  EXPECT_EQ(run.code, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("is not loopback"));
}

}  // namespace
}  // namespace prevent::plan

namespace prevent::plan {
namespace {

// The web app is served by the same listener, under a policy that lets it
// load only this server's own files.
TEST_F(RestE2eTest, ServesTheWebAppWithItsSecurityHeaders) {
  ASSERT_NO_FATAL_FAILURE(StartService());
  auto client = Client();
  const Reply page = Send(*client, "GET", "/");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_THAT(page.body, HasSubstr("/assets/js/app.js"));
  const auto header = [&](const char* name) {
    const auto it = page.headers.find(name);
    return it == page.headers.end() ? std::string() : it->second;
  };
  EXPECT_THAT(header("Content-Security-Policy"),
              HasSubstr("script-src 'self'"));
  EXPECT_THAT(header("Content-Security-Policy"),
              HasSubstr("frame-ancestors 'none'"));
  EXPECT_EQ(header("X-Frame-Options"), "DENY");
  EXPECT_EQ(header("X-Content-Type-Options"), "nosniff");
  const Reply script = Send(*client, "GET", "/assets/js/app.js");
  ASSERT_EQ(script.status, 200);
  EXPECT_EQ(script.content_type, "text/javascript; charset=utf-8");
  EXPECT_THAT(Send(*client, "GET", "/assets/missing.js"),
              IsError(404, "UNKNOWN_PATH"));
  EXPECT_THAT(Send(*client, "POST", "/", "{}"), IsError(404, "UNKNOWN_PATH"));
  // Plaintext answers only requests addressed to loopback, the app too.
  EXPECT_THAT(Send(*client, "GET", "/", "", {{"Host", "evil.example"}}),
              IsError(403, "HOST_NOT_LOOPBACK"));
}

}  // namespace
}  // namespace prevent::plan
