#include "proxy/filters/http/fault/response_pacer.h"

#include <gtest/gtest.h>

#include "tests/support/manual_time_source.h"

namespace meshproxy::filters::fault {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ResponsePacer, FirstDataGetsOneSliceThenOneSliceEvery62ms) {
  test::ManualTimeSource clock;
  ResponsePacer pacer(16);  // 16 KiB/s: 1 KiB per slice
  EXPECT_EQ(pacer.bytesPerSlice(), 1024u);
  EXPECT_EQ(pacer.release(10'000, clock.monotonicTime()), 1024u);
  EXPECT_EQ(pacer.release(10'000, clock.monotonicTime()), 0u);
  EXPECT_EQ(pacer.nextRelease(clock.monotonicTime()), ResponsePacer::kSlice);
  clock.advance(ResponsePacer::kSlice);
  EXPECT_EQ(pacer.release(10'000, clock.monotonicTime()), 1024u);
  // A short tail takes only what it needs.
  clock.advance(ResponsePacer::kSlice);
  EXPECT_EQ(pacer.release(100, clock.monotonicTime()), 100u);
}

TEST(ResponsePacer, ThroughputOverTimeIsTheConfiguredRate) {
  test::ManualTimeSource clock;
  ResponsePacer pacer(64);  // 64 KiB/s
  size_t buffered = 1 << 20;
  size_t sent = 0;
  // 10 s of timer ticks every slice.
  for (int tick = 0; tick < 160; ++tick) {
    const size_t n = pacer.release(buffered - sent, clock.monotonicTime());
    sent += n;
    clock.advance(ResponsePacer::kSlice);
  }
  EXPECT_NEAR(static_cast<double>(sent), 64.0 * 1024 * 10, 64.0 * 1024 * 0.1);
}

TEST(ResponsePacer, IdleTimeBanksAtMostOneSecond) {
  test::ManualTimeSource clock;
  ResponsePacer pacer(16);
  EXPECT_EQ(pacer.release(1'000'000, clock.monotonicTime()), 1024u);
  clock.advance(seconds(5));
  // The bucket holds 16 slices at most: one second's worth.
  EXPECT_EQ(pacer.release(1'000'000, clock.monotonicTime()), 16u * 1024);
}

}  // namespace
}  // namespace meshproxy::filters::fault
