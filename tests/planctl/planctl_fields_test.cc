// Setting a resource's fields from planctl's field=value words: the
// timestamp forms people type.
#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "planctl/fields.h"
#include "prevent/plan/v1/resources.pb.h"

namespace planctl {
namespace {

namespace v1 = prevent::plan::v1;
using ::testing::HasSubstr;

absl::Time Utc(absl::CivilSecond civil) {
  return absl::FromCivil(civil, absl::UTCTimeZone());
}

TEST(SetFieldTest, TimestampsTakeUkDatesAtUkMidnightOrRfc3339) {
  v1::ProgressUpdate update;
  // In summer, UK midnight is 23:00 UTC the day before.
  ASSERT_TRUE(SetField(&update, "report_time", "06/07/2026").ok());
  EXPECT_EQ(update.report_time().seconds(),
            absl::ToUnixSeconds(Utc(absl::CivilSecond(2026, 7, 5, 23, 0, 0))));
  ASSERT_TRUE(SetField(&update, "report_time", "6 Dec 2026").ok());
  EXPECT_EQ(update.report_time().seconds(),
            absl::ToUnixSeconds(Utc(absl::CivilSecond(2026, 12, 6, 0, 0, 0))));
  ASSERT_TRUE(SetField(&update, "report_time", "2024-03-31T12:00:00Z").ok());
  EXPECT_EQ(update.report_time().seconds(),
            absl::ToUnixSeconds(Utc(absl::CivilSecond(2024, 3, 31, 12, 0, 0))));
}

TEST(SetFieldTest, AMonthFirstDateIsRefusedNamingTheField) {
  v1::ProgressUpdate update;
  const absl::Status status = SetField(&update, "report_time", "12/31/2026");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("report_time"));
  EXPECT_THAT(status.message(), HasSubstr("a UK date"));
  EXPECT_FALSE(update.has_report_time());
}

}  // namespace
}  // namespace planctl
