// The cells of the CSV files the product writes (plans, summaries), made to
// be opened in Excel safely: UTF-8 with a byte order mark, so that Excel on
// Windows reads the en dashes of "Feb 2024 – Mar 2025" as such, and no cell
// that a spreadsheet would run as a formula.
#ifndef LIBPLAN_FORMATS_CSV_CELLS_H_
#define LIBPLAN_FORMATS_CSV_CELLS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace plan {

// Starts every CSV file the product writes.
inline constexpr absl::string_view kUtf8ByteOrderMark = "\xEF\xBB\xBF";

// Appends `cell` as one RFC 4180 field: quoted when it holds a comma, a
// double quote, CR or LF, with its quotes doubled. A cell a spreadsheet
// would take for a formula (starting with =, +, -, @, tab or CR), or one
// that is such a cell after leading apostrophes, is written after one more
// apostrophe, which spreadsheets show as text (the OWASP advice on CSV
// injection). UnguardCsvCell takes it off again.
void AppendCsvCell(absl::string_view cell, std::string* out);

// Appends `cells` with AppendCsvCell, comma-separated, then CRLF.
void AppendCsvRow(const std::vector<std::string>& cells, std::string* out);

// `text` as it was before AppendCsvCell guarded it: without the apostrophe
// it added. Text it would not have guarded is returned unchanged.
absl::string_view UnguardCsvCell(absl::string_view text);

}  // namespace plan

#endif  // LIBPLAN_FORMATS_CSV_CELLS_H_
