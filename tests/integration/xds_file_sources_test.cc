// Unix domain sockets and file-based config sources, with the real meshproxy binary:
//  - a listener on a pipe and a cluster whose endpoint is a pipe carry traffic (the socket file
//    gets the configured mode);
//  - lds_config / cds_config with path_config_source (Envoy's dynamic-config-fs example): the
//    files are read at start, a new file renamed into place is applied, a broken one is
//    rejected (counted) while the last good config keeps serving;
//  - a TLS listener whose certificate comes from sds_config.path_config_source: rewriting the
//    file rotates the certificate for new handshakes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/integration/http_test_util.h"
#include "tests/integration/tls_test_util.h"
#include "tests/support/binaries.h"
#include "tests/support/meshproxy_process.h"
#include "tests/support/process.h"
#include "tests/support/tcp_client.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certs.h"
#include "tests/support/test_server_process.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;

std::string tcpProxyFilter(const std::string& cluster) {
  return absl::StrCat(R"(
    filter_chains:
    - filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: )",
                      cluster, R"(
          cluster: )",
                      cluster, "\n");
}

std::string staticCluster(const std::string& name, const std::string& address) {
  return absl::StrCat(R"(
  - name: )",
                      name, R"(
    connect_timeout: 1s
    load_assignment:
      cluster_name: )",
                      name, R"(
      endpoints: [ { lb_endpoints: [ { endpoint: { address: { )",
                      address, " } } } ] } ]\n");
}

std::string ipAddress(int port) {
  return absl::StrCat("socket_address: { address: 127.0.0.1, port_value: ", port, " }");
}

bool echoesOverTcp(int port, const std::string& payload = "ping") {
  TcpClient c;
  if (!c.connect("127.0.0.1", port, absl::Seconds(2))) return false;
  if (!c.sendAll(payload)) return false;
  return c.recvExactly(payload.size(), absl::Seconds(2)) == payload;
}

// A round trip over a Unix stream socket at `path`.
std::string echoOverPipe(const std::string& path, const std::string& payload) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "socket failed";
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return "connect failed";
  }
  std::string out;
  if (::send(fd, payload.data(), payload.size(), MSG_NOSIGNAL) ==
      static_cast<ssize_t>(payload.size())) {
    char buf[256];
    while (out.size() < payload.size()) {
      ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return out;
}

TEST(UnixSocketTest, ListenerAndClusterOnPipesCarryTraffic) {
  ignoreSigpipe();
  TestServerProcess echo("echo");
  ASSERT_TRUE(echo.ready());
  TempDir dir;
  std::string hop = dir.filePath("hop.sock");
  int front_port = pickFreePort();
  // (mode 384 is 0600: meshproxy's YAML reads 0600 as decimal 600, where Envoy's yaml-cpp
  // reads it as octal.)
  // front (TCP) -> cluster "hop" (a pipe) -> listener "hop" (that pipe) -> backend (TCP echo).
  std::string yaml =
      absl::StrCat(R"(
node: { id: uds-test }
static_resources:
  listeners:
  - name: front
    address: { )",
                   ipAddress(front_port), " }", tcpProxyFilter("hop"), R"(
  - name: hop
    address: { pipe: { path: ")",
                   hop, R"(", mode: 384 } })", tcpProxyFilter("backend"), R"(
  clusters:)",
                   staticCluster("hop", absl::StrCat("pipe: { path: \"", hop, "\" }")),
                   staticCluster("backend", ipAddress(echo.port())));
  MeshproxyProcess proxy(yaml);
  ASSERT_TRUE(proxy.ready());

  struct stat st {};
  ASSERT_EQ(::stat(hop.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "the pipe's mode is applied to the socket file";

  EXPECT_EQ(echoOverPipe(hop, "straight to the pipe"), "straight to the pipe");
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(echoesOverTcp(front_port, absl::StrCat("ping", i)));
  EXPECT_GE(proxy.counterValue("cluster.hop.upstream_cx_total").value_or(0), 5);
  auto listeners = proxy.adminGet("/listeners?format=json").body;
  EXPECT_THAT(listeners, HasSubstr(absl::StrCat("{\"pipe\":{\"path\":\"", hop, "\"}}")));
}

TEST(UnixSocketTest, PipeConfigErrorsNameTheField) {
  TempDir dir;
  std::string long_path(200, 'x');
  std::string yaml = absl::StrCat(R"(
static_resources:
  listeners:
  - name: bad
    address: { pipe: { path: "/tmp/)",
                                  long_path, R"(" } })", tcpProxyFilter("backend"), R"(
  clusters:)",
                                  staticCluster("backend", ipAddress(1)));
  auto r =
      runCommand({binPath("meshproxy"), "--mode", "validate", "-c", dir.writeFile("b.yaml", yaml)},
                 absl::Seconds(20));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text, HasSubstr("is longer than"));
}

// --- path_config_source for LDS and CDS ---------------------------------------------------

std::string clusterFile(const std::string& name, int port) {
  return absl::StrCat(R"(version_info: ")", name, R"("
resources:
- "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
  name: backend
  connect_timeout: 1s
  load_assignment:
    cluster_name: backend
    endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: )",
                      port, R"( } } } } ] } ]
)");
}

std::string listenerFile(const std::string& version, int port, const std::string& header) {
  return absl::StrCat(R"(version_info: ")", version, R"("
resources:
- "@type": type.googleapis.com/envoy.config.listener.v3.Listener
  name: web
  address: { socket_address: { address: 127.0.0.1, port_value: )",
                      port, R"( } }
  filter_chains:
  - filters:
    - name: envoy.filters.network.http_connection_manager
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
        stat_prefix: web
        route_config:
          virtual_hosts:
          - name: all
            domains: ["*"]
            routes: [ { match: { prefix: / }, route: { cluster: backend } } ]
            response_headers_to_add: [ { header: { key: x-config, value: )",
                      header, R"( } } ]
        http_filters:
        - name: envoy.filters.http.router
          typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
)");
}

// Writes `content` next to `path` and renames it into place, as config management does.
void replaceFile(TempDir& dir, const std::string& name, const std::string& content) {
  std::string tmp = dir.writeFile(name + ".tmp", content);
  ASSERT_EQ(std::rename(tmp.c_str(), dir.filePath(name).c_str()), 0);
}

TEST(PathConfigSourceTest, ListenersAndClustersFromFilesReloadWhenReplaced) {
  TestServerProcess a({.mode = "http", .name = "backend-a"});
  TestServerProcess b({.mode = "http", .name = "backend-b"});
  ASSERT_TRUE(a.ready());
  ASSERT_TRUE(b.ready());
  TempDir dir;
  int port = pickFreePort();
  std::string cds = dir.writeFile("cds.yaml", clusterFile("c1", a.port()));
  std::string lds = dir.writeFile("lds.yaml", listenerFile("l1", port, "one"));
  std::string yaml = absl::StrCat(R"(
node: { id: fs-test, cluster: test }
dynamic_resources:
  cds_config: { path_config_source: { path: ")",
                                  cds, R"(" }, resource_api_version: V3 }
  lds_config: { path_config_source: { path: ")",
                                  lds, R"(" }, resource_api_version: V3 }
)");
  MeshproxyProcess proxy(yaml);
  ASSERT_TRUE(proxy.ready());
  auto r = httpGet("127.0.0.1", port, "/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(jsonField(r.body, "server"), "backend-a");
  EXPECT_EQ(r.header("x-config"), "one");
  EXPECT_EQ(proxy.counterValue("listener_manager.lds.update_success"), 1);
  EXPECT_EQ(proxy.counterValue("cluster_manager.cds.update_success"), 1);

  // A new cluster file moves the traffic; a new listener file changes the route table.
  replaceFile(dir, "cds.yaml", clusterFile("c2", b.port()));
  EXPECT_TRUE(waitUntil(
      [&] { return jsonField(httpGet("127.0.0.1", port, "/").body, "server") == "backend-b"; },
      absl::Seconds(5)));
  replaceFile(dir, "lds.yaml", listenerFile("l2", port, "two"));
  EXPECT_TRUE(waitUntil([&] { return httpGet("127.0.0.1", port, "/").header("x-config") == "two"; },
                        absl::Seconds(5)));
  EXPECT_THAT(proxy.adminGet("/config_dump").body, HasSubstr("\"version_info\":\"l2\""));

  // A broken file is rejected and counted; the last good config keeps serving.
  replaceFile(dir, "lds.yaml", "resources: [ { \"@type\": nonsense");
  EXPECT_TRUE(proxy.waitForCounterAtLeast("listener_manager.lds.update_rejected", 1));
  replaceFile(dir, "lds.yaml",
              listenerFile("l3", port, "three").replace(0, 0, "unknown_top_level_field: 1\n"));
  EXPECT_TRUE(proxy.waitForCounterAtLeast("listener_manager.lds.update_rejected", 2));
  r = httpGet("127.0.0.1", port, "/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("x-config"), "two");
  EXPECT_EQ(proxy.counterValue("listener_manager.lds.update_success"), 2);
}

TEST(PathConfigSourceTest, AMissingFileIsABootstrapError) {
  TempDir dir;
  std::string yaml = absl::StrCat(R"(
dynamic_resources:
  lds_config: { path_config_source: { path: ")",
                                  dir.filePath("nope.yaml"), R"(" } }
)");
  auto r =
      runCommand({binPath("meshproxy"), "--mode", "validate", "-c", dir.writeFile("b.yaml", yaml)},
                 absl::Seconds(20));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text, HasSubstr("dynamic_resources.lds_config"));
  EXPECT_THAT(r.stderr_text, HasSubstr("nope.yaml"));
}

// --- SDS from a file ----------------------------------------------------------------------

std::string secretFile(const std::string& version, const CertAndKey& pair) {
  auto indent = [](const std::string& pem) {
    std::string out;
    for (char c : pem) {
      out += c;
      if (c == '\n') out += "          ";
    }
    return out;
  };
  return absl::StrCat(R"(version_info: ")", version, R"("
resources:
- "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret
  name: server_cert
  tls_certificate:
    certificate_chain:
      inline_string: |
          )",
                      indent(pair.cert_pem), R"(
    private_key:
      inline_string: |
          )",
                      indent(pair.key_pem), "\n");
}

TEST(SdsFileSourceTest, RewritingTheFileRotatesTheCertificate) {
  TestServerProcess app({.mode = "http", .name = "app"});
  ASSERT_TRUE(app.ready());
  TestCa ca("sds file test root");
  TempDir dir;
  std::string sds = dir.writeFile(
      "sds.yaml", secretFile("s1", ca.issue({.dns_sans = {"backend.test"}, .serial = 0x1001})));
  int port = pickFreePort();
  std::string yaml = absl::StrCat(R"(
node: { id: sds-file-test }
static_resources:
  listeners:
  - name: tls
    address: { socket_address: { address: 127.0.0.1, port_value: )",
                                  port, R"( } }
    filter_chains:
    - transport_socket:
        name: envoy.transport_sockets.tls
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
          common_tls_context:
            tls_certificate_sds_secret_configs:
            - name: server_cert
              sds_config: { path_config_source: { path: ")",
                                  sds, R"(" }, resource_api_version: V3 }
      filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: tls
          route_config: { virtual_hosts: [ { name: all, domains: ["*"], routes: [ { match: { prefix: / }, route: { cluster: app } } ] } ] }
          http_filters:
          - name: envoy.filters.http.router
            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
  clusters:)",
                                  staticCluster("app", ipAddress(app.port())));
  MeshproxyProcess proxy(yaml);
  ASSERT_TRUE(proxy.ready());
  auto serial = [&] {
    return runCommand({"sh", "-c",
                       absl::StrCat("openssl s_client -connect 127.0.0.1:", port,
                                    " </dev/null 2>/dev/null | openssl x509 -noout -serial")},
                      absl::Seconds(20))
        .stdout_text;
  };
  EXPECT_THAT(serial(), HasSubstr("serial=1001"));
  auto r = curl({"-sk", "-w", "\\n%{http_code}", absl::StrCat("https://127.0.0.1:", port, "/")});
  EXPECT_THAT(r.stdout_text, EndsWith("\n200")) << r.stderr_text;

  // Rotation: the next handshake presents the new certificate.
  replaceFile(dir, "sds.yaml",
              secretFile("s2", ca.issue({.dns_sans = {"backend.test"}, .serial = 0x2002})));
  EXPECT_TRUE(waitUntil([&] { return serial().find("serial=2002") != std::string::npos; },
                        absl::Seconds(5)));
  // A key that does not match is rejected; the current certificate stays.
  CertAndKey mismatched = ca.issue({.dns_sans = {"backend.test"}, .serial = 0x3003});
  mismatched.key_pem = generateKeyPem();
  replaceFile(dir, "sds.yaml", secretFile("s3", mismatched));
  EXPECT_TRUE(proxy.waitForCounterAtLeast("control_plane.sds.update_rejected", 1));
  EXPECT_THAT(serial(), HasSubstr("serial=2002"));
  EXPECT_THAT(proxy.adminGet("/config_dump").body, HasSubstr("\"version_info\":\"s2\""));
}

}  // namespace
}  // namespace meshproxy::testing
