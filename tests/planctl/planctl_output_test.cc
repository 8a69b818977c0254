// Output, planctl's one writer (which stream, in which format), and the
// text it writes for people: table layout, conflicts, sync status, imports.
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "planctl/output.h"

namespace planctl {
namespace {

namespace v1 = prevent::plan::v1;
using google::protobuf::Message;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(TableTest, PadsEachColumnToItsWidestCellInCharactersPlusTwo) {
  // "Zoë" is three characters in four bytes; a row's last cell is never
  // padded, and a shorter row still lines up.
  EXPECT_EQ(Table({{"NAME", "RAG", "NOTE"},
                   {"Zoë", "AMBER", "late"},
                   {"plans/long-name", "RED"},
                   {"x"}}),
            "NAME             RAG    NOTE\n"
            "Zoë              AMBER  late\n"
            "plans/long-name  RED\n"
            "x\n");
  EXPECT_EQ(Table({}), "");
}

// Strands named `ids`, titled and placed after them.
std::vector<std::unique_ptr<Message>> Strands(
    const std::vector<std::string>& ids) {
  std::vector<std::unique_ptr<Message>> strands;
  for (const std::string& id : ids) {
    auto strand = std::make_unique<v1::Strand>();
    strand->set_name(absl::StrCat("plans/p/strands/", id));
    strand->set_title(absl::StrCat("Title ", id));
    strand->set_position(id);
    strands.push_back(std::move(strand));
  }
  return strands;
}

// An Output in `format` whose streams the test reads.
struct Written {
  explicit Written(Output::Format format) : output(out, err, format) {}
  std::ostringstream out;
  std::ostringstream err;
  Output output;
};

TEST(OutputTest, ListsAsATableForPeopleAndSaysNoneOnTheErrorStream) {
  Written text(Output::Format::kText);
  text.output.List(Strands({"a", "bb"}), "strands");
  EXPECT_EQ(text.out.str(),
            "NAME                TITLE     POSITION\n"
            "plans/p/strands/a   Title a   a\n"
            "plans/p/strands/bb  Title bb  bb\n");
  EXPECT_EQ(text.err.str(), "");

  Written none(Output::Format::kText);
  none.output.List(Strands({}), "strands");
  EXPECT_EQ(none.out.str(), "");
  EXPECT_EQ(none.err.str(), "(none)\n");
}

TEST(OutputTest, ListsAsOneJsonObjectForScriptsWithNothingOnTheErrorStream) {
  Written json(Output::Format::kJson);
  json.output.List(Strands({"a"}), "strands");
  EXPECT_THAT(json.out.str(), HasSubstr("{\"strands\": [{"));
  EXPECT_THAT(json.out.str(), HasSubstr("\"name\": \"plans/p/strands/a\""));
  Written none(Output::Format::kJson);
  none.output.List(Strands({}), "strands");
  EXPECT_EQ(none.out.str(), "{\"strands\": []}\n");
  EXPECT_EQ(none.err.str(), "");
}

TEST(OutputTest, ListsEachResourceAsTheCommandShowsIt) {
  Written text(Output::Format::kText);
  text.output.List(Strands({"a", "b"}), "strands", [](const Message& strand) {
    return absl::StrCat(static_cast<const v1::Strand&>(strand).position(), ";");
  });
  EXPECT_EQ(text.out.str(), "a;b;");
  Written json(Output::Format::kJson);
  json.output.List(Strands({"a"}), "strands",
                   [](const Message&) { return std::string("unused"); });
  EXPECT_THAT(json.out.str(), HasSubstr("{\"strands\": [{"));
}

TEST(OutputTest, AnswersWithTextForPeopleOrJsonForScripts) {
  v1::SyncNowResponse moved;
  moved.set_pulled(7);
  Written text(Output::Format::kText);
  text.output.Answer(moved, [] { return std::string("for people\n"); });
  EXPECT_EQ(text.out.str(), "for people\n");
  Written json(Output::Format::kJson);
  json.output.Answer(moved, [] { return std::string("for people\n"); });
  EXPECT_EQ(json.out.str(), "{\n \"pulled\": 7\n}\n");
  EXPECT_THAT(json.out.str(), Not(HasSubstr("for people")));
}

TEST(OutputTest, NotesAreForPeopleInfoAndErrorsForEveryone) {
  for (const Output::Format format :
       {Output::Format::kText, Output::Format::kJson}) {
    Written written(format);
    written.output.Note("a note\n");
    written.output.Info("wrote x\n");
    written.output.Error("cannot write x");
    written.output.Text("content");
    const std::string note = format == Output::Format::kText ? "a note\n" : "";
    EXPECT_EQ(written.err.str(),
              absl::StrCat(note, "wrote x\nplanctl: cannot write x\n"));
    EXPECT_EQ(written.out.str(), "content");
  }
}

TEST(OutputTest, UsageErrorsAndFailuresSayWhatWentWrongOnTheErrorStream) {
  Written written(Output::Format::kJson);
  written.output.UsageError("list takes one collection");
  written.output.Failure(absl::NotFoundError("plans/x is not there"));
  EXPECT_EQ(written.err.str(),
            "planctl: list takes one collection\n"
            "(planctl help for usage)\n"
            "planctl: NOT_FOUND: plans/x is not there\n");
  EXPECT_EQ(written.out.str(), "");
}

v1::Conflict TwoCandidates() {
  v1::Conflict conflict;
  conflict.set_name("plans/p/conflicts/c");
  conflict.set_target("plans/p/activities/a/actions/x");
  conflict.set_field("rag");
  conflict.set_state(v1::Conflict::OPEN);
  auto* first = conflict.add_candidates();
  first->set_display_value("RED");
  first->set_organisation("organisations/police");
  first->mutable_edit_time()->set_seconds(1711886400);  // 2024-03-31T12:00Z
  auto* second = conflict.add_candidates();
  second->set_display_value("GREEN");
  second->set_organisation("organisations/council");
  conflict.set_provisional_winner(1);
  return conflict;
}

TEST(RenderConflictTest, NumbersCandidatesAndMarksTheOneAppliedMeanwhile) {
  EXPECT_EQ(RenderConflict(TwoCandidates()),
            "plans/p/conflicts/c  OPEN  plans/p/activities/a/actions/x  rag\n"
            "  [0] RED    organisations/police  31 March 2024 13:00\n"
            "  [1] GREEN  organisations/council  -  (applied meanwhile)\n");
}

TEST(RenderConflictTest, ShowsTheResolutionOnceResolved) {
  v1::Conflict conflict = TwoCandidates();
  conflict.set_state(v1::Conflict::RESOLVED);
  conflict.mutable_resolution()->set_display_value("AMBER");
  conflict.mutable_resolution()->set_organisation("organisations/council");
  const std::string text = RenderConflict(conflict);
  EXPECT_THAT(text, Not(HasSubstr("applied meanwhile")));
  EXPECT_THAT(text,
              HasSubstr("\n  resolved: AMBER  organisations/council  -\n"));
}

TEST(RenderSyncStatusTest, LagIsTheServiceSequenceLessTheCursorNeverBelowZero) {
  v1::SyncStatus state;
  state.set_cursor(40);
  state.set_service_sequence(52);
  EXPECT_THAT(RenderSyncStatus(state),
              HasSubstr("\ncursor            40 (service 52, lag 12)\n"));
  state.set_service_sequence(30);
  EXPECT_THAT(RenderSyncStatus(state), HasSubstr("(service 30, lag 0)"));
}

TEST(RenderSyncStatusTest, ListsRejectedChangesOnlyWhenThereAreSome) {
  v1::SyncStatus state;
  state.set_last_error("");
  const std::string quiet = RenderSyncStatus(state);
  EXPECT_THAT(quiet, HasSubstr("\nlast error        -\n"));
  EXPECT_THAT(quiet, Not(HasSubstr("rejected")));
  auto* rejected = state.add_rejected();
  rejected->set_target("plans/p/activities/a");
  rejected->set_reason("ROLE_TOO_LOW");
  EXPECT_THAT(RenderSyncStatus(state),
              HasSubstr("rejected changes:\n  -  plans/p/activities/a  "
                        "ROLE_TOO_LOW\n"));
}

TEST(RenderSyncStatusTest, SaysWhenTheServicesStoreWentBack) {
  v1::SyncStatus state;
  EXPECT_THAT(RenderSyncStatus(state), Not(HasSubstr("went back")));
  v1::StoreRecovery& recovery = *state.mutable_last_store_recovery();
  recovery.set_old_epoch("e1");
  recovery.set_new_epoch("e2");
  recovery.set_repushed(7);
  EXPECT_THAT(RenderSyncStatus(state),
              HasSubstr("\nstore went back   -: epoch e1 -> e2, 7 accepted "
                        "edits pushed again\n"));
}

TEST(RenderImportTest, CountsThenForADryRunTheActivities) {
  v1::ImportPlanResponse result;
  result.mutable_plan()->set_name("plans/p");
  result.set_activity_count(1);
  result.set_warning_count(3);
  result.add_activities()->set_name("plans/p/activities/a");
  EXPECT_EQ(RenderImport(result),
            "Created in plans/p: 0 organisations, 0 strands, 1 activities, 0 "
            "actions (3 notes)\n");
  result.set_validate_only(true);
  EXPECT_THAT(RenderImport(result),
              HasSubstr("Would create in plans/p: 0 organisations, 0 strands, "
                        "1 activities, 0 actions (3 notes)\nNAME"));
}

TEST(RenderImportTest, NotesNameTheLineAndCountThoseLeftOut) {
  v1::ImportPlanResponse result;
  result.set_warning_count(3);
  auto* warning = result.add_warnings();
  warning->set_line(12);
  warning->set_message("a wrapped cell joined");
  EXPECT_EQ(RenderImportNotes("plan.txt", result),
            "plan.txt:12: note: a wrapped cell joined\n"
            "plan.txt: and 2 more notes\n");
  result.set_warning_count(1);
  EXPECT_EQ(RenderImportNotes("plan.txt", result),
            "plan.txt:12: note: a wrapped cell joined\n");
}

}  // namespace
}  // namespace planctl

namespace planctl {
namespace {

TEST(RenderListTest, NeverCutsAName) {
  auto action = std::make_unique<v1::Action>();
  const std::string name =
      "plans/south-staffordshire/activities/"
      "work-with-local-schools-and-colleges-to-raise-awareness/actions/"
      "deliver-wrap-training-to-designated-safeguarding-leads";
  ASSERT_GT(name.size(), 120u);
  action->set_name(name);
  action->set_description(std::string(200, 'd'));
  std::vector<std::unique_ptr<google::protobuf::Message>> actions;
  actions.push_back(std::move(action));
  const std::string table = RenderList(actions, "actions", false);
  EXPECT_THAT(table, HasSubstr(name));
  // Long text other than a name is still shortened.
  EXPECT_THAT(table, HasSubstr("…"));
}

TEST(RenderReplicasTest, LongestUnsyncedAsTheServiceSortsThemWithAges) {
  const absl::Time now = absl::FromUnixSeconds(1796677242);
  v1::ListReplicasResponse replicas;
  replicas.set_sequence(120);
  v1::Replica* behind = replicas.add_replicas();
  behind->set_organisation("organisations/staffordshire-police");
  behind->set_replica_id("rpolice");
  behind->mutable_last_sync_time()->set_seconds(1796677242 - 3 * 86400 - 7200);
  behind->set_lag_changes(17);
  behind->mutable_lag()->set_seconds(2 * 86400 + 3600);
  behind->set_agent_version("sync-agent 0.9.0 (commit abc)");
  behind->set_last_error("UNAVAILABLE: the service is down");
  behind->mutable_last_error_time()->set_seconds(1796677242 - 600);
  v1::Replica* never = replicas.add_replicas();
  never->set_organisation("organisations/entrust");
  never->set_replica_id("rentrust");
  const std::string table = RenderReplicas(replicas, now);
  EXPECT_THAT(table, HasSubstr("ORGANISATION"));
  EXPECT_THAT(table, HasSubstr("3d 2h ago"));
  EXPECT_THAT(table, HasSubstr("2d 1h"));
  EXPECT_THAT(table,
              HasSubstr("UNAVAILABLE: the service is down (10m 0s ago)"));
  EXPECT_THAT(table, HasSubstr("never"));
  EXPECT_THAT(table, HasSubstr("log sequence 120"));
  EXPECT_LT(table.find("rpolice"), table.find("rentrust"));
  EXPECT_EQ(RenderReplicas(v1::ListReplicasResponse(), now),
            "(no replica has synced yet)\n");
}

}  // namespace
}  // namespace planctl
