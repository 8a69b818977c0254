#include "libplan/formats/prevent_actions.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libplan/formats/prevent_words.h"
#include "libplan/formats/timescale.h"
#include "libplan/model/validation.h"
#include "libplan/util/utf8.h"

namespace plan::prevent_text {
namespace {

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

// Whether the word that ends with text[end] is an abbreviation ("e.g.", a
// single letter), so that a full stop there ends no sentence.
bool IsAbbreviationAt(absl::string_view text, size_t end) {
  static constexpr absl::string_view kAbbreviations[] = {
      "e.g.", "i.e.", "etc.", "mr.", "mrs.", "ms.", "dr.", "st.", "no."};
  const size_t space = text.rfind(' ', end);
  const size_t start = space == absl::string_view::npos ? 0 : space + 1;
  const absl::string_view word = text.substr(start, end + 1 - start);
  if (LettersOf(word).size() <= 1) return true;
  const std::string lower = Lower(word);
  for (absl::string_view a : kAbbreviations) {
    if (lower == a) return true;
  }
  return false;
}

// Splits `text` into sentences at ". ", "? " and "! " before a capital.
std::vector<std::string> Sentences(absl::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i + 2 < text.size(); ++i) {
    const char c = text[i];
    if ((c != '.' && c != '?' && c != '!') || text[i + 1] != ' ' ||
        !absl::ascii_isupper(static_cast<unsigned char>(text[i + 2]))) {
      continue;
    }
    if (IsAbbreviationAt(text, i)) continue;
    out.push_back(std::string(text.substr(start, i + 1 - start)));
    start = i + 2;
  }
  out.push_back(std::string(text.substr(start)));
  return out;
}

std::string OwnerNamesNoAction(const std::string& owner) {
  return absl::StrCat("the organisation ", QuoteForMessage(owner),
                      " names no action: ignored");
}

class ActionSplitter {
 public:
  ActionSplitter(const RawActivity& raw, const std::vector<DateEntry>& dates,
                 WarningSink* warnings)
      : raw_(raw), dated_(raw.rows.size()), warnings_(warnings) {
    for (const DateEntry& date : dates) dated_[date.row] = true;
  }

  std::vector<ActionDraft> Split();

 private:
  void ReadRow(size_t r);
  // Adds row r to the action above when it continues it; whether it did.
  bool Continues(size_t r, const RawRow& row);
  void AddListItem(ActionDraft* list, size_t r, const RawRow& row);
  void Start(size_t r, const RawRow& row);
  // An organisation row waits for the action below it.
  void AwaitOwner(const RawRow& row);
  void DropPendingOwner();

  const RawActivity& raw_;
  std::vector<bool> dated_;
  WarningSink* const warnings_;
  std::vector<ActionDraft> actions_;
  std::string pending_owner_;
  int pending_line_ = 0;
};

std::vector<ActionDraft> ActionSplitter::Split() {
  for (size_t r = 0; r < raw_.rows.size(); ++r) ReadRow(r);
  DropPendingOwner();
  for (const ActionDraft& action : actions_) {
    if (action.list_items == 0) continue;
    warnings_->Warn(
        action.line,
        absl::StrCat(
            QuoteForMessage(action.text.substr(0, action.text.find(':') + 1)),
            " is followed by ", action.list_items,
            " rows listing what it covers: read as one action listing them"));
  }
  return std::move(actions_);
}

void ActionSplitter::ReadRow(size_t r) {
  const RawRow& row = raw_.rows[r];
  if (!row.owner.empty() && row.action.empty()) {
    AwaitOwner(row);
    return;
  }
  if (row.action.empty()) return;
  const bool new_owner = !row.owner.empty() || !pending_owner_.empty();
  if (!actions_.empty() && !new_owner && Continues(r, row)) return;
  // A list that ended before any item.
  if (!actions_.empty()) actions_.back().list = false;
  Start(r, row);
}

bool ActionSplitter::Continues(size_t r, const RawRow& row) {
  ActionDraft& current = actions_.back();
  if (!row.wrap && current.list && !dated_[r]) {
    AddListItem(&current, r, row);
    return true;
  }
  if (!row.wrap && !StartsLower(row.action) && !EndsOpen(current.text)) {
    return false;
  }
  absl::StrAppend(&current.text, " ", row.action);
  current.last_row = r;
  if (absl::EndsWith(current.text, ":")) current.list = true;
  return true;
}

void ActionSplitter::AddListItem(ActionDraft* list, size_t r,
                                 const RawRow& row) {
  if (StartsLower(row.action)) {
    absl::StrAppend(&list->text, " ", row.action);
  } else {
    absl::StrAppend(&list->text, list->list_items == 0 ? " " : ", ",
                    row.action);
    ++list->list_items;
  }
  list->last_row = r;
  if (absl::EndsWith(row.action, ".")) list->list = false;
}

void ActionSplitter::Start(size_t r, const RawRow& row) {
  ActionDraft draft;
  draft.text = row.action;
  draft.line = row.line;
  draft.first_row = draft.last_row = r;
  draft.rag = row.rag;
  if (!row.owner.empty()) {
    draft.owner = row.owner;
    draft.owner_line = row.line;
    if (!pending_owner_.empty()) {
      warnings_->Warn(pending_line_, OwnerNamesNoAction(pending_owner_));
    }
  } else if (!pending_owner_.empty()) {
    draft.owner = pending_owner_;
    draft.owner_line = pending_line_;
  }
  pending_owner_.clear();
  draft.list = absl::EndsWith(draft.text, ":");
  actions_.push_back(std::move(draft));
}

void ActionSplitter::AwaitOwner(const RawRow& row) {
  DropPendingOwner();
  pending_owner_ = row.owner;
  pending_line_ = row.line;
}

void ActionSplitter::DropPendingOwner() {
  if (pending_owner_.empty()) return;
  warnings_->Warn(pending_line_, OwnerNamesNoAction(pending_owner_));
  pending_owner_.clear();
}

// The texts of `dates`.
std::vector<std::string> TextsOf(const std::vector<DateEntry>& dates) {
  std::vector<std::string> texts;
  for (const DateEntry& date : dates) texts.push_back(date.text);
  return texts;
}

std::vector<std::string> TextsOf(const std::vector<const DateEntry*>& dates) {
  std::vector<std::string> texts;
  for (const DateEntry* date : dates) texts.push_back(date->text);
  return texts;
}

// An action beside as many dates as it has sentences becomes one action per
// sentence; the others are kept.
std::vector<ActionDraft> SplitBySentence(const std::vector<DateEntry>& dates,
                                         std::vector<ActionDraft> actions,
                                         WarningSink* warnings) {
  absl::flat_hash_map<size_t, std::vector<const DateEntry*>> by_row;
  for (const DateEntry& date : dates) by_row[date.row].push_back(&date);
  std::vector<ActionDraft> split;
  split.reserve(actions.size());
  for (ActionDraft& action : actions) {
    auto own = by_row.find(action.first_row);
    std::vector<std::string> sentences;
    if (own != by_row.end() && own->second.size() >= 2) {
      sentences = Sentences(action.text);
    }
    if (sentences.size() < 2 || sentences.size() != own->second.size()) {
      split.push_back(std::move(action));
      continue;
    }
    const std::vector<std::string> texts = TextsOf(own->second);
    warnings->Warn(
        action.line,
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
  return split;
}

// As many dates as actions: paired in order.
void PairInOrder(const RawActivity& raw, const std::vector<DateEntry>& dates,
                 std::vector<ActionDraft>* actions, WarningSink* warnings) {
  bool aligned = true;
  for (size_t i = 0; i < dates.size(); ++i) {
    aligned = aligned && dates[i].row >= (*actions)[i].first_row &&
              dates[i].row <= (*actions)[i].last_row;
  }
  if (!aligned) {
    const std::vector<std::string> texts = TextsOf(dates);
    warnings->Warn(
        dates.front().line,
        absl::StrCat("the timescales of ",
                     QuoteForMessage(absl::StrJoin(raw.title_parts, " ")),
                     " are listed apart from its actions (",
                     absl::StrJoin(texts, ", "),
                     "): as many dates as "
                     "actions, paired in order"));
  }
  for (size_t i = 0; i < dates.size(); ++i) {
    (*actions)[i].timescale =
        ReadTimescale(dates[i].text, dates[i].line, warnings);
  }
}

// Each action takes the dates beside its rows; a date beside no action
// belongs to the action above it.
void AssignByRow(const std::vector<DateEntry>& dates,
                 std::vector<ActionDraft>* actions, WarningSink* warnings) {
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
    const int line = own[a][0]->line;
    if (own[a].size() == 1) {
      action.timescale = ReadTimescale(own[a][0]->text, line, warnings);
      continue;
    }
    const std::vector<std::string> texts = TextsOf(own[a]);
    const std::string joined = absl::StrJoin(texts, " / ");
    warnings->Warn(
        line, absl::StrCat("the action ", QuoteForMessage(action.text), " has ",
                           texts.size(), " timescales: read together as ",
                           QuoteForMessage(joined)));
    action.timescale = ReadTimescale(joined, line, warnings);
  }
}

// An action with no date of its own shares the timescale written above it:
// the timescale cell spans the rows of the activity.
void ShareTimescalesDown(std::vector<ActionDraft>* actions,
                         WarningSink* warnings) {
  for (size_t a = 1; a < actions->size(); ++a) {
    ActionDraft& action = (*actions)[a];
    const ActionDraft& above = (*actions)[a - 1];
    if (action.timescale.has_value() || !above.timescale.has_value()) continue;
    action.timescale = above.timescale;
    warnings->Warn(
        action.line,
        absl::StrCat("the action ", QuoteForMessage(action.text),
                     " has no timescale of its own: given the one above it, ",
                     QuoteForMessage(above.timescale->text())));
  }
}

}  // namespace

std::vector<std::string> SplitDates(const std::string& cell) {
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

std::vector<DateEntry> ActivityDates(const RawActivity& raw) {
  std::vector<DateEntry> dates;
  for (size_t r = 0; r < raw.rows.size(); ++r) {
    const RawRow& row = raw.rows[r];
    if (row.timescale.empty()) continue;
    for (std::string& piece : SplitDates(row.timescale)) {
      dates.push_back({std::move(piece), row.line, r});
    }
  }
  return dates;
}

std::vector<ActionDraft> SplitActions(const RawActivity& raw,
                                      const std::vector<DateEntry>& dates,
                                      WarningSink* warnings) {
  return ActionSplitter(raw, dates, warnings).Split();
}

void AssignTimescales(const RawActivity& raw, std::vector<DateEntry> dates,
                      std::vector<ActionDraft>* actions,
                      WarningSink* warnings) {
  *actions = SplitBySentence(dates, std::move(*actions), warnings);
  if (actions->empty()) {
    if (!dates.empty()) {
      warnings->Warn(dates.front().line, "a timescale with no action: ignored");
    }
    return;
  }
  if (dates.size() == actions->size()) {
    PairInOrder(raw, dates, actions, warnings);
    return;
  }
  AssignByRow(dates, actions, warnings);
  ShareTimescalesDown(actions, warnings);
  for (const ActionDraft& action : *actions) {
    if (!action.timescale.has_value()) {
      warnings->Warn(action.line,
                     absl::StrCat("the action ", QuoteForMessage(action.text),
                                  " has no timescale"));
    }
  }
}

v1::Timescale ReadTimescale(const std::string& text, int line,
                            WarningSink* warnings) {
  TimescaleParse parsed = ParseTimescale(text);
  if (!parsed.note.empty()) {
    warnings->Warn(line, absl::StrCat("timescale ",
                                      QuoteForMessage(parsed.timescale.text()),
                                      ": ", parsed.note));
  }
  if (Utf8CharCount(parsed.timescale.text()) > kMaxTitleLength) {
    parsed.timescale.set_text(FitText(parsed.timescale.text(), kMaxTitleLength,
                                      line, "the timescale", warnings));
  }
  return parsed.timescale;
}

}  // namespace plan::prevent_text
