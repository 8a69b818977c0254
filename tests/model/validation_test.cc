#include "libplan/model/validation.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/message.h"
#include "gtest/gtest.h"
#include "libplan/model/fields.h"
#include "libplan/model/names.h"
#include "libplan/util/errors.h"
#include "prevent/plan/v1/resources.pb.h"

namespace plan {

// Printers for readable failures; found by argument-dependent lookup.
void PrintTo(const FieldViolation& v, std::ostream* os) {
  *os << "{" << v.field << ": " << v.description << "}";
}
void PrintTo(const Reference& r, std::ostream* os) {
  *os << "{" << r.field << " -> " << r.name << " (kind "
      << static_cast<int>(r.kind) << ")}";
}

namespace {

namespace v1 = ::prevent::plan::v1;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the Timestamp range.
constexpr int64_t kMinSeconds = -62135596800;
constexpr int64_t kMaxSeconds = 253402300799;

std::string Repeat(absl::string_view unit, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) absl::StrAppend(&out, unit);
  return out;
}

v1::Organisation ValidOrganisation() {
  v1::Organisation org;
  org.set_name("organisations/staffordshire-police");
  org.set_display_name("Staffordshire Police");
  org.set_kind(v1::POLICE);
  return org;
}

v1::Plan ValidPlan() {
  v1::Plan plan;
  plan.set_name("plans/p");
  plan.set_title("South Staffordshire Prevent Action Plan 2023-2025");
  plan.set_area("South Staffordshire");
  plan.set_level(v1::DISTRICT);
  plan.set_parent("plans/staffordshire");
  plan.set_period_start("2023-04");
  plan.set_period_end("2025-03");
  plan.add_partner_organisations("organisations/staffordshire-police");
  plan.add_partner_organisations("organisations/south-staffs-council");
  return plan;
}

v1::Strand ValidStrand() {
  v1::Strand strand;
  strand.set_name("plans/p/strands/ideology");
  strand.set_title("Ideology");
  strand.set_description("Responding to the ideological challenge");
  strand.set_position("b");
  return strand;
}

v1::Activity ValidActivity() {
  v1::Activity activity;
  activity.set_name("plans/p/activities/a");
  activity.set_strand("plans/p/strands/s");
  activity.set_title("Risk Assessment and local understanding");
  activity.set_lead_officer("Prevent Coordinator");
  activity.add_lead_organisations("organisations/police");
  activity.add_lead_organisations("organisations/council");
  activity.add_duty_areas(v1::RISK);
  activity.add_duty_areas(v1::PARTNERSHIP);
  activity.set_position("m0");
  return activity;
}

v1::Action ValidAction() {
  v1::Action action;
  action.set_name("plans/p/activities/a/actions/x");
  action.set_description("Deliver WRAP training to frontline staff");
  action.mutable_timescale()->set_text("Feb 2024 \xE2\x80\x93 March 2025");
  action.mutable_timescale()->set_start("2024-02");
  action.mutable_timescale()->set_end("2025-03");
  action.set_rag(v1::AMBER);
  action.set_owner_organisation("organisations/police");
  action.set_position("a");
  return action;
}

v1::ProgressUpdate ValidProgressUpdate() {
  v1::ProgressUpdate update;
  update.set_name("plans/p/activities/a/actions/x/updates/u");
  update.mutable_report_time()->set_seconds(1704067200);
  update.set_organisation("organisations/police");
  update.set_rag(v1::GREEN);
  update.set_note("Training delivered to 40 staff");
  return update;
}

std::unique_ptr<Message> ValidResource(Kind kind) {
  switch (kind) {
    case Kind::kOrganisation:
      return std::make_unique<v1::Organisation>(ValidOrganisation());
    case Kind::kPlan:
      return std::make_unique<v1::Plan>(ValidPlan());
    case Kind::kStrand:
      return std::make_unique<v1::Strand>(ValidStrand());
    case Kind::kActivity:
      return std::make_unique<v1::Activity>(ValidActivity());
    case Kind::kAction:
      return std::make_unique<v1::Action>(ValidAction());
    case Kind::kProgressUpdate:
      return std::make_unique<v1::ProgressUpdate>(ValidProgressUpdate());
    case Kind::kConflict:
    case Kind::kOrganisationConflict:
      return std::make_unique<v1::Conflict>();  // written only by sync
    case Kind::kMember: {
      auto member = std::make_unique<v1::Member>();
      member->set_name("plans/p/members/police");
      member->set_role(v1::EDITOR);
      return member;
    }
  }
  return nullptr;
}

// The violations of all data fields of `resource`.
std::vector<FieldViolation> Validate(Kind kind, const Message& resource,
                                     absl::string_view prefix) {
  FieldViolations violations;
  ValidateFields(kind, resource, DataFields(*resource.GetDescriptor()), prefix,
                 &violations);
  return violations.violations();
}

std::vector<FieldViolation> Validate(Kind kind, const Message& resource) {
  return Validate(kind, resource, InfoOf(kind).field);
}

// The subset of the data fields of `descriptor` named in `names`.
std::vector<const FieldDescriptor*> FieldsNamed(
    const google::protobuf::Descriptor& descriptor,
    const std::vector<std::string>& names) {
  std::vector<const FieldDescriptor*> fields;
  for (const std::string& name : names) {
    const FieldDescriptor* field = descriptor.FindFieldByName(name);
    EXPECT_NE(field, nullptr) << name;
    if (field != nullptr) fields.push_back(field);
  }
  return fields;
}

auto ViolationOf(absl::string_view field) {
  return Field(&FieldViolation::field, std::string(field));
}

// Turns an edit of a concrete message into an edit of a Message.
template <typename T, typename F>
std::function<void(Message*)> On(F edit) {
  return [edit](Message* message) { edit(*static_cast<T*>(message)); };
}

// One change that makes a valid resource of `kind` invalid in exactly one
// field, `field`.
struct BadCase {
  std::string label;
  Kind kind;
  std::function<void(Message*)> edit;
  std::string field;
};

std::ostream& operator<<(std::ostream& os, const BadCase& c) {
  return os << c.label;
}

std::vector<BadCase> BadCases() {
  using v1::Action;
  using v1::Activity;
  using v1::Organisation;
  using v1::Plan;
  using v1::ProgressUpdate;
  using v1::Strand;
  const std::string t201(201, 't');
  const std::string e201 = Repeat("\xC3\xA9", 201);
  const std::string x4001(4001, 'x');
  const std::string p65(65, 'p');
  return {
      // Organisation.
      {"OrganisationDisplayNameEmpty", Kind::kOrganisation,
       On<Organisation>([](Organisation& m) { m.clear_display_name(); }),
       "organisation.display_name"},
      {"OrganisationDisplayNameTooLong", Kind::kOrganisation,
       On<Organisation>([t201](Organisation& m) { m.set_display_name(t201); }),
       "organisation.display_name"},
      {"OrganisationDisplayNameInvalidUtf8", Kind::kOrganisation,
       On<Organisation>([](Organisation& m) { m.set_display_name("a\x80"); }),
       "organisation.display_name"},
      {"OrganisationKindOutOfRange", Kind::kOrganisation,
       On<Organisation>([](Organisation& m) {
         m.set_kind(static_cast<v1::OrganisationKind>(99));
       }),
       "organisation.kind"},
      // Plan.
      {"PlanTitleEmpty", Kind::kPlan,
       On<Plan>([](Plan& m) { m.clear_title(); }), "plan.title"},
      {"PlanTitleTooLong", Kind::kPlan,
       On<Plan>([t201](Plan& m) { m.set_title(t201); }), "plan.title"},
      {"PlanTitleTooManyCodePoints", Kind::kPlan,
       On<Plan>([e201](Plan& m) { m.set_title(e201); }), "plan.title"},
      {"PlanTitleNul", Kind::kPlan,
       On<Plan>([](Plan& m) { m.set_title(std::string("a\0b", 3)); }),
       "plan.title"},
      {"PlanAreaTooLong", Kind::kPlan,
       On<Plan>([t201](Plan& m) { m.set_area(t201); }), "plan.area"},
      {"PlanAreaSurrogate", Kind::kPlan,
       On<Plan>([](Plan& m) { m.set_area("\xED\xA0\x80"); }), "plan.area"},
      {"PlanLevelOutOfRange", Kind::kPlan,
       On<Plan>([](Plan& m) { m.set_level(static_cast<v1::PlanLevel>(3)); }),
       "plan.level"},
      {"PlanLevelNegative", Kind::kPlan,
       On<Plan>([](Plan& m) { m.set_level(static_cast<v1::PlanLevel>(-1)); }),
       "plan.level"},
      {"PlanParentNotAName", Kind::kPlan,
       On<Plan>([](Plan& m) { m.set_parent("staffordshire"); }), "plan.parent"},
      {"PlanParentWrongKind", Kind::kPlan,
       On<Plan>([](Plan& m) { m.set_parent("plans/p/strands/s"); }),
       "plan.parent"},
      {"PlanParentItself", Kind::kPlan,
       On<Plan>([](Plan& m) { m.set_parent("plans/p"); }), "plan.parent"},
      {"PlanPeriodStartMonth13", Kind::kPlan,
       On<Plan>([](Plan& m) { m.set_period_start("2024-13"); }),
       "plan.period_start"},
      {"PlanPeriodStartTwoDigitYear", Kind::kPlan,
       On<Plan>([](Plan& m) { m.set_period_start("24-02"); }),
       "plan.period_start"},
      {"PlanPeriodStartOneDigitMonth", Kind::kPlan,
       On<Plan>([](Plan& m) { m.set_period_start("2024-2"); }),
       "plan.period_start"},
      {"PlanPeriodStartSlash", Kind::kPlan,
       On<Plan>([](Plan& m) { m.set_period_start("2024/02"); }),
       "plan.period_start"},
      {"PlanPeriodEndMonth13", Kind::kPlan,
       On<Plan>([](Plan& m) { m.set_period_end("2024-13"); }),
       "plan.period_end"},
      {"PlanPeriodEndMonth00", Kind::kPlan,
       On<Plan>([](Plan& m) { m.set_period_end("2025-00"); }),
       "plan.period_end"},
      {"PlanPeriodEndSlash", Kind::kPlan,
       On<Plan>([](Plan& m) { m.set_period_end("2025/03"); }),
       "plan.period_end"},
      {"PlanPeriodStartAfterEnd", Kind::kPlan, On<Plan>([](Plan& m) {
         m.set_period_start("2025-04");
         m.set_period_end("2025-03");
       }),
       "plan.period_end"},
      {"PlanPartnerMalformed", Kind::kPlan,
       On<Plan>([](Plan& m) { m.add_partner_organisations("police"); }),
       "plan.partner_organisations[2]"},
      {"PlanPartnerDuplicate", Kind::kPlan, On<Plan>([](Plan& m) {
         m.add_partner_organisations("organisations/staffordshire-police");
       }),
       "plan.partner_organisations[2]"},
      // Strand.
      {"StrandTitleEmpty", Kind::kStrand,
       On<Strand>([](Strand& m) { m.clear_title(); }), "strand.title"},
      {"StrandDescriptionTooLong", Kind::kStrand,
       On<Strand>([x4001](Strand& m) { m.set_description(x4001); }),
       "strand.description"},
      {"StrandDescriptionOverlong", Kind::kStrand,
       On<Strand>([](Strand& m) { m.set_description("\xC0\xAF"); }),
       "strand.description"},
      {"StrandPositionSpace", Kind::kStrand,
       On<Strand>([](Strand& m) { m.set_position("a b"); }), "strand.position"},
      {"StrandPositionTooLong", Kind::kStrand,
       On<Strand>([p65](Strand& m) { m.set_position(p65); }),
       "strand.position"},
      // Activity.
      {"ActivityTitleEmpty", Kind::kActivity,
       On<Activity>([](Activity& m) { m.clear_title(); }), "activity.title"},
      {"ActivityTitleTooLong", Kind::kActivity,
       On<Activity>([t201](Activity& m) { m.set_title(t201); }),
       "activity.title"},
      {"ActivityTitleLoneContinuationByte", Kind::kActivity,
       On<Activity>([](Activity& m) { m.set_title("\x80"); }),
       "activity.title"},
      {"ActivityTitleTruncatedSequence", Kind::kActivity,
       On<Activity>([](Activity& m) { m.set_title("caf\xC3"); }),
       "activity.title"},
      {"ActivityTitleAboveUnicode", Kind::kActivity,
       On<Activity>([](Activity& m) { m.set_title("\xF4\x90\x80\x80"); }),
       "activity.title"},
      {"ActivityLeadOfficerTooLong", Kind::kActivity,
       On<Activity>([t201](Activity& m) { m.set_lead_officer(t201); }),
       "activity.lead_officer"},
      {"ActivityLeadOrganisationMalformed", Kind::kActivity,
       On<Activity>([](Activity& m) { m.set_lead_organisations(0, "police"); }),
       "activity.lead_organisations[0]"},
      {"ActivityLeadOrganisationWrongKind", Kind::kActivity,
       On<Activity>(
           [](Activity& m) { m.set_lead_organisations(1, "plans/p"); }),
       "activity.lead_organisations[1]"},
      {"ActivityLeadOrganisationDuplicate", Kind::kActivity,
       On<Activity>([](Activity& m) {
         m.set_lead_organisations(1, m.lead_organisations(0));
       }),
       "activity.lead_organisations[1]"},
      {"ActivityDutyAreaOutOfRange", Kind::kActivity,
       On<Activity>([](Activity& m) {
         m.add_duty_areas(static_cast<v1::DutyArea>(99));
       }),
       "activity.duty_areas[2]"},
      {"ActivityDutyAreaDuplicate", Kind::kActivity,
       On<Activity>([](Activity& m) { m.add_duty_areas(v1::RISK); }),
       "activity.duty_areas[2]"},
      {"ActivityStrandOfAnotherPlan", Kind::kActivity,
       On<Activity>([](Activity& m) { m.set_strand("plans/q/strands/s"); }),
       "activity.strand"},
      {"ActivityStrandNotAStrand", Kind::kActivity,
       On<Activity>([](Activity& m) { m.set_strand("plans/p/activities/b"); }),
       "activity.strand"},
      {"ActivityStrandBareId", Kind::kActivity,
       On<Activity>([](Activity& m) { m.set_strand("s"); }), "activity.strand"},
      {"ActivityPositionSpace", Kind::kActivity,
       On<Activity>([](Activity& m) { m.set_position("a b"); }),
       "activity.position"},
      {"ActivityPositionTooLong", Kind::kActivity,
       On<Activity>([p65](Activity& m) { m.set_position(p65); }),
       "activity.position"},
      {"ActivityPositionTab", Kind::kActivity,
       On<Activity>([](Activity& m) { m.set_position("a\tb"); }),
       "activity.position"},
      {"ActivityPositionDelete", Kind::kActivity,
       On<Activity>([](Activity& m) { m.set_position("a\x7F"); }),
       "activity.position"},
      {"ActivityPositionNonAscii", Kind::kActivity,
       On<Activity>([](Activity& m) { m.set_position("\xC3\xA9"); }),
       "activity.position"},
      // Action.
      {"ActionDescriptionEmpty", Kind::kAction,
       On<Action>([](Action& m) { m.clear_description(); }),
       "action.description"},
      {"ActionDescriptionTooLong", Kind::kAction,
       On<Action>([x4001](Action& m) { m.set_description(x4001); }),
       "action.description"},
      {"ActionDescriptionNul", Kind::kAction,
       On<Action>([](Action& m) { m.set_description(std::string(1, '\0')); }),
       "action.description"},
      {"ActionTimescaleTextTooLong", Kind::kAction,
       On<Action>([t201](Action& m) { m.mutable_timescale()->set_text(t201); }),
       "action.timescale.text"},
      {"ActionTimescaleTextInvalidUtf8", Kind::kAction,
       On<Action>([](Action& m) { m.mutable_timescale()->set_text("\xFF"); }),
       "action.timescale.text"},
      {"ActionTimescaleStartMonth13", Kind::kAction, On<Action>([](Action& m) {
         m.mutable_timescale()->set_start("2024-13");
       }),
       "action.timescale.start"},
      {"ActionTimescaleStartTwoDigitYear", Kind::kAction,
       On<Action>([](Action& m) { m.mutable_timescale()->set_start("24-02"); }),
       "action.timescale.start"},
      {"ActionTimescaleStartOneDigitMonth", Kind::kAction,
       On<Action>(
           [](Action& m) { m.mutable_timescale()->set_start("2024-2"); }),
       "action.timescale.start"},
      {"ActionTimescaleStartSlash", Kind::kAction, On<Action>([](Action& m) {
         m.mutable_timescale()->set_start("2024/02");
       }),
       "action.timescale.start"},
      {"ActionTimescaleEndMonth13", Kind::kAction,
       On<Action>([](Action& m) { m.mutable_timescale()->set_end("2024-13"); }),
       "action.timescale.end"},
      {"ActionTimescaleEndTwoDigitYear", Kind::kAction,
       On<Action>([](Action& m) { m.mutable_timescale()->set_end("25-03"); }),
       "action.timescale.end"},
      {"ActionTimescaleEndOneDigitMonth", Kind::kAction,
       On<Action>([](Action& m) { m.mutable_timescale()->set_end("2025-3"); }),
       "action.timescale.end"},
      {"ActionTimescaleEndSlash", Kind::kAction,
       On<Action>([](Action& m) { m.mutable_timescale()->set_end("2025/03"); }),
       "action.timescale.end"},
      {"ActionTimescaleStartAfterEnd", Kind::kAction, On<Action>([](Action& m) {
         m.mutable_timescale()->set_start("2025-04");
         m.mutable_timescale()->set_end("2025-03");
       }),
       "action.timescale.end"},
      {"ActionRagOutOfRange", Kind::kAction,
       On<Action>([](Action& m) { m.set_rag(static_cast<v1::Rag>(99)); }),
       "action.rag"},
      {"ActionOwnerMalformed", Kind::kAction,
       On<Action>([](Action& m) { m.set_owner_organisation("police"); }),
       "action.owner_organisation"},
      {"ActionOwnerUppercase", Kind::kAction, On<Action>([](Action& m) {
         m.set_owner_organisation("organisations/Police");
       }),
       "action.owner_organisation"},
      {"ActionPositionSpace", Kind::kAction,
       On<Action>([](Action& m) { m.set_position(" "); }), "action.position"},
      {"ActionPositionTooLong", Kind::kAction,
       On<Action>([p65](Action& m) { m.set_position(p65); }),
       "action.position"},
      // ProgressUpdate.
      {"ProgressUpdateNoteEmpty", Kind::kProgressUpdate,
       On<ProgressUpdate>([](ProgressUpdate& m) { m.clear_note(); }),
       "progress_update.note"},
      {"ProgressUpdateNoteTooLong", Kind::kProgressUpdate,
       On<ProgressUpdate>([x4001](ProgressUpdate& m) { m.set_note(x4001); }),
       "progress_update.note"},
      {"ProgressUpdateNoteTooManyCodePoints", Kind::kProgressUpdate,
       On<ProgressUpdate>(
           [](ProgressUpdate& m) { m.set_note(Repeat("\xE2\x82\xAC", 4001)); }),
       "progress_update.note"},
      {"ProgressUpdateNoteSurrogate", Kind::kProgressUpdate,
       On<ProgressUpdate>(
           [](ProgressUpdate& m) { m.set_note("ok \xED\xB0\x80"); }),
       "progress_update.note"},
      {"ProgressUpdateOrganisationMalformed", Kind::kProgressUpdate,
       On<ProgressUpdate>(
           [](ProgressUpdate& m) { m.set_organisation("organisations/"); }),
       "progress_update.organisation"},
      {"ProgressUpdateRagOutOfRange", Kind::kProgressUpdate,
       On<ProgressUpdate>(
           [](ProgressUpdate& m) { m.set_rag(static_cast<v1::Rag>(5)); }),
       "progress_update.rag"},
      {"ProgressUpdateReportTimeAfterYear9999", Kind::kProgressUpdate,
       On<ProgressUpdate>([](ProgressUpdate& m) {
         m.mutable_report_time()->set_seconds(kMaxSeconds + 1);
       }),
       "progress_update.report_time"},
      {"ProgressUpdateReportTimeBeforeYear1", Kind::kProgressUpdate,
       On<ProgressUpdate>([](ProgressUpdate& m) {
         m.mutable_report_time()->set_seconds(kMinSeconds - 1);
       }),
       "progress_update.report_time"},
      {"ProgressUpdateReportTimeNegativeNanos", Kind::kProgressUpdate,
       On<ProgressUpdate>(
           [](ProgressUpdate& m) { m.mutable_report_time()->set_nanos(-1); }),
       "progress_update.report_time"},
      {"ProgressUpdateReportTimeNanosTooLarge", Kind::kProgressUpdate,
       On<ProgressUpdate>([](ProgressUpdate& m) {
         m.mutable_report_time()->set_nanos(1000000000);
       }),
       "progress_update.report_time"},
  };
}

class BadFieldTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadFieldTest, GivesOneViolationNamingTheField) {
  const BadCase& c = GetParam();
  std::unique_ptr<Message> resource = ValidResource(c.kind);
  c.edit(resource.get());
  const std::vector<FieldViolation> violations = Validate(c.kind, *resource);
  ASSERT_THAT(violations, ElementsAre(ViolationOf(c.field)));
  EXPECT_FALSE(violations[0].description.empty());
}

TEST_P(BadFieldTest, PathStartsWithTheGivenPrefix) {
  const BadCase& c = GetParam();
  std::unique_ptr<Message> resource = ValidResource(c.kind);
  c.edit(resource.get());
  // c.field is "<kind field>.<rest>"; with another prefix, "<prefix>.<rest>".
  const std::string rest = c.field.substr(c.field.find('.'));
  EXPECT_THAT(Validate(c.kind, *resource, "request.resource"),
              ElementsAre(ViolationOf("request.resource" + rest)));
}

TEST_P(BadFieldTest, StatusIsInvalidArgumentNamingTheField) {
  const BadCase& c = GetParam();
  std::unique_ptr<Message> resource = ValidResource(c.kind);
  c.edit(resource.get());
  FieldViolations violations;
  ValidateFields(c.kind, *resource, DataFields(*resource->GetDescriptor()),
                 InfoOf(c.kind).field, &violations);
  const absl::Status status = violations.ToStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr(c.field + ": "));
  EXPECT_THAT(FieldViolationsOf(status), ElementsAre(ViolationOf(c.field)));
}

TEST_P(BadFieldTest, OtherFieldsAloneAreNotChecked) {
  const BadCase& c = GetParam();
  std::unique_ptr<Message> resource = ValidResource(c.kind);
  c.edit(resource.get());
  // The field named in the violation's path, e.g. "timescale" for
  // "action.timescale.end" or "lead_organisations" for "...[1]".
  std::string name = c.field.substr(c.field.find('.') + 1);
  name = name.substr(0, name.find_first_of(".["));
  std::vector<const FieldDescriptor*> others;
  for (const FieldDescriptor* field : DataFields(*resource->GetDescriptor())) {
    // The period order is reported on period_end but involves period_start.
    if (field->name() == name || field->name() == "period_start") continue;
    others.push_back(field);
  }
  FieldViolations violations;
  ValidateFields(c.kind, *resource, others, InfoOf(c.kind).field, &violations);
  EXPECT_THAT(violations.violations(), IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(Rules, BadFieldTest, ::testing::ValuesIn(BadCases()),
                         [](const ::testing::TestParamInfo<BadCase>& info) {
                           return info.param.label;
                         });

// Valid values at the edges of each rule.
struct GoodCase {
  std::string label;
  Kind kind;
  std::function<void(Message*)> edit;
};

std::ostream& operator<<(std::ostream& os, const GoodCase& c) {
  return os << c.label;
}

std::vector<GoodCase> GoodCases() {
  using v1::Action;
  using v1::Activity;
  using v1::Organisation;
  using v1::Plan;
  using v1::ProgressUpdate;
  using v1::Strand;
  const std::string t200(200, 't');
  // 200 code points of two bytes each: 400 bytes.
  const std::string e200 = Repeat("\xC3\xA9", 200);
  // 200 code points of four bytes each.
  const std::string emoji200 = Repeat("\xF0\x9F\x98\x80", 200);
  const std::string x4000(4000, 'x');
  const std::string euro4000 = Repeat("\xE2\x82\xAC", 4000);
  const std::string p64(64, 'p');
  return {
      {"AsIs", Kind::kOrganisation, [](Message*) {}},
      {"AsIs", Kind::kPlan, [](Message*) {}},
      {"AsIs", Kind::kStrand, [](Message*) {}},
      {"AsIs", Kind::kActivity, [](Message*) {}},
      {"AsIs", Kind::kAction, [](Message*) {}},
      {"AsIs", Kind::kProgressUpdate, [](Message*) {}},
      {"DisplayName200", Kind::kOrganisation,
       On<Organisation>([t200](Organisation& m) { m.set_display_name(t200); })},
      {"OrganisationKindUnspecified", Kind::kOrganisation,
       On<Organisation>([](Organisation& m) { m.clear_kind(); })},
      {"PlanTitle200", Kind::kPlan,
       On<Plan>([t200](Plan& m) { m.set_title(t200); })},
      {"PlanTitle200TwoByteCodePoints", Kind::kPlan,
       On<Plan>([e200](Plan& m) { m.set_title(e200); })},
      {"PlanTitle200FourByteCodePoints", Kind::kPlan,
       On<Plan>([emoji200](Plan& m) { m.set_title(emoji200); })},
      {"PlanArea200", Kind::kPlan,
       On<Plan>([e200](Plan& m) { m.set_area(e200); })},
      {"PlanOptionalFieldsEmpty", Kind::kPlan, On<Plan>([](Plan& m) {
         m.clear_area();
         m.clear_level();
         m.clear_parent();
         m.clear_period_start();
         m.clear_period_end();
         m.clear_partner_organisations();
       })},
      {"PlanPeriodOneMonth", Kind::kPlan, On<Plan>([](Plan& m) {
         m.set_period_start("2024-02");
         m.set_period_end("2024-02");
       })},
      {"PlanPeriodAcrossYears", Kind::kPlan, On<Plan>([](Plan& m) {
         m.set_period_start("2024-12");
         m.set_period_end("2025-01");
       })},
      {"PlanPeriodStartOnly", Kind::kPlan,
       On<Plan>([](Plan& m) { m.clear_period_end(); })},
      {"PlanPeriodEndOnly", Kind::kPlan,
       On<Plan>([](Plan& m) { m.clear_period_start(); })},
      {"PlanCounty", Kind::kPlan, On<Plan>([](Plan& m) {
         m.set_level(v1::COUNTY);
         m.clear_parent();
       })},
      {"StrandDescription4000", Kind::kStrand,
       On<Strand>([x4000](Strand& m) { m.set_description(x4000); })},
      {"StrandDescription4000ThreeByteCodePoints", Kind::kStrand,
       On<Strand>([euro4000](Strand& m) { m.set_description(euro4000); })},
      {"StrandPosition64", Kind::kStrand,
       On<Strand>([p64](Strand& m) { m.set_position(p64); })},
      {"StrandPositionPrintableEdges", Kind::kStrand,
       On<Strand>([](Strand& m) { m.set_position("!~AZaz09"); })},
      {"StrandOptionalFieldsEmpty", Kind::kStrand, On<Strand>([](Strand& m) {
         m.clear_description();
         m.clear_position();
       })},
      {"ActivityTitle200", Kind::kActivity,
       On<Activity>([e200](Activity& m) { m.set_title(e200); })},
      {"ActivityLeadOfficer200", Kind::kActivity,
       On<Activity>([t200](Activity& m) { m.set_lead_officer(t200); })},
      {"ActivityAllDutyAreas", Kind::kActivity, On<Activity>([](Activity& m) {
         m.clear_duty_areas();
         for (int area = 1; area <= 6; ++area) {
           m.add_duty_areas(static_cast<v1::DutyArea>(area));
         }
       })},
      {"ActivityOptionalFieldsEmpty", Kind::kActivity,
       On<Activity>([](Activity& m) {
         m.clear_strand();
         m.clear_lead_officer();
         m.clear_lead_organisations();
         m.clear_duty_areas();
         m.clear_position();
       })},
      {"ActivityLongIds", Kind::kActivity, On<Activity>([](Activity& m) {
         m.set_name("plans/" + std::string(63, 'p') + "/activities/a");
         m.set_strand("plans/" + std::string(63, 'p') + "/strands/" +
                      std::string(63, 's'));
         m.set_lead_organisations(0, "organisations/" + std::string(63, 'o'));
       })},
      {"ActionDescription4000", Kind::kAction,
       On<Action>([x4000](Action& m) { m.set_description(x4000); })},
      {"ActionTimescaleText200", Kind::kAction, On<Action>([e200](Action& m) {
         m.mutable_timescale()->set_text(e200);
       })},
      {"ActionTimescaleOneMonth", Kind::kAction, On<Action>([](Action& m) {
         m.mutable_timescale()->set_start("2024-02");
         m.mutable_timescale()->set_end("2024-02");
       })},
      {"ActionTimescaleOngoing", Kind::kAction, On<Action>([](Action& m) {
         m.mutable_timescale()->clear_end();
         m.mutable_timescale()->set_ongoing(true);
       })},
      {"ActionTimescaleEndOnly", Kind::kAction,
       On<Action>([](Action& m) { m.mutable_timescale()->clear_start(); })},
      {"ActionNoTimescale", Kind::kAction,
       On<Action>([](Action& m) { m.clear_timescale(); })},
      {"ActionRagBlue", Kind::kAction,
       On<Action>([](Action& m) { m.set_rag(v1::BLUE); })},
      {"ActionOptionalFieldsEmpty", Kind::kAction, On<Action>([](Action& m) {
         m.clear_timescale();
         m.clear_rag();
         m.clear_owner_organisation();
         m.clear_position();
       })},
      {"ProgressUpdateNote4000", Kind::kProgressUpdate,
       On<ProgressUpdate>(
           [euro4000](ProgressUpdate& m) { m.set_note(euro4000); })},
      {"ProgressUpdateReportTimeEarliest", Kind::kProgressUpdate,
       On<ProgressUpdate>([](ProgressUpdate& m) {
         m.mutable_report_time()->set_seconds(kMinSeconds);
       })},
      {"ProgressUpdateReportTimeLatest", Kind::kProgressUpdate,
       On<ProgressUpdate>([](ProgressUpdate& m) {
         m.mutable_report_time()->set_seconds(kMaxSeconds);
         m.mutable_report_time()->set_nanos(999999999);
       })},
      {"ProgressUpdateOptionalFieldsEmpty", Kind::kProgressUpdate,
       On<ProgressUpdate>([](ProgressUpdate& m) {
         m.clear_report_time();
         m.clear_organisation();
         m.clear_rag();
       })},
  };
}

class GoodFieldTest : public ::testing::TestWithParam<GoodCase> {};

TEST_P(GoodFieldTest, GivesNoViolations) {
  const GoodCase& c = GetParam();
  std::unique_ptr<Message> resource = ValidResource(c.kind);
  c.edit(resource.get());
  EXPECT_THAT(Validate(c.kind, *resource), IsEmpty());
  FieldViolations violations;
  ValidateFields(c.kind, *resource, DataFields(*resource->GetDescriptor()),
                 InfoOf(c.kind).field, &violations);
  EXPECT_TRUE(violations.empty());
  EXPECT_TRUE(violations.ToStatus().ok());
}

INSTANTIATE_TEST_SUITE_P(Rules, GoodFieldTest, ::testing::ValuesIn(GoodCases()),
                         [](const ::testing::TestParamInfo<GoodCase>& info) {
                           return absl::StrCat(
                               info.param.label, "_",
                               InfoOf(info.param.kind).descriptor->name());
                         });

TEST(ValidateFieldsTest, EmptyResourceNeedsOnlyItsRequiredField) {
  const struct {
    Kind kind;
    std::string field;
  } cases[] = {
      {Kind::kOrganisation, "organisation.display_name"},
      {Kind::kPlan, "plan.title"},
      {Kind::kStrand, "strand.title"},
      {Kind::kActivity, "activity.title"},
      {Kind::kAction, "action.description"},
      {Kind::kProgressUpdate, "progress_update.note"},
  };
  for (const auto& c : cases) {
    std::unique_ptr<Message> empty(ValidResource(c.kind)->New());
    const std::vector<FieldViolation> violations = Validate(c.kind, *empty);
    EXPECT_THAT(violations,
                ElementsAre(AllOf(ViolationOf(c.field),
                                  Field(&FieldViolation::description,
                                        HasSubstr("required")))))
        << c.field;
  }
}

TEST(ValidateFieldsTest, SeveralBadFieldsGiveOneViolationEach) {
  v1::Activity activity = ValidActivity();
  activity.clear_title();
  activity.set_strand("plans/q/strands/s");
  activity.set_lead_organisations(0, "police");
  activity.add_lead_organisations("organisations/council");  // a duplicate
  activity.set_position("a b");

  FieldViolations violations;
  ValidateFields(Kind::kActivity, activity,
                 DataFields(*v1::Activity::descriptor()), "activity",
                 &violations);
  EXPECT_THAT(violations.violations(),
              UnorderedElementsAre(
                  ViolationOf("activity.strand"), ViolationOf("activity.title"),
                  ViolationOf("activity.lead_organisations[0]"),
                  ViolationOf("activity.lead_organisations[2]"),
                  ViolationOf("activity.position")));

  const absl::Status status = violations.ToStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  for (const char* field :
       {"activity.strand", "activity.title", "activity.lead_organisations[0]",
        "activity.lead_organisations[2]", "activity.position"}) {
    EXPECT_THAT(status.message(), HasSubstr(field));
  }
  const std::vector<FieldViolation> carried = FieldViolationsOf(status);
  ASSERT_THAT(carried, SizeIs(violations.violations().size()));
  for (size_t i = 0; i < carried.size(); ++i) {
    EXPECT_EQ(carried[i].field, violations.violations()[i].field);
    EXPECT_EQ(carried[i].description, violations.violations()[i].description);
  }
}

TEST(ValidateFieldsTest, SeveralBadActionFieldsIncludingTimescaleParts) {
  v1::Action action = ValidAction();
  action.clear_description();
  action.mutable_timescale()->set_start("2024-13");
  action.mutable_timescale()->set_end("24-02");
  action.set_rag(static_cast<v1::Rag>(99));
  action.set_position(std::string(65, 'a'));

  FieldViolations violations;
  ValidateFields(Kind::kAction, action, DataFields(*v1::Action::descriptor()),
                 "action", &violations);
  EXPECT_THAT(violations.violations(),
              UnorderedElementsAre(ViolationOf("action.description"),
                                   ViolationOf("action.timescale.start"),
                                   ViolationOf("action.timescale.end"),
                                   ViolationOf("action.rag"),
                                   ViolationOf("action.position")));
  const absl::Status status = violations.ToStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldViolationsOf(status), SizeIs(5));
}

TEST(ValidateFieldsTest, AddsToExistingViolations) {
  FieldViolations violations;
  violations.Add("action_id", "is not a valid id");
  v1::Action action = ValidAction();
  action.clear_description();
  ValidateFields(Kind::kAction, action, DataFields(*v1::Action::descriptor()),
                 "action", &violations);
  EXPECT_THAT(
      violations.violations(),
      ElementsAre(ViolationOf("action_id"), ViolationOf("action.description")));
}

TEST(ValidateFieldsTest, OnlyTheGivenFieldsAreChecked) {
  v1::Activity activity = ValidActivity();
  activity.clear_title();
  activity.set_position("a b");
  FieldViolations violations;
  ValidateFields(Kind::kActivity, activity,
                 FieldsNamed(*v1::Activity::descriptor(), {"position"}),
                 "activity", &violations);
  EXPECT_THAT(violations.violations(),
              ElementsAre(ViolationOf("activity.position")));

  FieldViolations none;
  ValidateFields(Kind::kActivity, activity, {}, "activity", &none);
  EXPECT_TRUE(none.empty());
}

TEST(ValidateFieldsTest, MessagesSayWhatIsWrong) {
  v1::Action action = ValidAction();
  action.set_rag(static_cast<v1::Rag>(99));
  action.mutable_timescale()->set_start("2024/02");
  std::vector<FieldViolation> violations = Validate(Kind::kAction, action);
  ASSERT_THAT(violations, SizeIs(2));
  for (const FieldViolation& v : violations) {
    if (v.field == "action.rag") {
      EXPECT_THAT(v.description, HasSubstr("99"));
    } else {
      EXPECT_EQ(v.field, "action.timescale.start");
      EXPECT_THAT(v.description, HasSubstr("2024/02"));
    }
  }

  v1::Activity activity = ValidActivity();
  activity.set_strand("plans/q/strands/s");
  violations = Validate(Kind::kActivity, activity);
  ASSERT_THAT(violations, ElementsAre(ViolationOf("activity.strand")));
  EXPECT_THAT(violations[0].description, HasSubstr("plans/q/strands/s"));
  EXPECT_THAT(violations[0].description, HasSubstr("plans/p"));

  v1::Plan plan = ValidPlan();
  plan.set_title(std::string(201, 't'));
  violations = Validate(Kind::kPlan, plan);
  ASSERT_THAT(violations, ElementsAre(ViolationOf("plan.title")));
  EXPECT_THAT(violations[0].description, HasSubstr("201"));
  EXPECT_THAT(violations[0].description, HasSubstr("200"));
}

TEST(ValidateFieldsTest, PeriodOrderIsCheckedOnce) {
  v1::Plan plan = ValidPlan();
  plan.set_period_start("2026-01");
  plan.set_period_end("2025-12");
  EXPECT_THAT(Validate(Kind::kPlan, plan),
              ElementsAre(ViolationOf("plan.period_end")));
}

TEST(ValidateFieldsTest, PeriodOrderIsCheckedWhenOnlyPeriodEndIsGiven) {
  v1::Plan plan = ValidPlan();
  plan.set_period_start("2026-01");
  plan.set_period_end("2025-12");
  FieldViolations violations;
  ValidateFields(Kind::kPlan, plan,
                 FieldsNamed(*v1::Plan::descriptor(), {"period_end"}), "plan",
                 &violations);
  EXPECT_THAT(violations.violations(),
              ElementsAre(ViolationOf("plan.period_end")));
}

// The order rule involves period_start as much as period_end: an update whose
// field mask is just "period_start" must not be able to move the start past
// the stored end.
TEST(ValidateFieldsTest, PeriodOrderIsCheckedWhenOnlyPeriodStartIsGiven) {
  v1::Plan plan = ValidPlan();
  plan.set_period_start("2026-01");
  plan.set_period_end("2025-12");
  FieldViolations violations;
  ValidateFields(Kind::kPlan, plan,
                 FieldsNamed(*v1::Plan::descriptor(), {"period_start"}), "plan",
                 &violations);
  ASSERT_THAT(violations.violations(), SizeIs(1));
  EXPECT_THAT(violations.violations()[0].field,
              ::testing::AnyOf("plan.period_start", "plan.period_end"));
}

TEST(ValidateFieldsTest, PeriodOrderIsNotCheckedAgainstAnInvalidMonth) {
  v1::Plan plan = ValidPlan();
  plan.set_period_start("2026-13");
  plan.set_period_end("2025-12");
  EXPECT_THAT(Validate(Kind::kPlan, plan),
              ElementsAre(ViolationOf("plan.period_start")));
}

TEST(ValidateFieldsTest, TimescaleOrderIsNotCheckedAgainstAnInvalidMonth) {
  v1::Action action = ValidAction();
  action.mutable_timescale()->set_start("2026-13");
  action.mutable_timescale()->set_end("2025-12");
  EXPECT_THAT(Validate(Kind::kAction, action),
              ElementsAre(ViolationOf("action.timescale.start")));
}

TEST(DropRepeatsFromSetsTest, KeepsTheFirstOfEachValueInOrder) {
  v1::Activity activity = ValidActivity();
  activity.clear_lead_organisations();
  for (const char* org :
       {"organisations/b", "organisations/a", "organisations/b",
        "organisations/c", "organisations/a"}) {
    activity.add_lead_organisations(org);
  }
  activity.clear_duty_areas();
  for (int i = 0; i < 100000; ++i) {
    activity.add_duty_areas(i % 2 == 0 ? v1::RISK : v1::PARTNERSHIP);
  }
  const std::string title = activity.title();
  EXPECT_EQ(
      DropRepeatsFromSets(DataFields(*v1::Activity::descriptor()), &activity),
      2u + 99998u);
  EXPECT_THAT(
      activity.lead_organisations(),
      ElementsAre("organisations/b", "organisations/a", "organisations/c"));
  EXPECT_THAT(activity.duty_areas(), ElementsAre(v1::RISK, v1::PARTNERSHIP));
  EXPECT_EQ(activity.title(), title);
  EXPECT_THAT(Validate(Kind::kActivity, activity), IsEmpty());
  // Only the fields it is given.
  activity.add_duty_areas(v1::RISK);
  EXPECT_EQ(DropRepeatsFromSets({}, &activity), 0u);
  EXPECT_EQ(activity.duty_areas_size(), 3);
}

TEST(ValidateFieldsTest, DuplicateIsReportedOnEveryRepeat) {
  v1::Activity activity = ValidActivity();
  activity.clear_lead_organisations();
  for (int i = 0; i < 3; ++i) {
    activity.add_lead_organisations("organisations/police");
  }
  EXPECT_THAT(Validate(Kind::kActivity, activity),
              ElementsAre(ViolationOf("activity.lead_organisations[1]"),
                          ViolationOf("activity.lead_organisations[2]")));
}

// A set far over its bound is one violation, not one per element (a 2 MB
// request of a million duplicates once made a million).
TEST(ValidateFieldsTest, ASetOverItsBoundIsOneViolation) {
  v1::Activity activity = ValidActivity();
  activity.clear_duty_areas();
  for (int i = 0; i < 100000; ++i) activity.add_duty_areas(v1::RISK);
  EXPECT_THAT(Validate(Kind::kActivity, activity),
              ElementsAre(ViolationOf("activity.duty_areas")));
  activity = ValidActivity();
  activity.clear_lead_organisations();
  for (size_t i = 0; i <= kMaxLeadOrganisations; ++i) {
    activity.add_lead_organisations(absl::StrCat("organisations/o", i));
  }
  EXPECT_THAT(Validate(Kind::kActivity, activity),
              ElementsAre(ViolationOf("activity.lead_organisations")));
  activity.mutable_lead_organisations()->RemoveLast();
  EXPECT_THAT(Validate(Kind::kActivity, activity), IsEmpty());
}

TEST(ValidateFieldsTest, StrandOfTheSamePlanIsAccepted) {
  v1::Activity activity = ValidActivity();
  activity.set_name("plans/q/activities/a");
  activity.set_strand("plans/q/strands/s");
  EXPECT_THAT(Validate(Kind::kActivity, activity), IsEmpty());
  // A plan whose id starts with the other's is still another plan.
  activity.set_strand("plans/qq/strands/s");
  EXPECT_THAT(Validate(Kind::kActivity, activity),
              ElementsAre(ViolationOf("activity.strand")));
}

TEST(ReferencesOfTest, ActivityReferencesWithFieldPaths) {
  const v1::Activity activity = ValidActivity();
  const std::vector<Reference> refs =
      ReferencesOf(Kind::kActivity, activity,
                   DataFields(*v1::Activity::descriptor()), "activity");
  EXPECT_THAT(
      refs,
      ElementsAre(
          AllOf(Field(&Reference::field, "activity.strand"),
                Field(&Reference::name, "plans/p/strands/s"),
                Field(&Reference::kind, Kind::kStrand)),
          AllOf(Field(&Reference::field, "activity.lead_organisations[0]"),
                Field(&Reference::name, "organisations/police"),
                Field(&Reference::kind, Kind::kOrganisation)),
          AllOf(Field(&Reference::field, "activity.lead_organisations[1]"),
                Field(&Reference::name, "organisations/council"),
                Field(&Reference::kind, Kind::kOrganisation))));
}

TEST(ReferencesOfTest, PlanReferences) {
  const v1::Plan plan = ValidPlan();
  const std::vector<Reference> refs = ReferencesOf(
      Kind::kPlan, plan, DataFields(*v1::Plan::descriptor()), "request.plan");
  EXPECT_THAT(
      refs,
      ElementsAre(
          AllOf(Field(&Reference::field, "request.plan.parent"),
                Field(&Reference::name, "plans/staffordshire"),
                Field(&Reference::kind, Kind::kPlan)),
          AllOf(
              Field(&Reference::field, "request.plan.partner_organisations[0]"),
              Field(&Reference::name, "organisations/staffordshire-police"),
              Field(&Reference::kind, Kind::kOrganisation)),
          AllOf(
              Field(&Reference::field, "request.plan.partner_organisations[1]"),
              Field(&Reference::name, "organisations/south-staffs-council"),
              Field(&Reference::kind, Kind::kOrganisation))));
}

TEST(ReferencesOfTest, ActionAndProgressUpdateReferences) {
  EXPECT_THAT(
      ReferencesOf(Kind::kAction, ValidAction(),
                   DataFields(*v1::Action::descriptor()), "action"),
      ElementsAre(AllOf(Field(&Reference::field, "action.owner_organisation"),
                        Field(&Reference::name, "organisations/police"),
                        Field(&Reference::kind, Kind::kOrganisation))));
  EXPECT_THAT(ReferencesOf(Kind::kProgressUpdate, ValidProgressUpdate(),
                           DataFields(*v1::ProgressUpdate::descriptor()),
                           "progress_update"),
              ElementsAre(AllOf(
                  Field(&Reference::field, "progress_update.organisation"),
                  Field(&Reference::name, "organisations/police"),
                  Field(&Reference::kind, Kind::kOrganisation))));
}

TEST(ReferencesOfTest, KindsWithoutReferencesHaveNone) {
  EXPECT_THAT(
      ReferencesOf(Kind::kOrganisation, ValidOrganisation(),
                   DataFields(*v1::Organisation::descriptor()), "organisation"),
      IsEmpty());
  EXPECT_THAT(ReferencesOf(Kind::kStrand, ValidStrand(),
                           DataFields(*v1::Strand::descriptor()), "strand"),
              IsEmpty());
}

TEST(ReferencesOfTest, SkipsEmptyAndMalformedValues) {
  v1::Activity activity = ValidActivity();
  activity.clear_strand();
  activity.set_lead_organisations(0, "police");
  activity.add_lead_organisations("plans/p");
  activity.add_lead_organisations("");
  EXPECT_THAT(ReferencesOf(Kind::kActivity, activity,
                           DataFields(*v1::Activity::descriptor()), "activity"),
              ElementsAre(AllOf(
                  Field(&Reference::field, "activity.lead_organisations[1]"),
                  Field(&Reference::name, "organisations/council"))));

  v1::Action action = ValidAction();
  action.clear_owner_organisation();
  EXPECT_THAT(ReferencesOf(Kind::kAction, action,
                           DataFields(*v1::Action::descriptor()), "action"),
              IsEmpty());
}

TEST(ReferencesOfTest, OnlyTheGivenFields) {
  const v1::Activity activity = ValidActivity();
  EXPECT_THAT(ReferencesOf(
                  Kind::kActivity, activity,
                  FieldsNamed(*v1::Activity::descriptor(), {"strand", "title"}),
                  "activity"),
              ElementsAre(Field(&Reference::field, "activity.strand")));
}

TEST(CheckTextTest, AcceptsValidText) {
  EXPECT_EQ(CheckText("", 10), "");
  EXPECT_EQ(CheckText("plain ASCII, with \t tab and\nnewline \x7F", 100), "");
  EXPECT_EQ(CheckText("abc", 3), "");
}

TEST(CheckTextTest, CountsCodePointsNotBytes) {
  EXPECT_EQ(CheckText(Repeat("\xC3\xA9", 200), 200), "");
  EXPECT_EQ(CheckText(Repeat("\xE2\x82\xAC", 200), 200), "");
  EXPECT_EQ(CheckText(Repeat("\xF0\x9F\x98\x80", 200), 200), "");
  EXPECT_EQ(CheckText(std::string(200, 'a'), kMaxTitleLength), "");
  EXPECT_EQ(CheckText(std::string(4000, 'a'), kMaxTextLength), "");
  EXPECT_THAT(CheckText(std::string(201, 'a'), kMaxTitleLength),
              HasSubstr("201"));
  EXPECT_THAT(CheckText(Repeat("\xC3\xA9", 201), 200), HasSubstr("201"));
  EXPECT_THAT(CheckText(Repeat("\xF0\x9F\x98\x80", 201), 200),
              HasSubstr("201"));
  EXPECT_THAT(CheckText(std::string(4001, 'a'), kMaxTextLength),
              HasSubstr("4001"));
  EXPECT_NE(CheckText("abcd", 3), "");
}

TEST(CheckTextTest, AcceptsEveryEncodingLengthAtItsEdges) {
  for (const char* text : {
           "\x01",              // U+0001
           "\x7F",              // U+007F
           "\xC2\x80",          // U+0080, smallest two-byte
           "\xDF\xBF",          // U+07FF
           "\xE0\xA0\x80",      // U+0800, smallest three-byte
           "\xED\x9F\xBF",      // U+D7FF, below the surrogates
           "\xEE\x80\x80",      // U+E000, above the surrogates
           "\xEF\xBF\xBF",      // U+FFFF
           "\xF0\x90\x80\x80",  // U+10000, smallest four-byte
           "\xF4\x8F\xBF\xBF",  // U+10FFFF, the largest code point
       }) {
    EXPECT_EQ(CheckText(text, 1), "") << testing::PrintToString(text);
  }
}

TEST(CheckTextTest, RefusesInvalidUtf8) {
  for (const char* text : {
           "\x80",                      // lone continuation byte
           "a\x80z",                    // lone continuation byte inside text
           "\xBF",                      // lone continuation byte
           "\xC3",                      // truncated two-byte sequence
           "caf\xC3",                   // truncated at the end
           "\xE2\x82",                  // truncated three-byte sequence
           "\xF0\x9F\x98",              // truncated four-byte sequence
           "\xC3\x28",                  // bad continuation byte
           "\xE2\x28\xA1",              // bad continuation byte
           "\xF0\x9F\x28\x80",          // bad continuation byte
           "\xC0\xAF",                  // overlong '/'
           "\xC0\x80",                  // overlong NUL
           "\xC1\xBF",                  // overlong U+007F
           "\xE0\x80\xAF",              // overlong three-byte
           "\xE0\x9F\xBF",              // overlong U+07FF
           "\xF0\x80\x80\xAF",          // overlong four-byte
           "\xF0\x8F\xBF\xBF",          // overlong U+FFFF
           "\xED\xA0\x80",              // surrogate U+D800
           "\xED\xBF\xBF",              // surrogate U+DFFF
           "\xED\xA0\xBD\xED\xB8\x80",  // CESU-8 surrogate pair
           "\xF4\x90\x80\x80",          // U+110000
           "\xF7\xBF\xBF\xBF",          // U+1FFFFF
           "\xF8\x88\x80\x80\x80",      // five-byte form
           "\xFC\x84\x80\x80\x80\x80",  // six-byte form
           "\xFE",                      // never valid
           "\xFF",                      // never valid
       }) {
    EXPECT_THAT(CheckText(text, 100), HasSubstr("UTF-8"))
        << testing::PrintToString(text);
  }
}

TEST(CheckTextTest, RefusesNul) {
  EXPECT_THAT(CheckText(std::string(1, '\0'), 10), HasSubstr("NUL"));
  EXPECT_THAT(CheckText(std::string("a\0b", 3), 10), HasSubstr("NUL"));
  EXPECT_THAT(CheckText(std::string("ab\0", 3), 10), HasSubstr("NUL"));
}

TEST(IsValidMonthTest, AcceptsYearDashMonth) {
  for (const char* month :
       {"2024-02", "2024-01", "2024-12", "0001-01", "9999-12", "2023-10"}) {
    EXPECT_TRUE(IsValidMonth(month)) << month;
  }
}

TEST(IsValidMonthTest, RefusesOthers) {
  for (const char* month :
       {"",         "2024-13", "2024-00",  "2024-99",  "24-02",
        "2024-2",   "2024/02", "2024_02",  "202402",   "2024-02-01",
        "2024-1a",  "abcd-02", " 2024-02", "2024-02 ", "2024 -02",
        "-2024-02", "+024-02", "2024--2",  "February", "2024-0\xC2\xB2"}) {
    EXPECT_FALSE(IsValidMonth(month)) << month;
  }
}

}  // namespace
}  // namespace plan
