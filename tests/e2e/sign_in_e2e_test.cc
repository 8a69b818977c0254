// Signing people in to the real plan service over HTTP (docs/security.md,
// "Signing in"): local accounts that planctl adds, sessions and their CSRF
// tokens, the throttle on failed sign-ins, single sign-on through a trusted
// proxy, HTTPS cookies, and a sync agent, where nobody signs in.
#include <httplib.h>

#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "gtest/gtest.h"
#include "prevent/plan/v1/plan_service.pb.h"
#include "prevent/plan/v1/report_service.pb.h"
#include "tests/e2e/rest_support.h"
#include "tests/support/process.h"
#include "tests/support/sync_agent_process.h"

namespace prevent::plan {
namespace {

using ::prevent::plan::test_support::IsError;
using ::prevent::plan::test_support::Parse;
using ::prevent::plan::test_support::ReadFileTail;
using ::prevent::plan::test_support::Reply;
using ::prevent::plan::test_support::RunToCompletion;
using ::prevent::plan::test_support::Send;
using ::prevent::plan::test_support::SyncAgentProcess;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kPassword[] = "correct horse battery";

// A signed-in person: the cookie to send back and the CSRF token.
struct Session {
  std::string cookie;  // "name=value"
  std::string csrf_token;
  std::string set_cookie;  // the whole Set-Cookie header
};

google::protobuf::Struct JsonObject(const Reply& reply) {
  return Parse<google::protobuf::Struct>(reply);
}

std::string StringField(const Reply& reply, const std::string& field) {
  const google::protobuf::Struct object = JsonObject(reply);
  const auto it = object.fields().find(field);
  return it == object.fields().end() ? "" : it->second.string_value();
}

class SignInE2eTest : public test_support::DemoServiceTest {
 protected:
  // Runs planctl against the service, with `input` on its stdin.
  test_support::Invocation Planctl(std::vector<std::string> args,
                                   const std::string& input = "",
                                   const std::string& tls_dir = "") {
    const std::string stdin_path = dir_->Subpath("planctl.stdin");
    std::ofstream(stdin_path) << input;
    args.insert(args.begin(), absl::StrCat("--server=", service_->address()));
    if (!tls_dir.empty()) {
      for (const auto& [flag, file] :
           std::vector<std::pair<std::string, std::string>>{
               {"tls_cert", "staffordshire-county-council.pem"},
               {"tls_key", "staffordshire-county-council.key"},
               {"tls_ca", "ca.pem"}}) {
        args.insert(args.begin(),
                    absl::StrCat("--", flag, "=", tls_dir, "/", file));
      }
    }
    return RunToCompletion(PLANCTL_BINARY, args, dir_->Subpath("planctl.log"),
                           absl::Seconds(60), stdin_path);
  }

  void AddUser(const std::string& user, const std::string& organisation,
               const std::string& tls_dir = "") {
    const auto added = Planctl({"admin", "users", "add", user, organisation},
                               absl::StrCat(kPassword, "\n"), tls_dir);
    ASSERT_EQ(added.code, 0) << added.output;
  }

  static Reply SignInAs(httplib::Client& client, const std::string& user,
                        const std::string& password) {
    return Send(client, "POST", "/auth/sign-in",
                absl::StrCat(R"({"user": ")", user, R"(", "password": ")",
                             password, R"("})"));
  }

  static std::optional<Session> SessionOf(const Reply& reply) {
    if (reply.status != 200) return std::nullopt;
    Session session;
    session.set_cookie = reply.headers.count("Set-Cookie") == 0
                             ? ""
                             : reply.headers.find("Set-Cookie")->second;
    session.cookie = session.set_cookie.substr(0, session.set_cookie.find(';'));
    session.csrf_token = StringField(reply, "csrfToken");
    return session;
  }

  // The first action of the plan, read with `headers`.
  v1::Action FirstAction(httplib::Client& client,
                         const httplib::Headers& headers) {
    const Reply list =
        Send(client, "GET",
             absl::StrCat("/v1/", kPlan, "/activities/-/actions?page_size=1"),
             "", headers);
    EXPECT_EQ(list.status, 200) << list.body;
    const auto page = Parse<v1::ListActionsResponse>(list);
    return page.actions_size() > 0 ? page.actions(0) : v1::Action();
  }
};

TEST_F(SignInE2eTest, APersonSignsInActsForTheirOrganisationAndIsRecorded) {
  ASSERT_NO_FATAL_FAILURE(StartService());
  ASSERT_NO_FATAL_FAILURE(AddUser("Ann.Smith@sstaffs.gov.uk", kCouncil));
  const auto listed = Planctl({"admin", "users", "list"});
  ASSERT_EQ(listed.code, 0) << listed.output;
  EXPECT_THAT(listed.output, HasSubstr("ann.smith@sstaffs.gov.uk"));
  EXPECT_THAT(listed.output, HasSubstr(kCouncil));
  EXPECT_THAT(listed.output, Not(HasSubstr(kPassword)));
  // planctl refuses a short password, naming the field.
  const auto short_password =
      Planctl({"admin", "users", "add", "bob", kPolice}, "too short\n");
  EXPECT_NE(short_password.code, 0);
  EXPECT_THAT(short_password.output, HasSubstr("password"));

  auto client = Client();
  const Reply before = Send(*client, "GET", "/auth/session");
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_THAT(before.body, HasSubstr(R"("signedIn":false)"));
  EXPECT_THAT(before.body, HasSubstr(R"("passwordSignIn":true)"));

  EXPECT_THAT(SignInAs(*client, "ann.smith@sstaffs.gov.uk", "wrong password!"),
              IsError(401, "BAD_CREDENTIALS"));
  EXPECT_THAT(SignInAs(*client, "nobody@sstaffs.gov.uk", kPassword),
              IsError(401, "BAD_CREDENTIALS"));
  const Reply signed_in =
      SignInAs(*client, "ANN.SMITH@sstaffs.gov.uk", kPassword);
  ASSERT_EQ(signed_in.status, 200) << signed_in.body;
  const std::optional<Session> session = SessionOf(signed_in);
  ASSERT_TRUE(session.has_value());
  EXPECT_THAT(session->set_cookie, StartsWith("prevent-session="));
  EXPECT_THAT(session->set_cookie, HasSubstr("HttpOnly"));
  EXPECT_THAT(session->set_cookie, HasSubstr("SameSite=Strict"));
  EXPECT_THAT(session->set_cookie, HasSubstr("Path=/"));
  EXPECT_EQ(session->csrf_token.size(), 64u);
  EXPECT_EQ(StringField(signed_in, "organisation"), kCouncil);
  EXPECT_EQ(StringField(signed_in, "user"), "ann.smith@sstaffs.gov.uk");

  const httplib::Headers cookie = {{"Cookie", session->cookie}};
  const Reply who = Send(*client, "GET", "/auth/session", "", cookie);
  EXPECT_EQ(StringField(who, "method"), "password");
  EXPECT_EQ(StringField(who, "csrfToken"), session->csrf_token);

  const v1::Action action = FirstAction(*client, cookie);
  ASSERT_FALSE(action.name().empty());
  const std::string update =
      absl::StrCat("/v1/", action.name(), "?update_mask=rag");
  // A write without the session's CSRF token, or with another, changes
  // nothing.
  EXPECT_THAT(Send(*client, "PATCH", update, R"({"rag": "RED"})", cookie),
              IsError(403, "BAD_CSRF_TOKEN"));
  httplib::Headers forged = cookie;
  forged.emplace("X-CSRF-Token", std::string(64, '0'));
  EXPECT_THAT(Send(*client, "PATCH", update, R"({"rag": "RED"})", forged),
              IsError(403, "BAD_CSRF_TOKEN"));
  // The session's organisation is the one it acts for; a header may only
  // repeat it, and a name header does not change who is recorded.
  httplib::Headers writing = cookie;
  writing.emplace("X-CSRF-Token", session->csrf_token);
  httplib::Headers as_police = writing;
  as_police.emplace("X-Prevent-Organisation", kPolice);
  EXPECT_THAT(Send(*client, "PATCH", update, R"({"rag": "RED"})", as_police),
              IsError(403, "NOT_YOUR_ORGANISATION"));
  EXPECT_EQ(
      Parse<v1::Action>(
          Send(*client, "GET", absl::StrCat("/v1/", action.name()), "", cookie))
          .rag(),
      action.rag());
  const std::string before_update =
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now() - absl::Seconds(1),
                       absl::UTCTimeZone());
  httplib::Headers named = writing;
  named.emplace("X-Prevent-User", "Someone Else");
  const Reply updated =
      Send(*client, "PATCH", update, R"({"rag": "RED"})", named);
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(Parse<v1::Action>(updated).rag(), v1::RED);

  // The change log names the person: the account, not the header.
  std::vector<v1::ChangeRecord> edits;
  std::string token;
  do {
    const Reply page =
        Send(*client, "GET",
             absl::StrCat("/v1/", kPlan, "/changes?since=", before_update,
                          "&page_size=1000&page_token=", token),
             "", cookie);
    ASSERT_EQ(page.status, 200) << page.body;
    const auto log = Parse<v1::ListChangesResponse>(page);
    for (const v1::ChangeRecord& change : log.changes()) {
      if (change.target() == action.name() && change.new_value() == "RED") {
        edits.push_back(change);
      }
    }
    token = log.next_page_token();
  } while (!token.empty());
  ASSERT_EQ(edits.size(), 1u);
  EXPECT_EQ(edits[0].field(), "rag");
  EXPECT_EQ(edits[0].user(), "ann.smith@sstaffs.gov.uk");
  EXPECT_EQ(edits[0].organisation(), kCouncil);

  // Sign-out needs the token too, then the cookie is worth nothing.
  EXPECT_THAT(Send(*client, "POST", "/auth/sign-out", "", cookie),
              IsError(403, "BAD_CSRF_TOKEN"));
  const Reply out = Send(*client, "POST", "/auth/sign-out", "", writing);
  ASSERT_EQ(out.status, 200) << out.body;
  EXPECT_THAT(out.headers.find("Set-Cookie")->second, HasSubstr("Max-Age=0"));
  EXPECT_THAT(Send(*client, "GET", absl::StrCat("/v1/", kPlan), "", cookie),
              IsError(401, "SESSION_ENDED"));
  EXPECT_THAT(Send(*client, "GET", "/auth/session", "", cookie).body,
              HasSubstr(R"("signedIn":false)"));
}

TEST_F(SignInE2eTest, RemovingOrReplacingAnAccountEndsItsSessions) {
  ASSERT_NO_FATAL_FAILURE(StartService());
  ASSERT_NO_FATAL_FAILURE(AddUser("ann", kCouncil));
  auto client = Client();
  const std::optional<Session> first =
      SessionOf(SignInAs(*client, "ann", kPassword));
  ASSERT_TRUE(first.has_value());
  const auto replaced =
      Planctl({"admin", "users", "add", "ann", kPolice, "--replace"},
              "a brand new password\n");
  ASSERT_EQ(replaced.code, 0) << replaced.output;
  EXPECT_THAT(Send(*client, "GET", absl::StrCat("/v1/", kPlan), "",
                   {{"Cookie", first->cookie}}),
              IsError(401, "SESSION_ENDED"));
  EXPECT_THAT(SignInAs(*client, "ann", kPassword),
              IsError(401, "BAD_CREDENTIALS"));
  const Reply second = SignInAs(*client, "ann", "a brand new password");
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(StringField(second, "organisation"), kPolice);

  const auto removed = Planctl({"admin", "users", "remove", "ann"});
  ASSERT_EQ(removed.code, 0) << removed.output;
  EXPECT_THAT(Send(*client, "GET", absl::StrCat("/v1/", kPlan), "",
                   {{"Cookie", SessionOf(second)->cookie}}),
              IsError(401, "SESSION_ENDED"));
  const auto again = Planctl({"admin", "users", "remove", "ann"});
  EXPECT_NE(again.code, 0);
  EXPECT_THAT(again.output, HasSubstr("ACCOUNT_NOT_FOUND"));
}

TEST_F(SignInE2eTest, FailedSignInsAreThrottledByUser) {
  ASSERT_NO_FATAL_FAILURE(StartService());
  ASSERT_NO_FATAL_FAILURE(AddUser("ann", kCouncil));
  ASSERT_NO_FATAL_FAILURE(AddUser("bob", kPolice));
  auto client = Client();
  for (int i = 0; i < 5; ++i) {
    EXPECT_THAT(SignInAs(*client, "ann", "not the password"),
                IsError(401, "BAD_CREDENTIALS"))
        << i;
  }
  // Now even the right password waits, and says how long.
  const Reply throttled = SignInAs(*client, "ann", kPassword);
  EXPECT_THAT(throttled, IsError(429, "TOO_MANY_SIGN_INS"));
  const auto retry = throttled.headers.find("Retry-After");
  ASSERT_NE(retry, throttled.headers.end());
  EXPECT_GT(std::stoi(retry->second), 800);
  // Another person from the same address is not held up.
  EXPECT_EQ(SignInAs(*client, "bob", kPassword).status, 200);
  EXPECT_THAT(ReadFileTail(service_->log_path()),
              HasSubstr("sign-in throttled user=ann"));
  EXPECT_THAT(ReadFileTail(service_->log_path(), 1 << 20),
              Not(HasSubstr(kPassword)));
}

TEST_F(SignInE2eTest, BadSignInRequestsNameTheField) {
  ASSERT_NO_FATAL_FAILURE(StartService());
  auto client = Client();
  EXPECT_THAT(Send(*client, "POST", "/auth/sign-in", "{"),
              IsError(400, "BAD_JSON"));
  const Reply unknown = Send(*client, "POST", "/auth/sign-in",
                             R"({"user": "ann", "pasword": "x"})");
  EXPECT_THAT(unknown, IsError(400, "INVALID_ARGUMENT"));
  EXPECT_THAT(unknown.body, HasSubstr("pasword"));
  EXPECT_THAT(unknown.body, HasSubstr(R"(password: is required)"));
  const Reply typed =
      Send(*client, "POST", "/auth/sign-in", R"({"user": 7, "password": "x"})");
  EXPECT_THAT(typed.body, HasSubstr("user: must be a string"));
  EXPECT_THAT(Send(*client, "POST", "/auth/sign-in",
                   R"({"user": "a", "password": "b"})", {}, "text/plain"),
              IsError(415, "UNSUPPORTED_MEDIA_TYPE"));
  EXPECT_THAT(Send(*client, "GET", "/auth/sign-in"),
              IsError(405, "METHOD_NOT_ALLOWED"));
  EXPECT_THAT(Send(*client, "GET", "/auth/nothing"),
              IsError(404, "UNKNOWN_PATH"));
  // A cookie the server never made is an ended session, not an identity.
  EXPECT_THAT(Send(*client, "GET", absl::StrCat("/v1/", kPlan), "",
                   {{"Cookie", "prevent-session=forged"}}),
              IsError(401, "SESSION_ENDED"));
}

TEST_F(SignInE2eTest, ATrustedProxyNamesThePersonAndOnlyIt) {
  const std::string users = dir_->Subpath("proxy-users");
  std::ofstream(users) << "# single sign-on users\n"
                       << "ann@sstaffs.gov.uk " << kCouncil << "\n";
  ASSERT_NO_FATAL_FAILURE(
      StartService({"--http_proxy_user_header=X-Forwarded-Email",
                    "--http_trusted_proxies=127.0.0.1,::1",
                    absl::StrCat("--http_proxy_users=", users)}));
  auto client = Client();
  const httplib::Headers ann = {{"X-Forwarded-Email", "Ann@sstaffs.gov.uk"}};
  const Reply who = Send(*client, "GET", "/auth/session", "", ann);
  ASSERT_EQ(who.status, 200) << who.body;
  EXPECT_EQ(StringField(who, "method"), "proxy");
  EXPECT_EQ(StringField(who, "organisation"), kCouncil);
  EXPECT_EQ(StringField(who, "user"), "ann@sstaffs.gov.uk");
  const std::string csrf = StringField(who, "csrfToken");
  ASSERT_EQ(csrf.size(), 64u);

  const v1::Action action = FirstAction(*client, ann);
  const std::string update =
      absl::StrCat("/v1/", action.name(), "?update_mask=rag");
  EXPECT_THAT(Send(*client, "PATCH", update, R"({"rag": "GREEN"})", ann),
              IsError(403, "BAD_CSRF_TOKEN"));
  httplib::Headers writing = ann;
  writing.emplace("X-CSRF-Token", csrf);
  const Reply updated =
      Send(*client, "PATCH", update, R"({"rag": "GREEN"})", writing);
  ASSERT_EQ(updated.status, 200) << updated.body;

  EXPECT_THAT(Send(*client, "GET", absl::StrCat("/v1/", kPlan), "",
                   {{"X-Forwarded-Email", "mallory@example.com"}}),
              IsError(403, "USER_NOT_MAPPED"));
  // Whatever comes from the proxy must name one person: with none (or an
  // empty header, which HTTP parsers drop) it does not fall through to
  // development mode, and two headers are refused.
  EXPECT_THAT(Send(*client, "GET", absl::StrCat("/v1/", kPlan), "",
                   {{"X-Prevent-Organisation", kCounty}}),
              IsError(401, "PROXY_USER_MISSING"));
  EXPECT_THAT(Send(*client, "GET", absl::StrCat("/v1/", kPlan), "",
                   {{"X-Forwarded-Email", "mallory@example.com"},
                    {"X-Forwarded-Email", "ann@sstaffs.gov.uk"}}),
              IsError(401, "PROXY_USER_MISSING"));
}

TEST_F(SignInE2eTest, AProxyHeaderFromAnUntrustedAddressIsRefused) {
  const std::string users = dir_->Subpath("proxy-users");
  std::ofstream(users) << "ann@sstaffs.gov.uk " << kCouncil << "\n";
  ASSERT_NO_FATAL_FAILURE(
      StartService({"--http_proxy_user_header=X-Forwarded-Email",
                    "--http_trusted_proxies=10.0.0.0/8",
                    absl::StrCat("--http_proxy_users=", users)}));
  auto client = Client();
  EXPECT_THAT(Send(*client, "GET", absl::StrCat("/v1/", kPlan), "",
                   {{"X-Forwarded-Email", "ann@sstaffs.gov.uk"}}),
              IsError(401, "UNTRUSTED_PROXY"));
  EXPECT_THAT(ReadFileTail(service_->log_path()),
              HasSubstr("which is not a trusted proxy"));
}

TEST_F(SignInE2eTest, ABadProxyUsersFileStopsTheStartNamingTheLine) {
  const std::string users = dir_->Subpath("proxy-users");
  std::ofstream(users) << "ann@sstaffs.gov.uk " << kCouncil << "\n"
                       << "bob police\n";
  const auto run =
      RunToCompletion(PLAN_SERVICE_BINARY,
                      {absl::StrCat("--data_dir=", dir_->Subpath("never")),
                       "--listen=127.0.0.1:0", "--http_listen=127.0.0.1:0",
                       "--http_proxy_user_header=X-Forwarded-Email",
                       "--http_trusted_proxies=127.0.0.1",
                       absl::StrCat("--http_proxy_users=", users)},
                      dir_->Subpath("bad-start.log"));
  EXPECT_NE(run.code, 0);
  EXPECT_THAT(run.output, HasSubstr("line 2, column 5"));
  EXPECT_FALSE(std::ifstream(dir_->Subpath("never")).good())
      << "a refused start must not create the store";
  const auto no_ranges =
      RunToCompletion(PLAN_SERVICE_BINARY,
                      {absl::StrCat("--data_dir=", dir_->Subpath("never")),
                       "--listen=127.0.0.1:0", "--http_listen=127.0.0.1:0",
                       "--http_proxy_user_header=X-Forwarded-Email",
                       absl::StrCat("--http_proxy_users=", users)},
                      dir_->Subpath("bad-start.log"));
  EXPECT_NE(no_ranges.code, 0);
  EXPECT_THAT(no_ranges.output, HasSubstr("--http_trusted_proxies"));
}

// Over HTTPS a browser has no client certificate: it signs in, and its
// cookie is Secure and bound to the host.
TEST_F(SignInE2eTest, OverHttpsTheSessionCookieIsSecureAndHostOnly) {
  const std::string certs = dir_->Subpath("certs");
  const auto made = RunToCompletion(
      "/bin/bash",
      {absl::StrCat(PLAN_SOURCE_DIR, "/deploy/certs.sh"),
       absl::StrCat("--out=", certs), "staffordshire-county-council"},
      dir_->Subpath("certs.log"));
  ASSERT_EQ(made.code, 0) << made.output;
  ASSERT_NO_FATAL_FAILURE(StartService({}, certs));
  ASSERT_NO_FATAL_FAILURE(AddUser("ann", kCouncil, certs));

  httplib::Client browser(
      absl::StrCat("https://127.0.0.1:", service_->http_port()));
  browser.set_ca_cert_path(absl::StrCat(certs, "/ca.pem"));
  browser.enable_server_certificate_verification(true);
  browser.set_read_timeout(30, 0);
  EXPECT_THAT(Send(browser, "GET", absl::StrCat("/v1/", kPlan)),
              IsError(401, "SIGN_IN_REQUIRED"));
  const Reply signed_in = SignInAs(browser, "ann", kPassword);
  ASSERT_EQ(signed_in.status, 200) << signed_in.body;
  const std::optional<Session> session = SessionOf(signed_in);
  EXPECT_THAT(session->set_cookie, StartsWith("__Host-prevent-session="));
  EXPECT_THAT(session->set_cookie, HasSubstr("; Secure"));
  EXPECT_THAT(session->set_cookie, HasSubstr("HttpOnly"));
  const Reply plan = Send(browser, "GET", absl::StrCat("/v1/", kPlan), "",
                          {{"Cookie", session->cookie}});
  EXPECT_EQ(plan.status, 200) << plan.body;
  // The plaintext cookie's name means nothing here.
  EXPECT_THAT(
      Send(browser, "GET", absl::StrCat("/v1/", kPlan), "",
           {{"Cookie", absl::StrCat("prevent-session=",
                                    session->cookie.substr(
                                        session->cookie.find('=') + 1))}}),
      IsError(401, "SIGN_IN_REQUIRED"));
}

TEST_F(SignInE2eTest, OnAnAgentNobodySignsInAndTheAppAsksForAName) {
  ASSERT_NO_FATAL_FAILURE(StartService());
  absl::StatusOr<SyncAgentProcess> agent = StartCouncilAgent();
  ASSERT_TRUE(agent.ok()) << agent.status();
  httplib::Client local("127.0.0.1", agent->http_port());
  local.set_read_timeout(30, 0);
  const Reply who = Send(local, "GET", "/auth/session");
  ASSERT_EQ(who.status, 200) << who.body;
  EXPECT_EQ(StringField(who, "method"), "agent");
  EXPECT_EQ(StringField(who, "organisation"), kCouncil);
  EXPECT_EQ(StringField(who, "csrfToken"), "");
  EXPECT_THAT(SignInAs(local, "ann", kPassword),
              IsError(404, "NO_LOCAL_ACCOUNTS"));
}

}  // namespace
}  // namespace prevent::plan
