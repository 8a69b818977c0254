// Reading the plan table of prevent-text input (prevent_text.h) into rows:
// which column is which, what each row is, and the strands and activities
// the rows make, as written, before they become resources.
//
//   RawTable table = ReadTable(lines, header_index, plan.title(), &warnings);
//   for (const RawActivity& activity : table.activities) ...
#ifndef LIBPLAN_FORMATS_PREVENT_TABLE_H_
#define LIBPLAN_FORMATS_PREVENT_TABLE_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "libplan/formats/import_support.h"

namespace plan::prevent_text {

// The index of each column, from the last column header row; -1 for a
// column the header does not name.
struct Columns {
  int activity = 0;
  int lead = 1;
  int action = 2;
  int timescale = 3;
  int rag = 4;
  int width = 5;  // cells in the header row
};

// The tab-separated cells of `line`, each with its whitespace collapsed
// (CollapseSpaces), without the empty cells that end it.
std::vector<std::string> Cells(absl::string_view line);

// cells[index], or an empty string when there is no such cell.
const std::string& CellAt(const std::vector<std::string>& cells, int index);

// The columns a column header row gives, or nullopt when `cells` is not one.
// A header starts with "Activity" (or "Activities"), then names, in any
// order, the lead ("Lead ..."), the actions ("Action..."), the timescales
// ("Timescale...", "Timeline...", "Target date...", "When") and the RAG
// status ("RAG", "RAG ...", "Status"); case aside. Actions and timescales
// are required.
std::optional<Columns> ColumnHeader(const std::vector<std::string>& cells);

enum class RowKind {
  kBlank,   // no cell filled
  kHeader,  // a column header row
  kDebris,  // left by extraction: punctuation, a page banner or footer
  kOther,   // anything else: a strand header or a row of an activity
};

struct RowClass {
  RowKind kind = RowKind::kOther;
  // Why a kDebris row is debris ("a page banner"), for a warning; else empty.
  absl::string_view why;
};

// What the row whose cells are `cells` is, under `columns`. Debris is a row
// with no letter or digit; a page footer split one word per cell (four or
// more cells, and a RAG cell that is no RAG status) or filling cells beyond
// the header's width; or a page banner: one cell, two or more words and
// eight or more letters, no lower case, not starting with a dash or holding
// " - " or " – ".
RowClass ClassifyRow(const std::vector<std::string>& cells,
                     const Columns& columns);

// One row of an activity, as written.
struct RawRow {
  int line = 0;
  bool head = false;  // has a title cell: part of the activity's first rows
  bool wrap = false;  // continues every cell of the row above
  std::string owner;  // lead cell of a row that is not a head row
  std::string action;
  std::string timescale;
  std::string rag;
};

struct RawActivity {
  int line = 0;
  int strand = -1;  // index into RawTable::strands, or -1: none
  std::vector<std::string> title_parts;
  std::vector<std::string> lead_parts;
  std::vector<RawRow> rows;
  bool in_head = true;  // every row so far has had a title cell
};

struct RawStrand {
  int line = 0;
  std::string title;
  std::string description;
};

struct RawTable {
  std::vector<RawStrand> strands;
  std::vector<RawActivity> activities;
};

// Reads the plan table from its first column header row, lines[header_index]
// (a ColumnHeader), to the end of `lines`. Each later header row sets the
// columns again. Blank rows are skipped, and debris with a warning.
//
// A strand header is a row whose first cell is "Title - description" (or
// "Title: description"; one word of 3-30 letters) with no timescale or RAG,
// and whose title is Ideology, Individuals or Institutions or is followed by
// a column header row; the description's words cut by cells are rejoined
// (RejoinCells), with a warning. A row with a title cell starts an activity,
// unless it follows the activity's first rows and starts in lower case or
// has no timescale: then it continues the title. Other rows continue the
// activity above (a row with none above is skipped, with a warning); a
// timescale that completes a range the row above left open ("Feb 2024 -",
// then "March 2025") is joined to it. `plan_title` is skipped where the
// table repeats it. Line numbers count from 1.
RawTable ReadTable(const std::vector<std::string>& lines, size_t header_index,
                   absl::string_view plan_title, WarningSink* warnings);

}  // namespace plan::prevent_text

#endif  // LIBPLAN_FORMATS_PREVENT_TABLE_H_
