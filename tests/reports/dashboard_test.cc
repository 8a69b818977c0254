#include "libplan/reports/dashboard.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libplan/reports/summaries.h"
#include "tests/reports/county_fixture.h"
#include "tests/support/chromium.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace plan {
namespace {

using fixture::kToday;
using ::prevent::plan::test_support::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

int Count(absl::string_view text, absl::string_view needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != absl::string_view::npos;
       at = text.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

long long FileSize(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 ? info.st_size : -1;
}

v1::CountySummary County() {
  return SummariseCounty(fixture::CountyPlan(), fixture::Districts(), kToday,
                         Period{});
}

v1::PlanSummary DistrictASummary() {
  return SummarisePlan(fixture::DistrictA(), {}, kToday, Period{});
}

TEST(WriteCountySummaryCsvTest, OneRowPerDistrictAndStrandThenTotals) {
  EXPECT_EQ(
      WriteCountySummaryCsv(County()),
      "\xEF\xBB\xBF"  // a byte order mark, for Excel
      "plan,title,strand,red,amber,green,complete,not_set,overdue,total\r\n"
      "plans/district-a,District A Action Plan,Ideology,1,0,1,1,0,1,3\r\n"
      "plans/district-a,District A Action Plan,Individuals,0,1,0,0,1,1,2\r\n"
      "plans/district-a,District A Action Plan,Institutions,0,0,0,0,0,0,0\r\n"
      "plans/district-a,District A Action Plan,No strand,0,0,1,0,0,0,1\r\n"
      "plans/district-a,District A Action Plan,All strands,1,1,2,1,1,2,6\r\n"
      "plans/district-b,District B Action Plan,Ideology,0,0,0,0,0,0,0\r\n"
      "plans/district-b,District B Action Plan,Individuals,1,0,1,0,0,1,2\r\n"
      "plans/district-b,District B Action Plan,Institutions,0,1,0,1,1,1,3\r\n"
      "plans/district-b,District B Action Plan,No strand,0,0,0,0,0,0,0\r\n"
      "plans/district-b,District B Action Plan,All strands,1,1,1,1,1,2,5\r\n"
      ",All districts,All strands,2,2,3,2,2,4,11\r\n");
}

TEST(WritePlanSummaryCsvTest, OneRowPerStrandThenTotals) {
  EXPECT_EQ(WritePlanSummaryCsv(DistrictASummary()),
            "\xEF\xBB\xBF"  // a byte order mark, for Excel
            "strand,title,red,amber,green,complete,not_set,overdue,total\r\n"
            "plans/district-a/strands/ideology,Ideology,1,0,1,1,0,1,3\r\n"
            "plans/district-a/strands/individuals,Individuals,0,1,0,0,1,1,"
            "2\r\n"
            ",No strand,0,0,1,0,0,0,1\r\n"
            ",All strands,1,1,2,1,1,2,6\r\n");
}

TEST(WritePlanSummaryCsvTest, QuotesFieldsThatNeedIt) {
  v1::PlanSummary summary;
  v1::StrandSummary* strand = summary.add_strands();
  strand->set_strand("plans/p/strands/s");
  strand->set_title("Risk, \"harm\"\nand more");
  EXPECT_EQ(WritePlanSummaryCsv(summary),
            "\xEF\xBB\xBF"  // a byte order mark, for Excel
            "strand,title,red,amber,green,complete,not_set,overdue,total\r\n"
            "plans/p/strands/s,\"Risk, \"\"harm\"\"\nand more\","
            "0,0,0,0,0,0,0\r\n"
            ",All strands,0,0,0,0,0,0,0\r\n");
}

// A title a spreadsheet would run as a formula is written as text.
TEST(WritePlanSummaryCsvTest, NeutralisesFormulaLikeCells) {
  v1::PlanSummary summary;
  v1::StrandSummary* strand = summary.add_strands();
  strand->set_strand("plans/p/strands/s");
  strand->set_title("=HYPERLINK(\"http://x.example\",\"Click\")");
  EXPECT_THAT(WritePlanSummaryCsv(summary),
              HasSubstr("plans/p/strands/s,\"'=HYPERLINK(\"\"http://"
                        "x.example\"\",\"\"Click\"\")\",0,"));
}

TEST(WriteCountyDashboardHtmlTest, IsOneSelfContainedPage) {
  const std::string html = WriteCountyDashboardHtml(County(), kToday);
  EXPECT_TRUE(absl::StartsWith(html, "<!DOCTYPE html>\n<html lang=\"en-GB\">"));
  EXPECT_TRUE(absl::EndsWith(html, "</html>\n"));
  EXPECT_THAT(html, HasSubstr("<title>Staffordshire Prevent Delivery Plan"
                              "</title>"));
  for (const char* external :
       {"http:", "https:", "src=", "<link", "<script", "@import", "url("}) {
    EXPECT_THAT(html, Not(HasSubstr(external))) << external;
  }
  for (const char* tag : {"table", "tbody", "thead", "tfoot", "tr", "td", "th",
                          "span", "div", "svg", "figure", "section"}) {
    EXPECT_EQ(Count(html, absl::StrCat("<", tag, ">")) +
                  Count(html, absl::StrCat("<", tag, " ")),
              Count(html, absl::StrCat("</", tag, ">")))
        << tag;
  }
  for (const char* rule :
       {"size: A4 landscape", "break-inside: avoid",
        "print-color-adjust: exact", "-webkit-print-color-adjust: exact",
        "@media print"}) {
    EXPECT_THAT(html, HasSubstr(rule));
  }
  EXPECT_THAT(html, HasSubstr("<dt>Districts</dt><dd>2</dd>"));
  EXPECT_THAT(html, HasSubstr("<dt>Period</dt><dd>All actions</dd>"));
  EXPECT_THAT(html, HasSubstr("Generated 15 June 2024 \u2014 OFFICIAL"));
}

TEST(WriteCountyDashboardHtmlTest, MatrixCellsCarryChipsBarsAndOverdue) {
  const std::string html = WriteCountyDashboardHtml(County(), kToday);
  EXPECT_THAT(html, HasSubstr("<th scope=\"col\">Ideology</th>"
                              "<th scope=\"col\">Individuals</th>"
                              "<th scope=\"col\">Institutions</th>"
                              "<th scope=\"col\">No strand</th>"));
  // District A x Ideology: a1 red (overdue), a2 green, a3 complete.
  EXPECT_THAT(
      html,
      HasSubstr("<tr><th scope=\"row\">District A Action Plan</th>"
                "<td class=\"counts\"><div class=\"chips\">"
                "<span class=\"chip rag-red\" title=\"Red\">R 1</span>"
                "<span class=\"chip rag-green\" title=\"Green\">G 1</span>"
                "<span class=\"chip rag-blue\" title=\"Complete\">C 1</span>"
                "</div><div class=\"bar\">"
                "<span class=\"rag-red\" style=\"width:33.3%\"></span>"
                "<span class=\"rag-green\" style=\"width:33.3%\"></span>"
                "<span class=\"rag-blue\" style=\"width:33.3%\"></span></div>"
                "<span class=\"cellnote\">3 actions \u00B7 <b>1 overdue</b>"
                "</span></td>"));
  // Strands a district does not have, and B's "No strand".
  EXPECT_EQ(Count(html, "<td class=\"empty\">\u2014</td>"), 3);
  EXPECT_THAT(html, HasSubstr("<th scope=\"row\">All districts</th>"));
  EXPECT_THAT(html, HasSubstr("<span class=\"cellnote\">11 actions \u00B7 "
                              "<b>4 overdue</b></span>"));
  EXPECT_THAT(html, HasSubstr("<div class=\"tile alert\"><div class=\"n\">4"
                              "</div><div class=\"l\">overdue</div>"));
}

TEST(WriteCountyDashboardHtmlTest, ChartsAreInlineSvg) {
  const std::string html = WriteCountyDashboardHtml(County(), kToday);
  EXPECT_EQ(Count(html, "<svg "), 2);
  EXPECT_THAT(html, HasSubstr("<figcaption>RAG status by district"));
  EXPECT_THAT(html, HasSubstr("<figcaption>Overdue actions by partner "
                              "organisation"));
  // One bar label per district, and the legend.
  EXPECT_THAT(html, HasSubstr("text-anchor=\"end\" fill=\"#1b1f24\">District "
                              "A Action Plan</text>"));
  EXPECT_THAT(html, HasSubstr("<title>District B Action Plan: 1 Complete"
                              "</title>"));
  EXPECT_THAT(html, HasSubstr(">Not set</text>"));
  // Every partner has one overdue action.
  EXPECT_THAT(html, HasSubstr("<title>NHS Trust: 1 overdue</title>"));
  EXPECT_EQ(Count(html, " overdue</title></rect>"), 4);
}

TEST(WriteCountyDashboardHtmlTest, OverdueListAndObjectives) {
  const std::string html = WriteCountyDashboardHtml(County(), kToday);
  EXPECT_THAT(html, HasSubstr("<h2>Overdue actions (4)</h2>"));
  EXPECT_EQ(Count(html, "<tr class=\"overdue\">"), 4);
  EXPECT_THAT(html,
              HasSubstr("<tr class=\"overdue\"><td>District A Action Plan</td>"
                        "<td>Channel panel</td><td class=\"action\">Review "
                        "referral pathway</td><td>Alpha Council<br>"
                        "Staffordshire Police<br><i>Owner: Staffordshire "
                        "Police</i></td><td>Feb 2024</td>"
                        "<td class=\"rag rag-amber\">Amber</td></tr>"));
  EXPECT_THAT(html, HasSubstr("<h3>Channel referrals</h3>"));
  EXPECT_THAT(html, HasSubstr("<td class=\"who\"><b>Staffordshire Prevent "
                              "Delivery Plan</b><br>Channel referrals</td>"));
  EXPECT_THAT(html,
              HasSubstr("<td class=\"who\"><b>District B Action Plan</b><br>"
                        "Training</td>"));
}

TEST(WriteCountyDashboardHtmlTest, EscapesEveryText) {
  std::vector<PlanDocument> districts = fixture::Districts();
  districts[0].plan.set_title("A & <b>B</b>");
  districts[0].strands[0].set_title("<script>alert(1)</script>");
  districts[0].organisations[0].set_display_name("\"Quoted\" & 'single'");
  districts[0].activities[0].actions[0].set_description(
      "</td><img src=x onerror=alert(1)>");
  PlanDocument county = fixture::CountyPlan();
  county.plan.set_title("County </title>");
  const std::string html = WriteCountyDashboardHtml(
      SummariseCounty(county, districts, kToday, Period{}), kToday);
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  EXPECT_THAT(html, Not(HasSubstr("<b>B</b>")));
  EXPECT_THAT(html, HasSubstr("<title>County &lt;/title&gt;</title>"));
  EXPECT_THAT(html, HasSubstr("A &amp; &lt;b&gt;B&lt;/b&gt;"));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(html, HasSubstr("&quot;Quoted&quot; &amp; &#39;single&#39;"));
  EXPECT_THAT(html, HasSubstr("&lt;/td&gt;&lt;img src=x"));
}

TEST(WriteCountyDashboardHtmlTest, EmptyCountyStillRenders) {
  const std::string html =
      WriteCountyDashboardHtml(v1::CountySummary(), kToday);
  EXPECT_THAT(html, HasSubstr("<h1>County Prevent dashboard</h1>"));
  EXPECT_THAT(html, HasSubstr("No district plans."));
  EXPECT_THAT(html, HasSubstr("No overdue actions."));
  EXPECT_TRUE(absl::EndsWith(html, "</html>\n"));
}

TEST(WritePlanDashboardHtmlTest, StrandsChartsOverdueAndUpdates) {
  v1::ProgressUpdate update;
  update.set_name("plans/district-a/activities/a-ideo/actions/a1/updates/u1");
  update.mutable_report_time()->set_seconds(1714521600);  // 1 May 2024
  update.set_organisation("organisations/council-a");
  update.set_rag(v1::RED);
  update.set_note("Narratives <mapped> & shared");
  const std::string html =
      WritePlanDashboardHtml(SummarisePlan(fixture::DistrictA(), {update},
                                           kToday, {"2024-01", "2024-12"}),
                             kToday);
  EXPECT_THAT(html, HasSubstr("<h1>District A Action Plan</h1>"));
  EXPECT_THAT(html, HasSubstr("<dt>Period</dt><dd>January 2024 \u2013 "
                              "December 2024</dd>"));
  EXPECT_THAT(html, HasSubstr("<tr><th scope=\"row\">No strand</th>"));
  EXPECT_EQ(Count(html, "<svg "), 2);
  EXPECT_THAT(html, HasSubstr("<h2>Overdue actions (2)</h2>"));
  EXPECT_THAT(html, HasSubstr("<tr><td>a1</td><td>1 May 2024</td><td>Alpha "
                              "Council</td><td class=\"rag rag-red\">Red</td>"
                              "<td>Narratives &lt;mapped&gt; &amp; shared"
                              "</td></tr>"));
  EXPECT_TRUE(absl::EndsWith(html, "</html>\n"));
}

void RunChromium(const TempDir& dir, const std::vector<std::string>& args,
                 const std::string& log) {
  const absl::Status ran =
      prevent::plan::test_support::RunHeadlessChromium(dir, args, log);
  ASSERT_TRUE(ran.ok()) << ran;
}

// Renders `html` with headless Chromium as a screenshot and a PDF. When
// PLAN_DASHBOARD_SCREENSHOT_DIR is set, keeps both there as `name`.png and
// `name`.pdf.
void Render(const std::string& name, const std::string& html) {
  absl::StatusOr<TempDir> dir = TempDir::Create("dashboard-test");
  ASSERT_TRUE(dir.ok()) << dir.status();
  const std::string html_path = dir->Subpath(name + ".html");
  {
    std::ofstream out(html_path, std::ios::binary);
    out << html;
    ASSERT_TRUE(out.good());
  }
  const std::string url = absl::StrCat("file://", html_path);
  const std::string png = dir->Subpath(name + ".png");
  const std::string pdf = dir->Subpath(name + ".pdf");
  RunChromium(
      *dir,
      {"--window-size=1500,1900", absl::StrCat("--screenshot=", png), url},
      dir->Subpath("chromium-png.log"));
  RunChromium(
      *dir,
      {"--no-pdf-header-footer", absl::StrCat("--print-to-pdf=", pdf), url},
      dir->Subpath("chromium-pdf.log"));
  // A blank screenshot is a few kB; a rendered dashboard is far larger.
  EXPECT_GT(FileSize(png), 50000) << png;
  EXPECT_GT(FileSize(pdf), 20000) << pdf;
  std::ifstream pdf_file(pdf, std::ios::binary);
  std::string head(5, '\0');
  pdf_file.read(head.data(), head.size());
  EXPECT_EQ(head, "%PDF-");
  if (const char* keep = std::getenv("PLAN_DASHBOARD_SCREENSHOT_DIR");
      keep != nullptr && *keep != '\0') {
    for (const std::string& from_path : {png, pdf}) {
      std::ifstream from(from_path, std::ios::binary);
      const std::string to_path =
          absl::StrCat(keep, "/", name, from_path == png ? ".png" : ".pdf");
      std::ofstream to(to_path, std::ios::binary);
      to << from.rdbuf();
      EXPECT_TRUE(to.good()) << to_path;
    }
  }
}

TEST(WriteCountyDashboardHtmlTest, RendersInHeadlessChromium) {
  if (!prevent::plan::test_support::HaveChromium()) {
    GTEST_SKIP() << "chromium not installed: apt-get install chromium";
  }
  Render("county-dashboard", WriteCountyDashboardHtml(County(), kToday));
}

TEST(WritePlanDashboardHtmlTest, RendersInHeadlessChromium) {
  if (!prevent::plan::test_support::HaveChromium()) {
    GTEST_SKIP() << "chromium not installed: apt-get install chromium";
  }
  Render("plan-dashboard", WritePlanDashboardHtml(DistrictASummary(), kToday));
}

}  // namespace
}  // namespace plan
