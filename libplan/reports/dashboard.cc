#include "libplan/reports/dashboard.h"

#include <algorithm>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libplan/formats/csv_cells.h"
#include "libplan/formats/html_style.h"
#include "libplan/formats/plan_view.h"
#include "libplan/model/rag.h"
#include "libplan/util/uk_time.h"

namespace plan {
namespace {

// ---- CSV ----

constexpr absl::string_view kCountColumns =
    "red,amber,green,complete,not_set,overdue,total";

std::vector<std::string> CountFields(std::vector<std::string> leading,
                                     const v1::RagCounts& c) {
  for (int n : {c.red(), c.amber(), c.green(), c.blue(), c.unset(), c.overdue(),
                c.total()}) {
    leading.push_back(absl::StrCat(n));
  }
  return leading;
}

// ---- HTML ----

// Colours and layout follow libplan/formats/html.cc.
constexpr absl::string_view kStyle = R"css(
h2 { font-size: 17px; color: var(--navy); margin: 22px 0 10px; }
h3 { font-size: 15px; color: var(--navy); margin: 0 0 6px; }
table { border-collapse: collapse; }
.tiles { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 18px; }
.tile.warn { border-top-color: var(--amber); }
.matrix { width: 100%; table-layout: fixed; }
.matrix th, .matrix td { border: 1px solid var(--line); padding: 6px 8px;
  vertical-align: top; text-align: left; }
.matrix thead th { background: var(--navy); color: #fff; font-size: 12.5px;
  font-weight: 600; border-color: var(--navy); overflow-wrap: anywhere; }
.matrix tbody th { font-weight: 600; background: var(--tint); overflow-wrap: anywhere; }
.matrix tfoot th, .matrix tfoot td { border-top: 2px solid var(--navy); background: #f7f9fb; }
.matrix tbody td.total { background: #f7f9fb; }
.matrix td.empty { color: #9aa3ad; text-align: center; vertical-align: middle; }
.chips { display: flex; flex-wrap: wrap; gap: 3px; }
.chip { display: inline-block; min-width: 30px; padding: 0 5px; border-radius: 3px;
  font-size: 11.5px; font-weight: 700; line-height: 18px; text-align: center;
  font-variant-numeric: tabular-nums; white-space: nowrap; }
.bar { display: flex; height: 6px; margin-top: 5px; border-radius: 3px;
  overflow: hidden; background: var(--grey); }
.bar span { display: block; height: 100%; }
.cellnote { display: block; margin-top: 3px; font-size: 11.5px; color: var(--muted); }
.cellnote b { color: #9e1f1b; }
.rag-red { background: var(--red); color: #fff; }
.rag-amber { background: var(--amber); color: #2b1d00; }
.rag-green { background: var(--green); color: #fff; }
.rag-blue { background: var(--blue); color: #fff; }
.rag-none { background: var(--grey); color: #3d4651; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px;
  margin-right: 5px; vertical-align: -1px; border: 1px solid rgba(0,0,0,.15); }
.legend { color: var(--muted); font-size: 12px; margin: 8px 0 0; }
.legend span { margin-right: 14px; white-space: nowrap; }
.charts { display: flex; flex-wrap: wrap; gap: 18px 28px; align-items: flex-start; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; }
figcaption { font-weight: 700; color: var(--navy); margin-bottom: 6px; }
svg text { font-family: inherit; }
.list { width: 100%; }
.list th, .list td { border: 1px solid var(--line); padding: 5px 8px;
  vertical-align: top; text-align: left; overflow-wrap: anywhere; }
.list thead th { background: var(--navy); color: #fff; font-size: 12.5px;
  font-weight: 600; border-color: var(--navy); }
.list td.rag { text-align: center; vertical-align: middle; font-weight: 700;
  font-size: 12.5px; white-space: nowrap; }
.list tr.overdue td.action { border-left: 4px solid var(--red); }
.badge { display: inline-block; padding: 0 6px; border-radius: 3px;
  font-size: 11px; font-weight: 700; letter-spacing: .04em; text-transform: uppercase;
  background: #fbe4e3; color: #9e1f1b; border: 1px solid #eba7a4; }
.objectives { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr));
  gap: 14px; }
.objective { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px;
  border-left: 6px solid var(--navy); }
.objective table { width: 100%; margin-top: 6px; }
.objective td { border-top: 1px solid var(--line); padding: 4px 6px 4px 0;
  vertical-align: top; }
.objective td.who { color: var(--muted); width: 44%; }
.objective td.who b { color: var(--ink); }
.none { color: var(--muted); font-style: italic; }
footer.wrap { margin-top: 22px; margin-bottom: 28px; padding-top: 8px; border-top: 1px solid var(--line);
  color: var(--muted); font-size: 12px; display: flex; justify-content: space-between; }
@media print {
  body { font-size: 9pt; }
  .wrap { max-width: none; padding: 0; }
  .banner .wrap { padding: 10px 12px; }
  h1 { font-size: 18pt; }
  h2 { margin-top: 12px; break-after: avoid; }
  footer.wrap { margin-top: 14px; }
  .list thead, .matrix thead { display: table-header-group; }
  tr, figure, .tile, .objective, .matrix { break-inside: avoid; }
  .charts { flex-wrap: nowrap; }
  .charts figure { flex: 1 1 0; }
  .charts svg { width: 100%; height: auto; }
}
)css";

// Text as HTML text, also safe in attribute values and SVG.
std::string Escape(absl::string_view text) {
  return EscapeText(text, " ", HtmlEntity);
}

// At most `max_bytes` of `text`, cut at a character boundary, with an
// ellipsis when cut.
std::string Shorten(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  return absl::StrCat(text.substr(0, cut), "\u2026");
}

struct RagPart {
  absl::string_view css;     // class
  absl::string_view colour;  // for SVG
  absl::string_view letter;
  absl::string_view word;
  int count;
};

std::vector<RagPart> Parts(const v1::RagCounts& c) {
  return {{"rag-red", "#c9302c", "R", "Red", c.red()},
          {"rag-amber", "#f0ad4e", "A", "Amber", c.amber()},
          {"rag-green", "#2e7d32", "G", "Green", c.green()},
          {"rag-blue", "#1f63a8", "C", "Complete", c.blue()},
          {"rag-none", "#d9dde3", "?", "Not set", c.unset()}};
}

// Text colour on a part of an SVG bar.
absl::string_view InkOn(absl::string_view css) {
  return css == "rag-amber"  ? "#2b1d00"
         : css == "rag-none" ? "#3d4651"
                             : "#fff";
}

std::string Swatch(absl::string_view css) {
  return absl::StrCat("<span class=\"swatch ", css, "\"></span>");
}

std::string Legend() {
  std::string out = "<p class=\"legend\">";
  for (const RagPart& part : Parts(v1::RagCounts())) {
    absl::StrAppend(&out, "<span>", Swatch(part.css), part.letter, " = ",
                    part.word, "</span>");
  }
  return out + "</p>\n";
}

// Counts as chips (non-zero statuses only), a stacked bar and the number
// overdue; a dash when there are no actions.
std::string CountsCell(const v1::RagCounts& c, absl::string_view extra_class) {
  if (c.total() == 0) {
    return absl::StrCat("<td class=\"empty", extra_class, "\">\u2014</td>");
  }
  std::string chips = "<div class=\"chips\">";
  std::string bar = "<div class=\"bar\">";
  for (const RagPart& part : Parts(c)) {
    if (part.count == 0) continue;
    absl::StrAppend(&chips, "<span class=\"chip ", part.css, "\" title=\"",
                    part.word, "\">", part.letter, " ", part.count, "</span>");
    absl::StrAppend(&bar, "<span class=\"", part.css, "\" style=\"width:",
                    absl::StrFormat("%.1f", 100.0 * part.count / c.total()),
                    "%\"></span>");
  }
  std::string note = absl::StrCat("<span class=\"cellnote\">", c.total(),
                                  c.total() == 1 ? " action" : " actions");
  if (c.overdue() > 0)
    absl::StrAppend(&note, " \u00B7 <b>", c.overdue(), " overdue</b>");
  return absl::StrCat("<td class=\"counts", extra_class, "\">", chips, "</div>",
                      bar, "</div>", note, "</span></td>");
}

std::string Fact(absl::string_view label, absl::string_view value) {
  return absl::StrCat("<div><dt>", label, "</dt><dd>", value, "</dd></div>");
}

std::string PeriodText(absl::string_view start, absl::string_view end) {
  v1::Plan plan;
  plan.set_period_start(std::string(start));
  plan.set_period_end(std::string(end));
  const std::string label = PeriodLabel(plan);
  return label.empty() ? "All actions" : Escape(label);
}

std::string Head(absl::string_view title) {
  return absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n"
      "<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, "
      "initial-scale=1\">\n<title>",
      title, "</title>\n<style>", kHtmlBaseStyle, kStyle,
      "</style>\n</head>\n<body>\n");
}

std::string Banner(absl::string_view kicker, absl::string_view title,
                   const std::string& facts) {
  return absl::StrCat(
      "<header class=\"banner\"><div class=\"wrap\">\n"
      "<div class=\"marking\">OFFICIAL</div>\n<p class=\"kicker\">Prevent duty "
      "\u00B7 ",
      kicker, "</p>\n<h1>", title, "</h1>\n<dl class=\"facts\">", facts,
      "</dl>\n</div></header>\n");
}

std::string Footer(absl::string_view title, absl::CivilDay today) {
  return absl::StrCat("<footer class=\"wrap\"><span>Generated ",
                      DayLabel(today), " \u2014 OFFICIAL</span><span>", title,
                      "</span></footer>\n</body>\n</html>\n");
}

std::string Tiles(const v1::RagCounts& c) {
  auto tile = [](absl::string_view kind, int n, absl::string_view label) {
    return absl::StrCat("<div class=\"tile", kind, "\"><div class=\"n\">", n,
                        "</div><div class=\"l\">", label, "</div></div>");
  };
  return absl::StrCat(
      "<section class=\"tiles\">", tile("", c.total(), "actions"),
      tile(" done", c.blue(), "complete"),
      tile(c.overdue() > 0 ? " alert" : "", c.overdue(), "overdue"),
      tile(c.red() > 0 ? " alert" : "", c.red(), "red"),
      tile(c.unset() > 0 ? " warn" : "", c.unset(), "no RAG status"),
      "</section>\n");
}

// One labelled bar of a chart.
struct ChartRow {
  std::string label;
  v1::RagCounts counts;
};

constexpr int kChartLabelWidth = 190;
constexpr int kChartBarWidth = 330;
constexpr int kChartRowHeight = 28;

// RAG status per row as horizontal stacked bars with counts inside the
// segments that fit them, the total after the bar, and a legend on top.
std::string RagChart(absl::string_view caption,
                     const std::vector<ChartRow>& rows) {
  int most = 1;
  for (const ChartRow& row : rows) most = std::max(most, row.counts.total());
  const int width = kChartLabelWidth + kChartBarWidth + 50;
  const int top = 30;
  const int height = top + kChartRowHeight * static_cast<int>(rows.size()) + 6;
  std::string svg = absl::StrCat(
      "<figure class=\"chart rag-chart\"><figcaption>", caption,
      "</figcaption>\n<svg role=\"img\" "
      "width=\"",
      width, "\" height=\"", height, "\" viewBox=\"0 0 ", width, " ", height,
      "\" font-size=\"12\"><title>", caption, "</title>\n");
  int x = 0;
  for (const RagPart& part : Parts(v1::RagCounts())) {
    absl::StrAppend(&svg, "<rect x=\"", x,
                    "\" y=\"4\" width=\"12\" height=\"12\" fill=\"",
                    part.colour, "\"/><text x=\"", x + 16,
                    "\" y=\"14\" fill=\"#5a6472\">", part.word, "</text>\n");
    x += 30 + static_cast<int>(part.word.size()) * 7;
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    const ChartRow& row = rows[i];
    const int y = top + kChartRowHeight * static_cast<int>(i);
    absl::StrAppend(&svg, "<text x=\"", kChartLabelWidth - 8, "\" y=\"", y + 17,
                    "\" text-anchor=\"end\" fill=\"#1b1f24\">",
                    Escape(Shorten(row.label, 28)), "</text>\n");
    double at = kChartLabelWidth;
    for (const RagPart& part : Parts(row.counts)) {
      if (part.count == 0) continue;
      const double w = 1.0 * kChartBarWidth * part.count / most;
      absl::StrAppend(&svg, "<rect x=\"", absl::StrFormat("%.1f", at),
                      "\" y=\"", y + 3, "\" width=\"",
                      absl::StrFormat("%.1f", w), "\" height=\"20\" fill=\"",
                      part.colour, "\"><title>", Escape(row.label), ": ",
                      part.count, " ", part.word, "</title></rect>\n");
      if (w >= 16) {
        absl::StrAppend(&svg, "<text x=\"", absl::StrFormat("%.1f", at + w / 2),
                        "\" y=\"", y + 17, "\" text-anchor=\"middle\" fill=\"",
                        InkOn(part.css), "\" font-weight=\"700\">", part.count,
                        "</text>\n");
      }
      at += w;
    }
    absl::StrAppend(&svg, "<text x=\"", absl::StrFormat("%.1f", at + 6),
                    "\" y=\"", y + 17, "\" fill=\"#5a6472\">",
                    row.counts.total(), "</text>\n");
  }
  return svg + "</svg></figure>\n";
}

// Overdue actions per organisation (those with any), most first.
std::string OverdueChart(
    const google::protobuf::RepeatedPtrField<v1::OrganisationActions>&
        organisations) {
  std::vector<const v1::OrganisationActions*> rows;
  for (const v1::OrganisationActions& organisation : organisations) {
    if (organisation.counts().overdue() > 0) rows.push_back(&organisation);
  }
  std::stable_sort(
      rows.begin(), rows.end(),
      [](const v1::OrganisationActions* a, const v1::OrganisationActions* b) {
        return a->counts().overdue() > b->counts().overdue();
      });
  constexpr absl::string_view kCaption =
      "Overdue actions by partner organisation";
  if (rows.empty()) {
    return absl::StrCat("<figure class=\"chart overdue-chart\"><figcaption>",
                        kCaption,
                        "</figcaption><p class=\"none\">No overdue actions."
                        "</p></figure>\n");
  }
  int most = 1;
  for (const auto* row : rows) most = std::max(most, row->counts().overdue());
  const int width = kChartLabelWidth + kChartBarWidth + 50;
  const int height = kChartRowHeight * static_cast<int>(rows.size()) + 6;
  std::string svg = absl::StrCat(
      "<figure class=\"chart overdue-chart\"><figcaption>", kCaption,
      "</figcaption>\n<svg role=\"img\" "
      "width=\"",
      width, "\" height=\"", height, "\" viewBox=\"0 0 ", width, " ", height,
      "\" font-size=\"12\"><title>", kCaption, "</title>\n");
  for (size_t i = 0; i < rows.size(); ++i) {
    const v1::OrganisationActions& row = *rows[i];
    const int y = kChartRowHeight * static_cast<int>(i);
    const double w = 1.0 * kChartBarWidth * row.counts().overdue() / most;
    absl::StrAppend(
        &svg, "<text x=\"", kChartLabelWidth - 8, "\" y=\"", y + 17,
        "\" text-anchor=\"end\" fill=\"#1b1f24\">",
        Escape(Shorten(row.display_name(), 28)), "</text>\n<rect x=\"",
        kChartLabelWidth, "\" y=\"", y + 3, "\" width=\"",
        absl::StrFormat("%.1f", w), "\" height=\"20\" fill=\"#c9302c\"><title>",
        Escape(row.display_name()), ": ", row.counts().overdue(),
        " overdue</title></rect>\n<text x=\"",
        absl::StrFormat("%.1f", kChartLabelWidth + w + 6), "\" y=\"", y + 17,
        "\" fill=\"#9e1f1b\" font-weight=\"700\">", row.counts().overdue(),
        "</text>\n");
  }
  return svg + "</svg></figure>\n";
}

// Display names of organisations and titles of plans, for the lists.
class Names {
 public:
  explicit Names(
      const google::protobuf::RepeatedPtrField<v1::OrganisationActions>&
          organisations) {
    for (const v1::OrganisationActions& organisation : organisations) {
      organisations_[organisation.organisation()] = organisation.display_name();
    }
  }
  void AddPlan(const std::string& name, const std::string& title) {
    if (!title.empty()) plans_[name] = title;
  }
  std::string Organisation(const std::string& name) const {
    auto it = organisations_.find(name);
    return it == organisations_.end() || it->second.empty()
               ? std::string(LastId(name))
               : it->second;
  }
  std::string Plan(const std::string& name) const {
    auto it = plans_.find(name);
    return it == plans_.end() ? std::string(LastId(name)) : it->second;
  }

 private:
  absl::flat_hash_map<std::string, std::string> organisations_;
  absl::flat_hash_map<std::string, std::string> plans_;
};

std::string Lead(const v1::OverdueAction& action, const Names& names) {
  std::vector<std::string> leads;
  for (const std::string& lead : action.lead_organisations()) {
    leads.push_back(Escape(names.Organisation(lead)));
  }
  std::string out = absl::StrJoin(leads, "<br>");
  if (!action.owner_organisation().empty()) {
    absl::StrAppend(&out, out.empty() ? "" : "<br>", "<i>Owner: ",
                    Escape(names.Organisation(action.owner_organisation())),
                    "</i>");
  }
  return out;
}

std::string OverdueTable(
    const google::protobuf::RepeatedPtrField<v1::OverdueAction>& overdue,
    const Names& names, bool with_plan, absl::CivilDay today) {
  std::string out =
      absl::StrCat("<h2>Overdue actions (", overdue.size(), ")</h2>\n");
  if (overdue.empty()) {
    return absl::StrCat(out,
                        "<p class=\"none\">No action is past its end "
                        "date as at ",
                        DayLabel(today), ".</p>\n");
  }
  absl::StrAppend(
      &out, "<table class=\"list overdue-list\">\n<thead><tr>",
      with_plan ? "<th scope=\"col\" style=\"width:14%\">District</th>" : "",
      "<th scope=\"col\" style=\"width:18%\">Activity</th>"
      "<th scope=\"col\">Action</th>"
      "<th scope=\"col\" style=\"width:17%\">Lead</th>"
      "<th scope=\"col\" style=\"width:11%\">Timescale</th>"
      "<th scope=\"col\" style=\"width:8%\">RAG</th></tr></thead>\n<tbody>\n");
  for (const v1::OverdueAction& action : overdue) {
    const std::string timescale = action.timescale().text().empty()
                                      ? MonthLabel(action.timescale().end())
                                      : action.timescale().text();
    absl::StrAppend(
        &out, "<tr class=\"overdue\">",
        with_plan
            ? absl::StrCat("<td>", Escape(names.Plan(action.plan())), "</td>")
            : "",
        "<td>", Escape(action.activity_title()), "</td><td class=\"action\">",
        Escape(action.description()), "</td><td>", Lead(action, names),
        "</td><td>", Escape(timescale), "</td><td class=\"rag ",
        RagCssClass(action.rag()), "\">", RagLabel(action.rag()),
        "</td></tr>\n");
  }
  return out + "</tbody>\n</table>\n";
}

}  // namespace

std::string WritePlanSummaryCsv(const v1::PlanSummary& summary) {
  std::string out =
      absl::StrCat(kUtf8ByteOrderMark, "strand,title,", kCountColumns, "\r\n");
  for (const v1::StrandSummary& strand : summary.strands()) {
    AppendCsvRow(
        CountFields({strand.strand(), strand.title()}, strand.counts()), &out);
  }
  AppendCsvRow(CountFields({"", "All strands"}, summary.totals()), &out);
  return out;
}

std::string WriteCountySummaryCsv(const v1::CountySummary& summary) {
  std::string out = absl::StrCat(kUtf8ByteOrderMark, "plan,title,strand,",
                                 kCountColumns, "\r\n");
  for (const v1::DistrictRow& row : summary.districts()) {
    for (int i = 0; i < summary.strand_titles_size(); ++i) {
      const v1::RagCounts counts =
          i < row.strands_size() ? row.strands(i) : v1::RagCounts();
      AppendCsvRow(
          CountFields({row.plan(), row.title(), summary.strand_titles(i)},
                      counts),
          &out);
    }
    AppendCsvRow(
        CountFields({row.plan(), row.title(), "All strands"}, row.totals()),
        &out);
  }
  AppendCsvRow(
      CountFields({"", "All districts", "All strands"}, summary.totals()),
      &out);
  return out;
}

std::string WriteCountyDashboardHtml(const v1::CountySummary& summary,
                                     absl::CivilDay today) {
  const std::string title = Escape(
      summary.title().empty() ? "County Prevent dashboard" : summary.title());
  Names names(summary.by_organisation());
  names.AddPlan(summary.plan(), summary.title());
  for (const v1::DistrictRow& row : summary.districts()) {
    names.AddPlan(row.plan(), row.title());
  }
  std::string out = Head(title);
  out += Banner(
      "County dashboard", title,
      absl::StrCat(Fact("Period", PeriodText(summary.period_start(),
                                             summary.period_end())),
                   Fact("Status as at", DayLabel(today)),
                   Fact("Districts", absl::StrCat(summary.districts_size()))));
  out += "<main class=\"wrap\">\n";
  out += Tiles(summary.totals());

  // The matrix.
  out += "<h2>Districts by strand</h2>\n";
  if (summary.districts().empty()) {
    out += "<p class=\"none\">No district plans.</p>\n";
  } else {
    absl::StrAppend(&out,
                    "<table class=\"matrix\">\n<thead><tr><th scope=\"col\" "
                    "style=\"width:16%\">District</th>");
    for (const std::string& strand : summary.strand_titles()) {
      absl::StrAppend(&out, "<th scope=\"col\">", Escape(strand), "</th>");
    }
    out +=
        "<th scope=\"col\" class=\"total\">All "
        "strands</th></tr></thead>\n<tbody>\n";
    for (const v1::DistrictRow& row : summary.districts()) {
      absl::StrAppend(&out, "<tr><th scope=\"row\">",
                      Escape(names.Plan(row.plan())), "</th>");
      for (int i = 0; i < summary.strand_titles_size(); ++i) {
        out += CountsCell(
            i < row.strands_size() ? row.strands(i) : v1::RagCounts(), "");
      }
      absl::StrAppend(&out, CountsCell(row.totals(), " total"), "</tr>\n");
    }
    out += "</tbody>\n<tfoot><tr><th scope=\"row\">All districts</th>";
    for (int i = 0; i < summary.strand_titles_size(); ++i) {
      v1::RagCounts column;
      for (const v1::DistrictRow& row : summary.districts()) {
        if (i >= row.strands_size()) continue;
        const v1::RagCounts& c = row.strands(i);
        column.set_red(column.red() + c.red());
        column.set_amber(column.amber() + c.amber());
        column.set_green(column.green() + c.green());
        column.set_blue(column.blue() + c.blue());
        column.set_unset(column.unset() + c.unset());
        column.set_overdue(column.overdue() + c.overdue());
        column.set_total(column.total() + c.total());
      }
      out += CountsCell(column, "");
    }
    absl::StrAppend(&out, CountsCell(summary.totals(), " total"),
                    "</tr></tfoot>\n</table>\n", Legend());
  }

  // Charts.
  std::vector<ChartRow> rows;
  for (const v1::DistrictRow& row : summary.districts()) {
    rows.push_back({names.Plan(row.plan()), row.totals()});
  }
  absl::StrAppend(&out, "<h2>Charts</h2>\n<section class=\"charts\">\n",
                  RagChart("RAG status by district", rows),
                  OverdueChart(summary.by_organisation()), "</section>\n");

  out += OverdueTable(summary.overdue(), names, /*with_plan=*/true, today);

  // Objectives.
  out += "<h2>County objectives</h2>\n";
  if (summary.objectives().empty()) {
    out += "<p class=\"none\">The county plan has no activities.</p>\n";
  } else {
    out += "<section class=\"objectives\">\n";
    for (const v1::CountyObjective& objective : summary.objectives()) {
      absl::StrAppend(&out, "<div class=\"objective\"><h3>",
                      Escape(objective.title()), "</h3>\n<table><tbody>");
      absl::StrAppend(&out,
                      "<tr><td class=\"who\"><b>All contributions</b></td>",
                      CountsCell(objective.counts(), ""), "</tr>");
      if (objective.contributions().empty()) {
        out +=
            "<tr><td colspan=\"2\" class=\"none\">No district activity "
            "contributes yet.</td></tr>";
      }
      for (const v1::Contribution& contribution : objective.contributions()) {
        absl::StrAppend(&out, "<tr><td class=\"who\"><b>",
                        Escape(names.Plan(contribution.district_plan())),
                        "</b><br>", Escape(contribution.activity_title()),
                        "</td>", CountsCell(contribution.counts(), ""),
                        "</tr>");
      }
      out += "</tbody></table></div>\n";
    }
    out += "</section>\n";
  }
  out += "</main>\n";
  return out + Footer(title, today);
}

std::string WritePlanDashboardHtml(const v1::PlanSummary& summary,
                                   absl::CivilDay today) {
  const std::string title = Escape(
      summary.title().empty() ? "Prevent plan dashboard" : summary.title());
  Names names(summary.by_organisation());
  names.AddPlan(summary.plan(), summary.title());
  std::string out = Head(title);
  out += Banner("Plan dashboard", title,
                absl::StrCat(Fact("Period", PeriodText(summary.period_start(),
                                                       summary.period_end())),
                             Fact("Status as at", DayLabel(today))));
  out += "<main class=\"wrap\">\n";
  out += Tiles(summary.totals());

  out += "<h2>Strands</h2>\n";
  if (summary.strands().empty()) {
    out += "<p class=\"none\">This plan has no strands or activities.</p>\n";
  } else {
    out +=
        "<table class=\"matrix strands\">\n<thead><tr><th scope=\"col\" "
        "style=\"width:30%\">Strand</th><th scope=\"col\">Actions</th></tr>"
        "</thead>\n<tbody>\n";
    for (const v1::StrandSummary& strand : summary.strands()) {
      absl::StrAppend(&out, "<tr><th scope=\"row\">", Escape(strand.title()),
                      "</th>", CountsCell(strand.counts(), ""), "</tr>\n");
    }
    absl::StrAppend(&out,
                    "</tbody>\n<tfoot><tr><th scope=\"row\">All strands</th>",
                    CountsCell(summary.totals(), " total"),
                    "</tr></tfoot>\n</table>\n", Legend());
  }

  std::vector<ChartRow> rows;
  for (const v1::StrandSummary& strand : summary.strands()) {
    rows.push_back({strand.title(), strand.counts()});
  }
  absl::StrAppend(&out, "<h2>Charts</h2>\n<section class=\"charts\">\n",
                  RagChart("RAG status by strand", rows),
                  OverdueChart(summary.by_organisation()), "</section>\n");

  out += OverdueTable(summary.overdue(), names, /*with_plan=*/false, today);

  absl::StrAppend(&out, "<h2>Latest progress updates (",
                  summary.latest_updates_size(), ")</h2>\n");
  if (summary.latest_updates().empty()) {
    out += "<p class=\"none\">No progress updates in this period.</p>\n";
  } else {
    out +=
        "<table class=\"list updates\">\n<thead><tr>"
        "<th scope=\"col\" style=\"width:22%\">Action</th>"
        "<th scope=\"col\" style=\"width:12%\">Reported</th>"
        "<th scope=\"col\" style=\"width:16%\">By</th>"
        "<th scope=\"col\" style=\"width:8%\">RAG</th>"
        "<th scope=\"col\">Note</th></tr></thead>\n<tbody>\n";
    for (const v1::LatestUpdate& latest : summary.latest_updates()) {
      const v1::ProgressUpdate& update = latest.update();
      const absl::CivilDay day =
          ToUkDay(absl::FromUnixSeconds(update.report_time().seconds()));
      absl::StrAppend(&out, "<tr><td>", Escape(LastId(latest.action())),
                      "</td><td>", DayLabel(day), "</td><td>",
                      Escape(names.Organisation(update.organisation())),
                      "</td><td class=\"rag ", RagCssClass(update.rag()), "\">",
                      RagLabel(update.rag()), "</td><td>",
                      Escape(update.note()), "</td></tr>\n");
    }
    out += "</tbody>\n</table>\n";
  }
  out += "</main>\n";
  return out + Footer(title, today);
}

}  // namespace plan
