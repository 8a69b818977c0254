#include "planctl/fields.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/timestamp.pb.h"
#include "libplan/formats/timescale.h"
#include "libplan/model/fields.h"
#include "libplan/util/uk_time.h"

namespace planctl {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

absl::Status BadValue(absl::string_view path, absl::string_view value,
                      absl::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": \"", value, "\" is not ", expected));
}

absl::Status SetScalar(Message* message, const FieldDescriptor& field,
                       absl::string_view path, absl::string_view value) {
  const auto* reflection = message->GetReflection();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      if (field.is_repeated()) {
        reflection->AddString(message, &field, std::string(value));
      } else {
        reflection->SetString(message, &field, std::string(value));
      }
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto* type = field.enum_type();
      const auto* v = type->FindValueByName(absl::AsciiStrToUpper(value));
      if (v == nullptr) {
        std::vector<std::string> names;
        for (int i = 1; i < type->value_count(); ++i) {
          names.push_back(type->value(i)->name());
        }
        return BadValue(path, value,
                        absl::StrCat("one of ", absl::StrJoin(names, ", ")));
      }
      if (field.is_repeated()) {
        reflection->AddEnum(message, &field, v);
      } else {
        reflection->SetEnum(message, &field, v);
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL:
      if (value != "true" && value != "false") {
        return BadValue(path, value, "true or false");
      }
      reflection->SetBool(message, &field, value == "true");
      return absl::OkStatus();
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(path, " cannot be set from the command line"));
  }
}

}  // namespace

absl::Status SetField(Message* resource, absl::string_view path,
                      absl::string_view value) {
  Message* message = resource;
  const FieldDescriptor* field = nullptr;
  const std::vector<absl::string_view> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    field = message->GetDescriptor()->FindFieldByName(std::string(parts[i]));
    if (field == nullptr || (i == 0 && plan::IsOutputOnlyField(parts[i]))) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", path, "\" is not a field you can set; fields: ",
                       SettableFields(*resource)));
    }
    if (i + 1 < parts.size()) {
      if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
          field->is_repeated()) {
        return absl::InvalidArgumentError(
            absl::StrCat("\"", parts[i], "\" has no fields"));
      }
      message = message->GetReflection()->MutableMessage(message, field);
    }
  }
  const auto* reflection = message->GetReflection();
  reflection->ClearField(message, field);
  if (value.empty()) return absl::OkStatus();
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    if (field->message_type() == prevent::plan::v1::Timescale::descriptor()) {
      reflection->MutableMessage(message, field)
          ->CopyFrom(plan::ParseTimescale(value).timescale);
      return absl::OkStatus();
    }
    if (field->message_type() == google::protobuf::Timestamp::descriptor()) {
      absl::Time time;
      std::string error;
      if (const std::optional<absl::CivilDay> day = plan::ParseUkDate(value)) {
        time = plan::UkStartOfDay(*day);
      } else if (!absl::ParseTime(absl::RFC3339_full, std::string(value), &time,
                                  &error)) {
        return BadValue(path, value,
                        "a UK date (31/03/2024, 31 Mar 2024) or an RFC 3339 "
                        "time (2024-03-31T12:00:00Z)");
      }
      auto* timestamp = static_cast<google::protobuf::Timestamp*>(
          reflection->MutableMessage(message, field));
      timestamp->set_seconds(absl::ToUnixSeconds(time));
      return absl::OkStatus();
    }
    return absl::InvalidArgumentError(
        absl::StrCat(path, " has fields: set them as ", path, ".FIELD=VALUE"));
  }
  if (field->is_repeated()) {
    for (absl::string_view element :
         absl::StrSplit(value, ',', absl::SkipWhitespace())) {
      absl::Status set =
          SetScalar(message, *field, path, absl::StripAsciiWhitespace(element));
      if (!set.ok()) return set;
    }
    return absl::OkStatus();
  }
  return SetScalar(message, *field, path, value);
}

std::string SettableFields(const Message& resource) {
  std::vector<std::string> names;
  for (const FieldDescriptor* field :
       plan::DataFields(*resource.GetDescriptor())) {
    names.push_back(field->name());
  }
  return absl::StrJoin(names, ", ");
}

}  // namespace planctl
