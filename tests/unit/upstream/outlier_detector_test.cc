// Outlier detection decisions on scripted outcomes: what workers would have counted into the
// hosts (outlier_reporter.h), then the main thread's detector with a fake clock.
#include "proxy/upstream/outlier_detector.h"

#include <gtest/gtest.h>

#include <vector>

#include "proxy/stats/store.h"
#include "proxy/upstream/outlier_event_log.h"
#include "proxy/upstream/outlier_reporter.h"
#include "tests/unit/upstream/test_cluster.h"

namespace meshproxy::upstream {
namespace {

using std::chrono::milliseconds;
using Clock = OutlierDetector::Clock;

struct Fixture {
  explicit Fixture(size_t host_count, OutlierDetectionConfig od = {}) {
    cluster = makeTestCluster(store, "od");
    for (size_t i = 0; i < host_count; ++i) {
      std::string address = "10.0.0." + std::to_string(i + 1) + ":80";
      cluster->hosts.push_back(std::make_shared<Host>(*network::Address::parse(address), address));
    }
    config = std::make_shared<OutlierDetectionConfig>(od);
    cluster->outlier_detection = config;
    detector = std::make_unique<OutlierDetector>(
        "od", config, store.scope("cluster", "od"), [this]() { return random_value; },
        [this](const OutlierEvent& e) {
          events.push_back(formatOutlierEvent(e, std::chrono::system_clock::time_point{}));
        });
    detector->setHosts(cluster->hosts, now);
  }

  Host& host(size_t i) { return *cluster->hosts[i]; }
  void responses(size_t i, uint32_t status, int n) {
    for (int k = 0; k < n; ++k) reportHttpStatus(host(i), 0, *cluster, status);
  }
  void localFailures(size_t i, LocalOriginResult r, int n) {
    for (int k = 0; k < n; ++k) reportLocalOrigin(host(i), 0, *cluster, r);
  }
  bool ejected(size_t i) { return host(i).healthFlag(HealthFlag::kFailedOutlierCheck); }
  uint64_t counter(std::string_view name) {
    return store.scope("cluster", "od").scope("outlier_detection").counter(name).value();
  }
  int64_t active() {
    return store.scope("cluster", "od")
        .scope("outlier_detection")
        .gauge("ejections_active")
        .value();
  }
  void advance(milliseconds d) { now += d; }

  stats::Store store;
  std::shared_ptr<ClusterConfig> cluster;
  std::shared_ptr<OutlierDetectionConfig> config;
  std::unique_ptr<OutlierDetector> detector;
  Clock::time_point now = Clock::time_point{} + std::chrono::hours(1);
  uint64_t random_value = 0;
  std::vector<std::string> events;
};

OutlierDetectionConfig allowAll() {
  OutlierDetectionConfig c;
  c.max_ejection_percent = 100;
  return c;
}

TEST(OutlierDetectorTest, Consecutive5xxEjectsAndBaseEjectionTimeBringsBack) {
  auto od = allowAll();
  od.consecutive_5xx = 3;
  od.base_ejection_time = milliseconds(1000);
  od.interval = milliseconds(100);
  Fixture f(2, od);
  f.responses(0, 500, 2);
  f.responses(0, 200, 1);  // a success ends the streak
  f.responses(0, 500, 2);
  EXPECT_FALSE(f.detector->checkStreaks(f.now));
  f.responses(0, 503, 1);
  EXPECT_TRUE(f.detector->checkStreaks(f.now));
  EXPECT_TRUE(f.ejected(0));
  EXPECT_FALSE(f.ejected(1));
  EXPECT_EQ(f.counter("ejections_detected_consecutive_5xx"), 1u);
  EXPECT_EQ(f.counter("ejections_enforced_consecutive_5xx"), 1u);
  EXPECT_EQ(f.counter("ejections_enforced_total"), 1u);
  EXPECT_EQ(f.active(), 1);
  ASSERT_EQ(f.events.size(), 1u);
  EXPECT_EQ(f.events[0],
            "{\"type\":\"CONSECUTIVE_5XX\",\"timestamp\":\"1970-01-01T00:00:00.000Z\","
            "\"cluster_name\":\"od\",\"upstream_url\":\"10.0.0.1:80\",\"action\":\"EJECT\","
            "\"num_ejections\":1,\"enforced\":true,\"eject_consecutive_event\":{}}");
  // Not yet.
  f.advance(milliseconds(900));
  EXPECT_FALSE(f.detector->onInterval(f.now));
  EXPECT_TRUE(f.ejected(0));
  f.advance(milliseconds(100));
  EXPECT_TRUE(f.detector->onInterval(f.now));
  EXPECT_FALSE(f.ejected(0));
  EXPECT_EQ(f.active(), 0);
  ASSERT_EQ(f.events.size(), 2u);
  EXPECT_NE(f.events[1].find("\"action\":\"UNEJECT\""), std::string::npos);
  EXPECT_NE(f.events[1].find("\"secs_since_last_action\":\"1\""), std::string::npos);
}

TEST(OutlierDetectorTest, EjectionTimeGrowsWithEachEjectionUpToMax) {
  auto od = allowAll();
  od.consecutive_5xx = 1;
  od.base_ejection_time = milliseconds(1000);
  od.max_ejection_time = milliseconds(2500);
  od.interval = milliseconds(10000);  // no healthy interval in between to shrink it
  Fixture f(1, od);
  auto ejectFor = [&]() {
    f.responses(0, 500, 1);
    EXPECT_TRUE(f.detector->checkStreaks(f.now));
    milliseconds out(0);
    while (f.ejected(0) && out < milliseconds(10000)) {
      f.advance(milliseconds(100));
      out += milliseconds(100);
      f.detector->onInterval(f.now);
    }
    return out;
  };
  EXPECT_EQ(ejectFor(), milliseconds(1000));
  EXPECT_EQ(ejectFor(), milliseconds(2000));
  EXPECT_EQ(ejectFor(), milliseconds(2500));  // max_ejection_time
  EXPECT_EQ(f.detector->numEjections(f.host(0)), 3u);
}

TEST(OutlierDetectorTest, MaxEjectionPercentLimitsEjectionsAndCountsOverflow) {
  OutlierDetectionConfig od;
  od.consecutive_5xx = 1;
  od.max_ejection_percent = 50;
  Fixture f(4, od);
  for (size_t i = 0; i < 4; ++i) f.responses(i, 500, 1);
  EXPECT_TRUE(f.detector->checkStreaks(f.now));
  EXPECT_EQ(f.detector->ejectedCount(), 2u);
  EXPECT_EQ(f.counter("ejections_overflow"), 2u);
}

TEST(OutlierDetectorTest, DefaultTenPercentEjectsNoneOfThreeUnlessAlwaysEjectOneHost) {
  OutlierDetectionConfig od;
  od.consecutive_5xx = 1;
  Fixture f(3, od);
  f.responses(0, 500, 1);
  EXPECT_FALSE(f.detector->checkStreaks(f.now));
  EXPECT_EQ(f.counter("ejections_overflow"), 1u);
  od.always_eject_one_host = true;
  f.detector->setConfig(std::make_shared<OutlierDetectionConfig>(od));
  f.responses(0, 500, 1);
  EXPECT_TRUE(f.detector->checkStreaks(f.now));
  f.responses(1, 500, 1);
  EXPECT_FALSE(f.detector->checkStreaks(f.now));
  EXPECT_EQ(f.detector->ejectedCount(), 1u);
}

TEST(OutlierDetectorTest, GatewayFailuresAreDetectedButNotEnforcedByDefault) {
  auto od = allowAll();
  od.consecutive_5xx = 100;
  od.consecutive_gateway_failure = 2;
  Fixture f(2, od);
  f.responses(0, 502, 2);
  EXPECT_FALSE(f.detector->checkStreaks(f.now));
  EXPECT_EQ(f.counter("ejections_detected_consecutive_gateway_failure"), 1u);
  EXPECT_EQ(f.counter("ejections_enforced_consecutive_gateway_failure"), 0u);
  ASSERT_EQ(f.events.size(), 1u);
  EXPECT_NE(f.events[0].find("\"enforced\":false"), std::string::npos);
  // A 500 is a 5xx but not a gateway error: it ends the gateway streak.
  f.responses(0, 502, 1);
  f.responses(0, 500, 1);
  f.responses(0, 502, 1);
  f.detector->checkStreaks(f.now);
  EXPECT_EQ(f.counter("ejections_detected_consecutive_gateway_failure"), 1u);
}

TEST(OutlierDetectorTest, EnforcingPercentageRollsTheDice) {
  auto od = allowAll();
  od.consecutive_5xx = 1;
  od.enforcing_consecutive_5xx = 30;
  Fixture f(2, od);
  f.random_value = 31;  // 31 % 100 >= 30: detected, not enforced
  f.responses(0, 500, 1);
  EXPECT_FALSE(f.detector->checkStreaks(f.now));
  f.random_value = 29;
  f.responses(0, 500, 1);
  EXPECT_TRUE(f.detector->checkStreaks(f.now));
  EXPECT_EQ(f.counter("ejections_detected_consecutive_5xx"), 2u);
  EXPECT_EQ(f.counter("ejections_enforced_consecutive_5xx"), 1u);
}

TEST(OutlierDetectorTest, LocalOriginFailuresCountAs5xxUnlessSplit) {
  auto od = allowAll();
  od.consecutive_5xx = 2;
  od.consecutive_local_origin_failure = 3;
  Fixture f(2, od);
  f.localFailures(0, LocalOriginResult::kConnectFailed, 1);
  f.localFailures(0, LocalOriginResult::kTimeout, 1);
  EXPECT_TRUE(f.detector->checkStreaks(f.now));
  EXPECT_EQ(f.counter("ejections_enforced_consecutive_5xx"), 1u);

  od.split_external_local_origin_errors = true;
  Fixture s(2, od);
  s.localFailures(0, LocalOriginResult::kConnectFailed, 2);
  s.localFailures(0, LocalOriginResult::kConnectSuccess, 1);  // ends the local streak
  s.localFailures(0, LocalOriginResult::kReset, 2);
  EXPECT_FALSE(s.detector->checkStreaks(s.now));
  s.localFailures(0, LocalOriginResult::kReset, 1);
  EXPECT_TRUE(s.detector->checkStreaks(s.now));
  EXPECT_EQ(s.counter("ejections_enforced_consecutive_local_origin_failure"), 1u);
  EXPECT_EQ(s.counter("ejections_detected_consecutive_5xx"), 0u);
}

TEST(OutlierDetectorTest, SuccessRateEjectsTheHostFarBelowTheMean) {
  auto od = allowAll();
  od.consecutive_5xx = 1000000;
  od.success_rate_minimum_hosts = 5;
  od.success_rate_request_volume = 100;
  od.success_rate_stdev_factor = 1000;  // one standard deviation
  Fixture f(6, od);
  for (size_t i = 0; i < 5; ++i) f.responses(i, 200, 100);
  f.responses(5, 200, 50);
  f.responses(5, 500, 50);
  f.advance(od.interval);
  EXPECT_TRUE(f.detector->onInterval(f.now));
  EXPECT_TRUE(f.ejected(5));
  for (size_t i = 0; i < 5; ++i) EXPECT_FALSE(f.ejected(i));
  EXPECT_EQ(f.counter("ejections_enforced_success_rate"), 1u);
  ASSERT_EQ(f.events.size(), 1u);
  EXPECT_NE(f.events[0].find("\"eject_success_rate_event\":{\"host_success_rate\":50,"
                             "\"cluster_average_success_rate\":91"),
            std::string::npos)
      << f.events[0];
}

TEST(OutlierDetectorTest, SuccessRateNeedsEnoughHostsWithEnoughRequests) {
  auto od = allowAll();
  od.consecutive_5xx = 1000000;
  Fixture f(6, od);
  for (size_t i = 0; i < 4; ++i) f.responses(i, 200, 100);
  f.responses(4, 200, 99);  // below success_rate_request_volume: does not count
  f.responses(5, 500, 100);
  f.advance(od.interval);
  // 5 qualify (0-3 and 5): enough; host 5 is out.
  EXPECT_TRUE(f.detector->onInterval(f.now));
  // The next interval starts from zero: nothing qualifies.
  f.responses(0, 500, 100);
  f.advance(od.interval);
  f.detector->onInterval(f.now);
  EXPECT_FALSE(f.ejected(0));
}

TEST(OutlierDetectorTest, FailurePercentageWhenEnforced) {
  auto od = allowAll();
  od.consecutive_5xx = 1000000;
  od.enforcing_success_rate = 0;
  od.failure_percentage_minimum_hosts = 2;
  od.failure_percentage_request_volume = 10;
  od.failure_percentage_threshold = 50;
  od.enforcing_failure_percentage = 100;
  Fixture f(3, od);
  f.responses(0, 200, 20);
  f.responses(1, 200, 5);
  f.responses(1, 500, 15);
  f.responses(2, 500, 5);  // too few requests to judge
  f.advance(od.interval);
  EXPECT_TRUE(f.detector->onInterval(f.now));
  EXPECT_FALSE(f.ejected(0));
  EXPECT_TRUE(f.ejected(1));
  EXPECT_FALSE(f.ejected(2));
  EXPECT_EQ(f.counter("ejections_enforced_failure_percentage"), 1u);
  ASSERT_EQ(f.events.size(), 1u);
  EXPECT_NE(f.events[0].find("\"eject_failure_percentage_event\":{\"host_success_rate\":25}"),
            std::string::npos)
      << f.events[0];
}

TEST(OutlierDetectorTest, RemovedHostsAndTheDetectorItselfClearTheirEjections) {
  auto od = allowAll();
  od.consecutive_5xx = 1;
  Fixture f(2, od);
  f.responses(0, 500, 1);
  f.responses(1, 500, 1);
  f.detector->checkStreaks(f.now);
  HostSharedPtr gone = f.cluster->hosts[0];
  EXPECT_TRUE(gone->healthFlag(HealthFlag::kFailedOutlierCheck));
  f.detector->setHosts({f.cluster->hosts[1]}, f.now);
  EXPECT_FALSE(gone->healthFlag(HealthFlag::kFailedOutlierCheck));
  EXPECT_EQ(f.active(), 1);
  f.detector.reset();
  EXPECT_FALSE(f.ejected(1));
  EXPECT_EQ(f.active(), 0);
}

}  // namespace
}  // namespace meshproxy::upstream
