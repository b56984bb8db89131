// HTTP/2 on the downstream side: HttpConnectionManager codec_type AUTO (h2c prior knowledge on
// plaintext, ALPN h2 on TLS), HTTP2 and HTTP1, Upgrade: h2c refused politely, many streams on
// one connection, and GOAWAY when the proxy drains. Real clients (curl, h2load) against the
// real binary; the upstream is mesh-test-server over HTTP/1.1.
#include <signal.h>

#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/integration/http_test_util.h"
#include "tests/integration/tls_test_util.h"
#include "tests/support/tcp_client.h"
#include "tests/support/test_server_process.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

class Http2DownstreamTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(upstream_.ready()); }

  HttpBootstrap bootstrap(const std::string& hcm_extra = "") {
    HttpBootstrap b;
    b.clusters = {{.name = "backend", .ports = {upstream_.port()}}};
    b.hcm_extra = hcm_extra;
    return b;
  }

  TestServerProcess upstream_{{.mode = "http", .name = "backend"}};
};

// curl -w prints the HTTP version it spoke after the body.
CommandResult curlWithVersion(std::vector<std::string> args) {
  args.insert(args.begin(), {"-w", "\\n%{http_version} %{http_code}"});
  return curl(args);
}

TEST_F(Http2DownstreamTest, AutoTakesH2cPriorKnowledge) {
  HttpProxy proxy(bootstrap());
  ASSERT_TRUE(proxy.ready());
  auto r = curlWithVersion({"--http2-prior-knowledge", proxy.url("/h2c?x=1")});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  EXPECT_TRUE(absl::EndsWith(r.stdout_text, "\n2 200")) << r.stdout_text;
  // The upstream got an HTTP/1.1 request with a Host made from :authority.
  EXPECT_EQ(jsonField(r.stdout_text, "path"), "/h2c?x=1");
  EXPECT_NE(r.stdout_text.find("\"host\": \"127.0.0.1:" + std::to_string(proxy.port) + "\""),
            std::string::npos)
      << r.stdout_text;
}

TEST_F(Http2DownstreamTest, AutoKeepsHttp11) {
  HttpProxy proxy(bootstrap());
  ASSERT_TRUE(proxy.ready());
  auto r = curlWithVersion({"--http1.1", proxy.url("/one")});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  EXPECT_TRUE(absl::EndsWith(r.stdout_text, "\n1.1 200")) << r.stdout_text;
}

// Envoy answers an h2c upgrade as HTTP/1.1 and drops the upgrade headers; so do we.
TEST_F(Http2DownstreamTest, UpgradeH2cProceedsAsHttp11WithoutTheUpgradeHeaders) {
  HttpProxy proxy(bootstrap());
  ASSERT_TRUE(proxy.ready());
  // curl --http2 on http:// sends Upgrade: h2c with HTTP2-Settings.
  auto r = curlWithVersion({"--http2", proxy.url("/upgrade")});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  EXPECT_TRUE(absl::EndsWith(r.stdout_text, "\n1.1 200")) << r.stdout_text;
  EXPECT_EQ(r.stdout_text.find("\"upgrade\""), std::string::npos) << r.stdout_text;
  EXPECT_EQ(r.stdout_text.find("http2-settings"), std::string::npos) << r.stdout_text;
}

TEST_F(Http2DownstreamTest, CodecTypeHttp1RefusesThePreface) {
  HttpProxy proxy(bootstrap("          codec_type: HTTP1\n"));
  ASSERT_TRUE(proxy.ready());
  auto r = curlWithVersion({"--http2-prior-knowledge", proxy.url("/")});
  EXPECT_NE(r.exit_code, 0) << r.stdout_text;
  auto ok = curlWithVersion({"--http1.1", proxy.url("/")});
  EXPECT_TRUE(absl::EndsWith(ok.stdout_text, "\n1.1 200")) << ok.stdout_text << ok.stderr_text;
}

TEST_F(Http2DownstreamTest, CodecTypeHttp2ServesPriorKnowledgeAndRefusesHttp1) {
  HttpProxy proxy(
      bootstrap("          codec_type: HTTP2\n"
                "          http2_protocol_options: { max_concurrent_streams: 50 }\n"));
  ASSERT_TRUE(proxy.ready());
  auto r = curlWithVersion({"--http2-prior-knowledge", proxy.url("/")});
  EXPECT_TRUE(absl::EndsWith(r.stdout_text, "\n2 200")) << r.stdout_text << r.stderr_text;
  // An HTTP/1.1 request is not an HTTP/2 preface: GOAWAY and close, no HTTP/1 answer.
  auto h1 = proxy.get("/");
  EXPECT_EQ(h1.status, 0);
}

TEST_F(Http2DownstreamTest, Http2ProtocolOptionsAreValidated) {
  HttpBootstrap b = bootstrap("          http2_protocol_options: { allow_metadata: true }\n");
  b.listener_port = pickFreePort();
  MeshproxyProcess proxy(httpBootstrapYaml(b), {.concurrency = 1, .wait_ready = false});
  auto exit = proxy.process().waitExit(absl::Seconds(10));
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(*exit, 1);
}

TEST_F(Http2DownstreamTest, RequestBodyReachesTheHttp11Upstream) {
  HttpProxy proxy(bootstrap());
  ASSERT_TRUE(proxy.ready());
  std::string body(100000, 'b');
  std::string path = proxy->tempDir().writeFile("body.bin", body);
  auto r = curlWithVersion(
      {"--http2-prior-knowledge", "--data-binary", "@" + path, proxy.url("/upload")});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  EXPECT_TRUE(absl::EndsWith(r.stdout_text, "\n2 200")) << r.stdout_text;
  EXPECT_EQ(jsonNumber(r.stdout_text, "body_bytes"), 100000) << r.stdout_text;
}

TEST_F(Http2DownstreamTest, AThousandStreamsOnOneConnection) {
  HttpProxy proxy(bootstrap());
  ASSERT_TRUE(proxy.ready());
  auto r = runCommand({"h2load", "-n", "1000", "-c", "1", "-m", "100", proxy.url("/load")},
                      absl::Seconds(60));
  ASSERT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
  EXPECT_NE(r.stdout_text.find("1000 succeeded, 0 failed, 0 errored"), std::string::npos)
      << r.stdout_text;
  EXPECT_NE(r.stdout_text.find("status codes: 1000 2xx"), std::string::npos) << r.stdout_text;
  EXPECT_NE(r.stdout_text.find("Application protocol: h2c"), std::string::npos) << r.stdout_text;
  EXPECT_EQ(proxy->counterValue("http.ingress_http.downstream_cx_total").value_or(-1), 1);
}

TEST_F(Http2DownstreamTest, TlsAlpnH2) {
  TestPki pki;
  CertFiles server =
      pki.issue("server", {.common_name = "backend.test", .dns_sans = {"backend.test"}});
  std::string tls = downstreamTls(server, "", false, {});
  // common_tls_context gets the ALPN list Envoy needs to negotiate h2.
  tls.replace(tls.find("common_tls_context: {"), 21,
              "common_tls_context: {alpn_protocols: [h2, http/1.1], ");
  TlsListenerSpec listener{.port = pickFreePort(), .transport_socket = tls, .cluster = "backend"};
  MeshproxyProcess proxy(
      tlsBootstrapYaml({listener}, {{.name = "backend", .port = upstream_.port()}}),
      {.concurrency = 1});
  ASSERT_TRUE(proxy.ready());
  auto h2 = curlTls(listener.port,
                    {"--http2", "--cacert", pki.caPath(), "-w", "\\n%{http_code} %{http_version}"});
  ASSERT_EQ(h2.exit_code, 0) << h2.stderr_text;
  EXPECT_TRUE(absl::EndsWith(h2.stdout_text, "\n200 2")) << h2.stdout_text << h2.stderr_text;
  auto h1 = curlTls(listener.port, {"--http1.1", "--cacert", pki.caPath(), "-w",
                                    "\\n%{http_code} %{http_version}"});
  ASSERT_EQ(h1.exit_code, 0) << h1.stderr_text;
  EXPECT_TRUE(absl::EndsWith(h1.stdout_text, "\n200 1.1")) << h1.stdout_text;
}

// Frames as they arrive on a raw connection: (type, last-stream-id for GOAWAY).
struct FrameReader {
  std::string data;
  // Returns the types of the complete frames at the front of data, consuming them.
  std::vector<std::pair<uint8_t, uint32_t>> take() {
    std::vector<std::pair<uint8_t, uint32_t>> frames;
    while (data.size() >= 9) {
      const auto* p = reinterpret_cast<const uint8_t*>(data.data());
      uint32_t len = (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | p[2];
      if (data.size() < 9 + len) break;
      uint32_t last = 0;
      if (p[3] == 7 && len >= 4) {
        last = ((uint32_t{p[9]} << 24) | (uint32_t{p[10]} << 16) | (uint32_t{p[11]} << 8) | p[12]) &
               0x7fffffffu;
      }
      frames.emplace_back(p[3], last);
      data.erase(0, 9 + len);
    }
    return frames;
  }
};

// SIGTERM drains: an idle HTTP/2 connection hears GOAWAY (the shutdown notice, then the final
// one) and is closed, and the proxy exits well before its drain time.
TEST_F(Http2DownstreamTest, SigtermSendsGoAwayAndCloses) {
  HttpProxy proxy(bootstrap("          drain_timeout: 0.2s\n"),
                  {.concurrency = 1, .extra_args = {"--drain-time-s", "30"}});
  ASSERT_TRUE(proxy.ready());
  TcpClient client;
  ASSERT_TRUE(client.connect("127.0.0.1", proxy.port));
  std::string preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  preface.append(std::string("\x00\x00\x00\x04\x00\x00\x00\x00\x00", 9));  // empty SETTINGS
  ASSERT_TRUE(client.sendAll(preface));
  FrameReader reader;
  bool settings = false;
  for (int i = 0; i < 20 && !settings; ++i) {
    reader.data += client.recvSome(4096, absl::Milliseconds(500));
    for (auto [type, last] : reader.take()) settings |= type == 4;
  }
  ASSERT_TRUE(settings);
  absl::Time start = absl::Now();
  ASSERT_TRUE(proxy->process().sendSignal(SIGTERM));
  std::vector<uint32_t> goaways;
  reader.data += client.recvUntilClose(absl::Seconds(10));
  for (auto [type, last] : reader.take()) {
    if (type == 7) goaways.push_back(last);
  }
  EXPECT_TRUE(client.eofSeen());
  ASSERT_GE(goaways.size(), 1u);
  EXPECT_EQ(goaways.back(), 0u);  // no stream was opened
  auto exit = proxy->process().waitExit(absl::Seconds(10));
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(*exit, 0);
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

// SIGTERM while streams are in flight: the shutdown notice lets them finish (zero failed),
// the final GOAWAY follows, and the proxy exits once the connection is done.
TEST(Http2DownstreamDrainTest, SigtermLetsStreamsInFlightFinish) {
  TestServerProcess slow({.mode = "http", .name = "slow", .delay_ms = 1000});
  ASSERT_TRUE(slow.ready());
  HttpBootstrap b;
  b.clusters = {{.name = "backend", .ports = {slow.port()}}};
  b.hcm_extra = "          drain_timeout: 0.2s\n";
  HttpProxy proxy(b, {.concurrency = 1, .extra_args = {"--drain-time-s", "30"}});
  ASSERT_TRUE(proxy.ready());
  Process load({"h2load", "-n", "20", "-c", "1", "-m", "20", proxy.url("/slow")});
  ASSERT_TRUE(load.started());
  ASSERT_TRUE(proxy->waitForCounter("http.ingress_http.downstream_rq_active",
                                    [](int64_t v) { return v == 20; }));
  ASSERT_TRUE(proxy->process().sendSignal(SIGTERM));
  auto load_exit = load.waitExit(absl::Seconds(20));
  ASSERT_TRUE(load_exit.has_value());
  std::string out = load.stdoutText();
  EXPECT_NE(out.find("20 succeeded, 0 failed, 0 errored"), std::string::npos) << out;
  auto exit = proxy->process().waitExit(absl::Seconds(10));
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(*exit, 0);
}

}  // namespace
}  // namespace meshproxy::testing
