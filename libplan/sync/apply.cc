#include "libplan/sync/apply.h"

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/timestamp.pb.h"
#include "libplan/clock/hybrid_clock.h"
#include "libplan/model/fields.h"
#include "libplan/util/status_macros.h"
#include "libplan/util/timestamp.h"
#include "prevent/plan/v1/resources.pb.h"

namespace plan {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

void SetTime(Message* message, const char* field, uint64_t hlc) {
  const FieldDescriptor* descriptor =
      message->GetDescriptor()->FindFieldByName(field);
  if (descriptor == nullptr) return;
  auto* timestamp = static_cast<google::protobuf::Timestamp*>(
      message->GetReflection()->MutableMessage(message, descriptor));
  *timestamp = ToTimestamp(HybridClock::ToTime(hlc));
}

void ClearField(Message* message, const char* field) {
  const FieldDescriptor* descriptor =
      message->GetDescriptor()->FindFieldByName(field);
  if (descriptor != nullptr) {
    message->GetReflection()->ClearField(message, descriptor);
  }
}

// Soft-deletes (DELETE) or restores (UNDELETE) per `change`.
void SetDeleted(const v1::Change& change, Message* resource,
                storage::Entity* entity) {
  const bool deleting = change.operation() == v1::Change::DELETE;
  if (deleting) {
    SetTime(resource, "delete_time", change.hlc());
  } else {
    ClearField(resource, "delete_time");
  }
  entity->set_deleted(deleting);
}

// Sets the fields of `change` on `resource`.
absl::Status SetFields(const v1::Change& change, Message* resource) {
  const Descriptor* type = resource->GetDescriptor();
  for (const v1::FieldChange& field : change.fields()) {
    const FieldDescriptor* descriptor = type->FindFieldByName(field.field());
    if (descriptor == nullptr || IsOutputOnlyField(field.field())) {
      return absl::InvalidArgumentError(absl::StrCat(
          change.target(), ": \"", field.field(), "\" is not a data field"));
    }
    std::unique_ptr<Message> value(resource->New());
    if (!value->ParseFromString(field.value())) {
      return absl::InvalidArgumentError(absl::StrCat(
          change.target(), ": the value of ", field.field(), " is unreadable"));
    }
    CopyField(*value, *descriptor, resource);
  }
  return absl::OkStatus();
}

// ApplyServiceChange, once the resource it applies to is parsed.
absl::Status ApplyParsed(const v1::Change& change, bool replica,
                         Message* resource, storage::Entity* entity) {
  storage::Version version;
  version.set_hlc(change.hlc());
  version.set_replica_id(change.replica_id());
  version.set_change_id(change.change_id());
  version.set_organisation(change.organisation());
  version.set_service_sequence(change.sequence());
  switch (change.operation()) {
    case v1::Change::CREATE:
      resource->Clear();
      SetTime(resource, "create_time", change.hlc());
      entity->clear_field_versions();
      entity->set_deleted(false);
      *entity->mutable_lifecycle_version() = version;
      break;
    case v1::Change::UPDATE:
      break;
    case v1::Change::DELETE:
    case v1::Change::UNDELETE:
      SetDeleted(change, resource, entity);
      *entity->mutable_lifecycle_version() = version;
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(change.target(), ": unknown operation"));
  }
  RETURN_IF_ERROR(SetFields(change, resource));
  for (const v1::FieldChange& field : change.fields()) {
    (*entity->mutable_field_versions())[field.field()] = version;
  }
  const FieldDescriptor* name_field =
      resource->GetDescriptor()->FindFieldByName("name");
  resource->GetReflection()->SetString(resource, name_field, change.target());
  resource->GetReflection()->SetString(
      resource, resource->GetDescriptor()->FindFieldByName("etag"),
      ServiceEtag(change.sequence()));
  SetTime(resource, "update_time", change.hlc());
  entity->set_resource(SerializeDeterministic(*resource));
  if (replica) {
    entity->set_service_known(true);
    entity->set_service_resource(entity->resource());
    entity->set_service_deleted(entity->deleted());
  }
  return absl::OkStatus();
}

}  // namespace

std::string ServiceEtag(uint64_t sequence) {
  return absl::StrCat("\"", absl::Hex(sequence), "\"");
}

std::unique_ptr<Message> NewResource(Kind kind) {
  return std::unique_ptr<Message>(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(InfoOf(kind).descriptor)
          ->New());
}

absl::Status ApplyServiceChange(const v1::Change& change, bool replica,
                                storage::Entity* entity) {
  ASSIGN_OR_RETURN(ResourceName name, ResourceName::Parse(change.target()));
  std::unique_ptr<Message> resource = NewResource(name.kind());
  if (replica) {
    // Start from the service's image, not from what local edits made of it.
    entity->set_resource(entity->service_resource());
    entity->set_deleted(entity->service_deleted());
  }
  if (!entity->resource().empty() &&
      !resource->ParseFromString(entity->resource())) {
    return absl::DataLossError(absl::StrCat(change.target(), " is corrupt"));
  }
  return ApplyParsed(change, replica, resource.get(), entity);
}

absl::Status ApplyServiceChange(const v1::Change& change, Message* resource,
                                storage::Entity* entity) {
  return ApplyParsed(change, /*replica=*/false, resource, entity);
}

absl::Status ApplyPendingChange(const v1::Change& change,
                                storage::Entity* entity) {
  ASSIGN_OR_RETURN(ResourceName name, ResourceName::Parse(change.target()));
  std::unique_ptr<Message> resource = NewResource(name.kind());
  if (!entity->resource().empty() &&
      !resource->ParseFromString(entity->resource())) {
    return absl::DataLossError(absl::StrCat(change.target(), " is corrupt"));
  }
  const auto* name_field = resource->GetDescriptor()->FindFieldByName("name");
  resource->GetReflection()->SetString(resource.get(), name_field,
                                       change.target());
  switch (change.operation()) {
    case v1::Change::CREATE:
      if (entity->resource().empty()) {
        SetTime(resource.get(), "create_time", change.hlc());
      }
      entity->set_deleted(false);
      break;
    case v1::Change::DELETE:
    case v1::Change::UNDELETE:
      SetDeleted(change, resource.get(), entity);
      break;
    default:
      break;
  }
  RETURN_IF_ERROR(SetFields(change, resource.get()));
  SetTime(resource.get(), "update_time", change.hlc());
  entity->set_resource(SerializeDeterministic(*resource));
  return absl::OkStatus();
}

}  // namespace plan
