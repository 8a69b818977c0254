// Assembling the actions of one activity of a prevent-text plan table
// (prevent_text.h) from its rows (prevent_table.h), and giving each its
// timescale.
//
//   std::vector<DateEntry> dates = ActivityDates(raw);
//   std::vector<ActionDraft> actions = SplitActions(raw, dates, &warnings);
//   AssignTimescales(raw, std::move(dates), &actions, &warnings);
#ifndef LIBPLAN_FORMATS_PREVENT_ACTIONS_H_
#define LIBPLAN_FORMATS_PREVENT_ACTIONS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "libplan/formats/import_support.h"
#include "libplan/formats/plan_document.h"
#include "libplan/formats/prevent_table.h"

namespace plan::prevent_text {

// One date of an activity's timescale column.
struct DateEntry {
  std::string text;
  int line = 0;
  size_t row = 0;  // index into RawActivity::rows
};

// One action assembled from rows.
struct ActionDraft {
  std::string text;
  std::string owner;   // the lead cell naming its organisation, or empty
  int owner_line = 0;  // the line of `owner`
  int line = 0;        // the line it starts on
  size_t first_row = 0;
  size_t last_row = 0;  // the rows it spans, indices into RawActivity::rows
  bool list = false;    // ends in ":" and takes the rows below as items
  int list_items = 0;
  std::string rag;  // as written
  std::optional<v1::Timescale> timescale;
};

// The dates in one timescale cell: the cell itself, unless ParseTimescale
// reads it with a note and it is, whole, two or more dates or ranges one
// after another ("February 2024 February 2024"; at most 24 words). Each is
// then the longest run of words from where the last ended that
// ParseTimescale reads with no note and with a start month or as ongoing.
std::vector<std::string> SplitDates(const std::string& cell);

// The dates of the timescale column of `raw`, in row order, each cell split
// by SplitDates.
std::vector<DateEntry> ActivityDates(const RawActivity& raw);

// The actions the action cells of `raw` make, in order. A row's action
// continues the one above when the row wraps it, starts in lower case, or
// the one above ends mid-sentence (a comma, a dash, "and", ...); when the one
// above ends in ":", the rows that follow with no date of their own are its
// items, joined with ", ". A row naming an organisation in the lead column
// starts a new action owned by it: the action on the same row, else on the
// next row with one. `dates` (ActivityDates of `raw`) tell which rows have a
// date. Warns of an organisation that names no action and of each list.
std::vector<ActionDraft> SplitActions(const RawActivity& raw,
                                      const std::vector<DateEntry>& dates,
                                      WarningSink* warnings);

// Gives each of `actions` (SplitActions of `raw`) its timescale from `dates`
// (ActivityDates of `raw`):
// - an action beside as many dates as it has sentences becomes one action
//   per sentence, each with its date;
// - as many dates as actions are paired in order;
// - otherwise each action takes the dates beside its rows (several joined
//   with " / "), a date beside no action going to the action above it;
// - an action with no date of its own takes the timescale of the action
//   above.
// Warns of each of those, and of an action left with no timescale.
void AssignTimescales(const RawActivity& raw, std::vector<DateEntry> dates,
                      std::vector<ActionDraft>* actions, WarningSink* warnings);

// `text` as ParseTimescale reads it, warning at `line` of its note and
// cutting its text to kMaxTitleLength characters.
v1::Timescale ReadTimescale(const std::string& text, int line,
                            WarningSink* warnings);

}  // namespace plan::prevent_text

#endif  // LIBPLAN_FORMATS_PREVENT_ACTIONS_H_
