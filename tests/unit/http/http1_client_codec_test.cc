#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "proxy/http/http1/client_connection.h"
#include "tests/unit/http/http1_test_support.h"

namespace meshproxy::http::http1 {
namespace {

using testing::bufferOf;
using testing::FakeOutput;
using testing::RecordingDecoder;

HeaderMap request(
    std::string_view method, std::string_view path = "/",
    std::initializer_list<std::pair<std::string_view, std::string_view>> fields = {}) {
  HeaderMap headers;
  headers.addLowercase(":method", std::string(method));
  headers.addLowercase(":scheme", "http");
  headers.addLowercase(":authority", "backend:8080");
  headers.addLowercase(":path", std::string(path));
  for (const auto& [name, value] : fields) headers.add(name, value);
  return headers;
}

struct Result {
  std::string described;
  bool reusable = false;
  bool idle = false;
  std::string error;
  std::vector<StreamResetReason> resets;

  bool operator==(const Result& o) const {
    return described == o.described && reusable == o.reusable && idle == o.idle &&
           error == o.error && resets == o.resets;
  }
};

std::ostream& operator<<(std::ostream& os, const Result& r) {
  return os << r.described << "reusable=" << r.reusable << " idle=" << r.idle
            << " error=" << r.error << " resets=" << r.resets.size();
}

// Sends a `method` request, feeds `response` cut at `cuts`, then (optionally) the close.
Result exchange(std::string_view method, std::string_view response, const std::vector<size_t>& cuts,
                bool close_after) {
  FakeOutput out;
  ClientConnectionImpl codec(out, Http1Settings{});
  RecordingDecoder decoder;
  RequestEncoder& encoder = codec.newStream(decoder);
  encoder.stream().addCallbacks(decoder);
  HeaderMap headers = request(method);
  encoder.encodeHeaders(headers, true);
  Result result;
  size_t start = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(response.size());
  for (size_t end : ends) {
    Buffer piece = bufferOf(response.substr(start, end - start));
    start = end;
    absl::Status status = codec.dispatch(piece);
    if (!status.ok()) {
      result.error = std::string(status.message());
      break;
    }
  }
  if (close_after) codec.onConnectionClosed();
  result.described = decoder.describe();
  result.reusable = codec.reusable();
  result.idle = codec.idle();
  result.resets = decoder.resets;
  return result;
}

struct ResponseCase {
  const char* name;
  const char* method;
  std::string response;
  bool close_after;
  std::string expect;  // must appear in describe()
  bool reusable;
};

std::vector<ResponseCase> responseCases() {
  return {
      {"content_length", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello",
       false, ":status: 200\ncontent-length: 5\nx-a: b\nbody: [hello]\nend on: data\n", true},
      {"chunked_with_trailers", "GET",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nwiki\r\n5;x=y\r\npedia\r\n"
       "0\r\nGrpc-Status: 0\r\n\r\n",
       false, "body: [wikipedia]\ntrailers:\ngrpc-status: 0\nend on: trailers\n", true},
      {"close_delimited", "GET", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close",
       true, "body: [until close]\nend on: data\n", false},
      {"no_content", "DELETE", "HTTP/1.1 204 No Content\r\n\r\n", false, "end on: headers\n", true},
      {"not_modified_with_length", "GET",
       "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n", false, "end on: headers\n",
       true},
      {"head_with_length", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", false,
       "content-length: 100\nbody: []\nend on: headers\n", true},
      {"head_without_length", "HEAD", "HTTP/1.1 200 OK\r\n\r\n", false, "end on: headers\n", true},
      {"head_chunked", "HEAD", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", false,
       "end on: headers\n", true},
      {"empty_content_length", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false,
       "end on: headers\n", true},
      {"continue_then_final", "POST",
       "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", false,
       ":status: 201\ncontent-length: 2\nbody: [ok]\n", true},
      {"early_hints_then_final", "GET",
       "HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: "
       "0\r\n\r\n",
       false, "headers:\n:status: 200\ncontent-length: 0\nbody", true},
      {"http10_keep_alive", "GET",
       "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", false,
       "body: [ok]\n", true},
      {"http10_without_keep_alive", "GET", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", false,
       "body: [ok]\n", false},
      {"connection_close", "GET",
       "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", false, "body: [ok]\n",
       false},
      {"reason_phrase_and_ows", "GET",
       "HTTP/1.1 404 Not Found Here\r\nX-V:   spaced   \r\nContent-Length: 0\r\n\r\n", false,
       ":status: 404\nx-v: spaced\n", true},
  };
}

class ResponseSplitTest : public ::testing::TestWithParam<ResponseCase> {};

TEST_P(ResponseSplitTest, SameResultWhateverTheSplit) {
  const ResponseCase& c = GetParam();
  const Result whole = exchange(c.method, c.response, {}, c.close_after);
  ASSERT_EQ(whole.error, "") << whole;
  EXPECT_NE(whole.described.find(c.expect), std::string::npos) << whole;
  EXPECT_EQ(whole.reusable, c.reusable);
  EXPECT_TRUE(whole.idle);
  EXPECT_TRUE(whole.resets.empty());
  for (size_t cut = 1; cut < c.response.size(); ++cut) {
    EXPECT_EQ(exchange(c.method, c.response, {cut}, c.close_after), whole) << "split at " << cut;
  }
  std::vector<size_t> every_byte;
  for (size_t i = 1; i < c.response.size(); ++i) every_byte.push_back(i);
  EXPECT_EQ(exchange(c.method, c.response, every_byte, c.close_after), whole);
}

INSTANTIATE_TEST_SUITE_P(Table, ResponseSplitTest, ::testing::ValuesIn(responseCases()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ClientCodecTest, EncodesRequestLineHostAndFields) {
  FakeOutput out;
  ClientConnectionImpl codec(out, Http1Settings{});
  RecordingDecoder decoder;
  HeaderMap headers = request(
      "GET", "/p?q=1",
      {{"Host", "ignored"}, {"x-trace", "1"}, {"transfer-encoding", "chunked"}, {"accept", "*/*"}});
  codec.newStream(decoder).encodeHeaders(headers, true);
  EXPECT_EQ(out.written,
            "GET /p?q=1 HTTP/1.1\r\nhost: backend:8080\r\nx-trace: 1\r\naccept: */*\r\n\r\n");
}

TEST(ClientCodecTest, EmptyPostAnnouncesZeroLength) {
  FakeOutput out;
  ClientConnectionImpl codec(out, Http1Settings{});
  RecordingDecoder decoder;
  HeaderMap headers = request("POST");
  codec.newStream(decoder).encodeHeaders(headers, true);
  EXPECT_EQ(out.written, "POST / HTTP/1.1\r\nhost: backend:8080\r\ncontent-length: 0\r\n\r\n");
}

TEST(ClientCodecTest, BodyWithContentLengthIsWrittenAsIs) {
  FakeOutput out;
  ClientConnectionImpl codec(out, Http1Settings{});
  RecordingDecoder decoder;
  RequestEncoder& encoder = codec.newStream(decoder);
  HeaderMap headers = request("PUT", "/x", {{"content-length", "6"}});
  encoder.encodeHeaders(headers, false);
  Buffer a = bufferOf("abc");
  encoder.encodeData(a, false);
  Buffer b = bufferOf("def");
  encoder.encodeData(b, true);
  EXPECT_EQ(out.written,
            "PUT /x HTTP/1.1\r\nhost: backend:8080\r\ncontent-length: 6\r\n\r\nabcdef");
}

TEST(ClientCodecTest, BodyWithoutLengthIsChunked) {
  FakeOutput out;
  ClientConnectionImpl codec(out, Http1Settings{});
  RecordingDecoder decoder;
  RequestEncoder& encoder = codec.newStream(decoder);
  HeaderMap headers = request("POST", "/grpc", {{"te", "trailers"}});
  encoder.encodeHeaders(headers, false);
  Buffer data = bufferOf(std::string(20, 'z'));
  encoder.encodeData(data, false);
  HeaderMap trailers{{"x-sum", "9"}};
  encoder.encodeTrailers(trailers);
  EXPECT_EQ(out.written,
            "POST /grpc HTTP/1.1\r\nhost: backend:8080\r\nte: trailers\r\n"
            "transfer-encoding: chunked\r\n\r\n14\r\n" +
                std::string(20, 'z') + "\r\n0\r\nx-sum: 9\r\n\r\n");
}

TEST(ClientCodecTest, KeepAliveConnectionIsReused) {
  FakeOutput out;
  ClientConnectionImpl codec(out, Http1Settings{});
  for (int i = 0; i < 3; ++i) {
    RecordingDecoder decoder;
    EXPECT_TRUE(codec.idle());
    HeaderMap headers = request("GET", "/" + std::to_string(i));
    codec.newStream(decoder).encodeHeaders(headers, true);
    EXPECT_FALSE(codec.idle());
    Buffer response = bufferOf("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n" + std::to_string(i));
    ASSERT_TRUE(codec.dispatch(response).ok());
    EXPECT_EQ(decoder.body, std::to_string(i));
    EXPECT_TRUE(codec.idle());
    EXPECT_TRUE(codec.reusable());
  }
}

TEST(ClientCodecTest, RequestThatSaidCloseIsNotReusable) {
  FakeOutput out;
  ClientConnectionImpl codec(out, Http1Settings{});
  RecordingDecoder decoder;
  HeaderMap headers = request("GET", "/", {{"connection", "close"}});
  codec.newStream(decoder).encodeHeaders(headers, true);
  EXPECT_NE(out.written.find("connection: close\r\n"), std::string::npos);
  Buffer response = bufferOf("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(response).ok());
  EXPECT_TRUE(codec.idle());
  EXPECT_FALSE(codec.reusable());
}

TEST(ClientCodecTest, NextRequestCanStartFromTheEndOfTheResponse) {
  FakeOutput out;
  ClientConnectionImpl codec(out, Http1Settings{});
  RecordingDecoder first;
  RecordingDecoder second;
  first.on_end = [&] {
    ASSERT_TRUE(codec.idle());
    HeaderMap headers = request("GET", "/2");
    codec.newStream(second).encodeHeaders(headers, true);
  };
  HeaderMap headers = request("GET", "/1");
  codec.newStream(first).encodeHeaders(headers, true);
  Buffer responses = bufferOf(
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb");
  ASSERT_TRUE(codec.dispatch(responses).ok());
  EXPECT_EQ(first.body, "a");
  EXPECT_EQ(second.body, "b");
  EXPECT_TRUE(codec.idle());
}

TEST(ClientCodecTest, ResponseWithoutRequestIsAnError) {
  FakeOutput out;
  ClientConnectionImpl codec(out, Http1Settings{});
  Buffer response = bufferOf("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  absl::Status status = codec.dispatch(response);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(codec.reusable());
}

TEST(ClientCodecTest, ExtraBytesAfterTheResponseAreAnError) {
  FakeOutput out;
  ClientConnectionImpl codec(out, Http1Settings{});
  RecordingDecoder decoder;
  HeaderMap headers = request("GET");
  codec.newStream(decoder).encodeHeaders(headers, true);
  Buffer response = bufferOf("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA");
  EXPECT_FALSE(codec.dispatch(response).ok());
  EXPECT_EQ(decoder.body, "ok");
  EXPECT_TRUE(decoder.resets.empty());
  EXPECT_FALSE(codec.reusable());
}

TEST(ClientCodecTest, MalformedResponseResetsTheStream) {
  const std::vector<std::string> bad = {
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n",
      "HTTP/1.1 200 OK\nContent-Length: 0\n\n",
      "HTTP/2.0 200 OK\r\n\r\n",
      "HTTP/1.1 2000 OK\r\n\r\n",
      "HTTP/1.1 099 Low\r\n\r\n",
      "HTTP/1.1 200 OK\r\nBad Name: v\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX-Big: " + std::string(61 * 1024, 'b') + "\r\n\r\n",
      "ICY 200 OK\r\n\r\n",
  };
  for (const std::string& response : bad) {
    FakeOutput out;
    ClientConnectionImpl codec(out, Http1Settings{});
    RecordingDecoder decoder;
    RequestEncoder& encoder = codec.newStream(decoder);
    encoder.stream().addCallbacks(decoder);
    HeaderMap headers = request("GET");
    encoder.encodeHeaders(headers, true);
    Buffer data = bufferOf(response);
    absl::Status status = codec.dispatch(data);
    EXPECT_FALSE(status.ok()) << response;
    ASSERT_EQ(decoder.resets.size(), 1u) << response;
    EXPECT_EQ(decoder.resets[0], StreamResetReason::kProtocolError);
    EXPECT_FALSE(codec.reusable());
    EXPECT_TRUE(codec.idle());
  }
}

TEST(ClientCodecTest, PrematureCloseResetsTheStream) {
  for (const char* partial :
       {"", "HTTP/1.1 200 OK\r\nContent-", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"}) {
    FakeOutput out;
    ClientConnectionImpl codec(out, Http1Settings{});
    RecordingDecoder decoder;
    RequestEncoder& encoder = codec.newStream(decoder);
    encoder.stream().addCallbacks(decoder);
    HeaderMap headers = request("GET");
    encoder.encodeHeaders(headers, true);
    Buffer data = bufferOf(partial);
    ASSERT_TRUE(codec.dispatch(data).ok());
    codec.onConnectionClosed();
    ASSERT_EQ(decoder.resets.size(), 1u) << partial;
    EXPECT_EQ(decoder.resets[0], StreamResetReason::kConnectionTermination);
    EXPECT_FALSE(decoder.complete());
    EXPECT_TRUE(codec.idle());
    EXPECT_FALSE(codec.reusable());
  }
}

TEST(ClientCodecTest, EarlyResponseLeavesTheConnectionUnusable) {
  FakeOutput out;
  ClientConnectionImpl codec(out, Http1Settings{});
  RecordingDecoder decoder;
  RequestEncoder& encoder = codec.newStream(decoder);
  HeaderMap headers = request("POST", "/", {{"content-length", "100"}});
  encoder.encodeHeaders(headers, false);
  Buffer response = bufferOf("HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(response).ok());
  EXPECT_TRUE(decoder.complete());
  EXPECT_TRUE(codec.idle());
  EXPECT_FALSE(codec.reusable());
  // The rest of the request body has nowhere to go.
  const size_t written = out.written.size();
  Buffer rest = bufferOf("more");
  encoder.encodeData(rest, true);
  EXPECT_EQ(out.written.size(), written);
}

TEST(ClientCodecTest, UpgradeGoesRawBothWays) {
  FakeOutput out;
  ClientConnectionImpl codec(out, Http1Settings{});
  RecordingDecoder decoder;
  RequestEncoder& encoder = codec.newStream(decoder);
  HeaderMap headers = request("GET", "/ws", {{"connection", "upgrade"}, {"upgrade", "websocket"}});
  encoder.encodeHeaders(headers, false);
  EXPECT_EQ(out.take(),
            "GET /ws HTTP/1.1\r\nhost: backend:8080\r\nconnection: upgrade\r\n"
            "upgrade: websocket\r\n\r\n");
  Buffer response = bufferOf(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
      "\x81\x02hi");
  ASSERT_TRUE(codec.dispatch(response).ok());
  EXPECT_EQ(decoder.headers->status(), 101u);
  EXPECT_EQ(decoder.body, "\x81\x02hi");
  EXPECT_FALSE(decoder.complete());
  EXPECT_FALSE(codec.reusable());
  Buffer frame = bufferOf("raw bytes");
  encoder.encodeData(frame, false);
  EXPECT_EQ(out.take(), "raw bytes");
  Buffer more = bufferOf("HTTP/1.1 200 OK\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(more).ok());
  EXPECT_EQ(decoder.body, "\x81\x02hiHTTP/1.1 200 OK\r\n\r\n");
  codec.onConnectionClosed();
  EXPECT_EQ(decoder.end_on, "data");
  EXPECT_TRUE(decoder.resets.empty());
}

TEST(ClientCodecTest, UpgradeFromProtocolPseudoHeader) {
  FakeOutput out;
  ClientConnectionImpl codec(out, Http1Settings{});
  RecordingDecoder decoder;
  HeaderMap headers = request("GET", "/ws", {{":protocol", "websocket"}});
  codec.newStream(decoder).encodeHeaders(headers, false);
  EXPECT_EQ(out.written,
            "GET /ws HTTP/1.1\r\nhost: backend:8080\r\nconnection: upgrade\r\n"
            "upgrade: websocket\r\n\r\n");
}

TEST(ClientCodecTest, ReadDisableHoldsTheBody) {
  FakeOutput out;
  ClientConnectionImpl codec(out, Http1Settings{});
  RecordingDecoder decoder;
  RequestEncoder& encoder = codec.newStream(decoder);
  HeaderMap headers = request("GET");
  encoder.encodeHeaders(headers, true);
  Buffer head = bufferOf("HTTP/1.1 200 OK\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(head).ok());
  encoder.stream().readDisable(true);
  EXPECT_EQ(out.read_disable_count, 1);
  Buffer body = bufferOf("held");
  ASSERT_TRUE(codec.dispatch(body).ok());
  EXPECT_EQ(decoder.body, "");
  // The close-delimited body still gets everything that arrived before the close.
  codec.onConnectionClosed();
  EXPECT_EQ(decoder.body, "held");
  EXPECT_EQ(decoder.end_on, "data");
}

TEST(ClientCodecTest, ReadEnableDeliversHeldBytes) {
  FakeOutput out;
  ClientConnectionImpl codec(out, Http1Settings{});
  RecordingDecoder decoder;
  RequestEncoder& encoder = codec.newStream(decoder);
  HeaderMap headers = request("GET");
  encoder.encodeHeaders(headers, true);
  Buffer head = bufferOf("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(head).ok());
  encoder.stream().readDisable(true);
  Buffer body = bufferOf("held");
  ASSERT_TRUE(codec.dispatch(body).ok());
  EXPECT_EQ(decoder.body, "");
  encoder.stream().readDisable(false);
  EXPECT_EQ(decoder.body, "held");
  EXPECT_TRUE(decoder.complete());
  EXPECT_EQ(out.read_disable_count, 0);
  EXPECT_TRUE(codec.reusable());
}

// Bytes held back while the stream was read-disabled are parsed when it is enabled again, with
// no dispatch() on the stack to return an error to the caller. A second response after the
// held one (no request outstanding) must still end the connection, as it does when the same
// bytes reach dispatch() after the enable; before the fix the codec kept the connection open
// and told no one (found by fuzz.http1_client_codec_fuzz.replay).
TEST(ClientCodecTest, ErrorInHeldBytesClosesTheConnection) {
  FakeOutput out;
  ClientConnectionImpl codec(out, Http1Settings{});
  RecordingDecoder decoder;
  RequestEncoder& encoder = codec.newStream(decoder);
  encoder.stream().addCallbacks(decoder);
  HeaderMap headers = request("GET");
  encoder.encodeHeaders(headers, true);
  Buffer head = bufferOf("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(head).ok());
  encoder.stream().readDisable(true);
  Buffer rest = bufferOf("okHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(rest).ok());
  encoder.stream().readDisable(false);
  EXPECT_EQ(decoder.body, "ok");
  EXPECT_TRUE(decoder.complete());
  EXPECT_TRUE(decoder.resets.empty());
  EXPECT_FALSE(codec.reusable());
  EXPECT_TRUE(out.closed);
  EXPECT_EQ(out.close_type, network::CloseType::kNoFlush);
  // From then on dispatch() reports the error, like after an error it returned itself.
  Buffer more = bufferOf("x");
  EXPECT_EQ(codec.dispatch(more).code(), absl::StatusCode::kInvalidArgument);
}

// The same with a malformed body in the held bytes: the open stream is reset with
// kProtocolError and the connection closed.
TEST(ClientCodecTest, MalformedHeldBodyResetsTheStreamAndCloses) {
  FakeOutput out;
  ClientConnectionImpl codec(out, Http1Settings{});
  RecordingDecoder decoder;
  RequestEncoder& encoder = codec.newStream(decoder);
  encoder.stream().addCallbacks(decoder);
  HeaderMap headers = request("GET");
  encoder.encodeHeaders(headers, true);
  Buffer head = bufferOf("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(head).ok());
  encoder.stream().readDisable(true);
  Buffer rest = bufferOf("zz\r\nok\r\n0\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(rest).ok());
  encoder.stream().readDisable(false);
  ASSERT_EQ(decoder.resets.size(), 1u);
  EXPECT_EQ(decoder.resets[0], StreamResetReason::kProtocolError);
  EXPECT_FALSE(codec.reusable());
  EXPECT_TRUE(out.closed);
}

TEST(ClientCodecTest, ResetClosesTheConnection) {
  FakeOutput out;
  ClientConnectionImpl codec(out, Http1Settings{});
  RecordingDecoder decoder;
  RequestEncoder& encoder = codec.newStream(decoder);
  encoder.stream().addCallbacks(decoder);
  HeaderMap headers = request("GET");
  encoder.encodeHeaders(headers, true);
  encoder.stream().resetStream(StreamResetReason::kLocalReset);
  EXPECT_TRUE(out.closed);
  EXPECT_EQ(out.close_type, network::CloseType::kNoFlush);
  ASSERT_EQ(decoder.resets.size(), 1u);
  EXPECT_TRUE(codec.idle());
  EXPECT_FALSE(codec.reusable());
}

// The pool's view: one stream at a time, counted; a second subscriber (a retry or
// stats helper beside the router) hears the same end as the first.
TEST(ClientCodecTest, ActiveStreamCountAndSeveralSubscribers) {
  FakeOutput out;
  Http1Settings settings;
  settings.stream_buffer_limit = 4096;
  ClientConnectionImpl codec(out, settings);
  EXPECT_EQ(codec.activeStreamCount(), 0u);
  RecordingDecoder decoder;
  RecordingDecoder observer;
  RequestEncoder& encoder = codec.newStream(decoder);
  EXPECT_EQ(codec.activeStreamCount(), 1u);
  EXPECT_EQ(encoder.stream().bufferLimit(), 4096u);
  encoder.stream().addCallbacks(decoder);
  encoder.stream().addCallbacks(observer);
  HeaderMap headers = request("GET");
  encoder.encodeHeaders(headers, true);
  Buffer bad = bufferOf("ICY 200 OK\r\n\r\n");
  EXPECT_FALSE(codec.dispatch(bad).ok());
  EXPECT_EQ(codec.activeStreamCount(), 0u);
  ASSERT_EQ(decoder.resets.size(), 1u);
  ASSERT_EQ(observer.resets.size(), 1u);
  EXPECT_EQ(observer.resets[0], StreamResetReason::kProtocolError);
}

TEST(ClientCodecTest, WatermarksReachTheStream) {
  FakeOutput out;
  ClientConnectionImpl codec(out, Http1Settings{});
  RecordingDecoder decoder;
  RequestEncoder& encoder = codec.newStream(decoder);
  encoder.stream().addCallbacks(decoder);
  codec.onUnderlyingConnectionAboveWriteBufferHighWatermark();
  codec.onUnderlyingConnectionBelowWriteBufferLowWatermark();
  EXPECT_EQ(decoder.above_watermark_calls, 1);
  EXPECT_EQ(decoder.below_watermark_calls, 1);
}

}  // namespace
}  // namespace meshproxy::http::http1
