// What the REST end-to-end tests share: one HTTP request with a plain
// client, its answer read back as JSON, and a matcher of the API's error
// body (AIP-193).
#ifndef PLAN_TESTS_E2E_REST_SUPPORT_H_
#define PLAN_TESTS_E2E_REST_SUPPORT_H_

#include <httplib.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/support/plan_service_process.h"
#include "tests/support/sync_agent_process.h"
#include "tests/support/temp_dir.h"

namespace prevent::plan::test_support {

struct Reply {
  int status = 0;
  std::string body;
  std::string content_type;
  httplib::Headers headers;
};

// One request; status 0 when no answer came.
inline Reply Send(httplib::Client& client, const std::string& method,
                  const std::string& path, const std::string& body = "",
                  httplib::Headers headers = {},
                  const std::string& content_type = "application/json") {
  httplib::Result result = [&] {
    if (method == "GET") return client.Get(path, headers);
    if (method == "POST") return client.Post(path, headers, body, content_type);
    if (method == "PATCH") {
      return client.Patch(path, headers, body, content_type);
    }
    if (method == "PUT") return client.Put(path, headers, body, content_type);
    return client.Delete(path, headers, body, content_type);
  }();
  Reply reply;
  if (!result) return reply;
  reply.status = result->status;
  reply.body = result->body;
  reply.content_type = result->get_header_value("Content-Type");
  reply.headers = result->headers;
  return reply;
}

// `text` as a JSON string literal (etags hold quotes).
inline std::string Quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

template <typename Message>
Message Parse(const Reply& reply) {
  Message message;
  const auto parsed =
      google::protobuf::util::JsonStringToMessage(reply.body, &message);
  EXPECT_TRUE(parsed.ok()) << parsed.message() << "\n" << reply.body;
  return message;
}

// The AIP-193 error body: {"error": {"code", "message", "status", ...}}.
MATCHER_P2(IsError, http_status, reason, "") {
  *result_listener << "status " << arg.status << ", body " << arg.body;
  return arg.status == http_status &&
         absl::StrContains(arg.body,
                           absl::StrCat("\"code\":", http_status, ",")) &&
         absl::StrContains(arg.body,
                           absl::StrCat("\"reason\":\"", reason, "\"")) &&
         absl::StartsWith(arg.content_type, "application/json");
}

// A test with the plan service serving the demo plans and HTTP on
// loopback (StartService), in a temporary directory kept when it fails.
// The county council is an administrator.
class DemoServiceTest : public ::testing::Test {
 protected:
  static constexpr char kPlan[] = "plans/south-staffordshire";
  static constexpr char kCounty[] =
      "organisations/staffordshire-county-council";
  static constexpr char kCouncil[] =
      "organisations/south-staffordshire-council";
  static constexpr char kPolice[] = "organisations/staffordshire-police";

  void SetUp() override {
    absl::StatusOr<TempDir> dir = TempDir::Create(
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_.emplace(*std::move(dir));
  }

  void TearDown() override {
    if (HasFailure()) {
      dir_->Keep();
      std::cerr << "logs kept in " << dir_->path() << "\n";
    }
  }

  // Starts the service with `extra_args`; with certificates from
  // deploy/certs.sh in `tls_dir`, it serves TLS (and HTTPS) and its own
  // calls present the county council's certificate.
  void StartService(const std::vector<std::string>& extra_args = {},
                    const std::string& tls_dir = "") {
    PlanServiceProcess::Options options;
    options.binary = PLAN_SERVICE_BINARY;
    options.data_dir = dir_->Subpath("service");
    options.log_path = dir_->Subpath("service.log");
    options.http = true;
    options.tls_dir = tls_dir;
    options.tls_client = "staffordshire-county-council";
    options.extra_args = {
        absl::StrCat("--seed=", PLAN_SOURCE_DIR, "/deploy/demo/seed.textproto"),
        absl::StrCat("--admin_organisations=", kCounty)};
    options.extra_args.insert(options.extra_args.end(), extra_args.begin(),
                              extra_args.end());
    absl::StatusOr<PlanServiceProcess> service =
        PlanServiceProcess::Start(options);
    ASSERT_TRUE(service.ok()) << service.status();
    service_.emplace(*std::move(service));
  }

  // Starts the council's sync agent for the plan, serving HTTP on loopback,
  // with `extra_args`.
  absl::StatusOr<SyncAgentProcess> StartCouncilAgent(
      const std::vector<std::string>& extra_args = {}) {
    SyncAgentProcess::Options options;
    options.binary = SYNC_AGENT_BINARY;
    options.data_dir = dir_->Subpath("agent");
    options.log_path = dir_->Subpath("agent.log");
    options.server = service_->address();
    options.organisation = kCouncil;
    options.plans = {kPlan};
    options.http = true;
    options.extra_args = extra_args;
    return SyncAgentProcess::Start(options);
  }

  // A plaintext client of the service's HTTP listener.
  std::unique_ptr<httplib::Client> Client() {
    auto client =
        std::make_unique<httplib::Client>("127.0.0.1", service_->http_port());
    client->set_read_timeout(30, 0);
    return client;
  }

  std::optional<TempDir> dir_;
  std::optional<PlanServiceProcess> service_;
};

}  // namespace prevent::plan::test_support

#endif  // PLAN_TESTS_E2E_REST_SUPPORT_H_
