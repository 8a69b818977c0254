#include "libplan/util/errors.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace plan {
namespace {

TEST(TruncateTest, CutsOnACharacterBoundaryAndSaysSo) {
  EXPECT_EQ(Truncate("short", 10), "short");
  const std::string cut = Truncate(std::string(100, 'x'), 10);
  EXPECT_LE(cut.size(), 10u);
  EXPECT_TRUE(absl::EndsWith(cut, "\u2026"));
  // "é" is two bytes: a cut never splits one.
  const std::string accents =
      Truncate(std::string(50, 'a') + "\u00e9\u00e9", 52);
  EXPECT_LE(accents.size(), 52u);
  EXPECT_EQ(accents, std::string(49, 'a') + "\u2026");
}

TEST(FieldViolationsTest, AnErrorStaysWithinItsBoundsHoweverManyProblems) {
  FieldViolations violations;
  for (int i = 0; i < 1000; ++i) {
    violations.Add(absl::StrCat("activity.duty_areas[", i, "]"),
                   absl::StrCat(100 + i, " is not a DutyArea"));
  }
  EXPECT_EQ(violations.count(), 1000u);
  EXPECT_EQ(violations.violations().size(), kMaxFieldViolations);
  const absl::Status status = violations.ToStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_LE(status.message().size(), kMaxErrorMessageBytes);
  EXPECT_TRUE(absl::StrContains(status.message(), "activity.duty_areas[0]: "));
  EXPECT_TRUE(absl::StrContains(status.message(), "more"));
  const std::vector<FieldViolation> listed = FieldViolationsOf(status);
  EXPECT_FALSE(listed.empty());
  EXPECT_LE(listed.size(), kMaxFieldViolations);
}

TEST(FieldViolationsTest, AHugeValueIsCutInTheMessage) {
  FieldViolations violations;
  violations.Add("activity.name", absl::StrCat("\"", std::string(100000, 'x'),
                                               "\" is not a valid name"));
  const absl::Status status = violations.ToStatus();
  EXPECT_LE(status.message().size(), kMaxErrorMessageBytes);
  EXPECT_TRUE(absl::StartsWith(status.message(), "activity.name: \"xxx"));
}

TEST(ErrorTest, MessageAndResourceAreBounded) {
  const absl::Status status =
      Error(absl::StatusCode::kNotFound, "RESOURCE_NOT_FOUND",
            std::string(10000, 'm'), std::string(10000, 'r'));
  EXPECT_LE(status.message().size(), kMaxErrorMessageBytes);
  EXPECT_EQ(ErrorReason(status), "RESOURCE_NOT_FOUND");
}

}  // namespace
}  // namespace plan
