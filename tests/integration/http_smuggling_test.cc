// Malformed and smuggling-shaped requests against the real binary. Each one must get the exact
// error status with "connection: close", the connection must close, and the upstream must
// never see a request it should not (in particular never a second, smuggled one).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/integration/http_test_util.h"
#include "tests/support/tcp_client.h"
#include "tests/support/test_server_process.h"

namespace meshproxy::testing {
namespace {

struct BadRequest {
  const char* name;
  std::string bytes;
  int status;
  int upstream_requests;  // requests the upstream may see (a valid one before the bad one)
  // Responses before the error: a valid pipelined request first. A body error comes after
  // the (valid) headers went upstream, so that request was started there and is then reset.
  int responses_before = -1;  // -1: same as upstream_requests
};

std::string big(size_t n, char c = 'a') { return std::string(n, c); }

std::vector<BadRequest> badRequests() {
  const std::string get = "GET / HTTP/1.1\r\nHost: x\r\n";
  return {
      {"ContentLengthAndTransferEncoding",
       "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n", 400, 0},
      {"TransferEncodingAndContentLength",
       "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n", 400, 0},
      {"DuplicateDifferingContentLength",
       "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400, 0},
      {"CommaSeparatedDifferingContentLength",
       "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 6\r\n\r\nhello!", 400, 0},
      {"NegativeContentLength", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400, 0},
      {"NonNumericContentLength", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n", 400, 0},
      {"TransferEncodingChunkedThenIdentity",
       "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n", 400, 0},
      {"TransferEncodingXchunked",
       "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", 400, 0},
      {"TransferEncodingWithSpaceBeforeColon",
       "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400, 0},
      {"InvalidChunkSize", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", 400, 1, 0},
      {"ChunkSizeOverflow",
       "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nabc\r\n", 400, 1, 0},
      {"NegativeChunkSize", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nabc\r\n", 400, 1, 0},
      {"MissingCrlfAfterChunk",
       "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX0\r\n\r\n", 400, 1, 0},
      {"ObsFoldedHeader", "GET / HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n", 400, 0},
      {"BareLfLineEndings", "GET / HTTP/1.1\nHost: x\n\n", 400, 0},
      {"BareCrInHeaderValue", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", 400, 0},
      {"NulInHeaderValue", std::string("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n", 37), 400, 0},
      {"ControlCharInHeaderValue", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x01" "b\r\n\r\n", 400, 0},
      {"SpaceInHeaderName", "GET / HTTP/1.1\r\nHost: x\r\nX Bad: 1\r\n\r\n", 400, 0},
      {"InvalidMethodCharacters", "G@T / HTTP/1.1\r\nHost: x\r\n\r\n", 400, 0},
      {"UnknownHttpVersion", "GET / HTTP/1.2\r\nHost: x\r\n\r\n", 400, 0},
      {"Http2VersionInHttp1RequestLine", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 400, 0},
      {"SpaceInRequestTarget", "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", 400, 0},
      {"MissingHostInHttp11", "GET / HTTP/1.1\r\n\r\n", 400, 0},
      {"HeaderSectionOver60KiB", get + "X-Big: " + big(61 * 1024) + "\r\n\r\n", 431, 0},
      // Much more than the limit: the 431 must survive the client still sending (no RST).
      {"HeaderSectionOf300KiB", get + "X-Big: " + big(300 * 1024) + "\r\n\r\n", 431, 0},
      {"MoreThan100Headers", [] {
         std::string s = "GET / HTTP/1.1\r\nHost: x\r\n";
         for (int i = 0; i < 101; ++i) s += "X-H" + std::to_string(i) + ": v\r\n";
         return s + "\r\n";
       }(), 431, 0},
      {"SmuggledAfterValidRequest",
       "GET /first HTTP/1.1\r\nHost: x\r\n\r\nPOST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, 1},
      {"GarbageAfterValidRequest", "GET /first HTTP/1.1\r\nHost: x\r\n\r\nNOT HTTP AT ALL\r\n\r\n", 400, 1},
      {"BodyOnGetDeclaredTwice",
       "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 10\r\n\r\n", 400, 0},
  };
}

class SmugglingTest : public ::testing::TestWithParam<BadRequest> {};

TEST_P(SmugglingTest, RejectedWithExactStatusAndNothingSmuggled) {
  const BadRequest& bad = GetParam();
  TestServerProcess upstream({.mode = "http"});
  ASSERT_TRUE(upstream.ready());
  HttpProxy proxy({.clusters = {{.name = "backend", .ports = {upstream.port()}}}});
  ASSERT_TRUE(proxy.ready());

  TcpClient c;
  ASSERT_TRUE(c.connect("127.0.0.1", proxy.port));
  ASSERT_TRUE(c.sendAll(bad.bytes));
  std::string data = c.recvUntilClose(absl::Seconds(5));
  EXPECT_TRUE(c.eofSeen()) << "the connection stayed open after a malformed request";
  // Skip the valid first response, if any, then look at the error.
  size_t offset = 0;
  HttpResponse r;
  int before = bad.responses_before < 0 ? bad.upstream_requests : bad.responses_before;
  for (int i = 0; i <= before; ++i) {
    size_t used = 0;
    ASSERT_EQ(parseHttpResponse(std::string_view(data).substr(offset), true, false, &r, &used),
              HttpParseStatus::kComplete)
        << bad.name << ": " << data;
    offset += used;
  }
  EXPECT_EQ(r.status, bad.status) << bad.name << ": " << data;
  EXPECT_EQ(r.header("connection"), "close") << bad.name;
  EXPECT_EQ(proxy->counterValue("cluster.backend.upstream_rq_total").value_or(0), bad.upstream_requests)
      << bad.name << ": the upstream saw a request it must not";
  if (before < bad.upstream_requests) {
    // The started upstream request was abandoned, never completed with smuggled bytes.
    EXPECT_EQ(proxy->counterValue("cluster.backend.upstream_rq_completed").value_or(0), before) << bad.name;
  }
  if (before == 0) {
    EXPECT_EQ(proxy->counterValue("http.ingress_http.downstream_cx_protocol_error").value_or(0), 1)
        << bad.name;
  }
}

INSTANTIATE_TEST_SUITE_P(Http1, SmugglingTest, ::testing::ValuesIn(badRequests()),
                         [](const ::testing::TestParamInfo<BadRequest>& info) { return info.param.name; });

}  // namespace
}  // namespace meshproxy::testing
