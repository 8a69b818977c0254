// The authorization decision alone: no store, no RPC.
#include "libplan/model/access.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libplan/util/errors.h"

namespace plan {
namespace {

using ::testing::HasSubstr;

constexpr char kPolice[] = "organisations/staffordshire-police";

ResourceName Name(const std::string& text) {
  return *ResourceName::Parse(text);
}

const ResourceName kPlan = Name("plans/south-staffordshire");
const ResourceName kActivity =
    Name("plans/south-staffordshire/activities/channel");
const ResourceName kAction =
    Name("plans/south-staffordshire/activities/channel/actions/refer");
const ResourceName kUpdate = Name(
    "plans/south-staffordshire/activities/channel/actions/refer/updates/q1");
const ResourceName kConflict = Name("plans/south-staffordshire/conflicts/c1");
const ResourceName kMember =
    Name("plans/south-staffordshire/members/staffordshire-police");
const ResourceName kStrand = Name("plans/south-staffordshire/strands/ideology");

AccessFacts Facts(Role role, bool leads = false) {
  AccessFacts facts;
  facts.role = role;
  facts.leads = leads;
  return facts;
}

std::string Reason(const absl::Status& status) { return ErrorReason(status); }

TEST(AccessTest, TheServiceItselfAndAdministratorsMayDoEverything) {
  for (const Caller& caller :
       {Caller{"", false}, Caller{"organisations/home-office", true}}) {
    for (const ResourceName& target :
         {kPlan, kAction, kMember, Name("organisations/x"),
          Name("organisations/x/conflicts/c1")}) {
      for (Operation operation :
           {Operation::kRead, Operation::kCreate, Operation::kUpdate,
            Operation::kDelete, Operation::kResolve, Operation::kImport}) {
        EXPECT_TRUE(Authorize(caller, operation, target, AccessFacts()).ok())
            << target.str();
      }
    }
  }
}

TEST(AccessTest, OrganisationsAreReadByAllAndChangedByThemselvesOrAdmins) {
  const Caller police{kPolice, false};
  EXPECT_TRUE(Authorize(police, Operation::kRead, Name("organisations/other"),
                        AccessFacts())
                  .ok());
  EXPECT_TRUE(
      Authorize(police, Operation::kUpdate, Name(kPolice), AccessFacts()).ok());
  for (Operation operation :
       {Operation::kCreate, Operation::kUpdate, Operation::kDelete}) {
    const absl::Status status = Authorize(
        police, operation, Name("organisations/other"), AccessFacts());
    EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
    EXPECT_EQ(Reason(status), "NOT_ADMINISTRATOR");
  }
  EXPECT_EQ(Reason(Authorize(police, Operation::kDelete, Name(kPolice),
                             AccessFacts())),
            "NOT_ADMINISTRATOR");
}

// An organisation's conflicts are like the organisation: everyone reads
// them (every agent holds them); the organisation resolves its own, and
// administrators any, whatever role anyone has in any plan.
TEST(AccessTest, OrganisationConflictsAreResolvedByTheOrganisationOrAdmins) {
  const Caller police{kPolice, false};
  const ResourceName own = Name(absl::StrCat(kPolice, "/conflicts/c1"));
  const ResourceName other = Name("organisations/other/conflicts/c1");
  EXPECT_TRUE(Authorize(police, Operation::kRead, other, AccessFacts()).ok());
  EXPECT_TRUE(Authorize(police, Operation::kResolve, own, AccessFacts()).ok());
  const absl::Status status =
      Authorize(police, Operation::kResolve, other, Facts(Role::kOwner, true));
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Reason(status), "NOT_ADMINISTRATOR");
  EXPECT_THAT(status.message(),
              HasSubstr("may not resolve conflicts of organisations other "
                        "than itself"));
  for (Operation operation :
       {Operation::kCreate, Operation::kUpdate, Operation::kDelete}) {
    EXPECT_EQ(Reason(Authorize(police, operation, own, AccessFacts())),
              "NOT_ADMINISTRATOR");
  }
  EXPECT_TRUE(Authorize({"organisations/home-office", true},
                        Operation::kResolve, other, AccessFacts())
                  .ok());
}

TEST(AccessTest, OnlyAdministratorsCreatePlans) {
  const absl::Status status = Authorize({kPolice, false}, Operation::kCreate,
                                        kPlan, Facts(Role::kOwner));
  EXPECT_EQ(Reason(status), "NOT_ADMINISTRATOR");
  EXPECT_THAT(status.message(), HasSubstr("only administrators"));
}

TEST(AccessTest, EveryRoleReadsAndTheParentPlansOwnerToo) {
  const Caller police{kPolice, false};
  for (Role role : {Role::kViewer, Role::kEditor, Role::kOwner}) {
    EXPECT_TRUE(Authorize(police, Operation::kRead, kAction, Facts(role)).ok());
  }
  const absl::Status none =
      Authorize(police, Operation::kRead, kAction, Facts(Role::kNone));
  EXPECT_EQ(Reason(none), "NOT_A_MEMBER");
  EXPECT_THAT(none.message(), HasSubstr("plans/south-staffordshire/members/"
                                        "staffordshire-police"));
  AccessFacts county;
  county.parent_role = Role::kOwner;
  EXPECT_TRUE(Authorize(police, Operation::kRead, kAction, county).ok());
  // ... but writes nothing there.
  EXPECT_EQ(Reason(Authorize(police, Operation::kUpdate, kAction, county)),
            "NOT_A_MEMBER");
  county.parent_role = Role::kViewer;
  EXPECT_EQ(Reason(Authorize(police, Operation::kRead, kAction, county)),
            "NOT_A_MEMBER");
}

TEST(AccessTest, ViewersWriteNothing) {
  const Caller police{kPolice, false};
  for (const ResourceName& target :
       {kPlan, kActivity, kAction, kUpdate, kConflict, kMember, kStrand}) {
    for (Operation operation :
         {Operation::kCreate, Operation::kUpdate, Operation::kDelete,
          Operation::kResolve, Operation::kImport}) {
      if (target.kind() == Kind::kPlan && operation == Operation::kCreate) {
        continue;  // administrators' alone
      }
      EXPECT_EQ(Reason(Authorize(police, operation, target,
                                 Facts(Role::kViewer, /*leads=*/true))),
                "ROLE_TOO_LOW")
          << target.str();
    }
  }
}

TEST(AccessTest, EditorsWriteWhatTheyLeadOrOwn) {
  const Caller police{kPolice, false};
  const AccessFacts leading = Facts(Role::kEditor, true);
  const AccessFacts other = Facts(Role::kEditor, false);
  EXPECT_TRUE(Authorize(police, Operation::kUpdate, kActivity, leading).ok());
  EXPECT_TRUE(Authorize(police, Operation::kCreate, kAction, leading).ok());
  EXPECT_TRUE(Authorize(police, Operation::kUpdate, kAction, leading).ok());
  EXPECT_TRUE(Authorize(police, Operation::kDelete, kAction, leading).ok());
  EXPECT_TRUE(Authorize(police, Operation::kCreate, kUpdate, leading).ok());
  EXPECT_TRUE(Authorize(police, Operation::kResolve, kConflict, leading).ok());
  for (const auto& [operation, target] :
       {std::pair{Operation::kUpdate, kActivity},
        {Operation::kCreate, kAction},
        {Operation::kUpdate, kAction},
        {Operation::kDelete, kAction},
        {Operation::kCreate, kUpdate},
        {Operation::kResolve, kConflict}}) {
    const absl::Status status = Authorize(police, operation, target, other);
    EXPECT_EQ(Reason(status), "NOT_LEAD_ORGANISATION") << target.str();
    EXPECT_THAT(status.message(), HasSubstr("only what it leads or owns"));
  }
  // Whatever it leads, the plan's structure and members are its OWNERs'.
  for (const auto& [operation, target] :
       {std::pair{Operation::kCreate, kActivity},
        {Operation::kDelete, kActivity},
        {Operation::kUpdate, kPlan},
        {Operation::kDelete, kPlan},
        {Operation::kImport, kPlan},
        {Operation::kCreate, kStrand},
        {Operation::kCreate, kMember},
        {Operation::kUpdate, kMember}}) {
    EXPECT_EQ(Reason(Authorize(police, operation, target, leading)),
              "ROLE_TOO_LOW")
        << target.str();
  }
  AccessFacts for_another = leading;
  for_another.reports_for_another = true;
  const absl::Status status =
      Authorize(police, Operation::kCreate, kUpdate, for_another);
  EXPECT_EQ(Reason(status), "NOT_LEAD_ORGANISATION");
  EXPECT_THAT(status.message(), HasSubstr("for itself only"));
}

TEST(AccessTest, OnlyAdministratorsRunTheService) {
  EXPECT_TRUE(AuthorizeAdministration({"", false}, "take backups").ok());
  EXPECT_TRUE(
      AuthorizeAdministration({"organisations/home-office", true}, "x").ok());
  const absl::Status status =
      AuthorizeAdministration({kPolice, false}, "take backups");
  EXPECT_EQ(Reason(status), "NOT_ADMINISTRATOR");
  EXPECT_THAT(status.message(), HasSubstr("may not take backups"));
}

TEST(AccessTest, OwnersDoEverythingWithinTheirPlan) {
  const Caller council{"organisations/south-staffordshire-council", false};
  for (const ResourceName& target :
       {kPlan, kActivity, kAction, kUpdate, kConflict, kMember, kStrand}) {
    for (Operation operation :
         {Operation::kRead, Operation::kCreate, Operation::kUpdate,
          Operation::kDelete, Operation::kResolve, Operation::kImport}) {
      if (target.kind() == Kind::kPlan && operation == Operation::kCreate) {
        continue;
      }
      EXPECT_TRUE(
          Authorize(council, operation, target, Facts(Role::kOwner)).ok())
          << target.str();
    }
  }
}

}  // namespace
}  // namespace plan
