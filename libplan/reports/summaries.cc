#include "libplan/reports/summaries.h"

#include <algorithm>
#include <memory>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libplan/formats/plan_view.h"
#include "libplan/formats/timescale.h"
#include "libplan/model/rag.h"
#include "libplan/util/uk_time.h"

namespace plan {
namespace {

void CountAction(const v1::Action& action, absl::CivilDay today,
                 v1::RagCounts* counts) {
  CountRag(action.rag(), counts);
  if (IsOverdue(action.timescale(), action.rag(), today)) {
    counts->set_overdue(counts->overdue() + 1);
  }
}

v1::RagCounts CountActions(const ActivityEntry& entry, absl::CivilDay today,
                           const Period& period) {
  v1::RagCounts counts;
  for (const v1::Action& action : entry.actions) {
    if (ActionInPeriod(action.timescale(), period)) {
      CountAction(action, today, &counts);
    }
  }
  return counts;
}

v1::OverdueAction MakeOverdue(const v1::Plan& plan, const ActivityEntry& entry,
                              const v1::Action& action) {
  v1::OverdueAction overdue;
  overdue.set_action(action.name());
  overdue.set_description(action.description());
  overdue.set_activity_title(entry.activity.title());
  overdue.set_plan(plan.name());
  *overdue.mutable_lead_organisations() = entry.activity.lead_organisations();
  overdue.set_owner_organisation(action.owner_organisation());
  *overdue.mutable_timescale() = action.timescale();
  overdue.set_rag(action.rag());
  return overdue;
}

// Actions attributed to organisations (owner, else the activity's leads),
// across one or more plans.
class OrganisationTally {
 public:
  void Add(const PlanView& view, const ActivityEntry& entry,
           const v1::Action& action, absl::CivilDay today) {
    if (!action.owner_organisation().empty()) {
      AddTo(view, action.owner_organisation(), action, today);
      return;
    }
    for (const std::string& lead : entry.activity.lead_organisations()) {
      AddTo(view, lead, action, today);
    }
  }

  // The organisations by display name (case-insensitive), then name.
  std::vector<v1::OrganisationActions> Sorted() && {
    std::sort(
        entries_.begin(), entries_.end(),
        [](const v1::OrganisationActions& a, const v1::OrganisationActions& b) {
          return std::forward_as_tuple(absl::AsciiStrToLower(a.display_name()),
                                       a.organisation()) <
                 std::forward_as_tuple(absl::AsciiStrToLower(b.display_name()),
                                       b.organisation());
        });
    return std::move(entries_);
  }

 private:
  void AddTo(const PlanView& view, const std::string& organisation,
             const v1::Action& action, absl::CivilDay today) {
    if (organisation.empty()) return;
    auto [it, added] = index_.emplace(organisation, entries_.size());
    if (added) {
      entries_.emplace_back();
      entries_.back().set_organisation(organisation);
      entries_.back().set_display_name(view.OrganisationName(organisation));
    }
    v1::OrganisationActions& entry = entries_[it->second];
    // A later document may name an organisation an earlier one did not.
    if (entry.display_name() == LastId(organisation)) {
      entry.set_display_name(view.OrganisationName(organisation));
    }
    CountAction(action, today, entry.mutable_counts());
    entry.add_actions(action.name());
    const std::string& plan = view.doc().plan.name();
    if (std::find(entry.plans().begin(), entry.plans().end(), plan) ==
        entry.plans().end()) {
      entry.add_plans(plan);
    }
  }

  absl::flat_hash_map<std::string, size_t> index_;
  std::vector<v1::OrganisationActions> entries_;
};

google::protobuf::Timestamp StartOfDay(absl::CivilDay day) {
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(absl::ToUnixSeconds(UkStartOfDay(day)));
  return timestamp;
}

// The action an update belongs to: its name up to "/updates/".
absl::string_view UpdatedAction(absl::string_view update) {
  const size_t at = update.rfind("/updates/");
  return at == absl::string_view::npos ? absl::string_view()
                                       : update.substr(0, at);
}

bool IsLaterUpdate(const v1::ProgressUpdate& a, const v1::ProgressUpdate& b) {
  return std::make_tuple(a.report_time().seconds(), a.report_time().nanos(),
                         a.name()) > std::make_tuple(b.report_time().seconds(),
                                                     b.report_time().nanos(),
                                                     b.name());
}

// The county summary's columns: each distinct strand title of the districts
// (compared case-insensitively, in order of first appearance), then
// kNoStrandTitle when any district has activities without a strand. Adds the
// titles to `summary`; returns the column of each lower-case title.
absl::flat_hash_map<std::string, int> AddStrandColumns(
    const std::vector<std::unique_ptr<PlanView>>& views,
    v1::CountySummary* summary) {
  absl::flat_hash_map<std::string, int> column_of;
  const auto add = [&](const std::string& title) {
    if (column_of
            .emplace(absl::AsciiStrToLower(title),
                     summary->strand_titles_size())
            .second) {
      summary->add_strand_titles(title);
    }
  };
  bool any_unassigned = false;
  for (const auto& view : views) {
    for (const StrandGroup& group : view->groups()) {
      if (group.strand == nullptr) {
        any_unassigned = true;
      } else {
        add(group.strand->title());
      }
    }
  }
  if (any_unassigned) add(kNoStrandTitle);
  return column_of;
}

// Adds the row of the district `view` to `summary`: its counts per column of
// `column_of` and in total, and its overdue actions; tallies its actions by
// organisation.
void AddDistrictRow(const PlanView& view,
                    const absl::flat_hash_map<std::string, int>& column_of,
                    absl::CivilDay today, const Period& period,
                    OrganisationTally* tally, v1::CountySummary* summary) {
  const v1::Plan& plan = view.doc().plan;
  v1::DistrictRow* row = summary->add_districts();
  row->set_plan(plan.name());
  row->set_title(plan.title());
  for (int i = 0; i < summary->strand_titles_size(); ++i) row->add_strands();
  for (const StrandGroup& group : view.groups()) {
    const int column = column_of.at(absl::AsciiStrToLower(
        group.strand == nullptr ? kNoStrandTitle : group.strand->title()));
    v1::RagCounts* counts = row->mutable_strands(column);
    for (const ActivityEntry* entry : group.activities) {
      for (const v1::Action& action : entry->actions) {
        if (!ActionInPeriod(action.timescale(), period)) continue;
        CountAction(action, today, counts);
        CountAction(action, today, row->mutable_totals());
        if (IsOverdue(action.timescale(), action.rag(), today)) {
          *summary->add_overdue() = MakeOverdue(plan, *entry, action);
        }
        tally->Add(view, *entry, action, today);
      }
    }
  }
  AddRagCounts(row->totals(), summary->mutable_totals());
}

void AddContribution(const v1::Plan& plan, const ActivityEntry& entry,
                     const v1::RagCounts& counts,
                     v1::CountyObjective* objective) {
  v1::Contribution* contribution = objective->add_contributions();
  contribution->set_district_plan(plan.name());
  contribution->set_activity(entry.activity.name());
  contribution->set_activity_title(entry.activity.title());
  *contribution->mutable_counts() = counts;
}

// Adds an objective to `summary` per activity of `county`, with the county's
// own actions (when any are in the period) as its first contribution, then
// each district activity that names it as its county activity; each
// objective's counts are the sum of its contributions.
void AddObjectives(const PlanDocument& county,
                   const std::vector<PlanDocument>& districts,
                   absl::CivilDay today, const Period& period,
                   v1::CountySummary* summary) {
  for (const ActivityEntry& entry : county.activities) {
    v1::CountyObjective* objective = summary->add_objectives();
    objective->set_activity(entry.activity.name());
    objective->set_title(entry.activity.title());
    const v1::RagCounts own = CountActions(entry, today, period);
    if (own.total() > 0) AddContribution(county.plan, entry, own, objective);
  }
  // Pointers into the repeated field are stable once it is fully built.
  absl::flat_hash_map<absl::string_view, v1::CountyObjective*> objective_of;
  for (v1::CountyObjective& objective : *summary->mutable_objectives()) {
    objective_of.emplace(objective.activity(), &objective);
  }
  for (const PlanDocument& district : districts) {
    for (const ActivityEntry& entry : district.activities) {
      if (entry.activity.county_activity().empty()) continue;
      auto it = objective_of.find(entry.activity.county_activity());
      if (it == objective_of.end()) continue;
      AddContribution(district.plan, entry, CountActions(entry, today, period),
                      it->second);
    }
  }
  for (v1::CountyObjective& objective : *summary->mutable_objectives()) {
    for (const v1::Contribution& contribution : objective.contributions()) {
      AddRagCounts(contribution.counts(), objective.mutable_counts());
    }
  }
}

}  // namespace

bool ActionInPeriod(const v1::Timescale& timescale, const Period& period) {
  if (timescale.start().empty() && timescale.end().empty()) return true;
  if (timescale.ongoing() && !timescale.start().empty()) {
    return period.end.empty() || timescale.start() <= period.end;
  }
  const std::string& first =
      timescale.start().empty() ? timescale.end() : timescale.start();
  const std::string& last =
      timescale.end().empty() ? timescale.start() : timescale.end();
  return (period.start.empty() || last >= period.start) &&
         (period.end.empty() || first <= period.end);
}

v1::PlanSummary SummarisePlan(const PlanDocument& doc,
                              const std::vector<v1::ProgressUpdate>& updates,
                              absl::CivilDay today, const Period& period) {
  const PlanView view(doc);
  v1::PlanSummary summary;
  summary.set_plan(doc.plan.name());
  summary.set_title(doc.plan.title());
  summary.set_period_start(period.start);
  summary.set_period_end(period.end);
  *summary.mutable_as_of() = StartOfDay(today);

  absl::flat_hash_map<absl::string_view, const v1::ProgressUpdate*> latest;
  for (const v1::ProgressUpdate& update : updates) {
    const absl::string_view action = UpdatedAction(update.name());
    if (action.empty()) continue;
    auto [it, added] = latest.emplace(action, &update);
    if (!added && IsLaterUpdate(update, *it->second)) it->second = &update;
  }

  OrganisationTally tally;
  for (const StrandGroup& group : view.groups()) {
    v1::StrandSummary* strand = summary.add_strands();
    if (group.strand == nullptr) {
      strand->set_title(kNoStrandTitle);
    } else {
      strand->set_strand(group.strand->name());
      strand->set_title(group.strand->title());
    }
    v1::RagCounts* counts = strand->mutable_counts();
    for (const ActivityEntry* entry : group.activities) {
      for (const v1::Action& action : entry->actions) {
        if (!ActionInPeriod(action.timescale(), period)) continue;
        CountAction(action, today, counts);
        if (IsOverdue(action.timescale(), action.rag(), today)) {
          *summary.add_overdue() = MakeOverdue(doc.plan, *entry, action);
        }
        if (action.rag() != v1::RED && action.rag() != v1::AMBER &&
            action.rag() != v1::GREEN && action.rag() != v1::BLUE) {
          summary.add_no_rag(action.name());
        }
        tally.Add(view, *entry, action, today);
      }
    }
    AddRagCounts(*counts, summary.mutable_totals());
  }
  // Latest updates in document order, not strand order.
  for (const ActivityEntry& entry : doc.activities) {
    for (const v1::Action& action : entry.actions) {
      if (!ActionInPeriod(action.timescale(), period)) continue;
      auto it = latest.find(action.name());
      if (it == latest.end()) continue;
      v1::LatestUpdate* update = summary.add_latest_updates();
      update->set_action(action.name());
      *update->mutable_update() = *it->second;
    }
  }
  for (v1::OrganisationActions& organisation : std::move(tally).Sorted()) {
    *summary.add_by_organisation() = std::move(organisation);
  }
  return summary;
}

v1::CountySummary SummariseCounty(const PlanDocument& county,
                                  const std::vector<PlanDocument>& districts,
                                  absl::CivilDay today, const Period& period) {
  v1::CountySummary summary;
  summary.set_plan(county.plan.name());
  summary.set_title(county.plan.title());
  summary.set_period_start(period.start);
  summary.set_period_end(period.end);
  *summary.mutable_as_of() = StartOfDay(today);

  std::vector<std::unique_ptr<PlanView>> views;
  views.reserve(districts.size());
  for (const PlanDocument& district : districts) {
    views.push_back(std::make_unique<PlanView>(district));
  }

  const absl::flat_hash_map<std::string, int> column_of =
      AddStrandColumns(views, &summary);
  OrganisationTally tally;
  for (const auto& view : views) {
    AddDistrictRow(*view, column_of, today, period, &tally, &summary);
  }
  for (v1::OrganisationActions& organisation : std::move(tally).Sorted()) {
    *summary.add_by_organisation() = std::move(organisation);
  }
  AddObjectives(county, districts, today, period, &summary);
  return summary;
}

}  // namespace plan
