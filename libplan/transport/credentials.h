// Transport security for every gRPC connection (docs/security.md): TLS with
// client certificates (mutual TLS) wherever a connection can leave the
// machine, plaintext only on loopback.
//
//   TlsFiles tls{.cert = "svc.pem", .key = "svc.key", .ca = "ca.pem"};
//   ASSIGN_OR_RETURN(auto credentials, ServerCredentialsFor(listen, tls));
//   builder.AddListeningPort(listen, credentials, &port);
#ifndef LIBPLAN_TRANSPORT_CREDENTIALS_H_
#define LIBPLAN_TRANSPORT_CREDENTIALS_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"

namespace plan {

// The PEM files of one side of a TLS connection: its certificate chain, its
// private key, and the CA certificate(s) that sign the other side's. All
// three or none (--tls_cert, --tls_key, --tls_ca).
struct TlsFiles {
  std::string cert;
  std::string key;
  std::string ca;

  bool enabled() const { return !cert.empty() || !key.empty() || !ca.empty(); }
};

// How often changed certificate files are noticed and loaded (the files are
// swapped without a restart, as a certificate is renewed).
inline constexpr int kCertificateRefreshSeconds = 60;

// Whether `address` ("host:port", "[v6]:port", "unix:path") can only be
// reached from this machine: 127.0.0.0/8, ::1, "localhost" or a Unix socket.
bool IsLoopbackAddress(absl::string_view address);

// Whether a server could listen on `address` ("host:port", "[v6]:port"):
// binds a socket there and closes it, so that a start that cannot serve
// stops before it changes anything. FAILED_PRECONDITION naming `flag` and
// the address when the port is in use or may not be bound, or the host does
// not resolve. Port 0 and "unix:" addresses always pass (the server binds
// those itself).
absl::Status CheckCanListen(absl::string_view flag, absl::string_view address);

// CheckCanListen on each of `listeners` (flag, address; an empty address is
// not served and passes), and FAILED_PRECONDITION naming both flags when
// two name the same port (binding each alone would pass).
absl::Status CheckCanListenOnAll(
    const std::vector<std::pair<std::string, std::string>>& listeners);

// Credentials for a server listening on `listen`: TLS 1.2 or later that
// requires a client certificate signed by `tls.ca`, when `tls` is enabled;
// plaintext when it is not and `listen` is loopback. INVALID_ARGUMENT naming
// the flag when a file is missing or unreadable or only some are given;
// FAILED_PRECONDITION naming the flags when `listen` is not loopback and
// TLS is off.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFor(
    absl::string_view listen, const TlsFiles& tls);

// Credentials for a channel to `target`: TLS presenting `tls.cert` and
// verifying the server's certificate against `tls.ca` (and its name against
// the target's host), when `tls` is enabled; plaintext when it is not and
// `target` is loopback. Errors as ServerCredentialsFor's.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFor(
    absl::string_view target, const TlsFiles& tls);

}  // namespace plan

#endif  // LIBPLAN_TRANSPORT_CREDENTIALS_H_
