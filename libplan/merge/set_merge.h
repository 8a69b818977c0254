// Three-way merge of a repeated field used as a set (an activity's
// lead_organisations and duty_areas, a plan's partner_organisations).
//
// Both edits always survive: an element one side added is kept, an element one
// side removed is removed, so a set merge is never a conflict. Elements are
// opaque strings (an enum value as its name or its number: the caller decides)
// compared byte for byte.
//
//   // The service added the police; the editor removed the council.
//   MergeSets({"council"}, {"council", "police"}, {})  // => {"police"}
#ifndef LIBPLAN_MERGE_SET_MERGE_H_
#define LIBPLAN_MERGE_SET_MERGE_H_

#include <string>
#include <vector>

namespace plan {

// Merges the set `incoming` (an edit of `base`) into `current` (another edit
// of `base`). An element is in the result exactly when
//   - it is in `base`: both `current` and `incoming` still hold it;
//   - it is not in `base`: `current` or `incoming` (or both) added it.
// The result lists the kept elements of `current` in `current`'s order, then
// the elements `incoming` added in `incoming`'s order. It holds no duplicates
// (of repeated elements in an input only the first counts). Deterministic: the
// same inputs give the same result, byte for byte.
std::vector<std::string> MergeSets(const std::vector<std::string>& base,
                                   const std::vector<std::string>& current,
                                   const std::vector<std::string>& incoming);

}  // namespace plan

#endif  // LIBPLAN_MERGE_SET_MERGE_H_
