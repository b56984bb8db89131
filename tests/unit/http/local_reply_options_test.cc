// sendLocalReply with LocalReplyOptions: a filter's own gRPC status and extra headers, seen by
// the encoder filters like the rest of the reply.

#include <gtest/gtest.h>

#include "proxy/http/local_reply.h"
#include "tests/unit/http/filter_manager_test_support.h"

namespace meshproxy::http::testing {
namespace {

struct Harness {
  Harness() : stream(log), manager(stream, info, 1, 65536) {
    first = std::make_shared<ScriptedFilter>("first", log);
    manager.addStreamFilter(first);
  }
  CallLog log;
  FakeStream stream;
  accesslog::StreamInfo info;
  FilterManager manager;
  std::shared_ptr<ScriptedFilter> first;
};

TEST(LocalReplyOptionsTest, ExtraHeadersReachTheEncoderFiltersAndTheCodec) {
  Harness h;
  std::string seen_by_encoder;
  h.first->on_encode_headers = [&](HeaderMap& headers, bool) {
    seen_by_encoder = std::string(headers.get("x-ratelimit-limit").value_or(""));
    return FilterHeadersStatus::kContinue;
  };
  h.first->on_decode_headers = [&](HeaderMap&, bool) {
    LocalReplyOptions options;
    options.modify_headers = [](HeaderMap& headers) { headers.add("x-ratelimit-limit", "10"); };
    h.first->decoder->sendLocalReply(429, "local_rate_limited", "local_rate_limited", options);
    return FilterHeadersStatus::kStopIteration;
  };
  h.manager.setRequestHeaders(requestHeaders(), true);
  h.manager.decodeHeaders();
  ASSERT_TRUE(h.stream.complete);
  EXPECT_EQ(h.stream.response_headers.status(), 429u);
  EXPECT_EQ(h.stream.response_headers.get("x-ratelimit-limit"), "10");
  EXPECT_EQ(seen_by_encoder, "10");
  EXPECT_EQ(h.stream.body, "local_rate_limited");
}

TEST(LocalReplyOptionsTest, GrpcStatusReplacesTheHttpMapping) {
  Harness h;
  h.first->on_decode_headers = [&](HeaderMap&, bool) {
    LocalReplyOptions options;
    options.grpc_status = 8;  // RESOURCE_EXHAUSTED instead of 429's UNAVAILABLE
    h.first->decoder->sendLocalReply(429, "local_rate_limited", "local_rate_limited", options);
    return FilterHeadersStatus::kStopIteration;
  };
  auto headers = requestHeaders("POST");
  headers->add("content-type", "application/grpc");
  h.manager.setRequestHeaders(std::move(headers), true);
  h.manager.decodeHeaders();
  ASSERT_TRUE(h.stream.complete);
  EXPECT_EQ(h.stream.response_headers.status(), 200u);
  EXPECT_EQ(h.stream.response_headers.get("grpc-status"), "8");
}

TEST(LocalReplyOptionsTest, WithoutOptionsGrpcGetsTheHttpMapping) {
  auto reply = makeLocalReply(nullptr, 429, "x", "d");
  EXPECT_EQ(reply.headers->status(), 429u);
  HeaderMap grpc{{":method", "POST"}, {"content-type", "application/grpc"}};
  EXPECT_EQ(makeLocalReply(&grpc, 429, "x", "d").headers->get("grpc-status"), "14");
  EXPECT_EQ(makeLocalReply(&grpc, 429, "x", "d", 8).headers->get("grpc-status"), "8");
}

}  // namespace
}  // namespace meshproxy::http::testing
