#include "proxy/tracing/span.h"

#include <gtest/gtest.h>

#include "proxy/tracing/span_buffer.h"

namespace meshproxy::tracing {
namespace {

SpanContext callerContext() {
  SpanContext c;
  c.trace_id = TraceId{1, 2};
  c.span_id = 0x33;
  c.parent_span_id = 0x22;
  c.sampled = true;
  c.tracestate = "rojo=1";
  return c;
}

TEST(StartSpanTest, ChildOfTheCaller) {
  std::mt19937_64 random(3);
  Span s = startSpan(callerContext(), "ingress", SystemTime{}, false, {}, random);
  EXPECT_EQ(s.trace_id, (TraceId{1, 2}));
  EXPECT_EQ(s.parent_span_id, 0x33u);
  EXPECT_NE(s.span_id, 0x33u);
  EXPECT_NE(s.span_id, 0u);
  EXPECT_TRUE(s.sampled) << "the caller's decision wins over this hop's";
  EXPECT_EQ(s.tracestate, "rojo=1");
  EXPECT_FALSE(s.shared);
}

TEST(StartSpanTest, SharedSpanContextReusesTheCallersSpan) {
  std::mt19937_64 random(3);
  SpanStartOptions shared;
  shared.shared_span_context = true;
  Span s = startSpan(callerContext(), "ingress", SystemTime{}, true, shared, random);
  EXPECT_EQ(s.span_id, 0x33u);
  EXPECT_EQ(s.parent_span_id, 0x22u);
  EXPECT_TRUE(s.shared);
  shared.kind = SpanKind::kClient;
  Span client = startSpan(callerContext(), "egress", SystemTime{}, true, shared, random);
  EXPECT_FALSE(client.shared) << "only a SERVER span shares";
  EXPECT_EQ(client.parent_span_id, 0x33u);
}

TEST(StartSpanTest, NewRootWithoutAValidCaller) {
  std::mt19937_64 random(3);
  Span none = startSpan(std::nullopt, "ingress", SystemTime{}, true, {}, random);
  EXPECT_FALSE(none.trace_id.isZero());
  EXPECT_NE(none.trace_id.high, 0u);
  EXPECT_EQ(none.parent_span_id, 0u);
  EXPECT_TRUE(none.sampled);

  SpanContext deny;  // "b3: 0": no ids, a decision
  deny.sampled = false;
  SpanStartOptions b64;
  b64.trace_id_128bit = false;
  Span denied = startSpan(deny, "ingress", SystemTime{}, true, b64, random);
  EXPECT_FALSE(denied.sampled);
  EXPECT_EQ(denied.trace_id.high, 0u);
  EXPECT_EQ(denied.parent_span_id, 0u);

  SpanContext debug;
  debug.debug = true;
  debug.sampled = true;
  EXPECT_TRUE(startSpan(debug, "x", SystemTime{}, false, {}, random).sampled);

  SpanContext undecided = callerContext();
  undecided.sampled.reset();
  EXPECT_FALSE(startSpan(undecided, "x", SystemTime{}, false, {}, random).sampled)
      << "no caller decision: this hop's";
}

TEST(StartSpanTest, ChildSpanInheritsTrace) {
  std::mt19937_64 random(3);
  Span parent = startSpan(callerContext(), "ingress", SystemTime{}, false, {}, random);
  Span child = startChildSpan(parent, "router backend egress", SpanKind::kClient,
                              SystemTime{} + std::chrono::seconds(1), random);
  EXPECT_EQ(child.trace_id, parent.trace_id);
  EXPECT_EQ(child.parent_span_id, parent.span_id);
  EXPECT_NE(child.span_id, parent.span_id);
  EXPECT_EQ(child.sampled, parent.sampled);
  EXPECT_EQ(child.kind, SpanKind::kClient);
}

TEST(SpanTest, TagsReplaceAndDuration) {
  Span s;
  s.setTag("a", "1");
  s.setTag("b", "2");
  s.setTag("a", "3");
  ASSERT_EQ(s.tags.size(), 2u);
  EXPECT_EQ(*s.findTag("a"), "3");
  EXPECT_EQ(s.findTag("c"), nullptr);
  EXPECT_FALSE(s.hasError());
  s.setTag("error", "true");
  EXPECT_TRUE(s.hasError());
  s.start = SystemTime{} + std::chrono::milliseconds(5);
  s.end = s.start + std::chrono::microseconds(1500);
  EXPECT_EQ(s.duration().count(), 1500);
}

Span sampledSpan(uint64_t id) {
  Span s;
  s.span_id = id;
  s.sampled = true;
  return s;
}

TEST(SpanBufferTest, BoundedWithDropCountingAndBatches) {
  stats::Counter dropped({"tracing.spans_dropped", "tracing.spans_dropped", {}});
  stats::Counter added({"tracing.spans_buffered", "tracing.spans_buffered", {}});
  SpanBuffer buffer({/*max_spans=*/4, /*min_flush_spans=*/3, /*max_batch=*/2}, &dropped, &added);
  Span unsampled;
  EXPECT_FALSE(buffer.add(unsampled));
  EXPECT_EQ(dropped.value(), 0u) << "unsampled spans are not exported, not dropped";
  for (uint64_t i = 1; i <= 6; ++i) buffer.add(sampledSpan(i));
  EXPECT_EQ(buffer.size(), 4u);
  EXPECT_EQ(dropped.value(), 2u);
  EXPECT_EQ(buffer.droppedTotal(), 2u);
  EXPECT_EQ(added.value(), 4u);
  EXPECT_TRUE(buffer.flushDue());
  auto batch = buffer.takeBatch();
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0].span_id, 1u) << "oldest first";
  EXPECT_EQ(batch[1].span_id, 2u);
  EXPECT_FALSE(buffer.flushDue());
  EXPECT_TRUE(buffer.add(sampledSpan(7))) << "room again after a batch left";
  EXPECT_EQ(buffer.takeBatch().size(), 2u);
  EXPECT_EQ(buffer.takeBatch().size(), 1u);
  EXPECT_TRUE(buffer.empty());
  EXPECT_TRUE(buffer.takeBatch().empty());
}

}  // namespace
}  // namespace meshproxy::tracing
