#include "xds/server/mesh_layout.h"

#include <algorithm>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "proxy/core/log.h"
#include "xds/server/resource_file_parser.h"

namespace meshproxy::xds_server {
namespace {

// Resources are written as JSON text and parsed by the same code as the directory's files,
// so a generated resource is checked exactly like a hand-written one.
std::string q(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

constexpr char kListenerType[] = "type.googleapis.com/envoy.config.listener.v3.Listener";
constexpr char kClusterType[] = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
constexpr char kPassthrough[] = "PassthroughCluster";
constexpr char kInboundPassthrough[] = "InboundPassthroughCluster";
constexpr char kBlackHole[] = "BlackHoleCluster";
// Istio's inbound source address: the app's outbound capture skips it, so nothing loops.
constexpr char kInboundSource[] = "127.0.0.6";

std::string socketAddress(const std::string& ip, int port) {
  return absl::StrCat(R"({"socket_address":{"address":)", q(ip), R"(,"port_value":)", port, "}}");
}

std::string sdsSecret(const char* name) {
  return absl::StrCat(R"({"name":")", name,
                      R"(","sds_config":{"ads":{},"resource_api_version":"V3"}})");
}

// Our certificate `default`, peers validated against `ROOTCA` and the given URI SAN matcher;
// `alpn`: the alpn_protocols JSON list, empty for none.
std::string commonTlsContext(const std::string& san_matcher, const std::string& alpn = "") {
  return absl::StrCat(R"({)", alpn.empty() ? "" : absl::StrCat(R"("alpn_protocols":)", alpn, ","),
                      R"("tls_certificate_sds_secret_configs":[)", sdsSecret("default"),
                      R"(],"combined_validation_context":{"default_validation_context":)",
                      R"({"match_typed_subject_alt_names":[{"san_type":"URI","matcher":)",
                      san_matcher, R"(}]},"validation_context_sds_secret_config":)",
                      sdsSecret("ROOTCA"), "}}");
}

std::string tlsSocket(const std::string& type, const std::string& body) {
  return absl::StrCat(
      R"({"name":"envoy.transport_sockets.tls","typed_config":{"@type":"type.googleapis.com/)",
      R"(envoy.extensions.transport_sockets.tls.v3.)", type, R"(",)", body, "}}");
}

std::string tcpProxy(const std::string& stat_prefix, const std::string& cluster) {
  return absl::StrCat(
      R"({"name":"envoy.filters.network.tcp_proxy","typed_config":{"@type":"type.googleapis.com/)",
      R"(envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy","stat_prefix":)", q(stat_prefix),
      R"(,"cluster":)", q(cluster), "}}");
}

// The service's timeout and retries as RouteAction fields (",..." or "").
std::string routeResilience(const MeshService& svc) {
  std::string out;
  if (!svc.timeout.empty()) out += absl::StrCat(R"(,"timeout":)", q(svc.timeout));
  if (svc.retries.has_value()) {
    const MeshRetries& r = *svc.retries;
    std::string codes;
    if (!r.retriable_status_codes.empty()) {
      codes = absl::StrCat(R"(,"retriable_status_codes":[)",
                           absl::StrJoin(r.retriable_status_codes, ","), "]");
    }
    std::string per_try;
    if (!r.per_try_timeout.empty())
      per_try = absl::StrCat(R"(,"per_try_timeout":)", q(r.per_try_timeout));
    out += absl::StrCat(
        R"(,"retry_policy":{"retry_on":)", q(r.retry_on), R"(,"num_retries":)", r.attempts, per_try,
        codes,
        R"(,"retry_host_predicate":[{"name":"envoy.retry_host_predicates.previous_hosts"}],)",
        R"("host_selection_retry_max_attempts":"5"})");
  }
  return out;
}

// `route_action`: the RouteAction JSON; empty routes everything to `cluster`.
std::string httpConnectionManager(const MeshSpec& mesh, const std::string& stat_prefix,
                                  const std::string& cluster, bool inbound_mtls,
                                  const std::string& route_action = "") {
  std::string xfcc =
      inbound_mtls
          ? R"("forward_client_cert_details":"SANITIZE_SET","set_current_client_cert_details":{"uri":true},)"
          : "";
  return absl::StrCat(
      R"({"name":"envoy.filters.network.http_connection_manager","typed_config":{"@type":)",
      R"("type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.)",
      R"(HttpConnectionManager","stat_prefix":)", q(stat_prefix), ",", xfcc,
      R"("common_http_protocol_options":{"headers_with_underscores_action":)",
      q(mesh.headers_with_underscores_action), "},", R"("route_config":{"name":)", q(cluster),
      R"(,"virtual_hosts":[{"name":)", q(cluster),
      R"(,"domains":["*"],"routes":[{"match":{"prefix":"/"},"route":)",
      route_action.empty() ? absl::StrCat(R"({"cluster":)", q(cluster), "}") : route_action,
      R"(}]}]},"http_filters":[{"name":"envoy.filters.http.router","typed_config":{"@type":)",
      R"("type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}]}})");
}

// HTTP/2 to the cluster's hosts: for ports declared grpc or http2, both the app (h2c) and the
// peer sidecar (ALPN h2 over mTLS). HTTP/1 ports stay HTTP/1.1 between sidecars: translating
// to HTTP/2 and back would buy nothing without multiplexing many apps' streams, and an h2-only
// path would need Istio's istio-http/1.1 ALPN dance to tell the inbound side what the app speaks.
constexpr char kHttp2ProtocolOptions[] =
    R"("typed_extension_protocol_options":{"envoy.extensions.upstreams.http.v3.)"
    R"(HttpProtocolOptions":{"@type":"type.googleapis.com/envoy.extensions.upstreams.http.v3.)"
    R"(HttpProtocolOptions","explicit_http_config":{"http2_protocol_options":{}}}},)";

std::string passthroughChain(const char* cluster) {
  return absl::StrCat(R"({"name":"PassthroughFilterChain","filters":[)", tcpProxy(cluster, cluster),
                      "]}");
}

std::string prefixRange(const std::string& ip) {
  bool v6 = ip.find(':') != std::string::npos;
  return absl::StrCat(R"({"address_prefix":)", q(ip), R"(,"prefix_len":)", v6 ? 128 : 32, "}");
}

std::string spiffeId(const std::string& trust_domain, const std::string& ns,
                     const std::string& sa) {
  return absl::StrCat("spiffe://", trust_domain, "/ns/", ns, "/sa/", sa);
}

std::string outboundClusterName(const MeshService& svc, const MeshServicePort& port) {
  return absl::StrCat("outbound|", port.port, "||", svc.fqdn());
}

std::string canaryClusterName(const MeshService& svc, const MeshServicePort& port) {
  return absl::StrCat("outbound|", port.port, "|canary|", svc.fqdn());
}

// weighted_clusters between the stable and the canary cluster; with a sticky header the
// header's value (a user id) picks the version, the same on every sidecar.
std::string canaryRouteAction(const MeshService& svc, const MeshServicePort& port) {
  const MeshCanary& canary = *svc.canary;
  std::string header = canary.sticky_header.empty()
                           ? ""
                           : absl::StrCat(R"("header_name":)", q(canary.sticky_header), ",");
  return absl::StrCat(R"({"weighted_clusters":{)", header, R"("clusters":[{"name":)",
                      q(outboundClusterName(svc, port)), R"(,"weight":)", 100 - canary.weight,
                      R"(},{"name":)", q(canaryClusterName(svc, port)), R"(,"weight":)",
                      canary.weight, "}]}}");
}

std::string staticCluster(const std::string& name, const std::vector<std::string>& ips, int port,
                          const std::string& extra) {
  std::vector<std::string> endpoints;
  for (const auto& ip : ips) {
    endpoints.push_back(absl::StrCat(R"({"endpoint":{"address":)", socketAddress(ip, port), "}}"));
  }
  std::string locality =
      ips.empty() ? "" : absl::StrCat(R"({"lb_endpoints":[)", absl::StrJoin(endpoints, ","), "]}");
  return absl::StrCat(R"({"@type":")", kClusterType, R"(","name":)", q(name),
                      R"(,"type":"STATIC","connect_timeout":"10s",)", extra,
                      R"("load_assignment":{"cluster_name":)", q(name), R"(,"endpoints":[)",
                      locality, "]}}");
}

std::string originalDstCluster(const char* name, const std::string& extra) {
  return absl::StrCat(R"({"@type":")", kClusterType, R"(","name":")", name,
                      R"(","type":"ORIGINAL_DST","lb_policy":"CLUSTER_PROVIDED",)", extra,
                      R"("connect_timeout":"10s"})");
}

std::string sourceBind() {
  return absl::StrCat(R"("upstream_bind_config":{"source_address":{"address":")", kInboundSource,
                      R"(","port_value":0}},)");
}

std::string listenerFilter(const char* name, const char* type) {
  return absl::StrCat(R"({"name":"envoy.filters.listener.)", name,
                      R"(","typed_config":{"@type":"type.googleapis.com/envoy.extensions.filters.)",
                      R"(listener.)", type, "\"}}");
}

// The services' ports grouped by port number: one outbound listener per port.
std::map<int, std::vector<std::pair<const MeshService*, const MeshServicePort*>>> byPort(
    const MeshSpec& mesh) {
  std::map<int, std::vector<std::pair<const MeshService*, const MeshServicePort*>>> out;
  for (const auto& svc : mesh.services) {
    for (const auto& port : svc.ports) out[port.port].emplace_back(&svc, &port);
  }
  return out;
}

// The wildcard addresses listeners bind: IPv4, and IPv6 too when the mesh has IPv6
// addresses ([::] is IPv6-only, as in Envoy, so each family needs its own listeners).
struct Family {
  const char* any;
  const char* virtual_suffix;
  std::string portListener(int port) const {
    return *any == ':' ? absl::StrCat("[::]_", port) : absl::StrCat("0.0.0.0_", port);
  }
};

std::vector<Family> families(const MeshSpec& mesh) {
  std::vector<Family> out = {{"0.0.0.0", ""}};
  for (const auto& svc : mesh.services) {
    for (const auto* list : {&svc.addresses, &svc.endpoints}) {
      for (const auto& ip : *list) {
        if (ip.find(':') != std::string::npos) {
          out.push_back({"::", "6"});
          return out;
        }
      }
    }
  }
  return out;
}

void outbound(const MeshSpec& mesh, const std::string& trust_domain,
              std::vector<std::string>* listeners, std::vector<std::string>* clusters) {
  for (const Family& f : families(mesh)) {
    listeners->push_back(
        absl::StrCat(R"({"@type":")", kListenerType, R"(","name":"virtualOutbound)",
                     f.virtual_suffix, R"(","address":)", socketAddress(f.any, 15001),
                     R"(,"use_original_dst":true,"listener_filters":[)",
                     listenerFilter("original_dst", "original_dst.v3.OriginalDst"),
                     R"(],"filter_chains":[)", passthroughChain(kPassthrough), "]}"));
  }
  for (const auto& [port, entries] : byPort(mesh)) {
    std::vector<std::string> chains;
    for (const auto& [svc, svc_port] : entries) {
      std::vector<std::string> ips = svc->addresses;
      ips.insert(ips.end(), svc->endpoints.begin(), svc->endpoints.end());
      if (svc->canary.has_value()) {
        ips.insert(ips.end(), svc->canary->endpoints.begin(), svc->canary->endpoints.end());
      }
      std::sort(ips.begin(), ips.end());
      ips.erase(std::unique(ips.begin(), ips.end()), ips.end());
      if (ips.empty()) continue;
      std::vector<std::string> ranges;
      for (const auto& ip : ips) ranges.push_back(prefixRange(ip));
      std::string cluster = outboundClusterName(*svc, *svc_port);
      // The service's timeout and retries go on whichever action routes to it.
      std::string route_action = svc->canary.has_value()
                                     ? canaryRouteAction(*svc, *svc_port)
                                     : absl::StrCat(R"({"cluster":)", q(cluster), "}");
      route_action.insert(route_action.size() - 1, routeResilience(*svc));
      std::string filter = svc_port->http
                               ? httpConnectionManager(mesh, cluster, cluster, false, route_action)
                               : tcpProxy(cluster, cluster);
      chains.push_back(absl::StrCat(R"({"name":)", q(cluster),
                                    R"(,"filter_chain_match":{"prefix_ranges":[)",
                                    absl::StrJoin(ranges, ","), R"(]},"filters":[)", filter, "]}"));
      std::string tls;
      if (mesh.mtls != MtlsMode::kDisable) {
        std::string san = absl::StrCat(
            R"({"exact":)", q(spiffeId(trust_domain, svc->ns, svc->service_account)), "}");
        tls = absl::StrCat(
            R"("transport_socket":)",
            tlsSocket(
                "UpstreamTlsContext",
                absl::StrCat(R"("sni":)", q(absl::StrCat("outbound_.", port, "_._.", svc->fqdn())),
                             R"(,"common_tls_context":)",
                             commonTlsContext(san, svc_port->http2 ? R"(["h2"])" : ""))),
            ",");
      }
      std::string extra = absl::StrCat(tls, svc_port->http2 ? kHttp2ProtocolOptions : "",
                                       svc->outbound_cluster_fields);
      if (svc->health_check.has_value()) {
        extra += healthChecksJson(*svc->health_check, svc_port->http);
      }
      clusters->push_back(staticCluster(cluster, svc->endpoints, svc_port->target_port, extra));
      if (svc->canary.has_value()) {
        clusters->push_back(staticCluster(canaryClusterName(*svc, *svc_port),
                                          svc->canary->endpoints, svc_port->target_port, extra));
      }
    }
    if (chains.empty()) continue;
    for (const Family& f : families(mesh)) {
      listeners->push_back(
          absl::StrCat(R"({"@type":")", kListenerType, R"(","name":)", q(f.portListener(port)),
                       R"(,"address":)", socketAddress(f.any, port),
                       R"(,"bind_to_port":false,"filter_chains":[)", absl::StrJoin(chains, ","),
                       R"(],"default_filter_chain":)", passthroughChain(kPassthrough), "}"));
    }
  }
  clusters->push_back(originalDstCluster(kPassthrough, ""));
}

struct InboundProtocol {
  bool http = false;
  bool http2 = false;
};

// The node's inbound ports with what each speaks (from the services it serves).
std::map<int, InboundProtocol> inboundPorts(const MeshSpec& mesh, const NodeFacts& node) {
  std::map<int, InboundProtocol> ports;
  for (int p : node.app_ports) ports[p] = {};
  for (const auto& svc : mesh.services) {
    if (std::find(svc.endpoints.begin(), svc.endpoints.end(), node.pod_ip) == svc.endpoints.end()) {
      continue;
    }
    for (const auto& port : svc.ports) {
      InboundProtocol& protocol = ports[port.target_port];
      protocol.http = protocol.http || port.http;
      protocol.http2 = protocol.http2 || port.http2;
    }
  }
  return ports;
}

void inbound(const MeshSpec& mesh, const NodeFacts& node, const std::string& trust_domain,
             std::vector<std::string>* listeners, std::vector<std::string>* clusters) {
  const bool tls = mesh.mtls != MtlsMode::kDisable;
  const bool plain = mesh.mtls != MtlsMode::kStrict;
  std::vector<std::string> chains;
  for (const auto& [port_entry, protocol_entry] : inboundPorts(mesh, node)) {
    // Copies: clang 14 cannot capture structured bindings in a lambda (C++20 allows it).
    const auto port = port_entry;
    const auto protocol = protocol_entry;
    const bool http = protocol.http;
    std::string cluster = absl::StrCat("inbound|", port, "||");
    auto chain = [&](bool with_tls) {
      std::string prefix = absl::StrCat("inbound_0.0.0.0_", port);
      std::string filter =
          http ? httpConnectionManager(mesh, prefix, cluster, with_tls) : tcpProxy(prefix, cluster);
      std::string match = absl::StrCat(R"({"destination_port":)", port);
      if (tls)
        match +=
            with_tls ? R"(,"transport_protocol":"tls")" : R"(,"transport_protocol":"raw_buffer")";
      match += "}";
      std::string socket;
      if (with_tls) {
        std::string san =
            absl::StrCat(R"({"prefix":)", q(absl::StrCat("spiffe://", trust_domain, "/")), "}");
        socket = absl::StrCat(
            R"(,"transport_socket":)",
            tlsSocket(
                "DownstreamTlsContext",
                absl::StrCat(R"("require_client_certificate":true,"common_tls_context":)",
                             commonTlsContext(san, protocol.http2 ? R"(["h2","http/1.1"])" : ""))));
      }
      return absl::StrCat(R"({"name":)", q(absl::StrCat(cluster, with_tls ? "tls" : "plaintext")),
                          R"(,"filter_chain_match":)", match, R"(,"filters":[)", filter, "]",
                          socket, "}");
    };
    if (tls) chains.push_back(chain(true));
    if (plain) chains.push_back(chain(false));
    clusters->push_back(
        staticCluster(cluster, {"127.0.0.1"}, port,
                      absl::StrCat(protocol.http2 ? kHttp2ProtocolOptions : "", sourceBind())));
  }
  std::string filters = listenerFilter("original_dst", "original_dst.v3.OriginalDst");
  if (tls) {
    absl::StrAppend(&filters, ",",
                    listenerFilter("tls_inspector", "tls_inspector.v3.TlsInspector"));
  }
  // STRICT: a port nobody declared gets no plaintext way in (BlackHoleCluster has no
  // endpoints, so such a connection is closed); otherwise it passes through.
  std::string fallback = absl::StrCat(R"(,"default_filter_chain":)",
                                      passthroughChain(plain ? kInboundPassthrough : kBlackHole));
  for (const Family& f : families(mesh)) {
    listeners->push_back(absl::StrCat(
        R"({"@type":")", kListenerType, R"(","name":"virtualInbound)", f.virtual_suffix,
        R"(","address":)", socketAddress(f.any, 15006), R"(,"listener_filters":[)", filters,
        R"(],"filter_chains":[)", absl::StrJoin(chains, ","), "]", fallback, "}"));
  }
  if (plain) {
    clusters->push_back(originalDstCluster(kInboundPassthrough, sourceBind()));
  } else {
    clusters->push_back(staticCluster(kBlackHole, {}, 0, ""));
  }
}

std::string metadataString(const envoy::config::core::v3::Node& node, const std::string& key) {
  const auto& fields = node.metadata().fields();
  auto it = fields.find(key);
  return it != fields.end() && it->second.has_string_value() ? it->second.string_value() : "";
}

}  // namespace

NodeFacts nodeFacts(const envoy::config::core::v3::Node& node) {
  NodeFacts facts;
  facts.pod_ip = metadataString(node, "POD_IP");
  for (absl::string_view p :
       absl::StrSplit(metadataString(node, "APP_PORTS"), ',', absl::SkipEmpty())) {
    int port = 0;
    if (absl::SimpleAtoi(p, &port) && port > 0 && port < 65536) facts.app_ports.push_back(port);
  }
  return facts;
}

absl::StatusOr<std::vector<Resource>> generateLayout(const MeshSpec& mesh, const NodeFacts& node,
                                                     const std::string& trust_domain) {
  std::vector<std::string> listeners, clusters;
  outbound(mesh, trust_domain, &listeners, &clusters);
  inbound(mesh, node, trust_domain, &listeners, &clusters);
  listeners.insert(listeners.end(), clusters.begin(), clusters.end());
  return parseResourceJson(absl::StrCat("[", absl::StrJoin(listeners, ","), "]"),
                           "mesh.yaml (generated)");
}

MeshLayoutSource::MeshLayoutSource(std::shared_ptr<const MeshSpec> mesh, std::string trust_domain)
    : mesh_(std::move(mesh)), trust_domain_(std::move(trust_domain)) {}

ResourceMap MeshLayoutSource::resources(const envoy::config::core::v3::Node& node,
                                        std::string_view type_url) const {
  std::vector<ResourcePtr>* generated = nullptr;
  std::lock_guard<std::mutex> lock(mutex_);
  NodeFacts facts = nodeFacts(node);
  std::string key =
      absl::StrCat(node.id(), "|", facts.pod_ip, "|", absl::StrJoin(facts.app_ports, ","));
  auto it = by_node_.find(key);
  if (it == by_node_.end()) {
    std::vector<ResourcePtr> made;
    // The mesh file was validated when loaded; a failure here is a bug in the templates, and
    // the node then simply gets no generated resources (the log says why).
    if (auto resources = generateLayout(*mesh_, facts, trust_domain_); resources.ok()) {
      for (auto& r : *resources) made.push_back(std::make_shared<const Resource>(std::move(r)));
    } else {
      log::error("mesh.yaml: layout for node '{}' failed: {}", node.id(),
                 std::string(resources.status().message()));
    }
    it = by_node_.emplace(key, std::move(made)).first;
  }
  generated = &it->second;
  ResourceMap out;
  for (const auto& r : *generated) {
    if (r->type_url == type_url) out.emplace(r->name, r);
  }
  return out;
}

}  // namespace meshproxy::xds_server
