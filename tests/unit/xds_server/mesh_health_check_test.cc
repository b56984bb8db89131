// mesh.yaml services[].health_check: parsing (errors name the field) and the Envoy
// health_checks it generates on the service's outbound clusters.
#include "xds/server/mesh_health_check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "envoy/config/cluster/v3/cluster.pb.h"
#include "proxy/config/cluster_translator.h"
#include "proxy/stats/store.h"
#include "xds/server/mesh_layout.h"
#include "xds/server/mesh_spec.h"

namespace meshproxy::xds_server {
namespace {

using envoy::config::cluster::v3::Cluster;
using ::testing::HasSubstr;

constexpr char kMesh[] = R"(
mtls: DISABLE
services:
- name: reviews
  endpoints: [10.200.0.2]
  ports: [ { port: 8080, protocol: http }, { port: 9000 } ]
  health_check: { path: /healthz, interval: 2s, timeout: 500ms, unhealthy_threshold: 3,
                  healthy_threshold: 1, no_traffic_interval: 10s }
- name: plain
  endpoints: [10.200.0.3]
  ports: [ { port: 8081, protocol: http } ]
)";

std::map<std::string, Cluster> clusters(const std::string& text) {
  auto mesh = parseMeshSpec(text);
  EXPECT_TRUE(mesh.ok()) << mesh.status();
  auto resources = generateLayout(*mesh, NodeFacts{"10.200.0.1", {}}, "example.org");
  EXPECT_TRUE(resources.ok()) << resources.status();
  std::map<std::string, Cluster> out;
  for (const auto& r : *resources) {
    Cluster c;
    if (r.body.UnpackTo(&c)) out[r.name] = c;
  }
  return out;
}

TEST(MeshHealthCheckTest, HttpPortsGetHttpChecksOtherPortsTcp) {
  auto c = clusters(kMesh);
  const Cluster& http = c["outbound|8080||reviews.default.svc.cluster.local"];
  ASSERT_EQ(http.health_checks_size(), 1);
  const auto& hc = http.health_checks(0);
  EXPECT_EQ(hc.http_health_check().path(), "/healthz");
  EXPECT_EQ(hc.interval().seconds(), 2);
  EXPECT_EQ(hc.timeout().nanos(), 500000000);
  EXPECT_EQ(hc.no_traffic_interval().seconds(), 10);
  EXPECT_EQ(hc.unhealthy_threshold().value(), 3u);
  EXPECT_EQ(hc.healthy_threshold().value(), 1u);
  const Cluster& tcp = c["outbound|9000||reviews.default.svc.cluster.local"];
  ASSERT_EQ(tcp.health_checks_size(), 1);
  EXPECT_TRUE(tcp.health_checks(0).has_tcp_health_check());
  EXPECT_EQ(c["outbound|8081||plain.default.svc.cluster.local"].health_checks_size(), 0);

  // What mesh-control generates, meshproxy runs.
  stats::Store store;
  config::TranslationContext context{.stats = store};
  for (const Cluster* cluster : {&http, &tcp}) {
    auto translated = config::translateCluster(*cluster, context);
    ASSERT_TRUE(translated.ok()) << translated.status();
    EXPECT_EQ((*translated)->health_checks.size(), 1u);
  }
}

TEST(MeshHealthCheckTest, DefaultsAndErrors) {
  auto c = clusters(
      "services: [{name: a, endpoints: [10.0.0.1], ports: [{port: 80, protocol: http}], "
      "health_check: {}}]\n");
  const auto& hc = c["outbound|80||a.default.svc.cluster.local"].health_checks(0);
  EXPECT_TRUE(hc.has_tcp_health_check()) << "no path: a TCP check";
  EXPECT_EQ(hc.interval().seconds(), 5);
  EXPECT_EQ(hc.timeout().seconds(), 1);
  EXPECT_EQ(hc.no_traffic_interval().seconds(), 60);
  EXPECT_EQ(hc.unhealthy_threshold().value(), 2u);
  EXPECT_EQ(hc.healthy_threshold().value(), 2u);
  auto error = [](const std::string& check) {
    auto r =
        parseMeshSpec("services: [{name: a, ports: [{port: 80}], health_check: " + check + "}]\n");
    return r.ok() ? std::string("ok") : std::string(r.status().message());
  };
  EXPECT_THAT(error("{interval: 5}"), HasSubstr("services[0].health_check.interval"));
  EXPECT_THAT(error("{path: health}"), HasSubstr("services[0].health_check.path"));
  EXPECT_THAT(error("{healthy_threshold: 0}"), HasSubstr("healthy_threshold"));
  EXPECT_THAT(error("{port: 1}"), HasSubstr("services[0].health_check.port: unknown field"));
  EXPECT_THAT(error("[1]"), HasSubstr("expected a mapping"));
}

}  // namespace
}  // namespace meshproxy::xds_server
