// A plan as one self-contained HTML5 page, laid out like a published Prevent
// action plan, for a partnership board pack, the web or a PDF.
//
//   std::string html = WritePlanHtml(doc, absl::CivilDay(2024, 3, 12));
//
// The page has a title banner with the area, period and partners; a summary
// (actions by RAG per strand, as a table with coloured cells, and the number
// overdue); then one table of the plan, grouped by strand (a header row with
// the strand's title and description), with the columns Activity, Lead (lead
// officer and organisations), Actions, Timescales and RAG: one row per action,
// the activity and lead cells spanning their actions. RAG cells are coloured
// and carry the word too (Red, Amber, Green, Complete, Not set); overdue
// actions carry an "Overdue" badge and a red left border. A footer reads
// "Generated <date> — OFFICIAL".
//
// Everything is inline (CSS, no scripts, no fonts or images to fetch). It
// prints on A4 landscape: the table header repeats on every page, an activity
// is kept on one page when it fits, and colours print.
#ifndef LIBPLAN_FORMATS_HTML_H_
#define LIBPLAN_FORMATS_HTML_H_

#include <string>

#include "absl/time/civil_time.h"
#include "libplan/formats/plan_document.h"

namespace plan {

// Renders `doc` as an HTML page; overdue is IsOverdue on `today`, which is
// also the date in the footer. All plan text is HTML-escaped. Never fails.
std::string WritePlanHtml(const PlanDocument& doc, absl::CivilDay today);

}  // namespace plan

#endif  // LIBPLAN_FORMATS_HTML_H_
