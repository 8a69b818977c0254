// ReportService's change reports on a real store, below gRPC: ListChanges'
// pages and the change log's chunks.
#include "libplan/service/plan_reports.h"

#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libplan/util/errors.h"
#include "libplan/util/log.h"
#include "tests/support/temp_dir.h"

namespace plan {
namespace {

using prevent::plan::test_support::TempDir;
using ::testing::ElementsAre;
namespace v1 = prevent::plan::v1;

constexpr char kPlan[] = "plans/p";

std::vector<std::string> FieldsOf(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const FieldViolation& v : FieldViolationsOf(status)) {
    fields.push_back(v.field);
  }
  return fields;
}

class PlanReportsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetLoggingEnabled(false);
    absl::StatusOr<TempDir> dir = TempDir::Create("reports-test");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_.emplace(std::move(*dir));
    absl::StatusOr<std::unique_ptr<Store>> store =
        Store::Open({.path = dir_->Subpath("db")});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    resources_ = std::make_unique<PlanResources>(store_.get(), &clock_,
                                                 PlanResourcesOptions());
    reports_ = std::make_unique<PlanReports>(resources_.get());
  }

  // Imports plan p with one activity of `actions` actions, in one commit.
  void ImportPlan(int actions) {
    std::string csv =
        "strand,activity,lead organisations,lead officer,action,timescale,"
        "rag,owner\n";
    for (int i = 0; i < actions; ++i) {
      absl::StrAppend(&csv, "Ideology,Channel,,,Action ", i,
                      ",Ongoing,GREEN,\n");
    }
    v1::ImportPlanRequest request;
    request.mutable_plan()->set_name(kPlan);
    request.mutable_plan()->set_title("Plan");
    request.set_format(v1::CSV);
    request.set_content(csv);
    v1::ImportPlanResponse response;
    const absl::Status status = resources_->Import(request, Actor(), &response);
    ASSERT_TRUE(status.ok()) << status;
  }

  std::optional<TempDir> dir_;
  HybridClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<PlanResources> resources_;
  std::unique_ptr<PlanReports> reports_;
};

// Page by page, every change of the plan is listed once, in sequence order:
// a page ends at the first change after page_size records, and its token
// starts the next page after its last change.
TEST_F(PlanReportsTest, ListChangesPagesThroughEveryChangeOnce) {
  ASSERT_NO_FATAL_FAILURE(ImportPlan(4));
  v1::ListChangesRequest request;
  request.set_plan(kPlan);
  v1::ListChangesResponse all;
  ASSERT_TRUE(reports_->ListChanges(request, {}, &all).ok());
  EXPECT_TRUE(all.next_page_token().empty());
  std::set<uint64_t> sequences;
  for (const v1::ChangeRecord& record : all.changes()) {
    sequences.insert(record.sequence());
  }
  // The plan, its strand and activity, and four actions.
  ASSERT_EQ(sequences.size(), 7u);

  request.set_page_size(1);
  std::vector<uint64_t> paged;
  int pages = 0;
  do {
    v1::ListChangesResponse page;
    const absl::Status status = reports_->ListChanges(request, {}, &page);
    ASSERT_TRUE(status.ok()) << status;
    ASSERT_FALSE(page.changes().empty());
    for (const v1::ChangeRecord& record : page.changes()) {
      EXPECT_EQ(record.sequence(), page.changes(0).sequence())
          << "one change per page";
    }
    paged.push_back(page.changes(0).sequence());
    request.set_page_token(page.next_page_token());
    ++pages;
  } while (!request.page_token().empty() && pages < 20);
  EXPECT_THAT(paged, ::testing::ElementsAreArray(sequences));
}

TEST_F(PlanReportsTest, ListChangesNamesEveryBadFieldAndSelectsBySince) {
  ASSERT_NO_FATAL_FAILURE(ImportPlan(1));
  v1::ListChangesRequest request;
  request.set_plan("strands/s");
  request.set_page_size(-1);
  request.set_page_token("not-a-sequence");
  v1::ListChangesResponse out;
  absl::Status status = reports_->ListChanges(request, {}, &out);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(FieldsOf(status), ElementsAre("plan", "page_size", "page_token"));

  request.set_plan(kPlan);
  request.clear_page_size();
  request.clear_page_token();
  request.mutable_since()->set_seconds(
      absl::ToUnixSeconds(absl::Now() + absl::Hours(1)));
  status = reports_->ListChanges(request, {}, &out);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_TRUE(out.changes().empty());
  request.mutable_since()->set_seconds(
      absl::ToUnixSeconds(absl::Now() - absl::Hours(1)));
  status = reports_->ListChanges(request, {}, &out);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_FALSE(out.changes().empty());
}

// The log comes in chunks of kChangeLogChunkEntries, the first with the
// anchor and only the last with the head; a client that goes stops it.
TEST_F(PlanReportsTest, ReadChangeLogSendsFullChunksUntilTheClientGoes) {
  ASSERT_NO_FATAL_FAILURE(ImportPlan(kChangeLogChunkEntries + 10));
  const uint64_t entries = store_->last_sequence();
  ASSERT_GT(entries, static_cast<uint64_t>(kChangeLogChunkEntries));
  std::vector<v1::ChangeLogChunk> chunks;
  absl::Status status =
      reports_->ReadChangeLog({}, {}, [&](const v1::ChangeLogChunk& chunk) {
        chunks.push_back(chunk);
        return true;
      });
  ASSERT_TRUE(status.ok()) << status;
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].entries_size(), kChangeLogChunkEntries);
  EXPECT_EQ(chunks[0].anchor_sequence(), 0u);
  EXPECT_FALSE(chunks[0].last());
  EXPECT_EQ(chunks[0].head_sequence(), 0u);
  EXPECT_EQ(static_cast<uint64_t>(chunks[1].entries_size()),
            entries - kChangeLogChunkEntries);
  EXPECT_TRUE(chunks[1].last());
  EXPECT_EQ(chunks[1].head_sequence(), entries);
  EXPECT_EQ(chunks[1].entries(0).sequence(),
            static_cast<uint64_t>(kChangeLogChunkEntries) + 1);

  int sent = 0;
  status = reports_->ReadChangeLog({}, {}, [&](const v1::ChangeLogChunk&) {
    ++sent;
    return false;
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled) << status;
  EXPECT_EQ(sent, 1);

  v1::ReadChangeLogRequest request;
  request.set_plan("p");
  status = reports_->ReadChangeLog(request, {}, [&](const v1::ChangeLogChunk&) {
    ADD_FAILURE() << "sent a chunk for a bad request";
    return true;
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(FieldsOf(status), ElementsAre("plan"));
}

}  // namespace
}  // namespace plan
