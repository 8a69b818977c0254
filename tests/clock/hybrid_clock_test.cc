#include "libplan/clock/hybrid_clock.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace plan {
namespace {

// A physical clock the test moves by hand.
struct ManualClock {
  std::atomic<int64_t> millis{1'700'000'000'000};
  HybridClock::PhysicalClock Source() {
    return [this] { return millis.load(); };
  }
};

TEST(HybridClockTest, FollowsPhysicalTime) {
  ManualClock physical;
  HybridClock clock(physical.Source());
  const uint64_t t = clock.Now();
  EXPECT_EQ(HybridClock::PhysicalMillis(t), physical.millis.load());
  EXPECT_EQ(HybridClock::Logical(t), 0u);
  physical.millis += 5;
  EXPECT_EQ(clock.Now(), HybridClock::Make(physical.millis.load(), 0));
}

TEST(HybridClockTest, StrictlyIncreasesWhenPhysicalTimeStandsStill) {
  ManualClock physical;
  HybridClock clock(physical.Source());
  uint64_t last = clock.Now();
  for (int i = 0; i < 1000; ++i) {
    const uint64_t next = clock.Now();
    ASSERT_GT(next, last);
    last = next;
  }
  EXPECT_EQ(HybridClock::PhysicalMillis(last), physical.millis.load());
  EXPECT_EQ(HybridClock::Logical(last), 1000u);
}

TEST(HybridClockTest, MonotonicWhenPhysicalClockGoesBackwards) {
  ManualClock physical;
  HybridClock clock(physical.Source());
  const uint64_t before = clock.Now();
  physical.millis -= 60'000;  // NTP steps the clock back a minute.
  const uint64_t after = clock.Now();
  EXPECT_GT(after, before);
  // It keeps the old physical part and counts logically until time catches up.
  EXPECT_EQ(HybridClock::PhysicalMillis(after),
            HybridClock::PhysicalMillis(before));
  physical.millis += 120'000;
  EXPECT_EQ(clock.Now(), HybridClock::Make(physical.millis.load(), 0));
}

TEST(HybridClockTest, ObserveMovesPastRemoteTimestamp) {
  ManualClock physical;
  HybridClock clock(physical.Source());
  const uint64_t remote = HybridClock::Make(physical.millis.load() + 2000, 7);
  ASSERT_TRUE(clock.Observe(remote).ok());
  EXPECT_GT(clock.Now(), remote);
}

TEST(HybridClockTest, ObserveRefusesTimestampBeyondMaxOffset) {
  ManualClock physical;
  HybridClock clock(physical.Source(), absl::Minutes(5));
  const uint64_t before = clock.Now();
  const uint64_t far =
      HybridClock::Make(physical.millis.load() + 5 * 60'000 + 1, 0);
  const absl::Status status = clock.Observe(far);
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_NE(status.message().find("ahead"), absl::string_view::npos);
  // Drift stays bounded: the refused timestamp did not move the clock.
  EXPECT_EQ(HybridClock::PhysicalMillis(clock.Now()),
            HybridClock::PhysicalMillis(before));
  // At exactly the bound it is accepted.
  EXPECT_TRUE(
      clock.Observe(HybridClock::Make(physical.millis.load() + 5 * 60'000, 0))
          .ok());
}

TEST(HybridClockTest, RestoreNeverReissuesAPersistedTimestamp) {
  ManualClock physical;
  const uint64_t persisted = HybridClock::Make(physical.millis.load() + 10, 3);
  HybridClock clock(physical.Source());
  clock.Restore(persisted);
  EXPECT_GT(clock.Now(), persisted);
}

TEST(HybridClockTest, LogicalOverflowCarriesIntoMillisecondsInOrder) {
  ManualClock physical;
  HybridClock clock(physical.Source());
  clock.Restore(HybridClock::Make(physical.millis.load(), 0xFFFF));
  const uint64_t next = clock.Now();
  EXPECT_EQ(next, HybridClock::Make(physical.millis.load() + 1, 0));
}

TEST(HybridClockTest, ConcurrentCallersGetDistinctIncreasingTimestamps) {
  HybridClock clock;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5000;
  std::vector<std::vector<uint64_t>> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) seen[t].push_back(clock.Now());
    });
  }
  for (auto& thread : threads) thread.join();
  std::vector<uint64_t> all;
  for (const auto& v : seen) {
    for (size_t i = 1; i < v.size(); ++i) ASSERT_GT(v[i], v[i - 1]);
    all.insert(all.end(), v.begin(), v.end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
}

TEST(HybridClockTest, FormatShowsTimeAndCounter) {
  EXPECT_EQ(HybridClock::Format(HybridClock::Make(0, 3)),
            "1970-01-01T00:00:00.000Z+3");
}

}  // namespace
}  // namespace plan
