// A plan as a CSV table: one row per action, the way partners keep plans in
// spreadsheets, and the way they are mailed round for RAG updates.
//
//   std::string csv = WritePlanCsv(doc);
//   ASSIGN_OR_RETURN(ParsedPlan parsed, ParsePlanCsv(csv, doc.plan));
//   // parsed.document == doc, for a document whose ids and positions are
//   // the ones the CSV carries (see "Round trip" below).
//
// Format: RFC 4180. The first row is the header. A field is quoted when it
// holds a comma, a double quote, CR or LF; a quote inside a quoted field is
// doubled. The writer writes CRLF line ends and UTF-8 after a byte order mark,
// and guards cells a spreadsheet would run as formulas with an apostrophe
// (csv_cells.h); the reader skips the mark and takes the guard off.
//
// Columns. The first eight are required, in this order when written; a reader
// accepts them in any order, and names them case-, space- and
// punctuation-insensitively ("Lead Organisations", "lead_organisations"), in
// the singular or plural, and in a few common variants ("Actions",
// "Timescales", "RAG status", "Lead"):
//
//   strand              the strand's title ("Ideology"); may be empty
//   activity            the activity's title; required on every row
//   lead organisations  the activity's lead organisations, display names
//                       joined by "; " (a reader also splits on line breaks)
//   lead officer        the activity's lead officer, as written (a role)
//   action              the action's description; empty on the one row of an
//                       activity that has no actions
//   timescale           the action's timescale as written ("Feb 2024 – Mar
//                       2025", "Ongoing")
//   rag                 RED, AMBER, GREEN, BLUE (complete) or empty
//   owner               the action's owner organisation, a display name, or
//                       empty
//
// Optional columns, written after those (a reader uses them when present):
//
//   strand description  the strand's description
//   duty areas          the activity's duty areas: RISK; ACTION; RECOGNISE;
//                       PARTNERSHIP; REFERRAL; COMPLIANCE
//   strand id, activity id, action id
//                       the resources' ids (always written, so a re-imported
//                       spreadsheet updates the same resources)
//   lead organisation ids, owner id
//                       organisation ids, "; "-joined in the order of the
//                       lead organisations; written only when some id is not
//                       the one OrganisationIdFor derives from the name
//   lead organisation kinds, owner kind
//                       OrganisationKind names (POLICE, COUNCIL, ...) or
//                       empty; written only when some organisation has a kind
//   timescale start, timescale end, timescale ongoing
//                       months (YYYY-MM) and yes/no; written only when some
//                       action's months differ from what ParseTimescale
//                       derives from its text, and then filled only on those
//                       rows. A row with any of them filled uses all three
//                       instead of what the text gives.
//
// Activity-level cells (lead organisations, lead officer, duty areas, the ids
// and kinds of leads) and the strand description are written on every row of
// their activity; a reader takes each from the first of the activity's rows
// that fills it, accepts it empty on other rows, and warns when one differs.
//
// Round trip: ParsePlanCsv(WritePlanCsv(doc), doc.plan).document equals doc
// when doc's positions are the ones the reader assigns (first-appearance order,
// zero-padded: "0001", "0002", ...; at least four digits, all siblings the
// same width), its organisations are exactly those its leads and owners name,
// in order of first reference (each activity's leads, then its actions'
// owners; the plan's partners and organisations nothing names are not
// written), its text has no leading or trailing
// whitespace, timescale text is as ParseTimescale writes it, an action has a
// timescale only when it is not empty, and no organisation name holds ';'.
// Row order carries document order; positions are not written.
#ifndef LIBPLAN_FORMATS_CSV_H_
#define LIBPLAN_FORMATS_CSV_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libplan/formats/plan_document.h"

namespace plan {

// Inputs larger than this are refused whole.
inline constexpr size_t kMaxCsvBytes = 10 * 1024 * 1024;
// A physical line longer than this (in bytes) is refused.
inline constexpr size_t kMaxCsvLineBytes = 1024 * 1024;

// Renders `doc` as CSV: the header, then one row per action in document order
// (activities in `doc.activities` order, each activity's actions in order), and
// one row with an empty action for an activity with no actions. References to
// organisations or strands missing from `doc` are written as their ids. Never
// fails.
std::string WritePlanCsv(const PlanDocument& doc);

// Reads a plan written as CSV (by WritePlanCsv or by a spreadsheet) into a
// document for `plan`, whose name (`plans/{p}`) names every resource and which
// is copied as the document's plan.
//
// Accepts UTF-8 with or without a byte order mark, CRLF, LF or CR line ends,
// and quoted fields with embedded line breaks. Blank rows are skipped.
// Leading and trailing whitespace of every cell is ignored. Rows with the same
// strand and activity (or the same activity id) form one activity, wherever
// they are; strands, activities and actions come in order of first
// appearance, with positions as described above. Ids come from the id columns
// when present, otherwise from SlugId of the strand title, the activity title
// and the action description (40 characters), made unique with "-2", "-3".
// Organisations come from the lead and owner cells (OrganisationIdFor and
// OrganisationDisplayName, unless id columns say otherwise). Timescales come
// from ParseTimescale(text), unless the timescale start/end/ongoing columns
// say otherwise. Every assumption is returned as a warning with its line.
//
// Returns INVALID_ARGUMENT, and nothing else, when the input cannot be read as
// a plan: "line L, column C: why". For a problem in a cell, C is the field's
// number as a spreadsheet counts columns (1 = first) and the column is named;
// for a problem in the text itself (quotes, encoding, NUL bytes, line length),
// C is the character position in the line. Errors about the whole input
// (empty, too large, UTF-16, `plan` not named plans/{p}) carry no position.
absl::StatusOr<ParsedPlan> ParsePlanCsv(absl::string_view content,
                                        const v1::Plan& plan);

}  // namespace plan

#endif  // LIBPLAN_FORMATS_CSV_H_
