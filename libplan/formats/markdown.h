// A plan as GitHub-flavoured Markdown, for a README, a wiki page or an email:
// the title and period, a summary of RAG status per strand with the number of
// overdue actions, then per strand its heading, description and a table
//
//   | Activity | Lead | Actions | Timescales | RAG |
//
// with one row per activity; an activity's several actions are numbered and
// separated by <br>, with their timescales and RAGs numbered to match.
//
//   std::string markdown = WritePlanMarkdown(doc, absl::CivilDay(2024, 3, 12));
#ifndef LIBPLAN_FORMATS_MARKDOWN_H_
#define LIBPLAN_FORMATS_MARKDOWN_H_

#include <string>

#include "absl/time/civil_time.h"
#include "libplan/formats/plan_document.h"

namespace plan {

// Renders `doc` as Markdown. Overdue (IsOverdue on `today`) actions are marked
// "**Overdue**" beside their timescale and counted in the summary. Text from
// the plan is escaped so that it never becomes Markdown or HTML markup: table
// pipes are escaped and line breaks become <br>. Never fails.
std::string WritePlanMarkdown(const PlanDocument& doc, absl::CivilDay today);

}  // namespace plan

#endif  // LIBPLAN_FORMATS_MARKDOWN_H_
