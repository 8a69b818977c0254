// The web app's files as built into the binary: each has a type, every
// file the page and its modules name is there, and GOV.UK Frontend's
// stylesheet comes without the GOV.UK font (docs/web.md).
#include "libplan/http/web_assets.h"

#include <regex>
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace plan {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The directory of an asset path: "/assets/js/pages/" of
// "/assets/js/pages/plan.js".
std::string DirectoryOf(std::string_view path) {
  return std::string(path.substr(0, path.rfind('/') + 1));
}

// "a/../b/./c" resolved.
std::string Resolve(const std::string& base, const std::string& relative) {
  std::string joined = base + relative;
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= joined.size()) {
    const size_t slash = joined.find('/', start);
    const std::string part = joined.substr(
        start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (part != "." && !part.empty()) {
      parts.push_back(part);
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  std::string out;
  for (const std::string& part : parts) out += "/" + part;
  return out;
}

TEST(WebAssetsTest, ThePageAndEveryModuleItNamesAreBuiltIn) {
  const WebAsset* page = FindWebAsset("/");
  ASSERT_NE(page, nullptr);
  EXPECT_EQ(page->content_type, "text/html; charset=utf-8");
  EXPECT_THAT(std::string(page->body), HasSubstr("<html lang=\"en-GB\""));

  std::set<std::string> named;
  const std::regex in_page("(?:href|src)=\"(/assets/[^\"]+)\"");
  const std::string html(page->body);
  for (std::sregex_iterator it(html.begin(), html.end(), in_page), end;
       it != end; ++it) {
    named.insert((*it)[1]);
  }
  EXPECT_EQ(named.size(), 4u);  // the icon, two stylesheets, app.js
  // Every import of every module names a module that is built in.
  const std::regex import("from '(\\.{1,2}/[^']+)'");
  for (const WebAsset& asset : WebAssets()) {
    EXPECT_FALSE(asset.body.empty()) << asset.path;
    EXPECT_FALSE(asset.content_type.empty()) << asset.path;
    if (asset.content_type.find("javascript") == std::string_view::npos) {
      continue;
    }
    const std::string code(asset.body);
    for (std::sregex_iterator it(code.begin(), code.end(), import), end;
         it != end; ++it) {
      named.insert(Resolve(DirectoryOf(asset.path), (*it)[1]));
    }
  }
  for (const std::string& path : named) {
    EXPECT_NE(FindWebAsset(path), nullptr) << path << " is named but missing";
  }
  EXPECT_EQ(FindWebAsset("/assets/nothing.js"), nullptr);
  EXPECT_EQ(FindWebAsset("/index.html"), nullptr);
}

TEST(WebAssetsTest, GovukFrontendComesWithoutTheGovukFont) {
  const WebAsset* css = FindWebAsset("/assets/govuk-frontend.min.css");
  ASSERT_NE(css, nullptr);
  EXPECT_GT(css->body.size(), 50'000u);
  EXPECT_THAT(std::string(css->body), HasSubstr(".govuk-table"));
  EXPECT_THAT(std::string(css->body), Not(HasSubstr("GDS Transport")));
  EXPECT_THAT(std::string(css->body), Not(HasSubstr("@font-face")));
  EXPECT_THAT(std::string(css->body), Not(HasSubstr("sourceMappingURL")));
  for (const WebAsset& asset : WebAssets()) {
    EXPECT_THAT(std::string(asset.body), Not(HasSubstr("govuk-crest")))
        << asset.path;
  }
}

}  // namespace
}  // namespace plan
