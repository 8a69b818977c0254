#include "libplan/formats/naming.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace plan {
namespace {

struct Alias {
  absl::string_view written;  // as SlugId gives it
  absl::string_view full;     // the display name
};

// Abbreviations and variants seen in Staffordshire plans.
constexpr Alias kAliases[] = {
    {"ssc", "South Staffordshire Council"},
    {"ssdc", "South Staffordshire Council"},
    {"south-staffordshire-district-council", "South Staffordshire Council"},
    {"staffs-police", "Staffordshire Police"},
    {"scc", "Staffordshire County Council"},
    {"staffs-county-council", "Staffordshire County Council"},
    {"staffs-cc", "Staffordshire County Council"},
    {"south-staffs-council", "South Staffordshire Council"},
    {"south-staffs-district-council", "South Staffordshire Council"},
    {"south-staffordshire-dc", "South Staffordshire Council"},
    // The force's Prevent team, as lead cells write it.
    {"staffordshire-police-prevent", "Staffordshire Police"},
    {"staffordshire-police-prevent-team", "Staffordshire Police"},
    {"staffs-police-prevent", "Staffordshire Police"},
    {"support-staffs", "Support Staffordshire"},
};

const Alias* FindAlias(absl::string_view slug) {
  for (const Alias& alias : kAliases) {
    if (alias.written == slug) return &alias;
  }
  return nullptr;
}

}  // namespace

std::string SlugId(absl::string_view text, size_t max_length) {
  if (max_length > 63) max_length = 63;
  std::string slug;
  bool dash = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = absl::ascii_tolower(static_cast<unsigned char>(text[i]));
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      if (dash && !slug.empty()) slug += '-';
      dash = false;
      slug += c;
    } else if (c == '&') {
      if (!slug.empty()) slug += '-';
      slug += "and";
      dash = true;
    } else {
      dash = true;
    }
  }
  if (slug.size() > max_length) {
    const size_t cut = slug.rfind('-', max_length);
    slug.resize(cut != std::string::npos && cut > max_length / 2 ? cut
                                                                 : max_length);
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  return slug.empty() ? "x" : slug;
}

std::string OrganisationIdFor(absl::string_view written) {
  const std::string slug = SlugId(written, 63);
  if (const Alias* alias = FindAlias(slug)) return SlugId(alias->full, 63);
  return slug;
}

std::string OrganisationDisplayName(absl::string_view written) {
  if (const Alias* alias = FindAlias(SlugId(written, 63))) {
    return std::string(alias->full);
  }
  return absl::StrJoin(
      absl::StrSplit(written, absl::ByAnyChar(" \t\r\n"), absl::SkipEmpty()),
      " ");
}

}  // namespace plan
