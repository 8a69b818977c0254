#include "libplan/model/fields.h"

#include <memory>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

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

}  // namespace plan
