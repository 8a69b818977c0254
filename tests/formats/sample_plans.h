// Plans built by hand for the formats tests: a builder that makes resources
// the way the CSV reader would (ids given, positions "0001", "0002", ... in
// order, organisations listed in order of first reference), a rich document
// for round trips, and a document like the published seed plan for the
// writers.
#ifndef PLAN_TESTS_FORMATS_SAMPLE_PLANS_H_
#define PLAN_TESTS_FORMATS_SAMPLE_PLANS_H_

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "libplan/formats/plan_document.h"
#include "libplan/formats/timescale.h"

namespace plan::sample {

inline constexpr char kPlanName[] = "plans/south-staffordshire";

inline v1::Plan TestPlan() {
  v1::Plan plan;
  plan.set_name(kPlanName);
  plan.set_title("South Staffordshire Prevent Action Plan 2023-2025");
  plan.set_area("South Staffordshire");
  plan.set_level(v1::DISTRICT);
  plan.set_period_start("2023-04");
  plan.set_period_end("2025-03");
  return plan;
}

// Builds documents the way the CSV reader does: ids given, positions in
// order, organisations in order of first reference.
class DocumentBuilder {
 public:
  DocumentBuilder() { doc_.plan = TestPlan(); }

  DocumentBuilder& Organisation(
      const std::string& id, const std::string& display_name,
      v1::OrganisationKind kind = v1::ORGANISATION_KIND_UNSPECIFIED) {
    v1::Organisation organisation;
    organisation.set_name("organisations/" + id);
    organisation.set_display_name(display_name);
    organisation.set_kind(kind);
    doc_.organisations.push_back(organisation);
    return *this;
  }

  DocumentBuilder& Strand(const std::string& id, const std::string& title,
                          const std::string& description = "") {
    v1::Strand strand;
    strand.set_name(absl::StrCat(kPlanName, "/strands/", id));
    strand.set_title(title);
    strand.set_description(description);
    strand.set_position(Position(doc_.strands.size()));
    doc_.strands.push_back(strand);
    return *this;
  }

  // An activity of the last strand (or of none, when `strand` is false).
  DocumentBuilder& Activity(const std::string& id, const std::string& title,
                            const std::string& officer,
                            const std::vector<std::string>& leads,
                            bool strand = true) {
    ActivityEntry entry;
    v1::Activity& activity = entry.activity;
    activity.set_name(absl::StrCat(kPlanName, "/activities/", id));
    if (strand) activity.set_strand(doc_.strands.back().name());
    activity.set_title(title);
    activity.set_lead_officer(officer);
    for (const std::string& lead : leads) {
      activity.add_lead_organisations("organisations/" + lead);
    }
    activity.set_position(Position(doc_.activities.size()));
    doc_.activities.push_back(entry);
    return *this;
  }

  DocumentBuilder& DutyAreas(std::vector<v1::DutyArea> areas) {
    for (v1::DutyArea area : areas) {
      doc_.activities.back().activity.add_duty_areas(area);
    }
    return *this;
  }

  // An action of the last activity, its timescale as ParseTimescale reads
  // `timescale` (none when empty).
  DocumentBuilder& Action(const std::string& id, const std::string& description,
                          const std::string& timescale, v1::Rag rag,
                          const std::string& owner = "") {
    ActivityEntry& entry = doc_.activities.back();
    v1::Action action;
    action.set_name(absl::StrCat(entry.activity.name(), "/actions/", id));
    action.set_description(description);
    if (!timescale.empty()) {
      *action.mutable_timescale() = ParseTimescale(timescale).timescale;
    }
    action.set_rag(rag);
    if (!owner.empty()) action.set_owner_organisation("organisations/" + owner);
    action.set_position(Position(entry.actions.size()));
    entry.actions.push_back(action);
    return *this;
  }

  // Sets the months of the last action's timescale.
  DocumentBuilder& Months(const std::string& start, const std::string& end,
                          bool ongoing) {
    v1::Timescale* timescale =
        doc_.activities.back().actions.back().mutable_timescale();
    timescale->set_start(start);
    timescale->set_end(end);
    timescale->set_ongoing(ongoing);
    return *this;
  }

  PlanDocument Build() const { return doc_; }

 private:
  static std::string Position(size_t index) {
    return absl::StrCat(std::string(index + 1 < 10 ? 3 : 2, '0'), index + 1);
  }

  PlanDocument doc_;
};

// A plan with every kind of cell the CSV has to carry: several strands,
// activities with 0, 1 and many actions (one with no strand), several leads,
// owners, every RAG, timescales of every kind (with months that differ from
// their text), organisation kinds and an id its name does not give, and text
// with commas, quotes, line breaks and non-ASCII characters.
inline PlanDocument RichDocument() {
  return DocumentBuilder()
      .Organisation("staffordshire-police", "Staffordshire Police", v1::POLICE)
      .Organisation("south-staffordshire-council",
                    "South Staffordshire Council", v1::COUNCIL)
      .Organisation("support-staffordshire", "Support Staffordshire",
                    v1::VOLUNTARY)
      .Organisation("entrust", "Entrust", v1::EDUCATION)
      .Organisation("college", "South Staffordshire College")
      .Organisation("hmp-featherstone", "HMP Featherstone", v1::PRISON)
      .Organisation("yoi-brinsford", "YOI Brinsford", v1::PRISON)
      .Organisation("staffordshire-probation", "Staffordshire Probation",
                    v1::PROBATION)
      .Strand("ideology", "Ideology",
              "responding to the ideological challenge of terrorism and the "
              "threat from those who promote it")
      .Activity("risk-assessment", "Risk Assessment and local understanding",
                "Prevent Lead", {"staffordshire-police"})
      .DutyAreas({v1::RISK, v1::PARTNERSHIP})
      .Action("develop",
              "Develop a risk assessment and local understanding "
              "of radicalisation and extremism in the district.",
              "Ongoing", v1::AMBER)
      .Activity("safeguarding", "Safeguarding and due process",
                "Community Safety Manager, SSC",
                {"south-staffordshire-council", "staffordshire-police"})
      .Action("champions",
              "Safeguarding Champions and Member Champion to understand "
              "Prevent referral procedure.",
              "February 2024", v1::GREEN)
      .Action("trends",
              "Trends to be reflected in the messages released in "
              "\"publicity\", mentioned in this plan",
              "Feb 2024 \u2013 March 2025", v1::RED, "support-staffordshire")
      .Action("self-assessment",
              "Complete the Home Office Self-Assessment\nand Benchmarking "
              "Tool",
              "April 2024", v1::BLUE)
      .Activity("channel", "Channel", "Channel Co-ordinator",
                {"staffordshire-police"})
      .Strand("individuals", "Individuals",
              "preventing people from being drawn into terrorism, and "
              "ensuring they are given \"appropriate\" advice and support")
      .Activity("schools", "Training package for all schools", "", {"entrust"})
      .DutyAreas({v1::RECOGNISE})
      .Action("liaise",
              "Liaise with all schools \u2013 including the \u00e9cole "
              "fran\u00e7aise \u2013 to enquire if training is available.",
              "Sept 2023 - March 2025", v1::RAG_UNSPECIFIED)
      .Action("governors", "Contact Governors Association, ensure training",
              "Q4", v1::AMBER, "college")
      .Months("2024-01", "2024-03", false)
      .Activity("reaching-out", "Reaching out, through communities",
                "Michelle's team \"Locality+\"",
                {"south-staffordshire-council"})
      .Action("forum", "Prevent awareness presentation at Locality+ Forum", "",
              v1::RED)
      .Months("2024-09", "2024-09", false)
      .Action("landlords", "Landlord Forum", "TBC", v1::GREEN)
      .Action("ongoing", "Business forums", "Mar 2023 ongoing", v1::GREEN)
      .Strand("institutions", "Institutions",
              "working with sectors and institutions\r\nwhere there are "
              "risks of radicalisation")
      .Activity("prisons", "Prisons", "", {"hmp-featherstone", "yoi-brinsford"})
      .Action("probation", "Probation \u2013 links into the prisons", "Ongoing",
              v1::BLUE, "staffordshire-probation")
      .Activity("governance", "Partnership governance", "Chair",
                {"staffordshire-police"}, /*strand=*/false)
      .Action("report", "Report to the Safer Communities board, quarterly",
              "Quarterly", v1::GREEN)
      .Build();
}

// A plan like the published South Staffordshire Prevent Action Plan
// 2023-2025 (deploy/demo): 3 strands, 10 activities, 16 actions with every
// RAG; on kSeedToday three actions are overdue (two in Ideology, one in
// Individuals).
inline constexpr absl::CivilDay kSeedToday(2024, 11, 15);

inline PlanDocument SeedLikeDocument() {
  PlanDocument doc =
      DocumentBuilder()
          .Organisation("staffordshire-police", "Staffordshire Police",
                        v1::POLICE)
          .Organisation("south-staffordshire-council",
                        "South Staffordshire Council", v1::COUNCIL)
          .Organisation("entrust", "Entrust", v1::EDUCATION)
          .Organisation("staffordshire-probation", "Staffordshire Probation",
                        v1::PROBATION)
          .Organisation("staffordshire-county-council",
                        "Staffordshire County Council", v1::COUNCIL)
          .Organisation("health", "Health", v1::HEALTH)
          .Strand("ideology", "Ideology",
                  "Responding to the ideological challenge of terrorism and "
                  "the threat from those who promote it")
          .Activity("risk-assessment",
                    "Risk Assessment and local understanding", "Prevent Lead",
                    {"staffordshire-police"})
          .Action("develop",
                  "Develop a risk assessment and local understanding of "
                  "radicalisation and extremism in the district. What are the "
                  "prejudices shown by perpetrators of Hate Crime \u2013 are "
                  "any showing signs of extremism? Regular agenda item on "
                  "Tactical Priorities Group for partnership discussion.",
                  "Ongoing", v1::GREEN)
          .Activity("safeguarding", "Safeguarding and due process",
                    "Community Safety Manager", {"south-staffordshire-council"})
          .Action("champions",
                  "Safeguarding Champions and Member Champion to understand "
                  "Prevent referral procedure.",
                  "February 2024", v1::BLUE)
          .Action("trends",
                  "Trends to be reflected in the messages released in "
                  "publicity mentioned in this plan.",
                  "February 2024", v1::AMBER)
          .Action("protect-duty",
                  "Conversations to include Prevent Duty and Protect Duty and "
                  "integration of both duties in 2025.",
                  "September 2024", v1::RED)
          .Action("self-assessment",
                  "Complete the Home Office Self-Assessment and Benchmarking "
                  "Tool",
                  "April 2024", v1::BLUE)
          .Activity("channel", "Channel", "Channel Co-ordinator",
                    {"staffordshire-police"})
          .Action("refer",
                  "Refer any individuals with extremist ideologies to the "
                  "Prevent Team at Staffordshire Police, who have the "
                  "expertise to challenge the theology behind these views",
                  "Ongoing", v1::GREEN)
          .Strand("individuals", "Individuals",
                  "Preventing people from being drawn into terrorism and "
                  "ensuring they are given appropriate advice and support")
          .Activity("schools",
                    "Training package for all schools in South Staffordshire",
                    "Community Safety Officer",
                    {"south-staffordshire-council", "entrust"})
          .Action("liaise",
                  "Liaise with all schools in South Staffordshire to enquire "
                  "if training is available to staff and governors.",
                  "Ongoing", v1::GREEN)
          .Action("governors",
                  "Contact Governors Association to ensure training is "
                  "undertaken",
                  "March 2025", v1::AMBER, "entrust")
          .Activity("staff-training",
                    "Training for South Staffordshire Council staff and "
                    "Members",
                    "", {"south-staffordshire-council"})
          .Action("today-and-tomorrow",
                  "Today and Tomorrow training session for all staff.\n"
                  "Ensure signs/symbols are explained and recognised and "
                  "reported as required.",
                  "Feb 2024", v1::BLUE)
          .Activity("policies", "Policies and Procedures", "",
                    {"south-staffordshire-council"})
          .Action("venue-hire",
                  "To develop a venue hire policy and speaker policy to deny "
                  "any extremist or terrorist groups a platform to "
                  "disseminate their ideologies.",
                  "March 2024", v1::RED)
          .Activity("communities",
                    "Reaching out to individuals through communities", "",
                    {"south-staffordshire-council"})
          .Action("locality-forum",
                  "Prevent awareness presentation at Locality+ Forum to "
                  "parish, district and county councillors.",
                  "Sept 2024 \u2013 March 2025", v1::GREEN)
          .Action("forums",
                  "Prevent awareness presentation to: Community Safety "
                  "Forums; Friends Groups; NW Groups; Landlord Forum; "
                  "Business Forums",
                  "Feb 2025", v1::RAG_UNSPECIFIED)
          .Strand("institutions", "Institutions",
                  "Working with sectors and institutions where there are "
                  "risks of radicalisation")
          .Activity("establishments", "Local establishments", "",
                    {"staffordshire-probation"})
          .Action("release",
                  "Probation \u2013 links into the prisons for inmates ready "
                  "for release",
                  "Ongoing", v1::GREEN)
          .Activity("community", "Community", "",
                    {"staffordshire-county-council", "health",
                     "south-staffordshire-council"})
          .Action("faith",
                  "Schools, Colleges and Universities; Faith Groups \u2013 "
                  "Interchurch groups",
                  "Feb 2024 \u2013 Mar 2025", v1::AMBER)
          .Action("car-boot",
                  "Car Boot Sales \u2013 organiser meetings; Leisure "
                  "Centres/gyms; Private Schools; Children's Homes",
                  "Feb 2024 \u2013 Mar 2025", v1::RED,
                  "south-staffordshire-council")
          .Activity("employers", "Employers", "",
                    {"south-staffordshire-council"})
          .Action("i54",
                  "I54 \u2013 contact to be established to identify a Prevent "
                  "Co-ordinator in companies",
                  "Feb 2024 \u2013 Mar 2025", v1::AMBER)
          .Activity("e-safety", "E-Safety", "", {"entrust"})
          .Build();
  for (const char* partner :
       {"south-staffordshire-council", "staffordshire-police", "entrust",
        "staffordshire-county-council", "staffordshire-probation", "health"}) {
    doc.plan.add_partner_organisations(absl::StrCat("organisations/", partner));
  }
  return doc;
}

}  // namespace plan::sample

#endif  // PLAN_TESTS_FORMATS_SAMPLE_PLANS_H_
