// Prometheus metrics of a plan service or sync agent, served as text on
// --metrics_listen (docs/operations.md, "Metrics"). Built on prometheus-cpp's
// core; the HTTP side is http/metrics_server.h.
//
//   Metrics metrics;
//   builder.experimental().SetInterceptorCreators(metrics.Interceptors());
//   metrics.AddRefresher([&] { metrics.SetGauge("plan_change_log_sequence",
//                                               {}, store.last_sequence()); });
//   std::string text = metrics.Render();
//
// Thread-safe.
#ifndef LIBPLAN_RPC_METRICS_H_
#define LIBPLAN_RPC_METRICS_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/support/server_interceptor.h"
#include "libplan/sync/sync_authority.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace plan {

class Metrics final : public SyncObserver {
 public:
  Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Interceptors for a grpc::ServerBuilder that count every call by service,
  // method and code (grpc_server_handled_total) and time it
  // (grpc_server_handling_seconds). `this` must outlive the server.
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
  Interceptors();

  // A commit group of `writers` written, and how long its write and the
  // WAL's sync took (StoreOptions::on_group_written).
  void ObserveCommitGroup(size_t writers, absl::Duration write);

  // SyncObserver: pushes, their changes by outcome, and pulls, by
  // organisation.
  void Pushed(const std::string& organisation,
              const prevent::plan::v1::PushResponse& response) override;
  void Pulled(const std::string& organisation, int64_t changes) override;

  // Sets gauge `name` (declared with DeclareGauge) with `labels` to `value`.
  void SetGauge(const std::string& name,
                const std::map<std::string, std::string>& labels, double value);
  // Declares a gauge family, once, before SetGauge names it.
  void DeclareGauge(const std::string& name, const std::string& help);

  // Runs `refresh` before each Render, to set the gauges that are read when
  // scraped (the store's size, each replica's age). It may call SetGauge.
  void AddRefresher(std::function<void()> refresh);

  // Every metric now, in Prometheus's text format (version 0.0.4).
  std::string Render();

  // For the interceptor: one call of `method` ("/pkg.Service/Method")
  // ended with `code` after `elapsed`.
  void ObserveCall(const std::string& method, grpc::StatusCode code,
                   absl::Duration elapsed);

 private:
  const std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& handling_;
  prometheus::Histogram& group_size_;
  prometheus::Histogram& wal_sync_;
  prometheus::Family<prometheus::Counter>& pushes_;
  prometheus::Family<prometheus::Counter>& pushed_changes_;
  prometheus::Family<prometheus::Counter>& pulls_;
  prometheus::Family<prometheus::Counter>& pulled_changes_;

  absl::Mutex mu_;
  std::map<std::string, prometheus::Family<prometheus::Gauge>*> gauges_
      ABSL_GUARDED_BY(mu_);
  std::vector<std::function<void()>> refreshers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace plan

#endif  // LIBPLAN_RPC_METRICS_H_
