// sync-agent: a partner organisation's replica of the plans it works on. It
// serves PlanService locally (so the partner's staff read and edit the plan
// with no network), AgentService (SyncNow, GetSyncStatus), health and
// reflection, and replicates with the county's plan service on a schedule.
//
//   sync-agent --server=plans.county.example:50051
//       --organisation=organisations/staffordshire-police
//       --plans=plans/south-staffordshire --data_dir=./agent-data
//       --listen=127.0.0.1:50052 --schedule=nightly@02:00
//
// --once: one sync (push, then pull), its summary on stdout, exit 0 when it
// succeeded and 1 when it did not; nothing is served.
//
// SIGTERM or SIGINT: health turns NOT_SERVING, in-flight calls finish (up to
// --shutdown_grace), the sync in progress ends, the store closes, and the
// process exits 0. Local edits not yet pushed stay in the outbox.
// Exit codes: 0 done, 1 failure, 2 bad flags.

#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "libplan/clock/hybrid_clock.h"
#include "libplan/http/metrics_server.h"
#include "libplan/http/rest_gateway.h"
#include "libplan/model/names.h"
#include "libplan/rpc/identity.h"
#include "libplan/rpc/metrics.h"
#include "libplan/rpc/plan_service.h"
#include "libplan/rpc/server.h"
#include "libplan/rpc/service_manager.h"
#include "libplan/rpc/sync_client.h"
#include "libplan/service/plan_resources.h"
#include "libplan/storage/store.h"
#include "libplan/sync/replica.h"
#include "libplan/sync/schedule.h"
#include "libplan/transport/credentials.h"
#include "libplan/util/log.h"
#include "libplan/util/timestamp.h"
#include "libplan/util/version.h"
#include "sync-agent/agent_service.h"
#include "sync-agent/sync_loop.h"

ABSL_FLAG(std::string, server, "",
          "Address of the county's plan service, HOST:PORT. Required.");
ABSL_FLAG(std::string, organisation, "",
          "This partner's organisation (organisations/{org}): the acting "
          "organisation of local edits that name none, and of syncs. "
          "Required.");
ABSL_FLAG(std::vector<std::string>, plans, {},
          "The plans this agent replicates, comma-separated "
          "(plans/a,plans/b). Required.");
ABSL_FLAG(int64_t, min_free_mib, 128,
          "Writes stop (UNAVAILABLE, STORAGE_FULL; health NOT_SERVING) while "
          "less than this many MiB are free where --data_dir is, and resume "
          "by themselves once there is space. 0 turns the guard off.");
ABSL_FLAG(std::string, data_dir, "./agent-data",
          "Directory of the agent's RocksDB store; created when missing.");
ABSL_FLAG(std::string, listen, "127.0.0.1:50052",
          "Address to serve PlanService and AgentService on, HOST:PORT (port "
          "0 picks a free one), or unix:PATH.");
ABSL_FLAG(std::string, schedule, "nightly@02:00",
          "When to sync: nightly@HH:MM (local time, plus --schedule_jitter), "
          "every:DURATION (every:15m), continuous, or manual (only SyncNow).");
ABSL_FLAG(absl::Duration, schedule_jitter, absl::Minutes(30),
          "nightly: each sync starts a random delay in [0, this) after HH:MM, "
          "so partners do not all arrive at once.");
ABSL_FLAG(bool, once, false,
          "Sync once, print what moved, exit 0 on success and 1 on failure. "
          "Serves nothing.");
ABSL_FLAG(std::string, port_file, "",
          "When set, the bound port is written to this file once serving.");
ABSL_FLAG(absl::Duration, sync_timeout, absl::Minutes(5),
          "Deadline of each push, snapshot and (not following) pull.");
ABSL_FLAG(absl::Duration, follow_window, absl::Seconds(60),
          "continuous: how long each following pull stays open; shutdown may "
          "wait this long for one in progress.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "How long in-flight calls may run after SIGTERM.");
ABSL_FLAG(std::string, http_listen, "",
          "Also serve the REST/JSON API (docs/rest.md) on this HOST:PORT, "
          "loopback only: like the local gRPC API it acts as this agent's "
          "organisation. Off when empty.");
ABSL_FLAG(std::string, http_port_file, "",
          "When set, the bound HTTP port is written to this file once "
          "serving.");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain of this agent, naming its organisation as "
          "URI SAN spiffe://<trust domain>/organisations/<id> (with --tls_key "
          "and --tls_ca): presented to the plan service, and served on "
          "--listen when that is not loopback. Needed for a --server that is "
          "not loopback.");
ABSL_FLAG(std::string, health_listen, "",
          "Also serve grpc.health.v1, and nothing else, in plaintext on "
          "HOST:PORT (off unless given): for probes that cannot present a "
          "client certificate, such as Kubernetes' gRPC probes. "
          "docs/operations.md, \"Containers and Kubernetes\".");
ABSL_FLAG(std::string, metrics_listen, "",
          "Serve Prometheus metrics at http://HOST:PORT/metrics (plaintext; "
          "off unless given). docs/operations.md, \"Metrics\".");
ABSL_FLAG(std::string, log_format, "text",
          "How log lines are written: text, or json (one object per line: "
          "time, level, message). docs/operations.md, \"Logs\".");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert.");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM certificate(s) of the CA that signs the plan service's "
          "certificate and the certificates of local callers.");

namespace sync_agent {
namespace {

constexpr int kOk = 0;
constexpr int kFailure = 1;
constexpr int kUsage = 2;

int UsageError(const std::string& message) {
  std::cerr << "sync-agent: " << message << " (sync-agent --help for usage)\n";
  return kUsage;
}

// The replication settings from the flags, or the first problem with them.
absl::StatusOr<plan::ReplicaOptions> ReplicaOptionsFromFlags() {
  plan::ReplicaOptions options;
  options.organisation = absl::GetFlag(FLAGS_organisation);
  if (options.organisation.empty()) {
    return absl::InvalidArgumentError("--organisation is required");
  }
  if (absl::StatusOr<plan::ResourceName> name = plan::ResourceName::ParseAs(
          plan::Kind::kOrganisation, options.organisation);
      !name.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--organisation=", options.organisation, ": ",
                     name.status().message()));
  }
  for (const std::string& plan_name : absl::GetFlag(FLAGS_plans)) {
    if (absl::StatusOr<plan::ResourceName> name =
            plan::ResourceName::ParseAs(plan::Kind::kPlan, plan_name);
        !name.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--plans: \"", plan_name, "\": ", name.status().message()));
    }
    options.plans.push_back(plan_name);
  }
  if (options.plans.empty()) {
    return absl::InvalidArgumentError("--plans is required (plans/a,plans/b)");
  }
  if (absl::GetFlag(FLAGS_server).empty()) {
    return absl::InvalidArgumentError("--server=HOST:PORT is required");
  }
  return options;
}

// A channel to the plan service. Keepalive pings notice a dead peer during a
// long following pull; reconnection attempts are capped at 10 s apart so a
// service that comes back is reached soon (the SyncLoop paces retries).
std::shared_ptr<grpc::Channel> NewSyncChannel(
    const std::string& server,
    std::shared_ptr<grpc::ChannelCredentials> credentials) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 60000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20000);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 1000);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 1000);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 10000);
  args.SetMaxReceiveMessageSize(plan::ServerOptions().max_message_bytes);
  return grpc::CreateCustomChannel(server, std::move(credentials), args);
}

std::string Summary(const v1::SyncNowResponse& moved) {
  return absl::StrCat(
      "pushed=", moved.pushed(), " applied=", moved.applied(),
      " merged=", moved.merged(), " conflicts=", moved.conflicts(),
      " rejected=", moved.rejected(), " duplicates=", moved.duplicates(),
      " pulled=", moved.pulled(),
      " snapshot=", moved.snapshot() ? "true" : "false",
      " cursor=", moved.cursor());
}

// The gauges a scrape reads from the sync loop's status.
void AgentGauges(plan::Metrics& metrics, SyncLoop& loop) {
  metrics.DeclareGauge("plan_agent_last_sync_success_timestamp_seconds",
                       "When the agent last synced successfully (Unix time; "
                       "0: never).");
  metrics.DeclareGauge("plan_agent_pending_changes",
                       "Local changes the plan service has not yet accepted.");
  metrics.DeclareGauge("plan_agent_rejected_changes",
                       "Recent local changes the plan service refused (at "
                       "most 100 are kept).");
  metrics.DeclareGauge("plan_agent_lag_changes",
                       "The service's sequence at the last pull less the "
                       "agent's cursor.");
  metrics.DeclareGauge("plan_agent_open_conflicts",
                       "Open conflicts in the agent's plans.");
  metrics.AddRefresher([&metrics, &loop] {
    const v1::SyncStatus status = loop.Status();
    const std::map<std::string, std::string> labels = {
        {"organisation", status.organisation()}};
    metrics.SetGauge(
        "plan_agent_last_sync_success_timestamp_seconds", labels,
        status.has_last_success()
            ? absl::ToDoubleSeconds(plan::FromTimestamp(status.last_success()) -
                                    absl::UnixEpoch())
            : 0);
    metrics.SetGauge("plan_agent_pending_changes", labels,
                     static_cast<double>(status.pending_changes()));
    metrics.SetGauge("plan_agent_rejected_changes", labels,
                     static_cast<double>(status.rejected_size()));
    metrics.SetGauge(
        "plan_agent_lag_changes", labels,
        status.service_sequence() > status.cursor()
            ? static_cast<double>(status.service_sequence() - status.cursor())
            : 0);
    metrics.SetGauge("plan_agent_open_conflicts", labels,
                     static_cast<double>(status.open_conflicts()));
  });
}

int Run() {
  absl::StatusOr<plan::ReplicaOptions> replica_options =
      ReplicaOptionsFromFlags();
  if (!replica_options.ok()) {
    return UsageError(std::string(replica_options.status().message()));
  }
  absl::StatusOr<plan::Schedule> schedule =
      plan::ParseSchedule(absl::GetFlag(FLAGS_schedule));
  if (!schedule.ok()) {
    return UsageError(
        absl::StrCat("--schedule: ", schedule.status().message()));
  }
  schedule->jitter = absl::GetFlag(FLAGS_schedule_jitter);
  const bool once = absl::GetFlag(FLAGS_once);

  // Signals are taken synchronously by the main thread, so they must be
  // blocked before any other thread starts.
  if (!once) plan::BlockTerminationSignals();

  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  const std::string server_address = absl::GetFlag(FLAGS_server);
  replica_options->agent_version =
      absl::StrCat("sync-agent ", plan::VersionString());
  const std::string& organisation = replica_options->organisation;
  // Checked before the store is touched: a start that cannot serve changes
  // nothing.
  const plan::TlsFiles tls{.cert = absl::GetFlag(FLAGS_tls_cert),
                           .key = absl::GetFlag(FLAGS_tls_key),
                           .ca = absl::GetFlag(FLAGS_tls_ca)};
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> sync_credentials =
      plan::ChannelCredentialsFor(server_address, tls);
  if (!sync_credentials.ok()) {
    PLAN_LOG(ERROR) << "cannot reach --server: "
                    << sync_credentials.status().message();
    return kFailure;
  }
  // TLS on the local API only where it can be reached from elsewhere.
  const std::string listen = absl::GetFlag(FLAGS_listen);
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      plan::ServerCredentialsFor(
          listen, plan::IsLoopbackAddress(listen) ? plan::TlsFiles() : tls);
  if (!once && !credentials.ok()) {
    PLAN_LOG(ERROR) << "cannot serve: " << credentials.status().message();
    return kFailure;
  }
  if (!once) {
    if (absl::Status free = plan::CheckCanListenOnAll(
            {{"--listen", listen},
             {"--http_listen", absl::GetFlag(FLAGS_http_listen)},
             {"--metrics_listen", absl::GetFlag(FLAGS_metrics_listen)},
             {"--health_listen", absl::GetFlag(FLAGS_health_listen)}});
        !free.ok()) {
      PLAN_LOG(ERROR) << "cannot serve: " << free.message();
      return kFailure;
    }
  }
  const absl::Time started = absl::Now();
  absl::StatusOr<std::unique_ptr<plan::Store>> store = plan::Store::Open(
      {.path = data_dir,
       .min_free_bytes = static_cast<uint64_t>(std::max<int64_t>(
                             absl::GetFlag(FLAGS_min_free_mib), 0))
                         << 20});
  if (!store.ok()) {
    PLAN_LOG(ERROR) << "cannot open store: " << store.status().message();
    return kFailure;
  }
  plan::HybridClock clock;
  clock.Restore((*store)->last_hlc());
  plan::Replica replica(store->get(), &clock, *replica_options);
  plan::GrpcSyncTransport transport(
      NewSyncChannel(server_address, *std::move(sync_credentials)),
      organisation, absl::GetFlag(FLAGS_sync_timeout));
  SyncLoopOptions loop_options;
  loop_options.schedule = *schedule;
  loop_options.follow_window = absl::GetFlag(FLAGS_follow_window);
  loop_options.organisation = organisation;
  loop_options.server = server_address;
  SyncLoop loop(&replica, &transport, loop_options);

  if (once) {
    absl::StatusOr<v1::SyncNowResponse> moved = loop.SyncNow("once");
    if (!moved.ok()) {
      std::cerr << "sync-agent: "
                << absl::StatusCodeToString(moved.status().code()) << ": "
                << moved.status().message() << "\n";
      return kFailure;
    }
    std::cout << "sync organisation=" << organisation << " " << Summary(*moved)
              << "\n";
    return kOk;
  }

  plan::PlanResourcesOptions resources_options;
  resources_options.default_organisation = organisation;
  resources_options.replica = true;
  plan::PlanResources resources(store->get(), &clock, resources_options);
  // The local API always acts as this agent's organisation.
  const plan::Authenticator auth({.mode = plan::Authenticator::Mode::kFixed,
                                  .organisation = organisation});
  plan::PlanServiceImpl plan_service(&resources, &auth);
  AgentServiceImpl agent_service(&loop);

  const std::string metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  std::optional<plan::Metrics> metrics;
  if (!metrics_listen.empty()) metrics.emplace();
  grpc::ServerBuilder builder;
  plan::ConfigureServerBuilder(plan::ServerOptions(), &builder);
  if (metrics.has_value()) {
    builder.experimental().SetInterceptorCreators(metrics->Interceptors());
  }
  int port = 0;
  builder.AddListeningPort(listen, *credentials, &port);
  builder.RegisterService(&plan_service);
  builder.RegisterService(&agent_service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  // A unix: address binds no port number.
  if (server == nullptr || (port == 0 && !absl::StartsWith(listen, "unix:"))) {
    PLAN_LOG(ERROR) << "cannot listen on " << listen;
    return kFailure;
  }
  absl::StatusOr<std::unique_ptr<grpc::Server>> health_server =
      plan::StartHealthServer(absl::GetFlag(FLAGS_health_listen));
  if (!health_server.ok()) {
    PLAN_LOG(ERROR) << "cannot serve: " << health_server.status().message();
    plan::ShutdownServer(*server, absl::ZeroDuration());
    return kFailure;
  }
  std::optional<plan::StoreHealthFollower> health;
  health.emplace(store->get(), server.get(), health_server->get());
  std::unique_ptr<plan::RestGateway> http;
  if (const std::string http_listen = absl::GetFlag(FLAGS_http_listen);
      !http_listen.empty()) {
    // Plaintext, so loopback only (RestGateway refuses any other address).
    absl::StatusOr<std::unique_ptr<plan::RestGateway>> started_http =
        plan::RestGateway::ForServer(
            {.listen = http_listen, .agent_organisation = organisation},
            {v1::PlanService::service_full_name(),
             v1::AgentService::service_full_name()},
            *server);
    if (!started_http.ok()) {
      PLAN_LOG(ERROR) << "cannot serve HTTP: "
                      << started_http.status().message();
      return kFailure;
    }
    http = *std::move(started_http);
    PLAN_LOG(INFO) << "http listening on " << http_listen
                   << " port=" << http->port()
                   << " organisation=" << organisation;
  }
  std::unique_ptr<plan::MetricsServer> metrics_server;
  if (metrics.has_value()) {
    AgentGauges(*metrics, loop);
    absl::StatusOr<std::unique_ptr<plan::MetricsServer>> started_metrics =
        plan::MetricsServer::Start(metrics_listen,
                                   [&metrics] { return metrics->Render(); });
    if (!started_metrics.ok()) {
      PLAN_LOG(ERROR) << "cannot serve metrics: "
                      << started_metrics.status().message();
      return kFailure;
    }
    metrics_server = *std::move(started_metrics);
    PLAN_LOG(INFO) << "metrics on http://" << metrics_listen
                   << "/metrics port=" << metrics_server->port()
                   << " organisation=" << organisation;
  }
  const std::string port_file = absl::GetFlag(FLAGS_port_file);
  if (!port_file.empty() && !plan::WritePortFile(port_file, port).ok()) {
    PLAN_LOG(ERROR) << "cannot write port file " << port_file;
    return kFailure;
  }
  const std::string http_port_file = absl::GetFlag(FLAGS_http_port_file);
  if (http != nullptr && !http_port_file.empty() &&
      !plan::WritePortFile(http_port_file, http->port()).ok()) {
    PLAN_LOG(ERROR) << "cannot write port file " << http_port_file;
    return kFailure;
  }
  const v1::SyncStatus status = loop.Status();
  PLAN_LOG(INFO) << "sync-agent started listen=" << listen << " port=" << port
                 << " data_dir=" << data_dir << " organisation=" << organisation
                 << " plans=" << absl::StrJoin(replica_options->plans, ",")
                 << " server=" << server_address
                 << " schedule=" << plan::FormatSchedule(*schedule)
                 << " replica=" << (*store)->replica_id()
                 << " cursor=" << status.cursor()
                 << " pending=" << status.pending_changes() << " start_ms="
                 << absl::ToInt64Milliseconds(absl::Now() - started)
                 << " version=" << plan::VersionString();
  loop.Start();
  plan::NotifyReady(absl::StrCat("serving ", listen, " organisation=",
                                 organisation, " cursor=", status.cursor()));

  const std::string signal = plan::WaitForTerminationSignal();
  PLAN_LOG(INFO) << "sync-agent stopping on " << signal;
  plan::NotifyStopping();
  plan::StopServingHealth(*server, health_server->get());
  http.reset();            // it calls the server
  metrics_server.reset();  // it reads the loop's status
  plan::ShutdownServer(*server, absl::GetFlag(FLAGS_shutdown_grace),
                       health_server->get());
  loop.Stop();
  const int64_t pending = replica.pending_changes();
  const bool needs_restart = health->needs_restart();
  health.reset();  // before the store it follows
  store->reset();
  PLAN_LOG(INFO) << "sync-agent stopped organisation=" << organisation
                 << " pending=" << pending;
  return needs_restart ? kFailure : kOk;
}

}  // namespace
}  // namespace sync_agent

int main(int argc, char** argv) {
  // Debian's Abseil is built without NDEBUG, so by default every Mutex
  // acquisition, gRPC's own included, is checked for lock-order cycles: 4%
  // of the service's CPU under UpdateAction. The tests keep the check on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage(
      "A partner's replica of Prevent delivery plans: serves PlanService "
      "locally and syncs with the county's plan service.\n"
      "  sync-agent --server=HOST:PORT --organisation=organisations/ORG "
      "--plans=plans/a,plans/b --data_dir=DIR --listen=HOST:PORT "
      "[--schedule=nightly@02:00|every:15m|continuous|manual] [--once] "
      "[--port_file=PATH]");
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view file) {
    return absl::StrContains(file, "sync-agent/");
  };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  usage.version_string = [] {
    return absl::StrCat("sync-agent ", plan::VersionString(), "\n");
  };
  absl::SetFlagsUsageConfig(usage);
  absl::ParseCommandLine(argc, argv);
  if (!plan::ConfigureLogging(absl::GetFlag(FLAGS_log_format))) return 2;
  return sync_agent::Run();
}
