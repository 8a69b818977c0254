// Server settings shared by the plan service and the sync agent.
#ifndef LIBPLAN_RPC_SERVER_H_
#define LIBPLAN_RPC_SERVER_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "libplan/storage/store.h"

namespace plan {

struct ServerOptions {
  // Largest request or response message, in bytes (gRPC's default receive
  // limit). Pages and batches are kept well under it.
  int max_message_bytes = 4 << 20;
  // Keepalive pings on idle connections, so dead peers are noticed.
  int keepalive_time_ms = 60000;
  int keepalive_timeout_ms = 20000;
  // Threads of the synchronous server that may wait for requests at once.
  // gRPC's default (2) makes a thread that finishes a request exit whenever
  // two others are already waiting, and a new one start for the next burst:
  // under 16 concurrent clients plan-bench measured that churn (thread
  // create and exit) at 9% of the service's CPU, and 12% fewer durable
  // UpdateActions per second.
  int max_pollers = 16;
  // Bounds on what clients can hold (promise 8, docs/architecture.md):
  // concurrent streams per connection; threads serving calls at once (past it,
  // calls are refused with RESOURCE_EXHAUSTED); a connection with no call for
  // this long is closed, and every connection after max_connection_age (calls
  // under way get max_connection_age_grace to finish; a following pull ends
  // within 10 minutes by itself); a connection that does not finish its
  // HTTP/2 handshake in handshake_timeout_ms is dropped.
  int max_concurrent_streams = 128;
  int max_threads = 1024;
  int max_connection_idle_ms = 2 * 60 * 1000;
  int max_connection_age_ms = 60 * 60 * 1000;
  int max_connection_age_grace_ms = 11 * 60 * 1000;
  int handshake_timeout_ms = 10 * 1000;
};

// Applies `options` to `builder` and turns on grpc.health.v1 health checking
// and server reflection. Call before registering services.
void ConfigureServerBuilder(const ServerOptions& options,
                            grpc::ServerBuilder* builder);

// The organisation a request names in its `x-prevent-organisation`
// metadata, or "": for logs only (identity.h decides who a caller is).
std::string ClaimedOrganisation(const grpc::ServerContextBase& context);

// Sets a daemon's logging up from its --log_format value ("text" or
// "json"): the format of every line, and gRPC's own log lines (gpr_log: its
// errors, such as a port it cannot bind) sent through PLAN_LOG, so that they
// take the format and the journal's priorities like every other line. Call
// once, before gRPC is used. False, having logged why, for a bad value.
bool ConfigureLogging(absl::string_view log_format);

// Blocks SIGTERM and SIGINT in this thread and every thread it starts later,
// so that WaitForTerminationSignal receives them. Call before starting any
// thread.
void BlockTerminationSignals();

// Waits for SIGTERM or SIGINT (blocked by BlockTerminationSignals); returns
// "SIGTERM" or "SIGINT".
std::string WaitForTerminationSignal();

// Writes `port` and a newline to `path` atomically (a temporary file, then a
// rename), for tests and supervisors that start a server on port 0.
absl::Status WritePortFile(const std::string& path, int port);

// Starts a second server, plaintext on `address` (--health_listen), that
// serves grpc.health.v1 alone: for probes that cannot present a client
// certificate, such as Kubernetes' native gRPC probes (docs/operations.md,
// "Containers and Kubernetes"). Its health is the whole server's (service
// ""), kept the same as the main server's by StoreHealthFollower and
// ShutdownServer when they are given it; it starts NOT_SERVING until
// StoreHealthFollower says otherwise. It serves nothing else, not even
// server reflection. Logs the port it serves. nullptr when `address` is
// empty (none asked for); FAILED_PRECONDITION naming --health_listen when
// it cannot listen.
absl::StatusOr<std::unique_ptr<grpc::Server>> StartHealthServer(
    const std::string& address);

// Health checks of `server`, and of `health_server` when given, answer
// NOT_SERVING from now on, whatever the store says: the first step of a
// stop, so that probes stop sending calls while the rest winds down.
void StopServingHealth(grpc::Server& server, grpc::Server* health_server);

// Stops `server` gracefully: health checks answer NOT_SERVING (on
// `health_server` too, when given), new calls are refused, calls in flight
// get up to `grace` to finish. Then stops `health_server`.
void ShutdownServer(grpc::Server& server, absl::Duration grace,
                    grpc::Server* health_server = nullptr);

// Makes a server's health follow its store's (Store::health()) while it
// lives: NOT_SERVING while the store cannot write or has met damaged data,
// SERVING again once it resumes, each change logged. When the store cannot
// write again until the process restarts, it asks the process to stop, as
// SIGTERM does (see WaitForTerminationSignal), and needs_restart() turns
// true: the process then exits non-zero, for its supervisor to restart it.
// `health_server` (StartHealthServer), when given, says the same. Destroy
// it before the servers.
class StoreHealthFollower {
 public:
  StoreHealthFollower(Store* store, grpc::Server* server,
                      grpc::Server* health_server = nullptr);
  StoreHealthFollower(const StoreHealthFollower&) = delete;
  StoreHealthFollower& operator=(const StoreHealthFollower&) = delete;
  ~StoreHealthFollower();

  bool needs_restart() const { return needs_restart_.load(); }

 private:
  Store* const store_;
  std::atomic<bool> needs_restart_{false};
};

}  // namespace plan

#endif  // LIBPLAN_RPC_SERVER_H_
