#include "libplan/formats/csv_cells.h"

namespace plan {
namespace {

// Whether a spreadsheet could run `cell` as a formula once any leading
// apostrophes are taken off.
bool LooksLikeFormula(absl::string_view cell) {
  while (!cell.empty() && cell.front() == '\'') cell.remove_prefix(1);
  return !cell.empty() && absl::string_view("=+-@\t\r").find(cell.front()) !=
                              absl::string_view::npos;
}

}  // namespace

void AppendCsvCell(absl::string_view cell, std::string* out) {
  const bool guard = LooksLikeFormula(cell);
  if (cell.find_first_of(",\"\r\n") == absl::string_view::npos) {
    if (guard) out->push_back('\'');
    out->append(cell.data(), cell.size());
    return;
  }
  out->push_back('"');
  if (guard) out->push_back('\'');
  for (const char c : cell) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

void AppendCsvRow(const std::vector<std::string>& cells, std::string* out) {
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendCsvCell(cells[i], out);
  }
  out->append("\r\n");
}

absl::string_view UnguardCsvCell(absl::string_view text) {
  if (!text.empty() && text.front() == '\'' &&
      LooksLikeFormula(text.substr(1))) {
    text.remove_prefix(1);
  }
  return text;
}

}  // namespace plan
