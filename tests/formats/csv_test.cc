#include "libplan/formats/csv.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "libplan/formats/timescale.h"
#include "libplan/model/fields.h"
#include "libplan/model/names.h"
#include "libplan/model/validation.h"
#include "tests/formats/sample_plans.h"

namespace plan {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using sample::DocumentBuilder;
using sample::RichDocument;
using sample::TestPlan;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kHeader[] =
    "strand,activity,lead organisations,lead officer,action,timescale,rag,"
    "owner";

std::string Diff(const google::protobuf::Message& a,
                 const google::protobuf::Message& b) {
  MessageDifferencer differencer;
  std::string report;
  differencer.ReportDifferencesToString(&report);
  differencer.Compare(a, b);
  return report;
}

// Every resource equal, in the same order.
void ExpectSameDocument(const PlanDocument& actual,
                        const PlanDocument& expected) {
  EXPECT_EQ(Diff(actual.plan, expected.plan), "");
  ASSERT_EQ(actual.organisations.size(), expected.organisations.size());
  for (size_t i = 0; i < expected.organisations.size(); ++i) {
    EXPECT_EQ(Diff(actual.organisations[i], expected.organisations[i]), "")
        << "organisation " << i;
  }
  ASSERT_EQ(actual.strands.size(), expected.strands.size());
  for (size_t i = 0; i < expected.strands.size(); ++i) {
    EXPECT_EQ(Diff(actual.strands[i], expected.strands[i]), "")
        << "strand " << i;
  }
  ASSERT_EQ(actual.activities.size(), expected.activities.size());
  for (size_t i = 0; i < expected.activities.size(); ++i) {
    const ActivityEntry& a = actual.activities[i];
    const ActivityEntry& e = expected.activities[i];
    EXPECT_EQ(Diff(a.activity, e.activity), "") << "activity " << i;
    ASSERT_EQ(a.actions.size(), e.actions.size()) << e.activity.name();
    for (size_t k = 0; k < e.actions.size(); ++k) {
      EXPECT_EQ(Diff(a.actions[k], e.actions[k]), "")
          << "action " << k << " of " << e.activity.name();
      EXPECT_EQ(SerializeDeterministic(a.actions[k]),
                SerializeDeterministic(e.actions[k]));
    }
  }
}

// Every resource of `doc` passes validation.
void ExpectValid(const PlanDocument& doc) {
  FieldViolations violations;
  const auto check = [&](Kind kind, const google::protobuf::Message& m) {
    ValidateFields(kind, m, DataFields(*m.GetDescriptor()), "r", &violations);
  };
  for (const auto& o : doc.organisations) check(Kind::kOrganisation, o);
  for (const auto& s : doc.strands) check(Kind::kStrand, s);
  for (const auto& entry : doc.activities) {
    check(Kind::kActivity, entry.activity);
    for (const auto& a : entry.actions) check(Kind::kAction, a);
  }
  EXPECT_TRUE(violations.empty()) << violations.ToStatus();
}

absl::StatusOr<ParsedPlan> Parse(absl::string_view csv) {
  return ParsePlanCsv(csv, TestPlan());
}

// The error message for `csv`, which must be refused with INVALID_ARGUMENT.
std::string ErrorFor(absl::string_view csv) {
  absl::StatusOr<ParsedPlan> parsed = Parse(csv);
  EXPECT_FALSE(parsed.ok()) << "accepted: " << csv.substr(0, 200);
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument)
      << parsed.status();
  return std::string(parsed.status().message());
}

std::string LastIdOf(const std::string& name) {
  return name.substr(name.rfind('/') + 1);
}

// The rows of a CSV file the writer made, after its byte order mark.
std::vector<std::string> Lines(const std::string& csv) {
  EXPECT_TRUE(absl::StartsWith(csv, "\xEF\xBB\xBF")) << csv.substr(0, 40);
  return absl::StrSplit(absl::StripPrefix(csv, "\xEF\xBB\xBF"), "\r\n");
}

// ---------------------------------------------------------------------------
// Writing

TEST(WritePlanCsvTest, WritesHeaderThenOneRowPerActionWithCrlf) {
  const PlanDocument doc =
      DocumentBuilder()
          .Organisation("staffordshire-police", "Staffordshire Police")
          .Strand("ideology", "Ideology")
          .Activity("channel", "Channel", "Channel Co-ordinator",
                    {"staffordshire-police"})
          .Action("refer", "Refer to the Prevent team", "Ongoing", v1::GREEN)
          .Action("review", "Review cases", "March 2024", v1::AMBER)
          .Build();
  const std::string csv = WritePlanCsv(doc);
  EXPECT_THAT(Lines(csv),
              ElementsAre(absl::StrCat(kHeader,
                                       ",strand description,duty areas,"
                                       "strand id,activity id,action id"),
                          "Ideology,Channel,Staffordshire Police,Channel "
                          "Co-ordinator,Refer to the Prevent "
                          "team,Ongoing,GREEN,,,,ideology,channel,refer",
                          "Ideology,Channel,Staffordshire Police,Channel "
                          "Co-ordinator,Review cases,March "
                          "2024,AMBER,,,,ideology,channel,review",
                          ""));
  // UTF-8 after a byte order mark, which Excel needs to read it as UTF-8.
  EXPECT_TRUE(absl::StartsWith(csv, "\xEF\xBB\xBF"));
  EXPECT_EQ(csv.find('\n'), csv.find("\r\n") + 1);
}

TEST(WritePlanCsvTest, QuotesFieldsWithCommasQuotesAndLineBreaks) {
  const PlanDocument doc =
      DocumentBuilder()
          .Organisation("council", "Council")
          .Strand("s", "Ideology")
          .Activity("a", "Reaching out, through communities",
                    "The \"Locality+\" team", {"council"})
          .Action("x", "Line one\nline two", "", v1::RAG_UNSPECIFIED)
          .Build();
  const std::vector<std::string> lines = Lines(WritePlanCsv(doc));
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(lines[1],
            "Ideology,\"Reaching out, through communities\",Council,"
            "\"The \"\"Locality+\"\" team\",\"Line one\nline two\",,,,,,s,a,x");
}

// Cells a spreadsheet would run as formulas (OWASP's CSV injection) are
// written after an apostrophe, and read back as they were.
TEST(WritePlanCsvTest, FormulaLikeCellsAreWrittenAsTextAndReadBack) {
  const PlanDocument doc =
      DocumentBuilder()
          .Organisation("council", "Council")
          .Strand("s", "=1+1")
          .Activity("a", "@SUM(A1:A9)", "+44 1785 223121", {"council"})
          .Action("x", "- a bullet", "", v1::RAG_UNSPECIFIED)
          .Action("y", "'=already guarded", "", v1::RAG_UNSPECIFIED)
          .Action("z", "It's fine", "", v1::RAG_UNSPECIFIED)
          .Build();
  const std::string csv = WritePlanCsv(doc);
  const std::vector<std::string> lines = Lines(csv);
  ASSERT_GE(lines.size(), 4u);
  EXPECT_THAT(lines[1], StartsWith("'=1+1,'@SUM(A1:A9),Council,'+44 1785 "
                                   "223121,'- a bullet,"));
  EXPECT_THAT(lines[2], HasSubstr(",''=already guarded,"));
  EXPECT_THAT(lines[3], HasSubstr(",It's fine,"));
  absl::StatusOr<ParsedPlan> parsed = ParsePlanCsv(csv, doc.plan);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->document.strands[0].title(), "=1+1");
  EXPECT_EQ(parsed->document.activities[0].activity.title(), "@SUM(A1:A9)");
  EXPECT_EQ(parsed->document.activities[0].activity.lead_officer(),
            "+44 1785 223121");
  EXPECT_EQ(parsed->document.activities[0].actions[0].description(),
            "- a bullet");
  EXPECT_EQ(parsed->document.activities[0].actions[1].description(),
            "'=already guarded");
  EXPECT_EQ(WritePlanCsv(parsed->document), csv);
}

TEST(WritePlanCsvTest, ActivityWithNoActionsIsOneRowWithAnEmptyAction) {
  const PlanDocument doc = DocumentBuilder()
                               .Strand("s", "Ideology")
                               .Activity("a", "Channel", "", {})
                               .Build();
  EXPECT_THAT(
      Lines(WritePlanCsv(doc)),
      ElementsAre(StartsWith(kHeader), "Ideology,Channel,,,,,,,,,s,a,", ""));
}

TEST(WritePlanCsvTest, OrganisationColumnsOnlyWhenNamesDoNotGiveThem) {
  DocumentBuilder plain;
  plain.Organisation("staffordshire-police", "Staffordshire Police")
      .Strand("s", "Ideology")
      .Activity("a", "Channel", "", {"staffordshire-police"})
      .Action("x", "Refer", "Ongoing", v1::GREEN);
  EXPECT_FALSE(absl::StrContains(WritePlanCsv(plain.Build()), "ids"));

  DocumentBuilder odd_id;
  odd_id.Organisation("police", "Staffordshire Police")
      .Strand("s", "Ideology")
      .Activity("a", "Channel", "", {"police"})
      .Action("x", "Refer", "Ongoing", v1::GREEN);
  const std::string csv = WritePlanCsv(odd_id.Build());
  EXPECT_THAT(Lines(csv)[0], HasSubstr(",lead organisation ids,owner id"));
  EXPECT_THAT(Lines(csv)[0], Not(HasSubstr("kind")));
  EXPECT_THAT(Lines(csv)[0], Not(HasSubstr("timescale start")));
}

// ---------------------------------------------------------------------------
// Round trip

TEST(CsvRoundTripTest, RichDocumentComesBackEqual) {
  const PlanDocument doc = RichDocument();
  ExpectValid(doc);
  const std::string csv = WritePlanCsv(doc);
  absl::StatusOr<ParsedPlan> parsed = ParsePlanCsv(csv, doc.plan);
  ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << csv;
  ExpectSameDocument(parsed->document, doc);
  // Written again, byte for byte the same.
  EXPECT_EQ(WritePlanCsv(parsed->document), csv);
}

TEST(CsvRoundTripTest, RichDocumentNeedsKindAndMonthColumns) {
  const std::string header = Lines(WritePlanCsv(RichDocument()))[0];
  EXPECT_THAT(header, HasSubstr("lead organisation kinds,owner kind"));
  EXPECT_THAT(header,
              HasSubstr("timescale start,timescale end,timescale ongoing"));
}

TEST(CsvRoundTripTest, OrganisationIdsThatNamesDoNotGiveComeBack) {
  const PlanDocument doc =
      DocumentBuilder()
          .Organisation("police", "Staffordshire Police")
          .Organisation("ssc", "SSC")
          .Strand("s", "Ideology")
          .Activity("a", "Channel", "", {"police"})
          .Action("x", "Refer", "Ongoing", v1::GREEN, "ssc")
          .Build();
  absl::StatusOr<ParsedPlan> parsed = ParsePlanCsv(WritePlanCsv(doc), doc.plan);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ExpectSameDocument(parsed->document, doc);
}

TEST(CsvRoundTripTest, SameTitlesWithDifferentIdsStayApart) {
  const PlanDocument doc = DocumentBuilder()
                               .Strand("a", "Ideology")
                               .Activity("t1", "Training", "", {})
                               .Activity("t2", "Training", "", {})
                               .Strand("b", "Ideology")
                               .Activity("t3", "Training", "", {})
                               .Build();
  absl::StatusOr<ParsedPlan> parsed = ParsePlanCsv(WritePlanCsv(doc), doc.plan);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ExpectSameDocument(parsed->document, doc);
}

// ---------------------------------------------------------------------------
// Reading what spreadsheets write

TEST(ParsePlanCsvTest, ReadsExcelExportWithBomCrlfAndQuotedNewlines) {
  const std::string csv =
      "\xEF\xBB\xBF"
      "RAG,Activity,Strand,Lead Organisations,Lead_Officer,ACTIONS,"
      "Timescales,Owner\r\n"
      "Amber,Risk Assessment,Ideology,Staffordshire Police,Prevent Lead,"
      "\"Develop a risk assessment,\r\nand local understanding\",Ongoing,\r\n"
      "g,Risk Assessment,Ideology,,,Regular agenda item,February 2024,SSC\r\n";
  absl::StatusOr<ParsedPlan> parsed = Parse(csv);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const PlanDocument& doc = parsed->document;
  ASSERT_EQ(doc.strands.size(), 1u);
  EXPECT_EQ(doc.strands[0].name(),
            "plans/south-staffordshire/strands/ideology");
  EXPECT_EQ(doc.strands[0].position(), "0001");
  ASSERT_EQ(doc.activities.size(), 1u);
  const v1::Activity& activity = doc.activities[0].activity;
  EXPECT_EQ(activity.name(),
            "plans/south-staffordshire/activities/risk-assessment");
  EXPECT_EQ(activity.strand(), doc.strands[0].name());
  EXPECT_EQ(activity.lead_officer(), "Prevent Lead");
  EXPECT_THAT(activity.lead_organisations(),
              ElementsAre("organisations/staffordshire-police"));
  ASSERT_EQ(doc.activities[0].actions.size(), 2u);
  const v1::Action& first = doc.activities[0].actions[0];
  EXPECT_EQ(first.description(),
            "Develop a risk assessment,\r\nand local understanding");
  EXPECT_EQ(first.rag(), v1::AMBER);
  EXPECT_TRUE(first.timescale().ongoing());
  EXPECT_EQ(first.position(), "0001");
  const v1::Action& second = doc.activities[0].actions[1];
  EXPECT_EQ(second.name(),
            "plans/south-staffordshire/activities/risk-assessment/actions/"
            "regular-agenda-item");
  EXPECT_EQ(second.rag(), v1::GREEN);
  EXPECT_EQ(second.timescale().start(), "2024-02");
  EXPECT_EQ(second.timescale().end(), "2024-02");
  EXPECT_EQ(second.owner_organisation(),
            "organisations/south-staffordshire-council");
  EXPECT_EQ(second.position(), "0002");
  ASSERT_EQ(doc.organisations.size(), 2u);
  EXPECT_EQ(doc.organisations[1].display_name(), "South Staffordshire Council");
  EXPECT_EQ(doc.plan.title(), TestPlan().title());
  ExpectValid(doc);
}

TEST(ParsePlanCsvTest, ReadsLfLineEndsAndNoTrailingNewline) {
  absl::StatusOr<ParsedPlan> parsed = Parse(
      absl::StrCat(kHeader, "\nIdeology,Channel,Police,,Refer,Ongoing,,"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->document.activities.size(), 1u);
  EXPECT_EQ(parsed->document.activities[0].actions.size(), 1u);
}

TEST(ParsePlanCsvTest, RowsOfOneActivityNeedNotBeConsecutive) {
  absl::StatusOr<ParsedPlan> parsed = Parse(
      absl::StrCat(kHeader,
                   "\nIdeology,Channel,Police,,Refer,,,\n"
                   "Individuals,Training,Council,,Train staff,,,\n"
                   "Ideology,Channel,,,Review,,,\n"
                   "Individuals,Channel,,,Another strand's Channel,,,\n"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const PlanDocument& doc = parsed->document;
  ASSERT_EQ(doc.activities.size(), 3u);
  EXPECT_EQ(doc.activities[0].activity.title(), "Channel");
  EXPECT_EQ(doc.activities[0].actions.size(), 2u);
  EXPECT_EQ(doc.activities[0].actions[1].description(), "Review");
  EXPECT_EQ(doc.activities[1].activity.title(), "Training");
  // Same title in another strand: another activity, a unique id.
  EXPECT_EQ(doc.activities[2].activity.name(),
            "plans/south-staffordshire/activities/channel-2");
  EXPECT_EQ(doc.activities[2].activity.position(), "0003");
}

TEST(ParsePlanCsvTest, SlugCollisionsGetNumberedIds) {
  absl::StatusOr<ParsedPlan> parsed =
      Parse(absl::StrCat(kHeader,
                         "\nIdeology,Training,,,Train,,,\n"
                         "Ideology!,Training!,,,Train,,,\n"
                         "Ideology,Training!,,,Train,,,\n"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const PlanDocument& doc = parsed->document;
  ASSERT_EQ(doc.strands.size(), 2u);
  EXPECT_EQ(LastIdOf(doc.strands[1].name()), "ideology-2");
  ASSERT_EQ(doc.activities.size(), 3u);
  EXPECT_EQ(LastIdOf(doc.activities[1].activity.name()), "training-2");
  EXPECT_EQ(LastIdOf(doc.activities[2].activity.name()), "training-3");
}

TEST(ParsePlanCsvTest, IdColumnsGiveIdsAndAvoidGeneratedCollisions) {
  absl::StatusOr<ParsedPlan> parsed =
      Parse(absl::StrCat(kHeader,
                         ",activity id,action id\n"
                         "Ideology,Training,,,Train,,,,,\n"
                         "Ideology,Other,,,Train,,,,training,\n"
                         "Ideology,Training,,,Again,,,,,again\n"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const PlanDocument& doc = parsed->document;
  ASSERT_EQ(doc.activities.size(), 2u);
  EXPECT_EQ(LastIdOf(doc.activities[0].activity.name()), "training-2");
  EXPECT_EQ(LastIdOf(doc.activities[1].activity.name()), "training");
  EXPECT_EQ(LastIdOf(doc.activities[0].actions[1].name()), "again");
}

TEST(ParsePlanCsvTest, OrganisationsWrittenTwoWaysAreOne) {
  absl::StatusOr<ParsedPlan> parsed = Parse(absl::StrCat(
      kHeader,
      "\nIdeology,Channel,\"SSC; Staffordshire  Police\nSSC\",,Refer,,,"
      "South Staffordshire Council\n"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const PlanDocument& doc = parsed->document;
  EXPECT_THAT(doc.activities[0].activity.lead_organisations(),
              ElementsAre("organisations/south-staffordshire-council",
                          "organisations/staffordshire-police"));
  ASSERT_EQ(doc.organisations.size(), 2u);
  EXPECT_EQ(doc.organisations[0].display_name(), "South Staffordshire Council");
  EXPECT_EQ(doc.organisations[1].display_name(), "Staffordshire Police");
  EXPECT_FALSE(parsed->warnings.empty());  // the lead named twice
}

TEST(ParsePlanCsvTest, LaterRowsThatDisagreeAreWarnedAbout) {
  absl::StatusOr<ParsedPlan> parsed =
      Parse(absl::StrCat(kHeader,
                         "\nIdeology,Channel,Police,Chair,Refer,,,\n"
                         "Ideology,Channel,Council,Vice chair,Review,,,\n"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const v1::Activity& activity = parsed->document.activities[0].activity;
  EXPECT_EQ(activity.lead_officer(), "Chair");
  EXPECT_THAT(activity.lead_organisations(),
              ElementsAre("organisations/police"));
  ASSERT_EQ(parsed->warnings.size(), 2u);
  EXPECT_EQ(parsed->warnings[0].line, 3);
  EXPECT_THAT(parsed->warnings[0].message, HasSubstr("line 2"));
  // Only organisations the document refers to.
  EXPECT_EQ(parsed->document.organisations.size(), 1u);
}

TEST(ParsePlanCsvTest, UnknownColumnsAndBlankRowsAreSkipped) {
  absl::StatusOr<ParsedPlan> parsed = Parse(absl::StrCat(
      "\n", kHeader, ",Notes\n,,,,,,,,\n\nIdeology,Channel,,,Refer,,,,x\n"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->document.activities.size(), 1u);
  ASSERT_EQ(parsed->warnings.size(), 1u);
  EXPECT_EQ(parsed->warnings[0].line, 2);
  EXPECT_THAT(parsed->warnings[0].message, HasSubstr("\"Notes\""));
}

TEST(ParsePlanCsvTest, UnreadableTimescaleKeepsTextWithAWarning) {
  absl::StatusOr<ParsedPlan> parsed =
      Parse(absl::StrCat(kHeader, "\nIdeology,Channel,,,Refer,When ready,,\n"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const v1::Timescale& timescale =
      parsed->document.activities[0].actions[0].timescale();
  EXPECT_EQ(timescale.text(), "When ready");
  EXPECT_EQ(timescale.end(), "");
  ASSERT_EQ(parsed->warnings.size(), 1u);
  EXPECT_EQ(parsed->warnings[0].line, 2);
}

TEST(ParsePlanCsvTest, HeaderOnlyIsAnEmptyPlan) {
  absl::StatusOr<ParsedPlan> parsed = Parse(kHeader);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(parsed->document.activities.empty());
}

// ---------------------------------------------------------------------------
// Refusals

TEST(ParsePlanCsvErrorsTest, EmptyInput) {
  EXPECT_THAT(ErrorFor(""), HasSubstr("empty"));
  EXPECT_THAT(ErrorFor("\xEF\xBB\xBF \r\n"), HasSubstr("empty"));
  EXPECT_THAT(ErrorFor(",,,\n,,,\n"), HasSubstr("header"));
}

TEST(ParsePlanCsvErrorsTest, BinaryData) {
  EXPECT_EQ(ErrorFor(absl::StrCat(kHeader, "\nIdeology,Ch",
                                  std::string(1, '\0'), "annel,,,,,,\n")),
            "line 2, column 12: binary data (a NUL byte), not CSV text");
  EXPECT_THAT(ErrorFor("\x7f"
                       "ELF\x02\x01\x01"),
              HasSubstr("control"));
  EXPECT_THAT(ErrorFor("\xFF\xFEs\0t\0"), HasSubstr("UTF-16"));
}

TEST(ParsePlanCsvErrorsTest, InvalidUtf8SaysWhere) {
  EXPECT_EQ(
      ErrorFor(absl::StrCat(kHeader, "\nId\xC3\xA9ology,Caf\xE9,,,,,,\n")),
      "line 2, column 13: invalid UTF-8 (byte 0xe9); save the file as "
      "CSV UTF-8");
}

TEST(ParsePlanCsvErrorsTest, LineOverOneMegabyte) {
  const std::string csv =
      absl::StrCat(kHeader, "\nIdeology,", std::string(10 << 20, 'a'), "\n");
  EXPECT_EQ(ErrorFor(csv.substr(0, kMaxCsvBytes)),
            "line 2, column 1048577: line is longer than 1 MB (1048576 bytes)");
}

TEST(ParsePlanCsvErrorsTest, InputOverTenMegabytes) {
  std::string csv = absl::StrCat(kHeader, "\n");
  while (csv.size() <= kMaxCsvBytes) {
    csv += "Ideology,Channel,Police,Chair,Refer to the team,Ongoing,GREEN,\n";
  }
  EXPECT_THAT(ErrorFor(csv), HasSubstr("at most 10485760 (10 MB)"));
}

TEST(ParsePlanCsvErrorsTest, MissingRequiredColumnIsNamed) {
  EXPECT_EQ(ErrorFor("strand,activity,lead organisations,lead officer,action,"
                     "timescale,owner\n"),
            "line 1: missing required column rag");
}

TEST(ParsePlanCsvErrorsTest, NotAPlan) {
  EXPECT_EQ(ErrorFor("name,email,phone\nA,a@example.org,0123\n"),
            "line 1: not a plan: missing columns strand, activity, lead "
            "organisations, lead officer, action, timescale, rag, owner "
            "(found name, email, phone)");
}

TEST(ParsePlanCsvErrorsTest, DuplicateColumn) {
  EXPECT_EQ(ErrorFor(absl::StrCat(kHeader, ",Actions\n")),
            "line 1, column 9: duplicate column: \"Actions\" and column 5 "
            "\"action\" are both the action column");
}

TEST(ParsePlanCsvErrorsTest, RowWithWrongNumberOfFields) {
  EXPECT_EQ(ErrorFor(absl::StrCat(kHeader, "\nIdeology,Channel,,,Refer\n")),
            "line 2, column 6: row ends after 5 fields; the header has 8");
  EXPECT_EQ(ErrorFor(absl::StrCat(kHeader, "\nIdeology,Channel,,,,,,,,\n")),
            "line 2, column 9: row has more than 8 fields; the header has 8");
}

TEST(ParsePlanCsvErrorsTest, UnterminatedQuote) {
  EXPECT_EQ(
      ErrorFor(absl::StrCat(kHeader, "\nIdeology,Channel,,,\"Refer\n,,,\n")),
      "line 2, column 20: unterminated quoted field 5 (its opening quote is "
      "never closed)");
}

TEST(ParsePlanCsvErrorsTest, StrayQuotes) {
  EXPECT_THAT(ErrorFor(absl::StrCat(kHeader, "\nIdeology,Chan\"nel,,,,,,\n")),
              StartsWith("line 2, column 14: stray quote in unquoted field 2"));
  EXPECT_THAT(
      ErrorFor(absl::StrCat(kHeader, "\nIdeology,\"Chan\"nel,,,,,,\n")),
      StartsWith("line 2, column 16: stray character after the closing quote "
                 "of field 2"));
}

TEST(ParsePlanCsvErrorsTest, RowWithEmptyActivity) {
  EXPECT_EQ(ErrorFor(absl::StrCat(kHeader, "\nIdeology, ,,,Refer,,,\n")),
            "line 2, column 2 (\"activity\"): is empty; every row needs an "
            "activity");
}

TEST(ParsePlanCsvErrorsTest, FieldOverTheLimitsSaysRowAndColumn) {
  EXPECT_EQ(
      ErrorFor(absl::StrCat(kHeader, "\nIdeology,Channel,,,Refer,,,\n",
                            "Ideology,", std::string(201, 'x'), ",,,,,,\n")),
      "line 3, column 2 (\"activity\"): is 201 characters long; at most 200 "
      "are allowed");
  EXPECT_THAT(ErrorFor(absl::StrCat(kHeader, "\nIdeology,Channel,,,",
                                    std::string(4001, 'x'), ",,,\n")),
              StartsWith("line 2, column 5 (\"action\"): is 4001 characters"));
}

TEST(ParsePlanCsvErrorsTest, BadCells) {
  EXPECT_THAT(ErrorFor(absl::StrCat(kHeader,
                                    "\nIdeology,Channel,,,Refer,,"
                                    "Purple,\n")),
              StartsWith("line 2, column 7 (\"rag\"): \"Purple\" is not RED"));
  EXPECT_THAT(
      ErrorFor(absl::StrCat(kHeader,
                            ",activity id\nIdeology,Channel,,,Refer,"
                            ",,,Not An Id\n")),
      StartsWith("line 2, column 9 (\"activity id\"): \"Not An Id\" is not an "
                 "id"));
  // Long cells are cut short in messages.
  EXPECT_LT(ErrorFor(absl::StrCat(kHeader, "\nIdeology,Channel,,,Refer,,",
                                  std::string(100000, 'x'), ",\n"))
                .size(),
            200u);
  EXPECT_THAT(ErrorFor(absl::StrCat(kHeader,
                                    "\nIdeology,Channel,,,Refer,,,"
                                    "\"Police; Council\"\n")),
              StartsWith("line 2, column 8 (\"owner\"): names more than one"));
  EXPECT_THAT(
      ErrorFor(absl::StrCat(kHeader, ",timescale start,timescale end\n",
                            "Ideology,Channel,,,Refer,,,,2025-03,2024-01\n")),
      StartsWith("line 2, column 10 (\"timescale end\"): \"2024-01\" is "
                 "before start"));
}

TEST(ParsePlanCsvErrorsTest, PlanMustBeNamed) {
  v1::Plan plan = TestPlan();
  plan.set_name("South Staffs");
  absl::StatusOr<ParsedPlan> parsed = ParsePlanCsv(kHeader, plan);
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
}

// Mutations of a valid CSV (bytes flipped, inserted, deleted, cut) are read or
// refused, never crash, and whatever is read is valid and round-trips.
TEST(ParsePlanCsvErrorsTest, MutatedInputIsReadOrRefusedCleanly) {
  const std::string base = WritePlanCsv(RichDocument());
  const uint32_t seed = std::random_device()();
  std::mt19937 rng(seed);
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  static constexpr char kAlphabet[] = ",\"\r\n;a -\xC3\xA9\0\xFF";
  const std::string alphabet(kAlphabet, sizeof(kAlphabet) - 1);
  int accepted = 0;
  for (int i = 0; i < 1500; ++i) {
    std::string csv = base;
    const int edits = 1 + rng() % 4;
    for (int e = 0; e < edits && !csv.empty(); ++e) {
      const size_t at = rng() % csv.size();
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 4) {
        case 0:
          csv[at] = c;
          break;
        case 1:
          csv.insert(csv.begin() + at, c);
          break;
        case 2:
          csv.erase(at, 1 + rng() % 8);
          break;
        default:
          csv.resize(at);
      }
    }
    absl::StatusOr<ParsedPlan> parsed = Parse(csv);
    if (!parsed.ok()) {
      ASSERT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument)
          << parsed.status();
      continue;
    }
    ++accepted;
    ExpectValid(parsed->document);
    absl::StatusOr<ParsedPlan> again = Parse(WritePlanCsv(parsed->document));
    ASSERT_TRUE(again.ok()) << again.status();
    ExpectSameDocument(again->document, parsed->document);
    if (HasFailure()) break;
  }
  EXPECT_GT(accepted, 0);
}

}  // namespace
}  // namespace plan
