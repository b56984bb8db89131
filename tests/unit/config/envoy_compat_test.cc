// What Envoy accepts and rejects in a bootstrap, beyond the fields themselves: its defaults
// (listener names, implicit original_dst, the router by name), its lenient spellings (camelCase,
// TypedStruct, empty matches, deprecated fields), and its cross-checks (routes name clusters that
// exist). Each case is parsed and translated as the server does at start.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "proxy/config/bootstrap_loader.h"
#include "proxy/config/cluster_translator.h"
#include "proxy/config/listener_translator.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/stats/store.h"

namespace meshproxy::config {
namespace {

using ::testing::HasSubstr;

constexpr char kBackend[] = R"(
  clusters:
  - name: backend
    connect_timeout: 1s
    load_assignment:
      cluster_name: backend
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 8080 } } }
)";

// A bootstrap with one listener on 127.0.0.1:10000 whose HCM has `hcm` (YAML at the indentation
// of the HCM's fields), and the `backend` cluster.
std::string hcmBootstrap(const std::string& hcm, const std::string& listener_extra = "") {
  return std::string(R"(
static_resources:
  listeners:
  - address: { socket_address: { address: 127.0.0.1, port_value: 10000 } }
)") + listener_extra +
         R"(    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: in
)" + hcm +
         kBackend;
}

constexpr char kRoutes[] = R"(          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes: [{match: {prefix: "/"}, route: {cluster: backend}}]
)";
constexpr char kRouterEntry[] = R"(          - name: envoy.filters.http.router
            typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
)";
const std::string kRouter = std::string("          http_filters:\n") + kRouterEntry;

struct Loaded {
  Bootstrap bootstrap;
  std::vector<std::shared_ptr<const network::ListenerConfig>> listeners;
};

// Parses and translates everything, as the server does at start.
absl::StatusOr<Loaded> load(const std::string& yaml) {
  auto b = parseBootstrap(yaml);
  if (!b.ok()) return b.status();
  static stats::Store store;
  TranslationContext context{store, 1};
  Loaded out{*b, {}};
  for (const auto& c : b->proto.static_resources().clusters()) {
    if (auto r = translateCluster(c, context); !r.ok()) return r.status();
  }
  for (const auto& l : b->proto.static_resources().listeners()) {
    auto r = translateListener(l, context);
    if (!r.ok()) return r.status();
    out.listeners.push_back(*r);
  }
  return out;
}

std::string errorOf(const std::string& yaml) {
  auto r = load(yaml);
  return r.ok() ? "OK" : std::string(r.status().message());
}

TEST(EnvoyCompatTest, AnExtensionMeshproxyDoesNotImplementIsNamedWithItsTypeUrl) {
  std::string lua = R"(          http_filters:
          - name: envoy.filters.http.lua
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua
              default_source_code: { inline_string: "function envoy_on_request(h) end" }
)";
  EXPECT_THAT(errorOf(hcmBootstrap(std::string(kRoutes) + lua + kRouterEntry)),
              HasSubstr("unsupported extension 'envoy.filters.http.lua' "
                        "(type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua)"));
  // The same through a TypedStruct wrapper, and for a network filter and a listener filter.
  std::string wrapped = R"(          http_filters:
          - name: envoy.filters.http.lua
            typed_config:
              "@type": type.googleapis.com/udpa.type.v1.TypedStruct
              type_url: type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua
              value: { default_source_code: { inline_string: "x" } }
)";
  EXPECT_THAT(errorOf(hcmBootstrap(kRoutes + wrapped)),
              HasSubstr("unsupported extension 'envoy.filters.http.lua' "
                        "(type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua)"));
  std::string redis = std::string(R"(
static_resources:
  listeners:
  - name: redis
    address: { socket_address: { address: 127.0.0.1, port_value: 6379 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.redis_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.redis_proxy.v3.RedisProxy
          stat_prefix: redis
          settings: { op_timeout: 5s }
          prefix_routes: { catch_all_route: { cluster: backend } }
)") + kBackend;
  EXPECT_THAT(
      errorOf(redis),
      HasSubstr(
          "unsupported extension 'envoy.filters.network.redis_proxy' "
          "(type.googleapis.com/envoy.extensions.filters.network.redis_proxy.v3.RedisProxy)"));
  std::string proxy_protocol = R"(    listener_filters:
    - name: envoy.filters.listener.proxy_protocol
      typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol}
)";
  EXPECT_THAT(errorOf(hcmBootstrap(std::string(kRoutes) + kRouter, proxy_protocol)),
              HasSubstr("unsupported extension 'envoy.filters.listener.proxy_protocol' "
                        "(type.googleapis.com/"
                        "envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol)"));
}

TEST(EnvoyCompatTest, TypedStructWrappedFiltersTranslateLikeTheTypedForm) {
  std::string wrapped = R"(          http_filters:
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/xds.type.v3.TypedStruct
              type_url: type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
              value: {}
)";
  auto r = load(hcmBootstrap(kRoutes + wrapped));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->bootstrap.proto.static_resources()
                .listeners(0)
                .filter_chains(0)
                .filters(0)
                .typed_config()
                .type_url(),
            "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3."
            "HttpConnectionManager");
}

TEST(EnvoyCompatTest, TypedStructInAnLdsListenerIsUnwrappedByTheTranslator) {
  // Over LDS the listener does not pass through the bootstrap loader.
  auto listener = [](const std::string& wrapped_type) {
    return R"({"name": "lds", "address": {"socket_address": {"address": "127.0.0.1", "port_value": 10000}},
      "filter_chains": [{"filters": [{"name": "tcp", "typed_config": {
        "@type": "type.googleapis.com/udpa.type.v1.TypedStruct", "type_url": ")" +
           wrapped_type + R"(", "value": {"stat_prefix": "t", "cluster": "backend"}}}]}]})";
  };
  stats::Store store;
  TranslationContext context{store, 1};
  envoy::config::listener::v3::Listener proto;
  ASSERT_TRUE(
      protobuf::jsonToMessage(listener("type.googleapis.com/envoy.extensions.filters.network."
                                       "tcp_proxy.v3.TcpProxy"),
                              &proto)
          .ok());
  auto l = translateListener(proto, context);
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ((*l)->name, "lds");
  ASSERT_TRUE(
      protobuf::jsonToMessage(listener("type.googleapis.com/istio.tcp.Unknown"), &proto).ok());
  l = translateListener(proto, context);
  ASSERT_FALSE(l.ok());
  EXPECT_THAT(std::string(l.status().message()),
              HasSubstr("unsupported extension 'tcp' (type.googleapis.com/istio.tcp.Unknown)"));
}

TEST(EnvoyCompatTest, ListenersWithoutANameGetTheirAddressAsName) {
  std::string yaml = std::string(R"(
static_resources:
  listeners:
  - address: { socket_address: { address: 127.0.0.1, port_value: 10000 } }
    filter_chains: [{filters: [{name: t, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: t, cluster: backend}}]}]
  - name: 127.0.0.1_10001
    address: { socket_address: { address: 127.0.0.1, port_value: 10002 } }
    filter_chains: [{filters: [{name: t, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: t, cluster: backend}}]}]
  - address: { socket_address: { address: 127.0.0.1, port_value: 10001 } }
    filter_chains: [{filters: [{name: t, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: t, cluster: backend}}]}]
)") + kBackend;
  auto r = load(yaml);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->listeners.size(), 3u);
  EXPECT_EQ(r->listeners[0]->name, "127.0.0.1_10000");
  EXPECT_EQ(r->listeners[1]->name, "127.0.0.1_10001");
  // Its address name is taken by the listener above: a suffix keeps names unique.
  EXPECT_EQ(r->listeners[2]->name, "127.0.0.1_10001_1");
}

TEST(EnvoyCompatTest, CamelCaseKeysInYaml) {
  std::string yaml = R"(
staticResources:
  listeners:
  - name: l
    address: { socketAddress: { address: 127.0.0.1, portValue: 10000 } }
    perConnectionBufferLimitBytes: 32768
    filterChains:
    - filters:
      - name: t
        typedConfig: {"@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, statPrefix: t, cluster: backend, idleTimeout: 5s}
  clusters:
  - name: backend
    connectTimeout: 1s
    dnsLookupFamily: V4_ONLY
    loadAssignment:
      clusterName: backend
      endpoints: [{lbEndpoints: [{endpoint: {address: {socketAddress: {address: 127.0.0.1, portValue: 8080}}}}]}]
)";
  auto r = load(yaml);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->listeners[0]->per_connection_buffer_limit, 32768u);
}

TEST(EnvoyCompatTest, EmptyMatchOnTheDefaultFilterChainIsAccepted) {
  std::string yaml = std::string(R"(
static_resources:
  listeners:
  - name: l
    address: { socket_address: { address: 127.0.0.1, port_value: 10000 } }
    default_filter_chain:
      filter_chain_match: {}
      filters: [{name: t, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: t, cluster: backend}}]
)") + kBackend;
  EXPECT_EQ(errorOf(yaml), "OK");
  // A match that would select something is still refused: Envoy ignores it there, silently.
  std::string port = yaml;
  port.replace(port.find("filter_chain_match: {}"), 22,
               "filter_chain_match: {destination_port: 1}");
  EXPECT_THAT(errorOf(port), HasSubstr("filter_chain_match is not allowed"));
}

TEST(EnvoyCompatTest, UseOriginalDstAddsTheOriginalDstListenerFilter) {
  auto r = load(hcmBootstrap(std::string(kRoutes) + kRouter,
                             "    use_original_dst: true\n    listener_filters:\n"
                             "    - name: envoy.filters.listener.tls_inspector\n"));
  ASSERT_TRUE(r.ok()) << r.status();
  const auto& filters = r->listeners[0]->listener_filters;
  ASSERT_EQ(filters.size(), 2u);
  EXPECT_EQ(filters[0], network::ListenerFilterKind::kTlsInspector);
  EXPECT_EQ(filters[1], network::ListenerFilterKind::kOriginalDst);
  EXPECT_TRUE(r->listeners[0]->use_original_dst);
}

TEST(EnvoyCompatTest, TheRouterMayBeNamedWithoutATypedConfig) {
  auto r = load(hcmBootstrap(std::string(kRoutes) +
                             "          http_filters: [{name: envoy.filters.http.router}]\n"));
  EXPECT_TRUE(r.ok()) << r.status();
  // Only the router: other filters carry options and need their typed_config.
  EXPECT_THAT(errorOf(hcmBootstrap(std::string(kRoutes) +
                                   "          http_filters: [{name: envoy.filters.http.cors}, "
                                   "{name: envoy.filters.http.router}]\n")),
              HasSubstr("typed_config is required"));
}

TEST(EnvoyCompatTest, AnEmptyHttpFilterListIsRefusedSinceNothingWouldRoute) {
  EXPECT_THAT(errorOf(hcmBootstrap(std::string(kRoutes) + "          http_filters: []\n")),
              HasSubstr("http_filters is empty"));
}

TEST(EnvoyCompatTest, DnsSettingsOnNonDnsClustersAreIgnoredAsInEnvoy) {
  std::string yaml = std::string(R"(
static_resources:
  clusters:
  - name: static
    type: STATIC
    dns_lookup_family: V4_ONLY
    dns_refresh_rate: 5s
    load_assignment:
      cluster_name: static
      endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 1}}}}]}]
  - name: eds
    type: EDS
    dns_lookup_family: V4_ONLY
    eds_cluster_config: { eds_config: { ads: {} } }
)");
  EXPECT_EQ(errorOf(yaml), "OK");
}

TEST(EnvoyCompatTest, DeprecatedClusterHttp2ProtocolOptionsSelectsHttp2) {
  std::string yaml = std::string(kBackend);
  yaml = "static_resources:\n" +
         yaml.replace(yaml.find("    connect_timeout"), 0, "    http2_protocol_options: {}\n");
  auto b = parseBootstrap(yaml);
  ASSERT_TRUE(b.ok()) << b.status();
  stats::Store store;
  TranslationContext context{store, 1};
  auto c = translateCluster(b->proto.static_resources().clusters(0), context);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE((*c)->http2);
  // Its options are checked like those of its replacement (explicit_http_config).
  std::string with_option = yaml;
  with_option.replace(with_option.find("http2_protocol_options: {}"), 26,
                      "http2_protocol_options: {max_concurrent_streams: 10}");
  b = parseBootstrap(with_option);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_FALSE(translateCluster(b->proto.static_resources().clusters(0), context).ok());
}

TEST(EnvoyCompatTest, AdminAccessLogPathMapsToItsReplacement) {
  std::string base = std::string("admin:\n") +
                     "  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }\n";
  // To /dev/null: nothing to log, accepted (Envoy's examples write this).
  auto b = parseBootstrap(base + "  access_log_path: /dev/null\n");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->proto.admin().access_log_size(), 0);
  EXPECT_TRUE(b->proto.admin().access_log_path().empty());
  b = parseBootstrap(base + R"(  access_log:
  - name: envoy.access_loggers.file
    typed_config: {"@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog, path: /dev/null}
)");
  ASSERT_TRUE(b.ok()) << b.status();
  // To a real file: becomes admin.access_log, which is not implemented yet, and says so.
  b = parseBootstrap(base + "  access_log_path: /tmp/admin.log\n");
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(std::string(b.status().message()), HasSubstr("unsupported field 'admin.access_log'"));
}

TEST(EnvoyCompatTest, TransportAndResourceApiVersionsMayBeLeftOut) {
  auto b = parseBootstrap(R"(
dynamic_resources:
  ads_config:
    api_type: GRPC
    grpc_services: [{envoy_grpc: {cluster_name: xds}}]
  cds_config: { ads: {} }
  lds_config: { ads: {} }
)");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->proto.dynamic_resources().ads_config().transport_api_version(),
            envoy::config::core::v3::AUTO);
}

TEST(EnvoyCompatTest, AnInlineRouteToAClusterThatDoesNotExistIsRejected) {
  std::string to_missing = kRoutes;
  to_missing.replace(to_missing.find("cluster: backend"), 16, "cluster: missing");
  EXPECT_THAT(errorOf(hcmBootstrap(to_missing + kRouter)),
              HasSubstr("route: unknown cluster 'missing'"));
  std::string weighted = kRoutes;
  weighted.replace(weighted.find("{cluster: backend}"), 18,
                   "{weighted_clusters: {clusters: [{name: backend, weight: 1}, "
                   "{name: gone, weight: 1}]}}");
  EXPECT_THAT(errorOf(hcmBootstrap(weighted + kRouter)),
              HasSubstr("route: unknown weighted cluster 'gone'"));
  // validate_clusters: false lets the table name clusters that arrive later (CDS).
  std::string unvalidated = to_missing;
  unvalidated.replace(unvalidated.find("            virtual_hosts:"), 0,
                      "            validate_clusters: false\n");
  EXPECT_EQ(errorOf(hcmBootstrap(unvalidated + kRouter)), "OK");
  EXPECT_EQ(errorOf(hcmBootstrap(std::string(kRoutes) + kRouter)), "OK");
}

}  // namespace
}  // namespace meshproxy::config
