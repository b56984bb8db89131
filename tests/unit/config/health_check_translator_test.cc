// Cluster.health_checks translation: every field implemented or rejected by name, Envoy's
// defaults, and LOGICAL_DNS's single endpoint.
#include "proxy/config/health_check_translator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "envoy/config/cluster/v3/cluster.pb.h"
#include "proxy/config/cluster_translator.h"
#include "proxy/config/yaml_to_json.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/stats/store.h"

namespace meshproxy::config {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

absl::StatusOr<upstream::ClusterConfigSharedPtr> translate(const std::string& yaml) {
  static stats::Store store;
  auto json = yamlToJson(yaml);
  if (!json.ok()) return json.status();
  envoy::config::cluster::v3::Cluster proto;
  if (auto s = protobuf::jsonToMessage(*json, &proto); !s.ok()) return s;
  TranslationContext context{.stats = store};
  return translateCluster(proto, context);
}

std::string cluster(const std::string& checks, const std::string& extra = "") {
  return R"(
name: backend
connect_timeout: 1s
load_assignment:
  cluster_name: backend
  endpoints:
  - lb_endpoints:
    - endpoint:
        address: { socket_address: { address: 127.0.0.1, port_value: 8080 } }
        health_check_config: { port_value: 9090, hostname: check.local }
)" + extra +
         "health_checks:\n" + checks;
}

TEST(HealthCheckTranslatorTest, HttpCheckWithEnvoysDefaults) {
  auto c = translate(cluster(R"(
- timeout: 0.5s
  interval: 2s
  unhealthy_threshold: 2
  healthy_threshold: 3
  http_health_check:
    path: /health
    request_headers_to_add: [{ header: { key: x-probe, value: meshproxy } }]
    request_headers_to_remove: [x-drop]
    service_name_matcher: { prefix: backend }
)"));
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ((*c)->health_checks.size(), 1u);
  const auto& hc = *(*c)->health_checks[0];
  EXPECT_EQ(hc.kind, upstream::HealthCheckConfig::Kind::kHttp);
  EXPECT_EQ(hc.timeout, milliseconds(500));
  EXPECT_EQ(hc.interval, milliseconds(2000));
  EXPECT_EQ(hc.unhealthy_threshold, 2u);
  EXPECT_EQ(hc.healthy_threshold, 3u);
  EXPECT_EQ(hc.no_traffic_interval, milliseconds(60000));
  EXPECT_EQ(hc.no_traffic_healthy_interval, milliseconds(60000));
  EXPECT_EQ(hc.unhealthy_interval, milliseconds(2000));
  EXPECT_EQ(hc.unhealthy_edge_interval, milliseconds(2000));
  EXPECT_EQ(hc.healthy_edge_interval, milliseconds(2000));
  EXPECT_TRUE(hc.reuse_connection);
  EXPECT_EQ(hc.path, "/health");
  EXPECT_TRUE(hc.statusIn(hc.expected_statuses, 200));
  EXPECT_FALSE(hc.statusIn(hc.expected_statuses, 204));
  ASSERT_TRUE(hc.service_name_matcher.has_value());
  EXPECT_TRUE(hc.service_name_matcher->match("backend-prod"));
  EXPECT_FALSE(hc.request_headers.empty());
  EXPECT_NE((*c)->health_check_stats, nullptr);
  // Endpoint.health_check_config.
  ASSERT_EQ((*c)->hosts.size(), 1u);
  EXPECT_EQ((*c)->hosts[0]->healthCheckAddress().str(), "127.0.0.1:9090");
  EXPECT_EQ((*c)->hosts[0]->healthCheckTarget().hostname, "check.local");
}

TEST(HealthCheckTranslatorTest, IntervalsAndFlags) {
  auto c = translate(cluster(R"(
- timeout: 1s
  interval: 5s
  initial_jitter: 1s
  interval_jitter: 0.2s
  interval_jitter_percent: 10
  unhealthy_threshold: 1
  healthy_threshold: 1
  no_traffic_interval: 3s
  unhealthy_interval: 7s
  healthy_edge_interval: 0.5s
  reuse_connection: false
  always_log_health_check_failures: true
  event_log_path: /dev/null
  http_health_check: { path: /h, expected_statuses: [{ start: 200, end: 300 }], retriable_statuses: [{ start: 503, end: 504 }] }
)",
                             "ignore_health_on_host_removal: true\n"));
  ASSERT_TRUE(c.ok()) << c.status();
  const auto& hc = *(*c)->health_checks[0];
  EXPECT_EQ(hc.initial_jitter, milliseconds(1000));
  EXPECT_EQ(hc.interval_jitter, milliseconds(200));
  EXPECT_EQ(hc.interval_jitter_percent, 10u);
  EXPECT_EQ(hc.no_traffic_interval, milliseconds(3000));
  EXPECT_EQ(hc.no_traffic_healthy_interval, milliseconds(3000));
  EXPECT_EQ(hc.unhealthy_interval, milliseconds(7000));
  EXPECT_EQ(hc.unhealthy_edge_interval, milliseconds(7000));
  EXPECT_EQ(hc.healthy_edge_interval, milliseconds(500));
  EXPECT_FALSE(hc.reuse_connection);
  EXPECT_TRUE(hc.always_log_health_check_failures);
  EXPECT_EQ(hc.event_log_paths, std::vector<std::string>{"/dev/null"});
  EXPECT_TRUE(hc.statusIn(hc.expected_statuses, 204));
  EXPECT_TRUE(hc.statusIn(hc.retriable_statuses, 503));
  EXPECT_TRUE((*c)->ignore_health_on_host_removal);
}

TEST(HealthCheckTranslatorTest, TcpPayloadsAreHex) {
  auto c = translate(cluster(R"(
- timeout: 1s
  interval: 1s
  unhealthy_threshold: 1
  healthy_threshold: 1
  tcp_health_check:
    send: { text: "50494e47" }
    receive: [{ text: "504f4e47" }]
)"));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ((*c)->health_checks[0]->send, "PING");
  EXPECT_EQ((*c)->health_checks[0]->receive, std::vector<std::string>{"PONG"});
  auto bad = translate(cluster(R"(
- timeout: 1s
  interval: 1s
  unhealthy_threshold: 1
  healthy_threshold: 1
  tcp_health_check: { send: { text: "zz" } }
)"));
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("not hex"));
}

TEST(HealthCheckTranslatorTest, EventLoggerFileSink) {
  auto c = translate(cluster(R"(
- timeout: 1s
  interval: 1s
  unhealthy_threshold: 1
  healthy_threshold: 1
  event_logger:
  - name: envoy.health_check.event_sink.file
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.health_check.event_sinks.file.v3.HealthCheckEventFileSink
      event_log_path: /tmp/hc-events.log
  tcp_health_check: {}
)"));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ((*c)->health_checks[0]->event_log_paths,
            std::vector<std::string>{"/tmp/hc-events.log"});
}

TEST(HealthCheckTranslatorTest, GrpcNeedsAnHttp2Cluster) {
  std::string check = R"(
- timeout: 1s
  interval: 1s
  unhealthy_threshold: 1
  healthy_threshold: 1
  grpc_health_check: { service_name: svc, authority: grpc.local }
)";
  auto h1 = translate(cluster(check));
  ASSERT_FALSE(h1.ok());
  EXPECT_THAT(h1.status().message(), HasSubstr("HTTP/2"));
  auto h2 = translate(cluster(check, "http2_protocol_options: {}\n"));
  ASSERT_TRUE(h2.ok()) << h2.status();
  EXPECT_EQ(h2.value()->health_checks[0]->kind, upstream::HealthCheckConfig::Kind::kGrpc);
  EXPECT_EQ(h2.value()->health_checks[0]->service_name, "svc");
  EXPECT_EQ(h2.value()->health_checks[0]->authority, "grpc.local");
}

TEST(HealthCheckTranslatorTest, UnsupportedFieldsAreRejectedByName) {
  const std::string base = R"(
- timeout: 1s
  interval: 1s
  unhealthy_threshold: 1
  healthy_threshold: 1
)";
  for (const auto& [field, name] : std::vector<std::pair<std::string, std::string>>{
           {"  alt_port: 81\n  tcp_health_check: {}\n", "alt_port"},
           {"  tls_options: { alpn_protocols: [h2] }\n  tcp_health_check: {}\n", "tls_options"},
           {"  http_health_check: { path: /h, send: { text: '00' } }\n", "send"},
           {"  http_health_check: { path: /h, method: POST }\n", "method"},
           {"  tcp_health_check: { proxy_protocol_config: {} }\n", "proxy_protocol_config"},
           {"  custom_health_check: { name: x }\n", "custom_health_check"},
           {"  grpc_health_check: { initial_metadata: [{ header: { key: a, value: b } }] }\n",
            "initial_metadata"},
       }) {
    auto c = translate(cluster(base + field, "http2_protocol_options: {}\n"));
    ASSERT_FALSE(c.ok()) << field;
    EXPECT_THAT(c.status().message(), HasSubstr(name)) << field;
  }
  auto h2 =
      translate(cluster(base + "  http_health_check: { path: /h, codec_client_type: HTTP2 }\n"));
  ASSERT_FALSE(h2.ok());
  EXPECT_THAT(h2.status().message(), HasSubstr("codec_client_type"));
  auto missing =
      translate(cluster("- interval: 1s\n  unhealthy_threshold: 1\n  healthy_threshold: 1\n  "
                        "tcp_health_check: {}\n"));
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("timeout"));
}

TEST(HealthCheckTranslatorTest, LogicalDnsTakesExactlyOneEndpoint) {
  auto ok = translate(R"(
name: dns
type: LOGICAL_DNS
dns_refresh_rate: 2s
load_assignment:
  cluster_name: dns
  endpoints:
  - lb_endpoints:
    - endpoint: { address: { socket_address: { address: localhost, port_value: 8080 } } }
)");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ((*ok)->type, upstream::DiscoveryType::kLogicalDns);
  EXPECT_TRUE((*ok)->resolvesDns());
  EXPECT_EQ((*ok)->dns_refresh_rate, milliseconds(2000));
  ASSERT_EQ((*ok)->dns_targets.size(), 1u);
  EXPECT_EQ((*ok)->dns_targets[0].name, "localhost");
  auto two = translate(R"(
name: dns
type: LOGICAL_DNS
load_assignment:
  cluster_name: dns
  endpoints:
  - lb_endpoints:
    - endpoint: { address: { socket_address: { address: a.local, port_value: 8080 } } }
    - endpoint: { address: { socket_address: { address: b.local, port_value: 8080 } } }
)");
  ASSERT_FALSE(two.ok());
  EXPECT_THAT(two.status().message(), HasSubstr("exactly one endpoint"));
  auto ttl = translate(R"(
name: dns
type: LOGICAL_DNS
respect_dns_ttl: true
load_assignment:
  cluster_name: dns
  endpoints:
  - lb_endpoints:
    - endpoint: { address: { socket_address: { address: a.local, port_value: 8080 } } }
)");
  // respect_dns_ttl is implemented for both DNS types (dns_ttl.h).
  ASSERT_TRUE(ttl.ok()) << ttl.status();
  EXPECT_TRUE((*ttl)->respect_dns_ttl);
}

}  // namespace
}  // namespace meshproxy::config
