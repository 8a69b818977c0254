#include "libplan/merge/field_merge.h"

#include <memory>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/message.h"
#include "libplan/merge/set_merge.h"
#include "libplan/merge/text_merge.h"
#include "libplan/model/fields.h"
#include "prevent/plan/v1/resources.pb.h"

namespace plan {
namespace {

namespace v1 = ::prevent::plan::v1;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Whether `field` is the string field `number` of a message named like
// `type` (of whichever descriptor pool).
bool IsStringField(const FieldDescriptor& field, const Descriptor& type,
                   int number) {
  return field.containing_type()->full_name() == type.full_name() &&
         field.number() == number &&
         field.cpp_type() == FieldDescriptor::CPPTYPE_STRING;
}

// Makes empty messages of one type, generated or not.
class MessageMaker {
 public:
  explicit MessageMaker(const Descriptor& type) {
    prototype_ =
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(
            &type);
    if (prototype_ == nullptr) {
      dynamic_factory_ =
          std::make_unique<google::protobuf::DynamicMessageFactory>();
      prototype_ = dynamic_factory_->GetPrototype(&type);
    }
  }

  std::unique_ptr<Message> New() const {
    return std::unique_ptr<Message>(prototype_->New());
  }

  // The message `bytes` encode, or nullptr when they do not parse.
  std::unique_ptr<Message> Parse(const std::string& bytes) const {
    std::unique_ptr<Message> message = New();
    if (!message->ParseFromString(bytes)) return nullptr;
    return message;
  }

 private:
  std::unique_ptr<google::protobuf::DynamicMessageFactory> dynamic_factory_;
  const Message* prototype_ = nullptr;
};

// Appends element `index` of the repeated `field` of `from` to `to`.
void AddElement(const Message& from, const FieldDescriptor& field, int index,
                Message* to) {
  const Reflection& get = *from.GetReflection();
  const Reflection& add = *to->GetReflection();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      add.AddInt32(to, &field, get.GetRepeatedInt32(from, &field, index));
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      add.AddInt64(to, &field, get.GetRepeatedInt64(from, &field, index));
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      add.AddUInt32(to, &field, get.GetRepeatedUInt32(from, &field, index));
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      add.AddUInt64(to, &field, get.GetRepeatedUInt64(from, &field, index));
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      add.AddDouble(to, &field, get.GetRepeatedDouble(from, &field, index));
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
      add.AddFloat(to, &field, get.GetRepeatedFloat(from, &field, index));
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      add.AddBool(to, &field, get.GetRepeatedBool(from, &field, index));
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      add.AddEnumValue(to, &field,
                       get.GetRepeatedEnumValue(from, &field, index));
      break;
    case FieldDescriptor::CPPTYPE_STRING:
      add.AddString(to, &field, get.GetRepeatedString(from, &field, index));
      break;
    case FieldDescriptor::CPPTYPE_MESSAGE:
      add.AddMessage(to, &field)
          ->CopyFrom(get.GetRepeatedMessage(from, &field, index));
      break;
  }
}

// The elements of a set-valued field, each as the value bytes of a message
// holding just that element: an exact, comparable key for any element type.
class SetElements {
 public:
  SetElements(const MessageMaker& maker, const FieldDescriptor& field)
      : maker_(maker), field_(field) {}

  // The keys of the elements `bytes` hold, in order; nullopt when `bytes` do
  // not parse.
  std::optional<std::vector<std::string>> Decode(const std::string& bytes) {
    std::unique_ptr<Message> message = maker_.Parse(bytes);
    if (message == nullptr) return std::nullopt;
    std::vector<std::string> keys;
    const int size = message->GetReflection()->FieldSize(*message, &field_);
    for (int i = 0; i < size; ++i) {
      std::unique_ptr<Message> single = maker_.New();
      AddElement(*message, field_, i, single.get());
      keys.push_back(SerializeDeterministic(*single));
    }
    return keys;
  }

  // The value bytes of the set holding the elements `keys` (each returned by
  // Decode), in order.
  std::string Encode(const std::vector<std::string>& keys) const {
    std::unique_ptr<Message> set = maker_.New();
    for (const std::string& key : keys) set->MergeFromString(key);
    return FieldValueBytes(*set, field_);
  }

 private:
  const MessageMaker& maker_;
  const FieldDescriptor& field_;
};

std::optional<std::string> MergeSetValues(const MessageMaker& maker,
                                          const FieldDescriptor& field,
                                          const CurrentField& current,
                                          const IncomingField& incoming) {
  SetElements elements(maker, field);
  std::optional<std::vector<std::string>> base = elements.Decode(incoming.base);
  std::optional<std::vector<std::string>> ours = elements.Decode(current.value);
  std::optional<std::vector<std::string>> theirs =
      elements.Decode(incoming.value);
  if (!base || !ours || !theirs) return std::nullopt;
  return elements.Encode(MergeSets(*base, *ours, *theirs));
}

std::optional<std::string> MergeTextValues(const MessageMaker& maker,
                                           const FieldDescriptor& field,
                                           const CurrentField& current,
                                           const IncomingField& incoming) {
  std::unique_ptr<Message> base = maker.Parse(incoming.base);
  std::unique_ptr<Message> ours = maker.Parse(current.value);
  std::unique_ptr<Message> theirs = maker.Parse(incoming.value);
  if (base == nullptr || ours == nullptr || theirs == nullptr) {
    return std::nullopt;
  }
  const Reflection& reflection = *base->GetReflection();
  std::optional<std::string> merged = MergeText(
      reflection.GetString(*base, &field), reflection.GetString(*ours, &field),
      reflection.GetString(*theirs, &field));
  if (!merged.has_value()) return std::nullopt;
  std::unique_ptr<Message> message = maker.New();
  reflection.SetString(message.get(), &field, *std::move(merged));
  return FieldValueBytes(*message, field);
}

// Whether the incoming candidate is the provisional winner: the later write
// (WritesLater), then the greater value.
bool IncomingWins(const CurrentField& current, const IncomingField& incoming) {
  if (incoming.hlc != current.hlc ||
      incoming.replica_id != current.replica_id) {
    return WritesLater(incoming.hlc, incoming.replica_id, current.hlc,
                       current.replica_id);
  }
  return incoming.value > current.value;
}

}  // namespace

bool WritesLater(uint64_t hlc, const std::string& replica_id,
                 uint64_t other_hlc, const std::string& other_replica_id) {
  if (hlc != other_hlc) return hlc > other_hlc;
  return replica_id > other_replica_id;
}

FieldKind KindOfField(const FieldDescriptor& field) {
  if (field.is_repeated()) return FieldKind::kSet;
  if (IsStringField(field, *v1::Action::descriptor(),
                    v1::Action::kDescriptionFieldNumber) ||
      IsStringField(field, *v1::Strand::descriptor(),
                    v1::Strand::kDescriptionFieldNumber) ||
      IsStringField(field, *v1::ProgressUpdate::descriptor(),
                    v1::ProgressUpdate::kNoteFieldNumber)) {
    return FieldKind::kText;
  }
  return FieldKind::kScalar;
}

FieldMerge MergeField(const Descriptor& type, const FieldDescriptor& field,
                      const CurrentField& current,
                      const IncomingField& incoming) {
  using Outcome = FieldMerge::Outcome;
  if (current.sequence == incoming.base_sequence) {
    return {Outcome::kFastForward, incoming.value};
  }
  if (incoming.value == current.value) {
    return {Outcome::kIdentical, current.value};
  }
  if (!current.replica_id.empty() &&
      current.replica_id == incoming.replica_id &&
      current.value == incoming.base) {
    // The current value is the editor's own earlier edit as the editor made
    // it, so the editor saw it: a later edit there replaces it (no conflict
    // with oneself). Had the service merged others' edits into it, the
    // editor would not have seen those: the merge below keeps them.
    return {Outcome::kFastForward, incoming.value};
  }
  if (incoming.value == incoming.base) {
    return {Outcome::kIdentical, current.value};
  }
  std::optional<std::string> merged;
  if (field.containing_type() == &type) {
    const MessageMaker maker(type);
    switch (KindOfField(field)) {
      case FieldKind::kSet:
        merged = MergeSetValues(maker, field, current, incoming);
        break;
      case FieldKind::kText:
        merged = MergeTextValues(maker, field, current, incoming);
        break;
      case FieldKind::kScalar:
        break;
    }
  }
  if (merged.has_value()) {
    if (*merged == current.value) return {Outcome::kIdentical, current.value};
    return {Outcome::kMerged, *std::move(merged)};
  }
  const bool incoming_won = IncomingWins(current, incoming);
  return {Outcome::kConflict, incoming_won ? incoming.value : current.value,
          incoming_won};
}

}  // namespace plan
