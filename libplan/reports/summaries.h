// Report summaries: a plan's (or a county's) actions counted by RAG status,
// the overdue ones listed, and the work of each partner organisation, as the
// messages the ReportService returns and the dashboards render. Pure
// functions over PlanDocuments; no I/O, never fail.
//
//   PlanSummary summary = SummarisePlan(doc, updates, today, {"2024-04", ""});
//   CountySummary county = SummariseCounty(county_doc, district_docs, today,
//                                          Period{});
//
// Definitions shared by both:
//   - Only actions "in the period" (ActionInPeriod) are counted or listed.
//   - An action counts once under its RAG: red, amber, green, blue
//     (complete) or unset (RAG_UNSPECIFIED or an unknown value); `overdue`
//     counts those for which IsOverdue(timescale, rag, today) holds, in
//     addition; `total` = red + amber + green + blue + unset.
//   - An action is attributed to its owner_organisation when that is set,
//     else to each lead organisation of its activity; an action with neither
//     is attributed to nobody (it is still counted in the strand totals).
//   - by_organisation is sorted by display name (case-insensitive), then by
//     resource name. display_name is the document's display name, or the
//     organisation's id when no document names it.
//   - Overdue lists and action lists are in document order (districts in
//     the order given). OverdueAction.lead_organisations are the activity's
//     lead organisations as resource names.
//   - as_of is the start of `today` in UTC.
//   - Deleted resources are never in a PlanDocument: the caller leaves them
//     out.
#ifndef LIBPLAN_REPORTS_SUMMARIES_H_
#define LIBPLAN_REPORTS_SUMMARIES_H_

#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "libplan/formats/plan_document.h"
#include "prevent/plan/v1/report_service.pb.h"

namespace plan {

// The months a report covers, as YYYY-MM; an empty end is open (no bound).
struct Period {
  std::string start;
  std::string end;
};

// The title of the synthetic strand (name "") that holds the actions of
// activities with no strand, or whose strand is not in the document.
inline constexpr char kNoStrandTitle[] = "No strand";

// Whether an action with `timescale` falls in `period`:
//   - no months at all (empty, "Ongoing", unreadable text): always;
//   - ongoing with a start month: when start <= period.end;
//   - otherwise the months [start or end, end or start] overlap
//     [period.start, period.end].
// An open period end (or start) never excludes anything on that side.
bool ActionInPeriod(const v1::Timescale& timescale, const Period& period);

// Summarises one plan as at `today` over `period`:
//   strands         every strand of the document in order, with the counts
//                   of its activities' actions (zero counts included), then,
//                   when any activity has no known strand, the synthetic
//                   strand "" titled kNoStrandTitle;
//   totals          the sum over strands;
//   overdue         the overdue actions (plan = the document's plan);
//   no_rag          the names of actions with no RAG status;
//   by_organisation each organisation with attributed actions: their counts,
//                   names, and plans = {the document's plan};
//   latest_updates  for each action in the period that has updates, in
//                   document order, the one with the latest report_time (a
//                   tie goes to the greatest update name). `updates` are the
//                   plan's progress updates (names
//                   `plans/p/activities/a/actions/x/updates/u`); those of
//                   actions not in the document or not in the period are
//                   ignored.
// period_start and period_end echo `period`.
v1::PlanSummary SummarisePlan(const PlanDocument& doc,
                              const std::vector<v1::ProgressUpdate>& updates,
                              absl::CivilDay today, const Period& period);

// Summarises a county plan and its district plans as at `today` over
// `period`:
//   strand_titles   the strand titles of every district, matched
//                   case-insensitively and spelled as first seen, in
//                   first-seen order (districts in the order given, strands
//                   in document order), then kNoStrandTitle when any
//                   district has activities with no known strand (a
//                   district's strands that share a title share a column);
//   districts       one row per district, in the order given, with one
//                   RagCounts per strand_titles entry (aligned; zero when
//                   the district has no such strand) and its totals;
//   totals          the sum over districts;
//   overdue         the districts' overdue actions, each with its plan;
//   by_organisation attribution across the districts, plans listing the
//                   districts (in the order given) each organisation has
//                   actions in;
//   objectives      one per activity of the county plan, in document order:
//                   its contributions are, first, the county activity's own
//                   actions (district_plan = the county plan; only when it
//                   has actions in the period), then every district activity
//                   whose county_activity names it (districts in order,
//                   activities in document order, included even when none
//                   of its actions is in the period); counts is the sum of
//                   the contributions. A county_activity naming no activity
//                   of `county` is ignored.
// The matrix, totals, overdue and by_organisation cover the districts only:
// the county plan's own actions are counted only in its objectives
// (SummarisePlan(county, ...) reports them on their own).
v1::CountySummary SummariseCounty(const PlanDocument& county,
                                  const std::vector<PlanDocument>& districts,
                                  absl::CivilDay today, const Period& period);

}  // namespace plan

#endif  // LIBPLAN_REPORTS_SUMMARIES_H_
