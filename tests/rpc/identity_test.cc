// Who a call acts for, over real gRPC on loopback: in development mode the
// x-prevent-organisation metadata names it; in fixed mode (an agent's local
// API) it is always the agent's; in both, metadata naming anyone else is
// refused. Certificate mode is tested end to end over TLS
// (tests/e2e/tls_e2e_test.cc).
#include "libplan/rpc/identity.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libplan/rpc/plan_service.h"
#include "libplan/rpc/server.h"
#include "libplan/util/log.h"
#include "tests/support/temp_dir.h"

namespace plan {
namespace {

using prevent::plan::test_support::TempDir;
namespace v1 = prevent::plan::v1;

TEST(OrganisationOfSpiffeIdTest, OnlyAnOrganisationOfTheTrustDomain) {
  EXPECT_EQ(OrganisationOfSpiffeId(
                "spiffe://prevent.local/organisations/staffordshire-police",
                "prevent.local"),
            "organisations/staffordshire-police");
  for (const char* uri :
       {"spiffe://other.local/organisations/staffordshire-police",
        "spiffe://prevent.local.evil/organisations/police",
        "spiffe://prevent.localorganisations/police",
        "spiffe://prevent.local/plans/police",
        "spiffe://prevent.local/organisations/",
        "spiffe://prevent.local/organisations/Police",
        "spiffe://prevent.local/organisations/police/extra",
        "https://prevent.local/organisations/police",
        "spiffe://prevent.local/organisations/police?x=1", ""}) {
    EXPECT_EQ(OrganisationOfSpiffeId(uri, "prevent.local"), "") << uri;
  }
}

class IdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetLoggingEnabled(false);
    absl::StatusOr<TempDir> dir = TempDir::Create("identity-test");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_.emplace(std::move(*dir));
    absl::StatusOr<std::unique_ptr<Store>> store =
        Store::Open({.path = dir_->Subpath("db")});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    PlanResourcesOptions options;
    options.default_organisation = "organisations/county";
    resources_ =
        std::make_unique<PlanResources>(store_.get(), &clock_, options);
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  void Serve(Authenticator::Options options) {
    auth_.emplace(std::move(options));
    service_ = std::make_unique<PlanServiceImpl>(resources_.get(), &*auth_);
    grpc::ServerBuilder builder;
    ConfigureServerBuilder(ServerOptions(), &builder);
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::PlanService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }

  // Creates plan `id` with the given metadata; returns the status and, when
  // it was created, the organisation (and in `recorded_user` the person) its
  // change records.
  grpc::Status CreatePlan(const std::string& id, const std::string& claimed,
                          const std::string& user, std::string* recorded,
                          std::string* recorded_user = nullptr,
                          const std::string& gateway = "") {
    grpc::ClientContext context;
    if (!claimed.empty()) context.AddMetadata(kOrganisationMetadata, claimed);
    if (!gateway.empty()) context.AddMetadata(kGatewayMetadata, gateway);
    if (!user.empty()) context.AddMetadata(kUserMetadata, user);
    v1::CreatePlanRequest request;
    request.set_plan_id(id);
    request.mutable_plan()->set_title("A plan");
    v1::Plan created;
    const uint64_t before = store_->last_sequence();
    grpc::Status status = stub_->CreatePlan(&context, request, &created);
    if (status.ok()) {
      EXPECT_EQ(store_->last_sequence(), before + 1);
      absl::StatusOr<std::optional<std::string>> bytes =
          store_->NewReadView()->Get(Cf::kChanges,
                                     SequenceKey(store_->last_sequence()));
      v1::Change change;
      EXPECT_TRUE(bytes.ok() && bytes->has_value() &&
                  change.ParseFromString(**bytes));
      *recorded = change.organisation();
      if (recorded_user != nullptr) *recorded_user = change.user();
    } else {
      EXPECT_EQ(store_->last_sequence(), before) << "a refusal wrote";
    }
    return status;
  }

  std::optional<TempDir> dir_;
  std::unique_ptr<Store> store_;
  HybridClock clock_;
  std::unique_ptr<PlanResources> resources_;
  std::optional<Authenticator> auth_;
  std::unique_ptr<PlanServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::PlanService::Stub> stub_;
};

TEST_F(IdentityTest, DevelopmentModeTakesTheMetadataOrTheDefault) {
  Serve({.mode = Authenticator::Mode::kDevelopment,
         .organisation = "organisations/admin"});
  std::string recorded;
  ASSERT_TRUE(CreatePlan("a", "organisations/police", "", &recorded).ok());
  EXPECT_EQ(recorded, "organisations/police");
  ASSERT_TRUE(CreatePlan("b", "", "", &recorded).ok());
  EXPECT_EQ(recorded, "organisations/admin");
  const grpc::Status bad = CreatePlan("c", "police", "", &recorded);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(bad.error_message().find("x-prevent-organisation"),
            std::string::npos)
      << bad.error_message();
}

TEST_F(IdentityTest, FixedModeActsAsItsOrganisationAndRefusesAnother) {
  Serve({.mode = Authenticator::Mode::kFixed,
         .organisation = "organisations/police"});
  std::string recorded;
  ASSERT_TRUE(CreatePlan("a", "", "", &recorded).ok());
  EXPECT_EQ(recorded, "organisations/police");
  ASSERT_TRUE(CreatePlan("b", "organisations/police", "", &recorded).ok());
  const grpc::Status other =
      CreatePlan("c", "organisations/county", "", &recorded);
  EXPECT_EQ(other.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(other.error_message().find("acts for organisations/police"),
            std::string::npos)
      << other.error_message();
  // Reads are authenticated the same way.
  grpc::ClientContext context;
  context.AddMetadata(kOrganisationMetadata, "organisations/county");
  v1::GetPlanRequest get;
  get.set_name("plans/a");
  v1::Plan plan;
  EXPECT_EQ(stub_->GetPlan(&context, get, &plan).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// The REST gateway of the same process vouches for the organisation it
// authenticated with its token; no other value vouches for anything.
TEST_F(IdentityTest, OnlyThisProcesssGatewayTokenVouchesForAnOrganisation) {
  const std::string token(64, 'a');
  Serve({.mode = Authenticator::Mode::kCertificate,
         .organisation = "",
         .gateway_token = token});
  std::string recorded;
  // Plaintext, so no certificate: not authenticated.
  EXPECT_EQ(CreatePlan("a", "organisations/police", "", &recorded).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  ASSERT_TRUE(
      CreatePlan("b", "organisations/police", "", &recorded, nullptr, token)
          .ok());
  EXPECT_EQ(recorded, "organisations/police");
  for (const std::string& wrong : std::vector<std::string>{
           std::string(64, 'b'), std::string(63, 'a'), token + "a", "x"}) {
    const grpc::Status refused =
        CreatePlan("c", "organisations/police", "", &recorded, nullptr, wrong);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED) << wrong;
    EXPECT_NE(refused.error_message().find("x-prevent-gateway"),
              std::string::npos)
        << refused.error_message();
  }
  EXPECT_EQ(CreatePlan("d", "", "", &recorded, nullptr, token).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(IdentityTest, WithNoTokenNothingIsVouchedFor) {
  Serve({.mode = Authenticator::Mode::kFixed,
         .organisation = "organisations/police"});
  std::string recorded;
  EXPECT_EQ(CreatePlan("a", "organisations/county", "", &recorded, nullptr,
                       "anything")
                .error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(IdentityTest, APersonsNameIsBoundedText) {
  Serve({});
  std::string recorded, person;
  EXPECT_TRUE(CreatePlan("a", "", "Ann Example", &recorded, &person).ok());
  EXPECT_EQ(person, "Ann Example");
  const grpc::Status long_name =
      CreatePlan("b", "", std::string(kMaxUserLength + 1, 'a'), &recorded);
  EXPECT_EQ(long_name.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(long_name.error_message().find("x-prevent-user"), std::string::npos)
      << long_name.error_message();
}

}  // namespace
}  // namespace plan
