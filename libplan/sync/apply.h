// Applying a logged change to a stored entity, the same way everywhere: how a
// sync agent applies what it pulls, and re-applies its pending edits on top.
// Resource times and etags derive from the change (its HLC and service
// sequence), so a replica that applied the service's log holds the service's
// bytes exactly.
#ifndef LIBPLAN_SYNC_APPLY_H_
#define LIBPLAN_SYNC_APPLY_H_

#include <string>

#include "absl/status/status.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "libplan/model/fields.h"
#include "libplan/model/names.h"
#include "libplan/storage/store.h"

namespace plan {

// The etag of a resource last written by service change `sequence`.
std::string ServiceEtag(uint64_t sequence);

// Applies `change` (a change of the service's log, with its sequence) to
// `entity` (empty for a resource this replica has not seen), as the service
// did. With `replica`, it applies to the entity's service image and resets
// what the replica serves to that image (pending changes are re-applied by
// the caller). InvalidArgument when the change does not fit the resource.
absl::Status ApplyServiceChange(const v1::Change& change, bool replica,
                                storage::Entity* entity);
// The same on the service, with `entity`'s resource already parsed into
// `resource` (of the change's kind; empty when there is none), which it
// leaves changed.
absl::Status ApplyServiceChange(const v1::Change& change,
                                google::protobuf::Message* resource,
                                storage::Entity* entity);

// Re-applies a pending local `change` (from the outbox) on top of `entity`,
// so the replica shows local work not yet acknowledged. The fields keep their
// service versions.
absl::Status ApplyPendingChange(const v1::Change& change,
                                storage::Entity* entity);

// A new, empty message of the resource type of `kind`.
std::unique_ptr<google::protobuf::Message> NewResource(Kind kind);

}  // namespace plan

#endif  // LIBPLAN_SYNC_APPLY_H_
