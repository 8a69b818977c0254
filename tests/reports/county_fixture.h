// A small county by hand for the report tests: the county plan (two
// activities) and two district plans (eleven actions between them), with the
// numbers each report should give worked out in the tests.
//
// District A (plans/district-a), strands Ideology and Individuals:
//   a-ideo  Ideology     leads council-a
//     a1 RED     2024-03            overdue on kToday
//     a2 GREEN   2024-05..2025-03
//     a3 BLUE    2024-01            complete, never overdue
//   a-chan  Individuals  leads council-a, police   -> county c1
//     a4 AMBER   2024-02            overdue; owner police
//     a5 (none)  no timescale       never overdue, in every period
//   a-misc  (no strand)  leads health
//     a6 GREEN   ongoing from 2023-01
// District B (plans/district-b), strands "individuals" and Institutions:
//   b-chan  individuals  leads council-b           -> county c1
//     b1 RED     2023-09..2024-03   overdue
//     b2 GREEN   2024-07..2024-12
//   b-train Institutions leads council-b, health   -> county c2
//     b3 AMBER   2024-06            ends this month: not overdue
//     b4 (none)  2023-10..2023-12   overdue; owner health
//   b-old   Institutions leads police              -> an unknown activity
//     b5 BLUE    2023-01..2023-03
// County (plans/staffordshire):
//   c1 Channel referrals   ca1 AMBER "Ongoing"
//   c2 Training programme  no actions
#ifndef PLAN_TESTS_REPORTS_COUNTY_FIXTURE_H_
#define PLAN_TESTS_REPORTS_COUNTY_FIXTURE_H_

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "libplan/formats/plan_document.h"

namespace plan::fixture {

inline constexpr absl::CivilDay kToday(2024, 6, 15);

// Builds one plan document; ids are given, names derived.
class DocBuilder {
 public:
  DocBuilder(const std::string& id, const std::string& title,
             v1::PlanLevel level) {
    doc_.plan.set_name("plans/" + id);
    doc_.plan.set_title(title);
    doc_.plan.set_level(level);
  }

  DocBuilder& Organisation(const std::string& id, const std::string& display) {
    v1::Organisation organisation;
    organisation.set_name("organisations/" + id);
    organisation.set_display_name(display);
    doc_.organisations.push_back(organisation);
    return *this;
  }

  DocBuilder& Strand(const std::string& id, const std::string& title) {
    v1::Strand strand;
    strand.set_name(absl::StrCat(doc_.plan.name(), "/strands/", id));
    strand.set_title(title);
    doc_.strands.push_back(strand);
    return *this;
  }

  // `strand` is a strand id or "" for none; `county_activity` a full name.
  DocBuilder& Activity(const std::string& id, const std::string& title,
                       const std::string& strand,
                       const std::vector<std::string>& leads,
                       const std::string& county_activity = "") {
    ActivityEntry entry;
    entry.activity.set_name(absl::StrCat(doc_.plan.name(), "/activities/", id));
    entry.activity.set_title(title);
    if (!strand.empty()) {
      entry.activity.set_strand(
          absl::StrCat(doc_.plan.name(), "/strands/", strand));
    }
    for (const std::string& lead : leads) {
      entry.activity.add_lead_organisations("organisations/" + lead);
    }
    entry.activity.set_county_activity(county_activity);
    doc_.activities.push_back(entry);
    return *this;
  }

  // An action of the last activity.
  DocBuilder& Action(const std::string& id, const std::string& description,
                     v1::Rag rag, const std::string& text,
                     const std::string& start, const std::string& end,
                     bool ongoing = false, const std::string& owner = "") {
    v1::Action action;
    action.set_name(
        absl::StrCat(doc_.activities.back().activity.name(), "/actions/", id));
    action.set_description(description);
    action.set_rag(rag);
    action.mutable_timescale()->set_text(text);
    action.mutable_timescale()->set_start(start);
    action.mutable_timescale()->set_end(end);
    action.mutable_timescale()->set_ongoing(ongoing);
    if (!owner.empty()) action.set_owner_organisation("organisations/" + owner);
    doc_.activities.back().actions.push_back(action);
    return *this;
  }

  PlanDocument Build() const { return doc_; }

 private:
  PlanDocument doc_;
};

inline PlanDocument CountyPlan() {
  return DocBuilder("staffordshire", "Staffordshire Prevent Delivery Plan",
                    v1::COUNTY)
      .Activity("c1", "Channel referrals", "", {"police"})
      .Action("ca1", "County Channel panel meets monthly", v1::AMBER, "Ongoing",
              "", "", true)
      .Activity("c2", "Training programme", "", {"council-a"})
      .Build();
}

inline PlanDocument DistrictA() {
  return DocBuilder("district-a", "District A Action Plan", v1::DISTRICT)
      .Organisation("council-a", "Alpha Council")
      .Organisation("police", "Staffordshire Police")
      .Organisation("health", "NHS Trust")
      .Strand("ideology", "Ideology")
      .Strand("individuals", "Individuals")
      .Activity("a-ideo", "Challenge ideology", "ideology", {"council-a"})
      .Action("a1", "Map local narratives", v1::RED, "March 2024", "2024-03",
              "2024-03")
      .Action("a2", "Community events", v1::GREEN, "May 2024 - March 2025",
              "2024-05", "2025-03")
      .Action("a3", "Publish the local profile summary", v1::BLUE,
              "January 2024", "2024-01", "2024-01")
      .Activity("a-chan", "Channel panel", "individuals",
                {"council-a", "police"}, "plans/staffordshire/activities/c1")
      .Action("a4", "Review referral pathway", v1::AMBER, "Feb 2024", "2024-02",
              "2024-02", false, "police")
      .Action("a5", "Panel attendance audit", v1::RAG_UNSPECIFIED, "", "", "")
      .Activity("a-misc", "Health liaison", "", {"health"})
      .Action("a6", "WRAP sessions", v1::GREEN, "From Jan 2023 onwards",
              "2023-01", "", true)
      .Build();
}

inline PlanDocument DistrictB() {
  return DocBuilder("district-b", "District B Action Plan", v1::DISTRICT)
      .Organisation("council-b", "Beta Council")
      .Organisation("health", "NHS Trust")
      .Organisation("police", "Staffordshire Police")
      .Strand("individuals", "individuals")
      .Strand("institutions", "Institutions")
      .Activity("b-chan", "Channel awareness", "individuals", {"council-b"},
                "plans/staffordshire/activities/c1")
      .Action("b1", "Awareness sessions for staff", v1::RED,
              "Sept 2023 - March 2024", "2023-09", "2024-03")
      .Action("b2", "Refresh referral leaflet", v1::GREEN,
              "July - December 2024", "2024-07", "2024-12")
      .Activity("b-train", "Training", "institutions", {"council-b", "health"},
                "plans/staffordshire/activities/c2")
      .Action("b3", "Train front-line staff", v1::AMBER, "June 2024", "2024-06",
              "2024-06")
      .Action("b4", "Train GP practices", v1::RAG_UNSPECIFIED, "Oct - Dec 2023",
              "2023-10", "2023-12", false, "health")
      .Activity("b-old", "Old work", "institutions", {"police"},
                "plans/staffordshire/activities/nope")
      .Action("b5", "Closed project", v1::BLUE, "Jan - Mar 2023", "2023-01",
              "2023-03")
      .Build();
}

inline std::vector<PlanDocument> Districts() {
  return {DistrictA(), DistrictB()};
}

}  // namespace plan::fixture

#endif  // PLAN_TESTS_REPORTS_COUNTY_FIXTURE_H_
