#include "proxy/admin/http_request_reader.h"

#include <gtest/gtest.h>

#include <string>

namespace meshproxy::admin {
namespace {

using Result = HttpRequestReader::Result;

TEST(HttpRequestReaderTest, ParsesPathQueryHeadersAndBody) {
  HttpRequestReader reader(1 << 20);
  const std::string input =
      "POST /logging?level=debug&name=a%20b+c&level=info&flag HTTP/1.1\r\n"
      "Host: x\r\nX-Multi: 1\r\nx-multi: 2\r\nX-Empty:\r\nContent-Length: 5\r\n\r\nhello";
  size_t consumed = 0;
  ASSERT_EQ(reader.feed(input, &consumed), Result::kRequestReady);
  EXPECT_EQ(consumed, input.size());
  const ParsedRequest parsed = reader.takeRequest();
  const AdminRequest& request = parsed.request;
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/logging");
  EXPECT_EQ(request.query, "level=debug&name=a%20b+c&level=info&flag");
  EXPECT_EQ(request.query_params.at("level"), "debug");  // first value wins, like Envoy
  EXPECT_EQ(request.query_params.at("name"), "a b c");
  EXPECT_EQ(request.query_params.at("flag"), "");
  EXPECT_EQ(request.headers.at("host"), "x");
  EXPECT_EQ(request.headers.at("x-multi"), "1, 2");
  EXPECT_EQ(request.headers.at("x-empty"), "");
  EXPECT_EQ(request.body, "hello");
  EXPECT_TRUE(parsed.keep_alive);
}

TEST(HttpRequestReaderTest, AcceptsInputByteByByte) {
  HttpRequestReader reader(1 << 20);
  const std::string input = "GET /stats?filter=x HTTP/1.1\r\nHost: a\r\n\r\n";
  for (size_t i = 0; i + 1 < input.size(); ++i) {
    size_t consumed = 0;
    ASSERT_EQ(reader.feed(input.substr(i, 1), &consumed), Result::kNeedMore) << i;
    EXPECT_EQ(consumed, 1u);
  }
  size_t consumed = 0;
  ASSERT_EQ(reader.feed(input.substr(input.size() - 1), &consumed), Result::kRequestReady);
  const AdminRequest request = reader.takeRequest().request;
  EXPECT_EQ(request.path, "/stats");
  EXPECT_EQ(request.query_params.at("filter"), "x");
  EXPECT_EQ(request.headers.at("host"), "a");
}

TEST(HttpRequestReaderTest, StopsAfterEachPipelinedRequest) {
  HttpRequestReader reader(1 << 20);
  const std::string first = "GET /a HTTP/1.1\r\n\r\n";
  const std::string input = first + "GET /b HTTP/1.1\r\nConnection: close\r\n\r\nGET /c";
  size_t consumed = 0;
  ASSERT_EQ(reader.feed(input, &consumed), Result::kRequestReady);
  EXPECT_EQ(consumed, first.size());
  EXPECT_EQ(reader.takeRequest().request.path, "/a");
  std::string_view rest = std::string_view(input).substr(consumed);
  ASSERT_EQ(reader.feed(rest, &consumed), Result::kRequestReady);
  const ParsedRequest second = reader.takeRequest();
  EXPECT_EQ(second.request.path, "/b");
  EXPECT_FALSE(second.keep_alive);
}

TEST(HttpRequestReaderTest, ChunkedBodyAndAbsoluteFormTarget) {
  HttpRequestReader reader(1 << 20);
  const std::string input =
      "POST http://localhost:15000/drain?x=1 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
  size_t consumed = 0;
  ASSERT_EQ(reader.feed(input, &consumed), Result::kRequestReady);
  const AdminRequest request = reader.takeRequest().request;
  EXPECT_EQ(request.path, "/drain");
  EXPECT_EQ(request.query, "x=1");
  EXPECT_EQ(request.body, "abcde");
}

TEST(HttpRequestReaderTest, KeepAliveFollowsHttpVersion) {
  HttpRequestReader reader(1 << 20);
  size_t consumed = 0;
  ASSERT_EQ(reader.feed("GET / HTTP/1.0\r\n\r\n", &consumed), Result::kRequestReady);
  EXPECT_FALSE(reader.takeRequest().keep_alive);
  HttpRequestReader keep(1 << 20);
  ASSERT_EQ(keep.feed("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &consumed),
            Result::kRequestReady);
  EXPECT_TRUE(keep.takeRequest().keep_alive);
}

TEST(HttpRequestReaderTest, UpgradeIsServedThenClosed) {
  for (const std::string input :
       {"GET /ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nxx",
        "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\nxx"}) {
    HttpRequestReader reader(1 << 20);
    size_t consumed = 0;
    ASSERT_EQ(reader.feed(input, &consumed), Result::kRequestReady) << input;
    EXPECT_EQ(consumed, input.size() - 2);
    EXPECT_FALSE(reader.takeRequest().keep_alive);
  }
}

TEST(HttpRequestReaderTest, MalformedIs400) {
  HttpRequestReader reader(1 << 20);
  size_t consumed = 0;
  EXPECT_EQ(reader.feed("GARBAGE\r\n\r\n", &consumed), Result::kError);
  EXPECT_EQ(reader.errorStatus(), 400);
  EXPECT_FALSE(reader.errorReason().empty());
  // Once broken, it stays broken.
  EXPECT_EQ(reader.feed("GET / HTTP/1.1\r\n\r\n", &consumed), Result::kError);

  HttpRequestReader smuggle(1 << 20);
  EXPECT_EQ(smuggle.feed("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
                         &consumed),
            Result::kError);
  EXPECT_EQ(smuggle.errorStatus(), 400);
}

TEST(HttpRequestReaderTest, OversizedIs413) {
  size_t consumed = 0;
  HttpRequestReader announced(100);
  EXPECT_EQ(announced.feed("POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n", &consumed),
            Result::kError);
  EXPECT_EQ(announced.errorStatus(), 413);

  HttpRequestReader chunked(100);
  EXPECT_EQ(chunked.feed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n80\r\n", &consumed),
            Result::kNeedMore);
  EXPECT_EQ(chunked.feed(std::string(0x80, 'x'), &consumed), Result::kError);
  EXPECT_EQ(chunked.errorStatus(), 413);

  HttpRequestReader headers(100);
  EXPECT_EQ(headers.feed("GET / HTTP/1.1\r\nX: " + std::string(200, 'v') + "\r\n\r\n", &consumed),
            Result::kError);
  EXPECT_EQ(headers.errorStatus(), 413);
}

}  // namespace
}  // namespace meshproxy::admin
