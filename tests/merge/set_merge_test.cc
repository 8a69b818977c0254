#include "libplan/merge/set_merge.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace plan {
namespace {

using Set = std::vector<std::string>;

struct SetCase {
  std::string behaviour;
  Set base;
  Set current;
  Set incoming;
  Set merged;
};

std::vector<SetCase> SetCases() {
  return {
      {"NothingChanged", {"a", "b"}, {"a", "b"}, {"a", "b"}, {"a", "b"}},
      {"EmptySetsStayEmpty", {}, {}, {}, {}},
      {"IncomingAddsToUnchangedCurrent", {"a"}, {"a"}, {"a", "b"}, {"a", "b"}},
      {"CurrentAddKeptWhenIncomingUnchanged",
       {"a"},
       {"a", "b"},
       {"a"},
       {"a", "b"}},
      {"AddAddKeepsBothInCurrentThenIncomingOrder",
       {"a"},
       {"a", "c"},
       {"a", "b"},
       {"a", "c", "b"}},
      {"ConcurrentAddOfTheSameElementAppearsOnce",
       {"a"},
       {"a", "b"},
       {"b", "a"},
       {"a", "b"}},
      {"AddRemoveKeepsTheAddAndTheRemove",
       {"a", "b"},
       {"a", "b", "c"},
       {"b"},
       {"b", "c"}},
      {"RemoveAddKeepsTheRemoveAndTheAdd",
       {"a", "b"},
       {"b"},
       {"a", "b", "c"},
       {"b", "c"}},
      {"RemoveRemoveOfDifferentElementsRemovesBoth",
       {"a", "b", "c"},
       {"a", "c"},
       {"b", "c"},
       {"c"}},
      {"RemoveRemoveOfTheSameElement", {"a", "b"}, {"a"}, {"a"}, {"a"}},
      {"IncomingRemovesEverything", {"a", "b"}, {"a", "b", "c"}, {}, {"c"}},
      {"ElementRemovedByCurrentStaysRemoved",
       {"a", "b"},
       {"a"},
       {"a", "b"},
       {"a"}},
      {"ElementNotInBaseIsNeverRemoved", {}, {"x"}, {}, {"x"}},
      {"OrderOfCurrentIsKept",
       {"a", "b", "c"},
       {"c", "a", "b"},
       {"b", "a", "c"},
       {"c", "a", "b"}},
      {"DuplicatesInInputsAppearOnce",
       {"a"},
       {"a", "a", "b"},
       {"a", "c", "c"},
       {"a", "b", "c"}},
      {"EnumNumbersAreOpaqueStrings",
       {"1", "2"},
       {"1", "2", "3"},
       {"2"},
       {"2", "3"}},
      {"ElementsCompareByteForByte",
       {"ä"},
       {"ä", "a"},
       {"ä", "A"},
       {"ä", "a", "A"}},
  };
}

class MergeSetsTest : public ::testing::TestWithParam<SetCase> {};

TEST_P(MergeSetsTest, MergesAsSpecified) {
  const SetCase& c = GetParam();
  EXPECT_EQ(MergeSets(c.base, c.current, c.incoming), c.merged);
}

INSTANTIATE_TEST_SUITE_P(Cases, MergeSetsTest, ::testing::ValuesIn(SetCases()),
                         [](const ::testing::TestParamInfo<SetCase>& info) {
                           return info.param.behaviour;
                         });

TEST(MergeSetsTest, IsDeterministic) {
  const Set base = {"organisations/a", "organisations/b"};
  const Set current = {"organisations/b", "organisations/c"};
  const Set incoming = {"organisations/a", "organisations/d"};
  const Set first = MergeSets(base, current, incoming);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(MergeSets(base, current, incoming), first);
  }
}

bool Contains(const Set& set, const std::string& element) {
  return std::find(set.begin(), set.end(), element) != set.end();
}

// A random subset of `universe` in a random order.
Set RandomSet(const Set& universe, std::mt19937_64& random) {
  Set set;
  for (const std::string& element : universe) {
    if (random() % 2 == 0) set.push_back(element);
  }
  std::shuffle(set.begin(), set.end(), random);
  return set;
}

// Whether `sub` appears in `whole` in the same relative order.
bool IsSubsequence(const Set& sub, const Set& whole) {
  auto at = whole.begin();
  for (const std::string& element : sub) {
    at = std::find(at, whole.end(), element);
    if (at == whole.end()) return false;
    ++at;
  }
  return true;
}

TEST(MergeSetsPropertyTest, EachElementFollowsTheThreeWayRule) {
  uint64_t seed = std::random_device()();
  if (const char* fixed = std::getenv("SET_MERGE_TEST_SEED")) {
    ASSERT_TRUE(absl::SimpleAtoi(fixed, &seed)) << fixed;
  }
  std::cout << "SET_MERGE_TEST_SEED=" << seed << std::endl;
  SCOPED_TRACE(absl::StrCat("SET_MERGE_TEST_SEED=", seed));
  std::mt19937_64 random(seed);
  Set universe;
  for (int i = 0; i < 8; ++i) universe.push_back(absl::StrCat("e", i));

  for (int round = 0; round < 2000; ++round) {
    const Set base = RandomSet(universe, random);
    const Set current = RandomSet(universe, random);
    const Set incoming = RandomSet(universe, random);
    SCOPED_TRACE(absl::StrCat("base {", absl::StrJoin(base, ","), "} current {",
                              absl::StrJoin(current, ","), "} incoming {",
                              absl::StrJoin(incoming, ","), "}"));
    const Set merged = MergeSets(base, current, incoming);

    for (const std::string& element : universe) {
      const bool expected =
          Contains(base, element)
              ? Contains(current, element) && Contains(incoming, element)
              : Contains(current, element) || Contains(incoming, element);
      ASSERT_EQ(Contains(merged, element), expected) << element;
    }
    ASSERT_EQ(std::set<std::string>(merged.begin(), merged.end()).size(),
              merged.size())
        << "duplicates";

    // Current's survivors first, in current's order; then incoming's adds.
    Set kept;
    Set added;
    for (const std::string& element : merged) {
      (Contains(current, element) ? kept : added).push_back(element);
    }
    ASSERT_EQ(
        std::vector<std::string>(merged.begin(), merged.begin() + kept.size()),
        kept);
    ASSERT_TRUE(IsSubsequence(kept, current));
    ASSERT_TRUE(IsSubsequence(added, incoming));

    // Which side is "current" changes only the order.
    const Set swapped = MergeSets(base, incoming, current);
    ASSERT_EQ(std::set<std::string>(merged.begin(), merged.end()),
              std::set<std::string>(swapped.begin(), swapped.end()));
    // An unchanged side yields the other side (as a set).
    const Set from_base = MergeSets(base, base, incoming);
    ASSERT_EQ(std::set<std::string>(from_base.begin(), from_base.end()),
              std::set<std::string>(incoming.begin(), incoming.end()));
    ASSERT_EQ(MergeSets(base, current, base), current);
  }
}

}  // namespace
}  // namespace plan
