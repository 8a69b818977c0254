#include "libplan/formats/prevent_word_repair.h"

#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libplan/formats/prevent_words.h"

namespace plan::prevent_text {
namespace {

// Common words, beside the document's own, for telling a split word.
constexpr absl::string_view kCommonWords[] = {
    "a",          "about",        "advice",   "against",
    "all",        "and",          "are",      "as",
    "at",         "be",           "being",    "by",
    "challenge",  "drawn",        "ensuring", "extremism",
    "for",        "from",         "given",    "ideological",
    "in",         "institutions", "into",     "is",
    "it",         "of",           "on",       "or",
    "people",     "preventing",   "promote",  "radicalisation",
    "responding", "risks",        "sectors",  "support",
    "terrorism",  "that",         "the",      "their",
    "there",      "they",         "those",    "threat",
    "to",         "where",        "who",      "with",
    "working"};

// The trailing letters of `text` ("people f" -> "f").
absl::string_view TrailingLetters(absl::string_view text) {
  size_t i = text.size();
  while (i > 0 &&
         absl::ascii_isalpha(static_cast<unsigned char>(text[i - 1]))) {
    --i;
  }
  return text.substr(i);
}

// The leading letters of `text` ("rom being" -> "rom").
absl::string_view LeadingLetters(absl::string_view text) {
  size_t i = 0;
  while (i < text.size() &&
         absl::ascii_isalpha(static_cast<unsigned char>(text[i]))) {
    ++i;
  }
  return text.substr(0, i);
}

// Appends `next` to `*text`, where the cell boundary between them may have cut
// a word: `x` is the letters `*text` ends with, `y` those `next` starts with,
// neither empty.
void JoinAtBoundary(const std::string& x, const std::string& y,
                    const std::string& next, const Vocabulary& vocabulary,
                    const WordCounts& row, std::string* text,
                    std::vector<std::string>* repairs) {
  const std::string lx = Lower(x), ly = Lower(y);
  const bool both_known =
      vocabulary.Knows(lx, row) && vocabulary.Knows(ly, row);
  const std::string cut = absl::StrCat("\"", x, "|", y, "\" as \"");
  if (!both_known && vocabulary.Knows(lx + ly, row)) {
    repairs->push_back(absl::StrCat(cut, x, y, "\""));
    absl::StrAppend(text, next);
    return;
  }
  if (!both_known && absl::EndsWith(lx, "r") && absl::StartsWith(ly, "n") &&
      vocabulary.Knows(
          absl::StrCat(lx.substr(0, lx.size() - 1), "m", ly.substr(1)), row)) {
    // A split "m" read as "r" + "n": "terrorisr|n" is "terrorism".
    text->back() = 'm';
    repairs->push_back(
        absl::StrCat(cut, x.substr(0, x.size() - 1), "m", y.substr(1), "\""));
    absl::StrAppend(text, absl::string_view(next).substr(1));
    return;
  }
  if ((x.size() == 1 && lx != "a" && lx != "i") ||
      (y.size() == 1 && ly != "a" && ly != "i")) {
    repairs->push_back(absl::StrCat(cut, x, y, "\""));
    absl::StrAppend(text, next);
    return;
  }
  absl::StrAppend(text, " ", next);
}

}  // namespace

Vocabulary::Vocabulary(const std::vector<std::string>& lines) {
  for (const std::string& line : lines) {
    for (const std::string& word : WordsOf(line)) ++counts_[word];
  }
}

std::vector<std::string> Vocabulary::WordsOf(absl::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (absl::ascii_isalpha(static_cast<unsigned char>(c))) {
      word += absl::ascii_tolower(static_cast<unsigned char>(c));
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

WordCounts Vocabulary::Count(absl::string_view text) {
  WordCounts counts;
  for (std::string& word : WordsOf(text)) ++counts[std::move(word)];
  return counts;
}

bool Vocabulary::Knows(const std::string& word, const WordCounts& row) const {
  for (absl::string_view common : kCommonWords) {
    if (word == common) return true;
  }
  auto it = counts_.find(word);
  if (it == counts_.end()) return false;
  auto in_row = row.find(word);
  return it->second > (in_row == row.end() ? 0 : in_row->second);
}

std::string RejoinCells(std::string text, absl::Span<const std::string> cells,
                        absl::string_view row,
                        absl::FunctionRef<const Vocabulary&()> vocabulary,
                        std::vector<std::string>* repairs) {
  std::optional<WordCounts> row_words;
  for (const std::string& next : cells) {
    if (next.empty()) continue;
    const std::string x(TrailingLetters(text));
    const std::string y(LeadingLetters(next));
    if (x.empty() || y.empty()) {
      absl::StrAppend(&text, text.empty() ? "" : " ", next);
      continue;
    }
    if (!row_words.has_value()) row_words = Vocabulary::Count(row);
    JoinAtBoundary(x, y, next, vocabulary(), *row_words, &text, repairs);
  }
  return text;
}

}  // namespace plan::prevent_text
