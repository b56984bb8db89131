// Shared pieces of the TLS integration tests: certificates written to a TempDir, and
// bootstraps whose listeners and clusters carry envoy.transport_sockets.tls.
#pragma once

#include <fmt/format.h>

#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "tests/integration/http_test_util.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certs.h"

namespace meshproxy::testing {

inline constexpr char kFrontendId[] = "spiffe://cluster.local/ns/default/sa/frontend";
inline constexpr char kBackendId[] = "spiffe://cluster.local/ns/default/sa/backend";

struct CertFiles {
  std::string cert;
  std::string key;
};

// A CA and the certificates a test needs, as files.
class TestPki {
 public:
  TestPki() : ca_path_(dir_.writeFile("ca.pem", ca_.certPem())) {}

  CertFiles issue(const std::string& name, const CertOptions& options) {
    CertAndKey pair = ca_.issue(options);
    return {dir_.writeFile(name + ".pem", pair.cert_pem),
            dir_.writeFile(name + "-key.pem", pair.key_pem)};
  }
  // A certificate from an unrelated CA.
  CertFiles issueFromStranger(const std::string& name, const CertOptions& options) {
    CertAndKey pair = stranger_.issue(options);
    return {dir_.writeFile(name + ".pem", pair.cert_pem),
            dir_.writeFile(name + "-key.pem", pair.key_pem)};
  }
  const std::string& caPath() const { return ca_path_; }
  TempDir& dir() { return dir_; }

 private:
  TempDir dir_;
  TestCa ca_{"mesh test root"};
  TestCa stranger_{"somebody else's root"};
  std::string ca_path_;
};

// transport_socket values in YAML flow style (indentation-free).
inline std::string uriMatchers(const std::vector<std::string>& exact_uris) {
  std::vector<std::string> m;
  for (const auto& u : exact_uris)
    m.push_back(fmt::format("{{san_type: URI, matcher: {{exact: \"{}\"}}}}", u));
  return absl::StrJoin(m, ", ");
}

inline std::string downstreamTls(const CertFiles& cert, const std::string& ca,
                                 bool require_client_cert,
                                 const std::vector<std::string>& peer_uris) {
  std::string validation;
  if (!ca.empty()) {
    validation = fmt::format(
        ", validation_context: {{trusted_ca: {{filename: \"{}\"}}, "
        "match_typed_subject_alt_names: [{}]}}",
        ca, uriMatchers(peer_uris));
  }
  return fmt::format(
      "{{name: envoy.transport_sockets.tls, typed_config: {{\"@type\": "
      "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext, "
      "require_client_certificate: {}, common_tls_context: {{tls_certificates: "
      "[{{certificate_chain: "
      "{{filename: \"{}\"}}, private_key: {{filename: \"{}\"}}}}]{}}}}}}}",
      require_client_cert ? "true" : "false", cert.cert, cert.key, validation);
}

inline std::string upstreamTls(const CertFiles* cert, const std::string& ca,
                               const std::vector<std::string>& peer_uris,
                               const std::string& sni = "") {
  std::string certs;
  if (cert != nullptr) {
    certs = fmt::format(
        "tls_certificates: [{{certificate_chain: {{filename: \"{}\"}}, "
        "private_key: {{filename: \"{}\"}}}}], ",
        cert->cert, cert->key);
  }
  return fmt::format(
      "{{name: envoy.transport_sockets.tls, typed_config: {{\"@type\": "
      "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext, {}"
      "common_tls_context: {{{}validation_context: {{trusted_ca: {{filename: \"{}\"}}, "
      "match_typed_subject_alt_names: [{}]}}}}}}}}",
      sni.empty() ? "" : fmt::format("sni: \"{}\", ", sni), certs, ca, uriMatchers(peer_uris));
}

struct TlsListenerSpec {
  std::string name = "inbound";
  int port = 0;
  std::string stat_prefix = "inbound";
  std::string transport_socket;  // flow-style value, or "" for plaintext
  bool http = true;              // HTTP connection manager, else tcp_proxy
  std::string cluster = "app";
  std::string
      hcm_extra;  // more HCM fields in flow style: "forward_client_cert_details: SANITIZE_SET, "
  std::string access_log_path;
  // Network filters ahead of the terminal one, flow style with a trailing ", " (network RBAC).
  std::string filters_before;
  // HTTP filters ahead of the router, flow style with a trailing ", " (HTTP RBAC).
  std::string http_filters_before;
  // The virtual host's routes, flow style; "" routes everything to `cluster`.
  std::string routes;
  std::string access_log_format =
      "%DOWNSTREAM_PEER_URI_SAN% %UPSTREAM_PEER_URI_SAN% %RESPONSE_CODE%\\n";
};

struct TlsClusterSpec {
  std::string name = "app";
  int port = 0;
  std::string transport_socket;
  std::string extra;  // more Cluster fields at 4-space indent
};

inline std::string tlsBootstrapYaml(const std::vector<TlsListenerSpec>& listeners,
                                    const std::vector<TlsClusterSpec>& clusters) {
  std::string out = "node: { id: tls-test, cluster: test }\nstatic_resources:\n  listeners:\n";
  for (const auto& l : listeners) {
    std::string log;
    if (!l.access_log_path.empty()) {
      log = fmt::format(
          "access_log: [{{name: envoy.access_loggers.file, typed_config: {{\"@type\": "
          "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog, path: "
          "\"{}\", "
          "log_format: {{text_format_source: {{inline_string: \"{}\"}}}}}}}}], ",
          l.access_log_path, l.access_log_format);
    }
    std::string filter;
    if (l.http) {
      filter = fmt::format(
          "{{name: envoy.filters.network.http_connection_manager, typed_config: {{\"@type\": "
          "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3."
          "HttpConnectionManager, stat_prefix: {}, {}{}route_config: {{virtual_hosts: [{{name: "
          "all, "
          "domains: [\"*\"], routes: [{}]}}]}}, "
          "http_filters: [{}{{name: envoy.filters.http.router, typed_config: {{\"@type\": "
          "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}}}]}}}}",
          l.stat_prefix, l.hcm_extra, log,
          l.routes.empty()
              ? fmt::format("{{match: {{prefix: /}}, route: {{cluster: {}}}}}", l.cluster)
              : l.routes,
          l.http_filters_before);
    } else {
      filter = fmt::format(
          "{{name: envoy.filters.network.tcp_proxy, typed_config: {{\"@type\": "
          "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, "
          "{}stat_prefix: {}, cluster: {}}}}}",
          log, l.stat_prefix, l.cluster);
    }
    out += fmt::format(
        "  - name: {}\n"
        "    stat_prefix: {}\n"
        "    address: {{ socket_address: {{ address: 127.0.0.1, port_value: {} }} }}\n"
        "    filter_chains:\n"
        "    - filters: [{}{}]\n",
        l.name, l.stat_prefix, l.port, l.filters_before, filter);
    if (!l.transport_socket.empty())
      out += fmt::format("      transport_socket: {}\n", l.transport_socket);
  }
  out += "  clusters:\n";
  for (const auto& c : clusters) {
    out += fmt::format(
        "  - name: {}\n"
        "    connect_timeout: 2s\n"
        "{}"
        "    load_assignment:\n"
        "      cluster_name: {}\n"
        "      endpoints:\n"
        "      - lb_endpoints:\n"
        "        - endpoint: {{ address: {{ socket_address: {{ address: 127.0.0.1, port_value: {} "
        "}} }} }}\n",
        c.name, c.extra, c.name, c.port);
    if (!c.transport_socket.empty())
      out += fmt::format("    transport_socket: {}\n", c.transport_socket);
  }
  return out;
}

// curl over TLS to 127.0.0.1:port, the server name being `host` (the server cert's DNS SAN).
inline CommandResult curlTls(int port, const std::vector<std::string>& tls_args,
                             const std::string& path = "/",
                             const std::string& host = "backend.test") {
  std::vector<std::string> args = {"--resolve", fmt::format("{}:{}:127.0.0.1", host, port), "-w",
                                   "\\n%{http_code}"};
  args.insert(args.end(), tls_args.begin(), tls_args.end());
  args.push_back(fmt::format("https://{}:{}{}", host, port, path));
  return curl(args);
}

}  // namespace meshproxy::testing
