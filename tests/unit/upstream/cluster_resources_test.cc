// Circuit-breaker counting: the shared per-cluster counters, their gauges, and the retry
// admission (max_retries, retry_budget) the router calls before a retry.
#include "proxy/upstream/cluster_resources.h"

#include <gtest/gtest.h>

#include "proxy/stats/store.h"

namespace meshproxy::upstream {
namespace {

int64_t gauge(stats::Store& store, std::string_view cluster, std::string_view name) {
  return store.scope("cluster", cluster).gauge(name).value();
}

TEST(ClusterResourcesTest, OneObjectPerClusterNameWhileAConfigUsesIt) {
  stats::Store store;
  auto a = ClusterResources::forCluster(store, "resources-test-a");
  a->at(ResourcePriority::kDefault).requests.inc();
  auto again = ClusterResources::forCluster(store, "resources-test-a");
  EXPECT_EQ(again, a);
  EXPECT_EQ(again->at(ResourcePriority::kDefault).requests.value(), 1);
  EXPECT_NE(ClusterResources::forCluster(store, "resources-test-b"), a);
  // Another store (another server in the same process) has its own counters and gauges.
  stats::Store other;
  EXPECT_NE(ClusterResources::forCluster(other, "resources-test-a"), a);
  a.reset();
  again.reset();
  // Nothing holds the old counters: a cluster of that name starts from zero.
  EXPECT_EQ(ClusterResources::forCluster(store, "resources-test-a")
                ->at(ResourcePriority::kDefault)
                .requests.value(),
            0);
}

TEST(ClusterResourcesTest, OpenGaugeFollowsTheLimitOfWhoCounts) {
  stats::Store store;
  auto resources = ClusterResources::forCluster(store, "gauges");
  auto& requests = resources->at(ResourcePriority::kDefault).requests;
  EXPECT_TRUE(requests.canCreate(2));
  requests.inc(2);
  EXPECT_EQ(gauge(store, "gauges", "circuit_breakers.default.rq_open"), 0);
  requests.inc(2);
  EXPECT_FALSE(requests.canCreate(2));
  EXPECT_EQ(gauge(store, "gauges", "circuit_breakers.default.rq_open"), 1);
  requests.dec();
  EXPECT_EQ(gauge(store, "gauges", "circuit_breakers.default.rq_open"), 0);
  EXPECT_TRUE(requests.canCreate(2));
  // The high priority's gauges are separate.
  EXPECT_EQ(gauge(store, "gauges", "circuit_breakers.high.rq_open"), 0);
}

TEST(ClusterResourcesTest, RemainingGaugesOnlyWithTrackRemaining) {
  stats::Store store;
  auto resources = ClusterResources::forCluster(store, "remaining");
  CircuitBreakers breakers;
  breakers.thresholds[0].max_pending_requests = 5;
  breakers.thresholds[0].track_remaining = true;
  resources->trackRemaining(breakers);
  EXPECT_EQ(gauge(store, "remaining", "circuit_breakers.default.remaining_pending"), 5);
  EXPECT_EQ(gauge(store, "remaining", "circuit_breakers.default.remaining_rq"), 1024);
  EXPECT_EQ(gauge(store, "remaining", "circuit_breakers.default.remaining_retries"), 3);
  resources->at(ResourcePriority::kDefault).pending_requests.inc(5);
  resources->at(ResourcePriority::kDefault).pending_requests.inc(5);
  EXPECT_EQ(gauge(store, "remaining", "circuit_breakers.default.remaining_pending"), 3);
  resources->at(ResourcePriority::kDefault).pending_requests.dec();
  EXPECT_EQ(gauge(store, "remaining", "circuit_breakers.default.remaining_pending"), 4);
  // HIGH did not ask for them: no high.remaining_* stats exist.
  EXPECT_EQ(store.renderText().find("circuit_breakers.high.remaining"), std::string::npos);
  EXPECT_NE(store.renderText().find("circuit_breakers.default.remaining_cx"), std::string::npos);
}

TEST(ClusterResourcesTest, MaxRetriesAdmitsThatManyRetriesInFlight) {
  stats::Store store;
  auto resources = ClusterResources::forCluster(store, "retries");
  ResourceLimits limits;
  limits.max_retries = 2;
  EXPECT_TRUE(resources->tryStartRetry(ResourcePriority::kDefault, limits));
  EXPECT_TRUE(resources->tryStartRetry(ResourcePriority::kDefault, limits));
  EXPECT_FALSE(resources->tryStartRetry(ResourcePriority::kDefault, limits));
  EXPECT_EQ(gauge(store, "retries", "circuit_breakers.default.rq_retry_open"), 1);
  // Another priority has its own count.
  EXPECT_TRUE(resources->tryStartRetry(ResourcePriority::kHigh, limits));
  resources->retryDone(ResourcePriority::kDefault);
  EXPECT_EQ(gauge(store, "retries", "circuit_breakers.default.rq_retry_open"), 0);
  EXPECT_TRUE(resources->tryStartRetry(ResourcePriority::kDefault, limits));
  EXPECT_EQ(resources->at(ResourcePriority::kDefault).retries.value(), 2);
}

TEST(ClusterResourcesTest, RetryBudgetIsAShareOfActiveAndPendingWithAFloor) {
  stats::Store store;
  auto resources = ClusterResources::forCluster(store, "budget");
  ResourceLimits limits;
  limits.max_retries = 1000;  // the budget replaces it
  limits.retry_budget = RetryBudget{.budget_percent = 25.0, .min_retry_concurrency = 2};
  auto& p = resources->at(ResourcePriority::kDefault);
  // Nothing active: the floor.
  EXPECT_EQ(resources->maxRetries(ResourcePriority::kDefault, limits), 2u);
  for (int i = 0; i < 30; ++i) p.requests.inc();
  for (int i = 0; i < 10; ++i) p.pending_requests.inc();
  // 25% of 40.
  EXPECT_EQ(resources->maxRetries(ResourcePriority::kDefault, limits), 10u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(resources->tryStartRetry(ResourcePriority::kDefault, limits)) << i;
  }
  EXPECT_FALSE(resources->tryStartRetry(ResourcePriority::kDefault, limits));
  // Fewer requests active: fewer retries allowed.
  for (int i = 0; i < 20; ++i) p.requests.dec();
  EXPECT_EQ(resources->maxRetries(ResourcePriority::kDefault, limits), 5u);
  resources->retryDone(ResourcePriority::kDefault);
  EXPECT_FALSE(resources->tryStartRetry(ResourcePriority::kDefault, limits));
  // Envoy's defaults: 20%, at least 3.
  ResourceLimits defaults;
  defaults.retry_budget = RetryBudget{};
  EXPECT_EQ(resources->maxRetries(ResourcePriority::kHigh, defaults), 3u);
}

}  // namespace
}  // namespace meshproxy::upstream
