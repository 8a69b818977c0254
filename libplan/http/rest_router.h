// The REST/JSON mapping of the API (docs/rest.md): which method an HTTP
// request calls, and its request message, read from the google.api.http
// options in proto/ (the one place the mapping is written). Follows Google's
// HTTP mapping: path variables bind request fields; the body fills the field
// the rule names, or the whole request for "*"; with no body, every other
// field may be a query parameter (`update_mask=rag,description`,
// `timescale.end=2024-06`, a repeated field by repeating it). Bodies and
// query values use protobuf's JSON mapping.
//
//   ASSIGN_OR_RETURN(RestRouter router,
//                    RestRouter::Create({"prevent.plan.v1.PlanService"}));
//   std::optional<RestRouter::Route> route = router.Find("GET", path);
//   std::unique_ptr<Message> request = router.NewRequest(*route);
//   RETURN_IF_ERROR(router.FillRequest(*route, query, body, request.get()));
#ifndef LIBPLAN_HTTP_REST_ROUTER_H_
#define LIBPLAN_HTTP_REST_ROUTER_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "libplan/http/path_template.h"

namespace plan {

// How one method is served over HTTP: one rule of its google.api.http option
// (the rule itself or one of its additional_bindings).
struct RestBinding {
  const google::protobuf::MethodDescriptor* method = nullptr;
  std::string http_method;  // "GET", "POST", "PUT", "PATCH" or "DELETE"
  PathTemplate path;
  std::string body;           // "", "*" or a request field
  std::string response_body;  // "" or a response field (sent as it is)
  // The field response_body names, or null.
  const google::protobuf::FieldDescriptor* response_field = nullptr;
};

// Query parameters, decoded, in the order given.
using QueryParams = std::multimap<std::string, std::string>;

class RestRouter {
 public:
  struct Route {
    const RestBinding* binding = nullptr;
    PathTemplate::Bindings variables;
  };

  // The bindings of every unary method of `services` (full names, e.g.
  // "prevent.plan.v1.PlanService", of services linked into the program) that
  // has a google.api.http option. NOT_FOUND naming a service that is not
  // linked in; INVALID_ARGUMENT naming the method when a rule does not parse
  // or names a field its request does not have.
  static absl::StatusOr<RestRouter> Create(
      absl::Span<const absl::string_view> services);

  // The binding `http_method` and `path` (decoded, without the query) call,
  // or nullopt. Bindings are tried in declaration order.
  std::optional<Route> Find(absl::string_view http_method,
                            absl::string_view path) const;
  // The HTTP methods some binding serves `path` with ("GET", ...), for an
  // answer of 405 Method Not Allowed; empty when no path matches.
  std::vector<std::string> AllowedMethods(absl::string_view path) const;

  // An empty request message of `route`'s method.
  static std::unique_ptr<google::protobuf::Message> NewRequest(
      const Route& route);
  // An empty response message of `route`'s method.
  static std::unique_ptr<google::protobuf::Message> NewResponse(
      const Route& route);

  // Fills `request` from `route`'s path variables, `query` and `body` (JSON;
  // "" is an empty object). INVALID_ARGUMENT, with a BadRequest naming the
  // query parameter or "body", for malformed JSON, unknown fields or query
  // parameters, wrong types, a body where the rule takes none, and query
  // parameters that would set a field the path or the body sets.
  static absl::Status FillRequest(const Route& route, const QueryParams& query,
                                  absl::string_view body,
                                  google::protobuf::Message* request);

  // Every binding, in declaration order.
  const std::vector<std::unique_ptr<RestBinding>>& bindings() const {
    return bindings_;
  }

 private:
  std::vector<std::unique_ptr<RestBinding>> bindings_;
};

// `text` with every byte that is not printable ASCII as '?': for echoing
// what a request said (a path, a parameter's name) in an error, which must
// be valid UTF-8.
std::string Printable(absl::string_view text);

// `text` as a JSON string literal, quotes included.
std::string JsonQuote(absl::string_view text);

}  // namespace plan

#endif  // LIBPLAN_HTTP_REST_ROUTER_H_
