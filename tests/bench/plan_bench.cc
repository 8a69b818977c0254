// plan-bench: how fast the plan service and the sync agent are, against what
// gRPC and RocksDB themselves allow on this machine (issue 6).
//
// One run starts the real plan-service and sync-agent binaries as processes on
// loopback, with their data in a temp dir, and measures in turn:
//   1. the limits: a no-op unary call (Health/Check) from --clients concurrent
//      clients, and raw RocksDB ingest of --actions action-sized records in
//      WriteBatches of --raw_batch with a synced WAL;
//   2. initial replication of a plan of --actions actions (texts from the
//      published South Staffordshire plan) to a fresh agent: its first
//      SyncNow, timed from the agent serving to caught up (as raw ingest
//      times its writes, not opening its database), and also from starting
//      the agent's process;
//   3. incremental sync of --incremental_changes service changes by an agent
//      holding --small_actions records and one holding --actions records;
//   4. push of --push_edits offline edits made on an agent, first with no
//      concurrent edits (every change applies as sent), then again on other
//      actions, a third of which the service edits meanwhile, so that those
//      changes merge (words of a description) or conflict (a RAG);
//   5. durable UpdateAction on the service from --clients clients, then, as
//      a peer, durable Put on a single-member etcd (--etcd) on loopback from
//      as many clients, each value a serialized action of the plan;
//   6. GetAction and a 100-item ListActions page;
//   7. peak RSS of both processes during (2), and the service's start time on
//      the --actions store;
//   8. with --tls (the default), (2) and (5) again over mutual TLS: the
//      service restarted with certificates from deploy/certs.sh, a fresh
//      agent and the clients presenting theirs.
// Before each of (1), (3), (4) and (5) it waits for the processes to go idle,
// so that one phase's background work (RocksDB flushes and compactions) is
// not charged to the next. After each timed sync (2, 3, 4 and 8), outside
// the timing, it reads the synced plan from the agent and from the service
// and fails unless they serve the same bytes.
// It prints progress to stderr, then a table and, as its last line, one JSON
// object with the figures. It asserts nothing about speed; it fails (exit 1)
// when something does not work, including when etcd is not installed.
//
//   build/tests/plan-bench                    # the README's figures
//   build/tests/plan-bench --actions=10000    # a quick run
//   build/tests/plan-bench --agents=1000      # only the fan-in (fan_in.h)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/etcd_kv.grpc.pb.h"
#include "google/protobuf/field_mask.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/channel_arguments.h"
#include "libplan/formats/csv.h"
#include "libplan/formats/plan_document.h"
#include "libplan/formats/prevent_text.h"
#include "libplan/util/status_macros.h"
#include "prevent/plan/v1/agent_service.grpc.pb.h"
#include "prevent/plan/v1/plan_service.grpc.pb.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/write_batch.h"
#include "tests/bench/fan_in.h"
#include "tests/bench/process_stats.h"
#include "tests/support/plan_service_process.h"
#include "tests/support/plan_state.h"
#include "tests/support/process.h"
#include "tests/support/sync_agent_process.h"
#include "tests/support/temp_dir.h"

ABSL_FLAG(int, actions, 100000,
          "actions in the large plan (initial sync, raw ingest, start time)");
ABSL_FLAG(int, small_actions, 1000,
          "actions in the small plan (the small agent of incremental sync)");
ABSL_FLAG(int, clients, 16, "concurrent clients of the rate measurements");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(3),
          "length of each rate measurement");
ABSL_FLAG(int, incremental_changes, 100,
          "service changes pulled in each incremental sync");
ABSL_FLAG(int, incremental_rounds, 5,
          "incremental syncs per agent; the median is reported");
ABSL_FLAG(int, push_edits, 10000, "offline edits an agent pushes");
ABSL_FLAG(int, raw_batch, 500,
          "records per WriteBatch of the raw ingest (500: what an agent "
          "writes per snapshot chunk)");
ABSL_FLAG(std::string, work_dir, "",
          "directory for data and logs (kept); a temp dir, removed after, "
          "when empty");
ABSL_FLAG(std::string, plan_service, PLAN_SERVICE_BINARY,
          "the plan-service binary");
ABSL_FLAG(std::string, sync_agent, SYNC_AGENT_BINARY, "the sync-agent binary");
ABSL_FLAG(std::string, etcd, "/usr/bin/etcd",
          "the etcd binary (Debian's etcd-server), the peer of durable "
          "UpdateAction; required");
ABSL_FLAG(bool, tls, true,
          "also measure the initial sync and durable UpdateAction over mutual "
          "TLS (certificates from deploy/certs.sh)");
ABSL_FLAG(std::string, seed,
          PLAN_SOURCE_DIR
          "/deploy/demo/south-staffordshire-prevent-action-plan-2023-2025.txt",
          "the published plan whose texts fill the benchmark plans");
ABSL_FLAG(int, agents, 0,
          "when above 0, run only the fan-in benchmark (tests/bench/fan_in.h): "
          "this many partner agents syncing with one service at once");

namespace prevent::plan::bench {
namespace {

namespace v1 = ::prevent::plan::v1;
using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::plan::ActivityEntry;
using ::plan::PlanDocument;
using test_support::FromGrpc;
using test_support::PlanServiceProcess;
using test_support::SyncAgentProcess;
using test_support::TempDir;

constexpr char kLargePlan[] = "plans/bench-large";
constexpr char kSmallPlan[] = "plans/bench-small";
constexpr char kOrganisationId[] = "staffordshire-police";
constexpr char kOrganisation[] = "organisations/staffordshire-police";
constexpr int kActionsPerActivity = 50;
constexpr int kActionsPerImport = 2000;  // ~1 MiB of CSV per ImportPlan
constexpr v1::Rag kRags[] = {v1::RED, v1::AMBER, v1::GREEN, v1::BLUE};

void Progress(absl::string_view line) {
  std::cerr << absl::FormatTime("%H:%M:%S ", absl::Now(), absl::LocalTimeZone())
            << line << std::endl;
}

double Seconds(absl::Duration d) { return absl::ToDoubleSeconds(d); }

// ---------------------------------------------------------------------------
// Plans made of the published plan's texts.

// Builds the documents of a plan of `actions` actions: the published plan's
// strands and organisations, and activities of kActionsPerActivity actions
// each, cycling through its activities and actions (with RAG values added,
// which the published plan lacks), cut into documents of kActionsPerImport.
class PlanMaker {
 public:
  static absl::StatusOr<PlanMaker> FromSeed(const std::string& path) {
    std::ifstream in(path);
    if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
    const std::string text((std::istreambuf_iterator<char>(in)),
                           std::istreambuf_iterator<char>());
    ASSIGN_OR_RETURN(::plan::ParsedPlan parsed,
                     ::plan::ParsePreventText(text, "plans/seed"));
    PlanMaker maker;
    maker.seed_ = std::move(parsed.document);
    for (const ActivityEntry& entry : maker.seed_.activities) {
      for (const v1::Action& action : entry.actions) {
        maker.actions_.push_back(action);
      }
    }
    if (maker.seed_.activities.empty() || maker.actions_.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, " has no activities or actions"));
    }
    return maker;
  }

  // The documents of a plan of `actions` actions, as CSV, one per
  // ImportPlan.
  std::vector<std::string> Csv(int actions) const {
    std::vector<std::string> out;
    for (int first = 0; first < actions; first += kActionsPerImport) {
      PlanDocument doc;
      doc.plan = seed_.plan;
      doc.organisations = seed_.organisations;
      doc.strands = seed_.strands;
      const int last = std::min(actions, first + kActionsPerImport);
      for (int i = first; i < last; ++i) {
        const int activity = i / kActionsPerActivity;
        if (i % kActionsPerActivity == 0 || i == first) {
          const ActivityEntry& like =
              seed_.activities[activity % seed_.activities.size()];
          ActivityEntry entry;
          entry.activity = like.activity;
          entry.activity.set_name(
              absl::StrCat("plans/seed/activities/a", activity));
          entry.activity.set_title(
              absl::StrCat(like.activity.title(), " (", activity + 1, ")"));
          doc.activities.push_back(std::move(entry));
        }
        v1::Action action = actions_[i % actions_.size()];
        action.set_name(absl::StrCat(doc.activities.back().activity.name(),
                                     "/actions/x", i));
        action.set_rag(kRags[i % 3]);
        doc.activities.back().actions.push_back(std::move(action));
      }
      out.push_back(::plan::WritePlanCsv(doc));
    }
    return out;
  }

  // The published plan's actions, serialized as the API carries them: the
  // raw ingest's records.
  const std::vector<v1::Action>& actions() const { return actions_; }

 private:
  PlanDocument seed_;
  std::vector<v1::Action> actions_;
};

// An action as imported.
struct ImportedAction {
  std::string name;
  v1::Rag rag;
};

// Imports a plan of `actions` actions into the service; returns its actions.
absl::StatusOr<std::vector<ImportedAction>> ImportPlan(
    const PlanMaker& maker, PlanServiceProcess& service,
    const std::string& plan, int actions) {
  auto stub = v1::PlanService::NewStub(service.NewChannel());
  std::vector<ImportedAction> names;
  names.reserve(actions);
  for (const std::string& csv : maker.Csv(actions)) {
    v1::ImportPlanRequest request;
    request.mutable_plan()->set_name(plan);
    request.mutable_plan()->set_title(absl::StrCat("Benchmark plan ", plan));
    request.set_format(v1::CSV);
    request.set_content(csv);
    v1::ImportPlanResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::minutes(5));
    RETURN_IF_ERROR(
        FromGrpc(stub->ImportPlan(&context, request, &response), "ImportPlan"));
    for (const v1::Action& action : response.actions()) {
      names.push_back({action.name(), action.rag()});
    }
    if (names.size() % 20000 < kActionsPerImport ||
        static_cast<int>(names.size()) == actions) {
      Progress(absl::StrFormat("imported %d/%d actions into %s", names.size(),
                               actions, plan));
    }
  }
  if (static_cast<int>(names.size()) != actions) {
    return absl::InternalError(
        absl::StrCat("imported ", names.size(), " actions, wanted ", actions));
  }
  // The benchmark's partner coordinates the plan: its edits are authorized
  // as an OWNER's (one membership read per change), not an administrator's.
  v1::CreateMemberRequest member;
  member.set_parent(plan);
  member.set_member_id(std::string(
      absl::string_view(kOrganisation)
          .substr(absl::string_view(kOrganisation).rfind('/') + 1)));
  member.mutable_member()->set_role(v1::OWNER);
  v1::Member created;
  grpc::ClientContext member_context;
  RETURN_IF_ERROR(FromGrpc(
      stub->CreateMember(&member_context, member, &created), "CreateMember"));
  return names;
}

// ---------------------------------------------------------------------------
// Closed-loop load from concurrent clients.

// The CPU time this process (the benchmark's clients) has used so far.
absl::Duration SelfCpuTime() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return absl::DurationFromTimeval(usage.ru_utime) +
         absl::DurationFromTimeval(usage.ru_stime);
}

// Waits (at most 10 s) until every process of `pids` is idle, so that
// background work one phase leaves (RocksDB flushes and compactions) is not
// charged to the next.
absl::Status WaitIdle(const std::vector<pid_t>& pids) {
  ASSIGN_OR_RETURN(const bool idle, bench::WaitIdle(pids, absl::Seconds(10)));
  if (!idle) Progress("still busy after 10 s; measuring anyway");
  return absl::OkStatus();
}

struct Load {
  int64_t calls = 0;
  absl::Duration elapsed;
  std::vector<double> latencies_ms;  // sorted

  // CPU time used meanwhile by the process serving the calls, and by this
  // one (the clients).
  absl::Duration server_cpu;
  absl::Duration client_cpu;

  double rate() const { return calls / Seconds(elapsed); }
  // Microseconds of CPU per call.
  double server_us() const {
    return absl::ToDoubleMicroseconds(server_cpu) / calls;
  }
  double client_us() const {
    return absl::ToDoubleMicroseconds(client_cpu) / calls;
  }
  double percentile_ms(double p) const {
    if (latencies_ms.empty()) return 0;
    const size_t i = std::min(latencies_ms.size() - 1,
                              static_cast<size_t>(p * latencies_ms.size()));
    return latencies_ms[i];
  }
};

// One client's call number `i` (unique across clients, from 0).
using Call = std::function<grpc::Status(int64_t i)>;
// Makes client number `client`'s call, with its own channel.
using MakeCall = std::function<Call(int client)>;

// Runs `clients` clients, each calling in a closed loop, until `duration`
// has passed or `max_calls` calls have been made. Each client makes one
// untimed call first (to connect). Fails with the first failed call.
// `server` is the process serving the calls, whose CPU time is measured.
absl::StatusOr<Load> RunLoad(pid_t server, int clients, absl::Duration duration,
                             int64_t max_calls, const MakeCall& make) {
  std::atomic<int64_t> next{0};
  std::atomic<bool> stop{false};
  absl::Notification go;
  std::vector<std::vector<double>> latencies(clients);
  std::vector<absl::Status> errors(clients);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      Call call = make(c);
      errors[c] = FromGrpc(call(-1), "warm-up call");
      ready.fetch_add(1);
      go.WaitForNotification();
      if (!errors[c].ok()) return;
      latencies[c].reserve(1 << 16);
      while (!stop.load(std::memory_order_relaxed)) {
        const int64_t i = next.fetch_add(1);
        if (i >= max_calls) break;
        const auto start = std::chrono::steady_clock::now();
        const grpc::Status status = call(i);
        const auto end = std::chrono::steady_clock::now();
        if (!status.ok()) {
          errors[c] = FromGrpc(status, absl::StrCat("call ", i));
          stop.store(true);
          break;
        }
        latencies[c].push_back(
            std::chrono::duration<double, std::milli>(end - start).count());
      }
    });
  }
  while (ready.load() < clients) absl::SleepFor(absl::Milliseconds(1));
  ASSIGN_OR_RETURN(absl::Duration server_cpu, CpuTime(server));
  const absl::Duration client_cpu = SelfCpuTime();
  const absl::Time start = absl::Now();
  go.Notify();
  const absl::Time deadline = start + duration;
  while (absl::Now() < deadline && !stop.load() && next.load() < max_calls) {
    absl::SleepFor(std::min(absl::Milliseconds(5), deadline - absl::Now()));
  }
  stop.store(true);
  for (std::thread& t : threads) t.join();
  Load load;
  load.elapsed = absl::Now() - start;
  load.client_cpu = SelfCpuTime() - client_cpu;
  ASSIGN_OR_RETURN(absl::Duration server_cpu_after, CpuTime(server));
  load.server_cpu = server_cpu_after - server_cpu;
  for (int c = 0; c < clients; ++c) {
    if (!errors[c].ok()) return errors[c];
    load.latencies_ms.insert(load.latencies_ms.end(), latencies[c].begin(),
                             latencies[c].end());
  }
  load.calls = static_cast<int64_t>(load.latencies_ms.size());
  std::sort(load.latencies_ms.begin(), load.latencies_ms.end());
  return load;
}

// A call's context, with a deadline `timeout` away. Calls wait for the
// channel to be ready: 16 channels connecting at once sometimes saw one
// connection attempt fail (UNAVAILABLE, once in eight quick runs), which a
// retry of the connection mends and which is not what is measured.
std::unique_ptr<grpc::ClientContext> ReadyContext(absl::Duration timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        absl::ToChronoMilliseconds(timeout));
  context->set_wait_for_ready(true);
  return context;
}

// The context of a call to the service or an agent: as ReadyContext, and
// acting as the benchmark's partner, an OWNER of its plans, so that it is
// authorized by its role as a partner's call is, with TLS or without.
std::unique_ptr<grpc::ClientContext> Context(absl::Duration timeout) {
  std::unique_ptr<grpc::ClientContext> context = ReadyContext(timeout);
  context->AddMetadata("x-prevent-organisation", kOrganisation);
  return context;
}

// A plan's actions, and the RAG the benchmark last set on each, so that
// every update changes the value: an update that changes nothing writes
// nothing, and would flatter the figures.
//
// Each action's RAG goes round kRags from its imported value, one step per
// NextRag: a value differs from the one before it. When two replicas that
// hold the same value are given one each in turn, the two differ from each
// other and from the value they held (the second is two steps on, of four):
// concurrent edits that conflict. Either of them may win, and the next
// value differs from both.
class Actions {
 public:
  Actions() = default;
  explicit Actions(const std::vector<ImportedAction>& imported)
      : rags_(std::make_unique<std::atomic<uint32_t>[]>(imported.size())) {
    names_.reserve(imported.size());
    for (size_t i = 0; i < imported.size(); ++i) {
      names_.push_back(imported[i].name);
      rags_[i] =
          std::find(std::begin(kRags), std::end(kRags), imported[i].rag) -
          std::begin(kRags);
    }
  }

  size_t size() const { return names_.size(); }
  // Action `i`, modulo the size.
  const std::string& name(int64_t i) const { return names_[i % size()]; }
  // The RAG after the last one given for action `i` (or the imported one).
  v1::Rag NextRag(int64_t i) {
    return kRags[(rags_[i % size()].fetch_add(1) + 1) % 4];
  }

 private:
  std::vector<std::string> names_;
  // Per action, the index in kRags of its last RAG, modulo 4.
  std::unique_ptr<std::atomic<uint32_t>[]> rags_;
};

// An UpdateAction changing the RAG of action `i` of `actions`.
grpc::Status UpdateRag(v1::PlanService::Stub& stub, Actions& actions,
                       int64_t i) {
  v1::UpdateActionRequest request;
  request.mutable_action()->set_name(actions.name(i));
  request.mutable_action()->set_rag(actions.NextRag(i));
  request.mutable_update_mask()->add_paths("rag");
  v1::Action response;
  return stub.UpdateAction(Context(absl::Seconds(30)).get(), request,
                           &response);
}

// Reads action `name` and rewrites its description as `before`, the
// description, then `after`: an edit of the words at its start or its end
// only, which an edit at the other end merges with.
grpc::Status EditDescription(v1::PlanService::Stub& stub,
                             const std::string& name, absl::string_view before,
                             absl::string_view after) {
  v1::GetActionRequest get;
  get.set_name(name);
  v1::Action action;
  if (grpc::Status status =
          stub.GetAction(Context(absl::Seconds(30)).get(), get, &action);
      !status.ok()) {
    return status;
  }
  v1::UpdateActionRequest request;
  request.mutable_action()->set_name(name);
  request.mutable_action()->set_description(
      absl::StrCat(before, action.description(), after));
  request.mutable_update_mask()->add_paths("description");
  v1::Action response;
  return stub.UpdateAction(Context(absl::Seconds(30)).get(), request,
                           &response);
}

// ---------------------------------------------------------------------------
// Processes.

absl::StatusOr<v1::SyncNowResponse> SyncNow(const SyncAgentProcess& agent) {
  auto stub = v1::AgentService::NewStub(agent.NewChannel());
  v1::SyncNowResponse moved;
  RETURN_IF_ERROR(FromGrpc(stub->SyncNow(Context(absl::Minutes(30)).get(),
                                         v1::SyncNowRequest(), &moved),
                           "SyncNow"));
  return moved;
}

// OK when `agent` serves plan `plan` byte for byte as `service` does: every
// resource of it (test_support::ReadPlan), deleted ones and conflicts
// included, which an agent with nothing pending does after a sync. Otherwise
// INTERNAL naming `after` (the sync just done) and the differences.
absl::Status CheckAgentMatchesService(const PlanServiceProcess& service,
                                      const SyncAgentProcess& agent,
                                      const std::string& plan,
                                      absl::string_view after) {
  auto service_stub = v1::PlanService::NewStub(service.NewChannel());
  auto agent_stub = v1::PlanService::NewStub(agent.NewChannel());
  ASSIGN_OR_RETURN(test_support::PlanState served,
                   test_support::ReadPlan(*service_stub, plan));
  ASSIGN_OR_RETURN(test_support::PlanState replica,
                   test_support::ReadPlan(*agent_stub, plan));
  const std::string differences =
      test_support::Differences("service", served, "agent", replica);
  if (!differences.empty()) {
    return absl::InternalError(
        absl::StrCat("after ", after, ", the agent's ", plan,
                     " differs from the service's:\n", differences));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// etcd, the peer of durable UpdateAction.

// A TCP port on 127.0.0.1 that was free a moment ago: the kernel's choice
// for a socket bound to port 0, closed again. Another process may take it
// before the caller binds it; EtcdProcess::Start tries again when that
// happens.
absl::StatusOr<int> FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::ErrnoToStatus(errno, "socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const int error = errno;
    close(fd);
    return absl::ErrnoToStatus(error, "binding 127.0.0.1:0");
  }
  close(fd);
  return ntohs(address.sin_port);
}

// The version `etcd --version` prints ("3.4.23"). FAILED_PRECONDITION, saying
// how to install it, when `binary` is not there: plan-bench needs etcd.
absl::StatusOr<std::string> EtcdVersion(const std::string& binary,
                                        const std::string& log) {
  if (access(binary.c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no etcd at ", binary, " (", strerror(errno),
        "): plan-bench measures durable UpdateAction against etcd; install "
        "Debian's etcd-server (bash deploy/dev.sh deps), or name the binary "
        "with --etcd"));
  }
  const test_support::Invocation run =
      test_support::RunToCompletion(binary, {"--version"}, log);
  for (absl::string_view line : absl::StrSplit(run.output, '\n')) {
    if (absl::ConsumePrefix(&line, "etcd Version: ") && run.code == 0) {
      return std::string(absl::StripAsciiWhitespace(line));
    }
  }
  return absl::InternalError(
      absl::StrCat(binary, " --version (exit ", run.code, "): ", run.output));
}

// A single-member etcd on loopback, durable as etcd is by default (each
// batch of committed entries fsynced to its write-ahead log before it is
// answered), with its data in its own directory. The destructor SIGKILLs it
// if Stop() has not ended it. Movable, not copyable.
class EtcdProcess {
 public:
  // Starts `binary` on free loopback ports for its client and peer URLs,
  // with data in `data_dir` (emptied first; etcd creates it) and its output
  // appended to `log`, and returns once it answers a Range: it has elected
  // itself leader. A start whose etcd exits (a port taken meanwhile) is
  // tried again on other ports, three times in all; an etcd that does not
  // answer within 30 s is killed, and the error carries its log's tail.
  static absl::StatusOr<EtcdProcess> Start(const std::string& binary,
                                           const std::string& data_dir,
                                           const std::string& log) {
    absl::Status last = absl::UnavailableError("no two free ports");
    for (int attempt = 0; attempt < 3; ++attempt) {
      ASSIGN_OR_RETURN(int client_port, FreeLoopbackPort());
      ASSIGN_OR_RETURN(int peer_port, FreeLoopbackPort());
      if (peer_port == client_port) continue;
      // A member an attempt before created would keep its old peer URL.
      if (std::error_code error; std::filesystem::remove_all(data_dir, error) ==
                                 static_cast<std::uintmax_t>(-1)) {
        return absl::InternalError(
            absl::StrCat("cannot empty ", data_dir, ": ", error.message()));
      }
      const std::string client_url =
          absl::StrCat("http://127.0.0.1:", client_port);
      const std::string peer_url = absl::StrCat("http://127.0.0.1:", peer_port);
      ASSIGN_OR_RETURN(
          test_support::ChildProcess child,
          test_support::ChildProcess::Start(
              binary,
              {"--name=plan-bench", absl::StrCat("--data-dir=", data_dir),
               absl::StrCat("--listen-client-urls=", client_url),
               absl::StrCat("--advertise-client-urls=", client_url),
               absl::StrCat("--listen-peer-urls=", peer_url),
               absl::StrCat("--initial-advertise-peer-urls=", peer_url),
               absl::StrCat("--initial-cluster=plan-bench=", peer_url),
               "--initial-cluster-state=new", "--logger=zap"},
              log));
      EtcdProcess etcd(std::move(child),
                       absl::StrCat("127.0.0.1:", client_port));
      last = etcd.AwaitAnswer(absl::Seconds(30));
      if (last.ok()) return etcd;
      if (absl::IsDeadlineExceeded(last)) break;
    }
    return absl::Status(last.code(),
                        absl::StrCat("etcd: ", last.message(), "\n",
                                     test_support::ReadFileTail(log)));
  }

  EtcdProcess(EtcdProcess&&) noexcept = default;
  EtcdProcess& operator=(EtcdProcess&&) noexcept = default;

  pid_t pid() const { return child_.pid(); }
  // "127.0.0.1:PORT", its client address.
  const std::string& address() const { return address_; }

  // A new plaintext channel to address(), with its own connection.
  std::shared_ptr<grpc::Channel> NewChannel() const {
    grpc::ChannelArguments arguments;
    arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return grpc::CreateCustomChannel(
        address_, grpc::InsecureChannelCredentials(), arguments);
  }

  // Sends SIGTERM and waits up to 20 s for etcd to end (then SIGKILLs it).
  absl::Status Stop() {
    RETURN_IF_ERROR(child_.Kill(SIGTERM));
    if (absl::StatusOr<int> code = child_.Wait(absl::Seconds(20)); !code.ok()) {
      (void)child_.Kill(SIGKILL);
      return code.status();
    }
    return absl::OkStatus();
  }

 private:
  EtcdProcess(test_support::ChildProcess child, std::string address)
      : child_(std::move(child)), address_(std::move(address)) {}

  // Asks for a key until etcd answers (OK), it exits (UNAVAILABLE) or
  // `timeout` passes (DEADLINE_EXCEEDED). Each try on a new channel: one
  // whose connection was refused would wait out gRPC's growing reconnect
  // backoff (1 s, 1.6 s, ...) however soon etcd listens.
  absl::Status AwaitAnswer(absl::Duration timeout) {
    const absl::Time give_up = absl::Now() + timeout;
    while (true) {
      auto stub = etcdserverpb::KV::NewStub(NewChannel());
      if (absl::StatusOr<int> code = child_.Wait(absl::ZeroDuration());
          code.ok()) {
        return absl::UnavailableError(
            absl::StrCat("exited with ", *code, " while starting"));
      }
      etcdserverpb::RangeRequest request;
      request.set_key("plan-bench/started");
      etcdserverpb::RangeResponse response;
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::milliseconds(500));
      const grpc::Status status = stub->Range(&context, request, &response);
      if (status.ok()) return absl::OkStatus();
      if (absl::Now() > give_up) {
        return absl::DeadlineExceededError(absl::StrCat(
            "no answer on ", address_, " after ", absl::FormatDuration(timeout),
            ": ", status.error_message()));
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
  }

  test_support::ChildProcess child_;
  std::string address_;
};

// Puts `value` under `key` on `etcd`, reads it back with a Range, and
// returns the store's revision after the put. INTERNAL unless etcd gives
// back the same bytes: the check that etcd_kv.proto speaks etcd's protocol.
absl::StatusOr<int64_t> PutAndReadBack(etcdserverpb::KV::Stub& etcd,
                                       const std::string& key,
                                       const std::string& value) {
  etcdserverpb::PutRequest put;
  put.set_key(key);
  put.set_value(value);
  etcdserverpb::PutResponse put_response;
  RETURN_IF_ERROR(FromGrpc(
      etcd.Put(ReadyContext(absl::Seconds(10)).get(), put, &put_response),
      "etcd Put"));
  etcdserverpb::RangeRequest range;
  range.set_key(key);
  etcdserverpb::RangeResponse range_response;
  RETURN_IF_ERROR(FromGrpc(
      etcd.Range(ReadyContext(absl::Seconds(10)).get(), range, &range_response),
      "etcd Range"));
  const etcdserverpb::ResponseHeader& header = put_response.header();
  if (header.cluster_id() == 0 || header.member_id() == 0 ||
      header.revision() <= 0 || range_response.kvs_size() != 1 ||
      range_response.kvs(0).key() != key ||
      range_response.kvs(0).value() != value ||
      range_response.kvs(0).mod_revision() != header.revision()) {
    return absl::InternalError(absl::StrCat(
        "etcd did not give back what was put under ", key, ": put answered ",
        put_response.ShortDebugString(), "; range answered ",
        range_response.kvs_size(), " keys, header ",
        range_response.header().ShortDebugString()));
  }
  return header.revision();
}

// ---------------------------------------------------------------------------
// The measurements.

struct Results {
  double noop_rpc_qps = 0;
  double raw_ingest_rps = 0;
  // Records per second of the initial sync: its SyncNow, on an agent
  // started and serving (as raw ingest times its writes, not the opening of
  // its database); and of the whole, from starting the agent's process.
  double initial_sync_rps = 0;
  double initial_sync_from_start_rps = 0;
  // Seconds from starting the agent's process to its serving.
  double agent_start_s = 0;
  // The median incremental sync of the agent holding the small plan
  // (--small_actions) and of the one holding the large plan (--actions).
  double incr_sync_ms_small_agent = 0;
  double incr_sync_ms_large_agent = 0;
  double push_cps = 0;
  // The push of which a third merged or conflicted, and its changes'
  // outcomes as the service answered them.
  double push_contended_cps = 0;
  int push_contended_applied = 0;
  int push_contended_merged = 0;
  int push_contended_conflicts = 0;
  double update_qps = 0;
  double update_p50_ms = 0;
  double update_p99_ms = 0;
  // The peer: durable Put on etcd, from as many clients.
  std::string etcd_version;
  double etcd_value_bytes = 0;  // mean size of the values put
  double etcd_put_qps = 0;
  double etcd_put_p50_ms = 0;
  double etcd_put_p99_ms = 0;
  double update_over_etcd() const {
    return etcd_put_qps > 0 ? update_qps / etcd_put_qps : 0;
  }
  double get_qps = 0;
  double list_qps = 0;
  double agent_rss_mb = 0;
  double service_rss_mb = 0;
  double start_s = 0;
  // Context for the table.
  double import_rps = 0;
  double agent_edit_qps = 0;
  // CPU microseconds per call (or pushed change): {serving process, other}.
  // The other is the benchmark's clients, or for the push the agent.
  std::pair<double, double> noop_cpu_us;
  std::pair<double, double> update_cpu_us;
  std::pair<double, double> get_cpu_us;
  std::pair<double, double> push_cpu_us;
  std::pair<double, double> push_contended_cpu_us;
  std::pair<double, double> etcd_put_cpu_us;
  // The same over mutual TLS (--tls), or 0.
  double initial_sync_rps_tls = 0;
  double update_qps_tls = 0;
  double update_p99_ms_tls = 0;
};

// Raw RocksDB: `records` action records (the published plan's actions,
// cycled, under action-like keys) in WriteBatches of `batch`, each written
// with a synced WAL. Records/s.
absl::StatusOr<double> RawIngest(const PlanMaker& maker,
                                 const std::string& path, int records,
                                 int batch) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.max_background_jobs = 2;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status opened = rocksdb::DB::Open(options, path, &raw);
  if (!opened.ok()) return absl::InternalError(opened.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::vector<std::string> values;
  for (const v1::Action& action : maker.actions()) {
    values.push_back(action.SerializeAsString());
  }
  rocksdb::WriteOptions write;
  write.sync = true;
  const absl::Time start = absl::Now();
  for (int first = 0; first < records; first += batch) {
    rocksdb::WriteBatch wb;
    for (int i = first; i < std::min(records, first + batch); ++i) {
      wb.Put(absl::StrFormat("e/plans/bench-raw/activities/a%d/actions/x%d",
                             i / kActionsPerActivity, i),
             values[i % values.size()]);
    }
    rocksdb::Status written = db->Write(write, &wb);
    if (!written.ok()) return absl::InternalError(written.ToString());
  }
  return records / Seconds(absl::Now() - start);
}

class Bench {
 public:
  Bench(const PlanMaker& maker, std::string dir)
      : maker_(maker), dir_(std::move(dir)) {}

  absl::StatusOr<Results> Run() {
    const int n = absl::GetFlag(FLAGS_actions);
    const int clients = absl::GetFlag(FLAGS_clients);
    const absl::Duration duration = absl::GetFlag(FLAGS_duration);

    // etcd first: without it the run could not finish.
    ASSIGN_OR_RETURN(
        results_.etcd_version,
        EtcdVersion(absl::GetFlag(FLAGS_etcd), Path("etcd-version.log")));
    Progress(absl::StrCat("etcd ", results_.etcd_version));

    Progress(absl::StrFormat("raw RocksDB ingest of %d records", n));
    ASSIGN_OR_RETURN(double raw, RawIngest(maker_, Path("raw"), n,
                                           absl::GetFlag(FLAGS_raw_batch)));
    results_.raw_ingest_rps = raw;

    // The plans, imported through the API.
    RETURN_IF_ERROR(StartService());
    const absl::Time import_start = absl::Now();
    ASSIGN_OR_RETURN(std::vector<ImportedAction> large,
                     ImportPlan(maker_, *service_, kLargePlan, n));
    results_.import_rps = n / Seconds(absl::Now() - import_start);
    ASSIGN_OR_RETURN(std::vector<ImportedAction> small,
                     ImportPlan(maker_, *service_, kSmallPlan,
                                absl::GetFlag(FLAGS_small_actions)));
    std::shuffle(large.begin(), large.end(), std::mt19937_64(42));
    large_ = Actions(large);
    small_ = Actions(small);

    // (7) Start time on the full store, then (2) with both peaks.
    RETURN_IF_ERROR(service_->Stop().status());
    service_.reset();
    const absl::Time start = absl::Now();
    RETURN_IF_ERROR(StartService());
    results_.start_s = Seconds(absl::Now() - start);
    Progress(
        absl::StrFormat("plan-service serving after %.3f s", results_.start_s));

    RETURN_IF_ERROR(InitialSync(n));

    // (1) The no-op limit.
    RETURN_IF_ERROR(WaitIdle(Pids()));
    Progress("no-op RPCs");
    absl::StatusOr<Load> noop = RunLoad(
        service_->pid(), clients, duration, INT64_MAX, [&](int) -> Call {
          auto stub = Health::NewStub(service_->NewChannel());
          return
              [stub = std::shared_ptr<Health::Stub>(std::move(stub))](int64_t) {
                HealthCheckResponse response;
                return stub->Check(Context(absl::Seconds(10)).get(),
                                   HealthCheckRequest(), &response);
              };
        });
    if (!noop.ok()) return noop.status();
    results_.noop_rpc_qps = noop->rate();
    results_.noop_cpu_us = {noop->server_us(), noop->client_us()};

    RETURN_IF_ERROR(WaitIdle(Pids()));
    RETURN_IF_ERROR(IncrementalSync());
    RETURN_IF_ERROR(Push(clients));
    RETURN_IF_ERROR(WaitIdle(Pids()));
    RETURN_IF_ERROR(ContendedPush(clients));
    RETURN_IF_ERROR(WaitIdle(Pids()));
    RETURN_IF_ERROR(ServiceCalls(clients, duration));

    for (auto* agent : {&large_agent_, &small_agent_}) {
      if (agent->has_value()) (void)(*agent)->Stop();
      agent->reset();
    }
    if (absl::GetFlag(FLAGS_tls))
      RETURN_IF_ERROR(OverTls(n, clients, duration));
    (void)service_->Stop();
    return results_;
  }

 private:
  // The service's and the running agents' process ids.
  std::vector<pid_t> Pids() const {
    std::vector<pid_t> pids = {service_->pid()};
    for (const auto* agent : {&large_agent_, &small_agent_}) {
      if (agent->has_value()) pids.push_back((*agent)->pid());
    }
    return pids;
  }

  std::string Path(absl::string_view name) const {
    return absl::StrCat(dir_, "/", name);
  }

  // With `tls`, mutual TLS with the certificates in Path("certs").
  absl::Status StartService(bool tls = false) {
    PlanServiceProcess::Options options;
    options.binary = absl::GetFlag(FLAGS_plan_service);
    options.data_dir = Path("service");
    options.log_path = Path("plan-service.log");
    options.poll_interval = absl::Milliseconds(1);
    if (tls) {
      options.tls_dir = Path("certs");
      options.tls_client = kOrganisationId;
    }
    ASSIGN_OR_RETURN(PlanServiceProcess service,
                     PlanServiceProcess::Start(options));
    service_.emplace(std::move(service));
    return absl::OkStatus();
  }

  absl::StatusOr<SyncAgentProcess> StartAgent(absl::string_view name,
                                              const std::string& plan,
                                              bool tls = false) {
    SyncAgentProcess::Options options;
    options.binary = absl::GetFlag(FLAGS_sync_agent);
    options.data_dir = Path(name);
    options.log_path = Path(absl::StrCat(name, ".log"));
    options.server = service_->address();
    options.organisation = kOrganisation;
    options.plans = {plan};
    if (tls) {
      const std::string certs = Path("certs");
      options.extra_args = {
          absl::StrCat("--tls_cert=", certs, "/", kOrganisationId, ".pem"),
          absl::StrCat("--tls_key=", certs, "/", kOrganisationId, ".key"),
          absl::StrCat("--tls_ca=", certs, "/ca.pem")};
    }
    return SyncAgentProcess::Start(options);
  }

  // (2) and (5) again over mutual TLS: the service restarted on its store
  // with certificates from deploy/certs.sh, a fresh agent presenting its
  // own, and the clients theirs.
  absl::Status OverTls(int n, int clients, absl::Duration duration) {
    Progress("certificates (deploy/certs.sh)");
    const test_support::Invocation certs = test_support::RunToCompletion(
        "/bin/bash",
        {absl::StrCat(PLAN_SOURCE_DIR, "/deploy/certs.sh"),
         absl::StrCat("--out=", Path("certs")), kOrganisationId},
        Path("certs.log"));
    if (certs.code != 0) {
      return absl::InternalError(absl::StrCat("certs.sh: ", certs.output));
    }
    RETURN_IF_ERROR(service_->Stop().status());
    service_.reset();
    RETURN_IF_ERROR(StartService(/*tls=*/true));
    RETURN_IF_ERROR(WaitIdle(Pids()));
    Progress(absl::StrFormat("initial sync of %d actions over TLS", n));
    ASSIGN_OR_RETURN(SyncAgentProcess agent,
                     StartAgent("agent-large-tls", kLargePlan, /*tls=*/true));
    const absl::Time start = absl::Now();
    ASSIGN_OR_RETURN(v1::SyncNowResponse moved, SyncNow(agent));
    const absl::Duration took = absl::Now() - start;
    if (!moved.snapshot() || moved.pulled() < n) {
      return absl::InternalError(absl::StrCat("initial sync over TLS moved ",
                                              moved.ShortDebugString()));
    }
    results_.initial_sync_rps_tls = moved.pulled() / Seconds(took);
    RETURN_IF_ERROR(CheckAgentMatchesService(*service_, agent, kLargePlan,
                                             "the initial sync over TLS"));
    (void)agent.Stop();
    RETURN_IF_ERROR(WaitIdle(Pids()));
    Progress("UpdateAction on the service over TLS");
    absl::StatusOr<Load> update = RunLoad(
        service_->pid(), clients, duration, INT64_MAX, [&](int) -> Call {
          std::shared_ptr<v1::PlanService::Stub> stub =
              v1::PlanService::NewStub(service_->NewChannel());
          return [this, stub](int64_t i) {
            return UpdateRag(*stub, large_, std::max<int64_t>(i, 0));
          };
        });
    if (!update.ok()) return update.status();
    results_.update_qps_tls = update->rate();
    results_.update_p99_ms_tls = update->percentile_ms(0.99);
    return absl::OkStatus();
  }

  // (2) A fresh agent subscribing to the large plan: its first SyncNow,
  // and from its start to caught up; the peak RSS of both processes.
  absl::Status InitialSync(int n) {
    Progress(absl::StrFormat("initial sync of %d actions", n));
    const absl::Time start = absl::Now();
    ASSIGN_OR_RETURN(SyncAgentProcess agent,
                     StartAgent("agent-large", kLargePlan));
    large_agent_.emplace(std::move(agent));
    const absl::Time serving = absl::Now();
    ASSIGN_OR_RETURN(v1::SyncNowResponse moved, SyncNow(*large_agent_));
    const absl::Time synced = absl::Now();
    if (!moved.snapshot() || moved.pulled() < n) {
      return absl::InternalError(
          absl::StrCat("initial sync moved ", moved.ShortDebugString()));
    }
    results_.initial_sync_rps = moved.pulled() / Seconds(synced - serving);
    results_.initial_sync_from_start_rps =
        moved.pulled() / Seconds(synced - start);
    results_.agent_start_s = Seconds(serving - start);
    Progress(absl::StrFormat(
        "initial sync: %d records in %.3f s, after %.3f s to start the agent",
        moved.pulled(), Seconds(synced - serving), results_.agent_start_s));
    ASSIGN_OR_RETURN(double agent_rss, PeakRssMb(large_agent_->pid()));
    ASSIGN_OR_RETURN(double service_rss, PeakRssMb(service_->pid()));
    results_.agent_rss_mb = agent_rss;
    results_.service_rss_mb = service_rss;
    return CheckAgentMatchesService(*service_, *large_agent_, kLargePlan,
                                    "the initial sync");
  }

  // (3) The same number of service changes pulled by an agent holding the
  // small plan and by one holding the large plan; the median of the rounds.
  absl::Status IncrementalSync() {
    Progress("incremental sync");
    ASSIGN_OR_RETURN(SyncAgentProcess agent,
                     StartAgent("agent-small", kSmallPlan));
    small_agent_.emplace(std::move(agent));
    ASSIGN_OR_RETURN(v1::SyncNowResponse first, SyncNow(*small_agent_));

    const int changes = absl::GetFlag(FLAGS_incremental_changes);
    const int rounds = absl::GetFlag(FLAGS_incremental_rounds);
    auto stub = v1::PlanService::NewStub(service_->NewChannel());
    std::vector<double> small_ms, large_ms;
    for (int round = 0; round < rounds; ++round) {
      for (auto [names, agent, plan, ms] :
           {std::tuple(&small_, &*small_agent_, kSmallPlan, &small_ms),
            std::tuple(&large_, &*large_agent_, kLargePlan, &large_ms)}) {
        for (int i = 0; i < changes; ++i) {
          RETURN_IF_ERROR(FromGrpc(
              UpdateRag(*stub, *names, round * changes + i), "UpdateAction"));
        }
        const absl::Time start = absl::Now();
        ASSIGN_OR_RETURN(v1::SyncNowResponse moved, SyncNow(*agent));
        ms->push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
        if (moved.pulled() != changes || moved.snapshot()) {
          return absl::InternalError(absl::StrCat("incremental sync moved ",
                                                  moved.ShortDebugString()));
        }
        RETURN_IF_ERROR(CheckAgentMatchesService(
            *service_, *agent, plan,
            absl::StrCat("incremental sync ", round + 1)));
      }
    }
    std::sort(small_ms.begin(), small_ms.end());
    std::sort(large_ms.begin(), large_ms.end());
    results_.incr_sync_ms_small_agent = small_ms[small_ms.size() / 2];
    results_.incr_sync_ms_large_agent = large_ms[large_ms.size() / 2];
    return absl::OkStatus();
  }

  // (4) Offline edits on the large agent, then one sync that pushes them.
  absl::Status Push(int clients) {
    const int edits = std::min(absl::GetFlag(FLAGS_push_edits),
                               static_cast<int>(large_.size()));
    Progress(absl::StrFormat("%d offline edits on the agent", edits));
    absl::StatusOr<Load> local =
        RunLoad(large_agent_->pid(), clients, absl::InfiniteDuration(), edits,
                [&](int) -> Call {
                  std::shared_ptr<v1::PlanService::Stub> stub =
                      v1::PlanService::NewStub(large_agent_->NewChannel());
                  return [this, stub](int64_t i) {
                    if (i < 0) {
                      v1::GetActionRequest request;
                      request.set_name(large_.name(0));
                      v1::Action action;
                      return stub->GetAction(Context(absl::Seconds(10)).get(),
                                             request, &action);
                    }
                    return UpdateRag(*stub, large_, i);
                  };
                });
    if (!local.ok()) return local.status();
    results_.agent_edit_qps = local->rate();

    ASSIGN_OR_RETURN(const TimedPush push, TimePush("push", edits));
    const v1::SyncNowResponse& moved = push.moved;
    const absl::Duration took = push.took;
    results_.push_cpu_us = push.cpu_us;
    if (moved.pushed() != edits) {
      return absl::InternalError(
          absl::StrCat("push moved ", moved.ShortDebugString()));
    }
    results_.push_cps = edits / Seconds(took);
    Progress(absl::StrFormat("pushed %d changes in %.3f s (%s)", edits,
                             Seconds(took), moved.ShortDebugString()));
    return CheckAgentMatchesService(*service_, *large_agent_, kLargePlan,
                                    "the push");
  }

  // One timed SyncNow of the large agent, which pushes its `edits` offline
  // edits (after the processes go idle), and the CPU per change it cost the
  // service and the agent.
  struct TimedPush {
    v1::SyncNowResponse moved;
    absl::Duration took;
    std::pair<double, double> cpu_us;  // service, agent
  };
  absl::StatusOr<TimedPush> TimePush(absl::string_view what, int edits) {
    RETURN_IF_ERROR(WaitIdle(Pids()));
    Progress(what);
    ASSIGN_OR_RETURN(absl::Duration service_cpu, CpuTime(service_->pid()));
    ASSIGN_OR_RETURN(absl::Duration agent_cpu, CpuTime(large_agent_->pid()));
    TimedPush push;
    const absl::Time start = absl::Now();
    ASSIGN_OR_RETURN(push.moved, SyncNow(*large_agent_));
    push.took = absl::Now() - start;
    ASSIGN_OR_RETURN(absl::Duration service_after, CpuTime(service_->pid()));
    ASSIGN_OR_RETURN(absl::Duration agent_after, CpuTime(large_agent_->pid()));
    push.cpu_us = {
        absl::ToDoubleMicroseconds(service_after - service_cpu) / edits,
        absl::ToDoubleMicroseconds(agent_after - agent_cpu) / edits};
    return push;
  }

  // What the service does to action `j` of the contended push before the
  // agent pushes: of every six, the first gets a RAG on the service other
  // than the agent's (a conflict), the fourth words added at the start of
  // its description while the agent adds words at its end (a merge), and
  // the other four only the agent's edit of their RAG (applied as sent).
  enum class Contention { kNone, kConflict, kMerge };
  static Contention ContentionOf(int64_t j) {
    switch (j % 6) {
      case 0:
        return Contention::kConflict;
      case 3:
        return Contention::kMerge;
      default:
        return Contention::kNone;
    }
  }

  // (4) again with a third of the changes contended: --push_edits offline
  // edits on the large agent of actions (4) did not edit, then, before the
  // agent pushes, concurrent edits on the service of a third of the same
  // actions (ContentionOf), then one timed sync that pushes them. Fails
  // unless the service answers exactly the planned number of MERGED and
  // CONFLICT outcomes, and APPLIED for the rest.
  absl::Status ContendedPush(int clients) {
    const int edits = std::min(absl::GetFlag(FLAGS_push_edits),
                               static_cast<int>(large_.size()));
    // The actions after those (4) edited (from the start again when the
    // plan has fewer than twice --push_edits).
    const auto action = [edits](int64_t j) { return edits + j; };
    std::vector<int64_t> contended;
    int conflicts = 0, merges = 0;
    for (int j = 0; j < edits; ++j) {
      const Contention contention = ContentionOf(j);
      if (contention == Contention::kNone) continue;
      contended.push_back(j);
      ++(contention == Contention::kConflict ? conflicts : merges);
    }

    Progress(absl::StrFormat("%d offline edits on the agent", edits));
    absl::StatusOr<Load> local =
        RunLoad(large_agent_->pid(), clients, absl::InfiniteDuration(), edits,
                [&](int) -> Call {
                  std::shared_ptr<v1::PlanService::Stub> stub =
                      v1::PlanService::NewStub(large_agent_->NewChannel());
                  return [this, stub, action](int64_t j) {
                    if (j < 0) {
                      v1::GetActionRequest request;
                      request.set_name(large_.name(0));
                      v1::Action got;
                      return stub->GetAction(Context(absl::Seconds(10)).get(),
                                             request, &got);
                    }
                    if (ContentionOf(j) == Contention::kMerge) {
                      return EditDescription(*stub, large_.name(action(j)), "",
                                             " Reviewed by the district.");
                    }
                    return UpdateRag(*stub, large_, action(j));
                  };
                });
    if (!local.ok()) return local.status();

    Progress(absl::StrFormat(
        "concurrent edits on the service: %d conflicting, %d merging",
        conflicts, merges));
    absl::StatusOr<Load> concurrent =
        RunLoad(service_->pid(), clients, absl::InfiniteDuration(),
                static_cast<int64_t>(contended.size()), [&](int) -> Call {
                  std::shared_ptr<v1::PlanService::Stub> stub =
                      v1::PlanService::NewStub(service_->NewChannel());
                  return [this, stub, action, &contended](int64_t i) {
                    if (i < 0) {
                      v1::GetActionRequest request;
                      request.set_name(large_.name(0));
                      v1::Action got;
                      return stub->GetAction(Context(absl::Seconds(10)).get(),
                                             request, &got);
                    }
                    const int64_t j = contended[i];
                    if (ContentionOf(j) == Contention::kMerge) {
                      return EditDescription(*stub, large_.name(action(j)),
                                             "County review: ", "");
                    }
                    // The next RAG in turn: not the one the agent set.
                    return UpdateRag(*stub, large_, action(j));
                  };
                });
    if (!concurrent.ok()) return concurrent.status();

    ASSIGN_OR_RETURN(const TimedPush push, TimePush("contended push", edits));
    const v1::SyncNowResponse& moved = push.moved;
    const absl::Duration took = push.took;
    Progress(absl::StrFormat("pushed %d changes in %.3f s (%s)", edits,
                             Seconds(took), moved.ShortDebugString()));
    const int applied = edits - conflicts - merges;
    if (moved.pushed() != edits || moved.applied() != applied ||
        moved.merged() != merges || moved.conflicts() != conflicts ||
        moved.rejected() != 0 || moved.duplicates() != 0) {
      return absl::InternalError(absl::StrFormat(
          "the contended push was to apply %d changes, merge %d and "
          "conflict %d; it moved %s",
          applied, merges, conflicts, moved.ShortDebugString()));
    }
    results_.push_contended_cps = edits / Seconds(took);
    results_.push_contended_applied = moved.applied();
    results_.push_contended_merged = moved.merged();
    results_.push_contended_conflicts = moved.conflicts();
    results_.push_contended_cpu_us = push.cpu_us;
    return CheckAgentMatchesService(*service_, *large_agent_, kLargePlan,
                                    "the contended push");
  }

  // The peer of (5): durable Puts on a single-member etcd started for the
  // purpose, from as many clients as UpdateAction had, each on its own
  // channel, each Put one of the plan's actions as the service serves it
  // (serialized) under a key named after an action. Before the load, one Put
  // is read back (PutAndReadBack); after it, etcd's revision must have grown
  // by one per Put answered.
  absl::Status EtcdPuts(int clients, absl::Duration duration) {
    Progress(absl::StrCat("starting etcd ", results_.etcd_version));
    ASSIGN_OR_RETURN(EtcdProcess etcd,
                     EtcdProcess::Start(absl::GetFlag(FLAGS_etcd), Path("etcd"),
                                        Path("etcd.log")));
    // The values: 100 of the plan's actions (the first of the shuffled
    // names: a sample of the whole plan), as the service serves them.
    auto service = v1::PlanService::NewStub(service_->NewChannel());
    auto values = std::make_shared<std::vector<std::string>>();
    double bytes = 0;
    for (int i = 0; i < std::min<int>(100, large_.size()); ++i) {
      v1::GetActionRequest get;
      get.set_name(large_.name(i));
      v1::Action action;
      RETURN_IF_ERROR(FromGrpc(
          service->GetAction(Context(absl::Seconds(30)).get(), get, &action),
          "GetAction"));
      values->push_back(action.SerializeAsString());
      bytes += values->back().size();
    }
    if (values->empty()) return absl::InternalError("the plan has no actions");
    results_.etcd_value_bytes = bytes / values->size();

    auto check = etcdserverpb::KV::NewStub(etcd.NewChannel());
    ASSIGN_OR_RETURN(
        const int64_t revision_before,
        PutAndReadBack(*check, "plan-bench/read-back", values->front()));
    std::vector<pid_t> pids = Pids();
    pids.push_back(etcd.pid());
    RETURN_IF_ERROR(WaitIdle(pids));
    Progress(absl::StrFormat("Put on etcd (values of %.0f bytes on average)",
                             results_.etcd_value_bytes));
    absl::StatusOr<Load> put =
        RunLoad(etcd.pid(), clients, duration, INT64_MAX, [&](int) -> Call {
          std::shared_ptr<etcdserverpb::KV::Stub> stub =
              etcdserverpb::KV::NewStub(etcd.NewChannel());
          return [this, stub, values](int64_t i) {
            i = std::max<int64_t>(i, 0);
            etcdserverpb::PutRequest request;
            request.set_key(absl::StrCat("plan-bench/", large_.name(i)));
            request.set_value((*values)[i % values->size()]);
            etcdserverpb::PutResponse response;
            return stub->Put(ReadyContext(absl::Seconds(30)).get(), request,
                             &response);
          };
        });
    if (!put.ok()) return put.status();
    results_.etcd_put_qps = put->rate();
    results_.etcd_put_p50_ms = put->percentile_ms(0.50);
    results_.etcd_put_p99_ms = put->percentile_ms(0.99);
    results_.etcd_put_cpu_us = {put->server_us(), put->client_us()};

    // Every Put answered, the clients' first (untimed) ones included, is one
    // revision: etcd applied them all.
    etcdserverpb::RangeRequest range;
    range.set_key("plan-bench/read-back");
    etcdserverpb::RangeResponse range_response;
    RETURN_IF_ERROR(FromGrpc(check->Range(ReadyContext(absl::Seconds(10)).get(),
                                          range, &range_response),
                             "etcd Range"));
    const int64_t puts = range_response.header().revision() - revision_before;
    if (puts != put->calls + clients) {
      return absl::InternalError(absl::StrCat("etcd's revision grew by ", puts,
                                              " over ", put->calls + clients,
                                              " Puts answered"));
    }
    return etcd.Stop();
  }

  // (5) and (6) on the service.
  absl::Status ServiceCalls(int clients, absl::Duration duration) {
    Progress("UpdateAction on the service");
    auto stub_maker = [&] {
      return std::shared_ptr<v1::PlanService::Stub>(
          v1::PlanService::NewStub(service_->NewChannel()));
    };
    absl::StatusOr<Load> update = RunLoad(
        service_->pid(), clients, duration, INT64_MAX, [&](int) -> Call {
          return [this, stub = stub_maker()](int64_t i) {
            return UpdateRag(*stub, large_, std::max<int64_t>(i, 0));
          };
        });
    if (!update.ok()) return update.status();
    results_.update_qps = update->rate();
    results_.update_p50_ms = update->percentile_ms(0.50);
    results_.update_p99_ms = update->percentile_ms(0.99);
    results_.update_cpu_us = {update->server_us(), update->client_us()};

    RETURN_IF_ERROR(EtcdPuts(clients, duration));

    Progress("GetAction on the service");
    absl::StatusOr<Load> get = RunLoad(
        service_->pid(), clients, duration, INT64_MAX, [&](int) -> Call {
          return [this, stub = stub_maker()](int64_t i) {
            v1::GetActionRequest request;
            request.set_name(large_.name(std::max<int64_t>(i, 0)));
            v1::Action action;
            return stub->GetAction(Context(absl::Seconds(10)).get(), request,
                                   &action);
          };
        });
    if (!get.ok()) return get.status();
    results_.get_qps = get->rate();
    results_.get_cpu_us = {get->server_us(), get->client_us()};

    Progress("ListActions on the service");
    absl::StatusOr<Load> list = RunLoad(
        service_->pid(), clients, duration, INT64_MAX, [&](int) -> Call {
          auto token = std::make_shared<std::string>();
          return [token, stub = stub_maker()](int64_t) {
            v1::ListActionsRequest request;
            request.set_parent(absl::StrCat(kLargePlan, "/activities/-"));
            request.set_page_size(100);
            request.set_page_token(*token);
            v1::ListActionsResponse response;
            grpc::Status status = stub->ListActions(
                Context(absl::Seconds(10)).get(), request, &response);
            if (status.ok() && response.actions_size() != 100 &&
                !response.next_page_token().empty()) {
              return grpc::Status(
                  grpc::StatusCode::INTERNAL,
                  absl::StrCat("a page of ", response.actions_size()));
            }
            *token = response.next_page_token();
            return status;
          };
        });
    if (!list.ok()) return list.status();
    results_.list_qps = list->rate();
    return absl::OkStatus();
  }

  const PlanMaker& maker_;
  const std::string dir_;
  Results results_;
  Actions large_;  // the large plan's actions, shuffled
  Actions small_;
  std::optional<PlanServiceProcess> service_;
  std::optional<SyncAgentProcess> large_agent_;
  std::optional<SyncAgentProcess> small_agent_;
};

// ---------------------------------------------------------------------------
// Output.

void PrintTable(const Results& r) {
  const int n = absl::GetFlag(FLAGS_actions);
  const int clients = absl::GetFlag(FLAGS_clients);
  const auto row = [](absl::string_view what, const std::string& value,
                      absl::string_view target, std::optional<bool> met) {
    std::cout << absl::StrFormat("| %-58s | %16s | %-34s | %-4s |\n", what,
                                 value, target,
                                 !met.has_value() ? "" : (*met ? "yes" : "NO"));
  };
  const auto rate = [](double v, absl::string_view unit) {
    return absl::StrFormat("%.0f %s", v, unit);
  };
  const double initial_ratio = r.initial_sync_rps / r.raw_ingest_rps;
  const double incr_ratio =
      r.incr_sync_ms_large_agent / r.incr_sync_ms_small_agent;
  std::cout << absl::StrFormat("| %-58s | %16s | %-34s | %-4s |\n", "Measure",
                               "Figure", "Target", "Met")
            << "|" << std::string(60, '-') << "|" << std::string(18, '-') << "|"
            << std::string(36, '-') << "|" << std::string(6, '-') << "|\n";
  row(absl::StrFormat("1. no-op RPC (Health/Check), %d clients", clients),
      rate(r.noop_rpc_qps, "calls/s"), "", std::nullopt);
  const auto cpu = [](const std::pair<double, double>& us) {
    return absl::StrFormat("%.0f / %.0f us", us.first, us.second);
  };
  row("   ... CPU per call: service / clients", cpu(r.noop_cpu_us), "",
      std::nullopt);
  row(absl::StrFormat("1. raw RocksDB ingest, %d/batch, synced WAL",
                      absl::GetFlag(FLAGS_raw_batch)),
      rate(r.raw_ingest_rps, "rec/s"), "", std::nullopt);
  row(absl::StrFormat("   ImportPlan (CSV, %d actions per call)",
                      kActionsPerImport),
      rate(r.import_rps, "actions/s"), "", std::nullopt);
  row(absl::StrFormat("2. initial sync of %d actions", n),
      rate(r.initial_sync_rps, "rec/s"), ">= 100000 rec/s",
      r.initial_sync_rps >= 100000);
  row("   ... as a share of raw ingest", absl::StrFormat("%.2f", initial_ratio),
      ">= 0.5", initial_ratio >= 0.5);
  row("   ... from starting the agent's process",
      rate(r.initial_sync_from_start_rps, "rec/s"), "", std::nullopt);
  row("   ... the agent's start, to serving",
      absl::StrFormat("%.3f s", r.agent_start_s), "", std::nullopt);
  row(absl::StrFormat("3. incremental sync, %d changes, agent of %d",
                      absl::GetFlag(FLAGS_incremental_changes),
                      absl::GetFlag(FLAGS_small_actions)),
      absl::StrFormat("%.1f ms", r.incr_sync_ms_small_agent), "", std::nullopt);
  row(absl::StrFormat("3. incremental sync, %d changes, agent of %d",
                      absl::GetFlag(FLAGS_incremental_changes), n),
      absl::StrFormat("%.1f ms", r.incr_sync_ms_large_agent), "", std::nullopt);
  row("   ... ratio", absl::StrFormat("%.2f", incr_ratio), "<= 2",
      incr_ratio <= 2);
  row(absl::StrFormat("   local UpdateAction on the agent, %d clients",
                      clients),
      rate(r.agent_edit_qps, "calls/s"), "", std::nullopt);
  row(absl::StrFormat("4. push of %d offline edits (whole SyncNow)",
                      std::min(absl::GetFlag(FLAGS_push_edits), n)),
      rate(r.push_cps, "changes/s"), ">= 20000 changes/s", r.push_cps >= 20000);
  row("   ... CPU per change: service / agent", cpu(r.push_cpu_us), "",
      std::nullopt);
  row(absl::StrFormat("4. push of %d edits, a third concurrent on the service",
                      std::min(absl::GetFlag(FLAGS_push_edits), n)),
      rate(r.push_contended_cps, "changes/s"), "", std::nullopt);
  row("   ... outcomes: applied / merged / conflict",
      absl::StrFormat("%d/%d/%d", r.push_contended_applied,
                      r.push_contended_merged, r.push_contended_conflicts),
      "", std::nullopt);
  row("   ... CPU per change: service / agent", cpu(r.push_contended_cpu_us),
      "", std::nullopt);
  row(absl::StrFormat("5. durable UpdateAction, %d clients", clients),
      rate(r.update_qps, "calls/s"), "", std::nullopt);
  row("   ... p50 latency", absl::StrFormat("%.2f ms", r.update_p50_ms), "",
      std::nullopt);
  row("   ... p99 latency", absl::StrFormat("%.2f ms", r.update_p99_ms),
      "< 20 ms", r.update_p99_ms < 20);
  row("   ... CPU per call: service / clients", cpu(r.update_cpu_us), "",
      std::nullopt);
  row(absl::StrFormat("5. etcd %s durable Put, %.0f-byte values, %d clients",
                      r.etcd_version, r.etcd_value_bytes, clients),
      rate(r.etcd_put_qps, "calls/s"), "", std::nullopt);
  row("   ... p50 / p99 latency",
      absl::StrFormat("%.2f / %.2f ms", r.etcd_put_p50_ms, r.etcd_put_p99_ms),
      "", std::nullopt);
  row("   ... CPU per call: etcd / clients", cpu(r.etcd_put_cpu_us), "",
      std::nullopt);
  row("   UpdateAction / etcd Put",
      absl::StrFormat("%.2f", r.update_over_etcd()), ">= 2",
      r.update_over_etcd() >= 2);
  row(absl::StrFormat("6. GetAction, %d clients", clients),
      rate(r.get_qps, "calls/s"), "", std::nullopt);
  row("   ... CPU per call: service / clients", cpu(r.get_cpu_us), "",
      std::nullopt);
  row(absl::StrFormat("6. ListActions, 100 per page, %d clients", clients),
      rate(r.list_qps, "calls/s"), "", std::nullopt);
  if (r.update_qps_tls > 0) {
    row("2. initial sync over mutual TLS",
        rate(r.initial_sync_rps_tls, "rec/s"), "", std::nullopt);
    row("   ... TLS cost (1 - TLS / plaintext)",
        absl::StrFormat(
            "%.0f%%", 100 * (1 - r.initial_sync_rps_tls / r.initial_sync_rps)),
        "<= 20%", r.initial_sync_rps_tls >= 0.8 * r.initial_sync_rps);
    row(absl::StrFormat("5. durable UpdateAction over mutual TLS, %d clients",
                        clients),
        rate(r.update_qps_tls, "calls/s"), "", std::nullopt);
    row("   ... TLS cost (1 - TLS / plaintext)",
        absl::StrFormat("%.0f%%", 100 * (1 - r.update_qps_tls / r.update_qps)),
        "", std::nullopt);
    row("   ... p99 latency", absl::StrFormat("%.2f ms", r.update_p99_ms_tls),
        "< 20 ms", r.update_p99_ms_tls < 20);
  }
  row("7. agent peak RSS during (2)",
      absl::StrFormat("%.1f MiB", r.agent_rss_mb), "< 100 MiB",
      r.agent_rss_mb < 100);
  row("7. service peak RSS during (2) (since its start)",
      absl::StrFormat("%.1f MiB", r.service_rss_mb), "", std::nullopt);
  row(absl::StrFormat("7. service start on the %d-action store", n),
      absl::StrFormat("%.3f s", r.start_s), "< 1 s", r.start_s < 1);
}

void PrintJson(const Results& r) {
  std::cout << absl::StrFormat(
      "{\"noop_rpc_qps\": %.1f, \"raw_ingest_rps\": %.1f, "
      "\"initial_sync_rps\": %.1f, \"initial_sync_from_start_rps\": %.1f, "
      "\"agent_start_s\": %.4f, \"incr_sync_ms_small_agent\": %.3f, "
      "\"incr_sync_ms_large_agent\": %.3f, \"push_cps\": %.1f, "
      "\"push_contended_cps\": %.1f, \"push_contended_applied\": %d, "
      "\"push_contended_merged\": %d, \"push_contended_conflicts\": %d, "
      "\"update_qps\": %.1f, \"update_p50_ms\": %.3f, "
      "\"update_p99_ms\": %.3f, \"etcd_put_qps\": %.1f, "
      "\"etcd_put_p99_ms\": %.3f, \"update_over_etcd\": %.3f, "
      "\"get_qps\": %.1f, \"list_qps\": %.1f, "
      "\"agent_rss_mb\": %.1f, \"service_rss_mb\": %.1f, \"start_s\": %.4f, "
      "\"initial_sync_rps_tls\": %.1f, \"update_qps_tls\": %.1f}\n",
      r.noop_rpc_qps, r.raw_ingest_rps, r.initial_sync_rps,
      r.initial_sync_from_start_rps, r.agent_start_s,
      r.incr_sync_ms_small_agent, r.incr_sync_ms_large_agent, r.push_cps,
      r.push_contended_cps, r.push_contended_applied, r.push_contended_merged,
      r.push_contended_conflicts, r.update_qps, r.update_p50_ms,
      r.update_p99_ms, r.etcd_put_qps, r.etcd_put_p99_ms, r.update_over_etcd(),
      r.get_qps, r.list_qps, r.agent_rss_mb, r.service_rss_mb, r.start_s,
      r.initial_sync_rps_tls, r.update_qps_tls);
}

absl::Status Main() {
  ASSIGN_OR_RETURN(PlanMaker maker,
                   PlanMaker::FromSeed(absl::GetFlag(FLAGS_seed)));
  std::optional<TempDir> temp;
  std::string dir = absl::GetFlag(FLAGS_work_dir);
  if (dir.empty()) {
    ASSIGN_OR_RETURN(TempDir created, TempDir::Create("plan-bench"));
    temp.emplace(std::move(created));
    dir = temp->path();
  }
  if (std::error_code error;
      !std::filesystem::create_directories(dir, error) && error) {
    return absl::InternalError(
        absl::StrCat("cannot create ", dir, ": ", error.message()));
  }
  Progress(absl::StrCat("data and logs in ", dir));
  if (const int agents = absl::GetFlag(FLAGS_agents); agents > 0) {
    return RunFanInBench(agents, absl::GetFlag(FLAGS_plan_service),
                         absl::GetFlag(FLAGS_seed), dir);
  }
  Bench bench(maker, dir);
  ASSIGN_OR_RETURN(Results results, bench.Run());
  PrintTable(results);
  PrintJson(results);
  return absl::OkStatus();
}

}  // namespace
}  // namespace prevent::plan::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const absl::Status status = prevent::plan::bench::Main();
  if (!status.ok()) {
    std::cerr << "plan-bench: " << status << std::endl;
    return 1;
  }
  return 0;
}
