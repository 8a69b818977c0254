// Merging one pushed field change into the plan service's current field.
//
// In hub-and-spoke replication every field on the service carries the
// sequence number of the change that last wrote it, and a pushed change
// carries, per field, the value the editor saw (`base`) and that value's
// sequence (`base_sequence`). Equal sequences mean nobody else wrote the field
// since the editor saw it, exactly: concurrency is decided by versions, never
// by clocks. Clocks (HLCs) only order the provisional winner of a conflict.
//
// Values are *value bytes* (libplan/model/fields.h): the resource message with
// only that field set, serialized deterministically; empty for the default.
//
//   FieldMerge merge = MergeField(*Action::descriptor(), *description,
//                                 current, incoming);
//   if (merge.outcome == FieldMerge::Outcome::kConflict) {
//     // Store merge.value, and record both current.value and incoming.value
//     // as the conflict's candidates.
//   }
#ifndef LIBPLAN_MERGE_FIELD_MERGE_H_
#define LIBPLAN_MERGE_FIELD_MERGE_H_

#include <cstdint>
#include <string>

#include "google/protobuf/descriptor.h"

namespace plan {

// How a field's concurrent edits combine.
enum class FieldKind {
  kScalar,  // One value: concurrent different edits conflict.
  kSet,     // A set: merged three-way (MergeSets), never a conflict.
  kText,    // Long text: merged three-way by words (MergeText).
};

// Which kind a field of a resource message is: repeated fields are sets;
// Action.description, Strand.description and ProgressUpdate.note are text;
// everything else scalar.
FieldKind KindOfField(const google::protobuf::FieldDescriptor& field);

// The service's current value of a field and the version that wrote it.
struct CurrentField {
  std::string value;       // Value bytes.
  uint64_t sequence = 0;   // Sequence of the change that last wrote it.
  uint64_t hlc = 0;        // HLC of that change.
  std::string replica_id;  // Replica that made that change.
};

// A pushed change to a field.
struct IncomingField {
  std::string value;           // The new value bytes.
  std::string base;            // The value bytes the editor saw.
  uint64_t base_sequence = 0;  // Service sequence of `base`; 0: never seen.
  uint64_t hlc = 0;            // HLC of the change.
  std::string replica_id;      // Replica that made the change.
};

// What to do with the field.
struct FieldMerge {
  enum class Outcome {
    kFastForward,  // The incoming edit applies as is: store `value`.
    kIdentical,    // Nothing changes: `value` is the current value.
    kMerged,       // Both edits combined into `value`: store it.
    kConflict,     // Concurrent edits that do not combine: store `value`.
  };
  Outcome outcome;
  std::string value;          // the value bytes to store
  bool incoming_won = false;  // for kConflict: whether the incoming value is
                              // the provisional winner
};

// Whether a write at `hlc` by replica `replica_id` is later than one at
// `other_hlc` by `other_replica_id`, in the order that picks a conflict's
// provisional winner: the later HLC, ties broken by the greater replica id.
// Concurrent deletes of one resource are ordered the same way (the later one
// is the delete the resource keeps; service/change_decision.h).
bool WritesLater(uint64_t hlc, const std::string& replica_id,
                 uint64_t other_hlc, const std::string& other_replica_id);

// Merges the pushed change `incoming` to `field` of message type `type` into
// the service's `current` field (all values are value bytes of `type`). The
// first rule that applies decides:
//   (a) current.sequence == incoming.base_sequence (nobody wrote the field
//       since the editor saw it): kFastForward to incoming.value;
//   (b) incoming.value == current.value: kIdentical;
//   (c) current.replica_id == incoming.replica_id and current.value ==
//       incoming.base (the current value is the editor's own earlier edit,
//       as the editor made it, so the editor saw it): kFastForward. When the
//       service merged others' edits into that earlier edit, the editor has
//       not seen them, and the rules below merge them in. Equal values alone
//       never decide it: a field written A -> B -> A by others meanwhile is
//       still a concurrent change, decided by versions;
//   (c') incoming.value == incoming.base (the change leaves this field as the
//       editor saw it): kIdentical, so a field that was not edited never
//       reverts a concurrent edit;
//   (d) sets: the three sets merged by MergeSets (elements compared by their
//       encoding), re-encoded deterministically; kIdentical when the merge
//       equals current.value, else kMerged. Never a conflict;
//   (e) text: MergeText of the three texts; kIdentical when the merge equals
//       current.value, kMerged when it is another clean merge; an overlap
//       falls through to (f);
//   (f) kConflict. The provisional winner is the later HLC, ties broken by the
//       greater replica_id, then by the greater value bytes, so every replica
//       given the same two candidates picks the same one whichever side it
//       holds; `value` is the winner's value. A conflict never drops an edit:
//       the caller keeps both current.value and incoming.value as the
//       conflict's candidates, and stores `value` meanwhile.
// Sets and text whose value bytes do not parse as `type` (or a `field` that is
// not a field of `type`) cannot be merged and go to (f). Map fields are
// repeated, so they would be merged as sets of entries; resources have none.
// Pure: no I/O, no clocks; the same arguments always give the same result.
FieldMerge MergeField(const google::protobuf::Descriptor& type,
                      const google::protobuf::FieldDescriptor& field,
                      const CurrentField& current,
                      const IncomingField& incoming);

}  // namespace plan

#endif  // LIBPLAN_MERGE_FIELD_MERGE_H_
