// Reading the lead cell of a prevent-text plan table (prevent_text.h): which
// organisations it names, and the officer or note that remains.
//
//   LeadReading lead = ReadLead("Channel Co-ordinator Staffordshire Police");
//   // lead.organisations: {"Staffordshire Police"}
//   // lead.officer: "Channel Co-ordinator"
#ifndef LIBPLAN_FORMATS_PREVENT_LEAD_H_
#define LIBPLAN_FORMATS_PREVENT_LEAD_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "libplan/formats/plan_document.h"

namespace plan::prevent_text {

struct LeadReading {
  // The organisations named, as written, in the order the cell names them.
  std::vector<std::string> organisations;
  // The lead officer (or a note kept in its place), as written, or empty.
  std::string officer;
  // What was assumed, one message each, for warnings.
  std::vector<std::string> notes;
};

// Splits a lead cell (its words separated by single spaces) into
// organisations and what remains:
// - "All", "All partners" and the like name no organisation; the cell is the
//   officer, with a note.
// - An organisation is a known partner's name ("Support Staffordshire",
//   "Entrust", ...), a prison ("HMP Oakwood", "HMP & YOI Brinsford"), or
//   capitalised words ending in a head word such as "Council", "Police",
//   "Probation" or "Trust", led by places and modifiers ("South
//   Staffordshire Council", "Staffordshire County Council"). "Staffordshire
//   Police Prevent (Team)" is Staffordshire Police, with a note.
// - With no organisation found, a cell naming a role ("Channel Co-ordinator")
//   is the officer; any other is read as one organisation's name. Either way
//   with a note.
// - What remains beside organisations is the officer. When it ends in a
//   connecting word or "promoted" (a sentence, not a role), the whole cell is
//   kept as the officer, with a note; when it names people (two or more
//   capitalised words, none a role, place or body), it is kept, with a note.
// An empty cell reads as nothing.
LeadReading ReadLead(absl::string_view text);

// The kind of an organisation, from the words of its display name: POLICE,
// PROBATION, PRISON, COUNCIL, HEALTH, EDUCATION, VOLUNTARY, else OTHER.
v1::OrganisationKind KindOf(absl::string_view display_name);

}  // namespace plan::prevent_text

#endif  // LIBPLAN_FORMATS_PREVENT_LEAD_H_
