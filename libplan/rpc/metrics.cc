#include "libplan/rpc/metrics.h"

#include <utility>

#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "prometheus/text_serializer.h"

namespace plan {
namespace {

namespace v1 = prevent::plan::v1;

// Seconds: from a millisecond to a minute, for calls and WAL syncs.
const prometheus::Histogram::BucketBoundaries kSecondsBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
    0.25,   0.5,   1,      2.5,   5,    10,    30,   60};
// Writers per commit group (the store groups at most 256).
const prometheus::Histogram::BucketBoundaries kGroupBuckets = {
    1, 2, 4, 8, 16, 32, 64, 128, 256};

// gRPC's names of codes, as grpc-ecosystem's interceptors label them.
const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::OK:
      return "OK";
    case grpc::CANCELLED:
      return "Canceled";
    case grpc::UNKNOWN:
      return "Unknown";
    case grpc::INVALID_ARGUMENT:
      return "InvalidArgument";
    case grpc::DEADLINE_EXCEEDED:
      return "DeadlineExceeded";
    case grpc::NOT_FOUND:
      return "NotFound";
    case grpc::ALREADY_EXISTS:
      return "AlreadyExists";
    case grpc::PERMISSION_DENIED:
      return "PermissionDenied";
    case grpc::RESOURCE_EXHAUSTED:
      return "ResourceExhausted";
    case grpc::FAILED_PRECONDITION:
      return "FailedPrecondition";
    case grpc::ABORTED:
      return "Aborted";
    case grpc::OUT_OF_RANGE:
      return "OutOfRange";
    case grpc::UNIMPLEMENTED:
      return "Unimplemented";
    case grpc::INTERNAL:
      return "Internal";
    case grpc::UNAVAILABLE:
      return "Unavailable";
    case grpc::DATA_LOSS:
      return "DataLoss";
    case grpc::UNAUTHENTICATED:
      return "Unauthenticated";
    default:
      return "Unknown";
  }
}

// Times one call from its start to its status.
class CallInterceptor final : public grpc::experimental::Interceptor {
 public:
  CallInterceptor(Metrics* metrics, std::string method)
      : metrics_(metrics), method_(std::move(method)), started_(absl::Now()) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      metrics_->ObserveCall(method_, methods->GetSendStatus().error_code(),
                            absl::Now() - started_);
    }
    methods->Proceed();
  }

 private:
  Metrics* const metrics_;
  const std::string method_;
  const absl::Time started_;
};

class CallInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CallInterceptorFactory(Metrics* metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new CallInterceptor(metrics_,
                               info->method() == nullptr ? "" : info->method());
  }

 private:
  Metrics* const metrics_;
};

}  // namespace

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      handled_(prometheus::BuildCounter()
                   .Name("grpc_server_handled_total")
                   .Help("gRPC calls completed, by service, method and code.")
                   .Register(*registry_)),
      handling_(prometheus::BuildHistogram()
                    .Name("grpc_server_handling_seconds")
                    .Help("How long gRPC calls took, from start to status.")
                    .Register(*registry_)),
      group_size_(prometheus::BuildHistogram()
                      .Name("plan_store_commit_group_writers")
                      .Help("Commits written together in one WAL sync.")
                      .Register(*registry_)
                      .Add({}, kGroupBuckets)),
      wal_sync_(prometheus::BuildHistogram()
                    .Name("plan_store_commit_write_seconds")
                    .Help("How long a commit group's write and WAL sync took.")
                    .Register(*registry_)
                    .Add({}, kSecondsBuckets)),
      pushes_(prometheus::BuildCounter()
                  .Name("plan_sync_pushes_total")
                  .Help("Pushes answered, by organisation.")
                  .Register(*registry_)),
      pushed_changes_(prometheus::BuildCounter()
                          .Name("plan_sync_pushed_changes_total")
                          .Help("Pushed changes, by organisation and outcome "
                                "(applied, merged, conflict, rejected, "
                                "duplicate).")
                          .Register(*registry_)),
      pulls_(prometheus::BuildCounter()
                 .Name("plan_sync_pulls_total")
                 .Help("Pulls and snapshots served, by organisation.")
                 .Register(*registry_)),
      pulled_changes_(prometheus::BuildCounter()
                          .Name("plan_sync_pulled_changes_total")
                          .Help("Changes (and snapshot records) sent in pulls, "
                                "by organisation.")
                          .Register(*registry_)) {}

std::vector<
    std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
Metrics::Interceptors() {
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      factories;
  factories.push_back(std::make_unique<CallInterceptorFactory>(this));
  return factories;
}

void Metrics::ObserveCall(const std::string& method, grpc::StatusCode code,
                          absl::Duration elapsed) {
  // "/prevent.plan.v1.PlanService/GetPlan" -> service and method.
  const std::vector<std::string> parts =
      absl::StrSplit(method, absl::MaxSplits('/', 2));
  const std::string service = parts.size() == 3 ? parts[1] : "";
  const std::string name = parts.size() == 3 ? parts[2] : method;
  handled_
      .Add({{"grpc_service", service},
            {"grpc_method", name},
            {"grpc_code", CodeName(code)}})
      .Increment();
  handling_
      .Add({{"grpc_service", service}, {"grpc_method", name}}, kSecondsBuckets)
      .Observe(absl::ToDoubleSeconds(elapsed));
}

void Metrics::ObserveCommitGroup(size_t writers, absl::Duration write) {
  group_size_.Observe(static_cast<double>(writers));
  wal_sync_.Observe(absl::ToDoubleSeconds(write));
}

void Metrics::Pushed(const std::string& organisation,
                     const v1::PushResponse& response) {
  pushes_.Add({{"organisation", organisation}}).Increment();
  for (const v1::ChangeResult& result : response.results()) {
    const char* outcome = "other";
    switch (result.outcome()) {
      case v1::ChangeResult::APPLIED:
        outcome = "applied";
        break;
      case v1::ChangeResult::MERGED:
        outcome = "merged";
        break;
      case v1::ChangeResult::CONFLICT:
        outcome = "conflict";
        break;
      case v1::ChangeResult::REJECTED:
        outcome = "rejected";
        break;
      case v1::ChangeResult::DUPLICATE:
        outcome = "duplicate";
        break;
      default:
        break;
    }
    pushed_changes_.Add({{"organisation", organisation}, {"outcome", outcome}})
        .Increment();
  }
}

void Metrics::Pulled(const std::string& organisation, int64_t changes) {
  pulls_.Add({{"organisation", organisation}}).Increment();
  pulled_changes_.Add({{"organisation", organisation}})
      .Increment(static_cast<double>(changes));
}

void Metrics::DeclareGauge(const std::string& name, const std::string& help) {
  absl::MutexLock lock(&mu_);
  if (gauges_.contains(name)) return;
  gauges_[name] =
      &prometheus::BuildGauge().Name(name).Help(help).Register(*registry_);
}

void Metrics::SetGauge(const std::string& name,
                       const std::map<std::string, std::string>& labels,
                       double value) {
  prometheus::Family<prometheus::Gauge>* family = nullptr;
  {
    absl::MutexLock lock(&mu_);
    auto it = gauges_.find(name);
    if (it == gauges_.end()) return;
    family = it->second;
  }
  family->Add(labels).Set(value);
}

void Metrics::AddRefresher(std::function<void()> refresh) {
  absl::MutexLock lock(&mu_);
  refreshers_.push_back(std::move(refresh));
}

std::string Metrics::Render() {
  std::vector<std::function<void()>> refreshers;
  {
    absl::MutexLock lock(&mu_);
    refreshers = refreshers_;
  }
  for (const std::function<void()>& refresh : refreshers) refresh();
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace plan
