#include "tests/support/plan_service_process.h"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace prevent::plan::test_support {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;

constexpr absl::Duration kHealthCheckDeadline = absl::Seconds(1);

// Channels reconnect quickly (a test restarts servers often) and never share
// a connection with another channel. The minimum backoff is also how long a
// connection attempt may take: at 100 ms, a server busy beside a benchmark
// on two cores missed it and the call failed UNAVAILABLE.
// `path`'s contents, or "" when it cannot be read.
std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// Plaintext when `tls_dir` is empty; else TLS presenting <client>.pem and
// trusting ca.pem from it.
std::shared_ptr<grpc::ChannelCredentials> Credentials(
    const std::string& tls_dir, const std::string& client) {
  if (tls_dir.empty()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ReadFile(absl::StrCat(tls_dir, "/ca.pem"));
  options.pem_private_key =
      ReadFile(absl::StrCat(tls_dir, "/", client, ".key"));
  options.pem_cert_chain = ReadFile(absl::StrCat(tls_dir, "/", client, ".pem"));
  return grpc::SslCredentials(options);
}

std::shared_ptr<grpc::Channel> MakeChannel(
    const std::string& address,
    std::shared_ptr<grpc::ChannelCredentials> credentials =
        grpc::InsecureChannelCredentials()) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 1000);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  return grpc::CreateCustomChannel(address, std::move(credentials), args);
}

std::string Address(int port) { return absl::StrCat("127.0.0.1:", port); }

// Reads the port file. Returns NOT_FOUND while it does not exist yet, the
// port once it does, and INTERNAL if its contents are not a port number
// (it is written atomically, so partial contents are a server bug).
absl::StatusOr<int> ReadPortFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, " does not exist"));
  std::ostringstream contents;
  contents << in.rdbuf();
  const std::string text = contents.str();
  int port = 0;
  if (text.empty() || text.back() != '\n' ||
      !absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &port) || port <= 0 ||
      port > 65535) {
    return absl::InternalError(
        absl::StrCat("port file ", path, " holds \"", absl::CEscape(text),
                     "\", not a port number followed by a newline"));
  }
  return port;
}

// One Health/Check of the whole server (service ""). OK only when SERVING.
absl::Status CheckServing(Health::Stub& health, absl::Duration timeout) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoMilliseconds(timeout));
  HealthCheckRequest request;
  HealthCheckResponse response;
  const grpc::Status status = health.Check(&context, request, &response);
  if (!status.ok()) {
    return absl::UnavailableError(absl::StrCat("Health/Check failed: code ",
                                               status.error_code(), ": ",
                                               status.error_message()));
  }
  if (response.status() != HealthCheckResponse::SERVING) {
    return absl::UnavailableError(absl::StrCat(
        "Health/Check returned ",
        HealthCheckResponse::ServingStatus_Name(response.status())));
  }
  return absl::OkStatus();
}

std::string LogExcerpt(const std::string& log_path) {
  return absl::StrCat("\n--- tail of ", log_path, " ---\n",
                      ReadFileTail(log_path), "\n--- end of log ---");
}

}  // namespace

absl::StatusOr<PlanServiceProcess> PlanServiceProcess::Start(
    const Options& options) {
  if (options.binary.empty() || options.data_dir.empty() ||
      options.log_path.empty()) {
    return absl::InvalidArgumentError(
        "PlanServiceProcess::Options needs binary, data_dir and log_path");
  }
  absl::StatusOr<TempDir> port_dir = TempDir::Create("plan-service-port");
  if (!port_dir.ok()) return port_dir.status();
  const std::string port_file = port_dir->Subpath("port");
  const std::string http_port_file = port_dir->Subpath("http_port");

  std::vector<std::string> args = {
      "--listen=127.0.0.1:0",
      absl::StrCat("--data_dir=", options.data_dir),
      absl::StrCat("--port_file=", port_file),
  };
  if (!options.tls_dir.empty()) {
    args.push_back(
        absl::StrCat("--tls_cert=", options.tls_dir, "/service.pem"));
    args.push_back(absl::StrCat("--tls_key=", options.tls_dir, "/service.key"));
    args.push_back(absl::StrCat("--tls_ca=", options.tls_dir, "/ca.pem"));
  }
  if (options.http) {
    args.push_back("--http_listen=127.0.0.1:0");
    args.push_back(absl::StrCat("--http_port_file=", http_port_file));
  }
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
  absl::StatusOr<ChildProcess> child =
      ChildProcess::Start(options.binary, args, options.log_path);
  if (!child.ok()) return child.status();

  const absl::Time deadline = absl::Now() + options.startup_timeout;
  int port = 0;
  std::unique_ptr<Health::Stub> health;
  absl::Status last = absl::NotFoundError("port file not written yet");
  while (true) {
    absl::StatusOr<int> exit_status = child->Wait(absl::ZeroDuration());
    if (exit_status.ok()) {
      return absl::InternalError(absl::StrCat(
          options.binary, " (pid ", child->pid(), ") exited with status ",
          *exit_status, " during startup", LogExcerpt(options.log_path)));
    }
    if (port == 0) {
      absl::StatusOr<int> read = ReadPortFile(port_file);
      if (read.ok()) {
        port = *read;
        health = Health::NewStub(MakeChannel(
            Address(port), Credentials(options.tls_dir, options.tls_client)));
      } else if (absl::IsNotFound(read.status())) {
        last = read.status();
      } else {
        return absl::Status(read.status().code(),
                            absl::StrCat(read.status().message(),
                                         LogExcerpt(options.log_path)));
      }
    }
    if (health != nullptr) {
      const absl::Duration left = deadline - absl::Now();
      last = CheckServing(*health, std::clamp(left, absl::Milliseconds(50),
                                              kHealthCheckDeadline));
      int http_port = 0;
      if (last.ok() && options.http) {
        // Written just after the gRPC port file.
        absl::StatusOr<int> read = ReadPortFile(http_port_file);
        if (read.ok()) {
          http_port = *read;
        } else {
          last = read.status();
        }
      }
      if (last.ok()) {
        PlanServiceProcess process(*std::move(port_dir), *std::move(child),
                                   port, options.tls_dir, options.tls_client);
        process.http_port_ = http_port;
        return process;
      }
    }
    if (absl::Now() >= deadline) break;
    absl::SleepFor(options.poll_interval);
  }
  return absl::DeadlineExceededError(absl::StrCat(
      options.binary, " (pid ", child->pid(), ") not serving after ",
      absl::FormatDuration(options.startup_timeout),
      "; last: ", last.ToString(), LogExcerpt(options.log_path)));
}

PlanServiceProcess::PlanServiceProcess(TempDir port_dir, ChildProcess child,
                                       int port, std::string tls_dir,
                                       std::string tls_client)
    : port_dir_(std::move(port_dir)),
      child_(std::move(child)),
      port_(port),
      address_(Address(port)),
      tls_dir_(std::move(tls_dir)),
      tls_client_(std::move(tls_client)) {}

std::shared_ptr<grpc::Channel> PlanServiceProcess::NewChannel() const {
  return NewChannelAs(tls_client_);
}

std::shared_ptr<grpc::Channel> PlanServiceProcess::NewChannelAs(
    const std::string& client) const {
  return MakeChannel(address_, Credentials(tls_dir_, client));
}

absl::StatusOr<int> PlanServiceProcess::Stop(absl::Duration timeout) {
  if (absl::Status sent = child_.Kill(SIGTERM); !sent.ok()) return sent;
  absl::StatusOr<int> exit_status = child_.Wait(timeout);
  if (absl::IsDeadlineExceeded(exit_status.status())) {
    (void)child_.Kill(SIGKILL);
    (void)child_.Wait(absl::InfiniteDuration());
    return absl::DeadlineExceededError(
        absl::StrCat("plan-service (pid ", child_.pid(),
                     ") ignored SIGTERM for ", absl::FormatDuration(timeout),
                     "; killed it", LogExcerpt(child_.log_path())));
  }
  return exit_status;
}

absl::Status PlanServiceProcess::KillHard() {
  if (absl::Status sent = child_.Kill(SIGKILL); !sent.ok()) return sent;
  absl::StatusOr<int> exit_status = child_.Wait(absl::InfiniteDuration());
  if (!exit_status.ok()) return exit_status.status();
  if (*exit_status != -SIGKILL) {
    return absl::InternalError(absl::StrCat(
        "plan-service (pid ", child_.pid(), ") had already exited with status ",
        *exit_status, " before SIGKILL", LogExcerpt(child_.log_path())));
  }
  return absl::OkStatus();
}

}  // namespace prevent::plan::test_support
