// HTTP/2 to the upstream: clusters with HttpProtocolOptions explicit_http_config
// http2_protocol_options, use_downstream_protocol_config, and the legacy
// http2_protocol_options, through the multiplexed pool to real HTTP/2 servers (nginx over h2c
// and over TLS with ALPN, the gRPC interop server). HTTP/1.1 <-> HTTP/2 translation both ways,
// trailers, connection reuse, and an upstream GOAWAY draining its connection.
#include <fmt/format.h>

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/integration/http_test_util.h"
#include "tests/integration/tls_test_util.h"
#include "tests/support/grpc_interop_process.h"
#include "tests/support/tcp_client.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server_process.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

// nginx as an HTTP/2 origin: h2c prior knowledge (plaintext) or h2 over TLS (ALPN). Every
// response says which protocol nginx spoke, and ends with a trailer. After
// `keepalive_requests` streams on a connection nginx sends GOAWAY.
class NginxH2Origin {
 public:
  struct Options {
    std::string cert_file;  // TLS when set
    std::string key_file;
    int keepalive_requests = 1000;
    // Set: nginx reads each request (body included) and proxies it over HTTP/1.1 to this port
    // (a mesh-test-server describing it), adding x-h2-proto and x-h2-expect as nginx saw them.
    int proxy_pass_port = 0;
  };
  explicit NginxH2Origin(Options options) : port_(pickFreePort()) {
    const std::string d = dir_.path();
    const bool tls = !options.cert_file.empty();
    std::string conf = fmt::format(
        "worker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\ndaemon off;\n"
        "events {{ worker_connections 256; }}\n"
        "http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n"
        "  proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fcgi;\n"
        "  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n"
        "  keepalive_requests {kr};\n"
        "  server {{\n    listen 127.0.0.1:{port} {tls}http2;\n{certs}"
        "    location / {{\n{location}    }}\n  }}\n}}\n",
        fmt::arg("location",
                 options.proxy_pass_port == 0
                     ? std::string(
                           "      add_header x-origin-proto $server_protocol always;\n"
                           "      add_trailer x-origin-trailer done always;\n"
                           "      return 200 \"proto=$server_protocol host=$http_host "
                           "uri=$request_uri te=$http_te conn=$http_connection\\n\";\n")
                     : fmt::format("      proxy_http_version 1.1;\n"
                                   "      proxy_set_header x-h2-proto $server_protocol;\n"
                                   "      proxy_set_header x-h2-expect \"[$http_expect]\";\n"
                                   "      proxy_pass http://127.0.0.1:{};\n",
                                   options.proxy_pass_port)),
        fmt::arg("d", d), fmt::arg("kr", options.keepalive_requests), fmt::arg("port", port_),
        fmt::arg("tls", tls ? "ssl " : ""),
        fmt::arg("certs",
                 tls ? fmt::format("    ssl_certificate {};\n    ssl_certificate_key {};\n",
                                   options.cert_file, options.key_file)
                     : ""));
    std::string path = dir_.writeFile("nginx.conf", conf);
    process_ = std::make_unique<Process>(
        std::vector<std::string>{"nginx", "-c", path, "-e", d + "/error.log"});
    ready_ = waitForTcpPort("127.0.0.1", port_, absl::Seconds(10));
  }
  ~NginxH2Origin() { process_->stop(); }
  bool ready() const { return ready_; }
  int port() const { return port_; }

 private:
  TempDir dir_;
  int port_;
  std::unique_ptr<Process> process_;
  bool ready_ = false;
};

constexpr char kExplicitH2[] =
    "    typed_extension_protocol_options:\n"
    "      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:\n"
    "        \"@type\": "
    "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions\n"
    "        explicit_http_config: { http2_protocol_options: {} }\n";

CommandResult curlWithVersion(std::vector<std::string> args) {
  args.insert(args.begin(), {"-w", "\\n%{http_version} %{http_code}"});
  return curl(args);
}

TEST(Http2UpstreamTest, Http11ClientToH2cOrigin) {
  NginxH2Origin origin({});
  ASSERT_TRUE(origin.ready());
  HttpProxy proxy(
      {.clusters = {{.name = "backend", .ports = {origin.port()}, .extra = kExplicitH2}}});
  ASSERT_TRUE(proxy.ready());
  for (int i = 0; i < 5; ++i) {
    auto r = curlWithVersion({"--http1.1", "-H", "Connection: keep-alive, x-hop", "-H", "x-hop: 1",
                              "-H", "te: trailers", proxy.url("/a?b=" + std::to_string(i))});
    ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
    EXPECT_TRUE(absl::EndsWith(r.stdout_text, "\n1.1 200")) << r.stdout_text;
    // HTTP/2 to nginx; Host became :authority; connection-specific fields did not go.
    EXPECT_TRUE(absl::StartsWith(r.stdout_text,
                                 "proto=HTTP/2.0 host=127.0.0.1:" + std::to_string(proxy.port) +
                                     " uri=/a?b=" + std::to_string(i) + " te=trailers conn=\n"))
        << r.stdout_text;
  }
  // One multiplexed connection carried all of them.
  EXPECT_EQ(proxy->counterValue("cluster.backend.upstream_cx_http2_total").value_or(-1), 1);
  EXPECT_EQ(proxy->counterValue("cluster.backend.upstream_cx_http1_total").value_or(-1), 0);
  EXPECT_EQ(proxy->counterValue("cluster.backend.upstream_rq_2xx").value_or(-1), 5);
}

// Expect: 100-continue from an HTTP/1.1 client to an HTTP/2 upstream: meshproxy answers the
// 100 itself (Envoy's default), the client sends its body, and the request reaches the h2
// origin whole, without the expectation (HTTP/2 carries none here).
TEST(Http2UpstreamTest, Http11ExpectContinueToH2Origin) {
  TestServerProcess described({.mode = "http", .name = "described"});
  ASSERT_TRUE(described.ready());
  NginxH2Origin origin({.proxy_pass_port = described.port()});
  ASSERT_TRUE(origin.ready());
  HttpProxy proxy(
      {.clusters = {{.name = "backend", .ports = {origin.port()}, .extra = kExplicitH2}}});
  ASSERT_TRUE(proxy.ready());
  TcpClient client;
  ASSERT_TRUE(client.connect("127.0.0.1", proxy.port));
  ASSERT_TRUE(client.sendAll(
      "POST /upload HTTP/1.1\r\nHost: app\r\nContent-Length: 11\r\n"
      "Expect: 100-continue\r\n\r\n"));
  // The interim response comes before any body byte was sent.
  std::string interim = client.recvSome(4096, absl::Seconds(5));
  EXPECT_TRUE(absl::StartsWith(interim, "HTTP/1.1 100 Continue\r\n")) << interim;
  EXPECT_FALSE(absl::StrContains(interim, "200")) << interim;
  ASSERT_TRUE(client.sendAll("hello world"));
  std::string response;
  for (int i = 0; i < 50 && response.find("\"peer\"") == std::string::npos; ++i) {
    response += client.recvSome(65536, absl::Seconds(5));
  }
  EXPECT_TRUE(absl::StartsWith(response, "HTTP/1.1 200")) << response;
  EXPECT_TRUE(absl::StrContains(response, "\"body_bytes\": 11")) << response;
  EXPECT_TRUE(absl::StrContains(response, "\"x-h2-proto\": \"HTTP/2.0\"")) << response;
  EXPECT_TRUE(absl::StrContains(response, "\"x-h2-expect\": \"[]\"")) << response;
  EXPECT_EQ(proxy->counterValue("cluster.backend.upstream_cx_http2_total").value_or(-1), 1);
}

TEST(Http2UpstreamTest, H2ClientToH2OriginKeepsTrailersAndMultiplexes) {
  NginxH2Origin origin({});
  ASSERT_TRUE(origin.ready());
  HttpProxy proxy(
      {.clusters = {{.name = "backend", .ports = {origin.port()}, .extra = kExplicitH2}}});
  ASSERT_TRUE(proxy.ready());
  auto r = runCommand({"nghttp", "-v", proxy.url("/trailers")}, absl::Seconds(20));
  ASSERT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
  EXPECT_NE(r.stdout_text.find("x-origin-trailer: done"), std::string::npos) << r.stdout_text;
  EXPECT_NE(r.stdout_text.find("proto=HTTP/2.0"), std::string::npos) << r.stdout_text;

  auto load = runCommand({"h2load", "-n", "400", "-c", "4", "-m", "50", proxy.url("/load")},
                         absl::Seconds(60));
  ASSERT_EQ(load.exit_code, 0) << load.stdout_text << load.stderr_text;
  EXPECT_NE(load.stdout_text.find("400 succeeded, 0 failed, 0 errored"), std::string::npos)
      << load.stdout_text;
  // 200 streams at once at most, nginx takes 128 per connection: a few connections, not 400.
  int64_t cx = proxy->counterValue("cluster.backend.upstream_cx_http2_total").value_or(-1);
  EXPECT_GE(cx, 1);
  EXPECT_LE(cx, 8);
}

TEST(Http2UpstreamTest, LegacyClusterHttp2ProtocolOptions) {
  NginxH2Origin origin({});
  ASSERT_TRUE(origin.ready());
  HttpProxy proxy(
      {.clusters = {{.name = "backend",
                     .ports = {origin.port()},
                     .extra = "    http2_protocol_options: { max_concurrent_streams: 10 }\n"}}});
  ASSERT_TRUE(proxy.ready());
  auto r = curlWithVersion({proxy.url("/legacy")});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  EXPECT_TRUE(absl::StartsWith(r.stdout_text, "proto=HTTP/2.0")) << r.stdout_text;
}

TEST(Http2UpstreamTest, UseDownstreamProtocolConfig) {
  NginxH2Origin origin({});
  ASSERT_TRUE(origin.ready());
  TestServerProcess h1({.mode = "http", .name = "h1"});
  ASSERT_TRUE(h1.ready());
  const std::string options =
      "    typed_extension_protocol_options:\n"
      "      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:\n"
      "        \"@type\": "
      "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions\n"
      "        use_downstream_protocol_config: { http2_protocol_options: {} }\n";
  // h2 clients reach nginx (h2c only), HTTP/1.1 clients the HTTP/1.1 server: each route's
  // cluster follows the downstream protocol.
  HttpBootstrap b{.route_config =
                      "            virtual_hosts:\n"
                      "            - name: all\n"
                      "              domains: [\"*\"]\n"
                      "              routes:\n"
                      "              - match: { prefix: /h2 }\n"
                      "                route: { cluster: nginx }\n"
                      "              - match: { prefix: / }\n"
                      "                route: { cluster: h1 }\n",
                  .clusters = {{.name = "nginx", .ports = {origin.port()}, .extra = options},
                               {.name = "h1", .ports = {h1.port()}, .extra = options}}};
  HttpProxy proxy(b);
  ASSERT_TRUE(proxy.ready());
  auto h2 = curlWithVersion({"--http2-prior-knowledge", proxy.url("/h2")});
  EXPECT_TRUE(absl::StartsWith(h2.stdout_text, "proto=HTTP/2.0")) << h2.stdout_text;
  auto h11 = curlWithVersion({"--http1.1", proxy.url("/plain")});
  EXPECT_EQ(jsonField(h11.stdout_text, "server"), "h1") << h11.stdout_text;
  EXPECT_EQ(proxy->counterValue("cluster.h1.upstream_cx_http1_total").value_or(-1), 1);
  EXPECT_EQ(proxy->counterValue("cluster.nginx.upstream_cx_http2_total").value_or(-1), 1);
}

TEST(Http2UpstreamTest, AutoConfigIsRejectedByName) {
  HttpBootstrap b{
      .clusters = {{.name = "backend",
                    .ports = {1},
                    .extra = "    typed_extension_protocol_options:\n"
                             "      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:\n"
                             "        \"@type\": "
                             "type.googleapis.com/"
                             "envoy.extensions.upstreams.http.v3.HttpProtocolOptions\n"
                             "        auto_config: { http2_protocol_options: {} }\n"}}};
  b.listener_port = pickFreePort();
  MeshproxyProcess proxy(httpBootstrapYaml(b), {.concurrency = 1, .wait_ready = false});
  auto exit = proxy.process().waitExit(absl::Seconds(10));
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(*exit, 1);
}

// nginx ends each connection with GOAWAY after 3 streams: the pool drains that connection and
// opens another, and no request fails.
TEST(Http2UpstreamTest, UpstreamGoAwayDrainsTheConnection) {
  NginxH2Origin origin({.keepalive_requests = 3});
  ASSERT_TRUE(origin.ready());
  HttpProxy proxy(
      {.clusters = {{.name = "backend", .ports = {origin.port()}, .extra = kExplicitH2}}});
  ASSERT_TRUE(proxy.ready());
  for (int i = 0; i < 12; ++i) {
    auto r = proxy.get("/goaway");
    ASSERT_EQ(r.status, 200) << i << " " << r.error << r.body;
  }
  EXPECT_GE(proxy->counterValue("cluster.backend.upstream_cx_http2_total").value_or(-1), 4);
}

TEST(Http2UpstreamTest, TlsOriginWithAlpnH2) {
  TestPki pki;
  CertFiles server =
      pki.issue("origin", {.common_name = "origin.test", .dns_sans = {"origin.test"}});
  NginxH2Origin origin({.cert_file = server.cert, .key_file = server.key});
  ASSERT_TRUE(origin.ready());
  const std::string tls = fmt::format(
      "    transport_socket: {{name: envoy.transport_sockets.tls, typed_config: {{\"@type\": "
      "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext, sni: "
      "origin.test, common_tls_context: {{validation_context: {{trusted_ca: {{filename: "
      "\"{}\"}}}}}}}}}}\n",
      pki.caPath());
  HttpProxy proxy({.clusters = {{.name = "backend",
                                 .ports = {origin.port()},
                                 .extra = std::string(kExplicitH2) + tls}}});
  ASSERT_TRUE(proxy.ready());
  auto r = curlWithVersion({"--http2-prior-knowledge", proxy.url("/tls")});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  EXPECT_TRUE(absl::StartsWith(r.stdout_text, "proto=HTTP/2.0")) << r.stdout_text;
  EXPECT_TRUE(absl::EndsWith(r.stdout_text, "\n2 200")) << r.stdout_text;
}

// The standard gRPC interop cases through one meshproxy, h2c on both sides.
// The upstream HTTP/2 codec counts under cluster.<name>.http2.*, as Envoy names them: a call
// the client cancels is reset toward the server (tx_reset); HTTP/1.1 clusters have none.
TEST(Http2UpstreamTest, UpstreamCodecCountsUnderTheCluster) {
  GrpcInteropServerProcess server;
  ASSERT_TRUE(server.ready());
  TestServerProcess http1({.mode = "http"});
  ASSERT_TRUE(http1.ready());
  HttpProxy proxy({.clusters = {{.name = "grpc", .ports = {server.port()}, .extra = kExplicitH2},
                                {.name = "plain", .ports = {http1.port()}}}});
  ASSERT_TRUE(proxy.ready());
  EXPECT_EQ(proxy->counterValue("cluster.grpc.http2.tx_reset").value_or(-1), 0);
  EXPECT_TRUE(grpcInteropCasePasses({.port = proxy.port}, "cancel_after_first_response"));
  EXPECT_TRUE(proxy->waitForCounterAtLeast("cluster.grpc.http2.tx_reset", 1));
  EXPECT_EQ(proxy->counterValue("cluster.grpc.http2.rx_messaging_error").value_or(-1), 0);
  EXPECT_FALSE(proxy->counterValue("cluster.plain.http2.tx_reset").has_value());
  EXPECT_FALSE(proxy->counterValue("cluster.grpc.downstream_rq_too_many_premature_resets")
                   .has_value());
}

class GrpcInteropThroughProxy : public ::testing::TestWithParam<std::string> {};

TEST_P(GrpcInteropThroughProxy, CasePasses) {
  GrpcInteropServerProcess server;
  ASSERT_TRUE(server.ready());
  HttpProxy proxy({.clusters = {{.name = "grpc", .ports = {server.port()}, .extra = kExplicitH2}}});
  ASSERT_TRUE(proxy.ready());
  EXPECT_TRUE(grpcInteropCasePasses({.port = proxy.port}, GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Standard, GrpcInteropThroughProxy,
                         ::testing::ValuesIn(grpcInteropCaseNames()), grpcInteropCaseParamName);

// The same cases through two sidecars: the client's (plaintext h2c in, HTTP/2 over mTLS out)
// and the server's (mTLS with ALPN h2 in, requiring the client's SPIFFE identity; h2c out).
class GrpcInteropThroughTwoSidecars : public ::testing::TestWithParam<std::string> {};

TEST_P(GrpcInteropThroughTwoSidecars, CasePasses) {
  GrpcInteropServerProcess server;
  ASSERT_TRUE(server.ready());
  TestPki pki;
  CertFiles frontend =
      pki.issue("frontend", {.common_name = "frontend", .uri_sans = {kFrontendId}});
  CertFiles backend = pki.issue("backend", {.common_name = "backend", .uri_sans = {kBackendId}});
  std::string inbound_tls = downstreamTls(backend, pki.caPath(), true, {kFrontendId});
  inbound_tls.replace(inbound_tls.find("common_tls_context: {"), 21,
                      "common_tls_context: {alpn_protocols: [h2], ");
  TlsListenerSpec inbound{
      .port = pickFreePort(), .transport_socket = inbound_tls, .cluster = "app"};
  MeshproxyProcess server_sidecar(
      tlsBootstrapYaml({inbound}, {{.name = "app", .port = server.port(), .extra = kExplicitH2}}),
      {.concurrency = 1});
  ASSERT_TRUE(server_sidecar.ready());
  TlsListenerSpec outbound{
      .name = "outbound", .port = pickFreePort(), .stat_prefix = "outbound", .cluster = "peer"};
  MeshproxyProcess client_sidecar(
      tlsBootstrapYaml({outbound},
                       {{.name = "peer",
                         .port = inbound.port,
                         .transport_socket = upstreamTls(&frontend, pki.caPath(), {kBackendId}),
                         .extra = kExplicitH2}}),
      {.concurrency = 1});
  ASSERT_TRUE(client_sidecar.ready());
  EXPECT_TRUE(grpcInteropCasePasses({.port = outbound.port}, GetParam()));
  EXPECT_EQ(client_sidecar.counterValue("cluster.peer.upstream_cx_http2_total").value_or(-1), 1);
}

INSTANTIATE_TEST_SUITE_P(Standard, GrpcInteropThroughTwoSidecars,
                         ::testing::ValuesIn(grpcInteropCaseNames()), grpcInteropCaseParamName);

}  // namespace
}  // namespace meshproxy::testing
