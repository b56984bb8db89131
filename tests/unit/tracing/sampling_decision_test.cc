#include "proxy/tracing/sampling_decision.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "proxy/http/request_id.h"
#include "proxy/tracing/trace_ids.h"

namespace meshproxy::tracing {
namespace {

// A v4 UUID whose first 8 hex digits are `prefix` (its integer % 10000 drives the sampling).
std::string idWithPrefix(uint32_t prefix) {
  char buf[9];
  snprintf(buf, sizeof(buf), "%08x", prefix);
  return std::string(buf) + "-1111-4111-8111-111111111111";
}

TEST(RequestIdTraceReasonTest, MarkerIsTheVersionDigit) {
  std::string id = "a0b1c2d3-e4f5-4678-9abc-def012345678";
  EXPECT_EQ(traceReasonFromRequestId(id), TraceReason::kNotTraceable);
  ASSERT_TRUE(setTraceReasonInRequestId(id, TraceReason::kSampling));
  EXPECT_EQ(id, "a0b1c2d3-e4f5-9678-9abc-def012345678");
  EXPECT_EQ(traceReasonFromRequestId(id), TraceReason::kSampling);
  setTraceReasonInRequestId(id, TraceReason::kServiceForced);
  EXPECT_EQ(id[14], 'a');
  EXPECT_EQ(traceReasonFromRequestId(id), TraceReason::kServiceForced);
  setTraceReasonInRequestId(id, TraceReason::kClientForced);
  EXPECT_EQ(id[14], 'b');
  EXPECT_EQ(traceReasonFromRequestId(id), TraceReason::kClientForced);
  setTraceReasonInRequestId(id, TraceReason::kHealthCheck);
  EXPECT_EQ(id[14], 'b') << "health check is not encoded";
  setTraceReasonInRequestId(id, TraceReason::kNotTraceable);
  EXPECT_EQ(id[14], '4');

  std::string short_id = "not-a-uuid";
  EXPECT_FALSE(setTraceReasonInRequestId(short_id, TraceReason::kSampling));
  EXPECT_EQ(short_id, "not-a-uuid");
  EXPECT_EQ(traceReasonFromRequestId("a0b1c2d3-e4f5-9678-9abc-def0123456789"),
            TraceReason::kNotTraceable);
}

TEST(RequestIdTraceReasonTest, GeneratedIdsStartUntraced) {
  std::mt19937_64 random(7);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(traceReasonFromRequestId(http::generateRequestId(random)),
              TraceReason::kNotTraceable);
  }
}

TEST(RequestIdTraceReasonTest, IntegerIsTheFirstEightHexDigits) {
  EXPECT_EQ(requestIdToInteger("0000ffff-rest"), 0xffffu);
  EXPECT_EQ(requestIdToInteger("ABCDEF01"), 0xabcdef01u);
  EXPECT_FALSE(requestIdToInteger("0000fff").has_value());
  EXPECT_FALSE(requestIdToInteger("0000fffg-1").has_value());
  EXPECT_FALSE(requestIdToInteger("").has_value());
}

TEST(SamplingDecisionTest, DefaultsSampleEverything) {
  std::string id = idWithPrefix(12345);
  EXPECT_EQ(decideTraceReason({}, {}, {&id, false, false}, 0), TraceReason::kSampling);
  EXPECT_EQ(id[14], '9');
}

TEST(SamplingDecisionTest, RandomSamplingUsesTheIdModuloTenThousand) {
  SamplingConfig config;
  config.random = {2500, 10000};                 // 25%
  std::string picked = idWithPrefix(12499);      // % 10000 = 2499
  std::string not_picked = idWithPrefix(12500);  // % 10000 = 2500
  EXPECT_EQ(decideTraceReason(config, {}, {&picked, false, false}, 0), TraceReason::kSampling);
  EXPECT_EQ(decideTraceReason(config, {}, {&not_picked, false, false}, 0),
            TraceReason::kNotTraceable);
  EXPECT_EQ(not_picked[14], '4');
  // Same id, same decision, at every proxy: the decision is in the id now, and kept.
  config.random = {0, 10000};
  EXPECT_EQ(decideTraceReason(config, {}, {&picked, false, false}, 0), TraceReason::kSampling);
}

TEST(SamplingDecisionTest, ForcedAndClientTraces) {
  SamplingConfig config;
  config.random = {0, 10000};
  std::string id = idWithPrefix(1);
  EXPECT_EQ(decideTraceReason(config, {}, {&id, false, true}, 0), TraceReason::kServiceForced);
  EXPECT_EQ(id[14], 'a');

  id = idWithPrefix(1);
  EXPECT_EQ(decideTraceReason(config, {}, {&id, true, true}, 0), TraceReason::kClientForced)
      << "x-client-trace-id wins over x-envoy-force-trace";
  EXPECT_EQ(id[14], 'b');

  // client_sampling out of 100 on a fresh random number, not on the id.
  config.client = {30, 100};
  id = idWithPrefix(1);
  EXPECT_EQ(decideTraceReason(config, {}, {&id, true, false}, 29), TraceReason::kClientForced);
  id = idWithPrefix(1);
  EXPECT_EQ(decideTraceReason(config, {}, {&id, true, false}, 130), TraceReason::kNotTraceable);
  id = idWithPrefix(1);
  EXPECT_EQ(decideTraceReason(config, {}, {&id, true, true}, 130), TraceReason::kServiceForced)
      << "client not picked: force-trace still applies";
}

TEST(SamplingDecisionTest, OverallSamplingCanUndoAnyReason) {
  SamplingConfig config;
  config.overall = {100, 10000};  // 1%
  std::string in = idWithPrefix(99);
  std::string out = idWithPrefix(100);
  EXPECT_EQ(decideTraceReason(config, {}, {&in, false, true}, 0), TraceReason::kServiceForced);
  EXPECT_EQ(decideTraceReason(config, {}, {&out, false, true}, 0), TraceReason::kNotTraceable);
  EXPECT_EQ(out[14], '4');
  // A decision already carried in the id is re-checked against overall_sampling too.
  std::string carried = idWithPrefix(100);
  setTraceReasonInRequestId(carried, TraceReason::kSampling);
  EXPECT_EQ(decideTraceReason(config, {}, {&carried, false, false}, 0), TraceReason::kNotTraceable);
}

TEST(SamplingDecisionTest, RequestIdOptions) {
  std::string id = idWithPrefix(5);
  RequestIdTracingOptions no_pack;
  no_pack.pack_trace_reason = false;
  EXPECT_EQ(decideTraceReason({}, no_pack, {&id, false, false}, 0), TraceReason::kSampling);
  EXPECT_EQ(id[14], '4') << "decision taken but not written";

  RequestIdTracingOptions no_id_sampling;
  no_id_sampling.use_request_id_for_trace_sampling = false;
  SamplingConfig none;
  none.random = {0, 10000};
  EXPECT_EQ(decideTraceReason(none, no_id_sampling, {nullptr, false, false}, 0),
            TraceReason::kSampling);

  EXPECT_EQ(decideTraceReason({}, {}, {nullptr, false, true}, 0), TraceReason::kNotTraceable)
      << "no request id, nothing to decide on";
  std::string garbage = "zzzzzzzz";
  EXPECT_EQ(decideTraceReason({}, {}, {&garbage, false, true}, 0), TraceReason::kNotTraceable);
}

TEST(SamplingDecisionTest, IsTraced) {
  EXPECT_TRUE(isTraced(TraceReason::kSampling));
  EXPECT_TRUE(isTraced(TraceReason::kServiceForced));
  EXPECT_TRUE(isTraced(TraceReason::kClientForced));
  EXPECT_FALSE(isTraced(TraceReason::kNotTraceable));
  EXPECT_FALSE(isTraced(TraceReason::kHealthCheck));
}

TEST(TraceIdsTest, GeneratedIdsAreNonZeroAndHexRoundTrips) {
  std::mt19937_64 random(1);
  for (int i = 0; i < 1000; ++i) {
    uint64_t span = newSpanId(random);
    ASSERT_NE(span, 0u);
    EXPECT_EQ(parseHex64(spanIdToHex(span), true), span);
    TraceId t128 = newTraceId(random);
    EXPECT_EQ(parseTraceIdHex(traceIdToHex(t128), true), t128);
    TraceId t64 = newTraceId(random, false);
    EXPECT_EQ(t64.high, 0u);
    EXPECT_NE(t64.low, 0u);
    EXPECT_EQ(parseTraceIdHex(traceIdToHex(t64, 16), true), t64);
  }
  EXPECT_EQ(spanIdToHex(1), "0000000000000001");
  EXPECT_FALSE(parseHex64("ABCDEF0123456789", true).has_value());
  EXPECT_TRUE(parseHex64("ABCDEF0123456789", false).has_value());
  EXPECT_FALSE(parseTraceIdHex("abc", false).has_value());
}

}  // namespace
}  // namespace meshproxy::tracing
