#include "libplan/http/metrics_server.h"

#include <httplib.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libplan/http/host_port.h"

namespace plan {

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const std::string& listen, std::function<std::string()> render) {
  absl::StatusOr<std::pair<std::string, int>> address =
      SplitHostPort("--metrics_listen", listen);
  if (!address.ok()) return address.status();
  std::unique_ptr<MetricsServer> metrics(new MetricsServer());
  metrics->server_ = std::make_unique<httplib::Server>();
  httplib::Server& server = *metrics->server_;
  // A scraper at a time is the usual; two leave room for a person's curl.
  server.new_task_queue = [] { return new httplib::ThreadPool(2); };
  server.set_read_timeout(10, 0);
  server.set_write_timeout(10, 0);
  server.set_payload_max_length(1 << 10);
  server.Get("/metrics", [render = std::move(render)](const httplib::Request&,
                                                      httplib::Response& res) {
    res.set_content(render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  const auto& [host, port] = *address;
  if (port == 0) {
    metrics->port_ = server.bind_to_any_port(host);
  } else if (server.bind_to_port(host, port)) {
    metrics->port_ = port;
  }
  if (metrics->port_ <= 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on --metrics_listen=", listen));
  }
  MetricsServer* self = metrics.get();
  metrics->thread_ = std::thread([self] {
    self->server_->listen_after_bind();
    self->listen_ended_ = true;
  });
  // Until it runs, stop() would not stop it.
  while (!server.is_running()) {
    if (metrics->listen_ended_) {
      return absl::UnavailableError(
          absl::StrCat("cannot serve --metrics_listen=", listen));
    }
    absl::SleepFor(absl::Milliseconds(1));
  }
  return metrics;
}

MetricsServer::~MetricsServer() {
  if (server_ != nullptr) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace plan
