// Cluster, locality and endpoint metadata kept as configured; transport_socket_matches choosing
// the transport per endpoint with Envoy's rules; respect_dns_ttl taken on DNS clusters.
#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <gtest/gtest.h>

#include "envoy/config/cluster/v3/cluster.pb.h"
#include "envoy/config/core/v3/base.pb.h"
#include "proxy/config/cluster_translator.h"
#include "proxy/config/yaml_to_json.h"
#include "proxy/protobuf/metadata.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/tls/secret_manager.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certs.h"

namespace meshproxy::config {
namespace {

using ::testing::HasSubstr;

class ClusterMetadataTest : public ::testing::Test {
 protected:
  ClusterMetadataTest() { ca_path_ = dir_.writeFile("ca.pem", ca_.certPem()); }

  absl::StatusOr<upstream::ClusterConfigSharedPtr> translate(const std::string& yaml) {
    envoy::config::cluster::v3::Cluster proto;
    auto json = yamlToJson(yaml);
    EXPECT_TRUE(json.ok()) << json.status();
    auto s = protobuf::jsonToMessage(*json, &proto);
    EXPECT_TRUE(s.ok()) << s;
    return translateCluster(proto, context_);
  }

  // A transport_socket key of a transport_socket_matches entry ("- name: ..." at column 0).
  std::string tlsSocket() const {
    return "  transport_socket:\n"
           "    name: envoy.transport_sockets.tls\n"
           "    typed_config:\n"
           "      \"@type\": type.googleapis.com/"
           "envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext\n"
           "      common_tls_context:\n"
           "        validation_context: { trusted_ca: { filename: " +
           ca_path_ + " } }\n";
  }

  static std::string stringAt(const envoy::config::core::v3::Metadata* m, const std::string& ns,
                              const std::string& key) {
    const auto* s = protobuf::filterMetadata(m, ns);
    if (s == nullptr) return "<no namespace>";
    auto it = s->fields().find(key);
    return it == s->fields().end() ? "<no key>" : it->second.string_value();
  }

  meshproxy::testing::TempDir dir_;
  meshproxy::testing::TestCa ca_;
  std::string ca_path_;
  stats::Store store_;
  tls::SecretManager secrets_{nullptr, &store_};
  TranslationContext context_{.stats = store_, .concurrency = 1, .secrets = &secrets_};
};

constexpr char kIstioLikeCluster[] = R"(
name: outbound|80||reviews
type: STATIC
connect_timeout: 1s
metadata:
  filter_metadata:
    istio:
      services: [{host: reviews.default.svc.cluster.local, name: reviews}]
load_assignment:
  cluster_name: reviews
  endpoints:
  - metadata:
      filter_metadata:
        envoy.transport_socket_match: {zone_tls: "on"}
    lb_endpoints:
    - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 1001}}}
      metadata:
        filter_metadata:
          envoy.transport_socket_match: {tlsMode: istio}
          istio: {workload: reviews-v1}
    - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 1002}}}
    - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 1003}}}
      metadata:
        filter_metadata:
          envoy.transport_socket_match: {tlsMode: disabled}
)";

TEST_F(ClusterMetadataTest, ClusterEndpointAndLocalityMetadataAreKept) {
  auto c = translate(kIstioLikeCluster);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_NE((*c)->metadata, nullptr);
  const auto* istio = protobuf::filterMetadata((*c)->metadata.get(), "istio");
  ASSERT_NE(istio, nullptr);
  EXPECT_EQ(istio->fields()
                .at("services")
                .list_value()
                .values(0)
                .struct_value()
                .fields()
                .at("name")
                .string_value(),
            "reviews");
  ASSERT_EQ((*c)->hosts.size(), 3u);
  EXPECT_EQ(stringAt((*c)->hosts[0]->metadata(), "istio", "workload"), "reviews-v1");
  EXPECT_EQ((*c)->hosts[1]->metadata(), nullptr);
  EXPECT_EQ(
      stringAt((*c)->hosts[1]->localityMetadata(), "envoy.transport_socket_match", "zone_tls"),
      "on");
}

TEST_F(ClusterMetadataTest, NoMetadataCostsNothing) {
  auto c = translate(R"(
name: plain
type: STATIC
load_assignment:
  endpoints:
  - lb_endpoints:
    - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 1001}}}
)");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ((*c)->metadata, nullptr);
  EXPECT_EQ((*c)->hosts[0]->metadata(), nullptr);
  EXPECT_EQ((*c)->hosts[0]->localityMetadata(), nullptr);
}

TEST_F(ClusterMetadataTest, TransportSocketMatchesChooseTlsByEndpointMetadata) {
  // Istio's shape: mTLS for tlsMode: istio, plain text for everything else.
  auto c = translate(std::string(kIstioLikeCluster) + R"(
transport_socket_matches:
- name: tlsMode-istio
  match: {tlsMode: istio}
)" + tlsSocket() + R"(
- name: tlsMode-disabled
  match: {}
  transport_socket:
    name: envoy.transport_sockets.raw_buffer
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer
)");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ((*c)->transport_socket_matches.size(), 2u);
  const auto* tls = (*c)->transport_socket_matches[0].factory.get();
  ASSERT_NE(tls, nullptr);
  EXPECT_EQ((*c)->transportSocketFor(*(*c)->hosts[0]), tls);
  // No endpoint label: the empty match of the second entry matches it (raw).
  EXPECT_EQ((*c)->transportSocketFor(*(*c)->hosts[1]), nullptr);
  EXPECT_EQ((*c)->transportSocketFor(*(*c)->hosts[2]), nullptr);
}

TEST_F(ClusterMetadataTest, NoMatchFallsBackToTheClusterTransportSocket) {
  auto c = translate(std::string(kIstioLikeCluster) + R"(
transport_socket_matches:
- name: only-istio
  match: {tlsMode: istio}
  transport_socket: {name: envoy.transport_sockets.raw_buffer}
transport_socket:
  name: envoy.transport_sockets.tls
  typed_config:
    "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
    common_tls_context:
      validation_context: { trusted_ca: { filename: )" +
                     ca_path_ + R"( } }
)");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_NE((*c)->transport_socket, nullptr);
  EXPECT_EQ((*c)->transportSocketFor(*(*c)->hosts[0]), nullptr);  // matched: raw
  // hosts[1] has no endpoint label, and its locality's label is not tlsMode: the default.
  EXPECT_EQ((*c)->transportSocketFor(*(*c)->hosts[1]), (*c)->transport_socket.get());
  // A value that differs (tlsMode: disabled) does not match either.
  EXPECT_EQ((*c)->transportSocketFor(*(*c)->hosts[2]), (*c)->transport_socket.get());
}

TEST_F(ClusterMetadataTest, LocalityMetadataMatchesWhenNoEntryMatchesTheEndpoint) {
  auto c = translate(std::string(kIstioLikeCluster) + R"(
transport_socket_matches:
- name: by-zone
  match: {zone_tls: "on"}
)" + tlsSocket());
  ASSERT_TRUE(c.ok()) << c.status();
  const auto* tls = (*c)->transport_socket_matches[0].factory.get();
  // Every host of the locality: the endpoint's own labels do not have zone_tls, its
  // locality's do.
  for (const auto& host : (*c)->hosts) EXPECT_EQ((*c)->transportSocketFor(*host), tls);
}

TEST_F(ClusterMetadataTest, AnEntryWithAnUnknownTransportSocketIsRejectedByItsName) {
  auto c = translate(std::string(kIstioLikeCluster) + R"(
transport_socket_matches:
- name: alts
  match: {tlsMode: istio}
  transport_socket:
    name: envoy.transport_sockets.alts
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.transport_sockets.alts.v3.Alts
)");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(std::string(c.status().message()), HasSubstr("transport_socket_matches[0] 'alts'"));
  EXPECT_THAT(std::string(c.status().message()), HasSubstr("envoy.transport_sockets.alts"));
}

TEST_F(ClusterMetadataTest, RespectDnsTtlOnDnsClusters) {
  auto c = translate(R"(
name: dns
type: STRICT_DNS
respect_dns_ttl: true
load_assignment:
  endpoints:
  - lb_endpoints:
    - endpoint: {address: {socket_address: {address: localhost, port_value: 80}}}
      metadata: {filter_metadata: {istio: {workload: w}}}
)");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE((*c)->respect_dns_ttl);
  ASSERT_EQ((*c)->dns_targets.size(), 1u);
  EXPECT_EQ(stringAt((*c)->dns_targets[0].metadata.get(), "istio", "workload"), "w");
}

}  // namespace
}  // namespace meshproxy::config
