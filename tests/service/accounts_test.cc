// Local accounts on a real RocksDB store: what is kept (an Argon2id hash,
// never the password), what is refused, and that a wrong password and an
// unknown user are told apart by nothing.
#include "libplan/service/accounts.h"

#include <memory>
#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libplan/clock/hybrid_clock.h"
#include "libplan/service/plan_resources.h"
#include "libplan/util/errors.h"
#include "prevent/plan/v1/resources.pb.h"
#include "tests/support/temp_dir.h"

namespace plan {
namespace {

using prevent::plan::test_support::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
namespace v1 = prevent::plan::v1;

constexpr char kCouncil[] = "organisations/ssdc";
constexpr char kPassword[] = "correct horse battery";

class AccountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TempDir> dir = TempDir::Create("accounts-test");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_.emplace(std::move(*dir));
    OpenStore();
    PlanResources resources(store_.get(), &clock_, PlanResourcesOptions());
    for (const char* id : {"ssdc", "police"}) {
      v1::Organisation organisation;
      organisation.set_display_name(id);
      v1::Organisation created;
      ASSERT_TRUE(resources
                      .Create(Kind::kOrganisation, "", id, organisation,
                              Actor(), &created)
                      .ok());
    }
  }

  void OpenStore() {
    accounts_.reset();
    store_.reset();
    absl::StatusOr<std::unique_ptr<Store>> store =
        Store::Open({.path = dir_->Subpath("db")});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    accounts_ = std::make_unique<Accounts>(store_.get());
  }

  std::optional<TempDir> dir_;
  HybridClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Accounts> accounts_;
};

TEST_F(AccountsTest, AddsVerifiesListsAndRemovesDurably) {
  absl::StatusOr<AccountInfo> added =
      accounts_->Add({.user = " Ann.Smith@SStaffs.gov.uk ",
                      .organisation = kCouncil,
                      .password = kPassword});
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(added->user, "ann.smith@sstaffs.gov.uk");
  EXPECT_EQ(added->organisation, kCouncil);

  // It survives a restart of the store.
  ASSERT_NO_FATAL_FAILURE(OpenStore());
  absl::StatusOr<AccountInfo> verified =
      accounts_->Verify("ANN.SMITH@sstaffs.gov.uk", kPassword);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->organisation, kCouncil);
  EXPECT_EQ(verified->create_time, added->create_time);

  // Only a hash is stored: the password's bytes are nowhere in the record.
  absl::StatusOr<std::optional<std::string>> record =
      store_->NewReadView()->Get(Cf::kMeta, "account/ann.smith@sstaffs.gov.uk");
  ASSERT_TRUE(record.ok() && record->has_value());
  EXPECT_THAT(**record, Not(HasSubstr(kPassword)));
  EXPECT_THAT(**record, HasSubstr("$argon2id$"));

  ASSERT_TRUE(accounts_
                  ->Add({.user = "bob",
                         .organisation = "organisations/police",
                         .password = "another long password"})
                  .ok());
  absl::StatusOr<std::vector<AccountInfo>> all = accounts_->List();
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].user, "ann.smith@sstaffs.gov.uk");
  EXPECT_EQ((*all)[1].user, "bob");

  ASSERT_TRUE(accounts_->Remove("BOB").ok());
  EXPECT_EQ(accounts_->Remove("bob").code(), absl::StatusCode::kNotFound);
  absl::StatusOr<std::optional<AccountInfo>> gone = accounts_->Find("bob");
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
  EXPECT_EQ(accounts_->Verify("bob", "another long password").status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(AccountsTest, WrongPasswordAndUnknownUserGetTheSameAnswer) {
  ASSERT_TRUE(
      accounts_
          ->Add(
              {.user = "ann", .organisation = kCouncil, .password = kPassword})
          .ok());
  const absl::Status wrong =
      accounts_->Verify("ann", "correct horse batterY").status();
  const absl::Status unknown = accounts_->Verify("nobody", kPassword).status();
  const absl::Status empty = accounts_->Verify("", "").status();
  for (const absl::Status& status : {wrong, unknown, empty}) {
    EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(ErrorReason(status), "BAD_CREDENTIALS");
    EXPECT_EQ(status.message(), wrong.message());
  }
}

TEST_F(AccountsTest, RefusesBadAccountsNamingTheFieldAndChangesNothing) {
  const auto field_of = [](const absl::Status& status) {
    std::vector<std::string> fields;
    for (const FieldViolation& violation : FieldViolationsOf(status)) {
      fields.push_back(violation.field);
    }
    return fields;
  };
  absl::Status status = accounts_
                            ->Add({.user = "ann smith",
                                   .organisation = kCouncil,
                                   .password = kPassword})
                            .status();
  EXPECT_THAT(field_of(status), ElementsAre("user"));
  status =
      accounts_
          ->Add(
              {.user = "-ann", .organisation = kCouncil, .password = kPassword})
          .status();
  EXPECT_THAT(field_of(status), ElementsAre("user"));
  status = accounts_
               ->Add({.user = std::string(65, 'a'),
                      .organisation = kCouncil,
                      .password = kPassword})
               .status();
  EXPECT_THAT(field_of(status), ElementsAre("user"));
  status =
      accounts_
          ->Add({.user = "ann", .organisation = "police", .password = "short"})
          .status();
  EXPECT_THAT(field_of(status), ElementsAre("organisation", "password"));
  // Twelve characters, not bytes: "ééééééééééé" is 22 bytes but 11 characters.
  status = accounts_
               ->Add({.user = "ann",
                      .organisation = kCouncil,
                      .password = "ééééééééééé"})
               .status();
  EXPECT_THAT(field_of(status), ElementsAre("password"));
  status = accounts_
               ->Add({.user = "ann",
                      .organisation = kCouncil,
                      .password = std::string(1025, 'x')})
               .status();
  EXPECT_THAT(field_of(status), ElementsAre("password"));
  status = accounts_
               ->Add({.user = "ann",
                      .organisation = kCouncil,
                      .password = "twelve chars\xff"})
               .status();
  EXPECT_THAT(field_of(status), ElementsAre("password"));

  status = accounts_
               ->Add({.user = "ann",
                      .organisation = "organisations/nobody",
                      .password = kPassword})
               .status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(status), "ORGANISATION_NOT_FOUND");

  absl::StatusOr<std::vector<AccountInfo>> all = accounts_->List();
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
}

TEST_F(AccountsTest, ReplacesOnlyWhenAsked) {
  ASSERT_TRUE(
      accounts_
          ->Add(
              {.user = "ann", .organisation = kCouncil, .password = kPassword})
          .ok());
  absl::Status again = accounts_
                           ->Add({.user = "ann",
                                  .organisation = "organisations/police",
                                  .password = "a different password"})
                           .status();
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(accounts_->Verify("ann", kPassword).ok());

  absl::StatusOr<AccountInfo> replaced =
      accounts_->Add({.user = "ann",
                      .organisation = "organisations/police",
                      .password = "a different password",
                      .replace = true});
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  EXPECT_FALSE(accounts_->Verify("ann", kPassword).ok());
  absl::StatusOr<AccountInfo> now =
      accounts_->Verify("ann", "a different password");
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->organisation, "organisations/police");
}

}  // namespace
}  // namespace plan
