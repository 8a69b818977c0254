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

namespace {

// Appends element `i` of repeated `field` of `from` to that of `to`.
void AddElement(const Message& from, const FieldDescriptor& field, int i,
                Message* to) {
  const auto* in = from.GetReflection();
  const auto* out = to->GetReflection();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return out->AddInt32(to, &field, in->GetRepeatedInt32(from, &field, i));
    case FieldDescriptor::CPPTYPE_INT64:
      return out->AddInt64(to, &field, in->GetRepeatedInt64(from, &field, i));
    case FieldDescriptor::CPPTYPE_UINT32:
      return out->AddUInt32(to, &field, in->GetRepeatedUInt32(from, &field, i));
    case FieldDescriptor::CPPTYPE_UINT64:
      return out->AddUInt64(to, &field, in->GetRepeatedUInt64(from, &field, i));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return out->AddDouble(to, &field, in->GetRepeatedDouble(from, &field, i));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return out->AddFloat(to, &field, in->GetRepeatedFloat(from, &field, i));
    case FieldDescriptor::CPPTYPE_BOOL:
      return out->AddBool(to, &field, in->GetRepeatedBool(from, &field, i));
    case FieldDescriptor::CPPTYPE_ENUM:
      return out->AddEnumValue(to, &field,
                               in->GetRepeatedEnumValue(from, &field, i));
    case FieldDescriptor::CPPTYPE_STRING:
      return out->AddString(to, &field, in->GetRepeatedString(from, &field, i));
    case FieldDescriptor::CPPTYPE_MESSAGE:
      out->AddMessage(to, &field)
          ->CopyFrom(in->GetRepeatedMessage(from, &field, i));
      return;
  }
}

// Sets singular `field` of `to` to its value in `from`.
void SetSingular(const Message& from, const FieldDescriptor& field,
                 Message* to) {
  const auto* in = from.GetReflection();
  const auto* out = to->GetReflection();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return out->SetInt32(to, &field, in->GetInt32(from, &field));
    case FieldDescriptor::CPPTYPE_INT64:
      return out->SetInt64(to, &field, in->GetInt64(from, &field));
    case FieldDescriptor::CPPTYPE_UINT32:
      return out->SetUInt32(to, &field, in->GetUInt32(from, &field));
    case FieldDescriptor::CPPTYPE_UINT64:
      return out->SetUInt64(to, &field, in->GetUInt64(from, &field));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return out->SetDouble(to, &field, in->GetDouble(from, &field));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return out->SetFloat(to, &field, in->GetFloat(from, &field));
    case FieldDescriptor::CPPTYPE_BOOL:
      return out->SetBool(to, &field, in->GetBool(from, &field));
    case FieldDescriptor::CPPTYPE_ENUM:
      return out->SetEnumValue(to, &field, in->GetEnumValue(from, &field));
    case FieldDescriptor::CPPTYPE_STRING:
      return out->SetString(to, &field, in->GetString(from, &field));
    case FieldDescriptor::CPPTYPE_MESSAGE:
      out->MutableMessage(to, &field)->CopyFrom(in->GetMessage(from, &field));
      return;
  }
}

}  // namespace

// Field by field through reflection: copying the whole message and clearing
// the other fields (as this once did) cost a merge and a copy of every
// field, for each field an update or a merge touches.
void CopyField(const Message& from, const FieldDescriptor& field, Message* to) {
  to->GetReflection()->ClearField(to, &field);
  if (!HasValue(from, field)) return;
  if (!field.is_repeated()) return SetSingular(from, field, to);
  const int size = from.GetReflection()->FieldSize(from, &field);
  for (int i = 0; i < size; ++i) AddElement(from, field, i, to);
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

namespace {

// A message value for people: a timescale as written, a conflict candidate
// by its display value, anything else in protobuf's short text form.
std::string MessageDisplay(const Message& value) {
  if (value.GetDescriptor() == prevent::plan::v1::Timescale::descriptor()) {
    const auto& t = static_cast<const prevent::plan::v1::Timescale&>(value);
    if (!t.text().empty()) return t.text();
    return absl::StrCat(t.start(), "..", t.end(),
                        t.ongoing() ? " ongoing" : "");
  }
  if (const FieldDescriptor* display =
          value.GetDescriptor()->FindFieldByName("display_value");
      display != nullptr && display->type() == FieldDescriptor::TYPE_STRING &&
      !display->is_repeated()) {
    return value.GetReflection()->GetString(value, display);
  }
  return value.ShortDebugString();
}

// Element `i` of repeated `field` of `message`, for people.
std::string ElementDisplay(const Message& message, const FieldDescriptor& field,
                           int i) {
  const auto* reflection = message.GetReflection();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_ENUM:
      return reflection->GetRepeatedEnum(message, &field, i)->name();
    case FieldDescriptor::CPPTYPE_STRING:
      return reflection->GetRepeatedString(message, &field, i);
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return MessageDisplay(reflection->GetRepeatedMessage(message, &field, i));
    case FieldDescriptor::CPPTYPE_BOOL:
      return reflection->GetRepeatedBool(message, &field, i) ? "true" : "false";
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(reflection->GetRepeatedInt32(message, &field, i));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(reflection->GetRepeatedInt64(message, &field, i));
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(reflection->GetRepeatedUInt32(message, &field, i));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(reflection->GetRepeatedUInt64(message, &field, i));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return absl::StrCat(reflection->GetRepeatedDouble(message, &field, i));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return absl::StrCat(reflection->GetRepeatedFloat(message, &field, i));
  }
  return "";
}

}  // namespace

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
      values.push_back(ElementDisplay(*message, field, i));
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
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return MessageDisplay(reflection->GetMessage(*message, &field));
    default:
      return "";
  }
}

}  // namespace plan
