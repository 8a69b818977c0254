// A whole plan as plain resources: the unit of import and export. Parsers
// (prevent-text, CSV) produce one; writers (CSV, Markdown, HTML) render one;
// the service writes one in a single commit and reads one from a snapshot.
//
// Every resource in a document carries its full name (`plans/p/...`) and the
// references between them are full names, exactly as stored. Order matters:
// strands, activities and each activity's actions are in document order, and
// their `position` fields sort the same way.
#ifndef LIBPLAN_FORMATS_PLAN_DOCUMENT_H_
#define LIBPLAN_FORMATS_PLAN_DOCUMENT_H_

#include <string>
#include <vector>

#include "prevent/plan/v1/resources.pb.h"

namespace plan {

namespace v1 = prevent::plan::v1;

// One activity with its actions.
struct ActivityEntry {
  v1::Activity activity;
  std::vector<v1::Action> actions;
};

struct PlanDocument {
  v1::Plan plan;
  // Every organisation the plan refers to (leads, owners, partners).
  std::vector<v1::Organisation> organisations;
  std::vector<v1::Strand> strands;
  std::vector<ActivityEntry> activities;
};

// Something a parser assumed where the input was ambiguous, or skipped.
struct FormatWarning {
  int line = 0;  // 1-based line of the input
  std::string message;
};

// The result of parsing an input format.
struct ParsedPlan {
  PlanDocument document;
  std::vector<FormatWarning> warnings;
};

}  // namespace plan

#endif  // LIBPLAN_FORMATS_PLAN_DOCUMENT_H_
