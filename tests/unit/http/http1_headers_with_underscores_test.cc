// headers_with_underscores_action in the HTTP/1 server codec: ALLOW forwards a field named with
// '_', REJECT_REQUEST fails the request (400, connection closed), DROP_HEADER removes the field
// and goes on; headers and trailers alike, requests only, each drop and rejection counted.
#include <gtest/gtest.h>

#include <string>

#include "proxy/http/http1/client_connection.h"
#include "proxy/http/http1/server_connection.h"
#include "proxy/stats/counter.h"
#include "tests/unit/http/http1_test_support.h"

namespace meshproxy::http::http1 {
namespace {

using testing::bufferOf;
using testing::FakeOutput;
using testing::FakeServerCallbacks;
using Action = HeadersWithUnderscoresAction;

// The look-alike a CGI-style origin would read as framing, in a request that is otherwise
// fine (Content-Length frames it).
constexpr char kLookAlike[] =
    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer_Encoding: chunked\r\n"
    "X-Ok: 1\r\n\r\nhello";

struct Fixture {
  explicit Fixture(Action action) {
    Http1Settings settings;
    settings.headers_with_underscores_action = action;
    settings.codec_stats = &codec_stats;
    codec = std::make_unique<ServerConnectionImpl>(out, callbacks, settings);
  }
  absl::Status dispatch(std::string_view input) {
    Buffer data = bufferOf(input);
    return codec->dispatch(data);
  }

  stats::Counter dropped{stats::StatName{.full = "http1.dropped_headers_with_underscores"}};
  stats::Counter rejected{
      stats::StatName{.full = "http1.requests_rejected_with_underscores_in_headers"}};
  Http1CodecStats codec_stats{dropped, rejected};
  FakeOutput out;
  FakeServerCallbacks callbacks;
  std::unique_ptr<ServerConnectionImpl> codec;
};

TEST(HeadersWithUnderscoresTest, AllowForwardsTheFieldAsItIs) {
  Fixture f(Action::kAllow);
  ASSERT_TRUE(f.dispatch(kLookAlike).ok());
  ASSERT_EQ(f.callbacks.exchanges.size(), 1u);
  const auto& decoder = f.callbacks.decoder(0);
  ASSERT_NE(decoder.headers, nullptr);
  EXPECT_EQ(decoder.headers->get("transfer_encoding"), "chunked");
  EXPECT_EQ(decoder.body, "hello");
  EXPECT_EQ(f.dropped.value() + f.rejected.value(), 0u);
}

TEST(HeadersWithUnderscoresTest, RejectRequestFailsItWith400AndNothingReachesTheStream) {
  Fixture f(Action::kRejectRequest);
  absl::Status status = f.dispatch(kLookAlike);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "http1.unexpected_underscore");
  EXPECT_EQ(httpStatusForCodecError(status), 400u);
  EXPECT_TRUE(f.codec->wantsToClose());
  // The codec opened a stream to answer on, without headers: nothing was forwarded.
  ASSERT_EQ(f.callbacks.exchanges.size(), 1u);
  EXPECT_EQ(f.callbacks.decoder(0).headers, nullptr);
  EXPECT_EQ(f.rejected.value(), 1u);
  EXPECT_EQ(f.dropped.value(), 0u);
}

TEST(HeadersWithUnderscoresTest, DropHeaderRemovesOnlyThoseFields) {
  Fixture f(Action::kDropHeader);
  ASSERT_TRUE(f.dispatch("GET / HTTP/1.1\r\nHost: a\r\nX_A: 1\r\nX-B: 2\r\n_: 3\r\n"
                         "Content_Length: 9\r\nx-c_: 4\r\n\r\n")
                  .ok());
  ASSERT_EQ(f.callbacks.exchanges.size(), 1u);
  const auto& decoder = f.callbacks.decoder(0);
  ASSERT_NE(decoder.headers, nullptr);
  EXPECT_EQ(decoder.end_on, "headers");  // Content_Length did not frame a body
  EXPECT_EQ(decoder.headers->get("x-b"), "2");
  for (const auto& [name, value] : decoder.headers->entries()) {
    EXPECT_EQ(name.find('_'), std::string::npos) << name;
  }
  EXPECT_EQ(f.dropped.value(), 4u);
  EXPECT_EQ(f.rejected.value(), 0u);
  EXPECT_FALSE(f.codec->wantsToClose());
}

TEST(HeadersWithUnderscoresTest, TrailersToo) {
  constexpr char kChunked[] =
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "2\r\nhi\r\n0\r\nX_T: 1\r\nX-T: 2\r\n\r\n";
  {
    Fixture f(Action::kDropHeader);
    ASSERT_TRUE(f.dispatch(kChunked).ok());
    const auto& decoder = f.callbacks.decoder(0);
    ASSERT_NE(decoder.trailers, nullptr);
    EXPECT_FALSE(decoder.trailers->get("x_t").has_value());
    EXPECT_EQ(decoder.trailers->get("x-t"), "2");
    EXPECT_EQ(f.dropped.value(), 1u);
  }
  {
    Fixture f(Action::kRejectRequest);
    EXPECT_EQ(f.dispatch(kChunked).message(), "http1.unexpected_underscore");
    EXPECT_EQ(f.rejected.value(), 1u);
  }
}

TEST(HeadersWithUnderscoresTest, WithoutStatsItStillActs) {
  Http1Settings settings;
  settings.headers_with_underscores_action = Action::kRejectRequest;
  FakeOutput out;
  FakeServerCallbacks callbacks;
  ServerConnectionImpl codec(out, callbacks, settings);
  Buffer data = bufferOf(kLookAlike);
  EXPECT_EQ(codec.dispatch(data).message(), "http1.unexpected_underscore");
}

// Responses are the origin's business: the client codec has no such option (Envoy neither).
TEST(HeadersWithUnderscoresTest, ResponsesAreNotChecked) {
  FakeOutput out;
  ClientConnectionImpl codec(
      out, Http1Settings{.headers_with_underscores_action = Action::kRejectRequest});
  testing::RecordingDecoder decoder;
  RequestEncoder& encoder = codec.newStream(decoder);
  encoder.stream().addCallbacks(decoder);
  auto request = std::make_unique<HeaderMap>();
  request->addLowercase(":method", "GET");
  request->addLowercase(":path", "/");
  request->addLowercase(":authority", "a");
  request->addLowercase(":scheme", "http");
  encoder.encodeHeaders(*request, true);
  Buffer response = bufferOf("HTTP/1.1 200 OK\r\nX_Up: 1\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(codec.dispatch(response).ok());
  ASSERT_NE(decoder.headers, nullptr);
  EXPECT_EQ(decoder.headers->get("x_up"), "1");
}

}  // namespace
}  // namespace meshproxy::http::http1
