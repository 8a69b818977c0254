#include "libplan/formats/html.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libplan/formats/html_style.h"
#include "libplan/formats/plan_view.h"
#include "libplan/formats/timescale.h"
#include "libplan/model/rag.h"

namespace plan {
namespace {

// The page's style sheet. Colours: RAG cells carry their word as well as a
// colour, with text contrast of at least 4.5:1.
constexpr absl::string_view kStyle = R"css(
.partners { margin: 8px 0 0; color: #dfe7f0; font-size: 13px; }
h2 { font-size: 17px; color: var(--navy); margin: 22px 0 10px; }
.summary { display: flex; flex-wrap: wrap; gap: 18px 28px; align-items: flex-start; }
table { border-collapse: collapse; }
.counts th, .counts td { border: 1px solid var(--line); padding: 5px 10px; }
.counts thead th { background: var(--tint); font-size: 12px; font-weight: 600;
  color: var(--ink); text-align: center; white-space: nowrap; }
.counts thead th:first-child, .counts tbody th, .counts tfoot th { text-align: left; }
.counts tbody th, .counts tfoot th { font-weight: 600; white-space: nowrap; }
.counts td { text-align: center; min-width: 64px; font-variant-numeric: tabular-nums; font-weight: 700; }
.counts td.zero { color: #9aa3ad; font-weight: 400; background: #fff; }
.counts tfoot th, .counts tfoot td { border-top: 2px solid var(--navy); }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px;
  margin-right: 5px; vertical-align: -1px; border: 1px solid rgba(0,0,0,.15); }
.tiles { display: flex; gap: 12px; }
.asof { color: var(--muted); font-size: 12.5px; margin: 8px 0 0; }
.plan { width: 100%; table-layout: fixed; }
.plan th, .plan td { border: 1px solid var(--line); padding: 6px 8px;
  vertical-align: top; text-align: left; overflow-wrap: anywhere; }
.plan thead th { background: var(--navy); color: #fff; font-size: 12.5px;
  font-weight: 600; letter-spacing: .02em; border-color: var(--navy); }
.plan .strand th { background: var(--tint); color: var(--ink); font-weight: 400;
  padding: 9px 10px 9px 16px; border-top: 2px solid var(--navy);
  box-shadow: inset 6px 0 0 var(--navy); }
.strand-title { color: var(--navy); font-weight: 700; font-size: 16px; margin-right: 8px; }
.plan td.activity { font-weight: 600; }
.officer { display: block; color: var(--muted); font-style: italic; margin-bottom: 2px; }
.org { display: block; }
.owner { display: block; color: var(--muted); font-size: 12px; margin-top: 3px; }
.none { color: var(--muted); font-style: italic; }
.plan td.rag { text-align: center; vertical-align: middle; font-weight: 700;
  font-size: 12.5px; }
.rag-red { background: var(--red); color: #fff; }
.rag-amber { background: var(--amber); color: #2b1d00; }
.rag-green { background: var(--green); color: #fff; }
.rag-blue { background: var(--blue); color: #fff; }
.rag-none { background: var(--grey); color: #3d4651; }
.plan tr.overdue td.action { border-left: 4px solid var(--red); background: #fdf4f3; }
.badge { display: inline-block; margin-top: 3px; padding: 0 6px; border-radius: 3px;
  font-size: 11px; font-weight: 700; letter-spacing: .04em; text-transform: uppercase;
  background: #fbe4e3; color: #9e1f1b; border: 1px solid #eba7a4; }
.legend { color: var(--muted); font-size: 12px; margin: 10px 0 0; }
.legend span { margin-right: 14px; white-space: nowrap; }
footer { margin: 22px 0 28px; padding-top: 8px; border-top: 1px solid var(--line);
  color: var(--muted); font-size: 12px; display: flex; justify-content: space-between; }
@media print {
  body { font-size: 9pt; }
  .wrap { max-width: none; padding: 0; }
  .banner .wrap { padding: 10px 12px; }
  h1 { font-size: 18pt; }
  h2 { margin-top: 12px; }
  footer { margin-top: 14px; }
  .plan thead { display: table-header-group; }
  .plan tr, .plan tbody.activity, .tile, .counts { break-inside: avoid; }
  .plan tbody.strand { break-after: avoid; }
  .plan td.rag, .plan thead th { font-size: 8.5pt; }
  .strand-title { font-size: 11pt; }
}
)css";

// Plan text as HTML text (also safe in attribute values), line breaks as
// <br>.
std::string Escape(absl::string_view text) {
  return EscapeText(text, "<br>", HtmlEntity);
}

// One count cell of the summary: coloured when it is not zero.
std::string CountCell(int n, absl::string_view rag_class) {
  if (n == 0) return "<td class=\"zero\">0</td>";
  return absl::StrCat("<td class=\"", rag_class, "\">", n, "</td>");
}

std::string SummaryRow(absl::string_view label, const v1::RagCounts& c) {
  return absl::StrCat(
      "<tr><th scope=\"row\">", label, "</th>", CountCell(c.red(), "rag-red"),
      CountCell(c.amber(), "rag-amber"), CountCell(c.green(), "rag-green"),
      CountCell(c.blue(), "rag-blue"), CountCell(c.unset(), "rag-none"),
      CountCell(c.overdue(), "rag-red"), "<td>", c.total(), "</td></tr>\n");
}

std::string Swatch(absl::string_view rag_class) {
  return absl::StrCat("<span class=\"swatch ", rag_class, "\"></span>");
}

class HtmlWriter {
 public:
  HtmlWriter(const PlanDocument& doc, absl::CivilDay today)
      : view_(doc), today_(today) {}

  std::string Write() {
    const v1::Plan& plan = view_.doc().plan;
    const std::string title =
        Escape(plan.title().empty() ? "Prevent plan" : plan.title());
    absl::StrAppend(&out_,
                    "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n"
                    "<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, "
                    "initial-scale=1\">\n<title>",
                    title, "</title>\n<style>", kHtmlBaseStyle, kStyle,
                    "</style>\n</head>\n", "<body>\n");
    Banner(title);
    out_ += "<main class=\"wrap\">\n";
    Summary();
    Plan();
    absl::StrAppend(&out_, "</main>\n<footer class=\"wrap\"><span>Generated ",
                    DayLabel(today_), " \u2014 OFFICIAL</span><span>", title,
                    "</span></footer>\n</body>\n</html>\n");
    return std::move(out_);
  }

 private:
  void Banner(const std::string& title) {
    const v1::Plan& plan = view_.doc().plan;
    absl::string_view level = LevelLabel(plan.level());
    if (level.empty()) level = "Delivery plan";
    absl::StrAppend(&out_,
                    "<header class=\"banner\"><div class=\"wrap\">\n"
                    "<div class=\"marking\">OFFICIAL</div>\n"
                    "<p class=\"kicker\">Prevent duty \u00B7 ",
                    level, "</p>\n<h1>", title, "</h1>\n",
                    "<dl class=\"facts\">");
    if (!plan.area().empty()) Fact("Area", Escape(plan.area()));
    if (const std::string period = PeriodLabel(plan); !period.empty()) {
      Fact("Period", period);
    }
    Fact("Status as at", DayLabel(today_));
    out_ += "</dl>\n";
    if (plan.partner_organisations_size() > 0) {
      std::vector<std::string> partners;
      for (const std::string& partner : plan.partner_organisations()) {
        partners.push_back(Escape(view_.OrganisationName(partner)));
      }
      absl::StrAppend(&out_, "<p class=\"partners\">Partners: ",
                      absl::StrJoin(partners, " \u00B7 "), "</p>\n");
    }
    out_ += "</div></header>\n";
  }

  void Fact(absl::string_view label, absl::string_view value) {
    absl::StrAppend(&out_, "<div><dt>", label, "</dt><dd>", value,
                    "</dd></div>");
  }

  void Summary() {
    v1::RagCounts all;
    std::string rows;
    for (const StrandGroup& group : view_.groups()) {
      const v1::RagCounts counts = CountRags(group, today_);
      AddRagCounts(counts, &all);
      rows +=
          SummaryRow(group.strand == nullptr ? "Other activities"
                                             : Escape(group.strand->title()),
                     counts);
    }
    absl::StrAppend(
        &out_, "<h2>Summary</h2>\n<section class=\"summary\">\n",
        "<table class=\"counts\">\n<caption hidden>Actions by RAG status and "
        "strand</caption>\n<thead><tr><th scope=\"col\">Strand</th>",
        "<th scope=\"col\">", Swatch("rag-red"), "Red</th>",
        "<th scope=\"col\">", Swatch("rag-amber"), "Amber</th>",
        "<th scope=\"col\">", Swatch("rag-green"), "Green</th>",
        "<th scope=\"col\">", Swatch("rag-blue"), "Complete</th>",
        "<th scope=\"col\">", Swatch("rag-none"), "Not set</th>",
        "<th scope=\"col\">Overdue</th><th scope=\"col\">Total</th></tr>"
        "</thead>\n<tbody>\n",
        rows, "</tbody>\n<tfoot>", SummaryRow("All strands", all),
        "</tfoot>\n</table>\n");
    absl::StrAppend(
        &out_, "<div class=\"tiles\">", "<div class=\"tile\"><div class=\"n\">",
        all.total(), "</div><div class=\"l\">actions</div></div>",
        "<div class=\"tile done\"><div class=\"n\">", all.blue(),
        "</div><div class=\"l\">complete</div></div>", "<div class=\"tile",
        all.overdue() > 0 ? " alert" : "", "\"><div class=\"n\">",
        all.overdue(),
        "</div><div class=\"l\">overdue</div></div></div>\n</section>\n");
    absl::StrAppend(
        &out_, "<p class=\"legend\"><span>", Swatch("rag-red"), "Red</span>",
        "<span>", Swatch("rag-amber"), "Amber</span><span>",
        Swatch("rag-green"), "Green</span><span>", Swatch("rag-blue"),
        "Complete</span><span>", Swatch("rag-none"),
        "Not set</span><span><span class=\"badge\">Overdue</span> past its "
        "end date and not complete, as at ",
        DayLabel(today_), "</span></p>\n");
  }

  void Plan() {
    if (view_.doc().activities.empty() && view_.doc().strands.empty()) {
      out_ += "<p class=\"none\">This plan has no activities yet.</p>\n";
      return;
    }
    out_ +=
        "<h2>Action plan</h2>\n<table class=\"plan\">\n<colgroup>"
        "<col style=\"width:17%\"><col style=\"width:17%\">"
        "<col style=\"width:46%\"><col style=\"width:12%\">"
        "<col style=\"width:8%\"></colgroup>\n"
        "<thead><tr><th scope=\"col\">Activity</th>"
        "<th scope=\"col\">Lead</th><th scope=\"col\">Actions</th>"
        "<th scope=\"col\">Timescales</th><th scope=\"col\">RAG</th></tr>"
        "</thead>\n";
    for (const StrandGroup& group : view_.groups()) {
      out_ +=
          "<tbody class=\"strand\"><tr><th colspan=\"5\" scope=\"colgroup\">";
      if (group.strand == nullptr) {
        out_ += "<span class=\"strand-title\">Other activities</span>";
      } else {
        absl::StrAppend(&out_, "<span class=\"strand-title\">",
                        Escape(group.strand->title()), "</span>",
                        Escape(group.strand->description()));
      }
      out_ += "</th></tr></tbody>\n";
      if (group.activities.empty()) {
        out_ +=
            "<tbody class=\"activity\"><tr><td colspan=\"5\" class=\"none\">"
            "No activities in this strand.</td></tr></tbody>\n";
      }
      for (const ActivityEntry* entry : group.activities) Activity(*entry);
    }
    out_ += "</table>\n";
  }

  void Activity(const ActivityEntry& entry) {
    const v1::Activity& activity = entry.activity;
    const size_t rows = entry.actions.empty() ? 1 : entry.actions.size();
    const std::string span =
        rows > 1 ? absl::StrCat(" rowspan=\"", rows, "\"") : "";
    std::string lead;
    if (!activity.lead_officer().empty()) {
      absl::StrAppend(&lead, "<span class=\"officer\">",
                      Escape(activity.lead_officer()), "</span>");
    }
    for (const std::string& name : activity.lead_organisations()) {
      absl::StrAppend(&lead, "<span class=\"org\">",
                      Escape(view_.OrganisationName(name)), "</span>");
    }
    const std::string first_cells = absl::StrCat(
        "<td class=\"activity\"", span, ">", Escape(activity.title()),
        "</td><td class=\"lead\"", span, ">", lead, "</td>");
    out_ += "<tbody class=\"activity\">";
    if (entry.actions.empty()) {
      absl::StrAppend(&out_, "<tr>", first_cells,
                      "<td class=\"action none\">No actions yet.</td><td></td>"
                      "<td class=\"rag rag-none\">\u2014</td></tr>");
    }
    for (size_t i = 0; i < entry.actions.size(); ++i) {
      const v1::Action& action = entry.actions[i];
      const bool overdue = IsOverdue(action.timescale(), action.rag(), today_);
      absl::StrAppend(&out_, overdue ? "<tr class=\"overdue\">" : "<tr>",
                      i == 0 ? first_cells : "", "<td class=\"action\">",
                      Escape(action.description()));
      if (!action.owner_organisation().empty()) {
        absl::StrAppend(
            &out_, "<span class=\"owner\">Owner: ",
            Escape(view_.OrganisationName(action.owner_organisation())),
            "</span>");
      }
      absl::StrAppend(&out_, "</td><td class=\"timescale\">",
                      Escape(action.timescale().text()));
      if (overdue) {
        if (!action.timescale().text().empty()) out_ += "<br>";
        out_ += "<span class=\"badge\">Overdue</span>";
      }
      absl::StrAppend(&out_, "</td><td class=\"rag ", RagCssClass(action.rag()),
                      "\">", RagLabel(action.rag()), "</td></tr>");
    }
    out_ += "</tbody>\n";
  }

  PlanView view_;
  absl::CivilDay today_;
  std::string out_;
};

}  // namespace

std::string WritePlanHtml(const PlanDocument& doc, absl::CivilDay today) {
  return HtmlWriter(doc, today).Write();
}

}  // namespace plan
