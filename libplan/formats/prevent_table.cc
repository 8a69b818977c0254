#include "libplan/formats/prevent_table.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/types/span.h"
#include "libplan/formats/prevent_word_repair.h"
#include "libplan/formats/prevent_words.h"
#include "libplan/model/rag.h"

namespace plan::prevent_text {
namespace {

// Whether a timescale cell ends inside a range ("Feb 2024 –"), so that the
// next timescale cell completes it.
bool EndsInsideRange(absl::string_view timescale) {
  if (EndsWithDash(timescale)) return true;
  const std::string lower = Lower(timescale);
  return absl::EndsWith(lower, " to") || absl::EndsWith(lower, " until");
}

// Whether a timescale cell completes a range left open above ("– March
// 2025", "to March 2025").
bool StartsInsideRange(absl::string_view timescale) {
  const std::string lower = Lower(timescale);
  return DashLength(timescale) > 0 || absl::StartsWith(lower, "to ") ||
         absl::StartsWith(lower, "until ");
}

// The filled cells of a row, joined with spaces.
std::string FilledText(const std::vector<std::string>& cells) {
  std::vector<absl::string_view> filled;
  for (const std::string& cell : cells) {
    if (!cell.empty()) filled.push_back(cell);
  }
  return absl::StrJoin(filled, " ");
}

// Whether `cells` (their indices `filled`) are a page footer split one word
// per cell ("Working<TAB>to<TAB>make ..."): words in every column, and in
// the RAG column one that is not a RAG status.
bool IsSplitFooter(const std::vector<std::string>& cells,
                   const std::vector<size_t>& filled, const Columns& columns) {
  if (filled.size() < 4) return false;
  for (size_t i : filled) {
    if (Words(cells[i]).size() != 1) return false;
  }
  const std::string& rag = CellAt(cells, columns.rag);
  return !rag.empty() && !ParseRag(rag).has_value();
}

// Whether `text`, the only cell of its row, is a page banner ("TO MAKE SOUTH
// STE").
bool IsBanner(const std::string& text) {
  size_t letters = 0;
  for (char c : text) {
    letters += absl::ascii_isalpha(static_cast<unsigned char>(c)) ? 1 : 0;
  }
  return !HasLower(text) && Words(text).size() >= 2 && letters >= 8 &&
         DashLength(text) == 0 && !absl::StrContains(text, " - ") &&
         !absl::StrContains(text, " \xE2\x80\x93 ");
}

// "Ideology - responding to ...": the strand title, and the description
// that follows its dash or colon.
struct TitledText {
  std::string title;
  absl::string_view description;  // in the cell the title was read from
};

std::optional<TitledText> SplitStrandTitle(const std::string& cell) {
  size_t word_end = 0;
  while (word_end < cell.size() &&
         absl::ascii_isalpha(static_cast<unsigned char>(cell[word_end]))) {
    ++word_end;
  }
  if (word_end < 3 || word_end > 30 || !StartsUpper(cell)) return std::nullopt;
  absl::string_view rest = absl::string_view(cell).substr(word_end);
  if (absl::StartsWith(rest, " ")) rest.remove_prefix(1);
  size_t dash = DashLength(rest);
  if (dash == 0 && absl::StartsWith(rest, ":")) dash = 1;
  if (dash == 0) return std::nullopt;
  rest.remove_prefix(dash);
  if (!absl::StartsWith(rest, " ")) return std::nullopt;
  rest.remove_prefix(1);
  return TitledText{cell.substr(0, word_end), rest};
}

class TableReader {
 public:
  TableReader(const std::vector<std::string>& lines,
              absl::string_view plan_title, WarningSink* warnings)
      : lines_(lines), plan_title_(plan_title), warnings_(warnings) {}

  RawTable Read(size_t header_index);

 private:
  void Warn(int line, std::string message) {
    warnings_->Warn(line, std::move(message));
  }
  // Whether the row is blank, a header (which sets `*columns`) or debris.
  bool SkipRow(size_t index, const std::vector<std::string>& cells,
               Columns* columns);
  std::optional<RawStrand> StrandHeader(size_t index,
                                        const std::vector<std::string>& cells,
                                        const Columns& columns);
  // Whether `title` of the row lines_[index] titles a strand.
  bool IsStrandTitle(const std::string& title, size_t index,
                     const Columns& columns) const;
  const Vocabulary& vocabulary();
  // Reads a row of an activity.
  void ReadRow(size_t index, const std::vector<std::string>& cells,
               const Columns& columns);
  // Starts an activity titled `title` at `row`, or continues the title of
  // the one open.
  void StartOrContinue(const std::string& title, const RawRow& row);
  void AddRow(RawActivity* activity, RawRow row, const std::string& lead);
  // Joins the timescale of `*row` to a range the rows of `activity` left
  // open, if it completes one.
  void JoinOpenRange(RawActivity* activity, RawRow* row);

  const std::vector<std::string>& lines_;
  const absl::string_view plan_title_;
  WarningSink* const warnings_;
  std::optional<Vocabulary> vocabulary_;
  RawTable table_;
  // Whether table_.activities.back() is the activity rows continue.
  bool open_ = false;
  // The first skipped banner or footer since the last table row: where a
  // page ended.
  int page_break_ = 0;
};

RawTable TableReader::Read(size_t header_index) {
  Columns columns = *ColumnHeader(Cells(lines_[header_index]));
  for (size_t index = header_index; index < lines_.size(); ++index) {
    const std::vector<std::string> cells = Cells(lines_[index]);
    if (SkipRow(index, cells, &columns)) continue;
    if (std::optional<RawStrand> strand = StrandHeader(index, cells, columns)) {
      table_.strands.push_back(std::move(*strand));
      open_ = false;
      page_break_ = 0;
      continue;
    }
    ReadRow(index, cells, columns);
  }
  return std::move(table_);
}

bool TableReader::SkipRow(size_t index, const std::vector<std::string>& cells,
                          Columns* columns) {
  const int line = static_cast<int>(index) + 1;
  const RowClass row = ClassifyRow(cells, *columns);
  switch (row.kind) {
    case RowKind::kBlank:
      return true;
    case RowKind::kHeader:
      *columns = *ColumnHeader(cells);
      return true;
    case RowKind::kDebris:
      Warn(line, absl::StrCat("skipped ", row.why, ": ",
                              QuoteForMessage(FilledText(cells))));
      if (page_break_ == 0) page_break_ = line;
      return true;
    case RowKind::kOther:
      break;
  }
  return false;
}

const Vocabulary& TableReader::vocabulary() {
  if (!vocabulary_.has_value()) vocabulary_.emplace(lines_);
  return *vocabulary_;
}

bool TableReader::IsStrandTitle(const std::string& title, size_t index,
                                const Columns& columns) const {
  const std::string lower = Lower(title);
  if (lower == "ideology" || lower == "individuals" ||
      lower == "institutions") {
    return true;
  }
  // Any other "Title - description" row is a strand only when a column
  // header follows it.
  for (size_t k = index + 1; k < lines_.size() && k < index + 20; ++k) {
    const RowKind kind = ClassifyRow(Cells(lines_[k]), columns).kind;
    if (kind == RowKind::kBlank || kind == RowKind::kDebris) continue;
    return kind == RowKind::kHeader;
  }
  return false;
}

std::optional<RawStrand> TableReader::StrandHeader(
    size_t index, const std::vector<std::string>& cells,
    const Columns& columns) {
  if (cells.empty() || cells[0].empty()) return std::nullopt;
  if (!CellAt(cells, columns.timescale).empty() ||
      !CellAt(cells, columns.rag).empty()) {
    return std::nullopt;
  }
  std::optional<TitledText> titled = SplitStrandTitle(cells[0]);
  if (!titled.has_value() || !IsStrandTitle(titled->title, index, columns)) {
    return std::nullopt;
  }
  RawStrand strand;
  strand.line = static_cast<int>(index) + 1;
  strand.title = titled->title;
  // The description, with the words the columns split rejoined.
  std::vector<std::string> repairs;
  strand.description = RejoinCells(
      std::string(titled->description), absl::MakeConstSpan(cells).subspan(1),
      lines_[index], [this]() -> const Vocabulary& { return vocabulary(); },
      &repairs);
  if (!repairs.empty()) {
    Warn(strand.line, absl::StrCat("the strand header was split across cells, "
                                   "cutting words: rejoined ",
                                   absl::StrJoin(repairs, ", ")));
  }
  return strand;
}

void TableReader::ReadRow(size_t index, const std::vector<std::string>& cells,
                          const Columns& columns) {
  const int line = static_cast<int>(index) + 1;
  const int after_page_break = std::exchange(page_break_, 0);
  const std::string title_before =
      after_page_break > 0 && open_
          ? absl::StrJoin(table_.activities.back().title_parts, " ")
          : std::string();
  std::string title = CellAt(cells, columns.activity);
  const std::string& lead = CellAt(cells, columns.lead);
  RawRow row;
  row.line = line;
  row.action = CellAt(cells, columns.action);
  row.timescale = CellAt(cells, columns.timescale);
  row.rag = CellAt(cells, columns.rag);
  row.head = !title.empty();
  if (!title.empty() && !HasLetter(title)) {
    Warn(line, absl::StrCat("ignored extraction debris ",
                            QuoteForMessage(title), " in the activity column"));
    title.clear();
  }
  if (title == plan_title_ && lead.empty() && row.action.empty() &&
      row.timescale.empty()) {
    Warn(line, "skipped the plan's title repeated in the table");
    return;
  }
  if (!title.empty()) {
    StartOrContinue(title, row);
  } else if (!open_) {
    if (!row.head) {
      Warn(line, absl::StrCat("skipped a row with no activity above it: ",
                              QuoteForMessage(FilledText(cells))));
    }
    return;
  }
  RawActivity& current = table_.activities.back();
  if (after_page_break > 0 && current.line < after_page_break) {
    Warn(line, absl::StrCat("continues ", QuoteForMessage(title_before),
                            " from before the page break at line ",
                            after_page_break));
  }
  current.in_head = current.in_head && row.head;
  AddRow(&current, std::move(row), lead);
}

void TableReader::StartOrContinue(const std::string& title, const RawRow& row) {
  if (open_) {
    RawActivity& current = table_.activities.back();
    if (current.in_head && (StartsLower(title) || row.timescale.empty())) {
      if (!StartsLower(title)) {
        Warn(row.line,
             absl::StrCat(
                 QuoteForMessage(title),
                 " has no timescale and follows the first rows of ",
                 QuoteForMessage(absl::StrJoin(current.title_parts, " ")),
                 ": read as the rest of that activity's wrapped title"));
      }
      current.title_parts.push_back(title);
      return;
    }
  }
  RawActivity& activity = table_.activities.emplace_back();
  open_ = true;
  activity.line = row.line;
  activity.strand = static_cast<int>(table_.strands.size()) - 1;
  activity.title_parts.push_back(title);
}

void TableReader::JoinOpenRange(RawActivity* activity, RawRow* row) {
  for (size_t k = activity->rows.size(); k-- > 0;) {
    RawRow& before = activity->rows[k];
    if (before.timescale.empty()) continue;
    if (EndsInsideRange(before.timescale) ||
        StartsInsideRange(row->timescale)) {
      Warn(row->line,
           absl::StrCat("the timescale ", QuoteForMessage(before.timescale),
                        " (line ", before.line, ") continues here: read as ",
                        QuoteForMessage(absl::StrCat(before.timescale, " ",
                                                     row->timescale))));
      absl::StrAppend(&before.timescale, " ", row->timescale);
      row->timescale.clear();
      // On the very next row, the row wraps every cell of the one above.
      row->wrap = k + 1 == activity->rows.size();
    }
    return;
  }
}

void TableReader::AddRow(RawActivity* activity, RawRow row,
                         const std::string& lead) {
  if (!row.timescale.empty()) JoinOpenRange(activity, &row);
  if (row.head) {
    if (!lead.empty()) activity->lead_parts.push_back(lead);
  } else if (!lead.empty()) {
    if (row.wrap && !activity->rows.empty()) {
      RawRow& before = activity->rows.back();
      if (before.head) {
        activity->lead_parts.push_back(lead);
      } else {
        absl::StrAppend(&before.owner, before.owner.empty() ? "" : " ", lead);
      }
    } else {
      row.owner = lead;
    }
  }
  activity->rows.push_back(std::move(row));
}

}  // namespace

std::vector<std::string> Cells(absl::string_view line) {
  std::vector<std::string> cells;
  for (absl::string_view cell : absl::StrSplit(line, '\t')) {
    cells.push_back(CollapseSpaces(cell));
  }
  while (!cells.empty() && cells.back().empty()) cells.pop_back();
  return cells;
}

const std::string& CellAt(const std::vector<std::string>& cells, int index) {
  static const std::string* const kEmpty = new std::string();
  if (index < 0 || static_cast<size_t>(index) >= cells.size()) return *kEmpty;
  return cells[index];
}

std::optional<Columns> ColumnHeader(const std::vector<std::string>& cells) {
  if (cells.empty()) return std::nullopt;
  const std::string first = Lower(cells[0]);
  if (first != "activity" && first != "activities") return std::nullopt;
  Columns columns;
  columns.lead = columns.action = columns.timescale = columns.rag = -1;
  columns.width = static_cast<int>(cells.size());
  for (size_t i = 1; i < cells.size(); ++i) {
    const std::string cell = Lower(cells[i]);
    const int index = static_cast<int>(i);
    if (columns.lead < 0 && absl::StartsWith(cell, "lead")) {
      columns.lead = index;
    } else if (columns.action < 0 && absl::StartsWith(cell, "action")) {
      columns.action = index;
    } else if (columns.timescale < 0 &&
               (absl::StartsWith(cell, "timescale") ||
                absl::StartsWith(cell, "timeline") ||
                absl::StartsWith(cell, "target date") || cell == "when")) {
      columns.timescale = index;
    } else if (columns.rag < 0 &&
               (cell == "rag" || absl::StartsWith(cell, "rag ") ||
                cell == "status")) {
      columns.rag = index;
    }
  }
  if (columns.action < 0 || columns.timescale < 0) return std::nullopt;
  return columns;
}

RowClass ClassifyRow(const std::vector<std::string>& cells,
                     const Columns& columns) {
  std::vector<size_t> filled;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (!cells[i].empty()) filled.push_back(i);
  }
  if (filled.empty()) return {RowKind::kBlank, ""};
  if (ColumnHeader(cells).has_value()) return {RowKind::kHeader, ""};
  bool any_alnum = false;
  for (size_t i : filled) any_alnum = any_alnum || HasAlnum(cells[i]);
  if (!any_alnum) return {RowKind::kDebris, "extraction debris"};
  if (IsSplitFooter(cells, filled, columns) ||
      filled.back() >= static_cast<size_t>(columns.width)) {
    return {RowKind::kDebris,
            "a page footer or header split across the columns"};
  }
  if (filled.size() == 1 && IsBanner(cells[filled[0]])) {
    return {RowKind::kDebris, "a page banner"};
  }
  return {RowKind::kOther, ""};
}

RawTable ReadTable(const std::vector<std::string>& lines, size_t header_index,
                   absl::string_view plan_title, WarningSink* warnings) {
  return TableReader(lines, plan_title, warnings).Read(header_index);
}

}  // namespace plan::prevent_text
