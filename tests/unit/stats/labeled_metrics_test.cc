#include "proxy/stats/labeled_metrics.h"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace meshproxy::stats {
namespace {

using Kind = LabeledMetricSpec::Kind;

TEST(LabeledMetricsTest, OneSeriesPerLabelSetSharedByCaches) {
  Store store;
  LabeledMetrics family(store, {{"req_total", Kind::kCounter}, {"lat", Kind::kHistogram}},
                        {"a", "b"}, 10);
  LabeledSeriesCache w1(family), w2(family);
  const std::vector<std::string_view> x = {"1", "2"};
  const std::vector<std::string_view> y = {"1", "3"};
  const LabeledSeries& s1 = w1.find(x);
  EXPECT_EQ(&w2.find(x), &s1) << "two workers, one series";
  EXPECT_NE(&w1.find(y), &s1);
  ASSERT_NE(s1.counters[0], nullptr);
  EXPECT_EQ(s1.histograms[0], nullptr);
  ASSERT_NE(s1.histograms[1], nullptr);
  s1.counters[0]->add(5);
  s1.histograms[1]->record(3);
  EXPECT_EQ(family.seriesCount(), 2u);
  EXPECT_EQ(s1.counters[0]->name().full, "req_total{a=\"1\",b=\"2\"}");
  const std::string text = store.renderPrometheus();
  EXPECT_NE(text.find("# TYPE req_total counter\nreq_total{a=\"1\",b=\"2\"} 5\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("lat_bucket{a=\"1\",b=\"2\",le=\"5\"} 1\n"), std::string::npos) << text;
}

TEST(LabeledMetricsTest, BoundedWorkerCache) {
  Store store;
  Counter overflowed(StatName{"o", "o", {}});
  LabeledMetrics family(store, {{"m", Kind::kCounter}}, {"k"}, 2, &overflowed);
  LabeledSeriesCache cache(family);
  std::vector<std::string> keys;
  for (int i = 0; i < 500; ++i) keys.push_back(std::to_string(i));
  for (const std::string& k : keys) {
    const std::vector<std::string_view> v = {k};
    cache.find(v).counters[0]->inc();
  }
  EXPECT_EQ(family.seriesCount(), 2u);
  EXPECT_LE(cache.size(), 2u + 64u) << "the memo stops growing";
  EXPECT_EQ(overflowed.value(), 498u);
  const std::vector<std::string_view> first = {"0"};
  EXPECT_EQ(cache.find(first).counters[0]->value(), 1u);
  const std::string text = store.renderPrometheus();
  EXPECT_NE(text.find("m{k=\"overflow\"} 498"), std::string::npos) << text;
}

}  // namespace
}  // namespace meshproxy::stats
