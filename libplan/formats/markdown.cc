#include "libplan/formats/markdown.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libplan/formats/plan_view.h"
#include "libplan/formats/timescale.h"
#include "libplan/model/rag.h"

namespace plan {
namespace {

// The backslash escape of `c` when it could start emphasis, code, a link,
// HTML, a table cell, a heading or strikethrough (CommonMark allows one before
// any ASCII punctuation).
absl::string_view MarkdownEscape(char c) {
  switch (c) {
    case '\\':
      return "\\\\";
    case '`':
      return "\\`";
    case '*':
      return "\\*";
    case '_':
      return "\\_";
    case '[':
      return "\\[";
    case ']':
      return "\\]";
    case '<':
      return "\\<";
    case '>':
      return "\\>";
    case '|':
      return "\\|";
    case '#':
      return "\\#";
    case '~':
      return "\\~";
    case '&':
      return "\\&";
    default:
      return "";
  }
}

// Plan text as inline Markdown: never markup, and on one line (line breaks
// become <br>), so it fits a table cell or a heading.
std::string Escape(absl::string_view text) {
  return EscapeText(text, "<br>", MarkdownEscape);
}

// Escape, and also escapes what would make a paragraph a list, quote,
// heading or setext underline.
std::string EscapeParagraph(absl::string_view text) {
  std::string out = Escape(text);
  size_t digits = 0;
  while (digits < out.size() && out[digits] >= '0' && out[digits] <= '9') {
    ++digits;
  }
  if (digits > 0 && digits < out.size() &&
      (out[digits] == '.' || out[digits] == ')')) {
    out.insert(digits, 1, '\\');
  } else if (!out.empty() && (out[0] == '-' || out[0] == '+' || out[0] == '=' ||
                              out[0] == ' ')) {
    out.insert(0, 1, '\\');
  }
  return out;
}

std::string SummaryRow(absl::string_view label, const v1::RagCounts& c) {
  return absl::StrCat("| ", label, " | ", c.total(), " | ", c.red(), " | ",
                      c.amber(), " | ", c.green(), " | ", c.blue(), " | ",
                      c.unset(), " | ", c.overdue(), " |\n");
}

// The title, the facts line (area, period, level) and the partners.
std::string Header(const PlanView& view, const v1::Plan& plan) {
  std::string out = absl::StrCat(
      "# ", Escape(plan.title().empty() ? "Prevent plan" : plan.title()),
      "\n\n");
  std::vector<std::string> facts;
  if (!plan.area().empty()) {
    facts.push_back(absl::StrCat("**Area:** ", Escape(plan.area())));
  }
  if (const std::string period = PeriodLabel(plan); !period.empty()) {
    facts.push_back(absl::StrCat("**Period:** ", period));
  }
  if (const absl::string_view level = LevelLabel(plan.level());
      !level.empty()) {
    facts.push_back(std::string(level));
  }
  if (!facts.empty())
    absl::StrAppend(&out, absl::StrJoin(facts, " · "), "\n\n");
  if (plan.partner_organisations_size() > 0) {
    std::vector<std::string> partners;
    for (const std::string& partner : plan.partner_organisations()) {
      partners.push_back(Escape(view.OrganisationName(partner)));
    }
    absl::StrAppend(&out, "**Partners:** ", absl::StrJoin(partners, ", "),
                    "\n\n");
  }
  return out;
}

// The "## Summary" section: the status line and a table of RAG counts per
// strand, with a row for all strands.
std::string Summary(const PlanView& view, absl::CivilDay today) {
  v1::RagCounts all;
  std::string rows;
  for (const StrandGroup& group : view.groups()) {
    const v1::RagCounts counts = CountRags(group, today);
    AddRagCounts(counts, &all);
    rows += SummaryRow(group.strand == nullptr ? "Other activities"
                                               : Escape(group.strand->title()),
                       counts);
  }
  return absl::StrCat(
      "## Summary\n\n", "Status as at ", DayLabel(today), ": ", all.total(),
      all.total() == 1 ? " action" : " actions", ", ", all.overdue(),
      " overdue", all.overdue() > 0 ? " \u26A0" : "", ".\n\n",
      "| Strand | Actions | \U0001F534 Red | \U0001F7E0 Amber | "
      "\U0001F7E2 Green | \U0001F535 Complete | \u26AA Not set | "
      "Overdue |\n",
      "|:--|--:|--:|--:|--:|--:|--:|--:|\n", rows,
      SummaryRow("**All strands**", all), "\n");
}

// The Lead cell's entries: the lead officer in italics, then the lead
// organisations.
std::vector<std::string> LeadLines(const PlanView& view,
                                   const v1::Activity& activity) {
  std::vector<std::string> lead;
  if (!activity.lead_officer().empty()) {
    lead.push_back(absl::StrCat("_", Escape(activity.lead_officer()), "_"));
  }
  for (const std::string& name : activity.lead_organisations()) {
    lead.push_back(Escape(view.OrganisationName(name)));
  }
  return lead;
}

// The entries of an activity row's Actions, Timescales and RAG cells: one
// per action in each, an action's three entries prefixed with its `number`
// ("1. ", or "" for an activity's only action).
struct ActionCells {
  std::vector<std::string> actions, timescales, rags;

  void Add(const PlanView& view, const v1::Action& action,
           absl::string_view number, absl::CivilDay today) {
    std::string text = absl::StrCat(number, Escape(action.description()));
    if (!action.owner_organisation().empty()) {
      absl::StrAppend(
          &text, " (owner: ",
          Escape(view.OrganisationName(action.owner_organisation())), ")");
    }
    actions.push_back(std::move(text));
    std::string when =
        absl::StrCat(number, action.timescale().text().empty()
                                 ? "\u2014"
                                 : Escape(action.timescale().text()));
    if (IsOverdue(action.timescale(), action.rag(), today)) {
      when += " \u26A0 **Overdue**";
    }
    timescales.push_back(std::move(when));
    rags.push_back(absl::StrCat(number, RagSymbol(action.rag()), " ",
                                RagLabel(action.rag())));
  }
};

// One table row: the activity, its leads and its actions.
std::string ActivityRow(const PlanView& view, const ActivityEntry& entry,
                        absl::CivilDay today) {
  ActionCells cells;
  const bool numbered = entry.actions.size() > 1;
  for (size_t i = 0; i < entry.actions.size(); ++i) {
    cells.Add(view, entry.actions[i], numbered ? absl::StrCat(i + 1, ". ") : "",
              today);
  }
  if (cells.actions.empty()) cells.actions.push_back("_No actions yet_");
  return absl::StrCat("| ", Escape(entry.activity.title()), " | ",
                      absl::StrJoin(LeadLines(view, entry.activity), "<br>"),
                      " | ", absl::StrJoin(cells.actions, "<br>"), " | ",
                      absl::StrJoin(cells.timescales, "<br>"), " | ",
                      absl::StrJoin(cells.rags, "<br>"), " |\n");
}

// A strand's heading and description (or "Other activities" for the group
// without a strand), then its table of activities.
std::string StrandSection(const PlanView& view, const StrandGroup& group,
                          absl::CivilDay today) {
  std::string out;
  if (group.strand == nullptr) {
    out += "## Other activities\n\n";
  } else {
    absl::StrAppend(&out, "## ", Escape(group.strand->title()), "\n\n");
    if (!group.strand->description().empty()) {
      absl::StrAppend(&out, EscapeParagraph(group.strand->description()),
                      "\n\n");
    }
  }
  if (group.activities.empty()) return out + "_No activities._\n\n";
  out +=
      "| Activity | Lead | Actions | Timescales | RAG |\n"
      "|:--|:--|:--|:--|:--|\n";
  for (const ActivityEntry* entry : group.activities) {
    out += ActivityRow(view, *entry, today);
  }
  return out + "\n";
}

}  // namespace

std::string WritePlanMarkdown(const PlanDocument& doc, absl::CivilDay today) {
  const PlanView view(doc);
  std::string out = Header(view, doc.plan) + Summary(view, today);
  for (const StrandGroup& group : view.groups()) {
    out += StrandSection(view, group, today);
  }
  absl::StrAppend(&out, "---\n\n_Generated ", DayLabel(today),
                  " \u2014 OFFICIAL_\n");
  return out;
}

}  // namespace plan
