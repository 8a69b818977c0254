// Roles per plan (docs/security.md), over real gRPC on loopback with a real
// RocksDB in a temp dir: each role, against each family of methods of a
// district plan, gets the code (and ErrorInfo reason) the rules give. A
// refused write changes nothing. A pushed change gets the same answer as the
// direct call that would make it.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libplan/clock/hybrid_clock.h"
#include "libplan/rpc/plan_service.h"
#include "libplan/rpc/report_service.h"
#include "libplan/rpc/server.h"
#include "libplan/rpc/sync_service.h"
#include "libplan/service/access_control.h"
#include "libplan/service/plan_reports.h"
#include "libplan/service/plan_resources.h"
#include "libplan/sync/sync_authority.h"
#include "libplan/util/log.h"
#include "tests/support/temp_dir.h"

namespace plan {
namespace {

using prevent::plan::test_support::TempDir;
namespace v1 = prevent::plan::v1;

constexpr char kCounty[] = "plans/staffordshire";
constexpr char kDistrict[] = "plans/south-staffordshire";
constexpr char kLedActivity[] = "plans/south-staffordshire/activities/channel";
constexpr char kLedAction[] =
    "plans/south-staffordshire/activities/channel/actions/refer";
constexpr char kOtherActivity[] =
    "plans/south-staffordshire/activities/prisons";
constexpr char kOtherAction[] =
    "plans/south-staffordshire/activities/prisons/actions/visit";

// The callers: one per role in the district plan.
enum class Who {
  kOutsider,     // no role
  kViewer,       // VIEWER
  kEditor,       // EDITOR; leads kLedActivity, not kOtherActivity
  kOwner,        // OWNER
  kCountyOwner,  // OWNER of the county plan, the district's parent
  kAdmin,        // --admin_organisations
};

std::string OrganisationOf(Who who) {
  switch (who) {
    case Who::kOutsider:
      return "organisations/outsider";
    case Who::kViewer:
      return "organisations/a-school";
    case Who::kEditor:
      return "organisations/staffordshire-police";
    case Who::kOwner:
      return "organisations/south-staffordshire-council";
    case Who::kCountyOwner:
      return "organisations/staffordshire-county-council";
    case Who::kAdmin:
      return "organisations/administrator";
  }
  return "";
}

std::string WhoName(Who who) {
  switch (who) {
    case Who::kOutsider:
      return "Outsider";
    case Who::kViewer:
      return "Viewer";
    case Who::kEditor:
      return "Editor";
    case Who::kOwner:
      return "Owner";
    case Who::kCountyOwner:
      return "CountyOwner";
    case Who::kAdmin:
      return "Admin";
  }
  return "";
}

// The families of methods.
enum class Family {
  kRead,         // GetAction
  kReport,       // ReportService.GetPlanSummary
  kEditLed,      // UpdateAction of the action the EDITOR leads
  kEditOther,    // UpdateAction of an action another partner leads
  kPushEditLed,  // the same two edits, pushed
  kPushEditOther,
  kDelete,          // DeleteAction of the action the EDITOR leads
  kDeleteActivity,  // DeleteActivity of the activity the EDITOR leads
  kMembers,         // CreateMember
  kResolve,         // ResolveConflict of a conflict on the led action
  kImport,          // ImportPlan into the plan
  kExport,          // ExportPlan
  kPull,            // SyncService.Pull of the plan
};

std::string FamilyName(Family family) {
  switch (family) {
    case Family::kRead:
      return "Read";
    case Family::kReport:
      return "Report";
    case Family::kEditLed:
      return "EditLed";
    case Family::kEditOther:
      return "EditOther";
    case Family::kPushEditLed:
      return "PushEditLed";
    case Family::kPushEditOther:
      return "PushEditOther";
    case Family::kDelete:
      return "Delete";
    case Family::kDeleteActivity:
      return "DeleteActivity";
    case Family::kMembers:
      return "Members";
    case Family::kResolve:
      return "Resolve";
    case Family::kImport:
      return "Import";
    case Family::kExport:
      return "Export";
    case Family::kPull:
      return "Pull";
  }
  return "";
}

bool Writes(Family family) {
  return family != Family::kRead && family != Family::kReport &&
         family != Family::kExport && family != Family::kPull;
}

// What a call should get: OK, or PERMISSION_DENIED with this reason (a
// push's REJECTED answer carries no reason).
struct Expected {
  bool allowed;
  std::string reason;
};

const Expected kOk{true, ""};
const Expected kNotMember{false, "NOT_A_MEMBER"};
const Expected kTooLow{false, "ROLE_TOO_LOW"};
const Expected kNotLead{false, "NOT_LEAD_ORGANISATION"};

Expected ExpectedFor(Who who, Family family) {
  switch (who) {
    case Who::kOwner:
    case Who::kAdmin:
      return kOk;
    case Who::kOutsider:
      return kNotMember;
    case Who::kViewer:
      return Writes(family) ? kTooLow : kOk;
    case Who::kCountyOwner:
      // Reads the districts under its county plan; writes nothing there.
      return Writes(family) ? kNotMember : kOk;
    case Who::kEditor:
      switch (family) {
        case Family::kEditOther:
        case Family::kPushEditOther:
          return kNotLead;
        case Family::kDeleteActivity:
        case Family::kMembers:
        case Family::kImport:
          return kTooLow;
        default:
          return kOk;
      }
  }
  return kOk;
}

std::string ReasonOf(const grpc::Status& status) {
  google::rpc::Status rpc_status;
  if (!rpc_status.ParseFromString(status.error_details())) return "";
  for (const auto& any : rpc_status.details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info)) return info.reason();
  }
  return "";
}

struct MatrixCase {
  Who who;
  Family family;
};

class RoleMatrixTest : public ::testing::TestWithParam<MatrixCase> {
 protected:
  void SetUp() override {
    SetLoggingEnabled(false);
    absl::StatusOr<TempDir> dir = TempDir::Create("role-matrix-test");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_.emplace(std::move(*dir));
    absl::StatusOr<std::unique_ptr<Store>> store =
        Store::Open({.path = dir_->Subpath("db")});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    access_ = std::make_unique<AccessControl>(
        absl::flat_hash_set<std::string>{OrganisationOf(Who::kAdmin)});
    PlanResourcesOptions options;
    options.access = access_.get();
    resources_ =
        std::make_unique<PlanResources>(store_.get(), &clock_, options);
    SyncAuthorityOptions sync_options;
    sync_options.access = access_.get();
    authority_ =
        std::make_unique<SyncAuthority>(store_.get(), &clock_, sync_options);
    reports_ = std::make_unique<PlanReports>(resources_.get());
    plan_service_ = std::make_unique<PlanServiceImpl>(resources_.get(), &auth_);
    sync_service_ = std::make_unique<SyncServiceImpl>(authority_.get(), &auth_);
    report_service_ =
        std::make_unique<ReportServiceImpl>(reports_.get(), &auth_);
    grpc::ServerBuilder builder;
    ConfigureServerBuilder(ServerOptions(), &builder);
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(plan_service_.get());
    builder.RegisterService(sync_service_.get());
    builder.RegisterService(report_service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    const auto channel = grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
    plans_ = v1::PlanService::NewStub(channel);
    sync_ = v1::SyncService::NewStub(channel);
    reports_stub_ = v1::ReportService::NewStub(channel);
    ASSERT_NO_FATAL_FAILURE(MakePlans());
  }

  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  // A call as `organisation`; "" for the service itself (development mode
  // with no x-prevent-organisation).
  std::unique_ptr<grpc::ClientContext> As(const std::string& organisation) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(10));
    if (!organisation.empty()) {
      context->AddMetadata("x-prevent-organisation", organisation);
    }
    return context;
  }

  void Ok(const grpc::Status& status, const std::string& what) {
    ASSERT_TRUE(status.ok()) << what << ": " << status.error_message();
  }

  // The county and district plans, their members, an activity the EDITOR
  // leads and one it does not, with an action each, and an open conflict on
  // the led action: made by the service itself.
  void MakePlans() {
    for (Who who : {Who::kOutsider, Who::kViewer, Who::kEditor, Who::kOwner,
                    Who::kCountyOwner, Who::kAdmin}) {
      v1::CreateOrganisationRequest request;
      const std::string name = OrganisationOf(who);
      request.set_organisation_id(name.substr(name.rfind('/') + 1));
      request.mutable_organisation()->set_display_name(WhoName(who));
      v1::Organisation created;
      ASSERT_NO_FATAL_FAILURE(Ok(
          plans_->CreateOrganisation(As("").get(), request, &created), name));
    }
    v1::CreateOrganisationRequest probation;
    probation.set_organisation_id("staffordshire-probation");
    probation.mutable_organisation()->set_display_name("Probation");
    v1::Organisation organisation;
    ASSERT_NO_FATAL_FAILURE(
        Ok(plans_->CreateOrganisation(As("").get(), probation, &organisation),
           "probation"));
    for (const auto& [id, parent, level] :
         {std::tuple<std::string, std::string, v1::PlanLevel>{"staffordshire",
                                                              "", v1::COUNTY},
          {"south-staffordshire", kCounty, v1::DISTRICT}}) {
      v1::CreatePlanRequest request;
      request.set_plan_id(id);
      request.mutable_plan()->set_title(id);
      request.mutable_plan()->set_level(level);
      request.mutable_plan()->set_parent(parent);
      v1::Plan created;
      ASSERT_NO_FATAL_FAILURE(
          Ok(plans_->CreatePlan(As("").get(), request, &created), id));
    }
    AddMember(kCounty, Who::kCountyOwner, v1::OWNER);
    AddMember(kDistrict, Who::kOwner, v1::OWNER);
    AddMember(kDistrict, Who::kEditor, v1::EDITOR);
    AddMember(kDistrict, Who::kViewer, v1::VIEWER);
    for (const auto& [activity, lead] :
         {std::pair<std::string, std::string>{"channel",
                                              OrganisationOf(Who::kEditor)},
          {"prisons", "organisations/staffordshire-probation"}}) {
      v1::CreateActivityRequest request;
      request.set_parent(kDistrict);
      request.set_activity_id(activity);
      request.mutable_activity()->set_title(activity);
      request.mutable_activity()->add_lead_organisations(lead);
      v1::Activity created;
      ASSERT_NO_FATAL_FAILURE(Ok(
          plans_->CreateActivity(As("").get(), request, &created), activity));
    }
    for (const auto& [parent, id] :
         {std::pair<std::string, std::string>{kLedActivity, "refer"},
          {kOtherActivity, "visit"}}) {
      v1::CreateActionRequest request;
      request.set_parent(parent);
      request.set_action_id(id);
      request.mutable_action()->set_description(id);
      request.mutable_action()->set_rag(v1::AMBER);
      v1::Action created;
      ASSERT_NO_FATAL_FAILURE(
          Ok(plans_->CreateAction(As("").get(), request, &created), id));
      created_at_[created.name()] = store_->last_sequence();
    }
    // Two replicas of the service's own organisation set the led action's
    // rag from the same version: a conflict.
    for (const auto& [replica, rag] :
         {std::pair<std::string, v1::Rag>{"r-setup-1", v1::RED},
          {"r-setup-2", v1::GREEN}}) {
      v1::PushResponse pushed;
      ASSERT_NO_FATAL_FAILURE(Ok(
          sync_->Push(As("").get(), RagPush(replica, kLedAction, rag), &pushed),
          replica));
    }
    v1::ListConflictsRequest list;
    list.set_parent(kDistrict);
    v1::ListConflictsResponse conflicts;
    ASSERT_NO_FATAL_FAILURE(
        Ok(plans_->ListConflicts(As("").get(), list, &conflicts), "conflicts"));
    ASSERT_EQ(conflicts.conflicts_size(), 1);
    conflict_ = conflicts.conflicts(0).name();
  }

  void AddMember(const std::string& plan, Who who, v1::Role role) {
    v1::CreateMemberRequest request;
    request.set_parent(plan);
    const std::string name = OrganisationOf(who);
    request.set_member_id(name.substr(name.rfind('/') + 1));
    request.mutable_member()->set_role(role);
    v1::Member created;
    ASSERT_NO_FATAL_FAILURE(
        Ok(plans_->CreateMember(As("").get(), request, &created), name));
  }

  // A push from `replica` of `action`'s rag, edited from its first version.
  v1::PushRequest RagPush(const std::string& replica, const std::string& action,
                          v1::Rag rag) {
    v1::PushRequest request;
    request.set_replica_id(replica);
    v1::Change* change = request.add_changes();
    change->set_change_id(absl::StrCat(replica, ":1"));
    change->set_replica_id(replica);
    change->set_hlc(clock_.Now());
    change->set_target(action);
    change->set_operation(v1::Change::UPDATE);
    v1::FieldChange* field = change->add_fields();
    field->set_field("rag");
    v1::Action value;
    value.set_rag(rag);
    field->set_value(value.SerializeAsString());
    field->set_base_sequence(created_at_[action]);
    return request;
  }

  grpc::Status UpdateRag(const std::string& organisation,
                         const std::string& action) {
    v1::UpdateActionRequest request;
    request.mutable_action()->set_name(action);
    request.mutable_action()->set_rag(v1::BLUE);
    request.mutable_update_mask()->add_paths("rag");
    v1::Action updated;
    return plans_->UpdateAction(As(organisation).get(), request, &updated);
  }

  // A push's answer as a status: REJECTED as PERMISSION_DENIED.
  grpc::Status PushRag(const std::string& organisation,
                       const std::string& action) {
    v1::PushResponse pushed;
    const grpc::Status status = sync_->Push(
        As(organisation).get(),
        RagPush(absl::StrCat("r-",
                             organisation.substr(organisation.rfind('/') + 1)),
                action, v1::BLUE),
        &pushed);
    if (!status.ok()) return status;
    if (pushed.results_size() != 1) {
      return grpc::Status(grpc::StatusCode::INTERNAL, "no answer");
    }
    if (pushed.results(0).outcome() == v1::ChangeResult::REJECTED) {
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                          pushed.results(0).reason());
    }
    return grpc::Status::OK;
  }

  grpc::Status Call(Family family, const std::string& organisation) {
    switch (family) {
      case Family::kRead: {
        v1::GetActionRequest request;
        request.set_name(kLedAction);
        v1::Action action;
        return plans_->GetAction(As(organisation).get(), request, &action);
      }
      case Family::kReport: {
        v1::GetPlanSummaryRequest request;
        request.set_plan(kDistrict);
        v1::PlanSummary summary;
        return reports_stub_->GetPlanSummary(As(organisation).get(), request,
                                             &summary);
      }
      case Family::kEditLed:
        return UpdateRag(organisation, kLedAction);
      case Family::kEditOther:
        return UpdateRag(organisation, kOtherAction);
      case Family::kPushEditLed:
        return PushRag(organisation, kLedAction);
      case Family::kPushEditOther:
        return PushRag(organisation, kOtherAction);
      case Family::kDelete: {
        v1::DeleteActionRequest request;
        request.set_name(kLedAction);
        v1::Action deleted;
        return plans_->DeleteAction(As(organisation).get(), request, &deleted);
      }
      case Family::kDeleteActivity: {
        v1::DeleteActivityRequest request;
        request.set_name(kLedActivity);
        v1::Activity deleted;
        return plans_->DeleteActivity(As(organisation).get(), request,
                                      &deleted);
      }
      case Family::kMembers: {
        v1::CreateMemberRequest request;
        request.set_parent(kDistrict);
        request.set_member_id("staffordshire-probation");
        request.mutable_member()->set_role(v1::EDITOR);
        v1::Member created;
        return plans_->CreateMember(As(organisation).get(), request, &created);
      }
      case Family::kResolve: {
        v1::ResolveConflictRequest request;
        request.set_name(conflict_);
        request.set_candidate(0);
        v1::Conflict resolved;
        return plans_->ResolveConflict(As(organisation).get(), request,
                                       &resolved);
      }
      case Family::kImport: {
        v1::ImportPlanRequest request;
        request.mutable_plan()->set_name(kDistrict);
        request.mutable_plan()->set_title("south-staffordshire");
        request.set_format(v1::CSV);
        request.set_content(
            "strand,activity,lead organisations,lead officer,action,"
            "timescale,rag,owner\n"
            "Ideology,Imported activity,Staffordshire Police,,Imported "
            "action,Ongoing,GREEN,\n");
        v1::ImportPlanResponse response;
        return plans_->ImportPlan(As(organisation).get(), request, &response);
      }
      case Family::kExport: {
        v1::ExportPlanRequest request;
        request.set_name(kDistrict);
        request.set_format(v1::CSV);
        v1::ExportPlanResponse response;
        return plans_->ExportPlan(As(organisation).get(), request, &response);
      }
      case Family::kPull: {
        v1::PullRequest request;
        request.set_replica_id(absl::StrCat(
            "r-pull-", organisation.substr(organisation.rfind('/') + 1)));
        request.add_plans(kDistrict);
        auto context = As(organisation);
        auto reader = sync_->Pull(context.get(), request);
        v1::PullResponse response;
        while (reader->Read(&response)) {
        }
        return reader->Finish();
      }
    }
    return grpc::Status(grpc::StatusCode::INTERNAL, "no such family");
  }

  std::optional<TempDir> dir_;
  std::unique_ptr<Store> store_;
  HybridClock clock_{HybridClock::SystemMillis};
  std::unique_ptr<AccessControl> access_;
  std::unique_ptr<PlanResources> resources_;
  std::unique_ptr<SyncAuthority> authority_;
  std::unique_ptr<PlanReports> reports_;
  const Authenticator auth_{{}};  // development mode
  std::unique_ptr<PlanServiceImpl> plan_service_;
  std::unique_ptr<SyncServiceImpl> sync_service_;
  std::unique_ptr<ReportServiceImpl> report_service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::PlanService::Stub> plans_;
  std::unique_ptr<v1::SyncService::Stub> sync_;
  std::unique_ptr<v1::ReportService::Stub> reports_stub_;
  std::map<std::string, uint64_t> created_at_;
  std::string conflict_;
};

TEST_P(RoleMatrixTest, EachRoleGetsWhatTheRulesGive) {
  const auto [who, family] = GetParam();
  const Expected expected = ExpectedFor(who, family);
  const uint64_t before = store_->last_sequence();
  const grpc::Status status = Call(family, OrganisationOf(who));
  if (expected.allowed) {
    EXPECT_TRUE(status.ok()) << status.error_message();
    return;
  }
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << status.error_message();
  const bool pushed =
      family == Family::kPushEditLed || family == Family::kPushEditOther;
  if (!pushed) {
    EXPECT_EQ(ReasonOf(status), expected.reason) << status.error_message();
  }
  // A refused call writes nothing; a refused push only its answer (so that a
  // retry is answered DUPLICATE), and no change.
  if (pushed) {
    EXPECT_EQ(store_->last_sequence(), before);
  } else if (Writes(family)) {
    EXPECT_EQ(store_->last_sequence(), before);
  }
}

// The attacks of a client acting for an organisation with no role: each is
// refused, and nothing changes.
TEST_F(RoleMatrixTest, AnOrganisationWithNoRoleChangesNothing) {
  const std::string outsider = OrganisationOf(Who::kOutsider);
  const uint64_t before = store_->last_sequence();
  std::vector<std::pair<std::string, grpc::Status>> calls;
  {
    v1::UpdatePlanRequest request;
    request.mutable_plan()->set_name(kDistrict);
    request.mutable_plan()->set_title("Retitled");
    v1::Plan plan;
    calls.emplace_back("UpdatePlan",
                       plans_->UpdatePlan(As(outsider).get(), request, &plan));
  }
  {
    v1::DeletePlanRequest request;
    request.set_name(kCounty);
    v1::Plan plan;
    calls.emplace_back("DeletePlan",
                       plans_->DeletePlan(As(outsider).get(), request, &plan));
  }
  {
    v1::CreateOrganisationRequest request;
    request.set_organisation_id("fake-police");
    request.mutable_organisation()->set_display_name("Staffordshire Police");
    v1::Organisation organisation;
    calls.emplace_back(
        "CreateOrganisation",
        plans_->CreateOrganisation(As(outsider).get(), request, &organisation));
  }
  {
    v1::DeleteOrganisationRequest request;
    request.set_name(OrganisationOf(Who::kEditor));
    v1::Organisation organisation;
    calls.emplace_back(
        "DeleteOrganisation",
        plans_->DeleteOrganisation(As(outsider).get(), request, &organisation));
  }
  {
    v1::CreatePlanRequest request;
    request.set_plan_id("rogue");
    request.mutable_plan()->set_title("Rogue");
    v1::Plan plan;
    calls.emplace_back("CreatePlan",
                       plans_->CreatePlan(As(outsider).get(), request, &plan));
  }
  {
    v1::CreateMemberRequest request;
    request.set_parent(kDistrict);
    request.set_member_id("outsider");
    request.mutable_member()->set_role(v1::OWNER);
    v1::Member member;
    calls.emplace_back(
        "CreateMember (itself)",
        plans_->CreateMember(As(outsider).get(), request, &member));
  }
  for (const auto& [what, status] : calls) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << what << ": " << status.error_message();
  }
  EXPECT_EQ(store_->last_sequence(), before);
  // An organisation renames itself, and no other.
  v1::UpdateOrganisationRequest own;
  own.mutable_organisation()->set_name(outsider);
  own.mutable_organisation()->set_display_name("Outsider (renamed)");
  v1::Organisation renamed;
  EXPECT_TRUE(
      plans_->UpdateOrganisation(As(outsider).get(), own, &renamed).ok());
}

// An organisation's conflicts are like the organisation (docs/security.md):
// every caller lists and reads them (every agent holds them); the
// organisation itself resolves its own, and administrators any; no role in
// any plan gives more. A refused resolve, direct or pushed, writes nothing.
TEST_F(RoleMatrixTest, AnOrganisationsConflictsAreResolvedByItOrAnAdmin) {
  const std::string police = OrganisationOf(Who::kEditor);
  // Two replicas of the service's own organisation rename the police from
  // the same version: a conflict, kept with the police.
  const auto open_conflict = [&](const std::string& round) {
    const absl::StatusOr<std::optional<storage::Entity>> stored =
        store_->NewReadView()->GetEntity(*ResourceName::Parse(police));
    ASSERT_TRUE(stored.ok() && stored->has_value());
    const uint64_t base =
        (*stored)->field_versions().at("display_name").service_sequence();
    for (const char* name :
         {"Staffordshire Police", "Police (Staffordshire)"}) {
      v1::PushRequest request;
      request.set_replica_id(absl::StrCat("r-", round, "-", name[0] == 'S'));
      v1::Change* change = request.add_changes();
      change->set_change_id(absl::StrCat(request.replica_id(), ":1"));
      change->set_replica_id(request.replica_id());
      change->set_hlc(clock_.Now());
      change->set_target(police);
      change->set_operation(v1::Change::UPDATE);
      v1::FieldChange* field = change->add_fields();
      field->set_field("display_name");
      v1::Organisation value;
      value.set_display_name(name);
      field->set_value(value.SerializeAsString());
      field->set_base_sequence(base);
      v1::PushResponse pushed;
      ASSERT_NO_FATAL_FAILURE(
          Ok(sync_->Push(As("").get(), request, &pushed), name));
      ASSERT_EQ(pushed.results_size(), 1);
      EXPECT_NE(pushed.results(0).outcome(), v1::ChangeResult::REJECTED);
    }
  };
  ASSERT_NO_FATAL_FAILURE(open_conflict("one"));
  std::string conflict;
  for (Who who : {Who::kOutsider, Who::kViewer, Who::kEditor, Who::kOwner,
                  Who::kCountyOwner, Who::kAdmin}) {
    v1::ListConflictsRequest list;
    list.set_parent(police);
    list.set_filter("state = OPEN");
    v1::ListConflictsResponse listed;
    ASSERT_NO_FATAL_FAILURE(
        Ok(plans_->ListConflicts(As(OrganisationOf(who)).get(), list, &listed),
           WhoName(who)));
    ASSERT_EQ(listed.conflicts_size(), 1) << WhoName(who);
    conflict = listed.conflicts(0).name();
    EXPECT_EQ(conflict.rfind(absl::StrCat(police, "/conflicts/"), 0), 0u);
    v1::GetConflictRequest get;
    get.set_name(conflict);
    v1::Conflict got;
    ASSERT_NO_FATAL_FAILURE(
        Ok(plans_->GetConflict(As(OrganisationOf(who)).get(), get, &got),
           WhoName(who)));
  }
  const uint64_t before = store_->last_sequence();
  for (Who who :
       {Who::kOutsider, Who::kViewer, Who::kOwner, Who::kCountyOwner}) {
    v1::ResolveConflictRequest request;
    request.set_name(conflict);
    request.set_candidate(0);
    v1::Conflict resolved;
    const grpc::Status status = plans_->ResolveConflict(
        As(OrganisationOf(who)).get(), request, &resolved);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << WhoName(who) << ": " << status.error_message();
    EXPECT_EQ(ReasonOf(status), "NOT_ADMINISTRATOR") << WhoName(who);
  }
  {
    // Pushed, as an agent of another organisation would resolve it.
    v1::PushRequest request;
    request.set_replica_id("r-outsider");
    v1::Change* change = request.add_changes();
    change->set_change_id("r-outsider:1");
    change->set_replica_id("r-outsider");
    change->set_hlc(clock_.Now());
    change->set_target(conflict);
    change->set_operation(v1::Change::UPDATE);
    v1::FieldChange* field = change->add_fields();
    field->set_field("state");
    v1::Conflict value;
    value.set_state(v1::Conflict::RESOLVED);
    field->set_value(value.SerializeAsString());
    field->set_base_sequence(before);
    v1::PushResponse pushed;
    ASSERT_NO_FATAL_FAILURE(Ok(
        sync_->Push(As(OrganisationOf(Who::kOutsider)).get(), request, &pushed),
        "push"));
    ASSERT_EQ(pushed.results_size(), 1);
    EXPECT_EQ(pushed.results(0).outcome(), v1::ChangeResult::REJECTED);
  }
  EXPECT_EQ(store_->last_sequence(), before);

  // The police resolve their own; an administrator resolves the next.
  for (const auto& [who, round] :
       {std::pair<Who, std::string>{Who::kEditor, "one"},
        {Who::kAdmin, "two"}}) {
    if (round != "one") {
      ASSERT_NO_FATAL_FAILURE(open_conflict(round));
      v1::ListConflictsRequest list;
      list.set_parent(police);
      list.set_filter("state = OPEN");
      v1::ListConflictsResponse listed;
      ASSERT_NO_FATAL_FAILURE(
          Ok(plans_->ListConflicts(As("").get(), list, &listed), "list"));
      ASSERT_EQ(listed.conflicts_size(), 1);
      conflict = listed.conflicts(0).name();
    }
    v1::ResolveConflictRequest request;
    request.set_name(conflict);
    v1::Organisation value;
    value.set_display_name(absl::StrCat("Chosen by ", WhoName(who)));
    request.set_value(value.SerializeAsString());
    v1::Conflict resolved;
    ASSERT_NO_FATAL_FAILURE(
        Ok(plans_->ResolveConflict(As(OrganisationOf(who)).get(), request,
                                   &resolved),
           WhoName(who)));
    EXPECT_EQ(resolved.state(), v1::Conflict::RESOLVED);
    v1::GetOrganisationRequest get;
    get.set_name(police);
    v1::Organisation now;
    ASSERT_NO_FATAL_FAILURE(
        Ok(plans_->GetOrganisation(As("").get(), get, &now), "get"));
    EXPECT_EQ(now.display_name(), absl::StrCat("Chosen by ", WhoName(who)));
  }

  // The parent is an organisation that exists, named as one.
  v1::ListConflictsRequest list;
  v1::ListConflictsResponse listed;
  list.set_parent("organisations/Police");
  EXPECT_EQ(plans_->ListConflicts(As(police).get(), list, &listed).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  list.set_parent("organisations/nobody");
  EXPECT_EQ(plans_->ListConflicts(As(police).get(), list, &listed).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

// Choosing the edit in a conflict with a delete undeletes what was deleted,
// and that takes the right to undelete it: the EDITOR who may resolve
// conflicts on the action it leads may not bring back the activity its
// OWNER deleted that way, and its attempt changes nothing; the OWNER may.
TEST_F(RoleMatrixTest, ResolvingUndeletesOnlyWhatTheResolverMayUndelete) {
  v1::DeleteActivityRequest remove;
  remove.set_name(kLedActivity);
  v1::Activity deleted;
  ASSERT_NO_FATAL_FAILURE(
      Ok(plans_->DeleteActivity(As(OrganisationOf(Who::kOwner)).get(), remove,
                                &deleted),
         "delete"));
  // An edit of its action the delete did not see.
  v1::PushResponse pushed;
  ASSERT_NO_FATAL_FAILURE(
      Ok(sync_->Push(As("").get(), RagPush("r-late", kLedAction, v1::BLUE),
                     &pushed),
         "push"));
  ASSERT_EQ(pushed.results_size(), 1);
  ASSERT_EQ(pushed.results(0).outcome(), v1::ChangeResult::CONFLICT);
  v1::ListConflictsRequest list;
  list.set_parent(kDistrict);
  list.set_filter("state = OPEN");
  v1::ListConflictsResponse listed;
  ASSERT_NO_FATAL_FAILURE(
      Ok(plans_->ListConflicts(As("").get(), list, &listed), "list"));
  std::string conflict;
  int edit = -1;
  for (const v1::Conflict& open : listed.conflicts()) {
    for (int i = 0; i < open.candidates_size(); ++i) {
      if (open.candidates(i).deleted() == kLedActivity) conflict = open.name();
    }
    if (open.name() != conflict) continue;
    for (int i = 0; i < open.candidates_size(); ++i) {
      if (!open.candidates(i).deletes()) edit = i;
    }
  }
  ASSERT_FALSE(conflict.empty()) << "no conflict with the activity's delete";
  ASSERT_GE(edit, 0);

  const auto resolve = [&](Who who) {
    v1::ResolveConflictRequest request;
    request.set_name(conflict);
    request.set_candidate(edit);
    v1::Conflict resolved;
    return plans_->ResolveConflict(As(OrganisationOf(who)).get(), request,
                                   &resolved);
  };
  const auto activity_deleted = [&] {
    const absl::StatusOr<std::optional<storage::Entity>> stored =
        store_->NewReadView()->GetEntity(*ResourceName::Parse(kLedActivity));
    return stored.ok() && stored->has_value() && (*stored)->deleted();
  };
  const uint64_t before = store_->last_sequence();
  const grpc::Status denied = resolve(Who::kEditor);
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << denied.error_message();
  EXPECT_EQ(ReasonOf(denied), "ROLE_TOO_LOW") << denied.error_message();
  EXPECT_EQ(store_->last_sequence(), before);
  EXPECT_TRUE(activity_deleted());

  ASSERT_NO_FATAL_FAILURE(Ok(resolve(Who::kOwner), "owner"));
  EXPECT_FALSE(activity_deleted());
}

// Permission is decided before existence: a missing resource of a plan the
// caller may not read is PERMISSION_DENIED, not NOT_FOUND.
TEST_F(RoleMatrixTest, NothingIsToldOfAPlanTheCallerMayNotRead) {
  v1::GetActionRequest request;
  request.set_name(absl::StrCat(kLedActivity, "/actions/missing"));
  v1::Action action;
  EXPECT_EQ(plans_
                ->GetAction(As(OrganisationOf(Who::kOutsider)).get(), request,
                            &action)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(
      plans_
          ->GetAction(As(OrganisationOf(Who::kViewer)).get(), request, &action)
          .error_code(),
      grpc::StatusCode::NOT_FOUND);
}

// ListPlans leaves out the plans the caller may not read.
TEST_F(RoleMatrixTest, ListsShowOnlyReadablePlans) {
  const auto plans_of = [&](Who who) {
    v1::ListPlansRequest request;
    v1::ListPlansResponse response;
    EXPECT_TRUE(
        plans_->ListPlans(As(OrganisationOf(who)).get(), request, &response)
            .ok());
    std::vector<std::string> names;
    for (const v1::Plan& plan : response.plans()) names.push_back(plan.name());
    return names;
  };
  EXPECT_THAT(plans_of(Who::kOutsider), ::testing::IsEmpty());
  EXPECT_THAT(plans_of(Who::kViewer), ::testing::ElementsAre(kDistrict));
  EXPECT_THAT(plans_of(Who::kCountyOwner),
              ::testing::ElementsAre(kDistrict, kCounty));
  // Within a plan, all of it or nothing.
  v1::ListActionsRequest request;
  request.set_parent(absl::StrCat(kDistrict, "/activities/-"));
  v1::ListActionsResponse response;
  EXPECT_EQ(plans_
                ->ListActions(As(OrganisationOf(Who::kOutsider)).get(), request,
                              &response)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(plans_
                  ->ListActions(As(OrganisationOf(Who::kViewer)).get(), request,
                                &response)
                  .ok());
  EXPECT_EQ(response.actions_size(), 2);
}

// Anyone may verify the whole change log; entries of plans they may not
// read come as their hashes only.
TEST_F(RoleMatrixTest, TheChangeLogOfUnreadablePlansIsHashesOnly) {
  v1::ReadChangeLogRequest request;
  auto context = As(OrganisationOf(Who::kOutsider));
  auto reader = reports_stub_->ReadChangeLog(context.get(), request);
  v1::ChangeLogChunk chunk;
  int whole = 0;
  int hashed = 0;
  while (reader->Read(&chunk)) {
    for (const v1::ChangeLogEntry& entry : chunk.entries()) {
      if (entry.entry().empty()) {
        ++hashed;
        continue;
      }
      ++whole;
      v1::Change change;
      ASSERT_TRUE(change.ParseFromString(entry.entry()));
      EXPECT_EQ(change.plan(), "") << change.target();
    }
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_GT(whole, 0);   // the organisations
  EXPECT_GT(hashed, 0);  // everything in the plans
}

std::vector<MatrixCase> AllCases() {
  std::vector<MatrixCase> cases;
  for (Who who : {Who::kOutsider, Who::kViewer, Who::kEditor, Who::kOwner,
                  Who::kCountyOwner, Who::kAdmin}) {
    for (Family family :
         {Family::kRead, Family::kReport, Family::kEditLed, Family::kEditOther,
          Family::kPushEditLed, Family::kPushEditOther, Family::kDelete,
          Family::kDeleteActivity, Family::kMembers, Family::kResolve,
          Family::kImport, Family::kExport, Family::kPull}) {
      cases.push_back({who, family});
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(RolesByMethod, RoleMatrixTest,
                         ::testing::ValuesIn(AllCases()),
                         [](const ::testing::TestParamInfo<MatrixCase>& info) {
                           return absl::StrCat(WhoName(info.param.who),
                                               FamilyName(info.param.family));
                         });

}  // namespace
}  // namespace plan
