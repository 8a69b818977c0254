// The OpenAPI 3.0 description of a RestRouter's bindings, served at
// /v1/openapi.json (docs/rest.md): one operation per binding, its path with
// one parameter per resource id (/v1/plans/{plan}/activities/{activity}),
// its query parameters, body and response, and a schema per message in the
// protobuf JSON mapping (lowerCamelCase; 64-bit integers as strings).
#ifndef LIBPLAN_HTTP_OPENAPI_H_
#define LIBPLAN_HTTP_OPENAPI_H_

#include <string>

#include "libplan/http/rest_router.h"

namespace plan {

// `router`'s description, as JSON.
std::string OpenApiJson(const RestRouter& router);

}  // namespace plan

#endif  // LIBPLAN_HTTP_OPENAPI_H_
