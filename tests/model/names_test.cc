#include "libplan/model/names.h"

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prevent/plan/v1/resources.pb.h"

namespace plan {
namespace {

namespace v1 = ::prevent::plan::v1;
using ::testing::HasSubstr;

// A valid name of each kind, with what its accessors must return.
struct NameCase {
  Kind kind;
  std::string text;
  std::string id;
  std::optional<std::string> parent;
  std::string plan;
};

std::vector<NameCase> NameCases() {
  return {
      {Kind::kOrganisation, "organisations/x", "x", std::nullopt, ""},
      {Kind::kPlan, "plans/p", "p", std::nullopt, "plans/p"},
      {Kind::kStrand, "plans/p/strands/s", "s", "plans/p", "plans/p"},
      {Kind::kActivity, "plans/p/activities/a", "a", "plans/p", "plans/p"},
      {Kind::kAction, "plans/p/activities/a/actions/x", "x",
       "plans/p/activities/a", "plans/p"},
      {Kind::kProgressUpdate, "plans/p/activities/a/actions/x/updates/u", "u",
       "plans/p/activities/a/actions/x", "plans/p"},
      // Longer ids, so offsets are not accidentally right for one-letter ids.
      {Kind::kProgressUpdate,
       "plans/south-staffs-2024/activities/channel-1/actions/refer/updates/"
       "q3-report",
       "q3-report",
       "plans/south-staffs-2024/activities/channel-1/actions/refer",
       "plans/south-staffs-2024"},
      {Kind::kStrand, "plans/0/strands/ideology", "ideology", "plans/0",
       "plans/0"},
      {Kind::kMember, "plans/p/members/staffordshire-police",
       "staffordshire-police", "plans/p", "plans/p"},
      {Kind::kConflict, "plans/p/conflicts/c", "c", "plans/p", "plans/p"},
      // An organisation's conflicts belong to no plan, as it does.
      {Kind::kOrganisationConflict, "organisations/x/conflicts/c", "c",
       "organisations/x", ""},
  };
}

class ValidNameTest : public ::testing::TestWithParam<NameCase> {};

TEST_P(ValidNameTest, ParsesToItsKind) {
  const NameCase& c = GetParam();
  absl::StatusOr<ResourceName> name = ResourceName::Parse(c.text);
  ASSERT_TRUE(name.ok()) << name.status();
  EXPECT_EQ(name->kind(), c.kind);
  EXPECT_EQ(name->str(), c.text);
}

TEST_P(ValidNameTest, ParsesAsItsOwnKindOnly) {
  const NameCase& c = GetParam();
  for (Kind kind : kReplicatedKinds) {
    absl::StatusOr<ResourceName> name = ResourceName::ParseAs(kind, c.text);
    if (kind == c.kind) {
      ASSERT_TRUE(name.ok()) << name.status();
      EXPECT_EQ(name->kind(), c.kind);
      EXPECT_EQ(name->str(), c.text);
    } else {
      EXPECT_EQ(name.status().code(), absl::StatusCode::kInvalidArgument)
          << c.text << " as kind " << static_cast<int>(kind);
    }
  }
}

TEST_P(ValidNameTest, IdIsTheLastSegment) {
  const NameCase& c = GetParam();
  absl::StatusOr<ResourceName> name = ResourceName::Parse(c.text);
  ASSERT_TRUE(name.ok()) << name.status();
  EXPECT_EQ(name->id(), c.id);
}

TEST_P(ValidNameTest, ParentDropsTheLastCollectionAndId) {
  const NameCase& c = GetParam();
  absl::StatusOr<ResourceName> name = ResourceName::Parse(c.text);
  ASSERT_TRUE(name.ok()) << name.status();
  std::optional<ResourceName> parent = name->Parent();
  ASSERT_EQ(parent.has_value(), c.parent.has_value());
  if (!parent.has_value()) return;
  EXPECT_EQ(parent->str(), *c.parent);
  EXPECT_EQ(parent->kind(), InfoOf(c.kind).parent);
  // The parent is itself a valid name of the parent kind.
  absl::StatusOr<ResourceName> reparsed = ResourceName::Parse(parent->str());
  ASSERT_TRUE(reparsed.ok()) << reparsed.status();
  EXPECT_EQ(reparsed->kind(), parent->kind());
}

TEST_P(ValidNameTest, PlanIsThePlanPrefix) {
  const NameCase& c = GetParam();
  absl::StatusOr<ResourceName> name = ResourceName::Parse(c.text);
  ASSERT_TRUE(name.ok()) << name.status();
  EXPECT_EQ(name->Plan(), c.plan);
}

TEST_P(ValidNameTest, ChildOfParentRebuildsTheName) {
  const NameCase& c = GetParam();
  absl::StatusOr<ResourceName> name = ResourceName::Parse(c.text);
  ASSERT_TRUE(name.ok()) << name.status();
  std::optional<ResourceName> parent = name->Parent();
  const ResourceName child = ResourceName::Child(
      parent.has_value() ? &*parent : nullptr, c.kind, c.id);
  EXPECT_EQ(child.kind(), c.kind);
  EXPECT_EQ(child.str(), c.text);
  EXPECT_TRUE(child == *name);
}

INSTANTIATE_TEST_SUITE_P(AllKinds, ValidNameTest,
                         ::testing::ValuesIn(NameCases()));

TEST(ResourceNameTest, EveryKindHasAValidNameCase) {
  std::set<Kind> covered;
  for (const NameCase& c : NameCases()) covered.insert(c.kind);
  for (Kind kind : kReplicatedKinds) EXPECT_GE(covered.count(kind), 1u);
}

class InvalidNameTest : public ::testing::TestWithParam<std::string> {};

TEST_P(InvalidNameTest, ParseRefuses) {
  absl::StatusOr<ResourceName> name = ResourceName::Parse(GetParam());
  ASSERT_FALSE(name.ok()) << GetParam() << " parsed as " << name->str();
  EXPECT_EQ(name.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(name.status().message(), HasSubstr("is not a resource name"));
}

TEST_P(InvalidNameTest, ParseAsRefusesForEveryKind) {
  for (Kind kind : kReplicatedKinds) {
    EXPECT_EQ(ResourceName::ParseAs(kind, GetParam()).status().code(),
              absl::StatusCode::kInvalidArgument)
        << GetParam() << " as kind " << static_cast<int>(kind);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rejections, InvalidNameTest,
    ::testing::Values(
        "", "/", "plans", "plans/", "plans/p/", "/plans/p",
        "plans/p/strands/s/", "plans//strands/s", "plans/p/strands/",
        "organisations/x/", "plans/P", "plans/Plan", "plans/p/strands/S",
        "organisations/Police",
        // 64 characters: one too many.
        "plans/" + std::string(64, 'a'),
        "plans/p/activities/" + std::string(64, 'b'), "plans/-p", "plans/-",
        "plans/p/activities/-", "plans/a_b", "plans/a.b", "plans/p q",
        "plans/p ", " plans/p", "plans/caf\xC3\xA9", "widgets/w",
        "plans/p/widgets/w", "plan/p", "Plans/p", "organisation/x",
        "plans/p/actions/x", "plans/p/activities/a/updates/u",
        "plans/p/strands/s/actions/x", "organisations/x/activities/a",
        "organisations/x/conflicts", "organisations/x/conflicts/C",
        "organisations/x/conflicts/c/more", "plans/p/conflicts/c/more",
        // Extra segments.
        "organisations/x/y", "organisations/x/y/z", "plans/p/strands",
        "plans/p/strands/s/extra", "plans/p/strands/s/activities/a",
        "plans/p/activities/a/actions/x/updates/u/more",
        "plans/p/activities/a/actions/x/updates/u/more/m"));

TEST(ResourceNameTest, IdOf63CharactersIsAccepted) {
  const std::string id(63, 'a');
  for (const std::string& text :
       {"organisations/" + id, "plans/" + id, "plans/" + id + "/strands/" + id,
        "plans/p/activities/a/actions/x/updates/" + id}) {
    absl::StatusOr<ResourceName> name = ResourceName::Parse(text);
    ASSERT_TRUE(name.ok()) << text << ": " << name.status();
    EXPECT_EQ(name->id(), id);
  }
}

TEST(ResourceNameTest, ParseAsNamesTheExpectedPattern) {
  absl::StatusOr<ResourceName> name =
      ResourceName::ParseAs(Kind::kStrand, "plans/p/activities/a");
  ASSERT_FALSE(name.ok());
  EXPECT_EQ(name.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(name.status().message(), HasSubstr("plans/p/activities/a"));
  EXPECT_THAT(name.status().message(), HasSubstr("plans/{id}/strands/{id}"));

  name = ResourceName::ParseAs(Kind::kProgressUpdate, "nonsense");
  ASSERT_FALSE(name.ok());
  EXPECT_THAT(
      name.status().message(),
      HasSubstr("plans/{id}/activities/{id}/actions/{id}/updates/{id}"));

  name = ResourceName::ParseAs(Kind::kOrganisation, "plans/p");
  ASSERT_FALSE(name.ok());
  EXPECT_THAT(name.status().message(), HasSubstr("organisations/{id}"));
}

TEST(ResourceNameTest, ParseErrorQuotesTheText) {
  absl::StatusOr<ResourceName> name = ResourceName::Parse("plans/Bad");
  ASSERT_FALSE(name.ok());
  EXPECT_THAT(name.status().message(), HasSubstr("\"plans/Bad\""));
}

TEST(ResourceNameTest, ChildOfNoParent) {
  const ResourceName org =
      ResourceName::Child(nullptr, Kind::kOrganisation, "police");
  EXPECT_EQ(org.kind(), Kind::kOrganisation);
  EXPECT_EQ(org.str(), "organisations/police");
  EXPECT_EQ(org.id(), "police");
  EXPECT_FALSE(org.Parent().has_value());
  EXPECT_EQ(org.Plan(), "");

  const ResourceName plan = ResourceName::Child(nullptr, Kind::kPlan, "p");
  EXPECT_EQ(plan.kind(), Kind::kPlan);
  EXPECT_EQ(plan.str(), "plans/p");
  EXPECT_FALSE(plan.Parent().has_value());
  EXPECT_EQ(plan.Plan(), "plans/p");
}

TEST(ResourceNameTest, ChildrenDownToAProgressUpdate) {
  const ResourceName plan = ResourceName::Child(nullptr, Kind::kPlan, "p");
  const ResourceName strand = ResourceName::Child(&plan, Kind::kStrand, "s");
  EXPECT_EQ(strand.str(), "plans/p/strands/s");
  EXPECT_EQ(strand.kind(), Kind::kStrand);
  const ResourceName activity =
      ResourceName::Child(&plan, Kind::kActivity, "a");
  EXPECT_EQ(activity.str(), "plans/p/activities/a");
  const ResourceName action =
      ResourceName::Child(&activity, Kind::kAction, "x");
  EXPECT_EQ(action.str(), "plans/p/activities/a/actions/x");
  EXPECT_EQ(action.kind(), Kind::kAction);
  const ResourceName update =
      ResourceName::Child(&action, Kind::kProgressUpdate, "u");
  EXPECT_EQ(update.str(), "plans/p/activities/a/actions/x/updates/u");
  EXPECT_EQ(update.kind(), Kind::kProgressUpdate);
  ASSERT_TRUE(update.Parent().has_value());
  EXPECT_TRUE(*update.Parent() == action);
  EXPECT_EQ(update.Plan(), "plans/p");
}

TEST(ResourceNameTest, EqualityComparesTheText) {
  absl::StatusOr<ResourceName> a = ResourceName::Parse("plans/p/strands/s");
  absl::StatusOr<ResourceName> b = ResourceName::Parse("plans/p/strands/s");
  absl::StatusOr<ResourceName> c = ResourceName::Parse("plans/p/strands/t");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_TRUE(*a == *b);
  EXPECT_FALSE(*a == *c);
}

// Organisations and their conflicts belong to no plan, and every replica
// holds them; a conflict is kept in its target's plan, or with its
// organisation.
TEST(ResourceNameTest, ConflictsAreKeptInThePlanOrWithTheOrganisation) {
  for (Kind kind : kReplicatedKinds) {
    EXPECT_EQ(IsPlanless(kind), kind == Kind::kOrganisation ||
                                    kind == Kind::kOrganisationConflict)
        << static_cast<int>(kind);
    EXPECT_EQ(IsConflict(kind),
              kind == Kind::kConflict || kind == Kind::kOrganisationConflict)
        << static_cast<int>(kind);
  }
  EXPECT_EQ(InfoOf(Kind::kOrganisationConflict).descriptor,
            v1::Conflict::descriptor());
  EXPECT_EQ(InfoOf(Kind::kOrganisationConflict).parent, Kind::kOrganisation);
  EXPECT_FALSE(InfoOf(Kind::kOrganisationConflict).updatable);
  for (const auto& [target, conflict] :
       std::vector<std::pair<std::string, std::string>>{
           {"organisations/x", "organisations/x/conflicts/c"},
           {"organisations/x/conflicts/d", "organisations/x/conflicts/c"},
           {"plans/p", "plans/p/conflicts/c"},
           {"plans/p/activities/a/actions/x", "plans/p/conflicts/c"},
           {"plans/p/conflicts/d", "plans/p/conflicts/c"}}) {
    const ResourceName name = ConflictName(*ResourceName::Parse(target), "c");
    EXPECT_EQ(name.str(), conflict) << target;
    EXPECT_EQ(name.kind(), ConflictKindOf(conflict)) << target;
    EXPECT_TRUE(ResourceName::ParseAs(name.kind(), name.str()).ok()) << target;
  }
  EXPECT_EQ(ConflictKindOf("organisations/x"), Kind::kOrganisationConflict);
  EXPECT_EQ(ConflictKindOf("plans/p"), Kind::kConflict);
  EXPECT_EQ(ConflictKindOf("nonsense"), Kind::kConflict);
}

TEST(KindInfoTest, DescribesEveryKind) {
  EXPECT_EQ(InfoOf(Kind::kOrganisation).field, "organisation");
  EXPECT_EQ(InfoOf(Kind::kOrganisation).descriptor,
            v1::Organisation::descriptor());
  EXPECT_FALSE(InfoOf(Kind::kOrganisation).parent.has_value());
  EXPECT_EQ(InfoOf(Kind::kPlan).descriptor, v1::Plan::descriptor());
  EXPECT_FALSE(InfoOf(Kind::kPlan).parent.has_value());
  EXPECT_EQ(InfoOf(Kind::kStrand).parent, Kind::kPlan);
  EXPECT_EQ(InfoOf(Kind::kActivity).parent, Kind::kPlan);
  EXPECT_EQ(InfoOf(Kind::kAction).parent, Kind::kActivity);
  EXPECT_EQ(InfoOf(Kind::kAction).descriptor, v1::Action::descriptor());
  EXPECT_EQ(InfoOf(Kind::kProgressUpdate).parent, Kind::kAction);
  EXPECT_EQ(InfoOf(Kind::kProgressUpdate).field, "progress_update");
  EXPECT_EQ(InfoOf(Kind::kProgressUpdate).descriptor,
            v1::ProgressUpdate::descriptor());
  EXPECT_FALSE(InfoOf(Kind::kProgressUpdate).updatable);
  for (Kind kind : kAllKinds) {
    EXPECT_EQ(InfoOf(kind).kind, kind);
    if (kind != Kind::kProgressUpdate) {
      EXPECT_TRUE(InfoOf(kind).updatable);
    }
  }
  EXPECT_EQ(InfoOf(Kind::kAction).collections,
            (std::vector<absl::string_view>{"plans", "activities", "actions"}));
}

TEST(IsValidIdTest, AcceptsLowercaseLettersDigitsAndInnerHyphens) {
  for (const std::string& id :
       {std::string("a"), std::string("0"), std::string("abc"),
        std::string("a-b"), std::string("9lives"), std::string("a--b"),
        std::string("a-"), std::string("south-staffordshire-2024"),
        std::string(63, 'z'), std::string(62, '1') + "-"}) {
    EXPECT_TRUE(IsValidId(id)) << id;
  }
}

TEST(IsValidIdTest, RefusesOthers) {
  for (const std::string& id :
       {std::string(""), std::string("-"), std::string("-a"), std::string("A"),
        std::string("aBc"), std::string("a_b"), std::string("a.b"),
        std::string("a b"), std::string(" a"), std::string("a/b"),
        std::string("caf\xC3\xA9"), std::string("a\0b", 3),
        std::string(64, 'a'), std::string(100, 'a')}) {
    EXPECT_FALSE(IsValidId(id)) << id;
  }
}

TEST(RandomIdTest, IsAValidIdOfTwelveCharacters) {
  for (int i = 0; i < 100; ++i) {
    const std::string id = RandomId();
    EXPECT_EQ(id.size(), 12u) << id;
    EXPECT_TRUE(IsValidId(id)) << id;
    EXPECT_TRUE(ResourceName::Parse("plans/" + id).ok()) << id;
  }
}

TEST(RandomIdTest, ThousandDrawsAreUnique) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(RandomId());
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(RandomIdTest, UsesTheWholeAlphabet) {
  // 36 symbols in 12,000 draws: missing one has probability ~1e-143.
  std::set<char> seen;
  for (int i = 0; i < 1000; ++i) {
    for (char c : RandomId()) seen.insert(c);
  }
  EXPECT_EQ(seen.size(), 36u);
}

// A List parent that must be accepted.
struct ListParentCase {
  Kind child_kind;
  std::string parent;
  std::string prefix;
  std::optional<std::string> ancestor;
  std::optional<Kind> ancestor_kind;
};

class ValidListParentTest : public ::testing::TestWithParam<ListParentCase> {};

TEST_P(ValidListParentTest, GivesPrefixAndAncestor) {
  const ListParentCase& c = GetParam();
  absl::StatusOr<ListParent> parent = ParseListParent(c.child_kind, c.parent);
  ASSERT_TRUE(parent.ok()) << c.parent << ": " << parent.status();
  EXPECT_EQ(parent->prefix, c.prefix);
  ASSERT_EQ(parent->ancestor.has_value(), c.ancestor.has_value());
  if (c.ancestor.has_value()) {
    EXPECT_EQ(parent->ancestor->str(), *c.ancestor);
    EXPECT_EQ(parent->ancestor->kind(), c.ancestor_kind);
  }
}

TEST_P(ValidListParentTest, EveryChildNameStartsWithThePrefix) {
  const ListParentCase& c = GetParam();
  absl::StatusOr<ListParent> parent = ParseListParent(c.child_kind, c.parent);
  ASSERT_TRUE(parent.ok()) << parent.status();
  // Replace every wildcard by a concrete id, then add a child.
  std::string concrete = c.parent;
  for (size_t at; (at = concrete.find("/-")) != std::string::npos &&
                  (at + 2 == concrete.size() || concrete[at + 2] == '/');) {
    concrete.replace(at, 2, "/w");
  }
  std::optional<ResourceName> concrete_parent;
  if (!concrete.empty()) {
    absl::StatusOr<ResourceName> name = ResourceName::Parse(concrete);
    ASSERT_TRUE(name.ok()) << name.status();
    concrete_parent = *name;
  }
  const ResourceName child = ResourceName::Child(
      concrete_parent.has_value() ? &*concrete_parent : nullptr, c.child_kind,
      "child");
  EXPECT_EQ(child.str().rfind(parent->prefix, 0), 0u)
      << child.str() << " does not start with " << parent->prefix;
}

INSTANTIATE_TEST_SUITE_P(
    Parents, ValidListParentTest,
    ::testing::Values(
        ListParentCase{Kind::kOrganisation, "", "organisations/", std::nullopt,
                       std::nullopt},
        ListParentCase{Kind::kPlan, "", "plans/", std::nullopt, std::nullopt},
        ListParentCase{Kind::kStrand, "plans/p", "plans/p/strands/", "plans/p",
                       Kind::kPlan},
        ListParentCase{Kind::kActivity, "plans/p", "plans/p/activities/",
                       "plans/p", Kind::kPlan},
        ListParentCase{Kind::kAction, "plans/p/activities/a",
                       "plans/p/activities/a/actions/", "plans/p/activities/a",
                       Kind::kActivity},
        ListParentCase{Kind::kAction, "plans/p/activities/-",
                       "plans/p/activities/", "plans/p", Kind::kPlan},
        ListParentCase{Kind::kProgressUpdate, "plans/p/activities/a/actions/x",
                       "plans/p/activities/a/actions/x/updates/",
                       "plans/p/activities/a/actions/x", Kind::kAction},
        ListParentCase{Kind::kProgressUpdate, "plans/p/activities/a/actions/-",
                       "plans/p/activities/a/actions/", "plans/p/activities/a",
                       Kind::kActivity},
        ListParentCase{Kind::kProgressUpdate, "plans/p/activities/-/actions/-",
                       "plans/p/activities/", "plans/p", Kind::kPlan},
        ListParentCase{Kind::kConflict, "plans/p", "plans/p/conflicts/",
                       "plans/p", Kind::kPlan},
        ListParentCase{Kind::kOrganisationConflict, "organisations/x",
                       "organisations/x/conflicts/", "organisations/x",
                       Kind::kOrganisation}));

// A List parent that must be refused.
struct BadListParentCase {
  Kind child_kind;
  std::string parent;
};

class InvalidListParentTest
    : public ::testing::TestWithParam<BadListParentCase> {};

TEST_P(InvalidListParentTest, IsInvalidArgument) {
  const BadListParentCase& c = GetParam();
  absl::StatusOr<ListParent> parent = ParseListParent(c.child_kind, c.parent);
  ASSERT_FALSE(parent.ok())
      << "\"" << c.parent << "\" accepted with prefix " << parent->prefix;
  EXPECT_EQ(parent.status().code(), absl::StatusCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(
    Rejections, InvalidListParentTest,
    ::testing::Values(
        // The plan id is never a wildcard.
        BadListParentCase{Kind::kStrand, "plans/-"},
        BadListParentCase{Kind::kActivity, "plans/-"},
        BadListParentCase{Kind::kAction, "plans/-/activities/-"},
        BadListParentCase{Kind::kAction, "plans/-/activities/a"},
        BadListParentCase{Kind::kProgressUpdate,
                          "plans/-/activities/-/actions/-"},
        // A named id after a wildcard.
        BadListParentCase{Kind::kProgressUpdate,
                          "plans/p/activities/-/actions/x"},
        // Parents required.
        BadListParentCase{Kind::kStrand, ""},
        BadListParentCase{Kind::kActivity, ""},
        BadListParentCase{Kind::kAction, ""},
        BadListParentCase{Kind::kProgressUpdate, ""},
        // No parent allowed.
        BadListParentCase{Kind::kOrganisation, "organisations/x"},
        BadListParentCase{Kind::kOrganisation, "plans/p"},
        BadListParentCase{Kind::kOrganisation, "-"},
        BadListParentCase{Kind::kPlan, "plans/p"},
        BadListParentCase{Kind::kPlan, "organisations/x"},
        // Wrong parent kind or malformed.
        BadListParentCase{Kind::kStrand, "plans/p/activities/a"},
        BadListParentCase{Kind::kStrand, "organisations/x"},
        BadListParentCase{Kind::kStrand, "plans/p/"},
        BadListParentCase{Kind::kStrand, "plans/P"},
        BadListParentCase{Kind::kStrand, "plans"},
        BadListParentCase{Kind::kAction, "plans/p"},
        BadListParentCase{Kind::kAction, "plans/p/strands/s"},
        BadListParentCase{Kind::kAction, "plans/p/activities/a/actions/x"},
        BadListParentCase{Kind::kAction, "plans/p/activities/"},
        BadListParentCase{Kind::kAction, "plans/p/activities/--"},
        BadListParentCase{Kind::kAction, "plans/p/activities/-a"},
        BadListParentCase{Kind::kProgressUpdate, "plans/p/activities/a"},
        BadListParentCase{Kind::kProgressUpdate,
                          "plans/p/activities/a/actions/x/updates/u"},
        BadListParentCase{Kind::kProgressUpdate, "plans/p/strands/-/actions/-"},
        // An organisation's conflicts are listed one organisation at a time.
        BadListParentCase{Kind::kOrganisationConflict, "organisations/-"},
        BadListParentCase{Kind::kOrganisationConflict, ""},
        BadListParentCase{Kind::kOrganisationConflict, "plans/p"},
        BadListParentCase{Kind::kConflict, "organisations/x"}));

TEST(ParseListParentTest, ErrorNamesTheParentAndTheExpectedForm) {
  absl::StatusOr<ListParent> parent =
      ParseListParent(Kind::kProgressUpdate, "plans/p/activities/-/actions/x");
  ASSERT_FALSE(parent.ok());
  EXPECT_THAT(parent.status().message(),
              HasSubstr("plans/p/activities/-/actions/x"));
  EXPECT_THAT(parent.status().message(),
              HasSubstr("plans/{id}/activities/{id}/actions/{id}"));
}

}  // namespace
}  // namespace plan
