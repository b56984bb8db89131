// Our HTTP/2 client codec and server codec wired back to back: every byte between them is
// real HTTP/2 framing produced and parsed by nghttp2.
#include <gtest/gtest.h>

#include <string>

#include "proxy/core/event_loop.h"
#include "proxy/core/timer.h"
#include "tests/unit/http/http2_test_support.h"

namespace meshproxy::http::http2 {
namespace {

using testing::bufferOf;
using testing::CodecPair;
using testing::formatHeaders;
using testing::makeHeaders;
using testing::RecordingDecoder;

std::unique_ptr<HeaderMap> getRequest(std::string_view path = "/") {
  return makeHeaders(
      {{":method", "GET"}, {":scheme", "https"}, {":authority", "example.com"}, {":path", path}});
}

std::unique_ptr<HeaderMap> postRequest() {
  return makeHeaders({{":method", "POST"},
                      {":scheme", "http"},
                      {":authority", "example.com"},
                      {":path", "/upload"},
                      {"content-type", "application/grpc"}});
}

TEST(Http2CodecTest, RequestAndResponseHeadersKeepTheHttp1Shape) {
  CodecPair pair;
  RecordingDecoder response;
  auto request = getRequest("/a?b=c");
  request->add("x-custom", "1");
  request->add("connection", "keep-alive");  // HTTP/1 only: never sent over HTTP/2
  request->add("te", "trailers");            // the one te value HTTP/2 allows
  pair.request(response).encodeHeaders(*request, true);
  pair.pump();

  ASSERT_EQ(pair.server_callbacks.exchanges.size(), 1u);
  RecordingDecoder& server_side = pair.server_callbacks.decoder(0);
  ASSERT_NE(server_side.headers, nullptr);
  EXPECT_EQ(formatHeaders(*server_side.headers),
            ":method: GET\n:scheme: https\n:authority: example.com\n:path: /a?b=c\n"
            "x-custom: 1\nte: trailers\n");
  EXPECT_EQ(server_side.end_on, "headers");

  auto headers = makeHeaders({{":status", "200"}, {"content-type", "text/plain"}});
  pair.server_callbacks.encoder(0).encodeHeaders(*headers, true);
  pair.pump();
  ASSERT_NE(response.headers, nullptr);
  EXPECT_EQ(formatHeaders(*response.headers), ":status: 200\ncontent-type: text/plain\n");
  EXPECT_EQ(response.end_on, "headers");
  EXPECT_TRUE(response.resets.empty());
  EXPECT_TRUE(pair.client.idle());
  EXPECT_EQ(pair.server.streamCount(), 0u);
}

TEST(Http2CodecTest, HostBecomesAuthorityAndCookiesAreJoined) {
  CodecPair pair;
  RecordingDecoder response;
  auto request = makeHeaders({{":method", "GET"},
                              {":scheme", "http"},
                              {":path", "/"},
                              {"host", "h.example:8080"},
                              {"cookie", "a=1"},
                              {"cookie", "b=2"}});
  pair.request(response).encodeHeaders(*request, true);
  pair.pump();
  ASSERT_EQ(pair.server_callbacks.exchanges.size(), 1u);
  const HeaderMap& seen = *pair.server_callbacks.decoder(0).headers;
  EXPECT_EQ(seen.authority(), "h.example:8080");
  EXPECT_FALSE(seen.has("host"));
  EXPECT_EQ(seen.get("cookie").value_or(""), "a=1; b=2");
  EXPECT_EQ(seen.count("cookie"), 1u);
}

TEST(Http2CodecTest, BodiesBothWaysEndWithEndStream) {
  CodecPair pair;
  RecordingDecoder response;
  RequestEncoder& encoder = pair.request(response);
  encoder.encodeHeaders(*postRequest(), false);
  Buffer part1 = bufferOf("hello ");
  encoder.encodeData(part1, false);
  pair.pump();
  Buffer part2 = bufferOf("world");
  encoder.encodeData(part2, true);
  pair.pump();

  RecordingDecoder& server_side = pair.server_callbacks.decoder(0);
  EXPECT_EQ(server_side.body, "hello world");
  EXPECT_EQ(server_side.end_on, "data");

  ResponseEncoder& reply = pair.server_callbacks.encoder(0);
  auto headers = makeHeaders({{":status", "200"}});
  reply.encodeHeaders(*headers, false);
  Buffer body = bufferOf("response body");
  reply.encodeData(body, false);
  Buffer empty;
  reply.encodeData(empty, true);
  pair.pump();
  EXPECT_EQ(response.body, "response body");
  EXPECT_EQ(response.end_on, "data");
  EXPECT_TRUE(response.resets.empty());
  EXPECT_TRUE(server_side.resets.empty());
}

TEST(Http2CodecTest, TrailersBothWays) {
  CodecPair pair;
  RecordingDecoder response;
  RequestEncoder& encoder = pair.request(response);
  encoder.encodeHeaders(*postRequest(), false);
  Buffer message =
      bufferOf(std::string("\0\0\0\0\x03"
                           "abc",
                           8));
  encoder.encodeData(message, false);
  encoder.encodeTrailers(*makeHeaders({{"x-request-trailer", "t1"}}));
  pair.pump();

  RecordingDecoder& server_side = pair.server_callbacks.decoder(0);
  EXPECT_EQ(server_side.body.size(), 8u);
  ASSERT_NE(server_side.trailers, nullptr);
  EXPECT_EQ(formatHeaders(*server_side.trailers), "x-request-trailer: t1\n");
  EXPECT_EQ(server_side.end_on, "trailers");

  ResponseEncoder& reply = pair.server_callbacks.encoder(0);
  reply.encodeHeaders(*makeHeaders({{":status", "200"}, {"content-type", "application/grpc"}}),
                      false);
  Buffer out = bufferOf("reply");
  reply.encodeData(out, false);
  reply.encodeTrailers(*makeHeaders({{"grpc-status", "0"}, {"grpc-message", "ok"}}));
  pair.pump();
  EXPECT_EQ(response.body, "reply");
  ASSERT_NE(response.trailers, nullptr);
  EXPECT_EQ(formatHeaders(*response.trailers), "grpc-status: 0\ngrpc-message: ok\n");
  EXPECT_EQ(response.end_on, "trailers");
  EXPECT_TRUE(pair.client.idle());
}

TEST(Http2CodecTest, TrailersRightAfterHeaders) {
  // gRPC trailers-only responses and requests without a body.
  CodecPair pair;
  RecordingDecoder response;
  RequestEncoder& encoder = pair.request(response);
  encoder.encodeHeaders(*postRequest(), false);
  encoder.encodeTrailers(*makeHeaders({{"x-t", "1"}}));
  pair.pump();
  RecordingDecoder& server_side = pair.server_callbacks.decoder(0);
  EXPECT_EQ(server_side.body, "");
  ASSERT_NE(server_side.trailers, nullptr);
  EXPECT_EQ(server_side.end_on, "trailers");
}

TEST(Http2CodecTest, ManyStreamsInterleaveOnOneConnection) {
  CodecPair pair;
  constexpr int kStreams = 50;
  std::vector<std::unique_ptr<RecordingDecoder>> responses;
  for (int i = 0; i < kStreams; ++i) {
    responses.push_back(std::make_unique<RecordingDecoder>());
    RequestEncoder& encoder = pair.request(*responses.back());
    encoder.encodeHeaders(*getRequest("/" + std::to_string(i)), true);
  }
  EXPECT_EQ(pair.client.activeStreamCount(), static_cast<uint32_t>(kStreams));
  pair.pump();
  ASSERT_EQ(pair.server_callbacks.exchanges.size(), static_cast<size_t>(kStreams));
  // Answer in reverse order.
  for (int i = kStreams - 1; i >= 0; --i) {
    ResponseEncoder& reply = pair.server_callbacks.encoder(i);
    reply.encodeHeaders(*makeHeaders({{":status", "200"}}), false);
    Buffer body = bufferOf(std::string(pair.server_callbacks.decoder(i).headers->path()));
    reply.encodeData(body, true);
  }
  pair.pump();
  for (int i = 0; i < kStreams; ++i) {
    EXPECT_EQ(responses[i]->body, "/" + std::to_string(i));
    EXPECT_EQ(responses[i]->end_on, "data");
  }
  EXPECT_EQ(pair.client.activeStreamCount(), 0u);
}

TEST(Http2CodecTest, InterimResponsesAreDroppedByTheClient) {
  CodecPair pair;
  RecordingDecoder response;
  RequestEncoder& encoder = pair.request(response);
  auto request = postRequest();
  request->add("expect", "100-continue");
  encoder.encodeHeaders(*request, false);
  pair.pump();
  pair.server_callbacks.encoder(0).encode1xxHeaders(*makeHeaders({{":status", "100"}}));
  pair.pump();
  EXPECT_EQ(response.header_calls, 0);
  Buffer body = bufferOf("x");
  encoder.encodeData(body, true);
  pair.server_callbacks.encoder(0).encodeHeaders(*makeHeaders({{":status", "201"}}), true);
  pair.pump();
  EXPECT_EQ(response.header_calls, 1);
  EXPECT_EQ(response.headers->status(), 201u);
}

TEST(Http2CodecTest, ClientResetReachesTheServerAsARemoteReset) {
  CodecPair pair;
  RecordingDecoder response;
  RequestEncoder& encoder = pair.request(response);
  encoder.encodeHeaders(*postRequest(), false);
  pair.pump();
  encoder.stream().resetStream(StreamResetReason::kLocalReset);
  ASSERT_EQ(response.resets.size(), 1u);
  EXPECT_EQ(response.resets[0], StreamResetReason::kLocalReset);
  pair.pump();
  RecordingDecoder& server_side = pair.server_callbacks.decoder(0);
  ASSERT_EQ(server_side.resets.size(), 1u);
  EXPECT_EQ(server_side.resets[0], StreamResetReason::kRemoteReset);
  EXPECT_EQ(pair.server.streamCount(), 0u);
  EXPECT_EQ(pair.client.activeStreamCount(), 0u);
  // The connection lives on.
  RecordingDecoder second;
  pair.request(second).encodeHeaders(*getRequest(), true);
  pair.pump();
  EXPECT_EQ(pair.server_callbacks.exchanges.size(), 2u);
}

struct ResetCase {
  StreamResetReason sent;
  StreamResetReason seen_by_client;
};

class Http2ServerResetTest : public ::testing::TestWithParam<ResetCase> {};

TEST_P(Http2ServerResetTest, ServerResetIsMappedToTheClientsReason) {
  CodecPair pair;
  RecordingDecoder response;
  pair.request(response).encodeHeaders(*postRequest(), false);
  pair.pump();
  pair.server_callbacks.encoder(0).stream().resetStream(GetParam().sent);
  pair.pump();
  ASSERT_EQ(response.resets.size(), 1u);
  EXPECT_EQ(response.resets[0], GetParam().seen_by_client);
  ASSERT_EQ(pair.server_callbacks.decoder(0).resets.size(), 1u);
  EXPECT_EQ(pair.server_callbacks.decoder(0).resets[0], GetParam().sent);
}

INSTANTIATE_TEST_SUITE_P(
    Reasons, Http2ServerResetTest,
    ::testing::Values(ResetCase{StreamResetReason::kLocalRefusedStreamReset,
                                StreamResetReason::kRemoteRefusedStreamReset},
                      ResetCase{StreamResetReason::kConnectError, StreamResetReason::kConnectError},
                      ResetCase{StreamResetReason::kLocalReset, StreamResetReason::kRemoteReset},
                      ResetCase{StreamResetReason::kProtocolError,
                                StreamResetReason::kRemoteReset}));

TEST(Http2CodecTest, ClientReportsSettingsAndActiveStreams) {
  Http2Settings server_settings;
  server_settings.max_concurrent_streams = 5;
  CodecPair pair({}, server_settings);
  ASSERT_EQ(pair.client_callbacks.max_concurrent_streams.size(), 1u);
  EXPECT_EQ(pair.client_callbacks.max_concurrent_streams[0], 5u);
  EXPECT_EQ(pair.client.peerMaxConcurrentStreams(), 5u);
  EXPECT_TRUE(pair.client.idle());
  RecordingDecoder a, b;
  pair.request(a).encodeHeaders(*getRequest(), true);
  pair.request(b).encodeHeaders(*getRequest(), true);
  EXPECT_EQ(pair.client.activeStreamCount(), 2u);
  EXPECT_FALSE(pair.client.idle());
  pair.pump();
  pair.server_callbacks.encoder(0).encodeHeaders(*makeHeaders({{":status", "204"}}), true);
  pair.pump();
  EXPECT_EQ(pair.client.activeStreamCount(), 1u);
}

TEST(Http2CodecTest, GoAwayDrainsThenTheServerCloses) {
  CodecPair pair;
  RecordingDecoder first;
  pair.request(first).encodeHeaders(*getRequest(), true);
  pair.pump();
  pair.server.goAway();
  EXPECT_TRUE(pair.server.wantsToClose());
  pair.pump();
  ASSERT_EQ(pair.client_callbacks.goaways.size(), 1u);
  EXPECT_EQ(pair.client_callbacks.goaways[0], GoAwayErrorCode::kNoError);
  EXPECT_FALSE(pair.client.reusable());
  EXPECT_FALSE(pair.server_out.closed);  // a stream is still open

  // A stream the client opens after the GOAWAY is refused, never processed.
  RecordingDecoder late;
  pair.request(late).encodeHeaders(*getRequest("/late"), true);
  pair.pump();
  EXPECT_EQ(pair.server_callbacks.exchanges.size(), 1u);
  ASSERT_EQ(late.resets.size(), 1u);
  EXPECT_EQ(late.resets[0], StreamResetReason::kRemoteRefusedStreamReset);

  // The one in flight completes, then the server closes the connection.
  pair.server_callbacks.encoder(0).encodeHeaders(*makeHeaders({{":status", "200"}}), true);
  pair.pump();
  EXPECT_EQ(first.headers->status(), 200u);
  EXPECT_TRUE(first.resets.empty());
  EXPECT_TRUE(pair.server_out.closed);
  EXPECT_EQ(pair.server_out.close_type, network::CloseType::kFlushWrite);
}

TEST(Http2CodecTest, ShutdownNoticeKeepsStreamsComing) {
  CodecPair pair;
  pair.server.shutdownNotice();
  pair.pump();
  ASSERT_EQ(pair.client_callbacks.goaways.size(), 1u);
  EXPECT_FALSE(pair.server_out.closed);
  pair.server.goAway();
  pair.pump();
  // No stream open: the final GOAWAY ends the connection at once.
  EXPECT_TRUE(pair.server_out.closed);
}

TEST(Http2CodecTest, ConnectionCloseResetsOpenStreams) {
  CodecPair pair;
  RecordingDecoder response;
  pair.request(response).encodeHeaders(*postRequest(), false);
  pair.pump();
  pair.client.onConnectionClosed();
  pair.server.onConnectionClosed();
  ASSERT_EQ(response.resets.size(), 1u);
  EXPECT_EQ(response.resets[0], StreamResetReason::kConnectionTermination);
  ASSERT_EQ(pair.server_callbacks.decoder(0).resets.size(), 1u);
  EXPECT_EQ(pair.server_callbacks.decoder(0).resets[0], StreamResetReason::kConnectionTermination);
}

// ---- flow control --------------------------------------------------------------------------

Http2Settings smallWindows() {
  Http2Settings s;
  s.initial_stream_window_size = 65535;
  s.initial_connection_window_size = 65535;
  return s;
}

TEST(Http2CodecTest, LargeBodiesCrossSmallWindows) {
  CodecPair pair(smallWindows(), smallWindows());
  RecordingDecoder response;
  RequestEncoder& encoder = pair.request(response);
  encoder.encodeHeaders(*postRequest(), false);
  const std::string big(1024 * 1024 + 7, 'x');
  Buffer body = bufferOf(big);
  encoder.encodeData(body, true);
  pair.pump();
  EXPECT_EQ(pair.server_callbacks.decoder(0).body.size(), big.size());
  EXPECT_EQ(pair.server_callbacks.decoder(0).end_on, "data");

  ResponseEncoder& reply = pair.server_callbacks.encoder(0);
  reply.encodeHeaders(*makeHeaders({{":status", "200"}}), false);
  Buffer back = bufferOf(big);
  reply.encodeData(back, true);
  pair.pump();
  EXPECT_EQ(response.body.size(), big.size());
  EXPECT_EQ(response.end_on, "data");
}

TEST(Http2CodecTest, ReadDisabledStreamHoldsItsWindowAndNotTheOthers) {
  CodecPair pair(smallWindows(), smallWindows());
  RecordingDecoder slow_response, fast_response;
  RequestEncoder& slow = pair.request(slow_response);
  slow.encodeHeaders(*postRequest(), false);
  pair.pump();
  // The server's reader of the slow stream stops.
  pair.server_callbacks.encoder(0).stream().readDisable(true);

  const std::string big(200 * 1024, 's');
  Buffer body = bufferOf(big);
  slow.encodeData(body, true);
  pair.pump();
  RecordingDecoder& slow_server = pair.server_callbacks.decoder(0);
  // Nothing delivered, and the client could send no more than one stream window.
  EXPECT_EQ(slow_server.body.size(), 0u);
  auto& slow_stream = static_cast<StreamImpl&>(slow.stream());
  EXPECT_EQ(slow_stream.pendingSendBytes(), big.size() - 65535);

  // Another stream on the same connection is not blocked (connection window returned).
  RequestEncoder& fast = pair.request(fast_response);
  fast.encodeHeaders(*postRequest(), false);
  Buffer fast_body = bufferOf(std::string(100 * 1024, 'f'));
  fast.encodeData(fast_body, true);
  pair.pump();
  ASSERT_EQ(pair.server_callbacks.exchanges.size(), 2u);
  EXPECT_EQ(pair.server_callbacks.decoder(1).body.size(), 100u * 1024);

  // Reading again: what was held arrives, the window opens, the rest follows.
  pair.server_callbacks.encoder(0).stream().readDisable(false);
  pair.pump();
  EXPECT_EQ(slow_server.body.size(), big.size());
  EXPECT_EQ(slow_server.end_on, "data");
}

TEST(Http2CodecTest, ReadDisableIsCounted) {
  CodecPair pair(smallWindows(), smallWindows());
  RecordingDecoder response;
  RequestEncoder& encoder = pair.request(response);
  encoder.encodeHeaders(*postRequest(), false);
  pair.pump();
  Stream& server_stream = pair.server_callbacks.encoder(0).stream();
  server_stream.readDisable(true);
  server_stream.readDisable(true);
  Buffer body = bufferOf("abc");
  encoder.encodeData(body, false);
  encoder.encodeTrailers(*makeHeaders({{"x-t", "1"}}));
  pair.pump();
  server_stream.readDisable(false);
  EXPECT_EQ(pair.server_callbacks.decoder(0).body, "");
  server_stream.readDisable(false);
  EXPECT_EQ(pair.server_callbacks.decoder(0).body, "abc");
  // Trailers held behind the data come after it.
  EXPECT_EQ(pair.server_callbacks.decoder(0).end_on, "trailers");
}

TEST(Http2CodecTest, HeldDataOutlivesTheStreamsClose) {
  // The response ends while the client's reader is paused: it still gets all of it.
  CodecPair pair;
  RecordingDecoder response;
  RequestEncoder& encoder = pair.request(response);
  encoder.encodeHeaders(*getRequest(), true);
  pair.pump();
  encoder.stream().readDisable(true);
  ResponseEncoder& reply = pair.server_callbacks.encoder(0);
  reply.encodeHeaders(*makeHeaders({{":status", "200"}}), false);
  Buffer body = bufferOf("late body");
  reply.encodeData(body, true);
  pair.pump();
  EXPECT_EQ(response.body, "");
  EXPECT_EQ(pair.client.activeStreamCount(), 1u);
  encoder.stream().readDisable(false);
  EXPECT_EQ(response.body, "late body");
  EXPECT_EQ(response.end_on, "data");
  EXPECT_TRUE(response.resets.empty());
  EXPECT_EQ(pair.client.activeStreamCount(), 0u);
}

TEST(Http2CodecTest, StreamSendBufferRaisesWatermarks) {
  Http2Settings client = smallWindows();
  client.stream_buffer_limit = 32 * 1024;
  CodecPair pair(client, smallWindows());
  RecordingDecoder response;
  RequestEncoder& encoder = pair.request(response);
  encoder.encodeHeaders(*postRequest(), false);
  pair.pump();
  pair.server_callbacks.encoder(0).stream().readDisable(true);
  Buffer body = bufferOf(std::string(200 * 1024, 'w'));
  encoder.encodeData(body, false);
  EXPECT_EQ(response.above_watermark_calls, 1);
  pair.pump();
  EXPECT_EQ(response.below_watermark_calls, 0);
  pair.server_callbacks.encoder(0).stream().readDisable(false);
  pair.pump();
  EXPECT_EQ(response.below_watermark_calls, 1);
  EXPECT_EQ(pair.server_callbacks.decoder(0).body.size(), 200u * 1024);
}

TEST(Http2CodecTest, ConnectionWatermarksReachEveryStreamAndHoldFrames) {
  CodecPair pair;
  RecordingDecoder a, b;
  RequestEncoder& ea = pair.request(a);
  ea.encodeHeaders(*postRequest(), false);
  pair.request(b).encodeHeaders(*postRequest(), false);
  pair.pump();
  pair.client.onUnderlyingConnectionAboveWriteBufferHighWatermark();
  EXPECT_EQ(a.above_watermark_calls, 1);
  EXPECT_EQ(b.above_watermark_calls, 1);
  // A subscriber arriving now learns the state.
  RecordingDecoder c;
  pair.request(c);
  EXPECT_EQ(c.above_watermark_calls, 1);
  // Frames wait in nghttp2 while the connection cannot take them.
  Buffer data = bufferOf("held");
  ea.encodeData(data, true);
  EXPECT_TRUE(pair.client_out.pending.empty());
  pair.client.onUnderlyingConnectionBelowWriteBufferLowWatermark();
  EXPECT_EQ(a.below_watermark_calls, 1);
  EXPECT_EQ(b.below_watermark_calls, 1);
  EXPECT_FALSE(pair.client_out.pending.empty());
  pair.pump();
  EXPECT_EQ(pair.server_callbacks.decoder(0).body, "held");
}

TEST(Http2CodecTest, ReadResumeWithALoopHappensOnALaterIteration) {
  EventLoop loop;
  Http2Settings server = smallWindows();
  server.loop = &loop;
  CodecPair pair(smallWindows(), server);
  RecordingDecoder response;
  RequestEncoder& encoder = pair.request(response);
  encoder.encodeHeaders(*postRequest(), false);
  pair.pump();
  Stream& server_stream = pair.server_callbacks.encoder(0).stream();
  server_stream.readDisable(true);
  Buffer body = bufferOf("abc");
  encoder.encodeData(body, true);
  pair.pump();
  server_stream.readDisable(false);
  EXPECT_EQ(pair.server_callbacks.decoder(0).body, "");  // not from inside readDisable
  Timer stop(loop.uv(), [&] { loop.stop(); });
  stop.enable(std::chrono::milliseconds(20));
  loop.run();
  EXPECT_EQ(pair.server_callbacks.decoder(0).body, "abc");
}

// ---- upgrades ------------------------------------------------------------------------------

TEST(Http2CodecTest, WebSocketUpgradeTravelsAsExtendedConnect) {
  Http2Settings both;
  both.allow_connect = true;
  CodecPair pair(both, both);
  RecordingDecoder response;
  auto request = makeHeaders({{":method", "GET"},
                              {":scheme", "http"},
                              {":path", "/ws"},
                              {":authority", "a"},
                              {"connection", "upgrade"},
                              {"upgrade", "websocket"},
                              {"sec-websocket-version", "13"}});
  RequestEncoder& encoder = pair.request(response);
  encoder.encodeHeaders(*request, false);
  pair.pump();
  ASSERT_EQ(pair.server_callbacks.exchanges.size(), 1u);
  const HeaderMap& seen = *pair.server_callbacks.decoder(0).headers;
  EXPECT_EQ(seen.method(), "GET");
  EXPECT_EQ(seen.get(":protocol").value_or(""), "websocket");
  EXPECT_EQ(seen.get("upgrade").value_or(""), "websocket");
  EXPECT_EQ(seen.get("connection").value_or(""), "upgrade");

  pair.server_callbacks.encoder(0).encodeHeaders(
      *makeHeaders({{":status", "101"}, {"upgrade", "websocket"}, {"connection", "upgrade"}}),
      false);
  pair.pump();
  ASSERT_NE(response.headers, nullptr);
  EXPECT_EQ(response.headers->status(), 101u);
  EXPECT_EQ(response.headers->get("upgrade").value_or(""), "websocket");
  Buffer frame = bufferOf("ws-bytes");
  encoder.encodeData(frame, false);
  pair.pump();
  EXPECT_EQ(pair.server_callbacks.decoder(0).body, "ws-bytes");
}

TEST(Http2CodecTest, UpgradeWithoutAllowConnectIsRefusedLocally) {
  CodecPair pair;
  RecordingDecoder response;
  auto request = makeHeaders({{":method", "GET"},
                              {":scheme", "http"},
                              {":path", "/ws"},
                              {":authority", "a"},
                              {"connection", "upgrade"},
                              {"upgrade", "websocket"}});
  pair.request(response).encodeHeaders(*request, false);
  ASSERT_EQ(response.resets.size(), 1u);
  EXPECT_EQ(response.resets[0], StreamResetReason::kProtocolError);
  pair.pump();
  EXPECT_TRUE(pair.server_callbacks.exchanges.empty());
  EXPECT_EQ(pair.client.activeStreamCount(), 0u);
}

// ---- keepalive -----------------------------------------------------------------------------

TEST(Http2CodecTest, KeepaliveClosesWhenPingsGoUnanswered) {
  EventLoop loop;
  Http2Settings client;
  client.loop = &loop;
  client.keepalive_interval = std::chrono::milliseconds(10);
  client.keepalive_timeout = std::chrono::milliseconds(20);
  client.keepalive_interval_jitter_percent = 0;
  CodecPair pair(client, {});
  // Answered PINGs keep it open...
  Timer pump(loop.uv(), [&] { pair.pump(); });
  pump.enableRepeating(std::chrono::milliseconds(2));
  Timer stop(loop.uv(), [&] { loop.stop(); });
  stop.enable(std::chrono::milliseconds(80));
  loop.run();
  EXPECT_FALSE(pair.client_out.closed);
  // ...a peer that stops answering does not.
  pump.disable();
  pair.client_out.pending.clear();
  stop.enable(std::chrono::milliseconds(100));
  loop.run();
  EXPECT_TRUE(pair.client_out.closed);
  EXPECT_FALSE(pair.client.reusable());
}

}  // namespace
}  // namespace meshproxy::http::http2

namespace meshproxy::http::http2 {
namespace {

TEST(Http2CodecTest, ResponseCompleteBeforeTheRequestEndsTheStreamWithoutAReset) {
  CodecPair pair;
  RecordingDecoder response;
  RequestEncoder& encoder = pair.request(response);
  encoder.encodeHeaders(*postRequest(), false);
  Buffer part = bufferOf("partial");
  encoder.encodeData(part, false);
  pair.pump();
  // The server answers without reading the rest (a 413, a redirect...).
  pair.server_callbacks.encoder(0).encodeHeaders(*makeHeaders({{":status", "413"}}), true);
  pair.pump();
  EXPECT_EQ(response.headers->status(), 413u);
  EXPECT_EQ(response.end_on, "headers");
  EXPECT_TRUE(response.resets.empty());
  EXPECT_TRUE(pair.server_callbacks.decoder(0).resets.empty());
  EXPECT_EQ(pair.server.streamCount(), 0u);
  EXPECT_TRUE(pair.client.idle());
  // The server asked the client to stop (RST_STREAM NO_ERROR): the late body goes nowhere.
  Buffer rest = bufferOf("rest");
  encoder.encodeData(rest, true);
  pair.pump();
  EXPECT_EQ(pair.server_callbacks.decoder(0).body, "partial");
}

}  // namespace
}  // namespace meshproxy::http::http2

namespace meshproxy::http::http2 {
namespace {

TEST(Http2CodecTest, StreamResetBeforeItsHeadersLeftIsForgotten) {
  CodecPair pair;
  pair.client.onUnderlyingConnectionAboveWriteBufferHighWatermark();
  RecordingDecoder response;
  RequestEncoder& encoder = pair.request(response);
  encoder.encodeHeaders(*postRequest(), false);
  EXPECT_TRUE(pair.client_out.pending.empty());  // HEADERS still queued in nghttp2
  encoder.stream().resetStream(StreamResetReason::kLocalReset);
  pair.client.onUnderlyingConnectionBelowWriteBufferLowWatermark();
  pair.pump();
  EXPECT_EQ(response.resets.size(), 1u);
  EXPECT_EQ(pair.client.activeStreamCount(), 0u);
  EXPECT_TRUE(pair.server_callbacks.exchanges.empty());
  // The connection is fine.
  RecordingDecoder next;
  pair.request(next).encodeHeaders(*getRequest(), true);
  pair.pump();
  EXPECT_EQ(pair.server_callbacks.exchanges.size(), 1u);
}

}  // namespace
}  // namespace meshproxy::http::http2
