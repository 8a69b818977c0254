// The HOST:PORT addresses the HTTP listeners take.
#ifndef LIBPLAN_HTTP_HOST_PORT_H_
#define LIBPLAN_HTTP_HOST_PORT_H_

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace plan {

// The host and port of "host:port" or "[v6]:port"; INVALID_ARGUMENT naming
// `flag` (e.g. "--http_listen") when it is neither.
absl::StatusOr<std::pair<std::string, int>> SplitHostPort(
    absl::string_view flag, absl::string_view listen);

}  // namespace plan

#endif  // LIBPLAN_HTTP_HOST_PORT_H_
