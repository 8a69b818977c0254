#include "tests/bench/fan_in.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/flags/flag.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/field_mask.pb.h"
#include "grpcpp/grpcpp.h"
#include "libplan/clock/hybrid_clock.h"
#include "libplan/formats/csv.h"
#include "libplan/formats/plan_document.h"
#include "libplan/formats/prevent_text.h"
#include "libplan/model/names.h"
#include "libplan/rpc/server.h"
#include "libplan/rpc/sync_client.h"
#include "libplan/service/plan_resources.h"
#include "libplan/storage/records.pb.h"
#include "libplan/storage/store.h"
#include "libplan/sync/replica.h"
#include "libplan/sync/schedule.h"
#include "libplan/util/status_macros.h"
#include "prevent/plan/v1/plan_service.grpc.pb.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "rocksdb/io_status.h"
#include "tests/bench/process_stats.h"
#include "tests/support/plan_service_process.h"
#include "tests/support/plan_state.h"

ABSL_FLAG(int, fanin_concurrency, 0,
          "with --agents: how many agents sync at once during the fan-in "
          "(threads driving them); 0: every agent");
ABSL_FLAG(int, fanin_edits, 20,
          "with --agents: local edits each agent makes offline");
ABSL_FLAG(int, fanin_attempts, 5,
          "with --agents: failed syncs in a row after which an agent counts "
          "as failed (each retry waits as the sync agent's backoff does)");
ABSL_FLAG(int, fanin_setup_threads, 32,
          "with --agents: threads that import, make members, bootstrap the "
          "agents and make their edits (setup, not timed)");

namespace prevent::plan::bench {
namespace {

namespace v1 = ::prevent::plan::v1;
using ::plan::Kind;
using test_support::FromGrpc;
using test_support::PlanServiceProcess;

// Districts (plans, and agents) per county.
constexpr int kDistrictsPerCounty = 20;
// Actions of the shared activity that every agent of a county edits the RAG
// of (in the county's first plan): each opens a conflict.
constexpr int kHotActions = 3;
constexpr v1::Rag kRags[] = {v1::RED, v1::AMBER, v1::GREEN, v1::BLUE};
// Disk the run needs per agent, at most (its store's tables, WAL, MANIFEST
// and LOG, none preallocated: NoPreallocationFileSystem), and for the rest
// (the service's store and the logs): it refuses to start without room.
constexpr uint64_t kDiskPerAgent = uint64_t{8} << 20;
constexpr uint64_t kDiskBesides = uint64_t{1} << 30;
// Open files the run needs per agent (RaiseFileLimit).
constexpr int kFilesPerAgent = 16;

// Where Progress writes: stderr, also while the agents' own log lines go to
// a file (LogToFile).
std::atomic<int> progress_fd{STDERR_FILENO};

void Progress(absl::string_view line) {
  const std::string text = absl::StrCat(
      absl::FormatTime("%H:%M:%S ", absl::Now(), absl::LocalTimeZone()), line,
      "\n");
  (void)!write(progress_fd.load(), text.data(), text.size());
}

// While it lives, what this process writes to stderr (the agents' log
// lines: one per snapshot, and their warnings) goes to the file `path`, as
// each agent's log would, and Progress still to stderr.
class LogToFile {
 public:
  explicit LogToFile(const std::string& path) {
    const int file = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (file < 0) return;
    saved_ = dup(STDERR_FILENO);
    if (saved_ >= 0) {
      progress_fd.store(saved_);
      std::cerr.flush();
      dup2(file, STDERR_FILENO);
    }
    close(file);
  }
  LogToFile(const LogToFile&) = delete;
  LogToFile& operator=(const LogToFile&) = delete;
  ~LogToFile() {
    if (saved_ < 0) return;
    std::cerr.flush();
    dup2(saved_, STDERR_FILENO);
    progress_fd.store(STDERR_FILENO);
    close(saved_);
  }

 private:
  int saved_ = -1;
};

double Seconds(absl::Duration d) { return absl::ToDoubleSeconds(d); }

// ---------------------------------------------------------------------------
// Processes.

// The CPU time every process on the machine has used (/proc/stat: busy
// time of all CPUs since boot, in ticks of 10 ms).
absl::StatusOr<absl::Duration> MachineCpuTime() {
  std::ifstream in("/proc/stat");
  std::string line;
  if (!std::getline(in, line) || !absl::StartsWith(line, "cpu ")) {
    return absl::InternalError("no cpu line in /proc/stat");
  }
  std::vector<absl::string_view> fields =
      absl::StrSplit(line, ' ', absl::SkipEmpty());
  // cpu user nice system idle iowait irq softirq steal ...
  int64_t busy = 0;
  for (int i : {1, 2, 3, 6, 7, 8}) {
    int64_t ticks = 0;
    if (i >= static_cast<int>(fields.size()) ||
        !absl::SimpleAtoi(fields[i], &ticks)) {
      return absl::InternalError(
          absl::StrCat("cannot read /proc/stat: ", line));
    }
    busy += ticks;
  }
  return absl::Milliseconds(10 * busy);
}

// The machine's load average over the last minute (/proc/loadavg).
double LoadAverage() {
  std::ifstream in("/proc/loadavg");
  double load = 0;
  in >> load;
  return load;
}

// Starts process `pid`'s VmHWM again from its resident set now.
absl::Status ResetPeakRss(pid_t pid) {
  const std::string path = absl::StrCat("/proc/", pid, "/clear_refs");
  std::ofstream out(path);
  out << "5";
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

// Waits (at most 30 s) until every process of `pids` is idle: the setup's
// background work (the agents' flushes after their snapshots) is not
// charged to the fan-in.
absl::Status WaitIdle(const std::vector<pid_t>& pids) {
  ASSIGN_OR_RETURN(const bool idle, bench::WaitIdle(pids, absl::Seconds(30)));
  if (!idle) Progress("still busy after 30 s; measuring anyway");
  return absl::OkStatus();
}

// Raises this process's open-file limit to its hard limit, and fails
// (FAILED_PRECONDITION) when that is too few for `agents` agents: each holds
// its store's files (RocksDB keeps its tables open) and a connection, about
// 15 in all (18,463 at the most for 1,200 agents), and the service (started
// after, inheriting the limit) a connection per agent.
absl::Status RaiseFileLimit(int agents) {
  rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return absl::InternalError(
        absl::StrCat("getrlimit(RLIMIT_NOFILE): ", strerror(errno)));
  }
  limit.rlim_cur = limit.rlim_max;
  (void)setrlimit(RLIMIT_NOFILE, &limit);
  const uint64_t need = uint64_t{kFilesPerAgent} * agents + 256;
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < need) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%d agents need about %d open files; the limit is %d (ulimit -Hn)",
        agents, need, limit.rlim_cur));
  }
  return absl::OkStatus();
}

// Calls `work(i)` for every i in [0, n) from `threads` threads, reporting
// progress as `what` every 2 s. Returns the first error (the other calls
// still run).
absl::Status ParallelFor(int n, int threads, absl::string_view what,
                         const std::function<absl::Status(int)>& work) {
  std::atomic<int> next{0};
  std::atomic<int> done{0};
  absl::Mutex mu;
  absl::Status first = absl::OkStatus();
  std::vector<std::thread> pool;
  for (int t = 0; t < std::max(1, std::min(threads, n)); ++t) {
    pool.emplace_back([&] {
      for (int i = next.fetch_add(1); i < n; i = next.fetch_add(1)) {
        absl::Status status = work(i);
        done.fetch_add(1);
        if (!status.ok()) {
          absl::MutexLock lock(&mu);
          if (first.ok()) first = std::move(status);
        }
      }
    });
  }
  absl::Time report = absl::Now() + absl::Seconds(2);
  while (done.load() < n) {
    absl::SleepFor(absl::Milliseconds(20));
    if (absl::Now() >= report) {
      Progress(absl::StrFormat("%s: %d/%d", what, done.load(), n));
      report += absl::Seconds(2);
    }
  }
  for (std::thread& thread : pool) thread.join();
  Progress(absl::StrFormat("%s: %d/%d", what, n, n));
  absl::MutexLock lock(&mu);
  return first;
}

// ---------------------------------------------------------------------------
// The plans and their partners.

// Who and what is in the benchmark: counties of up to kDistrictsPerCounty
// districts, each with a plan and a partner (its agent).
class Layout {
 public:
  explicit Layout(int agents) : agents_(agents) {}

  int agents() const { return agents_; }
  int counties() const {
    return (agents_ + kDistrictsPerCounty - 1) / kDistrictsPerCounty;
  }
  // The districts of county `c` (the last may have fewer).
  int districts(int c) const {
    return std::min(kDistrictsPerCounty, agents_ - c * kDistrictsPerCounty);
  }
  int county_of(int agent) const { return agent / kDistrictsPerCounty; }
  int district_of(int agent) const { return agent % kDistrictsPerCounty; }
  int agent(int county, int district) const {
    return county * kDistrictsPerCounty + district;
  }

  static std::string PlanId(int county, int district) {
    return absl::StrFormat("fanin-c%03d-d%02d", county, district);
  }
  static std::string Plan(int county, int district) {
    return absl::StrCat("plans/", PlanId(county, district));
  }
  static std::string PartnerId(int county, int district) {
    return absl::StrFormat("c%03d-d%02d-council", county, district);
  }
  static std::string Partner(int county, int district) {
    return absl::StrCat("organisations/", PartnerId(county, district));
  }
  std::vector<std::string> CountyPlans(int county) const {
    std::vector<std::string> plans;
    for (int d = 0; d < districts(county); ++d) {
      plans.push_back(Plan(county, d));
    }
    return plans;
  }

 private:
  int agents_;
};

// The published plan, and where its actions are: every district plan is a
// copy of it, so the same name suffixes hold in each.
struct Published {
  ::plan::PlanDocument document;
  // The activity every partner of a county leads (the one with the most
  // actions), by index in document.activities.
  size_t shared = 0;
  // Each action's name after "plans/{plan}", in document order, and which
  // of them are the shared activity's.
  std::vector<std::string> action_suffixes;
  std::vector<int> shared_actions;
  std::vector<int> own_actions;  // the others

  size_t actions() const { return action_suffixes.size(); }
};

absl::StatusOr<Published> ReadPublished(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  const std::string text((std::istreambuf_iterator<char>(in)),
                         std::istreambuf_iterator<char>());
  constexpr absl::string_view kSeedPlan = "plans/seed";
  ASSIGN_OR_RETURN(::plan::ParsedPlan parsed,
                   ::plan::ParsePreventText(text, std::string(kSeedPlan)));
  Published published;
  published.document = std::move(parsed.document);
  const auto& activities = published.document.activities;
  for (size_t a = 0; a < activities.size(); ++a) {
    if (activities[a].actions.size() >
        activities[published.shared].actions.size()) {
      published.shared = a;
    }
  }
  for (size_t a = 0; a < activities.size(); ++a) {
    for (const v1::Action& action : activities[a].actions) {
      if (!absl::StartsWith(action.name(), kSeedPlan)) {
        return absl::InternalError(
            absl::StrCat("unexpected action name ", action.name()));
      }
      (a == published.shared ? published.shared_actions : published.own_actions)
          .push_back(static_cast<int>(published.action_suffixes.size()));
      published.action_suffixes.push_back(
          action.name().substr(kSeedPlan.size()));
    }
  }
  if (published.shared_actions.size() < 2 || published.own_actions.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " has no activity of two actions or more"));
  }
  return published;
}

// The document of district `d`'s plan in county `c`: the published plan,
// its shared activity led by every partner of the county as well.
::plan::PlanDocument DistrictDocument(const Published& published,
                                      const Layout& layout, int c, int d) {
  ::plan::PlanDocument doc = published.document;
  doc.plan.set_name(Layout::Plan(c, d));
  doc.plan.set_title(absl::StrFormat("%s (county %d, district %d)",
                                     published.document.plan.title(), c, d));
  v1::Activity& shared = doc.activities[published.shared].activity;
  for (int p = 0; p < layout.districts(c); ++p) {
    v1::Organisation& org = doc.organisations.emplace_back();
    org.set_name(Layout::Partner(c, p));
    org.set_display_name(
        absl::StrFormat("County %d District %d Council", c, p));
    shared.add_lead_organisations(Layout::Partner(c, p));
  }
  return doc;
}

// Imports every district plan and makes its members: its own partner an
// OWNER, the county's other partners EDITORs (they lead its shared
// activity). Calls act as the service (an administrator in development
// mode), as an operator setting the partnership up would.
absl::Status SetUpPlans(const Published& published, const Layout& layout,
                        const PlanServiceProcess& service, int threads) {
  RETURN_IF_ERROR(ParallelFor(
      layout.agents(), threads, "plans imported", [&](int i) -> absl::Status {
        const int c = layout.county_of(i);
        const int d = layout.district_of(i);
        const ::plan::PlanDocument doc =
            DistrictDocument(published, layout, c, d);
        auto stub = v1::PlanService::NewStub(service.NewChannel());
        v1::ImportPlanRequest request;
        request.mutable_plan()->set_name(doc.plan.name());
        request.mutable_plan()->set_title(doc.plan.title());
        request.mutable_plan()->set_level(v1::DISTRICT);
        request.set_format(v1::CSV);
        request.set_content(::plan::WritePlanCsv(doc));
        v1::ImportPlanResponse response;
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() +
                             std::chrono::minutes(5));
        context.set_wait_for_ready(true);
        RETURN_IF_ERROR(FromGrpc(stub->ImportPlan(&context, request, &response),
                                 "ImportPlan"));
        if (static_cast<size_t>(response.actions_size()) !=
            published.actions()) {
          return absl::InternalError(
              absl::StrCat(doc.plan.name(), ": imported ",
                           response.actions_size(), " actions"));
        }
        for (int a = 0; a < response.actions_size(); ++a) {
          if (response.actions(a).name() !=
              absl::StrCat(doc.plan.name(), published.action_suffixes[a])) {
            return absl::InternalError(absl::StrCat(
                "imported ", response.actions(a).name(), ", expected ",
                doc.plan.name(), published.action_suffixes[a]));
          }
        }
        return absl::OkStatus();
      }));
  return ParallelFor(
      layout.agents(), threads, "plans' members made",
      [&](int i) -> absl::Status {
        const int c = layout.county_of(i);
        const int d = layout.district_of(i);
        auto stub = v1::PlanService::NewStub(service.NewChannel());
        for (int p = 0; p < layout.districts(c); ++p) {
          v1::CreateMemberRequest request;
          request.set_parent(Layout::Plan(c, d));
          request.set_member_id(Layout::PartnerId(c, p));
          request.mutable_member()->set_role(p == d ? v1::OWNER : v1::EDITOR);
          v1::Member member;
          grpc::ClientContext context;
          context.set_deadline(std::chrono::system_clock::now() +
                               std::chrono::minutes(1));
          context.set_wait_for_ready(true);
          RETURN_IF_ERROR(FromGrpc(
              stub->CreateMember(&context, request, &member), "CreateMember"));
        }
        return absl::OkStatus();
      });
}

// ---------------------------------------------------------------------------
// The agents.

// One partner's agent, as the sync-agent binary assembles it: a store, a
// clock, the local API's resources, the replica, and a transport on a
// channel of its own.
struct Agent {
  int county = 0;
  int district = 0;
  std::string organisation;
  std::unique_ptr<::plan::Store> store;
  std::unique_ptr<::plan::HybridClock> clock;
  std::unique_ptr<::plan::PlanResources> resources;
  std::unique_ptr<::plan::Replica> replica;
  std::unique_ptr<::plan::GrpcSyncTransport> transport;

  absl::StatusOr<v1::SyncNowResponse> Sync() {
    return replica->Sync(*transport);
  }
};

// A channel of its own (its own connection: gRPC would otherwise share one
// between channels with the same arguments), set up as the sync agent's.
std::shared_ptr<grpc::Channel> AgentChannel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 60000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20000);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 1000);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 1000);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 10000);
  args.SetMaxReceiveMessageSize(::plan::ServerOptions().max_message_bytes);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   args);
}

// A writable file that never preallocates: RocksDB reserves each WAL file
// up to the memtable budget (64 MiB) and each MANIFEST 4 MiB with
// fallocate, which, for a thousand agents on one machine, is more disk than
// it has. What is written, and when it is synced, are unchanged.
class NoPreallocationFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  using FSWritableFileOwnerWrapper::FSWritableFileOwnerWrapper;
  void PrepareWrite(size_t /*offset*/, size_t /*len*/,
                    const rocksdb::IOOptions& /*options*/,
                    rocksdb::IODebugContext* /*debug*/) override {}
  rocksdb::IOStatus Allocate(uint64_t /*offset*/, uint64_t /*len*/,
                             const rocksdb::IOOptions& /*options*/,
                             rocksdb::IODebugContext* /*debug*/) override {
    return rocksdb::IOStatus::OK();
  }
};

// The default file system, with NoPreallocationFile for every file written.
class NoPreallocationFileSystem : public rocksdb::FileSystemWrapper {
 public:
  NoPreallocationFileSystem()
      : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "NoPreallocationFileSystem"; }

  rocksdb::IOStatus NewWritableFile(
      const std::string& name, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* file,
      rocksdb::IODebugContext* debug) override {
    return Wrap(target()->NewWritableFile(name, options, file, debug), file);
  }
  rocksdb::IOStatus ReopenWritableFile(
      const std::string& name, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* file,
      rocksdb::IODebugContext* debug) override {
    return Wrap(target()->ReopenWritableFile(name, options, file, debug), file);
  }
  rocksdb::IOStatus ReuseWritableFile(
      const std::string& name, const std::string& old_name,
      const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* file,
      rocksdb::IODebugContext* debug) override {
    return Wrap(
        target()->ReuseWritableFile(name, old_name, options, file, debug),
        file);
  }

 private:
  static rocksdb::IOStatus Wrap(
      rocksdb::IOStatus status,
      std::unique_ptr<rocksdb::FSWritableFile>* file) {
    if (status.ok()) {
      *file = std::make_unique<NoPreallocationFile>(std::move(*file));
    }
    return status;
  }
};

// The environment of every agent's store: the default one (its background
// threads are shared by every store in the process) with
// NoPreallocationFileSystem.
rocksdb::Env* AgentEnv() {
  static rocksdb::Env* const env =
      rocksdb::NewCompositeEnv(std::make_shared<NoPreallocationFileSystem>())
          .release();
  return env;
}

// An agent of `organisation` subscribed to `plans`, its store (new) at
// `path`, opened as the sync-agent binary opens its own but on AgentEnv().
// Its caches fill only as far as the replica, a few MiB, needs.
absl::StatusOr<std::unique_ptr<Agent>> NewAgent(const std::string& path,
                                                const std::string& organisation,
                                                std::vector<std::string> plans,
                                                const std::string& address) {
  auto agent = std::make_unique<Agent>();
  agent->organisation = organisation;
  ASSIGN_OR_RETURN(agent->store,
                   ::plan::Store::Open({.path = path, .env = AgentEnv()}));
  agent->clock = std::make_unique<::plan::HybridClock>();
  ::plan::PlanResourcesOptions resources;
  resources.default_organisation = organisation;
  resources.replica = true;
  agent->resources = std::make_unique<::plan::PlanResources>(
      agent->store.get(), agent->clock.get(), resources);
  agent->replica = std::make_unique<::plan::Replica>(
      agent->store.get(), agent->clock.get(),
      ::plan::ReplicaOptions{.organisation = organisation,
                             .plans = std::move(plans)});
  agent->transport = std::make_unique<::plan::GrpcSyncTransport>(
      AgentChannel(address), organisation);
  return agent;
}

// Syncs `agent` until a sync succeeds, at most `attempts` times, waiting
// between as the sync agent does after a failure.
absl::StatusOr<v1::SyncNowResponse> SyncWithRetries(Agent& agent,
                                                    int attempts) {
  ::plan::Backoff backoff;
  absl::BitGen gen;
  for (int attempt = 1;; ++attempt) {
    absl::StatusOr<v1::SyncNowResponse> moved = agent.Sync();
    if (moved.ok() || attempt >= attempts) return moved;
    absl::SleepFor(backoff.NextFailure(gen));
  }
}

// One local edit: the field `field` ("rag" or "description") of the action
// `name`, as a person at the partner would make it on the agent's API.
struct Edit {
  std::string name;
  std::string field;
  enum class Text { kNone, kAppend, kPrepend } text = Text::kNone;
  int variant = 0;  // which RAG, among those the action does not have
};

// The edits agent (c, d) makes, in this order: kHotActions RAGs of the
// county's first plan's shared actions (every agent of the county edits
// them: conflicts); a sentence added to the end of the last shared action's
// description in its own plan, and one to the start of the same action in
// its neighbour's (each such description is edited at both ends by two
// agents: a three-way text merge); then its own plan's other actions (RAGs,
// and every third a description). The first `count`.
std::vector<Edit> EditsOf(const Published& published, const Layout& layout,
                          int c, int d, int count) {
  std::vector<Edit> edits;
  const auto name = [&](int district, int action) {
    return absl::StrCat(Layout::Plan(c, district),
                        published.action_suffixes[action]);
  };
  const std::vector<int>& shared = published.shared_actions;
  const int hot = std::min<int>(kHotActions, shared.size() - 1);
  for (int h = 0; h < hot; ++h) {
    edits.push_back({name(0, shared[h]), "rag", Edit::Text::kNone, d + h});
  }
  edits.push_back({name(d, shared.back()), "description", Edit::Text::kAppend});
  const int districts = layout.districts(c);
  if (districts > 1) {
    edits.push_back({name((d + 1) % districts, shared.back()), "description",
                     Edit::Text::kPrepend});
  }
  const std::vector<int>& own = published.own_actions;
  for (int j = 0; static_cast<int>(edits.size()) < count; ++j) {
    const int action = own[(d * 7 + j) % own.size()];
    if (j % 3 == 2) {
      edits.push_back({name(d, action), "description", Edit::Text::kAppend});
    } else {
      edits.push_back({name(d, action), "rag", Edit::Text::kNone, j});
    }
  }
  edits.resize(std::min<size_t>(edits.size(), count));
  return edits;
}

absl::Status MakeEdit(Agent& agent, const Edit& edit) {
  const ::plan::Actor actor{.organisation = agent.organisation};
  v1::Action current;
  RETURN_IF_ERROR(
      agent.resources->Get(Kind::kAction, edit.name, actor, &current));
  v1::Action fields;
  fields.set_name(edit.name);
  if (edit.field == "rag") {
    std::vector<v1::Rag> others;
    for (v1::Rag rag : kRags) {
      if (rag != current.rag()) others.push_back(rag);
    }
    fields.set_rag(others[edit.variant % others.size()]);
  } else if (edit.text == Edit::Text::kAppend) {
    fields.set_description(absl::StrCat(
        current.description(), " Reviewed at the partnership board by ",
        agent.organisation, "."));
  } else {
    fields.set_description(absl::StrCat("With the support of ",
                                        agent.organisation, ": ",
                                        current.description()));
  }
  google::protobuf::FieldMask mask;
  mask.add_paths(edit.field);
  v1::Action updated;
  return agent.resources->Update(Kind::kAction, fields, mask, actor, &updated);
}

// What a replica holds: name -> (resource bytes, deleted).
using State = std::map<std::string, std::pair<std::string, bool>>;

absl::StatusOr<State> StateOf(const ::plan::Store& store) {
  State state;
  std::unique_ptr<::plan::ReadView> view = store.NewReadView();
  absl::Status failure = absl::OkStatus();
  for (Kind kind : ::plan::kReplicatedKinds) {
    RETURN_IF_ERROR(
        view->Scan(::plan::Cf::kEntities, ::plan::EntityKeyPrefix(kind, ""), "",
                   [&](absl::string_view key, absl::string_view value) {
                     ::plan::storage::Entity entity;
                     if (!entity.ParseFromArray(
                             value.data(), static_cast<int>(value.size()))) {
                       failure = absl::DataLossError(absl::StrCat(
                           "cannot parse ", ::plan::NameOfEntityKey(key)));
                       return false;
                     }
                     state[std::string(::plan::NameOfEntityKey(key))] = {
                         entity.resource(), entity.deleted()};
                     return true;
                   }));
  }
  RETURN_IF_ERROR(failure);
  return state;
}

// OK when `actual` holds exactly `expected`; else names the first
// differences.
absl::Status SameState(const State& expected, const State& actual,
                       absl::string_view who) {
  std::vector<std::string> differences;
  for (const auto& [name, value] : expected) {
    auto it = actual.find(name);
    if (it == actual.end()) {
      differences.push_back(absl::StrCat(name, " missing"));
    } else if (it->second != value) {
      differences.push_back(absl::StrCat(name, " differs"));
    }
  }
  for (const auto& [name, value] : actual) {
    if (!expected.contains(name)) {
      differences.push_back(absl::StrCat(name, " not at the service"));
    }
  }
  if (differences.empty()) return absl::OkStatus();
  differences.resize(std::min<size_t>(differences.size(), 5));
  return absl::InternalError(absl::StrCat(
      who, " differs from the service: ", absl::StrJoin(differences, "; ")));
}

// ---------------------------------------------------------------------------
// The fan-in.

struct Results {
  int agents = 0;
  int counties = 0;
  int actions_per_plan = 0;
  int edits = 0;
  int concurrency = 0;
  // Timed.
  double total_s = 0;
  double agent_p50_s = 0;
  double agent_p99_s = 0;
  double agent_max_s = 0;
  int converged = 0;
  int64_t failures = 0;  // agents whose syncs failed --fanin_attempts times
  int64_t retries = 0;   // failed syncs that were retried
  int64_t syncs = 0;     // successful syncs
  v1::SyncNowResponse moved;  // summed over every sync of the fan-in
  double service_cpu_s = 0;
  double client_cpu_s = 0;
  // The CPU other processes on the machine used meanwhile (others' builds
  // and tests share its two cores), and its load average as it began.
  double others_cpu_s = 0;
  double load_average = 0;
  // The service's peak resident set over the whole run (the larger of the
  // next two), during the setup, and during the fan-in alone; its most
  // threads during the fan-in.
  double service_rss_mb = 0;
  double service_rss_setup_mb = 0;
  double service_rss_fanin_mb = 0;
  int64_t service_threads = 0;
  double bench_rss_mb = 0;  // this process's, over the whole run
  // Setup and verification.
  double import_s = 0;
  double bootstrap_s = 0;
  uint64_t service_sequence = 0;
  int verified = 0;
};

// Every agent syncing at once until each has converged (fan_in.h).
class FanIn {
 public:
  FanIn(const Layout& layout, std::vector<std::unique_ptr<Agent>>& agents,
        int attempts)
      : agents_(agents), attempts_(attempts) {
    counties_.resize(layout.counties());
    for (int c = 0; c < layout.counties(); ++c) {
      counties_[c].unpushed = layout.districts(c);
    }
    state_.resize(agents.size());
  }

  // Runs it with `threads` agents syncing at once; fills the timed part of
  // `results`.
  void Run(int threads, Results* results) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::Notification go;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([this, &go] {
        go.WaitForNotification();
        Work();
      });
    }
    mu_.Lock();
    start_ = absl::Now();
    for (size_t i = 0; i < agents_.size(); ++i) {
      queue_.push({start_, static_cast<int>(i)});
    }
    go.Notify();
    absl::Time report = absl::Now() + absl::Seconds(2);
    while (!AllFinished()) {
      finished_cv_.WaitWithTimeout(&mu_, absl::Milliseconds(100));
      if (absl::Now() >= report) {
        Progress(absl::StrFormat(
            "fan-in %.1f s: %d syncs (%d running), %d/%d agents pushed, %d "
            "converged, %d retries, %d failed",
            Seconds(absl::Now() - start_), results_.syncs, running_, pushed_,
            agents_.size(), results_.converged, results_.retries,
            results_.failures));
        report += absl::Seconds(2);
      }
    }
    mu_.Unlock();
    for (std::thread& worker : workers) worker.join();
    absl::MutexLock lock(&mu_);
    std::vector<double> times;
    for (const AgentState& state : state_) {
      if (state.converged) times.push_back(Seconds(state.converged_after));
    }
    std::sort(times.begin(), times.end());
    const auto percentile = [&](double p) {
      if (times.empty()) return 0.0;
      return times[std::min(times.size() - 1,
                            static_cast<size_t>(p * times.size()))];
    };
    results->converged = results_.converged;
    results->failures = results_.failures;
    results->retries = results_.retries;
    results->syncs = results_.syncs;
    results->moved = results_.moved;
    results->agent_p50_s = percentile(0.50);
    results->agent_p99_s = percentile(0.99);
    results->agent_max_s = times.empty() ? 0 : times.back();
    results->total_s = Seconds(end_ - start_);
  }

 private:
  struct AgentState {
    bool pushed = false;  // a sync of it succeeded with nothing pending
    bool converged = false;
    bool failed = false;
    absl::Duration converged_after;
    ::plan::Backoff backoff;
  };
  struct County {
    int unpushed = 0;          // agents not yet pushed (nor failed)
    std::vector<int> waiting;  // agents synced, waiting for the others
  };
  // Ready to sync at `when`: earliest first.
  using Entry = std::pair<absl::Time, int>;

  bool AllFinished() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return finished_ == static_cast<int>(agents_.size());
  }

  // Queues agent `i` to sync at `when`, and wakes a worker.
  void Enqueue(absl::Time when, int i) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    queue_.push({when, i});
    work_cv_.Signal();
  }

  // A worker: syncs the agent whose turn has come, until every agent has
  // converged or failed.
  void Work() ABSL_LOCKS_EXCLUDED(mu_) {
    mu_.Lock();
    while (true) {
      absl::Time now = absl::Now();
      while (!AllFinished() && (queue_.empty() || queue_.top().first > now)) {
        const absl::Duration most = absl::Milliseconds(100);
        work_cv_.WaitWithTimeout(
            &mu_,
            queue_.empty() ? most : std::min(most, queue_.top().first - now));
        now = absl::Now();
      }
      if (AllFinished()) break;
      const int i = queue_.top().second;
      queue_.pop();
      // Everything the county's agents push is logged before this sync
      // starts: its pull will bring it all.
      const bool county_pushed = counties_[agents_[i]->county].unpushed == 0;
      ++running_;
      mu_.Unlock();
      absl::StatusOr<v1::SyncNowResponse> moved = agents_[i]->Sync();
      const int64_t pending =
          moved.ok() ? agents_[i]->replica->pending_changes() : 0;
      mu_.Lock();
      --running_;
      Finished(i, county_pushed, moved, pending);
      if (AllFinished()) {
        work_cv_.SignalAll();
        finished_cv_.SignalAll();
      }
    }
    mu_.Unlock();
  }

  // Accounts for agent `i`'s sync and decides what it does next.
  void Finished(int i, bool county_pushed,
                const absl::StatusOr<v1::SyncNowResponse>& moved,
                int64_t pending) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    AgentState& state = state_[i];
    County& county = counties_[agents_[i]->county];
    const absl::Time now = absl::Now();
    if (!moved.ok()) {
      if (state.backoff.failures() + 1 >= attempts_) {
        Progress(absl::StrCat(agents_[i]->organisation,
                              " failed for good: ", moved.status().ToString()));
        state.failed = true;
        ++results_.failures;
        ++finished_;
        // The county's others no longer wait for its edits.
        if (!state.pushed) Pushed(county);
        end_ = now;
        return;
      }
      if (results_.retries < 10) {
        Progress(absl::StrCat(
            agents_[i]->organisation,
            " sync failed (retrying): ", moved.status().ToString()));
      }
      ++results_.retries;
      Enqueue(now + state.backoff.NextFailure(gen_), i);
      return;
    }
    state.backoff.Reset();
    ++results_.syncs;
    Add(*moved);
    if (pending > 0) {  // edits made meanwhile: none here, but be exact
      Enqueue(now, i);
      return;
    }
    if (!state.pushed) {
      state.pushed = true;
      ++pushed_;
      Pushed(county);
    }
    if (county_pushed) {
      state.converged = true;
      state.converged_after = now - start_;
      ++results_.converged;
      ++finished_;
      end_ = now;
    } else if (county.unpushed == 0) {
      Enqueue(now, i);
    } else {
      county.waiting.push_back(i);
    }
  }

  // One more of `county`'s agents has pushed (or failed); once all have,
  // the ones waiting sync again.
  void Pushed(County& county) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (--county.unpushed > 0) return;
    for (int waiting : county.waiting) Enqueue(absl::Now(), waiting);
    county.waiting.clear();
  }

  void Add(const v1::SyncNowResponse& moved)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    v1::SyncNowResponse& sum = results_.moved;
    sum.set_pushed(sum.pushed() + moved.pushed());
    sum.set_applied(sum.applied() + moved.applied());
    sum.set_merged(sum.merged() + moved.merged());
    sum.set_conflicts(sum.conflicts() + moved.conflicts());
    sum.set_rejected(sum.rejected() + moved.rejected());
    sum.set_duplicates(sum.duplicates() + moved.duplicates());
    sum.set_pulled(sum.pulled() + moved.pulled());
    sum.set_snapshot(sum.snapshot() || moved.snapshot());
  }

  std::vector<std::unique_ptr<Agent>>& agents_;
  const int attempts_;
  absl::Mutex mu_;
  absl::Time start_ ABSL_GUARDED_BY(mu_);
  absl::Time end_ ABSL_GUARDED_BY(mu_);
  absl::CondVar work_cv_;      // an agent is queued, or all are finished
  absl::CondVar finished_cv_;  // all are finished
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> queue_
      ABSL_GUARDED_BY(mu_);
  std::vector<AgentState> state_ ABSL_GUARDED_BY(mu_);
  std::vector<County> counties_ ABSL_GUARDED_BY(mu_);
  int finished_ ABSL_GUARDED_BY(mu_) = 0;  // converged or failed
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  int pushed_ ABSL_GUARDED_BY(mu_) = 0;
  Results results_ ABSL_GUARDED_BY(mu_);
  absl::BitGen gen_ ABSL_GUARDED_BY(mu_);
};

// ---------------------------------------------------------------------------
// The whole run.

class Bench {
 public:
  Bench(int agents, std::string plan_service, std::string seed, std::string dir)
      : layout_(agents),
        plan_service_(std::move(plan_service)),
        seed_(std::move(seed)),
        dir_(std::move(dir)) {}

  absl::StatusOr<Results> Run() {
    const int setup_threads =
        std::max(1, absl::GetFlag(FLAGS_fanin_setup_threads));
    const int attempts = std::max(1, absl::GetFlag(FLAGS_fanin_attempts));
    int concurrency = absl::GetFlag(FLAGS_fanin_concurrency);
    if (concurrency <= 0 || concurrency > layout_.agents()) {
      concurrency = layout_.agents();
    }
    Results results;
    results.agents = layout_.agents();
    results.counties = layout_.counties();
    results.edits = absl::GetFlag(FLAGS_fanin_edits);
    results.concurrency = concurrency;
    ASSIGN_OR_RETURN(Published published, ReadPublished(seed_));
    results.actions_per_plan = static_cast<int>(published.actions());

    // The agents run in this process as in the sync-agent binary, which
    // turns Abseil's deadlock detection off (Debian's Abseil runs it on
    // every lock).
    absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
    RETURN_IF_ERROR(RaiseFileLimit(layout_.agents()));
    RETURN_IF_ERROR(CheckDisk());
    PlanServiceProcess::Options options;
    options.binary = plan_service_;
    options.data_dir = Path("service");
    options.log_path = Path("plan-service.log");
    ASSIGN_OR_RETURN(PlanServiceProcess service,
                     PlanServiceProcess::Start(options));
    service_.emplace(std::move(service));
    Progress(absl::StrFormat(
        "fan-in: %d agents in %d counties, %d plans of %d actions, %d edits "
        "each, %d syncing at once; the agents' log in %s",
        layout_.agents(), layout_.counties(), layout_.agents(),
        results.actions_per_plan, results.edits, concurrency,
        Path("agents.log")));
    LogToFile agents_log(Path("agents.log"));

    absl::Time start = absl::Now();
    RETURN_IF_ERROR(SetUpPlans(published, layout_, *service_, setup_threads));
    results.import_s = Seconds(absl::Now() - start);

    start = absl::Now();
    agents_.resize(layout_.agents());
    for (absl::string_view sub : {"agents", "observers"}) {
      if (std::error_code error;
          !std::filesystem::create_directories(Path(sub), error) && error) {
        return absl::InternalError(
            absl::StrCat("cannot create ", Path(sub), ": ", error.message()));
      }
    }
    RETURN_IF_ERROR(ParallelFor(
        layout_.agents(), setup_threads, "agents created and bootstrapped",
        [&](int i) -> absl::Status {
          const int c = layout_.county_of(i);
          const int d = layout_.district_of(i);
          ASSIGN_OR_RETURN(
              agents_[i],
              NewAgent(Path(absl::StrCat("agents/", Layout::PlanId(c, d))),
                       Layout::Partner(c, d), layout_.CountyPlans(c),
                       service_->address()));
          agents_[i]->county = c;
          agents_[i]->district = d;
          ASSIGN_OR_RETURN(v1::SyncNowResponse moved,
                           SyncWithRetries(*agents_[i], attempts));
          if (!moved.snapshot()) {
            return absl::InternalError(
                absl::StrCat("bootstrap moved ", moved.ShortDebugString()));
          }
          return absl::OkStatus();
        }));
    results.bootstrap_s = Seconds(absl::Now() - start);

    RETURN_IF_ERROR(ParallelFor(
        layout_.agents(), setup_threads, "agents' offline edits made",
        [&](int i) -> absl::Status {
          Agent& agent = *agents_[i];
          for (const Edit& edit : EditsOf(published, layout_, agent.county,
                                          agent.district, results.edits)) {
            RETURN_IF_ERROR(MakeEdit(agent, edit));
          }
          if (agent.replica->pending_changes() != results.edits) {
            return absl::InternalError(
                absl::StrCat(agent.organisation, " has ",
                             agent.replica->pending_changes(), " pending"));
          }
          return absl::OkStatus();
        }));

    RETURN_IF_ERROR(WaitIdle({service_->pid(), getpid()}));
    Progress(
        absl::StrFormat("fan-in: %d agents sync at once", layout_.agents()));
    ASSIGN_OR_RETURN(results.service_rss_setup_mb, PeakRssMb(service_->pid()));
    RETURN_IF_ERROR(ResetPeakRss(service_->pid()));
    results.load_average = LoadAverage();
    ASSIGN_OR_RETURN(absl::Duration machine_cpu, MachineCpuTime());
    ASSIGN_OR_RETURN(absl::Duration service_cpu, CpuTime(service_->pid()));
    ASSIGN_OR_RETURN(absl::Duration client_cpu, CpuTime(getpid()));
    absl::Notification fanned_in;
    std::thread threads_sampler([&] {
      // The service's thread count, every 20 ms (it serves calls on a thread
      // each, up to ServerOptions::max_threads).
      do {
        if (absl::StatusOr<int64_t> threads =
                ProcStatus(service_->pid(), "Threads");
            threads.ok()) {
          results.service_threads = std::max(results.service_threads, *threads);
        }
      } while (
          !fanned_in.WaitForNotificationWithTimeout(absl::Milliseconds(20)));
    });
    FanIn fan_in(layout_, agents_, attempts);
    fan_in.Run(concurrency, &results);
    fanned_in.Notify();
    threads_sampler.join();
    ASSIGN_OR_RETURN(absl::Duration service_after, CpuTime(service_->pid()));
    ASSIGN_OR_RETURN(absl::Duration client_after, CpuTime(getpid()));
    ASSIGN_OR_RETURN(absl::Duration machine_after, MachineCpuTime());
    results.service_cpu_s = Seconds(service_after - service_cpu);
    results.client_cpu_s = Seconds(client_after - client_cpu);
    results.others_cpu_s =
        std::max(0.0, Seconds(machine_after - machine_cpu) -
                          results.service_cpu_s - results.client_cpu_s);
    ASSIGN_OR_RETURN(results.service_rss_fanin_mb, PeakRssMb(service_->pid()));
    results.service_rss_mb =
        std::max(results.service_rss_setup_mb, results.service_rss_fanin_mb);
    Progress(absl::StrFormat(
        "fan-in: %d/%d converged in %.3f s (p50 %.3f s, p99 %.3f s), %d "
        "syncs, %d failed: %s",
        results.converged, results.agents, results.total_s, results.agent_p50_s,
        results.agent_p99_s, results.syncs, results.failures,
        results.moved.ShortDebugString()));

    if (results.converged == results.agents) {
      RETURN_IF_ERROR(Verify(attempts, setup_threads, &results));
    }
    ASSIGN_OR_RETURN(results.bench_rss_mb, PeakRssMb(getpid()));
    agents_.clear();
    (void)service_->Stop();
    return results;
  }

 private:
  std::string Path(absl::string_view name) const {
    return absl::StrCat(dir_, "/", name);
  }

  // FAILED_PRECONDITION when the work dir's file system has less room than
  // the run may take: it is shared with whatever else the machine runs.
  absl::Status CheckDisk() const {
    struct statvfs fs;
    if (statvfs(dir_.c_str(), &fs) != 0) {
      return absl::InternalError(
          absl::StrCat("statvfs(", dir_, "): ", strerror(errno)));
    }
    const uint64_t free = uint64_t{fs.f_bavail} * fs.f_frsize;
    const uint64_t need = kDiskBesides + kDiskPerAgent * layout_.agents();
    if (free < need) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "%d agents need about %d MiB free in %s; it has %d MiB",
          layout_.agents(), need >> 20, dir_, free >> 20));
    }
    return absl::OkStatus();
  }

  // After the fan-in: a sync of every agent moves nothing, and every agent
  // holds what a fresh snapshot of its county's plans holds.
  absl::Status Verify(int attempts, int threads, Results* results) {
    RETURN_IF_ERROR(ParallelFor(
        layout_.agents(), threads, "verified: a further sync moves nothing",
        [&](int i) -> absl::Status {
          ASSIGN_OR_RETURN(v1::SyncNowResponse moved,
                           SyncWithRetries(*agents_[i], attempts));
          if (moved.pushed() != 0 || moved.pulled() != 0 || moved.snapshot()) {
            return absl::InternalError(
                absl::StrCat(agents_[i]->organisation,
                             " had not converged: a further sync moved ",
                             moved.ShortDebugString()));
          }
          return absl::OkStatus();
        }));
    std::atomic<uint64_t> sequence{0};
    std::atomic<int> verified{0};
    RETURN_IF_ERROR(ParallelFor(
        layout_.counties(), threads, "verified: counties equal the service",
        [&](int c) -> absl::Status {
          ASSIGN_OR_RETURN(
              std::unique_ptr<Agent> observer,
              NewAgent(Path(absl::StrFormat("observers/c%03d", c)),
                       Layout::Partner(c, 0), layout_.CountyPlans(c),
                       service_->address()));
          ASSIGN_OR_RETURN(v1::SyncNowResponse moved,
                           SyncWithRetries(*observer, attempts));
          uint64_t seen = sequence.load();
          while (moved.cursor() > seen &&
                 !sequence.compare_exchange_weak(seen, moved.cursor())) {
          }
          ASSIGN_OR_RETURN(const State expected, StateOf(*observer->store));
          for (int d = 0; d < layout_.districts(c); ++d) {
            const Agent& agent = *agents_[layout_.agent(c, d)];
            ASSIGN_OR_RETURN(const State actual, StateOf(*agent.store));
            RETURN_IF_ERROR(SameState(expected, actual, agent.organisation));
            verified.fetch_add(1);
          }
          return absl::OkStatus();
        }));
    results->service_sequence = sequence.load();
    results->verified = verified.load();
    Progress(absl::StrFormat(
        "verified: %d agents hold what the service does (its log at "
        "sequence %d)",
        results->verified, results->service_sequence));
    return absl::OkStatus();
  }

  const Layout layout_;
  const std::string plan_service_;
  const std::string seed_;
  const std::string dir_;
  std::optional<PlanServiceProcess> service_;
  std::vector<std::unique_ptr<Agent>> agents_;
};

// ---------------------------------------------------------------------------
// Output.

void PrintTable(const Results& r) {
  const auto row = [](absl::string_view what, const std::string& value,
                      absl::string_view target, std::optional<bool> met) {
    std::cout << absl::StrFormat("| %-58s | %16s | %-34s | %-4s |\n", what,
                                 value, target,
                                 !met.has_value() ? "" : (*met ? "yes" : "NO"));
  };
  std::cout << absl::StrFormat("| %-58s | %16s | %-34s | %-4s |\n", "Measure",
                               "Figure", "Target", "Met")
            << "|" << std::string(60, '-') << "|" << std::string(18, '-') << "|"
            << std::string(36, '-') << "|" << std::string(6, '-') << "|\n";
  row(absl::StrFormat("fan-in: %d agents, %d counties x %d plans", r.agents,
                      r.counties, kDistrictsPerCounty),
      absl::StrFormat("%d converged", r.converged), "all",
      r.converged == r.agents);
  row(absl::StrFormat("   %d actions per plan, %d offline edits per agent",
                      r.actions_per_plan, r.edits),
      "", "", std::nullopt);
  row("   ... sync calls failed after retries",
      absl::StrFormat("%d", r.failures), "0", r.failures == 0);
  row(absl::StrFormat("   ... total, all syncing at once (%d threads)",
                      r.concurrency),
      absl::StrFormat("%.3f s", r.total_s), "<= 30 s", r.total_s <= 30);
  row("   ... per agent to converge, p50",
      absl::StrFormat("%.3f s", r.agent_p50_s), "", std::nullopt);
  row("   ... per agent to converge, p99",
      absl::StrFormat("%.3f s", r.agent_p99_s), "", std::nullopt);
  row("   ... service peak RSS (VmHWM, whole run)",
      absl::StrFormat("%.1f MiB", r.service_rss_mb), "<= 1024 MiB",
      r.service_rss_mb <= 1024);
  row("   ... service peak RSS: setup / fan-in alone",
      absl::StrFormat("%.0f / %.0f MiB", r.service_rss_setup_mb,
                      r.service_rss_fanin_mb),
      "", std::nullopt);
  row("   ... service threads, most during the fan-in",
      absl::StrFormat("%d", r.service_threads), "", std::nullopt);
  row("   ... syncs (successful) / retried failures",
      absl::StrFormat("%d / %d", r.syncs, r.retries), "", std::nullopt);
  row("   ... changes pushed / applied / merged",
      absl::StrFormat("%d / %d / %d", r.moved.pushed(), r.moved.applied(),
                      r.moved.merged()),
      "", std::nullopt);
  row("   ... changes that conflicted / rejected",
      absl::StrFormat("%d / %d", r.moved.conflicts(), r.moved.rejected()), "",
      std::nullopt);
  row("   ... changes pulled by the agents",
      absl::StrFormat("%d", r.moved.pulled()), "", std::nullopt);
  row("   ... CPU: service / agents' process / other processes",
      absl::StrFormat("%.1f / %.1f / %.1f s", r.service_cpu_s, r.client_cpu_s,
                      r.others_cpu_s),
      "", std::nullopt);
  row("   ... machine's load average (1 min) as it began",
      absl::StrFormat("%.2f", r.load_average), "", std::nullopt);
  row("   setup: import and members / agents' bootstrap",
      absl::StrFormat("%.1f / %.1f s", r.import_s, r.bootstrap_s), "",
      std::nullopt);
  row("   agents' process peak RSS (all agents)",
      absl::StrFormat("%.0f MiB", r.bench_rss_mb), "", std::nullopt);
  row("   agents verified equal to the service",
      absl::StrFormat("%d agents", r.verified), "all", r.verified == r.agents);
}

void PrintJson(const Results& r) {
  std::cout << absl::StrFormat(
      "{\"fanin_agents\": %d, \"fanin_total_s\": %.3f, "
      "\"fanin_agent_p50_s\": %.3f, \"fanin_agent_p99_s\": %.3f, "
      "\"fanin_service_rss_mb\": %.1f, \"fanin_failures\": %d, "
      "\"fanin_converged\": %d, \"fanin_verified\": %d, \"fanin_syncs\": %d, "
      "\"fanin_retries\": %d, \"fanin_pushed\": %d, \"fanin_conflicts\": %d, "
      "\"fanin_pulled\": %d, \"fanin_service_cpu_s\": %.2f, "
      "\"fanin_client_cpu_s\": %.2f, \"fanin_bootstrap_s\": %.2f, "
      "\"fanin_service_rss_fanin_mb\": %.1f, \"fanin_service_threads\": %d, "
      "\"fanin_others_cpu_s\": %.2f, \"fanin_load_average\": %.2f}\n",
      r.agents, r.total_s, r.agent_p50_s, r.agent_p99_s, r.service_rss_mb,
      r.failures, r.converged, r.verified, r.syncs, r.retries, r.moved.pushed(),
      r.moved.conflicts(), r.moved.pulled(), r.service_cpu_s, r.client_cpu_s,
      r.bootstrap_s, r.service_rss_fanin_mb, r.service_threads, r.others_cpu_s,
      r.load_average);
}

}  // namespace

absl::Status RunFanInBench(int agents, const std::string& plan_service,
                           const std::string& seed, const std::string& dir) {
  Bench bench(agents, plan_service, seed, dir);
  ASSIGN_OR_RETURN(Results results, bench.Run());
  PrintTable(results);
  PrintJson(results);
  if (results.converged != results.agents || results.failures != 0) {
    return absl::InternalError(
        absl::StrFormat("%d of %d agents converged, %d failed",
                        results.converged, results.agents, results.failures));
  }
  if (results.moved.rejected() != 0) {
    return absl::InternalError(
        absl::StrCat(results.moved.rejected(),
                     " pushed changes were rejected: the partners' roles are "
                     "not what the benchmark means them to be"));
  }
  return absl::OkStatus();
}

}  // namespace prevent::plan::bench
