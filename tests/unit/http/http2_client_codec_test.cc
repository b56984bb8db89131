// The HTTP/2 client codec fed by hand-written server frames (HPACK by nghttp2's encoder).
#include <gtest/gtest.h>

#include <string>

#include "tests/unit/http/http2_test_support.h"

namespace meshproxy::http::http2 {
namespace {

using testing::BufferOutput;
using testing::findFrame;
using testing::formatHeaders;
using testing::Frame;
using testing::frame;
using testing::makeHeaders;
using testing::RawClient;
using testing::readFrames;
using testing::RecordingConnectionCallbacks;
using testing::RecordingDecoder;
using testing::u32;

std::string settingsFrame(uint16_t id, uint32_t value) {
  std::string payload = {static_cast<char>(id >> 8), static_cast<char>(id & 0xff)};
  return frame(NGHTTP2_SETTINGS, 0, 0, payload + u32(value));
}

struct Client {
  explicit Client(Http2Settings settings = {}) : codec(out, &callbacks, settings) {}

  RequestEncoder& get(RecordingDecoder& decoder) {
    RequestEncoder& encoder = codec.newStream(decoder);
    encoder.stream().addCallbacks(decoder);
    encoder.encodeHeaders(
        *makeHeaders(
            {{":method", "GET"}, {":scheme", "http"}, {":authority", "a"}, {":path", "/"}}),
        true);
    return encoder;
  }
  absl::Status feed(const std::string& bytes, size_t step = 0) {
    if (step == 0) step = bytes.size();
    for (size_t at = 0; at < bytes.size(); at += step) {
      Buffer b = testing::bufferOf(bytes.substr(at, step));
      status = codec.dispatch(b);
      if (!status.ok()) break;
    }
    return status;
  }

  BufferOutput out;
  RecordingConnectionCallbacks callbacks;
  ClientConnectionImpl codec;
  RawClient hpack;  // HPACK encoder for response header blocks
  absl::Status status;
};

TEST(Http2ClientCodecTest, SendsThePrefaceAndSettings) {
  Client client;
  std::string bytes = client.out.pending.toString();
  ASSERT_GE(bytes.size(), testing::kClientPreface.size());
  EXPECT_EQ(bytes.substr(0, testing::kClientPreface.size()), testing::kClientPreface);
}

TEST(Http2ClientCodecTest, ResponseWithTrailersAcrossEverySplit) {
  for (size_t step : {size_t{1}, size_t{5}, size_t{0}}) {
    SCOPED_TRACE(step);
    Client client;
    RecordingDecoder response;
    client.get(response);
    const std::string input =
        frame(NGHTTP2_SETTINGS, 0, 0) +
        frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS, 1,
              client.hpack.block({{":status", "200"}, {"content-type", "application/grpc"}})) +
        frame(NGHTTP2_DATA, 0, 1, "abc") + frame(NGHTTP2_DATA, 0, 1, "def") +
        frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS | NGHTTP2_FLAG_END_STREAM, 1,
              client.hpack.block({{"grpc-status", "0"}}));
    ASSERT_TRUE(client.feed(input, step).ok()) << client.status;
    EXPECT_EQ(response.describe(),
              "headers:\n:status: 200\ncontent-type: application/grpc\nbody: [abcdef]\n"
              "trailers:\ngrpc-status: 0\nend on: trailers\n");
    EXPECT_TRUE(client.codec.idle());
  }
}

TEST(Http2ClientCodecTest, GoAwayRefusesStreamsAboveTheLastStreamId) {
  Client client;
  RecordingDecoder first, second;
  client.get(first);
  client.get(second);
  ASSERT_EQ(client.codec.activeStreamCount(), 2u);
  ASSERT_TRUE(client
                  .feed(frame(NGHTTP2_SETTINGS, 0, 0) +
                        frame(NGHTTP2_GOAWAY, 0, 0, u32(1) + u32(NGHTTP2_NO_ERROR)))
                  .ok());
  ASSERT_EQ(client.callbacks.goaways.size(), 1u);
  EXPECT_EQ(client.callbacks.goaways[0], GoAwayErrorCode::kNoError);
  EXPECT_FALSE(client.codec.reusable());
  ASSERT_EQ(second.resets.size(), 1u);
  EXPECT_EQ(second.resets[0], StreamResetReason::kRemoteRefusedStreamReset);
  EXPECT_TRUE(first.resets.empty());
  EXPECT_EQ(client.codec.activeStreamCount(), 1u);
  ASSERT_TRUE(client
                  .feed(frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS | NGHTTP2_FLAG_END_STREAM,
                              1, client.hpack.block({{":status", "204"}})))
                  .ok());
  EXPECT_EQ(first.headers->status(), 204u);
  EXPECT_TRUE(client.codec.idle());
}

TEST(Http2ClientCodecTest, GoAwayWithAnErrorIsReportedAsOther) {
  Client client;
  ASSERT_TRUE(client
                  .feed(frame(NGHTTP2_SETTINGS, 0, 0) +
                        frame(NGHTTP2_GOAWAY, 0, 0, u32(0) + u32(NGHTTP2_ENHANCE_YOUR_CALM)))
                  .ok());
  ASSERT_EQ(client.callbacks.goaways.size(), 1u);
  EXPECT_EQ(client.callbacks.goaways[0], GoAwayErrorCode::kOther);
}

TEST(Http2ClientCodecTest, PeerSettingsAreReported) {
  Client client;
  client.out.pending.clear();  // the preface and our SETTINGS
  ASSERT_TRUE(client.feed(settingsFrame(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 7)).ok());
  ASSERT_EQ(client.callbacks.max_concurrent_streams.size(), 1u);
  EXPECT_EQ(client.callbacks.max_concurrent_streams[0], 7u);
  // Only changes are reported.
  ASSERT_TRUE(client.feed(settingsFrame(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 7)).ok());
  EXPECT_EQ(client.callbacks.max_concurrent_streams.size(), 1u);
  // Through the interface, a new listener.
  RecordingConnectionCallbacks other;
  ClientConnection& generic = client.codec;
  generic.setConnectionCallbacks(&other);
  ASSERT_TRUE(client.feed(settingsFrame(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 3)).ok());
  ASSERT_EQ(other.max_concurrent_streams.size(), 1u);
  EXPECT_EQ(other.max_concurrent_streams[0], 3u);
  EXPECT_EQ(generic.activeStreamCount(), 0u);
  EXPECT_EQ(client.codec.peerMaxConcurrentStreams(), 3u);
  // Our ACK went out.
  client.out.pending.clear();
  ASSERT_TRUE(client.feed(settingsFrame(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 4)).ok());
  const auto frames = readFrames(client.out.pending);
  bool acked = false;
  for (const Frame& f : frames) acked = acked || (f.type == NGHTTP2_SETTINGS && (f.flags & 1));
  EXPECT_TRUE(acked);
}

struct RstCase {
  uint32_t code;
  StreamResetReason reason;
};

class Http2ClientRstTest : public ::testing::TestWithParam<RstCase> {};

TEST_P(Http2ClientRstTest, RstStreamCodeBecomesTheResetReason) {
  Client client;
  RecordingDecoder response;
  client.get(response);
  ASSERT_TRUE(client
                  .feed(frame(NGHTTP2_SETTINGS, 0, 0) +
                        frame(NGHTTP2_RST_STREAM, 0, 1, u32(GetParam().code)))
                  .ok());
  ASSERT_EQ(response.resets.size(), 1u);
  EXPECT_EQ(response.resets[0], GetParam().reason);
  EXPECT_TRUE(client.codec.idle());
  EXPECT_TRUE(client.codec.reusable());
}

INSTANTIATE_TEST_SUITE_P(
    Codes, Http2ClientRstTest,
    ::testing::Values(RstCase{NGHTTP2_REFUSED_STREAM, StreamResetReason::kRemoteRefusedStreamReset},
                      RstCase{NGHTTP2_CONNECT_ERROR, StreamResetReason::kConnectError},
                      RstCase{NGHTTP2_CANCEL, StreamResetReason::kRemoteReset},
                      RstCase{NGHTTP2_INTERNAL_ERROR, StreamResetReason::kRemoteReset}));

TEST(Http2ClientCodecTest, MalformedResponseIsAConnectionError) {
  Client client;
  RecordingDecoder response;
  client.get(response);
  client.out.pending.clear();
  // No :status.
  EXPECT_FALSE(client
                   .feed(frame(NGHTTP2_SETTINGS, 0, 0) +
                         frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS, 1,
                               client.hpack.block({{"content-type", "text/plain"}})))
                   .ok());
  ASSERT_EQ(response.resets.size(), 1u);
  EXPECT_EQ(response.resets[0], StreamResetReason::kConnectionTermination);
  EXPECT_TRUE(client.out.closed);
  EXPECT_FALSE(client.codec.reusable());
  const auto frames = readFrames(client.out.pending);
  const Frame* goaway = findFrame(frames, NGHTTP2_GOAWAY);
  ASSERT_NE(goaway, nullptr);
  EXPECT_EQ(goaway->errorCode(), static_cast<uint32_t>(NGHTTP2_PROTOCOL_ERROR));
}

TEST(Http2ClientCodecTest, MalformedResponseResetsTheStreamWithTheOverride) {
  Http2Settings settings;
  settings.override_stream_error_on_invalid_http_message = true;
  Client client(settings);
  RecordingDecoder response;
  client.get(response);
  ASSERT_TRUE(client
                  .feed(frame(NGHTTP2_SETTINGS, 0, 0) +
                        frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS, 1,
                              client.hpack.block({{":status", "200"}, {"Bad-Case", "1"}})))
                  .ok())
      << client.status;
  ASSERT_EQ(response.resets.size(), 1u);
  EXPECT_EQ(response.resets[0], StreamResetReason::kProtocolError);
  EXPECT_TRUE(client.codec.reusable());
}

TEST(Http2ClientCodecTest, InterimThenFinal) {
  Client client;
  RecordingDecoder response;
  client.get(response);
  ASSERT_TRUE(client
                  .feed(frame(NGHTTP2_SETTINGS, 0, 0) +
                        frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS, 1,
                              client.hpack.block({{":status", "103"}, {"link", "</a>"}})) +
                        frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS | NGHTTP2_FLAG_END_STREAM,
                              1, client.hpack.block({{":status", "200"}})))
                  .ok())
      << client.status;
  EXPECT_EQ(response.header_calls, 1);
  EXPECT_EQ(formatHeaders(*response.headers), ":status: 200\n");
  EXPECT_EQ(response.end_on, "headers");
}

}  // namespace
}  // namespace meshproxy::http::http2
