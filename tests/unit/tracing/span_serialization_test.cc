#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "proxy/tracing/otlp_spans.h"
#include "proxy/tracing/span_tags.h"
#include "proxy/tracing/zipkin_json.h"

namespace meshproxy::tracing {
namespace {

// A server span and its upstream client span, as one request through a sidecar produces them.
std::vector<Span> requestSpans() {
  std::mt19937_64 random(11);
  SpanContext caller;
  caller.trace_id = TraceId{0x4bf92f3577b34da6ULL, 0xa3ce929d0e0e4736ULL};
  caller.span_id = 0x00f067aa0ba902b7ULL;
  caller.sampled = true;
  caller.tracestate = "rojo=00f067aa0ba902b7";
  const SystemTime t0 = SystemTime{} + std::chrono::microseconds(1700000000123456);
  Span server = startSpan(caller, "ingress", t0, true, {}, random);
  server.setTag("http.method", "GET");
  server.setTag("http.status_code", "200");
  server.setTag("quote\"and\\slash", "line\nbreak \xc3\xa9");
  server.log(t0 + std::chrono::microseconds(10), "last_downstream_rx_byte_received");
  server.end = t0 + std::chrono::microseconds(2500);
  Span client = startChildSpan(server, "router backend egress", SpanKind::kClient,
                               t0 + std::chrono::microseconds(100), random);
  client.setTag("http.status_code", "404");
  client.setTag("upstream_cluster", "backend");
  client.end = t0 + std::chrono::microseconds(2000);
  return {server, client};
}

std::vector<SpanTag> sortedTags(std::vector<SpanTag> tags) {
  std::sort(tags.begin(), tags.end(),
            [](const SpanTag& a, const SpanTag& b) { return a.key < b.key; });
  return tags;
}

TEST(ZipkinJsonTest, RoundTrips) {
  const auto spans = requestSpans();
  const std::string json = encodeZipkinJsonV2(spans, {"productpage.default", "10.0.0.5", 9080});
  auto back = decodeZipkinJsonV2(json);
  ASSERT_TRUE(back.ok()) << back.status() << "\n" << json;
  ASSERT_EQ(back->size(), 2u);
  for (size_t i = 0; i < spans.size(); ++i) {
    Span expected = spans[i];
    expected.tracestate.clear();  // Zipkin has no tracestate
    expected.tags = sortedTags(expected.tags);
    EXPECT_EQ((*back)[i], expected) << i << "\n" << json;
  }
}

TEST(ZipkinJsonTest, Layout) {
  auto spans = requestSpans();
  spans[0].shared = true;
  spans[0].debug = true;
  const std::string json = encodeZipkinJsonV2(spans, {"productpage.default", "10.0.0.5", 9080});
  EXPECT_EQ(json.front(), '[');
  EXPECT_NE(json.find("\"traceId\":\"4bf92f3577b34da6a3ce929d0e0e4736\""), std::string::npos);
  EXPECT_NE(json.find("\"parentId\":\"00f067aa0ba902b7\""), std::string::npos);
  EXPECT_NE(json.find("\"kind\":\"SERVER\""), std::string::npos);
  EXPECT_NE(json.find("\"kind\":\"CLIENT\""), std::string::npos);
  EXPECT_NE(json.find("\"timestamp\":1700000000123456,\"duration\":2500"), std::string::npos);
  EXPECT_NE(json.find("\"shared\":true"), std::string::npos);
  EXPECT_NE(json.find("\"debug\":true"), std::string::npos);
  EXPECT_NE(json.find("\"localEndpoint\":{\"serviceName\":\"productpage.default\",\"ipv4\":\"10.0."
                      "0.5\",\"port\":9080}"),
            std::string::npos);
  EXPECT_NE(json.find("\"line\\nbreak"), std::string::npos) << "escaped";

  Span root;
  root.trace_id = TraceId{0, 0xabc};
  root.span_id = 1;
  const std::string one = encodeZipkinJsonV2({&root, 1}, {"svc", "::1", 0});
  EXPECT_NE(one.find("\"traceId\":\"0000000000000abc\""), std::string::npos) << "64-bit id";
  EXPECT_EQ(one.find("parentId"), std::string::npos) << "a root has no parent";
  EXPECT_NE(one.find("\"ipv6\":\"::1\""), std::string::npos);
  EXPECT_EQ(one.find("\"port\""), std::string::npos);
  EXPECT_EQ(one.find("\"tags\""), std::string::npos);
  EXPECT_EQ(encodeZipkinJsonV2({}, {"svc"}), "[]");
}

TEST(ZipkinJsonTest, DecodeRejectsGarbage) {
  EXPECT_FALSE(decodeZipkinJsonV2("{").ok());
  EXPECT_FALSE(decodeZipkinJsonV2("[1]").ok());
  EXPECT_FALSE(decodeZipkinJsonV2("[{\"traceId\":\"xyz\",\"id\":\"0000000000000001\"}]").ok());
}

TEST(OtlpSpansTest, RoundTripsThroughTheWire) {
  const auto spans = requestSpans();
  OtlpResource resource;
  resource.service_name = "productpage.default";
  resource.attributes = {{"k8s.namespace.name", "default"}};
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
  appendOtlpSpans(spans, resource, request);
  std::string wire;
  ASSERT_TRUE(request.SerializeToString(&wire));
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(wire));
  auto back = spansFromOtlp(parsed);
  ASSERT_EQ(back.size(), 2u);
  for (size_t i = 0; i < spans.size(); ++i) EXPECT_EQ(back[i], spans[i]) << i;
}

TEST(OtlpSpansTest, ResourceScopeIdsAndStatus) {
  const auto spans = requestSpans();
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
  OtlpResource resource;
  resource.service_name = "svc";
  resource.attributes = {{"deployment.environment", "test"}};
  appendOtlpSpans(spans, resource, request);
  ASSERT_EQ(request.resource_spans_size(), 1);
  const auto& rs = request.resource_spans(0);
  ASSERT_EQ(rs.resource().attributes_size(), 2);
  EXPECT_EQ(rs.resource().attributes(0).key(), "service.name");
  EXPECT_EQ(rs.resource().attributes(0).value().string_value(), "svc");
  EXPECT_EQ(rs.resource().attributes(1).key(), "deployment.environment");
  ASSERT_EQ(rs.scope_spans_size(), 1);
  EXPECT_EQ(rs.scope_spans(0).scope().name(), "envoy");
  const auto& server = rs.scope_spans(0).spans(0);
  EXPECT_EQ(server.trace_id(),
            std::string("\x4b\xf9\x2f\x35\x77\xb3\x4d\xa6\xa3\xce\x92\x9d\x0e\x0e\x47\x36", 16));
  EXPECT_EQ(server.parent_span_id(), std::string("\x00\xf0\x67\xaa\x0b\xa9\x02\xb7", 8));
  EXPECT_EQ(server.span_id().size(), 8u);
  EXPECT_EQ(server.trace_state(), "rojo=00f067aa0ba902b7");
  EXPECT_EQ(server.kind(), opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(server.start_time_unix_nano(), 1700000000123456000ULL);
  EXPECT_EQ(server.end_time_unix_nano() - server.start_time_unix_nano(), 2500000u);
  EXPECT_EQ(server.status().code(), opentelemetry::proto::trace::v1::Status::STATUS_CODE_UNSET);
  ASSERT_EQ(server.events_size(), 1);
  const auto& client = rs.scope_spans(0).spans(1);
  EXPECT_EQ(client.kind(), opentelemetry::proto::trace::v1::Span::SPAN_KIND_CLIENT);
  EXPECT_EQ(client.status().code(), opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR)
      << "a 4xx is an error on a CLIENT span";
}

TEST(OtlpSpansTest, StatusRules) {
  auto status = [](SpanKind kind, const char* code, bool error_tag = false) {
    Span s;
    s.kind = kind;
    if (code != nullptr) s.setTag("http.status_code", code);
    if (error_tag) s.setTag("error", "true");
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest r;
    appendOtlpSpans({&s, 1}, {}, r);
    return r.resource_spans(0).scope_spans(0).spans(0).status().code();
  };
  using opentelemetry::proto::trace::v1::Status;
  EXPECT_EQ(status(SpanKind::kServer, "200"), Status::STATUS_CODE_UNSET);
  EXPECT_EQ(status(SpanKind::kServer, "404"), Status::STATUS_CODE_UNSET);
  EXPECT_EQ(status(SpanKind::kClient, "404"), Status::STATUS_CODE_ERROR);
  EXPECT_EQ(status(SpanKind::kServer, "503"), Status::STATUS_CODE_ERROR);
  EXPECT_EQ(status(SpanKind::kServer, "0"), Status::STATUS_CODE_ERROR);
  EXPECT_EQ(status(SpanKind::kServer, "200", true), Status::STATUS_CODE_ERROR);
  EXPECT_EQ(status(SpanKind::kServer, nullptr), Status::STATUS_CODE_UNSET);
}

}  // namespace
}  // namespace meshproxy::tracing
