#include "libplan/formats/naming.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libplan/model/names.h"

namespace plan {
namespace {

TEST(SlugIdTest, LowercasesAndJoinsWordsWithOneDash) {
  EXPECT_EQ(SlugId("Risk Assessment and local understanding"),
            "risk-assessment-and-local-understanding");
  EXPECT_EQ(SlugId("Channel"), "channel");
  EXPECT_EQ(SlugId("E-Safety"), "e-safety");
  EXPECT_EQ(SlugId("  Social   media  "), "social-media");
  EXPECT_EQ(SlugId("Hospitals –New Cross, Russell's Hall"),
            "hospitals-new-cross-russell-s-hall");
  EXPECT_EQ(SlugId("I54 – contact"), "i54-contact");
}

TEST(SlugIdTest, ReadsAmpersandAsAnd) {
  EXPECT_EQ(SlugId("Lead Officer & Organisation"),
            "lead-officer-and-organisation");
  EXPECT_EQ(SlugId("&"), "and");
}

TEST(SlugIdTest, CutsAtAWordBoundaryWithinTheLimit) {
  EXPECT_EQ(SlugId("Training package for all schools in South Staffordshire"),
            "training-package-for-all-schools-in-south");
  EXPECT_EQ(SlugId("Develop a risk assessment and local understanding", 40),
            "develop-a-risk-assessment-and-local");
  // One long word cannot be cut at a boundary: it is cut at the limit.
  EXPECT_EQ(SlugId(std::string(100, 'a'), 10), "aaaaaaaaaa");
  // The limit is at most 63, the longest id.
  EXPECT_EQ(SlugId(std::string(100, 'b'), 500).size(), 63u);
}

TEST(SlugIdTest, GivesXWhenNothingUsableRemains) {
  EXPECT_EQ(SlugId(""), "x");
  EXPECT_EQ(SlugId(", -- _"), "x");
  EXPECT_EQ(SlugId("\xE2\x80\x93"), "x");
}

TEST(SlugIdTest, AlwaysGivesAValidId) {
  for (const char* text :
       {"", "-", "a-", "-a", "A B C", "Ünïcödé", "x&y", "&&&", "9 lives",
        "The quick brown fox jumps over the lazy dog again and again and "
        "again and again"}) {
    for (size_t max : {size_t{1}, size_t{2}, size_t{10}, size_t{48}, size_t{63},
                       size_t{100}}) {
      const std::string id = SlugId(text, max);
      EXPECT_TRUE(IsValidId(id)) << '"' << text << "\" " << max << " -> " << id;
      EXPECT_LE(id.size(), std::max<size_t>(max, 1));
    }
  }
}

TEST(OrganisationIdForTest, IgnoresCasePunctuationAndSpacing) {
  EXPECT_EQ(OrganisationIdFor("Staffordshire Police"), "staffordshire-police");
  EXPECT_EQ(OrganisationIdFor("STAFFORDSHIRE  POLICE"), "staffordshire-police");
  EXPECT_EQ(OrganisationIdFor("Staffordshire Police."), "staffordshire-police");
  EXPECT_EQ(OrganisationIdFor("HMP Oakwood"), "hmp-oakwood");
  EXPECT_EQ(OrganisationIdFor("Multi agency Vulnerability Hub"),
            "multi-agency-vulnerability-hub");
  EXPECT_EQ(OrganisationIdFor("Multi-Agency Vulnerability Hub"),
            "multi-agency-vulnerability-hub");
}

TEST(OrganisationIdForTest, MapsAbbreviationsAndVariantsToTheFullName) {
  for (const char* written :
       {"South Staffordshire Council", "SSC", "ssdc",
        "South Staffordshire District Council", "South Staffs Council",
        "South Staffs District Council", "South Staffordshire DC"}) {
    EXPECT_EQ(OrganisationIdFor(written), "south-staffordshire-council")
        << written;
    EXPECT_EQ(OrganisationDisplayName(written), "South Staffordshire Council")
        << written;
  }
  for (const char* written : {"Staffordshire County Council", "SCC",
                              "Staffs County Council", "Staffs CC"}) {
    EXPECT_EQ(OrganisationIdFor(written), "staffordshire-county-council")
        << written;
  }
  for (const char* written :
       {"Staffs Police", "Staffordshire Police Prevent",
        "Staffordshire Police Prevent Team", "Staffs Police Prevent"}) {
    EXPECT_EQ(OrganisationIdFor(written), "staffordshire-police") << written;
    EXPECT_EQ(OrganisationDisplayName(written), "Staffordshire Police")
        << written;
  }
  EXPECT_EQ(OrganisationIdFor("Support Staffs"), "support-staffordshire");
}

TEST(OrganisationIdForTest, GivesAValidIdForAnything) {
  for (const char* written : {"", "&", "—",
                              "A very long organisation name "
                              "that goes on and on beyond any "
                              "reasonable length for an id"}) {
    EXPECT_TRUE(IsValidId(OrganisationIdFor(written))) << written;
  }
}

TEST(OrganisationDisplayNameTest,
     KeepsUnknownNamesAsWrittenWithSpacesCollapsed) {
  EXPECT_EQ(OrganisationDisplayName("Entrust"), "Entrust");
  EXPECT_EQ(OrganisationDisplayName("  YOI   Brinsford\t"), "YOI Brinsford");
  EXPECT_EQ(OrganisationDisplayName("Multi agency Vulnerability Hub"),
            "Multi agency Vulnerability Hub");
}

}  // namespace
}  // namespace plan
