#include "libplan/http/rest_router.h"

#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/api/annotations.pb.h"
#include "google/protobuf/util/json_util.h"
#include "libplan/util/errors.h"

namespace plan {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::MessageFactory;
using ::google::protobuf::MethodDescriptor;
using ::google::protobuf::ServiceDescriptor;

// The field of `type` called `name`, by its proto name or its JSON name.
const FieldDescriptor* FindField(const Descriptor& type,
                                 absl::string_view name) {
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor* field = type.field(i);
    if (field->name() == name || field->json_name() == name) return field;
  }
  return nullptr;
}

// The fields `path` ("a.b.c") walks through from `type`: every one but the
// last a singular message. Empty when a name is unknown or a step is not.
std::vector<const FieldDescriptor*> ResolvePath(const Descriptor& type,
                                                absl::string_view path) {
  std::vector<const FieldDescriptor*> fields;
  const Descriptor* current = &type;
  for (absl::string_view name : absl::StrSplit(path, '.')) {
    if (current == nullptr) return {};
    const FieldDescriptor* field = FindField(*current, name);
    if (field == nullptr) return {};
    fields.push_back(field);
    current = field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
                      !field->is_repeated()
                  ? field->message_type()
                  : nullptr;
  }
  return fields;
}

// Well-known message types whose JSON form is a string, so that a query
// parameter can give one.
bool IsStringLikeMessage(const Descriptor& type) {
  const std::string& name = type.full_name();
  return name == "google.protobuf.FieldMask" ||
         name == "google.protobuf.Timestamp" ||
         name == "google.protobuf.Duration";
}

absl::Status BadRequest(absl::string_view field, absl::string_view problem) {
  FieldViolations violations;
  violations.Add(Printable(field), std::string(problem));
  return violations.ToStatus();
}

// The first line of a protobuf JSON parse error's message, in printable
// ASCII: the parser may quote the input, which need not be valid UTF-8 (an
// error must be, to be sent at all), and its further lines only repeat the
// input with a caret under the problem.
std::string JsonProblem(const google::protobuf::util::Status& status) {
  const std::string problem(status.message());
  return Printable(problem.substr(0, problem.find('\n')));
}

absl::StatusOr<std::vector<std::unique_ptr<RestBinding>>> BindingsOf(
    const MethodDescriptor& method, const google::api::HttpRule& rule) {
  auto binding = std::make_unique<RestBinding>();
  binding->method = &method;
  std::string path;
  switch (rule.pattern_case()) {
    case google::api::HttpRule::kGet:
      binding->http_method = "GET", path = rule.get();
      break;
    case google::api::HttpRule::kPut:
      binding->http_method = "PUT", path = rule.put();
      break;
    case google::api::HttpRule::kPost:
      binding->http_method = "POST", path = rule.post();
      break;
    case google::api::HttpRule::kDelete:
      binding->http_method = "DELETE", path = rule.delete_();
      break;
    case google::api::HttpRule::kPatch:
      binding->http_method = "PATCH", path = rule.patch();
      break;
    case google::api::HttpRule::kCustom:
      binding->http_method = rule.custom().kind(), path = rule.custom().path();
      break;
    case google::api::HttpRule::PATTERN_NOT_SET:
      return absl::InvalidArgumentError(
          absl::StrCat(method.full_name(), ": an http rule with no path"));
  }
  absl::StatusOr<PathTemplate> parsed = PathTemplate::Parse(path);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(method.full_name(), ": ", parsed.status().message()));
  }
  binding->path = *std::move(parsed);
  const Descriptor& request = *method.input_type();
  for (const PathTemplate::Variable& variable : binding->path.variables()) {
    const std::vector<const FieldDescriptor*> fields =
        ResolvePath(request, variable.field_path);
    if (fields.empty() || fields.back()->is_repeated() ||
        fields.back()->type() != FieldDescriptor::TYPE_STRING) {
      return absl::InvalidArgumentError(
          absl::StrCat(method.full_name(), ": path variable ",
                       variable.field_path, " is not a string field"));
    }
  }
  binding->body = rule.body();
  if (!binding->body.empty() && binding->body != "*") {
    const FieldDescriptor* field = FindField(request, binding->body);
    if (field == nullptr || field->is_repeated() ||
        field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      return absl::InvalidArgumentError(
          absl::StrCat(method.full_name(), ": body ", binding->body,
                       " is not a message field"));
    }
  }
  binding->response_body = rule.response_body();
  if (!binding->response_body.empty()) {
    const FieldDescriptor* field =
        FindField(*method.output_type(), binding->response_body);
    if (field == nullptr || field->is_repeated() ||
        field->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
      return absl::InvalidArgumentError(
          absl::StrCat(method.full_name(), ": response_body ",
                       binding->response_body, " is not a bytes field"));
    }
    binding->response_field = field;
  }
  std::vector<std::unique_ptr<RestBinding>> bindings;
  bindings.push_back(std::move(binding));
  for (const google::api::HttpRule& additional : rule.additional_bindings()) {
    absl::StatusOr<std::vector<std::unique_ptr<RestBinding>>> more =
        BindingsOf(method, additional);
    if (!more.ok()) return more.status();
    for (auto& each : *more) bindings.push_back(std::move(each));
  }
  return bindings;
}

// `values` of query parameter `key` as the JSON value of `field`.
absl::StatusOr<std::string> QueryJson(
    absl::string_view key, const FieldDescriptor& field,
    const std::vector<absl::string_view>& values) {
  std::vector<std::string> json;
  for (absl::string_view value : values) {
    if (field.type() == FieldDescriptor::TYPE_BOOL) {
      if (value != "true" && value != "false") {
        return BadRequest(key, "must be true or false");
      }
      json.emplace_back(value);
    } else {
      json.push_back(JsonQuote(value));
    }
  }
  if (field.is_repeated())
    return absl::StrCat("[", absl::StrJoin(json, ","), "]");
  if (json.size() > 1) return BadRequest(key, "is given more than once");
  return json.front();
}

}  // namespace

std::string Printable(absl::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return out;
}

std::string JsonQuote(absl::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out += c;
        }
    }
  }
  out += "\"";
  return out;
}

absl::StatusOr<RestRouter> RestRouter::Create(
    absl::Span<const absl::string_view> services) {
  RestRouter router;
  for (const absl::string_view name : services) {
    const ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            std::string(name));
    if (service == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("no service ", name, " is linked into this program"));
    }
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor& method = *service->method(i);
      if (!method.options().HasExtension(google::api::http)) continue;
      if (method.client_streaming() || method.server_streaming()) continue;
      absl::StatusOr<std::vector<std::unique_ptr<RestBinding>>> bindings =
          BindingsOf(method, method.options().GetExtension(google::api::http));
      if (!bindings.ok()) return bindings.status();
      for (auto& binding : *bindings) {
        router.bindings_.push_back(std::move(binding));
      }
    }
  }
  return router;
}

std::optional<RestRouter::Route> RestRouter::Find(
    absl::string_view http_method, absl::string_view path) const {
  for (const std::unique_ptr<RestBinding>& binding : bindings_) {
    if (binding->http_method != http_method) continue;
    std::optional<PathTemplate::Bindings> variables = binding->path.Match(path);
    if (variables.has_value()) {
      return Route{binding.get(), *std::move(variables)};
    }
  }
  return std::nullopt;
}

std::vector<std::string> RestRouter::AllowedMethods(
    absl::string_view path) const {
  std::set<std::string> methods;
  for (const std::unique_ptr<RestBinding>& binding : bindings_) {
    if (binding->path.Match(path).has_value()) {
      methods.insert(binding->http_method);
    }
  }
  return std::vector<std::string>(methods.begin(), methods.end());
}

std::unique_ptr<Message> RestRouter::NewRequest(const Route& route) {
  return std::unique_ptr<Message>(
      MessageFactory::generated_factory()
          ->GetPrototype(route.binding->method->input_type())
          ->New());
}

std::unique_ptr<Message> RestRouter::NewResponse(const Route& route) {
  return std::unique_ptr<Message>(
      MessageFactory::generated_factory()
          ->GetPrototype(route.binding->method->output_type())
          ->New());
}

absl::Status RestRouter::FillRequest(const Route& route,
                                     const QueryParams& query,
                                     absl::string_view body, Message* request) {
  const RestBinding& binding = *route.binding;
  const Descriptor& type = *request->GetDescriptor();
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;

  // The body.
  const absl::string_view trimmed = absl::StripAsciiWhitespace(body);
  if (binding.body.empty()) {
    if (!trimmed.empty()) {
      return BadRequest("body", "this method takes no body");
    }
  } else {
    Message* target = request;
    if (binding.body != "*") {
      target = request->GetReflection()->MutableMessage(
          request, FindField(type, binding.body));
    }
    const google::protobuf::util::Status parsed =
        google::protobuf::util::JsonStringToMessage(
            trimmed.empty() ? std::string("{}") : std::string(trimmed), target,
            options);
    if (!parsed.ok()) return BadRequest("body", JsonProblem(parsed));
  }

  // The query: each parameter parsed on its own, so an error names it.
  std::set<std::string> bound;  // top-level fields the path or body set
  for (const PathTemplate::Variable& variable : binding.path.variables()) {
    const std::string& path = variable.field_path;
    bound.insert(path.substr(0, path.find('.')));
  }
  if (!binding.body.empty() && binding.body != "*") {
    bound.insert(FindField(type, binding.body)->name());
  }
  // The parameters by the field they set (a field may be named by its proto
  // or its JSON name: `page_size` and `pageSize` are one parameter).
  std::map<std::string, std::pair<std::string, std::vector<absl::string_view>>>
      by_field;  // field path in proto names -> a key as given, the values
  for (const auto& [key, value] : query) {
    if (binding.body == "*") {
      return BadRequest(key, "this method takes every field in the body");
    }
    const std::vector<const FieldDescriptor*> fields = ResolvePath(type, key);
    if (fields.empty()) return BadRequest(key, "is not a field of the request");
    std::vector<std::string> names;
    for (const FieldDescriptor* field : fields) names.push_back(field->name());
    auto& [given, values] = by_field[absl::StrJoin(names, ".")];
    if (given.empty()) given = key;
    values.push_back(value);
  }
  for (const auto& [path, given_values] : by_field) {
    const auto& [key, values] = given_values;
    const std::vector<const FieldDescriptor*> fields = ResolvePath(type, path);
    if (bound.contains(fields.front()->name())) {
      return BadRequest(key, "is set by the path or the body");
    }
    const FieldDescriptor& leaf = *fields.back();
    if (leaf.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
        (leaf.is_repeated() || !IsStringLikeMessage(*leaf.message_type()))) {
      return BadRequest(key, "cannot be given as a query parameter");
    }
    absl::StatusOr<std::string> json = QueryJson(key, leaf, values);
    if (!json.ok()) return json.status();
    for (auto field = fields.rbegin(); field != fields.rend(); ++field) {
      json =
          absl::StrCat("{", JsonQuote((*field)->json_name()), ":", *json, "}");
    }
    std::unique_ptr<Message> part(request->New());
    const google::protobuf::util::Status parsed =
        google::protobuf::util::JsonStringToMessage(*json, part.get(), options);
    if (!parsed.ok()) return BadRequest(key, JsonProblem(parsed));
    request->MergeFrom(*part);
  }

  // The path, last: it wins over a name given in the body.
  for (const auto& [field_path, value] : route.variables) {
    const std::vector<const FieldDescriptor*> fields =
        ResolvePath(type, field_path);
    Message* message = request;
    for (size_t i = 0; i + 1 < fields.size(); ++i) {
      message = message->GetReflection()->MutableMessage(message, fields[i]);
    }
    message->GetReflection()->SetString(message, fields.back(), value);
  }
  return absl::OkStatus();
}

}  // namespace plan
