// PlanService over real gRPC on loopback, with a real RocksDB in a temp dir.
#include "libplan/rpc/plan_service.h"

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libplan/rpc/server.h"
#include "libplan/util/log.h"
#include "tests/support/temp_dir.h"

namespace plan {
namespace {

using prevent::plan::test_support::TempDir;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;
namespace v1 = prevent::plan::v1;

constexpr char kPolice[] = "organisations/staffordshire-police";
constexpr char kCouncil[] = "organisations/south-staffordshire-council";
constexpr char kPlan[] = "plans/south-staffordshire";

// The error details a client sees: reason and bad fields.
struct ErrorDetails {
  std::string reason;
  std::vector<std::string> fields;
};

ErrorDetails DetailsOf(const grpc::Status& status) {
  ErrorDetails details;
  google::rpc::Status rpc_status;
  EXPECT_TRUE(rpc_status.ParseFromString(status.error_details()));
  for (const auto& any : rpc_status.details()) {
    google::rpc::ErrorInfo info;
    google::rpc::BadRequest bad;
    if (any.UnpackTo(&info)) details.reason = info.reason();
    if (any.UnpackTo(&bad)) {
      for (const auto& v : bad.field_violations()) {
        details.fields.push_back(v.field());
      }
    }
  }
  return details;
}

class PlanServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetLoggingEnabled(false);
    absl::StatusOr<TempDir> dir = TempDir::Create("rpc-test");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_.emplace(std::move(*dir));
    absl::StatusOr<std::unique_ptr<Store>> store =
        Store::Open({.path = dir_->Subpath("db")});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    PlanResourcesOptions options;
    options.default_organisation = kCouncil;
    // "Today" is fixed so overdue is deterministic.
    options.now = [] {
      return absl::FromCivil(absl::CivilDay(2024, 6, 15), absl::UTCTimeZone());
    };
    resources_ =
        std::make_unique<PlanResources>(store_.get(), &clock_, options);
    service_ = std::make_unique<PlanServiceImpl>(resources_.get(), &auth_);
    grpc::ServerBuilder builder;
    ConfigureServerBuilder(ServerOptions(), &builder);
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                   grpc::InsecureChannelCredentials());
    stub_ = v1::PlanService::NewStub(channel_);
  }

  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  std::unique_ptr<grpc::ClientContext> Context() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(10));
    context->AddMetadata("x-prevent-organisation", kPolice);
    return context;
  }

  // Creates the organisations, plan and strands most tests need.
  void CreateBasics() {
    for (const auto& [id, name] :
         {std::pair<std::string, std::string>{"staffordshire-police",
                                              "Staffordshire Police"},
          {"south-staffordshire-council", "South Staffordshire Council"}}) {
      v1::CreateOrganisationRequest request;
      request.set_organisation_id(id);
      request.mutable_organisation()->set_display_name(name);
      v1::Organisation response;
      ASSERT_TRUE(
          stub_->CreateOrganisation(Context().get(), request, &response).ok());
    }
    v1::CreatePlanRequest plan;
    plan.set_plan_id("south-staffordshire");
    plan.mutable_plan()->set_title(
        "South Staffordshire Prevent Action Plan 2023-2025");
    plan.mutable_plan()->set_period_start("2023-04");
    plan.mutable_plan()->set_period_end("2025-03");
    v1::Plan created_plan;
    ASSERT_TRUE(stub_->CreatePlan(Context().get(), plan, &created_plan).ok());
    for (const char* id : {"ideology", "individuals", "institutions"}) {
      v1::CreateStrandRequest strand;
      strand.set_parent(kPlan);
      strand.set_strand_id(id);
      strand.mutable_strand()->set_title(id);
      v1::Strand created;
      ASSERT_TRUE(stub_->CreateStrand(Context().get(), strand, &created).ok());
    }
  }

  grpc::Status CreateActivity(const std::string& id, const std::string& strand,
                              std::vector<std::string> leads,
                              v1::Activity* out) {
    v1::CreateActivityRequest request;
    request.set_parent(kPlan);
    request.set_activity_id(id);
    request.mutable_activity()->set_title(absl::StrCat("Activity ", id));
    request.mutable_activity()->set_strand(
        absl::StrCat(kPlan, "/strands/", strand));
    for (auto& lead : leads)
      request.mutable_activity()->add_lead_organisations(lead);
    return stub_->CreateActivity(Context().get(), request, out);
  }

  grpc::Status CreateAction(const std::string& activity, const std::string& id,
                            v1::Rag rag, const std::string& end,
                            v1::Action* out) {
    v1::CreateActionRequest request;
    request.set_parent(absl::StrCat(kPlan, "/activities/", activity));
    request.set_action_id(id);
    request.mutable_action()->set_description(absl::StrCat("Do ", id));
    request.mutable_action()->set_rag(rag);
    request.mutable_action()->mutable_timescale()->set_end(end);
    return stub_->CreateAction(Context().get(), request, out);
  }

  std::vector<std::string> ListActionNames(const std::string& parent,
                                           const std::string& filter) {
    v1::ListActionsRequest request;
    request.set_parent(parent);
    request.set_filter(filter);
    v1::ListActionsResponse response;
    grpc::Status status =
        stub_->ListActions(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> names;
    for (const auto& action : response.actions())
      names.push_back(action.name());
    return names;
  }

  std::optional<TempDir> dir_;
  std::unique_ptr<Store> store_;
  HybridClock clock_;
  std::unique_ptr<PlanResources> resources_;
  const Authenticator auth_{{}};  // development mode
  std::unique_ptr<PlanServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::PlanService::Stub> stub_;
};

TEST_F(PlanServiceTest, CreateAndGetEveryKind) {
  CreateBasics();
  v1::Activity activity;
  ASSERT_TRUE(CreateActivity("channel", "ideology", {kPolice}, &activity).ok());
  EXPECT_EQ(activity.name(), "plans/south-staffordshire/activities/channel");
  EXPECT_FALSE(activity.etag().empty());
  EXPECT_TRUE(activity.has_create_time());
  EXPECT_FALSE(activity.has_delete_time());

  v1::Action action;
  ASSERT_TRUE(
      CreateAction("channel", "refer", v1::GREEN, "2025-03", &action).ok());
  v1::CreateProgressUpdateRequest update;
  update.set_parent(action.name());
  update.mutable_progress_update()->set_note(
      "Two referrals discussed at the panel.");
  update.mutable_progress_update()->set_rag(v1::GREEN);
  v1::ProgressUpdate created_update;
  ASSERT_TRUE(
      stub_->CreateProgressUpdate(Context().get(), update, &created_update)
          .ok());
  // Defaults: the acting organisation (from metadata) and the time of creation.
  EXPECT_EQ(created_update.organisation(), kPolice);
  EXPECT_TRUE(created_update.has_report_time());
  EXPECT_EQ(created_update.name().rfind(action.name() + "/updates/", 0), 0u);

  v1::GetActionRequest get;
  get.set_name(action.name());
  v1::Action got;
  ASSERT_TRUE(stub_->GetAction(Context().get(), get, &got).ok());
  EXPECT_EQ(got.SerializeAsString(), action.SerializeAsString());

  v1::GetOrganisationRequest get_org;
  get_org.set_name(kPolice);
  v1::Organisation org;
  ASSERT_TRUE(stub_->GetOrganisation(Context().get(), get_org, &org).ok());
  EXPECT_EQ(org.display_name(), "Staffordshire Police");

  v1::ListProgressUpdatesRequest list_updates;
  list_updates.set_parent(action.name());
  v1::ListProgressUpdatesResponse updates;
  ASSERT_TRUE(
      stub_->ListProgressUpdates(Context().get(), list_updates, &updates).ok());
  ASSERT_EQ(updates.progress_updates_size(), 1);
  EXPECT_EQ(updates.progress_updates(0).note(),
            "Two referrals discussed at the panel.");
}

// Get, List, Update, Delete and Undelete of the kinds the other tests do not
// cover through those methods: each returns the state the previous one made.
TEST_F(PlanServiceTest, EveryStandardMethodOfOrganisationPlanStrandAndAction) {
  CreateBasics();
  v1::Activity activity;
  ASSERT_TRUE(CreateActivity("channel", "ideology", {kPolice}, &activity).ok());
  v1::Action action;
  ASSERT_TRUE(
      CreateAction("channel", "refer", v1::GREEN, "2025-03", &action).ok());

  {  // Organisation
    v1::ListOrganisationsRequest list;
    v1::ListOrganisationsResponse listed;
    ASSERT_TRUE(stub_->ListOrganisations(Context().get(), list, &listed).ok());
    ASSERT_EQ(listed.organisations_size(), 2);
    EXPECT_EQ(listed.organisations(0).name(), kCouncil);
    v1::UpdateOrganisationRequest update;
    update.mutable_organisation()->set_name(kPolice);
    update.mutable_organisation()->set_kind(v1::POLICE);
    v1::Organisation org;
    ASSERT_TRUE(stub_->UpdateOrganisation(Context().get(), update, &org).ok());
    EXPECT_EQ(org.kind(), v1::POLICE);
    EXPECT_EQ(org.display_name(), "Staffordshire Police");
    v1::DeleteOrganisationRequest del;
    del.set_name(kPolice);
    ASSERT_TRUE(stub_->DeleteOrganisation(Context().get(), del, &org).ok());
    // A deleted organisation cannot be newly referenced.
    v1::UpdateActionRequest owner;
    owner.mutable_action()->set_name(action.name());
    owner.mutable_action()->set_owner_organisation(kPolice);
    v1::Action out;
    grpc::Status status = stub_->UpdateAction(Context().get(), owner, &out);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    v1::UndeleteOrganisationRequest undelete;
    undelete.set_name(kPolice);
    ASSERT_TRUE(
        stub_->UndeleteOrganisation(Context().get(), undelete, &org).ok());
    EXPECT_TRUE(stub_->UpdateAction(Context().get(), owner, &out).ok());
  }
  {  // Plan
    v1::GetPlanRequest get;
    get.set_name(kPlan);
    v1::Plan plan;
    ASSERT_TRUE(stub_->GetPlan(Context().get(), get, &plan).ok());
    EXPECT_EQ(plan.period_start(), "2023-04");
    v1::UpdatePlanRequest update;
    update.mutable_plan()->set_name(kPlan);
    update.mutable_plan()->add_partner_organisations(kPolice);
    update.mutable_plan()->set_level(v1::DISTRICT);
    ASSERT_TRUE(stub_->UpdatePlan(Context().get(), update, &plan).ok());
    EXPECT_EQ(plan.partner_organisations_size(), 1);
    // The period is checked as a whole: a start after the stored end is
    // refused.
    v1::UpdatePlanRequest bad;
    bad.mutable_plan()->set_name(kPlan);
    bad.mutable_plan()->set_period_start("2026-01");
    grpc::Status status = stub_->UpdatePlan(Context().get(), bad, &plan);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    v1::ListPlansRequest list;
    v1::ListPlansResponse listed;
    ASSERT_TRUE(stub_->ListPlans(Context().get(), list, &listed).ok());
    ASSERT_EQ(listed.plans_size(), 1);
    EXPECT_EQ(listed.plans(0).level(), v1::DISTRICT);
    v1::DeletePlanRequest del;
    del.set_name(kPlan);
    ASSERT_TRUE(stub_->DeletePlan(Context().get(), del, &plan).ok());
    v1::UndeletePlanRequest undelete;
    undelete.set_name(kPlan);
    ASSERT_TRUE(stub_->UndeletePlan(Context().get(), undelete, &plan).ok());
    EXPECT_FALSE(plan.has_delete_time());
  }
  {  // Strand
    const std::string name = absl::StrCat(kPlan, "/strands/ideology");
    v1::GetStrandRequest get;
    get.set_name(name);
    v1::Strand strand;
    ASSERT_TRUE(stub_->GetStrand(Context().get(), get, &strand).ok());
    v1::UpdateStrandRequest update;
    update.mutable_strand()->set_name(name);
    update.mutable_strand()->set_description(
        "responding to the ideological challenge of terrorism");
    update.mutable_strand()->set_position("a");
    ASSERT_TRUE(stub_->UpdateStrand(Context().get(), update, &strand).ok());
    v1::ListStrandsRequest list;
    list.set_parent(kPlan);
    list.set_filter("position = \"a\"");
    v1::ListStrandsResponse listed;
    ASSERT_TRUE(stub_->ListStrands(Context().get(), list, &listed).ok());
    ASSERT_EQ(listed.strands_size(), 1);
    EXPECT_EQ(listed.strands(0).name(), name);
    v1::DeleteStrandRequest del;
    del.set_name(name);
    del.set_etag(strand.etag());
    ASSERT_TRUE(stub_->DeleteStrand(Context().get(), del, &strand).ok());
    v1::UndeleteStrandRequest undelete;
    undelete.set_name(name);
    ASSERT_TRUE(stub_->UndeleteStrand(Context().get(), undelete, &strand).ok());
  }
  {  // Action
    v1::DeleteActionRequest del;
    del.set_name(action.name());
    v1::Action out;
    ASSERT_TRUE(stub_->DeleteAction(Context().get(), del, &out).ok());
    EXPECT_TRUE(ListActionNames(activity.name(), "").empty());
    v1::UndeleteActionRequest undelete;
    undelete.set_name(action.name());
    ASSERT_TRUE(stub_->UndeleteAction(Context().get(), undelete, &out).ok());
    EXPECT_EQ(ListActionNames(activity.name(), "").size(), 1u);
  }
}

TEST_F(PlanServiceTest, CreateWithoutIdMakesARandomValidId) {
  CreateBasics();
  v1::CreateActivityRequest request;
  request.set_parent(kPlan);
  request.mutable_activity()->set_title("Social media");
  v1::Activity a, b;
  ASSERT_TRUE(stub_->CreateActivity(Context().get(), request, &a).ok());
  ASSERT_TRUE(stub_->CreateActivity(Context().get(), request, &b).ok());
  EXPECT_NE(a.name(), b.name());
  EXPECT_TRUE(ResourceName::ParseAs(Kind::kActivity, a.name()).ok())
      << a.name();
}

TEST_F(PlanServiceTest, InvalidArgumentNamesEveryBadFieldAndWritesNothing) {
  CreateBasics();
  const uint64_t before = store_->last_sequence();
  v1::CreateActionRequest request;
  request.set_parent(absl::StrCat(kPlan, "/activities/x"));
  request.set_action_id("Bad_Id");
  request.mutable_action()->set_description("");
  request.mutable_action()->mutable_timescale()->set_start("2024-13");
  request.mutable_action()->set_owner_organisation("police");
  request.mutable_action()->set_position("has space");
  v1::Action out;
  grpc::Status status = stub_->CreateAction(Context().get(), request, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ErrorDetails details = DetailsOf(status);
  EXPECT_EQ(details.reason, "INVALID_ARGUMENT");
  EXPECT_THAT(details.fields,
              UnorderedElementsAre(
                  "action_id", "action.description", "action.timescale.start",
                  "action.owner_organisation", "action.position"));
  for (const std::string& field : details.fields) {
    EXPECT_NE(status.error_message().find(field), std::string::npos) << field;
  }
  EXPECT_EQ(store_->last_sequence(), before);
}

TEST_F(PlanServiceTest, TitleOver200CharactersAndInvalidReferencesAreRefused) {
  CreateBasics();
  v1::Activity out;
  v1::CreateActivityRequest request;
  request.set_parent(kPlan);
  request.mutable_activity()->set_title(std::string(201, 'a'));
  request.mutable_activity()->add_lead_organisations(
      "organisations/staffs-polce");
  request.mutable_activity()->set_strand(
      "plans/south-staffordshire/strands/nope");
  grpc::Status status = stub_->CreateActivity(Context().get(), request, &out);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(DetailsOf(status).fields, ElementsAre("activity.title"));
  // With a valid title, the references are checked against the store.
  request.mutable_activity()->set_title(std::string(200, 'a'));
  status = stub_->CreateActivity(Context().get(), request, &out);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(DetailsOf(status).fields,
              UnorderedElementsAre("activity.strand",
                                   "activity.lead_organisations[0]"));
  EXPECT_NE(status.error_message().find("organisations/staffs-polce"),
            std::string::npos);
}

TEST_F(PlanServiceTest, NotFoundForMissingResourceAndMissingParent) {
  CreateBasics();
  v1::GetActivityRequest get;
  get.set_name(absl::StrCat(kPlan, "/activities/missing"));
  v1::Activity activity;
  grpc::Status status = stub_->GetActivity(Context().get(), get, &activity);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(DetailsOf(status).reason, "RESOURCE_NOT_FOUND");

  v1::Action action;
  status = CreateAction("missing", "a1", v1::RED, "", &action);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(DetailsOf(status).reason, "PARENT_NOT_FOUND");

  v1::ListActionsRequest list;
  list.set_parent(absl::StrCat(kPlan, "/activities/missing"));
  v1::ListActionsResponse response;
  EXPECT_EQ(stub_->ListActions(Context().get(), list, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(PlanServiceTest, AlreadyExistsEvenWhenDeleted) {
  CreateBasics();
  v1::Activity activity;
  ASSERT_TRUE(CreateActivity("channel", "ideology", {}, &activity).ok());
  grpc::Status status = CreateActivity("channel", "ideology", {}, &activity);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  v1::DeleteActivityRequest del;
  del.set_name(absl::StrCat(kPlan, "/activities/channel"));
  ASSERT_TRUE(stub_->DeleteActivity(Context().get(), del, &activity).ok());
  status = CreateActivity("channel", "ideology", {}, &activity);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(PlanServiceTest, UpdateHonoursFieldMaskAndEtag) {
  CreateBasics();
  v1::Action action;
  ASSERT_TRUE(CreateAction("x", "a", v1::RED, "", &action).error_code() ==
              grpc::StatusCode::NOT_FOUND);
  v1::Activity activity;
  ASSERT_TRUE(CreateActivity("channel", "ideology", {kPolice}, &activity).ok());
  ASSERT_TRUE(
      CreateAction("channel", "refer", v1::AMBER, "2025-03", &action).ok());

  v1::UpdateActionRequest update;
  update.mutable_action()->set_name(action.name());
  update.mutable_action()->set_rag(v1::RED);
  update.mutable_action()->set_description("ignored: not in the mask");
  update.mutable_update_mask()->add_paths("rag");
  update.mutable_action()->set_etag(action.etag());
  v1::Action updated;
  ASSERT_TRUE(stub_->UpdateAction(Context().get(), update, &updated).ok());
  EXPECT_EQ(updated.rag(), v1::RED);
  EXPECT_EQ(updated.description(), "Do refer");
  EXPECT_NE(updated.etag(), action.etag());

  // The old etag is now stale.
  grpc::Status status = stub_->UpdateAction(Context().get(), update, &updated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(DetailsOf(status).reason, "ETAG_MISMATCH");

  // Without a mask, every field that is set is written; clearing needs a mask.
  v1::UpdateActionRequest implicit;
  implicit.mutable_action()->set_name(action.name());
  implicit.mutable_action()->set_owner_organisation(kCouncil);
  ASSERT_TRUE(stub_->UpdateAction(Context().get(), implicit, &updated).ok());
  EXPECT_EQ(updated.owner_organisation(), kCouncil);
  EXPECT_EQ(updated.rag(), v1::RED);

  v1::UpdateActionRequest clear;
  clear.mutable_action()->set_name(action.name());
  clear.mutable_update_mask()->add_paths("timescale");
  ASSERT_TRUE(stub_->UpdateAction(Context().get(), clear, &updated).ok());
  EXPECT_FALSE(updated.has_timescale());

  v1::UpdateActionRequest bad;
  bad.mutable_action()->set_name(action.name());
  bad.mutable_update_mask()->add_paths("colour");
  bad.mutable_update_mask()->add_paths("etag");
  status = stub_->UpdateAction(Context().get(), bad, &updated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(DetailsOf(status).fields,
              ElementsAre("update_mask.paths[0]", "update_mask.paths[1]"));

  // A required field cannot be cleared.
  v1::UpdateActionRequest empty_description;
  empty_description.mutable_action()->set_name(action.name());
  empty_description.mutable_update_mask()->add_paths("description");
  status = stub_->UpdateAction(Context().get(), empty_description, &updated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(DetailsOf(status).fields, ElementsAre("action.description"));
}

TEST_F(PlanServiceTest, UpdateThatChangesNothingWritesNothing) {
  CreateBasics();
  v1::Activity activity;
  ASSERT_TRUE(CreateActivity("channel", "ideology", {kPolice}, &activity).ok());
  const uint64_t before = store_->last_sequence();
  v1::UpdateActivityRequest update;
  *update.mutable_activity() = activity;
  update.mutable_update_mask()->add_paths("*");
  v1::Activity updated;
  ASSERT_TRUE(stub_->UpdateActivity(Context().get(), update, &updated).ok());
  EXPECT_EQ(updated.etag(), activity.etag());
  EXPECT_EQ(updated.DebugString(), activity.DebugString());
  EXPECT_EQ(store_->last_sequence(), before);
}

TEST_F(PlanServiceTest, SoftDeleteUndeleteAndDeletedParents) {
  CreateBasics();
  v1::Activity activity;
  ASSERT_TRUE(CreateActivity("channel", "ideology", {}, &activity).ok());
  v1::DeleteActivityRequest del;
  del.set_name(activity.name());
  del.set_etag("\"stale\"");
  v1::Activity deleted;
  EXPECT_EQ(stub_->DeleteActivity(Context().get(), del, &deleted).error_code(),
            grpc::StatusCode::ABORTED);
  del.set_etag(activity.etag());
  ASSERT_TRUE(stub_->DeleteActivity(Context().get(), del, &deleted).ok());
  EXPECT_TRUE(deleted.has_delete_time());

  // Get still returns it; List hides it unless asked.
  v1::GetActivityRequest get;
  get.set_name(activity.name());
  v1::Activity got;
  ASSERT_TRUE(stub_->GetActivity(Context().get(), get, &got).ok());
  EXPECT_TRUE(got.has_delete_time());
  v1::ListActivitiesRequest list;
  list.set_parent(kPlan);
  v1::ListActivitiesResponse listed;
  ASSERT_TRUE(stub_->ListActivities(Context().get(), list, &listed).ok());
  EXPECT_EQ(listed.activities_size(), 0);
  list.set_show_deleted(true);
  ASSERT_TRUE(stub_->ListActivities(Context().get(), list, &listed).ok());
  EXPECT_EQ(listed.activities_size(), 1);

  // Writes under or to a deleted resource are refused.
  v1::Action action;
  grpc::Status status = CreateAction("channel", "a1", v1::RED, "", &action);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(DetailsOf(status).reason, "PARENT_DELETED");
  v1::UpdateActivityRequest update;
  update.mutable_activity()->set_name(activity.name());
  update.mutable_activity()->set_title("New title");
  status = stub_->UpdateActivity(Context().get(), update, &got);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  del.clear_etag();
  status = stub_->DeleteActivity(Context().get(), del, &deleted);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  v1::UndeleteActivityRequest undelete;
  undelete.set_name(activity.name());
  v1::Activity restored;
  ASSERT_TRUE(
      stub_->UndeleteActivity(Context().get(), undelete, &restored).ok());
  EXPECT_FALSE(restored.has_delete_time());
  status = stub_->UndeleteActivity(Context().get(), undelete, &restored);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_TRUE(CreateAction("channel", "a1", v1::RED, "", &action).ok());

  // A deleted plan makes every create below it FAILED_PRECONDITION.
  v1::DeletePlanRequest delete_plan;
  delete_plan.set_name(kPlan);
  v1::Plan plan;
  ASSERT_TRUE(stub_->DeletePlan(Context().get(), delete_plan, &plan).ok());
  status = CreateAction("channel", "a2", v1::RED, "", &action);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(PlanServiceTest, PaginationIsStableWhileWritesHappen) {
  CreateBasics();
  v1::Activity activity;
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(
        CreateActivity(absl::StrCat("a", 100 + i), "ideology", {}, &activity)
            .ok());
  }
  std::vector<std::string> seen;
  v1::ListActivitiesRequest request;
  request.set_parent(kPlan);
  request.set_page_size(7);
  int pages = 0;
  do {
    v1::ListActivitiesResponse response;
    ASSERT_TRUE(
        stub_->ListActivities(Context().get(), request, &response).ok());
    for (const auto& a : response.activities()) seen.push_back(a.name());
    EXPECT_LE(response.activities_size(), 7);
    request.set_page_token(response.next_page_token());
    if (++pages == 2) {
      // Between pages: one added before the cursor (not seen), one after
      // (seen), one deleted after the cursor (not seen).
      ASSERT_TRUE(CreateActivity("a000", "ideology", {}, &activity).ok());
      ASSERT_TRUE(CreateActivity("a999", "ideology", {}, &activity).ok());
      v1::DeleteActivityRequest del;
      del.set_name(absl::StrCat(kPlan, "/activities/a120"));
      ASSERT_TRUE(stub_->DeleteActivity(Context().get(), del, &activity).ok());
    }
  } while (!request.page_token().empty());
  std::set<std::string> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), seen.size()) << "a resource was returned twice";
  EXPECT_EQ(seen.size(), 30u);  // 30 - a120 + a999
  EXPECT_TRUE(unique.count(absl::StrCat(kPlan, "/activities/a999")));
  EXPECT_FALSE(unique.count(absl::StrCat(kPlan, "/activities/a120")));
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
}

TEST_F(PlanServiceTest, PageTokenIsBoundToItsQuery) {
  CreateBasics();
  v1::Activity activity;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(
        CreateActivity(absl::StrCat("a", i), "ideology", {}, &activity).ok());
  }
  v1::ListActivitiesRequest request;
  request.set_parent(kPlan);
  request.set_page_size(1);
  v1::ListActivitiesResponse response;
  ASSERT_TRUE(stub_->ListActivities(Context().get(), request, &response).ok());
  ASSERT_FALSE(response.next_page_token().empty());
  request.set_page_token(response.next_page_token());
  request.set_filter("title = \"x\"");
  grpc::Status status =
      stub_->ListActivities(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(DetailsOf(status).fields, ElementsAre("page_token"));
  request.set_page_token("garbage!");
  request.clear_filter();
  EXPECT_EQ(
      stub_->ListActivities(Context().get(), request, &response).error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
  request.set_page_token("");
  request.set_page_size(-1);
  status = stub_->ListActivities(Context().get(), request, &response);
  EXPECT_THAT(DetailsOf(status).fields, ElementsAre("page_size"));
}

TEST_F(PlanServiceTest, FiltersSelectActivitiesAndActions) {
  CreateBasics();
  v1::Activity activity;
  ASSERT_TRUE(CreateActivity("risk", "ideology", {kPolice}, &activity).ok());
  ASSERT_TRUE(
      CreateActivity("training", "individuals", {kCouncil}, &activity).ok());
  ASSERT_TRUE(
      CreateActivity("channel", "ideology", {kCouncil, kPolice}, &activity)
          .ok());

  v1::ListActivitiesRequest request;
  request.set_parent(kPlan);
  request.set_filter(absl::StrCat("strand = \"", kPlan, "/strands/ideology\""));
  v1::ListActivitiesResponse response;
  ASSERT_TRUE(stub_->ListActivities(Context().get(), request, &response).ok());
  EXPECT_EQ(response.activities_size(), 2);
  request.set_filter(absl::StrCat("lead_organisations : \"", kPolice, "\""));
  ASSERT_TRUE(stub_->ListActivities(Context().get(), request, &response).ok());
  EXPECT_EQ(response.activities_size(), 2);
  request.set_filter(
      absl::StrCat("lead_organisations : \"", kPolice, "\" AND strand = \"",
                   kPlan, "/strands/ideology\" AND title = \"Activity risk\""));
  ASSERT_TRUE(stub_->ListActivities(Context().get(), request, &response).ok());
  ASSERT_EQ(response.activities_size(), 1);
  EXPECT_EQ(response.activities(0).name(),
            absl::StrCat(kPlan, "/activities/risk"));

  v1::Action action;
  ASSERT_TRUE(CreateAction("risk", "late", v1::RED, "2024-02", &action).ok());
  ASSERT_TRUE(CreateAction("risk", "done", v1::BLUE, "2024-02", &action).ok());
  ASSERT_TRUE(
      CreateAction("training", "future", v1::RED, "2025-03", &action).ok());
  ASSERT_TRUE(
      CreateAction("channel", "amber", v1::AMBER, "2024-05", &action).ok());
  const std::string all = absl::StrCat(kPlan, "/activities/-");
  EXPECT_EQ(ListActionNames(all, "").size(), 4u);
  EXPECT_THAT(
      ListActionNames(all, "rag = RED"),
      ElementsAre(absl::StrCat(kPlan, "/activities/risk/actions/late"),
                  absl::StrCat(kPlan, "/activities/training/actions/future")));
  // Today is 2024-06-15: late (RED, 2024-02) and amber (2024-05) are
  // overdue; done is BLUE; future ends in 2025.
  EXPECT_THAT(
      ListActionNames(all, "overdue = true"),
      ElementsAre(absl::StrCat(kPlan, "/activities/channel/actions/amber"),
                  absl::StrCat(kPlan, "/activities/risk/actions/late")));
  EXPECT_THAT(
      ListActionNames(all, "overdue = true AND rag = RED"),
      ElementsAre(absl::StrCat(kPlan, "/activities/risk/actions/late")));
  EXPECT_THAT(
      ListActionNames(absl::StrCat(kPlan, "/activities/risk"), "rag != BLUE"),
      ElementsAre(absl::StrCat(kPlan, "/activities/risk/actions/late")));

  v1::ListActionsRequest bad;
  bad.set_parent(all);
  bad.set_filter("rag = PURPLE");
  v1::ListActionsResponse bad_response;
  grpc::Status status = stub_->ListActions(Context().get(), bad, &bad_response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(DetailsOf(status).fields, ElementsAre("filter"));
  bad.set_filter("rag = ");
  EXPECT_EQ(
      stub_->ListActions(Context().get(), bad, &bad_response).error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(PlanServiceTest, EveryWriteAppendsOneChangeWithItsActor) {
  CreateBasics();
  std::unique_ptr<ReadView> view = store_->NewReadView();
  std::vector<v1::Change> changes;
  ASSERT_TRUE(view->Scan(Cf::kChanges, "", "",
                         [&](absl::string_view, absl::string_view value) {
                           changes.emplace_back().ParseFromArray(
                               value.data(), static_cast<int>(value.size()));
                           return true;
                         })
                  .ok());
  // 2 organisations, 1 plan, 3 strands.
  ASSERT_EQ(changes.size(), 6u);
  for (const auto& change : changes) {
    EXPECT_EQ(change.organisation(), kPolice);
    EXPECT_EQ(change.operation(), v1::Change::CREATE);
  }
  EXPECT_EQ(changes[2].target(), kPlan);
  EXPECT_EQ(changes[2].plan(), kPlan);
  EXPECT_EQ(changes[0].plan(), "");
}

}  // namespace
}  // namespace plan

namespace plan {
namespace {

// An import too large to list in its answer still lands whole and answers
// OK, with complete counts and the first resources. It used to store every
// row and then fail with RESOURCE_EXHAUSTED, the answer being too big to
// send: a commit the client was told had failed.
TEST_F(PlanServiceTest, ALargeImportAnswersWithCountsAndTheFirstResources) {
  // About the size of a 46,684-row import that failed so.
  constexpr int kActivities = 250;
  constexpr int kActionsEach = 190;
  std::string csv =
      "strand,activity,lead organisations,lead officer,action,timescale,rag,"
      "owner,county activity\n";
  for (int a = 0; a < kActivities; ++a) {
    for (int b = 0; b < kActionsEach; ++b) {
      absl::StrAppend(&csv, "I,A", a, ",,,Action ", b, " of ", a,
                      ",Ongoing,GREEN,,\n");
    }
  }
  ASSERT_LT(csv.size(), 4u << 20);
  v1::ImportPlanRequest request;
  request.mutable_plan()->set_name("plans/large");
  request.mutable_plan()->set_title("A large plan");
  request.set_format(v1::CSV);
  request.set_content(csv);
  v1::ImportPlanResponse response;
  // What is tested is the answer's size, not the speed: the deadline leaves
  // room for a loaded machine.
  std::unique_ptr<grpc::ClientContext> context = Context();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(120));
  const grpc::Status status =
      stub_->ImportPlan(context.get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.activity_count(), kActivities);
  EXPECT_EQ(response.action_count(), kActivities * kActionsEach);
  EXPECT_TRUE(response.truncated());
  EXPECT_GT(response.actions_size(), 0);
  EXPECT_LT(response.actions_size(), response.action_count());
  EXPECT_LE(response.ByteSizeLong(), 2u << 20);
  // Everything landed.
  v1::ListActionsRequest list;
  list.set_parent("plans/large/activities/-");
  list.set_page_size(1000);
  int listed = 0;
  do {
    v1::ListActionsResponse page;
    ASSERT_TRUE(stub_->ListActions(Context().get(), list, &page).ok());
    listed += page.actions_size();
    list.set_page_token(page.next_page_token());
  } while (!list.page_token().empty());
  EXPECT_EQ(listed, kActivities * kActionsEach);
}

}  // namespace
}  // namespace plan
