#include "libplan/formats/timescale.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libplan/util/uk_time.h"

namespace plan {
namespace {

namespace v1 = prevent::plan::v1;

constexpr int kMinYear = 1900;
constexpr int kMaxYear = 2199;

// A month as one number: year * 12 + (month - 1).
int MonthIndex(int year, int month) { return year * 12 + month - 1; }
int YearOf(int index) { return index / 12; }
int MonthOf(int index) { return index % 12 + 1; }

std::string MonthText(int index) {
  return absl::StrFormat("%04d-%02d", YearOf(index), MonthOf(index));
}

std::string MonthWords(int index) {
  return absl::StrCat(UkMonthName(MonthOf(index)), " ", YearOf(index));
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

// "1st", "2nd", "3rd", "24th": what may follow the digits of a number.
bool IsOrdinalSuffix(absl::string_view rest) {
  return rest == "st" || rest == "nd" || rest == "rd" || rest == "th";
}

// The token of a word that is not a number: its class in kWords, or kOther.
Token WordToken(absl::string_view word) {
  for (const WordClass& known : kWords) {
    if (known.word == word) return Token{known.type, known.value};
  }
  return Token{T::kOther};
}

// The token of a punctuation character that separates dates, or nullopt.
std::optional<T> PunctuationType(char c) {
  switch (c) {
    case '/':
      return T::kSlash;
    case ',':
    case ';':
      return T::kComma;
    case '+':
      return T::kPlus;
    case '&':
      return T::kAnd;
    default:
      return std::nullopt;
  }
}

// Characters that only separate words, as a space does.
bool IsSpaceLike(char c) {
  return c == ' ' || c == '.' || c == '(' || c == ')' || c == ':';
}

// Splits text (whitespace collapsed to single spaces) into tokens. Each token
// records whether it is written against the one before it, with no space,
// space-like punctuation or filler word between.
class Tokenizer {
 public:
  explicit Tokenizer(absl::string_view text) : text_(text) {}

  std::vector<Token> Tokens() && {
    while (i_ < text_.size()) Next();
    return std::move(tokens_);
  }

 private:
  // Reads what starts at i_: a space, a word or number, a dash, a separator,
  // or another character.
  void Next() {
    const char c = text_[i_];
    size_t dash_length = 0;
    if (IsSpaceLike(c)) {
      space_before_ = true;
      ++i_;
    } else if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      ReadWord();
    } else if (IsDashAt(text_, i_, &dash_length)) {
      Push({T::kDash});
      i_ += dash_length;
    } else if (const std::optional<T> type = PunctuationType(c)) {
      Push({*type});
      ++i_;
    } else {
      Push({T::kOther});
      SkipCharacter();
    }
  }

  // Reads a run of letters and digits (and a full stop after it: "Sept." and
  // "e.g." do not separate).
  void ReadWord() {
    size_t end = i_;
    while (end < text_.size() &&
           absl::ascii_isalnum(static_cast<unsigned char>(text_[end]))) {
      ++end;
    }
    const std::string word = absl::AsciiStrToLower(text_.substr(i_, end - i_));
    i_ = end;
    if (i_ < text_.size() && text_[i_] == '.') ++i_;
    if (absl::ascii_isdigit(word[0])) {
      PushNumber(word);
    } else if (IsFiller(word)) {
      space_before_ = true;
    } else if (word != "going" || !MergeOnGoing()) {
      Push(WordToken(word));
    }
  }

  // A number of at most 6 digits, perhaps ordinal ("24th"); anything else
  // that starts with a digit is kOther.
  void PushNumber(const std::string& word) {
    size_t digits = 0;
    while (digits < word.size() && absl::ascii_isdigit(word[digits])) {
      ++digits;
    }
    const absl::string_view rest = absl::string_view(word).substr(digits);
    if (digits > 6 || !(rest.empty() || IsOrdinalSuffix(rest))) {
      Push({T::kOther});
      return;
    }
    Token token{T::kNumber};
    token.value = std::stoi(word.substr(0, digits));
    token.digits = static_cast<int>(digits);
    token.ordinal = !rest.empty();
    Push(token);
  }

  // "on going" and "on-going" are "ongoing": on "going", turns a preceding
  // "on" (dropping a dash after it) into kOngoing. False, changing nothing,
  // when "going" follows no "on".
  bool MergeOnGoing() {
    const size_t n = tokens_.size();
    if (n >= 2 && tokens_[n - 1].type == T::kDash &&
        tokens_[n - 2].type == T::kOn) {
      tokens_.pop_back();
    }
    if (tokens_.empty() || tokens_.back().type != T::kOn) return false;
    tokens_.back().type = T::kOngoing;
    return true;
  }

  // Skips the byte at i_ and the rest of its UTF-8 character.
  void SkipCharacter() {
    ++i_;
    while (i_ < text_.size() &&
           (static_cast<uint8_t>(text_[i_]) & 0xC0) == 0x80) {
      ++i_;
    }
  }

  void Push(Token token) {
    token.attached = !space_before_;
    space_before_ = false;
    tokens_.push_back(token);
  }

  const absl::string_view text_;
  size_t i_ = 0;
  bool space_before_ = true;
  std::vector<Token> tokens_;
};

std::vector<Token> Tokenize(absl::string_view text) {
  return Tokenizer(text).Tokens();
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

bool IsSeparator(T type) {
  return type == T::kDash || type == T::kTo || type == T::kComma ||
         type == T::kSlash || type == T::kAnd || type == T::kPlus;
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

  // Whether any token is of `type`.
  bool Contains(T type) const {
    return std::any_of(
        tokens_.begin(), tokens_.end(),
        [type](const Token& token) { return token.type == type; });
  }
  // Whether every token is a separator or of one of `types`.
  bool OnlySeparatorsAnd(std::initializer_list<T> types) const {
    return std::all_of(
        tokens_.begin(), tokens_.end(), [types](const Token& token) {
          return IsSeparator(token.type) ||
                 std::find(types.begin(), types.end(), token.type) !=
                     types.end();
        });
  }

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
    if (*i >= tokens_.size()) return std::nullopt;
    switch (tokens_[*i].type) {
      case T::kModifier:
        return ReadModified(i);
      case T::kQuarter:
        return ReadQuarter(i);
      case T::kSeason:
        return ReadSeason(i);
      case T::kNumber:
        return ReadNumber(i);
      case T::kMonth:
        return ReadMonth(i);
      default:
        return std::nullopt;
    }
  }

 private:
  // Like ReadPoint, each of these reads a date that starts with a token of
  // its kind at `*i` and advances past it, or returns nullopt (and leaves
  // `*i` unchanged) when there is none.

  // "Early 2024", "mid-2024", "end of 2024"; "Early March 2024" is March.
  std::optional<Span> ReadModified(size_t* i) const {
    const int modifier = tokens_[*i].value;
    size_t k = *i + 1;
    if (At(k, T::kDash)) ++k;
    if (At(k, T::kMonth)) {
      Span month = ReadMonth(&k);
      *i = k;
      return month;
    }
    if (!AtYear(k)) return std::nullopt;
    const int year = tokens_[k].value;
    static constexpr int kFirst[] = {1, 5, 9, 12};
    static constexpr int kLast[] = {4, 8, 12, 12};
    static constexpr const char* kWord[] = {"early", "mid", "late",
                                            "the end of"};
    Span span;
    span.first = MonthIndex(year, kFirst[modifier]);
    span.last = MonthIndex(year, kLast[modifier]);
    span.note = absl::StrCat(
        "read ", kWord[modifier], " ", year, " as ", MonthWords(span.first),
        span.first == span.last ? std::string()
                                : absl::StrCat(" to ", MonthWords(span.last)));
    *i = k + 1;
    return span;
  }

  // "Q1 2024/25" (a financial quarter) or "Q1 2024" (a calendar quarter).
  std::optional<Span> ReadQuarter(size_t* i) const {
    const int q = tokens_[*i].value;
    size_t k = *i + 1;
    if (!AtYear(k)) return std::nullopt;
    const int year = tokens_[k].value;
    ++k;
    Span span;
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

  // "Spring 2024", "Winter 2024/25".
  std::optional<Span> ReadSeason(size_t* i) const {
    const int season = tokens_[*i].value;
    size_t k = *i + 1;
    if (!AtYear(k)) return std::nullopt;
    const int year = tokens_[k].value;
    ++k;
    ReadFinancialSecondYear(&k, year);  // "Winter 2024/25"
    static constexpr const char* kSeasonWord[] = {"spring", "summer", "autumn",
                                                  "winter"};
    Span span;
    span.first = MonthIndex(year, 3 + 3 * season);
    span.last = span.first + 2;
    span.note =
        absl::StrCat("read ", kSeasonWord[season], " ", year, " as ",
                     MonthWords(span.first), " to ", MonthWords(span.last));
    *i = k;
    return span;
  }

  // "1 July 2024", "03/2024", "31/03/2024", or a date that starts with a
  // year (ReadYear).
  std::optional<Span> ReadNumber(size_t* i) const {
    const Token& token = tokens_[*i];
    if (token.value >= 1 && token.value <= 31 && token.digits <= 2 &&
        At(*i + 1, T::kMonth)) {
      size_t k = *i + 1;
      Span month = ReadMonth(&k);
      *i = k;
      return month;
    }
    if (!token.ordinal && token.digits <= 2 && At(*i + 1, T::kSlash)) {
      return ReadSlashDate(i);
    }
    if (!IsYear(token)) return std::nullopt;
    return ReadYear(i);
  }

  // "03/2024", "31/03/2024": at `*i` a number of at most two digits, then a
  // slash.
  std::optional<Span> ReadSlashDate(size_t* i) const {
    const Token& token = tokens_[*i];
    int month = token.value;
    size_t after = *i + 2;
    if (after + 1 < tokens_.size() && tokens_[after].type == T::kNumber &&
        tokens_[after].digits <= 2 && At(after + 1, T::kSlash) &&
        token.value >= 1 && token.value <= 31) {
      month = tokens_[after].value;
      after += 2;
    }
    if (month < 1 || month > 12 || !AtYear(after)) return std::nullopt;
    Span span;
    span.first = span.last = MonthIndex(tokens_[after].value, month);
    *i = after + 1;
    return span;
  }

  // At `*i` a year: "2024-03" (a month), "2024/25", "2024-2025",
  // "2023 - 2025" (UK financial years) or "2024" (the calendar year).
  Span ReadYear(size_t* i) const {
    const int year = tokens_[*i].value;
    size_t k = *i + 1;
    Span span;
    if (IsMonthOfYearAt(k, year)) {
      span.first = span.last = MonthIndex(year, tokens_[k + 1].value);
      *i = k + 2;
      return span;
    }
    if (const int last_year = ReadLastFinancialYear(&k, year); last_year != 0) {
      span.first = MonthIndex(year, 4);
      span.last = MonthIndex(last_year, 3);
      span.note = absl::StrCat(
          "read ", year, "-", last_year, " as UK financial years (",
          MonthWords(span.first), " to ", MonthWords(span.last), ")");
      *i = k;
      return span;
    }
    span.first = MonthIndex(year, 1);
    span.last = MonthIndex(year, 12);
    span.note = absl::StrCat("read the year ", year,
                             " as the calendar year (January to December)");
    *i = k;
    return span;
  }

  // Whether `k`, just after `year`, holds "-03" of "2024-03": a dash and a
  // two-digit month, all written together, that is not the next year's
  // "-25" of "2024-25".
  bool IsMonthOfYearAt(size_t k, int year) const {
    if (!At(k, T::kDash) || !At(k + 1, T::kNumber)) return false;
    const Token& month = tokens_[k + 1];
    return tokens_[k].attached && month.attached && month.digits == 2 &&
           month.value != (year + 1) % 100 && month.value >= 1 &&
           month.value <= 12;
  }

  // The last of UK financial years written after `year` at `*k` ("/25",
  // "-2025", "to 2026", with no month after it), advancing past it; 0 (and
  // `*k` unchanged) when there is none.
  int ReadLastFinancialYear(size_t* k, int year) const {
    if (ReadFinancialSecondYear(k, year)) return year + 1;
    const bool joined = At(*k, T::kDash) || At(*k, T::kSlash) || At(*k, T::kTo);
    if (joined && AtYear(*k + 1) && tokens_[*k + 1].value > year &&
        !At(*k + 2, T::kMonth)) {
      *k += 2;
      return tokens_[*k - 1].value;
    }
    return 0;
  }

  // At `*i` a month: "March 2024", "March 24, 2024", "Mar 24", "Mar-24", or
  // a month with no year ("Feb" of "Feb – March 2025"). Always reads one.
  Span ReadMonth(size_t* i) const {
    const int month = tokens_[*i].value;
    const size_t k = SkipDayOfMonth(*i + 1);
    Span span;
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

  // "March 24, 2024": past the day (and comma) at `k` after a month when a
  // year follows them; otherwise `k`.
  size_t SkipDayOfMonth(size_t k) const {
    if (!At(k, T::kNumber) || IsYear(tokens_[k]) || tokens_[k].value < 1 ||
        tokens_[k].value > 31) {
      return k;
    }
    size_t after = k + 1;
    if (At(after, T::kComma)) ++after;
    return AtYear(after) ? after : k;
  }

  std::vector<Token> tokens_;
};

void AddNote(std::string* notes, absl::string_view note) {
  if (note.empty()) return;
  absl::StrAppend(notes, notes->empty() ? "" : "; ", note);
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

// Text of nothing but words that say it continues or recurs ("Ongoing",
// "Annually"), or that it is to be confirmed ("TBC"), with separators; nullopt
// for any other text.
std::optional<Reading> ReadWordsAlone(const Reader& reader) {
  const bool recurring = reader.Contains(T::kRecurring);
  if ((reader.Contains(T::kOngoing) || recurring) &&
      reader.OnlySeparatorsAnd({T::kOngoing, T::kRecurring})) {
    Reading reading;
    reading.ongoing = true;
    if (recurring) {
      reading.note = "a recurring action: read as ongoing, with no months";
    }
    return reading;
  }
  if (reader.Contains(T::kTbc) && reader.OnlySeparatorsAnd({T::kTbc})) {
    return Unreadable("to be confirmed: no months");
  }
  return std::nullopt;
}

// Words before the first date.
struct LeadingWords {
  bool by = false;       // "by", "before", "due": the date is the end
  bool from = false;     // "from", "starting": ongoing from the date
  bool ongoing = false;  // "ongoing from": the same, said outright
};

// Reads the leading words at `*i`, advancing past them.
LeadingWords ReadLeadingWords(const Reader& reader, size_t* i) {
  LeadingWords words;
  for (;; ++*i) {
    if (reader.At(*i, T::kBy)) {
      words.by = true;
    } else if (reader.At(*i, T::kFrom)) {
      words.from = true;
    } else if (reader.At(*i, T::kOngoing) && reader.At(*i + 1, T::kFrom)) {
      words.ongoing = true;
    } else {
      return words;
    }
  }
}

// The text is one date, `point`, after the leading `words`.
Reading ReadOneDate(const Span& point, const LeadingWords& words) {
  if (point.first < 0) return Unreadable("a month with no year");
  Reading reading;
  AddNote(&reading.note, point.note);
  if (words.from || words.ongoing) {
    reading.start = point.first;
    reading.ongoing = true;
    if (!words.ongoing) {
      AddNote(&reading.note,
              absl::StrCat("read as ongoing from ", MonthWords(reading.start)));
    }
  } else if (words.by) {
    reading.end = point.last;
  } else {
    reading.start = point.first;
    reading.end = point.last;
  }
  return reading;
}

// From `point`, with no end: ongoing ("Mar 2023 ongoing") or not ("Feb 2024
// –", whose note says the range has no end).
Reading ReadOpenEnded(const Span& point, bool ongoing) {
  if (point.first < 0) return Unreadable("a month with no year");
  Reading reading;
  AddNote(&reading.note, point.note);
  reading.start = point.first;
  if (ongoing) {
    reading.ongoing = true;
  } else {
    AddNote(&reading.note, "the range has no end");
  }
  return reading;
}

// A range from `first` whose dashes (or "to") start at `i`: "Feb 2024 –
// March 2025", "Feb 2024 – ongoing", "Feb 2024 –". Nullopt when what follows
// is not one date, "ongoing" or nothing.
std::optional<Reading> ReadRange(const Reader& reader, size_t i, Span first) {
  const size_t n = reader.size();
  while (reader.At(i, T::kDash) || reader.At(i, T::kTo)) ++i;
  if (i == n) return ReadOpenEnded(first, /*ongoing=*/false);
  if (reader.At(i, T::kOngoing) && i + 1 == n) {
    return ReadOpenEnded(first, /*ongoing=*/true);
  }
  std::optional<Span> second = reader.ReadPoint(&i);
  if (!second.has_value() || i != n) return std::nullopt;
  Reading reading;
  if (!ResolveYears(&first, &*second, &reading.note)) {
    return Unreadable("months with no year");
  }
  AddNote(&reading.note, first.note);
  AddNote(&reading.note, second->note);
  reading.start = first.first;
  reading.end = second->last;
  return reading;
}

Reading Read(const Reader& reader) {
  if (std::optional<Reading> words = ReadWordsAlone(reader)) return *words;
  size_t i = 0;
  const LeadingWords leading = ReadLeadingWords(reader, &i);
  const std::optional<Span> first = reader.ReadPoint(&i);
  if (!first.has_value()) return ReadLoosely(reader);
  const size_t n = reader.size();
  if (i == n) return ReadOneDate(*first, leading);
  const T next = reader.Get(i).type;
  if ((next == T::kOngoing || next == T::kPlus) && i + 1 == n && !leading.by) {
    // "Mar 2023 ongoing", "Mar 2023 +".
    return ReadOpenEnded(*first, /*ongoing=*/true);
  }
  if (next == T::kDash || next == T::kTo) {
    if (std::optional<Reading> range = ReadRange(reader, i, *first)) {
      return *range;
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
