// How long a county summary takes: 10 district plans of 2,000 actions each
// under one county plan. Two measurements: the pure computation over
// documents in memory, and the whole GetCountySummary over a real RocksDB
// store (one snapshot read of all 11 plans, then the computation).
//
//   build/tests/county_summary_bench
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "libplan/reports/summaries.h"
#include "libplan/service/plan_reports.h"
#include "libplan/util/log.h"
#include "tests/support/temp_dir.h"

namespace plan {
namespace {

constexpr int kDistricts = 10;
constexpr int kActivitiesPerDistrict = 200;
constexpr int kActionsPerActivity = 10;
constexpr int kCountyActivities = 8;

const char* const kStrands[] = {"ideology", "individuals", "institutions"};
const v1::Rag kRags[] = {v1::RED, v1::AMBER, v1::GREEN, v1::BLUE,
                         v1::RAG_UNSPECIFIED};

PlanDocument CountyDocument() {
  PlanDocument county;
  county.plan.set_name("plans/county");
  county.plan.set_title("County Prevent Delivery Plan");
  county.plan.set_level(v1::COUNTY);
  for (int a = 0; a < kCountyActivities; ++a) {
    ActivityEntry& entry = county.activities.emplace_back();
    entry.activity.set_name(absl::StrCat("plans/county/activities/c", a));
    entry.activity.set_title(absl::StrCat("County objective ", a));
    entry.activity.set_position(absl::StrCat(1000 + a));
  }
  return county;
}

PlanDocument DistrictDocument(int d) {
  PlanDocument doc;
  const std::string plan = absl::StrCat("plans/district-", d);
  doc.plan.set_name(plan);
  doc.plan.set_title(absl::StrCat("District ", d, " Prevent Action Plan"));
  doc.plan.set_level(v1::DISTRICT);
  doc.plan.set_parent("plans/county");
  for (int o = 0; o < 5; ++o) {
    v1::Organisation& org = doc.organisations.emplace_back();
    org.set_name(absl::StrCat("organisations/partner-", o));
    org.set_display_name(absl::StrCat("Partner ", o));
  }
  for (int s = 0; s < 3; ++s) {
    v1::Strand& strand = doc.strands.emplace_back();
    strand.set_name(absl::StrCat(plan, "/strands/", kStrands[s]));
    strand.set_title(kStrands[s]);
    strand.set_position(absl::StrCat(s + 1));
  }
  int n = 0;
  for (int a = 0; a < kActivitiesPerDistrict; ++a) {
    ActivityEntry& entry = doc.activities.emplace_back();
    entry.activity.set_name(absl::StrCat(plan, "/activities/a", a));
    entry.activity.set_title(absl::StrCat("Activity ", a));
    entry.activity.set_strand(doc.strands[a % 3].name());
    entry.activity.add_lead_organisations(
        absl::StrCat("organisations/partner-", a % 5));
    entry.activity.set_county_activity(
        absl::StrCat("plans/county/activities/c", a % kCountyActivities));
    entry.activity.set_position(absl::StrCat(10000 + a));
    for (int x = 0; x < kActionsPerActivity; ++x, ++n) {
      v1::Action& action = entry.actions.emplace_back();
      action.set_name(absl::StrCat(entry.activity.name(), "/actions/x", x));
      action.set_description(
          "Liaise with all schools in the district to enquire if training is "
          "available to staff and governors.");
      action.set_rag(kRags[n % 5]);
      action.mutable_timescale()->set_text("Feb 2024 – March 2025");
      action.mutable_timescale()->set_start("2024-02");
      action.mutable_timescale()->set_end(n % 7 == 0 ? "2024-03" : "2025-03");
      action.set_position(absl::StrCat(100 + x));
    }
  }
  return doc;
}

void BM_SummariseCountyInMemory(benchmark::State& state) {
  const PlanDocument county = CountyDocument();
  std::vector<PlanDocument> districts;
  for (int d = 0; d < kDistricts; ++d) districts.push_back(DistrictDocument(d));
  for (auto _ : state) {
    benchmark::DoNotOptimize(SummariseCounty(
        county, districts, absl::CivilDay(2024, 6, 15), Period()));
  }
  state.counters["actions"] =
      kDistricts * kActivitiesPerDistrict * kActionsPerActivity;
}
BENCHMARK(BM_SummariseCountyInMemory)->Unit(benchmark::kMillisecond);

void BM_GetCountySummaryFromStore(benchmark::State& state) {
  SetLoggingEnabled(false);
  absl::StatusOr<prevent::plan::test_support::TempDir> dir =
      prevent::plan::test_support::TempDir::Create("county-bench");
  std::unique_ptr<Store> store = *Store::Open({.path = dir->Subpath("db")});
  HybridClock clock;
  PlanResourcesOptions options;
  options.now = [] {
    return absl::FromCivil(absl::CivilDay(2024, 6, 15), absl::UTCTimeZone());
  };
  PlanResources resources(store.get(), &clock, options);
  PlanDocument written;
  PlanDocument county = CountyDocument();
  county.strands.clear();
  if (!resources.WriteDocument(county, false, Actor(), &written).ok()) {
    state.SkipWithError("cannot write the county plan");
    return;
  }
  for (int d = 0; d < kDistricts; ++d) {
    absl::Status status =
        resources.WriteDocument(DistrictDocument(d), false, Actor(), &written);
    if (!status.ok()) {
      state.SkipWithError(std::string(status.message()).c_str());
      return;
    }
  }
  PlanReports reports(&resources);
  v1::GetCountySummaryRequest request;
  request.set_plan("plans/county");
  for (auto _ : state) {
    v1::CountySummary summary;
    absl::Status status = reports.GetCountySummary(request, {}, &summary);
    if (!status.ok()) {
      state.SkipWithError(std::string(status.message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(summary);
  }
  state.counters["actions"] =
      kDistricts * kActivitiesPerDistrict * kActionsPerActivity;
}
BENCHMARK(BM_GetCountySummaryFromStore)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace plan

BENCHMARK_MAIN();
