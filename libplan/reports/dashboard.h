// Report summaries (summaries.h) as files for people: CSV for spreadsheets
// and one self-contained HTML dashboard for a partnership board pack.
//
//   v1::CountySummary county = SummariseCounty(county_doc, districts, today,
//                                              Period{});
//   std::string html = WriteCountyDashboardHtml(county, today);
//   std::string csv = WriteCountySummaryCsv(county);
//
// CSV: RFC 4180, a header row, CRLF line ends, UTF-8 with no byte order mark;
// a field is quoted when it holds a comma, a double quote, CR or LF, with
// inner quotes doubled. Counts are the RagCounts fields:
//   red, amber, green, complete (blue), not_set (unset), overdue, total.
//
// HTML: one page, everything inline (CSS and SVG; no scripts, fonts, images
// or links to fetch), in the visual language of the plan export (html.h): a
// navy title banner, RAG colours that always carry a word or letter too. It
// prints on A4 landscape with colours; tables and charts are not split
// across pages when they fit. All summary text is HTML-escaped. Organisation
// display names come from the summary's by_organisation (else the id), and
// district titles from its districts (else the plan id).
#ifndef LIBPLAN_REPORTS_DASHBOARD_H_
#define LIBPLAN_REPORTS_DASHBOARD_H_

#include <string>

#include "absl/time/civil_time.h"
#include "prevent/plan/v1/report_service.pb.h"

namespace plan {

namespace v1 = prevent::plan::v1;

// Columns: strand (the strand's resource name; "" for the synthetic "No
// strand" and for the totals row), title, then the counts. One row per
// strand in the summary's order, then a totals row titled "All strands".
std::string WritePlanSummaryCsv(const v1::PlanSummary& summary);

// Columns: plan (the district's resource name; "" on the county totals row),
// title (the district's title), strand (a strand title), then the counts.
// For each district, in order: one row per strand_titles entry, then its
// totals row with strand "All strands"; last, the county totals row titled
// "All districts" with strand "All strands".
std::string WriteCountySummaryCsv(const v1::CountySummary& summary);

// The county dashboard: banner (title, period, status date, number of
// districts); headline tiles; the district x strand matrix, each cell with
// its counts as coloured chips (R, A, G, C, ?), a stacked bar and the number
// overdue, with district totals and a totals row; two SVG charts, RAG status
// by district (horizontal stacked bars with a legend) and overdue actions by
// partner organisation; the overdue actions (district, activity, action,
// lead, timescale, RAG); and the county objectives with their contributions.
// `today` dates the footer.
std::string WriteCountyDashboardHtml(const v1::CountySummary& summary,
                                     absl::CivilDay today);

// The plan dashboard: banner; tiles; strands with their counts as chips and
// stacked bars; SVG charts of RAG status by strand and overdue actions by
// organisation; the overdue actions; and the latest progress update of each
// action. `today` dates the footer.
std::string WritePlanDashboardHtml(const v1::PlanSummary& summary,
                                   absl::CivilDay today);

}  // namespace plan

#endif  // LIBPLAN_REPORTS_DASHBOARD_H_
