// The REST mapping: path templates, and the requests RestRouter builds from
// the google.api.http rules in proto/.
#include "libplan/http/rest_router.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "libplan/http/openapi.h"
#include "libplan/http/path_template.h"
#include "libplan/util/errors.h"
#include "prevent/plan/v1/agent_service.grpc.pb.h"
#include "prevent/plan/v1/plan_service.grpc.pb.h"
#include "prevent/plan/v1/report_service.grpc.pb.h"

namespace plan {
namespace {

namespace v1 = prevent::plan::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

constexpr char kAction[] = "plans/south-staffordshire/activities/a1/actions/x1";

TEST(PathTemplateTest, MatchesAndBindsVariables) {
  absl::StatusOr<PathTemplate> path =
      PathTemplate::Parse("/v1/{name=plans/*/activities/*/actions/*}");
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_THAT(*path->Match(absl::StrCat("/v1/", kAction)),
              ElementsAre(Pair("name", kAction)));
  for (const char* other :
       {"/v1/plans/p/activities/a/actions",
        "/v1/plans/p/activities/a/actions/x/y",
        "/v2/plans/p/activities/a/actions/x",
        "v1/plans/p/activities/a/actions/x",
        "/v1/plans//activities/a/actions/x", "/v1/plans/p/strands/a/actions/x",
        "/v1/plans/p/activities/a/actions/x:undelete", ""}) {
    EXPECT_FALSE(path->Match(other).has_value()) << other;
  }
  std::vector<std::string> parameters;
  EXPECT_EQ(path->OpenApiPath(&parameters),
            "/v1/plans/{plan}/activities/{activity}/actions/{action}");
  EXPECT_THAT(parameters, ElementsAre("plan", "activity", "action"));
}

TEST(PathTemplateTest, VerbsLiteralsAndDoubleWildcards) {
  absl::StatusOr<PathTemplate> undelete =
      PathTemplate::Parse("/v1/{name=plans/*}:undelete");
  ASSERT_TRUE(undelete.ok()) << undelete.status();
  EXPECT_THAT(*undelete->Match("/v1/plans/p:undelete"),
              ElementsAre(Pair("name", "plans/p")));
  EXPECT_FALSE(undelete->Match("/v1/plans/p").has_value());
  EXPECT_FALSE(undelete->Match("/v1/plans/p:summary").has_value());
  EXPECT_EQ(undelete->verb(), "undelete");

  absl::StatusOr<PathTemplate> list =
      PathTemplate::Parse("/v1/{parent=plans/*/activities/*}/actions");
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_THAT(*list->Match("/v1/plans/p/activities/-/actions"),
              ElementsAre(Pair("parent", "plans/p/activities/-")));
  EXPECT_EQ(list->OpenApiPath(),
            "/v1/plans/{plan}/activities/{activity}/actions");

  absl::StatusOr<PathTemplate> rest = PathTemplate::Parse("/files/{path=**}");
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_THAT(*rest->Match("/files/a/b/c"), ElementsAre(Pair("path", "a/b/c")));

  absl::StatusOr<PathTemplate> plain = PathTemplate::Parse("/v1/agent:syncNow");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_TRUE(plain->Match("/v1/agent:syncNow").has_value());
  EXPECT_FALSE(plain->Match("/v1/agent").has_value());
}

TEST(PathTemplateTest, ABadTemplateNamesTheColumn) {
  for (const auto& [text, column] :
       std::vector<std::pair<std::string, std::string>>{
           {"v1/plans", "column 1"},
           {"/v1/{name=plans/*", "column 18"},
           {"/v1/{=plans}", "column 6"},
           {"/v1/**/plans", "column 8"},
           {"/v1/plans:", "column 11"},
           {"/v1/pl ans", "column 7"}}) {
    absl::StatusOr<PathTemplate> parsed = PathTemplate::Parse(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_THAT(parsed.status().message(), HasSubstr(column)) << text;
  }
}

class RestRouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The services' files register themselves only when linked in: use one
    // message of each, as a server that serves them does.
    ASSERT_NE(v1::GetSyncStatusRequest::descriptor(), nullptr);
    ASSERT_NE(v1::GetPlanSummaryRequest::descriptor(), nullptr);
    absl::StatusOr<RestRouter> router =
        RestRouter::Create({v1::PlanService::service_full_name(),
                            v1::ReportService::service_full_name(),
                            v1::AgentService::service_full_name()});
    ASSERT_TRUE(router.ok()) << router.status();
    router_.emplace(*std::move(router));
  }

  // The request `method` and `path` build, or the error.
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> Build(
      absl::string_view method, absl::string_view path,
      const QueryParams& query = {}, absl::string_view body = "") {
    std::optional<RestRouter::Route> route = router_->Find(method, path);
    if (!route.has_value()) return absl::NotFoundError("no route");
    std::unique_ptr<google::protobuf::Message> request =
        RestRouter::NewRequest(*route);
    absl::Status filled =
        RestRouter::FillRequest(*route, query, body, request.get());
    if (!filled.ok()) return filled;
    return request;
  }

  std::optional<RestRouter> router_;
};

TEST_F(RestRouterTest, EveryUnaryMethodWithARuleIsRouted) {
  std::set<std::string> methods;
  for (const auto& binding : router_->bindings()) {
    methods.insert(binding->method->name());
  }
  const int plan_methods =
      google::protobuf::DescriptorPool::generated_pool()
          ->FindServiceByName("prevent.plan.v1.PlanService")
          ->method_count();
  // Every PlanService method, four reports and the agent's two.
  EXPECT_EQ(methods.size(), static_cast<size_t>(plan_methods + 4 + 2));
  EXPECT_TRUE(methods.contains("GetCountySummary"));
  EXPECT_FALSE(methods.contains("ReadChangeLog"));  // streaming
}

TEST_F(RestRouterTest, GetBindsTheName) {
  auto request = Build("GET", absl::StrCat("/v1/", kAction));
  ASSERT_TRUE(request.ok()) << request.status();
  v1::GetActionRequest expected;
  expected.set_name(kAction);
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(**request, expected))
      << (*request)->DebugString();
}

TEST_F(RestRouterTest, ListTakesQueryParameters) {
  auto request = Build("GET", "/v1/plans/p/activities/-/actions",
                       {{"filter", "overdue = true"},
                        {"pageSize", "5"},
                        {"page_token", "t"},
                        {"show_deleted", "true"}});
  ASSERT_TRUE(request.ok()) << request.status();
  const auto& list = static_cast<const v1::ListActionsRequest&>(**request);
  EXPECT_EQ(list.parent(), "plans/p/activities/-");
  EXPECT_EQ(list.filter(), "overdue = true");
  EXPECT_EQ(list.page_size(), 5);
  EXPECT_EQ(list.page_token(), "t");
  EXPECT_TRUE(list.show_deleted());
}

TEST_F(RestRouterTest, PatchTakesTheResourceAsBodyAndTheMaskAsQuery) {
  auto request =
      Build("PATCH", absl::StrCat("/v1/", kAction),
            {{"update_mask", "rag,timescale.end"}},
            R"({"name": "plans/other/activities/a/actions/b", "rag": "RED",
                "etag": "e1", "timescale": {"end": "2026-03"}})");
  ASSERT_TRUE(request.ok()) << request.status();
  const auto& update = static_cast<const v1::UpdateActionRequest&>(**request);
  EXPECT_EQ(update.action().name(), kAction);  // the path wins
  EXPECT_EQ(update.action().rag(), v1::RED);
  EXPECT_EQ(update.action().etag(), "e1");
  EXPECT_THAT(update.update_mask().paths(),
              ElementsAre("rag", "timescale.end"));
}

TEST_F(RestRouterTest, PostTakesTheIdAsQueryAndCustomVerbsTheWholeBody) {
  auto create = Build("POST", "/v1/plans/p/activities/a/actions",
                      {{"action_id", "x9"}}, R"({"description": "Do it"})");
  ASSERT_TRUE(create.ok()) << create.status();
  const auto& action = static_cast<const v1::CreateActionRequest&>(**create);
  EXPECT_EQ(action.parent(), "plans/p/activities/a");
  EXPECT_EQ(action.action_id(), "x9");
  EXPECT_EQ(action.action().description(), "Do it");

  auto resolve = Build("POST", "/v1/plans/p/conflicts/c1:resolve", {},
                       R"({"candidate": 2, "etag": "e"})");
  ASSERT_TRUE(resolve.ok()) << resolve.status();
  const auto& conflict =
      static_cast<const v1::ResolveConflictRequest&>(**resolve);
  EXPECT_EQ(conflict.name(), "plans/p/conflicts/c1");
  EXPECT_EQ(conflict.candidate(), 2);

  auto organisation = Build("GET", "/v1/organisations/police/conflicts");
  ASSERT_TRUE(organisation.ok()) << organisation.status();
  EXPECT_EQ(
      static_cast<const v1::ListConflictsRequest&>(**organisation).parent(),
      "organisations/police");

  auto summary =
      Build("GET", "/v1/plans/p:countySummary", {{"period_start", "2026-01"}});
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(static_cast<const v1::GetCountySummaryRequest&>(**summary).plan(),
            "plans/p");
}

TEST_F(RestRouterTest, ExportSendsItsContentAsTheBody) {
  std::optional<RestRouter::Route> route =
      router_->Find("GET", "/v1/plans/p:export");
  ASSERT_TRUE(route.has_value());
  EXPECT_EQ(route->binding->response_body, "content");
  auto request = Build("GET", "/v1/plans/p:export", {{"format", "CSV"}});
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(static_cast<const v1::ExportPlanRequest&>(**request).format(),
            v1::CSV);
}

TEST(RestRouterCreateTest, AServiceNotLinkedInIsNotFound) {
  EXPECT_EQ(
      RestRouter::Create({"prevent.plan.v1.NoSuchService"}).status().code(),
      absl::StatusCode::kNotFound);
}

TEST_F(RestRouterTest, UnknownPathsAndMethodsAreNotRouted) {
  EXPECT_FALSE(router_->Find("GET", "/v1/nothing").has_value());
  EXPECT_FALSE(router_->Find("PUT", "/v1/plans/p").has_value());
  EXPECT_THAT(router_->AllowedMethods("/v1/plans/p"),
              ElementsAre("DELETE", "GET", "PATCH"));
  EXPECT_TRUE(router_->AllowedMethods("/v1/nothing").empty());
}

// Each bad request names what is wrong in a BadRequest.
TEST_F(RestRouterTest, BadInputNamesTheParameterOrTheBody) {
  struct Case {
    std::string method, path;
    QueryParams query;
    std::string body, field, problem;
  };
  const std::string action = absl::StrCat("/v1/", kAction);
  for (const Case& bad : std::vector<Case>{
           {"PATCH", action, {}, "{\"rag\": ", "body", ""},
           {"PATCH", action, {}, R"({"colour": "RED"})", "body", "colour"},
           {"PATCH", action, {}, R"({"rag": 7.5})", "body", "rag"},
           {"PATCH", action, {}, R"({"rag": "PURPLE"})", "body", "rag"},
           {"PATCH", action, {}, "[1, 2]", "body", ""},
           {"GET", action, {}, "{}x", "body", "no body"},
           {"GET", action, {{"colour", "red"}}, "", "colour", "not a field"},
           {"GET",
            "/v1/plans/p/activities/-/actions",
            {{"page_size", "ten"}},
            "",
            "page_size",
            ""},
           {"GET",
            "/v1/plans/p/activities/-/actions",
            {{"show_deleted", "yes"}},
            "",
            "show_deleted",
            "true or false"},
           {"GET",
            "/v1/plans/p/activities/-/actions",
            {{"filter", "a"}, {"filter", "b"}},
            "",
            "filter",
            "more than once"},
           {"GET",
            "/v1/plans/p/activities/-/actions",
            {{"page_size", "5"}, {"pageSize", "500"}},
            "",
            "pageSize",
            "more than once"},
           {"GET",
            "/v1/plans/p/activities/-/actions",
            {{"parent", "plans/q/activities/-"}},
            "",
            "parent",
            "set by the path"},
           {"POST",
            "/v1/plans/p/conflicts/c:resolve",
            {{"candidate", "1"}},
            "",
            "candidate",
            "in the body"},
           {"PATCH",
            action,
            {{"action.rag", "RED"}},
            "",
            "action.rag",
            "set by the path or the body"},
       }) {
    auto request = Build(bad.method, bad.path, bad.query, bad.body);
    ASSERT_FALSE(request.ok()) << bad.path << " " << bad.body;
    EXPECT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument);
    const std::vector<FieldViolation> violations =
        FieldViolationsOf(request.status());
    ASSERT_EQ(violations.size(), 1u) << request.status();
    EXPECT_EQ(violations[0].field, bad.field) << request.status();
    EXPECT_THAT(violations[0].description, HasSubstr(bad.problem))
        << request.status();
  }
}

// The description is JSON, and names every operation with its path
// parameters, query parameters and schemas.
TEST_F(RestRouterTest, OpenApiDescribesEveryBinding) {
  const std::string json = OpenApiJson(*router_);
  google::protobuf::Struct parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &parsed).ok())
      << json.substr(0, 500);
  const auto& fields = parsed.fields();
  EXPECT_EQ(fields.at("openapi").string_value(), "3.0.3");
  const auto& paths = fields.at("paths").struct_value().fields();
  const auto& action =
      paths.at("/v1/plans/{plan}/activities/{activity}/actions/{action}")
          .struct_value()
          .fields();
  EXPECT_TRUE(action.contains("get"));
  EXPECT_TRUE(action.contains("patch"));
  EXPECT_TRUE(action.contains("delete"));
  const auto& patch = action.at("patch").struct_value().fields();
  EXPECT_EQ(patch.at("operationId").string_value(), "UpdateAction");
  std::set<std::string> parameters;
  for (const auto& parameter : patch.at("parameters").list_value().values()) {
    parameters.insert(
        parameter.struct_value().fields().at("name").string_value());
  }
  EXPECT_EQ(parameters, (std::set<std::string>{"plan", "activity", "action",
                                               "update_mask"}));
  EXPECT_THAT(
      json,
      HasSubstr(R"("$ref":"#/components/schemas/prevent.plan.v1.Action")"));
  EXPECT_TRUE(paths.contains("/v1/organisations/{organisation}/conflicts"));
  EXPECT_TRUE(paths.contains("/v1/plans/{plan}:countySummary"));
  const auto& schemas = fields.at("components")
                            .struct_value()
                            .fields()
                            .at("schemas")
                            .struct_value()
                            .fields();
  EXPECT_TRUE(schemas.contains("prevent.plan.v1.Conflict"));
  EXPECT_TRUE(schemas.contains("Error"));
  size_t operations = 0;
  for (const auto& [path, methods] : paths) {
    operations += methods.struct_value().fields_size();
  }
  EXPECT_EQ(operations, router_->bindings().size());
}

TEST(JsonQuoteTest, EscapesWhatJsonMust) {
  EXPECT_EQ(JsonQuote("a\"b\\c\n\x01"), R"("a\"b\\c\n\u0001")");
  EXPECT_EQ(JsonQuote("6 December 2026 – OK"), "\"6 December 2026 – OK\"");
}

}  // namespace
}  // namespace plan
