// Text helpers that the parts of the prevent-text importer (prevent_text.h)
// share: what a word or a cell looks like. Every text they are given is valid
// UTF-8 (SplitLines, prevent_lines.h, checks the input); "letter", "upper"
// and "lower case" mean ASCII unless a function says otherwise.
#ifndef LIBPLAN_FORMATS_PREVENT_WORDS_H_
#define LIBPLAN_FORMATS_PREVENT_WORDS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "libplan/formats/import_support.h"

namespace plan::prevent_text {

// Whether `text` has a letter: an ASCII letter, or a character beyond U+00BF
// other than the punctuation of U+2000-U+206F (dashes, quotes).
bool HasLetter(absl::string_view text);
// Whether `text` has a letter (as HasLetter) or an ASCII digit.
bool HasAlnum(absl::string_view text);
// Whether `text` has a lower-case letter.
bool HasLower(absl::string_view text);
// Whether `text` starts with a lower-case (upper-case) letter.
bool StartsLower(absl::string_view text);
bool StartsUpper(absl::string_view text);

// The words of `text`: what single spaces separate, none empty.
std::vector<absl::string_view> Words(absl::string_view text);
// `text` in lower case.
std::string Lower(absl::string_view text);
// The letters of `word`, lower case ("Jewell/Maggie" -> "jewellmaggie").
std::string LettersOf(absl::string_view word);

// The length in bytes of the dash `text` starts with ("-", en dash, em
// dash), or 0 when it starts with none.
size_t DashLength(absl::string_view text);
// Whether `text` ends with one of those dashes.
bool EndsWithDash(absl::string_view text);

// Whether `word` is one after which a sentence cannot end ("and", "of",
// "the", "including", ...), in any case.
bool IsConnectingWord(absl::string_view word);

// `text` cut to `max_chars` characters. When it is cut, warns at `line` that
// `what` ("the activity title") was that long.
std::string FitText(absl::string_view text, size_t max_chars, int line,
                    absl::string_view what, WarningSink* warnings);

}  // namespace plan::prevent_text

#endif  // LIBPLAN_FORMATS_PREVENT_WORDS_H_
