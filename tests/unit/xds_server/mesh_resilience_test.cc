// mesh.yaml's per-service timeout and retries: parsed, rendered into the callers' outbound
// route, and accepted by meshproxy's own route translation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "envoy/config/listener/v3/listener.pb.h"
#include "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.pb.h"
#include "proxy/route/route_table.h"
#include "xds/server/mesh_layout.h"
#include "xds/server/mesh_spec.h"

namespace meshproxy::xds_server {
namespace {

using envoy::config::listener::v3::Listener;
using envoy::extensions::filters::network::http_connection_manager::v3::HttpConnectionManager;
using ::testing::HasSubstr;

constexpr char kMesh[] = R"(
services:
- name: reviews
  endpoints: [10.200.0.2, 10.200.0.3]
  ports: [ { port: 8080, protocol: http } ]
  timeout: 1500ms
  retries: { attempts: 3, retry_on: "5xx,reset", per_try_timeout: 0.25s,
             retriable_status_codes: [409] }
- name: ratings
  endpoints: [10.200.0.4]
  ports: [ { port: 9080, protocol: http } ]
  retries: {}
- name: plain
  endpoints: [10.200.0.5]
  ports: [ { port: 7070, protocol: http } ]
)";

HttpConnectionManager outboundHcm(const std::string& listener_name) {
  auto mesh = parseMeshSpec(kMesh);
  EXPECT_TRUE(mesh.ok()) << mesh.status();
  auto resources = generateLayout(*mesh, NodeFacts{"10.200.0.1", {}}, "example.org");
  EXPECT_TRUE(resources.ok()) << resources.status();
  HttpConnectionManager hcm;
  bool found = false;
  for (const auto& r : *resources) {
    if (r.name != listener_name) continue;
    found = true;
    Listener l;
    EXPECT_TRUE(r.body.UnpackTo(&l));
    EXPECT_TRUE(l.filter_chains(0).filters(0).typed_config().UnpackTo(&hcm));
  }
  EXPECT_TRUE(found) << "no listener " << listener_name;
  return hcm;
}

TEST(MeshResilienceTest, RetriesAndTimeoutRenderedIntoTheOutboundRoute) {
  HttpConnectionManager hcm = outboundHcm("0.0.0.0_8080");
  ASSERT_EQ(hcm.route_config().virtual_hosts_size(), 1);
  const auto& action = hcm.route_config().virtual_hosts(0).routes(0).route();
  EXPECT_EQ(action.timeout().seconds(), 1);
  EXPECT_EQ(action.timeout().nanos(), 500000000);
  const auto& policy = action.retry_policy();
  EXPECT_EQ(policy.retry_on(), "5xx,reset");
  EXPECT_EQ(policy.num_retries().value(), 3u);
  EXPECT_EQ(policy.per_try_timeout().nanos(), 250000000);
  ASSERT_EQ(policy.retriable_status_codes_size(), 1);
  EXPECT_EQ(policy.retriable_status_codes(0), 409u);
  ASSERT_EQ(policy.retry_host_predicate_size(), 1);
  EXPECT_EQ(policy.retry_host_predicate(0).name(), "envoy.retry_host_predicates.previous_hosts");
  EXPECT_EQ(policy.host_selection_retry_max_attempts(), 5);
  // meshproxy's own translation takes what mesh-control generates.
  auto table = route::RouteTable::create(hcm.route_config(), {});
  ASSERT_TRUE(table.ok()) << table.status();
  const route::RetryPolicy* p = (*table)->virtualHosts()[0]->routes[0].retryPolicy();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->num_retries, 3u);
  EXPECT_TRUE(p->previous_hosts);
}

TEST(MeshResilienceTest, IstioDefaultsAndNothingWhenUnset) {
  HttpConnectionManager ratings_hcm = outboundHcm("0.0.0.0_9080");
  ASSERT_EQ(ratings_hcm.route_config().virtual_hosts_size(), 1);
  const auto& ratings = ratings_hcm.route_config().virtual_hosts(0).routes(0).route();
  EXPECT_EQ(ratings.retry_policy().retry_on(),
            "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes");
  EXPECT_EQ(ratings.retry_policy().num_retries().value(), 2u);
  EXPECT_FALSE(ratings.has_timeout());
  HttpConnectionManager plain_hcm = outboundHcm("0.0.0.0_7070");
  ASSERT_EQ(plain_hcm.route_config().virtual_hosts_size(), 1);
  const auto& plain = plain_hcm.route_config().virtual_hosts(0).routes(0).route();
  EXPECT_FALSE(plain.has_retry_policy());
  EXPECT_FALSE(plain.has_timeout());
}

TEST(MeshResilienceTest, ErrorsNameTheField) {
  auto error = [](const std::string& extra) {
    return std::string(
        parseMeshSpec("services: [{name: a, ports: [{port: 1, protocol: http}], " + extra + "}]\n")
            .status()
            .message());
  };
  EXPECT_THAT(error("timeout: soon"), HasSubstr("services[0].timeout: 'soon' is not a duration"));
  EXPECT_THAT(error("retries: {attempts: -1}"), HasSubstr("services[0].retries.attempts"));
  EXPECT_THAT(error("retries: {tries: 2}"), HasSubstr("services[0].retries.tries: unknown field"));
  EXPECT_THAT(error("retries: {per_try_timeout: 5}"),
              HasSubstr("services[0].retries.per_try_timeout"));
  EXPECT_THAT(error("retries: {retriable_status_codes: [42]}"),
              HasSubstr("services[0].retries.retriable_status_codes[0]"));
}

}  // namespace
}  // namespace meshproxy::xds_server
