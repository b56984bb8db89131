// common_http_protocol_options.headers_with_underscores_action through the real binary: the
// default forwards `X_Auth_User` as it is, DROP_HEADER removes it before the upstream sees the
// request, REJECT_REQUEST answers 400 and closes; each counted in http1.* as Envoy does. Over
// HTTP/2 (h2c, curl) the same: DROP_HEADER removes the field, REJECT_REQUEST resets the stream;
// counted in http2.*.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/integration/http_test_util.h"
#include "tests/support/tcp_client.h"
#include "tests/support/test_server_process.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class HeadersWithUnderscoresTest : public ::testing::Test {
 protected:
  void start(const std::string& action) {
    ASSERT_TRUE(upstream_.ready());
    std::string hcm_extra;
    if (!action.empty()) {
      hcm_extra =
          "          common_http_protocol_options: {headers_with_underscores_action: " + action +
          "}\n";
    }
    proxy_ = std::make_unique<HttpProxy>(HttpBootstrap{
        .clusters = {{.name = "backend", .ports = {upstream_.port()}}}, .hcm_extra = hcm_extra});
    ASSERT_TRUE(proxy_->ready());
  }
  int64_t counter(const std::string& name) { return (*proxy_)->counterValue(name).value_or(-1); }

  TestServerProcess upstream_{{.mode = "http", .name = "backend"}};
  std::unique_ptr<HttpProxy> proxy_;
};

TEST_F(HeadersWithUnderscoresTest, ByDefaultTheFieldIsForwarded) {
  start("");
  auto r = proxy_->get("/", {{"X_Auth_User", "admin"}, {"X-Ok", "1"}});
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(jsonField(r.body, "x_auth_user"), "admin");
  EXPECT_EQ(counter("http1.dropped_headers_with_underscores"), 0);
  EXPECT_EQ(counter("http1.requests_rejected_with_underscores_in_headers"), 0);
}

TEST_F(HeadersWithUnderscoresTest, DropHeaderRemovesItBeforeTheUpstream) {
  start("DROP_HEADER");
  auto r = proxy_->get("/", {{"X_Auth_User", "admin"}, {"X-Ok", "1"}, {"Content_Length", "7"}});
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_THAT(r.body, Not(HasSubstr("x_auth_user")));
  EXPECT_THAT(r.body, Not(HasSubstr("content_length")));
  EXPECT_EQ(jsonField(r.body, "x-ok"), "1");
  EXPECT_EQ(counter("http1.dropped_headers_with_underscores"), 2);
  EXPECT_EQ(counter("http1.requests_rejected_with_underscores_in_headers"), 0);
}

TEST_F(HeadersWithUnderscoresTest, RejectRequestAnswers400AndClosesWithNothingForwarded) {
  start("REJECT_REQUEST");
  TcpClient c;
  ASSERT_TRUE(c.connect("127.0.0.1", proxy_->port));
  // The look-alike an origin that maps '_' to '-' would take for chunked framing.
  ASSERT_TRUE(c.sendAll(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 31\r\nTransfer_Encoding: chunked\r\n\r\n"
      "0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n"));
  std::string data = c.recvUntilClose(absl::Seconds(5));
  EXPECT_TRUE(c.eofSeen());
  HttpResponse r;
  size_t used = 0;
  ASSERT_EQ(parseHttpResponse(data, true, false, &r, &used), HttpParseStatus::kComplete) << data;
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.header("connection"), "close");
  EXPECT_EQ(counter("cluster.backend.upstream_rq_total"), 0);
  EXPECT_EQ(counter("http1.requests_rejected_with_underscores_in_headers"), 1);
  EXPECT_EQ(counter("http.ingress_http.downstream_rq_4xx"), 1);
  // Names with '-' only still go through.
  auto ok = proxy_->get("/", {{"X-Auth-User", "admin"}});
  ASSERT_EQ(ok.status, 200) << ok.error;
  EXPECT_EQ(jsonField(ok.body, "x-auth-user"), "admin");
}

// curl over h2c prior knowledge; `-w` appends the status.
CommandResult curlH2(HttpProxy& proxy, const std::vector<std::string>& headers) {
  std::vector<std::string> args = {"--http2-prior-knowledge", "-w", "\\n%{http_code}"};
  for (const auto& h : headers) {
    args.push_back("-H");
    args.push_back(h);
  }
  args.push_back(proxy.url("/"));
  return curl(args);
}

TEST_F(HeadersWithUnderscoresTest, Http2DropHeaderRemovesItBeforeTheUpstream) {
  start("DROP_HEADER");
  auto r = curlH2(*proxy_, {"X_Auth_User: admin", "X-Ok: 1"});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  EXPECT_THAT(r.stdout_text, HasSubstr("\n200"));
  EXPECT_THAT(r.stdout_text, Not(HasSubstr("x_auth_user")));
  EXPECT_EQ(jsonField(r.stdout_text, "x-ok"), "1");
  EXPECT_EQ(counter("http.ingress_http.http2.dropped_headers_with_underscores"), 1);
  EXPECT_EQ(counter("http.ingress_http.http2.requests_rejected_with_underscores_in_headers"), 0);
}

TEST_F(HeadersWithUnderscoresTest, Http2RejectRequestResetsTheStream) {
  start("REJECT_REQUEST");
  auto r = curlH2(*proxy_, {"X_Auth_User: admin"});
  // curl: 92 = HTTP/2 stream error (RST_STREAM); nothing reached the upstream.
  EXPECT_EQ(r.exit_code, 92) << r.stdout_text << r.stderr_text;
  EXPECT_EQ(counter("cluster.backend.upstream_rq_total"), 0);
  EXPECT_EQ(counter("http.ingress_http.http2.requests_rejected_with_underscores_in_headers"), 1);
  auto ok = curlH2(*proxy_, {"X-Auth-User: admin"});
  ASSERT_EQ(ok.exit_code, 0) << ok.stderr_text;
  EXPECT_EQ(jsonField(ok.stdout_text, "x-auth-user"), "admin");
}

}  // namespace
}  // namespace meshproxy::testing
