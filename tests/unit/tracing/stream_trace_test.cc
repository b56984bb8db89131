#include "proxy/tracing/stream_trace.h"

#include <gtest/gtest.h>

#include <random>

#include "proxy/tracing/w3c_trace_context.h"
#include "tests/unit/tracing/fake_trace_headers.h"

namespace meshproxy::tracing {
namespace {

constexpr char kRequestId[] = "0000aaaa-1111-4222-8333-444455556666";

class RecordingSinks : public SpanSinks {
 public:
  void add(const std::shared_ptr<const Tracer>&, Span span) override {
    spans.push_back(std::move(span));
  }
  std::vector<Span> spans;
};

HttpTracer tracer(Propagation propagation, bool egress) {
  HttpTracer h;
  auto t = std::make_shared<Tracer>();
  t->propagation = propagation;
  t->name_by_host = propagation == Propagation::kB3;
  t->trace_id_128bit = propagation == Propagation::kW3C;
  t->shared_span_context = propagation == Propagation::kB3;
  h.tracer = t;
  h.egress = egress;
  h.local = {"node-1", "zone-a"};
  return h;
}

SystemTime at(int ms) { return SystemTime{} + std::chrono::milliseconds(ms); }

TEST(StreamTraceTest, IngressContinuesTheCallersW3CTraceAndWritesItsOwnSpan) {
  HttpTracer config = tracer(Propagation::kW3C, /*egress=*/false);
  std::mt19937_64 random(7);
  StreamTrace trace(config);
  FakeTraceHeaders h{{"x-request-id", kRequestId},
                     {"traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
                     {"tracestate", "vendor=1"}};
  trace.onRequestHeaders(h, {.host = "svc"}, at(1), random);
  ASSERT_NE(trace.span(), nullptr);
  const Span& span = *trace.span();
  EXPECT_EQ(span.kind, SpanKind::kServer);
  EXPECT_EQ(span.name, "ingress");
  EXPECT_EQ(traceIdToHex(span.trace_id), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(span.parent_span_id, 0xb7ad6b7169203331u);
  EXPECT_NE(span.span_id, 0xb7ad6b7169203331u);
  EXPECT_TRUE(span.sampled);
  EXPECT_EQ(*span.findTag("node_id"), "node-1");
  // The next hop sees this span as its parent, the tracestate unchanged.
  EXPECT_EQ(*h.get("traceparent"), formatTraceparent(span.trace_id, span.span_id, true));
  EXPECT_EQ(*h.get("tracestate"), "vendor=1");
  // Sampled by random_sampling (100% by default): '9' in x-request-id.
  EXPECT_EQ((*h.get("x-request-id"))[14], '9');
  EXPECT_EQ(trace.reason(), TraceReason::kSampling);
}

TEST(StreamTraceTest, EgressStartsARootClientSpanAndPropagatesTheDecorator) {
  HttpTracer config = tracer(Propagation::kW3C, /*egress=*/true);
  std::mt19937_64 random(7);
  StreamTrace trace(config);
  FakeTraceHeaders h{{"x-request-id", kRequestId}};
  trace.onRequestHeaders(h, {.host = "reviews:9080", .decorator_operation = "reviews/*"}, at(1),
                         random);
  ASSERT_NE(trace.span(), nullptr);
  EXPECT_EQ(trace.span()->kind, SpanKind::kClient);
  EXPECT_EQ(trace.span()->parent_span_id, 0u);
  EXPECT_EQ(trace.span()->name, "reviews/*");
  EXPECT_EQ(*h.get("x-envoy-decorator-operation"), "reviews/*");

  // Without a decorator: Envoy's "egress <host>".
  StreamTrace plain(config);
  FakeTraceHeaders h2{{"x-request-id", kRequestId}};
  plain.onRequestHeaders(h2, {.host = "reviews:9080"}, at(1), random);
  EXPECT_EQ(plain.span()->name, "egress reviews:9080");
  EXPECT_FALSE(h2.get("x-envoy-decorator-operation").has_value());
}

TEST(StreamTraceTest, IngressTakesTheCallersDecoratorOperationAndRemovesIt) {
  HttpTracer config = tracer(Propagation::kW3C, /*egress=*/false);
  std::mt19937_64 random(7);
  StreamTrace trace(config);
  FakeTraceHeaders h{{"x-request-id", kRequestId}, {"x-envoy-decorator-operation", "checkout"}};
  trace.onRequestHeaders(h, {.host = "svc", .decorator_operation = "mine"}, at(1), random);
  EXPECT_EQ(trace.span()->name, "checkout");
  EXPECT_FALSE(h.get("x-envoy-decorator-operation").has_value());
}

TEST(StreamTraceTest, UpstreamSpanIsAChildAndReplacesThePropagatedContext) {
  HttpTracer config = tracer(Propagation::kW3C, /*egress=*/false);
  config.config.spawn_upstream_span = true;
  std::mt19937_64 random(7);
  StreamTrace trace(config);
  FakeTraceHeaders h{{"x-request-id", kRequestId}};
  trace.onRequestHeaders(h, {.host = "svc"}, at(1), random);
  trace.onUpstreamRequest(h, "backend", at(2), random);
  ASSERT_NE(trace.upstreamSpan(), nullptr);
  const Span upstream = *trace.upstreamSpan();
  const Span server = *trace.span();
  EXPECT_EQ(upstream.name, "router backend egress");
  EXPECT_EQ(upstream.kind, SpanKind::kClient);
  EXPECT_EQ(upstream.parent_span_id, server.span_id);
  EXPECT_EQ(*h.get("traceparent"), formatTraceparent(upstream.trace_id, upstream.span_id, true));

  accesslog::StreamInfo info;
  info.response_code = 503;
  info.upstream_cluster = "backend";
  RecordingSinks sinks;
  trace.finish(info, at(10), &sinks);
  ASSERT_EQ(sinks.spans.size(), 2u);
  EXPECT_EQ(sinks.spans[0].span_id, upstream.span_id);
  EXPECT_EQ(sinks.spans[1].span_id, server.span_id);
  for (const auto& s : sinks.spans) {
    EXPECT_EQ(*s.findTag("http.status_code"), "503");
    EXPECT_EQ(*s.findTag("upstream_cluster"), "backend");
    EXPECT_EQ(*s.findTag("component"), "proxy");
    EXPECT_TRUE(s.hasError());
    EXPECT_EQ(s.end, at(10));
  }
}

TEST(StreamTraceTest, WithoutSpawnUpstreamSpanTheRouterAddsNothing) {
  HttpTracer config = tracer(Propagation::kW3C, /*egress=*/false);
  std::mt19937_64 random(7);
  StreamTrace trace(config);
  FakeTraceHeaders h{{"x-request-id", kRequestId}};
  trace.onRequestHeaders(h, {.host = "svc"}, at(1), random);
  const std::string before(*h.get("traceparent"));
  trace.onUpstreamRequest(h, "backend", at(2), random);
  EXPECT_EQ(trace.upstreamSpan(), nullptr);
  EXPECT_EQ(*h.get("traceparent"), before);
}

TEST(StreamTraceTest, B3SharedSpanContextAndUnsampledSpansAreNotExported) {
  HttpTracer config = tracer(Propagation::kB3, /*egress=*/false);
  std::mt19937_64 random(7);
  StreamTrace trace(config);
  FakeTraceHeaders h{{"x-request-id", kRequestId},
                     {"x-b3-traceid", "463ac35c9f6413ad"},
                     {"x-b3-spanid", "a2fb4a1d1a96d312"},
                     {"x-b3-sampled", "0"}};
  trace.onRequestHeaders(h, {.host = "svc:80"}, at(1), random);
  ASSERT_NE(trace.span(), nullptr);
  EXPECT_EQ(trace.span()->name, "svc:80");
  EXPECT_EQ(trace.span()->span_id, 0xa2fb4a1d1a96d312u);
  EXPECT_TRUE(trace.span()->shared);
  EXPECT_FALSE(trace.span()->sampled);  // the caller's decision wins
  EXPECT_EQ(*h.get("x-b3-sampled"), "0");
  EXPECT_EQ(*h.get("x-b3-traceid"), "463ac35c9f6413ad");
  RecordingSinks sinks;
  trace.finish(accesslog::StreamInfo{}, at(2), &sinks);
  EXPECT_TRUE(sinks.spans.empty());
}

TEST(StreamTraceTest, RouteSamplingOverridesTheConnectionManagers) {
  HttpTracer config = tracer(Propagation::kW3C, /*egress=*/true);
  RouteTracingConfig route;
  route.random = SamplingFraction{0, 10000};
  std::mt19937_64 random(7);
  StreamTrace trace(config);
  FakeTraceHeaders h{{"x-request-id", kRequestId}};
  trace.onRequestHeaders(h, {.host = "svc", .route = &route}, at(1), random);
  EXPECT_EQ(trace.reason(), TraceReason::kNotTraceable);
  EXPECT_FALSE(trace.span()->sampled);
  EXPECT_EQ((*h.get("x-request-id"))[14], '4');
}

TEST(StreamTraceTest, WithoutAProviderOnlyTheDecisionIsTaken) {
  HttpTracer config;
  std::mt19937_64 random(7);
  StreamTrace trace(config);
  FakeTraceHeaders h{{"x-request-id", kRequestId}, {"x-envoy-force-trace", "1"}};
  trace.onRequestHeaders(h, {.host = "svc"}, at(1), random);
  EXPECT_EQ(trace.reason(), TraceReason::kServiceForced);
  EXPECT_EQ((*h.get("x-request-id"))[14], 'a');
  EXPECT_EQ(trace.span(), nullptr);
  EXPECT_FALSE(h.get("traceparent").has_value());
}

}  // namespace
}  // namespace meshproxy::tracing
