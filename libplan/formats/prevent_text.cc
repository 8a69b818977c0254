// ParsePreventText in steps, each with its own header: the input checked and
// split into lines (prevent_lines.h); the plan table read into raw strands,
// activities and rows (prevent_table.h, which rejoins cut words with
// prevent_word_repair.h); lead cells read (prevent_lead.h); actions and
// timescales assembled (prevent_actions.h). This file reads the plan's heading
// and makes the resources.
#include "libplan/formats/prevent_text.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "libplan/formats/import_support.h"
#include "libplan/formats/naming.h"
#include "libplan/formats/prevent_actions.h"
#include "libplan/formats/prevent_lead.h"
#include "libplan/formats/prevent_lines.h"
#include "libplan/formats/prevent_table.h"
#include "libplan/formats/prevent_words.h"
#include "libplan/model/names.h"
#include "libplan/model/rag.h"
#include "libplan/model/validation.h"
#include "libplan/util/errors.h"
#include "libplan/util/status_macros.h"
#include "libplan/util/utf8.h"

namespace plan {
namespace {

using prevent_text::ActionDraft;
using prevent_text::Cells;
using prevent_text::ColumnHeader;
using prevent_text::DashLength;
using prevent_text::DateEntry;
using prevent_text::HasAlnum;
using prevent_text::InputError;
using prevent_text::LeadReading;
using prevent_text::Lower;
using prevent_text::RawActivity;
using prevent_text::RawStrand;
using prevent_text::RawTable;

// The title of the plan, and its line.
struct Title {
  std::string text;
  int line = 0;
};

// The plan period a title names at title[i] ("2023-2025", "2023/24",
// "2023 – 2025", "2023 to 2025"): its first and last years.
std::optional<std::pair<int, int>> YearsAt(const std::string& title, size_t i) {
  const auto digits_from = [](absl::string_view text, size_t from) {
    size_t k = from;
    while (k < text.size() &&
           absl::ascii_isdigit(static_cast<unsigned char>(text[k]))) {
      ++k;
    }
    return k - from;
  };
  if (i > 0 && absl::ascii_isdigit(static_cast<unsigned char>(title[i - 1]))) {
    return std::nullopt;
  }
  if (digits_from(title, i) != 4) return std::nullopt;
  const int first = std::stoi(title.substr(i, 4));
  absl::string_view rest = absl::string_view(title).substr(i + 4);
  while (absl::StartsWith(rest, " ")) rest.remove_prefix(1);
  size_t sep = DashLength(rest);
  if (sep == 0 && absl::StartsWith(rest, "/")) sep = 1;
  if (sep == 0 && absl::StartsWith(rest, "to ")) sep = 2;
  if (sep == 0) return std::nullopt;
  rest.remove_prefix(sep);
  while (absl::StartsWith(rest, " ")) rest.remove_prefix(1);
  const size_t digits = digits_from(rest, 0);
  if (digits != 2 && digits != 4) return std::nullopt;
  int last = std::stoi(std::string(rest.substr(0, digits)));
  if (digits == 2) last += first / 100 * 100;
  if (first < 1900 || last <= first || last - first > 10) return std::nullopt;
  return std::make_pair(first, last);
}

class Reader {
 public:
  Reader(std::vector<std::string> lines, ResourceName plan,
         WarningSink* warnings)
      : lines_(std::move(lines)), plan_(std::move(plan)), warnings_(warnings) {}

  absl::StatusOr<PlanDocument> Read();

 private:
  void Warn(int line, std::string message) {
    warnings_->Warn(line, std::move(message));
  }
  // The last line of the input (not the empty one after a final newline).
  int LastLine() const {
    const size_t n = lines_.size();
    return static_cast<int>(n > 1 && lines_.back().empty() ? n - 1 : n);
  }
  std::string Fit(absl::string_view text, size_t max_chars, int line,
                  absl::string_view what) {
    return prevent_text::FitText(text, max_chars, line, what, warnings_);
  }

  // The plan: its title, area, level and period, from the lines before the
  // table's first column header, lines_[header_index].
  void ReadPlanHeading(size_t header_index);
  // The table's title row, else the first line naming a plan, else the first
  // line, else the plan's id.
  Title FindTitle(size_t header_index);
  std::optional<Title> TableTitleRow(size_t header_index) const;
  std::optional<Title> FirstLineNamingAPlan(size_t header_index) const;
  std::optional<Title> FirstTextLine(size_t header_index);
  void ReadLevelAndPeriod(const Title& title);

  // The name of the organisation written `written`, added to the document
  // and its partners when new.
  std::string Organisation(absl::string_view written);
  void BuildStrands(const std::vector<RawStrand>& strands);
  void BuildActivity(const RawActivity& raw, size_t index, size_t count,
                     UniqueIds* activity_ids);
  // Sets the lead organisations and officer of `activity`; the leads.
  std::set<std::string> ReadLeads(const RawActivity& raw,
                                  v1::Activity* activity);
  v1::Action BuildAction(const ActionDraft& draft, const ResourceName& activity,
                         const std::set<std::string>& leads,
                         UniqueIds* action_ids);
  // The owner organisation of `draft`, or empty: none, or one of `leads`.
  std::string ActionOwner(const ActionDraft& draft,
                          const std::set<std::string>& leads);

  const std::vector<std::string> lines_;
  const ResourceName plan_;
  WarningSink* const warnings_;
  PlanDocument doc_;
  absl::flat_hash_map<std::string, size_t> organisation_index_;
  std::vector<std::string> strand_names_;
};

void Reader::ReadPlanHeading(size_t header_index) {
  const Title title = FindTitle(header_index);
  if (header_index > 0) {
    Warn(1, absl::StrCat("lines 1-", header_index,
                         " come before the plan table (narrative and the "
                         "title): skipped"));
  }
  v1::Plan& plan = doc_.plan;
  plan.set_name(plan_.str());
  plan.set_title(title.text);
  const size_t prevent = Lower(title.text).find(" prevent");
  if (prevent != std::string::npos && prevent > 0) {
    plan.set_area(CollapseSpaces(title.text.substr(0, prevent)));
  }
  ReadLevelAndPeriod(title);
}

Title Reader::FindTitle(size_t header_index) {
  if (std::optional<Title> title = TableTitleRow(header_index)) return *title;
  if (std::optional<Title> title = FirstLineNamingAPlan(header_index)) {
    return *title;
  }
  if (std::optional<Title> title = FirstTextLine(header_index)) return *title;
  Title title{std::string(plan_.id()), 1};
  Warn(1, absl::StrCat("no title before the plan table: the plan is titled ",
                       QuoteForMessage(title.text), " after its id"));
  return title;
}

// The row just above the table, when it is one cell naming a plan.
std::optional<Title> Reader::TableTitleRow(size_t header_index) const {
  for (size_t k = header_index; k-- > 0;) {
    const std::vector<std::string> cells = Cells(lines_[k]);
    if (cells.empty()) continue;
    const size_t filled =
        std::count_if(cells.begin(), cells.end(),
                      [](const std::string& cell) { return !cell.empty(); });
    if (filled == 1 && !cells[0].empty() &&
        absl::StrContains(Lower(cells[0]), "plan") &&
        Utf8CharCount(cells[0]) <= kMaxTitleLength) {
      return Title{cells[0], static_cast<int>(k) + 1};
    }
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<Title> Reader::FirstLineNamingAPlan(size_t header_index) const {
  for (size_t k = 0; k < header_index; ++k) {
    const std::string text = CollapseSpaces(lines_[k]);
    if (absl::StrContains(Lower(text), "plan") &&
        Utf8CharCount(text) <= kMaxTitleLength && HasAlnum(text)) {
      return Title{text, static_cast<int>(k) + 1};
    }
  }
  return std::nullopt;
}

std::optional<Title> Reader::FirstTextLine(size_t header_index) {
  for (size_t k = 0; k < header_index; ++k) {
    const std::string text = CollapseSpaces(lines_[k]);
    if (!HasAlnum(text)) continue;
    const int line = static_cast<int>(k) + 1;
    Title title{Fit(text, kMaxTitleLength, line, "the plan title"), line};
    Warn(line,
         absl::StrCat("no line names the plan: its first line ",
                      QuoteForMessage(title.text), " is taken as the title"));
    return title;
  }
  return std::nullopt;
}

void Reader::ReadLevelAndPeriod(const Title& title) {
  v1::Plan& plan = doc_.plan;
  const std::string lower = Lower(title.text);
  if (absl::StrContains(lower, "delivery plan")) {
    plan.set_level(v1::COUNTY);
    Warn(title.line,
         "level COUNTY: the title names a delivery plan (county plans are "
         "delivery plans, district plans action plans)");
  } else if (absl::StrContains(lower, "action plan")) {
    plan.set_level(v1::DISTRICT);
    Warn(title.line,
         "level DISTRICT: the title names an action plan (district plans are "
         "action plans, county plans delivery plans)");
  }
  // UK financial years: April of the first to March of the last.
  for (size_t i = 0; i + 4 <= title.text.size(); ++i) {
    const std::optional<std::pair<int, int>> years = YearsAt(title.text, i);
    if (!years.has_value()) continue;
    const auto [first, last] = *years;
    plan.set_period_start(absl::StrFormat("%04d-04", first));
    plan.set_period_end(absl::StrFormat("%04d-03", last));
    Warn(title.line,
         absl::StrFormat("the plan period %d-%d is read as UK financial "
                         "years: April %d to March %d",
                         first, last, first, last));
    return;
  }
}

std::string Reader::Organisation(absl::string_view written) {
  const std::string id = OrganisationIdFor(written);
  const std::string name =
      ResourceName::Child(nullptr, Kind::kOrganisation, id).str();
  if (!organisation_index_.contains(id)) {
    v1::Organisation organisation;
    organisation.set_name(name);
    organisation.set_display_name(std::string(
        Utf8Prefix(OrganisationDisplayName(written), kMaxTitleLength)));
    organisation.set_kind(prevent_text::KindOf(organisation.display_name()));
    organisation_index_[id] = doc_.organisations.size();
    doc_.organisations.push_back(std::move(organisation));
    doc_.plan.add_partner_organisations(name);
  }
  return name;
}

void Reader::BuildStrands(const std::vector<RawStrand>& strands) {
  UniqueIds ids;
  for (size_t i = 0; i < strands.size(); ++i) {
    const RawStrand& raw = strands[i];
    v1::Strand strand;
    const ResourceName name = ResourceName::Child(
        &plan_, Kind::kStrand, ids.Unique(SlugId(raw.title)));
    strand.set_name(name.str());
    strand.set_title(Fit(raw.title, kMaxTitleLength, raw.line, "strand title"));
    strand.set_description(
        Fit(raw.description, kMaxTextLength, raw.line, "strand description"));
    strand.set_position(PositionKey(i, strands.size()));
    strand_names_.push_back(name.str());
    doc_.strands.push_back(std::move(strand));
  }
}

std::set<std::string> Reader::ReadLeads(const RawActivity& raw,
                                        v1::Activity* activity) {
  const LeadReading reading =
      prevent_text::ReadLead(absl::StrJoin(raw.lead_parts, " "));
  for (const std::string& note : reading.notes) Warn(raw.line, note);
  std::set<std::string> leads;
  for (const std::string& written : reading.organisations) {
    const std::string org = Organisation(written);
    if (leads.insert(org).second) activity->add_lead_organisations(org);
  }
  activity->set_lead_officer(
      Fit(reading.officer, kMaxTitleLength, raw.line, "the lead officer"));
  return leads;
}

void Reader::BuildActivity(const RawActivity& raw, size_t index, size_t count,
                           UniqueIds* activity_ids) {
  ActivityEntry entry;
  v1::Activity& activity = entry.activity;
  const std::string title =
      Fit(absl::StrJoin(raw.title_parts, " "), kMaxTitleLength, raw.line,
          "the activity title");
  const ResourceName name = ResourceName::Child(
      &plan_, Kind::kActivity, activity_ids->Unique(SlugId(title)));
  activity.set_name(name.str());
  activity.set_title(title);
  if (raw.strand >= 0) activity.set_strand(strand_names_[raw.strand]);
  activity.set_position(PositionKey(index, count));
  const std::set<std::string> leads = ReadLeads(raw, &activity);

  std::vector<DateEntry> dates = prevent_text::ActivityDates(raw);
  std::vector<ActionDraft> drafts =
      prevent_text::SplitActions(raw, dates, warnings_);
  prevent_text::AssignTimescales(raw, std::move(dates), &drafts, warnings_);
  if (drafts.empty()) {
    Warn(raw.line, absl::StrCat("the activity ", QuoteForMessage(title),
                                " has no actions"));
  }
  UniqueIds action_ids;
  for (size_t a = 0; a < drafts.size(); ++a) {
    v1::Action action = BuildAction(drafts[a], name, leads, &action_ids);
    action.set_position(PositionKey(a, drafts.size()));
    entry.actions.push_back(std::move(action));
  }
  doc_.activities.push_back(std::move(entry));
}

v1::Action Reader::BuildAction(const ActionDraft& draft,
                               const ResourceName& activity,
                               const std::set<std::string>& leads,
                               UniqueIds* action_ids) {
  v1::Action action;
  const std::string description =
      Fit(draft.text, kMaxTextLength, draft.line, "the action");
  action.set_name(
      ResourceName::Child(&activity, Kind::kAction,
                          action_ids->Unique(SlugId(description, 40)))
          .str());
  action.set_description(description);
  if (draft.timescale.has_value()) {
    *action.mutable_timescale() = *draft.timescale;
  }
  if (!draft.rag.empty()) {
    if (std::optional<v1::Rag> rag = ParseRag(draft.rag)) {
      action.set_rag(*rag);
    } else {
      Warn(draft.line, absl::StrCat("RAG ", QuoteForMessage(draft.rag),
                                    " is not red, amber, green or blue "
                                    "(complete): ignored"));
    }
  }
  action.set_owner_organisation(ActionOwner(draft, leads));
  return action;
}

std::string Reader::ActionOwner(const ActionDraft& draft,
                                const std::set<std::string>& leads) {
  if (draft.owner.empty()) return "";
  const LeadReading owner = prevent_text::ReadLead(draft.owner);
  for (const std::string& note : owner.notes) Warn(draft.owner_line, note);
  if (owner.organisations.empty()) {
    Warn(draft.owner_line,
         absl::StrCat(QuoteForMessage(draft.owner),
                      " names no organisation: the action has no owner"));
    return "";
  }
  if (owner.organisations.size() > 1) {
    Warn(draft.owner_line,
         absl::StrCat(QuoteForMessage(draft.owner),
                      " names several organisations: the action's "
                      "owner is the first, ",
                      owner.organisations.front()));
  }
  const std::string org = Organisation(owner.organisations.front());
  return leads.count(org) == 0 ? org : "";
}

absl::StatusOr<PlanDocument> Reader::Read() {
  size_t header_index = lines_.size();
  for (size_t i = 0; i < lines_.size(); ++i) {
    if (ColumnHeader(Cells(lines_[i])).has_value()) {
      header_index = i;
      break;
    }
  }
  if (header_index == lines_.size()) {
    return InputError(
        LastLine(), 1,
        "no plan table: no column header row (\"Activity\", then \"Lead "
        "Officer & Organisation\", \"Actions\", \"Timescales\" and \"RAG\", "
        "separated by tabs) in the input");
  }
  ReadPlanHeading(header_index);
  const RawTable table = prevent_text::ReadTable(lines_, header_index,
                                                 doc_.plan.title(), warnings_);
  if (table.activities.empty()) {
    return InputError(
        LastLine(), 1,
        absl::StrCat("no plan table: the table whose header is on line ",
                     header_index + 1, " has no activity rows"));
  }
  BuildStrands(table.strands);
  UniqueIds activity_ids;
  for (size_t i = 0; i < table.activities.size(); ++i) {
    BuildActivity(table.activities[i], i, table.activities.size(),
                  &activity_ids);
  }
  warnings_->Finish(LastLine());
  return std::move(doc_);
}

}  // namespace

absl::StatusOr<ParsedPlan> ParsePreventText(absl::string_view content,
                                            absl::string_view plan_name) {
  absl::StatusOr<ResourceName> plan =
      ResourceName::ParseAs(Kind::kPlan, plan_name);
  if (!plan.ok()) {
    return Error(absl::StatusCode::kInvalidArgument, "INVALID_ARGUMENT",
                 absl::StrCat("plan name: ", plan.status().message()));
  }
  ParsedPlan parsed;
  WarningSink warnings(&parsed.warnings);
  ASSIGN_OR_RETURN(std::vector<std::string> lines,
                   prevent_text::SplitLines(content, &warnings));
  Reader reader(std::move(lines), *std::move(plan), &warnings);
  ASSIGN_OR_RETURN(parsed.document, reader.Read());
  std::stable_sort(parsed.warnings.begin(), parsed.warnings.end(),
                   [](const FormatWarning& a, const FormatWarning& b) {
                     return a.line < b.line;
                   });
  return parsed;
}

}  // namespace plan
