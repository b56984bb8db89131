#include "proxy/accesslog/log_lane.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace meshproxy::accesslog {
namespace {

using Result = LogLane::AppendResult;
constexpr size_t kNoLimit = SIZE_MAX;

std::string drainAll(LogLane& lane) {
  std::string out;
  lane.drain([&](std::string_view records) { out.append(records); });
  return out;
}

TEST(LogLaneTest, DrainsWhatWasAppendedInOrder) {
  LogLane lane;
  EXPECT_EQ(drainAll(lane), "");
  EXPECT_EQ(lane.append("one\n", kNoLimit, kNoLimit), Result::kAppended);
  EXPECT_EQ(lane.append("two\n", kNoLimit, kNoLimit), Result::kAppended);
  EXPECT_EQ(lane.pendingBytes(), 8u);
  EXPECT_EQ(drainAll(lane), "one\ntwo\n");
  EXPECT_EQ(lane.pendingBytes(), 0u);
  EXPECT_EQ(drainAll(lane), "");
  lane.append("three\n", kNoLimit, kNoLimit);
  EXPECT_EQ(drainAll(lane), "three\n");
}

TEST(LogLaneTest, RecordsCrossBlocksWholeAndBigRecordsGetTheirOwnBlock) {
  LogLane lane;
  std::string expected;
  // ~100 KiB of records of varying size (several 32 KiB blocks), and one of 200 KiB.
  for (int i = 0; i < 1000; ++i) {
    std::string record = std::to_string(i) + std::string(static_cast<size_t>(i % 150), 'x');
    record.push_back('\n');
    if (i == 500) record = std::string(200 * 1024, 'B') + "\n";
    lane.append(record, kNoLimit, kNoLimit);
    expected += record;
    if (i % 300 == 0) {
      EXPECT_EQ(drainAll(lane), expected);
      expected.clear();
    }
  }
  EXPECT_EQ(drainAll(lane), expected);
}

TEST(LogLaneTest, DropsPastThePendingLimitAndRecoversAfterDrain) {
  LogLane lane;
  EXPECT_EQ(lane.append("123456\n", 10, kNoLimit), Result::kAppended);
  EXPECT_EQ(lane.append("123456\n", 10, kNoLimit), Result::kDropped);
  EXPECT_EQ(drainAll(lane), "123456\n");
  EXPECT_EQ(lane.append("abc\n", 10, kNoLimit), Result::kAppended);
  EXPECT_EQ(drainAll(lane), "abc\n");
}

TEST(LogLaneTest, AsksForAKickOncePerDrain) {
  LogLane lane;
  EXPECT_EQ(lane.append("12345\n", kNoLimit, 10), Result::kAppended);
  EXPECT_EQ(lane.append("67890\n", kNoLimit, 10), Result::kAppendedPastKick);
  EXPECT_EQ(lane.append("more\n", kNoLimit, 10), Result::kAppended);
  drainAll(lane);
  EXPECT_EQ(lane.append("0123456789\n", kNoLimit, 10), Result::kAppendedPastKick);
  EXPECT_EQ(lane.append("x\n", kNoLimit, 10), Result::kAppended);
}

// The flusher drained while the writer was already past the threshold again (it never saw the
// pending bytes go below it): the next record must still ask for a kick, or the writer would
// wait for the flush interval with a full lane.
TEST(LogLaneTest, AsksAgainAfterADrainThatLeftItAboveTheThreshold) {
  LogLane lane;
  const std::string record = "0123456789\n";  // 11 bytes, past the threshold of 10 alone
  EXPECT_EQ(lane.append(record, kNoLimit, 10), Result::kAppendedPastKick);
  // The writer appends twice while the flusher is writing (the callback plays the writer).
  std::vector<Result> during;
  lane.drain([&](std::string_view) {
    during.push_back(lane.append(record, kNoLimit, 10));
    during.push_back(lane.append(record, kNoLimit, 10));
  });
  EXPECT_EQ(during, (std::vector<Result>{Result::kAppended, Result::kAppended}));
  // 22 bytes pending: the writer never saw them drop below the threshold, yet the flusher has
  // gone back to waiting, so the next record must wake it.
  EXPECT_EQ(lane.pendingBytes(), 22u);
  EXPECT_EQ(lane.append(record, kNoLimit, 10), Result::kAppendedPastKick);
  EXPECT_EQ(drainAll(lane), record + record + record);
}

// One producer and one consumer at full speed: every record arrives once, whole, in order.
TEST(LogLaneTest, ConcurrentProducerAndConsumerLoseNothing) {
  LogLane lane;
  constexpr int kRecords = 200000;
  std::atomic<bool> done{false};
  std::string received;
  std::thread consumer([&] {
    while (!done.load(std::memory_order_acquire)) {
      lane.drain([&](std::string_view records) { received.append(records); });
    }
    lane.drain([&](std::string_view records) { received.append(records); });
  });
  std::string sent;
  for (int i = 0; i < kRecords; ++i) {
    // Sizes vary so records end at every offset of a block; every 2000th is bigger than one.
    std::string record = std::to_string(i) + std::string(static_cast<size_t>(i % 97), '.');
    if (i % 2000 == 1999) record.append(40 * 1024, '#');
    record.push_back('\n');
    // A bounded lane, as in the sink: a dropped record is retried, so nothing is lost.
    while (lane.append(record, 1024 * 1024, kNoLimit) == Result::kDropped) {
      std::this_thread::yield();
    }
    sent += record;
  }
  done.store(true, std::memory_order_release);
  consumer.join();
  EXPECT_EQ(received.size(), sent.size());
  EXPECT_TRUE(received == sent);
}

}  // namespace
}  // namespace meshproxy::accesslog
