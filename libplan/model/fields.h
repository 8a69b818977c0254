// Reflection helpers over the public resource messages.
//
// A resource's *data fields* are all its fields except the output-only common
// ones (name, etag, create_time, update_time, delete_time). A field's *value
// bytes* are the resource message with only that field set, serialized
// deterministically: an encoding that compares equal exactly when the values
// are equal, and that is empty for a field's default value.
#ifndef LIBPLAN_MODEL_FIELDS_H_
#define LIBPLAN_MODEL_FIELDS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace plan {

// Whether `field` is one of the output-only common fields.
bool IsOutputOnlyField(absl::string_view field);

// The data fields of `descriptor`, in field number order.
std::vector<const google::protobuf::FieldDescriptor*> DataFields(
    const google::protobuf::Descriptor& descriptor);

// Whether `field` holds a non-default value in `message`.
bool HasValue(const google::protobuf::Message& message,
              const google::protobuf::FieldDescriptor& field);

// The value bytes of `field` in `message`.
std::string FieldValueBytes(const google::protobuf::Message& message,
                            const google::protobuf::FieldDescriptor& field);

// Sets `field` of `to` to its value in `from` (same message type).
void CopyField(const google::protobuf::Message& from,
               const google::protobuf::FieldDescriptor& field,
               google::protobuf::Message* to);

// The value of `field` in value bytes of `type`, as text for people: strings
// as they are, enums by name, lists joined by ", ", a timescale by its text,
// a conflict candidate by its display value. Any field of any resource type
// has one (a report of changes shows every field a change touched).
std::string DisplayValue(const google::protobuf::Descriptor& type,
                         const google::protobuf::FieldDescriptor& field,
                         const std::string& value_bytes);

// `message` serialized deterministically (maps sorted).
std::string SerializeDeterministic(const google::protobuf::Message& message);

}  // namespace plan

#endif  // LIBPLAN_MODEL_FIELDS_H_
