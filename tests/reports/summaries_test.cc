#include "libplan/reports/summaries.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/reports/county_fixture.h"

namespace plan {
namespace {

using fixture::kToday;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Counts as "R1 A0 G1 C1 U0 O1 T3" (C = complete), for readable failures.
std::string Str(const v1::RagCounts& c) {
  return absl::StrCat("R", c.red(), " A", c.amber(), " G", c.green(), " C",
                      c.blue(), " U", c.unset(), " O", c.overdue(), " T",
                      c.total());
}

std::vector<std::string> Names(
    const google::protobuf::RepeatedPtrField<v1::OverdueAction>& actions) {
  std::vector<std::string> names;
  for (const auto& action : actions) names.push_back(action.action());
  return names;
}

std::vector<std::string> Strings(
    const google::protobuf::RepeatedPtrField<std::string>& strings) {
  return {strings.begin(), strings.end()};
}

constexpr char kA[] = "plans/district-a/activities/";
constexpr char kB[] = "plans/district-b/activities/";

v1::Timescale Months(const std::string& start, const std::string& end,
                     bool ongoing = false) {
  v1::Timescale timescale;
  timescale.set_start(start);
  timescale.set_end(end);
  timescale.set_ongoing(ongoing);
  return timescale;
}

TEST(ActionInPeriodTest, OverlapRules) {
  const Period period{"2024-04", "2024-09"};
  EXPECT_TRUE(ActionInPeriod(v1::Timescale(), period));
  EXPECT_TRUE(ActionInPeriod(Months("", "", true), period));
  // Ongoing from a start: only the start matters.
  EXPECT_TRUE(ActionInPeriod(Months("2020-01", "", true), period));
  EXPECT_TRUE(ActionInPeriod(Months("2024-09", "", true), period));
  EXPECT_FALSE(ActionInPeriod(Months("2024-10", "", true), period));
  // Ranges overlap at either end.
  EXPECT_TRUE(ActionInPeriod(Months("2024-01", "2024-04"), period));
  EXPECT_TRUE(ActionInPeriod(Months("2024-09", "2025-03"), period));
  EXPECT_TRUE(ActionInPeriod(Months("2023-01", "2026-01"), period));
  EXPECT_FALSE(ActionInPeriod(Months("2024-01", "2024-03"), period));
  EXPECT_FALSE(ActionInPeriod(Months("2024-10", "2024-12"), period));
  // One month given stands for both ends.
  EXPECT_TRUE(ActionInPeriod(Months("", "2024-05"), period));
  EXPECT_FALSE(ActionInPeriod(Months("", "2024-03"), period));
  EXPECT_FALSE(ActionInPeriod(Months("2024-10", ""), period));
  // Open ends exclude nothing on their side.
  EXPECT_TRUE(
      ActionInPeriod(Months("1999-01", "1999-02"), Period{"", "2024-09"}));
  EXPECT_FALSE(
      ActionInPeriod(Months("2025-01", "2025-02"), Period{"", "2024-09"}));
  EXPECT_TRUE(
      ActionInPeriod(Months("2099-01", "", true), Period{"2024-04", ""}));
  EXPECT_TRUE(ActionInPeriod(Months("2020-01", "2020-02"), Period{}));
}

TEST(SummarisePlanTest, CountsPerStrandWithNoStrandLast) {
  const v1::PlanSummary summary =
      SummarisePlan(fixture::DistrictA(), {}, kToday, Period{});
  EXPECT_EQ(summary.plan(), "plans/district-a");
  EXPECT_EQ(summary.title(), "District A Action Plan");
  ASSERT_EQ(summary.strands_size(), 3);
  EXPECT_EQ(summary.strands(0).strand(), "plans/district-a/strands/ideology");
  EXPECT_EQ(summary.strands(0).title(), "Ideology");
  EXPECT_EQ(Str(summary.strands(0).counts()), "R1 A0 G1 C1 U0 O1 T3");
  EXPECT_EQ(summary.strands(1).title(), "Individuals");
  EXPECT_EQ(Str(summary.strands(1).counts()), "R0 A1 G0 C0 U1 O1 T2");
  EXPECT_EQ(summary.strands(2).strand(), "");
  EXPECT_EQ(summary.strands(2).title(), "No strand");
  EXPECT_EQ(Str(summary.strands(2).counts()), "R0 A0 G1 C0 U0 O0 T1");
  EXPECT_EQ(Str(summary.totals()), "R1 A1 G2 C1 U1 O2 T6");
  // As of the UK's midnight of 15 June 2024: 23:00 UTC the day before (BST).
  EXPECT_EQ(summary.as_of().seconds(), 1718409600 - 3600);
}

TEST(SummarisePlanTest, OverdueAndNoRagLists) {
  const v1::PlanSummary summary =
      SummarisePlan(fixture::DistrictA(), {}, kToday, Period{});
  // a3 is complete, a5 has no timescale, a6 is ongoing: none overdue.
  EXPECT_THAT(Names(summary.overdue()),
              ElementsAre(absl::StrCat(kA, "a-ideo/actions/a1"),
                          absl::StrCat(kA, "a-chan/actions/a4")));
  const v1::OverdueAction& a4 = summary.overdue(1);
  EXPECT_EQ(a4.plan(), "plans/district-a");
  EXPECT_EQ(a4.activity_title(), "Channel panel");
  EXPECT_EQ(a4.description(), "Review referral pathway");
  EXPECT_THAT(Strings(a4.lead_organisations()),
              ElementsAre("organisations/council-a", "organisations/police"));
  EXPECT_EQ(a4.owner_organisation(), "organisations/police");
  EXPECT_EQ(a4.timescale().text(), "Feb 2024");
  EXPECT_EQ(a4.rag(), v1::AMBER);
  EXPECT_THAT(Strings(summary.no_rag()),
              ElementsAre(absl::StrCat(kA, "a-chan/actions/a5")));
}

TEST(SummarisePlanTest, OwnerTakesTheActionFromTheLeads) {
  const v1::PlanSummary summary =
      SummarisePlan(fixture::DistrictA(), {}, kToday, Period{});
  ASSERT_EQ(summary.by_organisation_size(), 3);
  const v1::OrganisationActions& alpha = summary.by_organisation(0);
  EXPECT_EQ(alpha.organisation(), "organisations/council-a");
  EXPECT_EQ(alpha.display_name(), "Alpha Council");
  // a1, a2, a3 and a5 (lead); not a4, whose owner is the police.
  EXPECT_EQ(Str(alpha.counts()), "R1 A0 G1 C1 U1 O1 T4");
  EXPECT_THAT(Strings(alpha.actions()),
              ElementsAre(absl::StrCat(kA, "a-ideo/actions/a1"),
                          absl::StrCat(kA, "a-ideo/actions/a2"),
                          absl::StrCat(kA, "a-ideo/actions/a3"),
                          absl::StrCat(kA, "a-chan/actions/a5")));
  EXPECT_THAT(Strings(alpha.plans()), ElementsAre("plans/district-a"));
  EXPECT_EQ(summary.by_organisation(1).display_name(), "NHS Trust");
  EXPECT_EQ(Str(summary.by_organisation(1).counts()), "R0 A0 G1 C0 U0 O0 T1");
  const v1::OrganisationActions& police = summary.by_organisation(2);
  EXPECT_EQ(police.display_name(), "Staffordshire Police");
  EXPECT_EQ(Str(police.counts()), "R0 A1 G0 C0 U1 O1 T2");
}

v1::ProgressUpdate Update(const std::string& action, const std::string& id,
                          int64_t seconds, const std::string& note) {
  v1::ProgressUpdate update;
  update.set_name(absl::StrCat(action, "/updates/", id));
  update.mutable_report_time()->set_seconds(seconds);
  update.set_organisation("organisations/council-a");
  update.set_rag(v1::AMBER);
  update.set_note(note);
  return update;
}

TEST(SummarisePlanTest, LatestUpdateByReportTimeInDocumentOrder) {
  const std::string a1 = absl::StrCat(kA, "a-ideo/actions/a1");
  const std::string a2 = absl::StrCat(kA, "a-ideo/actions/a2");
  const std::string a4 = absl::StrCat(kA, "a-chan/actions/a4");
  // Given out of order: the latest report_time wins, not the last given.
  const std::vector<v1::ProgressUpdate> updates = {
      Update(a4, "u1", 1700000000, "a4 only"),
      Update(a1, "u1", 1709251200, "March"),
      Update(a1, "u2", 1714521600, "May"),
      Update(a1, "u3", 1711929600, "April"),
      Update(a2, "u1", 1714521600, "a2 May"),
      Update(absl::StrCat(kA, "gone/actions/x"), "u1", 1800000000, "unknown"),
      Update("not-an-update-name", "", 1800000000, "ignored")};
  const v1::PlanSummary summary =
      SummarisePlan(fixture::DistrictA(), updates, kToday, Period{});
  ASSERT_EQ(summary.latest_updates_size(), 3);
  EXPECT_EQ(summary.latest_updates(0).action(), a1);
  EXPECT_EQ(summary.latest_updates(0).update().note(), "May");
  EXPECT_EQ(summary.latest_updates(1).action(), a2);
  EXPECT_EQ(summary.latest_updates(2).action(), a4);
  EXPECT_EQ(summary.latest_updates(2).update().note(), "a4 only");

  // From April 2024, a1 and a4 are out of the period, and so their updates.
  const v1::PlanSummary later =
      SummarisePlan(fixture::DistrictA(), updates, kToday, {"2024-04", ""});
  ASSERT_EQ(later.latest_updates_size(), 1);
  EXPECT_EQ(later.latest_updates(0).action(), a2);
  EXPECT_EQ(later.period_start(), "2024-04");
  EXPECT_EQ(later.period_end(), "");
}

TEST(SummarisePlanTest, PeriodLeavesOutActionsOutsideIt) {
  const v1::PlanSummary summary =
      SummarisePlan(fixture::DistrictA(), {}, kToday, {"2024-04", "2024-09"});
  // a2 (May 2024 - March 2025), a5 (no timescale), a6 (ongoing since 2023).
  EXPECT_EQ(Str(summary.strands(0).counts()), "R0 A0 G1 C0 U0 O0 T1");
  EXPECT_EQ(Str(summary.strands(1).counts()), "R0 A0 G0 C0 U1 O0 T1");
  EXPECT_EQ(Str(summary.strands(2).counts()), "R0 A0 G1 C0 U0 O0 T1");
  EXPECT_EQ(Str(summary.totals()), "R0 A0 G2 C0 U1 O0 T3");
  EXPECT_THAT(summary.overdue(), IsEmpty());
  EXPECT_THAT(Strings(summary.no_rag()),
              ElementsAre(absl::StrCat(kA, "a-chan/actions/a5")));
}

TEST(SummariseCountyTest, StrandTitlesMatchCaseInsensitively) {
  const v1::CountySummary summary = SummariseCounty(
      fixture::CountyPlan(), fixture::Districts(), kToday, Period{});
  EXPECT_EQ(summary.plan(), "plans/staffordshire");
  EXPECT_EQ(summary.title(), "Staffordshire Prevent Delivery Plan");
  // "individuals" of district B joins district A's "Individuals".
  EXPECT_THAT(
      Strings(summary.strand_titles()),
      ElementsAre("Ideology", "Individuals", "Institutions", "No strand"));
}

TEST(SummariseCountyTest, NoStrandColumnOnlyWhenAnActivityHasNoStrand) {
  // Every activity of district B has a strand.
  const v1::CountySummary summary = SummariseCounty(
      fixture::CountyPlan(), {fixture::DistrictB()}, kToday, Period{});
  EXPECT_THAT(Strings(summary.strand_titles()),
              ElementsAre("individuals", "Institutions"));
  ASSERT_EQ(summary.districts_size(), 1);
  EXPECT_EQ(summary.districts(0).strands_size(), 2);
}

TEST(SummariseCountyTest, DistrictByStrandMatrix) {
  const v1::CountySummary summary = SummariseCounty(
      fixture::CountyPlan(), fixture::Districts(), kToday, Period{});
  ASSERT_EQ(summary.districts_size(), 2);
  const v1::DistrictRow& a = summary.districts(0);
  EXPECT_EQ(a.plan(), "plans/district-a");
  EXPECT_EQ(a.title(), "District A Action Plan");
  ASSERT_EQ(a.strands_size(), 4);
  EXPECT_EQ(Str(a.strands(0)), "R1 A0 G1 C1 U0 O1 T3");
  EXPECT_EQ(Str(a.strands(1)), "R0 A1 G0 C0 U1 O1 T2");
  EXPECT_EQ(Str(a.strands(2)), "R0 A0 G0 C0 U0 O0 T0");
  EXPECT_EQ(Str(a.strands(3)), "R0 A0 G1 C0 U0 O0 T1");
  EXPECT_EQ(Str(a.totals()), "R1 A1 G2 C1 U1 O2 T6");
  const v1::DistrictRow& b = summary.districts(1);
  ASSERT_EQ(b.strands_size(), 4);
  EXPECT_EQ(Str(b.strands(0)), "R0 A0 G0 C0 U0 O0 T0");
  EXPECT_EQ(Str(b.strands(1)), "R1 A0 G1 C0 U0 O1 T2");
  // b3 ends this month (not overdue); b4 has no RAG and is overdue.
  EXPECT_EQ(Str(b.strands(2)), "R0 A1 G0 C1 U1 O1 T3");
  EXPECT_EQ(Str(b.strands(3)), "R0 A0 G0 C0 U0 O0 T0");
  EXPECT_EQ(Str(b.totals()), "R1 A1 G1 C1 U1 O2 T5");
  // Districts only: the county's own action (ca1) is not in the totals.
  EXPECT_EQ(Str(summary.totals()), "R2 A2 G3 C2 U2 O4 T11");
}

TEST(SummariseCountyTest, OverdueAcrossDistrictsWithTheirPlans) {
  const v1::CountySummary summary = SummariseCounty(
      fixture::CountyPlan(), fixture::Districts(), kToday, Period{});
  EXPECT_THAT(Names(summary.overdue()),
              ElementsAre(absl::StrCat(kA, "a-ideo/actions/a1"),
                          absl::StrCat(kA, "a-chan/actions/a4"),
                          absl::StrCat(kB, "b-chan/actions/b1"),
                          absl::StrCat(kB, "b-train/actions/b4")));
  EXPECT_EQ(summary.overdue(2).plan(), "plans/district-b");
  EXPECT_EQ(summary.overdue(3).owner_organisation(), "organisations/health");
}

TEST(SummariseCountyTest, OrganisationsAcrossDistricts) {
  const v1::CountySummary summary = SummariseCounty(
      fixture::CountyPlan(), fixture::Districts(), kToday, Period{});
  ASSERT_EQ(summary.by_organisation_size(), 4);
  const auto& orgs = summary.by_organisation();
  EXPECT_EQ(orgs[0].display_name(), "Alpha Council");
  EXPECT_EQ(Str(orgs[0].counts()), "R1 A0 G1 C1 U1 O1 T4");
  EXPECT_THAT(Strings(orgs[0].plans()), ElementsAre("plans/district-a"));
  EXPECT_EQ(orgs[1].display_name(), "Beta Council");
  EXPECT_EQ(Str(orgs[1].counts()), "R1 A1 G1 C0 U0 O1 T3");
  EXPECT_THAT(Strings(orgs[1].plans()), ElementsAre("plans/district-b"));
  // a6 (lead), b3 (lead), b4 (owner).
  EXPECT_EQ(orgs[2].display_name(), "NHS Trust");
  EXPECT_EQ(Str(orgs[2].counts()), "R0 A1 G1 C0 U1 O1 T3");
  EXPECT_THAT(Strings(orgs[2].plans()),
              ElementsAre("plans/district-a", "plans/district-b"));
  // a4 (owner), a5 (lead), b5 (lead).
  EXPECT_EQ(orgs[3].display_name(), "Staffordshire Police");
  EXPECT_EQ(Str(orgs[3].counts()), "R0 A1 G0 C1 U1 O1 T3");
  EXPECT_THAT(Strings(orgs[3].actions()),
              ElementsAre(absl::StrCat(kA, "a-chan/actions/a4"),
                          absl::StrCat(kA, "a-chan/actions/a5"),
                          absl::StrCat(kB, "b-old/actions/b5")));
}

TEST(SummariseCountyTest, ObjectivesCollectLinkedDistrictActivities) {
  const v1::CountySummary summary = SummariseCounty(
      fixture::CountyPlan(), fixture::Districts(), kToday, Period{});
  ASSERT_EQ(summary.objectives_size(), 2);
  const v1::CountyObjective& channel = summary.objectives(0);
  EXPECT_EQ(channel.activity(), "plans/staffordshire/activities/c1");
  EXPECT_EQ(channel.title(), "Channel referrals");
  ASSERT_EQ(channel.contributions_size(), 3);
  // The county's own action first, then the districts'.
  EXPECT_EQ(channel.contributions(0).district_plan(), "plans/staffordshire");
  EXPECT_EQ(Str(channel.contributions(0).counts()), "R0 A1 G0 C0 U0 O0 T1");
  EXPECT_EQ(channel.contributions(1).district_plan(), "plans/district-a");
  EXPECT_EQ(channel.contributions(1).activity(), absl::StrCat(kA, "a-chan"));
  EXPECT_EQ(channel.contributions(1).activity_title(), "Channel panel");
  EXPECT_EQ(Str(channel.contributions(1).counts()), "R0 A1 G0 C0 U1 O1 T2");
  EXPECT_EQ(channel.contributions(2).district_plan(), "plans/district-b");
  EXPECT_EQ(Str(channel.contributions(2).counts()), "R1 A0 G1 C0 U0 O1 T2");
  EXPECT_EQ(Str(channel.counts()), "R1 A2 G1 C0 U1 O2 T5");

  // No own actions: only b-train. b-old names an unknown activity: ignored.
  const v1::CountyObjective& training = summary.objectives(1);
  ASSERT_EQ(training.contributions_size(), 1);
  EXPECT_EQ(training.contributions(0).activity(), absl::StrCat(kB, "b-train"));
  EXPECT_EQ(Str(training.counts()), "R0 A1 G0 C0 U1 O1 T2");
}

TEST(SummariseCountyTest, PeriodAppliesToEveryPart) {
  const v1::CountySummary summary =
      SummariseCounty(fixture::CountyPlan(), fixture::Districts(), kToday,
                      {"2024-04", "2024-09"});
  // In: a2, a5, a6, b2, b3 (and the county's ca1, which has no months).
  EXPECT_EQ(Str(summary.districts(0).totals()), "R0 A0 G2 C0 U1 O0 T3");
  EXPECT_EQ(Str(summary.districts(1).totals()), "R0 A1 G1 C0 U0 O0 T2");
  EXPECT_EQ(Str(summary.districts(1).strands(2)), "R0 A1 G0 C0 U0 O0 T1");
  EXPECT_EQ(Str(summary.totals()), "R0 A1 G3 C0 U1 O0 T5");
  EXPECT_THAT(summary.overdue(), IsEmpty());
  // An organisation is listed with its actions in the period (police
  // keeps a5, which has no timescale).
  ASSERT_EQ(summary.by_organisation_size(), 4);
  EXPECT_EQ(Str(summary.by_organisation(3).counts()), "R0 A0 G0 C0 U1 O0 T1");
  EXPECT_EQ(Str(summary.objectives(0).counts()), "R0 A1 G1 C0 U1 O0 T3");
  // A contribution stays listed even with nothing in the period.
  EXPECT_EQ(summary.objectives(1).contributions_size(), 1);
  EXPECT_EQ(Str(summary.objectives(1).counts()), "R0 A1 G0 C0 U0 O0 T1");
}

TEST(SummariseCountyTest, NoDistricts) {
  const v1::CountySummary summary =
      SummariseCounty(fixture::CountyPlan(), {}, kToday, Period{});
  EXPECT_THAT(summary.strand_titles(), IsEmpty());
  EXPECT_THAT(summary.districts(), IsEmpty());
  EXPECT_EQ(Str(summary.totals()), "R0 A0 G0 C0 U0 O0 T0");
  ASSERT_EQ(summary.objectives_size(), 2);
  EXPECT_EQ(summary.objectives(0).contributions_size(), 1);
}

}  // namespace
}  // namespace plan
