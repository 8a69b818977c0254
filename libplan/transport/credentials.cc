#include "libplan/transport/credentials.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "libplan/util/errors.h"
#include "libplan/util/status_macros.h"

namespace plan {
namespace {

// The host part of "host:port", "[v6]:port" or "host".
absl::string_view HostOf(absl::string_view address) {
  absl::ConsumePrefix(&address, "dns:///");
  absl::ConsumePrefix(&address, "ipv4:");
  absl::ConsumePrefix(&address, "ipv6:");
  if (absl::StartsWith(address, "[")) {
    const size_t end = address.find(']');
    return end == absl::string_view::npos ? address
                                          : address.substr(1, end - 1);
  }
  const size_t colon = address.rfind(':');
  if (colon != absl::string_view::npos &&
      address.find(':') == colon) {  // one colon: host:port
    return address.substr(0, colon);
  }
  return address;
}

// INVALID_ARGUMENT naming `flag` unless `path` is a readable file.
absl::Status CheckReadable(absl::string_view flag, const std::string& path) {
  if (path.empty()) {
    return Error(absl::StatusCode::kInvalidArgument, "TLS_FILES_INCOMPLETE",
                 absl::StrCat("--", flag,
                              " is missing: TLS needs --tls_cert, --tls_key "
                              "and --tls_ca together"));
  }
  std::ifstream in(path, std::ios::binary);
  char first = 0;
  if (!in || !in.get(first)) {
    return Error(
        absl::StatusCode::kInvalidArgument, "TLS_FILE_UNREADABLE",
        absl::StrCat("--", flag, "=", path, " cannot be read, or is empty"));
  }
  return absl::OkStatus();
}

absl::Status CheckTlsFiles(const TlsFiles& tls) {
  if (absl::Status s = CheckReadable("tls_cert", tls.cert); !s.ok()) return s;
  if (absl::Status s = CheckReadable("tls_key", tls.key); !s.ok()) return s;
  return CheckReadable("tls_ca", tls.ca);
}

absl::Status RefusePlaintext(absl::string_view what,
                             absl::string_view address) {
  return Error(absl::StatusCode::kFailedPrecondition, "TLS_REQUIRED",
               absl::StrCat(what, " ", address,
                            " is not loopback, so it needs TLS: give "
                            "--tls_cert, --tls_key and --tls_ca "
                            "(deploy/certs.sh makes them)"));
}

std::shared_ptr<grpc::experimental::CertificateProviderInterface> Provider(
    const TlsFiles& tls) {
  return std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      tls.key, tls.cert, tls.ca, kCertificateRefreshSeconds);
}

}  // namespace

bool IsLoopbackAddress(absl::string_view address) {
  if (absl::StartsWith(address, "unix:")) return true;
  const std::string host(HostOf(address));
  if (host == "localhost") return true;
  in_addr v4;
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6);
  }
  return false;
}

absl::Status CheckCanListen(absl::string_view flag, absl::string_view address) {
  if (absl::StartsWith(address, "unix:")) return absl::OkStatus();
  const std::string host(HostOf(address));
  const size_t colon = address.rfind(':');
  const std::string port(colon == absl::string_view::npos
                             ? absl::string_view()
                             : address.substr(colon + 1));
  if (port.empty() || port == "0") return absl::OkStatus();
  const auto refuse = [&](absl::string_view why) {
    return absl::FailedPreconditionError(
        absl::StrCat(flag, "=", address, ": ", why));
  };
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (const int error = getaddrinfo(host.empty() ? nullptr : host.c_str(),
                                    port.c_str(), &hints, &found);
      error != 0) {
    return refuse(absl::StrCat("cannot resolve it: ", gai_strerror(error)));
  }
  // The port in use, or one that may not be bound, stops the start; an
  // address the machine lacks (::1 with IPv6 off) only when none binds, as
  // gRPC serves on those it can bind.
  absl::Status status = absl::OkStatus();
  absl::Status unbound = absl::OkStatus();
  bool bound = false;
  for (const addrinfo* at = found; at != nullptr && status.ok();
       at = at->ai_next) {
    const int fd =
        socket(at->ai_family, at->ai_socktype | SOCK_CLOEXEC, at->ai_protocol);
    if (fd < 0) continue;  // e.g. no IPv6 on this machine
    const int on = 1;
    // As gRPC binds: a port left in TIME_WAIT by an earlier run is free.
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    if (bind(fd, at->ai_addr, at->ai_addrlen) == 0) {
      bound = true;
    } else if (errno == EADDRINUSE) {
      status = refuse("the port is in use by another process");
    } else if (errno == EACCES) {
      status = refuse("may not bind it (ports below 1024 need privilege)");
    } else {
      unbound = refuse(absl::StrCat("cannot bind it: ", std::strerror(errno)));
    }
    close(fd);
  }
  freeaddrinfo(found);
  if (status.ok() && !bound) {
    return unbound.ok() ? refuse("no address of it can be bound") : unbound;
  }
  return status;
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFor(
    absl::string_view listen, const TlsFiles& tls) {
  if (!tls.enabled()) {
    if (!IsLoopbackAddress(listen)) return RefusePlaintext("--listen", listen);
    return grpc::InsecureServerCredentials();
  }
  if (absl::Status checked = CheckTlsFiles(tls); !checked.ok()) return checked;
  grpc::experimental::TlsServerCredentialsOptions options(Provider(tls));
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  options.set_cert_request_type(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  return grpc::experimental::TlsServerCredentials(options);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFor(
    absl::string_view target, const TlsFiles& tls) {
  if (!tls.enabled()) {
    if (!IsLoopbackAddress(target)) return RefusePlaintext("--server", target);
    return grpc::InsecureChannelCredentials();
  }
  if (absl::Status checked = CheckTlsFiles(tls); !checked.ok()) return checked;
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(Provider(tls));
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  options.set_verify_server_certs(true);
  return grpc::experimental::TlsCredentials(options);
}

absl::Status CheckCanListenOnAll(
    const std::vector<std::pair<std::string, std::string>>& listeners) {
  std::map<std::string, std::string> flag_of_port;
  for (const auto& [flag, address] : listeners) {
    if (address.empty()) continue;
    RETURN_IF_ERROR(CheckCanListen(flag, address));
    if (absl::StartsWith(address, "unix:")) continue;
    const std::string port = address.substr(address.rfind(':') + 1);
    if (port == "0") continue;
    if (const auto [at, added] = flag_of_port.emplace(port, flag); !added) {
      return absl::FailedPreconditionError(absl::StrCat(
          flag, "=", address, ": port ", port, " is also ", at->second, "'s"));
    }
  }
  return absl::OkStatus();
}

}  // namespace plan
