#include "libplan/formats/import_support.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libplan/util/utf8.h"

namespace plan {

std::string QuoteForMessage(absl::string_view text) {
  constexpr size_t kMaxChars = 60;
  const absl::string_view shown = Utf8Prefix(text, kMaxChars);
  if (shown.size() < text.size()) {
    return absl::StrCat("\"", shown, "\u2026\"");
  }
  return absl::StrCat("\"", text, "\"");
}

std::string CollapseSpaces(absl::string_view text) {
  return absl::StrJoin(
      absl::StrSplit(text, absl::ByAnyChar(" \t\r\n\f\v"), absl::SkipEmpty()),
      " ");
}

std::string PositionKey(size_t index, size_t count) {
  size_t width = 4;
  for (size_t limit = 10000; count >= limit && width < 20; limit *= 10) {
    ++width;
  }
  const std::string digits = absl::StrCat(index + 1);
  return std::string(width - std::min(width, digits.size()), '0') + digits;
}

std::string UniqueIds::Unique(const std::string& base) {
  if (used_.insert(base).second) return base;
  for (int& k = next_[base];;) {
    k = std::max(k, 2);
    const std::string suffix = absl::StrCat("-", k++);
    std::string stem = base.substr(0, 63 - suffix.size());
    while (!stem.empty() && stem.back() == '-') stem.pop_back();
    std::string id = stem.empty() ? absl::StrCat("x", suffix) : stem + suffix;
    if (used_.insert(id).second) return id;
  }
}

void WarningSink::Warn(int line, std::string message) {
  if (out_->size() < kMaxListed) {
    out_->push_back({line, std::move(message)});
  } else {
    ++dropped_;
  }
}

void WarningSink::Finish(int last_line) {
  if (dropped_ == 0) return;
  out_->push_back({last_line, absl::StrCat(dropped_,
                                           " more warnings like those above "
                                           "are not listed")});
  dropped_ = 0;
}

}  // namespace plan
