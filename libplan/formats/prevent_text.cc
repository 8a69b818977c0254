#include "libplan/formats/prevent_text.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libplan/formats/import_support.h"
#include "libplan/formats/naming.h"
#include "libplan/formats/timescale.h"
#include "libplan/model/names.h"
#include "libplan/model/rag.h"
#include "libplan/model/validation.h"
#include "libplan/util/errors.h"

namespace plan {
namespace {

// ---------------------------------------------------------------------------
// Text helpers. Every string here is valid UTF-8 (checked on input).

bool IsContinuationByte(char c) {
  return (static_cast<uint8_t>(c) & 0xC0) == 0x80;
}

size_t CharCount(absl::string_view text) {
  size_t count = 0;
  for (char c : text) count += IsContinuationByte(c) ? 0 : 1;
  return count;
}

// The longest prefix of `text` with at most `max_chars` characters.
absl::string_view CutChars(absl::string_view text, size_t max_chars) {
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (IsContinuationByte(text[i])) continue;
    if (chars == max_chars) return text.substr(0, i);
    ++chars;
  }
  return text;
}

// Whether `text` has a letter: an ASCII letter, or a character beyond
// U+00BF other than the punctuation of U+2000-U+206F (dashes, quotes).
bool HasLetter(absl::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<uint8_t>(text[i]);
    if (absl::ascii_isalpha(byte)) return true;
    if (byte < 0xC3 || IsContinuationByte(text[i])) continue;
    const bool punctuation = byte == 0xE2 && i + 1 < text.size() &&
                             (static_cast<uint8_t>(text[i + 1]) == 0x80 ||
                              static_cast<uint8_t>(text[i + 1]) == 0x81);
    if (!punctuation) return true;
  }
  return false;
}

// Whether `text` has a letter or a digit.
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

// The letters of `word`, lower case ("Jewell/Maggie" -> "jewellmaggie").
std::string LettersOf(absl::string_view word) {
  std::string out;
  for (char c : word) {
    if (absl::ascii_isalpha(static_cast<unsigned char>(c))) {
      out += absl::ascii_tolower(static_cast<unsigned char>(c));
    }
  }
  return out;
}

// Whether `text` starts with one of the dashes plans use, and its length.
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

// Whether a timescale cell ends inside a range ("Feb 2024 –"), so that the
// next timescale cell completes it.
bool EndsInsideRange(absl::string_view timescale) {
  if (EndsWithDash(timescale)) return true;
  const std::string lower = Lower(timescale);
  return absl::EndsWith(lower, " to") || absl::EndsWith(lower, " until");
}

// Words after which a sentence cannot end.
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

// Whether the text of a cell stops mid-sentence: the next line of the same
// cell continues it.
bool EndsOpen(absl::string_view text) {
  if (text.empty()) return false;
  const char last = text.back();
  if (last == ',' || last == '&' || last == '/' || last == '(' ||
      EndsWithDash(text)) {
    return true;
  }
  const size_t space = text.rfind(' ');
  return IsConnectingWord(
      space == absl::string_view::npos ? text : text.substr(space + 1));
}

// Splits `text` into sentences at ". ", "? " and "! " before a capital.
std::vector<std::string> Sentences(absl::string_view text) {
  static constexpr absl::string_view kAbbreviations[] = {
      "e.g.", "i.e.", "etc.", "mr.", "mrs.", "ms.", "dr.", "st.", "no."};
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i + 2 < text.size(); ++i) {
    const char c = text[i];
    if ((c != '.' && c != '?' && c != '!') || text[i + 1] != ' ' ||
        !absl::ascii_isupper(static_cast<unsigned char>(text[i + 2]))) {
      continue;
    }
    const size_t word_start = text.rfind(' ', i);
    const absl::string_view word = text.substr(
        word_start == absl::string_view::npos ? 0 : word_start + 1,
        i + 1 - (word_start == absl::string_view::npos ? 0 : word_start + 1));
    bool abbreviation = LettersOf(word).size() <= 1;
    for (absl::string_view a : kAbbreviations) {
      if (Lower(word) == a) abbreviation = true;
    }
    if (abbreviation) continue;
    out.push_back(std::string(text.substr(start, i + 1 - start)));
    start = i + 2;
  }
  out.push_back(std::string(text.substr(start)));
  return out;
}

// ---------------------------------------------------------------------------
// Input checks.

absl::Status InputError(int line, int column, absl::string_view why) {
  return Error(absl::StatusCode::kInvalidArgument, "INVALID_ARGUMENT",
               absl::StrCat("line ", line, ", column ", column, ": ", why));
}

// The lines of `content`, checked: valid UTF-8, text not binary, no line
// over the limit. Line ends are LF or CRLF; other control characters become
// spaces (with a warning), as does U+00A0.
absl::StatusOr<std::vector<std::string>> SplitLines(
    absl::string_view content, std::vector<FormatWarning>* warnings) {
  if (content.empty()) return InputError(1, 1, "the input is empty");
  if (content.size() > kMaxPreventTextBytes) {
    int line = 1, column = 1;
    for (size_t i = 0; i < kMaxPreventTextBytes; ++i) {
      if (content[i] == '\n') {
        ++line;
        column = 1;
      } else if (!IsContinuationByte(content[i])) {
        ++column;
      }
    }
    return InputError(
        line, column,
        absl::StrCat("the input is ", content.size(), " bytes; at most ",
                     kMaxPreventTextBytes,
                     " (10 MiB) are read: import the plan table only"));
  }
  if (absl::StartsWith(content, "\xFF\xFE") ||
      absl::StartsWith(content, "\xFE\xFF")) {
    return InputError(1, 1,
                      "the input is UTF-16 (it starts with a UTF-16 byte "
                      "order mark); save it as UTF-8");
  }
  size_t begin = 0;
  if (absl::StartsWith(content, "\xEF\xBB\xBF")) begin = 3;

  std::vector<std::string> lines;
  std::string current;
  int line = 1, column = 1;
  size_t line_bytes = 0;
  size_t characters = 0, controls = 0;
  int control_line = 0, control_column = 0;
  uint8_t control_byte = 0;
  for (size_t i = begin; i < content.size();) {
    const auto byte = static_cast<uint8_t>(content[i]);
    if (byte == '\n') {
      if (!current.empty() && current.back() == '\r') current.pop_back();
      lines.push_back(std::move(current));
      current.clear();
      ++line;
      column = 1;
      line_bytes = 0;
      ++i;
      continue;
    }
    if (line_bytes >= kMaxPreventTextLineBytes &&
        !(byte == '\r' && i + 1 < content.size() && content[i + 1] == '\n')) {
      return InputError(
          line, column,
          absl::StrCat("the line is longer than ", kMaxPreventTextLineBytes,
                       " bytes (1 MiB): this is not a plan "
                       "table extracted from a document"));
    }
    if (byte == 0) {
      return InputError(line, column,
                        "a NUL byte: the input is binary data, not text");
    }
    size_t length = 1;
    if (byte < 0x80) {
      const bool control = (byte < 0x20 && byte != '\t' && byte != '\r' &&
                            byte != '\f' && byte != '\v') ||
                           byte == 0x7F;
      if (control) {
        if (controls++ == 0) {
          control_line = line;
          control_column = column;
          control_byte = byte;
        }
        current += ' ';
      } else if (byte == '\f' || byte == '\v' ||
                 (byte == '\r' &&
                  !(i + 1 < content.size() && content[i + 1] == '\n'))) {
        current += ' ';
      } else {
        current += static_cast<char>(byte);
      }
    } else {
      uint32_t cp = 0;
      if ((byte & 0xE0) == 0xC0) {
        length = 2;
        cp = byte & 0x1F;
      } else if ((byte & 0xF0) == 0xE0) {
        length = 3;
        cp = byte & 0x0F;
      } else if ((byte & 0xF8) == 0xF0) {
        length = 4;
        cp = byte & 0x07;
      } else {
        length = 0;
      }
      bool valid = length != 0 && i + length <= content.size();
      for (size_t k = 1; valid && k < length; ++k) {
        const auto next = static_cast<uint8_t>(content[i + k]);
        if ((next & 0xC0) != 0x80) valid = false;
        cp = (cp << 6) | (next & 0x3F);
      }
      static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
      if (valid && (cp < kMinForLength[length] || cp > 0x10FFFF ||
                    (cp >= 0xD800 && cp <= 0xDFFF))) {
        valid = false;
      }
      if (!valid) {
        return InputError(
            line, column,
            absl::StrFormat("invalid UTF-8 (byte 0x%02X at byte offset %d); "
                            "the input must be UTF-8 text",
                            byte, i));
      }
      if (cp == 0xA0) {
        current += ' ';  // no-break space
      } else {
        current.append(content.data() + i, length);
      }
    }
    i += length;
    line_bytes += length;
    ++column;
    ++characters;
  }
  if (!current.empty() && current.back() == '\r') current.pop_back();
  lines.push_back(std::move(current));

  if (controls > 0) {
    if (controls * 10 > characters) {
      return InputError(
          control_line, control_column,
          absl::StrFormat("control character 0x%02X: the input is binary "
                          "data, not text (%d of %d characters are control "
                          "characters)",
                          control_byte, controls, characters));
    }
    warnings->push_back(
        {control_line,
         absl::StrFormat("%d control character(s) (the first, 0x%02X, at "
                         "column %d) read as spaces",
                         controls, control_byte, control_column)});
  }
  return lines;
}

// ---------------------------------------------------------------------------
// Rows and columns.

struct Columns {
  int activity = 0;
  int lead = 1;
  int action = 2;
  int timescale = 3;
  int rag = 4;
  int width = 5;  // cells in the header row
};

std::vector<std::string> Cells(absl::string_view line) {
  std::vector<std::string> cells;
  for (absl::string_view cell : absl::StrSplit(line, '\t')) {
    cells.push_back(CollapseSpaces(cell));
  }
  while (!cells.empty() && cells.back().empty()) cells.pop_back();
  return cells;
}

const std::string& CellAt(const std::vector<std::string>& cells, int index) {
  static const std::string* const kEmpty = new std::string();
  if (index < 0 || static_cast<size_t>(index) >= cells.size()) return *kEmpty;
  return cells[index];
}

// The columns a header row gives, or nullopt when `cells` is not one:
// "Activity", then cells naming the lead, actions, timescales and RAG.
std::optional<Columns> ColumnHeader(const std::vector<std::string>& cells) {
  if (cells.empty()) return std::nullopt;
  const std::string first = Lower(cells[0]);
  if (first != "activity" && first != "activities") return std::nullopt;
  Columns columns;
  columns.lead = columns.action = columns.timescale = columns.rag = -1;
  columns.width = static_cast<int>(cells.size());
  for (size_t i = 1; i < cells.size(); ++i) {
    const std::string cell = Lower(cells[i]);
    const int index = static_cast<int>(i);
    if (columns.lead < 0 && absl::StartsWith(cell, "lead")) {
      columns.lead = index;
    } else if (columns.action < 0 && absl::StartsWith(cell, "action")) {
      columns.action = index;
    } else if (columns.timescale < 0 &&
               (absl::StartsWith(cell, "timescale") ||
                absl::StartsWith(cell, "timeline") ||
                absl::StartsWith(cell, "target date") || cell == "when")) {
      columns.timescale = index;
    } else if (columns.rag < 0 &&
               (cell == "rag" || absl::StartsWith(cell, "rag ") ||
                cell == "status")) {
      columns.rag = index;
    }
  }
  if (columns.action < 0 || columns.timescale < 0) return std::nullopt;
  return columns;
}

// ---------------------------------------------------------------------------
// Lead cells: organisations, and the officer or note that remains.

// Partners known by a name with no generic head word.
constexpr absl::string_view kKnownOrganisations[] = {
    "Support Staffordshire",
    "Entrust",
    "Staffordshire Commissioner's Office",
    "Catch22",
    "Barnardo's",
    "Citizens Advice"};

// Words that end an organisation's name.
bool IsHeadWord(absl::string_view word) {
  static constexpr absl::string_view kHeads[] = {
      "council",    "councils", "police",      "constabulary",
      "probation",  "trust",    "service",     "college",
      "university", "hospital", "commissioner"};
  const std::string letters = LettersOf(word);
  for (absl::string_view head : kHeads) {
    if (letters == head) return true;
  }
  return false;
}

// Words that come before a head word in an organisation's name.
bool IsModifierWord(absl::string_view word) {
  static constexpr absl::string_view kModifiers[] = {
      "county",    "district",    "borough",      "city",   "parish",
      "town",      "unitary",     "metropolitan", "fire",   "and",
      "rescue",    "nhs",         "foundation",   "health", "care",
      "ambulance", "partnership", "community",    "youth",  "offending"};
  const std::string letters = LettersOf(word);
  for (absl::string_view m : kModifiers) {
    if (letters == m) return true;
  }
  return word == "&";
}

// Places (Staffordshire and its neighbours) that begin organisations' names.
bool IsPlaceWord(absl::string_view word) {
  static constexpr absl::string_view kPlaces[] = {
      "staffordshire", "staffs",       "south",
      "north",         "east",         "west",
      "stoke",         "stokeontrent", "stafford",
      "cannock",       "chase",        "lichfield",
      "tamworth",      "newcastle",    "newcastleunderlyme",
      "moorlands",     "midlands",     "wolverhampton",
      "walsall",       "dudley",       "birmingham",
      "shropshire",    "derbyshire",   "cheshire",
      "telford",       "wrekin",       "mercia",
      "sandwell",      "trent",        "on",
      "under",         "lyme"};
  const std::string letters = LettersOf(word);
  for (absl::string_view p : kPlaces) {
    if (letters == p) return true;
  }
  return false;
}

bool IsPrisonPrefix(absl::string_view word) {
  const std::string letters = LettersOf(word);
  return StartsUpper(word) && (letters == "hmp" || letters == "yoi" ||
                               letters == "hmyoi" || letters == "hmpyoi");
}

bool IsRoleWord(absl::string_view word) {
  static constexpr absl::string_view kRoles[] = {
      "coordinator", "officer",  "manager",      "lead",      "team",
      "head",        "director", "champion",     "champions", "chair",
      "board",       "officers", "coordinators", "leads",     "teams",
      "adviser",     "advisor",  "practitioner", "worker",    "safeguarding"};
  const std::string letters = LettersOf(word);
  for (absl::string_view r : kRoles) {
    if (letters == r) return true;
  }
  return false;
}

bool IsAllPartners(absl::string_view text) {
  static constexpr absl::string_view kAll[] = {"all",
                                               "all partners",
                                               "all agencies",
                                               "all organisations",
                                               "all partner agencies",
                                               "partners",
                                               "all parties",
                                               "all staff"};
  const std::string lower = Lower(text);
  for (absl::string_view a : kAll) {
    if (lower == a) return true;
  }
  return false;
}

struct LeadReading {
  std::vector<std::string> organisations;  // as written
  std::string officer;                     // as written, or empty
  std::vector<std::string> notes;          // what was assumed
};

// Splits a lead cell into organisations and what remains.
LeadReading ReadLead(absl::string_view text) {
  LeadReading reading;
  if (text.empty()) return reading;
  if (IsAllPartners(text)) {
    reading.officer = std::string(text);
    reading.notes.push_back(
        absl::StrCat(QuoteForMessage(text),
                     " names no single organisation: read as all partners, "
                     "with no lead organisation"));
    return reading;
  }
  const std::vector<absl::string_view> words = Words(text);
  const size_t n = words.size();
  // The organisation each word belongs to (-1: none), and each
  // organisation's words [first, last).
  std::vector<int> owner(n, -1);
  std::vector<std::pair<size_t, size_t>> spans;
  const auto claim = [&](size_t first, size_t last) {
    for (size_t k = first; k < last; ++k)
      owner[k] = static_cast<int>(spans.size());
    spans.push_back({first, last});
  };
  // Known partners.
  for (absl::string_view known : kKnownOrganisations) {
    const std::vector<absl::string_view> known_words = Words(known);
    for (size_t i = 0; i + known_words.size() <= n; ++i) {
      bool match = true;
      for (size_t k = 0; k < known_words.size() && match; ++k) {
        // Whole words only: "Staffordshire's" is not "Staffordshire".
        match = owner[i + k] < 0 &&
                absl::EqualsIgnoreCase(words[i + k], known_words[k]);
      }
      if (match) claim(i, i + known_words.size());
    }
  }
  // Prisons: "HMP Oakwood", "YOI Brinsford", "HMP & YOI Brinsford".
  for (size_t i = 0; i < n; ++i) {
    if (owner[i] >= 0 || !IsPrisonPrefix(words[i])) continue;
    size_t k = i + 1;
    while (k < n && owner[k] < 0 &&
           (IsPrisonPrefix(words[k]) || words[k] == "&" ||
            Lower(words[k]) == "and")) {
      ++k;
    }
    if (k < n && owner[k] < 0 && StartsUpper(words[k]) &&
        !IsPrisonPrefix(words[k])) {
      claim(i, k + 1);
      i = k;
    }
  }
  // Head words: "South Staffordshire Council", "Staffordshire Police".
  for (size_t i = 0; i < n; ++i) {
    if (owner[i] >= 0 || !IsHeadWord(words[i]) || !StartsUpper(words[i])) {
      continue;
    }
    size_t first = i;
    bool place = false;
    while (first > 0 && owner[first - 1] < 0) {
      const absl::string_view before = words[first - 1];
      if (!StartsUpper(before) && before != "&" && Lower(before) != "and" &&
          Lower(before) != "on" && Lower(before) != "under") {
        break;
      }
      if (IsPlaceWord(before)) {
        place = true;
      } else if (IsModifierWord(before)) {
        if (place) break;  // "... Council" after a place is another name
      } else if (place || absl::StrContains(before, "/") ||
                 IsRoleWord(before)) {
        break;
      }
      --first;
    }
    // A name begins with a capital ("on", "and" cannot begin one).
    while (first < i && !StartsUpper(words[first])) ++first;
    size_t last = i + 1;
    // "Staffordshire Police Prevent (Team)": the force's Prevent team.
    if (last < n && owner[last] < 0 && LettersOf(words[last]) == "prevent") {
      reading.notes.push_back(absl::StrCat(
          "read ",
          QuoteForMessage(absl::StrJoin(words.begin() + first,
                                        words.begin() + last + 1, " ")),
          " as ",
          absl::StrJoin(words.begin() + first, words.begin() + last, " "),
          " (its Prevent team)"));
      ++last;
      if (last < n && owner[last] < 0 && LettersOf(words[last]) == "team") {
        ++last;
      }
      claim(first, last);
      // The organisation is the name before "Prevent".
      spans.back().second = i + 1;
    } else {
      claim(first, last);
    }
    i = last - 1;
  }

  std::vector<std::pair<size_t, size_t>> ordered = spans;
  std::sort(ordered.begin(), ordered.end());
  for (const auto& [first, last] : ordered) {
    reading.organisations.push_back(
        absl::StrJoin(words.begin() + first, words.begin() + last, " "));
  }
  std::vector<absl::string_view> rest;
  for (size_t i = 0; i < n; ++i) {
    if (owner[i] < 0) rest.push_back(words[i]);
  }
  const std::string remainder = absl::StrJoin(rest, " ");
  if (reading.organisations.empty()) {
    bool role = false;
    for (absl::string_view word : rest) role = role || IsRoleWord(word);
    if (role) {
      reading.officer = std::string(text);
      reading.notes.push_back(
          absl::StrCat(QuoteForMessage(text),
                       " names a role but no organisation we know: kept as "
                       "the lead officer, with no lead organisation"));
    } else {
      reading.organisations.push_back(std::string(text));
      reading.notes.push_back(absl::StrCat("read ", QuoteForMessage(text),
                                           " as the name of one organisation"));
    }
    return reading;
  }
  if (remainder.empty()) return reading;
  // People: two or more capitalised words that say nothing of a role, a
  // place or a body ("Michelle Jewell/Maggie Quinn").
  bool role = false, people = rest.size() >= 2;
  for (absl::string_view word : rest) {
    role = role || IsRoleWord(word);
    people = people && StartsUpper(word) && HasLower(word) &&
             !IsPlaceWord(word) && !IsModifierWord(word) && !IsHeadWord(word);
  }
  if (!role && (IsConnectingWord(rest.back()) ||
                absl::EqualsIgnoreCase(rest.back(), "promoted"))) {
    // "Available online but promoted by South Staffordshire Council".
    reading.officer = std::string(text);
    reading.notes.push_back(
        absl::StrCat("lead ", QuoteForMessage(text), ": the organisation is ",
                     absl::StrJoin(reading.organisations, ", "),
                     "; the whole cell is kept as a note in the lead officer"));
  } else if (!role && people) {
    reading.officer = remainder;
    reading.notes.push_back(absl::StrCat(
        "the lead officer ", QuoteForMessage(remainder),
        " names people: kept as written, but the plan should name a role "
        "(it holds no personal data)"));
  } else {
    reading.officer = remainder;
  }
  return reading;
}

v1::OrganisationKind KindOf(absl::string_view display_name) {
  std::vector<std::string> words;
  for (absl::string_view word : Words(display_name)) {
    words.push_back(LettersOf(word));
  }
  const auto has = [&](std::initializer_list<absl::string_view> any) {
    for (const std::string& word : words) {
      for (absl::string_view w : any) {
        if (word == w) return true;
      }
    }
    return false;
  };
  if (has({"police", "constabulary"})) return v1::POLICE;
  if (has({"probation"})) return v1::PROBATION;
  if (has({"hmp", "yoi", "hmyoi", "hmpyoi", "prison", "prisons"})) {
    return v1::PRISON;
  }
  if (has({"council", "councils"})) return v1::COUNCIL;
  if (has({"nhs", "health", "hospital", "hospitals", "icb", "ccg",
           "clinical"})) {
    return v1::HEALTH;
  }
  if (has({"entrust", "school", "schools", "college", "colleges", "university",
           "academy", "education"})) {
    return v1::EDUCATION;
  }
  if (has({"voluntary", "cvs", "charity"}) ||
      Lower(display_name) == "support staffordshire") {
    return v1::VOLUNTARY;
  }
  return v1::OTHER;
}

// ---------------------------------------------------------------------------
// Rebuilding words split across cells of a spanning row.

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

class Vocabulary {
 public:
  explicit Vocabulary(const std::vector<std::string>& lines) {
    for (const std::string& line : lines) {
      for (const std::string& word : WordsOf(line)) ++counts_[word];
    }
  }

  // How often each word is in `text`.
  static absl::flat_hash_map<std::string, int> Count(absl::string_view text) {
    absl::flat_hash_map<std::string, int> counts;
    for (std::string& word : WordsOf(text)) ++counts[std::move(word)];
    return counts;
  }

  // Whether `word` (lower case) is a common word or one the document has
  // outside the row whose word counts are `row`.
  bool Knows(const std::string& word,
             const absl::flat_hash_map<std::string, int>& row) const {
    for (absl::string_view common : kCommonWords) {
      if (word == common) return true;
    }
    auto it = counts_.find(word);
    if (it == counts_.end()) return false;
    auto in_row = row.find(word);
    return it->second > (in_row == row.end() ? 0 : in_row->second);
  }

  static std::vector<std::string> WordsOf(absl::string_view text) {
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

 private:
  absl::flat_hash_map<std::string, int> counts_;
};

// The trailing letters of `text` ("people f" -> "f").
absl::string_view TrailingLetters(absl::string_view text) {
  size_t i = text.size();
  while (i > 0 &&
         absl::ascii_isalpha(static_cast<unsigned char>(text[i - 1]))) {
    --i;
  }
  return text.substr(i);
}

absl::string_view LeadingLetters(absl::string_view text) {
  size_t i = 0;
  while (i < text.size() &&
         absl::ascii_isalpha(static_cast<unsigned char>(text[i]))) {
    ++i;
  }
  return text.substr(0, i);
}

// ---------------------------------------------------------------------------
// The table as read, before it becomes resources.

struct RawRow {
  int line = 0;
  bool head = false;  // has a title cell: part of the activity's first rows
  bool wrap = false;  // continues every cell of the row above
  std::string owner;  // lead cell of a row that is not a head row
  std::string action;
  std::string timescale;
  std::string rag;
};

struct RawActivity {
  int line = 0;
  int strand = -1;  // index into strands
  std::vector<std::string> title_parts;
  std::vector<std::string> lead_parts;
  std::vector<RawRow> rows;
  bool in_head = true;
};

struct RawStrand {
  int line = 0;
  std::string title;
  std::string description;
};

// One date of an activity's timescale column.
struct DateEntry {
  std::string text;
  int line = 0;
  size_t row = 0;
};

// One action being assembled from rows.
struct ActionDraft {
  std::string text;
  std::string owner;
  int owner_line = 0;
  int line = 0;
  size_t first_row = 0;
  size_t last_row = 0;
  bool list = false;
  int list_items = 0;
  std::string rag;
  std::optional<v1::Timescale> timescale;
};

class Reader {
 public:
  Reader(std::vector<std::string> lines, ResourceName plan,
         std::vector<FormatWarning>* warnings)
      : lines_(std::move(lines)), plan_(std::move(plan)), warnings_(warnings) {}

  absl::StatusOr<PlanDocument> Read();

 private:
  void Warn(int line, std::string message) {
    warnings_.Warn(line, std::move(message));
  }
  // The last line of the input (not the empty one after a final newline).
  int LastLine() const {
    const size_t n = lines_.size();
    return static_cast<int>(n > 1 && lines_.back().empty() ? n - 1 : n);
  }

  // Fits text into `max_chars`, warning when it is cut.
  std::string Fit(absl::string_view text, size_t max_chars, int line,
                  absl::string_view what) {
    if (CharCount(text) <= max_chars) return std::string(text);
    Warn(line, absl::StrCat(what, " is ", CharCount(text),
                            " characters long: cut to ", max_chars));
    return std::string(CutChars(text, max_chars));
  }

  enum class RowKind { kBlank, kHeader, kDebris, kOther };
  RowKind Classify(const std::vector<std::string>& cells,
                   const Columns& columns, std::string* why) const;
  std::optional<RawStrand> StrandHeader(size_t index,
                                        const std::vector<std::string>& cells,
                                        const Columns& columns);
  void ReadPlanHeading(size_t header_index);
  void ReadTable(size_t header_index);
  void AddRow(RawActivity* activity, RawRow row, const std::string& lead);
  std::string Organisation(absl::string_view written);
  void BuildStrands();
  void BuildActivity(const RawActivity& raw, size_t index, size_t count,
                     UniqueIds* activity_ids);
  std::vector<ActionDraft> SplitActions(const RawActivity& raw,
                                        const std::vector<DateEntry>& dates);
  void AssignTimescales(const RawActivity& raw, std::vector<DateEntry> dates,
                        std::vector<ActionDraft>* actions);
  std::vector<std::string> SplitDates(const std::string& cell);
  v1::Timescale Timescale(const std::string& text, int line);

  std::vector<std::string> lines_;
  ResourceName plan_;
  WarningSink warnings_;
  std::optional<Vocabulary> vocabulary_;

  std::vector<RawStrand> strands_;
  std::vector<RawActivity> activities_;
  PlanDocument doc_;
  absl::flat_hash_map<std::string, size_t> organisation_index_;
  std::vector<std::string> strand_names_;
};

Reader::RowKind Reader::Classify(const std::vector<std::string>& cells,
                                 const Columns& columns,
                                 std::string* why) const {
  std::vector<size_t> filled;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (!cells[i].empty()) filled.push_back(i);
  }
  if (filled.empty()) return RowKind::kBlank;
  if (ColumnHeader(cells).has_value()) return RowKind::kHeader;
  bool any_alnum = false;
  for (size_t i : filled) any_alnum = any_alnum || HasAlnum(cells[i]);
  if (!any_alnum) {
    *why = "extraction debris";
    return RowKind::kDebris;
  }
  // A footer split one word per cell ("Working<TAB>to<TAB>make ..."): words
  // in every column, and in the RAG column one that is not a RAG status.
  bool one_word_each = filled.size() >= 4;
  for (size_t i : filled) {
    one_word_each = one_word_each && Words(cells[i]).size() == 1;
  }
  const std::string& rag = CellAt(cells, columns.rag);
  one_word_each = one_word_each && !rag.empty() && !ParseRag(rag).has_value();
  if (one_word_each || filled.back() >= static_cast<size_t>(columns.width)) {
    *why = "a page footer or header split across the columns";
    return RowKind::kDebris;
  }
  if (filled.size() == 1) {
    const std::string& text = cells[filled[0]];
    size_t letters = 0;
    for (char c : text) {
      letters += absl::ascii_isalpha(static_cast<unsigned char>(c)) ? 1 : 0;
    }
    if (!HasLower(text) && Words(text).size() >= 2 && letters >= 8 &&
        DashLength(text) == 0 && !absl::StrContains(text, " - ") &&
        !absl::StrContains(text, " \xE2\x80\x93 ")) {
      *why = "a page banner";
      return RowKind::kDebris;
    }
  }
  return RowKind::kOther;
}

std::optional<RawStrand> Reader::StrandHeader(
    size_t index, const std::vector<std::string>& cells,
    const Columns& columns) {
  if (cells.empty() || cells[0].empty()) return std::nullopt;
  if (!CellAt(cells, columns.timescale).empty() ||
      !CellAt(cells, columns.rag).empty()) {
    return std::nullopt;
  }
  // "Ideology - responding to ..."
  const std::string& first = cells[0];
  size_t word_end = 0;
  while (word_end < first.size() &&
         absl::ascii_isalpha(static_cast<unsigned char>(first[word_end]))) {
    ++word_end;
  }
  if (word_end < 3 || word_end > 30 || !StartsUpper(first)) return std::nullopt;
  absl::string_view rest = absl::string_view(first).substr(word_end);
  if (absl::StartsWith(rest, " ")) rest.remove_prefix(1);
  size_t dash = DashLength(rest);
  if (dash == 0 && absl::StartsWith(rest, ":")) dash = 1;
  if (dash == 0) return std::nullopt;
  rest.remove_prefix(dash);
  if (!absl::StartsWith(rest, " ")) return std::nullopt;
  rest.remove_prefix(1);
  const std::string title = first.substr(0, word_end);
  const std::string lower_title = Lower(title);
  bool strand = lower_title == "ideology" || lower_title == "individuals" ||
                lower_title == "institutions";
  if (!strand) {
    // Any other "Title - description" row is a strand only when a column
    // header follows it.
    Columns ignored = columns;
    for (size_t k = index + 1; k < lines_.size() && k < index + 20; ++k) {
      std::string why;
      const RowKind kind = Classify(Cells(lines_[k]), ignored, &why);
      if (kind == RowKind::kBlank || kind == RowKind::kDebris) continue;
      strand = kind == RowKind::kHeader;
      break;
    }
  }
  if (!strand) return std::nullopt;

  // The description, with the words the columns split rejoined.
  const int line = static_cast<int>(index) + 1;
  std::string description(rest);
  std::vector<std::string> repairs;
  std::optional<absl::flat_hash_map<std::string, int>> row_words;
  for (size_t i = 1; i < cells.size(); ++i) {
    const std::string& next = cells[i];
    if (next.empty()) continue;
    const std::string x(TrailingLetters(description));
    const std::string y(LeadingLetters(next));
    if (x.empty() || y.empty()) {
      absl::StrAppend(&description, description.empty() ? "" : " ", next);
      continue;
    }
    if (!vocabulary_.has_value()) vocabulary_.emplace(lines_);
    if (!row_words.has_value()) row_words = Vocabulary::Count(lines_[index]);
    const absl::flat_hash_map<std::string, int>& row = *row_words;
    const std::string lx = Lower(x), ly = Lower(y);
    const bool x_known = vocabulary_->Knows(lx, row);
    const bool y_known = vocabulary_->Knows(ly, row);
    const std::string joined = lx + ly;
    std::string glue = " ";
    if (!(x_known && y_known) && vocabulary_->Knows(joined, row)) {
      glue = "";
      repairs.push_back(absl::StrCat("\"", x, "|", y, "\" as \"", x, y, "\""));
    } else if (!(x_known && y_known) && absl::EndsWith(lx, "r") &&
               absl::StartsWith(ly, "n") &&
               vocabulary_->Knows(
                   absl::StrCat(lx.substr(0, lx.size() - 1), "m", ly.substr(1)),
                   row)) {
      // A split "m" read as "r" + "n": "terrorisr|n" is "terrorism".
      description.back() = 'm';
      const std::string fixed =
          absl::StrCat(x.substr(0, x.size() - 1), "m", y.substr(1));
      repairs.push_back(absl::StrCat("\"", x, "|", y, "\" as \"", fixed, "\""));
      absl::StrAppend(&description, absl::string_view(next).substr(1));
      continue;
    } else if ((x.size() == 1 && lx != "a" && lx != "i") ||
               (y.size() == 1 && ly != "a" && ly != "i")) {
      glue = "";
      repairs.push_back(absl::StrCat("\"", x, "|", y, "\" as \"", x, y, "\""));
    }
    absl::StrAppend(&description, glue, next);
  }
  if (!repairs.empty()) {
    Warn(line, absl::StrCat("the strand header was split across cells, "
                            "cutting words: rejoined ",
                            absl::StrJoin(repairs, ", ")));
  }
  RawStrand raw;
  raw.line = line;
  raw.title = title;
  raw.description = description;
  return raw;
}

void Reader::ReadPlanHeading(size_t header_index) {
  // The title: the table's title row, else the first line naming a plan,
  // else the first line.
  int title_line = 0;
  std::string title;
  for (size_t k = header_index; k-- > 0;) {
    const std::vector<std::string> cells = Cells(lines_[k]);
    if (cells.empty()) continue;
    size_t filled = 0;
    for (const std::string& cell : cells) filled += cell.empty() ? 0 : 1;
    if (filled == 1 && !cells[0].empty() &&
        absl::StrContains(Lower(cells[0]), "plan") &&
        CharCount(cells[0]) <= kMaxTitleLength) {
      title = cells[0];
      title_line = static_cast<int>(k) + 1;
    }
    break;
  }
  for (size_t k = 0; title.empty() && k < header_index; ++k) {
    const std::string text = CollapseSpaces(lines_[k]);
    if (absl::StrContains(Lower(text), "plan") &&
        CharCount(text) <= kMaxTitleLength && HasAlnum(text)) {
      title = text;
      title_line = static_cast<int>(k) + 1;
    }
  }
  for (size_t k = 0; title.empty() && k < header_index; ++k) {
    const std::string text = CollapseSpaces(lines_[k]);
    if (HasAlnum(text)) {
      title_line = static_cast<int>(k) + 1;
      title = Fit(text, kMaxTitleLength, title_line, "the plan title");
      Warn(title_line,
           absl::StrCat("no line names the plan: its first line ",
                        QuoteForMessage(title), " is taken as the title"));
    }
  }
  if (title.empty()) {
    title = std::string(plan_.id());
    title_line = 1;
    Warn(1, absl::StrCat("no title before the plan table: the plan is titled ",
                         QuoteForMessage(title), " after its id"));
  }
  if (header_index > 0) {
    Warn(1, absl::StrCat("lines 1-", header_index,
                         " come before the plan table (narrative and the "
                         "title): skipped"));
  }
  v1::Plan& plan = doc_.plan;
  plan.set_name(plan_.str());
  plan.set_title(title);

  const std::string lower = Lower(title);
  const size_t prevent = lower.find(" prevent");
  if (prevent != std::string::npos && prevent > 0) {
    plan.set_area(CollapseSpaces(title.substr(0, prevent)));
  }
  if (absl::StrContains(lower, "delivery plan")) {
    plan.set_level(v1::COUNTY);
    Warn(title_line,
         "level COUNTY: the title names a delivery plan (county plans are "
         "delivery plans, district plans action plans)");
  } else if (absl::StrContains(lower, "action plan")) {
    plan.set_level(v1::DISTRICT);
    Warn(title_line,
         "level DISTRICT: the title names an action plan (district plans are "
         "action plans, county plans delivery plans)");
  }
  // "2023-2025", "2023/24", "2023 – 2025": UK financial years.
  for (size_t i = 0; i + 4 <= title.size(); ++i) {
    if (i > 0 &&
        absl::ascii_isdigit(static_cast<unsigned char>(title[i - 1]))) {
      continue;
    }
    size_t k = i;
    while (k < title.size() &&
           absl::ascii_isdigit(static_cast<unsigned char>(title[k]))) {
      ++k;
    }
    if (k - i != 4) continue;
    const int first = std::stoi(title.substr(i, 4));
    absl::string_view rest = absl::string_view(title).substr(k);
    while (absl::StartsWith(rest, " ")) rest.remove_prefix(1);
    size_t sep = DashLength(rest);
    if (sep == 0 && absl::StartsWith(rest, "/")) sep = 1;
    if (sep == 0 && absl::StartsWith(rest, "to ")) sep = 2;
    if (sep == 0) continue;
    rest.remove_prefix(sep);
    while (absl::StartsWith(rest, " ")) rest.remove_prefix(1);
    size_t digits = 0;
    while (digits < rest.size() &&
           absl::ascii_isdigit(static_cast<unsigned char>(rest[digits]))) {
      ++digits;
    }
    if (digits != 2 && digits != 4) continue;
    int last = std::stoi(std::string(rest.substr(0, digits)));
    if (digits == 2) last += first / 100 * 100;
    if (first < 1900 || last <= first || last - first > 10) continue;
    plan.set_period_start(absl::StrFormat("%04d-04", first));
    plan.set_period_end(absl::StrFormat("%04d-03", last));
    Warn(title_line,
         absl::StrFormat("the plan period %d-%d is read as UK financial "
                         "years: April %d to March %d",
                         first, last, first, last));
    break;
  }
}

void Reader::AddRow(RawActivity* activity, RawRow row,
                    const std::string& lead) {
  // A timescale completing the range the row above left open ("Feb 2024 –"
  // then "March 2025") joins it; when it is on the very next row, that row
  // wraps every cell of the one above.
  if (!row.timescale.empty()) {
    for (size_t k = activity->rows.size(); k-- > 0;) {
      RawRow& before = activity->rows[k];
      if (before.timescale.empty()) continue;
      const bool open = EndsInsideRange(before.timescale);
      const std::string lower = Lower(row.timescale);
      const bool closing = DashLength(row.timescale) > 0 ||
                           absl::StartsWith(lower, "to ") ||
                           absl::StartsWith(lower, "until ");
      if (open || closing) {
        Warn(row.line,
             absl::StrCat("the timescale ", QuoteForMessage(before.timescale),
                          " (line ", before.line, ") continues here: read as ",
                          QuoteForMessage(absl::StrCat(before.timescale, " ",
                                                       row.timescale))));
        absl::StrAppend(&before.timescale, " ", row.timescale);
        row.timescale.clear();
        row.wrap = k + 1 == activity->rows.size();
      }
      break;
    }
  }
  if (row.head) {
    if (!lead.empty()) activity->lead_parts.push_back(lead);
  } else if (!lead.empty()) {
    if (row.wrap && !activity->rows.empty()) {
      RawRow& before = activity->rows.back();
      if (before.head) {
        activity->lead_parts.push_back(lead);
      } else {
        absl::StrAppend(&before.owner, before.owner.empty() ? "" : " ", lead);
      }
    } else {
      row.owner = lead;
    }
  }
  activity->rows.push_back(std::move(row));
}

void Reader::ReadTable(size_t header_index) {
  Columns columns = *ColumnHeader(Cells(lines_[header_index]));
  RawActivity* current = nullptr;
  // The first skipped banner or footer since the last table row: where a
  // page ended.
  int page_break = 0;
  for (size_t index = header_index; index < lines_.size(); ++index) {
    const int line = static_cast<int>(index) + 1;
    const std::vector<std::string> cells = Cells(lines_[index]);
    std::string why;
    switch (Classify(cells, columns, &why)) {
      case RowKind::kBlank:
        continue;
      case RowKind::kHeader:
        columns = *ColumnHeader(cells);
        continue;
      case RowKind::kDebris: {
        std::vector<absl::string_view> filled;
        for (const std::string& cell : cells) {
          if (!cell.empty()) filled.push_back(cell);
        }
        Warn(line, absl::StrCat("skipped ", why, ": ",
                                QuoteForMessage(absl::StrJoin(filled, " "))));
        if (page_break == 0) page_break = line;
        continue;
      }
      case RowKind::kOther:
        break;
    }
    if (std::optional<RawStrand> strand = StrandHeader(index, cells, columns)) {
      strands_.push_back(std::move(*strand));
      current = nullptr;
      page_break = 0;
      continue;
    }
    const int after_page_break = std::exchange(page_break, 0);
    const std::string title_before =
        after_page_break > 0 && current != nullptr
            ? absl::StrJoin(current->title_parts, " ")
            : std::string();
    std::string title = CellAt(cells, columns.activity);
    RawRow row;
    row.line = line;
    std::string lead = CellAt(cells, columns.lead);
    row.action = CellAt(cells, columns.action);
    row.timescale = CellAt(cells, columns.timescale);
    row.rag = CellAt(cells, columns.rag);
    row.head = !title.empty();
    if (!title.empty() && !HasLetter(title)) {
      Warn(line,
           absl::StrCat("ignored extraction debris ", QuoteForMessage(title),
                        " in the activity column"));
      title.clear();
    }
    if (title == doc_.plan.title() && lead.empty() && row.action.empty() &&
        row.timescale.empty()) {
      Warn(line, "skipped the plan's title repeated in the table");
      continue;
    }
    if (!title.empty()) {
      const bool continues = current != nullptr && current->in_head &&
                             (StartsLower(title) || row.timescale.empty());
      if (continues) {
        if (!StartsLower(title)) {
          Warn(line,
               absl::StrCat(
                   QuoteForMessage(title),
                   " has no timescale and follows the first rows of ",
                   QuoteForMessage(absl::StrJoin(current->title_parts, " ")),
                   ": read as the rest of that activity's wrapped title"));
        }
        current->title_parts.push_back(title);
      } else {
        activities_.emplace_back();
        current = &activities_.back();
        current->line = line;
        current->strand = static_cast<int>(strands_.size()) - 1;
        current->title_parts.push_back(title);
      }
    } else if (current == nullptr) {
      if (!row.head) {
        std::vector<absl::string_view> filled;
        for (const std::string& cell : cells) {
          if (!cell.empty()) filled.push_back(cell);
        }
        Warn(line, absl::StrCat("skipped a row with no activity above it: ",
                                QuoteForMessage(absl::StrJoin(filled, " "))));
      }
      continue;
    }
    if (after_page_break > 0 && current->line < after_page_break) {
      Warn(line, absl::StrCat("continues ", QuoteForMessage(title_before),
                              " from before the page break at line ",
                              after_page_break));
    }
    current->in_head = current->in_head && row.head;
    AddRow(current, std::move(row), lead);
  }
}

std::string Reader::Organisation(absl::string_view written) {
  const std::string id = OrganisationIdFor(written);
  const std::string name =
      ResourceName::Child(nullptr, Kind::kOrganisation, id).str();
  if (!organisation_index_.contains(id)) {
    v1::Organisation organisation;
    organisation.set_name(name);
    organisation.set_display_name(std::string(
        CutChars(OrganisationDisplayName(written), kMaxTitleLength)));
    organisation.set_kind(KindOf(organisation.display_name()));
    organisation_index_[id] = doc_.organisations.size();
    doc_.organisations.push_back(std::move(organisation));
    doc_.plan.add_partner_organisations(name);
  }
  return name;
}

void Reader::BuildStrands() {
  UniqueIds ids;
  for (size_t i = 0; i < strands_.size(); ++i) {
    const RawStrand& raw = strands_[i];
    v1::Strand strand;
    const ResourceName name = ResourceName::Child(
        &plan_, Kind::kStrand, ids.Unique(SlugId(raw.title)));
    strand.set_name(name.str());
    strand.set_title(Fit(raw.title, kMaxTitleLength, raw.line, "strand title"));
    strand.set_description(
        Fit(raw.description, kMaxTextLength, raw.line, "strand description"));
    strand.set_position(PositionKey(i, strands_.size()));
    strand_names_.push_back(name.str());
    doc_.strands.push_back(std::move(strand));
  }
}

std::vector<std::string> Reader::SplitDates(const std::string& cell) {
  constexpr size_t kMaxWords = 24;
  if (ParseTimescale(cell).note.empty()) return {cell};
  const std::vector<absl::string_view> words = Words(cell);
  if (words.size() > kMaxWords) return {cell};
  std::vector<std::string> pieces;
  size_t pos = 0;
  while (pos < words.size()) {
    size_t best = 0;
    for (size_t end = words.size(); end > pos; --end) {
      const std::string piece =
          absl::StrJoin(words.begin() + pos, words.begin() + end, " ");
      const TimescaleParse parsed = ParseTimescale(piece);
      if (parsed.note.empty() &&
          (!parsed.timescale.start().empty() || parsed.timescale.ongoing())) {
        best = end;
        pieces.push_back(piece);
        break;
      }
    }
    if (best == 0) return {cell};
    pos = best;
  }
  if (pieces.size() < 2) return {cell};
  return pieces;
}

v1::Timescale Reader::Timescale(const std::string& text, int line) {
  TimescaleParse parsed = ParseTimescale(text);
  if (!parsed.note.empty()) {
    Warn(line,
         absl::StrCat("timescale ", QuoteForMessage(parsed.timescale.text()),
                      ": ", parsed.note));
  }
  if (CharCount(parsed.timescale.text()) > kMaxTitleLength) {
    parsed.timescale.set_text(
        Fit(parsed.timescale.text(), kMaxTitleLength, line, "the timescale"));
  }
  return parsed.timescale;
}

std::vector<ActionDraft> Reader::SplitActions(
    const RawActivity& raw, const std::vector<DateEntry>& dates) {
  std::vector<ActionDraft> actions;
  std::string pending_owner;
  int pending_line = 0;
  std::vector<bool> dated(raw.rows.size());
  for (const DateEntry& date : dates) dated[date.row] = true;
  for (size_t r = 0; r < raw.rows.size(); ++r) {
    const RawRow& row = raw.rows[r];
    if (!row.owner.empty() && row.action.empty()) {
      if (!pending_owner.empty()) {
        Warn(pending_line,
             absl::StrCat("the organisation ", QuoteForMessage(pending_owner),
                          " names no action: ignored"));
      }
      pending_owner = row.owner;
      pending_line = row.line;
      continue;
    }
    if (row.action.empty()) continue;
    ActionDraft* current = actions.empty() ? nullptr : &actions.back();
    const bool new_owner = !row.owner.empty() || !pending_owner.empty();
    bool join = false;
    if (current != nullptr && !new_owner) {
      if (row.wrap) {
        join = true;
      } else if (current->list && !dated[r]) {
        if (StartsLower(row.action)) {
          absl::StrAppend(&current->text, " ", row.action);
        } else {
          absl::StrAppend(&current->text, current->list_items == 0 ? " " : ", ",
                          row.action);
          ++current->list_items;
        }
        current->last_row = r;
        if (absl::EndsWith(row.action, ".")) current->list = false;
        continue;
      } else {
        join = StartsLower(row.action) || EndsOpen(current->text);
      }
    }
    if (join) {
      absl::StrAppend(&current->text, " ", row.action);
      current->last_row = r;
      if (absl::EndsWith(current->text, ":")) current->list = true;
      continue;
    }
    if (current != nullptr && current->list) {
      // A list that ended before any item.
      current->list = false;
    }
    ActionDraft draft;
    draft.text = row.action;
    draft.line = row.line;
    draft.first_row = draft.last_row = r;
    draft.rag = row.rag;
    if (!row.owner.empty()) {
      draft.owner = row.owner;
      draft.owner_line = row.line;
      if (!pending_owner.empty()) {
        Warn(pending_line,
             absl::StrCat("the organisation ", QuoteForMessage(pending_owner),
                          " names no action: ignored"));
      }
    } else if (!pending_owner.empty()) {
      draft.owner = pending_owner;
      draft.owner_line = pending_line;
    }
    pending_owner.clear();
    draft.list = absl::EndsWith(draft.text, ":");
    actions.push_back(std::move(draft));
  }
  if (!pending_owner.empty()) {
    Warn(pending_line,
         absl::StrCat("the organisation ", QuoteForMessage(pending_owner),
                      " names no action: ignored"));
  }
  for (const ActionDraft& action : actions) {
    if (action.list_items > 0) {
      Warn(action.line,
           absl::StrCat(QuoteForMessage(
                            action.text.substr(0, action.text.find(':') + 1)),
                        " is followed by ", action.list_items,
                        " rows listing what it covers: read as one action "
                        "listing them"));
    }
  }
  return actions;
}

void Reader::AssignTimescales(const RawActivity& raw,
                              std::vector<DateEntry> dates,
                              std::vector<ActionDraft>* actions) {
  // A cell with one date per sentence of its action: one action each.
  absl::flat_hash_map<size_t, std::vector<const DateEntry*>> by_row;
  for (const DateEntry& date : dates) by_row[date.row].push_back(&date);
  std::vector<ActionDraft> split;
  split.reserve(actions->size());
  for (ActionDraft& action : *actions) {
    auto own = by_row.find(action.first_row);
    std::vector<std::string> sentences;
    if (own != by_row.end() && own->second.size() >= 2) {
      sentences = Sentences(action.text);
    }
    if (sentences.size() < 2 || sentences.size() != own->second.size()) {
      split.push_back(std::move(action));
      continue;
    }
    std::vector<std::string> texts;
    for (const DateEntry* date : own->second) texts.push_back(date->text);
    Warn(action.line,
         absl::StrCat("the timescale cell holds ", texts.size(), " dates (",
                      absl::StrJoin(texts, ", "), ") beside ", sentences.size(),
                      " sentences: read as one action per sentence, each "
                      "with its date"));
    const size_t last_row = action.last_row;
    for (std::string& sentence : sentences) {
      ActionDraft part = action;
      part.text = std::move(sentence);
      part.last_row = part.first_row;
      split.push_back(std::move(part));
    }
    split.back().last_row = last_row;
  }
  *actions = std::move(split);
  if (actions->empty()) {
    if (!dates.empty()) {
      Warn(dates.front().line, "a timescale with no action: ignored");
    }
    return;
  }
  if (dates.size() == actions->size()) {
    bool aligned = true;
    for (size_t i = 0; i < dates.size(); ++i) {
      aligned = aligned && dates[i].row >= (*actions)[i].first_row &&
                dates[i].row <= (*actions)[i].last_row;
    }
    if (!aligned) {
      std::vector<std::string> texts;
      for (const DateEntry& date : dates) texts.push_back(date.text);
      Warn(dates.front().line,
           absl::StrCat("the timescales of ",
                        QuoteForMessage(absl::StrJoin(raw.title_parts, " ")),
                        " are listed apart from its actions (",
                        absl::StrJoin(texts, ", "),
                        "): as many dates as "
                        "actions, paired in order"));
    }
    for (size_t i = 0; i < dates.size(); ++i) {
      (*actions)[i].timescale = Timescale(dates[i].text, dates[i].line);
    }
    return;
  }
  // Each action takes the dates beside its rows; a date beside no action
  // belongs to the action above it.
  std::vector<std::vector<const DateEntry*>> own(actions->size());
  size_t owner = 0;
  for (const DateEntry& date : dates) {
    while (owner + 1 < actions->size() &&
           (*actions)[owner + 1].first_row <= date.row) {
      ++owner;
    }
    own[owner].push_back(&date);
  }
  for (size_t a = 0; a < actions->size(); ++a) {
    ActionDraft& action = (*actions)[a];
    if (own[a].empty()) continue;
    if (own[a].size() == 1) {
      action.timescale = Timescale(own[a][0]->text, own[a][0]->line);
      continue;
    }
    std::vector<std::string> texts;
    for (const DateEntry* date : own[a]) texts.push_back(date->text);
    const std::string joined = absl::StrJoin(texts, " / ");
    Warn(own[a][0]->line,
         absl::StrCat("the action ", QuoteForMessage(action.text), " has ",
                      texts.size(), " timescales: read together as ",
                      QuoteForMessage(joined)));
    action.timescale = Timescale(joined, own[a][0]->line);
  }
  // An action with no date of its own shares the timescale written above
  // it: the timescale cell spans the rows of the activity.
  for (size_t a = 1; a < actions->size(); ++a) {
    ActionDraft& action = (*actions)[a];
    const ActionDraft& above = (*actions)[a - 1];
    if (action.timescale.has_value() || !above.timescale.has_value()) continue;
    action.timescale = above.timescale;
    Warn(action.line,
         absl::StrCat("the action ", QuoteForMessage(action.text),
                      " has no timescale of its own: given the one above it, ",
                      QuoteForMessage(above.timescale->text())));
  }
  for (const ActionDraft& action : *actions) {
    if (!action.timescale.has_value()) {
      Warn(action.line,
           absl::StrCat("the action ", QuoteForMessage(action.text),
                        " has no timescale"));
    }
  }
}

void Reader::BuildActivity(const RawActivity& raw, size_t index, size_t count,
                           UniqueIds* activity_ids) {
  ActivityEntry entry;
  v1::Activity& activity = entry.activity;
  const std::string title =
      Fit(absl::StrJoin(raw.title_parts, " "), kMaxTitleLength, raw.line,
          "the activity title");
  const ResourceName name = ResourceName::Child(
      &plan_, Kind::kActivity, activity_ids->Unique(SlugId(title)));
  activity.set_name(name.str());
  activity.set_title(title);
  if (raw.strand >= 0) activity.set_strand(strand_names_[raw.strand]);
  activity.set_position(PositionKey(index, count));

  std::vector<absl::string_view> lead_parts(raw.lead_parts.begin(),
                                            raw.lead_parts.end());
  const std::string lead = absl::StrJoin(lead_parts, " ");
  const LeadReading reading = ReadLead(lead);
  for (const std::string& note : reading.notes) Warn(raw.line, note);
  std::set<std::string> leads;
  for (const std::string& written : reading.organisations) {
    const std::string org = Organisation(written);
    if (leads.insert(org).second) activity.add_lead_organisations(org);
  }
  activity.set_lead_officer(
      Fit(reading.officer, kMaxTitleLength, raw.line, "the lead officer"));

  std::vector<DateEntry> dates;
  for (size_t r = 0; r < raw.rows.size(); ++r) {
    const RawRow& row = raw.rows[r];
    if (row.timescale.empty()) continue;
    const std::vector<std::string> pieces = SplitDates(row.timescale);
    for (const std::string& piece : pieces)
      dates.push_back({piece, row.line, r});
  }
  std::vector<ActionDraft> drafts = SplitActions(raw, dates);
  AssignTimescales(raw, std::move(dates), &drafts);
  if (drafts.empty()) {
    Warn(raw.line, absl::StrCat("the activity ", QuoteForMessage(title),
                                " has no actions"));
  }

  UniqueIds action_ids;
  for (size_t a = 0; a < drafts.size(); ++a) {
    const ActionDraft& draft = drafts[a];
    v1::Action action;
    const std::string description =
        Fit(draft.text, kMaxTextLength, draft.line, "the action");
    action.set_name(
        ResourceName::Child(&name, Kind::kAction,
                            action_ids.Unique(SlugId(description, 40)))
            .str());
    action.set_description(description);
    if (draft.timescale.has_value()) {
      *action.mutable_timescale() = *draft.timescale;
    }
    if (!draft.rag.empty()) {
      if (std::optional<v1::Rag> rag = ParseRag(draft.rag)) {
        action.set_rag(*rag);
      } else {
        Warn(draft.line, absl::StrCat("RAG ", QuoteForMessage(draft.rag),
                                      " is not red, amber, green or blue "
                                      "(complete): ignored"));
      }
    }
    if (!draft.owner.empty()) {
      const LeadReading owner = ReadLead(draft.owner);
      for (const std::string& note : owner.notes) Warn(draft.owner_line, note);
      if (owner.organisations.empty()) {
        Warn(draft.owner_line,
             absl::StrCat(QuoteForMessage(draft.owner),
                          " names no organisation: the action has no owner"));
      } else {
        if (owner.organisations.size() > 1) {
          Warn(draft.owner_line,
               absl::StrCat(QuoteForMessage(draft.owner),
                            " names several organisations: the action's "
                            "owner is the first, ",
                            owner.organisations.front()));
        }
        const std::string org = Organisation(owner.organisations.front());
        if (leads.count(org) == 0) action.set_owner_organisation(org);
      }
    }
    action.set_position(PositionKey(a, drafts.size()));
    entry.actions.push_back(std::move(action));
  }
  doc_.activities.push_back(std::move(entry));
}

absl::StatusOr<PlanDocument> Reader::Read() {
  size_t header_index = lines_.size();
  for (size_t i = 0; i < lines_.size(); ++i) {
    if (ColumnHeader(Cells(lines_[i])).has_value()) {
      header_index = i;
      break;
    }
  }
  if (header_index == lines_.size()) {
    return InputError(
        LastLine(), 1,
        "no plan table: no column header row (\"Activity\", then \"Lead "
        "Officer & Organisation\", \"Actions\", \"Timescales\" and \"RAG\", "
        "separated by tabs) in the input");
  }
  ReadPlanHeading(header_index);
  ReadTable(header_index);
  if (activities_.empty()) {
    return InputError(
        LastLine(), 1,
        absl::StrCat("no plan table: the table whose header is on line ",
                     header_index + 1, " has no activity rows"));
  }
  BuildStrands();
  UniqueIds activity_ids;
  for (size_t i = 0; i < activities_.size(); ++i) {
    BuildActivity(activities_[i], i, activities_.size(), &activity_ids);
  }
  warnings_.Finish(LastLine());
  return std::move(doc_);
}

}  // namespace

absl::StatusOr<ParsedPlan> ParsePreventText(absl::string_view content,
                                            absl::string_view plan_name) {
  absl::StatusOr<ResourceName> plan =
      ResourceName::ParseAs(Kind::kPlan, plan_name);
  if (!plan.ok()) {
    return Error(absl::StatusCode::kInvalidArgument, "INVALID_ARGUMENT",
                 absl::StrCat("plan name: ", plan.status().message()));
  }
  ParsedPlan parsed;
  absl::StatusOr<std::vector<std::string>> lines =
      SplitLines(content, &parsed.warnings);
  if (!lines.ok()) return lines.status();
  Reader reader(std::move(*lines), *std::move(plan), &parsed.warnings);
  absl::StatusOr<PlanDocument> document = reader.Read();
  if (!document.ok()) return document.status();
  parsed.document = *std::move(document);
  std::stable_sort(parsed.warnings.begin(), parsed.warnings.end(),
                   [](const FormatWarning& a, const FormatWarning& b) {
                     return a.line < b.line;
                   });
  return parsed;
}

}  // namespace plan
