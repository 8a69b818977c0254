// The real sync-agent binary running as a child process on loopback.
//
// SyncAgentProcess starts sync-agent with
//   --listen=127.0.0.1:0 --data_dir=<data_dir> --port_file=<private file>
//   --server=<server> --organisation=<organisation> --plans=<plans>
//   --schedule=<schedule>
// and returns only once the agent has written its port file and answers a
// grpc.health.v1 Health/Check with SERVING (the agent serves PlanService and
// AgentService on that address). The agent need not reach its server to
// start. Killing and restarting on the same data directory is how
// end-to-end tests check an agent's durability.
//
// Example:
//
//   SyncAgentProcess::Options options;
//   options.binary = SYNC_AGENT_BINARY;
//   options.data_dir = dir.Subpath("police");
//   options.log_path = dir.Subpath("police.log");
//   options.server = service.address();
//   options.organisation = "organisations/staffordshire-police";
//   options.plans = {"plans/south-staffordshire"};
//   absl::StatusOr<SyncAgentProcess> agent = SyncAgentProcess::Start(options);
//   ASSERT_TRUE(agent.ok()) << agent.status();
//   auto sync = prevent::plan::v1::AgentService::NewStub(agent->NewChannel());
//
// The destructor SIGKILLs the agent if it is still running. Threading,
// moving and the meaning of Stop() and KillHard() are as for
// PlanServiceProcess (tests/support/plan_service_process.h), whose error
// messages name the process "plan-service".
#ifndef PLAN_TESTS_SUPPORT_SYNC_AGENT_PROCESS_H_
#define PLAN_TESTS_SUPPORT_SYNC_AGENT_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "tests/support/plan_service_process.h"

namespace prevent::plan::test_support {

class SyncAgentProcess {
 public:
  struct Options {
    // Path of the sync-agent binary. Required.
    std::string binary;
    // --data_dir: the agent's RocksDB directory. Required; reuse it across
    // starts to test durability.
    std::string data_dir;
    // File that receives the agent's stdout and stderr (appended). Required.
    std::string log_path;
    // --server: the plan service, HOST:PORT. Required.
    std::string server;
    // --organisation: organisations/{org}. Required.
    std::string organisation;
    // --plans: the subscribed plans. Required, at least one.
    std::vector<std::string> plans;
    // --schedule. Default "manual": the agent syncs only when asked.
    std::string schedule = "manual";
    // Further arguments. Default none.
    std::vector<std::string> extra_args;
    // Also serve HTTP on loopback (see http_port()).
    bool http = false;
    // How long to wait for a SERVING health check. Default 20 s.
    absl::Duration startup_timeout = absl::Seconds(20);
  };

  // Starts the agent and waits until it is serving; errors as
  // PlanServiceProcess::Start, and INVALID_ARGUMENT for missing options.
  static absl::StatusOr<SyncAgentProcess> Start(const Options& options);

  SyncAgentProcess(SyncAgentProcess&&) noexcept = default;
  SyncAgentProcess& operator=(SyncAgentProcess&&) noexcept = default;
  SyncAgentProcess(const SyncAgentProcess&) = delete;
  SyncAgentProcess& operator=(const SyncAgentProcess&) = delete;

  // "127.0.0.1:PORT", the address the agent serves on.
  const std::string& address() const { return process_.address(); }
  int port() const { return process_.port(); }
  int http_port() const { return process_.http_port(); }
  pid_t pid() const { return process_.pid(); }
  const std::string& log_path() const { return process_.log_path(); }

  // A new insecure channel to address(), with its own connection.
  std::shared_ptr<grpc::Channel> NewChannel() const {
    return process_.NewChannel();
  }

  // SIGTERM, then the exit code (0 for a graceful shutdown).
  absl::StatusOr<int> Stop(absl::Duration timeout = absl::Seconds(20)) {
    return process_.Stop(timeout);
  }

  // SIGKILL: a crash of the agent. OK when it died of that SIGKILL.
  absl::Status KillHard() { return process_.KillHard(); }

 private:
  explicit SyncAgentProcess(PlanServiceProcess process)
      : process_(std::move(process)) {}

  // The agent takes the same --listen, --data_dir and --port_file flags, and
  // serves health the same way, as the plan service.
  PlanServiceProcess process_;
};

}  // namespace prevent::plan::test_support

#endif  // PLAN_TESTS_SUPPORT_SYNC_AGENT_PROCESS_H_
