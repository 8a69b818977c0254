#include "libplan/formats/prevent_lead.h"

#include <string>

#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace plan::prevent_text {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string Notes(const LeadReading& reading) {
  return absl::StrJoin(reading.notes, "\n");
}

// Lead cells of the South Staffordshire plan (deploy/demo/), by line.

TEST(ReadLeadTest, AnOrganisationAlone) {
  // Line 73.
  const LeadReading reading = ReadLead("Staffordshire Police");
  EXPECT_THAT(reading.organisations, ElementsAre("Staffordshire Police"));
  EXPECT_EQ(reading.officer, "");
  EXPECT_THAT(reading.notes, IsEmpty());
  // Line 145: a modifier between the place and the head word.
  EXPECT_THAT(ReadLead("Staffordshire County Council").organisations,
              ElementsAre("Staffordshire County Council"));
}

TEST(ReadLeadTest, AnOfficerBesideTheForcesPreventTeam) {
  // Line 85.
  const LeadReading reading =
      ReadLead("Channel Co-ordinator Staffordshire Police Prevent");
  EXPECT_THAT(reading.organisations, ElementsAre("Staffordshire Police"));
  EXPECT_EQ(reading.officer, "Channel Co-ordinator");
  EXPECT_THAT(Notes(reading),
              HasSubstr("read \"Staffordshire Police Prevent\" as "
                        "Staffordshire Police (its Prevent team)"));
  EXPECT_THAT(ReadLead("Staffordshire Police Prevent Team").organisations,
              ElementsAre("Staffordshire Police"));
  EXPECT_EQ(ReadLead("Staffordshire Police Prevent Team").officer, "");
}

TEST(ReadLeadTest, ASentenceIsKeptWholeAsTheOfficer) {
  // Lines 88 and 90.
  const std::string cell =
      "Available online but promoted by South Staffordshire Council";
  const LeadReading reading = ReadLead(cell);
  EXPECT_THAT(reading.organisations,
              ElementsAre("South Staffordshire Council"));
  EXPECT_EQ(reading.officer, cell);
  EXPECT_THAT(Notes(reading), HasSubstr("the whole cell is kept as a note"));
}

TEST(ReadLeadTest, AllPartnersNamesNoOrganisation) {
  // Lines 92 and 161.
  for (const char* cell : {"All", "All partners", "all agencies"}) {
    SCOPED_TRACE(cell);
    const LeadReading reading = ReadLead(cell);
    EXPECT_THAT(reading.organisations, IsEmpty());
    EXPECT_EQ(reading.officer, cell);
    EXPECT_THAT(Notes(reading), HasSubstr("read as all partners"));
  }
}

TEST(ReadLeadTest, AnUnknownNameIsOneOrganisation) {
  // Lines 93 and 146.
  for (const char* cell : {"Multi agency Vulnerability Hub", "Health"}) {
    SCOPED_TRACE(cell);
    const LeadReading reading = ReadLead(cell);
    EXPECT_THAT(reading.organisations, ElementsAre(cell));
    EXPECT_EQ(reading.officer, "");
    EXPECT_THAT(Notes(reading), HasSubstr("as the name of one organisation"));
  }
}

TEST(ReadLeadTest, ARoleWithNoOrganisationIsTheOfficer) {
  const LeadReading reading = ReadLead("Channel Co-ordinator");
  EXPECT_THAT(reading.organisations, IsEmpty());
  EXPECT_EQ(reading.officer, "Channel Co-ordinator");
  EXPECT_THAT(Notes(reading), HasSubstr("names a role"));
}

TEST(ReadLeadTest, PeopleAreKeptButNoted) {
  // Lines 110-112, the lead cell wrapped over three rows.
  const LeadReading reading =
      ReadLead("Michelle Jewell/Maggie Quinn South Staffordshire Council");
  EXPECT_THAT(reading.organisations,
              ElementsAre("South Staffordshire Council"));
  EXPECT_EQ(reading.officer, "Michelle Jewell/Maggie Quinn");
  EXPECT_THAT(Notes(reading), HasSubstr("names people"));
  // A role is not people.
  const LeadReading role = ReadLead("Prevent Lead South Staffordshire Council");
  EXPECT_EQ(role.officer, "Prevent Lead");
  EXPECT_THAT(role.notes, IsEmpty());
}

TEST(ReadLeadTest, SeveralOrganisationsInTheOrderWritten) {
  // Line 144: three prisons.
  EXPECT_THAT(
      ReadLead("YOI Brinsford HMP Featherstone HMP Oakwood").organisations,
      ElementsAre("YOI Brinsford", "HMP Featherstone", "HMP Oakwood"));
  EXPECT_THAT(ReadLead("HMP & YOI Brinsford").organisations,
              ElementsAre("HMP & YOI Brinsford"));
  // Lines 114-115: a known partner, then a council.
  EXPECT_THAT(
      ReadLead("Support Staffordshire South Staffordshire Council")
          .organisations,
      ElementsAre("Support Staffordshire", "South Staffordshire Council"));
  // A place after a head word starts the next name.
  EXPECT_THAT(
      ReadLead("Staffordshire Police South Staffordshire Council")
          .organisations,
      ElementsAre("Staffordshire Police", "South Staffordshire Council"));
  EXPECT_THAT(ReadLead("Stoke on Trent City Council").organisations,
              ElementsAre("Stoke on Trent City Council"));
}

TEST(ReadLeadTest, AnEmptyCellReadsAsNothing) {
  const LeadReading reading = ReadLead("");
  EXPECT_THAT(reading.organisations, IsEmpty());
  EXPECT_EQ(reading.officer, "");
  EXPECT_THAT(reading.notes, IsEmpty());
}

TEST(KindOfTest, FromTheWordsOfTheName) {
  EXPECT_EQ(KindOf("Staffordshire Police"), v1::POLICE);
  EXPECT_EQ(KindOf("Staffordshire Probation"), v1::PROBATION);
  EXPECT_EQ(KindOf("HMP Oakwood"), v1::PRISON);
  EXPECT_EQ(KindOf("YOI Brinsford"), v1::PRISON);
  EXPECT_EQ(KindOf("Parish Councils"), v1::COUNCIL);
  EXPECT_EQ(KindOf("South Staffordshire Council"), v1::COUNCIL);
  EXPECT_EQ(KindOf("Health"), v1::HEALTH);
  EXPECT_EQ(KindOf("Entrust"), v1::EDUCATION);
  EXPECT_EQ(KindOf("Support Staffordshire"), v1::VOLUNTARY);
  EXPECT_EQ(KindOf("Multi agency Vulnerability Hub"), v1::OTHER);
}

}  // namespace
}  // namespace plan::prevent_text
