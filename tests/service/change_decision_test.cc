// What a change does, decided with no store and no RPC: the stored entities
// are a map, and the decision is checked as a value. Pushed and direct
// changes go through the same decision; where they differ is tested here.
#include "libplan/service/change_decision.h"

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libplan/model/fields.h"
#include "libplan/util/errors.h"
#include "libplan/util/log.h"

namespace plan {
namespace {

using ::testing::HasSubstr;

constexpr char kPolice[] = "organisations/staffordshire-police";
constexpr char kProbation[] = "organisations/staffordshire-probation";
constexpr char kPlan[] = "plans/p";
constexpr char kActivity[] = "plans/p/activities/channel";
constexpr char kAction[] = "plans/p/activities/channel/actions/refer";

// Stored entities by name, each at one version.
class Stored {
 public:
  // Stores `resource` (its name set) as written by change `sequence` of
  // `organisation`, every field at that version.
  void Put(const google::protobuf::Message& resource, uint64_t sequence,
           const std::string& organisation = kPolice, bool deleted = false) {
    const std::string name = resource.GetReflection()->GetString(
        resource, resource.GetDescriptor()->FindFieldByName("name"));
    storage::Entity entity;
    entity.set_resource(resource.SerializeAsString());
    entity.set_deleted(deleted);
    storage::Version version;
    version.set_sequence(sequence);
    version.set_service_sequence(sequence);
    version.set_hlc(sequence << 16);
    version.set_replica_id("service");
    version.set_change_id(absl::StrCat("service:", sequence));
    version.set_organisation(organisation);
    for (const auto* field : DataFields(*resource.GetDescriptor())) {
      (*entity.mutable_field_versions())[field->name()] = version;
    }
    *entity.mutable_lifecycle_version() = version;
    entities_[name] = entity;
  }

  // The stored entity `name`, to change in place.
  storage::Entity& At(const std::string& name) { return entities_[name]; }

  std::optional<storage::Entity> Get(const std::string& name) const {
    auto it = entities_.find(name);
    if (it == entities_.end()) return std::nullopt;
    return it->second;
  }

  absl::StatusOr<ChangeDecision> Decide(const v1::Change& change,
                                        const AccessControl* access = nullptr,
                                        const std::string& caller = kPolice,
                                        Origin origin = Origin::kPushed,
                                        const std::string& etag = "") {
    const auto lookup = [this](const ResourceName& name)
        -> absl::StatusOr<std::optional<storage::Entity>> {
      return Get(name.str());
    };
    const EntityScan scan = [this](Kind kind, absl::string_view prefix) {
      return Scan(kind, prefix);
    };
    return DecideChange(
        change, Get(change.target()),
        DecisionContext{origin, lookup, access, caller, etag, scan});
  }

  // The stored `kind` entities whose names start with `prefix`.
  absl::StatusOr<std::vector<std::pair<ResourceName, storage::Entity>>> Scan(
      Kind kind, absl::string_view prefix) const {
    std::vector<std::pair<ResourceName, storage::Entity>> found;
    for (const auto& [name, entity] : entities_) {
      absl::StatusOr<ResourceName> parsed = ResourceName::Parse(name);
      if (parsed.ok() && parsed->kind() == kind &&
          absl::StartsWith(name, prefix)) {
        found.emplace_back(*parsed, entity);
      }
    }
    return found;
  }

  absl::StatusOr<ChangeDecision> Direct(const v1::Change& change,
                                        const std::string& etag = "") {
    return Decide(change, nullptr, kPolice, Origin::kDirect, etag);
  }

 private:
  std::map<std::string, storage::Entity> entities_;
};

class ChangeDecisionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetLoggingEnabled(false);
    for (const char* organisation : {kPolice, kProbation}) {
      v1::Organisation org;
      org.set_name(organisation);
      org.set_display_name(organisation);
      stored_.Put(org, 1);
    }
    v1::Plan plan;
    plan.set_name(kPlan);
    plan.set_title("Plan");
    stored_.Put(plan, 2);
    v1::Activity activity;
    activity.set_name(kActivity);
    activity.set_title("Channel");
    activity.add_lead_organisations(kPolice);
    stored_.Put(activity, 3);
    v1::Action action;
    action.set_name(kAction);
    action.set_description("Refer to the Prevent team");
    action.set_rag(v1::AMBER);
    stored_.Put(action, 4);
  }

  // A change of `target` by `organisation`, its time after everything
  // stored.
  static v1::Change Change(const std::string& target,
                           v1::Change::Operation operation,
                           const std::string& organisation = kPolice) {
    v1::Change change;
    change.set_change_id("r1:1");
    change.set_replica_id("r1");
    change.set_hlc(uint64_t{100} << 16);
    change.set_organisation(organisation);
    change.set_target(target);
    change.set_operation(operation);
    return change;
  }

  static void SetRag(v1::Change* change, v1::Rag rag, uint64_t base_sequence) {
    v1::FieldChange* field = change->add_fields();
    field->set_field("rag");
    v1::Action value;
    value.set_rag(rag);
    field->set_value(value.SerializeAsString());
    field->set_base_sequence(base_sequence);
  }

  Stored stored_;
};

TEST_F(ChangeDecisionTest, AnEditOfTheCurrentVersionIsAppliedAsItIs) {
  v1::Change change = Change(kAction, v1::Change::UPDATE);
  SetRag(&change, v1::RED, 4);
  absl::StatusOr<ChangeDecision> decision = stored_.Decide(change);
  ASSERT_TRUE(decision.ok()) << decision.status();
  EXPECT_TRUE(decision->refusal.ok()) << decision->refusal;
  EXPECT_EQ(decision->outcome, v1::ChangeResult::APPLIED);
  ASSERT_TRUE(decision->logged.has_value());
  EXPECT_EQ(decision->logged->plan(), kPlan);
  ASSERT_EQ(decision->logged->fields_size(), 1);
  v1::Action value;
  ASSERT_TRUE(value.ParseFromString(decision->logged->fields(0).value()));
  EXPECT_EQ(value.rag(), v1::RED);
  EXPECT_TRUE(decision->conflicts.empty());
  // The resource as edited: the new value, and every other field as stored.
  ASSERT_NE(decision->edited, nullptr);
  const auto& edited = dynamic_cast<const v1::Action&>(*decision->edited);
  EXPECT_EQ(edited.rag(), v1::RED);
  EXPECT_EQ(edited.description(), "Refer to the Prevent team");
  EXPECT_EQ(edited.name(), kAction);
}

// An edit that changes nothing logs nothing, and leaves the resource as
// stored; a refused one has no edited resource.
TEST_F(ChangeDecisionTest, AnEditedResourceIsAsStoredWhenNothingChanges) {
  v1::Change change = Change(kAction, v1::Change::UPDATE);
  SetRag(&change, v1::AMBER, 4);
  absl::StatusOr<ChangeDecision> decision = stored_.Decide(change);
  ASSERT_TRUE(decision.ok()) << decision.status();
  EXPECT_FALSE(decision->logged.has_value());
  ASSERT_NE(decision->edited, nullptr);
  EXPECT_EQ(dynamic_cast<const v1::Action&>(*decision->edited).rag(),
            v1::AMBER);

  change.set_target(absl::StrCat(kActivity, "/actions/missing"));
  decision = stored_.Decide(change);
  ASSERT_TRUE(decision.ok()) << decision.status();
  EXPECT_FALSE(decision->refusal.ok());
  EXPECT_EQ(decision->edited, nullptr);
}

TEST_F(ChangeDecisionTest, ConcurrentEditsOfOneFieldOpenAConflict) {
  v1::Action action;
  action.set_name(kAction);
  action.set_description("Refer to the Prevent team");
  action.set_rag(v1::GREEN);
  stored_.Put(action, 5, kProbation);  // another edit since version 4
  v1::Change change = Change(kAction, v1::Change::UPDATE);
  SetRag(&change, v1::RED, 4);
  absl::StatusOr<ChangeDecision> decision = stored_.Decide(change);
  ASSERT_TRUE(decision.ok()) << decision.status();
  EXPECT_EQ(decision->outcome, v1::ChangeResult::CONFLICT);
  ASSERT_EQ(decision->conflicts.size(), 1u);
  const v1::Conflict& conflict = decision->conflicts[0];
  EXPECT_EQ(conflict.target(), kAction);
  EXPECT_EQ(conflict.field(), "rag");
  ASSERT_EQ(conflict.candidates_size(), 2);
  EXPECT_EQ(conflict.candidates(0).display_value(), "GREEN");
  EXPECT_EQ(conflict.candidates(0).organisation(), kProbation);
  EXPECT_EQ(conflict.candidates(1).display_value(), "RED");
  EXPECT_EQ(conflict.candidates(1).organisation(), kPolice);
}

// An organisation belongs to no plan, and its concurrent edits open a
// conflict as a plan resource's do: the same candidates and provisional
// winner, whichever edit is later. (SyncAuthority keeps it with the
// organisation, organisations/{org}/conflicts/{id}.)
TEST_F(ChangeDecisionTest, ConcurrentEditsOfAnOrganisationOpenAConflict) {
  v1::Organisation organisation;
  organisation.set_name(kPolice);
  organisation.set_display_name("Staffordshire Police (probation's edit)");
  stored_.Put(organisation, 5, kProbation);  // another edit since version 1
  for (const bool later : {true, false}) {
    SCOPED_TRACE(later ? "the pushed edit is later" : "the stored is later");
    v1::Change change = Change(kPolice, v1::Change::UPDATE);
    change.set_hlc(later ? uint64_t{100} << 16 : uint64_t{2} << 16);
    v1::FieldChange* field = change.add_fields();
    field->set_field("display_name");
    v1::Organisation value;
    value.set_display_name("Staffordshire Police");
    field->set_value(value.SerializeAsString());
    field->set_base_sequence(1);
    absl::StatusOr<ChangeDecision> decision = stored_.Decide(change);
    ASSERT_TRUE(decision.ok()) << decision.status();
    EXPECT_TRUE(decision->refusal.ok()) << decision->refusal;
    EXPECT_EQ(decision->outcome, v1::ChangeResult::CONFLICT);
    ASSERT_EQ(decision->conflicts.size(), 1u);
    const v1::Conflict& conflict = decision->conflicts[0];
    EXPECT_EQ(conflict.target(), kPolice);
    EXPECT_EQ(conflict.field(), "display_name");
    ASSERT_EQ(conflict.candidates_size(), 2);
    EXPECT_EQ(conflict.candidates(0).display_value(),
              "Staffordshire Police (probation's edit)");
    EXPECT_EQ(conflict.candidates(0).organisation(), kProbation);
    EXPECT_EQ(conflict.candidates(1).display_value(), "Staffordshire Police");
    EXPECT_EQ(conflict.candidates(1).organisation(), kPolice);
    EXPECT_EQ(conflict.candidates(1).change_id(), "r1:1");
    EXPECT_EQ(conflict.provisional_winner(), later ? 1 : 0);
    // The later edit is applied meanwhile; the earlier changes nothing.
    EXPECT_EQ(decision->logged.has_value(), later);
    if (later) {
      EXPECT_EQ(decision->logged->plan(), "");
    }
  }
}

// The delete of kAction, change "r2:1" of kProbation's replica r2, made on
// version 4 (the seed's).
v1::Change ProbationDelete() {
  v1::Change change;
  change.set_change_id("r2:1");
  change.set_replica_id("r2");
  change.set_hlc(uint64_t{90} << 16);
  change.set_organisation(kProbation);
  change.set_target(kAction);
  change.set_operation(v1::Change::DELETE);
  change.set_seen_sequence(4);
  return change;
}

// The version of `change` as the service logs it at `sequence`.
storage::Version VersionOf(const v1::Change& change, uint64_t sequence) {
  storage::Version version;
  version.set_sequence(sequence);
  version.set_service_sequence(sequence);
  version.set_hlc(change.hlc());
  version.set_replica_id(change.replica_id());
  version.set_change_id(change.change_id());
  version.set_organisation(change.organisation());
  return version;
}

TEST_F(ChangeDecisionTest, AnEditOfADeletedResourceIsMergedAndKeptInAConflict) {
  storage::Entity& stored = stored_.At(kAction);
  stored.set_deleted(true);
  *stored.mutable_lifecycle_version() = VersionOf(ProbationDelete(), 5);
  v1::Change change = Change(kAction, v1::Change::UPDATE);
  SetRag(&change, v1::RED, 4);
  absl::StatusOr<ChangeDecision> decision = stored_.Decide(change);
  ASSERT_TRUE(decision.ok()) << decision.status();
  EXPECT_EQ(decision->outcome, v1::ChangeResult::CONFLICT);
  // The edit is in the deleted resource, as if it had come first ...
  ASSERT_TRUE(decision->logged.has_value());
  ASSERT_EQ(decision->logged->fields_size(), 1);
  v1::Action value;
  ASSERT_TRUE(value.ParseFromString(decision->logged->fields(0).value()));
  EXPECT_EQ(value.rag(), v1::RED);
  // ... and in a conflict with the delete, which stands.
  ASSERT_EQ(decision->conflicts.size(), 1u);
  const v1::Conflict& conflict = decision->conflicts[0];
  EXPECT_EQ(conflict.field(), "rag");
  EXPECT_TRUE(conflict.candidates(0).deletes());
  EXPECT_EQ(conflict.candidates(0).organisation(), kProbation);
  EXPECT_EQ(conflict.candidates(0).change_id(), "r2:1");
  EXPECT_EQ(conflict.candidates(1).display_value(), "RED");
  EXPECT_EQ(conflict.candidates(1).change_id(), "r1:1");
  EXPECT_EQ(conflict.provisional_winner(), 0);
}

// The two orders of one edit and one delete that did not see each other:
// the edit arriving after the delete, and the delete arriving after the edit
// (which the service logged at sequence 5). Each opens the same conflict.
TEST_F(ChangeDecisionTest, AnEditAndADeleteOpenTheSameConflictInEitherOrder) {
  v1::Change edit = Change(kAction, v1::Change::UPDATE);
  SetRag(&edit, v1::RED, 4);
  const storage::Entity seed = *stored_.Get(kAction);

  storage::Entity& deleted_first = stored_.At(kAction);
  deleted_first.set_deleted(true);
  *deleted_first.mutable_lifecycle_version() = VersionOf(ProbationDelete(), 5);
  absl::StatusOr<ChangeDecision> edit_last = stored_.Decide(edit);
  ASSERT_TRUE(edit_last.ok()) << edit_last.status();

  storage::Entity& edited_first = stored_.At(kAction);
  edited_first = seed;
  v1::Action action;
  ASSERT_TRUE(action.ParseFromString(seed.resource()));
  action.set_rag(v1::RED);
  edited_first.set_resource(action.SerializeAsString());
  (*edited_first.mutable_field_versions())["rag"] = VersionOf(edit, 5);
  absl::StatusOr<ChangeDecision> delete_last =
      stored_.Decide(ProbationDelete());
  ASSERT_TRUE(delete_last.ok()) << delete_last.status();
  EXPECT_EQ(delete_last->outcome, v1::ChangeResult::CONFLICT);
  ASSERT_TRUE(delete_last->logged.has_value());
  EXPECT_EQ(delete_last->logged->operation(), v1::Change::DELETE);

  ASSERT_EQ(edit_last->conflicts.size(), 1u);
  ASSERT_EQ(delete_last->conflicts.size(), 1u);
  EXPECT_EQ(delete_last->conflicts[0].SerializeAsString(),
            edit_last->conflicts[0].SerializeAsString())
      << delete_last->conflicts[0].ShortDebugString() << "\n"
      << edit_last->conflicts[0].ShortDebugString();
}

// A delete of `target` by probation's replica, made on the versions up to 4.
v1::Change ProbationDeleteOf(const std::string& target) {
  v1::Change change = ProbationDelete();
  change.set_target(target);
  return change;
}

// The edit of the action's RAG and a delete of each resource whose delete
// reaches the action, in both orders: the delete first (the edit then arrives
// under a deleted parent), and the edit first (logged at 5; the delete then
// finds it among what it reaches). Each order opens the same conflict, which
// names the resource deleted.
TEST_F(ChangeDecisionTest,
       AnEditOfAChildAndADeleteOfAParentConflictInEitherOrder) {
  constexpr char kStrand[] = "plans/p/strands/s1";
  v1::Strand strand;
  strand.set_name(kStrand);
  strand.set_title("Strand 1");
  stored_.Put(strand, 3);
  v1::Activity activity;
  ASSERT_TRUE(activity.ParseFromString(stored_.Get(kActivity)->resource()));
  activity.set_strand(kStrand);
  stored_.At(kActivity).set_resource(activity.SerializeAsString());
  const Stored seed = stored_;
  v1::Change edit = Change(kAction, v1::Change::UPDATE);
  SetRag(&edit, v1::RED, 4);

  for (const std::string parent : {kActivity, kStrand, kPlan}) {
    SCOPED_TRACE(parent);
    const v1::Change deletes = ProbationDeleteOf(parent);
    stored_ = seed;
    storage::Entity& deleted_first = stored_.At(parent);
    deleted_first.set_deleted(true);
    *deleted_first.mutable_lifecycle_version() = VersionOf(deletes, 5);
    absl::StatusOr<ChangeDecision> edit_last = stored_.Decide(edit);
    ASSERT_TRUE(edit_last.ok()) << edit_last.status();
    EXPECT_EQ(edit_last->outcome, v1::ChangeResult::CONFLICT);
    ASSERT_TRUE(edit_last->logged.has_value());  // kept in the action

    stored_ = seed;
    storage::Entity& edited_first = stored_.At(kAction);
    v1::Action action;
    ASSERT_TRUE(action.ParseFromString(edited_first.resource()));
    action.set_rag(v1::RED);
    edited_first.set_resource(action.SerializeAsString());
    (*edited_first.mutable_field_versions())["rag"] = VersionOf(edit, 5);
    absl::StatusOr<ChangeDecision> delete_last = stored_.Decide(deletes);
    ASSERT_TRUE(delete_last.ok()) << delete_last.status();
    EXPECT_EQ(delete_last->outcome, v1::ChangeResult::CONFLICT);
    ASSERT_TRUE(delete_last->logged.has_value());
    EXPECT_EQ(delete_last->logged->target(), parent);

    ASSERT_EQ(edit_last->conflicts.size(), 1u);
    ASSERT_EQ(delete_last->conflicts.size(), 1u);
    const v1::Conflict& conflict = delete_last->conflicts[0];
    EXPECT_EQ(conflict.SerializeAsString(),
              edit_last->conflicts[0].SerializeAsString())
        << conflict.ShortDebugString() << "\n"
        << edit_last->conflicts[0].ShortDebugString();
    EXPECT_EQ(conflict.target(), kAction);
    EXPECT_EQ(conflict.field(), "rag");
    EXPECT_TRUE(conflict.candidates(0).deletes());
    EXPECT_EQ(conflict.candidates(0).deleted(), parent);
    EXPECT_EQ(conflict.candidates(0).organisation(), kProbation);
    EXPECT_EQ(conflict.candidates(1).display_value(), "RED");
    EXPECT_EQ(conflict.provisional_winner(), 0);

    // A delete that saw the edit, or whose replica made it, reaches it with no
    // conflict; so does a parent deleted by the editor's own replica.
    v1::Change saw_it = deletes;
    saw_it.set_seen_sequence(5);
    v1::Change own = deletes;
    own.set_replica_id("r1");
    for (const v1::Change& change : {saw_it, own}) {
      absl::StatusOr<ChangeDecision> decision = stored_.Decide(change);
      ASSERT_TRUE(decision.ok()) << decision.status();
      EXPECT_TRUE(decision->conflicts.empty()) << change.ShortDebugString();
    }
    stored_ = seed;
    stored_.At(parent).set_deleted(true);
    *stored_.At(parent).mutable_lifecycle_version() = VersionOf(own, 5);
    absl::StatusOr<ChangeDecision> after_own = stored_.Decide(edit);
    ASSERT_TRUE(after_own.ok()) << after_own.status();
    EXPECT_TRUE(after_own->conflicts.empty());
  }
}

// A progress update made offline on an action whose activity was deleted
// meanwhile is kept, under the deleted activity, and in a conflict per field
// with the delete; as a direct call it is refused.
TEST_F(ChangeDecisionTest, APushedCreateUnderADeletedParentIsKeptInAConflict) {
  stored_.At(kActivity).set_deleted(true);
  *stored_.At(kActivity).mutable_lifecycle_version() =
      VersionOf(ProbationDeleteOf(kActivity), 5);
  v1::Change create =
      Change(absl::StrCat(kAction, "/updates/q1"), v1::Change::CREATE);
  v1::ProgressUpdate update;
  update.set_note("Referred two cases");
  update.set_organisation(kPolice);
  for (const char* field : {"note", "organisation"}) {
    v1::FieldChange* out = create.add_fields();
    out->set_field(field);
    v1::ProgressUpdate value;
    CopyField(update, *update.GetDescriptor()->FindFieldByName(field), &value);
    out->set_value(value.SerializeAsString());
  }
  absl::StatusOr<ChangeDecision> decision = stored_.Decide(create);
  ASSERT_TRUE(decision.ok()) << decision.status();
  ASSERT_TRUE(decision->refusal.ok()) << decision->refusal;
  EXPECT_EQ(decision->outcome, v1::ChangeResult::CONFLICT);
  ASSERT_TRUE(decision->logged.has_value());
  EXPECT_EQ(decision->logged->operation(), v1::Change::CREATE);
  ASSERT_EQ(decision->conflicts.size(), 2u);
  for (const v1::Conflict& conflict : decision->conflicts) {
    EXPECT_EQ(conflict.target(), create.target());
    EXPECT_EQ(conflict.candidates(0).deleted(), kActivity);
  }

  decision = stored_.Direct(create);
  ASSERT_TRUE(decision.ok()) << decision.status();
  EXPECT_THAT(decision->refusal.message(),
              HasSubstr("parent plans/p/activities/channel is deleted"));
}

// An edit and a delete of an organisation that did not see each other: the
// delete stands and the edit is kept in a conflict, in either order.
TEST_F(ChangeDecisionTest, AnEditAndADeleteOfAnOrganisationConflict) {
  v1::Change edit = Change(kPolice, v1::Change::UPDATE);
  v1::FieldChange* field = edit.add_fields();
  field->set_field("display_name");
  v1::Organisation value;
  value.set_display_name("Staffordshire Police");
  field->set_value(value.SerializeAsString());
  field->set_base_sequence(1);
  v1::Change deletes = ProbationDelete();
  deletes.set_target(kPolice);
  deletes.set_seen_sequence(1);
  const storage::Entity seed = *stored_.Get(kPolice);

  storage::Entity& deleted_first = stored_.At(kPolice);
  deleted_first.set_deleted(true);
  *deleted_first.mutable_lifecycle_version() = VersionOf(deletes, 5);
  absl::StatusOr<ChangeDecision> edit_last = stored_.Decide(edit);
  ASSERT_TRUE(edit_last.ok()) << edit_last.status();

  storage::Entity& edited_first = stored_.At(kPolice);
  edited_first = seed;
  edited_first.set_resource([&] {
    v1::Organisation edited;
    edited.set_name(kPolice);
    edited.set_display_name("Staffordshire Police");
    return edited.SerializeAsString();
  }());
  (*edited_first.mutable_field_versions())["display_name"] = VersionOf(edit, 5);
  absl::StatusOr<ChangeDecision> delete_last = stored_.Decide(deletes);
  ASSERT_TRUE(delete_last.ok()) << delete_last.status();

  for (const ChangeDecision* decision : {&*edit_last, &*delete_last}) {
    EXPECT_EQ(decision->outcome, v1::ChangeResult::CONFLICT);
    ASSERT_EQ(decision->conflicts.size(), 1u);
    const v1::Conflict& conflict = decision->conflicts[0];
    EXPECT_EQ(conflict.target(), kPolice);
    EXPECT_EQ(conflict.field(), "display_name");
    EXPECT_TRUE(conflict.candidates(0).deletes());
    EXPECT_EQ(conflict.candidates(1).display_value(), "Staffordshire Police");
  }
  EXPECT_EQ(delete_last->conflicts[0].SerializeAsString(),
            edit_last->conflicts[0].SerializeAsString());
}

// An edit of the action's description from `from` to `to`, made on version
// 4 (the seed's).
void SetDescription(v1::Change* change, const std::string& from,
                    const std::string& to) {
  v1::FieldChange* field = change->add_fields();
  field->set_field("description");
  v1::Action value;
  value.set_description(to);
  field->set_value(value.SerializeAsString());
  value.set_description(from);
  field->set_base(value.SerializeAsString());
  field->set_base_sequence(4);
}

// Two edits of the description that merge, and a delete that missed both:
// the conflict names the later editor (WritesLater) of the two, whichever
// the service took last. An earlier edit merged into a later one leaves the
// later as the value's last writer (ChangeDecision::last_writers), which the
// conflict names when the edit arrives after the delete, and when the delete
// arrives after both.
TEST_F(ChangeDecisionTest, AConflictNamesTheLaterEditorOfAMergedText) {
  constexpr char kSeed[] = "Refer to the Prevent team";
  constexpr char kMerged[] = "Refer to the county Prevent team monthly";
  v1::Change later = Change(kAction, v1::Change::UPDATE);
  later.set_replica_id("r3");
  later.set_change_id("r3:1");
  later.set_hlc(uint64_t{95} << 16);
  SetDescription(&later, kSeed, "Refer to the county Prevent team");
  v1::Change earlier = Change(kAction, v1::Change::UPDATE);
  earlier.set_hlc(uint64_t{90} << 16);
  SetDescription(&earlier, kSeed, "Refer to the Prevent team monthly");
  v1::Action action;
  ASSERT_TRUE(action.ParseFromString(stored_.Get(kAction)->resource()));
  action.set_description("Refer to the county Prevent team");
  stored_.At(kAction).set_resource(action.SerializeAsString());
  (*stored_.At(kAction).mutable_field_versions())["description"] =
      VersionOf(later, 5);
  const Stored seed = stored_;

  absl::StatusOr<ChangeDecision> merged = stored_.Decide(earlier);
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->outcome, v1::ChangeResult::MERGED);
  ASSERT_TRUE(merged->logged.has_value());
  v1::Action value;
  ASSERT_TRUE(value.ParseFromString(merged->logged->fields(0).value()));
  EXPECT_EQ(value.description(), kMerged);
  ASSERT_EQ(merged->last_writers.count("description"), 1u);
  EXPECT_EQ(merged->last_writers.at("description").change_id(), "r3:1");
  // Merged the other way round, the later edit is the last writer itself.
  stored_.At(kAction).set_resource([&] {
    action.set_description("Refer to the Prevent team monthly");
    return action.SerializeAsString();
  }());
  (*stored_.At(kAction).mutable_field_versions())["description"] =
      VersionOf(earlier, 5);
  absl::StatusOr<ChangeDecision> other_way = stored_.Decide(later);
  ASSERT_TRUE(other_way.ok()) << other_way.status();
  EXPECT_EQ(other_way->outcome, v1::ChangeResult::MERGED);
  EXPECT_TRUE(other_way->last_writers.empty());

  // The earlier edit arrives after the delete.
  stored_ = seed;
  stored_.At(kAction).set_deleted(true);
  *stored_.At(kAction).mutable_lifecycle_version() =
      VersionOf(ProbationDelete(), 6);
  absl::StatusOr<ChangeDecision> edit_last = stored_.Decide(earlier);
  ASSERT_TRUE(edit_last.ok()) << edit_last.status();
  ASSERT_EQ(edit_last->conflicts.size(), 1u);
  // The delete arrives after both, merged as above.
  stored_ = seed;
  ASSERT_TRUE(action.ParseFromString(stored_.Get(kAction)->resource()));
  action.set_description(kMerged);
  stored_.At(kAction).set_resource(action.SerializeAsString());
  storage::Version version = VersionOf(earlier, 6);
  *version.mutable_last_writer() = VersionOf(later, 5);
  (*stored_.At(kAction).mutable_field_versions())["description"] = version;
  absl::StatusOr<ChangeDecision> delete_last =
      stored_.Decide(ProbationDelete());
  ASSERT_TRUE(delete_last.ok()) << delete_last.status();
  ASSERT_EQ(delete_last->conflicts.size(), 1u);

  for (const ChangeDecision* decision : {&*edit_last, &*delete_last}) {
    const v1::Conflict& conflict = decision->conflicts[0];
    EXPECT_EQ(conflict.field(), "description");
    EXPECT_EQ(conflict.candidates(0).change_id(), "r2:1");
    EXPECT_EQ(conflict.candidates(1).change_id(), "r3:1");
    EXPECT_EQ(conflict.candidates(1).hlc(), later.hlc());
    EXPECT_EQ(conflict.candidates(1).display_value(), kMerged);
  }
}

// A delete conflicts only with an edit it did not see, by another replica.
TEST_F(ChangeDecisionTest, ADeleteDoesNotConflictWithWhatItSaw) {
  v1::Change edit = Change(kAction, v1::Change::UPDATE);
  (*stored_.At(kAction).mutable_field_versions())["rag"] = VersionOf(edit, 5);
  v1::Change saw_it = ProbationDelete();
  saw_it.set_seen_sequence(5);
  v1::Change own = ProbationDelete();
  own.set_replica_id("r1");
  v1::Change from_older_agent = ProbationDelete();  // before seen_sequence
  from_older_agent.clear_seen_sequence();
  for (const v1::Change& change : {saw_it, own, from_older_agent}) {
    absl::StatusOr<ChangeDecision> decision = stored_.Decide(change);
    ASSERT_TRUE(decision.ok()) << decision.status();
    EXPECT_EQ(decision->outcome, v1::ChangeResult::APPLIED)
        << change.ShortDebugString();
    EXPECT_TRUE(decision->conflicts.empty()) << change.ShortDebugString();
    EXPECT_TRUE(decision->logged.has_value());
  }
}

TEST_F(ChangeDecisionTest, ACreateNeedsALiveParentAndLiveReferences) {
  v1::Change change =
      Change("plans/p/activities/missing/actions/new", v1::Change::CREATE);
  v1::FieldChange* field = change.add_fields();
  field->set_field("description");
  v1::Action value;
  value.set_description("New");
  field->set_value(value.SerializeAsString());
  absl::StatusOr<ChangeDecision> decision = stored_.Decide(change);
  ASSERT_TRUE(decision.ok()) << decision.status();
  EXPECT_THAT(decision->refusal.message(),
              HasSubstr("parent plans/p/activities/missing does not exist"));

  change.set_target("plans/p/activities/channel/actions/new");
  field = change.add_fields();
  field->set_field("owner_organisation");
  value.set_owner_organisation("organisations/nobody");
  field->set_value(value.SerializeAsString());
  decision = stored_.Decide(change);
  ASSERT_TRUE(decision.ok()) << decision.status();
  EXPECT_THAT(decision->refusal.message(),
              HasSubstr("\"organisations/nobody\" does not exist"));

  v1::Change member = Change("plans/p/members/nobody", v1::Change::CREATE);
  v1::FieldChange* role = member.add_fields();
  role->set_field("role");
  v1::Member viewer;
  viewer.set_role(v1::VIEWER);
  role->set_value(viewer.SerializeAsString());
  decision = stored_.Decide(member);
  ASSERT_TRUE(decision.ok()) << decision.status();
  EXPECT_THAT(decision->refusal.message(),
              HasSubstr("member_id: \"organisations/nobody\" does not exist"));
}

TEST_F(ChangeDecisionTest, KindRulesHoldForPushesAsForDirectCalls) {
  v1::Change update =
      Change("plans/p/activities/channel/actions/refer/updates/q1",
             v1::Change::UPDATE);
  absl::StatusOr<ChangeDecision> decision = stored_.Decide(update);
  ASSERT_TRUE(decision.ok());
  EXPECT_THAT(decision->refusal.message(), HasSubstr("append-only"));
  for (const char* conflict :
       {"plans/p/conflicts/c",
        "organisations/staffordshire-police/conflicts/c"}) {
    decision = stored_.Decide(Change(conflict, v1::Change::CREATE));
    ASSERT_TRUE(decision.ok());
    EXPECT_THAT(decision->refusal.message(),
                HasSubstr("created by the plan service"))
        << conflict;
    v1::Change rewrite = Change(conflict, v1::Change::UPDATE);
    rewrite.add_fields()->set_field("candidates");
    decision = stored_.Decide(rewrite);
    ASSERT_TRUE(decision.ok());
    EXPECT_THAT(decision->refusal.message(),
                HasSubstr("changes only by being resolved"))
        << conflict;
  }
  v1::Change bad = Change(kAction, v1::Change::UPDATE);
  v1::FieldChange* field = bad.add_fields();
  field->set_field("etag");
  decision = stored_.Decide(bad);
  ASSERT_TRUE(decision.ok());
  EXPECT_THAT(decision->refusal.message(),
              HasSubstr("\"etag\" is not a field"));
}

TEST_F(ChangeDecisionTest, RolesDecideAsForTheDirectCall) {
  // The police are EDITORs leading the channel activity; probation EDITORs
  // leading nothing.
  for (const auto& [id, role] :
       {std::pair<std::string, v1::Role>{"staffordshire-police", v1::EDITOR},
        {"staffordshire-probation", v1::EDITOR}}) {
    v1::Member member;
    member.set_name(absl::StrCat(kPlan, "/members/", id));
    member.set_role(role);
    stored_.Put(member, 6);
  }
  const AccessControl access({});
  v1::Change change = Change(kAction, v1::Change::UPDATE);
  SetRag(&change, v1::RED, 4);
  absl::StatusOr<ChangeDecision> decision =
      stored_.Decide(change, &access, kPolice);
  ASSERT_TRUE(decision.ok());
  EXPECT_TRUE(decision->refusal.ok()) << decision->refusal;
  decision = stored_.Decide(change, &access, kProbation);
  ASSERT_TRUE(decision.ok());
  EXPECT_THAT(decision->refusal.message(),
              HasSubstr("only what it leads or owns"));
  decision =
      stored_.Decide(Change(kPlan, v1::Change::DELETE), &access, kPolice);
  ASSERT_TRUE(decision.ok());
  EXPECT_THAT(decision->refusal.message(), HasSubstr("only its OWNERs"));
  decision = stored_.Decide(change, &access, "organisations/outsider");
  ASSERT_TRUE(decision.ok());
  EXPECT_THAT(decision->refusal.message(), HasSubstr("not a member"));
}

// A pushed resolve of an organisation's conflict is the organisation's, or
// an administrator's: a role in a plan gives none.
TEST_F(ChangeDecisionTest, AnOrganisationsConflictIsResolvedByItOrAnAdmin) {
  const std::string name = absl::StrCat(kPolice, "/conflicts/c");
  v1::Conflict open;
  open.set_name(name);
  open.set_target(kPolice);
  open.set_field("display_name");
  open.set_state(v1::Conflict::OPEN);
  stored_.Put(open, 6);
  v1::Member owner;
  owner.set_name(absl::StrCat(kPlan, "/members/staffordshire-probation"));
  owner.set_role(v1::OWNER);
  stored_.Put(owner, 7);
  v1::Change resolve = Change(name, v1::Change::UPDATE);
  v1::Conflict value;
  value.set_state(v1::Conflict::RESOLVED);
  v1::FieldChange* state = resolve.add_fields();
  state->set_field("state");
  state->set_value(value.SerializeAsString());
  state->set_base_sequence(6);
  const AccessControl access({"organisations/administrator"});
  for (const auto& [caller, allowed] :
       {std::pair<std::string, bool>{kPolice, true},
        {"organisations/administrator", true},
        {kProbation, false}}) {
    absl::StatusOr<ChangeDecision> decision =
        stored_.Decide(resolve, &access, caller);
    ASSERT_TRUE(decision.ok()) << decision.status();
    if (allowed) {
      EXPECT_TRUE(decision->refusal.ok())
          << caller << ": " << decision->refusal;
      EXPECT_TRUE(decision->logged.has_value()) << caller;
    } else {
      EXPECT_EQ(ErrorReason(decision->refusal), "NOT_ADMINISTRATOR");
      EXPECT_THAT(decision->refusal.message(),
                  HasSubstr("conflicts of organisations other than itself"));
    }
  }
}

// Of concurrent deletes of one resource, the resource keeps the later: a
// pushed delete of a deleted resource is logged when it is later than the
// delete stored (a later HLC, then a greater replica id), and changes
// nothing otherwise.
TEST_F(ChangeDecisionTest, ADeleteOfADeletedResourceIsKeptWhenItIsLater) {
  stored_.At(kAction).set_deleted(true);
  *stored_.At(kAction).mutable_lifecycle_version() =
      VersionOf(ProbationDelete(), 5);  // r2, at 90
  const auto delete_by = [](const std::string& replica, uint64_t millis) {
    v1::Change change = Change(kAction, v1::Change::DELETE);
    change.set_replica_id(replica);
    change.set_change_id(absl::StrCat(replica, ":1"));
    change.set_hlc(millis << 16);
    return change;
  };
  for (const auto& [change, kept] :
       std::vector<std::pair<v1::Change, bool>>{{delete_by("r1", 100), true},
                                                {delete_by("r1", 80), false},
                                                {delete_by("r3", 90), true},
                                                {delete_by("r1", 90), false}}) {
    SCOPED_TRACE(change.ShortDebugString());
    absl::StatusOr<ChangeDecision> decision = stored_.Decide(change);
    ASSERT_TRUE(decision.ok()) << decision.status();
    EXPECT_TRUE(decision->refusal.ok()) << decision->refusal;
    EXPECT_EQ(decision->outcome, v1::ChangeResult::APPLIED);
    EXPECT_TRUE(decision->conflicts.empty());
    EXPECT_EQ(decision->logged.has_value(), kept);
    if (kept) {
      EXPECT_EQ(decision->logged->operation(), v1::Change::DELETE);
      EXPECT_EQ(decision->logged->change_id(), change.change_id());
    }
  }
  absl::StatusOr<ChangeDecision> decision =
      stored_.Decide(Change(kAction, v1::Change::UNDELETE));
  ASSERT_TRUE(decision.ok());
  EXPECT_TRUE(decision->logged.has_value());
}

// Two deletes that missed an edit leave one conflict, naming the later of
// them, whichever arrives first: the first opens it, and the second joins it
// (the decision names it, with the later delete as candidate 0), and it
// holds the later delete already when that arrived first. A delete that saw
// the edit conflicts with nothing, however late.
TEST_F(ChangeDecisionTest,
       DeletesThatMissedAnEditLeaveOneConflictNamingTheLater) {
  v1::Change edit = Change(kAction, v1::Change::UPDATE);
  SetRag(&edit, v1::RED, 4);
  v1::Action action;
  ASSERT_TRUE(action.ParseFromString(stored_.Get(kAction)->resource()));
  action.set_rag(v1::RED);
  stored_.At(kAction).set_resource(action.SerializeAsString());
  (*stored_.At(kAction).mutable_field_versions())["rag"] = VersionOf(edit, 5);
  const Stored edited = stored_;
  v1::Change earlier = ProbationDelete();  // r2, at 90
  v1::Change later = ProbationDelete();
  later.set_replica_id("r3");
  later.set_change_id("r3:1");
  later.set_hlc(uint64_t{95} << 16);
  v1::Change saw_it = later;
  saw_it.set_seen_sequence(5);

  for (const bool later_first : {false, true}) {
    SCOPED_TRACE(later_first ? "the later first" : "the earlier first");
    const v1::Change& first = later_first ? later : earlier;
    const v1::Change& second = later_first ? earlier : later;
    stored_ = edited;
    absl::StatusOr<ChangeDecision> opened = stored_.Decide(first);
    ASSERT_TRUE(opened.ok()) << opened.status();
    ASSERT_EQ(opened->conflicts.size(), 1u);
    v1::Conflict conflict = opened->conflicts[0];
    EXPECT_TRUE(conflict.name().empty());
    conflict.set_name("plans/p/conflicts/c1");
    conflict.set_state(v1::Conflict::OPEN);
    stored_.Put(conflict, 7);
    stored_.At(kAction).set_deleted(true);
    *stored_.At(kAction).mutable_lifecycle_version() = VersionOf(first, 6);

    absl::StatusOr<ChangeDecision> joined = stored_.Decide(second);
    ASSERT_TRUE(joined.ok()) << joined.status();
    EXPECT_EQ(joined->outcome, v1::ChangeResult::CONFLICT);
    EXPECT_EQ(joined->logged.has_value(), !later_first);
    ASSERT_EQ(joined->conflicts.size(), 1u);
    const v1::Conflict& update = joined->conflicts[0];
    EXPECT_EQ(update.name(), "plans/p/conflicts/c1");
    ASSERT_EQ(update.candidates_size(), 2);
    EXPECT_TRUE(update.candidates(0).deletes());
    EXPECT_EQ(update.candidates(0).change_id(), "r3:1");
    EXPECT_EQ(update.candidates(0).hlc(), later.hlc());
    EXPECT_EQ(update.candidates(1).change_id(), "r1:1");
    EXPECT_EQ(update.candidates(1).display_value(), "RED");

    absl::StatusOr<ChangeDecision> saw = stored_.Decide(saw_it);
    ASSERT_TRUE(saw.ok()) << saw.status();
    EXPECT_TRUE(saw->conflicts.empty());
  }

  // The later delete saw the edit and the earlier did not: the resource
  // keeps the later, and the conflict names the earlier, in either order.
  stored_ = edited;
  stored_.At(kAction).set_deleted(true);
  *stored_.At(kAction).mutable_lifecycle_version() = VersionOf(saw_it, 6);
  absl::StatusOr<ChangeDecision> missed_it = stored_.Decide(earlier);
  ASSERT_TRUE(missed_it.ok()) << missed_it.status();
  EXPECT_FALSE(missed_it->logged.has_value());
  ASSERT_EQ(missed_it->conflicts.size(), 1u);
  EXPECT_TRUE(missed_it->conflicts[0].name().empty());
  EXPECT_EQ(missed_it->conflicts[0].candidates(0).change_id(), "r2:1");
}

// Where a person can be told "no" and an offline edit cannot, the two
// origins differ; everything else is decided alike.
TEST_F(ChangeDecisionTest, ADirectCallIsRefusedWhereAPushIsMerged) {
  // A create of a name that exists: refused, or merged as an edit.
  v1::Change create = Change(kAction, v1::Change::CREATE);
  SetRag(&create, v1::RED, 0);
  absl::StatusOr<ChangeDecision> decision = stored_.Direct(create);
  ASSERT_TRUE(decision.ok());
  EXPECT_EQ(decision->refusal.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ErrorReason(decision->refusal), "ALREADY_EXISTS");
  decision = stored_.Decide(create);
  ASSERT_TRUE(decision.ok());
  EXPECT_TRUE(decision->refusal.ok()) << decision->refusal;

  // An edit of a deleted resource: refused, or merged and kept in a
  // conflict.
  storage::Entity& deleted = stored_.At(kAction);
  deleted.set_deleted(true);
  *deleted.mutable_lifecycle_version() = VersionOf(ProbationDelete(), 5);
  v1::Change edit = Change(kAction, v1::Change::UPDATE);
  SetRag(&edit, v1::RED, 4);
  decision = stored_.Direct(edit);
  ASSERT_TRUE(decision.ok());
  EXPECT_EQ(ErrorReason(decision->refusal), "RESOURCE_DELETED");
  decision = stored_.Decide(edit);
  ASSERT_TRUE(decision.ok());
  EXPECT_EQ(decision->conflicts.size(), 1u);

  // A delete of a deleted resource, an undelete of a live one: refused, or
  // nothing to do.
  decision = stored_.Direct(Change(kAction, v1::Change::DELETE));
  ASSERT_TRUE(decision.ok());
  EXPECT_EQ(ErrorReason(decision->refusal), "RESOURCE_DELETED");
  decision = stored_.Direct(Change(kActivity, v1::Change::UNDELETE));
  ASSERT_TRUE(decision.ok());
  EXPECT_EQ(ErrorReason(decision->refusal), "NOT_DELETED");
  decision = stored_.Decide(Change(kActivity, v1::Change::UNDELETE));
  ASSERT_TRUE(decision.ok());
  EXPECT_TRUE(decision->refusal.ok());
  EXPECT_FALSE(decision->logged.has_value());
}

TEST_F(ChangeDecisionTest, ADirectEditIsOfTheCurrentVersionAndChecksTheEtag) {
  // Made on the current version, a direct edit never conflicts, whatever
  // base it names; it is refused when the etag it read is stale.
  v1::Action action;
  action.set_name(kAction);
  action.set_description("Refer to the Prevent team");
  action.set_rag(v1::GREEN);
  action.set_etag("\"5\"");
  stored_.Put(action, 5, kProbation);
  v1::Change edit = Change(kAction, v1::Change::UPDATE);
  SetRag(&edit, v1::RED, 4);
  absl::StatusOr<ChangeDecision> decision = stored_.Direct(edit, "\"5\"");
  ASSERT_TRUE(decision.ok());
  EXPECT_TRUE(decision->refusal.ok()) << decision->refusal;
  EXPECT_TRUE(decision->conflicts.empty());
  ASSERT_TRUE(decision->logged.has_value());
  v1::Action before;
  ASSERT_TRUE(before.ParseFromString(decision->logged->fields(0).base()));
  EXPECT_EQ(before.rag(), v1::GREEN);
  decision = stored_.Direct(edit, "\"4\"");
  ASSERT_TRUE(decision.ok());
  EXPECT_EQ(decision->refusal.code(), absl::StatusCode::kAborted);
  // An edit to the value it has changes nothing.
  v1::Change same = Change(kAction, v1::Change::UPDATE);
  SetRag(&same, v1::GREEN, 5);
  decision = stored_.Direct(same);
  ASSERT_TRUE(decision.ok());
  EXPECT_TRUE(decision->refusal.ok());
  EXPECT_FALSE(decision->logged.has_value());
}

TEST_F(ChangeDecisionTest, RulesADirectCallKeptNowHoldForPushesToo) {
  // Sets drop repeated values rather than being refused.
  v1::Change leads = Change(kActivity, v1::Change::UPDATE);
  v1::FieldChange* field = leads.add_fields();
  field->set_field("lead_organisations");
  v1::Activity value;
  value.add_lead_organisations(kPolice);
  value.add_lead_organisations(kProbation);
  value.add_lead_organisations(kPolice);
  field->set_value(value.SerializeAsString());
  field->set_base_sequence(3);
  absl::StatusOr<ChangeDecision> decision = stored_.Decide(leads);
  ASSERT_TRUE(decision.ok());
  ASSERT_TRUE(decision->refusal.ok()) << decision->refusal;
  ASSERT_TRUE(decision->logged.has_value());
  v1::Activity merged;
  ASSERT_TRUE(merged.ParseFromString(decision->logged->fields(0).value()));
  EXPECT_THAT(merged.lead_organisations(),
              ::testing::ElementsAre(kPolice, kProbation));

  // An undelete needs live ancestors.
  v1::Activity activity;
  activity.set_name(kActivity);
  activity.set_title("Channel");
  stored_.Put(activity, 5, kPolice, /*deleted=*/true);
  v1::Action action;
  action.set_name(kAction);
  action.set_description("Refer to the Prevent team");
  stored_.Put(action, 6, kPolice, /*deleted=*/true);
  for (Origin origin : {Origin::kDirect, Origin::kPushed}) {
    decision = stored_.Decide(Change(kAction, v1::Change::UNDELETE), nullptr,
                              kPolice, origin);
    ASSERT_TRUE(decision.ok());
    EXPECT_EQ(ErrorReason(decision->refusal), "PARENT_DELETED");
  }
}

}  // namespace
}  // namespace plan
