// Cluster.circuit_breakers into thresholds by priority: every field used or refused by name.
#include "proxy/config/circuit_breakers_translator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "envoy/config/cluster/v3/cluster.pb.h"
#include "proxy/config/cluster_translator.h"
#include "proxy/config/yaml_to_json.h"
#include "proxy/protobuf/proto_util.h"

namespace meshproxy::config {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<upstream::ClusterConfigSharedPtr> translate(stats::Store& store,
                                                           const std::string& breakers_yaml) {
  std::string yaml = "name: cb\ntype: STATIC\nconnect_timeout: 1s\n" + breakers_yaml;
  envoy::config::cluster::v3::Cluster proto;
  auto json = yamlToJson(yaml);
  EXPECT_TRUE(json.ok()) << json.status();
  auto s = protobuf::jsonToMessage(*json, &proto);
  EXPECT_TRUE(s.ok()) << s;
  TranslationContext context{.stats = store};
  return translateCluster(proto, context);
}

TEST(CircuitBreakersTranslatorTest, AbsentMeansEnvoysDefaultsForBothPriorities) {
  stats::Store store;
  auto c = translate(store, "");
  ASSERT_TRUE(c.ok()) << c.status();
  for (const auto& limits : (*c)->circuit_breakers.thresholds) {
    EXPECT_EQ(limits.max_connections, 1024u);
    EXPECT_EQ(limits.max_pending_requests, 1024u);
    EXPECT_EQ(limits.max_requests, 1024u);
    EXPECT_EQ(limits.max_retries, 3u);
    EXPECT_FALSE(limits.retry_budget.has_value());
    EXPECT_FALSE(limits.track_remaining);
  }
}

TEST(CircuitBreakersTranslatorTest, EveryThresholdFieldArrivesPerPriority) {
  stats::Store store;
  auto c = translate(store, R"(
circuit_breakers:
  thresholds:
  - max_connections: 10
    max_pending_requests: 20
    max_requests: 30
    max_retries: 4
    max_connection_pools: 5
    track_remaining: true
  - priority: HIGH
    max_requests: 7
    retry_budget:
      budget_percent: {value: 50}
      min_retry_concurrency: 1
)");
  ASSERT_TRUE(c.ok()) << c.status();
  const auto& d = (*c)->circuit_breakers.at(upstream::ResourcePriority::kDefault);
  EXPECT_EQ(d.max_connections, 10u);
  EXPECT_EQ(d.max_pending_requests, 20u);
  EXPECT_EQ(d.max_requests, 30u);
  EXPECT_EQ(d.max_retries, 4u);
  EXPECT_EQ(d.max_connection_pools, 5u);
  EXPECT_TRUE(d.track_remaining);
  const auto& h = (*c)->circuit_breakers.at(upstream::ResourcePriority::kHigh);
  EXPECT_EQ(h.max_requests, 7u);
  EXPECT_EQ(h.max_connections, 1024u);
  ASSERT_TRUE(h.retry_budget.has_value());
  EXPECT_DOUBLE_EQ(h.retry_budget->budget_percent, 50.0);
  EXPECT_EQ(h.retry_budget->min_retry_concurrency, 1u);
  // track_remaining made the remaining_* gauges, with the room left.
  EXPECT_EQ(store.scope("cluster", "cb").gauge("circuit_breakers.default.remaining_rq").value(),
            30);
}

TEST(CircuitBreakersTranslatorTest, RefusedByName) {
  stats::Store store;
  auto per_host = translate(store, R"(
circuit_breakers:
  per_host_thresholds:
  - max_connections: 1
)");
  ASSERT_FALSE(per_host.ok());
  EXPECT_THAT(per_host.status().message(), HasSubstr("per_host_thresholds"));

  auto twice = translate(store, R"(
circuit_breakers:
  thresholds:
  - max_connections: 1
  - priority: DEFAULT
    max_connections: 2
)");
  ASSERT_FALSE(twice.ok());
  EXPECT_THAT(twice.status().message(), HasSubstr("thresholds[1].priority"));

  auto percent = translate(store, R"(
circuit_breakers:
  thresholds:
  - retry_budget: {budget_percent: {value: 150}}
)");
  ASSERT_FALSE(percent.ok());
  EXPECT_THAT(percent.status().message(), HasSubstr("budget_percent"));
}

}  // namespace
}  // namespace meshproxy::config
