#include "libplan/util/handoff.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace plan {
namespace {

TEST(HandoffTest, ConsumesEveryItemInOrderOnAnotherThread) {
  std::vector<std::string> consumed;
  std::thread::id consumer;
  Handoff<std::string> handoff([&](std::string& item) {
    consumer = std::this_thread::get_id();
    consumed.push_back(item);
    return absl::OkStatus();
  });
  for (int i = 0; i < 100; ++i) {
    std::string item = absl::StrCat("item ", i);
    ASSERT_TRUE(handoff.Put(&item).ok());
  }
  ASSERT_TRUE(handoff.Finish().ok());
  ASSERT_EQ(consumed.size(), 100u);
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(consumed[i], absl::StrCat("item ", i));
  EXPECT_NE(consumer, std::this_thread::get_id());
}

TEST(HandoffTest, PutGivesBackASpentItemToReuse) {
  Handoff<std::vector<int>> handoff(
      [](std::vector<int>&) { return absl::OkStatus(); });
  std::vector<int> item = {1, 2, 3};
  ASSERT_TRUE(handoff.Put(&item).ok());
  EXPECT_TRUE(item.empty());  // the queue's empty slot
  item = {4, 5};
  ASSERT_TRUE(handoff.Put(&item).ok());
  item = {6};
  ASSERT_TRUE(handoff.Put(&item).ok());
  // By now {1, 2, 3} has been consumed and comes back to be refilled.
  EXPECT_EQ(item, (std::vector<int>{1, 2, 3}));
  EXPECT_TRUE(handoff.Finish().ok());
}

TEST(HandoffTest, ProducingOverlapsConsuming) {
  absl::Notification consuming, produced;
  Handoff<int> handoff([&](int&) {
    consuming.Notify();
    // Blocks until the producer has done work while this item is consumed.
    produced.WaitForNotification();
    return absl::OkStatus();
  });
  int item = 1;
  ASSERT_TRUE(handoff.Put(&item).ok());
  consuming.WaitForNotification();
  produced.Notify();  // would deadlock if Put had waited for the consumer
  EXPECT_TRUE(handoff.Finish().ok());
}

TEST(HandoffTest, TheFirstErrorStopsConsumingAndIsReturned) {
  std::vector<int> consumed;
  Handoff<int> handoff([&](int& item) {
    consumed.push_back(item);
    if (item == 3) return absl::DataLossError("item 3 is bad");
    return absl::OkStatus();
  });
  absl::Status put = absl::OkStatus();
  for (int i = 1; i <= 10 && put.ok(); ++i) {
    int item = i;
    put = handoff.Put(&item);
  }
  EXPECT_EQ(put.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(handoff.Finish().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(handoff.Finish().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(consumed, (std::vector<int>{1, 2, 3}));
}

TEST(HandoffTest, OfferQueuesOneMoreBehindTheItemBeingConsumed) {
  absl::Notification consuming, release;
  std::vector<int> consumed;
  Handoff<int> handoff([&](int& item) {
    consumed.push_back(item);
    if (item == 1) {
      consuming.Notify();
      release.WaitForNotification();
    }
    return absl::OkStatus();
  });
  int item = 1;
  ASSERT_TRUE(handoff.Offer(&item));
  consuming.WaitForNotification();
  // While 1 is consumed, one offer queues and the next joins it.
  item = 2;
  EXPECT_TRUE(handoff.Offer(&item));
  item = 3;
  EXPECT_FALSE(handoff.Offer(&item));
  EXPECT_EQ(item, 3);  // left alone
  release.Notify();
  ASSERT_TRUE(handoff.Finish().ok());
  EXPECT_EQ(consumed, (std::vector<int>{1, 2}));
  EXPECT_FALSE(handoff.Offer(&item));  // finished
}

TEST(HandoffTest, NothingIsOfferedAfterAFailedConsume) {
  Handoff<int> handoff([](int&) { return absl::UnavailableError("down"); });
  int item = 1;
  ASSERT_TRUE(handoff.Offer(&item));
  int next = 2;
  // Put waits for the consume under way, then reports its failure.
  EXPECT_EQ(handoff.Put(&next).code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(handoff.Offer(&next));
  EXPECT_EQ(handoff.Finish().code(), absl::StatusCode::kUnavailable);
}

TEST(HandoffTest, DestructionConsumesWhatIsQueued) {
  int consumed = 0;
  {
    Handoff<int> handoff([&](int&) {
      ++consumed;
      return absl::OkStatus();
    });
    for (int i = 0; i < 5; ++i) {
      int item = i;
      ASSERT_TRUE(handoff.Put(&item).ok());
    }
  }
  EXPECT_EQ(consumed, 5);
}

}  // namespace
}  // namespace plan
