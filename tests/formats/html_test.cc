#include "libplan/formats/html.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/formats/sample_plans.h"
#include "tests/support/chromium.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace plan {
namespace {

using ::prevent::plan::test_support::TempDir;
using sample::DocumentBuilder;
using sample::kSeedToday;
using sample::SeedLikeDocument;
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

// The size of the file at `path`, or -1 when it does not exist.
long long FileSize(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 ? info.st_size : -1;
}

TEST(WritePlanHtmlTest, IsOneSelfContainedPage) {
  const std::string html = WritePlanHtml(SeedLikeDocument(), kSeedToday);
  EXPECT_TRUE(absl::StartsWith(html, "<!DOCTYPE html>\n<html lang=\"en-GB\">"));
  EXPECT_TRUE(absl::EndsWith(html, "</html>\n"));
  EXPECT_EQ(Count(html, "<html"), 1);
  EXPECT_THAT(html, HasSubstr("<meta charset=\"utf-8\">"));
  EXPECT_THAT(html, HasSubstr("<title>South Staffordshire Prevent Action Plan "
                              "2023-2025</title>"));
  // Nothing to fetch, nothing to run.
  for (const char* external :
       {"http:", "https:", "src=", "<link", "<script", "@import", "url("}) {
    EXPECT_THAT(html, Not(HasSubstr(external))) << external;
  }
  // Tags that must balance do.
  for (const char* tag :
       {"table", "tbody", "thead", "tr", "td", "th", "span"}) {
    EXPECT_EQ(Count(html, absl::StrCat("<", tag, ">")) +
                  Count(html, absl::StrCat("<", tag, " ")),
              Count(html, absl::StrCat("</", tag, ">")))
        << tag;
  }
}

TEST(WritePlanHtmlTest, BannerSummaryAndFooter) {
  const std::string html = WritePlanHtml(SeedLikeDocument(), kSeedToday);
  EXPECT_THAT(html, HasSubstr("<h1>South Staffordshire Prevent Action Plan "
                              "2023-2025</h1>"));
  EXPECT_THAT(html, HasSubstr("<dt>Period</dt><dd>April 2023 \u2013 March "
                              "2025</dd>"));
  EXPECT_THAT(html, HasSubstr("Partners: South Staffordshire Council \u00B7 "
                              "Staffordshire Police"));
  // Red, Amber, Green, Complete, Not set, Overdue, Total.
  EXPECT_THAT(html, HasSubstr("<tr><th scope=\"row\">Ideology</th>"
                              "<td class=\"rag-red\">1</td>"
                              "<td class=\"rag-amber\">1</td>"
                              "<td class=\"rag-green\">2</td>"
                              "<td class=\"rag-blue\">2</td>"
                              "<td class=\"zero\">0</td>"
                              "<td class=\"rag-red\">2</td><td>6</td></tr>"));
  EXPECT_THAT(html, HasSubstr("<th scope=\"row\">All strands</th>"));
  EXPECT_THAT(html, HasSubstr("<div class=\"tile alert\"><div class=\"n\">3"
                              "</div><div class=\"l\">overdue</div>"));
  EXPECT_THAT(html, HasSubstr("Generated 15 November 2024 \u2014 OFFICIAL"));
}

TEST(WritePlanHtmlTest, OneRowPerActionWithTheActivitySpanningThem) {
  const std::string html = WritePlanHtml(SeedLikeDocument(), kSeedToday);
  EXPECT_THAT(html, HasSubstr("<td class=\"activity\" rowspan=\"4\">"
                              "Safeguarding and due process</td>"
                              "<td class=\"lead\" rowspan=\"4\">"
                              "<span class=\"officer\">Community Safety "
                              "Manager</span><span class=\"org\">South "
                              "Staffordshire Council</span></td>"));
  EXPECT_THAT(html, HasSubstr("<td class=\"activity\">Channel</td>"));
  EXPECT_EQ(Count(html, "<td class=\"action"), 16 + 1);  // + E-Safety's
  EXPECT_THAT(html, HasSubstr("No actions yet."));
  // Strand header rows span the table.
  EXPECT_EQ(Count(html, "<tbody class=\"strand\"><tr><th colspan=\"5\""), 3);
  EXPECT_THAT(html, HasSubstr("<span class=\"strand-title\">Individuals</span>"
                              "Preventing people"));
  // Line breaks in text are kept.
  EXPECT_THAT(html, HasSubstr("for all staff.<br>Ensure signs/symbols"));
  EXPECT_THAT(html, HasSubstr("<span class=\"owner\">Owner: Entrust</span>"));
}

TEST(WritePlanHtmlTest, RagCellsCarryColourAndWord) {
  const std::string html = WritePlanHtml(SeedLikeDocument(), kSeedToday);
  EXPECT_EQ(Count(html, "<td class=\"rag rag-red\">Red</td>"), 3);
  EXPECT_EQ(Count(html, "<td class=\"rag rag-amber\">Amber</td>"), 4);
  EXPECT_EQ(Count(html, "<td class=\"rag rag-green\">Green</td>"), 5);
  EXPECT_EQ(Count(html, "<td class=\"rag rag-blue\">Complete</td>"), 3);
  EXPECT_EQ(Count(html, "<td class=\"rag rag-none\">Not set</td>"), 1);
}

TEST(WritePlanHtmlTest, OverdueActionsAreMarked) {
  const std::string html = WritePlanHtml(SeedLikeDocument(), kSeedToday);
  EXPECT_EQ(Count(html, "<tr class=\"overdue\">"), 3);
  EXPECT_THAT(html, HasSubstr("<td class=\"timescale\">March 2024<br><span "
                              "class=\"badge\">Overdue</span></td>"
                              "<td class=\"rag rag-red\">Red</td>"));
  EXPECT_THAT(
      html,
      HasSubstr("tr.overdue td.action { border-left: 4px solid var(--red)"));
}

TEST(WritePlanHtmlTest, PrintsOnA4LandscapeWithRepeatedHeaders) {
  const std::string html = WritePlanHtml(SeedLikeDocument(), kSeedToday);
  for (const char* rule :
       {"size: A4 landscape; margin: 12mm;",
        ".plan thead { display: table-header-group; }", "break-inside: avoid;",
        "print-color-adjust: exact;", "-webkit-print-color-adjust: exact;",
        "@media print"}) {
    EXPECT_THAT(html, HasSubstr(rule));
  }
}

TEST(WritePlanHtmlTest, EscapesEveryText) {
  const PlanDocument doc =
      DocumentBuilder()
          .Organisation("a", "A & B <Partners>")
          .Strand("s", "<b>Ideology</b>", "\"quoted\" & 'single'")
          .Activity("x", "<script>alert(1)</script>", "<i>officer</i>", {"a"})
          .Action("y", "</td></tr></table><img src=x onerror=alert(1)>",
                  "Feb 2024 <now>", v1::RED)
          .Build();
  PlanDocument with_title = doc;
  with_title.plan.set_title("Plan </title><script>");
  const std::string html = WritePlanHtml(with_title, kSeedToday);
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  EXPECT_THAT(html, Not(HasSubstr("<b>Ideology")));
  EXPECT_THAT(html, HasSubstr("<title>Plan &lt;/title&gt;&lt;script&gt;"
                              "</title>"));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(html, HasSubstr("A &amp; B &lt;Partners&gt;"));
  EXPECT_THAT(html, HasSubstr("&quot;quoted&quot; &amp; &#39;single&#39;"));
  EXPECT_THAT(html, HasSubstr("&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;img "
                              "src=x onerror=alert(1)&gt;"));
  EXPECT_EQ(Count(html, "<table"), 2);
}

TEST(WritePlanHtmlTest, EmptyPlanStillRenders) {
  const std::string html = WritePlanHtml(PlanDocument(), kSeedToday);
  EXPECT_THAT(html, HasSubstr("<h1>Prevent plan</h1>"));
  EXPECT_THAT(html, HasSubstr("This plan has no activities yet."));
  EXPECT_TRUE(absl::EndsWith(html, "</html>\n"));
}

void RunChromium(const TempDir& dir, const std::vector<std::string>& args,
                 const std::string& log) {
  const absl::Status ran =
      prevent::plan::test_support::RunHeadlessChromium(dir, args, log);
  ASSERT_TRUE(ran.ok()) << ran;
}

// Renders the seed-like plan with headless Chromium, as a screenshot and as
// a PDF. Set PLAN_HTML_SCREENSHOT to a path to keep the screenshot there.
TEST(WritePlanHtmlTest, RendersInHeadlessChromium) {
  if (!prevent::plan::test_support::HaveChromium()) {
    GTEST_SKIP() << "chromium not installed: apt-get install chromium";
  }
  absl::StatusOr<TempDir> dir = TempDir::Create("html-test");
  ASSERT_TRUE(dir.ok()) << dir.status();
  const std::string html_path = dir->Subpath("plan.html");
  {
    std::ofstream out(html_path, std::ios::binary);
    out << WritePlanHtml(SeedLikeDocument(), kSeedToday);
    ASSERT_TRUE(out.good());
  }
  const std::string url = absl::StrCat("file://", html_path);
  const std::string png = dir->Subpath("plan.png");
  const std::string pdf = dir->Subpath("plan.pdf");
  RunChromium(
      *dir,
      {"--window-size=1600,1200", absl::StrCat("--screenshot=", png), url},
      dir->Subpath("chromium-png.log"));
  RunChromium(
      *dir,
      {"--no-pdf-header-footer", absl::StrCat("--print-to-pdf=", pdf), url},
      dir->Subpath("chromium-pdf.log"));
  // A blank 1600x1200 PNG is a few kB; a rendered plan is far larger.
  EXPECT_GT(FileSize(png), 50000) << png;
  EXPECT_GT(FileSize(pdf), 20000) << pdf;
  std::ifstream pdf_file(pdf, std::ios::binary);
  std::stringstream pdf_bytes;
  pdf_bytes << pdf_file.rdbuf();
  EXPECT_TRUE(absl::StartsWith(pdf_bytes.str(), "%PDF-"));
  EXPECT_GE(Count(pdf_bytes.str(), "/Type /Page") +
                Count(pdf_bytes.str(), "/Type/Page"),
            2);
  if (const char* keep = std::getenv("PLAN_HTML_SCREENSHOT");
      keep != nullptr && *keep != '\0') {
    std::ifstream from(png, std::ios::binary);
    std::ofstream to(keep, std::ios::binary);
    to << from.rdbuf();
    EXPECT_TRUE(to.good()) << keep;
    const std::string keep_pdf = absl::StrCat(keep, ".pdf");
    std::ifstream from_pdf(pdf, std::ios::binary);
    std::ofstream to_pdf(keep_pdf, std::ios::binary);
    to_pdf << from_pdf.rdbuf();
  }
}

}  // namespace
}  // namespace plan
