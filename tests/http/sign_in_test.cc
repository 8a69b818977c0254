// The pieces of sign-in apart from HTTP: sessions and their ends, the
// throttle on failed sign-ins, trusted proxy ranges and the proxy users
// file.
#include "libplan/http/sign_in.h"

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace plan {
namespace {

using ::testing::HasSubstr;

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);

TEST(SessionTableTest, SessionsEndWhenIdleAfterTheirLifetimeOrWhenEnded) {
  SessionTable table({.idle = absl::Minutes(30), .lifetime = absl::Hours(2)});
  auto made = table.Create("ann", kStart, kStart);
  ASSERT_TRUE(made.ok());
  const auto& [id, session] = *made;
  EXPECT_EQ(id.size(), 64u);
  EXPECT_EQ(session.csrf_token.size(), 64u);
  EXPECT_NE(id, session.csrf_token);
  EXPECT_EQ(session.expires, kStart + absl::Minutes(30));

  // Each request moves the idle end on, up to the lifetime.
  absl::Time now = kStart;
  for (int i = 0; i < 3; ++i) {
    now += absl::Minutes(29);
    std::optional<SessionTable::Session> found = table.Find(id, now);
    ASSERT_TRUE(found.has_value()) << i;
    EXPECT_EQ(found->user, "ann");
    EXPECT_EQ(found->csrf_token, session.csrf_token);
  }
  EXPECT_FALSE(table.Find(id, kStart + absl::Hours(2)).has_value());
  EXPECT_FALSE(table.Find(id, now).has_value())
      << "an ended session stays ended";

  auto idle = table.Create("ann", kStart, kStart);
  ASSERT_TRUE(idle.ok());
  EXPECT_FALSE(table.Find(idle->first, kStart + absl::Minutes(30)).has_value());

  auto a = table.Create("ann", kStart, kStart);
  auto b = table.Create("ann", kStart, kStart);
  auto c = table.Create("bob", kStart, kStart);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  table.End(a->first);
  EXPECT_FALSE(table.Find(a->first, kStart).has_value());
  EXPECT_TRUE(table.Find(b->first, kStart).has_value());
  table.EndAllOf("ann");
  EXPECT_FALSE(table.Find(b->first, kStart).has_value());
  EXPECT_TRUE(table.Find(c->first, kStart).has_value());
  EXPECT_FALSE(table.Find("", kStart).has_value());
}

TEST(SessionTableTest, ANewSessionPastTheUsersLimitEndsTheirOldest) {
  SessionTable table({.max_per_user = 2});
  auto first = table.Create("ann", kStart, kStart);
  auto second = table.Create("ann", kStart, kStart + absl::Seconds(1));
  auto other = table.Create("bob", kStart, kStart);
  auto third = table.Create("ann", kStart, kStart + absl::Seconds(2));
  ASSERT_TRUE(first.ok() && second.ok() && other.ok() && third.ok());
  const absl::Time now = kStart + absl::Seconds(3);
  EXPECT_FALSE(table.Find(first->first, now).has_value());
  EXPECT_TRUE(table.Find(second->first, now).has_value());
  EXPECT_TRUE(table.Find(third->first, now).has_value());
  EXPECT_TRUE(table.Find(other->first, now).has_value());
}

TEST(SessionTableTest, RefusesNewSessionsWhenFullOfLiveOnes) {
  SessionTable table({.idle = absl::Minutes(10), .max_sessions = 2});
  ASSERT_TRUE(table.Create("a", kStart, kStart).ok());
  ASSERT_TRUE(table.Create("b", kStart, kStart).ok());
  EXPECT_EQ(table.Create("c", kStart, kStart).status().code(),
            absl::StatusCode::kResourceExhausted);
  // Ended sessions make room.
  EXPECT_TRUE(table.Create("c", kStart, kStart + absl::Minutes(10)).ok());
}

TEST(SignInThrottleTest, HoldsBackAKeyAfterTooManyFailuresForAWindow) {
  SignInThrottle throttle({.max_failures = 3, .window = absl::Minutes(15)});
  absl::Time now = kStart;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(throttle.Attempt("ann", now), absl::ZeroDuration()) << i;
    now += absl::Minutes(1);
  }
  // Three failures at 0, 1 and 2 minutes: wait until 15 minutes.
  EXPECT_EQ(throttle.Attempt("ann", now), absl::Minutes(12));
  EXPECT_EQ(throttle.Attempt("bob", now), absl::ZeroDuration());
  EXPECT_EQ(throttle.Attempt("ann", kStart + absl::Minutes(15)),
            absl::ZeroDuration());
  EXPECT_EQ(throttle.Attempt("ann", kStart + absl::Minutes(15)),
            absl::Minutes(1));
  throttle.Clear("ann");
  EXPECT_EQ(throttle.Attempt("ann", kStart + absl::Minutes(15)),
            absl::ZeroDuration());
}

TEST(SignInThrottleTest, AttemptsCountUntilForgivenSoThatRacesCannotPass) {
  SignInThrottle throttle({.max_failures = 2, .window = absl::Minutes(15)});
  // Two attempts at once take both places; a third waits, whatever their
  // outcome will be.
  EXPECT_EQ(throttle.Attempt("ann", kStart), absl::ZeroDuration());
  EXPECT_EQ(throttle.Attempt("ann", kStart), absl::ZeroDuration());
  EXPECT_GT(throttle.Attempt("ann", kStart), absl::ZeroDuration());
  // One did not fail: its place is free again.
  throttle.Forgive("ann");
  EXPECT_EQ(throttle.Attempt("ann", kStart), absl::ZeroDuration());
  throttle.Forgive("nobody");  // harmless
}

TEST(SignInThrottleTest, WhenFullForgetsOnlyKeysThatAreNotHeldBack) {
  SignInThrottle throttle(
      {.max_failures = 2, .window = absl::Hours(1), .max_keys = 4});
  // "held" is held back; three others have one failure each.
  ASSERT_EQ(throttle.Attempt("held", kStart), absl::ZeroDuration());
  ASSERT_EQ(throttle.Attempt("held", kStart), absl::ZeroDuration());
  for (int i = 0; i < 3; ++i) {
    throttle.Attempt(std::to_string(i), kStart + absl::Seconds(i));
  }
  const absl::Time now = kStart + absl::Seconds(10);
  EXPECT_EQ(throttle.Attempt("new", now), absl::ZeroDuration());
  EXPECT_GT(throttle.Attempt("held", now), absl::ZeroDuration());
  // The oldest of the others was forgotten: it has its places back.
  EXPECT_EQ(throttle.Attempt("0", now), absl::ZeroDuration());
  EXPECT_EQ(throttle.Attempt("0", now), absl::ZeroDuration());

  // With every key held back, a new key waits rather than grow the table.
  SignInThrottle full(
      {.max_failures = 1, .window = absl::Hours(1), .max_keys = 2});
  full.Attempt("a", kStart);
  full.Attempt("b", kStart);
  EXPECT_EQ(full.Attempt("c", kStart), absl::Hours(1));
  // Once their failures are a window old, there is room again.
  EXPECT_EQ(full.Attempt("c", kStart + absl::Hours(1)), absl::ZeroDuration());
}

TEST(AddressRangesTest, MatchesAddressesAndPrefixes) {
  absl::StatusOr<AddressRanges> ranges = AddressRanges::Parse(
      {"127.0.0.1", " 10.20.0.0/14", "::1", "fd00::/8", "192.168.1.128/25"});
  ASSERT_TRUE(ranges.ok()) << ranges.status();
  EXPECT_TRUE(ranges->Contains("127.0.0.1"));
  EXPECT_FALSE(ranges->Contains("127.0.0.2"));
  EXPECT_TRUE(ranges->Contains("10.23.255.1"));
  EXPECT_FALSE(ranges->Contains("10.24.0.1"));
  EXPECT_TRUE(ranges->Contains("::1"));
  EXPECT_TRUE(ranges->Contains("fd12:3456::1"));
  EXPECT_FALSE(ranges->Contains("fe80::1"));
  EXPECT_TRUE(ranges->Contains("::ffff:127.0.0.1"));  // IPv4-mapped
  EXPECT_TRUE(ranges->Contains("192.168.1.200"));
  EXPECT_FALSE(ranges->Contains("192.168.1.100"));
  EXPECT_FALSE(ranges->Contains(""));
  EXPECT_TRUE(ranges->Contains("fd00::1%eth0"));  // a zone is ignored
  EXPECT_FALSE(ranges->Contains("localhost"));

  for (const char* bad : {"10.0.0.0/33", "::/129", "10.0.0/8", "host",
                          "10.0.0.0/-1", "1.2.3.4/8/9", "1.2.3.4/x"}) {
    absl::StatusOr<AddressRanges> parsed = AddressRanges::Parse({bad});
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
    EXPECT_THAT(parsed.status().message(), HasSubstr(bad));
  }
  absl::StatusOr<AddressRanges> mapped =
      AddressRanges::Parse({"::ffff:10.0.0.0/104"});
  ASSERT_TRUE(mapped.ok()) << mapped.status();
  EXPECT_TRUE(mapped->Contains("10.1.2.3"));
  EXPECT_TRUE(mapped->Contains("::ffff:10.1.2.3"));
  EXPECT_FALSE(mapped->Contains("11.1.2.3"));
  absl::StatusOr<AddressRanges> none = AddressRanges::Parse({"", " "});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_FALSE(none->Contains("127.0.0.1"));
}

TEST(ProxyUsersTest, ParsesUsersAndNamesTheLineAndColumnOfAnError) {
  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> users =
      ParseProxyUsers(
          "# who may sign in through the proxy\n"
          "Ann.Smith@sstaffs.gov.uk   organisations/ssdc\r\n"
          "\n"
          "\tbob@police.uk organisations/police  # the force lead\n");
  ASSERT_TRUE(users.ok()) << users.status();
  EXPECT_EQ(users->size(), 2u);
  EXPECT_EQ(users->at("ann.smith@sstaffs.gov.uk"), "organisations/ssdc");
  EXPECT_EQ(users->at("bob@police.uk"), "organisations/police");

  const auto error = [](const char* text) {
    return std::string(ParseProxyUsers(text).status().message());
  };
  EXPECT_EQ(error("ann organisations/a\nbob police\n"),
            "line 2, column 5: \"police\" is not organisations/{org}");
  EXPECT_EQ(error("ann\n"),
            "line 1, column 1: expected USER organisations/ORG");
  EXPECT_EQ(error("ann organisations/a extra\n"),
            "line 1, column 21: expected USER organisations/ORG");
  EXPECT_EQ(error("ann organisations/a\n ANN organisations/b\n"),
            "line 2, column 2: ann is listed twice");
}

TEST(SecretsEqualTest, ComparesWholeValues) {
  EXPECT_TRUE(SecretsEqual("abc", "abc"));
  EXPECT_FALSE(SecretsEqual("abc", "abd"));
  EXPECT_FALSE(SecretsEqual("abc", "ab"));
  EXPECT_FALSE(SecretsEqual("", "a"));
  EXPECT_NE(RandomToken(), RandomToken());
}

}  // namespace
}  // namespace plan
