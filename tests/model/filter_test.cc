#include "libplan/model/filter.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/wrappers.pb.h"
#include "gtest/gtest.h"
#include "prevent/plan/v1/resources.pb.h"

namespace plan {
namespace {

using ::prevent::plan::v1::Action;
using ::prevent::plan::v1::Activity;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// 2024-01-01T00:00:00Z.
constexpr int64_t kNewYear2024 = 1704067200;

Action TestAction() {
  Action action;
  action.set_name("plans/p/activities/a/actions/refer");
  action.set_description("Deliver WRAP training");
  action.set_rag(prevent::plan::v1::RED);
  action.set_owner_organisation("organisations/staffordshire-police");
  action.set_position("m");
  action.mutable_timescale()->set_text("Feb 2024 - March 2025");
  action.mutable_timescale()->set_start("2024-02");
  action.mutable_timescale()->set_end("2025-03");
  action.mutable_update_time()->set_seconds(kNewYear2024);
  action.mutable_update_time()->set_nanos(500);
  return action;
}

Activity TestActivity() {
  Activity activity;
  activity.set_name("plans/p/activities/a");
  activity.set_strand("plans/p/strands/ideology");
  activity.set_title("Risk Assessment");
  activity.add_lead_organisations("organisations/staffordshire-police");
  activity.add_lead_organisations("organisations/south-staffs-council");
  activity.add_duty_areas(prevent::plan::v1::RISK);
  activity.add_duty_areas(prevent::plan::v1::PARTNERSHIP);
  return activity;
}

// Parses `text`, checks it against `message`'s type with the computed field
// "overdue", and matches `message` with overdue = `overdue`.
bool Matches(absl::string_view text, const google::protobuf::Message& message,
             bool overdue = false) {
  absl::StatusOr<Filter> filter = Filter::Parse(text);
  EXPECT_TRUE(filter.ok()) << text << ": " << filter.status();
  if (!filter.ok()) return false;
  const absl::Status checked =
      filter->Check(*message.GetDescriptor(), {"overdue"});
  EXPECT_TRUE(checked.ok()) << text << ": " << checked;
  return filter->Matches(message, {{"overdue", overdue}});
}

// The message of the error Parse gives for `text`.
std::string ParseError(absl::string_view text) {
  absl::StatusOr<Filter> filter = Filter::Parse(text);
  EXPECT_FALSE(filter.ok()) << text;
  if (filter.ok()) return "";
  EXPECT_EQ(filter.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(filter.status().message());
}

// The message of the error Check gives for `text` against Action (with the
// computed field "overdue").
std::string CheckError(
    absl::string_view text,
    const google::protobuf::Descriptor& descriptor = *Action::descriptor()) {
  absl::StatusOr<Filter> filter = Filter::Parse(text);
  EXPECT_TRUE(filter.ok()) << text << ": " << filter.status();
  if (!filter.ok()) return "";
  const absl::Status checked = filter->Check(descriptor, {"overdue"});
  EXPECT_FALSE(checked.ok()) << text;
  EXPECT_EQ(checked.code(), absl::StatusCode::kInvalidArgument);
  return std::string(checked.message());
}

TEST(FilterTest, EmptyFilterMatchesEverything) {
  for (absl::string_view text : {"", "   ", "\t\n "}) {
    absl::StatusOr<Filter> filter = Filter::Parse(text);
    ASSERT_TRUE(filter.ok()) << filter.status();
    EXPECT_TRUE(filter->empty());
    EXPECT_TRUE(filter->Check(*Action::descriptor(), {}).ok());
    EXPECT_TRUE(filter->Matches(TestAction(), {}));
    EXPECT_TRUE(filter->Matches(Action(), {}));
  }
  EXPECT_TRUE(Filter().empty());
  EXPECT_TRUE(Filter().Matches(TestActivity(), {}));
  EXPECT_FALSE(Filter::Parse("rag = RED")->empty());
}

TEST(FilterTest, StringOperators) {
  const Action action = TestAction();
  EXPECT_TRUE(Matches("position = m", action));
  EXPECT_FALSE(Matches("position = n", action));
  EXPECT_TRUE(Matches("position != n", action));
  EXPECT_FALSE(Matches("position != m", action));
  EXPECT_TRUE(Matches("position < n", action));
  EXPECT_FALSE(Matches("position < m", action));
  EXPECT_TRUE(Matches("position <= m", action));
  EXPECT_FALSE(Matches("position <= l", action));
  EXPECT_TRUE(Matches("position > l", action));
  EXPECT_FALSE(Matches("position > m", action));
  EXPECT_TRUE(Matches("position >= m", action));
  EXPECT_FALSE(Matches("position >= n", action));
  EXPECT_TRUE(Matches("position : m", action));
  EXPECT_FALSE(Matches("position : mm", action));
  EXPECT_TRUE(Matches("position=m", action));
}

TEST(FilterTest, StringOrderingComparesBytes) {
  Action action;
  action.set_position("\xC3\xA9");  // é: its bytes sort after every ASCII one
  EXPECT_TRUE(Matches("position > z", action));
  EXPECT_TRUE(Matches("position > \"~\"", action));
  EXPECT_TRUE(Matches("position = \"\xC3\xA9\"", action));
}

TEST(FilterTest, BareWordsMayHoldSlashesDotsAndColons) {
  EXPECT_TRUE(Matches("strand = plans/p/strands/ideology", TestActivity()));
  EXPECT_TRUE(
      Matches("name = plans/p/activities/a/actions/refer OR "
              "name = a.b:c",
              TestAction()));
}

TEST(FilterTest, QuotedStringsUnescapeQuotesAndBackslashes) {
  Action action;
  action.set_description(R"x(say "hi" \ then AND (leave))x");
  EXPECT_TRUE(
      Matches(R"x(description = "say \"hi\" \\ then AND (leave)")x", action));
  EXPECT_THAT(ParseError(R"(description = "a \ b")"),
              StartsWith("column 18: unknown escape '\\ '"));
  EXPECT_TRUE(Matches(R"(description != "")", action));
  EXPECT_TRUE(Matches(R"(owner_organisation = "")", action));
}

TEST(FilterTest, KeywordsAreCaseSensitiveAndWholeWords) {
  Action action;
  action.set_position("ORDER");
  EXPECT_TRUE(Matches("position = ORDER", action));
  EXPECT_THAT(ParseError("rag = RED and rag = BLUE"),
              HasSubstr("expected an operator"));
}

TEST(FilterTest, AndBindsTighterThanOr) {
  const Action action = TestAction();  // rag RED, position m
  // Read as rag = BLUE OR (position = m AND rag = RED).
  EXPECT_TRUE(Matches("rag = BLUE OR position = m AND rag = RED", action));
  // Read as (rag = RED AND position = x) OR position = m.
  EXPECT_TRUE(Matches("rag = RED AND position = x OR position = m", action));
  EXPECT_FALSE(Matches("rag = BLUE OR position = x AND rag = RED", action));
}

TEST(FilterTest, JuxtapositionMeansAnd) {
  const Action action = TestAction();
  EXPECT_TRUE(Matches("rag = RED position = m", action));
  EXPECT_FALSE(Matches("rag = RED position = x", action));
  EXPECT_TRUE(Matches("rag = BLUE OR rag = RED position = m", action));
}

TEST(FilterTest, NotBindsTighterThanAnd) {
  const Action action = TestAction();
  EXPECT_TRUE(Matches("NOT rag = BLUE AND position = m", action));
  EXPECT_FALSE(Matches("NOT rag = RED AND position = x", action));
  EXPECT_TRUE(Matches("NOT rag = RED OR position = m", action));
  EXPECT_TRUE(Matches("-rag = BLUE", action));
  EXPECT_FALSE(Matches("-rag = RED", action));
  EXPECT_TRUE(Matches("rag = RED -position = x", action));
  EXPECT_TRUE(Matches("NOT(rag = BLUE)", action));
}

TEST(FilterTest, ParenthesesGroup) {
  const Action action = TestAction();
  EXPECT_FALSE(Matches("(rag = BLUE OR position = m) AND rag = GREEN", action));
  EXPECT_TRUE(Matches("rag = BLUE OR (position = m AND rag = RED)", action));
  EXPECT_FALSE(Matches("NOT (rag = BLUE OR position = m)", action));
  EXPECT_TRUE(Matches("-(rag = BLUE OR position = x)", action));
  EXPECT_TRUE(Matches("((((rag = RED))))", action));
  EXPECT_TRUE(Matches("(rag=RED)(position=m)", action));
}

TEST(FilterTest, EnumsCompareByName) {
  const Action action = TestAction();
  EXPECT_TRUE(Matches("rag = RED", action));
  EXPECT_TRUE(Matches("rag = \"RED\"", action));
  EXPECT_TRUE(Matches("rag : RED", action));
  EXPECT_FALSE(Matches("rag = AMBER", action));
  EXPECT_TRUE(Matches("rag != AMBER", action));
  EXPECT_FALSE(Matches("rag != RED", action));
  EXPECT_TRUE(Matches("rag = RAG_UNSPECIFIED", Action()));
}

TEST(FilterTest, RepeatedFieldsMatchAnyElement) {
  const Activity activity = TestActivity();
  EXPECT_TRUE(Matches(
      "lead_organisations : \"organisations/staffordshire-police\"", activity));
  EXPECT_TRUE(Matches("lead_organisations = organisations/south-staffs-council",
                      activity));
  EXPECT_FALSE(Matches("lead_organisations : organisations/other", activity));
  EXPECT_TRUE(Matches("lead_organisations != organisations/other", activity));
  EXPECT_FALSE(Matches(
      "lead_organisations != organisations/south-staffs-council", activity));
  EXPECT_TRUE(Matches("duty_areas = RISK", activity));
  EXPECT_TRUE(Matches("duty_areas : PARTNERSHIP", activity));
  EXPECT_FALSE(Matches("duty_areas : REFERRAL", activity));
  EXPECT_TRUE(Matches("duty_areas != REFERRAL", activity));
  EXPECT_FALSE(Matches("duty_areas != RISK", activity));
}

TEST(FilterTest, EmptyRepeatedFieldHasNoElements) {
  const Activity empty;
  EXPECT_FALSE(Matches("lead_organisations : \"\"", empty));
  EXPECT_TRUE(Matches("lead_organisations != organisations/x", empty));
  EXPECT_FALSE(Matches("duty_areas = RISK", empty));
  EXPECT_TRUE(Matches("duty_areas != RISK", empty));
}

TEST(FilterTest, NestedTimescaleFields) {
  const Action action = TestAction();
  EXPECT_TRUE(Matches("timescale.end < \"2025-06\"", action));
  EXPECT_FALSE(Matches("timescale.end < 2025-03", action));
  EXPECT_TRUE(Matches("timescale.end <= 2025-03", action));
  EXPECT_TRUE(
      Matches("timescale.start >= 2024-01 timescale.start < 2024-03", action));
  EXPECT_TRUE(Matches("timescale.ongoing = false", action));
  EXPECT_FALSE(Matches("timescale.ongoing = true", action));

  Action ongoing;
  ongoing.mutable_timescale()->set_ongoing(true);
  EXPECT_TRUE(Matches("timescale.ongoing = true", ongoing));
  EXPECT_TRUE(Matches("timescale.ongoing != false", ongoing));
}

TEST(FilterTest, UnsetNestedMessageReadsAsDefaults) {
  const Action action;  // no timescale
  EXPECT_TRUE(Matches("timescale.end = \"\"", action));
  EXPECT_TRUE(Matches("timescale.ongoing = false", action));
}

TEST(FilterTest, TimestampsCompareWithRfc3339) {
  const Action action =
      TestAction();  // update_time 2024-01-01T00:00:00.0000005Z
  EXPECT_TRUE(Matches("update_time > \"2024-01-01T00:00:00Z\"", action));
  EXPECT_FALSE(Matches("update_time > \"2024-01-01T00:00:01Z\"", action));
  EXPECT_TRUE(
      Matches("update_time >= \"2024-01-01T00:00:00.0000005Z\"", action));
  EXPECT_FALSE(
      Matches("update_time >= \"2024-01-01T00:00:00.000001Z\"", action));
  EXPECT_TRUE(Matches("update_time < \"2024-01-01T00:00:00.000001Z\"", action));
  EXPECT_FALSE(Matches("update_time < \"2024-01-01T00:00:00Z\"", action));
  EXPECT_TRUE(
      Matches("update_time <= \"2024-01-01T00:00:00.0000005Z\"", action));
  EXPECT_TRUE(
      Matches("update_time = \"2024-01-01T00:00:00.0000005Z\"", action));
  EXPECT_TRUE(
      Matches("update_time : \"2024-01-01T00:00:00.0000005Z\"", action));
  EXPECT_TRUE(Matches("update_time != \"2024-01-01T00:00:00Z\"", action));
  // Offsets and lower-case separators are RFC 3339 too; quotes are optional.
  EXPECT_TRUE(Matches("update_time > \"2024-01-01T00:59:59+01:00\"", action));
  EXPECT_TRUE(Matches("update_time > 2023-12-31T23:59:59Z", action));
  // An unset timestamp reads as the epoch.
  EXPECT_TRUE(Matches("delete_time = \"1970-01-01T00:00:00Z\"", action));
  EXPECT_TRUE(Matches("delete_time < \"2000-01-01T00:00:00Z\"", action));
}

TEST(FilterTest, TimestampsBeforeTheEpochCompare) {
  Action action;
  action.mutable_create_time()->set_seconds(-1);
  action.mutable_create_time()->set_nanos(500000000);  // 1969-12-31T23:59:59.5Z
  EXPECT_TRUE(Matches("create_time = \"1969-12-31T23:59:59.5Z\"", action));
  EXPECT_TRUE(Matches("create_time < \"1970-01-01T00:00:00Z\"", action));
  EXPECT_TRUE(Matches("create_time > \"1969-12-31T23:59:59Z\"", action));
}

TEST(FilterTest, IntegerFields) {
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(100);
  timestamp.set_nanos(0);
  EXPECT_TRUE(Matches("seconds = 100", timestamp));
  EXPECT_TRUE(Matches("seconds > -5", timestamp));
  EXPECT_TRUE(Matches("seconds >= 100 seconds <= 100", timestamp));
  EXPECT_FALSE(Matches("seconds < 100", timestamp));
  EXPECT_TRUE(Matches("seconds != 99", timestamp));
  EXPECT_TRUE(Matches("nanos = 0", timestamp));
  EXPECT_TRUE(Matches("update_time.seconds = 1704067200", TestAction()));
}

TEST(FilterTest, NumericFieldsOfEveryWidth) {
  google::protobuf::Int32Value int32;
  int32.set_value(-7);
  EXPECT_TRUE(Matches("value = -7", int32));
  EXPECT_TRUE(Matches("value < 4294967296", int32));
  EXPECT_FALSE(Matches("value > -7", int32));

  google::protobuf::Int64Value int64;
  int64.set_value(-9000000000);
  EXPECT_TRUE(Matches("value = -9000000000", int64));
  EXPECT_TRUE(Matches("value < -7", int64));

  google::protobuf::UInt32Value uint32;
  uint32.set_value(7);
  EXPECT_TRUE(Matches("value = 7", uint32));
  EXPECT_TRUE(Matches("value < 4294967296", uint32));
  EXPECT_FALSE(Matches("value >= 8", uint32));

  google::protobuf::UInt64Value uint64;
  uint64.set_value(18446744073709551615u);
  EXPECT_TRUE(Matches("value = 18446744073709551615", uint64));
  EXPECT_TRUE(Matches("value > 4294967296", uint64));
  EXPECT_FALSE(Matches("value != 18446744073709551615", uint64));

  google::protobuf::FloatValue float32;
  float32.set_value(1.5f);
  EXPECT_TRUE(Matches("value = 1.5", float32));
  EXPECT_TRUE(Matches("value > 1", float32));
  EXPECT_FALSE(Matches("value < -2.25", float32));

  google::protobuf::DoubleValue float64;
  float64.set_value(-2.25);
  EXPECT_TRUE(Matches("value = -2.25", float64));
  EXPECT_TRUE(Matches("value <= -2.25", float64));
  EXPECT_TRUE(Matches("value != 1.5", float64));

  google::protobuf::BoolValue boolean;
  boolean.set_value(true);
  EXPECT_TRUE(Matches("value = true", boolean));
  EXPECT_TRUE(Matches("value != false", boolean));
}

TEST(FilterTest, NotANumberInAFieldMatchesNoComparison) {
  google::protobuf::DoubleValue nan;
  nan.set_value(std::nan(""));
  EXPECT_FALSE(Matches("value = 1", nan));
  EXPECT_FALSE(Matches("value != 1", nan));
  EXPECT_FALSE(Matches("value < 1", nan));
  EXPECT_TRUE(Matches("NOT value >= 1", nan));
}

TEST(FilterTest, RepeatedIntegerFieldsMatchAnyElement) {
  google::protobuf::SourceCodeInfo::Location location;
  location.add_path(4);
  location.add_path(-2);
  EXPECT_TRUE(Matches("path = 4", location));
  EXPECT_TRUE(Matches("path : -2", location));
  EXPECT_FALSE(Matches("path = 7", location));
  EXPECT_TRUE(Matches("path != 7", location));
  EXPECT_FALSE(Matches("path != -2", location));
  EXPECT_FALSE(Matches("span = 0", location));  // no elements
}

TEST(FilterTest, ComputedFieldsComeFromTheCaller) {
  const Action action = TestAction();
  EXPECT_TRUE(Matches("overdue = true", action, /*overdue=*/true));
  EXPECT_FALSE(Matches("overdue = true", action, /*overdue=*/false));
  EXPECT_TRUE(Matches("overdue = false", action, /*overdue=*/false));
  EXPECT_TRUE(Matches("overdue != false", action, /*overdue=*/true));
  EXPECT_TRUE(Matches("rag = RED AND overdue = true", action, true));
  EXPECT_TRUE(Matches("NOT overdue = true", action, false));

  absl::StatusOr<Filter> filter = Filter::Parse("overdue = true");
  ASSERT_TRUE(filter.ok());
  EXPECT_THAT(filter->Check(*Action::descriptor(), {}).message(),
              HasSubstr("unknown field \"overdue\""));
  // A computed value the caller did not supply matches nothing.
  EXPECT_FALSE(filter->Matches(action, {}));
}

TEST(FilterTest, ComputedFieldHidesFieldOfTheSameName) {
  absl::StatusOr<Filter> filter = Filter::Parse("rag = true");
  ASSERT_TRUE(filter.ok());
  EXPECT_TRUE(filter->Check(*Action::descriptor(), {"rag"}).ok());
  EXPECT_TRUE(filter->Matches(TestAction(), {{"rag", true}}));
}

TEST(FilterTest, FilterIsACopyableValue) {
  absl::StatusOr<Filter> parsed = Filter::Parse("rag = RED");
  ASSERT_TRUE(parsed.ok());
  Filter copy = *parsed;
  Filter moved = std::move(*parsed);
  parsed = Filter::Parse("rag = BLUE");
  EXPECT_TRUE(copy.Matches(TestAction(), {}));
  EXPECT_TRUE(moved.Matches(TestAction(), {}));
  copy = Filter();
  EXPECT_TRUE(copy.empty());
}

TEST(FilterParseTest, ErrorsSayColumnAndWhy) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"rag = ", "column 7: expected a value after '='"},
      {"rag =", "column 6: expected a value after '='"},
      {"rag RED", "column 5: expected an operator"},
      {"rag ! RED", "column 5: expected an operator"},
      {"rag == RED", "column 6: expected a value after '=', found '='"},
      {"rag = (RED)", "column 7: expected a value after '=', found '('"},
      {"rag = AND", "column 7: expected a value after '='"},
      {"(rag = RED", "column 11: expected ')' to close the '(' at column 1"},
      {"rag = RED)", "column 10: unexpected ')' with no matching '('"},
      {"rag = RED AND", "column 14: expected a comparison after AND"},
      {"rag = RED OR", "column 13: expected a comparison after OR"},
      {"OR rag = RED", "column 1: expected a comparison, found \"OR\""},
      {"NOT NOT rag = RED", "column 5: expected a comparison after NOT"},
      {"- -rag = RED", "column 3: expected a comparison after '-'"},
      {"()", "column 2: expected a comparison after '('"},
      {"= RED", "column 1: expected a comparison, found '='"},
      {"timescale. = 1", "column 11: expected a field name after '.'"},
      {"title = \"abc", "column 9: string has no closing '\"'"},
      {"title = \"abc\\", "column 9: string has no closing '\"'"},
      {"title = \"a\\nb\"", "column 11: unknown escape '\\n'"},
      {"rag = RED \x01", "column 11: expected a comparison, found control"},
      {"\xC3\xA9 = 1", "column 1: expected a comparison, found a non-ASCII"},
      // Columns count characters, not bytes.
      {"title = \"\xC3\xA9\" )", "column 13: unexpected ')'"},
  };
  for (const auto& [text, expected] : cases) {
    EXPECT_THAT(ParseError(text), StartsWith(expected)) << text;
  }
}

TEST(FilterParseTest, RejectsTextLongerThanTheLimit) {
  const std::string at_limit = absl::StrCat(
      "title = \"", std::string(Filter::kMaxLength - 10, 'x'), "\"");
  ASSERT_EQ(at_limit.size(), Filter::kMaxLength);
  EXPECT_TRUE(Filter::Parse(at_limit).ok());
  EXPECT_THAT(ParseError(at_limit + " "),
              HasSubstr("filter is 2001 bytes long; at most 2000"));
}

TEST(FilterParseTest, RejectsNestingDeeperThanTheLimit) {
  auto nested = [](int depth) {
    return absl::StrCat(std::string(depth, '('), "rag = RED",
                        std::string(depth, ')'));
  };
  EXPECT_TRUE(Matches(nested(Filter::kMaxDepth), TestAction()));
  EXPECT_THAT(ParseError(nested(Filter::kMaxDepth + 1)),
              StartsWith("column 33: parentheses nested deeper than 32"));
  EXPECT_THAT(ParseError(std::string(1000, '(')),
              HasSubstr("parentheses nested deeper than 32"));
}

TEST(FilterCheckTest, UnknownFieldsAreNamed) {
  EXPECT_EQ(CheckError("ragg = RED"), "column 1: unknown field \"ragg\"");
  EXPECT_EQ(CheckError("rag = RED AND timescale.ennd = 2024-01"),
            "column 15: unknown field \"timescale.ennd\"");
  EXPECT_THAT(CheckError("rag.colour = RED"),
              StartsWith("column 1: unknown field \"rag.colour\": \"rag\" has "
                         "no fields"));
  EXPECT_THAT(CheckError("lead_organisations = x"),
              HasSubstr("unknown field \"lead_organisations\""));
}

TEST(FilterCheckTest, MessageFieldNeedsASubfield) {
  EXPECT_EQ(CheckError("timescale = x"),
            "column 1: field \"timescale\" is a message; compare one of its "
            "fields, e.g. \"timescale.text\"");
}

TEST(FilterCheckTest, EnumValuesMustBeNamesOfTheEnum) {
  EXPECT_EQ(CheckError("rag = PURPLE"),
            "column 7: \"PURPLE\" is not a Rag (one of RAG_UNSPECIFIED, RED, "
            "AMBER, GREEN, BLUE)");
  EXPECT_THAT(CheckError("rag = red"), HasSubstr("\"red\" is not a Rag"));
  EXPECT_THAT(CheckError("rag = 1"), HasSubstr("\"1\" is not a Rag"));
  EXPECT_THAT(CheckError("duty_areas = RED", *Activity::descriptor()),
              HasSubstr("\"RED\" is not a DutyArea"));
}

TEST(FilterCheckTest, OrderingOperatorsNeedAnOrderedScalar) {
  EXPECT_EQ(CheckError("rag < RED"),
            "column 5: operator '<' does not apply to enum field \"rag\"; use "
            "=, != or :");
  EXPECT_THAT(CheckError("timescale.ongoing >= true"),
              HasSubstr("operator '>=' does not apply to boolean field"));
  EXPECT_THAT(CheckError("overdue > false"),
              HasSubstr("operator '>' does not apply to boolean field "
                        "\"overdue\""));
  EXPECT_THAT(CheckError("lead_organisations > a", *Activity::descriptor()),
              HasSubstr("operator '>' does not apply to repeated field "
                        "\"lead_organisations\""));
  EXPECT_THAT(CheckError("duty_areas <= RISK", *Activity::descriptor()),
              HasSubstr("does not apply to repeated field \"duty_areas\""));
}

TEST(FilterCheckTest, ValuesMustHaveTheFieldsType) {
  EXPECT_THAT(CheckError("timescale.ongoing = yes"),
              StartsWith("column 21: \"yes\" is not true or false"));
  EXPECT_THAT(CheckError("overdue = 1"), HasSubstr("is not true or false"));
  EXPECT_THAT(CheckError("update_time > yesterday"),
              HasSubstr("\"yesterday\" is not an RFC 3339 timestamp"));
  EXPECT_THAT(CheckError("update_time > 2024-01-01"),
              HasSubstr("is not an RFC 3339 timestamp"));
  EXPECT_THAT(CheckError("update_time > infinite-future"),
              HasSubstr("is not an RFC 3339 timestamp"));
  EXPECT_THAT(CheckError("update_time.seconds = 1.5"),
              HasSubstr("\"1.5\" is not an integer"));
  EXPECT_THAT(CheckError("update_time.nanos = abc"),
              HasSubstr("\"abc\" is not an integer"));
}

TEST(FilterCheckTest, ReportsTheFirstBadComparison) {
  EXPECT_THAT(CheckError("rag = RED OR (position = x AND ragg = RED) OR "
                         "rag = PURPLE"),
              StartsWith("column 32: unknown field \"ragg\""));
}

TEST(FilterCheckTest, UncheckedMatchingIsSafeAndFalse) {
  // Checked against Action, matched against Activity: no crash, no match.
  absl::StatusOr<Filter> filter =
      Filter::Parse("rag = RED OR timescale.end < 2025 OR rag.x = 1");
  ASSERT_TRUE(filter.ok());
  EXPECT_FALSE(filter->Matches(TestActivity(), {}));
  EXPECT_TRUE(Filter::Parse("NOT ragg = RED")->Matches(TestActivity(), {}));
}

// Errors from Parse must be InvalidArgument and, for anything within the
// length limit, name a column inside the text (or just past its end).
void ExpectWellFormedError(const std::string& text,
                           const absl::Status& status) {
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  if (text.size() > Filter::kMaxLength) return;
  const absl::string_view message = status.message();
  ASSERT_TRUE(absl::StartsWith(message, "column ")) << message;
  const absl::string_view rest = message.substr(7);
  int column = 0;
  ASSERT_TRUE(absl::SimpleAtoi(rest.substr(0, rest.find(':')), &column))
      << message;
  EXPECT_GE(column, 1);
  EXPECT_LE(column, static_cast<int>(text.size()) + 1);
}

// Parses, checks and matches `text` against both resource types.
void Exercise(const std::string& text) {
  absl::StatusOr<Filter> filter = Filter::Parse(text);
  if (!filter.ok()) {
    ExpectWellFormedError(text, filter.status());
    return;
  }
  const absl::flat_hash_map<std::string, bool> computed = {{"overdue", true}};
  const absl::Status checked =
      filter->Check(*Action::descriptor(), {"overdue"});
  if (!checked.ok()) {
    EXPECT_EQ(checked.code(), absl::StatusCode::kInvalidArgument);
  }
  filter->Matches(TestAction(), computed);
  filter->Matches(Action(), computed);
  filter->Matches(TestActivity(), {});
}

TEST(FilterRobustnessTest, RandomInputNeverCrashes) {
  uint64_t seed = std::random_device()();
  if (const char* fixed = std::getenv("FILTER_TEST_SEED")) {
    ASSERT_TRUE(absl::SimpleAtoi(fixed, &seed)) << fixed;
  }
  std::cout << "FILTER_TEST_SEED=" << seed << std::endl;
  SCOPED_TRACE(absl::StrCat("FILTER_TEST_SEED=", seed));
  std::mt19937_64 random(seed);
  auto below = [&random](size_t n) {
    return std::uniform_int_distribution<size_t>(0, n - 1)(random);
  };

  for (int i = 0; i < 3000; ++i) {
    std::string bytes(below(i % 100 == 0 ? 2100 : 40), '\0');
    for (char& c : bytes) c = static_cast<char>(below(256));
    Exercise(bytes);
  }

  const std::vector<std::string> tokens = {"(",
                                           ")",
                                           "AND",
                                           "OR",
                                           "NOT",
                                           "-",
                                           "=",
                                           "!=",
                                           "<",
                                           "<=",
                                           ">",
                                           ">=",
                                           ":",
                                           ".",
                                           "\"",
                                           "\\",
                                           "\"a\\\"b\"",
                                           "\"open",
                                           "rag",
                                           "RED",
                                           "PURPLE",
                                           "timescale",
                                           "timescale.end",
                                           "timescale.ongoing",
                                           "2024-06",
                                           "true",
                                           "false",
                                           "overdue",
                                           "update_time",
                                           "\"2024-01-01T00:00:00Z\"",
                                           "lead_organisations",
                                           "duty_areas",
                                           "position",
                                           "m",
                                           "-5",
                                           "1e9",
                                           "update_time.seconds",
                                           "nan",
                                           "\xC3\xA9",
                                           std::string(1, '\0'),
                                           "\t",
                                           "ORDER",
                                           "x.y.z"};
  for (int i = 0; i < 20000; ++i) {
    std::string soup;
    const size_t count = 1 + below(16);
    for (size_t t = 0; t < count; ++t) {
      if (below(3) != 0) soup += ' ';
      soup += tokens[below(tokens.size())];
    }
    Exercise(soup);
  }

  for (int depth = 0; depth < 80; ++depth) {
    std::string nots;
    for (int d = 0; d < depth; ++d) nots += below(2) ? "NOT (" : "-(";
    Exercise(nots + "rag = RED" + std::string(depth, ')'));
    Exercise(std::string(depth, '(') + "rag = RED" + std::string(depth, ')'));
  }
}

}  // namespace
}  // namespace plan
