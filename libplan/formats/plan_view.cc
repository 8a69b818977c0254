#include "libplan/formats/plan_view.h"

#include "absl/strings/str_cat.h"
#include "libplan/formats/timescale.h"
#include "libplan/model/rag.h"
#include "libplan/model/validation.h"
#include "libplan/util/uk_time.h"

namespace plan {

PlanView::PlanView(const PlanDocument& doc) : doc_(doc) {
  for (const v1::Organisation& organisation : doc.organisations) {
    organisations_.emplace(organisation.name(), &organisation);
  }
  for (const v1::Strand& strand : doc.strands) {
    if (strands_.emplace(strand.name(), &strand).second) {
      groups_.push_back({&strand, {}});
    }
  }
  absl::flat_hash_map<const v1::Strand*, size_t> group_of;
  for (size_t i = 0; i < groups_.size(); ++i) group_of[groups_[i].strand] = i;
  StrandGroup unassigned;
  for (const ActivityEntry& entry : doc.activities) {
    const v1::Strand* strand = FindStrand(entry.activity.strand());
    if (strand == nullptr) {
      unassigned.activities.push_back(&entry);
    } else {
      groups_[group_of[strand]].activities.push_back(&entry);
    }
  }
  if (!unassigned.activities.empty()) groups_.push_back(std::move(unassigned));
}

const v1::Organisation* PlanView::FindOrganisation(
    absl::string_view name) const {
  auto it = organisations_.find(name);
  return it == organisations_.end() ? nullptr : it->second;
}

std::string PlanView::OrganisationName(absl::string_view name) const {
  const v1::Organisation* organisation = FindOrganisation(name);
  if (organisation != nullptr && !organisation->display_name().empty()) {
    return organisation->display_name();
  }
  return std::string(LastId(name));
}

const v1::Strand* PlanView::FindStrand(absl::string_view name) const {
  auto it = strands_.find(name);
  return it == strands_.end() ? nullptr : it->second;
}

v1::RagCounts CountRags(const StrandGroup& group, absl::CivilDay today) {
  v1::RagCounts counts;
  for (const ActivityEntry* entry : group.activities) {
    for (const v1::Action& action : entry->actions) {
      CountRag(action.rag(), &counts);
      if (IsOverdue(action.timescale(), action.rag(), today)) {
        counts.set_overdue(counts.overdue() + 1);
      }
    }
  }
  return counts;
}

absl::string_view LevelLabel(v1::PlanLevel level) {
  switch (level) {
    case v1::DISTRICT:
      return "District action plan";
    case v1::COUNTY:
      return "County delivery plan";
    default:
      return "";
  }
}

std::string MonthLabel(absl::string_view month) {
  if (!IsValidMonth(month)) return std::string(month);
  const int mm = (month[5] - '0') * 10 + (month[6] - '0');
  return absl::StrCat(UkMonthName(mm), " ", month.substr(0, 4));
}

std::string PeriodLabel(const v1::Plan& plan) {
  const std::string start = MonthLabel(plan.period_start());
  const std::string end = MonthLabel(plan.period_end());
  if (!start.empty() && !end.empty()) {
    return absl::StrCat(start, " \u2013 ", end);
  }
  if (!start.empty()) return absl::StrCat("from ", start);
  if (!end.empty()) return absl::StrCat("to ", end);
  return "";
}

std::string DayLabel(absl::CivilDay day) { return UkDateLabel(day); }

absl::string_view HtmlEntity(char c) {
  switch (c) {
    case '&':
      return "&amp;";
    case '<':
      return "&lt;";
    case '>':
      return "&gt;";
    case '"':
      return "&quot;";
    case '\'':
      return "&#39;";
    default:
      return "";
  }
}

std::string EscapeText(absl::string_view text, absl::string_view line_break,
                       absl::string_view (*escape)(char)) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      out.append(line_break.data(), line_break.size());
    } else if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
      continue;
    } else if (const absl::string_view escaped = escape(c); !escaped.empty()) {
      out.append(escaped.data(), escaped.size());
    } else {
      out += c;
    }
  }
  return out;
}

absl::string_view LastId(absl::string_view name) {
  const size_t slash = name.rfind('/');
  return slash == absl::string_view::npos ? name : name.substr(slash + 1);
}

}  // namespace plan
