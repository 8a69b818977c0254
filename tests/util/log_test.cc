#include "libplan/util/log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace plan {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const absl::Time kTime = absl::FromUnixMillis(1796677242123);  // 2026-12-07

TEST(LogTest, TextLineHasTimeLevelAndMessage) {
  EXPECT_EQ(FormatLogLine(LogFormat::kText, false, LogLevel::kWarning, kTime,
                          "sync: push failed organisation=x"),
            "2026-12-07T21:00:42.123Z WARNING sync: push failed "
            "organisation=x\n");
}

TEST(LogTest, JsonLineIsOneEscapedObject) {
  EXPECT_EQ(FormatLogLine(LogFormat::kJson, false, LogLevel::kError, kTime,
                          "bad \"name\"\\\n\x01 caf\xc3\xa9"),
            "{\"time\":\"2026-12-07T21:00:42.123Z\",\"level\":\"ERROR\","
            "\"message\":\"bad \\\"name\\\"\\\\\\n\\u0001 caf\xc3\xa9\"}\n");
}

TEST(LogTest, JsonReplacesBytesThatAreNotUtf8) {
  const std::string line = FormatLogLine(LogFormat::kJson, false,
                                         LogLevel::kInfo, kTime, "a\xff\xc3z");
  EXPECT_THAT(line, HasSubstr("\"message\":\"a\\ufffd\\ufffdz\"}"));
}

TEST(LogTest, JournalLinesStartWithTheirPriority) {
  EXPECT_THAT(
      FormatLogLine(LogFormat::kText, true, LogLevel::kError, kTime, "x"),
      StartsWith("<3>2026-12-07T"));
  EXPECT_THAT(
      FormatLogLine(LogFormat::kJson, true, LogLevel::kWarning, kTime, "x"),
      StartsWith("<4>{\"time\""));
  EXPECT_THAT(
      FormatLogLine(LogFormat::kText, true, LogLevel::kInfo, kTime, "x"),
      StartsWith("<6>"));
}

TEST(LogTest, LongMessagesAreCutAndSaySo) {
  const std::string message(kMaxLogMessageBytes + 100, 'a');
  for (LogFormat format : {LogFormat::kText, LogFormat::kJson}) {
    const std::string line =
        FormatLogLine(format, false, LogLevel::kInfo, kTime, message);
    EXPECT_LT(line.size(), kMaxLogMessageBytes + 100);
    EXPECT_THAT(line, HasSubstr("... (100 more bytes)"));
  }
}

TEST(LogTest, ParsesTheFlagsFormats) {
  EXPECT_EQ(*ParseLogFormat("text"), LogFormat::kText);
  EXPECT_EQ(*ParseLogFormat("json"), LogFormat::kJson);
  const absl::StatusOr<LogFormat> bad = ParseLogFormat("xml");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("--log_format"));
}

TEST(LogTest, JournalIsRecognisedByStderrsDeviceAndInode) {
  struct stat status;
  ASSERT_EQ(::fstat(STDERR_FILENO, &status), 0);
  EXPECT_TRUE(
      StderrIsJournal(absl::StrCat(status.st_dev, ":", status.st_ino).c_str()));
  EXPECT_FALSE(StderrIsJournal(
      absl::StrCat(status.st_dev, ":", status.st_ino + 1).c_str()));
  EXPECT_FALSE(StderrIsJournal(nullptr));
  EXPECT_FALSE(StderrIsJournal(""));
  EXPECT_FALSE(StderrIsJournal("12"));
}

}  // namespace
}  // namespace plan
