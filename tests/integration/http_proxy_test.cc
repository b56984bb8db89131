// The HTTP/1.1 data path through the real binary: headers, keep-alive, pipelining, bodies,
// 100-continue, upgrades, HTTP/1.0, and the error mapping (503/502/504).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "absl/time/clock.h"
#include "tests/integration/http_test_util.h"
#include "tests/support/proc_stats.h"
#include "tests/support/tcp_client.h"
#include "tests/support/test_server_process.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

class HttpProxyTest : public ::testing::Test {
 protected:
  void start(std::string hcm_extra = "", std::string cluster_extra = "") {
    ASSERT_TRUE(upstream_.ready());
    proxy_ = std::make_unique<HttpProxy>(HttpBootstrap{
        .clusters = {{.name = "backend", .ports = {upstream_.port()}, .extra = cluster_extra}},
        .hcm_extra = hcm_extra});
    ASSERT_TRUE(proxy_->ready());
  }
  TestServerProcess upstream_{{.mode = "http", .name = "backend"}};
  std::unique_ptr<HttpProxy> proxy_;
};

TEST_F(HttpProxyTest, ForwardsAndAddsTheMeshHeaders) {
  start("          use_remote_address: true\n");
  auto r = proxy_->get("/hello?x=1", {{"user-agent", "itest"}});
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(jsonField(r.body, "path"), "/hello?x=1");
  EXPECT_EQ(jsonField(r.body, "x-forwarded-for"), "127.0.0.1");
  EXPECT_EQ(jsonField(r.body, "x-forwarded-proto"), "http");
  EXPECT_THAT(jsonField(r.body, "x-request-id"),
              MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
  EXPECT_EQ(jsonField(r.body, "host"), "127.0.0.1:" + std::to_string(proxy_->port));
  EXPECT_EQ(r.header("server"), "meshproxy");
  EXPECT_TRUE(r.hasHeader("x-envoy-upstream-service-time"));
  // Hop-by-hop: the client's "Connection: close" did not travel upstream.
  EXPECT_EQ(jsonField(r.body, "connection"), "");
}

TEST_F(HttpProxyTest, KeepsAnIncomingRequestIdAndAppendsToXff) {
  start("          use_remote_address: true\n");
  auto r = proxy_->get("/", {{"x-request-id", "abc-123"}, {"x-forwarded-for", "10.0.0.1"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(jsonField(r.body, "x-request-id"), "abc-123");
  EXPECT_EQ(jsonField(r.body, "x-forwarded-for"), "10.0.0.1,127.0.0.1");
}

TEST_F(HttpProxyTest, ServerNameAndRequestIdGenerationAreConfigurable) {
  start("          server_name: edge-7\n          generate_request_id: false\n");
  auto r = proxy_->get("/");
  EXPECT_EQ(r.header("server"), "edge-7");
  EXPECT_EQ(jsonField(r.body, "x-request-id"), "");
}

TEST_F(HttpProxyTest, KeepAliveReusesOneUpstreamConnection) {
  start();
  auto result = curl({"-w", "%{http_code}\\n", "-o", "/dev/null", proxy_->url("/a"), "-o", "/dev/null",
                      proxy_->url("/b"), "-o", "/dev/null", proxy_->url("/c"), "-o", "/dev/null",
                      proxy_->url("/d")});
  EXPECT_EQ(result.stdout_text, "200\n200\n200\n200\n") << result.stderr_text;
  EXPECT_EQ(proxy_->process->counterValue("http.ingress_http.downstream_cx_total"), 1);
  EXPECT_EQ(proxy_->process->counterValue("cluster.backend.upstream_cx_total"), 1);
  EXPECT_EQ(proxy_->process->counterValue("cluster.backend.upstream_rq_total"), 4);
}

TEST_F(HttpProxyTest, PipelinedRequestsAreAnsweredInOrder) {
  start();
  TcpClient c;
  ASSERT_TRUE(c.connect("127.0.0.1", proxy_->port));
  std::string batch;
  // The first is slow: order must still hold.
  batch += buildHttpRequest("GET", "/first?delay_ms=200", {{"host", "x"}});
  batch += buildHttpRequest("GET", "/second", {{"host", "x"}});
  batch += buildHttpRequest("GET", "/third", {{"host", "x"}, {"connection", "close"}});
  ASSERT_TRUE(c.sendAll(batch));
  std::string data = c.recvUntilClose(absl::Seconds(10));
  std::vector<std::string> paths;
  size_t offset = 0;
  for (int i = 0; i < 3; ++i) {
    HttpResponse r;
    size_t used = 0;
    ASSERT_EQ(parseHttpResponse(std::string_view(data).substr(offset), true, false, &r, &used),
              HttpParseStatus::kComplete)
        << data;
    EXPECT_EQ(r.status, 200);
    paths.push_back(jsonField(r.body, "path"));
    offset += used;
  }
  EXPECT_EQ(paths, (std::vector<std::string>{"/first?delay_ms=200", "/second", "/third"}));
  EXPECT_EQ(offset, data.size());
}

TEST_F(HttpProxyTest, ChunkedUploadAndChunkedResponse) {
  start();
  auto up = curl({"-H", "Transfer-Encoding: chunked", "--data-binary", std::string(100000, 'z'),
                  proxy_->url("/upload")});
  ASSERT_EQ(up.exit_code, 0) << up.stderr_text;
  EXPECT_EQ(jsonNumber(up.stdout_text, "body_bytes"), 100000);
  EXPECT_EQ(jsonField(up.stdout_text, "transfer-encoding"), "chunked");

  auto down = curl({"-D", "/dev/stderr", proxy_->url("/c?chunked=1&body_bytes=70000")});
  ASSERT_EQ(down.exit_code, 0);
  EXPECT_THAT(down.stderr_text, HasSubstr("transfer-encoding: chunked"));
  EXPECT_EQ(down.stdout_text, std::string(70000, 'x'));
}

TEST_F(HttpProxyTest, ExpectContinueIsAnsweredByTheProxy) {
  start();
  auto r = curl({"-v", "-H", "Expect: 100-continue", "--data-binary", std::string(2048, 'a'),
                 proxy_->url("/expect")});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  EXPECT_THAT(r.stderr_text, HasSubstr("HTTP/1.1 100 Continue"));
  EXPECT_EQ(jsonNumber(r.stdout_text, "body_bytes"), 2048);
  // The upstream never saw the expectation.
  EXPECT_EQ(jsonField(r.stdout_text, "expect"), "");
}

TEST_F(HttpProxyTest, HeadAnd204And304CarryNoBody) {
  start();
  auto head = curl({"-I", proxy_->url("/h")});
  EXPECT_THAT(head.stdout_text, HasSubstr("HTTP/1.1 200"));
  TcpClient c;
  ASSERT_TRUE(c.connect("127.0.0.1", proxy_->port));
  ASSERT_TRUE(c.sendAll(buildHttpRequest("HEAD", "/h", {{"host", "x"}}) +
                        buildHttpRequest("GET", "/n?status=204", {{"host", "x"}}) +
                        buildHttpRequest("GET", "/n?status=304", {{"host", "x"}, {"connection", "close"}})));
  std::string data = c.recvUntilClose(absl::Seconds(5));
  size_t offset = 0;
  for (auto [head_request, status] : {std::pair{true, 200}, {false, 204}, {false, 304}}) {
    HttpResponse r;
    size_t used = 0;
    ASSERT_EQ(parseHttpResponse(std::string_view(data).substr(offset), true, head_request, &r, &used),
              HttpParseStatus::kComplete);
    EXPECT_EQ(r.status, status);
    EXPECT_EQ(r.body, "");
    offset += used;
  }
  EXPECT_EQ(offset, data.size()) << "a body leaked after a bodiless response";
}

TEST_F(HttpProxyTest, Http10WithAndWithoutKeepAlive) {
  start();
  TcpClient a;
  ASSERT_TRUE(a.connect("127.0.0.1", proxy_->port));
  ASSERT_TRUE(a.sendAll("GET /old HTTP/1.0\r\n\r\n"));
  std::string reply = a.recvUntilClose(absl::Seconds(5));
  EXPECT_THAT(reply, HasSubstr("HTTP/1.1 200 OK"));
  EXPECT_TRUE(a.eofSeen()) << "HTTP/1.0 without keep-alive must close";

  TcpClient b;
  ASSERT_TRUE(b.connect("127.0.0.1", proxy_->port));
  std::string req = "GET /one HTTP/1.0\r\nConnection: keep-alive\r\nHost: x\r\n\r\n";
  ASSERT_TRUE(b.sendAll(req));
  std::string first = b.recvSome(65536, absl::Seconds(5));
  EXPECT_THAT(first, HasSubstr("200 OK"));
  ASSERT_TRUE(b.sendAll("GET /two HTTP/1.0\r\nHost: x\r\n\r\n"));
  std::string second = b.recvUntilClose(absl::Seconds(5));
  EXPECT_THAT(second, HasSubstr("/two"));
}

TEST_F(HttpProxyTest, LargeUploadStreamsWithBoundedMemory) {
  start("", "");
  pid_t pid = proxy_->process->process().pid();
  int64_t before = rssKb(pid);
  // 1 GiB of zeros, chunked (curl reads stdin), through the proxy to the upstream.
  auto r = runCommand({"sh", "-c",
                       "head -c 1073741824 /dev/zero | curl -sS --max-time 100 -T - -H "
                       "'Transfer-Encoding: chunked' " + proxy_->url("/big")},
                      absl::Seconds(110));
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  EXPECT_EQ(jsonNumber(r.stdout_text, "body_bytes"), 1073741824);
  int64_t peak = peakRssKb(pid);
  std::printf("1 GiB upload: meshproxy RSS before %lld KiB, peak %lld KiB\n",
              static_cast<long long>(before), static_cast<long long>(peak));
  EXPECT_LT(peak - before, 16 * 1024) << "the proxy buffered the upload";
}

TEST_F(HttpProxyTest, SlowUpstreamGets504AtTheRouteTimeout) {
  ASSERT_TRUE(upstream_.ready());
  HttpProxy proxy({.route_config = R"(            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: { prefix: / }
                route: { cluster: backend, timeout: 0.5s }
)",
                   .clusters = {{.name = "backend", .ports = {upstream_.port()}}}});
  ASSERT_TRUE(proxy.ready());
  absl::Time start = absl::Now();
  auto r = proxy.get("/slow?delay_ms=3000");
  absl::Duration took = absl::Now() - start;
  EXPECT_EQ(r.status, 504);
  EXPECT_EQ(r.body, "upstream request timeout");
  EXPECT_EQ(r.header("x-meshproxy-reason"), "upstream_response_timeout");
  EXPECT_GE(took, absl::Milliseconds(450));
  EXPECT_LT(took, absl::Milliseconds(2500));
  EXPECT_EQ(proxy->counterValue("cluster.backend.upstream_rq_timeout"), 1);
  // A fast request still works afterwards.
  EXPECT_EQ(proxy.get("/fast").status, 200);
}

TEST(HttpErrorsTest, NoEndpointsIs503NoHealthyUpstream) {
  HttpProxy proxy({.clusters = {{.name = "empty", .ports = {}}}});
  ASSERT_TRUE(proxy.ready());
  auto r = proxy.get("/");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "no healthy upstream");
  EXPECT_EQ(proxy->counterValue("cluster.empty.upstream_cx_none_healthy"), 1);
}

TEST(HttpErrorsTest, RefusedUpstreamIs503ConnectionFailure) {
  HttpProxy proxy({.clusters = {{.name = "dead", .ports = {pickFreePort()}}}});
  ASSERT_TRUE(proxy.ready());
  auto r = proxy.get("/");
  EXPECT_EQ(r.status, 503);
  EXPECT_THAT(r.body, HasSubstr("reset reason: connection failure"));
  EXPECT_EQ(proxy->counterValue("cluster.dead.upstream_cx_connect_fail"), 1);
}

TEST(HttpErrorsTest, UpstreamClosingWithoutAnswerIs502) {
  // source mode with 0 bytes: accepts, sends nothing, closes.
  TestServerProcess upstream({.mode = "source", .bytes = 0});
  ASSERT_TRUE(upstream.ready());
  HttpProxy proxy({.clusters = {{.name = "rude", .ports = {upstream.port()}}}});
  ASSERT_TRUE(proxy.ready());
  auto r = proxy.get("/");
  EXPECT_EQ(r.status, 502);
  EXPECT_THAT(r.header("x-meshproxy-reason").value_or(""), HasSubstr("upstream_reset_before_response_started"));
}

TEST(HttpErrorsTest, UpstreamSpeakingGarbageIs502) {
  TestServerProcess upstream({.mode = "source", .bytes = 100});  // pattern bytes, not HTTP
  ASSERT_TRUE(upstream.ready());
  HttpProxy proxy({.clusters = {{.name = "garbage", .ports = {upstream.port()}}}});
  ASSERT_TRUE(proxy.ready());
  auto r = proxy.get("/");
  EXPECT_EQ(r.status, 502);
}

TEST(HttpErrorsTest, UnknownRouteIs404) {
  HttpProxy proxy({.route_config = R"(            virtual_hosts:
            - name: only-api
              domains: ["api.example.com"]
              routes:
              - match: { prefix: /api }
                route: { cluster: none }
)",
                   .clusters = {{.name = "none", .ports = {}}}});
  ASSERT_TRUE(proxy.ready());
  EXPECT_EQ(proxy.get("/", {{"host", "other.example.com"}}).status, 404);
  EXPECT_EQ(proxy.get("/web", {{"host", "api.example.com"}}).status, 404);
  EXPECT_EQ(proxy->counterValue("http.ingress_http.no_route"), 2);
}

// A minimal WebSocket-style upstream: answers the upgrade with 101, then echoes bytes.
class UpgradeEchoServer {
 public:
  UpgradeEchoServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
    ::listen(fd_, 4);
    socklen_t len = sizeof(sa);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~UpgradeEchoServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  int port() const { return port_; }
  std::string request() const { return request_; }

 private:
  void serve() {
    int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return;
    timeval tv{10, 0};
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    char buf[4096];
    while (request_.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = ::recv(c, buf, sizeof(buf), 0);
      if (n <= 0) break;
      request_.append(buf, static_cast<size_t>(n));
    }
    std::string ok = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
    ::send(c, ok.data(), ok.size(), MSG_NOSIGNAL);
    std::string rest = request_.substr(request_.find("\r\n\r\n") + 4);
    if (!rest.empty()) ::send(c, rest.data(), rest.size(), MSG_NOSIGNAL);
    for (;;) {
      ssize_t n = ::recv(c, buf, sizeof(buf), 0);
      if (n <= 0) break;
      ::send(c, buf, static_cast<size_t>(n), MSG_NOSIGNAL);
    }
    ::close(c);
  }
  int fd_ = -1;
  int port_ = 0;
  std::string request_;
  std::thread thread_;
};

TEST(HttpUpgradeTest, WebSocketTunnelsBothWaysAfter101) {
  UpgradeEchoServer upstream;
  HttpProxy proxy({.clusters = {{.name = "ws", .ports = {upstream.port()}}},
                   .hcm_extra = "          upgrade_configs: [ { upgrade_type: websocket } ]\n"});
  ASSERT_TRUE(proxy.ready());
  TcpClient c;
  ASSERT_TRUE(c.connect("127.0.0.1", proxy.port));
  ASSERT_TRUE(c.sendAll("GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
  std::string head;
  while (head.find("\r\n\r\n") == std::string::npos) {
    std::string more = c.recvSome(4096, absl::Seconds(5));
    if (more.empty()) break;
    head += more;
  }
  EXPECT_THAT(head, HasSubstr("101 Switching Protocols"));
  std::string frame = "\x81\x05hello-ws-frame";
  ASSERT_TRUE(c.sendAll(frame));
  EXPECT_EQ(c.recvExactly(frame.size(), absl::Seconds(5)), frame);
  ASSERT_TRUE(c.sendAll("second"));
  EXPECT_EQ(c.recvExactly(6, absl::Seconds(5)), "second");
  c.close();
  EXPECT_THAT(upstream.request(), HasSubstr("upgrade: websocket"));
}

TEST(HttpUpgradeTest, UpgradeWithoutConfigIsRefused) {
  TestServerProcess upstream({.mode = "http"});
  ASSERT_TRUE(upstream.ready());
  HttpProxy proxy({.clusters = {{.name = "plain", .ports = {upstream.port()}}}});
  ASSERT_TRUE(proxy.ready());
  auto r = proxy.get("/", {{"upgrade", "websocket"}, {"connection", "upgrade"}});
  EXPECT_EQ(r.status, 403);
}

}  // namespace
}  // namespace meshproxy::testing
