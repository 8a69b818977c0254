// A read-only index over a PlanDocument for the writers (CSV, Markdown,
// HTML): organisations and strands by name, activities grouped by strand, and
// the numbers a report's summary shows.
//
//   PlanView view(doc);
//   for (const StrandGroup& group : view.groups()) {
//     v1::RagCounts counts = CountRags(group, today);
//     ...
//   }
#ifndef LIBPLAN_FORMATS_PLAN_VIEW_H_
#define LIBPLAN_FORMATS_PLAN_VIEW_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "libplan/formats/plan_document.h"
#include "libplan/model/rag.h"

namespace plan {

// One strand and its activities in document order. `strand` is null for the
// group of activities with no strand, or whose strand is not in the document.
struct StrandGroup {
  const v1::Strand* strand = nullptr;
  std::vector<const ActivityEntry*> activities;
};

class PlanView {
 public:
  // `doc` must outlive the view.
  explicit PlanView(const PlanDocument& doc);
  PlanView(const PlanView&) = delete;
  PlanView& operator=(const PlanView&) = delete;

  const PlanDocument& doc() const { return doc_; }

  // The organisation named `name` (organisations/{o}), or null.
  const v1::Organisation* FindOrganisation(absl::string_view name) const;

  // The display name of organisation `name`; its id when the document does
  // not hold it (or holds it with no display name); "" for "".
  std::string OrganisationName(absl::string_view name) const;

  // The strand named `name`, or null.
  const v1::Strand* FindStrand(absl::string_view name) const;

  // Every strand of the document in order, each with its activities (also
  // strands with none), then, when there are any, the activities with no
  // known strand.
  const std::vector<StrandGroup>& groups() const { return groups_; }

 private:
  const PlanDocument& doc_;
  absl::flat_hash_map<std::string, const v1::Organisation*> organisations_;
  absl::flat_hash_map<std::string, const v1::Strand*> strands_;
  std::vector<StrandGroup> groups_;
};

// The counts of the actions of `group`'s activities; overdue as IsOverdue on
// `today`.
v1::RagCounts CountRags(const StrandGroup& group, absl::CivilDay today);

// "District action plan", "County delivery plan", or "" when not set.
absl::string_view LevelLabel(v1::PlanLevel level);

// "2024-02" as "February 2024"; anything that is not a month as it is.
std::string MonthLabel(absl::string_view month);

// The plan's period, e.g. "April 2023 – March 2025" (an en dash), "from
// April 2023", "to March 2025", or "" when neither end is set.
std::string PeriodLabel(const v1::Plan& plan);

// `day` as "12 March 2024".
std::string DayLabel(absl::CivilDay day);

// `text` for a markup writer: each line break (CRLF, LF or CR) as
// `line_break`, other control characters but tab dropped, and every other
// byte c as `escape(c)`, or as itself when that is empty.
std::string EscapeText(absl::string_view text, absl::string_view line_break,
                       absl::string_view (*escape)(char));

// The HTML entity for `c` (& < > " '), or "" for any other byte: EscapeText's
// `escape` for HTML text, attribute values and SVG.
absl::string_view HtmlEntity(char c);

// The last id of a resource name ("organisations/x" -> "x").
absl::string_view LastId(absl::string_view name);

}  // namespace plan

#endif  // LIBPLAN_FORMATS_PLAN_VIEW_H_
