#include "libplan/formats/prevent_words.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libplan/util/utf8.h"

namespace plan::prevent_text {

bool HasLetter(absl::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<uint8_t>(text[i]);
    if (absl::ascii_isalpha(byte)) return true;
    if (byte < 0xC3 || IsUtf8ContinuationByte(text[i])) continue;
    const bool punctuation = byte == 0xE2 && i + 1 < text.size() &&
                             (static_cast<uint8_t>(text[i + 1]) == 0x80 ||
                              static_cast<uint8_t>(text[i + 1]) == 0x81);
    if (!punctuation) return true;
  }
  return false;
}

bool HasAlnum(absl::string_view text) {
  for (char c : text) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) return true;
  }
  return HasLetter(text);
}

bool HasLower(absl::string_view text) {
  for (char c : text) {
    if (absl::ascii_islower(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

bool StartsLower(absl::string_view text) {
  return !text.empty() &&
         absl::ascii_islower(static_cast<unsigned char>(text[0]));
}

bool StartsUpper(absl::string_view text) {
  return !text.empty() &&
         absl::ascii_isupper(static_cast<unsigned char>(text[0]));
}

std::vector<absl::string_view> Words(absl::string_view text) {
  return absl::StrSplit(text, ' ', absl::SkipEmpty());
}

std::string Lower(absl::string_view text) {
  return absl::AsciiStrToLower(text);
}

std::string LettersOf(absl::string_view word) {
  std::string out;
  for (char c : word) {
    if (absl::ascii_isalpha(static_cast<unsigned char>(c))) {
      out += absl::ascii_tolower(static_cast<unsigned char>(c));
    }
  }
  return out;
}

size_t DashLength(absl::string_view text) {
  if (absl::StartsWith(text, "-")) return 1;
  if (absl::StartsWith(text, "\xE2\x80\x93") ||  // en dash
      absl::StartsWith(text, "\xE2\x80\x94")) {  // em dash
    return 3;
  }
  return 0;
}

bool EndsWithDash(absl::string_view text) {
  return absl::EndsWith(text, "-") || absl::EndsWith(text, "\xE2\x80\x93") ||
         absl::EndsWith(text, "\xE2\x80\x94");
}

bool IsConnectingWord(absl::string_view word) {
  static constexpr absl::string_view kWords[] = {
      "a",    "an",   "and", "as",    "at",   "by",       "e.g.", "for",
      "from", "i.e.", "in",  "into",  "its",  "of",       "on",   "or",
      "our",  "such", "the", "their", "this", "that",     "to",   "via",
      "with", "is",   "are", "be",    "incl", "including"};
  const std::string lower = Lower(word);
  for (absl::string_view w : kWords) {
    if (lower == w) return true;
  }
  return false;
}

std::string FitText(absl::string_view text, size_t max_chars, int line,
                    absl::string_view what, WarningSink* warnings) {
  const size_t chars = Utf8CharCount(text);
  if (chars <= max_chars) return std::string(text);
  warnings->Warn(line, absl::StrCat(what, " is ", chars,
                                    " characters long: cut to ", max_chars));
  return std::string(Utf8Prefix(text, max_chars));
}

}  // namespace plan::prevent_text
