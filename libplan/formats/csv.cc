#include "libplan/formats/csv.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libplan/formats/csv_cells.h"
#include "libplan/formats/import_support.h"
#include "libplan/formats/naming.h"
#include "libplan/formats/plan_view.h"
#include "libplan/formats/text_lines.h"
#include "libplan/formats/timescale.h"
#include "libplan/model/fields.h"
#include "libplan/model/names.h"
#include "libplan/model/rag.h"
#include "libplan/model/validation.h"
#include "libplan/util/errors.h"
#include "libplan/util/status_macros.h"
#include "libplan/util/utf8.h"

namespace plan {
namespace {

// ---------------------------------------------------------------------------
// Columns

enum Column {
  kStrand,
  kActivity,
  kLeadOrganisations,
  kLeadOfficer,
  kAction,
  kTimescale,
  kRag,
  kOwner,
  kStrandDescription,
  kDutyAreas,
  kStrandId,
  kActivityId,
  kActionId,
  kLeadOrganisationIds,
  kOwnerId,
  kLeadOrganisationKinds,
  kOwnerKind,
  kTimescaleStart,
  kTimescaleEnd,
  kTimescaleOngoing,
  kCountyActivity,
  kColumnCount,
};
constexpr int kRequiredColumns = kOwner + 1;

struct ColumnInfo {
  absl::string_view name;     // as written in the header
  absl::string_view aliases;  // normalized names a reader accepts, '|'-joined
};

constexpr ColumnInfo kColumns[kColumnCount] = {
    {"strand", "strand|strands|strandtitle"},
    {"activity", "activity|activities|activitytitle"},
    {"lead organisations",
     "leadorganisations|leadorganisation|leadorganizations|leadorganization|"
     "leadorgs|leadorg|lead|leads"},
    {"lead officer", "leadofficer|leadofficers|officer"},
    {"action", "action|actions|actiondescription"},
    {"timescale", "timescale|timescales|timescaletext"},
    {"rag", "rag|ragstatus|ragrating"},
    {"owner", "owner|ownerorganisation|ownerorganization|actionowner"},
    {"strand description", "stranddescription"},
    {"duty areas", "dutyareas|dutyarea"},
    {"strand id", "strandid"},
    {"activity id", "activityid"},
    {"action id", "actionid"},
    {"lead organisation ids",
     "leadorganisationids|leadorganisationid|leadorganizationids|"
     "leadorganizationid"},
    {"owner id", "ownerid|ownerorganisationid|ownerorganizationid"},
    {"lead organisation kinds",
     "leadorganisationkinds|leadorganisationkind|leadorganizationkinds|"
     "leadorganizationkind"},
    {"owner kind", "ownerkind|ownerorganisationkind|ownerorganizationkind"},
    {"timescale start", "timescalestart|start"},
    {"timescale end", "timescaleend|end"},
    {"timescale ongoing", "timescaleongoing|ongoing"},
    {"county activity", "countyactivity|countyobjective"},
};

// A header name reduced to lowercase letters and digits.
std::string NormalizeHeader(absl::string_view name) {
  std::string out;
  for (char c : name) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      out += absl::ascii_tolower(static_cast<unsigned char>(c));
    }
  }
  return out;
}

std::optional<Column> ColumnFor(absl::string_view header) {
  const std::string normalized = NormalizeHeader(header);
  if (normalized.empty()) return std::nullopt;
  for (int c = 0; c < kColumnCount; ++c) {
    for (absl::string_view alias : absl::StrSplit(kColumns[c].aliases, '|')) {
      if (alias == normalized) return static_cast<Column>(c);
    }
  }
  return std::nullopt;
}

// The most columns a header may have; a longer one is not a plan.
constexpr size_t kMaxColumns = 1000;

// ---------------------------------------------------------------------------
// Shared by writer and reader

// The timescale the reader derives from `text`: ParseTimescale, with months
// it could not order or read dropped (and a note saying so).
TimescaleParse DeriveTimescale(absl::string_view text) {
  if (text.empty()) return {};
  TimescaleParse parsed = ParseTimescale(text);
  v1::Timescale& t = parsed.timescale;
  const bool start_ok = t.start().empty() || IsValidMonth(t.start());
  const bool end_ok = t.end().empty() || IsValidMonth(t.end());
  if (!start_ok || !end_ok ||
      (!t.start().empty() && !t.end().empty() && t.start() > t.end())) {
    t.clear_start();
    t.clear_end();
    parsed.note = absl::StrCat("months of timescale \"", t.text(),
                               "\" are not in order; kept the text only");
  }
  return parsed;
}

bool SameMonths(const v1::Timescale& a, const v1::Timescale& b) {
  return a.start() == b.start() && a.end() == b.end() &&
         a.ongoing() == b.ongoing();
}

absl::string_view KindName(v1::OrganisationKind kind) {
  if (kind == v1::ORGANISATION_KIND_UNSPECIFIED) return "";
  const std::string& name = v1::OrganisationKind_Name(kind);
  return name;
}

// ---------------------------------------------------------------------------
// Writer

// Which optional columns a document needs.
struct WrittenColumns {
  bool organisation_ids = false;
  bool organisation_kinds = false;
  bool timescale_months = false;
  bool county_activity = false;
};

WrittenColumns ColumnsNeeded(const PlanView& view) {
  WrittenColumns needed;
  const auto check_organisation = [&](const std::string& name) {
    const std::string display = view.OrganisationName(name);
    if (OrganisationIdFor(display) != LastId(name) ||
        OrganisationDisplayName(display) != display) {
      needed.organisation_ids = true;
    }
    const v1::Organisation* organisation = view.FindOrganisation(name);
    if (organisation != nullptr &&
        organisation->kind() != v1::ORGANISATION_KIND_UNSPECIFIED) {
      needed.organisation_kinds = true;
    }
  };
  for (const ActivityEntry& entry : view.doc().activities) {
    if (!entry.activity.county_activity().empty())
      needed.county_activity = true;
    for (const std::string& lead : entry.activity.lead_organisations()) {
      check_organisation(lead);
    }
    for (const v1::Action& action : entry.actions) {
      if (!action.owner_organisation().empty()) {
        check_organisation(action.owner_organisation());
      }
      if (!SameMonths(DeriveTimescale(action.timescale().text()).timescale,
                      action.timescale())) {
        needed.timescale_months = true;
      }
    }
  }
  return needed;
}

// The columns written, in order: every plain one, then those `needed`.
std::vector<Column> ColumnsToWrite(const WrittenColumns& needed) {
  std::vector<Column> columns;
  for (int c = 0; c <= kActionId; ++c) {
    columns.push_back(static_cast<Column>(c));
  }
  if (needed.organisation_ids) {
    columns.insert(columns.end(), {kLeadOrganisationIds, kOwnerId});
  }
  if (needed.organisation_kinds) {
    columns.insert(columns.end(), {kLeadOrganisationKinds, kOwnerKind});
  }
  if (needed.timescale_months) {
    columns.insert(columns.end(),
                   {kTimescaleStart, kTimescaleEnd, kTimescaleOngoing});
  }
  if (needed.county_activity) columns.push_back(kCountyActivity);
  return columns;
}

// The kind of the organisation named `name`, or "" when the plan has none.
std::string OrganisationKind(const PlanView& view, absl::string_view name) {
  const v1::Organisation* organisation = view.FindOrganisation(name);
  return organisation == nullptr ? ""
                                 : std::string(KindName(organisation->kind()));
}

// Fills the cells every row of `activity` shares.
void FillActivityCells(const PlanView& view, const v1::Activity& activity,
                       std::vector<std::string>& cells) {
  std::fill(cells.begin(), cells.end(), std::string());
  if (!activity.strand().empty()) {
    const v1::Strand* strand = view.FindStrand(activity.strand());
    cells[kStrand] = strand != nullptr ? strand->title()
                                       : std::string(LastId(activity.strand()));
    if (strand != nullptr) cells[kStrandDescription] = strand->description();
    cells[kStrandId] = std::string(LastId(activity.strand()));
  }
  cells[kActivity] = activity.title();
  cells[kActivityId] = std::string(LastId(activity.name()));
  cells[kLeadOfficer] = activity.lead_officer();
  std::vector<std::string> leads, lead_ids, lead_kinds;
  for (const std::string& lead : activity.lead_organisations()) {
    leads.push_back(view.OrganisationName(lead));
    lead_ids.emplace_back(LastId(lead));
    lead_kinds.push_back(OrganisationKind(view, lead));
  }
  cells[kLeadOrganisations] = absl::StrJoin(leads, "; ");
  cells[kLeadOrganisationIds] = absl::StrJoin(lead_ids, "; ");
  cells[kLeadOrganisationKinds] = absl::StrJoin(lead_kinds, "; ");
  std::vector<std::string> duty_areas;
  for (int area : activity.duty_areas()) {
    duty_areas.push_back(v1::DutyArea_Name(area));
  }
  cells[kDutyAreas] = absl::StrJoin(duty_areas, "; ");
  cells[kCountyActivity] = activity.county_activity();
}

// Fills the cells of `action`'s row. Months are written only where the text
// alone would not give them.
void FillActionCells(const PlanView& view, const v1::Action& action,
                     std::vector<std::string>& cells) {
  const v1::Timescale& timescale = action.timescale();
  cells[kAction] = action.description();
  cells[kActionId] = std::string(LastId(action.name()));
  cells[kTimescale] = timescale.text();
  cells[kRag] = std::string(RagName(action.rag()));
  cells[kOwner] = action.owner_organisation().empty()
                      ? ""
                      : view.OrganisationName(action.owner_organisation());
  cells[kOwnerId] = std::string(LastId(action.owner_organisation()));
  cells[kOwnerKind] = OrganisationKind(view, action.owner_organisation());
  const bool explicit_months =
      !SameMonths(DeriveTimescale(timescale.text()).timescale, timescale);
  cells[kTimescaleStart] = explicit_months ? timescale.start() : "";
  cells[kTimescaleEnd] = explicit_months ? timescale.end() : "";
  cells[kTimescaleOngoing] =
      explicit_months ? (timescale.ongoing() ? "yes" : "no") : "";
}

}  // namespace

std::string WritePlanCsv(const PlanDocument& doc) {
  const PlanView view(doc);
  const std::vector<Column> columns = ColumnsToWrite(ColumnsNeeded(view));
  std::string out(kUtf8ByteOrderMark);
  std::vector<std::string> row;
  const auto write_row = [&](const std::vector<std::string>& cells) {
    row.clear();
    for (Column c : columns) row.push_back(cells[c]);
    AppendCsvRow(row, &out);
  };
  std::vector<std::string> header;  // indexed by Column, like a row's cells
  for (const ColumnInfo& column : kColumns) header.emplace_back(column.name);
  write_row(header);
  std::vector<std::string> cells(kColumnCount);
  for (const ActivityEntry& entry : doc.activities) {
    FillActivityCells(view, entry.activity, cells);
    if (entry.actions.empty()) write_row(cells);  // an activity with no action
    for (const v1::Action& action : entry.actions) {
      FillActionCells(view, action, cells);
      write_row(cells);
    }
  }
  return out;
}

namespace {

// ---------------------------------------------------------------------------
// Reader: text checks and tokenizer

// Where a byte of the input is: its 1-based line and the offset its line
// starts at.
struct TextPosition {
  size_t offset = 0;
  int line = 1;
  size_t line_start = 0;
};

absl::Status CsvError(absl::string_view message) {
  return Error(absl::StatusCode::kInvalidArgument, "INVALID_CSV", message);
}

// "line L, column C" for a byte of `text` (valid UTF-8 before it); C counts
// characters.
std::string Where(absl::string_view text, const TextPosition& at) {
  const size_t end = std::min(at.offset, text.size());
  const size_t start = std::min(at.line_start, end);
  return absl::StrCat("line ", at.line, ", column ",
                      Utf8CharCount(text.substr(start, end - start)) + 1);
}

// Refuses input that is not text: NUL bytes and other control characters,
// invalid UTF-8, and over-long lines.
absl::Status CheckText(absl::string_view text) {
  TextCursor at(text, LineBreaks::kLfCrlfOrCr);
  while (!at.AtEnd()) {
    if (at.LineBreakLength() > 0) {
      at.NextLine();
      continue;
    }
    const uint8_t c = at.byte();
    if (at.line_bytes() >= kMaxCsvLineBytes) {
      return CsvError(absl::StrCat(at.Where(), ": line is longer than 1 MB (",
                                   kMaxCsvLineBytes, " bytes)"));
    }
    if (c == 0) {
      return CsvError(
          absl::StrCat(at.Where(), ": binary data (a NUL byte), not CSV text"));
    }
    if (c < 0x20 && c != '\t') {
      return CsvError(absl::StrCat(
          at.Where(), ": control character U+00", absl::Hex(c, absl::kZeroPad2),
          "; only tabs and line breaks are allowed in CSV text"));
    }
    const size_t length = at.CharLength();
    if (length == 0) {
      return CsvError(absl::StrCat(at.Where(), ": invalid UTF-8 (byte 0x",
                                   absl::Hex(c, absl::kZeroPad2),
                                   "); save the file as CSV UTF-8"));
    }
    at.Skip(length);
  }
  return absl::OkStatus();
}

struct Cell {
  std::string text;
  TextPosition at;  // where the field starts
};

// Reads RFC 4180 records. Text must have passed CheckText.
class CsvTokenizer {
 public:
  explicit CsvTokenizer(absl::string_view text) : text_(text) {}

  // Reads the next record into `cells` (reusing its elements) and its number
  // of fields into `count`; false at the end of the input. A record with more
  // than `max_fields` fields is an error, which `limit` explains.
  absl::StatusOr<bool> Next(size_t max_fields, absl::string_view limit,
                            std::vector<Cell>* cells, size_t* count) {
    *count = 0;
    if (at_.offset >= text_.size()) return false;
    while (true) {
      if (*count == max_fields) {
        return CsvError(absl::StrCat("line ", at_.line, ", column ",
                                     max_fields + 1, ": row has more than ",
                                     max_fields, " fields; ", limit));
      }
      if (cells->size() == *count) cells->emplace_back();
      Cell& cell = (*cells)[(*count)++];
      cell.text.clear();
      cell.at = at_;
      if (Peek() == '"') {
        RETURN_IF_ERROR(ReadQuoted(*count, &cell.text));
      } else {
        RETURN_IF_ERROR(ReadUnquoted(*count, &cell.text));
      }
      if (const absl::string_view text = UnguardCsvCell(cell.text);
          text.size() != cell.text.size()) {
        cell.text.erase(0, 1);
      }
      if (at_.offset >= text_.size()) return true;
      if (Peek() == ',') {
        ++at_.offset;
        continue;
      }
      SkipLineBreak();
      return true;
    }
  }

 private:
  int Peek() const {
    return at_.offset < text_.size()
               ? static_cast<unsigned char>(text_[at_.offset])
               : -1;
  }

  // Consumes CRLF, LF or CR at the current offset.
  void SkipLineBreak() {
    if (Peek() == '\r') ++at_.offset;
    if (Peek() == '\n') ++at_.offset;
    ++at_.line;
    at_.line_start = at_.offset;
  }

  absl::Status ReadUnquoted(size_t field, std::string* out) {
    const size_t begin = at_.offset;
    while (at_.offset < text_.size()) {
      const char c = text_[at_.offset];
      if (c == ',' || c == '\r' || c == '\n') break;
      if (c == '"') {
        return CsvError(absl::StrCat(
            Where(text_, at_), ": stray quote in unquoted field ", field,
            " (a field holding quotes must be quoted, with its quotes "
            "doubled)"));
      }
      ++at_.offset;
    }
    out->assign(text_.data() + begin, at_.offset - begin);
    return absl::OkStatus();
  }

  absl::Status ReadQuoted(size_t field, std::string* out) {
    const TextPosition open = at_;
    ++at_.offset;
    while (true) {
      if (at_.offset >= text_.size()) {
        return CsvError(absl::StrCat(Where(text_, open),
                                     ": unterminated quoted field ", field,
                                     " (its opening quote is never closed)"));
      }
      const char c = text_[at_.offset];
      if (c == '"') {
        if (at_.offset + 1 < text_.size() && text_[at_.offset + 1] == '"') {
          out->push_back('"');
          at_.offset += 2;
          continue;
        }
        ++at_.offset;
        break;
      }
      out->push_back(c);
      ++at_.offset;
      if (c == '\n' || (c == '\r' && Peek() != '\n')) {
        ++at_.line;
        at_.line_start = at_.offset;
      }
    }
    const int next = Peek();
    if (next != -1 && next != ',' && next != '\r' && next != '\n') {
      return CsvError(absl::StrCat(
          Where(text_, at_),
          ": stray character after the closing quote of "
          "field ",
          field, " (a quote inside a quoted field must be doubled)"));
    }
    return absl::OkStatus();
  }

  absl::string_view text_;
  TextPosition at_;
};

// ---------------------------------------------------------------------------
// Reader: building the document

struct OrganisationDraft {
  std::string id;
  std::string display_name;
  v1::OrganisationKind kind = v1::ORGANISATION_KIND_UNSPECIFIED;
  int line = 0;
  int kind_line = 0;
};

struct StrandDraft {
  std::string title;
  std::string explicit_id;
  std::string description;
  int line = 0;
  int description_line = 0;
  std::string id;
};

struct ActionDraft {
  std::string explicit_id;
  std::string id;
  v1::Action action;  // without name and position
  int line = 0;
};

struct ActivityDraft {
  int strand = -1;
  std::string title;
  std::string explicit_id;
  int line = 0;
  std::string lead_officer;
  int lead_officer_line = 0;
  std::vector<int> leads;  // organisation indexes
  int leads_line = 0;
  std::vector<v1::DutyArea> duty_areas;
  int duty_areas_line = 0;
  std::string county_activity;
  std::vector<ActionDraft> actions;
  std::string id;
};

// An organisation as a cell names it, before it is registered.
struct WrittenOrganisation {
  std::string id;
  std::string display_name;
  v1::OrganisationKind kind = v1::ORGANISATION_KIND_UNSPECIFIED;
};

absl::string_view Trim(absl::string_view text) {
  return absl::StripAsciiWhitespace(text);
}

// Which draft a row names; see DraftIndex::Find.
struct DraftMatch {
  int index = -1;        // -1: a new one
  bool clash = false;    // the row's id names a draft with another key
  bool adopted = false;  // the draft had no id and takes the row's
};

// Strands or activities as rows name them: by id when a row gives one,
// otherwise by key (a strand's title; an activity's strand and title).
template <typename Key>
class DraftIndex {
 public:
  // The draft named by `id` (then `clash` when its key is not `key`), or
  // else the first with `key` and no id yet, which adopts `id`. Without an
  // id, the first draft with `key`.
  DraftMatch Find(const std::string& id, const Key& key) {
    if (id.empty()) {
      auto it = by_key_.find(key);
      return it == by_key_.end() ? DraftMatch() : DraftMatch{it->second[0]};
    }
    if (auto it = by_id_.find(id); it != by_id_.end()) {
      return {it->second, keys_[it->second] != key};
    }
    if (auto it = by_key_.find(key); it != by_key_.end()) {
      for (int candidate : it->second) {
        if (ids_[candidate].empty()) {
          ids_[candidate] = id;
          by_id_[id] = candidate;
          return {candidate, false, true};
        }
      }
    }
    return {};
  }

  // Adds a draft with `id` (may be empty) and `key`; returns its index.
  int Add(const std::string& id, Key key) {
    const int index = static_cast<int>(keys_.size());
    if (!id.empty()) by_id_[id] = index;
    by_key_[key].push_back(index);
    keys_.push_back(std::move(key));
    ids_.push_back(id);
    return index;
  }

 private:
  std::vector<Key> keys_;
  std::vector<std::string> ids_;
  absl::flat_hash_map<std::string, int> by_id_;
  absl::flat_hash_map<Key, std::vector<int>> by_key_;
};

// Gives each of `drafts` its id: its explicit one, or else `slug` of it made
// unique among them.
template <typename Draft, typename Slug>
void AssignIds(std::vector<Draft>* drafts, Slug slug) {
  UniqueIds ids;
  for (const Draft& draft : *drafts) {
    if (!draft.explicit_id.empty()) ids.Reserve(draft.explicit_id);
  }
  for (Draft& draft : *drafts) {
    draft.id =
        draft.explicit_id.empty() ? ids.Unique(slug(draft)) : draft.explicit_id;
  }
}

class DocumentBuilder {
 public:
  explicit DocumentBuilder(const v1::Plan& plan) {
    parsed_.document.plan = plan;
  }
  // warnings_ points into parsed_.
  DocumentBuilder(const DocumentBuilder&) = delete;
  DocumentBuilder& operator=(const DocumentBuilder&) = delete;

  absl::Status ReadHeader(const std::vector<Cell>& cells, size_t count);
  absl::Status ReadRow(const std::vector<Cell>& cells, size_t count);
  absl::StatusOr<ParsedPlan> Finish();

  int line() const { return line_; }
  size_t column_count() const { return header_.size(); }

 private:
  // The cell of `column` in the current row, trimmed; "" when the column is
  // absent.
  absl::string_view Get(Column column) const {
    const int index = index_[column];
    return index < 0 ? absl::string_view() : Trim((*cells_)[index].text);
  }

  // "line L, column C ("Header"): why"
  absl::Status CellError(Column column, absl::string_view why) const {
    const int index = index_[column];
    if (index < 0) return CsvError(absl::StrCat("line ", line_, ": ", why));
    const int line = (*cells_)[index].at.line;
    return CsvError(absl::StrCat("line ", line, ", column ", index + 1, " (\"",
                                 header_[index], "\"): ", why));
  }

  absl::Status CheckLength(Column column, size_t max_chars) const {
    const std::string problem = plan::CheckText(Get(column), max_chars);
    return problem.empty() ? absl::OkStatus() : CellError(column, problem);
  }

  void Warn(int line, std::string message) {
    warnings_.Warn(line, std::move(message));
  }

  absl::StatusOr<int> ResolveStrand();
  absl::StatusOr<int> ResolveActivity(int strand);
  // The activity's cells of the current row: each agrees with what earlier
  // rows of the activity said, or a warning says which was kept.
  absl::Status ReadActivityCells(ActivityDraft* activity);
  absl::Status ReadLeadOfficer(ActivityDraft* activity);
  absl::Status ReadLeadOrganisations(ActivityDraft* activity);
  absl::Status ReadDutyAreas(ActivityDraft* activity);
  absl::Status ReadCountyActivity(ActivityDraft* activity);
  absl::Status ReadAction(ActivityDraft* activity);
  absl::StatusOr<std::vector<WrittenOrganisation>> ReadLeads();
  absl::StatusOr<std::optional<WrittenOrganisation>> ReadOwner();
  absl::StatusOr<std::string> ReadId(Column column);
  absl::StatusOr<v1::OrganisationKind> ParseKind(Column column,
                                                 absl::string_view text);
  int Register(const WrittenOrganisation& written);

  // The header's names for a message: at most ten, each cut short.
  std::string FoundColumns() const {
    std::vector<std::string> names;
    for (const std::string& name : header_) {
      if (name.empty()) continue;
      if (names.size() == 10) {
        names.push_back("...");
        break;
      }
      std::string quoted = QuoteForMessage(name);
      names.push_back(quoted.substr(1, quoted.size() - 2));
    }
    return names.empty() ? "no names" : absl::StrJoin(names, ", ");
  }

  ParsedPlan parsed_;
  WarningSink warnings_{&parsed_.warnings};
  std::string plan_name_;

  std::vector<std::string> header_;  // as written, per input column
  int index_[kColumnCount];          // input column of each Column, or -1

  // The current row.
  const std::vector<Cell>* cells_ = nullptr;
  int line_ = 0;

  std::vector<OrganisationDraft> organisations_;
  absl::flat_hash_map<std::string, int> organisation_index_;
  std::vector<StrandDraft> strands_;
  DraftIndex<std::string> strand_index_;  // by title
  std::vector<ActivityDraft> activities_;
  DraftIndex<std::pair<int, std::string>> activity_index_;  // strand, title
};

absl::Status DocumentBuilder::ReadHeader(const std::vector<Cell>& cells,
                                         size_t count) {
  const v1::Plan& plan = parsed_.document.plan;
  if (!ResourceName::ParseAs(Kind::kPlan, plan.name()).ok()) {
    return CsvError(absl::StrCat("the plan's name ",
                                 QuoteForMessage(plan.name()),
                                 " is not plans/{plan}"));
  }
  plan_name_ = plan.name();
  line_ = cells[0].at.line;
  std::fill(std::begin(index_), std::end(index_), -1);
  std::vector<std::string> unknown;
  for (size_t i = 0; i < count; ++i) {
    const std::string name(Trim(cells[i].text));
    header_.push_back(name);
    const std::optional<Column> column = ColumnFor(name);
    if (!column.has_value()) {
      if (!name.empty()) unknown.push_back(name);
      continue;
    }
    if (index_[*column] >= 0) {
      return CsvError(absl::StrCat(
          "line ", line_, ", column ", i + 1,
          ": duplicate column: ", QuoteForMessage(name), " and column ",
          index_[*column] + 1, " ", QuoteForMessage(header_[index_[*column]]),
          " are both the ", kColumns[*column].name, " column"));
    }
    index_[*column] = static_cast<int>(i);
  }
  std::vector<std::string> missing;
  for (int c = 0; c < kRequiredColumns; ++c) {
    if (index_[c] < 0) missing.emplace_back(kColumns[c].name);
  }
  if (missing.size() == kRequiredColumns) {
    return CsvError(absl::StrCat(
        "line ", line_, ": not a plan: missing columns ",
        absl::StrJoin(missing, ", "), " (found ", FoundColumns(), ")"));
  }
  if (!missing.empty()) {
    return CsvError(absl::StrCat("line ", line_, ": missing required column",
                                 missing.size() > 1 ? "s " : " ",
                                 absl::StrJoin(missing, ", ")));
  }
  for (const std::string& name : unknown) {
    Warn(line_, absl::StrCat("column ", QuoteForMessage(name),
                             " is not a plan column; ignored"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> DocumentBuilder::ReadId(Column column) {
  const absl::string_view id = Get(column);
  if (!id.empty() && !IsValidId(id)) {
    return CellError(column,
                     absl::StrCat(QuoteForMessage(id),
                                  " is not an id (lowercase letters, digits "
                                  "and '-', starting with a letter or digit, "
                                  "at most 63)"));
  }
  return std::string(id);
}

absl::StatusOr<v1::OrganisationKind> DocumentBuilder::ParseKind(
    Column column, absl::string_view text) {
  v1::OrganisationKind kind = v1::ORGANISATION_KIND_UNSPECIFIED;
  if (text.empty()) return kind;
  if (!v1::OrganisationKind_Parse(absl::AsciiStrToUpper(text), &kind) ||
      kind == v1::ORGANISATION_KIND_UNSPECIFIED) {
    return CellError(column,
                     absl::StrCat(QuoteForMessage(text),
                                  " is not an organisation kind (COUNCIL, "
                                  "POLICE, HEALTH, EDUCATION, PROBATION, "
                                  "PRISON, VOLUNTARY, OTHER)"));
  }
  return kind;
}

absl::StatusOr<int> DocumentBuilder::ResolveStrand() {
  const absl::string_view title = Get(kStrand);
  ASSIGN_OR_RETURN(const std::string explicit_id, ReadId(kStrandId));
  const absl::string_view description = Get(kStrandDescription);
  if (title.empty()) {
    if (!explicit_id.empty()) {
      return CellError(kStrand, absl::StrCat("is empty, but strand id \"",
                                             explicit_id, "\" is given"));
    }
    if (!description.empty()) {
      Warn(line_, "a strand description with no strand; ignored");
    }
    return -1;
  }
  RETURN_IF_ERROR(CheckLength(kStrand, kMaxTitleLength));
  RETURN_IF_ERROR(CheckLength(kStrandDescription, kMaxTextLength));
  const DraftMatch match = strand_index_.Find(explicit_id, std::string(title));
  if (match.clash) {
    const StrandDraft& other = strands_[match.index];
    return CellError(
        kStrand,
        absl::StrCat("strand id ", QuoteForMessage(explicit_id), " is strand ",
                     QuoteForMessage(other.title), " on line ", other.line));
  }
  int index = match.index;
  if (match.adopted) strands_[index].explicit_id = explicit_id;
  if (index < 0) {
    index = strand_index_.Add(explicit_id, std::string(title));
    StrandDraft strand;
    strand.title = std::string(title);
    strand.explicit_id = explicit_id;
    strand.line = line_;
    strands_.push_back(std::move(strand));
  }
  StrandDraft& strand = strands_[index];
  if (!description.empty()) {
    if (strand.description_line == 0) {
      strand.description = std::string(description);
      strand.description_line = line_;
    } else if (strand.description != description) {
      Warn(line_, absl::StrCat("strand \"", strand.title,
                               "\" has another description on line ",
                               strand.description_line, "; kept that one"));
    }
  }
  return index;
}

absl::StatusOr<int> DocumentBuilder::ResolveActivity(int strand) {
  const absl::string_view title = Get(kActivity);
  if (title.empty()) {
    return CellError(kActivity, "is empty; every row needs an activity");
  }
  RETURN_IF_ERROR(CheckLength(kActivity, kMaxTitleLength));
  ASSIGN_OR_RETURN(const std::string explicit_id, ReadId(kActivityId));
  const DraftMatch match =
      activity_index_.Find(explicit_id, {strand, std::string(title)});
  if (match.clash) {
    const ActivityDraft& other = activities_[match.index];
    return CellError(
        kActivityId,
        absl::StrCat(
            "activity id ", QuoteForMessage(explicit_id), " is activity ",
            QuoteForMessage(other.title),
            other.strand < 0
                ? std::string()
                : absl::StrCat(" of strand ",
                               QuoteForMessage(strands_[other.strand].title)),
            " on line ", other.line));
  }
  int index = match.index;
  if (match.adopted) activities_[index].explicit_id = explicit_id;
  if (index < 0) {
    index = activity_index_.Add(explicit_id, {strand, std::string(title)});
    ActivityDraft activity;
    activity.strand = strand;
    activity.title = std::string(title);
    activity.explicit_id = explicit_id;
    activity.line = line_;
    activities_.push_back(std::move(activity));
  }
  return index;
}

absl::StatusOr<std::vector<WrittenOrganisation>> DocumentBuilder::ReadLeads() {
  std::vector<WrittenOrganisation> leads;
  for (absl::string_view piece :
       absl::StrSplit(Get(kLeadOrganisations), absl::ByAnyChar(";\r\n"))) {
    piece = Trim(piece);
    if (piece.empty()) continue;
    WrittenOrganisation written;
    written.display_name = OrganisationDisplayName(piece);
    written.id = OrganisationIdFor(piece);
    leads.push_back(std::move(written));
  }
  const absl::string_view ids = Get(kLeadOrganisationIds);
  if (!ids.empty()) {
    std::vector<absl::string_view> pieces =
        absl::StrSplit(ids, ';', absl::SkipWhitespace());
    if (pieces.size() != leads.size()) {
      return CellError(kLeadOrganisationIds,
                       absl::StrCat("has ", pieces.size(), " ids for ",
                                    leads.size(), " lead organisations"));
    }
    // With an explicit id the name is kept as written.
    std::vector<absl::string_view> names =
        absl::StrSplit(Get(kLeadOrganisations), absl::ByAnyChar(";\r\n"),
                       absl::SkipWhitespace());
    for (size_t i = 0; i < pieces.size(); ++i) {
      const absl::string_view id = Trim(pieces[i]);
      if (!IsValidId(id)) {
        return CellError(kLeadOrganisationIds,
                         absl::StrCat(QuoteForMessage(id), " is not an id"));
      }
      leads[i].id = std::string(id);
      leads[i].display_name = CollapseSpaces(names[i]);
    }
  }
  const absl::string_view kinds = Get(kLeadOrganisationKinds);
  if (!kinds.empty()) {
    std::vector<absl::string_view> pieces = absl::StrSplit(kinds, ';');
    if (pieces.size() != leads.size()) {
      return CellError(kLeadOrganisationKinds,
                       absl::StrCat("has ", pieces.size(), " kinds for ",
                                    leads.size(), " lead organisations"));
    }
    for (size_t i = 0; i < pieces.size(); ++i) {
      ASSIGN_OR_RETURN(leads[i].kind,
                       ParseKind(kLeadOrganisationKinds, Trim(pieces[i])));
    }
  }
  for (const WrittenOrganisation& lead : leads) {
    const std::string problem =
        plan::CheckText(lead.display_name, kMaxTitleLength);
    if (!problem.empty()) {
      return CellError(
          kLeadOrganisations,
          absl::StrCat("organisation ", QuoteForMessage(lead.display_name), " ",
                       problem));
    }
  }
  return leads;
}

absl::StatusOr<std::optional<WrittenOrganisation>>
DocumentBuilder::ReadOwner() {
  const absl::string_view owner = Get(kOwner);
  ASSIGN_OR_RETURN(const std::string explicit_id, ReadId(kOwnerId));
  ASSIGN_OR_RETURN(const v1::OrganisationKind kind,
                   ParseKind(kOwnerKind, Get(kOwnerKind)));
  if (owner.empty()) {
    if (!explicit_id.empty()) {
      return CellError(kOwner, absl::StrCat("is empty, but owner id \"",
                                            explicit_id, "\" is given"));
    }
    return std::optional<WrittenOrganisation>();
  }
  if (owner.find(';') != absl::string_view::npos) {
    return CellError(kOwner,
                     "names more than one organisation (';'); an action has "
                     "one owner");
  }
  RETURN_IF_ERROR(CheckLength(kOwner, kMaxTitleLength));
  WrittenOrganisation written;
  written.kind = kind;
  if (explicit_id.empty()) {
    written.id = OrganisationIdFor(owner);
    written.display_name = OrganisationDisplayName(owner);
  } else {
    written.id = explicit_id;
    written.display_name = CollapseSpaces(owner);
  }
  return written;
}

int DocumentBuilder::Register(const WrittenOrganisation& written) {
  auto [it, added] = organisation_index_.try_emplace(
      written.id, static_cast<int>(organisations_.size()));
  if (added) {
    OrganisationDraft draft;
    draft.id = written.id;
    draft.display_name = written.display_name;
    draft.kind = written.kind;
    draft.line = line_;
    draft.kind_line = written.kind == 0 ? 0 : line_;
    organisations_.push_back(std::move(draft));
    return it->second;
  }
  OrganisationDraft& draft = organisations_[it->second];
  if (draft.display_name != written.display_name) {
    Warn(line_,
         absl::StrCat("organisation \"", written.display_name, "\" is \"",
                      draft.display_name, "\" (line ", draft.line, "); kept \"",
                      draft.display_name, "\""));
  }
  if (written.kind != v1::ORGANISATION_KIND_UNSPECIFIED) {
    if (draft.kind == v1::ORGANISATION_KIND_UNSPECIFIED) {
      draft.kind = written.kind;
      draft.kind_line = line_;
    } else if (draft.kind != written.kind) {
      Warn(line_, absl::StrCat("organisation \"", draft.display_name,
                               "\" is of kind ", KindName(draft.kind),
                               " on line ", draft.kind_line, "; kept that"));
    }
  }
  return it->second;
}

absl::Status DocumentBuilder::ReadActivityCells(ActivityDraft* activity) {
  RETURN_IF_ERROR(ReadLeadOfficer(activity));
  RETURN_IF_ERROR(ReadLeadOrganisations(activity));
  RETURN_IF_ERROR(ReadDutyAreas(activity));
  return ReadCountyActivity(activity);
}

absl::Status DocumentBuilder::ReadLeadOfficer(ActivityDraft* activity) {
  const absl::string_view officer = Get(kLeadOfficer);
  if (officer.empty()) return absl::OkStatus();
  RETURN_IF_ERROR(CheckLength(kLeadOfficer, kMaxTitleLength));
  if (activity->lead_officer_line == 0) {
    activity->lead_officer = std::string(officer);
    activity->lead_officer_line = line_;
  } else if (activity->lead_officer != officer) {
    Warn(line_, absl::StrCat("activity \"", activity->title,
                             "\" has another lead officer on line ",
                             activity->lead_officer_line, "; kept that"));
  }
  return absl::OkStatus();
}

absl::Status DocumentBuilder::ReadLeadOrganisations(ActivityDraft* activity) {
  ASSIGN_OR_RETURN(std::vector<WrittenOrganisation> leads, ReadLeads());
  if (leads.empty()) return absl::OkStatus();
  if (activity->leads_line == 0) {
    absl::flat_hash_set<std::string> seen;
    for (const WrittenOrganisation& lead : leads) {
      if (!seen.insert(lead.id).second) {
        Warn(line_, absl::StrCat("lead organisation \"", lead.display_name,
                                 "\" is named twice; kept once"));
        continue;
      }
      activity->leads.push_back(Register(lead));
    }
    activity->leads_line = line_;
    return absl::OkStatus();
  }
  std::vector<std::string> ids, kept;
  for (const WrittenOrganisation& lead : leads) {
    if (std::find(ids.begin(), ids.end(), lead.id) == ids.end()) {
      ids.push_back(lead.id);
    }
  }
  for (int index : activity->leads) kept.push_back(organisations_[index].id);
  if (ids != kept) {
    Warn(line_, absl::StrCat("activity \"", activity->title,
                             "\" has other lead organisations on line ",
                             activity->leads_line, "; kept those"));
  }
  return absl::OkStatus();
}

absl::Status DocumentBuilder::ReadDutyAreas(ActivityDraft* activity) {
  const absl::string_view duty_cell = Get(kDutyAreas);
  if (duty_cell.empty()) return absl::OkStatus();
  std::vector<v1::DutyArea> areas;
  for (absl::string_view piece : absl::StrSplit(
           duty_cell, absl::ByAnyChar(";, \t\r\n"), absl::SkipEmpty())) {
    v1::DutyArea area;
    if (!v1::DutyArea_Parse(absl::AsciiStrToUpper(piece), &area) ||
        area == v1::DUTY_AREA_UNSPECIFIED) {
      return CellError(kDutyAreas,
                       absl::StrCat(QuoteForMessage(piece),
                                    " is not a duty area (RISK, ACTION, "
                                    "RECOGNISE, PARTNERSHIP, REFERRAL, "
                                    "COMPLIANCE)"));
    }
    if (std::find(areas.begin(), areas.end(), area) != areas.end()) {
      Warn(line_, absl::StrCat("duty area ", v1::DutyArea_Name(area),
                               " is named twice; kept once"));
      continue;
    }
    areas.push_back(area);
  }
  if (activity->duty_areas_line == 0) {
    activity->duty_areas = std::move(areas);
    activity->duty_areas_line = line_;
  } else if (activity->duty_areas != areas) {
    Warn(line_, absl::StrCat("activity \"", activity->title,
                             "\" has other duty areas on line ",
                             activity->duty_areas_line, "; kept those"));
  }
  return absl::OkStatus();
}

// The county objective an activity contributes to: the first row that names
// one.
absl::Status DocumentBuilder::ReadCountyActivity(ActivityDraft* activity) {
  const absl::string_view county = Get(kCountyActivity);
  if (county.empty() || !activity->county_activity.empty()) {
    return absl::OkStatus();
  }
  if (!ResourceName::ParseAs(Kind::kActivity, county).ok()) {
    return CellError(kCountyActivity,
                     absl::StrCat(QuoteForMessage(county),
                                  " is not an activity name "
                                  "(plans/{plan}/activities/{activity})"));
  }
  activity->county_activity = std::string(county);
  return absl::OkStatus();
}

absl::Status DocumentBuilder::ReadAction(ActivityDraft* activity) {
  const absl::string_view description = Get(kAction);
  const absl::string_view text = Get(kTimescale);
  const absl::string_view start = Get(kTimescaleStart);
  const absl::string_view end = Get(kTimescaleEnd);
  const absl::string_view ongoing = Get(kTimescaleOngoing);
  if (description.empty()) {
    if (!text.empty() || !Get(kRag).empty() || !Get(kOwner).empty() ||
        !Get(kActionId).empty() || !start.empty() || !end.empty() ||
        !ongoing.empty()) {
      Warn(line_,
           "no action on this row; its timescale, RAG, owner and action id "
           "are ignored");
    }
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(CheckLength(kAction, kMaxTextLength));
  RETURN_IF_ERROR(CheckLength(kTimescale, kMaxTitleLength));
  ActionDraft draft;
  draft.line = line_;
  ASSIGN_OR_RETURN(draft.explicit_id, ReadId(kActionId));
  if (!draft.explicit_id.empty()) {
    for (const ActionDraft& other : activity->actions) {
      if (other.explicit_id == draft.explicit_id) {
        return CellError(kActionId,
                         absl::StrCat("action id \"", draft.explicit_id,
                                      "\" is used on line ", other.line,
                                      " in the same activity"));
      }
    }
  }
  v1::Action& action = draft.action;
  action.set_description(std::string(description));

  v1::Timescale timescale;
  TimescaleParse derived = DeriveTimescale(text);
  timescale = derived.timescale;
  if (!start.empty() || !end.empty() || !ongoing.empty()) {
    for (auto [column, value] : {std::make_pair(kTimescaleStart, start),
                                 std::make_pair(kTimescaleEnd, end)}) {
      if (!value.empty() && !IsValidMonth(value)) {
        return CellError(column, absl::StrCat(QuoteForMessage(value),
                                              " is not a month (YYYY-MM)"));
      }
    }
    if (!start.empty() && !end.empty() && start > end) {
      return CellError(kTimescaleEnd,
                       absl::StrCat(QuoteForMessage(end), " is before start ",
                                    QuoteForMessage(start)));
    }
    const std::string flag = absl::AsciiStrToLower(ongoing);
    bool is_ongoing;
    if (flag.empty() || flag == "no" || flag == "false" || flag == "n" ||
        flag == "0") {
      is_ongoing = false;
    } else if (flag == "yes" || flag == "true" || flag == "y" || flag == "1") {
      is_ongoing = true;
    } else {
      return CellError(kTimescaleOngoing, absl::StrCat(QuoteForMessage(ongoing),
                                                       " is not yes or no"));
    }
    timescale.set_start(std::string(start));
    timescale.set_end(std::string(end));
    timescale.set_ongoing(is_ongoing);
  } else if (!derived.note.empty()) {
    Warn(line_, derived.note);
  }
  if (timescale.ByteSizeLong() > 0) *action.mutable_timescale() = timescale;

  const std::optional<v1::Rag> rag = ParseRag(Get(kRag));
  if (!rag.has_value()) {
    return CellError(kRag, absl::StrCat(QuoteForMessage(Get(kRag)),
                                        " is not RED, AMBER, GREEN, BLUE "
                                        "(complete) or empty"));
  }
  action.set_rag(*rag);

  ASSIGN_OR_RETURN(std::optional<WrittenOrganisation> owner, ReadOwner());
  if (owner.has_value()) {
    const int index = Register(*owner);
    action.set_owner_organisation(
        absl::StrCat("organisations/", organisations_[index].id));
  }
  activity->actions.push_back(std::move(draft));
  return absl::OkStatus();
}

absl::Status DocumentBuilder::ReadRow(const std::vector<Cell>& cells,
                                      size_t count) {
  cells_ = &cells;
  line_ = cells[0].at.line;
  bool blank = true;
  for (size_t i = 0; i < count && blank; ++i) {
    blank = Trim(cells[i].text).empty();
  }
  if (blank) return absl::OkStatus();
  if (count != header_.size()) {
    return CsvError(absl::StrCat("line ", line_, ", column ", count + 1,
                                 ": row ends after ", count,
                                 " fields; the header has ", header_.size()));
  }
  ASSIGN_OR_RETURN(const int strand, ResolveStrand());
  ASSIGN_OR_RETURN(const int index, ResolveActivity(strand));
  RETURN_IF_ERROR(ReadActivityCells(&activities_[index]));
  return ReadAction(&activities_[index]);
}

absl::StatusOr<ParsedPlan> DocumentBuilder::Finish() {
  PlanDocument& doc = parsed_.document;
  if (activities_.empty()) {
    Warn(line_, "the plan has no activities");
  }

  // Ids: explicit ones, or made from titles, unique among siblings.
  AssignIds(&strands_,
            [](const StrandDraft& strand) { return SlugId(strand.title); });
  AssignIds(&activities_, [](const ActivityDraft& activity) {
    return SlugId(activity.title);
  });

  for (size_t i = 0; i < strands_.size(); ++i) {
    v1::Strand strand;
    strand.set_name(absl::StrCat(plan_name_, "/strands/", strands_[i].id));
    strand.set_title(strands_[i].title);
    strand.set_description(strands_[i].description);
    strand.set_position(PositionKey(i, strands_.size()));
    doc.strands.push_back(std::move(strand));
  }

  // Organisations in order of first reference in the document.
  std::vector<int> order;
  std::vector<bool> placed(organisations_.size(), false);
  const auto place = [&](int index) {
    if (!placed[index]) {
      placed[index] = true;
      order.push_back(index);
    }
  };

  for (size_t i = 0; i < activities_.size(); ++i) {
    ActivityDraft& draft = activities_[i];
    ActivityEntry entry;
    v1::Activity& activity = entry.activity;
    activity.set_name(absl::StrCat(plan_name_, "/activities/", draft.id));
    if (draft.strand >= 0) {
      activity.set_strand(doc.strands[draft.strand].name());
    }
    activity.set_title(draft.title);
    activity.set_lead_officer(draft.lead_officer);
    for (int lead : draft.leads) {
      activity.add_lead_organisations(
          absl::StrCat("organisations/", organisations_[lead].id));
      place(lead);
    }
    for (v1::DutyArea area : draft.duty_areas) activity.add_duty_areas(area);
    activity.set_county_activity(draft.county_activity);
    activity.set_position(PositionKey(i, activities_.size()));

    AssignIds(&draft.actions, [](const ActionDraft& action) {
      return SlugId(action.action.description(), 40);
    });
    for (size_t k = 0; k < draft.actions.size(); ++k) {
      ActionDraft& action_draft = draft.actions[k];
      v1::Action action = std::move(action_draft.action);
      action.set_name(
          absl::StrCat(activity.name(), "/actions/", action_draft.id));
      action.set_position(PositionKey(k, draft.actions.size()));
      if (!action.owner_organisation().empty()) {
        place(organisation_index_.at(
            std::string(LastId(action.owner_organisation()))));
      }
      entry.actions.push_back(std::move(action));
    }
    doc.activities.push_back(std::move(entry));
  }
  for (int index : order) {
    const OrganisationDraft& draft = organisations_[index];
    v1::Organisation organisation;
    organisation.set_name(absl::StrCat("organisations/", draft.id));
    organisation.set_display_name(draft.display_name);
    organisation.set_kind(draft.kind);
    doc.organisations.push_back(std::move(organisation));
  }

  // Every cell was checked as it was read; this is a safety net that names
  // the line of any resource the model would still refuse.
  FieldViolations violations;
  const auto validate = [&](Kind kind, const google::protobuf::Message& m,
                            int line) {
    ValidateFields(kind, m, DataFields(*m.GetDescriptor()),
                   absl::StrCat("line ", line), &violations);
  };
  for (size_t i = 0; i < strands_.size(); ++i) {
    validate(Kind::kStrand, doc.strands[i], strands_[i].line);
  }
  for (size_t i = 0; i < activities_.size(); ++i) {
    validate(Kind::kActivity, doc.activities[i].activity, activities_[i].line);
    for (size_t k = 0; k < doc.activities[i].actions.size(); ++k) {
      validate(Kind::kAction, doc.activities[i].actions[k],
               activities_[i].actions[k].line);
    }
  }
  for (size_t i = 0; i < order.size(); ++i) {
    validate(Kind::kOrganisation, doc.organisations[i],
             organisations_[order[i]].line);
  }
  if (!violations.empty()) {
    return CsvError(violations.ToStatus().message());
  }
  warnings_.Finish(line_);
  return std::move(parsed_);
}

}  // namespace

absl::StatusOr<ParsedPlan> ParsePlanCsv(absl::string_view content,
                                        const v1::Plan& plan) {
  if (content.size() > kMaxCsvBytes) {
    return CsvError(absl::StrCat("input is ", content.size(),
                                 " bytes; at most ", kMaxCsvBytes,
                                 " (10 MB) are accepted"));
  }
  if (HasUtf16ByteOrderMark(content)) {
    return CsvError(
        "input is UTF-16 text; save the spreadsheet as \"CSV UTF-8\"");
  }
  content.remove_prefix(Utf8ByteOrderMarkLength(content));
  if (Trim(content).empty()) {
    return CsvError("input is empty; expected a header row and plan rows");
  }
  RETURN_IF_ERROR(CheckText(content));

  DocumentBuilder builder(plan);
  CsvTokenizer tokenizer(content);
  std::vector<Cell> cells;
  size_t count = 0;
  bool have_header = false;
  while (true) {
    const size_t max_fields =
        have_header ? builder.column_count() : kMaxColumns;
    const std::string limit =
        have_header
            ? absl::StrCat("the header has ", max_fields)
            : absl::StrCat("a plan has at most ", kMaxColumns, " columns");
    ASSIGN_OR_RETURN(const bool more,
                     tokenizer.Next(max_fields, limit, &cells, &count));
    if (!more) break;
    if (!have_header) {
      bool blank = true;
      for (size_t i = 0; i < count && blank; ++i) {
        blank = Trim(cells[i].text).empty();
      }
      if (blank) continue;
      RETURN_IF_ERROR(builder.ReadHeader(cells, count));
      have_header = true;
      continue;
    }
    RETURN_IF_ERROR(builder.ReadRow(cells, count));
  }
  if (!have_header) {
    return CsvError("input has only blank rows; expected a header row");
  }
  return builder.Finish();
}

}  // namespace plan
