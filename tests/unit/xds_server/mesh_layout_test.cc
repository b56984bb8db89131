// The mesh file and the Istio-style layout generated from it: what each node gets, checked on
// the decoded Envoy protos (the end-to-end tests then run it through real sidecars).
#include "xds/server/mesh_layout.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "envoy/config/cluster/v3/cluster.pb.h"
#include "envoy/config/listener/v3/listener.pb.h"
#include "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.pb.h"
#include "envoy/extensions/transport_sockets/tls/v3/tls.pb.h"
#include "envoy/extensions/upstreams/http/v3/http_protocol_options.pb.h"
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

TEST(MeshLayoutTest, StickyCanaryIsWeightedClustersByHeader) {
  constexpr char kCanary[] = R"(
mtls: DISABLE
services:
- name: reviews
  endpoints: [10.200.0.2]
  ports: [ { port: 8080, protocol: http } ]
  canary: { endpoints: [10.200.0.9], weight: 10, sticky_header: X-User-Id }
)";
  Generated g = generate(kCanary, NodeFacts{"10.200.0.1", {}});
  const std::string stable = "outbound|8080||reviews.default.svc.cluster.local";
  const std::string canary = "outbound|8080|canary|reviews.default.svc.cluster.local";
  ASSERT_TRUE(g.clusters.count(stable));
  ASSERT_TRUE(g.clusters.count(canary));
  EXPECT_EQ(g.clusters[canary]
                .load_assignment()
                .endpoints(0)
                .lb_endpoints(0)
                .endpoint()
                .address()
                .socket_address()
                .address(),
            "10.200.0.9");
  const Listener& http = g.listeners["0.0.0.0_8080"];
  ASSERT_EQ(http.filter_chains_size(), 1);
  // The canary's pod IP is captured too.
  EXPECT_EQ(http.filter_chains(0).filter_chain_match().prefix_ranges_size(), 2);
  envoy::extensions::filters::network::http_connection_manager::v3::HttpConnectionManager hcm;
  ASSERT_TRUE(http.filter_chains(0).filters(0).typed_config().UnpackTo(&hcm));
  const auto& action = hcm.route_config().virtual_hosts(0).routes(0).route();
  ASSERT_TRUE(action.has_weighted_clusters());
  EXPECT_EQ(action.weighted_clusters().header_name(), "x-user-id");
  ASSERT_EQ(action.weighted_clusters().clusters_size(), 2);
  EXPECT_EQ(action.weighted_clusters().clusters(0).name(), stable);
  EXPECT_EQ(action.weighted_clusters().clusters(0).weight().value(), 90u);
  EXPECT_EQ(action.weighted_clusters().clusters(1).name(), canary);
  EXPECT_EQ(action.weighted_clusters().clusters(1).weight().value(), 10u);
}

TEST(MeshSpecTest, CanaryErrorsNameTheField) {
  EXPECT_THAT(parseMeshSpec("services: [{name: a, ports: [{port: 1, protocol: http}], canary: "
                            "{endpoints: [10.0.0.1], weight: 100}}]\n")
                  .status()
                  .message(),
              HasSubstr("services[0].canary.weight"));
  EXPECT_THAT(parseMeshSpec("services: [{name: a, ports: [{port: 1, protocol: http}], canary: "
                            "{weight: 5}}]\n")
                  .status()
                  .message(),
              HasSubstr("services[0].canary.endpoints"));
  EXPECT_THAT(parseMeshSpec("services: [{name: a, ports: [{port: 1}], canary: "
                            "{endpoints: [10.0.0.1], weight: 5}}]\n")
                  .status()
                  .message(),
              HasSubstr("tcp"));
  EXPECT_THAT(parseMeshSpec("services: [{name: a, ports: [{port: 1, protocol: http}], canary: "
                            "{endpoints: [10.0.0.1], weight: 5, sticky: x}}]\n")
                  .status()
                  .message(),
              HasSubstr("sticky"));
}

// Per-service circuit breakers and outlier detection become the Envoy fields of the clients'
// outbound cluster for that service (mesh_resilience.h), and only of that one.
TEST(MeshLayoutTest, ServiceBreakersAndOutlierDetectionGoToItsOutboundClusters) {
  const std::string mesh = R"(
mtls: DISABLE
services:
- name: reviews
  endpoints: [10.200.0.2]
  ports: [ { port: 8080, protocol: http } ]
  circuit_breakers: { max_connections: 100, max_pending_requests: 10, max_requests: 200, max_retries: 2 }
  outlier_detection:
    consecutive_5xx: 3
    consecutive_gateway_failure: 2
    interval: 500ms
    base_ejection_time: 30s
    max_ejection_time: 5m
    max_ejection_percent: 50
- name: db
  endpoints: [10.200.0.9]
  ports: [ { port: 5432 } ]
)";
  auto g = generate(mesh, NodeFacts{});
  const Cluster& reviews = g.clusters["outbound|8080||reviews.default.svc.cluster.local"];
  ASSERT_EQ(reviews.circuit_breakers().thresholds_size(), 1);
  const auto& t = reviews.circuit_breakers().thresholds(0);
  EXPECT_EQ(t.max_connections().value(), 100u);
  EXPECT_EQ(t.max_pending_requests().value(), 10u);
  EXPECT_EQ(t.max_requests().value(), 200u);
  EXPECT_EQ(t.max_retries().value(), 2u);
  const auto& od = reviews.outlier_detection();
  EXPECT_EQ(od.consecutive_5xx().value(), 3u);
  EXPECT_EQ(od.consecutive_gateway_failure().value(), 2u);
  EXPECT_EQ(od.enforcing_consecutive_gateway_failure().value(), 100u);
  EXPECT_EQ(od.interval().nanos(), 500000000);
  EXPECT_EQ(od.base_ejection_time().seconds(), 30);
  EXPECT_EQ(od.max_ejection_time().seconds(), 300);
  EXPECT_EQ(od.max_ejection_percent().value(), 50u);
  const Cluster& db = g.clusters["outbound|5432||db.default.svc.cluster.local"];
  EXPECT_FALSE(db.has_circuit_breakers());
  EXPECT_FALSE(db.has_outlier_detection());
}

TEST(MeshSpecTest, ResilienceErrorsNameTheField) {
  auto base = std::string("services: [{name: a, ports: [{port: 80}], ");
  EXPECT_THAT(parseMeshSpec(base + "circuit_breakers: {max_conections: 1}}]\n").status().message(),
              HasSubstr("services[0].circuit_breakers.max_conections: unknown field"));
  EXPECT_THAT(parseMeshSpec(base + "circuit_breakers: {max_requests: -1}}]\n").status().message(),
              HasSubstr("services[0].circuit_breakers.max_requests"));
  EXPECT_THAT(parseMeshSpec(base + "outlier_detection: {interval: 10}}]\n").status().message(),
              HasSubstr("services[0].outlier_detection.interval: '10' is not a duration"));
  EXPECT_THAT(
      parseMeshSpec(base + "outlier_detection: {max_ejection_percent: 101}}]\n").status().message(),
      HasSubstr("services[0].outlier_detection.max_ejection_percent"));
}

}  // namespace
}  // namespace meshproxy::xds_server

namespace meshproxy::xds_server {
namespace {

constexpr char kGrpcMesh[] = R"(
mtls: STRICT
services:
- name: greeter
  endpoints: [10.200.0.7]
  ports: [ { port: 50051, protocol: grpc }, { port: 8080, protocol: http } ]
)";

bool explicitHttp2(const Cluster& cluster) {
  auto it = cluster.typed_extension_protocol_options().find(
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions");
  envoy::extensions::upstreams::http::v3::HttpProtocolOptions options;
  return it != cluster.typed_extension_protocol_options().end() && it->second.UnpackTo(&options) &&
         options.explicit_http_config().has_http2_protocol_options();
}

// A grpc (or http2) port: HTTP/2 clusters on both sides, ALPN h2 offered by the client sidecar
// and accepted by the server sidecar; an http port stays HTTP/1.1 between sidecars.
TEST(MeshLayoutTest, GrpcPortsSpeakHttp2BetweenSidecarsAndToTheApp) {
  Generated client = generate(kGrpcMesh, NodeFacts{"10.200.0.9", {}});
  const Cluster& out = client.clusters["outbound|50051||greeter.default.svc.cluster.local"];
  EXPECT_TRUE(explicitHttp2(out));
  envoy::extensions::transport_sockets::tls::v3::UpstreamTlsContext up;
  ASSERT_TRUE(out.transport_socket().typed_config().UnpackTo(&up));
  ASSERT_EQ(up.common_tls_context().alpn_protocols_size(), 1);
  EXPECT_EQ(up.common_tls_context().alpn_protocols(0), "h2");
  const Cluster& http1 = client.clusters["outbound|8080||greeter.default.svc.cluster.local"];
  EXPECT_FALSE(explicitHttp2(http1));

  Generated server = generate(kGrpcMesh, NodeFacts{"10.200.0.7", {}});
  EXPECT_TRUE(explicitHttp2(server.clusters["inbound|50051||"]));
  EXPECT_FALSE(explicitHttp2(server.clusters["inbound|8080||"]));
  const Listener& in = server.listeners["virtualInbound"];
  bool found = false;
  for (const auto& chain : in.filter_chains()) {
    envoy::extensions::transport_sockets::tls::v3::DownstreamTlsContext tls;
    ASSERT_TRUE(chain.transport_socket().typed_config().UnpackTo(&tls));
    const auto& alpn = tls.common_tls_context().alpn_protocols();
    if (chain.filter_chain_match().destination_port().value() == 50051u) {
      found = true;
      EXPECT_EQ(chain.filters(0).name(), "envoy.filters.network.http_connection_manager");
      ASSERT_EQ(alpn.size(), 2);
      EXPECT_EQ(alpn[0], "h2");
      EXPECT_EQ(alpn[1], "http/1.1");
    } else {
      EXPECT_EQ(alpn.size(), 0);
    }
  }
  EXPECT_TRUE(found);
}

TEST(MeshSpecTest, ProtocolNamesTheChoices) {
  EXPECT_THAT(parseMeshSpec("services: [{name: a, ports: [{port: 1, protocol: quic}]}]\n")
                  .status()
                  .message(),
              HasSubstr("'quic' is not http, http2, grpc or tcp"));
  auto mesh = parseMeshSpec("services: [{name: a, ports: [{port: 1, protocol: http2}]}]\n");
  ASSERT_TRUE(mesh.ok()) << mesh.status();
  EXPECT_TRUE(mesh->services[0].ports[0].http);
  EXPECT_TRUE(mesh->services[0].ports[0].http2);
}

}  // namespace
}  // namespace meshproxy::xds_server

namespace meshproxy::xds_server {
namespace {

// deploy/examples/grpc/mesh.yaml, as shipped: it parses, and its grpc port gets HTTP/2
// clusters for callers and for the server sidecar.
TEST(MeshLayoutTest, GrpcExampleFileGeneratesHttp2Clusters) {
  std::ifstream in(std::string(MESHPROXY_SOURCE_DIR) + "/deploy/examples/grpc/mesh.yaml");
  ASSERT_TRUE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  Generated client = generate(text.str(), NodeFacts{"10.200.0.9", {}});
  EXPECT_TRUE(explicitHttp2(client.clusters["outbound|50051||greeter.default.svc.cluster.local"]));
  EXPECT_FALSE(explicitHttp2(client.clusters["outbound|8080||greeter.default.svc.cluster.local"]));
  Generated server = generate(text.str(), NodeFacts{"10.200.0.7", {}});
  EXPECT_TRUE(explicitHttp2(server.clusters["inbound|50051||"]));
}

}  // namespace
}  // namespace meshproxy::xds_server
