#include "libplan/rpc/server.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/support/log.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/impl/server_builder_option.h"
#include "grpcpp/impl/server_builder_plugin.h"
#include "grpcpp/resource_quota.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_context.h"
#include "libplan/util/errors.h"
#include "libplan/util/log.h"

namespace plan {

void ConfigureServerBuilder(const ServerOptions& options,
                            grpc::ServerBuilder* builder) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  builder->SetSyncServerOption(
      grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, options.max_pollers);
  builder->SetMaxReceiveMessageSize(options.max_message_bytes);
  builder->SetMaxSendMessageSize(options.max_message_bytes);
  builder->AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                              options.keepalive_time_ms);
  builder->AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                              options.keepalive_timeout_ms);
  builder->AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  builder->AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                              options.max_concurrent_streams);
  builder->AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                              options.max_connection_idle_ms);
  builder->AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                              options.max_connection_age_ms);
  builder->AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                              options.max_connection_age_grace_ms);
  builder->AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
                              options.handshake_timeout_ms);
  // gRPC binds with SO_REUSEPORT by default, so a second server started on
  // a port already in use would share it, each answering some calls from
  // its own store. A port in use must stop the start instead.
  builder->AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  grpc::ResourceQuota quota("plan-server");
  quota.SetMaxThreads(options.max_threads);
  builder->SetResourceQuota(quota);
}

namespace {

void LogFromGrpc(gpr_log_func_args* args) {
  const LogLevel level = args->severity == GPR_LOG_SEVERITY_ERROR
                             ? LogLevel::kError
                             : LogLevel::kInfo;
  absl::string_view file = args->file == nullptr ? "" : args->file;
  file = file.substr(file.rfind('/') + 1);
  LogLine(level) << "grpc: " << args->message << " (" << file << ":"
                 << args->line << ")";
}

}  // namespace

bool ConfigureLogging(absl::string_view log_format) {
  absl::StatusOr<LogFormat> format = ParseLogFormat(log_format);
  if (!format.ok()) {
    PLAN_LOG(ERROR) << format.status().message();
    return false;
  }
  SetLogFormat(*format);
  gpr_set_log_function(LogFromGrpc);
  return true;
}

std::string ClaimedOrganisation(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("x-prevent-organisation");
  if (it == metadata.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

namespace {

sigset_t TerminationSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  return signals;
}

}  // namespace

void BlockTerminationSignals() {
  const sigset_t signals = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

std::string WaitForTerminationSignal() {
  const sigset_t signals = TerminationSignals();
  int signal = 0;
  sigwait(&signals, &signal);
  return signal == SIGTERM ? "SIGTERM" : "SIGINT";
}

absl::Status WritePortFile(const std::string& path, int port) {
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << port << "\n";
    if (!out.flush())
      return absl::InternalError(absl::StrCat("cannot write ", temp));
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    return absl::InternalError(
        absl::StrCat("cannot rename ", temp, " to ", path));
  }
  return absl::OkStatus();
}

StoreHealthFollower::StoreHealthFollower(Store* store, grpc::Server* server,
                                         grpc::Server* health_server)
    : store_(store) {
  std::vector<grpc::HealthCheckServiceInterface*> health = {
      server->GetHealthCheckService()};
  if (health_server != nullptr) {
    health.push_back(health_server->GetHealthCheckService());
  }
  const auto set_serving = [health](bool serving) {
    for (grpc::HealthCheckServiceInterface* service : health) {
      service->SetServingStatus(serving);
    }
  };
  store_->SetHealthListener([this, set_serving](const absl::Status& status) {
    set_serving(status.ok());
    if (status.ok()) {
      PLAN_LOG(INFO) << "health SERVING: the store writes again";
      return;
    }
    PLAN_LOG(ERROR) << "health NOT_SERVING: " << ErrorReason(status) << ": "
                    << status.message();
    if (ErrorReason(status) == "STORAGE_NEEDS_RESTART" &&
        !needs_restart_.exchange(true)) {
      PLAN_LOG(ERROR) << "stopping so that a restart recovers the store";
      kill(getpid(), SIGTERM);
    }
  });
  // The store's health now: damaged before the servers started, or sound
  // (the health server starts NOT_SERVING).
  set_serving(store_->health().ok());
}

StoreHealthFollower::~StoreHealthFollower() {
  store_->SetHealthListener(nullptr);
}

namespace {

// Drops the plugins gRPC adds to every server builder (server reflection,
// once ConfigureServerBuilder has turned it on).
class WithoutPlugins : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments* /*args*/) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>*
                         plugins) override {
    plugins->clear();
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<grpc::Server>> StartHealthServer(
    const std::string& address) {
  if (address.empty()) return nullptr;
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  // As ConfigureServerBuilder: a port in use stops the start.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS, 60 * 1000);
  builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS, 10 * 1000);
  builder.SetMaxReceiveMessageSize(4096);
  grpc::ResourceQuota quota("plan-health");
  quota.SetMaxThreads(16);
  builder.SetResourceQuota(quota);
  builder.SetOption(std::make_unique<WithoutPlugins>());
  // Every other method answers UNIMPLEMENTED. gRPC also needs a service of
  // its own before it starts a server (the health service is added at the
  // start): this one, shared by every health server of the process.
  static grpc::CallbackGenericService* const unimplemented =
      new grpc::CallbackGenericService();
  builder.RegisterCallbackGenericService(unimplemented);
  int port = 0;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("--health_listen: cannot listen on ", address));
  }
  server->GetHealthCheckService()->SetServingStatus(false);
  PLAN_LOG(INFO) << "health on " << address << " port=" << port
                 << " (grpc.health.v1 only, plaintext)";
  return server;
}

void StopServingHealth(grpc::Server& server, grpc::Server* health_server) {
  if (health_server != nullptr) {
    health_server->GetHealthCheckService()->Shutdown();
  }
  server.GetHealthCheckService()->Shutdown();
}

void ShutdownServer(grpc::Server& server, absl::Duration grace,
                    grpc::Server* health_server) {
  StopServingHealth(server, health_server);
  server.Shutdown(absl::ToChronoTime(absl::Now() + grace));
  server.Wait();
  if (health_server != nullptr) {
    health_server->Shutdown(absl::ToChronoTime(absl::Now()));
    health_server->Wait();
  }
}

}  // namespace plan
