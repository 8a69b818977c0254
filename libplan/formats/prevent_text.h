// The importer for "prevent-text": the tab-separated text a PDF extractor
// makes of a council's Prevent action plan, such as the South Staffordshire
// Prevent Action Plan 2023-2025 (deploy/demo/).
//
//   ASSIGN_OR_RETURN(ParsedPlan parsed,
//                    ParsePreventText(text, "plans/south-staffordshire"));
//   for (const FormatWarning& w : parsed.warnings) ... show w.line, w.message
//
// What the input looks like. Narrative pages come first and are skipped. The
// plan table starts at its first column header row ("Activity<TAB>Lead
// Officer & Organisation<TAB>Actions<TAB>Timescales<TAB>RAG"); the header is
// repeated on every page and under every strand, and gives the column of each
// cell. A strand header row ("Ideology - responding to ...") starts a strand.
// A row with an activity title starts an activity; rows with an empty first
// cell continue it: they wrap a cell of the row above, add an action, name
// the organisation owning one action, or add a timescale. PDF extraction adds
// debris: page banners ("TO MAKE SOUTH STE"), footers split into one word per
// cell, stray punctuation, blank lines at page breaks.
//
// How it is read, as a reader of the PDF would (every assumption is a
// warning with its line):
// - Plan: title from the table's title row (else the first line that names a
//   plan); area is the title's words before "Prevent"; level DISTRICT for an
//   "Action Plan", COUNTY for a "Delivery Plan"; a "2023-2025" in the title
//   is the UK financial years April 2023 to March 2025. The partner
//   organisations are every organisation the table names.
// - Strands: "Title - description" rows; the description's words split
//   across cells are rejoined ("f<TAB>rom" -> "from", "terrorisr<TAB>n" ->
//   "terrorism"), checked against the words of the document itself.
// - Activities: titles and lead cells wrapped over several rows are joined.
//   A lead cell is split into organisations (councils, police, probation,
//   prisons such as "HMP Oakwood", and known partners such as "Support
//   Staffordshire"); what remains is the lead officer, as written ("Channel
//   Co-ordinator"). A lead cell of "All" or "All partners" names no
//   organisation. A lead officer that names people is kept and warned about.
// - Actions: a wrapped action (the row above ends mid-sentence, or this row
//   starts in lower case) continues it; a list after a line ending in ":" is
//   one action listing its items; a row naming an organisation in the lead
//   column starts an action owned by that organisation. A timescale cell with
//   one date per sentence splits the sentences into actions; as many dates
//   as actions are paired in order; an action with no date of its own takes
//   the timescale of the action above.
// - Ids: SlugId of strand and activity titles and of action descriptions (40
//   characters), made unique with "-2", "-3"; organisations by
//   OrganisationIdFor. Positions: "0001", "0002", ... (at least four digits,
//   all siblings the same width) in document order. Text longer than the
//   model allows is cut at a character boundary, with a warning.
//
// Returns INVALID_ARGUMENT with "line L, column C: why" (C counts characters
// from 1) when the input cannot be read: it is empty, larger than 10 MiB, has
// a line longer than 1 MiB, is binary (a NUL byte, or mostly control
// characters), is not valid UTF-8, or holds no plan table (no column header
// row, or no activity under it). INVALID_ARGUMENT without a position when
// `plan_name` is not `plans/{plan}`. Never fails otherwise; every resource in
// a returned document passes ValidateFields.
#ifndef LIBPLAN_FORMATS_PREVENT_TEXT_H_
#define LIBPLAN_FORMATS_PREVENT_TEXT_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libplan/formats/plan_document.h"

namespace plan {

// Inputs larger than this are refused whole.
inline constexpr size_t kMaxPreventTextBytes = 10 * 1024 * 1024;
// A line longer than this (in bytes) is refused.
inline constexpr size_t kMaxPreventTextLineBytes = 1024 * 1024;

// Reads prevent-text `content` into a document for the plan `plan_name`
// ("plans/south-staffordshire"), which names every resource in it.
absl::StatusOr<ParsedPlan> ParsePreventText(absl::string_view content,
                                            absl::string_view plan_name);

}  // namespace plan

#endif  // LIBPLAN_FORMATS_PREVENT_TEXT_H_
