// bootstrap stats_sinks and stats_flush_interval: statsd and DogStatsD over UDP, the rest
// refused by name.
#include "proxy/config/stats_sinks_translator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "proxy/config/yaml_to_json.h"
#include "proxy/protobuf/proto_util.h"

namespace meshproxy::config {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<StatsSinkSettings> translate(const std::string& yaml) {
  envoy::config::bootstrap::v3::Bootstrap proto;
  auto json = yamlToJson(yaml);
  EXPECT_TRUE(json.ok()) << json.status();
  auto s = protobuf::jsonToMessage(*json, &proto);
  EXPECT_TRUE(s.ok()) << s;
  return translateStatsSinks(proto);
}

TEST(StatsSinksTranslatorTest, DefaultsWithoutSinks) {
  auto s = translate("node: {id: n}");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(s->sinks.empty());
  EXPECT_EQ(s->flush_interval, std::chrono::milliseconds(5000));
}

TEST(StatsSinksTranslatorTest, StatsdAndDogStatsd) {
  auto s = translate(R"(
stats_flush_interval: 1.5s
stats_sinks:
- name: envoy.stat_sinks.statsd
  typed_config:
    "@type": type.googleapis.com/envoy.config.metrics.v3.StatsdSink
    address: {socket_address: {address: 10.1.1.1, port_value: 9125}}
- name: envoy.stat_sinks.dog_statsd
  typed_config:
    "@type": type.googleapis.com/envoy.config.metrics.v3.DogStatsdSink
    address: {socket_address: {address: 127.0.0.1, port_value: 8125, protocol: UDP}}
    prefix: mesh
    max_bytes_per_datagram: 512
)");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->flush_interval, std::chrono::milliseconds(1500));
  ASSERT_EQ(s->sinks.size(), 2u);
  EXPECT_EQ(s->sinks[0].address.str(), "10.1.1.1:9125");
  EXPECT_EQ(s->sinks[0].format.prefix, "envoy");
  EXPECT_FALSE(s->sinks[0].format.tags);
  EXPECT_EQ(s->sinks[0].max_bytes_per_datagram, 0u);
  EXPECT_EQ(s->sinks[1].format.prefix, "mesh");
  EXPECT_TRUE(s->sinks[1].format.tags);
  EXPECT_EQ(s->sinks[1].max_bytes_per_datagram, 512u);
}

TEST(StatsSinksTranslatorTest, WhatIsNotImplementedIsRefusedByName) {
  auto tcp = translate(R"(
stats_sinks:
- name: envoy.stat_sinks.statsd
  typed_config:
    "@type": type.googleapis.com/envoy.config.metrics.v3.StatsdSink
    tcp_cluster_name: statsd
)");
  ASSERT_FALSE(tcp.ok());
  EXPECT_THAT(std::string(tcp.status().message()), HasSubstr("tcp_cluster_name"));
  auto hystrix = translate(R"(
stats_sinks:
- name: envoy.stat_sinks.hystrix
  typed_config:
    "@type": type.googleapis.com/envoy.config.metrics.v3.HystrixSink
)");
  ASSERT_FALSE(hystrix.ok());
  EXPECT_THAT(std::string(hystrix.status().message()),
              HasSubstr("unsupported extension 'envoy.stat_sinks.hystrix'"));
  auto pipe = translate(R"(
stats_sinks:
- name: envoy.stat_sinks.statsd
  typed_config:
    "@type": type.googleapis.com/envoy.config.metrics.v3.StatsdSink
    address: {pipe: {path: /tmp/statsd.sock}}
)");
  ASSERT_FALSE(pipe.ok());
  EXPECT_THAT(std::string(pipe.status().message()), HasSubstr("socket_address"));
  auto slow = translate("stats_flush_interval: 301s");
  ASSERT_FALSE(slow.ok());
  EXPECT_THAT(std::string(slow.status().message()), HasSubstr("stats_flush_interval"));
}

}  // namespace
}  // namespace meshproxy::config
