// plan-service: the county's authoritative store of Prevent delivery plans,
// served over gRPC (PlanService, grpc.health.v1, server reflection).
//
//   plan-service --listen=127.0.0.1:50051 --data_dir=./data
//
// SIGTERM or SIGINT: health turns NOT_SERVING, in-flight calls finish (up to
// --shutdown_grace), the store closes, and the process exits 0.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "libplan/clock/hybrid_clock.h"
#include "libplan/http/metrics_server.h"
#include "libplan/http/rest_gateway.h"
#include "libplan/rpc/admin_service.h"
#include "libplan/rpc/identity.h"
#include "libplan/rpc/metrics.h"
#include "libplan/rpc/plan_service.h"
#include "libplan/rpc/report_service.h"
#include "libplan/rpc/server.h"
#include "libplan/rpc/service_manager.h"
#include "libplan/rpc/sync_service.h"
#include "libplan/service/plan_resources.h"
#include "libplan/storage/store.h"
#include "libplan/sync/sync_authority.h"
#include "libplan/transport/credentials.h"
#include "libplan/util/log.h"
#include "libplan/util/status_macros.h"
#include "libplan/util/timestamp.h"
#include "libplan/util/version.h"
#include "seed.pb.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "Address to serve on, HOST:PORT (port 0 picks a free one).");
ABSL_FLAG(std::string, data_dir, "./data",
          "Directory of the RocksDB store. A new store is created only when "
          "it is absent or empty; a damaged store is refused, unchanged.");
ABSL_FLAG(std::string, organisation, "",
          "This service's own organisation (organisations/{org}), recorded as "
          "the actor of writes whose request names none.");
ABSL_FLAG(std::string, port_file, "",
          "When set, the bound port is written to this file once serving.");
ABSL_FLAG(std::string, seed, "",
          "When this start creates the store (--data_dir absent or empty), "
          "import the plans this seed manifest lists (a text-format "
          "prevent.plan.seed.Seed, e.g. deploy/demo/seed.textproto). Ignored "
          "for a store that already exists.");
ABSL_FLAG(int64_t, retain_changes, 0,
          "When above 0, at start keep only this many of the newest changes "
          "in the change log; agents whose cursor is older take a snapshot.");
ABSL_FLAG(int64_t, min_free_mib, 128,
          "Writes stop (UNAVAILABLE, STORAGE_FULL; health NOT_SERVING) while "
          "less than this many MiB are free where --data_dir is, and resume "
          "by themselves once there is space. 0 turns the guard off.");
ABSL_FLAG(std::string, backup_root, "",
          "Directory under which `planctl admin backup --to=DIR` may write "
          "backups (DIR relative to it, or inside it). Empty: no backups.");
ABSL_FLAG(std::string, restore_from, "",
          "Before serving, restore the latest backup in this directory into "
          "--data_dir, which must be absent or empty. The restored store gets "
          "a new epoch, so agents take a snapshot and push again what it "
          "lacks (docs/operations.md).");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "How long in-flight calls may run after SIGTERM.");
ABSL_FLAG(std::string, http_listen, "",
          "Also serve the REST/JSON API (docs/rest.md) on this HOST:PORT: "
          "HTTPS with the --tls_* files when they are given, else plaintext "
          "on loopback only. Off when empty.");
ABSL_FLAG(std::string, http_port_file, "",
          "When set, the bound HTTP port is written to this file once "
          "serving.");
ABSL_FLAG(std::string, http_proxy_user_header, "",
          "Single sign-on through a trusted reverse proxy (e.g. "
          "oauth2-proxy's X-Forwarded-Email): the HTTP header in which it "
          "names the person. Believed only from --http_trusted_proxies; the "
          "organisation is the one --http_proxy_users maps the person to.");
ABSL_FLAG(std::vector<std::string>, http_trusted_proxies, {},
          "Comma-separated addresses or ranges (127.0.0.1, 10.0.0.0/8, ::1) "
          "of the proxies --http_proxy_user_header is believed from.");
ABSL_FLAG(std::string, http_proxy_users, "",
          "File of lines \"USER organisations/ORG\": the organisation each "
          "person a proxy names acts for. Read at start.");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain of this service (with --tls_key and "
          "--tls_ca): serve TLS and require client certificates signed by "
          "--tls_ca. Needed to listen anywhere but loopback.");
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
          "PEM certificate(s) of the CA that signs client certificates.");
ABSL_FLAG(std::string, trust_domain, "prevent.local",
          "With TLS, a caller's organisation is the one its certificate's "
          "URI SAN spiffe://<trust_domain>/organisations/<id> names.");
ABSL_FLAG(absl::Duration, max_clock_skew, absl::Seconds(30),
          "A pushed change's time is trusted up to this far ahead of this "
          "service's clock (and never before the version it edits); beyond "
          "it the service's own time is used and the claimed one kept.");
ABSL_FLAG(std::string, dev_organisation, "",
          "Development mode (plaintext on loopback, no TLS): the organisation "
          "of a call whose x-prevent-organisation names none, an "
          "administrator. Empty: this service's own (--organisation), which "
          "may do everything.");
ABSL_FLAG(std::vector<std::string>, admin_organisations, {},
          "Comma-separated organisations (organisations/{org}) that may do "
          "everything: create plans and organisations, and act in every plan "
          "whatever its members (docs/security.md).");

namespace {

// Sets `options` up for single sign-on through a proxy, as the
// --http_proxy_* and --http_trusted_proxies flags say.
absl::Status ConfigureSignOnProxy(plan::RestGatewayOptions& options) {
  options.proxy_user_header = absl::GetFlag(FLAGS_http_proxy_user_header);
  const std::string users_file = absl::GetFlag(FLAGS_http_proxy_users);
  const std::vector<std::string> proxies =
      absl::GetFlag(FLAGS_http_trusted_proxies);
  if (options.proxy_user_header.empty()) {
    if (!users_file.empty() || !proxies.empty()) {
      return absl::InvalidArgumentError(
          "--http_proxy_users and --http_trusted_proxies need "
          "--http_proxy_user_header");
    }
    return absl::OkStatus();
  }
  absl::StatusOr<plan::AddressRanges> ranges =
      plan::AddressRanges::Parse(proxies);
  if (!ranges.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--http_trusted_proxies: ", ranges.status().message()));
  }
  if (ranges->empty() || users_file.empty()) {
    return absl::InvalidArgumentError(
        "--http_proxy_user_header needs --http_trusted_proxies and "
        "--http_proxy_users");
  }
  options.trusted_proxies = *std::move(ranges);
  std::ifstream in(users_file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("--http_proxy_users=", users_file, " cannot be read"));
  }
  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> users =
      plan::ParseProxyUsers(text.str());
  if (!users.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--http_proxy_users=", users_file, ": ", users.status().message()));
  }
  options.proxy_users = *std::move(users);
  PLAN_LOG(INFO) << "http: single sign-on header=" << options.proxy_user_header
                 << " users=" << options.proxy_users.size();
  return absl::OkStatus();
}

// Gives the members `entry` names their roles in its plan, once imported.
absl::Status AddSeedMembers(const prevent::plan::seed::SeedPlan& entry,
                            plan::PlanResources& resources) {
  namespace v1 = prevent::plan::v1;
  std::vector<std::pair<std::string, v1::Role>> members;
  for (const std::string& owner : entry.owners()) {
    members.emplace_back(owner, v1::OWNER);
  }
  if (entry.leads_are_editors()) {
    absl::StatusOr<plan::PlanDocument> document =
        resources.ReadDocument(entry.plan().name());
    if (!document.ok()) return document.status();
    const auto add_editor = [&](const std::string& organisation) {
      for (const auto& [name, role] : members) {
        if (name == organisation) return;
      }
      members.emplace_back(organisation, v1::EDITOR);
    };
    for (const plan::ActivityEntry& activity : document->activities) {
      for (const std::string& lead : activity.activity.lead_organisations()) {
        add_editor(lead);
      }
      for (const v1::Action& action : activity.actions) {
        if (!action.owner_organisation().empty()) {
          add_editor(action.owner_organisation());
        }
      }
    }
  }
  for (const auto& [organisation, role] : members) {
    v1::Member member;
    member.set_role(role);
    v1::Member created;
    const std::string id = organisation.substr(organisation.rfind('/') + 1);
    RETURN_IF_ERROR(resources.Create(plan::Kind::kMember, entry.plan().name(),
                                     id, member, plan::Actor(), &created));
  }
  PLAN_LOG(INFO) << "seeded " << entry.plan().name()
                 << " members=" << members.size();
  return absl::OkStatus();
}

// Imports the plans of the --seed manifest into a store this start has just
// created (never into one that opened, however empty), so a first start
// serves real plans straight away.
absl::Status SeedIfEmpty(const plan::Store& store,
                         plan::PlanResources& resources) {
  const std::string path = absl::GetFlag(FLAGS_seed);
  if (path.empty() || !store.created()) return absl::OkStatus();
  const auto read = [](const std::string& file) -> absl::StatusOr<std::string> {
    std::ifstream in(file, std::ios::binary);
    if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", file));
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
  };
  absl::StatusOr<std::string> manifest = read(path);
  if (!manifest.ok()) return manifest.status();
  prevent::plan::seed::Seed seed;
  if (!google::protobuf::TextFormat::ParseFromString(*manifest, &seed)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is not a seed manifest"));
  }
  const std::string folder = path.substr(0, path.rfind('/') + 1);
  for (const prevent::plan::seed::SeedPlan& entry : seed.plans()) {
    absl::StatusOr<std::string> content = read(folder + entry.file());
    if (!content.ok()) return content.status();
    prevent::plan::v1::ImportPlanRequest request;
    *request.mutable_plan() = entry.plan();
    request.set_format(entry.format());
    request.set_content(*content);
    prevent::plan::v1::ImportPlanResponse response;
    absl::Status imported = resources.Import(request, plan::Actor(), &response);
    if (imported.ok()) imported = AddSeedMembers(entry, resources);
    if (!imported.ok()) {
      return absl::Status(imported.code(),
                          absl::StrCat(entry.file(), ": ", imported.message()));
    }
  }
  return absl::OkStatus();
}

// The gauges a scrape reads from the store and the replicas' records.
void ServiceGauges(plan::Metrics& metrics, const plan::Store& store,
                   const plan::SyncAuthority& authority) {
  metrics.DeclareGauge("plan_change_log_sequence",
                       "The last change's sequence in the change log.");
  metrics.DeclareGauge("plan_store_healthy",
                       "1 while the store takes writes, else 0.");
  metrics.DeclareGauge("plan_store_bytes",
                       "RocksDB's sizes: live tables, write-ahead log, "
                       "memtables (label kind).");
  metrics.DeclareGauge("plan_store_free_bytes",
                       "Free space on the store's file system.");
  metrics.DeclareGauge("plan_store_estimated_keys",
                       "RocksDB's estimate of the keys it holds.");
  metrics.DeclareGauge("plan_replica_last_sync_timestamp_seconds",
                       "When each replica last pushed or pulled (Unix time; "
                       "0: never).");
  metrics.DeclareGauge("plan_replica_seconds_since_sync",
                       "Seconds since each replica last pushed or pulled "
                       "(since first seen, if never).");
  metrics.DeclareGauge("plan_replica_lag_changes",
                       "Changes of each replica's plans it lacks.");
  metrics.AddRefresher([&metrics, &store, &authority] {
    metrics.SetGauge("plan_change_log_sequence", {},
                     static_cast<double>(store.last_sequence()));
    metrics.SetGauge("plan_store_healthy", {}, store.health().ok() ? 1 : 0);
    const plan::StoreSizes sizes = store.sizes();
    metrics.SetGauge("plan_store_bytes", {{"kind", "tables"}},
                     static_cast<double>(sizes.table_bytes));
    metrics.SetGauge("plan_store_bytes", {{"kind", "wal"}},
                     static_cast<double>(sizes.wal_bytes));
    metrics.SetGauge("plan_store_bytes", {{"kind", "memtables"}},
                     static_cast<double>(sizes.memtable_bytes));
    metrics.SetGauge("plan_store_free_bytes", {},
                     static_cast<double>(sizes.free_bytes));
    metrics.SetGauge("plan_store_estimated_keys", {},
                     static_cast<double>(sizes.estimated_keys));
    uint64_t sequence = 0;
    absl::StatusOr<std::vector<prevent::plan::v1::Replica>> replicas =
        authority.ListReplicas([](const auto&) { return true; }, &sequence);
    if (!replicas.ok()) return;
    const absl::Time now = absl::Now();
    for (const prevent::plan::v1::Replica& replica : *replicas) {
      const std::map<std::string, std::string> labels = {
          {"organisation", replica.organisation()},
          {"replica", replica.replica_id()}};
      const absl::Time synced =
          replica.has_last_sync_time()
              ? plan::FromTimestamp(replica.last_sync_time())
              : plan::FromTimestamp(replica.first_seen_time());
      metrics.SetGauge("plan_replica_last_sync_timestamp_seconds", labels,
                       replica.has_last_sync_time()
                           ? absl::ToDoubleSeconds(synced - absl::UnixEpoch())
                           : 0);
      metrics.SetGauge("plan_replica_seconds_since_sync", labels,
                       absl::ToDoubleSeconds(now - synced));
      metrics.SetGauge("plan_replica_lag_changes", labels,
                       static_cast<double>(replica.lag_changes()));
    }
  });
}

int Run() {
  // Signals are taken synchronously by the main thread, so they must be
  // blocked before any other thread starts.
  plan::BlockTerminationSignals();

  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  const absl::Time started = absl::Now();
  // Checked before the store is touched: a start that cannot serve changes
  // nothing.
  const std::string listen = absl::GetFlag(FLAGS_listen);
  const plan::TlsFiles tls{.cert = absl::GetFlag(FLAGS_tls_cert),
                           .key = absl::GetFlag(FLAGS_tls_key),
                           .ca = absl::GetFlag(FLAGS_tls_ca)};
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      plan::ServerCredentialsFor(listen, tls);
  if (!credentials.ok()) {
    PLAN_LOG(ERROR) << "cannot serve: " << credentials.status().message();
    return 1;
  }
  plan::Authenticator::Options identity;
  identity.trust_domain = absl::GetFlag(FLAGS_trust_domain);
  const std::string http_listen = absl::GetFlag(FLAGS_http_listen);
  if (!http_listen.empty()) identity.gateway_token = plan::NewGatewayToken();
  if (tls.enabled()) {
    identity.mode = plan::Authenticator::Mode::kCertificate;
  } else {
    identity.mode = plan::Authenticator::Mode::kDevelopment;
    identity.organisation = absl::GetFlag(FLAGS_dev_organisation);
    PLAN_LOG(WARNING) << "development mode: plaintext on loopback; callers "
                         "are not authenticated and act as the organisation "
                         "x-prevent-organisation names (default "
                      << (identity.organisation.empty()
                              ? std::string("this service's own")
                              : identity.organisation)
                      << ", which may do everything). Give --tls_cert, "
                         "--tls_key and --tls_ca to "
                         "verify them (docs/security.md).";
  }
  const std::string metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  if (absl::Status free = plan::CheckCanListenOnAll(
          {{"--listen", listen},
           {"--http_listen", http_listen},
           {"--metrics_listen", metrics_listen},
           {"--health_listen", absl::GetFlag(FLAGS_health_listen)}});
      !free.ok()) {
    PLAN_LOG(ERROR) << "cannot serve: " << free.message();
    return 1;
  }
  plan::RestGatewayOptions http_options{
      .listen = http_listen,
      .tls = tls,
      .trust_domain = identity.trust_domain,
      .gateway_token = identity.gateway_token};
  if (absl::Status proxy = ConfigureSignOnProxy(http_options); !proxy.ok()) {
    PLAN_LOG(ERROR) << "cannot serve HTTP: " << proxy.message();
    return 1;
  }
  absl::flat_hash_set<std::string> administrators;
  for (const std::string& organisation :
       absl::GetFlag(FLAGS_admin_organisations)) {
    if (organisation.empty()) continue;
    if (!plan::ResourceName::ParseAs(plan::Kind::kOrganisation, organisation)
             .ok()) {
      PLAN_LOG(ERROR) << "--admin_organisations: \"" << organisation
                      << "\" is not organisations/{org}";
      return 1;
    }
    administrators.insert(organisation);
  }
  if (identity.mode == plan::Authenticator::Mode::kDevelopment &&
      !identity.organisation.empty()) {
    administrators.insert(identity.organisation);
  }
  if (!administrators.empty()) {
    std::vector<std::string> names(administrators.begin(),
                                   administrators.end());
    std::sort(names.begin(), names.end());
    PLAN_LOG(INFO) << "administrators: " << absl::StrJoin(names, ",");
  }
  const plan::AccessControl access(administrators);
  if (const std::string from = absl::GetFlag(FLAGS_restore_from);
      !from.empty()) {
    absl::StatusOr<plan::BackupInfo> restored =
        plan::Store::Restore(from, {.path = data_dir});
    if (!restored.ok()) {
      PLAN_LOG(ERROR) << "cannot restore: " << restored.status().message();
      return 1;
    }
  }
  const std::string backup_root = absl::GetFlag(FLAGS_backup_root);
  if (!backup_root.empty()) {
    std::error_code error;
    std::filesystem::create_directories(backup_root, error);
    if (error) {
      PLAN_LOG(ERROR) << "cannot make --backup_root " << backup_root << ": "
                      << error.message();
      return 1;
    }
  }
  // Made before the store and the server, which report to it.
  std::optional<plan::Metrics> metrics;
  if (!metrics_listen.empty()) metrics.emplace();
  absl::StatusOr<std::unique_ptr<plan::Store>> store = plan::Store::Open(
      {.path = data_dir,
       .min_free_bytes = static_cast<uint64_t>(std::max<int64_t>(
                             absl::GetFlag(FLAGS_min_free_mib), 0))
                         << 20,
       .on_group_written =
           metrics.has_value()
               ? std::function<void(size_t, absl::Duration)>(
                     [&metrics](size_t writers, absl::Duration write) {
                       metrics->ObserveCommitGroup(writers, write);
                     })
               : nullptr});
  if (!store.ok()) {
    PLAN_LOG(ERROR) << "cannot open store: " << store.status().message();
    return 1;
  }
  plan::HybridClock clock(plan::HybridClock::SystemMillis,
                          absl::GetFlag(FLAGS_max_clock_skew));
  plan::PlanResourcesOptions options;
  options.default_organisation = absl::GetFlag(FLAGS_organisation);
  options.access = &access;
  plan::PlanResources resources(store->get(), &clock, options);
  if (absl::Status seeded = SeedIfEmpty(**store, resources); !seeded.ok()) {
    PLAN_LOG(ERROR) << "cannot import the seed plan: " << seeded.message();
    return 1;
  }
  const plan::Authenticator auth(identity);
  plan::PlanServiceImpl plan_service(&resources, &auth);
  plan::SyncAuthorityOptions sync_options;
  sync_options.access = &access;
  if (metrics.has_value()) sync_options.observer = &*metrics;
  plan::SyncAuthority authority(store->get(), &clock, sync_options);
  plan::SyncServiceImpl sync_service(&authority, &auth);
  plan::PlanReports reports(&resources);
  plan::ReportServiceImpl report_service(&reports, &auth);
  plan::AdminServiceImpl admin_service(store->get(), backup_root, &auth,
                                       &access, &authority);
  if (const int64_t keep = absl::GetFlag(FLAGS_retain_changes);
      keep > 0 && (*store)->last_sequence() > static_cast<uint64_t>(keep)) {
    if (absl::Status trimmed =
            authority.TrimLog((*store)->last_sequence() - keep);
        !trimmed.ok()) {
      PLAN_LOG(ERROR) << "cannot trim the change log: " << trimmed.message();
      return 1;
    }
  }

  grpc::ServerBuilder builder;
  plan::ConfigureServerBuilder(plan::ServerOptions(), &builder);
  if (metrics.has_value()) {
    builder.experimental().SetInterceptorCreators(metrics->Interceptors());
  }
  int port = 0;
  builder.AddListeningPort(listen, *credentials, &port);
  builder.RegisterService(&plan_service);
  builder.RegisterService(&sync_service);
  builder.RegisterService(&report_service);
  builder.RegisterService(&admin_service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    PLAN_LOG(ERROR) << "cannot listen on " << listen;
    return 1;
  }
  absl::StatusOr<std::unique_ptr<grpc::Server>> health_server =
      plan::StartHealthServer(absl::GetFlag(FLAGS_health_listen));
  if (!health_server.ok()) {
    PLAN_LOG(ERROR) << "cannot serve: " << health_server.status().message();
    plan::ShutdownServer(*server, absl::ZeroDuration());
    return 1;
  }
  std::optional<plan::StoreHealthFollower> health;
  health.emplace(store->get(), server.get(), health_server->get());
  std::unique_ptr<plan::RestGateway> http;
  const plan::Accounts accounts(store->get());
  if (!http_listen.empty()) {
    http_options.accounts = &accounts;
    absl::StatusOr<std::unique_ptr<plan::RestGateway>> started_http =
        plan::RestGateway::ForServer(
            http_options,
            {prevent::plan::v1::PlanService::service_full_name(),
             prevent::plan::v1::ReportService::service_full_name(),
             prevent::plan::v1::AdminService::service_full_name()},
            *server);
    if (!started_http.ok()) {
      PLAN_LOG(ERROR) << "cannot serve HTTP: "
                      << started_http.status().message();
      return 1;
    }
    http = *std::move(started_http);
    PLAN_LOG(INFO) << "http listening on " << http_listen
                   << " port=" << http->port()
                   << " tls=" << (tls.enabled() ? "on" : "off");
  }
  std::unique_ptr<plan::MetricsServer> metrics_server;
  if (metrics.has_value()) {
    ServiceGauges(*metrics, **store, authority);
    absl::StatusOr<std::unique_ptr<plan::MetricsServer>> started_metrics =
        plan::MetricsServer::Start(metrics_listen,
                                   [&metrics] { return metrics->Render(); });
    if (!started_metrics.ok()) {
      PLAN_LOG(ERROR) << "cannot serve metrics: "
                      << started_metrics.status().message();
      return 1;
    }
    metrics_server = *std::move(started_metrics);
    PLAN_LOG(INFO) << "metrics on http://" << metrics_listen
                   << "/metrics port=" << metrics_server->port();
  }
  const std::string port_file = absl::GetFlag(FLAGS_port_file);
  if (!port_file.empty() && !plan::WritePortFile(port_file, port).ok()) {
    PLAN_LOG(ERROR) << "cannot write port file " << port_file;
    return 1;
  }
  const std::string http_port_file = absl::GetFlag(FLAGS_http_port_file);
  if (http != nullptr && !http_port_file.empty() &&
      !plan::WritePortFile(http_port_file, http->port()).ok()) {
    PLAN_LOG(ERROR) << "cannot write port file " << http_port_file;
    return 1;
  }
  PLAN_LOG(INFO) << "plan-service started listen=" << listen << " port=" << port
                 << " tls=" << (tls.enabled() ? "mutual" : "off")
                 << " data_dir=" << data_dir
                 << " replica=" << (*store)->replica_id()
                 << " epoch=" << (*store)->epoch()
                 << " sequence=" << (*store)->last_sequence() << " start_ms="
                 << absl::ToInt64Milliseconds(absl::Now() - started)
                 << " version=" << plan::VersionString();
  plan::NotifyReady(absl::StrCat("serving ", listen, " port=", port,
                                 " sequence=", (*store)->last_sequence()));

  const std::string signal = plan::WaitForTerminationSignal();
  PLAN_LOG(INFO) << "plan-service stopping on " << signal;
  plan::NotifyStopping();
  plan::StopServingHealth(*server, health_server->get());
  http.reset();            // it calls the server
  metrics_server.reset();  // it reads the store
  plan::ShutdownServer(*server, absl::GetFlag(FLAGS_shutdown_grace),
                       health_server->get());
  const uint64_t sequence = (*store)->last_sequence();
  const bool needs_restart = health->needs_restart();
  health.reset();  // before the store it follows
  store->reset();
  PLAN_LOG(INFO) << "plan-service stopped sequence=" << sequence;
  return needs_restart ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Debian's Abseil is built without NDEBUG, so by default every Mutex
  // acquisition, gRPC's own included, is checked for lock-order cycles: 4%
  // of the service's CPU under UpdateAction. The tests keep the check on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage(
      "Serves the Prevent delivery plans of a county over gRPC.\n"
      "  plan-service --listen=127.0.0.1:50051 --data_dir=./data");
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view file) {
    return absl::StrContains(file, "plan-service/");
  };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  usage.version_string = [] {
    return absl::StrCat("plan-service ", plan::VersionString(), "\n");
  };
  absl::SetFlagsUsageConfig(usage);
  absl::ParseCommandLine(argc, argv);
  if (!plan::ConfigureLogging(absl::GetFlag(FLAGS_log_format))) return 2;
  return Run();
}
