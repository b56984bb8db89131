// The HTTP/2 server codec fed by hand-written frames: what a well-behaved client never sends
// (malformed messages, floods, bad prefaces), and the same input split at every boundary.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "tests/unit/http/http2_test_support.h"

namespace meshproxy::http::http2 {
namespace {

using testing::bufferOf;
using testing::BufferOutput;
using testing::FakeServerCallbacks;
using testing::findFrame;
using testing::Frame;
using testing::frame;
using testing::RawClient;
using testing::readFrames;
using testing::u32;

struct Server {
  explicit Server(Http2Settings settings = {}) : codec(out, callbacks, settings) {
    out.pending.clear();  // our SETTINGS
  }
  absl::Status feed(const std::string& bytes) {
    Buffer b = bufferOf(bytes);
    status = codec.dispatch(b);
    return status;
  }
  std::vector<Frame> frames() { return readFrames(out.pending); }

  BufferOutput out;
  FakeServerCallbacks callbacks;
  ServerConnectionImpl codec;
  absl::Status status;
};

TEST(Http2ServerCodecTest, ValidRequestAcrossEverySplit) {
  RawClient client;
  const std::string input = RawClient::preface() +
                            client.headers(1,
                                           {{":method", "POST"},
                                            {":scheme", "https"},
                                            {":authority", "a.example"},
                                            {":path", "/p"},
                                            {"content-length", "5"}},
                                           false) +
                            frame(NGHTTP2_DATA, 0, 1, "he") +
                            frame(NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, 1, "llo");
  std::string expected;
  for (size_t step : {size_t{1}, size_t{2}, size_t{3}, size_t{7}, size_t{10}, input.size()}) {
    Server server;
    for (size_t at = 0; at < input.size(); at += step) {
      ASSERT_TRUE(server.feed(input.substr(at, step)).ok()) << server.status;
    }
    ASSERT_EQ(server.callbacks.exchanges.size(), 1u) << "step " << step;
    std::string got = server.callbacks.decoder(0).describe();
    if (expected.empty()) expected = got;
    EXPECT_EQ(got, expected) << "step " << step;
  }
  EXPECT_NE(expected.find(":method: POST\n:scheme: https\n:authority: a.example\n:path: /p\n"),
            std::string::npos)
      << expected;
  EXPECT_NE(expected.find("body: [hello]"), std::string::npos) << expected;
}

TEST(Http2ServerCodecTest, BadPrefaceIsAConnectionError) {
  Server server;
  absl::Status s = server.feed("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(server.out.closed);
  const auto frames = server.frames();
  const Frame* goaway = findFrame(frames, NGHTTP2_GOAWAY);
  ASSERT_NE(goaway, nullptr);
  EXPECT_EQ(goaway->errorCode(), static_cast<uint32_t>(NGHTTP2_PROTOCOL_ERROR));
  // After the error nothing more is parsed.
  EXPECT_FALSE(server.feed(RawClient::preface()).ok());
}

// Requests nghttp2's HTTP messaging rules reject.
std::vector<std::vector<std::pair<std::string, std::string>>> malformedRequests() {
  return {
      // no :path
      {{":method", "GET"}, {":scheme", "http"}, {":authority", "a"}},
      // a connection-specific field
      {{":method", "GET"},
       {":scheme", "http"},
       {":authority", "a"},
       {":path", "/"},
       {"connection", "close"}},
      // an upper-case field name
      {{":method", "GET"},
       {":scheme", "http"},
       {":authority", "a"},
       {":path", "/"},
       {"X-Upper", "1"}},
      // an unknown pseudo-header
      {{":method", "GET"}, {":scheme", "http"}, {":authority", "a"}, {":path", "/"}, {":foo", "1"}},
      // a pseudo-header after a regular field
      {{":method", "GET"}, {":scheme", "http"}, {"x", "1"}, {":authority", "a"}, {":path", "/"}},
      // a field value with a NUL
      {{":method", "GET"},
       {":scheme", "http"},
       {":authority", "a"},
       {":path", "/"},
       {"x", std::string("a\0b", 3)}},
      // extended CONNECT without allow_connect
      {{":method", "CONNECT"},
       {":protocol", "websocket"},
       {":scheme", "http"},
       {":authority", "a"},
       {":path", "/"}},
  };
}

TEST(Http2ServerCodecTest, MalformedRequestIsAConnectionErrorByDefault) {
  int i = 0;
  for (const auto& fields : malformedRequests()) {
    SCOPED_TRACE(i++);
    Server server;
    RawClient client;
    absl::Status s = server.feed(RawClient::preface() + client.headers(1, fields, true));
    EXPECT_FALSE(s.ok());
    EXPECT_EQ(s.message(), "http2.invalid_http_message");
    EXPECT_TRUE(server.callbacks.exchanges.empty());
    EXPECT_TRUE(server.out.closed);
    const auto frames = server.frames();
    const Frame* goaway = findFrame(frames, NGHTTP2_GOAWAY);
    ASSERT_NE(goaway, nullptr);
    EXPECT_EQ(goaway->errorCode(), static_cast<uint32_t>(NGHTTP2_PROTOCOL_ERROR));
  }
}

TEST(Http2ServerCodecTest, MalformedRequestResetsOnlyItsStreamWithTheOverride) {
  Http2Settings settings;
  settings.override_stream_error_on_invalid_http_message = true;
  int i = 0;
  for (const auto& fields : malformedRequests()) {
    SCOPED_TRACE(i++);
    Server server(settings);
    RawClient client;
    ASSERT_TRUE(server.feed(RawClient::preface() + client.headers(1, fields, true)).ok())
        << server.status;
    EXPECT_TRUE(server.callbacks.exchanges.empty());
    EXPECT_FALSE(server.out.closed);
    const auto frames = server.frames();
    const Frame* rst = findFrame(frames, NGHTTP2_RST_STREAM);
    ASSERT_NE(rst, nullptr);
    EXPECT_EQ(rst->stream_id, 1u);
    EXPECT_EQ(rst->errorCode(), static_cast<uint32_t>(NGHTTP2_PROTOCOL_ERROR));
    EXPECT_EQ(findFrame(frames, NGHTTP2_GOAWAY), nullptr);
    // The connection keeps serving.
    ASSERT_TRUE(server.feed(client.get(3)).ok());
    EXPECT_EQ(server.callbacks.exchanges.size(), 1u);
  }
}

TEST(Http2ServerCodecTest, ContentLengthMismatchIsMalformed) {
  Http2Settings settings;
  settings.override_stream_error_on_invalid_http_message = true;
  Server server(settings);
  RawClient client;
  ASSERT_TRUE(server
                  .feed(RawClient::preface() +
                        client.headers(1,
                                       {{":method", "POST"},
                                        {":scheme", "http"},
                                        {":authority", "a"},
                                        {":path", "/"},
                                        {"content-length", "10"}},
                                       false) +
                        frame(NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, 1, "abc"))
                  .ok());
  ASSERT_EQ(server.callbacks.exchanges.size(), 1u);
  ASSERT_EQ(server.callbacks.decoder(0).resets.size(), 1u);
  EXPECT_EQ(server.callbacks.decoder(0).resets[0], StreamResetReason::kProtocolError);
  const auto frames = server.frames();
  const Frame* rst = findFrame(frames, NGHTTP2_RST_STREAM);
  ASSERT_NE(rst, nullptr);
  EXPECT_EQ(rst->errorCode(), static_cast<uint32_t>(NGHTTP2_PROTOCOL_ERROR));
}

TEST(Http2ServerCodecTest, HeaderBlockOverTheLimitsResetsTheStream) {
  Http2Settings settings;
  settings.max_headers_count = 10;
  Server server(settings);
  RawClient client;
  std::vector<std::pair<std::string, std::string>> fields = {
      {":method", "GET"}, {":scheme", "http"}, {":authority", "a"}, {":path", "/"}};
  for (int i = 0; i < 20; ++i) fields.push_back({"x-h" + std::to_string(i), "v"});
  ASSERT_TRUE(server.feed(RawClient::preface() + client.headers(1, fields, true)).ok());
  EXPECT_TRUE(server.callbacks.exchanges.empty());
  const auto frames = server.frames();
  const Frame* rst = findFrame(frames, NGHTTP2_RST_STREAM);
  ASSERT_NE(rst, nullptr);
  EXPECT_EQ(rst->stream_id, 1u);
  EXPECT_FALSE(server.out.closed);
  ASSERT_TRUE(server.feed(client.get(3)).ok());
  EXPECT_EQ(server.callbacks.exchanges.size(), 1u);
}

TEST(Http2ServerCodecTest, DataAfterEndStreamIsAStreamError) {
  Server server;
  RawClient client;
  ASSERT_TRUE(server.feed(RawClient::preface() + client.get(1)).ok());
  // nghttp2 answers DATA on a half-closed (remote) stream with STREAM_CLOSED.
  server.feed(frame(NGHTTP2_DATA, 0, 1, "late")).IgnoreError();
  const auto frames = server.frames();
  bool reset_or_goaway = findFrame(frames, NGHTTP2_RST_STREAM) != nullptr ||
                         findFrame(frames, NGHTTP2_GOAWAY) != nullptr;
  EXPECT_TRUE(reset_or_goaway);
  EXPECT_EQ(server.callbacks.decoder(0).body, "");
}

// ---- floods --------------------------------------------------------------------------------

void expectFloodClosed(Server& server, std::string_view reason) {
  EXPECT_EQ(std::string(server.status.message()), std::string(reason));
  EXPECT_TRUE(server.out.closed);
  const auto frames = server.frames();
  const Frame* goaway = findFrame(frames, NGHTTP2_GOAWAY);
  ASSERT_NE(goaway, nullptr);
  EXPECT_EQ(goaway->errorCode(), static_cast<uint32_t>(NGHTTP2_ENHANCE_YOUR_CALM));
}

TEST(Http2ServerCodecTest, EmptyDataFramesFlood) {
  Server server;
  RawClient client;
  const std::string open =
      RawClient::preface() +
      client.headers(
          1, {{":method", "POST"}, {":scheme", "http"}, {":authority", "a"}, {":path", "/"}},
          false);
  ASSERT_TRUE(server.feed(open + frame(NGHTTP2_DATA, 0, 1)).ok());  // one is allowed
  server.feed(frame(NGHTTP2_DATA, 0, 1)).IgnoreError();
  expectFloodClosed(server, "http2.inbound_empty_frames_flood");
  ASSERT_EQ(server.callbacks.exchanges.size(), 1u);
  ASSERT_EQ(server.callbacks.decoder(0).resets.size(), 1u);
  EXPECT_EQ(server.callbacks.decoder(0).resets[0], StreamResetReason::kConnectionTermination);
}

TEST(Http2ServerCodecTest, PriorityFlood) {
  Http2Settings settings;
  settings.max_inbound_priority_frames_per_stream = 5;
  Server server(settings);
  std::string input = RawClient::preface();
  // PRIORITY for idle streams: 5 x (1 + 0 opened streams) allowed.
  for (int i = 0; i < 5; ++i) input += frame(NGHTTP2_PRIORITY, 0, 3 + 2 * i, u32(0) + "\x10");
  ASSERT_TRUE(server.feed(input).ok()) << server.status;
  server.feed(frame(NGHTTP2_PRIORITY, 0, 21, u32(0) + "\x10")).IgnoreError();
  expectFloodClosed(server, "http2.inbound_priority_frames_flood");
}

TEST(Http2ServerCodecTest, WindowUpdateFlood) {
  Server server;
  std::string input = RawClient::preface();
  // No stream, no DATA sent: one WINDOW_UPDATE is allowed.
  input += frame(NGHTTP2_WINDOW_UPDATE, 0, 0, u32(1));
  ASSERT_TRUE(server.feed(input).ok()) << server.status;
  server.feed(frame(NGHTTP2_WINDOW_UPDATE, 0, 0, u32(1))).IgnoreError();
  expectFloodClosed(server, "http2.inbound_window_update_frames_flood");
}

TEST(Http2ServerCodecTest, PingFloodWhileThePeerDoesNotRead) {
  Http2Settings settings;
  settings.max_outbound_control_frames = 100;
  Server server(settings);
  ASSERT_TRUE(server.feed(RawClient::preface()).ok());
  server.out.pending.clear();
  // The connection's write buffer is full: PING ACKs pile up in the codec.
  server.codec.onUnderlyingConnectionAboveWriteBufferHighWatermark();
  std::string pings;
  for (int i = 0; i < 99; ++i) pings += frame(NGHTTP2_PING, 0, 0, std::string(8, 'p'));
  ASSERT_TRUE(server.feed(pings).ok()) << server.status;
  EXPECT_TRUE(server.out.pending.empty());
  std::string more;
  for (int i = 0; i < 5; ++i) more += frame(NGHTTP2_PING, 0, 0, std::string(8, 'p'));
  server.feed(more).IgnoreError();
  expectFloodClosed(server, "http2.outbound_control_frames_flood");
}

TEST(Http2ServerCodecTest, OutboundFramesFlood) {
  Http2Settings settings;
  settings.max_outbound_frames = 20;
  Server server(settings);
  RawClient client;
  ASSERT_TRUE(server.feed(RawClient::preface()).ok());
  server.codec.onUnderlyingConnectionAboveWriteBufferHighWatermark();
  // Each request gets a response the peer never reads.
  std::string requests;
  for (int i = 0; i < 30; ++i) requests += client.get(1 + 2 * i);
  ASSERT_TRUE(server.feed(requests).ok());
  for (size_t i = 0; i < server.callbacks.exchanges.size(); ++i) {
    server.callbacks.encoder(i).encodeHeaders(*testing::makeHeaders({{":status", "200"}}), true);
  }
  server.feed(frame(NGHTTP2_PING, 0, 0, std::string(8, 'p'))).IgnoreError();
  expectFloodClosed(server, "http2.outbound_frames_flood");
}

TEST(Http2ServerCodecTest, SettingsAndWindowCarryTheOptions) {
  Http2Settings settings;
  settings.allow_connect = true;
  settings.hpack_table_size = 1234;
  settings.max_concurrent_streams = 77;
  settings.initial_stream_window_size = 100000;
  settings.initial_connection_window_size = 1000000;
  settings.max_headers_kb = 32;
  BufferOutput out;
  FakeServerCallbacks callbacks;
  ServerConnectionImpl codec(out, callbacks, settings);
  const auto frames = readFrames(out.pending);
  const Frame* s = findFrame(frames, NGHTTP2_SETTINGS);
  ASSERT_NE(s, nullptr);
  std::map<int, uint32_t> values;
  for (size_t at = 0; at + 6 <= s->payload.size(); at += 6) {
    const auto* p = reinterpret_cast<const uint8_t*>(s->payload.data()) + at;
    values[(p[0] << 8) | p[1]] =
        (uint32_t{p[2]} << 24) | (uint32_t{p[3]} << 16) | (uint32_t{p[4]} << 8) | p[5];
  }
  EXPECT_EQ(values[NGHTTP2_SETTINGS_HEADER_TABLE_SIZE], 1234u);
  EXPECT_EQ(values[NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS], 77u);
  EXPECT_EQ(values[NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE], 100000u);
  EXPECT_EQ(values[NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE], 32u * 1024);
  EXPECT_EQ(values[NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL], 1u);
  // The connection window grows from the protocol's 65535 to the configured size.
  const Frame* w = findFrame(frames, NGHTTP2_WINDOW_UPDATE);
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->stream_id, 0u);
  EXPECT_EQ(w->payload, u32(1000000 - 65535));
}

TEST(Http2ServerCodecTest, MaxConcurrentStreamsIsEnforced) {
  Http2Settings settings;
  settings.max_concurrent_streams = 2;
  Server server(settings);
  RawClient client;
  // The client acknowledges our SETTINGS, then opens three streams that stay open.
  std::string input = RawClient::preface() + frame(NGHTTP2_SETTINGS, NGHTTP2_FLAG_ACK, 0);
  for (uint32_t id : {1u, 3u, 5u}) {
    input += client.headers(
        id, {{":method", "POST"}, {":scheme", "http"}, {":authority", "a"}, {":path", "/"}}, false);
  }
  server.feed(input).IgnoreError();
  EXPECT_EQ(server.callbacks.exchanges.size(), 2u);
  const auto frames = server.frames();
  // nghttp2 makes a stream over the acknowledged limit a connection error.
  const Frame* goaway = findFrame(frames, NGHTTP2_GOAWAY);
  ASSERT_NE(goaway, nullptr);
  EXPECT_EQ(goaway->errorCode(), static_cast<uint32_t>(NGHTTP2_PROTOCOL_ERROR));
  EXPECT_EQ(std::string(server.status.message()), "http2.codec_error: PROTOCOL_ERROR");
  EXPECT_TRUE(server.out.closed);
  ASSERT_EQ(server.callbacks.decoder(0).resets.size(), 1u);
  EXPECT_EQ(server.callbacks.decoder(0).resets[0], StreamResetReason::kConnectionTermination);
}

}  // namespace
}  // namespace meshproxy::http::http2

namespace meshproxy::http::http2 {
namespace {

TEST(Http2ServerCodecTest, RapidResetIsCutOff) {
  // CVE-2023-44487, Envoy's rule: once half of premature_reset_total_stream_count (500) streams
  // were reset by the peer right after opening, GOAWAY ENHANCE_YOUR_CALM. Without it this
  // connection would take up to nghttp2's own limit (1000 resets, the next test).
  Server server;
  RawClient client;
  std::string input = RawClient::preface();
  for (uint32_t i = 0; i < 1100; ++i) {
    const uint32_t id = 1 + 2 * i;
    input += client.get(id) + frame(NGHTTP2_RST_STREAM, 0, id, u32(NGHTTP2_CANCEL));
  }
  server.feed(input).IgnoreError();
  EXPECT_EQ(std::string(server.status.message()), "http2.too_many_premature_resets");
  EXPECT_TRUE(server.out.closed);
  const auto frames = server.frames();
  const Frame* goaway = findFrame(frames, NGHTTP2_GOAWAY);
  ASSERT_NE(goaway, nullptr);
  EXPECT_EQ(goaway->errorCode(), static_cast<uint32_t>(NGHTTP2_ENHANCE_YOUR_CALM));
  // Its last-stream-id is where the rule hit: the 250th reset.
  EXPECT_EQ(testing::u32(499), goaway->payload.substr(0, 4));
  EXPECT_EQ(server.codec.streamCount(), 0u);
}

TEST(Http2ServerCodecTest, NghttpResetRateLimitStaysBehindThePrematureResetRule) {
  // With the rule out of reach, nghttp2's reset rate limit (Debian's 1.52 carries it: 1000
  // burst, 33/s) still cuts the connection.
  Http2Settings settings;
  settings.premature_reset_total_stream_count = 1000000;
  Server server(settings);
  RawClient client;
  std::string input = RawClient::preface();
  for (uint32_t i = 0; i < 1100; ++i) {
    const uint32_t id = 1 + 2 * i;
    input += client.get(id) + frame(NGHTTP2_RST_STREAM, 0, id, u32(NGHTTP2_CANCEL));
  }
  server.feed(input).IgnoreError();
  EXPECT_EQ(std::string(server.status.message()), "http2.codec_error: INTERNAL_ERROR");
  const auto frames = server.frames();
  const Frame* goaway = findFrame(frames, NGHTTP2_GOAWAY);
  ASSERT_NE(goaway, nullptr);
  EXPECT_EQ(goaway->errorCode(), static_cast<uint32_t>(NGHTTP2_INTERNAL_ERROR));
  EXPECT_EQ(testing::u32(2001), goaway->payload.substr(0, 4));  // the 1001st reset
}

TEST(Http2ServerCodecTest, ContinuationFloodIsCutOff) {
  Server server;
  RawClient client;
  std::vector<std::pair<std::string, std::string>> fields = {
      {":method", "GET"}, {":scheme", "http"}, {":authority", "a"}, {":path", "/"}};
  for (int i = 0; i < 20; ++i) fields.push_back({"x-field-" + std::to_string(i), "value"});
  const std::string block = client.block(fields);
  ASSERT_GT(block.size(), 20u);
  // One byte per frame: HEADERS, then more CONTINUATION frames than nghttp2 allows (8).
  std::string input =
      RawClient::preface() + frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_STREAM, 1, block.substr(0, 1));
  for (size_t i = 1; i < 12; ++i) input += frame(NGHTTP2_CONTINUATION, 0, 1, block.substr(i, 1));
  EXPECT_FALSE(server.feed(input).ok());
  EXPECT_TRUE(server.out.closed);
  EXPECT_NE(findFrame(server.frames(), NGHTTP2_GOAWAY), nullptr);
  EXPECT_TRUE(server.callbacks.exchanges.empty());
}

TEST(Http2ServerCodecTest, StreamOpenedAfterGoAwayIsIgnored) {
  Server server;
  RawClient client;
  ASSERT_TRUE(
      server
          .feed(RawClient::preface() +
                client.headers(
                    1,
                    {{":method", "POST"}, {":scheme", "http"}, {":authority", "a"}, {":path", "/"}},
                    false))
          .ok());
  server.codec.goAway();
  const auto frames = server.frames();
  const Frame* goaway = findFrame(frames, NGHTTP2_GOAWAY);
  ASSERT_NE(goaway, nullptr);
  EXPECT_EQ(goaway->errorCode(), static_cast<uint32_t>(NGHTTP2_NO_ERROR));
  // Last-stream-id 1: stream 3 is not processed; stream 1 finishes normally.
  ASSERT_TRUE(
      server.feed(client.get(3) + frame(NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, 1, "x")).ok());
  EXPECT_EQ(server.callbacks.exchanges.size(), 1u);
  EXPECT_EQ(server.callbacks.decoder(0).body, "x");
  EXPECT_FALSE(server.out.closed);
  server.callbacks.encoder(0).encodeHeaders(*testing::makeHeaders({{":status", "200"}}), true);
  EXPECT_TRUE(server.out.closed);
}

}  // namespace
}  // namespace meshproxy::http::http2
