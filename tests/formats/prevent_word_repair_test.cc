#include "libplan/formats/prevent_word_repair.h"

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace plan::prevent_text {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Joins `cells` after `text` as the row `row` of a document of `lines`.
std::string Rejoin(const std::vector<std::string>& lines, std::string text,
                   const std::vector<std::string>& cells,
                   const std::string& row, std::vector<std::string>* repairs) {
  const Vocabulary vocabulary(lines);
  return RejoinCells(
      std::move(text), cells, row,
      [&]() -> const Vocabulary& { return vocabulary; }, repairs);
}

TEST(VocabularyTest, KnowsCommonWordsAndTheDocumentsOutsideTheRow) {
  const Vocabulary vocabulary({"Channel panels refer", "refer early"});
  EXPECT_THAT(Vocabulary::WordsOf("Co-ordinator's 2 panels"),
              ElementsAre("co", "ordinator", "s", "panels"));
  EXPECT_TRUE(vocabulary.Knows("the", {}));
  EXPECT_TRUE(vocabulary.Knows("panels", {}));
  EXPECT_FALSE(vocabulary.Knows("panel", {}));
  // A word only in the row itself is not known from the document.
  EXPECT_FALSE(vocabulary.Knows("panels", Vocabulary::Count("panels")));
  EXPECT_TRUE(vocabulary.Knows("refer", Vocabulary::Count("refer")));
}

TEST(RejoinCellsTest, TheSeedsIndividualsStrand) {
  // Line 86 of the South Staffordshire plan: "people f<TAB>rom being drawn
  // into terrorisr<TAB>n and ensuring ...".
  const std::string row =
      "Individuals - preventing people f\trom being drawn into terrorisr\tn "
      "and ensuring they are given appropriate advice and support";
  std::vector<std::string> repairs;
  EXPECT_EQ(Rejoin({row, "tackling terrorism"}, "preventing people f",
                   {"rom being drawn into terrorisr",
                    "n and ensuring they are given appropriate advice and "
                    "support"},
                   row, &repairs),
            "preventing people from being drawn into terrorism and ensuring "
            "they are given appropriate advice and support");
  EXPECT_THAT(repairs, ElementsAre("\"f|rom\" as \"from\"",
                                   "\"terrorisr|n\" as \"terrorism\""));
}

TEST(RejoinCellsTest, WordsTheDocumentKnowsJoinWhenTheHalvesAreNot) {
  std::vector<std::string> repairs;
  EXPECT_EQ(Rejoin({"safeguarding partners"}, "for safe", {"guarding leads"},
                   "for safe\tguarding leads", &repairs),
            "for safeguarding leads");
  EXPECT_THAT(repairs, ElementsAre("\"safe|guarding\" as \"safeguarding\""));
}

TEST(RejoinCellsTest, WholeWordsKeepTheirSpace) {
  std::vector<std::string> repairs;
  EXPECT_EQ(Rejoin({"x"}, "working with", {"the sectors", "", "a plan"},
                   "working with\tthe sectors\t\ta plan", &repairs),
            "working with the sectors a plan");
  EXPECT_EQ(
      Rejoin({"x"}, "", {"Prevent", "(duty)"}, "Prevent\t(duty)", &repairs),
      "Prevent (duty)");
  EXPECT_THAT(repairs, IsEmpty());
}

}  // namespace
}  // namespace plan::prevent_text
