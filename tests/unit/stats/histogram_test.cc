#include "proxy/stats/histogram.h"

#include <gtest/gtest.h>

#include <cmath>

namespace meshproxy::stats {
namespace {

TEST(StatsHistogramTest, ValuesLandInTheirLeBucket) {
  Histogram h(StatName{"h", "h", {}});
  h.record(0);        // le 0.5
  h.record(1);        // le 1
  h.record(2);        // le 5
  h.record(5);        // le 5 (bounds are inclusive)
  h.record(6);        // le 10
  h.record(3600000);  // le 3600000
  h.record(3600001);  // +Inf only
  const HistogramSnapshot snap = h.snapshot();
  EXPECT_EQ(snap.counts[0], 1u);
  EXPECT_EQ(snap.counts[1], 1u);
  EXPECT_EQ(snap.counts[2], 2u);
  EXPECT_EQ(snap.counts[3], 1u);
  EXPECT_EQ(snap.counts[18], 1u);
  EXPECT_EQ(snap.counts[19], 1u);
  EXPECT_EQ(snap.count, 7u);
  EXPECT_EQ(snap.sum, 0u + 1 + 2 + 5 + 6 + 3600000 + 3600001);
}

TEST(StatsHistogramTest, CumulativeIsRunningTotal) {
  Histogram h(StatName{"h", "h", {}});
  for (uint64_t v : {3, 30, 30, 300, 999999999}) h.record(v);
  const auto cumulative = h.snapshot().cumulative();
  EXPECT_EQ(cumulative[1], 0u);   // le 1
  EXPECT_EQ(cumulative[2], 1u);   // le 5
  EXPECT_EQ(cumulative[5], 3u);   // le 50
  EXPECT_EQ(cumulative[7], 3u);   // le 250
  EXPECT_EQ(cumulative[8], 4u);   // le 500
  EXPECT_EQ(cumulative[18], 4u);  // le 3600000
  EXPECT_EQ(cumulative[19], 5u);  // +Inf
  for (size_t i = 1; i < cumulative.size(); ++i) EXPECT_GE(cumulative[i], cumulative[i - 1]);
}

TEST(StatsHistogramTest, QuantileOfEmptyIsNan) {
  EXPECT_TRUE(std::isnan(HistogramSnapshot{}.quantile(0.5)));
}

TEST(StatsHistogramTest, QuantileOfOneValueBucketIsExact) {
  Histogram h(StatName{"h", "h", {}});
  for (int i = 0; i < 10; ++i) h.record(1);
  const HistogramSnapshot snap = h.snapshot();
  EXPECT_DOUBLE_EQ(snap.quantile(0), 1);
  EXPECT_DOUBLE_EQ(snap.quantile(0.5), 1);
  EXPECT_DOUBLE_EQ(snap.quantile(1), 1);
}

TEST(StatsHistogramTest, QuantileInterpolatesInsideBucket) {
  // 100 samples in (10, 25]: the bucket spans the integers 11..25.
  Histogram h(StatName{"h", "h", {}});
  for (int i = 0; i < 100; ++i) h.record(20);
  const HistogramSnapshot snap = h.snapshot();
  EXPECT_DOUBLE_EQ(snap.quantile(0), 11);
  EXPECT_DOUBLE_EQ(snap.quantile(0.5), 18);
  EXPECT_DOUBLE_EQ(snap.quantile(0.9), 23.6);
  EXPECT_DOUBLE_EQ(snap.quantile(1), 25);
}

TEST(StatsHistogramTest, QuantileAcrossBuckets) {
  // 90 fast samples (le 1) and 10 slow ones in (100, 250].
  Histogram h(StatName{"h", "h", {}});
  for (int i = 0; i < 90; ++i) h.record(1);
  for (int i = 0; i < 10; ++i) h.record(200);
  const HistogramSnapshot snap = h.snapshot();
  EXPECT_DOUBLE_EQ(snap.quantile(0.5), 1);
  EXPECT_DOUBLE_EQ(snap.quantile(0.9), 1);
  EXPECT_DOUBLE_EQ(snap.quantile(0.99), 101 + (250 - 101) * 0.9);
  EXPECT_DOUBLE_EQ(snap.quantile(1), 250);
}

TEST(StatsHistogramTest, OverflowQuantileReportsLastBound) {
  Histogram h(StatName{"h", "h", {}});
  h.record(5000000);
  EXPECT_DOUBLE_EQ(h.snapshot().quantile(0.99), 3600000);
}

}  // namespace
}  // namespace meshproxy::stats
