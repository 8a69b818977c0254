// A path template of a google.api.http rule (docs/rest.md), such as
// "/v1/{name=plans/*/activities/*/actions/*}:undelete":
//   Template = "/" Segments [ ":" Verb ]
//   Segments = Segment { "/" Segment }
//   Segment  = "*" | "**" | LITERAL | "{" FieldPath [ "=" Segments ] "}"
// `*` matches one segment, `**` any number (only last), and a variable
// without a pattern one segment. A variable binds the request field its
// FieldPath names (e.g. `action.name`) to the segments it matched.
//
//   ASSIGN_OR_RETURN(PathTemplate path,
//   PathTemplate::Parse("/v1/{name=plans/*}")); path.Match("/v1/plans/p");  //
//   {{"name", "plans/p"}}
#ifndef LIBPLAN_HTTP_PATH_TEMPLATE_H_
#define LIBPLAN_HTTP_PATH_TEMPLATE_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace plan {

class PathTemplate {
 public:
  // A request field bound to segments of the path.
  struct Variable {
    std::string field_path;  // e.g. "action.name"
    std::string pattern;     // e.g. "plans/*/activities/*/actions/*"
  };
  // What a path bound: field path and value, in template order.
  using Bindings = std::vector<std::pair<std::string, std::string>>;

  // INVALID_ARGUMENT, naming the column, when `text` is not a template.
  static absl::StatusOr<PathTemplate> Parse(absl::string_view text);

  // The bindings of `path` (a decoded URL path, no query), or nullopt when it
  // does not match. A template without a verb matches no path whose last
  // segment holds ':' (so "/v1/plans/p:summary" is not plan "p:summary").
  std::optional<Bindings> Match(absl::string_view path) const;

  const std::string& text() const { return text_; }
  const std::string& verb() const { return verb_; }
  const std::vector<Variable>& variables() const { return variables_; }
  // The template as an OpenAPI path: each wildcard a parameter named after
  // the collection before it ("{name=plans/*}" is "plans/{plan}"), or after
  // its variable when none is; `parameters` gets their names in order.
  std::string OpenApiPath(std::vector<std::string>* parameters = nullptr) const;

 private:
  // One segment: a literal, "*" or "**", and the variable it belongs to
  // (-1 for none).
  struct Segment {
    std::string literal;
    int variable = -1;
  };

  std::string text_;
  std::vector<Segment> segments_;
  std::vector<Variable> variables_;
  std::string verb_;
};

}  // namespace plan

#endif  // LIBPLAN_HTTP_PATH_TEMPLATE_H_
