#include "libplan/formats/prevent_text.h"

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libplan/formats/plan_document.h"
#include "libplan/model/fields.h"
#include "libplan/model/names.h"
#include "libplan/model/validation.h"
#include "libplan/util/errors.h"
#include "prevent/plan/v1/resources.pb.h"

namespace plan {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using ::testing::StartsWith;

constexpr char kPlanName[] = "plans/south-staffordshire";

std::string SeedPath() {
  return std::string(PLAN_SOURCE_DIR) +
         "/deploy/demo/south-staffordshire-prevent-action-plan-2023-2025.txt";
}

std::string ReadSeed() {
  std::ifstream in(SeedPath(), std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// ---------------------------------------------------------------------------
// The plan table of the South Staffordshire Prevent Action Plan 2023-2025,
// written out by hand from the document (deploy/demo/), as a reader of the
// PDF reads it. Line numbers in comments are the text file's.

struct ExpectedOrganisation {
  std::string id;
  std::string display_name;
  v1::OrganisationKind kind;
};

struct ExpectedStrand {
  std::string id;
  std::string title;
  std::string description;
};

struct ExpectedAction {
  std::string id;
  std::string description;
  std::string timescale;  // as written
  std::string start;
  std::string end;
  bool ongoing;
  std::string owner;  // organisation id, or empty
};

struct ExpectedActivity {
  std::string id;
  std::string title;
  std::string strand;  // strand id
  std::string lead_officer;
  std::vector<std::string> leads;  // organisation ids
  std::vector<ExpectedAction> actions;
};

const std::vector<ExpectedOrganisation>& Organisations() {
  static const auto* const kOrganisations =
      new std::vector<ExpectedOrganisation>{
          {"staffordshire-police", "Staffordshire Police", v1::POLICE},
          {"south-staffordshire-council", "South Staffordshire Council",
           v1::COUNCIL},
          {"multi-agency-vulnerability-hub", "Multi agency Vulnerability Hub",
           v1::OTHER},
          {"support-staffordshire", "Support Staffordshire", v1::VOLUNTARY},
          {"entrust", "Entrust", v1::EDUCATION},
          {"staffordshire-probation", "Staffordshire Probation", v1::PROBATION},
          {"yoi-brinsford", "YOI Brinsford", v1::PRISON},
          {"hmp-featherstone", "HMP Featherstone", v1::PRISON},
          {"hmp-oakwood", "HMP Oakwood", v1::PRISON},
          {"staffordshire-county-council", "Staffordshire County Council",
           v1::COUNCIL},
          {"health", "Health", v1::HEALTH},
          {"parish-councils", "Parish Councils", v1::COUNCIL},
      };
  return *kOrganisations;
}

const std::vector<ExpectedStrand>& Strands() {
  static const auto* const kStrands = new std::vector<ExpectedStrand>{
      // Line 71.
      {"ideology", "Ideology",
       "responding to the ideological challenge of terrorism and the threat "
       "from those who promote it"},
      // Line 86: "people f<TAB>rom ... terrorisr<TAB>n and ...".
      {"individuals", "Individuals",
       "preventing people from being drawn into terrorism and ensuring they "
       "are given appropriate advice and support"},
      // Line 141.
      {"institutions", "Institutions",
       "working with sectors and institutions where there are risks of "
       "radicalisation"},
  };
  return *kStrands;
}

constexpr char kOngoing[] = "Ongoing";
constexpr char kFeb24Mar25[] = "Feb 2024 \xE2\x80\x93 Mar 2025";

const std::vector<ExpectedActivity>& Activities() {
  static const auto* const kActivities = new std::vector<ExpectedActivity>{
      // ---- Ideology ----
      // Line 73.
      {"risk-assessment-and-local-understanding",
       "Risk Assessment and local understanding",
       "ideology",
       "",
       {"staffordshire-police"},
       {{"develop-a-risk-assessment-and-local",
         "Develop a risk assessment and local understanding of "
         "radicalisation and extremism in the district. What are the "
         "prejudices shown by perpetrators of Hate Crime - are any showing "
         "signs of extremism? Any New Trends emerging? Regular agenda item on "
         "Tactical Priorities Group for partnership discussion.",
         kOngoing, "", "", true, ""}}},
      // Line 74: two sentences beside "February 2024 February 2024"; lines
      // 83-84 continue it after the page break.
      {"safeguarding-and-due-process",
       "Safeguarding and due process",
       "ideology",
       "",
       {"south-staffordshire-council"},
       {{"safeguarding-champions-and-member",
         "Safeguarding Champions and Member Champion to understand Prevent "
         "referral procedure.",
         "February 2024", "2024-02", "2024-02", false, ""},
        {"trends-to-be-reflected-in-the-messages",
         "Trends to be reflected in the messages released in publicity "
         "mentioned in this plan.",
         "February 2024", "2024-02", "2024-02", false, ""},
        {"conversations-to-include-prevent-duty",
         "Conversations to include Prevent Duty and Protect Duty and "
         "integration of both duties in 2025.",
         "September 2024", "2024-09", "2024-09", false, ""},
        {"complete-the-home-office-self-assessment",
         "Complete the Home Office Self-Assessment and Benchmarking Tool",
         "April 2024", "2024-04", "2024-04", false, ""}}},
      // Line 85: "Channel Co-ordinator Staffordshire Police Prevent".
      {"channel",
       "Channel",
       "ideology",
       "Channel Co-ordinator",
       {"staffordshire-police"},
       {{"refer-any-individuals-with-extremist",
         "Refer any individuals with extremist ideologies to Prevent Team at "
         "Staffordshire Police, who have the expertise to challenge the "
         "theology behind these views",
         kOngoing, "", "", true, ""}}},
      // ---- Individuals ----
      // Lines 88-89.
      {"training-package-for-all-schools-in-south",
       "Training package for all schools in South Staffordshire",
       "individuals",
       "Available online but promoted by South Staffordshire Council",
       {"south-staffordshire-council"},
       {{"liaise-with-all-schools-in-south",
         "Liaise with all schools in South Staffordshire to enquire if "
         "training is available to staff and governors.",
         kOngoing, "", "", true, ""},
        {"contact-governors-association-to-ensure",
         "Contact Governors Association to ensure training is undertaken",
         kOngoing, "", "", true, ""}}},
      // Line 90.
      {"training-package-for-further-and-higher",
       "Training package for Further and Higher Education",
       "individuals",
       "Available online but promoted by South Staffordshire Council",
       {"south-staffordshire-council"},
       {{"liaise-with-south-staffordshire-college",
         "Liaise with South Staffordshire College (Rodbaston and Rural "
         "Enterprise Academy) to enquire if training is available to staff "
         "and governors.",
         "Feb 2024 - March 2025", "2024-02", "2025-03", false, ""}}},
      // Line 91.
      {"training-for-south-staffordshire-council-staff",
       "Training for South Staffordshire Council staff and Members",
       "individuals",
       "",
       {"south-staffordshire-council"},
       {{"today-and-tomorrow-training-session-for",
         "Today and Tomorrow training session for all staff Ensure "
         "signs/symbols are explained and recognised and report as required",
         "Feb 2024", "2024-02", "2024-02", false, ""}}},
      // Line 92.
      {"policies-and-procedures",
       "Policies and Procedures",
       "individuals",
       "All",
       {},
       {{"to-develop-a-venue-hire-policy-and",
         "To develop a venue hire policy and speaker policy to deny any "
         "extremist or terrorist groups to disseminate their ideologies.",
         "March 2024", "2024-03", "2024-03", false, ""}}},
      // Line 93.
      {"supporting-those-most-vulnerable",
       "Supporting those most vulnerable",
       "individuals",
       "",
       {"multi-agency-vulnerability-hub"},
       {{"to-ensure-health-professionals-and",
         "To ensure health professionals and support services who support or "
         "care for individuals with mental health conditions recognise "
         "addition vulnerabilities with regards to radicalisation.",
         "February 2024", "2024-02", "2024-02", false, ""}}},
      // Lines 94, 103-109: the title and first action wrap over the page
      // break; the list after "to:" is one action.
      {"reaching-out-to-individuals-through-communities",
       "Reaching out to individuals through communities",
       "individuals",
       "",
       {"south-staffordshire-council"},
       {{"prevent-awareness-presentation-at",
         "Prevent awareness presentation at Locality+ Forum to parish, "
         "district and county councillors.",
         "Sept 2024", "2024-09", "2024-09", false, ""},
        {"prevent-awareness-presentation-to",
         "Prevent awareness presentation to: Community Safety Forums, Friends "
         "Groups, NW Groups, Landlord Forum, Business Forums",
         "Sept 2024", "2024-09", "2024-09", false, ""}}},
      // Lines 110-113: title and lead cell wrapped over three rows.
      {"emerging-and-transient-communities-community",
       "Emerging and Transient Communities - community cohesion",
       "individuals",
       "Michelle Jewell/Maggie Quinn",
       {"south-staffordshire-council"},
       {{"engagement-with-asylum-seekers-and",
         "Engagement with Asylum Seekers and Refugee communities.", "Feb 2025",
         "2025-02", "2025-02", false, ""},
        {"engagements-with-hard-to-reach",
         "Engagements with hard to reach communities e.g. farming, transient "
         "workforce, local businesses",
         "Feb 2025", "2025-02", "2025-02", false, ""},
        {"engage-with-other-bme-communities-census",
         "Engage with other BME communities \xE2\x80\x93 census data",
         "Feb 2025", "2025-02", "2025-02", false, ""}}},
      // Lines 114-116: ", 00" is debris; every other cell wraps onto 115.
      {"community-engagement",
       "Community Engagement",
       "individuals",
       "",
       {"support-staffordshire", "south-staffordshire-council"},
       {{"using-the-community-safety-newsletter",
         "Using the Community Safety Newsletter and Support Staffordshire's "
         "Locality Forums promote the concept of Prevent and update "
         "regularly.",
         "Feb 2024 \xE2\x80\x93 March 2025", "2024-02", "2025-03", false, ""}}},
      // Lines 117-122: rows naming Staffordshire Police and Entrust own the
      // action beside or below them.
      {"social-media",
       "Social media",
       "individuals",
       "",
       {"south-staffordshire-council"},
       {{"using-twitter-accounts-through-south",
         "Using twitter accounts through South Staffordshire Council, "
         "Staffordshire Police and other partners.",
         "Sept 2023 \xE2\x80\x93 March 2025", "2023-09", "2025-03", false, ""},
        {"local-online-forums-e-g-pcso-forums",
         "Local online forums e.g. PCSO forums",
         "Sept 2023 \xE2\x80\x93 March 2025", "2023-09", "2025-03", false,
         "staffordshire-police"},
        {"training-on-social-media-to-staff-in",
         "Training on social media to staff in schools and colleges to look "
         "out for extremist information on the internet",
         "Sept 2023 \xE2\x80\x93 March 2025", "2023-09", "2025-03", false,
         "entrust"}}},
      // Lines 123-125.
      {"e-safety",
       "E-Safety",
       "individuals",
       "All",
       {},
       {{"ensure-access-is-denied-on-publicly",
         "Ensure access is denied on publicly owned IT systems to "
         "extremist/terrorist websites",
         "Feb 2024", "2024-02", "2024-02", false, ""},
        {"engagement-with-schools", "Engagement with schools", kOngoing, "", "",
         true, "entrust"}}},
      // Lines 126-140: four dates listed down the timescale column (126,
      // 127, 128, 137) for four actions.
      {"signposting",
       "Signposting",
       "individuals",
       "",
       {"south-staffordshire-council"},
       {{"advising-the-public-if-they-identify",
         "Advising the public if they identify anything suspicious.",
         "Nov 2023", "2023-11", "2023-11", false, ""},
        {"contributing-to-data-collection-and",
         "Contributing to data collection and analysis and using this to "
         "focus communications",
         "Mar 2024", "2024-03", "2024-03", false, ""},
        {"e-mail-rider-stating-security-is",
         "E-mail rider stating \"Security is everybody's responsibility\" and "
         "phone number",
         "Sept 2024", "2024-09", "2024-09", false, ""},
        {"south-staffordshire-bcep-group", "South Staffordshire BCEP Group",
         "Feb 2025", "2025-02", "2025-02", false, ""}}},
      // ---- Institutions ----
      // Line 143.
      {"local-establishments",
       "Local establishments",
       "institutions",
       "",
       {"staffordshire-probation"},
       {{"probation-links-into-the-prisons-for",
         "Probation \xE2\x80\x93 links into the prisons for inmates ready for "
         "release",
         kOngoing, "", "", true, ""}}},
      // Line 144: three prisons in one cell.
      {"prisons",
       "Prisons",
       "institutions",
       "",
       {"yoi-brinsford", "hmp-featherstone", "hmp-oakwood"},
       {{"prisons-oakwood-featherstone-and-yoi",
         "Prisons \xE2\x80\x93 Oakwood, Featherstone and YOI Brinsford",
         kOngoing, "", "", true, ""}}},
      // Lines 145-148: Health, South Staffordshire Council and Parish
      // Councils each own one action.
      {"community",
       "Community",
       "institutions",
       "",
       {"staffordshire-county-council"},
       {{"schools-and-colleges-and-universities",
         "Schools and Colleges and Universities Faith Groups \xE2\x80\x93 "
         "Interchurch groups",
         kFeb24Mar25, "2024-02", "2025-03", false, ""},
        {"hospitals-new-cross-russell-s-hall-manor",
         "Hospitals \xE2\x80\x93New Cross, Russell's Hall, Manor, and "
         "Princess Royal",
         kFeb24Mar25, "2024-02", "2025-03", false, "health"},
        {"car-boot-sales-organiser-meetings",
         "Car Boot Sales \xE2\x80\x93 organiser meetings Leisure Centres/gyms "
         "- SSC and Private Private Schools; Children's Homes; GPs; "
         "Opticians; Dentists Highways; FARS SSDC \xE2\x80\x93 Industrial "
         "units; Chambers of Commerce",
         kFeb24Mar25, "2024-02", "2025-03", false,
         "south-staffordshire-council"},
        {"link-in-with-ceo-of-staffordshire-parish",
         "Link in with CEO of Staffordshire Parish Council Association",
         kFeb24Mar25, "2024-02", "2025-03", false, "parish-councils"}}},
      // Line 149, and line 160 after the last page break.
      {"employers",
       "Employers",
       "institutions",
       "",
       {"south-staffordshire-council"},
       {{"i54-contact-to-be-established-to",
         "I54 \xE2\x80\x93 contact to be established to identify Prevent "
         "Co-ordinator in companies",
         kFeb24Mar25, "2024-02", "2025-03", false, ""},
        {"e-bulletin-to-businesses-building-into",
         "E-bulletin to businesses Building into workforce training, "
         "recruitment and selection process",
         kFeb24Mar25, "2024-02", "2025-03", false, ""}}},
      // Line 161.
      {"contractors",
       "Contractors",
       "institutions",
       "All partners",
       {},
       {{"ensure-service-level-agreements-and",
         "Ensure Service Level Agreements and Contracts with service "
         "providers and contractors delivering a service, product, activity "
         "or contracted for another reason includes paragraph relating to "
         "extremism and terrorism",
         "Mar 2023 ongoing", "2023-03", "", true, ""}}},
  };
  return *kActivities;
}

std::string Pos(int i) { return absl::StrFormat("%04d", i); }

class SeedPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string seed = ReadSeed();
    ASSERT_FALSE(seed.empty()) << "cannot read " << SeedPath();
    absl::StatusOr<ParsedPlan> parsed = ParsePreventText(seed, kPlanName);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    parsed_ = *std::move(parsed);
  }

  const PlanDocument& doc() const { return parsed_.document; }

  std::set<int> WarningLines() const {
    std::set<int> lines;
    for (const FormatWarning& w : parsed_.warnings) lines.insert(w.line);
    return lines;
  }

  std::string WarningsAt(int line) const {
    std::vector<std::string> messages;
    for (const FormatWarning& w : parsed_.warnings) {
      if (w.line == line) messages.push_back(w.message);
    }
    return absl::StrJoin(messages, "\n");
  }

  ParsedPlan parsed_;
};

TEST_F(SeedPlanTest, Plan) {
  const v1::Plan& plan = doc().plan;
  EXPECT_EQ(plan.name(), kPlanName);
  EXPECT_EQ(plan.title(), "South Staffordshire Prevent Action Plan 2023-2025");
  EXPECT_EQ(plan.area(), "South Staffordshire");
  EXPECT_EQ(plan.level(), v1::DISTRICT);
  EXPECT_EQ(plan.parent(), "");
  EXPECT_EQ(plan.period_start(), "2023-04");
  EXPECT_EQ(plan.period_end(), "2025-03");
  std::vector<std::string> partners;
  for (const ExpectedOrganisation& o : Organisations()) {
    partners.push_back("organisations/" + o.id);
  }
  EXPECT_THAT(plan.partner_organisations(),
              ::testing::ElementsAreArray(partners));
}

TEST_F(SeedPlanTest, Counts) {
  size_t actions = 0;
  for (const ActivityEntry& entry : doc().activities) {
    actions += entry.actions.size();
  }
  EXPECT_EQ(doc().strands.size(), 3u);
  EXPECT_EQ(doc().activities.size(), 19u);
  EXPECT_EQ(actions, 36u);
  EXPECT_EQ(doc().organisations.size(), 12u);
}

TEST_F(SeedPlanTest, Organisations) {
  ASSERT_EQ(doc().organisations.size(), Organisations().size());
  for (size_t i = 0; i < Organisations().size(); ++i) {
    const ExpectedOrganisation& want = Organisations()[i];
    const v1::Organisation& got = doc().organisations[i];
    SCOPED_TRACE(want.id);
    EXPECT_EQ(got.name(), "organisations/" + want.id);
    EXPECT_EQ(got.display_name(), want.display_name);
    EXPECT_EQ(got.kind(), want.kind);
  }
}

TEST_F(SeedPlanTest, Strands) {
  ASSERT_EQ(doc().strands.size(), Strands().size());
  for (size_t i = 0; i < Strands().size(); ++i) {
    const ExpectedStrand& want = Strands()[i];
    const v1::Strand& got = doc().strands[i];
    SCOPED_TRACE(want.id);
    EXPECT_EQ(got.name(), absl::StrCat(kPlanName, "/strands/", want.id));
    EXPECT_EQ(got.title(), want.title);
    EXPECT_EQ(got.description(), want.description);
    EXPECT_EQ(got.position(), Pos(static_cast<int>(i) + 1));
  }
}

TEST_F(SeedPlanTest, ActivitiesAndActionsExactly) {
  ASSERT_EQ(doc().activities.size(), Activities().size());
  for (size_t i = 0; i < Activities().size(); ++i) {
    const ExpectedActivity& want = Activities()[i];
    const ActivityEntry& got = doc().activities[i];
    SCOPED_TRACE(want.title);
    const std::string name = absl::StrCat(kPlanName, "/activities/", want.id);
    EXPECT_EQ(got.activity.name(), name);
    EXPECT_EQ(got.activity.title(), want.title);
    EXPECT_EQ(got.activity.strand(),
              absl::StrCat(kPlanName, "/strands/", want.strand));
    EXPECT_EQ(got.activity.lead_officer(), want.lead_officer);
    std::vector<std::string> leads;
    for (const std::string& id : want.leads) {
      leads.push_back("organisations/" + id);
    }
    EXPECT_THAT(got.activity.lead_organisations(),
                ::testing::ElementsAreArray(leads));
    EXPECT_EQ(got.activity.duty_areas_size(), 0);
    EXPECT_EQ(got.activity.position(), Pos(static_cast<int>(i) + 1));

    ASSERT_EQ(got.actions.size(), want.actions.size());
    for (size_t k = 0; k < want.actions.size(); ++k) {
      const ExpectedAction& a = want.actions[k];
      const v1::Action& action = got.actions[k];
      SCOPED_TRACE(a.description);
      EXPECT_EQ(action.name(), absl::StrCat(name, "/actions/", a.id));
      EXPECT_EQ(action.description(), a.description);
      EXPECT_EQ(action.timescale().text(), a.timescale);
      EXPECT_EQ(action.timescale().start(), a.start);
      EXPECT_EQ(action.timescale().end(), a.end);
      EXPECT_EQ(action.timescale().ongoing(), a.ongoing);
      EXPECT_EQ(action.owner_organisation(),
                a.owner.empty() ? "" : "organisations/" + a.owner);
      EXPECT_EQ(action.rag(), v1::RAG_UNSPECIFIED);
      EXPECT_EQ(action.position(), Pos(static_cast<int>(k) + 1));
    }
  }
}

// Every judgement call on the seed is a warning on its line.
TEST_F(SeedPlanTest, WarnsAtEveryJudgementCall) {
  EXPECT_THAT(WarningLines(),
              IsSupersetOf({
                  1,    // narrative pages skipped
                  69,   // level and period assumed
                  74,   // two dates, two sentences
                  82,   // page banner
                  83,   // continues the activity across the page break
                  85,   // "Staffordshire Police Prevent"
                  86,   // strand header words rejoined
                  88,   // "Available online but promoted by ..."
                  89,   // no timescale of its own
                  92,   // "All"
                  93,   // "Multi agency Vulnerability Hub"
                  102,  // page banner
                  103,  // the title continues across the page break
                  104,  // the list of forums
                  110,  // people named as lead officer
                  111,  // wrapped title without a timescale
                  115,  // ", 00" debris; wrapped timescale
                  118,  // wrapped timescale
                  123,  // "All"
                  126,  // Signposting's dates paired in order
                  136,  // page banner
                  137,  // Signposting continues across the page break
                  146,  // "Health"
                  157,  // page footer
                  158,  // "_"
                  160,  // after the page break; no timescale of its own
                  161,  // "All partners"
              }));
  EXPECT_THAT(WarningsAt(69), AllOf(HasSubstr("April 2023 to March 2025"),
                                    HasSubstr("DISTRICT")));
  EXPECT_THAT(WarningsAt(86),
              AllOf(HasSubstr("\"from\""), HasSubstr("\"terrorism\"")));
  EXPECT_THAT(WarningsAt(110), HasSubstr("names people"));
  EXPECT_THAT(WarningsAt(104), HasSubstr("one action"));
  EXPECT_THAT(WarningsAt(126), HasSubstr("paired in order"));
  for (const FormatWarning& w : parsed_.warnings) {
    EXPECT_GE(w.line, 1);
    EXPECT_LE(w.line, 161);
    EXPECT_FALSE(w.message.empty());
  }
}

// What any reader of the document needs: every resource valid, every name
// well-formed and of its kind, every reference to something in the document.
void ExpectValidDocument(const PlanDocument& doc) {
  FieldViolations violations;
  std::set<std::string> names, organisations, strands;
  const auto check_name = [&](Kind kind, const std::string& name) {
    EXPECT_TRUE(ResourceName::ParseAs(kind, name).ok()) << name;
    EXPECT_TRUE(names.insert(name).second) << "duplicate " << name;
  };
  check_name(Kind::kPlan, doc.plan.name());
  ValidateFields(Kind::kPlan, doc.plan, DataFields(*v1::Plan::descriptor()),
                 "plan", &violations);
  for (const v1::Organisation& o : doc.organisations) {
    check_name(Kind::kOrganisation, o.name());
    organisations.insert(o.name());
    ValidateFields(Kind::kOrganisation, o,
                   DataFields(*v1::Organisation::descriptor()), o.name(),
                   &violations);
  }
  for (const std::string& partner : doc.plan.partner_organisations()) {
    EXPECT_TRUE(organisations.count(partner)) << partner;
  }
  for (const v1::Strand& s : doc.strands) {
    check_name(Kind::kStrand, s.name());
    EXPECT_EQ(ResourceName::Parse(s.name())->Plan(), doc.plan.name());
    strands.insert(s.name());
    ValidateFields(Kind::kStrand, s, DataFields(*v1::Strand::descriptor()),
                   s.name(), &violations);
  }
  std::string last_position;
  for (const ActivityEntry& entry : doc.activities) {
    const v1::Activity& a = entry.activity;
    check_name(Kind::kActivity, a.name());
    EXPECT_EQ(ResourceName::Parse(a.name())->Plan(), doc.plan.name());
    EXPECT_LT(last_position, a.position());
    last_position = a.position();
    if (!a.strand().empty()) {
      EXPECT_TRUE(strands.count(a.strand())) << a.name();
    }
    for (const std::string& lead : a.lead_organisations()) {
      EXPECT_TRUE(organisations.count(lead)) << lead;
    }
    ValidateFields(Kind::kActivity, a, DataFields(*v1::Activity::descriptor()),
                   a.name(), &violations);
    std::string last_action;
    for (const v1::Action& x : entry.actions) {
      check_name(Kind::kAction, x.name());
      EXPECT_EQ(ResourceName::Parse(x.name())->Parent()->str(), a.name());
      EXPECT_LT(last_action, x.position());
      last_action = x.position();
      if (!x.owner_organisation().empty()) {
        EXPECT_TRUE(organisations.count(x.owner_organisation()));
      }
      ValidateFields(Kind::kAction, x, DataFields(*v1::Action::descriptor()),
                     x.name(), &violations);
    }
  }
  EXPECT_TRUE(violations.empty()) << violations.ToStatus();
}

TEST_F(SeedPlanTest, EveryResourceIsValid) { ExpectValidDocument(doc()); }

TEST_F(SeedPlanTest, SameDocumentFromCrlfAndAByteOrderMark) {
  const std::string crlf =
      "\xEF\xBB\xBF" + absl::StrReplaceAll(ReadSeed(), {{"\n", "\r\n"}});
  absl::StatusOr<ParsedPlan> parsed = ParsePreventText(crlf, kPlanName);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->document.activities.size(), doc().activities.size());
  for (size_t i = 0; i < doc().activities.size(); ++i) {
    EXPECT_EQ(SerializeDeterministic(parsed->document.activities[i].activity),
              SerializeDeterministic(doc().activities[i].activity));
    ASSERT_EQ(parsed->document.activities[i].actions.size(),
              doc().activities[i].actions.size());
    for (size_t k = 0; k < doc().activities[i].actions.size(); ++k) {
      EXPECT_EQ(
          SerializeDeterministic(parsed->document.activities[i].actions[k]),
          SerializeDeterministic(doc().activities[i].actions[k]));
    }
  }
  EXPECT_EQ(SerializeDeterministic(parsed->document.plan),
            SerializeDeterministic(doc().plan));
}

TEST_F(SeedPlanTest, TheTableAloneReadsTheSame) {
  // Without the narrative pages (lines 1-68) the title comes from the
  // table's title row.
  const std::string seed = ReadSeed();
  size_t start = 0;
  for (int line = 1; line < 69; ++line) start = seed.find('\n', start) + 1;
  absl::StatusOr<ParsedPlan> parsed =
      ParsePreventText(seed.substr(start), "plans/ss");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->document.plan.title(), doc().plan.title());
  EXPECT_EQ(parsed->document.activities.size(), doc().activities.size());
  ExpectValidDocument(parsed->document);
}

// ---------------------------------------------------------------------------
// Small inputs.

constexpr char kHeader[] =
    "Activity\tLead Officer & Organisation\tActions\tTimescales\tRAG\n";

absl::StatusOr<ParsedPlan> Parse(const std::string& text) {
  return ParsePreventText(text, "plans/p");
}

TEST(ParsePreventTextTest, AMinimalTable) {
  absl::StatusOr<ParsedPlan> parsed =
      Parse(absl::StrCat("Anytown Prevent Action Plan 2024/25\n", kHeader,
                         "Ideology - tackling the ideological causes\n",
                         "Referrals\tAnytown Council\tRefer early.\tQ1 "
                         "2024/25\tGreen\n"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const PlanDocument& doc = parsed->document;
  EXPECT_EQ(doc.plan.title(), "Anytown Prevent Action Plan 2024/25");
  EXPECT_EQ(doc.plan.area(), "Anytown");
  EXPECT_EQ(doc.plan.period_start(), "2024-04");
  EXPECT_EQ(doc.plan.period_end(), "2025-03");
  ASSERT_EQ(doc.strands.size(), 1u);
  EXPECT_EQ(doc.strands[0].description(), "tackling the ideological causes");
  ASSERT_EQ(doc.activities.size(), 1u);
  EXPECT_EQ(doc.activities[0].activity.strand(), "plans/p/strands/ideology");
  EXPECT_THAT(doc.activities[0].activity.lead_organisations(),
              ::testing::ElementsAre("organisations/anytown-council"));
  ASSERT_EQ(doc.activities[0].actions.size(), 1u);
  const v1::Action& action = doc.activities[0].actions[0];
  EXPECT_EQ(action.rag(), v1::GREEN);
  EXPECT_EQ(action.timescale().start(), "2024-04");
  EXPECT_EQ(action.timescale().end(), "2024-06");
  EXPECT_EQ(doc.organisations[0].kind(), v1::COUNCIL);
  ExpectValidDocument(doc);
}

TEST(ParsePreventTextTest, DuplicateTitlesGetDistinctIds) {
  absl::StatusOr<ParsedPlan> parsed = Parse(
      absl::StrCat("Plan\n", kHeader, "Training\tAll\tOne.\tOngoing\n",
                   "Training\tAll\tOne.\tOngoing\n", "\t\tOne.\tOngoing\n"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->document.activities.size(), 2u);
  EXPECT_EQ(parsed->document.activities[0].activity.name(),
            "plans/p/activities/training");
  EXPECT_EQ(parsed->document.activities[1].activity.name(),
            "plans/p/activities/training-2");
  ASSERT_EQ(parsed->document.activities[1].actions.size(), 2u);
  EXPECT_EQ(parsed->document.activities[1].actions[1].name(),
            "plans/p/activities/training-2/actions/one-2");
  ExpectValidDocument(parsed->document);
}

TEST(ParsePreventTextTest, CutsOverlongTextAndWarns) {
  const std::string title(300, 'T');
  const std::string action(5000, 'a');
  absl::StatusOr<ParsedPlan> parsed =
      Parse(absl::StrCat("Plan\n", kHeader, title, "\t", std::string(250, 'L'),
                         "\t", action, "\t", std::string(250, '1'), "\n"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->document.activities.size(), 1u);
  EXPECT_EQ(parsed->document.activities[0].activity.title().size(), 200u);
  ASSERT_EQ(parsed->document.activities[0].actions.size(), 1u);
  EXPECT_EQ(parsed->document.activities[0].actions[0].description().size(),
            4000u);
  ExpectValidDocument(parsed->document);
  std::vector<std::string> messages;
  for (const FormatWarning& w : parsed->warnings) messages.push_back(w.message);
  EXPECT_THAT(absl::StrJoin(messages, "\n"), HasSubstr("cut to 200"));
}

// ---------------------------------------------------------------------------
// Bad input: INVALID_ARGUMENT, "line L, column C: why".

void ExpectInvalid(const absl::StatusOr<ParsedPlan>& parsed,
                   const std::string& where, const std::string& why) {
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(parsed.status().message()),
              AllOf(StartsWith(where), HasSubstr(why)));
  EXPECT_EQ(ErrorReason(parsed.status()), "INVALID_ARGUMENT");
}

TEST(ParsePreventTextBadInputTest, Empty) {
  ExpectInvalid(Parse(""), "line 1, column 1: ", "empty");
}

TEST(ParsePreventTextBadInputTest, NulByteIsBinary) {
  ExpectInvalid(
      Parse(absl::StrCat(kHeader, "Chan", std::string(1, '\0'), "nel\n")),
      "line 2, column 5: ", "binary");
}

TEST(ParsePreventTextBadInputTest, MostlyControlCharactersIsBinary) {
  std::string binary = "ab\n";
  for (int i = 0; i < 200; ++i) binary += static_cast<char>(1 + i % 8);
  ExpectInvalid(Parse(binary), "line 2, column 1: ", "binary");
}

TEST(ParsePreventTextBadInputTest, AFewControlCharactersAreSpaces) {
  absl::StatusOr<ParsedPlan> parsed = Parse(
      absl::StrCat("Plan\n", kHeader, "Chan\x01nel\tAll\tRefer.\tOngoing\n"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->document.activities[0].activity.title(), "Chan nel");
  bool warned = false;
  for (const FormatWarning& w : parsed->warnings) {
    warned = warned || (w.line == 3 && absl::StrContains(w.message, "control"));
  }
  EXPECT_TRUE(warned);
}

TEST(ParsePreventTextBadInputTest, InvalidUtf8SaysWhere) {
  // "Refér" in Latin-1: 0xE9 is not UTF-8. Column 12 is the character after
  // "Channel\tRef" (11 characters).
  ExpectInvalid(
      Parse(absl::StrCat("Plan\n", kHeader, "Channel\tRef\xE9r.\tOngoing\n")),
      "line 3, column 12: ", "invalid UTF-8 (byte 0xE9");
  // A truncated sequence at the very end.
  ExpectInvalid(Parse(absl::StrCat(kHeader, "\xE2\x80")),
                "line 2, column 1: ", "invalid UTF-8");
  // An encoded surrogate and an overlong form.
  ExpectInvalid(Parse("\xED\xA0\x80"), "line 1, column 1: ", "invalid UTF-8");
  ExpectInvalid(Parse("ab\xC0\xAF"), "line 1, column 3: ", "invalid UTF-8");
  // Columns count characters, not bytes.
  ExpectInvalid(Parse("\xE2\x80\x93\xE2\x80\x93\xFF"),
                "line 1, column 3: ", "invalid UTF-8");
}

TEST(ParsePreventTextBadInputTest, Utf16) {
  ExpectInvalid(Parse(std::string("\xFF\xFE"
                                  "A\0c\0",
                                  6)),
                "line 1, column 1: ", "UTF-16");
}

TEST(ParsePreventTextBadInputTest, LineOverOneMebibyte) {
  const std::string text = absl::StrCat(
      "Plan\n", kHeader, std::string(kMaxPreventTextLineBytes + 1, 'x'), "\n");
  ExpectInvalid(Parse(text), "line 3, column 1048577: ", "longer than");
  // A line of exactly the limit is read (its action cut to 4,000
  // characters).
  const std::string fits =
      absl::StrCat("Plan\n", kHeader, "A\t\t",
                   std::string(kMaxPreventTextLineBytes - 4, 'x'), "\t\n");
  const absl::StatusOr<ParsedPlan> parsed = Parse(fits);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ExpectValidDocument(parsed->document);
}

TEST(ParsePreventTextBadInputTest, InputOverTenMebibytes) {
  std::string text;
  const std::string line(1000, 'y');
  while (text.size() <= kMaxPreventTextBytes)
    absl::StrAppend(&text, line, "\n");
  ExpectInvalid(Parse(text), "line ", "at most 10485760");
  EXPECT_THAT(std::string(Parse(text).status().message()),
              StartsWith(absl::StrCat("line ", kMaxPreventTextBytes / 1001 + 1,
                                      ", column ")));
}

TEST(ParsePreventTextBadInputTest, NoColumnHeader) {
  ExpectInvalid(Parse("South Staffordshire Prevent Action Plan\n\nSome "
                      "narrative.\nChannel\tPolice\tRefer\tOngoing\n"),
                "line 4, column 1: ", "no column header");
  ExpectInvalid(Parse("just text"), "line 1, column 1: ", "no plan table");
}

TEST(ParsePreventTextBadInputTest, HeaderWithNoActivities) {
  ExpectInvalid(Parse(absl::StrCat("Plan\n", kHeader, "\n\n")),
                "line 4, column 1: ", "no activity rows");
  ExpectInvalid(
      Parse(absl::StrCat("Plan\n", kHeader,
                         "Ideology - responding to the ideological challenge\n",
                         kHeader, "\t\tTO MAKE SOUTH STE\t\n")),
      "line 5, column 1: ", "no activity rows");
}

TEST(ParsePreventTextBadInputTest, BadPlanName) {
  const absl::StatusOr<ParsedPlan> parsed =
      ParsePreventText(ReadSeed(), "south-staffordshire");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("plan name"));
}

// Whatever the input, the parser either refuses it with INVALID_ARGUMENT or
// returns a valid document: cut, shuffled and corrupted versions of the seed.
TEST(ParsePreventTextRobustnessTest, MutatedSeedsGiveValidDocuments) {
  const std::string seed = ReadSeed();
  std::vector<std::string> inputs;
  for (size_t cut = 0; cut < seed.size(); cut += 97) {
    inputs.push_back(seed.substr(0, cut));
    inputs.push_back(seed.substr(cut));
  }
  std::string tabs_doubled = absl::StrReplaceAll(seed, {{"\t", "\t\t"}});
  inputs.push_back(tabs_doubled);
  inputs.push_back(absl::StrReplaceAll(seed, {{"\n", "\t"}}));
  inputs.push_back(absl::StrReplaceAll(seed, {{"\t", "\n"}}));
  inputs.push_back(absl::StrReplaceAll(seed, {{" ", ""}}));
  inputs.push_back(absl::StrReplaceAll(seed, {{"\xE2\x80\x93", "-"}}));
  for (const std::string& input : inputs) {
    const absl::StatusOr<ParsedPlan> parsed = Parse(input);
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument)
          << parsed.status();
      continue;
    }
    ExpectValidDocument(parsed->document);
  }
}

}  // namespace
}  // namespace plan
