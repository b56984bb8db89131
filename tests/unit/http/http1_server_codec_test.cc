#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "proxy/core/event_loop.h"
#include "proxy/core/timer.h"
#include "proxy/http/http1/server_connection.h"
#include "tests/unit/http/http1_test_support.h"

namespace meshproxy::http::http1 {
namespace {

using testing::bufferOf;
using testing::FakeOutput;
using testing::FakeServerCallbacks;
using testing::RecordingDecoder;
using testing::responseHeaders;

// What a whole connection's worth of input produced: each stream's messages, the bytes
// written back, and the dispatch outcome.
struct Outcome {
  std::vector<std::string> messages;
  std::string written;
  std::string error;
  bool closed = false;

  bool operator==(const Outcome& o) const {
    return messages == o.messages && written == o.written && error == o.error && closed == o.closed;
  }
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  for (size_t i = 0; i < o.messages.size(); ++i) os << "--- stream " << i << "\n" << o.messages[i];
  return os << "--- written:\n"
            << o.written << "\n--- error: " << o.error << " closed: " << o.closed;
}

// Feeds `input` in pieces cut at `cuts`; every request is answered 200 with a body naming
// its stream as soon as it is complete, from inside the codec callback.
Outcome run(std::string_view input, const std::vector<size_t>& cuts) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  callbacks.on_new_stream = [&](size_t i) {
    callbacks.decoder(i).on_end = [&callbacks, i] {
      std::string body = "stream " + std::to_string(i);
      auto headers = responseHeaders("200", {{"content-length", std::to_string(body.size())}});
      callbacks.encoder(i).encodeHeaders(*headers, false);
      Buffer data = bufferOf(body);
      callbacks.encoder(i).encodeData(data, true);
    };
  };
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  Outcome outcome;
  size_t start = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(input.size());
  for (size_t end : ends) {
    Buffer piece = bufferOf(input.substr(start, end - start));
    start = end;
    absl::Status status = codec.dispatch(piece);
    if (!status.ok()) {
      outcome.error = std::string(status.message());
      break;
    }
  }
  for (const auto& exchange : callbacks.exchanges) {
    outcome.messages.push_back(exchange.decoder->describe());
  }
  outcome.written = out.written;
  outcome.closed = out.closed;
  return outcome;
}

struct ValidRequest {
  const char* name;
  std::string input;
  // A line of the first message's describe() that must be there.
  std::string expect;
};

std::vector<ValidRequest> validRequests() {
  return {
      {"simple_get", "GET /index.html?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n",
       ":path: /index.html?x=1\n"},
      {"fields_lower_cased_in_order",
       "GET / HTTP/1.1\r\nHost: a\r\nX-First: 1\r\nACCEPT: */*\r\nx-last:  padded \t \r\n\r\n",
       ":method: GET\n:scheme: http\n:path: /\n:authority: a\nx-first: 1\naccept: */*\n"
       "x-last: padded\n"},
      {"empty_and_tab_and_obs_text_values",
       "GET / HTTP/1.1\r\nHost: a\r\nX-Empty:\r\nX-Tab: a\tb\r\nX-Obs: caf\xc3\xa9\r\n\r\n",
       "x-empty: \nx-tab: a\tb\nx-obs: caf\xc3\xa9\n"},
      {"content_length_body",
       "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world",
       "body: [hello world]\n"},
      {"chunked_body_with_extensions_and_trailers",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
       "5;name=value\r\nhello\r\n6\r\n world\r\nA\r\n0123456789\r\n0\r\n"
       "X-Checksum: abc\r\nX-Other: 1\r\n\r\n",
       "trailers:\nx-checksum: abc\nx-other: 1\n"},
      {"chunked_without_trailers",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
       "body: [abc]\nend on: data\n"},
      {"absolute_form", "GET http://Example.com:8080/a/b?c=d HTTP/1.1\r\nHost: other\r\n\r\n",
       ":method: GET\n:scheme: http\n:authority: Example.com:8080\n:path: /a/b?c=d\n"},
      {"absolute_form_no_path", "GET https://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n",
       ":scheme: https\n:authority: example.com\n:path: /\n"},
      {"absolute_form_query_only", "GET http://example.com?q=1 HTTP/1.1\r\n\r\n", ":path: /?q=1\n"},
      {"options_asterisk", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", ":path: *\n"},
      {"http10_without_host", "GET /old HTTP/1.0\r\n\r\n", ":path: /old\n"},
      {"leading_empty_line", "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", ":authority: a\n"},
      {"ipv6_host", "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", ":authority: [::1]:8080\n"},
      {"head", "HEAD /h HTTP/1.1\r\nHost: a\r\n\r\n", ":method: HEAD\n"},
      {"expect_continue",
       "PUT /p HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
       "expect: 100-continue\n"},
      {"pipelined_three",
       "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n"
       "hiGET /3 HTTP/1.1\r\nHost: a\r\n\r\n",
       ":path: /1\n"},
      {"pipelined_chunked_then_get",
       "POST /1 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n"
       "GET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
       "body: [ab]\n"},
      {"websocket_upgrade",
       "GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
       "Sec-WebSocket-Key: x\r\n\r\n\x81\x05hello",
       ":protocol: websocket\n"},
  };
}

class ValidRequestTest : public ::testing::TestWithParam<ValidRequest> {};

TEST_P(ValidRequestTest, SameResultWhateverTheSplit) {
  const ValidRequest& request = GetParam();
  const Outcome whole = run(request.input, {});
  ASSERT_EQ(whole.error, "") << whole;
  ASSERT_FALSE(whole.messages.empty());
  EXPECT_NE(whole.messages[0].find(request.expect), std::string::npos) << whole;

  for (size_t cut = 1; cut < request.input.size(); ++cut) {
    EXPECT_EQ(run(request.input, {cut}), whole) << "split at " << cut;
  }
  std::vector<size_t> every_byte;
  for (size_t i = 1; i < request.input.size(); ++i) every_byte.push_back(i);
  EXPECT_EQ(run(request.input, every_byte), whole) << "one byte at a time";
}

INSTANTIATE_TEST_SUITE_P(Table, ValidRequestTest, ::testing::ValuesIn(validRequests()),
                         [](const auto& info) { return std::string(info.param.name); });

// All the table's requests back to back on one connection (the upgrade last), cut at random
// places, including inside multi-slice chunked bodies.
TEST(ServerCodecTest, PipelinedMixtureSurvivesRandomSplits) {
  std::string input;
  std::string upgrade;
  for (const ValidRequest& request : validRequests()) {
    if (std::string_view(request.name) == "websocket_upgrade") {
      upgrade = request.input;
    } else if (std::string_view(request.name) != "http10_without_host") {
      input += request.input;  // (that one would end the connection)
    }
  }
  std::string big_chunked = "POST /big HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 20; ++i)
    big_chunked += "1388\r\n" + std::string(5000, static_cast<char>('a' + i)) + "\r\n";
  big_chunked += "0\r\n\r\n";
  input += big_chunked + upgrade;

  const Outcome whole = run(input, {});
  ASSERT_EQ(whole.error, "") << whole;
  // Less the HTTP/1.0 one, plus the extra pipelined requests and the big one.
  ASSERT_EQ(whole.messages.size(), validRequests().size() - 1 + 2 + 1 + 1);
  std::mt19937 random(7);
  for (int round = 0; round < 50; ++round) {
    std::vector<size_t> cuts;
    size_t at = 0;
    while (true) {
      at += 1 + random() % (round % 2 == 0 ? 64 : 20000);
      if (at >= input.size()) break;
      cuts.push_back(at);
    }
    EXPECT_EQ(run(input, cuts), whole) << "round " << round;
  }
}

TEST(ServerCodecTest, PipelinedRequestsAreAnsweredInOrder) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  Buffer input = bufferOf(
      "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n"
      "GET /3 HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(input).ok());
  // One request at a time: the second is not parsed before the first is answered.
  ASSERT_EQ(callbacks.exchanges.size(), 1u);
  EXPECT_EQ(callbacks.decoder(0).headers->path(), "/1");

  for (size_t i = 0; i < 3; ++i) {
    auto headers = responseHeaders("200", {{"content-length", "1"}});
    callbacks.encoder(i).encodeHeaders(*headers, false);
    Buffer body = bufferOf(std::to_string(i + 1));
    callbacks.encoder(i).encodeData(body, true);
    ASSERT_EQ(callbacks.exchanges.size(), i < 2 ? i + 2 : 3u);
  }
  EXPECT_EQ(callbacks.decoder(1).headers->path(), "/2");
  EXPECT_EQ(callbacks.decoder(2).headers->path(), "/3");
  EXPECT_EQ(out.written,
            "HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\n1"
            "HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\n2"
            "HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\n3");
  EXPECT_FALSE(out.closed);
  EXPECT_FALSE(codec.wantsToClose());
}

TEST(ServerCodecTest, WithALoopTheNextRequestStartsOnALaterIteration) {
  EventLoop loop;
  FakeOutput out;
  FakeServerCallbacks callbacks;
  Http1Settings settings;
  settings.loop = &loop;
  ServerConnectionImpl codec(out, callbacks, settings);
  callbacks.on_new_stream = [&](size_t i) {
    if (i == 1) loop.stop();
  };
  Buffer input = bufferOf("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(input).ok());
  auto headers = responseHeaders("204");
  callbacks.encoder(0).encodeHeaders(*headers, true);
  // Not from inside the caller's encode call...
  EXPECT_EQ(callbacks.exchanges.size(), 1u);
  Timer safety(loop.uv(), [&] { loop.stop(); });
  safety.enable(std::chrono::seconds(5));
  loop.run();
  // ...but as soon as the loop turns.
  ASSERT_EQ(callbacks.exchanges.size(), 2u);
  EXPECT_EQ(callbacks.decoder(1).headers->path(), "/2");
}

TEST(ServerCodecTest, WithALoopTheGracefulCloseHappensOnALaterIteration) {
  EventLoop loop;
  FakeOutput out;
  FakeServerCallbacks callbacks;
  Http1Settings settings;
  settings.loop = &loop;
  ServerConnectionImpl codec(out, callbacks, settings);
  out.on_close = [&] { loop.stop(); };
  Buffer input = bufferOf("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(input).ok());
  auto headers = responseHeaders("204");
  callbacks.encoder(0).encodeHeaders(*headers, true);
  EXPECT_TRUE(codec.wantsToClose());
  EXPECT_FALSE(out.closed);
  Timer safety(loop.uv(), [&] { loop.stop(); });
  safety.enable(std::chrono::seconds(5));
  loop.run();
  EXPECT_TRUE(out.closed);
  EXPECT_EQ(out.close_type, network::CloseType::kFlushWrite);
  EXPECT_EQ(out.close_calls, 1);
}

TEST(ServerCodecTest, StopsReadingWhilePipelinedBytesPileUp) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  std::string many;
  for (int i = 0; i < 400; ++i) many += "GET /x HTTP/1.1\r\nHost: a\r\n\r\n";
  Buffer input = bufferOf(many);
  ASSERT_TRUE(codec.dispatch(input).ok());
  EXPECT_EQ(out.read_disable_count, 1);
  for (size_t i = 0; i < 400; ++i) {
    ASSERT_EQ(callbacks.exchanges.size(), i + 1);
    auto headers = responseHeaders("204");
    callbacks.encoder(i).encodeHeaders(*headers, true);
  }
  EXPECT_EQ(out.read_disable_count, 0);
}

TEST(ServerCodecTest, ChunkedResponseWithTrailers) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  Buffer input = bufferOf("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(input).ok());
  ResponseEncoder& encoder = callbacks.encoder(0);
  // Framing fields in the map are the codec's to decide: a stray transfer-encoding goes.
  auto headers =
      responseHeaders("200", {{"content-type", "text/plain"}, {"transfer-encoding", "gzip"}});
  encoder.encodeHeaders(*headers, false);
  Buffer a = bufferOf("hello");
  encoder.encodeData(a, false);
  Buffer empty;
  encoder.encodeData(empty, false);
  Buffer b = bufferOf(std::string(300, 'x'));
  encoder.encodeData(b, false);
  HeaderMap trailers{{"x-checksum", "42"}};
  encoder.encodeTrailers(trailers);
  EXPECT_EQ(out.written,
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n"
            "transfer-encoding: chunked\r\n\r\n5\r\nhello\r\n12c\r\n" +
                std::string(300, 'x') + "\r\n0\r\nx-checksum: 42\r\n\r\n");
  EXPECT_FALSE(out.closed);
}

TEST(ServerCodecTest, ChunkedResponseEndsWithLastChunk) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  Buffer input = bufferOf("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(input).ok());
  auto headers = responseHeaders("200");
  callbacks.encoder(0).encodeHeaders(*headers, false);
  Buffer data = bufferOf("abc");
  callbacks.encoder(0).encodeData(data, true);
  EXPECT_EQ(out.written,
            "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
}

TEST(ServerCodecTest, HeadersOnlyResponseGetsContentLengthZero) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  Buffer input = bufferOf("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(input).ok());
  auto headers = responseHeaders("200");
  callbacks.encoder(0).encodeHeaders(*headers, true);
  EXPECT_EQ(out.written, "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
}

TEST(ServerCodecTest, ConflictingContentLengthsFallBackToChunked) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  Buffer input = bufferOf("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(input).ok());
  auto headers = responseHeaders("200", {{"content-length", "3"}, {"content-length", "4"}});
  callbacks.encoder(0).encodeHeaders(*headers, false);
  EXPECT_EQ(out.written, "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
}

TEST(ServerCodecTest, LargeBodyIsStreamedInPieces) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  const std::string body(200 * 1024, 'b');
  Buffer head = bufferOf(
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(head).ok());
  Buffer data = bufferOf(body);
  ASSERT_TRUE(codec.dispatch(data).ok());
  RecordingDecoder& decoder = callbacks.decoder(0);
  EXPECT_EQ(decoder.body, body);
  EXPECT_EQ(decoder.end_on, "data");
  // Delivered slice by slice rather than gathered.
  EXPECT_GT(decoder.data_calls, 1);
}

TEST(ServerCodecTest, Http10KeepAlive) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  Buffer input =
      bufferOf("GET /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(input).ok());
  EXPECT_EQ(codec.protocol(), Protocol::kHttp10);
  EXPECT_FALSE(codec.wantsToClose());
  auto headers = responseHeaders("200", {{"content-length", "2"}});
  callbacks.encoder(0).encodeHeaders(*headers, false);
  Buffer body = bufferOf("ok");
  callbacks.encoder(0).encodeData(body, true);
  EXPECT_EQ(out.take(), "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok");
  EXPECT_FALSE(out.closed);

  // The second request did not ask to keep the connection.
  ASSERT_EQ(callbacks.exchanges.size(), 2u);
  EXPECT_TRUE(codec.wantsToClose());
  callbacks.encoder(1).encodeHeaders(*headers, false);
  Buffer body2 = bufferOf("ok");
  callbacks.encoder(1).encodeData(body2, true);
  EXPECT_EQ(out.take(), "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
  EXPECT_TRUE(out.closed);
  EXPECT_EQ(out.close_type, network::CloseType::kFlushWrite);
}

TEST(ServerCodecTest, Http10ResponseWithoutLengthIsCloseDelimited) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  Buffer input = bufferOf("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(input).ok());
  auto headers = responseHeaders("200");
  callbacks.encoder(0).encodeHeaders(*headers, false);
  EXPECT_TRUE(codec.wantsToClose());
  Buffer body = bufferOf("streamed");
  callbacks.encoder(0).encodeData(body, false);
  EXPECT_FALSE(out.closed);
  Buffer rest = bufferOf("!");
  callbacks.encoder(0).encodeData(rest, true);
  EXPECT_EQ(out.written, "HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nstreamed!");
  EXPECT_TRUE(out.closed);
}

TEST(ServerCodecTest, ConnectionCloseEndsTheConnectionAfterTheResponse) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  Buffer input = bufferOf(
      "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /ignored HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(input).ok());
  EXPECT_TRUE(codec.wantsToClose());
  auto headers = responseHeaders("200", {{"content-length", "0"}});
  callbacks.encoder(0).encodeHeaders(*headers, true);
  EXPECT_EQ(out.written, "HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
  EXPECT_TRUE(out.closed);
  EXPECT_EQ(callbacks.exchanges.size(), 1u);
}

TEST(ServerCodecTest, ResponseConnectionCloseIsHonored) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  Buffer input = bufferOf("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(input).ok());
  auto headers = responseHeaders("200", {{"connection", "close"}, {"content-length", "0"}});
  callbacks.encoder(0).encodeHeaders(*headers, true);
  EXPECT_EQ(out.written, "HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
  EXPECT_TRUE(out.closed);
}

TEST(ServerCodecTest, HeadResponseKeepsContentLengthAndDropsBody) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  Buffer input =
      bufferOf("HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(input).ok());
  EXPECT_EQ(callbacks.decoder(0).end_on, "headers");
  auto headers = responseHeaders("200", {{"content-length", "1234"}});
  callbacks.encoder(0).encodeHeaders(*headers, false);
  Buffer body = bufferOf("must not be sent");
  callbacks.encoder(0).encodeData(body, true);
  EXPECT_EQ(out.written, "HTTP/1.1 200 OK\r\ncontent-length: 1234\r\n\r\n");
  EXPECT_FALSE(out.closed);
  EXPECT_EQ(callbacks.exchanges.size(), 2u);
}

TEST(ServerCodecTest, NoBodyStatuses) {
  for (const char* status : {"204", "304"}) {
    FakeOutput out;
    FakeServerCallbacks callbacks;
    ServerConnectionImpl codec(out, callbacks, Http1Settings{});
    Buffer input = bufferOf("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    ASSERT_TRUE(codec.dispatch(input).ok());
    auto headers = responseHeaders(status, {{"content-length", "10"}});
    callbacks.encoder(0).encodeHeaders(*headers, false);
    Buffer body = bufferOf("0123456789");
    callbacks.encoder(0).encodeData(body, true);
    const std::string expected = std::string(status) == "204"
                                     ? "HTTP/1.1 204 No Content\r\n\r\n"
                                     // 304 may describe the representation it does not carry.
                                     : "HTTP/1.1 304 Not Modified\r\ncontent-length: 10\r\n\r\n";
    EXPECT_EQ(out.written, expected);
    EXPECT_FALSE(out.closed);
  }
}

TEST(ServerCodecTest, ContinueBeforeTheBody) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  Buffer head =
      bufferOf("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(head).ok());
  RecordingDecoder& decoder = callbacks.decoder(0);
  EXPECT_EQ(decoder.headers->get("expect").value_or(""), "100-continue");
  EXPECT_FALSE(decoder.complete());
  auto interim = responseHeaders("100");
  callbacks.encoder(0).encode1xxHeaders(*interim);
  EXPECT_EQ(out.take(), "HTTP/1.1 100 Continue\r\n\r\n");
  Buffer body = bufferOf("data");
  ASSERT_TRUE(codec.dispatch(body).ok());
  EXPECT_EQ(decoder.body, "data");
  EXPECT_TRUE(decoder.complete());
  auto headers = responseHeaders("201", {{"content-length", "0"}});
  callbacks.encoder(0).encodeHeaders(*headers, true);
  EXPECT_EQ(out.take(), "HTTP/1.1 201 Created\r\ncontent-length: 0\r\n\r\n");
}

TEST(ServerCodecTest, WebSocketUpgradeGoesRawBothWays) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  Buffer input = bufferOf(
      "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n"
      "\r\nearly");
  ASSERT_TRUE(codec.dispatch(input).ok());
  RecordingDecoder& decoder = callbacks.decoder(0);
  ASSERT_NE(decoder.headers, nullptr);
  EXPECT_EQ(decoder.headers->get(":protocol").value_or(""), "websocket");
  EXPECT_EQ(decoder.headers->get("upgrade").value_or(""), "websocket");
  EXPECT_EQ(decoder.headers->get("connection").value_or(""), "keep-alive, Upgrade");
  EXPECT_FALSE(decoder.complete());
  EXPECT_EQ(decoder.body, "early");

  auto headers = responseHeaders("101", {{"upgrade", "websocket"}, {"connection", "upgrade"}});
  callbacks.encoder(0).encodeHeaders(*headers, false);
  EXPECT_EQ(out.take(),
            "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n"
            "\r\n");
  // Anything now, even what looks like HTTP, is payload.
  Buffer more = bufferOf(std::string("GET / HTTP/1.1\r\n\r\n\x00\x01", 20));
  ASSERT_TRUE(codec.dispatch(more).ok());
  EXPECT_EQ(decoder.body, std::string("earlyGET / HTTP/1.1\r\n\r\n\x00\x01", 25));
  Buffer reply = bufferOf("frame");
  callbacks.encoder(0).encodeData(reply, false);
  EXPECT_EQ(out.take(), "frame");
  EXPECT_TRUE(codec.wantsToClose());
  Buffer last;
  callbacks.encoder(0).encodeData(last, true);
  EXPECT_TRUE(out.closed);
}

TEST(ServerCodecTest, RefusedUpgradeClosesAfterTheResponse) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  Buffer input =
      bufferOf("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(input).ok());
  auto headers = responseHeaders("403", {{"content-length", "0"}});
  callbacks.encoder(0).encodeHeaders(*headers, true);
  EXPECT_EQ(out.written,
            "HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
  EXPECT_TRUE(out.closed);
}

TEST(ServerCodecTest, H2cUpgradeIsIgnored) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  Buffer input = bufferOf(
      "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
      "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(input).ok());
  RecordingDecoder& decoder = callbacks.decoder(0);
  EXPECT_FALSE(decoder.headers->has(":protocol"));
  EXPECT_EQ(decoder.end_on, "headers");
  auto headers = responseHeaders("200", {{"content-length", "0"}});
  callbacks.encoder(0).encodeHeaders(*headers, true);
  ASSERT_EQ(callbacks.exchanges.size(), 2u);
  EXPECT_EQ(callbacks.decoder(1).headers->path(), "/2");
}

TEST(ServerCodecTest, EarlyResponseClosesTheConnection) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  Buffer head = bufferOf("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\npartial");
  ASSERT_TRUE(codec.dispatch(head).ok());
  auto headers = responseHeaders("413", {{"content-length", "0"}});
  callbacks.encoder(0).encodeHeaders(*headers, true);
  EXPECT_EQ(out.written,
            "HTTP/1.1 413 Payload Too Large\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
  EXPECT_TRUE(out.closed);
  Buffer rest = bufferOf("more body");
  EXPECT_TRUE(codec.dispatch(rest).ok());
  EXPECT_EQ(callbacks.decoder(0).body, "partial");
}

TEST(ServerCodecTest, ResetClosesTheConnection) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  Buffer input = bufferOf("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(input).ok());
  auto headers = responseHeaders("200");
  callbacks.encoder(0).encodeHeaders(*headers, false);
  callbacks.encoder(0).stream().resetStream(StreamResetReason::kLocalReset);
  ASSERT_EQ(callbacks.decoder(0).resets.size(), 1u);
  EXPECT_EQ(callbacks.decoder(0).resets[0], StreamResetReason::kLocalReset);
  EXPECT_TRUE(out.closed);
  EXPECT_EQ(out.close_type, network::CloseType::kNoFlush);
  EXPECT_TRUE(codec.wantsToClose());
}

TEST(ServerCodecTest, StreamReadDisableHoldsTheBody) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  Buffer head = bufferOf("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(head).ok());
  Stream& stream = callbacks.encoder(0).stream();
  stream.readDisable(true);
  EXPECT_EQ(out.read_disable_count, 1);
  Buffer body = bufferOf("abcdef");
  ASSERT_TRUE(codec.dispatch(body).ok());
  EXPECT_EQ(callbacks.decoder(0).body, "");
  stream.readDisable(false);
  EXPECT_EQ(out.read_disable_count, 0);
  EXPECT_EQ(callbacks.decoder(0).body, "abcdef");
  EXPECT_TRUE(callbacks.decoder(0).complete());
}

TEST(ServerCodecTest, FinishedStreamGivesBackItsReadDisables) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  Buffer input = bufferOf("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(input).ok());
  callbacks.encoder(0).stream().readDisable(true);
  callbacks.encoder(0).stream().readDisable(true);
  auto headers = responseHeaders("204");
  callbacks.encoder(0).encodeHeaders(*headers, true);
  EXPECT_EQ(out.read_disable_count, 0);
}

TEST(ServerCodecTest, WatermarksReachTheActiveStream) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  Buffer input = bufferOf("GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(input).ok());
  codec.onUnderlyingConnectionAboveWriteBufferHighWatermark();
  EXPECT_EQ(callbacks.decoder(0).above_watermark_calls, 1);
  auto headers = responseHeaders("204");
  callbacks.encoder(0).encodeHeaders(*headers, true);
  // A stream that starts while the connection is backed up learns it at once.
  ASSERT_EQ(callbacks.exchanges.size(), 2u);
  EXPECT_EQ(callbacks.decoder(1).above_watermark_calls, 1);
  codec.onUnderlyingConnectionBelowWriteBufferLowWatermark();
  EXPECT_EQ(callbacks.decoder(1).below_watermark_calls, 1);
  EXPECT_EQ(callbacks.decoder(0).below_watermark_calls, 0);
}

TEST(ServerCodecTest, ErrorOpensAStreamToAnswerOnAndSticks) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  Buffer input = bufferOf("GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n");
  absl::Status status = codec.dispatch(input);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "http1.codec_error: invalid character in header name");
  EXPECT_EQ(httpStatusForCodecError(status), 400u);
  EXPECT_TRUE(codec.wantsToClose());
  ASSERT_EQ(callbacks.exchanges.size(), 1u);
  EXPECT_EQ(callbacks.decoder(0).headers, nullptr);
  // The codec asks for the answer itself.
  ASSERT_EQ(callbacks.decoder(0).local_replies.size(), 1u);
  EXPECT_EQ(callbacks.decoder(0).local_replies[0].status, 400u);
  EXPECT_EQ(callbacks.decoder(0).local_replies[0].body, "Bad Request");
  EXPECT_EQ(callbacks.decoder(0).local_replies[0].details,
            "http1.codec_error: invalid character in header name");

  auto headers = responseHeaders("400", {{"content-length", "0"}});
  callbacks.encoder(0).encodeHeaders(*headers, true);
  EXPECT_EQ(out.written,
            "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
  EXPECT_TRUE(out.closed);

  Buffer more = bufferOf("GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(codec.dispatch(more), status);
}

// The caller's stand-in for ActiveStream: answers the codec's local reply requests on the
// stream they came from.
void answerLocalReplies(FakeServerCallbacks& callbacks) {
  callbacks.on_new_stream = [&callbacks](size_t i) {
    callbacks.decoder(i).on_local_reply = [&callbacks, i] {
      const auto& reply = callbacks.decoder(i).local_replies.back();
      auto headers = responseHeaders(
          std::to_string(reply.status),
          {{"content-length", std::to_string(reply.body.size())}, {"x-reason", reply.details}});
      callbacks.encoder(i).encodeHeaders(*headers, false);
      Buffer body = bufferOf(reply.body);
      callbacks.encoder(i).encodeData(body, true);
    };
  };
}

TEST(ServerCodecTest, ErrorInAPipelinedRequestIsAnsweredByTheCodec) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  answerLocalReplies(callbacks);
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  Buffer input =
      bufferOf("GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nX : y\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(input).ok());
  auto headers = responseHeaders("200", {{"content-length", "0"}});
  callbacks.encoder(0).encodeHeaders(*headers, true);
  // The bad request was parsed after dispatch() returned: the codec opened a stream for it
  // and asked for the 400 there, as it does inside dispatch().
  EXPECT_EQ(out.written,
            "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"
            "HTTP/1.1 400 Bad Request\r\n"
            "x-reason: http1.codec_error: invalid character in header name\r\n"
            "content-length: 11\r\nconnection: close\r\n\r\nBad Request");
  EXPECT_TRUE(out.closed);
  ASSERT_EQ(callbacks.exchanges.size(), 2u);
  EXPECT_EQ(callbacks.decoder(1).headers, nullptr);
}

// HTTP/1's request rules live in the codec: a target that is not origin-form (or OPTIONS *)
// and an HTTP/1.1 request without a host are answered 400 before any stream sees headers,
// and the connection ends with the answer.
TEST(ServerCodecTest, RequestWithoutAnOriginFormPathIsAnswered400) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  answerLocalReplies(callbacks);
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  Buffer input = bufferOf("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
  absl::Status status = codec.dispatch(input);
  EXPECT_EQ(status.message(), "http1.invalid_path");
  EXPECT_EQ(httpStatusForCodecError(status), 400u);
  ASSERT_EQ(callbacks.exchanges.size(), 1u);
  EXPECT_EQ(callbacks.decoder(0).headers, nullptr);
  EXPECT_EQ(out.written,
            "HTTP/1.1 400 Bad Request\r\nx-reason: http1.invalid_path\r\ncontent-length: 11\r\n"
            "connection: close\r\n\r\nBad Request");
  EXPECT_TRUE(out.closed);
}

TEST(ServerCodecTest, Http11RequestWithoutHostIsAnswered400) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  answerLocalReplies(callbacks);
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  Buffer input = bufferOf("GET / HTTP/1.1\r\nX-A: b\r\n\r\n");
  absl::Status status = codec.dispatch(input);
  EXPECT_EQ(status.message(), "missing_host_header");
  ASSERT_EQ(callbacks.exchanges.size(), 1u);
  ASSERT_EQ(callbacks.decoder(0).local_replies.size(), 1u);
  EXPECT_EQ(callbacks.decoder(0).local_replies[0].body, "missing host header");
  EXPECT_EQ(out.written,
            "HTTP/1.1 400 Bad Request\r\nx-reason: missing_host_header\r\ncontent-length: 19\r\n"
            "connection: close\r\n\r\nmissing host header");
  EXPECT_TRUE(out.closed);
}

// In a pipelined request the same rule holds: the request before it is answered normally.
TEST(ServerCodecTest, PipelinedRequestWithoutHostIsAnsweredAfterThePreviousOne) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  answerLocalReplies(callbacks);
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  Buffer input = bufferOf("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(input).ok());
  auto headers = responseHeaders("204");
  callbacks.encoder(0).encodeHeaders(*headers, true);
  ASSERT_EQ(callbacks.exchanges.size(), 2u);
  ASSERT_EQ(callbacks.decoder(1).local_replies.size(), 1u);
  EXPECT_EQ(callbacks.decoder(1).local_replies[0].details, "missing_host_header");
  EXPECT_TRUE(out.closed);
}

// goAway() (the listener drains): the response in progress says Connection: close and the
// connection ends after it; between requests the connection ends at once.
TEST(ServerCodecTest, GoAwayEndsTheConnectionAfterTheCurrentResponse) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  Buffer input = bufferOf("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(input).ok());
  EXPECT_FALSE(codec.wantsToClose());
  codec.shutdownNotice();  // nothing to say in HTTP/1
  EXPECT_FALSE(codec.wantsToClose());
  codec.goAway();
  EXPECT_TRUE(codec.wantsToClose());
  EXPECT_FALSE(out.closed);
  auto headers = responseHeaders("200", {{"content-length", "0"}});
  callbacks.encoder(0).encodeHeaders(*headers, true);
  EXPECT_EQ(out.written, "HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
  EXPECT_TRUE(out.closed);
}

TEST(ServerCodecTest, GoAwayBetweenRequestsClosesAtOnce) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  Buffer input = bufferOf("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(input).ok());
  auto headers = responseHeaders("200", {{"content-length", "0"}});
  callbacks.encoder(0).encodeHeaders(*headers, true);
  EXPECT_FALSE(out.closed);
  codec.goAway();
  EXPECT_TRUE(out.closed);
  EXPECT_EQ(out.close_type, network::CloseType::kFlushWrite);
}

// Several subscribers: each hears the reset once; one removed earlier hears nothing.
TEST(ServerCodecTest, EverySubscriberHearsTheResetOnce) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  Buffer input = bufferOf("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(input).ok());
  RecordingDecoder second;
  RecordingDecoder removed;
  Stream& stream = callbacks.encoder(0).stream();
  stream.addCallbacks(second);
  stream.addCallbacks(removed);
  stream.removeCallbacks(removed);
  stream.resetStream(StreamResetReason::kLocalReset);
  EXPECT_EQ(callbacks.decoder(0).resets.size(), 1u);
  EXPECT_EQ(second.resets.size(), 1u);
  EXPECT_TRUE(removed.resets.empty());
  stream.resetStream(StreamResetReason::kLocalReset);
  EXPECT_EQ(second.resets.size(), 1u);
}

TEST(ServerCodecTest, WatermarksReachEverySubscriber) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  Buffer input = bufferOf("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(input).ok());
  RecordingDecoder second;
  callbacks.encoder(0).stream().addCallbacks(second);
  codec.onUnderlyingConnectionAboveWriteBufferHighWatermark();
  EXPECT_EQ(callbacks.decoder(0).above_watermark_calls, 1);
  EXPECT_EQ(second.above_watermark_calls, 1);
  // A subscriber that arrives above the watermark learns it at once.
  RecordingDecoder late;
  callbacks.encoder(0).stream().addCallbacks(late);
  EXPECT_EQ(late.above_watermark_calls, 1);
}

// The stream opens with the first byte of a request (as in Envoy), so its timers (request
// headers timeout, stream idle timeout) cover a head that arrives slowly; the next request of
// a keep-alive connection opens its own stream the same way.
TEST(ServerCodecTest, StreamOpensWithTheFirstByteOfARequest) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  Buffer start = bufferOf("GET / HT");
  ASSERT_TRUE(codec.dispatch(start).ok());
  ASSERT_EQ(callbacks.exchanges.size(), 1u);
  EXPECT_EQ(callbacks.decoder(0).headers, nullptr);
  Buffer rest = bufferOf("TP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(rest).ok());
  ASSERT_EQ(callbacks.exchanges.size(), 1u);
  ASSERT_NE(callbacks.decoder(0).headers, nullptr);
  auto headers = responseHeaders("204");
  callbacks.encoder(0).encodeHeaders(*headers, true);
  Buffer empty_lines = bufferOf("\r\n");
  ASSERT_TRUE(codec.dispatch(empty_lines).ok());
  EXPECT_EQ(callbacks.exchanges.size(), 1u);
  Buffer next = bufferOf("G");
  ASSERT_TRUE(codec.dispatch(next).ok());
  EXPECT_EQ(callbacks.exchanges.size(), 2u);
}

TEST(ServerCodecTest, StreamBufferLimitComesFromTheSettings) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  Http1Settings settings;
  settings.stream_buffer_limit = 12345;
  ServerConnectionImpl codec(out, callbacks, settings);
  Buffer input = bufferOf("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(input).ok());
  EXPECT_EQ(callbacks.encoder(0).stream().bufferLimit(), 12345u);
}

TEST(ServerCodecTest, InvalidResponseFieldsAreNotWritten) {
  FakeOutput out;
  FakeServerCallbacks callbacks;
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  Buffer input = bufferOf("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(input).ok());
  auto headers = responseHeaders("200", {{"x-injected", "a\r\nset-cookie: evil"},
                                         {"bad name", "v"},
                                         {"x-ok", "fine"},
                                         {"content-length", "0"}});
  callbacks.encoder(0).encodeHeaders(*headers, true);
  EXPECT_EQ(out.written, "HTTP/1.1 200 OK\r\nx-ok: fine\r\ncontent-length: 0\r\n\r\n");
}

}  // namespace
}  // namespace meshproxy::http::http1
