// The mesh file and the Istio-style layout generated from it: what each node gets, checked on
// the decoded Envoy protos (the end-to-end tests then run it through real sidecars).
#include "xds/server/mesh_layout.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "envoy/config/cluster/v3/cluster.pb.h"
#include "envoy/config/listener/v3/listener.pb.h"
#include "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.pb.h"
#include "envoy/extensions/transport_sockets/tls/v3/tls.pb.h"
#include "xds/server/mesh_spec.h"

namespace meshproxy::xds_server {
namespace {

using envoy::config::cluster::v3::Cluster;
using envoy::config::listener::v3::Listener;
using ::testing::HasSubstr;

constexpr char kMesh[] = R"(
mtls: STRICT
services:
- name: reviews
  namespace: shop
  service_account: reviews-sa
  endpoints: [10.200.0.2, 10.200.0.3]
  ports: [ { port: 8080, protocol: http } ]
- name: db
  addresses: [10.96.0.9]
  endpoints: ["fd00::5"]
  ports: [ { port: 5432, target_port: 15432 } ]
)";

struct Generated {
  std::map<std::string, Listener> listeners;
  std::map<std::string, Cluster> clusters;
};

Generated generate(const std::string& mesh_text, NodeFacts node) {
  auto mesh = parseMeshSpec(mesh_text);
  EXPECT_TRUE(mesh.ok()) << mesh.status();
  auto resources = generateLayout(*mesh, node, "example.org");
  EXPECT_TRUE(resources.ok()) << resources.status();
  Generated out;
  for (const auto& r : *resources) {
    if (r.body.Is<Listener>()) {
      r.body.UnpackTo(&out.listeners[r.name]);
    } else {
      EXPECT_TRUE(r.body.UnpackTo(&out.clusters[r.name])) << r.name;
    }
  }
  return out;
}

TEST(MeshSpecTest, ErrorsNameTheField) {
  EXPECT_THAT(parseMeshSpec("mtls: MAYBE\n").status().message(), HasSubstr("mtls: 'MAYBE'"));
  EXPECT_THAT(parseMeshSpec("servces: []\n").status().message(),
              HasSubstr("servces: unknown field"));
  EXPECT_THAT(parseMeshSpec("services: [{name: a, ports: [{port: 99999}]}]\n").status().message(),
              HasSubstr("services[0].ports[0].port: expected a port number"));
  EXPECT_THAT(parseMeshSpec("services: [{name: a, endpoints: [10.0.0.300], ports: [{port: 1}]}]\n")
                  .status()
                  .message(),
              HasSubstr("services[0].endpoints[0]: '10.0.0.300' is not an IP address"));
  EXPECT_THAT(parseMeshSpec("services: [{name: a, ports: [{port: 1, protocol: udp}]}]\n")
                  .status()
                  .message(),
              HasSubstr("services[0].ports[0].protocol"));
  EXPECT_THAT(
      parseMeshSpec("services: [{name: a, ports: [{port: 1}]}, {name: a, ports: [{port: 2}]}]\n")
          .status()
          .message(),
      HasSubstr("listed twice"));
  EXPECT_THAT(parseMeshSpec("services: [{name: a}]\n").status().message(),
              HasSubstr("services[0].ports: required"));
  EXPECT_THAT(parseMeshSpec("headers_with_underscores_action: DROP\n").status().message(),
              HasSubstr("headers_with_underscores_action: 'DROP' is not ALLOW"));
}

// Every generated HCM, inbound and outbound, drops header fields named with '_' unless the mesh
// file says otherwise.
TEST(MeshLayoutTest, HeadersWithUnderscoresAreDroppedUnlessTheMeshSaysOtherwise) {
  using envoy::config::core::v3::HttpProtocolOptions;
  using envoy::extensions::filters::network::http_connection_manager::v3::HttpConnectionManager;
  auto actions = [](const Generated& g) {
    std::vector<HttpProtocolOptions::HeadersWithUnderscoresAction> out;
    for (const auto& [name, listener] : g.listeners) {
      for (const auto& chain : listener.filter_chains()) {
        for (const auto& filter : chain.filters()) {
          HttpConnectionManager hcm;
          if (filter.typed_config().UnpackTo(&hcm)) {
            out.push_back(hcm.common_http_protocol_options().headers_with_underscores_action());
          }
        }
      }
    }
    return out;
  };
  auto by_default = actions(generate(kMesh, NodeFacts{"10.200.0.2", {}}));
  // reviews:8080 outbound and inbound, a listener of each per IP family.
  ASSERT_THAT(by_default, ::testing::SizeIs(4));
  EXPECT_THAT(by_default, ::testing::Each(HttpProtocolOptions::DROP_HEADER));
  auto rejecting =
      actions(generate(std::string("headers_with_underscores_action: REJECT_REQUEST\n") + kMesh,
                       NodeFacts{"10.200.0.2", {}}));
  ASSERT_THAT(rejecting, ::testing::SizeIs(4));
  EXPECT_THAT(rejecting, ::testing::Each(HttpProtocolOptions::REJECT_REQUEST));
}

TEST(MeshLayoutTest, OutboundVirtualListenerHandsOffByPortAndPassesTheRestThrough) {
  Generated g = generate(kMesh, NodeFacts{"10.200.0.1", {}});
  ASSERT_TRUE(g.listeners.count("virtualOutbound"));
  const Listener& virt = g.listeners["virtualOutbound"];
  EXPECT_EQ(virt.address().socket_address().port_value(), 15001u);
  EXPECT_TRUE(virt.use_original_dst().value());
  ASSERT_EQ(virt.listener_filters_size(), 1);
  EXPECT_EQ(virt.listener_filters(0).name(), "envoy.filters.listener.original_dst");

  const Listener& http = g.listeners["0.0.0.0_8080"];
  EXPECT_FALSE(http.bind_to_port().value());
  ASSERT_EQ(http.filter_chains_size(), 1);
  EXPECT_EQ(http.filter_chains(0).filter_chain_match().prefix_ranges_size(), 2);
  EXPECT_EQ(http.filter_chains(0).filters(0).name(),
            "envoy.filters.network.http_connection_manager");
  EXPECT_TRUE(http.has_default_filter_chain());

  const Listener& tcp = g.listeners["0.0.0.0_5432"];
  ASSERT_EQ(tcp.filter_chains_size(), 1);
  const auto& ranges = tcp.filter_chains(0).filter_chain_match().prefix_ranges();
  ASSERT_EQ(ranges.size(), 2);  // the virtual IP and the (IPv6) endpoint
  EXPECT_EQ(ranges[0].address_prefix(), "10.96.0.9");
  EXPECT_EQ(ranges[0].prefix_len().value(), 32u);
  EXPECT_EQ(ranges[1].address_prefix(), "fd00::5");
  EXPECT_EQ(ranges[1].prefix_len().value(), 128u);
  EXPECT_EQ(tcp.filter_chains(0).filters(0).name(), "envoy.filters.network.tcp_proxy");

  // The db endpoint is IPv6: every listener has an IPv6 twin ([::] is IPv6-only).
  EXPECT_EQ(g.listeners["virtualOutbound6"].address().socket_address().address(), "::");
  EXPECT_EQ(g.listeners["virtualInbound6"].address().socket_address().port_value(), 15006u);
  EXPECT_EQ(g.listeners["[::]_5432"].filter_chains_size(), 1);
  EXPECT_EQ(g.listeners["[::]_8080"].address().socket_address().port_value(), 8080u);

  ASSERT_TRUE(g.clusters.count("PassthroughCluster"));
  EXPECT_EQ(g.clusters["PassthroughCluster"].type(), Cluster::ORIGINAL_DST);
}

TEST(MeshLayoutTest, OutboundClustersUseMutualTlsCheckingTheServiceIdentity) {
  Generated g = generate(kMesh, NodeFacts{"10.200.0.1", {}});
  const Cluster& reviews = g.clusters["outbound|8080||reviews.shop.svc.cluster.local"];
  ASSERT_EQ(reviews.load_assignment().endpoints(0).lb_endpoints_size(), 2);
  ASSERT_TRUE(reviews.has_transport_socket());
  envoy::extensions::transport_sockets::tls::v3::UpstreamTlsContext tls;
  ASSERT_TRUE(reviews.transport_socket().typed_config().UnpackTo(&tls));
  EXPECT_EQ(tls.sni(), "outbound_.8080_._.reviews.shop.svc.cluster.local");
  EXPECT_EQ(tls.common_tls_context().tls_certificate_sds_secret_configs(0).name(), "default");
  const auto& cvc = tls.common_tls_context().combined_validation_context();
  EXPECT_EQ(cvc.validation_context_sds_secret_config().name(), "ROOTCA");
  EXPECT_EQ(cvc.default_validation_context().match_typed_subject_alt_names(0).matcher().exact(),
            "spiffe://example.org/ns/shop/sa/reviews-sa");

  const Cluster& db = g.clusters["outbound|5432||db.default.svc.cluster.local"];
  EXPECT_EQ(db.load_assignment()
                .endpoints(0)
                .lb_endpoints(0)
                .endpoint()
                .address()
                .socket_address()
                .port_value(),
            15432u)
      << "target_port";
}

TEST(MeshLayoutTest, StrictInboundTerminatesMutualTlsPerAppPortAndBindsTheSource) {
  Generated g = generate(kMesh, NodeFacts{"10.200.0.2", {9000}});
  const Listener& in = g.listeners["virtualInbound"];
  EXPECT_EQ(in.address().socket_address().port_value(), 15006u);
  ASSERT_EQ(in.listener_filters_size(), 2);
  EXPECT_EQ(in.listener_filters(1).name(), "envoy.filters.listener.tls_inspector");
  // 8080 (this pod is a reviews endpoint) and 9000 (APP_PORTS), TLS only.
  ASSERT_EQ(in.filter_chains_size(), 2);
  for (const auto& chain : in.filter_chains()) {
    EXPECT_EQ(chain.filter_chain_match().transport_protocol(), "tls");
    envoy::extensions::transport_sockets::tls::v3::DownstreamTlsContext tls;
    ASSERT_TRUE(chain.transport_socket().typed_config().UnpackTo(&tls));
    EXPECT_TRUE(tls.require_client_certificate().value());
  }
  EXPECT_EQ(in.filter_chains(0).filter_chain_match().destination_port().value(), 8080u);
  EXPECT_EQ(in.filter_chains(0).filters(0).name(), "envoy.filters.network.http_connection_manager");
  EXPECT_EQ(in.filter_chains(1).filter_chain_match().destination_port().value(), 9000u);
  EXPECT_EQ(in.filter_chains(1).filters(0).name(), "envoy.filters.network.tcp_proxy");
  EXPECT_EQ(in.default_filter_chain().filters(0).name(), "envoy.filters.network.tcp_proxy");
  EXPECT_EQ(g.clusters["BlackHoleCluster"].load_assignment().endpoints_size(), 0)
      << "STRICT: no plaintext way in";

  const Cluster& app = g.clusters["inbound|8080||"];
  EXPECT_EQ(app.load_assignment()
                .endpoints(0)
                .lb_endpoints(0)
                .endpoint()
                .address()
                .socket_address()
                .address(),
            "127.0.0.1");
  EXPECT_EQ(app.upstream_bind_config().source_address().address(), "127.0.0.6");
  EXPECT_FALSE(g.clusters.count("InboundPassthroughCluster"));
}

TEST(MeshLayoutTest, PermissiveAddsPlaintextChainsAndDisableHasNoTls) {
  std::string permissive = std::string(kMesh);
  permissive.replace(permissive.find("STRICT"), 6, "PERMISSIVE");
  Generated p = generate(permissive, NodeFacts{"10.200.0.2", {}});
  const Listener& in = p.listeners["virtualInbound"];
  ASSERT_EQ(in.filter_chains_size(), 2);
  EXPECT_EQ(in.filter_chains(0).filter_chain_match().transport_protocol(), "tls");
  EXPECT_EQ(in.filter_chains(1).filter_chain_match().transport_protocol(), "raw_buffer");
  EXPECT_TRUE(in.has_default_filter_chain());
  EXPECT_EQ(
      p.clusters["InboundPassthroughCluster"].upstream_bind_config().source_address().address(),
      "127.0.0.6");

  std::string disabled = std::string(kMesh);
  disabled.replace(disabled.find("STRICT"), 6, "DISABLE");
  Generated d = generate(disabled, NodeFacts{"10.200.0.2", {}});
  EXPECT_EQ(d.listeners["virtualInbound"].listener_filters_size(), 1);
  EXPECT_FALSE(d.listeners["virtualInbound"].filter_chains(0).has_transport_socket());
  EXPECT_FALSE(d.clusters["outbound|8080||reviews.shop.svc.cluster.local"].has_transport_socket());
}

TEST(MeshLayoutTest, AnIpv4OnlyMeshHasNoIpv6Listeners) {
  Generated g = generate("services: [{name: a, endpoints: [10.0.0.1], ports: [{port: 80}]}]\n",
                         NodeFacts{"10.0.0.1", {}});
  EXPECT_THAT(g.listeners, ::testing::SizeIs(3));  // virtualOutbound, 0.0.0.0_80, virtualInbound
  EXPECT_FALSE(g.listeners.count("virtualOutbound6"));
}

TEST(MeshLayoutTest, NodeFactsComeFromTheInjectorsMetadata) {
  envoy::config::core::v3::Node node;
  (*node.mutable_metadata()->mutable_fields())["POD_IP"].set_string_value("10.200.0.7");
  (*node.mutable_metadata()->mutable_fields())["APP_PORTS"].set_string_value("8080,x,9090,");
  NodeFacts facts = nodeFacts(node);
  EXPECT_EQ(facts.pod_ip, "10.200.0.7");
  EXPECT_THAT(facts.app_ports, ::testing::ElementsAre(8080, 9090));
}

}  // namespace
}  // namespace meshproxy::xds_server
