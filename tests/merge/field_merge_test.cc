#include "libplan/merge/field_merge.h"

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/timestamp.pb.h"
#include "gtest/gtest.h"
#include "libplan/model/fields.h"
#include "prevent/plan/v1/resources.pb.h"

namespace plan {
namespace {

namespace v1 = ::prevent::plan::v1;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using Outcome = FieldMerge::Outcome;

template <typename M>
const FieldDescriptor& Field(const std::string& name) {
  const FieldDescriptor* field = M::descriptor()->FindFieldByName(name);
  if (field == nullptr) std::abort();
  return *field;
}

template <typename M>
std::string Bytes(const M& message, const std::string& field) {
  return FieldValueBytes(message, Field<M>(field));
}

std::string Rag(v1::Rag rag) {
  v1::Action action;
  action.set_rag(rag);
  return Bytes(action, "rag");
}

std::string Timescale(const std::string& text, const std::string& end) {
  v1::Action action;
  action.mutable_timescale()->set_text(text);
  action.mutable_timescale()->set_end(end);
  return Bytes(action, "timescale");
}

// The value bytes of the string `field` of M set to `text`.
template <typename M>
std::string Text(const std::string& field, const std::string& text) {
  M message;
  message.GetReflection()->SetString(&message, &Field<M>(field), text);
  return Bytes(message, field);
}

std::string Description(const std::string& text) {
  return Text<v1::Action>("description", text);
}
std::string StrandDescription(const std::string& text) {
  return Text<v1::Strand>("description", text);
}
std::string StrandTitle(const std::string& text) {
  return Text<v1::Strand>("title", text);
}
std::string Note(const std::string& text) {
  return Text<v1::ProgressUpdate>("note", text);
}

// The value bytes of the set `field` of M holding `organisations/{id}` for
// each of `ids`, in order.
template <typename M>
std::string Organisations(const std::string& field,
                          const std::vector<std::string>& ids) {
  M message;
  for (const std::string& id : ids) {
    message.GetReflection()->AddString(&message, &Field<M>(field),
                                       absl::StrCat("organisations/", id));
  }
  return Bytes(message, field);
}

std::string Leads(const std::vector<std::string>& ids) {
  return Organisations<v1::Activity>("lead_organisations", ids);
}
std::string Partners(const std::vector<std::string>& ids) {
  return Organisations<v1::Plan>("partner_organisations", ids);
}

std::string DutyAreas(const std::vector<v1::DutyArea>& areas) {
  v1::Activity activity;
  for (v1::DutyArea area : areas) activity.add_duty_areas(area);
  return Bytes(activity, "duty_areas");
}

struct FieldCase {
  std::string behaviour;
  const Descriptor* type;
  const FieldDescriptor* field;
  CurrentField current;
  IncomingField incoming;
  Outcome outcome;
  std::string value;
  bool incoming_won = false;
};

// The service's field: written by change `sequence` at `hlc` by `replica`.
CurrentField Current(std::string value, uint64_t sequence, uint64_t hlc = 100,
                     std::string replica = "agent-a") {
  return {std::move(value), sequence, hlc, std::move(replica)};
}

// A pushed change from `base` (seen at `base_sequence`) to `value`.
IncomingField Incoming(std::string value, std::string base,
                       uint64_t base_sequence, uint64_t hlc = 200,
                       std::string replica = "agent-b") {
  return {std::move(value), std::move(base), base_sequence, hlc,
          std::move(replica)};
}

template <typename M>
FieldCase Case(std::string behaviour, const std::string& field,
               CurrentField current, IncomingField incoming, Outcome outcome,
               std::string value, bool incoming_won = false) {
  return {std::move(behaviour), M::descriptor(),     &Field<M>(field),
          std::move(current),   std::move(incoming), outcome,
          std::move(value),     incoming_won};
}

std::vector<FieldCase> FieldCases() {
  using v1::Action;
  using v1::Activity;
  using v1::Plan;
  using v1::ProgressUpdate;
  using v1::Strand;
  return {
      // (a) Unchanged on the service since the base.
      Case<Action>("FastForwardWhenUnchangedSinceTheBase", "rag",
                   Current(Rag(v1::RED), 5),
                   Incoming(Rag(v1::GREEN), Rag(v1::RED), 5),
                   Outcome::kFastForward, Rag(v1::GREEN)),
      Case<Action>("FastForwardOfAFieldNeverWritten", "rag", Current("", 0),
                   Incoming(Rag(v1::AMBER), "", 0), Outcome::kFastForward,
                   Rag(v1::AMBER)),
      Case<Action>("FastForwardIgnoresAnOlderClock", "rag",
                   Current(Rag(v1::RED), 5, /*hlc=*/900),
                   Incoming(Rag(v1::GREEN), Rag(v1::RED), 5, /*hlc=*/1),
                   Outcome::kFastForward, Rag(v1::GREEN)),
      Case<Action>("FastForwardToTheDefaultValue", "rag",
                   Current(Rag(v1::RED), 5), Incoming("", Rag(v1::RED), 5),
                   Outcome::kFastForward, ""),
      Case<Activity>("FastForwardOfASetReplacesIt", "lead_organisations",
                     Current(Leads({"a"}), 3),
                     Incoming(Leads({"b"}), Leads({"a"}), 3),
                     Outcome::kFastForward, Leads({"b"})),
      // (b) Both sides hold the same value.
      Case<Action>("IdenticalWhenBothSetTheSameValue", "rag",
                   Current(Rag(v1::GREEN), 7),
                   Incoming(Rag(v1::GREEN), Rag(v1::RED), 5),
                   Outcome::kIdentical, Rag(v1::GREEN)),
      Case<Action>("IdenticalTextEditsAreIdentical", "description",
                   Current(Description("Deliver Prevent training"), 7),
                   Incoming(Description("Deliver Prevent training"),
                            Description("Deliver WRAP training"), 5),
                   Outcome::kIdentical,
                   Description("Deliver Prevent training")),
      // (c) The current value is the editor's own earlier edit.
      Case<Action>("OwnEarlierEditIsAFastForward", "rag",
                   Current(Rag(v1::RED), 9, /*hlc=*/900, "agent-b"),
                   Incoming(Rag(v1::GREEN), Rag(v1::RED), 5, /*hlc=*/1000),
                   Outcome::kFastForward, Rag(v1::GREEN)),
      // The editor's own earlier edit, into which the service merged
      // another's: the later edit is merged with it, not put over it (an
      // editor who edits a text twice offline never sees the other's words
      // in between).
      Case<Action>("OwnEarlierEditMergedWithAnothersIsMergedAgain",
                   "description",
                   Current(Description("Deliver WRAP training to all staff"), 9,
                           /*hlc=*/900, "agent-b"),
                   Incoming(Description("Deliver WRAP training to staff now"),
                            Description("Deliver WRAP training to staff"), 5,
                            /*hlc=*/1000),
                   Outcome::kMerged,
                   Description("Deliver WRAP training to all staff now")),
      Case<Activity>("OwnEarlierSetEditMergedWithAnothersIsMergedAgain",
                     "lead_organisations",
                     Current(Leads({"a", "c", "d"}), 9, /*hlc=*/900, "agent-b"),
                     Incoming(Leads({"a"}), Leads({"a", "c"}), 5,
                              /*hlc=*/1000),
                     Outcome::kMerged, Leads({"a", "d"})),
      // Changed by others since, even back to what the editor saw, is still
      // concurrent: versions decide, not values.
      Case<Action>("ChangedBackByOthersIsStillAConflict", "rag",
                   Current(Rag(v1::RED), 9, /*hlc=*/900),
                   Incoming(Rag(v1::GREEN), Rag(v1::RED), 5, /*hlc=*/1),
                   Outcome::kConflict, Rag(v1::RED)),
      // (c') The change leaves this field as the editor saw it.
      Case<Action>("UneditedFieldKeepsTheConcurrentEdit", "rag",
                   Current(Rag(v1::AMBER), 9, /*hlc=*/100),
                   Incoming(Rag(v1::RED), Rag(v1::RED), 5, /*hlc=*/900),
                   Outcome::kIdentical, Rag(v1::AMBER)),
      // (d) Sets merge, never conflict.
      Case<Activity>("SetAddAddKeepsBoth", "lead_organisations",
                     Current(Leads({"a", "c"}), 9),
                     Incoming(Leads({"a", "b"}), Leads({"a"}), 5),
                     Outcome::kMerged, Leads({"a", "c", "b"})),
      Case<Activity>("SetAddRemoveKeepsTheAddAndTheRemove",
                     "lead_organisations", Current(Leads({"a", "b", "c"}), 9),
                     Incoming(Leads({"b"}), Leads({"a", "b"}), 5),
                     Outcome::kMerged, Leads({"b", "c"})),
      Case<Plan>("SetRemoveRemoveRemovesBoth", "partner_organisations",
                 Current(Partners({"a", "c"}), 9),
                 Incoming(Partners({"b", "c"}), Partners({"a", "b", "c"}), 5),
                 Outcome::kMerged, Partners({"c"})),
      Case<Plan>("SetRemovingEveryElementGivesTheDefault",
                 "partner_organisations", Current(Partners({"a"}), 9),
                 Incoming(Partners({}), Partners({"a", "b"}), 5),
                 Outcome::kMerged, ""),
      Case<Activity>("SetConcurrentAddOfTheSameElementIsIdentical",
                     "lead_organisations", Current(Leads({"a", "b", "c"}), 9),
                     Incoming(Leads({"a", "b"}), Leads({"a"}), 5),
                     Outcome::kIdentical, Leads({"a", "b", "c"})),
      Case<Activity>("SetConcurrentAddOfTheSameElementInAnotherOrder",
                     "lead_organisations", Current(Leads({"a", "b"}), 9),
                     Incoming(Leads({"b", "a"}), Leads({}), 0),
                     Outcome::kIdentical, Leads({"a", "b"})),
      Case<Activity>("EnumSetAddAddKeepsBoth", "duty_areas",
                     Current(DutyAreas({v1::RISK, v1::REFERRAL}), 9),
                     Incoming(DutyAreas({v1::RISK, v1::PARTNERSHIP}),
                              DutyAreas({v1::RISK}), 5),
                     Outcome::kMerged,
                     DutyAreas({v1::RISK, v1::REFERRAL, v1::PARTNERSHIP})),
      Case<Activity>("SetValuesThatDoNotParseConflict", "lead_organisations",
                     Current("\xff\xff", 9, /*hlc=*/100),
                     Incoming(Leads({"b"}), Leads({"a"}), 5, /*hlc=*/200),
                     Outcome::kConflict, Leads({"b"}), true),
      // (e) Text merges by words.
      Case<Action>(
          "TextEditsOfDifferentWordsMerge", "description",
          Current(Description("Deliver WRAP training to all staff"), 9),
          Incoming(Description("Deliver Prevent training to staff"),
                   Description("Deliver WRAP training to staff"), 5),
          Outcome::kMerged,
          Description("Deliver Prevent training to all staff")),
      Case<Strand>(
          "StrandDescriptionMerges", "description",
          Current(StrandDescription("Challenge the extremist ideology of "
                                    "terrorism"),
                  9),
          Incoming(StrandDescription("Challenge the ideology of all terrorism"),
                   StrandDescription("Challenge the ideology of terrorism"), 5),
          Outcome::kMerged,
          StrandDescription("Challenge the extremist ideology of all "
                            "terrorism")),
      Case<ProgressUpdate>(
          "NoteMerges", "note",
          Current(Note("Training delivered to 40 staff. Next: schools."), 9),
          Incoming(Note("Training delivered to 30 staff. Next: colleges."),
                   Note("Training delivered to 30 staff. Next: schools."), 5),
          Outcome::kMerged,
          Note("Training delivered to 40 staff. Next: colleges.")),
      Case<Action>("TextMergeEqualToCurrentIsIdentical", "description",
                   Current(Description("a B c D"), 9),
                   Incoming(Description("a B c"), Description("a b c"), 5),
                   Outcome::kIdentical, Description("a B c D")),
      Case<Action>("OverlappingTextEditsConflict", "description",
                   Current(Description("Status is amber"), 9, /*hlc=*/300),
                   Incoming(Description("Status is green"),
                            Description("Status is red"), 5, /*hlc=*/200),
                   Outcome::kConflict, Description("Status is amber"), false),
      // (f) Other concurrent changes conflict; the later HLC wins for now.
      Case<Action>("ConflictIncomingWinsWithTheLaterHlc", "rag",
                   Current(Rag(v1::AMBER), 9, /*hlc=*/100),
                   Incoming(Rag(v1::GREEN), Rag(v1::RED), 5, /*hlc=*/200),
                   Outcome::kConflict, Rag(v1::GREEN), true),
      Case<Action>("ConflictCurrentWinsWithTheLaterHlc", "rag",
                   Current(Rag(v1::AMBER), 9, /*hlc=*/300),
                   Incoming(Rag(v1::GREEN), Rag(v1::RED), 5, /*hlc=*/200),
                   Outcome::kConflict, Rag(v1::AMBER), false),
      Case<Action>("ConflictHlcTieGoesToTheGreaterIncomingReplicaId", "rag",
                   Current(Rag(v1::AMBER), 9, 200, "agent-a"),
                   Incoming(Rag(v1::GREEN), Rag(v1::RED), 5, 200, "agent-b"),
                   Outcome::kConflict, Rag(v1::GREEN), true),
      Case<Action>("ConflictHlcTieGoesToTheGreaterCurrentReplicaId", "rag",
                   Current(Rag(v1::AMBER), 9, 200, "agent-z"),
                   Incoming(Rag(v1::GREEN), Rag(v1::RED), 5, 200, "agent-b"),
                   Outcome::kConflict, Rag(v1::AMBER), false),
      Case<Action>("ConflictWhenIncomingClearsAConcurrentlyEditedField", "rag",
                   Current(Rag(v1::AMBER), 9, /*hlc=*/100),
                   Incoming("", Rag(v1::RED), 5, /*hlc=*/200),
                   Outcome::kConflict, "", true),
      Case<Action>("ConflictOnAMessageField", "timescale",
                   Current(Timescale("By March 2025", "2025-03"), 9, 100),
                   Incoming(Timescale("By June 2025", "2025-06"),
                            Timescale("By 2025", "2025-12"), 5, 200),
                   Outcome::kConflict, Timescale("By June 2025", "2025-06"),
                   true),
      Case<Strand>("ScalarTextIsNotMergedByWords", "title",
                   Current(StrandTitle("Ideology strand (revised)"), 9, 100),
                   Incoming(StrandTitle("The Ideology strand"),
                            StrandTitle("Ideology strand"), 5, 200),
                   Outcome::kConflict, StrandTitle("The Ideology strand"),
                   true),
      Case<Action>("FieldSeenAtZeroButWrittenSinceConflicts", "rag",
                   Current(Rag(v1::AMBER), 4, 100),
                   Incoming(Rag(v1::GREEN), "", 0, 200), Outcome::kConflict,
                   Rag(v1::GREEN), true),
  };
}

class MergeFieldTest : public ::testing::TestWithParam<FieldCase> {};

TEST_P(MergeFieldTest, MergesAsSpecified) {
  const FieldCase& c = GetParam();
  const FieldMerge merge = MergeField(*c.type, *c.field, c.current, c.incoming);
  EXPECT_EQ(merge.outcome, c.outcome);
  EXPECT_EQ(merge.value, c.value);
  EXPECT_EQ(merge.incoming_won, c.incoming_won);
}

INSTANTIATE_TEST_SUITE_P(Cases, MergeFieldTest,
                         ::testing::ValuesIn(FieldCases()),
                         [](const ::testing::TestParamInfo<FieldCase>& info) {
                           return info.param.behaviour;
                         });

struct KindCase {
  std::string behaviour;
  const FieldDescriptor* field;
  FieldKind kind;
};

std::vector<KindCase> KindCases() {
  using v1::Action;
  using v1::Activity;
  using v1::Plan;
  using v1::ProgressUpdate;
  using v1::Strand;
  return {
      {"ActionDescriptionIsText", &Field<Action>("description"),
       FieldKind::kText},
      {"StrandDescriptionIsText", &Field<Strand>("description"),
       FieldKind::kText},
      {"ProgressUpdateNoteIsText", &Field<ProgressUpdate>("note"),
       FieldKind::kText},
      {"LeadOrganisationsAreASet", &Field<Activity>("lead_organisations"),
       FieldKind::kSet},
      {"DutyAreasAreASet", &Field<Activity>("duty_areas"), FieldKind::kSet},
      {"PartnerOrganisationsAreASet", &Field<Plan>("partner_organisations"),
       FieldKind::kSet},
      {"RagIsScalar", &Field<Action>("rag"), FieldKind::kScalar},
      {"TimescaleIsScalar", &Field<Action>("timescale"), FieldKind::kScalar},
      {"PositionIsScalar", &Field<Action>("position"), FieldKind::kScalar},
      {"StrandTitleIsScalar", &Field<Strand>("title"), FieldKind::kScalar},
      {"LeadOfficerIsScalar", &Field<Activity>("lead_officer"),
       FieldKind::kScalar},
      {"OrganisationDisplayNameIsScalar",
       &Field<v1::Organisation>("display_name"), FieldKind::kScalar},
  };
}

class KindOfFieldTest : public ::testing::TestWithParam<KindCase> {};

TEST_P(KindOfFieldTest, ClassifiesTheField) {
  EXPECT_EQ(KindOfField(*GetParam().field), GetParam().kind);
}

INSTANTIATE_TEST_SUITE_P(Cases, KindOfFieldTest,
                         ::testing::ValuesIn(KindCases()),
                         [](const ::testing::TestParamInfo<KindCase>& info) {
                           return info.param.behaviour;
                         });

// Every replica must pick the same provisional winner whichever candidate it
// holds as current: swapping the sides swaps incoming_won, never the value.
TEST(MergeFieldSymmetryTest, SwappingSidesKeepsTheWinner) {
  uint64_t seed = std::random_device()();
  if (const char* fixed = std::getenv("FIELD_MERGE_TEST_SEED")) {
    ASSERT_TRUE(absl::SimpleAtoi(fixed, &seed)) << fixed;
  }
  std::cout << "FIELD_MERGE_TEST_SEED=" << seed << std::endl;
  SCOPED_TRACE(absl::StrCat("FIELD_MERGE_TEST_SEED=", seed));
  std::mt19937_64 random(seed);
  const std::vector<std::string> values = {Rag(v1::RED), Rag(v1::AMBER),
                                           Rag(v1::GREEN), Rag(v1::BLUE), ""};
  const std::vector<std::string> replicas = {"agent-a", "agent-b", "service"};
  const FieldDescriptor& rag = Field<v1::Action>("rag");
  for (int round = 0; round < 1000; ++round) {
    const std::string base = Rag(v1::RED);
    const std::string first = values[random() % values.size()];
    const std::string second = values[random() % values.size()];
    if (first == second || first == base || second == base) continue;
    const uint64_t first_hlc = random() % 3;
    const uint64_t second_hlc = random() % 3;
    const std::string& first_replica = replicas[random() % replicas.size()];
    // Two concurrent edits always come from two replicas: one replica's
    // edits are ordered, never concurrent.
    const std::string& second_replica =
        replicas[(&first_replica - replicas.data() + 1 + random() % 2) %
                 replicas.size()];
    SCOPED_TRACE(absl::StrCat(round, ": hlc ", first_hlc, "/", second_hlc,
                              " replica ", first_replica, "/", second_replica));

    const FieldMerge one =
        MergeField(*v1::Action::descriptor(), rag,
                   Current(first, 9, first_hlc, first_replica),
                   Incoming(second, base, 5, second_hlc, second_replica));
    const FieldMerge other =
        MergeField(*v1::Action::descriptor(), rag,
                   Current(second, 9, second_hlc, second_replica),
                   Incoming(first, base, 5, first_hlc, first_replica));
    ASSERT_EQ(one.outcome, Outcome::kConflict);
    ASSERT_EQ(other.outcome, Outcome::kConflict);
    ASSERT_EQ(one.value, other.value);
    ASSERT_NE(one.incoming_won, other.incoming_won);
  }
}

TEST(MergeFieldSymmetryTest, SwappingSidesOfACleanTextMergeKeepsTheText) {
  const FieldDescriptor& description = Field<v1::Action>("description");
  const std::string base = Description("Deliver WRAP training to staff");
  const std::string ours = Description("Deliver WRAP training to all staff");
  const std::string theirs = Description("Deliver Prevent training to staff");
  const FieldMerge one =
      MergeField(*v1::Action::descriptor(), description, Current(ours, 9),
                 Incoming(theirs, base, 5));
  const FieldMerge other =
      MergeField(*v1::Action::descriptor(), description, Current(theirs, 9),
                 Incoming(ours, base, 5));
  EXPECT_EQ(one.outcome, Outcome::kMerged);
  EXPECT_EQ(other.outcome, Outcome::kMerged);
  EXPECT_EQ(one.value, other.value);
}

// The merge works on any descriptor of the type, not only generated ones
// (a tool built on a DescriptorPool of its own, for instance).
TEST(MergeFieldDynamicTest, MergesSetsOfATypeFromAnotherPool) {
  google::protobuf::DescriptorPool pool;
  google::protobuf::FileDescriptorProto file;
  google::protobuf::Timestamp::descriptor()->file()->CopyTo(&file);
  ASSERT_NE(pool.BuildFile(file), nullptr);
  v1::Activity::descriptor()->file()->CopyTo(&file);
  ASSERT_NE(pool.BuildFile(file), nullptr);
  const Descriptor* activity =
      pool.FindMessageTypeByName("prevent.plan.v1.Activity");
  ASSERT_NE(activity, nullptr);
  const FieldDescriptor* leads =
      activity->FindFieldByName("lead_organisations");
  ASSERT_NE(leads, nullptr);
  ASSERT_NE(leads, &Field<v1::Activity>("lead_organisations"));

  const FieldMerge merge =
      MergeField(*activity, *leads, Current(Leads({"a", "c"}), 9),
                 Incoming(Leads({"a", "b"}), Leads({"a"}), 5));
  EXPECT_EQ(merge.outcome, Outcome::kMerged);
  EXPECT_EQ(merge.value, Leads({"a", "c", "b"}));
  EXPECT_EQ(KindOfField(*activity->FindFieldByName("title")),
            FieldKind::kScalar);
}

}  // namespace
}  // namespace plan
