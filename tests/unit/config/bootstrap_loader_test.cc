#include "proxy/config/bootstrap_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "proxy/config/cluster_translator.h"
#include "proxy/config/listener_translator.h"
#include "proxy/stats/store.h"

namespace meshproxy::config {
namespace {

using ::testing::HasSubstr;

constexpr char kValid[] = R"(
node: { id: n1, cluster: c1 }
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: 15000 } }
static_resources:
  listeners:
  - name: l1
    address: { socket_address: { address: 127.0.0.1, port_value: 10000 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: tcp
          cluster: backend
          idle_timeout: 30s
  clusters:
  - name: backend
    connect_timeout: 0.25s
    load_assignment:
      cluster_name: backend
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 8080 } } }
        - endpoint: { address: { socket_address: { address: "::1", port_value: 8081 } } }
          load_balancing_weight: 3
)";

// Parses and translates everything, as the server does at start.
absl::Status loadAll(const std::string& yaml) {
  auto b = parseBootstrap(yaml);
  if (!b.ok()) return b.status();
  stats::Store store;
  TranslationContext context{store, 2};
  for (const auto& c : b->proto.static_resources().clusters()) {
    if (auto r = translateCluster(c, context); !r.ok()) return r.status();
  }
  for (const auto& l : b->proto.static_resources().listeners()) {
    if (auto r = translateListener(l, context); !r.ok()) return r.status();
  }
  return absl::OkStatus();
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  size_t pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  return text.replace(pos, from.size(), to);
}

TEST(BootstrapLoaderTest, ValidBootstrapTranslates) {
  auto b = parseBootstrap(kValid);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->proto.node().id(), "n1");
  ASSERT_TRUE(b->admin_address.has_value());
  EXPECT_EQ(b->admin_address->str(), "127.0.0.1:15000");

  stats::Store store;
  TranslationContext context{store, 2};
  auto cluster = translateCluster(b->proto.static_resources().clusters(0), context);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  EXPECT_EQ((*cluster)->connect_timeout.count(), 250);
  ASSERT_EQ((*cluster)->hosts.size(), 2u);
  EXPECT_EQ((*cluster)->hosts[1]->address().str(), "[::1]:8081");
  EXPECT_EQ((*cluster)->hosts[1]->weight(), 3u);

  auto listener = translateListener(b->proto.static_resources().listeners(0), context);
  ASSERT_TRUE(listener.ok()) << listener.status();
  EXPECT_EQ((*listener)->address.str(), "127.0.0.1:10000");
  EXPECT_EQ((*listener)->stats->workers.size(), 2u);
}

TEST(BootstrapLoaderTest, JsonIsAcceptedToo) {
  auto b = parseBootstrap(R"({"node": {"id": "j"}, "static_resources": {}})");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->proto.node().id(), "j");
}

TEST(BootstrapLoaderTest, UnknownFieldIsRejected) {
  auto s = loadAll(replaced(kValid, "stat_prefix: tcp", "stat_prefix: tcp\n          no_such_field: 1"));
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("no_such_field"));
}

TEST(BootstrapLoaderTest, KnownButUnimplementedFieldIsRejectedByName) {
  auto s = loadAll(replaced(kValid, "    filter_chains:",
                            "    tcp_backlog_size: 64\n    filter_chains:"));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("unsupported field 'tcp_backlog_size'"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("listener 'l1'"));

  s = loadAll(replaced(kValid, "node: { id: n1, cluster: c1 }",
                       "node: { id: n1 }\nstats_flush_on_admin: true"));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("stats_flush_on_admin"));
}

TEST(BootstrapLoaderTest, UnsupportedTypedConfigIsRejectedWithItsTypeUrl) {
  auto s = loadAll(replaced(
      kValid, "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy\n          stat_prefix: tcp\n          cluster: backend\n          idle_timeout: 30s",
      "type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer"));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(
      std::string(s.message()),
      HasSubstr(
          "unsupported extension 'envoy.filters.network.tcp_proxy' "
          "(type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer)"));
}

TEST(BootstrapLoaderTest, TypeUrlOutsideTheApiIsRejected) {
  auto s = loadAll(replaced(kValid, "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
                            "example.NoSuchType"));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("example.NoSuchType"));
}

TEST(BootstrapLoaderTest, BadAddressesAreRejected) {
  auto s = loadAll(replaced(kValid, "address: 127.0.0.1, port_value: 10000", "address: 127.0.0.300, port_value: 10000"));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("malformed IP address: '127.0.0.300'"));

  s = loadAll(replaced(kValid, "address: 127.0.0.1, port_value: 8080", "address: backend.local, port_value: 8080"));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("backend.local"));

  s = loadAll(replaced(kValid, "port_value: 10000", "port_value: 70000"));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("70000"));

  s = loadAll(replaced(kValid, "admin:\n  address: { socket_address: { address: 127.0.0.1",
                       "admin:\n  address: { socket_address: { address: nowhere"));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("admin"));
}

TEST(BootstrapLoaderTest, DuplicateNamesAreRejected) {
  std::string twice = replaced(kValid, "  clusters:", R"(  - name: l1
    address: { socket_address: { address: 127.0.0.1, port_value: 10001 } }
    filter_chains: [ { filters: [ { name: t, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: t, cluster: backend } } ] } ]
  clusters:)");
  auto s = loadAll(twice);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("duplicate listener name 'l1'"));

  std::string clusters_twice = replaced(kValid, "  - name: backend\n", "  - name: backend\n    connect_timeout: 1s\n  - name: backend\n");
  s = loadAll(clusters_twice);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("duplicate cluster name 'backend'"));
}

TEST(BootstrapLoaderTest, UnsupportedClusterTypeAndPolicyAreNamed) {
  auto s = loadAll(replaced(kValid, "connect_timeout: 0.25s", "connect_timeout: 0.25s\n    lb_policy: LOAD_BALANCING_POLICY_CONFIG"));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("unsupported lb_policy LOAD_BALANCING_POLICY_CONFIG"));
}

TEST(BootstrapLoaderTest, YamlSyntaxErrorHasALine) {
  auto b = parseBootstrap("node:\n  id: [unclosed\n");
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(std::string(b.status().message()), HasSubstr("line"));
}

TEST(BootstrapLoaderTest, EmptyOrNonMappingDocumentsSaySo) {
  auto empty = parseBootstrap("");
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(std::string(empty.status().message()), HasSubstr("bootstrap: the file is empty"));
  auto comments = parseBootstrap("# nothing here\n");
  ASSERT_FALSE(comments.ok());
  EXPECT_THAT(std::string(comments.status().message()), HasSubstr("the file is empty"));
  for (const char* text : {"just a string\n", "- a\n- b\n", "42\n"}) {
    auto b = parseBootstrap(text);
    ASSERT_FALSE(b.ok());
    EXPECT_THAT(std::string(b.status().message()),
                HasSubstr("the top level must be a YAML mapping or a JSON object"));
  }
}

TEST(BootstrapLoaderTest, MissingFileIsAClearError) {
  auto b = loadBootstrapFile("/nonexistent/bootstrap.yaml");
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(std::string(b.status().message()), HasSubstr("/nonexistent/bootstrap.yaml"));
}

}  // namespace
}  // namespace meshproxy::config

namespace meshproxy::config {
namespace {

TEST(BootstrapLoaderRuntimeTest, LayeredRuntimeIsAcceptedAndCheckedAtLoad) {
  auto ok = parseBootstrap(R"(
layered_runtime:
  layers:
  - { name: s, static_layer: { a: { b: 1 } } }
  - { name: admin, admin_layer: {} }
)");
  EXPECT_TRUE(ok.ok()) << ok.status();
  // Layers meshproxy does not implement, and Envoy's own rejections, fail the load by name.
  auto disk = parseBootstrap("layered_runtime: {layers: [{name: d, disk_layer: {symlink_root: /x}}]}");
  ASSERT_FALSE(disk.ok());
  EXPECT_THAT(std::string(disk.status().message()),
              ::testing::HasSubstr("unsupported field 'layered_runtime.layers[0].disk_layer'"));
  auto dup = parseBootstrap(
      "layered_runtime: {layers: [{name: a, static_layer: {}}, {name: a, static_layer: {}}]}");
  ASSERT_FALSE(dup.ok());
  EXPECT_THAT(std::string(dup.status().message()),
              ::testing::HasSubstr("duplicate layer name 'a'"));
}

TEST(BootstrapLoaderRuntimeTest, OverloadExemptionsOfListenersAreAccepted) {
  // Without an overload manager they change nothing, as in Envoy (overload_manager_test has
  // them with one).
  auto s = loadAll(replaced(kValid, "    filter_chains:",
                            "    ignore_global_conn_limit: true\n    bypass_overload_manager: true\n"
                            "    filter_chains:"));
  EXPECT_TRUE(s.ok()) << s;
  auto om = parseBootstrap("overload_manager: {refresh_interval: 1s}");
  ASSERT_FALSE(om.ok());
  EXPECT_THAT(std::string(om.status().message()),
              ::testing::HasSubstr("overload_manager.resource_monitors: at least one is needed"));
}

TEST(BootstrapLoaderRuntimeTest, NodeUserAgentFieldsAreAccepted) {
  // Envoy replaces them with its own before sending the node; meshproxy with its own.
  auto b = parseBootstrap(R"(
node:
  id: n
  user_agent_name: envoy
  user_agent_build_version: { version: { major_number: 1, minor_number: 30 } }
)");
  EXPECT_TRUE(b.ok()) << b.status();
}

}  // namespace
}  // namespace meshproxy::config
