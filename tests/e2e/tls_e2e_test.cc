// Across organisations over real mutual TLS on loopback, with certificates
// made by deploy/certs.sh: the real plan-service and two real sync-agents of
// different organisations sync, edit offline and merge; and each way of
// acting as someone else is refused (docs/security.md).
#ifndef PLAN_SERVICE_BINARY
#error "PLAN_SERVICE_BINARY must name the plan-service binary"
#endif
#ifndef SYNC_AGENT_BINARY
#error "SYNC_AGENT_BINARY must name the sync-agent binary"
#endif

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "prevent/plan/v1/agent_service.grpc.pb.h"
#include "prevent/plan/v1/plan_service.grpc.pb.h"
#include "prevent/plan/v1/report_service.grpc.pb.h"
#include "prevent/plan/v1/sync_service.grpc.pb.h"
#include "tests/support/plan_service_process.h"
#include "tests/support/plan_state.h"
#include "tests/support/process.h"
#include "tests/support/sync_agent_process.h"
#include "tests/support/temp_dir.h"

namespace prevent::plan {
namespace {

using ::prevent::plan::test_support::ChildProcess;
using ::prevent::plan::test_support::Differences;
using ::prevent::plan::test_support::FreeLoopbackPort;
using ::prevent::plan::test_support::NewContext;
using ::prevent::plan::test_support::PlanServiceProcess;
using ::prevent::plan::test_support::PlanState;
using ::prevent::plan::test_support::ReadFileTail;
using ::prevent::plan::test_support::ReadPlan;
using ::prevent::plan::test_support::RunToCompletion;
using ::prevent::plan::test_support::SyncAgentProcess;
using ::prevent::plan::test_support::TempDir;

constexpr char kPlan[] = "plans/south-staffordshire";
constexpr char kPoliceId[] = "staffordshire-police";
constexpr char kCouncilId[] = "south-staffordshire-council";
constexpr char kPolice[] = "organisations/staffordshire-police";
constexpr char kCouncil[] = "organisations/south-staffordshire-council";

constexpr char kReflection[] =
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";

// The status of a call of `method` on `channel` with one empty message.
grpc::Status CallWithEmptyRequest(
    const std::string& method, const std::shared_ptr<grpc::Channel>& channel) {
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue queue;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  const std::unique_ptr<grpc::GenericClientAsyncResponseReader> call =
      stub.PrepareUnaryCall(&context, method, grpc::ByteBuffer(), &queue);
  call->StartCall();
  grpc::ByteBuffer response;
  grpc::Status status;
  call->Finish(&response, &status, &status);
  void* tag = nullptr;
  bool ok = false;
  queue.Next(&tag, &ok);
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  return status;
}

// Runs `binary` with `args` to its end; returns its exit code, and its
// output in `output`.
int RunToEnd(const std::string& binary, const std::vector<std::string>& args,
             const std::string& log, std::string* output) {
  const test_support::Invocation run = RunToCompletion(binary, args, log);
  *output = run.output;
  return run.code;
}

class TlsE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TempDir> dir = TempDir::Create("tls-e2e-test");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_.emplace(*std::move(dir));
    certs_ = dir_->Subpath("certs");
    std::string output;
    ASSERT_EQ(RunToEnd("/bin/bash",
                       {absl::StrCat(PLAN_SOURCE_DIR, "/deploy/certs.sh"),
                        absl::StrCat("--out=", certs_),
                        "staffordshire-county-council", kPoliceId, kCouncilId},
                       dir_->Subpath("certs.log"), &output),
              0)
        << output;
    // The same CA, another trust domain: a certificate that names no
    // organisation of this partnership.
    ASSERT_EQ(RunToEnd("/bin/bash",
                       {absl::StrCat(PLAN_SOURCE_DIR, "/deploy/certs.sh"),
                        absl::StrCat("--out=", certs_),
                        "--trust_domain=elsewhere.example", "rogue"},
                       dir_->Subpath("certs-rogue.log"), &output),
              0)
        << output;
    ASSERT_NO_FATAL_FAILURE(StartService());
  }

  void TearDown() override {
    if (HasFailure()) {
      dir_->Keep();
      std::cerr << "logs kept in " << dir_->path() << "\n";
    }
  }

  void StartService() {
    PlanServiceProcess::Options options;
    options.binary = PLAN_SERVICE_BINARY;
    options.data_dir = dir_->Subpath("service");
    options.log_path = dir_->Subpath("service.log");
    options.tls_dir = certs_;
    options.tls_client = "staffordshire-county-council";
    options.extra_args = {absl::StrCat("--seed=", PLAN_SOURCE_DIR,
                                       "/deploy/demo/seed.textproto")};
    options.extra_args.insert(options.extra_args.end(), service_args_.begin(),
                              service_args_.end());
    if (service_.has_value()) {
      options.extra_args.push_back(
          absl::StrCat("--listen=", service_->address()));
      service_.reset();
    }
    absl::StatusOr<PlanServiceProcess> service =
        PlanServiceProcess::Start(options);
    ASSERT_TRUE(service.ok()) << service.status();
    service_.emplace(*std::move(service));
  }

  void StartAgent(const std::string& id, std::optional<SyncAgentProcess>* agent,
                  const std::vector<std::string>& extra_args = {}) {
    SyncAgentProcess::Options options;
    options.binary = SYNC_AGENT_BINARY;
    options.data_dir = dir_->Subpath(id);
    options.log_path = dir_->Subpath(absl::StrCat(id, ".log"));
    options.server = service_->address();
    options.organisation = absl::StrCat("organisations/", id);
    options.plans = {kPlan};
    options.extra_args = {absl::StrCat("--tls_cert=", certs_, "/", id, ".pem"),
                          absl::StrCat("--tls_key=", certs_, "/", id, ".key"),
                          absl::StrCat("--tls_ca=", certs_, "/ca.pem")};
    options.extra_args.insert(options.extra_args.end(), extra_args.begin(),
                              extra_args.end());
    absl::StatusOr<SyncAgentProcess> started = SyncAgentProcess::Start(options);
    ASSERT_TRUE(started.ok()) << started.status();
    agent->emplace(*std::move(started));
  }

  static grpc::Status SyncNow(const SyncAgentProcess& agent,
                              v1::SyncNowResponse* moved) {
    return v1::AgentService::NewStub(agent.NewChannel())
        ->SyncNow(NewContext().get(), v1::SyncNowRequest(), moved);
  }

  // The first action of the plan, as `channel` serves it.
  static v1::Action FirstAction(const std::shared_ptr<grpc::Channel>& channel) {
    v1::ListActionsRequest request;
    request.set_parent(absl::StrCat(kPlan, "/activities/-"));
    request.set_page_size(1);
    v1::ListActionsResponse response;
    const grpc::Status status = v1::PlanService::NewStub(channel)->ListActions(
        NewContext().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.actions_size() > 0 ? response.actions(0) : v1::Action();
  }

  // Who the service's change log says made each change of the plan's
  // field `field` of `target`, in order.
  std::vector<std::string> Editors(const std::string& target,
                                   const std::string& field) {
    v1::ListChangesRequest request;
    request.set_plan(kPlan);
    request.set_page_size(1000);
    v1::ListChangesResponse response;
    const grpc::Status status =
        v1::ReportService::NewStub(service_->NewChannel())
            ->ListChanges(NewContext().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> editors;
    for (const v1::ChangeRecord& record : response.changes()) {
      if (record.target() == target && record.field() == field) {
        editors.push_back(record.organisation());
      }
    }
    return editors;
  }

  // A channel to the service presenting no client certificate.
  std::shared_ptr<grpc::Channel> ChannelWithoutCertificate() {
    std::ifstream in(absl::StrCat(certs_, "/ca.pem"));
    std::ostringstream ca;
    ca << in.rdbuf();
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = ca.str();
    return grpc::CreateChannel(service_->address(),
                               grpc::SslCredentials(options));
  }

  std::optional<TempDir> dir_;
  std::string certs_;
  // More flags for the service, from its next StartService().
  std::vector<std::string> service_args_;
  std::optional<PlanServiceProcess> service_;
};

TEST_F(TlsE2eTest, TwoOrganisationsSyncEditOfflineAndMerge) {
  std::optional<SyncAgentProcess> police, council;
  ASSERT_NO_FATAL_FAILURE(StartAgent(kPoliceId, &police));
  ASSERT_NO_FATAL_FAILURE(StartAgent(kCouncilId, &council));
  v1::SyncNowResponse moved;
  for (SyncAgentProcess* agent : {&*police, &*council}) {
    const grpc::Status status = SyncNow(*agent, &moved);
    ASSERT_TRUE(status.ok())
        << status.error_message() << ReadFileTail(agent->log_path());
    EXPECT_TRUE(moved.snapshot());
  }

  // Offline: the service is down while each partner edits a different
  // field of the same action.
  ASSERT_TRUE(service_->Stop().ok());
  v1::Action action = FirstAction(police->NewChannel());
  ASSERT_FALSE(action.name().empty());
  v1::UpdateActionRequest rag;
  *rag.mutable_action() = action;
  rag.mutable_action()->clear_etag();
  rag.mutable_action()->set_rag(v1::RED);
  rag.mutable_update_mask()->add_paths("rag");
  v1::Action updated;
  ASSERT_TRUE(v1::PlanService::NewStub(police->NewChannel())
                  ->UpdateAction(NewContext().get(), rag, &updated)
                  .ok());
  v1::UpdateActionRequest officer;
  *officer.mutable_action() = action;
  officer.mutable_action()->clear_etag();
  officer.mutable_action()->set_description("Reviewed by the council");
  officer.mutable_update_mask()->add_paths("description");
  ASSERT_TRUE(v1::PlanService::NewStub(council->NewChannel())
                  ->UpdateAction(NewContext().get(), officer, &updated)
                  .ok());

  ASSERT_NO_FATAL_FAILURE(StartService());
  // The agents reconnect over TLS by themselves.
  for (SyncAgentProcess* agent : {&*police, &*council, &*police}) {
    grpc::Status status;
    const absl::Time deadline = absl::Now() + absl::Seconds(40);
    do {
      status = SyncNow(*agent, &moved);
    } while (!status.ok() && absl::Now() < deadline &&
             (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
              status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED));
    ASSERT_TRUE(status.ok())
        << status.error_message() << ReadFileTail(agent->log_path());
  }
  const v1::Action merged = FirstAction(service_->NewChannel());
  EXPECT_EQ(merged.rag(), v1::RED);
  EXPECT_EQ(merged.description(), "Reviewed by the council");
  EXPECT_EQ(Editors(action.name(), "rag").back(), kPolice);
  EXPECT_EQ(Editors(action.name(), "description").back(), kCouncil);
  // Both partners hold what the service holds.
  absl::StatusOr<PlanState> held =
      ReadPlan(*v1::PlanService::NewStub(service_->NewChannel()), kPlan);
  ASSERT_TRUE(held.ok()) << held.status();
  for (SyncAgentProcess* agent : {&*police, &*council}) {
    absl::StatusOr<PlanState> replica =
        ReadPlan(*v1::PlanService::NewStub(agent->NewChannel()), kPlan);
    ASSERT_TRUE(replica.ok()) << replica.status();
    EXPECT_EQ(Differences("service", *held, "agent", *replica), "");
  }
}

TEST_F(TlsE2eTest, NobodyActsAsAnyoneElse) {
  const v1::Action action = FirstAction(service_->NewChannel());
  ASSERT_FALSE(action.name().empty());
  const auto update_rag = [&](const std::shared_ptr<grpc::Channel>& channel,
                              const std::string& claimed, v1::Rag value) {
    v1::UpdateActionRequest request;
    request.mutable_action()->set_name(action.name());
    request.mutable_action()->set_rag(value);
    request.mutable_update_mask()->add_paths("rag");
    v1::Action updated;
    return v1::PlanService::NewStub(channel)->UpdateAction(
        NewContext(claimed).get(), request, &updated);
  };

  // A header naming another organisation than the certificate's.
  grpc::Status status =
      update_rag(service_->NewChannelAs(kCouncilId), kPolice, v1::RED);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << status.error_message();
  // A header that repeats it is fine, and the change is recorded as the
  // certificate's organisation.
  status = update_rag(service_->NewChannelAs(kCouncilId), kCouncil, v1::RED);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(Editors(action.name(), "rag").size(), 1u);
  EXPECT_EQ(Editors(action.name(), "rag").back(), kCouncil);

  // No client certificate: the handshake fails.
  status = update_rag(ChannelWithoutCertificate(), "", v1::GREEN);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
  // A certificate of another trust domain names no organisation here.
  status = update_rag(service_->NewChannelAs("rogue"), "", v1::GREEN);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << status.error_message();
  EXPECT_TRUE(absl::StrContains(status.error_message(),
                                "spiffe://prevent.local/organisations/<id>"))
      << status.error_message();
  EXPECT_EQ(Editors(action.name(), "rag").size(), 1u) << "a refusal wrote";

  // A replica id belongs to the organisation that first used it.
  auto police_sync =
      v1::SyncService::NewStub(service_->NewChannelAs(kPoliceId));
  auto council_sync =
      v1::SyncService::NewStub(service_->NewChannelAs(kCouncilId));
  const auto pull = [](v1::SyncService::Stub& stub,
                       const std::string& replica) {
    v1::PullRequest request;
    request.set_replica_id(replica);
    request.add_plans(kPlan);
    auto context = NewContext();
    auto reader = stub.Pull(context.get(), request);
    v1::PullResponse response;
    while (reader->Read(&response)) {
    }
    return reader->Finish();
  };
  ASSERT_TRUE(pull(*police_sync, "police-laptop").ok());
  status = pull(*council_sync, "police-laptop");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << status.error_message();

  // A pushed change is the pusher's, whatever organisation it names; and a
  // replica pushes only its own change ids.
  const auto push = [&](const std::string& change_id, v1::Rag value,
                        v1::PushResponse* pushed) {
    v1::PushRequest request;
    request.set_replica_id("council-desk");
    v1::Change* change = request.add_changes();
    change->set_change_id(change_id);
    change->set_replica_id("council-desk");
    change->set_organisation(kPolice);
    change->set_target(action.name());
    change->set_plan(kPlan);
    change->set_operation(v1::Change::UPDATE);
    change->set_hlc(absl::ToUnixMillis(absl::Now()) << 16);
    v1::Action value_holder;
    value_holder.set_rag(value);
    v1::FieldChange* field = change->add_fields();
    field->set_field("rag");
    field->set_value(value_holder.SerializeAsString());
    return council_sync->Push(NewContext().get(), request, pushed);
  };
  v1::PushResponse pushed;
  status = push("police-laptop:1", v1::AMBER, &pushed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message();
  status = push("council-desk:1", v1::AMBER, &pushed);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(pushed.results_size(), 1);
  EXPECT_NE(pushed.results(0).outcome(), v1::ChangeResult::REJECTED)
      << pushed.results(0).reason();
  EXPECT_EQ(Editors(action.name(), "rag").back(), kCouncil);
}

TEST_F(TlsE2eTest, PlaintextBeyondLoopbackIsRefusedBeforeAnythingIsWritten) {
  std::string output;
  const std::string data = dir_->Subpath("exposed");
  EXPECT_EQ(RunToEnd(PLAN_SERVICE_BINARY,
                     {"--listen=0.0.0.0:0", absl::StrCat("--data_dir=", data)},
                     dir_->Subpath("exposed.log"), &output),
            1);
  EXPECT_TRUE(absl::StrContains(output, "--tls_cert")) << output;
  EXPECT_FALSE(std::filesystem::exists(data));
  const std::string agent_data = dir_->Subpath("agent-exposed");
  EXPECT_EQ(RunToEnd(SYNC_AGENT_BINARY,
                     {"--server=192.0.2.1:50051", "--once",
                      "--organisation=organisations/staffordshire-police",
                      "--plans=plans/south-staffordshire",
                      absl::StrCat("--data_dir=", agent_data)},
                     dir_->Subpath("agent-exposed.log"), &output),
            1);
  EXPECT_TRUE(absl::StrContains(output, "--tls_cert")) << output;
  EXPECT_FALSE(std::filesystem::exists(agent_data));
}

// --health_listen: a probe with no certificate (Kubernetes' gRPC probe)
// learns the health of a service and an agent that serve mutual TLS, and
// nothing else: no plan call is served there.
TEST_F(TlsE2eTest, HealthListenAnswersProbesWithoutACertificateAndNothingElse) {
  const int service_health = FreeLoopbackPort();
  service_args_ = {absl::StrCat("--health_listen=127.0.0.1:", service_health)};
  ASSERT_NO_FATAL_FAILURE(StartService());
  const int agent_health = FreeLoopbackPort();
  std::optional<SyncAgentProcess> police;
  ASSERT_NO_FATAL_FAILURE(
      StartAgent(kPoliceId, &police,
                 {absl::StrCat("--health_listen=127.0.0.1:", agent_health)}));

  const auto plaintext_at = [](int port) {
    return grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                               grpc::InsecureChannelCredentials());
  };
  EXPECT_NE(
      CallWithEmptyRequest(kReflection, police->NewChannel()).error_code(),
      grpc::StatusCode::UNIMPLEMENTED);
  std::string output;
  for (const int port : {service_health, agent_health}) {
    EXPECT_EQ(RunToEnd(PLANCTL_BINARY,
                       {absl::StrCat("--server=127.0.0.1:", port), "health"},
                       dir_->Subpath("health.log"), &output),
              0)
        << output;
    EXPECT_TRUE(absl::StrContains(output, "SERVING")) << output;
    EXPECT_FALSE(absl::StrContains(output, "NOT_SERVING")) << output;
    // Nor is server reflection (which the agent's own loopback port has).
    EXPECT_EQ(
        CallWithEmptyRequest(kReflection, plaintext_at(port)).error_code(),
        grpc::StatusCode::UNIMPLEMENTED);
    // The plan is not served there.
    const std::shared_ptr<grpc::Channel> plaintext = plaintext_at(port);
    v1::ListPlansResponse plans;
    const grpc::Status listed = v1::PlanService::NewStub(plaintext)->ListPlans(
        NewContext().get(), v1::ListPlansRequest(), &plans);
    EXPECT_EQ(listed.error_code(), grpc::StatusCode::UNIMPLEMENTED)
        << listed.error_message();
    EXPECT_EQ(plans.plans_size(), 0);
  }
  // Without a certificate, the main port still serves nothing.
  v1::ListPlansResponse plans;
  EXPECT_FALSE(
      v1::PlanService::NewStub(ChannelWithoutCertificate())
          ->ListPlans(NewContext().get(), v1::ListPlansRequest(), &plans)
          .ok());

  // A health port in use stops the start, naming the flag, before a store
  // is made.
  const std::string data = dir_->Subpath("second");
  EXPECT_EQ(RunToEnd(PLAN_SERVICE_BINARY,
                     {"--listen=127.0.0.1:0",
                      absl::StrCat("--health_listen=127.0.0.1:", agent_health),
                      absl::StrCat("--data_dir=", data)},
                     dir_->Subpath("second.log"), &output),
            1);
  EXPECT_TRUE(absl::StrContains(output, "--health_listen")) << output;
  EXPECT_FALSE(std::filesystem::exists(data));
  // So does a health port that is also the main one.
  const int free_port = FreeLoopbackPort();
  EXPECT_EQ(RunToEnd(PLAN_SERVICE_BINARY,
                     {absl::StrCat("--listen=127.0.0.1:", free_port),
                      absl::StrCat("--health_listen=127.0.0.1:", free_port),
                      absl::StrCat("--data_dir=", data)},
                     dir_->Subpath("second.log"), &output),
            1);
  EXPECT_TRUE(absl::StrContains(
      output, absl::StrCat("port ", free_port, " is also --listen's")))
      << output;
  EXPECT_FALSE(std::filesystem::exists(data));
}

}  // namespace
}  // namespace prevent::plan
