#include "libplan/http/rest_gateway.h"

#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/completion_queue.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "libplan/http/host_port.h"
#include "libplan/http/openapi.h"
#include "libplan/http/web_assets.h"
#include "libplan/rpc/identity.h"
#include "libplan/rpc/status.h"
#include "libplan/util/errors.h"
#include "libplan/util/log.h"
#include "libplan/util/sha256.h"
#include "libplan/util/status_macros.h"
#include "libplan/util/utf8.h"

namespace plan {
namespace {

using ::google::protobuf::Message;

constexpr char kJson[] = "application/json; charset=utf-8";

const char* StatusName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    default:
      return "UNKNOWN";
  }
}

// The google.rpc.Status a server attached to `status`, or one with only its
// code and message.
google::rpc::Status DetailsOf(const grpc::Status& status) {
  google::rpc::Status details;
  if (status.error_details().empty() ||
      !details.ParseFromString(status.error_details())) {
    details.Clear();
    details.set_code(status.error_code());
    details.set_message(status.error_message());
  }
  return details;
}

// The error a gateway answers itself, as a server would.
grpc::Status GatewayError(absl::StatusCode code, absl::string_view reason,
                          absl::string_view message) {
  return ToGrpcStatus(Error(code, reason, message));
}

// Answers with `status`, as HTTP status `http_status` (by default the one
// its code maps to).
void Answer(const grpc::Status& status, httplib::Response& response,
            int http_status = 0) {
  response.status = http_status != 0 ? http_status : HttpStatusOf(status);
  response.set_content(ErrorJson(status, response.status), kJson);
}

// The organisations the URI SANs of the client certificate of `ssl` name.
std::set<std::string> CertifiedOrganisations(const SSL* ssl,
                                             absl::string_view trust_domain) {
  std::set<std::string> organisations;
  if (ssl == nullptr) return organisations;
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return organisations;
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type != GEN_URI) continue;
    const ASN1_IA5STRING* uri = name->d.uniformResourceIdentifier;
    const std::string organisation = OrganisationOfSpiffeId(
        absl::string_view(reinterpret_cast<const char*>(uri->data),
                          static_cast<size_t>(uri->length)),
        trust_domain);
    if (!organisation.empty()) organisations.insert(organisation);
  }
  GENERAL_NAMES_free(names);
  X509_free(cert);
  return organisations;
}

// Configures `context` for HTTPS as `tls` says: TLS 1.2 or later, this
// server's certificate, and client certificates verified against tls.ca
// when given (none required).
bool SetUpTls(SSL_CTX& context, const TlsFiles& tls) {
  SSL_CTX_set_min_proto_version(&context, TLS1_2_VERSION);
  if (SSL_CTX_use_certificate_chain_file(&context, tls.cert.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(&context, tls.key.c_str(),
                                  SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(&context) != 1 ||
      SSL_CTX_load_verify_locations(&context, tls.ca.c_str(), nullptr) != 1) {
    return false;
  }
  SSL_CTX_set_verify(&context, SSL_VERIFY_PEER, nullptr);
  // With client certificates verified, OpenSSL resumes a TLS 1.2 session
  // only within a named context (else the client's reconnection fails).
  static constexpr unsigned char kSessionContext[] = "prevent-plan-http";
  return SSL_CTX_set_session_id_context(&context, kSessionContext,
                                        sizeof(kSessionContext) - 1) == 1;
}

// Whether `value` can be sent as gRPC metadata: printable ASCII (gRPC
// refuses anything else, and its client then aborts the process).
bool IsMetadataValue(absl::string_view value) {
  return std::all_of(value.begin(), value.end(),
                     [](char c) { return c >= 0x20 && c <= 0x7e; });
}

// Every answer's headers, the error handler's included.
void SetCommonHeaders(httplib::Response& response) {
  response.set_header("Cache-Control", "no-store");
  response.set_header("X-Content-Type-Options", "nosniff");
}

// Answers with a file of the web app, under a policy that lets its pages
// load only this server's own scripts and styles, reach only this server,
// and never be framed (docs/web.md).
void ServeAsset(const WebAsset& asset, httplib::Response& response) {
  response.set_header(
      "Content-Security-Policy",
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src "
      "'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
      "frame-ancestors 'none'");
  response.set_header("X-Frame-Options", "DENY");
  response.set_header("Referrer-Policy", "no-referrer");
  response.set_content(asset.body.data(), asset.body.size(),
                       std::string(asset.content_type).c_str());
}

// The value of cookie `name` in `request`, or "".
std::string CookieValue(const httplib::Request& request,
                        absl::string_view name) {
  for (absl::string_view cookie :
       absl::StrSplit(request.get_header_value("Cookie"), ';')) {
    cookie = absl::StripAsciiWhitespace(cookie);
    const size_t equals = cookie.find('=');
    if (equals != absl::string_view::npos && cookie.substr(0, equals) == name) {
      return std::string(cookie.substr(equals + 1));
    }
  }
  return "";
}

// Whether `request` says its body is JSON (Content-Type).
bool DeclaresJson(const httplib::Request& request) {
  return absl::StartsWith(
      absl::AsciiStrToLower(request.get_header_value("Content-Type")),
      "application/json");
}

bool IsWrite(const httplib::Request& request) {
  return request.method != "GET" && request.method != "HEAD";
}

std::string Rfc3339(absl::Time time) {
  return absl::FormatTime(absl::RFC3339_sec, time, absl::UTCTimeZone());
}

absl::Status SignInRequired(absl::string_view reason,
                            absl::string_view message) {
  return Error(absl::StatusCode::kUnauthenticated, reason, message);
}

}  // namespace

std::string NewGatewayToken() { return RandomToken(); }

int HttpStatusOf(const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
      return 409;
    case grpc::StatusCode::ABORTED: {
      const google::rpc::Status details = DetailsOf(status);
      for (const google::protobuf::Any& detail : details.details()) {
        google::rpc::ErrorInfo info;
        if (detail.UnpackTo(&info) && info.reason() == "ETAG_MISMATCH") {
          return 412;
        }
      }
      return 409;
    }
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    default:
      return 500;
  }
}

std::string ErrorJson(const grpc::Status& status, int http_status) {
  const google::rpc::Status details = DetailsOf(status);
  std::vector<std::string> parts;
  for (const google::protobuf::Any& detail : details.details()) {
    std::string json;
    if (google::protobuf::util::MessageToJsonString(detail, &json).ok()) {
      parts.push_back(std::move(json));
    }
  }
  return absl::StrCat("{\"error\":{\"code\":", http_status,
                      ",\"message\":", JsonQuote(status.error_message()),
                      ",\"status\":\"", StatusName(status.error_code()),
                      "\",\"details\":[", absl::StrJoin(parts, ","), "]}}\n");
}

RestGateway::RestGateway(const RestGatewayOptions& options, RestRouter router,
                         std::shared_ptr<grpc::Channel> channel)
    : options_(options),
      router_(std::move(router)),
      openapi_(OpenApiJson(router_)),
      channel_(std::move(channel)),
      csrf_secret_(RandomToken()),
      sessions_(options.sessions),
      user_throttle_(options.user_throttle),
      address_throttle_(options.address_throttle) {}

absl::StatusOr<std::unique_ptr<RestGateway>> RestGateway::Start(
    const RestGatewayOptions& options, RestRouter router,
    std::shared_ptr<grpc::Channel> channel) {
  absl::StatusOr<std::pair<std::string, int>> address =
      SplitHostPort("--http_listen", options.listen);
  if (!address.ok()) return address.status();
  std::unique_ptr<RestGateway> gateway(
      new RestGateway(options, std::move(router), std::move(channel)));
  if (options.tls.enabled()) {
    if (options.tls.cert.empty() || options.tls.key.empty() ||
        options.tls.ca.empty() || options.gateway_token.empty()) {
      return absl::InvalidArgumentError(
          "HTTPS needs --tls_cert, --tls_key and --tls_ca");
    }
    const TlsFiles tls = options.tls;
    auto server = std::make_unique<httplib::SSLServer>(
        [tls](SSL_CTX& context) { return SetUpTls(context, tls); });
    if (!server->is_valid()) {
      return absl::InvalidArgumentError(
          "cannot serve HTTPS: --tls_cert, --tls_key or --tls_ca cannot be "
          "read, or the key does not match the certificate");
    }
    gateway->server_ = std::move(server);
  } else {
    if (!IsLoopbackAddress(options.listen)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "--http_listen=", options.listen,
          " is not loopback: plaintext HTTP is served on loopback only; give "
          "--tls_cert, --tls_key and --tls_ca to serve HTTPS"));
    }
    gateway->server_ = std::make_unique<httplib::Server>();
  }
  httplib::Server& server = *gateway->server_;
  const int threads = options.threads;
  server.new_task_queue = [threads] {
    return new httplib::ThreadPool(static_cast<size_t>(threads));
  };
  server.set_payload_max_length(options.max_body_bytes);
  server.set_read_timeout(10, 0);
  server.set_write_timeout(10, 0);
  server.set_keep_alive_timeout(5);
  server.set_keep_alive_max_count(1000);
  // httplib writes an answer's headers and body apart: with Nagle's
  // algorithm the body waits for the client's delayed ACK, 40 ms a call.
  server.set_tcp_nodelay(true);
  RestGateway* self = gateway.get();
  const auto handler = [self](const httplib::Request& request,
                              httplib::Response& response) {
    self->Handle(request, response);
  };
  server.Get(".*", handler);
  server.Post(".*", handler);
  server.Put(".*", handler);
  server.Patch(".*", handler);
  server.Delete(".*", handler);
  server.set_error_handler(
      [](const httplib::Request& request, httplib::Response& response) {
        // An error is never sent in ranges (see Handle).
        const_cast<httplib::Request&>(request).ranges.clear();
        // httplib's own refusals (413, 400 for a bad request line, ...)
        // answer in the same JSON shape; a handled request keeps its body.
        if (!response.body.empty()) return;
        SetCommonHeaders(response);
        const absl::StatusCode code = response.status == 413
                                          ? absl::StatusCode::kResourceExhausted
                                          : absl::StatusCode::kInvalidArgument;
        Answer(GatewayError(code, "BAD_HTTP_REQUEST",
                            absl::StrCat("the HTTP request was refused (",
                                         response.status, ")")),
               response, response.status);
      });
  const auto& [host, port] = *address;
  if (port == 0) {
    gateway->port_ = server.bind_to_any_port(host);
  } else if (server.bind_to_port(host, port)) {
    gateway->port_ = port;
  }
  if (gateway->port_ <= 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on --http_listen=", options.listen));
  }
  gateway->thread_ = std::thread([self] {
    self->server_->listen_after_bind();
    self->listen_ended_ = true;
  });
  // Until it runs, stop() would not stop it (and the destructor would wait
  // for it forever).
  while (!server.is_running()) {
    if (gateway->listen_ended_) {
      return absl::UnavailableError(
          absl::StrCat("cannot serve --http_listen=", options.listen));
    }
    absl::SleepFor(absl::Milliseconds(1));
  }
  return gateway;
}

absl::StatusOr<std::unique_ptr<RestGateway>> RestGateway::ForServer(
    const RestGatewayOptions& options,
    absl::Span<const absl::string_view> services, grpc::Server& server) {
  absl::StatusOr<RestRouter> router = RestRouter::Create(services);
  if (!router.ok()) return router.status();
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(-1);
  arguments.SetMaxSendMessageSize(-1);
  return Start(options, *std::move(router), server.InProcessChannel(arguments));
}

RestGateway::~RestGateway() {
  if (server_ != nullptr) server_->stop();
  if (thread_.joinable()) thread_.join();
}

void RestGateway::Handle(const httplib::Request& request,
                         httplib::Response& response) {
  SetCommonHeaders(response);
  // Answers are whole: httplib would cut any of them, errors included, to a
  // Range the client asked for, leaving JSON that does not parse. (httplib
  // owns the request, which is not const; only its handler's view is.)
  const_cast<httplib::Request&>(request).ranges.clear();
  if (!IsUtf8(request.path)) {
    return Answer(GatewayError(absl::StatusCode::kInvalidArgument, "BAD_PATH",
                               "the path is not valid UTF-8"),
                  response);
  }
  // Plaintext is served on loopback only, and answers only requests
  // addressed to loopback: a web page whose name an attacker points at
  // 127.0.0.1 (DNS rebinding) names itself in Host.
  if (!options_.tls.enabled() &&
      !IsLoopbackAddress(request.get_header_value("Host"))) {
    return Answer(
        GatewayError(absl::StatusCode::kPermissionDenied, "HOST_NOT_LOOPBACK",
                     "this listener answers only requests addressed to "
                     "127.0.0.1, [::1] or localhost"),
        response);
  }
  if (absl::StartsWith(request.path, "/auth/")) {
    return HandleAuth(request, response);
  }
  if (request.method == "GET" && !absl::StartsWith(request.path, "/v1/")) {
    if (const WebAsset* asset = FindWebAsset(request.path); asset != nullptr) {
      return ServeAsset(*asset, response);
    }
  }
  if (request.path == "/v1/openapi.json" && request.method == "GET") {
    response.set_content(openapi_, kJson);
    return;
  }
  std::optional<RestRouter::Route> route =
      router_.Find(request.method, request.path);
  if (!route.has_value()) {
    const std::vector<std::string> allowed =
        router_.AllowedMethods(request.path);
    if (allowed.empty()) {
      return Answer(GatewayError(absl::StatusCode::kNotFound, "UNKNOWN_PATH",
                                 absl::StrCat("no method is served at ",
                                              Printable(request.path),
                                              " (see /v1/openapi.json)")),
                    response);
    }
    Answer(
        GatewayError(absl::StatusCode::kInvalidArgument, "METHOD_NOT_ALLOWED",
                     absl::StrCat(Printable(request.method),
                                  " is not served at ", Printable(request.path),
                                  "; ", absl::StrJoin(allowed, ", "), " is")),
        response, 405);
    response.set_header("Allow", absl::StrJoin(allowed, ", "));
    return;
  }
  // A write must say it is JSON, even with no body. A page in a browser
  // cannot send that to another site without the site's consent (a CORS
  // preflight, which this server never grants), so a plain HTML form on
  // some web page cannot write through a browser that reaches this port.
  if ((request.method != "GET" ||
       !absl::StripAsciiWhitespace(request.body).empty()) &&
      !DeclaresJson(request)) {
    Answer(GatewayError(absl::StatusCode::kInvalidArgument,
                        "UNSUPPORTED_MEDIA_TYPE",
                        "a write, and any request body, must be JSON "
                        "(Content-Type: application/json)"),
           response, 415);
    return;
  }

  absl::StatusOr<Caller> caller = Identify(request);
  if (!caller.ok()) return Answer(ToGrpcStatus(caller.status()), response);
  if (!caller->csrf_token.empty() && IsWrite(request) &&
      !SecretsEqual(request.get_header_value("X-CSRF-Token"),
                    caller->csrf_token)) {
    return Answer(
        GatewayError(absl::StatusCode::kPermissionDenied, "BAD_CSRF_TOKEN",
                     "a write must carry X-CSRF-Token, the csrfToken of GET "
                     "/auth/session"),
        response);
  }
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.deadline));
  if (caller->method != Caller::Method::kHeaders) {
    context.AddMetadata(kOrganisationMetadata, caller->organisation);
    context.AddMetadata(kGatewayMetadata, options_.gateway_token);
  } else if (request.has_header("X-Prevent-Organisation")) {
    context.AddMetadata(kOrganisationMetadata,
                        request.get_header_value("X-Prevent-Organisation"));
  }
  if (!caller->user.empty()) context.AddMetadata(kUserMetadata, caller->user);

  std::unique_ptr<Message> call = RestRouter::NewRequest(*route);
  const QueryParams query(request.params.begin(), request.params.end());
  if (absl::Status filled =
          RestRouter::FillRequest(*route, query, request.body, call.get());
      !filled.ok()) {
    return Answer(ToGrpcStatus(filled), response);
  }
  std::unique_ptr<Message> reply = RestRouter::NewResponse(*route);
  const google::protobuf::MethodDescriptor& method = *route->binding->method;
  // On a completion queue of its own, so that the answer is read on this
  // thread (as a synchronous stub reads it), not handed over from one of
  // gRPC's.
  grpc::TemplatedGenericStub<Message, Message> stub(channel_);
  grpc::CompletionQueue queue;
  std::unique_ptr<grpc::ClientAsyncResponseReader<Message>> rpc =
      stub.PrepareUnaryCall(
          &context,
          absl::StrCat("/", method.service()->full_name(), "/", method.name()),
          *call, &queue);
  rpc->StartCall();
  grpc::Status status;
  rpc->Finish(reply.get(), &status, nullptr);
  void* tag = nullptr;
  bool ok = false;
  if (!queue.Next(&tag, &ok) || !ok) {
    status = grpc::Status(grpc::StatusCode::INTERNAL, "the call did not end");
  }
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  if (!status.ok()) {
    if (HttpStatusOf(status) >= 500) {
      PLAN_LOG(WARNING) << "http " << Printable(request.method) << " "
                        << Printable(request.path) << ": "
                        << StatusName(status.error_code()) << " "
                        << status.error_message();
    }
    return Answer(status, response);
  }
  if (route->binding->response_field != nullptr) {
    const auto* reflection = reply->GetReflection();
    const auto* type = reply->GetDescriptor();
    const auto* content_type = type->FindFieldByName("content_type");
    const auto* filename = type->FindFieldByName("filename");
    std::string media = "application/octet-stream";
    if (content_type != nullptr &&
        !reflection->GetString(*reply, content_type).empty()) {
      media = reflection->GetString(*reply, content_type);
    }
    if (filename != nullptr) {
      std::string name = reflection->GetString(*reply, filename);
      name.erase(std::remove_if(name.begin(), name.end(),
                                [](char c) {
                                  return c == '"' || c == '\\' ||
                                         static_cast<unsigned char>(c) < 0x20;
                                }),
                 name.end());
      if (!name.empty()) {
        response.set_header(
            "Content-Disposition",
            absl::StrCat("attachment; filename=\"", name, "\""));
      }
    }
    response.set_content(
        reflection->GetString(*reply, route->binding->response_field), media);
    return;
  }
  google::protobuf::util::JsonPrintOptions print;
  print.always_print_primitive_fields = true;
  std::string json;
  if (const google::protobuf::util::Status printed =
          google::protobuf::util::MessageToJsonString(*reply, &json, print);
      !printed.ok()) {
    return Answer(GatewayError(absl::StatusCode::kInternal, "BAD_RESPONSE",
                               "the response cannot be written as JSON"),
                  response);
  }
  json += "\n";
  response.set_content(json, kJson);
}

absl::StatusOr<std::optional<RestGateway::Caller>> RestGateway::SessionCaller(
    const std::string& session) {
  const std::optional<SessionTable::Session> found =
      sessions_.Find(session, absl::Now());
  if (!found.has_value()) return std::nullopt;
  absl::StatusOr<std::optional<AccountInfo>> account =
      options_.accounts->Find(found->user);
  if (!account.ok()) return account.status();
  if (!account->has_value() || (*account)->create_time != found->account_time) {
    sessions_.End(session);  // removed, or replaced since
    return std::nullopt;
  }
  return Caller{.method = Caller::Method::kPassword,
                .organisation = (*account)->organisation,
                .user = (*account)->user,
                .csrf_token = found->csrf_token,
                .session = session,
                .expires = found->expires};
}

absl::StatusOr<std::optional<RestGateway::Caller>> RestGateway::ProxyCaller(
    const httplib::Request& request) const {
  const std::string& header = options_.proxy_user_header;
  if (header.empty()) return std::nullopt;
  const size_t count = request.get_header_value_count(header.c_str());
  if (!options_.trusted_proxies.Contains(request.remote_addr)) {
    if (count == 0) return std::nullopt;
    PLAN_LOG(WARNING) << "http: " << header << " from " << request.remote_addr
                      << ", which is not a trusted proxy";
    return SignInRequired("UNTRUSTED_PROXY",
                          absl::StrCat(header,
                                       " is believed only from the addresses "
                                       "--http_trusted_proxies names"));
  }
  // Everything from the proxy must name its person, once: a request it
  // passed on without one must not fall through to another way in.
  const std::string user =
      absl::AsciiStrToLower(request.get_header_value(header.c_str()));
  if (count != 1 || user.empty() || !IsMetadataValue(user)) {
    return SignInRequired(
        "PROXY_USER_MISSING",
        absl::StrCat("the single sign-on proxy must name the person in "
                     "exactly one ",
                     header, " header of printable ASCII"));
  }
  const auto mapped = options_.proxy_users.find(user);
  if (mapped == options_.proxy_users.end()) {
    return Error(absl::StatusCode::kPermissionDenied, "USER_NOT_MAPPED",
                 absl::StrCat(Printable(user),
                              " is not given an organisation by this "
                              "server's --http_proxy_users"));
  }
  return Caller{.method = Caller::Method::kProxy,
                .organisation = mapped->second,
                .user = user,
                .csrf_token = ProxyCsrfToken(user)};
}

absl::StatusOr<RestGateway::Caller> RestGateway::Identify(
    const httplib::Request& request) {
  std::optional<Caller> caller;
  bool session_ended = false;
  if (const std::string session = CookieValue(request, cookie_name());
      !session.empty() && options_.accounts != nullptr) {
    ASSIGN_OR_RETURN(caller, SessionCaller(session));
    session_ended = !caller.has_value();
  }
  if (!caller.has_value()) {
    ASSIGN_OR_RETURN(caller, ProxyCaller(request));
  }
  // The headers a request may send itself. X-Prevent-User is ignored when
  // a session or the proxy names the person.
  if (!IsMetadataValue(request.get_header_value("X-Prevent-Organisation")) ||
      (!caller.has_value() &&
       !IsMetadataValue(request.get_header_value("X-Prevent-User")))) {
    return Error(absl::StatusCode::kInvalidArgument, "BAD_HEADER",
                 "X-Prevent-Organisation and X-Prevent-User must be printable "
                 "ASCII (as gRPC metadata is), after percent-decoding");
  }
  if (!caller.has_value() && options_.tls.enabled()) {
    const std::set<std::string> organisations =
        CertifiedOrganisations(request.ssl, options_.trust_domain);
    if (organisations.size() == 1) {
      caller = Caller{.method = Caller::Method::kCertificate,
                      .organisation = *organisations.begin(),
                      .user = request.get_header_value("X-Prevent-User")};
    }
  }
  if (!caller.has_value()) {
    if (session_ended) {
      return SignInRequired("SESSION_ENDED",
                            "your session has ended: sign in again");
    }
    if (options_.tls.enabled()) {
      return SignInRequired(
          "SIGN_IN_REQUIRED",
          absl::StrCat("sign in (POST /auth/sign-in), or present a client "
                       "certificate that names one organisation as a URI "
                       "SAN spiffe://",
                       options_.trust_domain, "/organisations/<id>"));
    }
    // Plaintext on loopback: the server's own mode decides.
    return Caller{.user = request.get_header_value("X-Prevent-User")};
  }
  const std::string claimed =
      request.get_header_value("X-Prevent-Organisation");
  if (!claimed.empty() && claimed != caller->organisation) {
    return Error(absl::StatusCode::kPermissionDenied, "NOT_YOUR_ORGANISATION",
                 absl::StrCat("this request acts for ", caller->organisation,
                              "; X-Prevent-Organisation may only repeat it"));
  }
  return *std::move(caller);
}

std::string RestGateway::cookie_name() const {
  // With HTTPS, the __Host- prefix makes a browser keep the cookie only as
  // Secure, for this host and every path, set by this host.
  return options_.tls.enabled() ? "__Host-prevent-session" : "prevent-session";
}

std::string RestGateway::SessionCookie(absl::string_view session) const {
  return absl::StrCat(cookie_name(), "=", session,
                      "; Path=/; HttpOnly; SameSite=Strict",
                      options_.tls.enabled() ? "; Secure" : "",
                      session.empty() ? "; Max-Age=0" : "");
}

std::string RestGateway::ProxyCsrfToken(absl::string_view user) const {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), csrf_secret_.data(), static_cast<int>(csrf_secret_.size()),
       reinterpret_cast<const unsigned char*>(user.data()), user.size(), digest,
       &length);
  return HexDigest(
      absl::string_view(reinterpret_cast<const char*>(digest), length));
}

std::string RestGateway::SessionJson(const Caller& caller) const {
  const char* method = "development";
  switch (caller.method) {
    case Caller::Method::kHeaders:
      method = options_.agent_organisation.empty() ? "development" : "agent";
      break;
    case Caller::Method::kCertificate:
      method = "certificate";
      break;
    case Caller::Method::kPassword:
      method = "password";
      break;
    case Caller::Method::kProxy:
      method = "proxy";
      break;
  }
  const std::string organisation = caller.method == Caller::Method::kHeaders
                                       ? options_.agent_organisation
                                       : caller.organisation;
  std::string json =
      absl::StrCat("{\"signedIn\":true,\"method\":\"", method,
                   "\",\"organisation\":", JsonQuote(organisation),
                   ",\"user\":", JsonQuote(caller.user),
                   ",\"csrfToken\":", JsonQuote(caller.csrf_token));
  if (caller.expires != absl::InfiniteFuture()) {
    absl::StrAppend(&json, ",\"expireTime\":\"", Rfc3339(caller.expires), "\"");
  }
  absl::StrAppend(&json, "}\n");
  return json;
}

void RestGateway::HandleAuth(const httplib::Request& request,
                             httplib::Response& response) {
  if (request.path == "/auth/session" && request.method == "GET") {
    absl::StatusOr<Caller> caller = Identify(request);
    // On the plan service in plaintext, a request with no session acts as
    // the development mode says; a person in the web app signs in.
    const bool development = caller.ok() &&
                             caller->method == Caller::Method::kHeaders &&
                             options_.agent_organisation.empty();
    if (caller.ok() && !development) {
      return response.set_content(SessionJson(*caller), kJson);
    }
    if (!caller.ok() &&
        caller.status().code() != absl::StatusCode::kUnauthenticated) {
      return Answer(ToGrpcStatus(caller.status()), response);
    }
    if (!CookieValue(request, cookie_name()).empty()) {
      response.set_header("Set-Cookie", SessionCookie(""));
    }
    return response.set_content(
        absl::StrCat("{\"signedIn\":false,\"passwordSignIn\":",
                     options_.accounts != nullptr ? "true" : "false", "}\n"),
        kJson);
  }
  const bool known =
      request.path == "/auth/sign-in" || request.path == "/auth/sign-out";
  if (!known) {
    return Answer(GatewayError(absl::StatusCode::kNotFound, "UNKNOWN_PATH",
                               absl::StrCat("no method is served at ",
                                            Printable(request.path))),
                  response);
  }
  if (request.method != "POST") {
    Answer(GatewayError(
               absl::StatusCode::kInvalidArgument, "METHOD_NOT_ALLOWED",
               absl::StrCat(Printable(request.method), " is not served at ",
                            request.path, "; POST is")),
           response, 405);
    response.set_header("Allow", "POST");
    return;
  }
  if (!DeclaresJson(request)) {
    return Answer(GatewayError(absl::StatusCode::kInvalidArgument,
                               "UNSUPPORTED_MEDIA_TYPE",
                               "a write must be JSON (Content-Type: "
                               "application/json)"),
                  response, 415);
  }
  if (request.path == "/auth/sign-in") return SignIn(request, response);
  // Sign-out: the session's own write, so it needs its CSRF token.
  const std::string session = CookieValue(request, cookie_name());
  if (!session.empty()) {
    const std::optional<SessionTable::Session> found =
        sessions_.Find(session, absl::Now());
    if (found.has_value()) {
      if (!SecretsEqual(request.get_header_value("X-CSRF-Token"),
                        found->csrf_token)) {
        return Answer(
            GatewayError(absl::StatusCode::kPermissionDenied, "BAD_CSRF_TOKEN",
                         "sign-out must carry X-CSRF-Token"),
            response);
      }
      sessions_.End(session);
      PLAN_LOG(INFO) << "http: signed out user=" << found->user;
    }
  }
  response.set_header("Set-Cookie", SessionCookie(""));
  response.set_content("{\"signedIn\":false}\n", kJson);
}

void RestGateway::SignIn(const httplib::Request& request,
                         httplib::Response& response) {
  if (options_.accounts == nullptr) {
    return Answer(GatewayError(absl::StatusCode::kNotFound, "NO_LOCAL_ACCOUNTS",
                               "this server has no local accounts to sign in "
                               "to"),
                  response);
  }
  google::protobuf::Struct body;
  if (!google::protobuf::util::JsonStringToMessage(request.body, &body).ok()) {
    return Answer(
        ToGrpcStatus(Error(absl::StatusCode::kInvalidArgument, "BAD_JSON",
                           "the body is not a JSON "
                           "object")),
        response);
  }
  FieldViolations violations;
  for (const auto& [field, value] : body.fields()) {
    if (field != "user" && field != "password") {
      violations.Add(Printable(field), "is not a field of a sign-in");
    } else if (value.kind_case() != google::protobuf::Value::kStringValue) {
      violations.Add(field, "must be a string");
    }
  }
  for (const char* field : {"user", "password"}) {
    if (!body.fields().contains(field)) violations.Add(field, "is required");
  }
  if (!violations.empty()) {
    return Answer(ToGrpcStatus(violations.ToStatus()), response);
  }
  const std::string user =
      CanonicalUser(body.fields().at("user").string_value());
  const std::string& address = request.remote_addr;
  const absl::Time now = absl::Now();
  // Only a well-formed user name is counted by name (so that junk names
  // cannot crowd out real ones); every attempt counts for the address.
  const bool named = IsAccountUser(user);
  absl::Duration wait =
      named ? user_throttle_.Attempt(user, now) : absl::ZeroDuration();
  if (wait == absl::ZeroDuration()) {
    wait = address_throttle_.Attempt(address, now);
    if (wait > absl::ZeroDuration() && named) user_throttle_.Forgive(user);
  }
  if (wait > absl::ZeroDuration()) {
    const int64_t seconds =
        absl::ToInt64Seconds(absl::Ceil(wait, absl::Seconds(1)));
    PLAN_LOG(WARNING) << "http: sign-in throttled user=" << Printable(user)
                      << " address=" << address;
    Answer(
        GatewayError(absl::StatusCode::kResourceExhausted, "TOO_MANY_SIGN_INS",
                     absl::StrCat("too many failed sign-ins: try again in ",
                                  seconds, " s")),
        response);
    response.set_header("Retry-After", absl::StrCat(seconds));
    return;
  }
  absl::StatusOr<AccountInfo> account = options_.accounts->Verify(
      user, body.fields().at("password").string_value());
  if (!account.ok()) {
    if (account.status().code() == absl::StatusCode::kUnauthenticated) {
      PLAN_LOG(WARNING) << "http: sign-in failed user=" << Printable(user)
                        << " address=" << address;
    } else {  // not the person's failure
      if (named) user_throttle_.Forgive(user);
      address_throttle_.Forgive(address);
    }
    return Answer(ToGrpcStatus(account.status()), response);
  }
  user_throttle_.Clear(user);
  address_throttle_.Forgive(address);
  if (const std::string old = CookieValue(request, cookie_name());
      !old.empty()) {
    sessions_.End(old);
  }
  absl::StatusOr<std::pair<std::string, SessionTable::Session>> session =
      sessions_.Create(account->user, account->create_time, now);
  if (!session.ok()) return Answer(ToGrpcStatus(session.status()), response);
  PLAN_LOG(INFO) << "http: signed in user=" << account->user
                 << " organisation=" << account->organisation;
  response.set_header("Set-Cookie", SessionCookie(session->first));
  response.set_content(SessionJson({.method = Caller::Method::kPassword,
                                    .organisation = account->organisation,
                                    .user = account->user,
                                    .csrf_token = session->second.csrf_token,
                                    .expires = session->second.expires}),
                       kJson);
}

}  // namespace plan
