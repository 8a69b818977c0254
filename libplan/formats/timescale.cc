#include "libplan/formats/timescale.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace plan {
namespace {

namespace v1 = prevent::plan::v1;

constexpr int kMinYear = 1900;
constexpr int kMaxYear = 2199;

constexpr const char* kMonthNames[] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

// A month as one number: year * 12 + (month - 1).
int MonthIndex(int year, int month) { return year * 12 + month - 1; }
int YearOf(int index) { return index / 12; }
int MonthOf(int index) { return index % 12 + 1; }

std::string MonthText(int index) {
  return absl::StrFormat("%04d-%02d", YearOf(index), MonthOf(index));
}

std::string MonthWords(int index) {
  return absl::StrCat(kMonthNames[MonthOf(index) - 1], " ", YearOf(index));
}

enum class T {
  kMonth,      // value 1-12
  kNumber,     // value; `digits` is the digit count
  kDash,       // - – — and friends
  kTo,         // to, until, till, through
  kSlash,      // /
  kComma,      // , ;
  kPlus,       // +
  kAnd,        // and, &
  kOngoing,    // ongoing, onwards, on-going
  kFrom,       // from, starting, commencing
  kBy,         // by, before, due
  kQuarter,    // q1-q4: value 1-4
  kSeason,     // value: 0 spring, 1 summer, 2 autumn, 3 winter
  kModifier,   // value: 0 early/start/beginning, 1 mid, 2 late, 3 end
  kRecurring,  // annually, quarterly, monthly, regularly, ...
  kTbc,        // tbc, tba, tbd
  kOn,         // "on", as in "on going"
  kOther,      // anything else
};

struct Token {
  T type;
  int value = 0;
  int digits = 0;         // for kNumber
  bool ordinal = false;   // "1st", "24th"
  bool attached = false;  // no whitespace before it
};

struct WordClass {
  absl::string_view word;
  T type;
  int value;
};

constexpr WordClass kWords[] = {
    {"jan", T::kMonth, 1},
    {"january", T::kMonth, 1},
    {"feb", T::kMonth, 2},
    {"febr", T::kMonth, 2},
    {"february", T::kMonth, 2},
    {"mar", T::kMonth, 3},
    {"march", T::kMonth, 3},
    {"apr", T::kMonth, 4},
    {"april", T::kMonth, 4},
    {"may", T::kMonth, 5},
    {"jun", T::kMonth, 6},
    {"june", T::kMonth, 6},
    {"jul", T::kMonth, 7},
    {"july", T::kMonth, 7},
    {"aug", T::kMonth, 8},
    {"august", T::kMonth, 8},
    {"sep", T::kMonth, 9},
    {"sept", T::kMonth, 9},
    {"september", T::kMonth, 9},
    {"oct", T::kMonth, 10},
    {"october", T::kMonth, 10},
    {"nov", T::kMonth, 11},
    {"november", T::kMonth, 11},
    {"dec", T::kMonth, 12},
    {"december", T::kMonth, 12},
    {"to", T::kTo, 0},
    {"until", T::kTo, 0},
    {"till", T::kTo, 0},
    {"til", T::kTo, 0},
    {"through", T::kTo, 0},
    {"thru", T::kTo, 0},
    {"and", T::kAnd, 0},
    {"ongoing", T::kOngoing, 0},
    {"onwards", T::kOngoing, 0},
    {"onward", T::kOngoing, 0},
    {"from", T::kFrom, 0},
    {"starting", T::kFrom, 0},
    {"commencing", T::kFrom, 0},
    {"by", T::kBy, 0},
    {"before", T::kBy, 0},
    {"due", T::kBy, 0},
    {"q1", T::kQuarter, 1},
    {"q2", T::kQuarter, 2},
    {"q3", T::kQuarter, 3},
    {"q4", T::kQuarter, 4},
    {"spring", T::kSeason, 0},
    {"summer", T::kSeason, 1},
    {"autumn", T::kSeason, 2},
    {"fall", T::kSeason, 2},
    {"winter", T::kSeason, 3},
    {"early", T::kModifier, 0},
    {"start", T::kModifier, 0},
    {"beginning", T::kModifier, 0},
    {"mid", T::kModifier, 1},
    {"middle", T::kModifier, 1},
    {"late", T::kModifier, 2},
    {"end", T::kModifier, 3},
    {"annually", T::kRecurring, 0},
    {"annual", T::kRecurring, 0},
    {"yearly", T::kRecurring, 0},
    {"quarterly", T::kRecurring, 0},
    {"monthly", T::kRecurring, 0},
    {"weekly", T::kRecurring, 0},
    {"termly", T::kRecurring, 0},
    {"regularly", T::kRecurring, 0},
    {"continuous", T::kRecurring, 0},
    {"continual", T::kRecurring, 0},
    {"continually", T::kRecurring, 0},
    {"tbc", T::kTbc, 0},
    {"tba", T::kTbc, 0},
    {"tbd", T::kTbc, 0},
    {"on", T::kOn, 0},
};

// Words that carry nothing: "end of March", "in 2024".
bool IsFiller(absl::string_view word) {
  return word == "of" || word == "the" || word == "in" || word == "fy";
}

bool IsDashAt(absl::string_view text, size_t i, size_t* length) {
  if (text[i] == '-') {
    *length = 1;
    return true;
  }
  // U+2010..U+2015 (hyphens, figure dash, en dash, em dash, bar), U+2212.
  if (i + 2 < text.size()) {
    const auto b0 = static_cast<uint8_t>(text[i]);
    const auto b1 = static_cast<uint8_t>(text[i + 1]);
    const auto b2 = static_cast<uint8_t>(text[i + 2]);
    if ((b0 == 0xE2 && b1 == 0x80 && b2 >= 0x90 && b2 <= 0x95) ||
        (b0 == 0xE2 && b1 == 0x88 && b2 == 0x92)) {
      *length = 3;
      return true;
    }
  }
  return false;
}

std::vector<Token> Tokenize(absl::string_view text) {
  std::vector<Token> tokens;
  bool space_before = true;
  size_t i = 0;
  const auto push = [&](Token token) {
    token.attached = !space_before;
    space_before = false;
    tokens.push_back(token);
  };
  while (i < text.size()) {
    const char c = text[i];
    size_t dash_length = 0;
    if (c == ' ') {
      space_before = true;
      ++i;
    } else if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      size_t j = i;
      while (j < text.size() &&
             absl::ascii_isalnum(static_cast<unsigned char>(text[j]))) {
        ++j;
      }
      const std::string word = absl::AsciiStrToLower(text.substr(i, j - i));
      i = j;
      // "Sept." and "e.g.": a full stop after a word is not a separator.
      if (i < text.size() && text[i] == '.') ++i;
      size_t digits = 0;
      while (digits < word.size() && absl::ascii_isdigit(word[digits])) {
        ++digits;
      }
      if (digits > 0) {
        const absl::string_view rest = absl::string_view(word).substr(digits);
        if (digits > 6 || !(rest.empty() || rest == "st" || rest == "nd" ||
                            rest == "rd" || rest == "th")) {
          push({T::kOther});
          continue;
        }
        Token token{T::kNumber};
        token.value = std::stoi(word.substr(0, digits));
        token.digits = static_cast<int>(digits);
        token.ordinal = !rest.empty();
        push(token);
        continue;
      }
      if (IsFiller(word)) {
        space_before = true;
        continue;
      }
      Token token{T::kOther};
      for (const WordClass& known : kWords) {
        if (known.word == word) {
          token.type = known.type;
          token.value = known.value;
          break;
        }
      }
      // "on going" and "on-going" are "ongoing".
      if (word == "going") {
        if (!tokens.empty() && tokens.back().type == T::kDash &&
            tokens.size() >= 2 && tokens[tokens.size() - 2].type == T::kOn) {
          tokens.pop_back();
        }
        if (!tokens.empty() && tokens.back().type == T::kOn) {
          tokens.back().type = T::kOngoing;
          continue;
        }
      }
      push(token);
    } else if (IsDashAt(text, i, &dash_length)) {
      push({T::kDash});
      i += dash_length;
    } else if (c == '/') {
      push({T::kSlash});
      ++i;
    } else if (c == ',' || c == ';') {
      push({T::kComma});
      ++i;
    } else if (c == '+') {
      push({T::kPlus});
      ++i;
    } else if (c == '&') {
      push({T::kAnd});
      ++i;
    } else if (c == '.' || c == '(' || c == ')' || c == ':') {
      space_before = true;
      ++i;
    } else {
      push({T::kOther});
      // Skip the rest of a multi-byte character.
      ++i;
      while (i < text.size() && (static_cast<uint8_t>(text[i]) & 0xC0) == 0x80)
        ++i;
    }
  }
  return tokens;
}

// A span of months read from part of the text. When the year is unknown
// ("Feb" in "Feb – March 2025"), first == last == -1 and `month` is set.
struct Span {
  int first = -1;
  int last = -1;
  int month = 0;
  std::string note;
};

bool IsYear(const Token& token) {
  return token.type == T::kNumber && token.digits == 4 && !token.ordinal &&
         token.value >= kMinYear && token.value <= kMaxYear;
}

class Reader {
 public:
  explicit Reader(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  bool At(size_t i, T type) const {
    return i < tokens_.size() && tokens_[i].type == type;
  }
  bool AtYear(size_t i) const {
    return i < tokens_.size() && IsYear(tokens_[i]);
  }
  const Token& Get(size_t i) const { return tokens_[i]; }
  size_t size() const { return tokens_.size(); }

  // The second year of a financial year written after `year` at `*i`
  // ("/25", "-25", "/2025"); advances past it when found.
  bool ReadFinancialSecondYear(size_t* i, int year) const {
    if (!(At(*i, T::kSlash) || At(*i, T::kDash))) return false;
    if (*i + 1 >= tokens_.size()) return false;
    const Token& next = tokens_[*i + 1];
    if (next.type != T::kNumber || next.ordinal) return false;
    const bool two = next.digits == 2 && next.value == (year + 1) % 100;
    const bool four = next.digits == 4 && next.value == year + 1;
    if (!two && !four) return false;
    *i += 2;
    return true;
  }

  // Reads one date (a month, quarter, season, year or financial year) at
  // `*i`, advancing past it; nullopt (and `*i` unchanged) when there is none.
  std::optional<Span> ReadPoint(size_t* i) const {
    size_t k = *i;
    if (k >= tokens_.size()) return std::nullopt;
    const Token& token = tokens_[k];
    Span span;
    switch (token.type) {
      case T::kModifier: {
        ++k;
        if (At(k, T::kDash)) ++k;
        if (At(k, T::kMonth)) {
          std::optional<Span> month = ReadPoint(&k);
          if (!month.has_value()) return std::nullopt;
          *i = k;
          return month;
        }
        if (!AtYear(k)) return std::nullopt;
        const int year = tokens_[k].value;
        static constexpr int kFirst[] = {1, 5, 9, 12};
        static constexpr int kLast[] = {4, 8, 12, 12};
        static constexpr const char* kWord[] = {"early", "mid", "late",
                                                "the end of"};
        span.first = MonthIndex(year, kFirst[token.value]);
        span.last = MonthIndex(year, kLast[token.value]);
        span.note =
            absl::StrCat("read ", kWord[token.value], " ", year, " as ",
                         MonthWords(span.first),
                         span.first == span.last
                             ? std::string()
                             : absl::StrCat(" to ", MonthWords(span.last)));
        *i = k + 1;
        return span;
      }
      case T::kQuarter: {
        ++k;
        if (!AtYear(k)) return std::nullopt;
        const int year = tokens_[k].value;
        ++k;
        const int q = token.value;
        if (ReadFinancialSecondYear(&k, year)) {
          // Financial quarters: Q1 is April to June.
          span.first = MonthIndex(year, 4) + 3 * (q - 1);
          span.last = span.first + 2;
        } else {
          span.first = MonthIndex(year, 3 * q - 2);
          span.last = span.first + 2;
          span.note = absl::StrCat(
              "read Q", q, " ", year, " as a calendar quarter (",
              MonthWords(span.first), " to ", MonthWords(span.last), ")");
        }
        *i = k;
        return span;
      }
      case T::kSeason: {
        ++k;
        if (!AtYear(k)) return std::nullopt;
        const int year = tokens_[k].value;
        ++k;
        ReadFinancialSecondYear(&k, year);  // "Winter 2024/25"
        static constexpr const char* kSeasonWord[] = {"spring", "summer",
                                                      "autumn", "winter"};
        span.first = MonthIndex(year, 3 + 3 * token.value);
        span.last = span.first + 2;
        span.note =
            absl::StrCat("read ", kSeasonWord[token.value], " ", year, " as ",
                         MonthWords(span.first), " to ", MonthWords(span.last));
        *i = k;
        return span;
      }
      case T::kNumber: {
        // "1 July 2024", "1st July 2024".
        if (token.value >= 1 && token.value <= 31 && token.digits <= 2 &&
            At(k + 1, T::kMonth)) {
          ++k;
          std::optional<Span> month = ReadPoint(&k);
          if (!month.has_value()) return std::nullopt;
          *i = k;
          return month;
        }
        // "03/2024", "31/03/2024".
        if (!token.ordinal && token.digits <= 2 && At(k + 1, T::kSlash)) {
          int month = token.value;
          size_t after = k + 2;
          if (after + 1 < tokens_.size() && tokens_[after].type == T::kNumber &&
              tokens_[after].digits <= 2 && At(after + 1, T::kSlash) &&
              token.value >= 1 && token.value <= 31) {
            month = tokens_[after].value;
            after += 2;
          }
          if (month >= 1 && month <= 12 && AtYear(after)) {
            span.first = span.last = MonthIndex(tokens_[after].value, month);
            *i = after + 1;
            return span;
          }
          return std::nullopt;
        }
        if (!IsYear(token)) return std::nullopt;
        const int year = token.value;
        ++k;
        // "2024-03".
        if (At(k, T::kDash) && k + 1 < tokens_.size() && tokens_[k].attached &&
            tokens_[k + 1].attached && tokens_[k + 1].type == T::kNumber &&
            tokens_[k + 1].digits == 2 &&
            tokens_[k + 1].value != (year + 1) % 100 &&
            tokens_[k + 1].value >= 1 && tokens_[k + 1].value <= 12) {
          span.first = span.last = MonthIndex(year, tokens_[k + 1].value);
          *i = k + 2;
          return span;
        }
        // "2024/25", "2024-2025", "2023 - 2025": UK financial years.
        size_t fy = k;
        int last_year = 0;
        if (ReadFinancialSecondYear(&fy, year)) {
          last_year = year + 1;
        } else if ((At(k, T::kDash) || At(k, T::kSlash) || At(k, T::kTo)) &&
                   AtYear(k + 1) && tokens_[k + 1].value > year &&
                   !At(k + 2, T::kMonth)) {
          last_year = tokens_[k + 1].value;
          fy = k + 2;
        }
        if (last_year != 0) {
          span.first = MonthIndex(year, 4);
          span.last = MonthIndex(last_year, 3);
          span.note = absl::StrCat(
              "read ", year, "-", last_year, " as UK financial years (",
              MonthWords(span.first), " to ", MonthWords(span.last), ")");
          *i = fy;
          return span;
        }
        span.first = MonthIndex(year, 1);
        span.last = MonthIndex(year, 12);
        span.note = absl::StrCat("read the year ", year,
                                 " as the calendar year (January to December)");
        *i = k;
        return span;
      }
      case T::kMonth: {
        const int month = token.value;
        ++k;
        // "March 24, 2024": a day between the month and the year.
        if (At(k, T::kNumber) && !IsYear(tokens_[k]) && tokens_[k].value >= 1 &&
            tokens_[k].value <= 31) {
          size_t after = k + 1;
          if (At(after, T::kComma)) ++after;
          if (AtYear(after)) k = after;
        }
        if (AtYear(k)) {
          span.first = span.last = MonthIndex(tokens_[k].value, month);
          *i = k + 1;
          return span;
        }
        // "Mar 24", "Mar-24": a two-digit year.
        size_t two = k;
        if (At(two, T::kDash) && tokens_[two].attached &&
            two + 1 < tokens_.size() && tokens_[two + 1].attached) {
          ++two;
        }
        if (At(two, T::kNumber) && tokens_[two].digits == 2 &&
            !tokens_[two].ordinal) {
          const int year = 2000 + tokens_[two].value;
          span.first = span.last = MonthIndex(year, month);
          span.note = absl::StrCat("read the two-digit year \"",
                                   absl::StrFormat("%02d", tokens_[two].value),
                                   "\" as ", year);
          *i = two + 1;
          return span;
        }
        span.month = month;  // no year
        *i = k;
        return span;
      }
      default:
        return std::nullopt;
    }
  }

 private:
  std::vector<Token> tokens_;
};

void AddNote(std::string* notes, absl::string_view note) {
  if (note.empty()) return;
  absl::StrAppend(notes, notes->empty() ? "" : "; ", note);
}

bool IsSeparator(T type) {
  return type == T::kDash || type == T::kTo || type == T::kComma ||
         type == T::kSlash || type == T::kAnd || type == T::kPlus;
}

// What the text means, before it becomes a Timescale.
struct Reading {
  int start = -1;
  int end = -1;
  bool ongoing = false;
  std::string note;
  bool unreadable = false;
};

Reading Unreadable(std::string why) {
  Reading reading;
  reading.unreadable = true;
  reading.note = std::move(why);
  return reading;
}

// Gives a year to a month written without one, from the other end of a
// range; false when neither end has a year.
bool ResolveYears(Span* first, Span* last, std::string* notes) {
  if (first->first < 0 && last->first < 0) return false;
  if (first->first < 0) {
    int year = YearOf(last->first);
    if (first->month > MonthOf(last->first)) --year;
    first->first = first->last = MonthIndex(year, first->month);
    AddNote(notes, absl::StrCat("the start has no year: read as ",
                                MonthWords(first->first)));
  }
  if (last->first < 0) {
    int year = YearOf(first->last);
    if (last->month < MonthOf(first->last)) ++year;
    last->first = last->last = MonthIndex(year, last->month);
    AddNote(notes, absl::StrCat("the end has no year: read as ",
                                MonthWords(last->first)));
  }
  return true;
}

// Reads several dates with only separators between them ("Nov 2023 / Mar
// 2024", "February 2024 February 2024") as one span from the first to the
// last.
Reading ReadLoosely(const Reader& reader) {
  std::vector<Span> points;
  bool ongoing = false;
  size_t i = 0;
  while (i < reader.size()) {
    const T type = reader.Get(i).type;
    if (IsSeparator(type) || type == T::kFrom || type == T::kBy) {
      ++i;
      continue;
    }
    if (type == T::kOngoing) {
      ongoing = true;
      ++i;
      continue;
    }
    std::optional<Span> point = reader.ReadPoint(&i);
    if (!point.has_value()) {
      return Unreadable("not a month, a range of months or \"Ongoing\"");
    }
    points.push_back(*point);
  }
  if (points.empty()) {
    return Unreadable("not a month, a range of months or \"Ongoing\"");
  }
  Reading reading;
  for (size_t k = 0; k < points.size(); ++k) {
    if (points[k].first < 0) {
      if (k > 0) {
        ResolveYears(&points[k - 1], &points[k], &reading.note);
      } else {
        size_t known = 1;
        while (known < points.size() && points[known].first < 0) ++known;
        if (known == points.size()) return Unreadable("a month with no year");
        ResolveYears(&points[0], &points[known], &reading.note);
      }
    }
    AddNote(&reading.note, points[k].note);
  }
  reading.start = points.front().first;
  int last = points.front().last;
  for (const Span& point : points) last = std::max(last, point.last);
  if (ongoing) {
    reading.ongoing = true;
    AddNote(&reading.note, absl::StrCat("several dates: read as ongoing from ",
                                        MonthWords(reading.start)));
  } else {
    reading.end = last;
    AddNote(&reading.note,
            absl::StrCat("several dates: read as ", MonthWords(reading.start),
                         " to ", MonthWords(reading.end)));
  }
  return reading;
}

Reading Read(const Reader& reader) {
  const size_t n = reader.size();
  // Words that say it continues or recurs, and nothing else.
  bool only_ongoing = true, any_ongoing = false, any_recurring = false;
  bool only_tbc = true, any_tbc = false;
  for (size_t i = 0; i < n; ++i) {
    const T type = reader.Get(i).type;
    if (type == T::kRecurring) any_recurring = true;
    if (type == T::kOngoing) any_ongoing = true;
    if (type == T::kTbc) any_tbc = true;
    if (type != T::kOngoing && type != T::kRecurring && !IsSeparator(type)) {
      only_ongoing = false;
    }
    if (type != T::kTbc && !IsSeparator(type)) only_tbc = false;
  }
  if (only_ongoing && (any_ongoing || any_recurring)) {
    Reading reading;
    reading.ongoing = true;
    if (any_recurring) {
      reading.note = "a recurring action: read as ongoing, with no months";
    }
    return reading;
  }
  if (only_tbc && any_tbc) return Unreadable("to be confirmed: no months");

  size_t i = 0;
  bool by = false, from = false, ongoing_word = false;
  while (i < n) {
    const T type = reader.Get(i).type;
    if (type == T::kBy) {
      by = true;
    } else if (type == T::kFrom) {
      from = true;
    } else if (type == T::kOngoing && i + 1 < n &&
               reader.Get(i + 1).type == T::kFrom) {
      ongoing_word = true;
    } else {
      break;
    }
    ++i;
  }
  std::optional<Span> first = reader.ReadPoint(&i);
  if (!first.has_value()) return ReadLoosely(reader);
  Reading reading;
  if (i == n) {
    // One date.
    if (first->first < 0) return Unreadable("a month with no year");
    AddNote(&reading.note, first->note);
    if (from || ongoing_word) {
      reading.start = first->first;
      reading.ongoing = true;
      if (!ongoing_word) {
        AddNote(&reading.note, absl::StrCat("read as ongoing from ",
                                            MonthWords(reading.start)));
      }
    } else if (by) {
      reading.end = first->last;
    } else {
      reading.start = first->first;
      reading.end = first->last;
    }
    return reading;
  }
  const T next = reader.Get(i).type;
  if ((next == T::kOngoing || next == T::kPlus) && i + 1 == n && !by) {
    // "Mar 2023 ongoing", "Mar 2023 +".
    if (first->first < 0) return Unreadable("a month with no year");
    AddNote(&reading.note, first->note);
    reading.start = first->first;
    reading.ongoing = true;
    return reading;
  }
  if (next == T::kDash || next == T::kTo) {
    ++i;
    while (i < n &&
           (reader.Get(i).type == T::kDash || reader.Get(i).type == T::kTo)) {
      ++i;
    }
    if (i == n) {
      // "Feb 2024 –": a range whose end is missing.
      if (first->first < 0) return Unreadable("a month with no year");
      AddNote(&reading.note, first->note);
      reading.start = first->first;
      AddNote(&reading.note, "the range has no end");
      return reading;
    }
    if (reader.Get(i).type == T::kOngoing && i + 1 == n) {
      if (first->first < 0) return Unreadable("a month with no year");
      AddNote(&reading.note, first->note);
      reading.start = first->first;
      reading.ongoing = true;
      return reading;
    }
    std::optional<Span> second = reader.ReadPoint(&i);
    if (second.has_value() && i == n) {
      if (!ResolveYears(&*first, &*second, &reading.note)) {
        return Unreadable("months with no year");
      }
      AddNote(&reading.note, first->note);
      AddNote(&reading.note, second->note);
      reading.start = first->first;
      reading.end = second->last;
      return reading;
    }
  }
  return ReadLoosely(reader);
}

}  // namespace

TimescaleParse ParseTimescale(absl::string_view text) {
  TimescaleParse parsed;
  std::string collapsed;
  collapsed.reserve(text.size());
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
        c == '\v') {
      space = !collapsed.empty();
      continue;
    }
    if (space) collapsed += ' ';
    space = false;
    collapsed += c;
  }
  if (collapsed.empty()) return parsed;

  const Reading reading = Read(Reader(Tokenize(collapsed)));
  v1::Timescale& timescale = parsed.timescale;
  parsed.note = reading.note;
  if (!reading.unreadable) {
    if (reading.start >= 0 && reading.end >= 0 && reading.start > reading.end) {
      parsed.note = absl::StrCat(reading.note, reading.note.empty() ? "" : "; ",
                                 "the range ends before it starts: no months");
    } else {
      if (reading.start >= 0) timescale.set_start(MonthText(reading.start));
      if (reading.end >= 0) timescale.set_end(MonthText(reading.end));
      timescale.set_ongoing(reading.ongoing);
    }
  }
  timescale.set_text(std::move(collapsed));
  return parsed;
}

bool IsOverdue(const v1::Timescale& timescale, v1::Rag rag,
               absl::CivilDay today) {
  if (timescale.ongoing() || rag == v1::BLUE) return false;
  const std::string& end = timescale.end();
  if (end.size() != 7 || end[4] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6}) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(end[i]))) return false;
  }
  const std::string now = absl::StrFormat(
      "%04d-%02d", static_cast<int>(today.year()), today.month());
  return end < now;
}

}  // namespace plan
