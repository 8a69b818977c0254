#include "libplan/model/fields.h"

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "prevent/plan/v1/resources.pb.h"

namespace plan {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

bool IsOutputOnlyField(absl::string_view field) {
  return field == "name" || field == "etag" || field == "create_time" ||
         field == "update_time" || field == "delete_time";
}

std::vector<const FieldDescriptor*> DataFields(const Descriptor& descriptor) {
  std::vector<const FieldDescriptor*> fields;
  for (int i = 0; i < descriptor.field_count(); ++i) {
    const FieldDescriptor* field = descriptor.field(i);
    if (!IsOutputOnlyField(field->name())) fields.push_back(field);
  }
  return fields;
}

bool HasValue(const Message& message, const FieldDescriptor& field) {
  const auto* reflection = message.GetReflection();
  if (field.is_repeated()) return reflection->FieldSize(message, &field) > 0;
  if (field.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    return reflection->HasField(message, &field) &&
           reflection->GetMessage(message, &field).ByteSizeLong() > 0;
  }
  return reflection->HasField(message, &field);
}

std::string FieldValueBytes(const Message& message,
                            const FieldDescriptor& field) {
  if (!HasValue(message, field)) return "";
  std::unique_ptr<Message> only(message.New());
  CopyField(message, field, only.get());
  return SerializeDeterministic(*only);
}

void CopyField(const Message& from, const FieldDescriptor& field, Message* to) {
  const auto* reflection = from.GetReflection();
  reflection->ClearField(to, &field);
  if (!HasValue(from, field)) return;
  // Copy through a message holding only this field: MergeFrom then copies
  // exactly the one field, of any type.
  std::unique_ptr<Message> only(from.New());
  std::vector<const FieldDescriptor*> others;
  reflection->ListFields(from, &others);
  only->CopyFrom(from);
  for (const FieldDescriptor* other : others) {
    if (other != &field) reflection->ClearField(only.get(), other);
  }
  to->MergeFrom(*only);
}

std::string SerializeDeterministic(const Message& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return bytes;
}

std::string DisplayValue(const Descriptor& type, const FieldDescriptor& field,
                         const std::string& value_bytes) {
  std::unique_ptr<Message> message(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(&type)
          ->New());
  if (!message->ParseFromString(value_bytes)) return "(unreadable)";
  const auto* reflection = message->GetReflection();
  if (field.is_repeated()) {
    std::vector<std::string> values;
    for (int i = 0; i < reflection->FieldSize(*message, &field); ++i) {
      values.push_back(
          field.cpp_type() == FieldDescriptor::CPPTYPE_ENUM
              ? reflection->GetRepeatedEnum(*message, &field, i)->name()
              : reflection->GetRepeatedString(*message, &field, i));
    }
    return values.empty() ? "(none)" : absl::StrJoin(values, ", ");
  }
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      const std::string value = reflection->GetString(*message, &field);
      return value.empty() ? "(empty)" : value;
    }
    case FieldDescriptor::CPPTYPE_ENUM:
      return reflection->GetEnum(*message, &field)->name();
    case FieldDescriptor::CPPTYPE_BOOL:
      return reflection->GetBool(*message, &field) ? "true" : "false";
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(reflection->GetInt32(*message, &field));
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      if (field.message_type() == prevent::plan::v1::Timescale::descriptor()) {
        const auto& t = static_cast<const prevent::plan::v1::Timescale&>(
            reflection->GetMessage(*message, &field));
        if (!t.text().empty()) return t.text();
        return absl::StrCat(t.start(), "..", t.end(),
                            t.ongoing() ? " ongoing" : "");
      }
      return reflection->GetMessage(*message, &field).ShortDebugString();
    }
    default:
      return "";
  }
}

}  // namespace plan
