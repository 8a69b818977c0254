#include "libplan/formats/prevent_lead.h"

#include <algorithm>
#include <initializer_list>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libplan/formats/import_support.h"
#include "libplan/formats/prevent_words.h"

namespace plan::prevent_text {
namespace {

// Whether the letters of `word` (LettersOf) are one of `list`.
template <size_t N>
bool LettersAreOneOf(absl::string_view word,
                     const absl::string_view (&list)[N]) {
  const std::string letters = LettersOf(word);
  for (absl::string_view entry : list) {
    if (letters == entry) return true;
  }
  return false;
}

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
  return LettersAreOneOf(word, kHeads);
}

// Words that come before a head word in an organisation's name.
bool IsModifierWord(absl::string_view word) {
  static constexpr absl::string_view kModifiers[] = {
      "county",    "district",    "borough",      "city",   "parish",
      "town",      "unitary",     "metropolitan", "fire",   "and",
      "rescue",    "nhs",         "foundation",   "health", "care",
      "ambulance", "partnership", "community",    "youth",  "offending"};
  return LettersAreOneOf(word, kModifiers) || word == "&";
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
  return LettersAreOneOf(word, kPlaces);
}

bool IsPrisonPrefix(absl::string_view word) {
  static constexpr absl::string_view kPrefixes[] = {"hmp", "yoi", "hmyoi",
                                                    "hmpyoi"};
  return StartsUpper(word) && LettersAreOneOf(word, kPrefixes);
}

bool IsRoleWord(absl::string_view word) {
  static constexpr absl::string_view kRoles[] = {
      "coordinator", "officer",  "manager",      "lead",      "team",
      "head",        "director", "champion",     "champions", "chair",
      "board",       "officers", "coordinators", "leads",     "teams",
      "adviser",     "advisor",  "practitioner", "worker",    "safeguarding"};
  return LettersAreOneOf(word, kRoles);
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

// A word that may stand before a head word inside a name: capitalised, or
// "&", "and", "on", "under" ("Stoke on Trent", "Fire and Rescue").
bool MayContinueName(absl::string_view word) {
  const std::string lower = Lower(word);
  return StartsUpper(word) || word == "&" || lower == "and" || lower == "on" ||
         lower == "under";
}

// The words of a lead cell, each claimed by at most one organisation.
class LeadWords {
 public:
  explicit LeadWords(absl::string_view text)
      : words_(Words(text)), owner_(words_.size(), -1) {}

  // Claims, in this order, known partners' names, prisons, and names ending
  // in a head word; adds a note for each "... Prevent (Team)".
  void ClaimKnownOrganisations();
  void ClaimPrisons();
  void ClaimHeadWords(std::vector<std::string>* notes);

  // The organisations claimed, in the order the cell names them.
  std::vector<std::string> Organisations() const;
  // The words no organisation claimed, in order.
  std::vector<absl::string_view> Unclaimed() const;

 private:
  bool Free(size_t k) const { return k < words_.size() && owner_[k] < 0; }
  void Claim(size_t first, size_t last);
  std::string Join(size_t first, size_t last) const {
    return absl::StrJoin(words_.begin() + first, words_.begin() + last, " ");
  }
  // Whether the free words from `i` on are `name`, case aside.
  bool MatchesAt(size_t i, const std::vector<absl::string_view>& name) const;
  // The first word of the name whose head word is words_[head].
  size_t NameStart(size_t head) const;
  // Claims the name words_[first, head]; returns the word after it.
  size_t ClaimName(size_t first, size_t head, std::vector<std::string>* notes);

  const std::vector<absl::string_view> words_;
  // The organisation (index into spans_) each word belongs to, or -1.
  std::vector<int> owner_;
  // Each organisation's words [first, last).
  std::vector<std::pair<size_t, size_t>> spans_;
};

void LeadWords::Claim(size_t first, size_t last) {
  for (size_t k = first; k < last; ++k) {
    owner_[k] = static_cast<int>(spans_.size());
  }
  spans_.push_back({first, last});
}

bool LeadWords::MatchesAt(size_t i,
                          const std::vector<absl::string_view>& name) const {
  for (size_t k = 0; k < name.size(); ++k) {
    // Whole words only: "Staffordshire's" is not "Staffordshire".
    if (!Free(i + k) || !absl::EqualsIgnoreCase(words_[i + k], name[k])) {
      return false;
    }
  }
  return true;
}

void LeadWords::ClaimKnownOrganisations() {
  for (absl::string_view known : kKnownOrganisations) {
    const std::vector<absl::string_view> name = Words(known);
    for (size_t i = 0; i + name.size() <= words_.size(); ++i) {
      if (MatchesAt(i, name)) Claim(i, i + name.size());
    }
  }
}

// "HMP Oakwood", "YOI Brinsford", "HMP & YOI Brinsford".
void LeadWords::ClaimPrisons() {
  for (size_t i = 0; i < words_.size(); ++i) {
    if (!Free(i) || !IsPrisonPrefix(words_[i])) continue;
    size_t k = i + 1;
    while (Free(k) && (IsPrisonPrefix(words_[k]) || words_[k] == "&" ||
                       Lower(words_[k]) == "and")) {
      ++k;
    }
    if (Free(k) && StartsUpper(words_[k]) && !IsPrisonPrefix(words_[k])) {
      Claim(i, k + 1);
      i = k;
    }
  }
}

// "South Staffordshire Council", "Staffordshire Police".
void LeadWords::ClaimHeadWords(std::vector<std::string>* notes) {
  for (size_t i = 0; i < words_.size(); ++i) {
    if (!Free(i) || !IsHeadWord(words_[i]) || !StartsUpper(words_[i])) {
      continue;
    }
    i = ClaimName(NameStart(i), i, notes) - 1;
  }
}

size_t LeadWords::NameStart(size_t head) const {
  size_t first = head;
  bool place = false;
  while (first > 0 && Free(first - 1)) {
    const absl::string_view before = words_[first - 1];
    if (!MayContinueName(before)) break;
    if (IsPlaceWord(before)) {
      place = true;
    } else if (IsModifierWord(before)) {
      if (place) break;  // "... Council" after a place is another name
    } else if (place || absl::StrContains(before, "/") || IsRoleWord(before)) {
      break;
    }
    --first;
  }
  // A name begins with a capital ("on", "and" cannot begin one).
  while (first < head && !StartsUpper(words_[first])) ++first;
  return first;
}

size_t LeadWords::ClaimName(size_t first, size_t head,
                            std::vector<std::string>* notes) {
  size_t last = head + 1;
  if (!Free(last) || LettersOf(words_[last]) != "prevent") {
    Claim(first, last);
    return last;
  }
  // "Staffordshire Police Prevent (Team)": the force's Prevent team.
  notes->push_back(absl::StrCat("read ", QuoteForMessage(Join(first, last + 1)),
                                " as ", Join(first, last),
                                " (its Prevent team)"));
  ++last;
  if (Free(last) && LettersOf(words_[last]) == "team") ++last;
  Claim(first, last);
  // The organisation is the name before "Prevent".
  spans_.back().second = head + 1;
  return last;
}

std::vector<std::string> LeadWords::Organisations() const {
  std::vector<std::pair<size_t, size_t>> ordered = spans_;
  std::sort(ordered.begin(), ordered.end());
  std::vector<std::string> names;
  for (const auto& [first, last] : ordered) names.push_back(Join(first, last));
  return names;
}

std::vector<absl::string_view> LeadWords::Unclaimed() const {
  std::vector<absl::string_view> rest;
  for (size_t i = 0; i < words_.size(); ++i) {
    if (owner_[i] < 0) rest.push_back(words_[i]);
  }
  return rest;
}

bool AnyRoleWord(const std::vector<absl::string_view>& words) {
  return std::any_of(words.begin(), words.end(), IsRoleWord);
}

// A lead cell that names no organisation we know: `rest` is all its words.
void ReadWithNoOrganisation(absl::string_view text,
                            const std::vector<absl::string_view>& rest,
                            LeadReading* reading) {
  if (AnyRoleWord(rest)) {
    reading->officer = std::string(text);
    reading->notes.push_back(
        absl::StrCat(QuoteForMessage(text),
                     " names a role but no organisation we know: kept as "
                     "the lead officer, with no lead organisation"));
    return;
  }
  reading->organisations.push_back(std::string(text));
  reading->notes.push_back(absl::StrCat("read ", QuoteForMessage(text),
                                        " as the name of one organisation"));
}

// Whether `words` name people: two or more capitalised words that say
// nothing of a place or a body ("Michelle Jewell/Maggie Quinn").
bool NamesPeople(const std::vector<absl::string_view>& words) {
  if (words.size() < 2) return false;
  for (absl::string_view word : words) {
    if (!StartsUpper(word) || !HasLower(word) || IsPlaceWord(word) ||
        IsModifierWord(word) || IsHeadWord(word)) {
      return false;
    }
  }
  return true;
}

// What remains of a lead cell beside its organisations: `rest`, not empty.
void ReadRemainder(absl::string_view text,
                   const std::vector<absl::string_view>& rest,
                   LeadReading* reading) {
  const std::string remainder = absl::StrJoin(rest, " ");
  const bool role = AnyRoleWord(rest);
  if (!role && (IsConnectingWord(rest.back()) ||
                absl::EqualsIgnoreCase(rest.back(), "promoted"))) {
    // "Available online but promoted by South Staffordshire Council".
    reading->officer = std::string(text);
    reading->notes.push_back(
        absl::StrCat("lead ", QuoteForMessage(text), ": the organisation is ",
                     absl::StrJoin(reading->organisations, ", "),
                     "; the whole cell is kept as a note in the lead officer"));
    return;
  }
  reading->officer = remainder;
  if (!role && NamesPeople(rest)) {
    reading->notes.push_back(absl::StrCat(
        "the lead officer ", QuoteForMessage(remainder),
        " names people: kept as written, but the plan should name a role "
        "(it holds no personal data)"));
  }
}

}  // namespace

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
  LeadWords words(text);
  words.ClaimKnownOrganisations();
  words.ClaimPrisons();
  words.ClaimHeadWords(&reading.notes);
  reading.organisations = words.Organisations();
  const std::vector<absl::string_view> rest = words.Unclaimed();
  if (reading.organisations.empty()) {
    ReadWithNoOrganisation(text, rest, &reading);
  } else if (!rest.empty()) {
    ReadRemainder(text, rest, &reading);
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

}  // namespace plan::prevent_text
