// The real plan-service binary running as a child process on loopback.
//
// PlanServiceProcess starts plan-service with
//   --listen=127.0.0.1:0 --data_dir=<data_dir> --port_file=<private file>
// and returns only once the server has written its port file and answers a
// grpc.health.v1 Health/Check with SERVING, so callers can send RPCs at once.
// Killing and restarting on the same data directory is how end-to-end tests
// check durability.
//
// Example:
//
//   PlanServiceProcess::Options options;
//   options.binary = PLAN_SERVICE_BINARY;
//   options.data_dir = dir.Subpath("data");
//   options.log_path = dir.Subpath("plan-service.log");
//   absl::StatusOr<PlanServiceProcess> server =
//       PlanServiceProcess::Start(options);
//   ASSERT_TRUE(server.ok()) << server.status();
//   auto stub = prevent::plan::v1::PlanService::NewStub(server->NewChannel());
//   ...
//   absl::StatusOr<int> exit_code = server->Stop();  // 0 on a clean shutdown
//
// The destructor SIGKILLs the server if it is still running. Not
// thread-safe, except that NewChannel() and address() may be called from any
// thread while no other method runs. Movable, not copyable.
#ifndef PLAN_TESTS_SUPPORT_PLAN_SERVICE_PROCESS_H_
#define PLAN_TESTS_SUPPORT_PLAN_SERVICE_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace prevent::plan::test_support {

class PlanServiceProcess {
 public:
  struct Options {
    // Path of the plan-service binary. Required.
    std::string binary;
    // --data_dir: the RocksDB directory. Required; created by the server if
    // absent. Reuse it across starts to test durability.
    std::string data_dir;
    // File that receives the server's stdout and stderr (appended). Required.
    std::string log_path;
    // Further arguments, e.g. "--organisation=organisations/x". Default none.
    std::vector<std::string> extra_args;
    // A directory of certificates made by deploy/certs.sh. When set, the
    // service serves mutual TLS with its service.pem, and channels present
    // the certificate of organisation `tls_client` (<tls_client>.pem).
    // Default: plaintext.
    std::string tls_dir;
    std::string tls_client;
    // Also serve HTTP (--http_listen=127.0.0.1:0; HTTPS with tls_dir).
    // Start then waits for its port too (http_port()).
    bool http = false;
    // How long to wait for the port file and a SERVING health check before
    // giving up. Default 20 s.
    absl::Duration startup_timeout = absl::Seconds(20);
    // How often to look for the port file and ask for health while starting:
    // the resolution of a start-time measurement. Default 20 ms.
    absl::Duration poll_interval = absl::Milliseconds(20);
  };

  // Starts the server and waits until it is serving. On any failure the
  // child is killed and the error says why, with the tail of the log:
  // INVALID_ARGUMENT for missing options, the spawn error, INTERNAL if the
  // server exits during startup or writes a malformed port file, and
  // DEADLINE_EXCEEDED if it is not SERVING within startup_timeout.
  static absl::StatusOr<PlanServiceProcess> Start(const Options& options);

  PlanServiceProcess(PlanServiceProcess&&) noexcept = default;
  PlanServiceProcess& operator=(PlanServiceProcess&&) noexcept = default;
  PlanServiceProcess(const PlanServiceProcess&) = delete;
  PlanServiceProcess& operator=(const PlanServiceProcess&) = delete;

  // SIGKILLs and reaps the server if it is still running.
  ~PlanServiceProcess() = default;

  // "127.0.0.1:PORT", the address the server is serving on.
  const std::string& address() const { return address_; }
  int port() const { return port_; }
  // The HTTP port, with Options::http (else 0).
  int http_port() const { return http_port_; }
  pid_t pid() const { return child_.pid(); }
  const std::string& log_path() const { return child_.log_path(); }

  // A new channel to address(): plaintext, or with TLS presenting the
  // certificate of Options::tls_client. Each call returns a distinct
  // channel with its own connection.
  std::shared_ptr<grpc::Channel> NewChannel() const;
  // With TLS, a new channel presenting the certificate <client>.pem from
  // Options::tls_dir instead.
  std::shared_ptr<grpc::Channel> NewChannelAs(const std::string& client) const;

  // Sends SIGTERM and waits up to `timeout` for the server to exit. Returns
  // its exit code (0 for a graceful shutdown; -N if signal N ended it).
  // DEADLINE_EXCEEDED if it has not exited in time, in which case it is
  // SIGKILLed and reaped before returning.
  absl::StatusOr<int> Stop(absl::Duration timeout = absl::Seconds(20));

  // Sends SIGKILL and reaps the server, simulating a crash of the process.
  // (What the server wrote to the kernel survives a SIGKILL, so this does not
  // check that the server fsyncs; it checks that nothing acknowledged was
  // still only in the process's memory.) Returns OK when the server died of
  // that SIGKILL; INTERNAL (with its exit status) if it had already exited by
  // itself, which a test should treat as a crash of the server.
  absl::Status KillHard();

 private:
  PlanServiceProcess(TempDir port_dir, ChildProcess child, int port,
                     std::string tls_dir, std::string tls_client);

  // Declared first so that it is destroyed after the child is killed.
  TempDir port_dir_;  // Holds the port file; one per start, never reused.
  ChildProcess child_;
  int port_ = 0;
  int http_port_ = 0;
  std::string address_;
  std::string tls_dir_;
  std::string tls_client_;
};

}  // namespace prevent::plan::test_support

#endif  // PLAN_TESTS_SUPPORT_PLAN_SERVICE_PROCESS_H_
