// ImportPlan and ExportPlan on a real store: the seed plan goes in whole, in
// one write, and comes back out as CSV that imports back identical.
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libplan/formats/csv.h"
#include "libplan/service/plan_resources.h"
#include "libplan/util/errors.h"
#include "libplan/util/log.h"
#include "libplan/util/status_macros.h"
#include "tests/support/temp_dir.h"

namespace plan {
namespace {

using prevent::plan::test_support::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPlan[] = "plans/south-staffordshire";

std::string ReadSeed() {
  std::ifstream in(absl::StrCat(
      PLAN_SOURCE_DIR,
      "/deploy/demo/south-staffordshire-prevent-action-plan-2023-2025.txt"));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A store and the methods over it.
struct Service {
  explicit Service(const std::string& path,
                   absl::Time now = absl::FromCivil(absl::CivilDay(2024, 6, 15),
                                                    absl::UTCTimeZone())) {
    store = *Store::Open({.path = path});
    PlanResourcesOptions options;
    options.now = [now] { return now; };
    resources = std::make_unique<PlanResources>(store.get(), &clock, options);
  }
  std::unique_ptr<Store> store;
  HybridClock clock;
  std::unique_ptr<PlanResources> resources;
};

class PlanTransferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetLoggingEnabled(false);
    absl::StatusOr<TempDir> dir = TempDir::Create("transfer-test");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_.emplace(std::move(*dir));
    service_ = std::make_unique<Service>(dir_->Subpath("db"));
  }

  absl::Status ImportSeed(bool validate_only, v1::ImportPlanResponse* out) {
    v1::ImportPlanRequest request;
    request.mutable_plan()->set_name(kPlan);
    request.set_format(v1::PREVENT_TEXT);
    request.set_content(ReadSeed());
    request.set_validate_only(validate_only);
    return service_->resources->Import(request, Actor(), out);
  }

  // ExportPlan of kPlan in `format`.
  absl::StatusOr<v1::ExportPlanResponse> Export(v1::PlanFormat format) {
    v1::ExportPlanRequest request;
    request.set_name(kPlan);
    request.set_format(format);
    v1::ExportPlanResponse exported;
    RETURN_IF_ERROR(service_->resources->Export(request, {}, &exported));
    return exported;
  }

  std::optional<TempDir> dir_;
  std::unique_ptr<Service> service_;
};

// The document without what differs between two stores (etags, times).
std::string Comparable(PlanDocument document) {
  std::string out;
  auto strip = [](google::protobuf::Message* m) {
    const auto* d = m->GetDescriptor();
    for (const char* f :
         {"etag", "create_time", "update_time", "delete_time"}) {
      if (const auto* field = d->FindFieldByName(f)) {
        m->GetReflection()->ClearField(m, field);
      }
    }
    return m->SerializeAsString();
  };
  out += strip(&document.plan);
  for (auto& o : document.organisations) out += strip(&o);
  for (auto& s : document.strands) out += strip(&s);
  for (auto& entry : document.activities) {
    out += strip(&entry.activity);
    for (auto& a : entry.actions) out += strip(&a);
  }
  return out;
}

TEST_F(PlanTransferTest, SeedImportsInOneWriteWithEverythingInPlace) {
  const uint64_t before = service_->store->last_sequence();
  v1::ImportPlanResponse response;
  ASSERT_TRUE(ImportSeed(false, &response).ok());
  EXPECT_EQ(response.plan().name(), kPlan);
  EXPECT_EQ(response.strands_size(), 3);
  EXPECT_GT(response.activities_size(), 15);
  EXPECT_GT(response.actions_size(), response.activities_size());
  EXPECT_GT(response.organisations_size(), 5);
  // One change per resource, all in one commit.
  const uint64_t resources =
      1 + response.organisations_size() + response.strands_size() +
      response.activities_size() + response.actions_size();
  EXPECT_EQ(service_->store->last_sequence() - before, resources);
  absl::StatusOr<PlanDocument> document =
      service_->resources->ReadDocument(kPlan);
  ASSERT_TRUE(document.ok()) << document.status();
  EXPECT_EQ(document->activities.size(),
            static_cast<size_t>(response.activities_size()));
  EXPECT_EQ(document->activities.front().activity.title(),
            "Risk Assessment and local understanding");
}

TEST_F(PlanTransferTest, ValidateOnlyShowsWhatWouldBeCreatedAndWritesNothing) {
  v1::ImportPlanResponse dry;
  ASSERT_TRUE(ImportSeed(true, &dry).ok());
  EXPECT_TRUE(dry.validate_only());
  EXPECT_EQ(service_->store->last_sequence(), 0u);
  v1::ImportPlanResponse real;
  ASSERT_TRUE(ImportSeed(false, &real).ok());
  EXPECT_EQ(dry.activities_size(), real.activities_size());
  EXPECT_EQ(dry.actions_size(), real.actions_size());
  EXPECT_EQ(dry.organisations_size(), real.organisations_size());
  for (int i = 0; i < dry.actions_size(); ++i) {
    EXPECT_EQ(dry.actions(i).name(), real.actions(i).name());
    EXPECT_EQ(dry.actions(i).description(), real.actions(i).description());
  }
}

TEST_F(PlanTransferTest, SecondImportOfTheSameActivitiesIsRefusedWhole) {
  v1::ImportPlanResponse response;
  ASSERT_TRUE(ImportSeed(false, &response).ok());
  const uint64_t after_first = service_->store->last_sequence();
  const absl::Status again = ImportSeed(false, &response);
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(service_->store->last_sequence(), after_first);
}

TEST_F(PlanTransferTest, BadContentIsRefusedWithWhereAndNothingWritten) {
  v1::ImportPlanRequest request;
  request.mutable_plan()->set_name(kPlan);
  request.set_format(v1::CSV);
  request.set_content("name,email\nA Person,a@example.org\n");
  v1::ImportPlanResponse response;
  absl::Status status =
      service_->resources->Import(request, Actor(), &response);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("line"), absl::string_view::npos)
      << status.message();
  request.set_format(v1::PREVENT_TEXT);
  request.set_content(std::string("\x00\x01\x02binary", 9));
  status = service_->resources->Import(request, Actor(), &response);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  request.set_format(v1::MARKDOWN);
  status = service_->resources->Import(request, Actor(), &response);
  EXPECT_EQ(FieldViolationsOf(status).front().field, "format");
  EXPECT_EQ(service_->store->last_sequence(), 0u);
}

// "Status as at" is the UK's day: at 23:30 UTC on 30 June it is already
// 1 July in the UK (BST).
TEST_F(PlanTransferTest, ExportsAreAsAtTheUkDay) {
  service_.reset();
  service_ = std::make_unique<Service>(
      dir_->Subpath("summer"),
      absl::FromCivil(absl::CivilMinute(2026, 6, 30, 23, 30),
                      absl::UTCTimeZone()));
  v1::ImportPlanResponse response;
  ASSERT_TRUE(ImportSeed(false, &response).ok());
  absl::StatusOr<v1::ExportPlanResponse> exported = Export(v1::MARKDOWN);
  ASSERT_TRUE(exported.ok()) << exported.status();
  EXPECT_THAT(exported->content(), HasSubstr("Status as at 1 July 2026"));
  EXPECT_THAT(exported->content(), Not(HasSubstr("30 June 2026")));
}

TEST_F(PlanTransferTest, CsvExportImportsBackIdentical) {
  v1::ImportPlanResponse response;
  ASSERT_TRUE(ImportSeed(false, &response).ok());
  v1::ExportPlanRequest export_request;
  export_request.set_name(kPlan);
  export_request.set_format(v1::CSV);
  v1::ExportPlanResponse exported;
  ASSERT_TRUE(service_->resources->Export(export_request, {}, &exported).ok());
  EXPECT_EQ(exported.filename(), "south-staffordshire.csv");

  // Into a second, empty store, as the same plan.
  Service other(dir_->Subpath("other"));
  v1::ImportPlanRequest request;
  *request.mutable_plan() = response.plan();
  request.set_format(v1::CSV);
  request.set_content(exported.content());
  v1::ImportPlanResponse reimported;
  absl::Status status = other.resources->Import(request, Actor(), &reimported);
  ASSERT_TRUE(status.ok()) << status;
  absl::StatusOr<PlanDocument> original =
      service_->resources->ReadDocument(kPlan);
  absl::StatusOr<PlanDocument> copy = other.resources->ReadDocument(kPlan);
  ASSERT_TRUE(original.ok() && copy.ok());
  EXPECT_EQ(Comparable(*original), Comparable(*copy));
  // And the CSV of the copy is byte for byte the CSV of the original.
  v1::ExportPlanResponse exported_again;
  ASSERT_TRUE(
      other.resources->Export(export_request, {}, &exported_again).ok());
  EXPECT_EQ(exported_again.content(), exported.content());
}

std::string ReadDemo(const std::string& file) {
  std::ifstream in(absl::StrCat(PLAN_SOURCE_DIR, "/deploy/demo/", file));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Imports the demo county plan, then the Cannock Chase plan under it.
void ImportDemoCounty(PlanResources& resources) {
  v1::ImportPlanRequest county;
  county.mutable_plan()->set_name("plans/staffordshire");
  county.mutable_plan()->set_title("Staffordshire");
  county.mutable_plan()->set_level(v1::COUNTY);
  county.set_format(v1::CSV);
  county.set_content(ReadDemo("staffordshire-county.csv"));
  v1::ImportPlanResponse response;
  ASSERT_TRUE(resources.Import(county, Actor(), &response).ok());
}

TEST_F(PlanTransferTest, CsvKeepsTheCountyObjectiveLinks) {
  ImportDemoCounty(*service_->resources);
  v1::ImportPlanRequest district;
  district.mutable_plan()->set_name("plans/cannock-chase");
  district.mutable_plan()->set_title("Cannock Chase");
  district.mutable_plan()->set_parent("plans/staffordshire");
  district.set_format(v1::CSV);
  district.set_content(ReadDemo("cannock-chase.csv"));
  v1::ImportPlanResponse imported;
  absl::Status status =
      service_->resources->Import(district, Actor(), &imported);
  ASSERT_TRUE(status.ok()) << status;
  ASSERT_FALSE(imported.activities().empty());
  EXPECT_EQ(imported.activities(0).county_activity(),
            "plans/staffordshire/activities/risk-assessment");
  v1::ExportPlanRequest export_request;
  export_request.set_name("plans/cannock-chase");
  export_request.set_format(v1::CSV);
  v1::ExportPlanResponse exported;
  ASSERT_TRUE(service_->resources->Export(export_request, {}, &exported).ok());
  Service other(dir_->Subpath("other"));
  ImportDemoCounty(*other.resources);
  district.set_content(exported.content());
  ASSERT_TRUE(other.resources->Import(district, Actor(), &imported).ok());
  EXPECT_EQ(
      Comparable(*service_->resources->ReadDocument("plans/cannock-chase")),
      Comparable(*other.resources->ReadDocument("plans/cannock-chase")));
  // A link to an activity that does not exist is refused, naming the field.
  district.mutable_plan()->set_name("plans/broken");
  district.set_content(
      absl::StrReplaceAll(ReadDemo("cannock-chase.csv"),
                          {{"activities/training", "activities/nope"}}));
  status = other.resources->Import(district, Actor(), &imported);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("county_activity"), absl::string_view::npos)
      << status.message();
}

TEST_F(PlanTransferTest, ExportsLeaveOutDeletedResources) {
  v1::ImportPlanResponse response;
  ASSERT_TRUE(ImportSeed(false, &response).ok());
  v1::Activity deleted;
  ASSERT_TRUE(service_->resources
                  ->Delete(Kind::kActivity, response.activities(0).name(), "",
                           Actor(), &deleted)
                  .ok());
  absl::StatusOr<PlanDocument> document =
      service_->resources->ReadDocument(kPlan);
  ASSERT_TRUE(document.ok());
  EXPECT_EQ(document->activities.size(),
            static_cast<size_t>(response.activities_size() - 1));
  v1::ExportPlanRequest request;
  request.set_name(kPlan);
  for (v1::PlanFormat format : {v1::CSV, v1::MARKDOWN, v1::HTML}) {
    request.set_format(format);
    v1::ExportPlanResponse exported;
    ASSERT_TRUE(service_->resources->Export(request, {}, &exported).ok());
    EXPECT_EQ(exported.content().find(deleted.title()), std::string::npos)
        << v1::PlanFormat_Name(format);
  }
  request.set_name("plans/missing");
  v1::ExportPlanResponse missing;
  EXPECT_EQ(service_->resources->Export(request, {}, &missing).code(),
            absl::StatusCode::kNotFound);
}

// An import reuses the organisations, plan and strands that exist, but not
// deleted ones: it is refused, naming the deleted resource, and writes
// nothing.
TEST_F(PlanTransferTest, AnImportThatWouldReuseADeletedResourceIsRefused) {
  v1::ImportPlanRequest request;
  request.mutable_plan()->set_name("plans/a");
  request.mutable_plan()->set_title("A");
  request.set_format(v1::CSV);
  request.set_content(
      "strand,activity,lead organisations,lead officer,action,timescale,rag,"
      "owner\nIdeology,Channel,Staffordshire Police,,Refer,Ongoing,GREEN,\n");
  v1::ImportPlanResponse response;
  PlanResources& resources = *service_->resources;
  ASSERT_TRUE(resources.Import(request, Actor(), &response).ok());
  ASSERT_EQ(response.organisations_size(), 1);
  const std::string org = response.organisations(0).name();
  ASSERT_EQ(response.strands_size(), 1);
  const std::string strand = response.strands(0).name();

  const auto refused_naming = [&](const std::string& name) {
    const uint64_t before = service_->store->last_sequence();
    const absl::Status status = resources.Import(request, Actor(), &response);
    EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
    EXPECT_EQ(ErrorReason(status), "RESOURCE_DELETED");
    EXPECT_NE(status.message().find(name), absl::string_view::npos) << status;
    EXPECT_EQ(service_->store->last_sequence(), before);
  };
  v1::Organisation deleted_org;
  ASSERT_TRUE(
      resources.Delete(Kind::kOrganisation, org, "", Actor(), &deleted_org)
          .ok());
  request.mutable_plan()->set_name("plans/b");
  refused_naming(org);

  v1::Strand deleted_strand;
  ASSERT_TRUE(
      resources.Delete(Kind::kStrand, strand, "", Actor(), &deleted_strand)
          .ok());
  v1::Organisation restored;
  ASSERT_TRUE(
      resources.Undelete(Kind::kOrganisation, org, Actor(), &restored).ok());
  request.mutable_plan()->set_name("plans/a");
  refused_naming(strand);

  v1::Plan deleted_plan;
  ASSERT_TRUE(
      resources.Delete(Kind::kPlan, "plans/a", "", Actor(), &deleted_plan)
          .ok());
  refused_naming("plans/a");
}

}  // namespace
}  // namespace plan
