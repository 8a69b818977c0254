#include "libplan/http/openapi.h"

#include <map>
#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"

namespace plan {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::EnumDescriptor;
using ::google::protobuf::FieldDescriptor;

std::string Ref(const Descriptor& type) {
  return absl::StrCat(R"({"$ref":"#/components/schemas/)", type.full_name(),
                      R"("})");
}

// Collects the schemas of messages, and writes the JSON schema of fields.
class Schemas {
 public:
  // The schema of `field`'s value (an array of them when repeated).
  std::string OfField(const FieldDescriptor& field) {
    std::string single = OfValue(field);
    if (field.is_map()) {
      return absl::StrCat(R"({"type":"object","additionalProperties":)",
                          OfValue(*field.message_type()->map_value()), "}");
    }
    if (field.is_repeated()) {
      return absl::StrCat(R"({"type":"array","items":)", single, "}");
    }
    return single;
  }

  // Adds `type` and every message it reaches.
  void Add(const Descriptor& type) {
    const std::string& name = type.full_name();
    if (IsWellKnown(type) || written_.contains(name)) return;
    written_[name] = "";  // marks it, so recursion stops
    std::vector<std::string> properties;
    for (int i = 0; i < type.field_count(); ++i) {
      const FieldDescriptor& field = *type.field(i);
      properties.push_back(
          absl::StrCat("\"", field.json_name(), "\":", OfField(field)));
    }
    written_[name] = absl::StrCat(R"({"type":"object","properties":{)",
                                  absl::StrJoin(properties, ","), "}}");
  }

  // Adds a schema written by hand.
  void Put(const std::string& name, std::string schema) {
    written_[name] = std::move(schema);
  }

  std::string Json() const {
    std::vector<std::string> parts;
    for (const auto& [name, schema] : written_) {
      parts.push_back(absl::StrCat("\"", name, "\":", schema));
    }
    return absl::StrCat("{", absl::StrJoin(parts, ","), "}");
  }

 private:
  static bool IsWellKnown(const Descriptor& type) {
    return absl::StartsWith(type.full_name(), "google.protobuf.");
  }

  static std::string OfEnum(const EnumDescriptor& type) {
    std::vector<std::string> names;
    for (int i = 0; i < type.value_count(); ++i) {
      names.push_back(absl::StrCat("\"", type.value(i)->name(), "\""));
    }
    return absl::StrCat(R"({"type":"string","enum":[)",
                        absl::StrJoin(names, ","), "]}");
  }

  std::string OfValue(const FieldDescriptor& field) {
    switch (field.type()) {
      case FieldDescriptor::TYPE_BOOL:
        return R"({"type":"boolean"})";
      case FieldDescriptor::TYPE_INT32:
      case FieldDescriptor::TYPE_SINT32:
      case FieldDescriptor::TYPE_SFIXED32:
        return R"({"type":"integer","format":"int32"})";
      case FieldDescriptor::TYPE_UINT32:
      case FieldDescriptor::TYPE_FIXED32:
        return R"({"type":"integer","format":"int64","minimum":0})";
      case FieldDescriptor::TYPE_INT64:
      case FieldDescriptor::TYPE_SINT64:
      case FieldDescriptor::TYPE_SFIXED64:
        return R"({"type":"string","format":"int64"})";
      case FieldDescriptor::TYPE_UINT64:
      case FieldDescriptor::TYPE_FIXED64:
        return R"({"type":"string","format":"uint64"})";
      case FieldDescriptor::TYPE_FLOAT:
        return R"({"type":"number","format":"float"})";
      case FieldDescriptor::TYPE_DOUBLE:
        return R"({"type":"number","format":"double"})";
      case FieldDescriptor::TYPE_STRING:
        return R"({"type":"string"})";
      case FieldDescriptor::TYPE_BYTES:
        return R"({"type":"string","format":"byte"})";
      case FieldDescriptor::TYPE_ENUM:
        return OfEnum(*field.enum_type());
      case FieldDescriptor::TYPE_MESSAGE:
      case FieldDescriptor::TYPE_GROUP:
        break;
    }
    const Descriptor& type = *field.message_type();
    const std::string& name = type.full_name();
    if (name == "google.protobuf.Timestamp") {
      return R"({"type":"string","format":"date-time"})";
    }
    if (name == "google.protobuf.FieldMask") {
      return R"({"type":"string","description":"comma-separated field paths"})";
    }
    if (name == "google.protobuf.Duration") {
      return R"({"type":"string","description":"seconds, e.g. \"1.5s\""})";
    }
    if (IsWellKnown(type)) return R"({"type":"object"})";
    Add(type);
    return Ref(type);
  }

  std::map<std::string, std::string> written_;
};

// The query parameters of `binding`: every field of its request that the
// path does not bind, when it takes no body.
std::vector<std::string> QueryParameters(const RestBinding& binding,
                                         Schemas& schemas) {
  std::vector<std::string> parameters;
  if (binding.body == "*") return parameters;
  std::set<std::string> bound;
  for (const PathTemplate::Variable& variable : binding.path.variables()) {
    bound.insert(variable.field_path.substr(0, variable.field_path.find('.')));
  }
  bound.insert(binding.body);
  const Descriptor& request = *binding.method->input_type();
  for (int i = 0; i < request.field_count(); ++i) {
    const FieldDescriptor& field = *request.field(i);
    if (bound.contains(field.name())) continue;
    if (field.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
        field.message_type()->full_name() != "google.protobuf.FieldMask" &&
        field.message_type()->full_name() != "google.protobuf.Timestamp") {
      continue;
    }
    parameters.push_back(absl::StrCat(R"({"name":")", field.name(),
                                      R"(","in":"query","schema":)",
                                      schemas.OfField(field), "}"));
  }
  return parameters;
}

std::string Operation(const RestBinding& binding, int index, Schemas& schemas) {
  std::vector<std::string> path_parameters;
  binding.path.OpenApiPath(&path_parameters);
  std::vector<std::string> parameters;
  for (const std::string& name : path_parameters) {
    parameters.push_back(absl::StrCat(
        R"({"name":")", name,
        R"(","in":"path","required":true,"schema":{"type":"string"}})"));
  }
  for (std::string& query : QueryParameters(binding, schemas)) {
    parameters.push_back(std::move(query));
  }
  const Descriptor& request = *binding.method->input_type();
  std::string body;
  if (!binding.body.empty()) {
    schemas.Add(request);
    std::string schema = Ref(request);
    if (binding.body != "*") {
      for (int i = 0; i < request.field_count(); ++i) {
        if (request.field(i)->name() == binding.body) {
          schema = schemas.OfField(*request.field(i));
        }
      }
    }
    body = absl::StrCat(
        R"(,"requestBody":{"required":true,"content":{"application/json":{"schema":)",
        schema, "}}}");
  }
  std::string response;
  if (binding.response_body.empty()) {
    schemas.Add(*binding.method->output_type());
    response = absl::StrCat(R"({"application/json":{"schema":)",
                            Ref(*binding.method->output_type()), "}}");
  } else {
    response = R"({"*/*":{"schema":{"type":"string","format":"binary"}}})";
  }
  return absl::StrCat(
      R"({"operationId":")", binding.method->name(),
      index == 0 ? "" : absl::StrCat(index + 1), R"(","tags":[")",
      binding.method->service()->name(), R"("],"parameters":[)",
      absl::StrJoin(parameters, ","), "]", body,
      R"(,"responses":{"200":{"description":"OK","content":)", response,
      R"(},"default":{"description":"An error, as AIP-193 writes it",)"
      R"("content":{"application/json":{"schema":)"
      R"({"$ref":"#/components/schemas/Error"}}}}}})");
}

}  // namespace

std::string OpenApiJson(const RestRouter& router) {
  Schemas schemas;
  // path -> method -> operation, in a stable order.
  std::map<std::string, std::map<std::string, std::string>> paths;
  std::map<std::string, int> seen;  // bindings per method so far
  for (const std::unique_ptr<RestBinding>& binding : router.bindings()) {
    const int index = seen[binding->method->full_name()]++;
    paths[binding->path.OpenApiPath()]
         [absl::AsciiStrToLower(binding->http_method)] =
             Operation(*binding, index, schemas);
  }
  std::vector<std::string> path_parts;
  for (const auto& [path, operations] : paths) {
    std::vector<std::string> parts;
    for (const auto& [method, operation] : operations) {
      parts.push_back(absl::StrCat("\"", method, "\":", operation));
    }
    path_parts.push_back(
        absl::StrCat("\"", path, "\":{", absl::StrJoin(parts, ","), "}"));
  }
  // The error body every operation may answer.
  schemas.Put(
      "Error",
      R"({"type":"object","properties":{"error":{"type":"object","properties":{"code":{"type":"integer"},"message":{"type":"string"},"status":{"type":"string"},"details":{"type":"array","items":{"type":"object"}}}}}})");
  const std::string schema_json = schemas.Json();
  return absl::StrCat(
      R"({"openapi":"3.0.3","info":{"title":"Prevent delivery plans","version":"v1","description":"The REST/JSON mapping of prevent.plan.v1, docs/rest.md. Bodies use protobuf's JSON mapping."},"paths":{)",
      absl::StrJoin(path_parts, ","), R"(},"components":{"schemas":)",
      schema_json, "}}\n");
}

}  // namespace plan
