// Stable ids for what a plan names in prose: organisations written in lead
// cells, strand and activity titles.
//
//   OrganisationIdFor("Staffordshire Police")        -> "staffordshire-police"
//   OrganisationIdFor("South Staffordshire Council") ->
//   "south-staffordshire-council" OrganisationIdFor("SSC") ->
//   "south-staffordshire-council" SlugId("Risk Assessment and local
//   understanding", 40)
//       -> "risk-assessment-and-local-understanding"
#ifndef LIBPLAN_FORMATS_NAMING_H_
#define LIBPLAN_FORMATS_NAMING_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace plan {

// A valid resource id (libplan/model/names.h) made from `text`: lowercase
// ASCII letters and digits, every other run of characters one '-', "&" read as
// "and", at most `max_length` (<= 63) characters, cut at a word boundary when
// possible. "x" when nothing usable remains.
std::string SlugId(absl::string_view text, size_t max_length = 48);

// The organisation id for a name as a plan writes it. The same organisation
// written two ways gets one id: case, punctuation and spacing are ignored,
// and known abbreviations and variants map to the full name.
std::string OrganisationIdFor(absl::string_view written);

// The display name for an organisation as written: the full name for known
// abbreviations and variants, otherwise `written` with spaces collapsed.
std::string OrganisationDisplayName(absl::string_view written);

}  // namespace plan

#endif  // LIBPLAN_FORMATS_NAMING_H_
