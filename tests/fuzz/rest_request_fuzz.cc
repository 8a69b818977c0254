// libFuzzer target: an HTTP request as the REST gateway reads it (the method
// and path on the first line, then "key=value" query lines up to a blank
// line, then the body). Routing and filling the request must never crash,
// hang or read out of bounds; a refusal is INVALID_ARGUMENT naming one field.
// The path template parser gets the first line too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"
#include "libplan/http/path_template.h"
#include "libplan/http/rest_router.h"
#include "libplan/util/errors.h"

namespace {

const plan::RestRouter& Router() {
  static const plan::RestRouter* router = [] {
    absl::StatusOr<plan::RestRouter> made = plan::RestRouter::Create(
        {"prevent.plan.v1.PlanService", "prevent.plan.v1.ReportService"});
    if (!made.ok()) std::abort();
    return new plan::RestRouter(*std::move(made));
  }();
  return *router;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  const size_t line_end = std::min(text.find('\n'), text.size());
  const absl::string_view first = text.substr(0, line_end);
  absl::string_view rest = text.substr(std::min(line_end + 1, text.size()));

  (void)plan::PathTemplate::Parse(first);

  const std::pair<absl::string_view, absl::string_view> request_line =
      absl::StrSplit(first, absl::MaxSplits(' ', 1));
  plan::QueryParams query;
  while (!rest.empty()) {
    const size_t end = std::min(rest.find('\n'), rest.size());
    const absl::string_view line = rest.substr(0, end);
    rest = rest.substr(std::min(end + 1, rest.size()));
    if (line.empty()) break;
    const std::pair<absl::string_view, absl::string_view> pair =
        absl::StrSplit(line, absl::MaxSplits('=', 1));
    query.emplace(std::string(pair.first), std::string(pair.second));
  }
  const plan::RestRouter& router = Router();
  std::optional<plan::RestRouter::Route> route =
      router.Find(request_line.first, request_line.second);
  if (!route.has_value()) {
    (void)router.AllowedMethods(request_line.second);
    return 0;
  }
  std::unique_ptr<google::protobuf::Message> request =
      plan::RestRouter::NewRequest(*route);
  const absl::Status filled =
      plan::RestRouter::FillRequest(*route, query, rest, request.get());
  if (!filled.ok() && (filled.code() != absl::StatusCode::kInvalidArgument ||
                       plan::FieldViolationsOf(filled).size() != 1)) {
    std::abort();
  }
  return 0;
}
