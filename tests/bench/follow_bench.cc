// follow-bench: the plan service under thousands of following pulls
// (promise 8, docs/architecture.md). Starts the real plan-service, opens
// --follows following Pull streams over --connections connections (on gRPC's
// callback API: no client thread per stream), then times --calls GetPlan calls
// on a connection of their own, and reads the service's thread count and
// memory.
//
//   build/tests/follow-bench --follows=10000
//
// Prints one line per figure. Before follows were bounded, 8,000 following
// pulls made 8,020 service threads and took GetPlan from 20 ms to 10.7 s.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "prevent/plan/v1/plan_service.grpc.pb.h"
#include "prevent/plan/v1/sync_service.grpc.pb.h"
#include "tests/support/plan_service_process.h"
#include "tests/support/temp_dir.h"

ABSL_FLAG(int, follows, 10000, "Following pulls to open.");
ABSL_FLAG(int, connections, 100, "Connections to open them over.");
ABSL_FLAG(int, calls, 500, "GetPlan calls to time while they are open.");

namespace {

namespace v1 = prevent::plan::v1;
using prevent::plan::test_support::PlanServiceProcess;
using prevent::plan::test_support::TempDir;

// A following pull, read until it ends.
class Follow : public grpc::ClientReadReactor<v1::PullResponse> {
 public:
  Follow(v1::SyncService::Stub* stub, int id, std::atomic<int>* open,
         std::atomic<int>* ended, std::atomic<int>* refused)
      : open_(open), ended_(ended), refused_(refused) {
    request_.set_replica_id(absl::StrCat("bench", id));
    request_.add_plans("plans/south-staffordshire");
    request_.set_follow(true);
    stub->async()->Pull(&context_, &request_, this);
    StartRead(&response_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    if (!counted_) {
      counted_ = true;
      ++*open_;
    }
    StartRead(&response_);
  }
  void OnDone(const grpc::Status& status) override {
    if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++*refused_;
    }
    absl::MutexLock lock(&mu_);
    done_ = true;
    ++*ended_;
  }
  void Cancel() { context_.TryCancel(); }
  void Wait() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&done_));
  }

 private:
  grpc::ClientContext context_;
  v1::PullRequest request_;
  v1::PullResponse response_;
  std::atomic<int>* open_;
  std::atomic<int>* ended_;
  std::atomic<int>* refused_;
  bool counted_ = false;
  absl::Mutex mu_;
  bool done_ = false;
};

// A field of /proc/PID/status (Threads, VmRSS), as a number.
int64_t ProcStatus(pid_t pid, absl::string_view field) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (!absl::StartsWith(line, absl::StrCat(field, ":"))) continue;
    std::vector<std::string> parts =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    int64_t value = 0;
    if (parts.size() >= 2 && absl::SimpleAtoi(parts[1], &value)) return value;
  }
  return -1;
}

// GetPlan latencies, sorted, in milliseconds.
std::vector<double> TimeGetPlan(const std::shared_ptr<grpc::Channel>& channel,
                                int calls) {
  auto stub = v1::PlanService::NewStub(channel);
  std::vector<double> ms;
  for (int i = 0; i < calls; ++i) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(30));
    v1::GetPlanRequest request;
    request.set_name("plans/south-staffordshire");
    v1::Plan plan;
    const absl::Time start = absl::Now();
    const grpc::Status status = stub->GetPlan(&context, request, &plan);
    ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
    if (!status.ok()) {
      std::cerr << "GetPlan failed: " << status.error_message() << "\n";
    }
  }
  std::sort(ms.begin(), ms.end());
  return ms;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1,
                         static_cast<size_t>(p * sorted.size()))];
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int follows = absl::GetFlag(FLAGS_follows);
  const int connections = std::max(1, absl::GetFlag(FLAGS_connections));
  absl::StatusOr<TempDir> dir = TempDir::Create("follow-bench");
  if (!dir.ok()) return 1;
  PlanServiceProcess::Options options;
  options.binary = PLAN_SERVICE_BINARY;
  options.data_dir = dir->Subpath("data");
  options.log_path = dir->Subpath("plan-service.log");
  options.extra_args = {
      absl::StrCat("--seed=", PLAN_SOURCE_DIR, "/deploy/demo/seed.textproto")};
  absl::StatusOr<PlanServiceProcess> service =
      PlanServiceProcess::Start(options);
  if (!service.ok()) {
    std::cerr << service.status() << "\n";
    return 1;
  }
  const pid_t pid = service->pid();
  const std::vector<double> idle = TimeGetPlan(service->NewChannel(), 100);
  std::cout << "idle: threads=" << ProcStatus(pid, "Threads")
            << " rss_kib=" << ProcStatus(pid, "VmRSS")
            << " getplan_p50_ms=" << Percentile(idle, 0.5)
            << " getplan_p99_ms=" << Percentile(idle, 0.99) << "\n";

  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<v1::SyncService::Stub>> stubs;
  for (int i = 0; i < connections; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a connection each
    channels.push_back(grpc::CreateCustomChannel(
        service->address(), grpc::InsecureChannelCredentials(), args));
    stubs.push_back(v1::SyncService::NewStub(channels.back()));
  }
  std::atomic<int> open{0}, ended{0}, refused{0};
  std::vector<std::unique_ptr<Follow>> streams;
  const absl::Time opening = absl::Now();
  for (int i = 0; i < follows; ++i) {
    streams.push_back(std::make_unique<Follow>(stubs[i % connections].get(), i,
                                               &open, &ended, &refused));
  }
  // Let them settle: every stream is either following or refused.
  const absl::Time settle_by = absl::Now() + absl::Seconds(60);
  while (open.load() + ended.load() < follows && absl::Now() < settle_by) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  std::cout << "opened " << follows << " following pulls in "
            << absl::ToInt64Milliseconds(absl::Now() - opening)
            << " ms: following=" << open.load() << " refused=" << refused.load()
            << " ended_otherwise=" << ended.load() - refused.load()
            << " waiting=" << follows - open.load() - ended.load() << "\n";
  int64_t peak_threads = ProcStatus(pid, "Threads");
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  const std::vector<double> busy = TimeGetPlan(
      grpc::CreateCustomChannel(service->address(),
                                grpc::InsecureChannelCredentials(), args),
      absl::GetFlag(FLAGS_calls));
  peak_threads = std::max(peak_threads, ProcStatus(pid, "Threads"));
  std::cout << "under follows: threads=" << peak_threads
            << " rss_kib=" << ProcStatus(pid, "VmRSS")
            << " getplan_p50_ms=" << Percentile(busy, 0.5)
            << " getplan_p99_ms=" << Percentile(busy, 0.99)
            << " getplan_max_ms=" << busy.back() << "\n";
  for (auto& stream : streams) stream->Cancel();
  for (auto& stream : streams) stream->Wait();
  std::cout << "after: threads=" << ProcStatus(pid, "Threads") << "\n";
  return 0;
}
