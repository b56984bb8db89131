// Reading resource files: the three shapes, YAML and JSON, names, and errors that say why.
#include "xds/server/resource_file_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "envoy/config/cluster/v3/cluster.pb.h"
#include "tests/support/temp_dir.h"
#include "xds/server/type_urls.h"

namespace meshproxy::xds_server {
namespace {

using meshproxy::testing::TempDir;
using ::testing::HasSubstr;

constexpr char kClusterYaml[] = R"(
"@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
name: backend
connect_timeout: 2s
)";

std::vector<Resource> parseOk(const TempDir& dir, std::string_view name, std::string_view text) {
  auto resources = parseResourceFile(dir.writeFile(name, text));
  EXPECT_TRUE(resources.ok()) << resources.status();
  return resources.ok() ? *resources : std::vector<Resource>{};
}

std::string parseError(const TempDir& dir, std::string_view name, std::string_view text) {
  auto resources = parseResourceFile(dir.writeFile(name, text));
  EXPECT_FALSE(resources.ok());
  return resources.ok() ? "" : std::string(resources.status().message());
}

TEST(ResourceFileParserTest, SingleMapping) {
  TempDir dir;
  auto resources = parseOk(dir, "c.yaml", kClusterYaml);
  ASSERT_EQ(resources.size(), 1u);
  EXPECT_EQ(resources[0].type_url, kClusterType);
  EXPECT_EQ(resources[0].name, "backend");
  EXPECT_EQ(resources[0].source, dir.filePath("c.yaml"));
  envoy::config::cluster::v3::Cluster cluster;
  ASSERT_TRUE(resources[0].body.UnpackTo(&cluster));
  EXPECT_EQ(cluster.connect_timeout().seconds(), 2);
  EXPECT_EQ(resources[0].content_hash.size(), 64u);
}

TEST(ResourceFileParserTest, SequenceOfResources) {
  TempDir dir;
  auto resources = parseOk(dir, "s.yml", R"(
- "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
  name: a
- "@type": type.googleapis.com/envoy.config.listener.v3.Listener
  name: l
)");
  ASSERT_EQ(resources.size(), 2u);
  EXPECT_EQ(resources[0].name, "a");
  EXPECT_EQ(resources[1].type_url, kListenerType);
  EXPECT_EQ(resources[1].name, "l");
}

TEST(ResourceFileParserTest, ResourcesWrapperLikeEnvoyFileXds) {
  TempDir dir;
  auto resources = parseOk(dir, "w.yaml", R"(
version_info: "7"
resources:
- "@type": type.googleapis.com/envoy.config.route.v3.RouteConfiguration
  name: local_route
  virtual_hosts: [{name: all, domains: ["*"]}]
)");
  ASSERT_EQ(resources.size(), 1u);
  EXPECT_EQ(resources[0].type_url, kRouteConfigurationType);
  EXPECT_EQ(resources[0].name, "local_route");
}

TEST(ResourceFileParserTest, JsonFile) {
  TempDir dir;
  auto resources = parseOk(dir, "c.json", R"({"resources": [
    {"@type": "type.googleapis.com/envoy.config.cluster.v3.Cluster", "name": "j1"},
    {"@type": "type.googleapis.com/envoy.config.cluster.v3.Cluster", "name": "j2"}]})");
  ASSERT_EQ(resources.size(), 2u);
  EXPECT_EQ(resources[1].name, "j2");
}

TEST(ResourceFileParserTest, ClusterLoadAssignmentIsNamedByClusterName) {
  TempDir dir;
  auto resources = parseOk(dir, "e.yaml", R"(
"@type": type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment
cluster_name: backend
endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 80}}}}]}]
)");
  ASSERT_EQ(resources.size(), 1u);
  EXPECT_EQ(resources[0].type_url, kClusterLoadAssignmentType);
  EXPECT_EQ(resources[0].name, "backend");
}

TEST(ResourceFileParserTest, SecretsAndNestedTypedConfigResolve) {
  TempDir dir;
  auto resources = parseOk(dir, "x.yaml", R"(
- "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret
  name: default
  tls_certificate: {certificate_chain: {inline_string: "PEM"}}
- "@type": type.googleapis.com/envoy.config.listener.v3.Listener
  name: tcp
  filter_chains:
  - filters:
    - name: envoy.filters.network.tcp_proxy
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
        stat_prefix: tcp
        cluster: backend
)");
  ASSERT_EQ(resources.size(), 2u);
  EXPECT_EQ(resources[0].type_url, kSecretType);
}

TEST(ResourceFileParserTest, EmptyFileHoldsNothing) {
  TempDir dir;
  EXPECT_TRUE(parseOk(dir, "empty.yaml", "").empty());
}

TEST(ResourceFileParserTest, SameContentSameHashWhateverTheKeyOrder) {
  TempDir dir;
  auto a = parseOk(dir, "a.yaml",
                   "{'@type': type.googleapis.com/envoy.config.cluster.v3.Cluster, name: c, "
                   "connect_timeout: 1s, type: STATIC}");
  auto b = parseOk(
      dir, "b.json",
      R"({"type": "STATIC", "connect_timeout": "1s", "name": "c", "@type": "type.googleapis.com/envoy.config.cluster.v3.Cluster"})");
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].content_hash, b[0].content_hash);
}

TEST(ResourceFileParserTest, LargeIntegersKeepEveryDigit) {
  TempDir dir;
  auto resources = parseOk(dir, "big.yaml", R"(
"@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
name: big
max_requests_per_connection: 4294967295
circuit_breakers: {thresholds: [{max_connections: 4294967295}]}
)");
  ASSERT_EQ(resources.size(), 1u);
  envoy::config::cluster::v3::Cluster cluster;
  ASSERT_TRUE(resources[0].body.UnpackTo(&cluster));
  EXPECT_EQ(cluster.circuit_breakers().thresholds(0).max_connections().value(), 4294967295u);
}

TEST(ResourceFileParserTest, ErrorsSayWhy) {
  TempDir dir;
  EXPECT_THAT(parseError(dir, "syntax.yaml", "a: [1, 2\n"), HasSubstr("line"));
  EXPECT_THAT(
      parseError(dir, "unknown_type.yaml",
                 "- {'@type': type.googleapis.com/envoy.config.cluster.v3.Cluster, name: a}\n"
                 "- {'@type': type.googleapis.com/envoy.nope.v3.Nope, name: b}\n"),
      HasSubstr("resource[1]"));
  EXPECT_THAT(parseError(dir, "unknown_field.yaml",
                         "{'@type': type.googleapis.com/envoy.config.cluster.v3.Cluster, name: a, "
                         "bogus_field: 1}\n"),
              HasSubstr("bogus_field"));
  EXPECT_THAT(parseError(dir, "no_type.yaml", "resources: [{name: a}]\n"),
              HasSubstr("resources[0]: no '@type'"));
  EXPECT_THAT(parseError(dir, "no_name.yaml",
                         "{'@type': type.googleapis.com/envoy.config.cluster.v3.Cluster}\n"),
              HasSubstr("without a 'name'"));
  EXPECT_THAT(
      parseError(dir, "no_cluster_name.yaml",
                 "{'@type': type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment}\n"),
      HasSubstr("cluster_name"));
  EXPECT_THAT(parseError(dir, "scalar.yaml", "42\n"), HasSubstr("expected a resource"));
  EXPECT_THAT(parseError(dir, "extra.yaml", "resources: []\nnonsense: 1\n"),
              HasSubstr("unexpected key 'nonsense'"));
}

}  // namespace
}  // namespace meshproxy::xds_server
