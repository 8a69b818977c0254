// Prometheus's scrape endpoint: GET /metrics on --metrics_listen, plaintext,
// answered by a function (rpc/metrics.h's Metrics::Render). Anything else
// is 404. docs/operations.md, "Metrics".
#ifndef LIBPLAN_HTTP_METRICS_SERVER_H_
#define LIBPLAN_HTTP_METRICS_SERVER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace httplib {
class Server;
}

namespace plan {

class MetricsServer {
 public:
  // Serves on `listen` (HOST:PORT; port 0 picks one) from a thread of its
  // own until destroyed; each scrape calls `render`, on one of its two
  // threads. INVALID_ARGUMENT naming --metrics_listen for a bad address,
  // UNAVAILABLE when it cannot be bound.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(
      const std::string& listen, std::function<std::string()> render);

  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;
  ~MetricsServer();

  // The port it listens on.
  int port() const { return port_; }

 private:
  MetricsServer() = default;

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::atomic<bool> listen_ended_{false};
  int port_ = 0;
};

}  // namespace plan

#endif  // LIBPLAN_HTTP_METRICS_SERVER_H_
