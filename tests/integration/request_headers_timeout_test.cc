// request_headers_timeout is per stream (issue 11 item 2): it runs from a request's first
// byte to its complete headers, and nothing else. A head that does not complete in time is
// answered 408 (Envoy's request_header_timeout) and the connection closes; a slow body after
// complete headers is none of its business.
#include <gtest/gtest.h>

#include <thread>

#include "tests/integration/http_test_util.h"
#include "tests/support/tcp_client.h"
#include "tests/support/test_server_process.h"

namespace meshproxy::testing {
namespace {

HttpBootstrap bootstrapWithHeadersTimeout(int upstream_port) {
  return {.clusters = {{.name = "backend", .ports = {upstream_port}}},
          .hcm_extra = "          request_headers_timeout: 0.3s\n"};
}

TEST(RequestHeadersTimeoutTest, IncompleteHeadIsAnswered408AndTheConnectionCloses) {
  TestServerProcess upstream({.mode = "http"});
  ASSERT_TRUE(upstream.ready());
  HttpProxy proxy(bootstrapWithHeadersTimeout(upstream.port()));
  ASSERT_TRUE(proxy.ready());

  TcpClient c;
  ASSERT_TRUE(c.connect("127.0.0.1", proxy.port));
  ASSERT_TRUE(c.sendAll("GET / HTTP/1.1\r\nHost: x\r\n"));
  std::string data = c.recvUntilClose(absl::Seconds(5));
  EXPECT_TRUE(c.eofSeen());
  HttpResponse r;
  size_t used = 0;
  ASSERT_EQ(parseHttpResponse(data, true, false, &r, &used), HttpParseStatus::kComplete) << data;
  EXPECT_EQ(r.status, 408);
  EXPECT_EQ(r.header("connection"), "close");
  EXPECT_EQ(r.header("x-meshproxy-reason"), "request_header_timeout");
  EXPECT_EQ(proxy->counterValue("http.ingress_http.downstream_rq_header_timeout").value_or(0), 1);
  EXPECT_EQ(proxy->counterValue("cluster.backend.upstream_rq_total").value_or(0), 0);
}

// Before the timeout was per stream, the connection's timer was armed again by the first body
// bytes and closed the connection in the middle of a slow upload.
TEST(RequestHeadersTimeoutTest, SlowBodyAfterCompleteHeadersIsNotCut) {
  TestServerProcess upstream({.mode = "http"});
  ASSERT_TRUE(upstream.ready());
  HttpProxy proxy(bootstrapWithHeadersTimeout(upstream.port()));
  ASSERT_TRUE(proxy.ready());

  TcpClient c;
  ASSERT_TRUE(c.connect("127.0.0.1", proxy.port));
  ASSERT_TRUE(c.sendAll("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(c.sendAll("a"));
  // Well past the headers timeout, counted from the first body byte.
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  ASSERT_TRUE(c.sendAll("bcd"));
  std::string data;
  HttpResponse r;
  size_t used = 0;
  for (int i = 0; i < 50; ++i) {
    std::string more = c.recvSome(65536, absl::Milliseconds(100));
    data += more;
    if (parseHttpResponse(data, c.eofSeen(), false, &r, &used) == HttpParseStatus::kComplete) break;
    if (c.eofSeen()) break;
  }
  ASSERT_EQ(parseHttpResponse(data, c.eofSeen(), false, &r, &used), HttpParseStatus::kComplete)
      << data;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(proxy->counterValue("http.ingress_http.downstream_rq_header_timeout").value_or(0), 0);
}

}  // namespace
}  // namespace meshproxy::testing
