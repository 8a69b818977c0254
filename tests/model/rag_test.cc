#include "libplan/model/rag.h"

#include "gtest/gtest.h"

namespace plan {
namespace {

TEST(RagTest, EachStatusHasOneNameLabelClassAndSymbol) {
  EXPECT_EQ(RagName(v1::RED), "RED");
  EXPECT_EQ(RagName(v1::BLUE), "BLUE");
  EXPECT_EQ(RagName(v1::RAG_UNSPECIFIED), "");
  EXPECT_EQ(RagLabel(v1::AMBER), "Amber");
  EXPECT_EQ(RagLabel(v1::BLUE), "Complete");
  EXPECT_EQ(RagLabel(v1::RAG_UNSPECIFIED), "Not set");
  EXPECT_EQ(RagCssClass(v1::GREEN), "rag-green");
  EXPECT_EQ(RagCssClass(v1::RAG_UNSPECIFIED), "rag-none");
  EXPECT_EQ(RagSymbol(v1::RED), "\U0001F534");
  // A number that is no status is "not set" everywhere.
  const auto unknown = static_cast<v1::Rag>(42);
  EXPECT_EQ(RagName(unknown), "");
  EXPECT_EQ(RagLabel(unknown), "Not set");
  EXPECT_EQ(RagCssClass(unknown), "rag-none");
}

TEST(RagTest, ParsesNamesInitialsAndCompleteInAnyCase) {
  EXPECT_EQ(ParseRag("RED"), v1::RED);
  EXPECT_EQ(ParseRag("amber"), v1::AMBER);
  EXPECT_EQ(ParseRag("g"), v1::GREEN);
  EXPECT_EQ(ParseRag("Blue"), v1::BLUE);
  EXPECT_EQ(ParseRag("Complete"), v1::BLUE);
  EXPECT_EQ(ParseRag("COMPLETED"), v1::BLUE);
  EXPECT_EQ(ParseRag(""), v1::RAG_UNSPECIFIED);
  for (const char* text : {"purple", "RE", "Not set", " red", "REDD"}) {
    EXPECT_FALSE(ParseRag(text).has_value()) << text;
  }
  // Every name parses back to its status.
  for (v1::Rag rag : {v1::RED, v1::AMBER, v1::GREEN, v1::BLUE}) {
    EXPECT_EQ(ParseRag(RagName(rag)), rag);
  }
}

TEST(RagTest, CountsEachActionOnceInItsBucketAndTheTotal) {
  v1::RagCounts counts;
  for (v1::Rag rag : {v1::RED, v1::RED, v1::AMBER, v1::GREEN, v1::BLUE,
                      v1::RAG_UNSPECIFIED, static_cast<v1::Rag>(42)}) {
    CountRag(rag, &counts);
  }
  EXPECT_EQ(counts.red(), 2);
  EXPECT_EQ(counts.amber(), 1);
  EXPECT_EQ(counts.green(), 1);
  EXPECT_EQ(counts.blue(), 1);
  EXPECT_EQ(counts.unset(), 2);
  EXPECT_EQ(counts.total(), 7);
  counts.set_overdue(3);
  v1::RagCounts sum = counts;
  AddRagCounts(counts, &sum);
  EXPECT_EQ(sum.red(), 4);
  EXPECT_EQ(sum.unset(), 4);
  EXPECT_EQ(sum.overdue(), 6);
  EXPECT_EQ(sum.total(), 14);
}

}  // namespace
}  // namespace plan
