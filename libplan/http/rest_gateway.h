// The HTTP listener of plan-service and sync-agent (--http_listen; see
// docs/rest.md): REST/JSON as RestRouter maps it, served by calling the same
// gRPC services in process, so every request passes the same authentication,
// authorization, limits and service layer as a gRPC call, with no second
// store.
//
// Who a request acts for:
//   - HTTPS with a client certificate (a server with TLS): the organisation
//     its URI SAN names, spiffe://<trust domain>/organisations/<id>, as on
//     gRPC. The gateway vouches for it to the Authenticator with a secret
//     only this process knows (Authenticator::Options::gateway_token).
//   - a session cookie (a person signed in with a local account at
//     POST /auth/sign-in): the account's organisation, vouched for the same
//     way, with the account's user name recorded on every change. Its
//     writes must carry the session's X-CSRF-Token.
//   - a trusted single sign-on proxy (proxy_user_header, from an address in
//     trusted_proxies): the organisation proxy_users maps the user to;
//     writes carry X-CSRF-Token too.
//   - HTTPS with none of these: 401.
//   - plaintext (loopback only): the X-Prevent-Organisation and
//     X-Prevent-User headers are passed on as the gRPC metadata of the same
//     names, so the server's mode decides, as for a gRPC call (the plan
//     service's development mode; an agent's own organisation).
// GET /auth/session says which of these applies to a request, with the
// CSRF token (docs/rest.md, "Signing in").
//
//   ASSIGN_OR_RETURN(auto gateway, RestGateway::Start(options,
//                                  server->InProcessChannel({})));
//   gateway->port();
#ifndef LIBPLAN_HTTP_REST_GATEWAY_H_
#define LIBPLAN_HTTP_REST_GATEWAY_H_

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/server.h"
#include "grpcpp/support/status.h"
#include "libplan/http/rest_router.h"
#include "libplan/http/sign_in.h"
#include "libplan/service/accounts.h"
#include "libplan/transport/credentials.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace plan {

struct RestGatewayOptions {
  // HOST:PORT to listen on (port 0 picks one; see RestGateway::port()).
  std::string listen{};
  // When enabled, serve HTTPS with tls.cert and tls.key, and accept client
  // certificates signed by tls.ca (not requiring one: browsers have none).
  // When not, `listen` must be loopback.
  TlsFiles tls{};
  // The trust domain of the SPIFFE ids client certificates carry.
  std::string trust_domain = "prevent.local";
  // The secret that vouches for a certificate's organisation to the
  // Authenticator (NewGatewayToken()); needed with tls.
  std::string gateway_token{};
  // Largest request body accepted (as gRPC's message limit): 413 past it.
  size_t max_body_bytes = 4 << 20;
  // The deadline of each call.
  absl::Duration deadline = absl::Seconds(30);
  // Threads serving requests.
  int threads = 8;

  // Local accounts people sign in to with a password; null: none.
  const Accounts* accounts = nullptr;
  SessionTable::Options sessions{};
  // Failed sign-ins allowed per user name, and per client address (where a
  // whole office may share one, behind NAT).
  SignInThrottle::Options user_throttle{};
  SignInThrottle::Options address_throttle{.max_failures = 50};
  // The header in which a single sign-on proxy names the person (e.g.
  // X-Forwarded-Email); empty: none. Believed only from trusted_proxies.
  std::string proxy_user_header{};
  AddressRanges trusted_proxies{};
  // The organisation each user the proxy names acts for (ParseProxyUsers).
  absl::flat_hash_map<std::string, std::string> proxy_users{};
  // A sync agent's own organisation (its listener is loopback only): nobody
  // signs in, and the web app asks for the person's name.
  std::string agent_organisation{};
};

class RestGateway {
 public:
  // Listens and serves in the background: the services `channel` reaches (a
  // server's InProcessChannel) through `router`. INVALID_ARGUMENT for bad
  // options, FAILED_PRECONDITION for plaintext off loopback, UNAVAILABLE
  // when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<RestGateway>> Start(
      const RestGatewayOptions& options, RestRouter router,
      std::shared_ptr<grpc::Channel> channel);

  // Start, for the services `server` serves that are named in `services`
  // (full names, e.g. "prevent.plan.v1.PlanService"), called through its
  // in-process channel.
  static absl::StatusOr<std::unique_ptr<RestGateway>> ForServer(
      const RestGatewayOptions& options,
      absl::Span<const absl::string_view> services, grpc::Server& server);

  // Stops listening, after the requests in progress are answered.
  ~RestGateway();
  RestGateway(const RestGateway&) = delete;
  RestGateway& operator=(const RestGateway&) = delete;

  // The port it listens on.
  int port() const { return port_; }

 private:
  RestGateway(const RestGatewayOptions& options, RestRouter router,
              std::shared_ptr<grpc::Channel> channel);

  // Who a request acts for (see the file comment).
  struct Caller {
    enum class Method { kHeaders, kCertificate, kPassword, kProxy };
    Method method = Method::kHeaders;
    std::string organisation{};  // "" for kHeaders: the server's mode decides
    std::string user{};
    // What its writes must carry as X-CSRF-Token ("": nothing).
    std::string csrf_token{};
    std::string session{};  // kPassword: the session id
    absl::Time expires = absl::InfiniteFuture();
  };

  void Handle(const httplib::Request& request, httplib::Response& response);
  // /auth/session, /auth/sign-in and /auth/sign-out.
  void HandleAuth(const httplib::Request& request, httplib::Response& response);
  void SignIn(const httplib::Request& request, httplib::Response& response);
  absl::StatusOr<Caller> Identify(const httplib::Request& request);
  // The caller a session cookie names; nullopt when it has ended.
  absl::StatusOr<std::optional<Caller>> SessionCaller(
      const std::string& session);
  // The caller a trusted proxy names; nullopt when the request is not
  // one for proxy sign-on.
  absl::StatusOr<std::optional<Caller>> ProxyCaller(
      const httplib::Request& request) const;
  // The session JSON of GET /auth/session and POST /auth/sign-in.
  std::string SessionJson(const Caller& caller) const;
  // The Set-Cookie value that sets `session` ("" ends the cookie).
  std::string SessionCookie(absl::string_view session) const;
  std::string cookie_name() const;
  // The CSRF token of a person a proxy signed in.
  std::string ProxyCsrfToken(absl::string_view user) const;

  const RestGatewayOptions options_;
  const RestRouter router_;
  const std::string openapi_;  // served at /v1/openapi.json
  const std::shared_ptr<grpc::Channel> channel_;
  const std::string csrf_secret_;  // for ProxyCsrfToken
  SessionTable sessions_;
  SignInThrottle user_throttle_;
  SignInThrottle address_throttle_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::atomic<bool> listen_ended_ = false;  // set by thread_
  int port_ = 0;
};

// 32 random bytes, hex: a fresh secret for RestGatewayOptions::gateway_token
// and Authenticator::Options::gateway_token.
std::string NewGatewayToken();

// The HTTP status of a gRPC error (AIP-193): NOT_FOUND 404, ... and 412 for
// a stale etag (reason ETAG_MISMATCH).
int HttpStatusOf(const grpc::Status& status);

// `status` as the JSON body of an HTTP error answered with `http_status`
// (AIP-193): {"error": {"code": 404, "message": "...", "status":
// "NOT_FOUND", "details": [{"@type": ".../google.rpc.ErrorInfo", ...}]}}.
std::string ErrorJson(const grpc::Status& status, int http_status);

}  // namespace plan

#endif  // LIBPLAN_HTTP_REST_GATEWAY_H_
