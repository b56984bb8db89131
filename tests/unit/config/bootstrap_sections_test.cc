// The process-level bootstrap sections real sidecars carry: cluster_manager,
// bootstrap_extensions, application_log_config, deferred_stat_options, admin.profile_path,
// overload_manager and stats_config, each translated or refused by name.
#include "proxy/config/bootstrap_sections.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "proxy/config/bootstrap_loader.h"

namespace meshproxy::config {
namespace {

using ::testing::HasSubstr;

constexpr char kCluster[] = R"y(
static_resources:
  clusters:
  - name: local_cluster
    connect_timeout: 1s
    load_assignment: { cluster_name: local_cluster, endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 8080 } } } } ] } ] }
)y";

absl::StatusOr<Bootstrap> parse(std::string_view extra) {
  return parseBootstrap(std::string(kCluster) + std::string(extra));
}

TEST(BootstrapSectionsTest, ClusterManagerKeepsLocalClusterAndOutlierEventLog) {
  auto b = parse(R"y(
cluster_manager:
  local_cluster_name: local_cluster
  outlier_detection: { event_log_path: /dev/stdout }
  enable_deferred_cluster_creation: true
deferred_stat_options: { enable_deferred_creation_stats: true }
admin: { profile_path: /var/lib/istio/data/envoy.prof, address: { socket_address: { address: 127.0.0.1, port_value: 0 } } }
)y");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->settings.cluster_manager.local_cluster_name, "local_cluster");
  EXPECT_EQ(b->settings.cluster_manager.outlier_event_log_path, "/dev/stdout");
}

TEST(BootstrapSectionsTest, LocalClusterMustBeAStaticCluster) {
  auto b = parse("cluster_manager: { local_cluster_name: nowhere }\n");
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(b.status().message(), HasSubstr("local cluster 'nowhere' must be defined"));
}

TEST(BootstrapSectionsTest, UnimplementedClusterManagerFieldsAreRefused) {
  auto b = parse(
      "cluster_manager: { upstream_bind_config: { source_address: { address: 1.2.3.4 } } }\n");
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(b.status().message(), HasSubstr("cluster_manager.upstream_bind_config"));
}

TEST(BootstrapSectionsTest, BootstrapExtensionsByTypeUrl) {
  // Istio's sidecar bootstrap, TypedStruct-wrapped as it renders it.
  auto ok = parse(R"y(
bootstrap_extensions:
- name: envoy.bootstrap.internal_listener
  typed_config:
    "@type": type.googleapis.com/udpa.type.v1.TypedStruct
    type_url: type.googleapis.com/envoy.extensions.bootstrap.internal_listener.v3.InternalListener
    value: { buffer_size_kb: 64 }
)y");
  EXPECT_TRUE(ok.ok()) << ok.status();
  auto refused = parse(R"y(
bootstrap_extensions:
- name: wasm
  typed_config:
    "@type": type.googleapis.com/envoy.extensions.wasm.v3.WasmService
)y");
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(),
              HasSubstr("unsupported extension 'wasm' "
                        "(type.googleapis.com/envoy.extensions.wasm.v3.WasmService)"));
}

TEST(BootstrapSectionsTest, ApplicationLogTextFormat) {
  // Istio's format.
  auto b = parse(
      "application_log_config: { log_format: { text_format: \"%Y-%m-%dT%T.%fZ\\t%l\\tenvoy %n "
      "%g:%#\\t%v\\tthread=%t\" } }\n");
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_TRUE(b->settings.log_text_format.has_value());
  EXPECT_THAT(*b->settings.log_text_format, HasSubstr("thread=%t"));

  auto bad = parse("application_log_config: { log_format: { text_format: \"%Q %v\" } }\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("unsupported log format flag '%Q'"));
  auto json = parse("application_log_config: { log_format: { json_format: { msg: \"%v\" } } }\n");
  ASSERT_FALSE(json.ok());
  EXPECT_THAT(json.status().message(), HasSubstr("json_format"));
}

TEST(BootstrapSectionsTest, OverloadManagerMonitorsAndActions) {
  auto b = parse(R"y(
overload_manager:
  refresh_interval: 0.25s
  resource_monitors:
  - name: envoy.resource_monitors.global_downstream_max_connections
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig
      max_active_downstream_connections: 50000
  - name: envoy.resource_monitors.fixed_heap
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig
      max_heap_size_bytes: 1073741824
  actions:
  - name: envoy.overload_actions.shrink_heap
    triggers: [ { name: envoy.resource_monitors.fixed_heap, threshold: { value: 0.95 } } ]
  - name: envoy.overload_actions.stop_accepting_requests
    triggers: [ { name: envoy.resource_monitors.fixed_heap, threshold: { value: 0.98 } } ]
)y");
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_TRUE(b->settings.overload.has_value());
  const auto& o = *b->settings.overload;
  EXPECT_EQ(o.refresh_interval, std::chrono::milliseconds(250));
  ASSERT_EQ(o.monitors.size(), 2u);
  EXPECT_EQ(o.monitors[0].kind, OverloadConfig::Monitor::kDownstreamConnections);
  EXPECT_EQ(o.monitors[0].max, 50000u);
  EXPECT_EQ(o.monitors[1].max, 1073741824u);
  ASSERT_EQ(o.actions.size(), 2u);
  EXPECT_EQ(o.actions[1].action, OverloadConfig::Action::kStopAcceptingRequests);
  EXPECT_DOUBLE_EQ(o.actions[1].triggers[0].threshold, 0.98);
}

TEST(BootstrapSectionsTest, OverloadManagerRefusesWhatItDoesNotImplement) {
  const std::string heap = R"y(
overload_manager:
  resource_monitors:
  - name: heap
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig
      max_heap_size_bytes: 1000
)y";
  auto reduce = parse(heap + R"y(
  actions:
  - name: envoy.overload_actions.reduce_timeouts
    triggers: [ { name: heap, threshold: { value: 0.9 } } ]
)y");
  ASSERT_FALSE(reduce.ok());
  EXPECT_THAT(reduce.status().message(),
              HasSubstr("'envoy.overload_actions.reduce_timeouts': unsupported overload action"));
  auto scaled = parse(heap + R"y(
  actions:
  - name: envoy.overload_actions.stop_accepting_requests
    triggers: [ { name: heap, scaled: { scaling_threshold: 0.8, saturation_threshold: 0.9 } } ]
)y");
  ASSERT_FALSE(scaled.ok());
  EXPECT_THAT(scaled.status().message(), HasSubstr("scaled"));
  auto unknown = parse(heap + R"y(
  actions:
  - name: envoy.overload_actions.stop_accepting_requests
    triggers: [ { name: nope, threshold: { value: 0.9 } } ]
)y");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.status().message(), HasSubstr("unknown resource monitor 'nope'"));
  auto injected = parse(R"y(
overload_manager:
  resource_monitors:
  - name: injected
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.resource_monitors.injected_resource.v3.InjectedResourceConfig
      filename: /tmp/x
)y");
  ASSERT_FALSE(injected.ok());
  EXPECT_THAT(injected.status().message(), HasSubstr("unsupported extension 'injected'"));
}

TEST(BootstrapSectionsTest, StatsConfigBecomesTheStoresNamePolicy) {
  auto b = parse(R"y(
stats_config:
  use_all_default_tags: false
  stats_tags:
  - tag_name: cluster_name
    regex: "^cluster(\\.(.+);)"
  - tag_name: mesh
    fixed_value: m1
  stats_matcher:
    inclusion_list:
      patterns: [ { prefix: cluster. }, { safe_regex: { regex: "vhost\\..*\\.route\\..*" } } ]
)y");
  ASSERT_TRUE(b.ok()) << b.status();
  stats::Store store;
  store.setNamePolicy(b->settings.stats_names);
  store.scope("cluster", "xds-grpc;").counter("upstream_cx_total").inc();
  store.rootScope().counter("listener_manager.total_listeners_active");
  stats::StatSet all = store.all();
  ASSERT_EQ(all.counters.size(), 1u) << "the listener_manager counter is not in the inclusion list";
  const stats::StatName& name = all.counters[0]->name();
  EXPECT_EQ(name.full, "cluster.xds-grpc;.upstream_cx_total");
  EXPECT_EQ(name.tag_extracted, "cluster.upstream_cx_total");
  ASSERT_EQ(name.tags.size(), 2u);
  EXPECT_EQ(name.tags[0], (stats::Tag{"cluster_name", "xds-grpc"}));
  EXPECT_EQ(name.tags[1], (stats::Tag{"mesh", "m1"}));
}

TEST(BootstrapSectionsTest, StatsConfigErrorsAreNamed) {
  auto bad_regex = parse("stats_config: { stats_tags: [ { tag_name: t, regex: \"(\" } ] }\n");
  ASSERT_FALSE(bad_regex.ok());
  EXPECT_THAT(bad_regex.status().message(), HasSubstr("stats_tags[0] 't': invalid regex"));
  auto buckets = parse(
      "stats_config: { histogram_bucket_settings: [ { match: { prefix: a }, buckets: [1] } ] }\n");
  ASSERT_FALSE(buckets.ok());
  EXPECT_THAT(buckets.status().message(), HasSubstr("histogram_bucket_settings"));
}

}  // namespace
}  // namespace meshproxy::config
