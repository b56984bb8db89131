// The HCM's `tracing` with its provider, and the route's tracing and decorator, as the data
// path gets them.
#include "proxy/filters/network/http_connection_manager/hcm_tracing.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "envoy/config/trace/v3/http_tracer.pb.h"
#include "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.pb.h"
#include "proxy/stats/store.h"
#include "tests/unit/filters/proto_yaml.h"
#include "tests/unit/route/route_table_test_util.h"

namespace meshproxy::filters::hcm {
namespace {

using envoy::extensions::filters::network::http_connection_manager::v3::
    HttpConnectionManager_Tracing;
using ::testing::HasSubstr;

constexpr char kOtel[] = R"(
provider:
  name: envoy.tracers.opentelemetry
  typed_config:
    "@type": type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig
    grpc_service: { envoy_grpc: { cluster_name: otel } }
spawn_upstream_span: true
random_sampling: { value: 25 }
)";

TEST(HcmTracingTest, ProviderDirectionAndIdentity) {
  stats::Store store;
  config::ListenerDependencies deps;
  config::TranslationContext context{.stats = store,
                                     .dependencies = &deps,
                                     .traffic_direction = 1,
                                     .node_id = "sidecar~1",
                                     .node_cluster = "reviews",
                                     .node_zone = "z1"};
  auto t = translateHcmTracer(test::protoFromYaml<HttpConnectionManager_Tracing>(kOtel), context);
  ASSERT_TRUE(t.ok()) << t.status();
  const tracing::HttpTracer& h = **t;
  EXPECT_FALSE(h.egress);
  EXPECT_TRUE(h.config.spawn_upstream_span);
  EXPECT_EQ(h.config.sampling.random.numerator, 2500u);
  EXPECT_EQ(h.local.node_id, "sidecar~1");
  EXPECT_EQ(h.local.zone, "z1");
  ASSERT_NE(h.tracer, nullptr);
  EXPECT_EQ(h.tracer->propagation, tracing::Propagation::kW3C);
  EXPECT_TRUE(static_cast<bool>(h.tracer->encoder));
  EXPECT_NE(h.tracer->stats.spans_dropped, nullptr);
  EXPECT_THAT(deps.clusters, ::testing::Contains("otel"));
  // The same provider again: the same export queue slot on every worker.
  auto again =
      translateHcmTracer(test::protoFromYaml<HttpConnectionManager_Tracing>(kOtel), context);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->tracer->slot, h.tracer->slot);
}

TEST(HcmTracingTest, BootstrapProviderAppliesWhenTheHcmNamesNone) {
  stats::Store store;
  auto bootstrap = test::protoFromYaml<envoy::config::trace::v3::Tracing_Http>(R"(
name: envoy.tracers.zipkin
typed_config:
  "@type": type.googleapis.com/envoy.config.trace.v3.ZipkinConfig
  collector_cluster: zipkin
  collector_endpoint: /api/v2/spans
  trace_id_128bit: true
)");
  config::TranslationContext context{.stats = store, .bootstrap_tracing = &bootstrap};
  auto t = translateHcmTracer(HttpConnectionManager_Tracing(), context);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_TRUE((*t)->egress);  // unspecified direction: egress, as Envoy
  ASSERT_NE((*t)->tracer, nullptr);
  EXPECT_EQ((*t)->tracer->propagation, tracing::Propagation::kB3);
  EXPECT_TRUE((*t)->tracer->trace_id_128bit);
  EXPECT_TRUE((*t)->tracer->shared_span_context);

  // No provider anywhere: decision only.
  config::TranslationContext bare{.stats = store};
  auto none = translateHcmTracer(HttpConnectionManager_Tracing(), bare);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ((*none)->tracer, nullptr);
}

TEST(HcmTracingTest, UnsupportedProviderIsAnErrorNamingIt) {
  stats::Store store;
  config::TranslationContext context{.stats = store};
  auto t = translateHcmTracer(test::protoFromYaml<HttpConnectionManager_Tracing>(R"(
provider:
  name: envoy.tracers.datadog
  typed_config:
    "@type": type.googleapis.com/envoy.config.trace.v3.DatadogConfig
    collector_cluster: dd
    service_name: x
)"),
                              context);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("envoy.tracers.datadog"));
}

TEST(RouteTracingTest, DecoratorAndTracingOverridesReachTheRoute) {
  auto table = route::testing::buildTable(R"(
virtual_hosts:
- name: v
  domains: ["*"]
  routes:
  - match: { prefix: /a }
    route: { cluster: c }
    decorator: { operation: "reviews:9080/*", propagate: false }
    tracing:
      random_sampling: { numerator: 5, denominator: TEN_THOUSAND }
  - match: { prefix: / }
    route: { cluster: c }
)");
  ASSERT_NE(table, nullptr);
  auto a = route::testing::request("x", "/a");
  const http::Route* r = table->match(a, 0);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->decoratorOperation(), "reviews:9080/*");
  EXPECT_FALSE(r->decoratorPropagate());
  ASSERT_NE(r->tracing(), nullptr);
  ASSERT_TRUE(r->tracing()->random.has_value());
  EXPECT_EQ(r->tracing()->random->numerator, 5u);
  auto other = route::testing::request("x", "/b");
  const http::Route* plain = table->match(other, 0);
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(plain->tracing(), nullptr);
  EXPECT_EQ(plain->decoratorOperation(), "");

  EXPECT_THAT(route::testing::createError(R"(
virtual_hosts:
- name: v
  domains: ["*"]
  routes:
  - match: { prefix: / }
    route: { cluster: c }
    decorator: { operation: "" }
)"),
              HasSubstr("decorator.operation"));
}

}  // namespace
}  // namespace meshproxy::filters::hcm
