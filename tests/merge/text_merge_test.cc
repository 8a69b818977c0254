#include "libplan/merge/text_merge.h"

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libplan/model/validation.h"

namespace plan {
namespace {

struct TextCase {
  std::string behaviour;
  std::string base;
  std::string current;
  std::string incoming;
  std::optional<std::string> merged;  // nullopt: a conflict
};

std::vector<TextCase> TextCases() {
  return {
      {"NothingChanged", "Deliver WRAP training", "Deliver WRAP training",
       "Deliver WRAP training", "Deliver WRAP training"},
      {"OnlyIncomingChangedTakesIncoming", "Deliver WRAP training",
       "Deliver WRAP training", "Deliver Prevent training",
       "Deliver Prevent training"},
      {"OnlyCurrentChangedKeepsCurrent", "Deliver WRAP training",
       "Deliver WRAP training to staff", "Deliver WRAP training",
       "Deliver WRAP training to staff"},
      {"HeaderExampleMerges", "Deliver WRAP training to staff",
       "Deliver WRAP training to all staff",
       "Deliver Prevent training to staff",
       "Deliver Prevent training to all staff"},
      {"EditsInDifferentSentencesMerge",
       "Review the local risk assessment. Share it with the partnership board.",
       "Review the local risk assessment annually. Share it with the "
       "partnership board.",
       "Review the local risk assessment. Share it with the Prevent "
       "partnership board.",
       "Review the local risk assessment annually. Share it with the Prevent "
       "partnership board."},
      {"EditsOfAdjacentWordsMergeAcrossTheSpaceBetween",
       "one two three four five", "one two 3 four five", "one two three 4 five",
       "one two 3 4 five"},
      {"IdenticalEditsApplyOnce", "a b c d e", "A b X d e", "a b X d E",
       "A b X d E"},
      {"IdenticalWholeEditsApplyOnce", "Deliver WRAP training",
       "Deliver Prevent training", "Deliver Prevent training",
       "Deliver Prevent training"},
      {"DifferentEditsOfTheSameWordConflict", "Status is red",
       "Status is amber", "Status is green", std::nullopt},
      {"OverlappingRewritesConflict", "one two three four five",
       "one 2-3 four five", "one two 3 4 five", std::nullopt},
      {"RewritesSharingAnIdenticalWordMerge", "one two three four five",
       "one TWO THREE four five", "one two THREE FOUR five",
       "one TWO THREE FOUR five"},
      {"WordAndTheFollowingPunctuationConflict", "Deliver training.",
       "Deliver workshops.", "Deliver training!", std::nullopt},
      {"DifferentInsertionsAtTheSamePointConflict", "one three",
       "one two three", "one 2 three", std::nullopt},
      {"IdenticalInsertionsAtTheSamePointApplyOnce", "one three five seven",
       "one two three five 7", "one two three five seven",
       "one two three five 7"},
      {"InsertionsAtDifferentPointsMerge", "a c e", "a b c e", "a c d e",
       "a b c d e"},
      {"InsertionsAtStartAndEndMerge", "middle", "start middle", "middle end",
       "start middle end"},
      {"DeleteVersusEditOfTheSameWordConflicts", "a b c", "a c", "a B c",
       std::nullopt},
      {"DeleteAndEditElsewhereMerge", "alpha beta gamma delta epsilon",
       "alpha gamma delta epsilon", "alpha beta gamma delta EPSILON",
       "alpha gamma delta EPSILON"},
      {"BothDeletingTheSameWordMerge", "a b c d", "a c D", "a c d", "a c D"},
      {"BothClearingTheTextIsIdentical", "some text", "", "", ""},
      {"ClearingVersusEditingConflicts", "some text", "", "some more text",
       std::nullopt},
      {"DifferentTextsFromEmptyBaseConflict", "", "one", "two", std::nullopt},
      {"TextFromEmptyBaseWhenTheOtherSideIsEmpty", "", "", "new text",
       "new text"},
      {"WhitespaceEditMergesWithAWordEdit", "Deliver  WRAP training",
       "Deliver WRAP training", "Deliver  WRAP courses",
       "Deliver WRAP courses"},
      {"Utf8WordsAndPunctuationMerge", "Café – réunion à 10h",
       "Café – réunion à 11h", "Café — réunion à 10h", "Café — réunion à 11h"},
      {"Utf8WordEditsConflictWholeWords", "une idée naïve", "une idée naïf",
       "une idée naïvement", std::nullopt},
      {"EmojiSequencesAreWordCharacters", "Plan 👩‍💻 team",
       "Plan 👩‍🔬 team", "Plan 👩‍💻 teams",
       "Plan 👩‍🔬 teams"},
      {"NoBreakSpaceSeparatesWords", "10\u00a0km north", "12\u00a0km north",
       "10\u00a0miles north", "12\u00a0miles north"},
      {"MultilineNotesMerge", "Q1: training booked.\nQ2: referrals reviewed.\n",
       "Q1: training delivered.\nQ2: referrals reviewed.\n",
       "Q1: training booked.\nQ2: referrals reviewed with police.\n",
       "Q1: training delivered.\nQ2: referrals reviewed with police.\n"},
  };
}

class MergeTextTest : public ::testing::TestWithParam<TextCase> {};

TEST_P(MergeTextTest, MergesAsSpecified) {
  const TextCase& c = GetParam();
  EXPECT_EQ(MergeText(c.base, c.current, c.incoming), c.merged);
}

TEST_P(MergeTextTest, SwappingSidesGivesTheSameResult) {
  const TextCase& c = GetParam();
  EXPECT_EQ(MergeText(c.base, c.incoming, c.current), c.merged);
}

INSTANTIATE_TEST_SUITE_P(Cases, MergeTextTest, ::testing::ValuesIn(TextCases()),
                         [](const ::testing::TestParamInfo<TextCase>& info) {
                           return info.param.behaviour;
                         });

struct TokenCase {
  std::string behaviour;
  std::string text;
  std::vector<std::string> tokens;
};

std::vector<TokenCase> TokenCases() {
  return {
      {"Empty", "", {}},
      {"WordsAndSeparatorRuns",
       "Deliver WRAP-training, now.",
       {"Deliver", " ", "WRAP", "-", "training", ", ", "now", "."}},
      {"LeadingAndTrailingSpace", "  a  ", {"  ", "a", "  "}},
      {"AccentedLettersAreWordCharacters", "réunion à", {"réunion", " ", "à"}},
      {"GeneralPunctuationSeparates", "a – “b”", {"a", " – “", "b", "”"}},
      {"NoBreakSpaceSeparates", "a\u00a0b", {"a", "\u00a0", "b"}},
      {"InvalidBytesAreWordCharacters",
       "\xff\xfe ab\xc3",
       {"\xff\xfe", " ", "ab\xc3"}},
      {"TruncatedSequenceIsNotSplitOff", "x\xe2\x80", {"x\xe2\x80"}},
      {"CjkPunctuationSeparates", "計画。次", {"計画", "。", "次"}},
  };
}

class TokenizeTextTest : public ::testing::TestWithParam<TokenCase> {};

TEST_P(TokenizeTextTest, SplitsIntoWordAndSeparatorRuns) {
  const TokenCase& c = GetParam();
  std::vector<std::string> tokens;
  for (absl::string_view token : TokenizeText(c.text)) {
    tokens.emplace_back(token);
  }
  EXPECT_EQ(tokens, c.tokens);
}

INSTANTIATE_TEST_SUITE_P(Cases, TokenizeTextTest,
                         ::testing::ValuesIn(TokenCases()),
                         [](const ::testing::TestParamInfo<TokenCase>& info) {
                           return info.param.behaviour;
                         });

// Whether `text` is well-formed UTF-8 (CheckText also refuses NUL, which the
// random texts never hold).
bool IsValidUtf8(absl::string_view text) {
  return CheckText(text, text.size()).empty();
}

uint64_t TestSeed() {
  uint64_t seed = std::random_device()();
  if (const char* fixed = std::getenv("TEXT_MERGE_TEST_SEED")) {
    EXPECT_TRUE(absl::SimpleAtoi(fixed, &seed)) << fixed;
  }
  std::cout << "TEXT_MERGE_TEST_SEED=" << seed << std::endl;
  return seed;
}

// Pieces random texts are made of: words (some multi-byte), separators, and a
// few that repeat so that diffs have ambiguous alignments.
const std::vector<std::string>& Pieces() {
  static const auto* const pieces = new std::vector<std::string>{
      "a",           "b",      "the", "plan", "é",  "naïve", "計画",
      "👩‍💻", " ",      " ",   "  ",   ", ", ".",     "\n",
      "–",           "\u00a0", "x",   "y",    " ",  "the"};
  return *pieces;
}

std::string RandomText(std::mt19937_64& random, int max_pieces) {
  std::string text;
  const int count = static_cast<int>(random() % (max_pieces + 1));
  for (int i = 0; i < count; ++i) text += Pieces()[random() % Pieces().size()];
  return text;
}

// `text` with a few random pieces replaced, inserted or deleted.
std::string RandomEdit(const std::string& text, std::mt19937_64& random) {
  std::vector<std::string> tokens;
  for (absl::string_view token : TokenizeText(text)) tokens.emplace_back(token);
  const int edits = static_cast<int>(random() % 4);
  for (int i = 0; i < edits; ++i) {
    const size_t at = tokens.empty() ? 0 : random() % (tokens.size() + 1);
    const std::string& piece = Pieces()[random() % Pieces().size()];
    switch (random() % 3) {
      case 0:
        tokens.insert(tokens.begin() + at, piece);
        break;
      case 1:
        if (at < tokens.size()) tokens[at] = piece;
        break;
      default:
        if (at < tokens.size()) tokens.erase(tokens.begin() + at);
        break;
    }
  }
  return absl::StrJoin(tokens, "");
}

TEST(MergeTextPropertyTest, InvariantsHoldForRandomEdits) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(absl::StrCat("TEXT_MERGE_TEST_SEED=", seed));
  std::mt19937_64 random(seed);
  int clean = 0;
  for (int round = 0; round < 5000; ++round) {
    const std::string base = RandomText(random, 12);
    const std::string current = RandomEdit(base, random);
    const std::string incoming = RandomEdit(base, random);
    SCOPED_TRACE(absl::StrCat("base \"", base, "\" current \"", current,
                              "\" incoming \"", incoming, "\""));
    std::string joined;
    for (absl::string_view token : TokenizeText(current)) {
      joined.append(token.data(), token.size());
    }
    ASSERT_EQ(joined, current);

    const std::optional<std::string> merged =
        MergeText(base, current, incoming);
    ASSERT_EQ(MergeText(base, incoming, current), merged);
    ASSERT_EQ(MergeText(base, current, current), current);
    ASSERT_EQ(MergeText(base, base, incoming), incoming);
    ASSERT_EQ(MergeText(base, current, base), current);
    if (merged.has_value()) {
      ++clean;
      ASSERT_TRUE(IsValidUtf8(*merged));
    }
  }
  // Most random pairs of small edits to a short text do not overlap.
  EXPECT_GT(clean, 2500);
}

// Distinct words so that every diff is unambiguous.
std::vector<std::string> DistinctWords(int count, const std::string& prefix) {
  std::vector<std::string> words;
  for (int i = 0; i < count; ++i) words.push_back(absl::StrCat(prefix, i));
  return words;
}

TEST(MergeTextPropertyTest, ReplacementsOfDifferentWordsAlwaysMerge) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(absl::StrCat("TEXT_MERGE_TEST_SEED=", seed));
  std::mt19937_64 random(seed);
  for (int round = 0; round < 500; ++round) {
    const std::vector<std::string> base = DistinctWords(1 + random() % 30, "w");
    std::vector<std::string> current = base;
    std::vector<std::string> incoming = base;
    std::vector<std::string> expected = base;
    for (size_t i = 0; i < base.size(); ++i) {
      switch (random() % 4) {
        case 0:
          current[i] = expected[i] = absl::StrCat("c", i);
          break;
        case 1:
          incoming[i] = expected[i] = absl::StrCat("i", i);
          break;
        default:
          break;
      }
    }
    const std::string base_text = absl::StrJoin(base, " ");
    const std::string current_text = absl::StrJoin(current, " ");
    const std::string incoming_text = absl::StrJoin(incoming, " ");
    SCOPED_TRACE(absl::StrCat("base \"", base_text, "\" current \"",
                              current_text, "\" incoming \"", incoming_text,
                              "\""));
    EXPECT_EQ(MergeText(base_text, current_text, incoming_text),
              absl::StrJoin(expected, " "));
  }
}

TEST(MergeTextLimitTest, ManyScatteredEditsWithinTheLimitMerge) {
  std::vector<std::string> base = DistinctWords(1500, "w");
  std::vector<std::string> current = base;
  std::vector<std::string> incoming = base;
  std::vector<std::string> expected = base;
  for (size_t i = 0; i < base.size(); i += 4) {
    current[i] = expected[i] = absl::StrCat("c", i);
    incoming[i + 2] = expected[i + 2] = absl::StrCat("i", i);
  }
  EXPECT_EQ(MergeText(absl::StrJoin(base, " "), absl::StrJoin(current, " "),
                      absl::StrJoin(incoming, " ")),
            absl::StrJoin(expected, " "));
}

TEST(MergeTextLimitTest, RewriteBeyondTheLimitIsAConflict) {
  const std::vector<std::string> base = DistinctWords(1500, "w");
  std::vector<std::string> incoming = base;
  incoming[0] = "changed";
  // Rewriting every word is 3,000 token edits: more than the limit.
  EXPECT_EQ(MergeText(absl::StrJoin(base, " "),
                      absl::StrJoin(DistinctWords(1500, "r"), " "),
                      absl::StrJoin(incoming, " ")),
            std::nullopt);
}

TEST(MergeTextLimitTest, UnchangedSideNeedsNoDiffWhateverTheSize) {
  const std::string base = absl::StrJoin(DistinctWords(5000, "w"), " ");
  const std::string rewritten = absl::StrJoin(DistinctWords(5000, "r"), " ");
  EXPECT_EQ(MergeText(base, base, rewritten), rewritten);
  EXPECT_EQ(MergeText(base, rewritten, base), rewritten);
}

TEST(MergeTextLimitTest, WorstCaseInputsFinishQuickly) {
  // Alternating one-character words: as many tokens as characters.
  std::string base;
  std::string current;
  std::string incoming;
  for (int i = 0; i < 2000; ++i) {
    base += i % 2 == 0 ? "a " : "b ";
    current += i % 3 == 0 ? "b " : "a ";
    incoming += i % 5 == 0 ? "a " : "b ";
  }
  // Whatever the answer, it must come back (ctest's timeout guards the time).
  const std::optional<std::string> merged = MergeText(base, current, incoming);
  EXPECT_EQ(MergeText(base, incoming, current), merged);
}

}  // namespace
}  // namespace plan
