#include "proxy/http/filter_manager.h"

#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <gtest/gtest.h>
#include <uv.h>

#include <chrono>
#include <memory>

#include "proxy/core/timer.h"
#include "tests/unit/http/filter_manager_test_support.h"

namespace meshproxy::http::testing {
namespace {

using ::testing::ElementsAre;

class FilterManagerTest : public ::testing::Test {
 protected:
  static constexpr uint32_t kBufferLimit = 64;

  // Filters "a" then "b", each in both directions: the request meets a then b, the response b
  // then a.
  void SetUp() override {
    fm_.addStreamFilter(a_);
    fm_.addStreamFilter(b_);
    // As ActiveStream does: a complete response ends the stream.
    stream_.on_complete = [this] { fm_.onStreamFinished(); };
  }

  void startRequest(bool end_stream, std::string_view method = "GET") {
    fm_.setRequestHeaders(requestHeaders(method), end_stream);
    fm_.decodeHeaders();
  }
  void requestData(std::string_view text, bool end_stream) {
    Buffer data = bufferOf(text);
    fm_.decodeData(data, end_stream);
  }
  void clearLog() { log_.clear(); }

  CallLog log_;
  FakeStream stream_{log_};
  accesslog::StreamInfo info_;
  FilterManager fm_{stream_, info_, 1, kBufferLimit};
  std::shared_ptr<ScriptedFilter> a_ = std::make_shared<ScriptedFilter>("a", log_);
  std::shared_ptr<ScriptedFilter> b_ = std::make_shared<ScriptedFilter>("b", log_);
};

TEST_F(FilterManagerTest, RequestPassesEveryDecoderFilterInOrder) {
  startRequest(false);
  requestData("hello", false);
  fm_.decodeTrailers(trailers());
  EXPECT_THAT(log_, ElementsAre("a:decodeHeaders(end=0)", "b:decodeHeaders(end=0)",
                                "a:decodeData(hello,end=0)", "b:decodeData(hello,end=0)",
                                "a:decodeTrailers", "b:decodeTrailers"));
  EXPECT_TRUE(fm_.remoteDecodeComplete());
}

TEST_F(FilterManagerTest, ResponsePassesEveryEncoderFilterThenTheCodec) {
  b_->on_decode_headers = [this](HeaderMap&, bool) {
    b_->decoder->encodeHeaders(responseHeaders(201), false);
    Buffer body = bufferOf("made");
    b_->decoder->encodeData(body, false);
    b_->decoder->encodeTrailers(trailers());
    return FilterHeadersStatus::kStopIteration;
  };
  startRequest(true);
  EXPECT_THAT(log_, ElementsAre("a:decodeHeaders(end=1)", "b:decodeHeaders(end=1)",
                                "b:encodeHeaders(201,end=0)", "a:encodeHeaders(201,end=0)",
                                "codec:headers(201,end=0)", "b:encodeData(made,end=0)",
                                "a:encodeData(made,end=0)", "codec:data(made,end=0)",
                                "b:encodeTrailers", "a:encodeTrailers", "codec:trailers"));
  EXPECT_TRUE(fm_.responseComplete());
}

TEST_F(FilterManagerTest, StoppedHeadersWaitForContinueDecoding) {
  a_->on_decode_headers = [](HeaderMap&, bool) { return FilterHeadersStatus::kStopIteration; };
  a_->on_decode_data = [](Buffer&, bool) { return FilterDataStatus::kStopIterationAndBuffer; };
  startRequest(false);
  requestData("body", true);
  EXPECT_THAT(log_, ElementsAre("a:decodeHeaders(end=0)", "a:decodeData(body,end=1)"));
  clearLog();
  a_->decoder->continueDecoding();
  EXPECT_THAT(log_, ElementsAre("b:decodeHeaders(end=0)", "b:decodeData(body,end=1)"));
}

TEST_F(FilterManagerTest, StoppedHeadersOfABodylessRequestContinueWithEndStream) {
  a_->on_decode_headers = [](HeaderMap&, bool) { return FilterHeadersStatus::kStopIteration; };
  startRequest(true);
  EXPECT_THAT(log_, ElementsAre("a:decodeHeaders(end=1)"));
  clearLog();
  a_->decoder->continueDecoding();
  EXPECT_THAT(log_, ElementsAre("b:decodeHeaders(end=1)"));
}

// The bug this catches: a filter that stopped the trailers had no way to let them go on, so a
// request with trailers that met an asynchronous filter never reached the router.
TEST_F(FilterManagerTest, TrailersStoppedByAnAsyncFilterGoOnWhenItContinues) {
  uv_loop_t loop;
  ASSERT_EQ(uv_loop_init(&loop), 0);
  {
    Timer timer(&loop, [this] { a_->decoder->continueDecoding(); });
    a_->on_decode_trailers = [&timer](HeaderMap&) {
      timer.enable(std::chrono::milliseconds(1));
      return FilterTrailersStatus::kStopIteration;
    };
    startRequest(false);
    requestData("body", false);
    fm_.decodeTrailers(trailers());
    EXPECT_THAT(log_, ElementsAre("a:decodeHeaders(end=0)", "b:decodeHeaders(end=0)",
                                  "a:decodeData(body,end=0)", "b:decodeData(body,end=0)",
                                  "a:decodeTrailers"));
    clearLog();
    uv_run(&loop, UV_RUN_DEFAULT);
    EXPECT_THAT(log_, ElementsAre("b:decodeTrailers"));
  }
  Timer::releasePool(&loop);
  for (int i = 0; i < 16 && uv_loop_alive(&loop) != 0; ++i) uv_run(&loop, UV_RUN_NOWAIT);
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

TEST_F(FilterManagerTest, StoppedResponseTrailersGoOnWhenTheFilterContinues) {
  b_->on_encode_trailers = [](HeaderMap&) { return FilterTrailersStatus::kStopIteration; };
  b_->on_decode_headers = [this](HeaderMap&, bool) {
    b_->decoder->encodeHeaders(responseHeaders(200), false);
    b_->decoder->encodeTrailers(trailers());
    return FilterHeadersStatus::kStopIteration;
  };
  startRequest(true);
  EXPECT_FALSE(fm_.responseComplete());
  clearLog();
  b_->encoder->continueEncoding();
  EXPECT_THAT(log_, ElementsAre("a:encodeTrailers", "codec:trailers"));
  EXPECT_TRUE(fm_.responseComplete());
}

TEST_F(FilterManagerTest, DataThatContinuesResumesStoppedHeaders) {
  // Envoy's rule: a filter that stopped headers but lets data through resumes the headers.
  a_->on_decode_headers = [](HeaderMap&, bool) { return FilterHeadersStatus::kStopIteration; };
  startRequest(false);
  requestData("x", true);
  EXPECT_THAT(log_, ElementsAre("a:decodeHeaders(end=0)", "a:decodeData(x,end=1)",
                                "b:decodeHeaders(end=0)", "b:decodeData(x,end=1)"));
}

// Envoy's buffer filter: stop the headers, buffer each chunk, continue at the end of stream;
// the next filter then gets the whole body at once (the chunks held before included).
TEST_F(FilterManagerTest, FilterThatBuffersTheBodyPassesItWholeAtTheEnd) {
  a_->on_decode_headers = [](HeaderMap&, bool end_stream) {
    return end_stream ? FilterHeadersStatus::kContinue : FilterHeadersStatus::kStopIteration;
  };
  a_->on_decode_data = [](Buffer&, bool end_stream) {
    return end_stream ? FilterDataStatus::kContinue : FilterDataStatus::kStopIterationAndBuffer;
  };
  startRequest(false);
  requestData("one,", false);
  requestData("two,", false);
  requestData("three", true);
  EXPECT_THAT(log_, ElementsAre("a:decodeHeaders(end=0)", "a:decodeData(one,,end=0)",
                                "a:decodeData(two,,end=0)", "a:decodeData(three,end=1)",
                                "b:decodeHeaders(end=0)", "b:decodeData(one,two,three,end=1)"));
}

TEST_F(FilterManagerTest, AsyncFilterHoldingHeadersBodyAndTrailersReleasesThemInOrder) {
  a_->on_decode_headers = [](HeaderMap&, bool) { return FilterHeadersStatus::kStopIteration; };
  a_->on_decode_data = [](Buffer&, bool) { return FilterDataStatus::kStopIterationAndBuffer; };
  a_->on_decode_trailers = [](HeaderMap&) { return FilterTrailersStatus::kStopIteration; };
  startRequest(false);
  requestData("body", false);
  fm_.decodeTrailers(trailers());
  clearLog();
  a_->decoder->continueDecoding();
  EXPECT_THAT(
      log_, ElementsAre("b:decodeHeaders(end=0)", "b:decodeData(body,end=0)", "b:decodeTrailers"));
}

TEST_F(FilterManagerTest, FilterThatTookTheLastDataStillEndsTheStreamOnContinue) {
  a_->on_decode_data = [](Buffer& data, bool) {
    data.clear();
    return FilterDataStatus::kStopIterationNoBuffer;
  };
  startRequest(false);
  requestData("taken", true);
  clearLog();
  a_->decoder->continueDecoding();
  EXPECT_THAT(log_, ElementsAre("b:decodeData(,end=1)"));
}

TEST_F(FilterManagerTest, ContinueWithoutAStopIsIgnored) {
  startRequest(true);
  clearLog();
  a_->decoder->continueDecoding();
  EXPECT_TRUE(log_.empty());
}

TEST_F(FilterManagerTest, BufferedBodyGoesOnWholeAfterContinueDecoding) {
  a_->on_decode_data = [](Buffer&, bool) { return FilterDataStatus::kStopIterationAndBuffer; };
  startRequest(false);
  requestData("one,", false);
  requestData("two", true);
  EXPECT_THAT(log_, ElementsAre("a:decodeHeaders(end=0)", "b:decodeHeaders(end=0)",
                                "a:decodeData(one,,end=0)", "a:decodeData(two,end=1)"));
  clearLog();
  a_->decoder->continueDecoding();
  EXPECT_THAT(log_, ElementsAre("b:decodeData(one,two,end=1)"));
}

TEST_F(FilterManagerTest, StoppedResponseHeadersWaitForContinueEncoding) {
  b_->on_encode_headers = [](HeaderMap&, bool) { return FilterHeadersStatus::kStopIteration; };
  b_->on_encode_data = [](Buffer&, bool) { return FilterDataStatus::kStopIterationAndBuffer; };
  b_->on_decode_headers = [this](HeaderMap&, bool) {
    b_->decoder->encodeHeaders(responseHeaders(200), false);
    Buffer body = bufferOf("resp");
    b_->decoder->encodeData(body, true);
    return FilterHeadersStatus::kStopIteration;
  };
  startRequest(true);
  EXPECT_FALSE(fm_.responseHeadersSent());
  clearLog();
  b_->encoder->continueEncoding();
  EXPECT_THAT(log_, ElementsAre("a:encodeHeaders(200,end=0)", "codec:headers(200,end=0)",
                                "a:encodeData(resp,end=1)", "codec:data(resp,end=1)"));
  EXPECT_TRUE(fm_.responseComplete());
}

TEST_F(FilterManagerTest, ContinueDecodingFromATimer) {
  uv_loop_t loop;
  ASSERT_EQ(uv_loop_init(&loop), 0);
  {
    // An async filter: it stops, and a timer resumes the request later.
    Timer timer(&loop, [this] { a_->decoder->continueDecoding(); });
    a_->on_decode_headers = [&timer](HeaderMap&, bool) {
      timer.enable(std::chrono::milliseconds(1));
      return FilterHeadersStatus::kStopIteration;
    };
    startRequest(true);
    EXPECT_THAT(log_, ElementsAre("a:decodeHeaders(end=1)"));
    uv_run(&loop, UV_RUN_DEFAULT);
    EXPECT_THAT(log_, ElementsAre("a:decodeHeaders(end=1)", "b:decodeHeaders(end=1)"));
  }
  Timer::releasePool(&loop);
  for (int i = 0; i < 16 && uv_loop_alive(&loop) != 0; ++i) uv_run(&loop, UV_RUN_NOWAIT);
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

// An async filter that holds the body (an ext_authz check of the whole request, say): the
// timer's continue sends the held chunks on as one, with the end of stream.
TEST_F(FilterManagerTest, HeldBodyContinuedFromATimer) {
  uv_loop_t loop;
  ASSERT_EQ(uv_loop_init(&loop), 0);
  {
    Timer timer(&loop, [this] { a_->decoder->continueDecoding(); });
    a_->on_decode_data = [&timer](Buffer&, bool end_stream) {
      if (end_stream) timer.enable(std::chrono::milliseconds(1));
      return FilterDataStatus::kStopIterationAndBuffer;
    };
    startRequest(false);
    requestData("one,", false);
    requestData("two", true);
    clearLog();
    uv_run(&loop, UV_RUN_DEFAULT);
    EXPECT_THAT(log_, ElementsAre("b:decodeData(one,two,end=1)"));
  }
  Timer::releasePool(&loop);
  for (int i = 0; i < 16 && uv_loop_alive(&loop) != 0; ++i) uv_run(&loop, UV_RUN_NOWAIT);
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

// The response direction: an encoder filter stops headers, body and trailers, and a timer
// lets them go to the codec in order.
TEST_F(FilterManagerTest, ResponseContinuedFromATimer) {
  uv_loop_t loop;
  ASSERT_EQ(uv_loop_init(&loop), 0);
  {
    Timer timer(&loop, [this] { b_->encoder->continueEncoding(); });
    b_->on_encode_headers = [&timer](HeaderMap&, bool) {
      timer.enable(std::chrono::milliseconds(1));
      return FilterHeadersStatus::kStopIteration;
    };
    b_->on_encode_data = [](Buffer&, bool) { return FilterDataStatus::kStopIterationAndBuffer; };
    b_->on_encode_trailers = [](HeaderMap&) { return FilterTrailersStatus::kStopIteration; };
    b_->on_decode_headers = [this](HeaderMap&, bool) {
      b_->decoder->encodeHeaders(responseHeaders(200), false);
      Buffer body = bufferOf("resp");
      b_->decoder->encodeData(body, false);
      b_->decoder->encodeTrailers(trailers());
      return FilterHeadersStatus::kStopIteration;
    };
    startRequest(true);
    EXPECT_FALSE(fm_.responseHeadersSent());
    clearLog();
    uv_run(&loop, UV_RUN_DEFAULT);
    EXPECT_THAT(log_, ElementsAre("a:encodeHeaders(200,end=0)", "codec:headers(200,end=0)",
                                  "a:encodeData(resp,end=0)", "codec:data(resp,end=0)",
                                  "a:encodeTrailers", "codec:trailers"));
    EXPECT_TRUE(fm_.responseComplete());
  }
  Timer::releasePool(&loop);
  for (int i = 0; i < 16 && uv_loop_alive(&loop) != 0; ++i) uv_run(&loop, UV_RUN_NOWAIT);
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

TEST_F(FilterManagerTest, BufferingPastTheLimitAnswers413) {
  a_->on_decode_data = [](Buffer&, bool) { return FilterDataStatus::kStopIterationAndBuffer; };
  startRequest(false);
  requestData(std::string(kBufferLimit, 'x'), false);
  EXPECT_FALSE(fm_.responseHeadersSent());
  requestData("y", false);
  EXPECT_EQ(stream_.too_large, 1);
  EXPECT_EQ(stream_.response_headers.status(), 413u);
  EXPECT_EQ(stream_.response_headers.get("x-meshproxy-reason"), "request_payload_too_large");
  EXPECT_EQ(info_.response_code_details, "request_payload_too_large");
  EXPECT_TRUE(fm_.responseComplete());
}

TEST_F(FilterManagerTest, LocalReplyCarriesBodyAndReason) {
  a_->on_decode_headers = [this](HeaderMap&, bool) {
    a_->decoder->sendLocalReply(403, "denied", "rbac_access_denied");
    return FilterHeadersStatus::kStopIteration;
  };
  startRequest(true);
  EXPECT_EQ(stream_.response_headers.status(), 403u);
  EXPECT_EQ(stream_.response_headers.get("content-length"), "6");
  EXPECT_EQ(stream_.response_headers.get("content-type"), "text/plain");
  EXPECT_EQ(stream_.response_headers.get("x-meshproxy-reason"), "rbac_access_denied");
  EXPECT_EQ(stream_.body, "denied");
  EXPECT_TRUE(stream_.complete);
}

// The bug this catches (with the next test): local replies went straight to the codec, so an
// encoder filter (CORS, stats) never saw a 403 or 429.
TEST_F(FilterManagerTest, LocalReplyPassesTheEncoderFilters) {
  b_->on_decode_headers = [this](HeaderMap&, bool) {
    b_->decoder->sendLocalReply(429, "slow down", "local_rate_limited");
    return FilterHeadersStatus::kStopIteration;
  };
  startRequest(true);
  EXPECT_THAT(log_, ElementsAre("a:decodeHeaders(end=1)", "b:decodeHeaders(end=1)",
                                "b:encodeHeaders(429,end=0)", "a:encodeHeaders(429,end=0)",
                                "codec:headers(429,end=0)", "b:encodeData(slow down,end=1)",
                                "a:encodeData(slow down,end=1)", "codec:data(slow down,end=1)"));
}

// The filter that sends the local reply is still inside its decodeHeaders: the stream it
// completes must not tell it onDestroy() until that call returned.
TEST_F(FilterManagerTest, LocalReplyDoesNotDestroyTheFilterInsideItsCallback) {
  a_->on_decode_headers = [this](HeaderMap&, bool) {
    a_->decoder->sendLocalReply(403, "", "rbac_access_denied");
    EXPECT_EQ(a_->destroyed, 0);
    return FilterHeadersStatus::kStopIteration;
  };
  startRequest(true);
  EXPECT_TRUE(stream_.complete);
  EXPECT_FALSE(a_->destroyed_inside_callback);
  EXPECT_EQ(a_->destroyed, 1);
  EXPECT_EQ(b_->destroyed, 1);
  // b never saw the request: the local reply ended it.
  EXPECT_THAT(log_, ElementsAre("a:decodeHeaders(end=1)", "b:encodeHeaders(403,end=1)",
                                "a:encodeHeaders(403,end=1)", "codec:headers(403,end=1)"));
}

TEST_F(FilterManagerTest, EncoderFilterMaySendALocalReplyOfItsOwn) {
  // An encoder filter that rejects the upstream's response while its headers are held.
  a_->on_encode_headers = [this](HeaderMap&, bool) {
    a_->encoder->sendLocalReply(502, "bad upstream", "filter_rejected_response");
    return FilterHeadersStatus::kStopIteration;
  };
  b_->on_decode_headers = [this](HeaderMap&, bool) {
    b_->decoder->encodeHeaders(responseHeaders(200), false);
    Buffer late = bufferOf("upstream body");
    b_->decoder->encodeData(late, true);
    return FilterHeadersStatus::kStopIteration;
  };
  startRequest(true);
  // Straight to the codec: the encoder filters' state belongs to the replaced response.
  EXPECT_EQ(stream_.response_headers.status(), 502u);
  EXPECT_EQ(stream_.body, "bad upstream");
  EXPECT_FALSE(a_->destroyed_inside_callback);
  EXPECT_EQ(a_->destroyed, 1);
}

TEST_F(FilterManagerTest, LocalReplyWhileAnEncoderFilterHoldsTheResponseGoesStraightOut) {
  b_->on_encode_headers = [](HeaderMap&, bool) { return FilterHeadersStatus::kStopIteration; };
  b_->on_decode_headers = [this](HeaderMap&, bool) {
    b_->decoder->encodeHeaders(responseHeaders(200), false);
    return FilterHeadersStatus::kStopIteration;
  };
  startRequest(true);
  EXPECT_FALSE(fm_.responseHeadersSent());
  clearLog();
  b_->decoder->sendLocalReply(504, "upstream request timeout", "upstream_response_timeout");
  EXPECT_THAT(
      log_, ElementsAre("codec:headers(504,end=0)", "codec:data(upstream request timeout,end=1)"));
  // The held response cannot come back afterwards.
  b_->encoder->continueEncoding();
  EXPECT_EQ(stream_.response_headers.status(), 504u);
}

TEST_F(FilterManagerTest, GrpcRequestsGetATrailersOnlyGrpcStatus) {
  b_->on_decode_headers = [this](HeaderMap&, bool) {
    b_->decoder->sendLocalReply(503, "no healthy upstream", "no_healthy_upstream");
    return FilterHeadersStatus::kStopIteration;
  };
  auto headers = requestHeaders("POST");
  headers->add("content-type", "application/grpc+proto");
  fm_.setRequestHeaders(std::move(headers), false);
  fm_.decodeHeaders();
  EXPECT_EQ(stream_.response_headers.status(), 200u);
  EXPECT_EQ(stream_.response_headers.get("content-type"), "application/grpc");
  EXPECT_EQ(stream_.response_headers.get("grpc-status"), "14");
  EXPECT_EQ(stream_.response_headers.get("grpc-message"), "no healthy upstream");
  EXPECT_EQ(stream_.response_headers.get("x-meshproxy-reason"), "no_healthy_upstream");
  EXPECT_EQ(stream_.body, "");
  // Trailers-only, through the encoder filters.
  EXPECT_THAT(log_, ::testing::Contains("a:encodeHeaders(200,end=1)"));
  EXPECT_THAT(log_, ::testing::Contains("codec:headers(200,end=1)"));
}

TEST_F(FilterManagerTest, LocalReplyToHeadHasNoBody) {
  a_->on_decode_headers = [this](HeaderMap&, bool) {
    a_->decoder->sendLocalReply(404, "not here", "route_not_found");
    return FilterHeadersStatus::kStopIteration;
  };
  startRequest(true, "HEAD");
  EXPECT_EQ(stream_.response_headers.status(), 404u);
  EXPECT_EQ(stream_.body, "");
  EXPECT_TRUE(stream_.complete);
}

TEST_F(FilterManagerTest, LocalReplyAfterResponseHeadersResetsTheStream) {
  b_->on_decode_headers = [this](HeaderMap&, bool) {
    b_->decoder->encodeHeaders(responseHeaders(200), false);
    b_->decoder->sendLocalReply(504, "upstream request timeout", "upstream_response_timeout");
    return FilterHeadersStatus::kStopIteration;
  };
  startRequest(true);
  EXPECT_EQ(stream_.resets, 1);
  EXPECT_EQ(stream_.response_headers.status(), 200u);
}

TEST_F(FilterManagerTest, DecoderWatermarksPauseTheRequestOnceAndResumeWhenAllAreBelow) {
  startRequest(false);
  a_->decoder->onDecoderFilterAboveWriteBufferHighWatermark();
  b_->decoder->onDecoderFilterAboveWriteBufferHighWatermark();
  EXPECT_EQ(stream_.read_disabled, 1);
  a_->decoder->onDecoderFilterBelowWriteBufferLowWatermark();
  EXPECT_EQ(stream_.read_disabled, 1);
  b_->decoder->onDecoderFilterBelowWriteBufferLowWatermark();
  EXPECT_EQ(stream_.read_disabled, 0);
}

TEST_F(FilterManagerTest, DownstreamWatermarksReachSubscribedFilters) {
  struct Counting : DownstreamWatermarkCallbacks {
    void onAboveWriteBufferHighWatermark() override { ++above; }
    void onBelowWriteBufferLowWatermark() override { ++below; }
    int above = 0;
    int below = 0;
  } subscriber, removed;
  startRequest(false);
  b_->decoder->addDownstreamWatermarkCallbacks(subscriber);
  b_->decoder->addDownstreamWatermarkCallbacks(removed);
  b_->decoder->removeDownstreamWatermarkCallbacks(removed);
  fm_.onDownstreamAboveWriteBufferHighWatermark();
  fm_.onDownstreamBelowWriteBufferLowWatermark();
  EXPECT_EQ(subscriber.above, 1);
  EXPECT_EQ(subscriber.below, 1);
  EXPECT_EQ(removed.above, 0);
}

TEST_F(FilterManagerTest, FiltersAreDestroyedOnceWhenTheStreamFinishes) {
  startRequest(true);
  fm_.onStreamFinished();
  fm_.onStreamFinished();
  EXPECT_EQ(a_->destroyed, 1);
  EXPECT_EQ(b_->destroyed, 1);
  // Nothing reaches a filter after onDestroy().
  clearLog();
  requestData("late", true);
  EXPECT_TRUE(log_.empty());
}

TEST_F(FilterManagerTest, FiltersHandFactsOnThroughDynamicMetadata) {
  // jwt_authn's claims for rbac, say: one stream info, shared by every filter.
  a_->on_decode_headers = [this](HeaderMap&, bool) {
    google::protobuf::Value sub;
    sub.set_string_value("alice");
    (*a_->decoder->streamInfo().dynamic_metadata.mutableNamespace("jwt").mutable_fields())["sub"] =
        sub;
    return FilterHeadersStatus::kContinue;
  };
  std::string seen;
  b_->on_decode_headers = [this, &seen](HeaderMap&, bool) {
    const auto* value = b_->decoder->streamInfo().dynamic_metadata.find({"jwt", "sub"});
    if (value != nullptr) seen = value->string_value();
    return FilterHeadersStatus::kContinue;
  };
  startRequest(true);
  EXPECT_EQ(seen, "alice");
  EXPECT_EQ(info_.dynamic_metadata.find({"jwt", "sub"})->string_value(), "alice");
}

TEST(FilterManagerPerRouteTest, FiltersFindTheirPerRouteConfigByTheirConfiguredName) {
  struct Config : RouteSpecificFilterConfig {
    explicit Config(std::string v) : value(std::move(v)) {}
    std::string value;
  };
  // A route whose most specific configs are known per filter name and weighted-cluster pick.
  struct FakeRoute : Route {
    const std::string& name() const override { return name_; }
    std::optional<std::chrono::milliseconds> idleTimeout() const override { return {}; }
    const RouteSpecificFilterConfig* mostSpecificPerFilterConfig(std::string_view filter,
                                                                 uint64_t random) const override {
      if (filter == "authz") return random == 7 ? &authz : nullptr;
      return nullptr;
    }
    std::string name_ = "r";
    Config authz{"for authz"};
  } route;
  CallLog log;
  FakeStream stream(log);
  stream.route_ = &route;
  accesslog::StreamInfo info;
  FilterManager fm(stream, info, 1, 1024);
  auto authz = std::make_shared<ScriptedFilter>("authz", log);
  auto other = std::make_shared<ScriptedFilter>("other", log);
  fm.setFilterConfigName("authz");
  fm.addStreamFilter(authz);
  fm.setFilterConfigName("other");
  fm.addDecoderFilter(other);
  const auto* config = authz->decoder->mostSpecificPerFilterConfig();
  ASSERT_NE(config, nullptr);
  EXPECT_EQ(static_cast<const Config*>(config)->value, "for authz");
  EXPECT_EQ(authz->encoder->mostSpecificPerFilterConfig(), config);
  EXPECT_EQ(other->decoder->mostSpecificPerFilterConfig(), nullptr);
  EXPECT_EQ(authz->decoder->routeRandom(), 7u);
}

// ---- filter API: the held body, added data and trailers, watermarks, response limit ----

TEST_F(FilterManagerTest, FilterReadsAndRewritesTheBufferedBody) {
  a_->on_decode_data = [this](Buffer& data, bool end_stream) {
    if (!end_stream) return FilterDataStatus::kStopIterationAndBuffer;
    a_->decoder->addDecodedData(data, false);
    EXPECT_EQ(a_->decoder->decodingBuffer()->toString(), "secret=1&secret=2");
    a_->decoder->modifyDecodingBuffer([](Buffer& body) {
      body.clear();
      body.add("redacted");
    });
    return FilterDataStatus::kContinue;
  };
  startRequest(false);
  EXPECT_EQ(a_->decoder->decodingBuffer(), nullptr);
  requestData("secret=1&", false);
  requestData("secret=2", true);
  EXPECT_THAT(log_, ::testing::Contains("b:decodeData(redacted,end=1)"));
  EXPECT_EQ(a_->decoder->decodingBuffer(), nullptr);
}

TEST_F(FilterManagerTest, DataAddedToAHeadersOnlyRequestFollowsItsHeaders) {
  a_->on_decode_headers = [this](HeaderMap&, bool) {
    Buffer body = bufferOf("injected");
    a_->decoder->addDecodedData(body, false);
    return FilterHeadersStatus::kContinue;
  };
  startRequest(true);
  EXPECT_THAT(log_, ElementsAre("a:decodeHeaders(end=1)", "b:decodeHeaders(end=0)",
                                "b:decodeData(injected,end=1)"));
}

TEST_F(FilterManagerTest, TrailersAddedAtTheEndOfTheRequestFollowTheData) {
  a_->on_decode_data = [this](Buffer&, bool end_stream) {
    if (end_stream) a_->decoder->addDecodedTrailers().add("x-checksum", "c0ffee");
    return FilterDataStatus::kContinue;
  };
  HeaderMap seen;
  b_->on_decode_trailers = [&seen](HeaderMap& t) {
    seen = t;
    return FilterTrailersStatus::kContinue;
  };
  startRequest(false);
  requestData("body", true);
  EXPECT_THAT(log_, ElementsAre("a:decodeHeaders(end=0)", "b:decodeHeaders(end=0)",
                                "a:decodeData(body,end=1)", "b:decodeData(body,end=0)",
                                "b:decodeTrailers"));
  EXPECT_EQ(seen.get("x-checksum"), "c0ffee");
}

TEST_F(FilterManagerTest, DataAddedFromTrailersGoesBeforeThem) {
  a_->on_decode_trailers = [this](HeaderMap&) {
    Buffer tail = bufferOf("tail");
    a_->decoder->addDecodedData(tail, false);
    return FilterTrailersStatus::kContinue;
  };
  startRequest(false);
  fm_.decodeTrailers(trailers());
  EXPECT_THAT(log_,
              ElementsAre("a:decodeHeaders(end=0)", "b:decodeHeaders(end=0)", "a:decodeTrailers",
                          "b:decodeData(tail,end=0)", "b:decodeTrailers"));
}

TEST_F(FilterManagerTest, StopIterationAndWatermarkPausesTheRequestInsteadOf413) {
  a_->on_decode_data = [](Buffer&, bool) { return FilterDataStatus::kStopIterationAndWatermark; };
  startRequest(false);
  requestData(std::string(kBufferLimit, 'x'), false);
  EXPECT_EQ(stream_.read_disabled, 0);
  requestData("yy", false);
  EXPECT_EQ(stream_.read_disabled, 1);  // backpressure, not a 413
  EXPECT_EQ(stream_.too_large, 0);
  EXPECT_FALSE(fm_.responseHeadersSent());
  a_->decoder->continueDecoding();
  EXPECT_EQ(stream_.read_disabled, 0);
  EXPECT_THAT(log_,
              ::testing::Contains("b:decodeData(" + std::string(kBufferLimit, 'x') + "yy,end=0)"));
}

TEST_F(FilterManagerTest, ResponseOverTheBufferLimitBeforeItsHeadersAnswers500) {
  a_->on_encode_headers = [](HeaderMap&, bool) { return FilterHeadersStatus::kStopIteration; };
  a_->on_encode_data = [](Buffer&, bool) { return FilterDataStatus::kStopIterationAndBuffer; };
  b_->on_decode_headers = [this](HeaderMap&, bool) {
    b_->decoder->encodeHeaders(responseHeaders(200), false);
    Buffer big = bufferOf(std::string(kBufferLimit + 1, 'r'));
    b_->decoder->encodeData(big, false);
    return FilterHeadersStatus::kStopIteration;
  };
  startRequest(true);
  EXPECT_EQ(stream_.response_headers.status(), 500u);
  EXPECT_EQ(stream_.response_headers.get("x-meshproxy-reason"), "response_payload_too_large");
  EXPECT_TRUE(stream_.complete);
}

TEST_F(FilterManagerTest, ResponseOverTheBufferLimitAfterItsHeadersResets) {
  a_->on_encode_data = [](Buffer&, bool) { return FilterDataStatus::kStopIterationAndBuffer; };
  b_->on_decode_headers = [this](HeaderMap&, bool) {
    b_->decoder->encodeHeaders(responseHeaders(200), false);
    Buffer big = bufferOf(std::string(kBufferLimit + 1, 'r'));
    b_->decoder->encodeData(big, false);
    return FilterHeadersStatus::kStopIteration;
  };
  startRequest(true);
  EXPECT_EQ(stream_.response_headers.status(), 200u);
  EXPECT_EQ(stream_.resets, 1);
}

TEST_F(FilterManagerTest, ResponseWatermarksPauseTheProducer) {
  struct Counting : DownstreamWatermarkCallbacks {
    void onAboveWriteBufferHighWatermark() override { ++above; }
    void onBelowWriteBufferLowWatermark() override { ++below; }
    int above = 0;
    int below = 0;
  } router;
  a_->on_encode_data = [](Buffer&, bool) { return FilterDataStatus::kStopIterationAndWatermark; };
  b_->on_decode_headers = [this, &router](HeaderMap&, bool) {
    b_->decoder->addDownstreamWatermarkCallbacks(router);
    b_->decoder->encodeHeaders(responseHeaders(200), false);
    Buffer big = bufferOf(std::string(kBufferLimit + 1, 'r'));
    b_->decoder->encodeData(big, false);
    return FilterHeadersStatus::kStopIteration;
  };
  startRequest(true);
  EXPECT_EQ(router.above, 1);
  EXPECT_EQ(stream_.resets, 0);
  a_->encoder->continueEncoding();
  EXPECT_EQ(router.below, 1);
  EXPECT_EQ(stream_.body.size(), kBufferLimit + 1);
}

TEST_F(FilterManagerTest, TrailersAddedAtTheEndOfTheResponse) {
  b_->on_encode_data = [this](Buffer&, bool end_stream) {
    if (end_stream) b_->encoder->addEncodedTrailers().add("grpc-status", "0");
    return FilterDataStatus::kContinue;
  };
  b_->on_decode_headers = [this](HeaderMap&, bool) {
    b_->decoder->encodeHeaders(responseHeaders(200), false);
    Buffer body = bufferOf("msg");
    b_->decoder->encodeData(body, true);
    return FilterHeadersStatus::kStopIteration;
  };
  startRequest(true);
  EXPECT_THAT(log_, ElementsAre("a:decodeHeaders(end=1)", "b:decodeHeaders(end=1)",
                                "b:encodeHeaders(200,end=0)", "a:encodeHeaders(200,end=0)",
                                "codec:headers(200,end=0)", "b:encodeData(msg,end=1)",
                                "a:encodeData(msg,end=0)", "codec:data(msg,end=0)",
                                "a:encodeTrailers", "codec:trailers"));
  EXPECT_EQ(stream_.response_trailers.get("grpc-status"), "0");
  EXPECT_EQ(info_.response_trailers->get("grpc-status"), "0");
}

}  // namespace
}  // namespace meshproxy::http::testing
