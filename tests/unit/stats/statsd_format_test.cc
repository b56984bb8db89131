// statsd / DogStatsD lines: counters as deltas, gauges as levels, histograms as timers.
#include "proxy/stats/statsd_format.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "proxy/stats/store.h"

namespace meshproxy::stats {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(StatsdFormatTest, CountersAreDeltasGaugesLevels) {
  Store store;
  Counter& rq = store.scope("cluster", "backend").counter("upstream_rq_total");
  Counter& never = store.rootScope().counter("never_used");
  Gauge& active = store.scope("cluster", "backend").gauge("upstream_cx_active");
  (void)never;
  StatsdFlushState state;
  StatsdFormat format;
  EXPECT_THAT(state.lines(store.all(), format), IsEmpty());
  rq.add(3);
  active.set(2);
  EXPECT_THAT(state.lines(store.all(), format),
              ElementsAre("envoy.cluster.backend.upstream_rq_total:3|c",
                          "envoy.cluster.backend.upstream_cx_active:2|g"));
  rq.add(2);
  active.set(0);
  // A used counter goes out every flush (delta 0 included); a used gauge too, at 0.
  EXPECT_THAT(state.lines(store.all(), format),
              ElementsAre("envoy.cluster.backend.upstream_rq_total:2|c",
                          "envoy.cluster.backend.upstream_cx_active:0|g"));
  EXPECT_THAT(state.lines(store.all(), format),
              ElementsAre("envoy.cluster.backend.upstream_rq_total:0|c",
                          "envoy.cluster.backend.upstream_cx_active:0|g"));
}

TEST(StatsdFormatTest, DogStatsdUsesTagExtractedNamesAndTags) {
  Store store;
  store.scope("cluster", "backend").counter("upstream_rq_total").inc();
  StatsdFlushState state;
  StatsdFormat format{.prefix = "mesh", .tags = true};
  EXPECT_THAT(state.lines(store.all(), format),
              ElementsAre("mesh.cluster.upstream_rq_total:1|c|#envoy.cluster_name:backend"));
}

TEST(StatsdFormatTest, HistogramsAreTimersOfTheNewSamplesPerBucket) {
  Store store;
  Histogram& time = store.rootScope().histogram("rq_time");
  StatsdFlushState state;
  StatsdFormat format{.prefix = ""};
  time.record(0);
  time.record(3);
  time.record(4);
  // 0 is the first bucket's only value; 3 and 4 fall in (1, 5], whose whole numbers 2..5 have
  // the middle 3.5: two samples, rate 1/2.
  EXPECT_THAT(state.lines(store.all(), format), ElementsAre("rq_time:0|ms", "rq_time:3.5|ms|@0.5"));
  EXPECT_THAT(state.lines(store.all(), format), IsEmpty());
  time.record(7200000);  // above the last bound
  EXPECT_THAT(state.lines(store.all(), format), ElementsAre("rq_time:3600000|ms"));
}

TEST(StatsdFormatTest, NamesCannotBreakTheLine) {
  Store store;
  store.scope("cluster", "a:b|c").counter("x").inc();
  StatsdFlushState state;
  EXPECT_THAT(state.lines(store.all(), StatsdFormat{}), ElementsAre("envoy.cluster.a_b_c.x:1|c"));
}

TEST(StatsdFormatTest, PackingRespectsTheDatagramSize) {
  std::vector<std::string> lines = {"aaaa:1|c", "bbbb:2|c", "cccc:3|c"};
  EXPECT_THAT(packStatsdLines(lines, 0), ElementsAre("aaaa:1|c", "bbbb:2|c", "cccc:3|c"));
  EXPECT_THAT(packStatsdLines(lines, 17), ElementsAre("aaaa:1|c\nbbbb:2|c", "cccc:3|c"));
  EXPECT_THAT(packStatsdLines(lines, 4), ElementsAre("aaaa:1|c", "bbbb:2|c", "cccc:3|c"));
}

}  // namespace
}  // namespace meshproxy::stats
