// OptionsFromFlags: planctl's flags from a command line, as main() parses
// it, into Options; each error names its flag.
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "planctl/options.h"

namespace planctl {
namespace {

namespace v1 = prevent::plan::v1;
using ::testing::HasSubstr;

class OptionsTest : public ::testing::Test {
 protected:
  // The Options of `planctl ARGS...`, with `variables` the environment and
  // `files` the file system.
  static absl::StatusOr<Options> Parse(
      std::vector<std::string> args,
      std::map<std::string, std::string> variables = {},
      std::map<std::string, std::string> files = {}) {
    args.insert(args.begin(), "planctl");
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    absl::ParseCommandLine(static_cast<int>(argv.size()), argv.data());
    const Environment environment{
        .get = [variables](const char* name) -> const char* {
          auto it = variables.find(name);
          return it == variables.end() ? nullptr : it->second.c_str();
        },
        .read =
            [files](const std::string& path) -> absl::StatusOr<std::string> {
          auto it = files.find(path);
          if (it == files.end()) return absl::NotFoundError(path);
          return it->second;
        }};
    return OptionsFromFlags(environment);
  }

 private:
  // Puts every flag back as it was, so each test starts from the defaults.
  absl::FlagSaver saver_;
};

TEST_F(OptionsTest, DefaultsAreTheFlagsDefaults) {
  absl::StatusOr<Options> options = Parse({"list", "plans"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->server, "127.0.0.1:50051");
  EXPECT_EQ(options->organisation, "");
  EXPECT_FALSE(options->tls.enabled());
  EXPECT_FALSE(options->json);
  EXPECT_EQ(options->timeout, absl::Seconds(30));
  EXPECT_EQ(options->page_size, 500);
  EXPECT_EQ(options->rag, v1::RAG_UNSPECIFIED);
  EXPECT_EQ(options->period_start, "");
  EXPECT_EQ(options->period_end, "");
  EXPECT_EQ(options->since, std::nullopt);
  EXPECT_EQ(options->candidate, std::nullopt);
  EXPECT_EQ(options->value, std::nullopt);
}

TEST_F(OptionsTest, ConnectionComesFromFlagsThenEnvironmentThenProfile) {
  const std::map<std::string, std::string> profile = {
      {"/home/ann/.config/prevent/planctl.conf",
       "# the county's service\n"
       "server = plans.staffordshire.example:50051\n"
       "  organisation=organisations/staffordshire-police\n"
       "tls_cert = /home/ann/police.pem\n"
       "tls_key = /home/ann/police.key\n"
       "tls_ca = /home/ann/ca.pem\n"}};
  absl::StatusOr<Options> options =
      Parse({"list", "plans"}, {{"HOME", "/home/ann"}}, profile);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->server, "plans.staffordshire.example:50051");
  EXPECT_EQ(options->organisation, "organisations/staffordshire-police");
  EXPECT_EQ(options->tls.cert, "/home/ann/police.pem");
  EXPECT_EQ(options->tls.key, "/home/ann/police.key");
  EXPECT_EQ(options->tls.ca, "/home/ann/ca.pem");

  // The environment gives what it names, over the profile.
  options = Parse({"list", "plans"},
                  {{"HOME", "/home/ann"},
                   {"PREVENT_ORGANISATION", "organisations/o2"},
                   {"PREVENT_TLS_CA", "/etc/prevent/ca.pem"}},
                  profile);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->server, "plans.staffordshire.example:50051");
  EXPECT_EQ(options->tls.ca, "/etc/prevent/ca.pem");
  EXPECT_EQ(options->tls.cert, "/home/ann/police.pem");
  EXPECT_EQ(options->organisation, "organisations/o2");

  // Another server named: the profile's settings are for its own server.
  options = Parse({"list", "plans"},
                  {{"HOME", "/home/ann"},
                   {"PREVENT_SERVER", "127.0.0.1:50052"},
                   {"PREVENT_TLS_CA", "/etc/prevent/ca.pem"}},
                  profile);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->server, "127.0.0.1:50052");
  EXPECT_EQ(options->tls.ca, "/etc/prevent/ca.pem");
  EXPECT_EQ(options->tls.cert, "");
  EXPECT_EQ(options->organisation, "");

  options = Parse({"--server=unix:/run/p.sock",
                   "--organisation=organisations/o", "list", "plans"},
                  {{"HOME", "/home/ann"}, {"PREVENT_SERVER", "127.0.0.1:1"}},
                  profile);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->server, "unix:/run/p.sock");
  EXPECT_EQ(options->organisation, "organisations/o");
  EXPECT_EQ(options->tls.cert, "");
}

TEST_F(OptionsTest, ProfileIsFoundThroughPreventProfileOrXdgConfigHome) {
  absl::StatusOr<Options> options = Parse(
      {"list", "plans"}, {{"HOME", "/home/ann"}, {"XDG_CONFIG_HOME", "/cfg"}},
      {{"/cfg/prevent/planctl.conf", "server = a:1\n"}});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->server, "a:1");
  options = Parse({"list", "plans"}, {{"PREVENT_PROFILE", "/p.conf"}},
                  {{"/p.conf", "server = b:2\n"}});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->server, "b:2");
  // A profile that is named must exist; the usual one need not.
  options = Parse({"list", "plans"}, {{"PREVENT_PROFILE", "/missing.conf"}});
  ASSERT_FALSE(options.ok());
  EXPECT_THAT(options.status().message(), HasSubstr("PREVENT_PROFILE"));
  options = Parse({"list", "plans"}, {{"HOME", "/home/bob"}});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->server, "127.0.0.1:50051");
}

TEST_F(OptionsTest, BadProfileLinesAreNamedByLineAndColumn) {
  absl::StatusOr<Options> options =
      Parse({"list", "plans"}, {{"PREVENT_PROFILE", "/p.conf"}},
            {{"/p.conf", "server = a:1\n\n   sever = b\n"}});
  ASSERT_FALSE(options.ok());
  EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(options.status().message(),
              HasSubstr("/p.conf:3:4: unknown key \"sever\""));
  options = Parse({"list", "plans"}, {{"PREVENT_PROFILE", "/p.conf"}},
                  {{"/p.conf", "server a:1\n"}});
  ASSERT_FALSE(options.ok());
  EXPECT_THAT(options.status().message(),
              HasSubstr("/p.conf:1:1: expected `key = value`"));
}

TEST_F(OptionsTest, ReadsEveryFlag) {
  absl::StatusOr<Options> options = Parse({"--server=unix:/run/plan.sock",
                                           "--organisation=organisations/o",
                                           "--tls_cert=c.pem",
                                           "--tls_key=k.pem",
                                           "--tls_ca=ca.pem",
                                           "--json",
                                           "--timeout=2m",
                                           "--filter=rag = RED",
                                           "--show_deleted",
                                           "--page_size=0",
                                           "--etag=e1",
                                           "--format=CSV",
                                           "--plan=plans/p",
                                           "--title=T",
                                           "--dry_run",
                                           "--output=out.csv",
                                           "--rag=green",
                                           "--note=Done",
                                           "--html=d.html",
                                           "--to=nightly",
                                           "--value=AMBER",
                                           "health"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->server, "unix:/run/plan.sock");
  EXPECT_EQ(options->organisation, "organisations/o");
  EXPECT_EQ(options->tls.cert, "c.pem");
  EXPECT_EQ(options->tls.key, "k.pem");
  EXPECT_EQ(options->tls.ca, "ca.pem");
  EXPECT_TRUE(options->json);
  EXPECT_EQ(options->timeout, absl::Minutes(2));
  EXPECT_EQ(options->filter, "rag = RED");
  EXPECT_TRUE(options->show_deleted);
  EXPECT_EQ(options->page_size, 0);
  EXPECT_EQ(options->etag, "e1");
  EXPECT_EQ(options->format, "csv");  // in lower case
  EXPECT_EQ(options->plan, "plans/p");
  EXPECT_EQ(options->title, "T");
  EXPECT_TRUE(options->dry_run);
  EXPECT_EQ(options->output, "out.csv");
  EXPECT_EQ(options->rag, v1::GREEN);
  EXPECT_EQ(options->note, "Done");
  EXPECT_EQ(options->html, "d.html");
  EXPECT_EQ(options->to, "nightly");
  EXPECT_EQ(options->value, "AMBER");
  EXPECT_EQ(options->candidate, std::nullopt);
}

TEST_F(OptionsTest, PeriodIsSplitAtItsDotsEitherSideMayBeEmpty) {
  absl::StatusOr<Options> options = Parse({"--period=2024-04..2025-03"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->period_start, "2024-04");
  EXPECT_EQ(options->period_end, "2025-03");
  options = Parse({"--period=..2025-03"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->period_start, "");
  EXPECT_EQ(options->period_end, "2025-03");
}

TEST_F(OptionsTest, SinceIsAUkDateAtUkMidnightOrATime) {
  // GMT in winter: UK midnight is UTC midnight.
  for (const char* date :
       {"2024-03-01", "01/03/2024", "1/3/2024", "1 Mar 2024", "1 March 2024"}) {
    absl::StatusOr<Options> options = Parse({absl::StrCat("--since=", date)});
    ASSERT_TRUE(options.ok()) << date << ": " << options.status();
    EXPECT_EQ(options->since,
              absl::FromCivil(absl::CivilDay(2024, 3, 1), absl::UTCTimeZone()))
        << date;
  }
  // In summer, UK midnight is 23:00 UTC the day before.
  absl::StatusOr<Options> options = Parse({"--since=06/07/2026"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->since, absl::FromCivil(absl::CivilHour(2026, 7, 5, 23),
                                            absl::UTCTimeZone()));
  options = Parse({"--since=2024-03-01T12:30:00+01:00"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->since,
            absl::FromCivil(absl::CivilMinute(2024, 3, 1, 11, 30),
                            absl::UTCTimeZone()));
}

TEST_F(OptionsTest, CandidateZeroIsACandidate) {
  absl::StatusOr<Options> options = Parse({"--candidate=0"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->candidate, 0);
  EXPECT_EQ(options->value, std::nullopt);
}

// A flag whose value does not fit is refused, with the flag named.
struct BadFlag {
  std::vector<std::string> args;
  const char* named;
};

void PrintTo(const BadFlag& bad, std::ostream* os) {
  *os << absl::StrJoin(bad.args, " ");
}

class BadFlagTest : public OptionsTest,
                    public ::testing::WithParamInterface<BadFlag> {};

TEST_P(BadFlagTest, IsRefusedNamingTheFlag) {
  const absl::StatusOr<Options> options = Parse(GetParam().args);
  ASSERT_FALSE(options.ok());
  EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(options.status().message(), HasSubstr(GetParam().named));
}

INSTANTIATE_TEST_SUITE_P(
    Options, BadFlagTest,
    ::testing::Values(BadFlag{{"--timeout=0s"}, "--timeout"},
                      BadFlag{{"--timeout=-5s"}, "--timeout"},
                      BadFlag{{"--page_size=-1"}, "--page_size"},
                      BadFlag{{"--candidate=-1"}, "--candidate"},
                      BadFlag{{"--candidate=1", "--value=RED"}, "--value"},
                      BadFlag{{"--rag=purple"}, "--rag \"purple\""},
                      BadFlag{{"--rag=RAG_UNSPECIFIED"}, "--rag"},
                      BadFlag{{"--period=2024-04"}, "--period"},
                      BadFlag{{"--since=yesterday"}, "--since \"yesterday\""},
                      BadFlag{{"--since=12/31/2026"}, "--since \"12/31/2026\""},
                      BadFlag{{"--since=31/02/2026"}, "06/12/2026"}));

}  // namespace
}  // namespace planctl
